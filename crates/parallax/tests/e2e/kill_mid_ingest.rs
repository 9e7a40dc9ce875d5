//! `kill -9` in the middle of an ingest: the database still opens, and every
//! feed the log reported as stored has all its articles.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use parallax_testkit::Route;

use crate::harness::{DataDir, FeedEvent, FeedEventKind, Fixtures, rss_document};

const GOOD_FEEDS: usize = 50;
/// Enough that parsing and storing a feed takes a while in a debug build,
/// so the fifty feeds finish one after another and the kill falls among
/// their commits.
const ARTICLES_PER_FEED: usize = 100;
/// Feeds that drip one byte a second and never finish while the test runs,
/// so the kill lands while ingestion is still going.
const STALLED_FEEDS: usize = 4;
/// The kill comes once this many feeds were reported stored.
const STORED_BEFORE_KILL: usize = 5;
/// How long to wait for those reports before giving up.
const WAIT_FOR_STORED: Duration = Duration::from_secs(30);

/// Everything in flight at once; the stalled feeds must outlive the test.
const CONFIG: &str = "\
[fetch]
total_timeout_secs = 60

[ingest]
concurrency = 64
per_host_concurrency = 64
";

/// After the kill, a run that cuts the stalled feeds off quickly.
const RECOVERY_CONFIG: &str = "\
[fetch]
total_timeout_secs = 2

[ingest]
concurrency = 64
per_host_concurrency = 64
";

fn good_feed(n: usize) -> Route {
    let items = (1..=ARTICLES_PER_FEED)
        .map(|item| (format!("https://outlet-{n}.example/story/{item}"), format!("Outlet {n} reports story {item}")));
    let body = rss_document(&format!("Outlet {n}"), items).into_bytes();
    Route::Body { status: 200, headers: Vec::new(), body }
}

fn stalled_feed(n: usize) -> Route {
    let body = rss_document("Stalled", [(format!("https://stalled-{n}.example/1"), "Never".to_string())]);
    Route::Drip { body: body.into_bytes(), interval: Duration::from_secs(1) }
}

#[test]
fn kill_9_mid_ingest_keeps_every_article_reported_stored() {
    let mut routes: Vec<(String, Route)> = (0..GOOD_FEEDS).map(|n| (format!("/feed-{n}.xml"), good_feed(n))).collect();
    routes.extend((0..STALLED_FEEDS).map(|n| (format!("/stalled-{n}.xml"), stalled_feed(n))));
    let fixtures = Fixtures::start(routes);
    let dir = DataDir::new(CONFIG);
    let mut feeds: Vec<(String, String)> =
        (0..GOOD_FEEDS).map(|n| (fixtures.url(&format!("/feed-{n}.xml")), format!("outlet-{n}.example"))).collect();
    feeds.extend(
        (0..STALLED_FEEDS).map(|n| (fixtures.url(&format!("/stalled-{n}.xml")), format!("stalled-{n}.example"))),
    );
    dir.register(&feeds);

    let mut child = dir
        .command(&["ingest", "--quiet", "--allow-private-networks"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn parallax ingest");
    let stderr = child.stderr.take().expect("piped stderr");
    let (lines, received) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });

    let mut log = Vec::new();
    let deadline = Instant::now() + WAIT_FOR_STORED;
    while stored(&log).len() < STORED_BEFORE_KILL {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok(line) => log.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("fewer than {STORED_BEFORE_KILL} feeds stored in {WAIT_FOR_STORED:?}:\n{}", log.join("\n"));
            }
        }
    }
    assert!(child.try_wait().expect("poll parallax").is_none(), "ingest ended before the kill");
    child.kill().expect("SIGKILL parallax");
    let status = child.wait().expect("reap parallax");
    assert_eq!(status.signal(), Some(9), "{status}");
    // Lines the process wrote before it died are still in the pipe.
    reader.join().expect("stderr reader");
    log.extend(received.try_iter());

    let reported = stored(&log);
    let articles = dir.export();
    let mut exported: BTreeMap<&str, usize> = BTreeMap::new();
    for article in &articles {
        *exported.entry(article.feed.as_str()).or_default() += 1;
    }
    for (feed, new) in &reported {
        assert_eq!(*new, ARTICLES_PER_FEED, "{feed} reported {new} new articles");
        assert_eq!(exported.get(feed.as_str()), Some(&ARTICLES_PER_FEED), "{feed} was reported stored");
    }
    for (feed, count) in &exported {
        assert_eq!(*count, ARTICLES_PER_FEED, "{feed}: one transaction per feed, all or nothing");
    }
    let listed = dir.feeds();
    assert_eq!(listed.len(), GOOD_FEEDS + STALLED_FEEDS);
    for feed in reported.keys() {
        assert_eq!(listed[feed].status, "ok", "{feed}");
    }

    dir.write_config(RECOVERY_CONFIG);
    let recovery = dir.ingest(&["--allow-private-networks"]);
    assert_eq!(recovery.articles_new, (GOOD_FEEDS - exported.len()) * ARTICLES_PER_FEED, "{}", recovery.stdout);
    assert_eq!(recovery.failed.len(), STALLED_FEEDS, "{}", recovery.stdout);
    assert_eq!(dir.export().len(), GOOD_FEEDS * ARTICLES_PER_FEED);
}

/// Feed URL to new articles, for every `stored` line of the log.
fn stored(log: &[String]) -> BTreeMap<String, usize> {
    log.iter()
        .filter_map(|line| FeedEvent::parse(line))
        .filter_map(|event| match event.kind {
            FeedEventKind::Stored { new, .. } => Some((event.feed, new)),
            _ => None,
        })
        .collect()
}
