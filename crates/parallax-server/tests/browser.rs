//! The pages in headless Chromium.
//!
//! - The story and home pages render the corpus' numbers (bias bar, source
//!   list, coverage box).
//! - Every page kind (home, story, outlet, blindspots, search, status,
//!   methodology, an error), at 390, 768 and 1280 px, and the home and
//!   status pages of a server whose feeds all fail for want of DNS: no
//!   horizontal overflow, nothing outside the window, no clipped text (a
//!   box narrower than its content, an SVG label outside its chart), no
//!   text under 12 px. Chromium measures a copy of each page with a
//!   measuring script added (the server's CSP forbids scripts, rightly).
//!
//! Screenshots land in target/screenshots/ (or `PARALLAX_SCREENSHOT_DIR`)
//! for a person to look at. Skipped, with a note, where Chromium is not
//! installed.

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
    if let Some(dir) = std::env::var_os("PARALLAX_SCREENSHOT_DIR") {
        return PathBuf::from(dir);
    }
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
    let server = start(dir.path());
    let base = format!("http://{}", server.addr);

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

    server.stop();
}

/// The widths every page must fit: a phone, a tablet, a laptop.
const WIDTHS: [u32; 3] = [390, 768, 1280];

/// Added to a copy of each page: measures the layout and writes what is
/// wrong into `<pre id="layout-report">` as JSON.
const MEASURE: &str = r#"<script>
(function () {
  var W = window.innerWidth;
  var out = { width: W, problems: [] };
  function name(el) {
    var s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    var c = el.getAttribute('class');
    if (c) s += '.' + c.trim().split(/\s+/).join('.');
    return s + ' "' + (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50) + '"';
  }
  var root = document.documentElement;
  if (root.scrollWidth > W) out.problems.push('the page is ' + root.scrollWidth + ' px wide in a ' + W + ' px window');
  var all = document.body.getElementsByTagName('*');
  for (var i = 0; i < all.length; i++) {
    var el = all[i];
    var cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    var r = el.getBoundingClientRect();
    if (r.width <= 1 && r.height <= 1) continue;
    var svg = el instanceof SVGElement;
    if (r.right > W + 0.5 || r.left < -0.5) {
      out.problems.push('outside the window (' + Math.round(r.left) + ' to ' + Math.round(r.right) + ' px): ' + name(el));
    }
    if (!svg && cs.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) {
      out.problems.push('clipped (' + el.scrollWidth + ' px of content in ' + el.clientWidth + ' px): ' + name(el));
    }
    var text = false;
    for (var n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 3 && n.nodeValue.trim()) text = true;
    if (text && el.tagName.toLowerCase() !== 'title') {
      var size = parseFloat(cs.fontSize);
      if (svg && el.getScreenCTM()) size *= Math.abs(el.getScreenCTM().a);
      if (size < 11.95) out.problems.push('text of ' + size.toFixed(1) + ' px: ' + name(el));
    }
  }
  var labels = document.querySelectorAll('svg text');
  for (var j = 0; j < labels.length; j++) {
    var t = labels[j], box = t.ownerSVGElement.getBoundingClientRect(), r2 = t.getBoundingClientRect();
    if (r2.left < box.left - 0.5 || r2.right > box.right + 0.5 || r2.top < box.top - 0.5 || r2.bottom > box.bottom + 0.5) {
      out.problems.push('chart label cut by its chart: ' + name(t));
    }
  }
  var pre = document.createElement('pre');
  pre.id = 'layout-report';
  pre.hidden = true;
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"#;

/// GETs `path` from the server over a plain socket; returns the body.
fn fetch(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    response.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default()
}

/// Headless Chromium's window is at least 500 px wide, so a page is laid
/// out in an iframe of the width asked for, inside a window this much wider
/// or 500 px.
fn window_width(width: u32) -> u32 {
    width.max(500)
}

/// Writes a copy of `path` with the measuring script (a `<base>` keeps its
/// links and stylesheet on the server) and a page framing it at `width` x
/// `height` px that copies the report out of the frame; returns the
/// framing page.
fn framed_copy(work: &Path, addr: &str, path: &str, width: u32, height: u32) -> PathBuf {
    let html = fetch(addr, path);
    let with_base = html.replacen("<head>", &format!("<head><base href=\"http://{addr}/\">"), 1);
    let measured = with_base.replacen("</body>", &format!("{MEASURE}</body>"), 1);
    std::fs::write(work.join("measured.html"), measured).expect("write the measured copy");
    let frame = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\">\
         <iframe src=\"measured.html\" style=\"border:0;display:block;width:{width}px;height:{height}px\" \
         onload=\"var r=this.contentDocument.getElementById('layout-report');var p=document.createElement('pre');\
         p.id='layout-report';p.textContent=r?r.textContent:'null';document.body.appendChild(p);\"></iframe>\
         </body></html>"
    );
    let file = work.join("framed.html");
    std::fs::write(&file, frame).expect("write the framing page");
    file
}

/// What the measuring script found on `path` at `width` px.
fn layout_problems(chromium: &Path, profile: &Path, work: &Path, addr: &str, path: &str, width: u32) -> Vec<String> {
    let frame = framed_copy(work, addr, path, width, 900);
    let args = [
        "--dump-dom".to_string(),
        "--allow-file-access-from-files".to_string(),
        format!("--window-size={},900", window_width(width)),
    ];
    let dom = run_chromium(chromium, profile, &args, &format!("file://{}", frame.display()));
    let start = dom.find("<pre id=\"layout-report\">").map(|i| i + "<pre id=\"layout-report\">".len());
    let Some(report) = start.and_then(|s| dom[s..].find("</pre>").map(|e| &dom[s..s + e])) else {
        panic!("{path} at {width} px: no layout report in the DOM:\n{dom}");
    };
    let report = report.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    let report: serde_json::Value =
        serde_json::from_str(&report).unwrap_or_else(|e| panic!("{path} at {width} px: report {report:?}: {e}"));
    assert_eq!(report["width"], width, "{path}: Chromium laid the page out at another width");
    report["problems"].as_array().into_iter().flatten().filter_map(|p| p.as_str().map(str::to_string)).collect()
}

/// A server over the corpus in `dir`, on an ephemeral loopback port.
struct Running {
    runtime: tokio::runtime::Runtime,
    addr: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), parallax_server::ServerError>>,
}

