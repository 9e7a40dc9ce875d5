//! A round whose store fails (here: another writer holds the database past
//! the busy timeout, the "database is locked" of a second process) must not
//! have every feed downloaded again at every tick: the feeds it fetched back
//! off, and are asked for once per interval until storing works again.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use parallax_core::FeedSource;
use parallax_fetch::Validators;
use parallax_ingest::fulltext::RobotsCache;
use parallax_ingest::round::Stage;
use parallax_ingest::supply::SupplyFuture;
use parallax_ingest::{
    Config, FeedSupply, IngestOptions, MemorySupply, NoProgress, Round, RoundReport, UnstoredFetches, run_round,
};
use parallax_store::{SqliteStore, Store};

const FEEDS: usize = 3;

/// A supply that counts what it is asked for.
struct CountingSupply {
    inner: MemorySupply,
    asked: AtomicUsize,
}

impl FeedSupply for CountingSupply {
    fn fetch<'a>(&'a self, url: &'a str, validators: &'a Validators) -> SupplyFuture<'a> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.inner.fetch(url, validators)
    }
}

fn rss(n: usize) -> Vec<u8> {
    format!(
        "<rss version=\"2.0\"><channel><title>Outlet {n}</title><item><title>Outlet {n} reports a harbor \
         closure</title><link>https://outlet{n}.example/1</link><description>The harbor closed today.\
         </description></item></channel></rss>"
    )
    .into_bytes()
}

/// A database file of its own, removed afterwards.
struct TempDatabase(std::path::PathBuf);

impl TempDatabase {
    fn new() -> TempDatabase {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("parallax-failing-store-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDatabase(dir)
    }

    fn path(&self) -> std::path::PathBuf {
        self.0.join("parallax.sqlite")
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn round(
    store: &mut dyn Store,
    supply: Arc<CountingSupply>,
    config: &Config,
    unstored: &Arc<UnstoredFetches>,
) -> RoundReport {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let robots = RobotsCache::default();
    let round = Round {
        config,
        supply,
        feeds: store.feeds(None).expect("feeds"),
        options: IngestOptions { unstored: Some(unstored.clone()), ..IngestOptions::default() },
        progress: &NoProgress,
        embedder: None,
        robots: &robots,
        search: None,
    };
    run_round(store, round, runtime.handle())
}

#[test]
fn a_failing_store_gets_one_fetch_per_interval_and_nothing_is_lost() {
    let database = TempDatabase::new();
    let mut store = SqliteStore::open(&database.path()).expect("store");
    let urls: Vec<String> = (0..FEEDS).map(|n| format!("https://outlet{n}.example/rss")).collect();
    let sources: Vec<FeedSource> = urls
        .iter()
        .enumerate()
        .map(|(n, url)| FeedSource {
            url: url.clone(),
            outlet: format!("outlet{n}.example"),
            title: None,
            language: None,
            categories: Vec::new(),
        })
        .collect();
    store.import(&[], &[], &sources).expect("register");
    let supply = Arc::new(CountingSupply {
        inner: MemorySupply::new("test", urls.iter().enumerate().map(|(n, url)| (url.clone(), rss(n)))),
        asked: AtomicUsize::new(0),
    });
    let mut config = Config::default();
    config.fulltext.enabled = false;
    // Long enough for the first rounds to fall inside it, short for a test.
    config.fetch.backoff_base_secs = 12;
    let unstored = Arc::new(UnstoredFetches::default());

    // Another process holds the write lock past the busy timeout.
    let holder = rusqlite::Connection::open(database.path()).expect("second connection");
    holder.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");

    let first = round(&mut store, supply.clone(), &config, &unstored);
    let stopped = first.stopped.as_ref().expect("the store failed");
    assert_eq!(stopped.stage, Stage::Feeds, "{stopped:?}");
    assert_eq!(supply.asked.load(Ordering::SeqCst), FEEDS, "each feed asked once");
    assert_eq!(unstored.len(), FEEDS, "every fetched feed backs off");

    let second = round(&mut store, supply.clone(), &config, &unstored);
    assert_eq!(supply.asked.load(Ordering::SeqCst), FEEDS, "no feed is asked again within its back-off");
    assert_eq!(second.feeds.skipped, FEEDS, "{:?}", second.lines());

    holder.execute_batch("ROLLBACK").expect("release the lock");
    let until = urls
        .iter()
        .filter_map(|url| unstored.backing_off_until(url, chrono::Utc::now()))
        .max()
        .expect("still backing off");
    let wait = (until - chrono::Utc::now()).to_std().unwrap_or_default();
    std::thread::sleep(wait + std::time::Duration::from_millis(100));

    let third = round(&mut store, supply.clone(), &config, &unstored);
    assert_eq!(third.stopped, None, "{:?}", third.lines());
    assert_eq!(supply.asked.load(Ordering::SeqCst), 2 * FEEDS, "asked again once the back-off is over");
    assert_eq!(third.feeds.articles_new, FEEDS, "nothing fetched is lost");
    assert!(unstored.is_empty(), "stored feeds are on their usual schedule again");
}
