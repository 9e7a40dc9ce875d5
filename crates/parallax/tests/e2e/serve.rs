//! `parallax serve` beside the rest: `ingest` writing the same data
//! directory at the same time, and `kill -9` in the middle of building the
//! search index.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use parallax_core::{FeedSource, NewArticle, Outlet};
use parallax_store::{SqliteStore, Store, StoryAssignment};
use parallax_testkit::Route;

use crate::harness::{DataDir, Fixtures, rss_document, run};

/// Only guards against a hang; nothing here is timed.
const PATIENCE: Duration = Duration::from_secs(120);

/// A running `parallax serve` and where it listens.
struct Serving {
    child: Child,
    addr: SocketAddr,
    /// The server's log lines after the address, for the failure message.
    log: mpsc::Receiver<String>,
}

impl Serving {
    /// Starts `serve` with `args` on a free loopback port and waits for its
    /// address.
    fn start(dir: &DataDir, args: &[&str]) -> Serving {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let mut child = dir
            .command(&all)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn parallax serve");
        let stderr = child.stderr.take().expect("piped stderr");
        let (send, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + PATIENCE;
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            let Ok(line) = log.recv_timeout(Duration::from_millis(200)) else { continue };
            if let Some(addr) = line.split("http://").nth(1).and_then(|rest| rest.split('/').next()) {
                let addr = addr.parse().expect("the address serve prints");
                return Serving { child, addr, log };
            }
            seen.push(line);
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("serve did not start:\n{}", seen.join("\n"));
    }

    /// GET `path`: the status code and body.
    fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        write!(stream, "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer");
        let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = answer.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
        (status, body)
    }

    /// A counter or gauge from `/metrics`.
    fn metric(&self, name: &str) -> u64 {
        let (_, metrics) = self.get("/metrics");
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /metrics"))
    }

    /// Stops the server as Ctrl-C would and waits for it.
    fn stop(mut self) -> Vec<String> {
        let _ = std::process::Command::new("kill").arg("-INT").arg(self.child.id().to_string()).status();
        let status = self.child.wait().expect("wait for serve");
        assert!(status.success(), "serve did not stop cleanly: {status}");
        self.log.try_iter().collect()
    }
}

const FEEDS: usize = 40;
const ARTICLES_PER_FEED: usize = 40;

#[test]
fn ingest_beside_serve_both_finish_and_lose_nothing() {
    let routes: Vec<(String, Route)> = (0..FEEDS)
        .map(|n| {
            let items = (1..=ARTICLES_PER_FEED).map(|item| {
                (format!("https://outlet-{n}.example/news/{item}"), format!("Outlet {n} reports on matter {item}"))
            });
            let body = rss_document(&format!("Outlet {n}"), items).into_bytes();
            (format!("/feed-{n}.xml"), Route::Body { status: 200, headers: Vec::new(), body })
        })
        .collect();
    let fixtures = Fixtures::start(routes);
    let dir = DataDir::new("[fulltext]\nenabled = false\n");
    let feeds: Vec<(String, String)> =
        (0..FEEDS).map(|n| (fixtures.url(&format!("/feed-{n}.xml")), format!("outlet-{n}.example"))).collect();
    dir.register(&feeds);

    // serve refreshes every feed at once, while ingest does the same.
    let serving = Serving::start(&dir, &["--allow-private-networks", "--refresh-tick", "1"]);
    let ingest = run(dir.command(&["ingest", "--quiet", "--allow-private-networks"]));
    assert!(ingest.status.success(), "ingest beside serve failed: {}", ingest.describe());
    assert!(!ingest.describe().contains("locked"), "{}", ingest.describe());

    let deadline = Instant::now() + PATIENCE;
    while serving.metric("parallax_refresh_rounds_total") < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let errors = serving.metric("parallax_refresh_errors_total");
    let failed = serving.metric("parallax_feeds_failed_total");
    let log = serving.stop();
    assert_eq!((errors, failed), (0, 0), "serve's rounds failed beside ingest:\n{}", log.join("\n"));
    assert_eq!(dir.export().len(), FEEDS * ARTICLES_PER_FEED, "every article is stored once");
}

/// Stories enough that building their index takes a while in a test
/// build, so the kill lands during it.
const STORIES: usize = 20_000;

/// `STORIES` one-article stories, each with a word of its own in its title.
fn write_stories(dir: &DataDir) {
    let mut store = SqliteStore::open(&dir.path().join("parallax.sqlite")).expect("open the store");
    let outlet = "bulk.example";
    let feed = "https://bulk.example/rss";
    let source =
        FeedSource { url: feed.into(), outlet: outlet.into(), title: None, language: None, categories: Vec::new() };
    store.import(&[Outlet { domain: outlet.into(), name: None }], &[], &[source]).expect("register");
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("a time");
    let articles: Vec<NewArticle> = (0..STORIES)
        .map(|n| {
            let url = format!("https://bulk.example/{n}");
            NewArticle {
                outlet: outlet.into(),
                feed: feed.into(),
                guid: url.clone(),
                url,
                title: format!("Council reviews plan storyword{n}"),
                snippet: "The council met on Monday to review the plan and hear residents.".into(),
                content_html: String::new(),
                truncated: false,
                language: Some("en".into()),
                language_confidence: 0.9,
                published: start + chrono::Duration::minutes(n as i64),
                date_flag: None,
                fetched: start,
                categories: Vec::new(),
            }
        })
        .collect();
    store.insert_articles(&articles).expect("insert");
    let ids: Vec<i64> = store.unclustered_articles(usize::MAX).expect("articles").iter().map(|a| a.id).collect();
    let assignments: Vec<StoryAssignment> =
        ids.iter().map(|&id| StoryAssignment { article: id, story: id, copy_of: None }).collect();
    store.assign_stories(&assignments, &[], start).expect("stories");
}

#[test]
fn kill_9_while_the_search_index_builds_then_search_finds_every_story() {
    let dir = DataDir::new("");
    write_stories(&dir);
    let building = dir.path().join("search.new");
    let mut child = dir
        .command(&["serve", "--no-refresh", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn parallax serve");
    let deadline = Instant::now() + PATIENCE;
    while !building.join("meta.json").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    // Let it index a while, then kill it before it swaps the index in.
    std::thread::sleep(Duration::from_millis(300));
    let interrupted = building.exists() && !dir.path().join("search").join("meta.json").exists();
    child.kill().expect("kill -9");
    let status = child.wait().expect("wait");
    assert_eq!(status.signal(), Some(9));
    assert!(interrupted, "the kill landed after the build finished; make STORIES larger");

    let serving = Serving::start(&dir, &["--no-refresh"]);
    assert_eq!(serving.metric("parallax_search_documents"), STORIES as u64, "every story is searchable");
    for n in [0, STORIES / 2, STORIES - 1] {
        let (status, found) = serving.get(&format!("/api/v1/search?q=storyword{n}"));
        assert_eq!(status, 200, "{found}");
        assert!(found.contains(&format!("\"title\":\"Council reviews plan storyword{n}\"")), "{found}");
    }
    serving.stop();
    assert!(!building.exists(), "the interrupted build is gone");
}