fn start(dir: &Path) -> Running {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let options = ServeOptions {
        data_dir: dir.to_path_buf(),
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
    let addr = server.local_addr().expect("address").to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = runtime.spawn(server.run(async {
        let _ = stopped.await;
    }));
    Running { runtime, addr, stop, task }
}

impl Running {
    fn stop(self) {
        let _ = self.stop.send(());
        self.runtime.block_on(self.task).expect("server task").expect("server stops cleanly");
    }
}

/// Checks every `(name, path)` at every width in `widths`, and screenshots
/// those named in `shots` at 390 and 1280 px; fails with every problem.
fn check_pages(dir: &Path, pages: &[(&str, &str)], widths: &[u32], shots: &[&str]) {
    let Some(chromium) = chromium() else {
        eprintln!("note: chromium not found (apt-get install chromium); browser test skipped");
        return;
    };
    let server = start(dir);
    let profile = dir.join("chromium-profile");
    let shot_dir = screenshot_dir();
    std::fs::create_dir_all(&shot_dir).expect("screenshot dir");
    let mut problems = Vec::new();
    for &(name, path) in pages {
        for &width in widths {
            for problem in layout_problems(&chromium, &profile, dir, &server.addr, path, width) {
                problems.push(format!("{name} ({path}) at {width} px: {problem}"));
            }
            if shots.contains(&name) && (width == 390 || width == 1280) {
                let file = shot_dir.join(format!("{name}-{width}.png"));
                let _ = std::fs::remove_file(&file);
                let height = if width == 390 { 3000 } else { 1800 };
                let frame = framed_copy(dir, &server.addr, path, width, height);
                let args = [
                    format!("--screenshot={}", file.display()),
                    "--allow-file-access-from-files".to_string(),
                    format!("--window-size={},{height}", window_width(width)),
                ];
                run_chromium(&chromium, &profile, &args, &format!("file://{}", frame.display()));
                assert!(file.exists(), "screenshot {} written", file.display());
                eprintln!("screenshot: {}", file.display());
            }
        }
    }
    server.stop();
    assert!(problems.is_empty(), "{} layout problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn every_page_kind_fits_phone_tablet_and_laptop_widths() {
    let dir = tempfile::tempdir().expect("temp dir");
    common::build_corpus(dir.path());
    let pages = [
        ("home", "/"),
        ("story", "/stories/1"),
        ("story-blindspot", "/stories/8?sort=lean"),
        ("outlet", "/outlets/right.example"),
        ("blindspots", "/blindspots"),
        ("search", "/search?q=bridge"),
        ("status", "/status"),
        ("methodology", "/methodology"),
        ("not-found", "/stories/999"),
    ];
    check_pages(dir.path(), &pages, &WIDTHS, &["home", "story", "outlet", "blindspots", "status"]);
}

#[test]
fn an_offline_server_says_so_and_still_fits() {
    let dir = tempfile::tempdir().expect("temp dir");
    common::build_corpus(dir.path());
    common::fail_feeds(
        dir.path(),
        "fetch: request to https://example/rss failed: error sending request: client error (Connect): dns error: \
         failed to lookup address information: Temporary failure in name resolution",
    );
    let pages = [("home-offline", "/"), ("status-offline", "/status")];
    check_pages(dir.path(), &pages, &WIDTHS, &["home-offline", "status-offline"]);
}
