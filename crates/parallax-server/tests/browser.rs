//! The story and home pages in headless Chromium: the bias bar, the source
//! list and the coverage box are rendered with the corpus' numbers, and a
//! screenshot of each lands in target/screenshots/ for a person to look at.
//! Skipped, with a note, where Chromium is not installed.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use parallax_server::{ServeOptions, Server, ServerConfig};

/// Chromium gets this long per page before it is stopped.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("PARALLAX_CHROMIUM").map(PathBuf::from),
        Some("/usr/bin/chromium".into()),
        Some("/usr/bin/chromium-browser".into()),
    ];
    candidates.into_iter().flatten().find(|path| path.exists())
}

fn screenshot_dir() -> PathBuf {
    let target = option_env!("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("screenshots")
}

/// Runs headless Chromium with `extra` arguments on `url`; returns stdout.
fn run_chromium(chromium: &Path, profile: &Path, extra: &[String], url: &str) -> String {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut out).map(|_| out)
    });
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait for chromium").is_some() {
            break;
        }
        if started.elapsed() > CHROMIUM_TIMEOUT {
            let _ = child.kill();
            panic!("chromium took longer than {CHROMIUM_TIMEOUT:?} on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().expect("reader thread").expect("chromium output")
}

fn assert_contains(page: &str, dom: &str, expected: &[&str]) {
    for text in expected {
        assert!(dom.contains(text), "{page}: expected {text:?} in the rendered DOM:\n{dom}");
    }
}

#[test]
fn story_and_home_pages_render_in_chromium() {
    let Some(chromium) = chromium() else {
        eprintln!("note: chromium not found (apt-get install chromium); browser test skipped");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    common::build_corpus(dir.path());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let options = ServeOptions {
        data_dir: dir.path().to_path_buf(),
        config: parallax_ingest::Config::default(),
        server: ServerConfig { listen: ([127, 0, 0, 1], 0).into(), read_connections: 2, ..ServerConfig::default() },
        selected_feeds: None,
        demo: false,
        refresh: false,
        embedder: None,
        supply: None,
        open_store: None,
        stages: parallax_ingest::Stages::ALL,
    };
    let server = runtime.block_on(Server::start(options)).expect("server starts");
    let base = format!("http://{}", server.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = runtime.spawn(server.run(async {
        let _ = stopped.await;
    }));

    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let profile = dir.path().join("chromium-profile");
    let pages: [(&str, &str, &[&str]); 2] = [
        (
            "story",
            "/stories/1?sort=lean",
            &[
                r#"data-left="2" data-center="1" data-right="1" data-disputed="0" data-unrated="1""#,
                r#"<rect class="left" x="0%" y="0" width="50%" height="100%">"#,
                r#"<rect class="center" x="50%" y="0" width="25%" height="100%">"#,
                "Left: 2 of 4 rated sources (50%)",
                "5 articles",
                r#"<dd data-field="sources">5</dd>"#,
                r#"<dd data-field="left">2</dd>"#,
                r#"<dd data-field="center">1</dd>"#,
                r#"<dd data-field="right">1</dd>"#,
                r#"<dd data-field="unrated">1</dd>"#,
                r#"<li class="article" data-article="2" data-lean="left">"#,
            ],
        ),
        (
            "home",
            "/",
            &[
                "Harbor bridge reopens after two years of repairs",
                r#"data-left="2" data-center="1" data-right="1" data-disputed="0" data-unrated="1""#,
                "Top story · 5 sources",
                "Library opens on Sundays &lt;script&gt;",
            ],
        ),
    ];
    for (name, path, expected) in pages {
        let url = format!("{base}{path}");
        let dom = run_chromium(&chromium, &profile, &["--dump-dom".to_string()], &url);
        assert_contains(name, &dom, expected);
        if name == "story" {
            assert_eq!(dom.matches("<li class=\"article\"").count(), 5, "every source is listed");
        }
        let file = shots.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&file);
        let args = [format!("--screenshot={}", file.display()), "--window-size=1280,2000".to_string()];
        run_chromium(&chromium, &profile, &args, &url);
        assert!(file.exists(), "screenshot {} written", file.display());
        eprintln!("screenshot: {}", file.display());
    }

    let _ = stop.send(());
    runtime.block_on(running).expect("server task").expect("server stops cleanly");
}
