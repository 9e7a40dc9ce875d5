//! One round through `run_round`: stages in order over a feed supply held
//! in memory, faults kept to the item they hit, and a story stage whose
//! work is the window around the new articles, not the archive.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use parallax_core::{FeedSource, NewArticle};
use parallax_fetch::Validators;
use parallax_ingest::fulltext::RobotsCache;
use parallax_ingest::round::Stage;
use parallax_ingest::supply::{Supplied, SupplyFuture};
use parallax_ingest::{
    Config, FeedOutcome, FeedSupply, IngestOptions, MemorySupply, NoProgress, Progress, Round, RoundReport,
    SearchCatchUp, run_round,
};
use parallax_store::{FeedStatus, SqliteStore, Store, StoryAssignment};

/// Five events, each told by every outlet in its own words.
const EVENTS: [&str; 5] = [
    "Harbor bridge closed after ferry collision injures twelve",
    "Central bank raises interest rates to curb inflation",
    "Wildfire forces evacuation of mountain villages near Crestview",
    "Parliament passes sweeping data privacy law after long debate",
    "Striking dockworkers reach wage deal with port operators",
];

fn rss(outlet: &str, items: &[(String, String, DateTime<Utc>)]) -> Vec<u8> {
    let mut xml = format!("<rss version=\"2.0\"><channel><title>{outlet}</title>");
    for (link, title, published) in items {
        xml.push_str(&format!(
            "<item><title>{title}</title><link>{link}</link><pubDate>{}</pubDate>\
             <description>{title}. Officials described what happened and what comes next.</description></item>",
            published.to_rfc2822()
        ));
    }
    xml.push_str("</channel></rss>");
    xml.into_bytes()
}

/// `outlets` feeds, each telling every event, published around `at`.
fn feeds(outlets: usize, at: DateTime<Utc>) -> Vec<(String, String, Vec<u8>)> {
    (0..outlets)
        .map(|n| {
            let outlet = format!("outlet{n}.example");
            let items: Vec<_> = EVENTS
                .iter()
                .enumerate()
                .map(|(e, title)| {
                    let words: Vec<&str> = title.split(' ').collect();
                    // Each outlet drops a different word, so the texts differ.
                    let told: Vec<&str> =
                        words.iter().enumerate().filter(|(i, _)| *i != n % words.len()).map(|(_, w)| *w).collect();
                    (format!("https://{outlet}/{e}"), told.join(" "), at - Duration::minutes((n * 7 + e) as i64))
                })
                .collect();
            (format!("https://{outlet}/rss"), outlet.clone(), rss(&outlet, &items))
        })
        .collect()
}

fn register(store: &mut dyn Store, feeds: &[(String, String, Vec<u8>)]) {
    let sources: Vec<FeedSource> = feeds
        .iter()
        .map(|(url, outlet, _)| FeedSource {
            url: url.clone(),
            outlet: outlet.clone(),
            title: None,
            language: None,
            categories: Vec::new(),
        })
        .collect();
    store.import(&[], &[], &sources).expect("register feeds");
}

fn quiet_config() -> Config {
    let mut config = Config::default();
    config.fulltext.enabled = false;
    config
}

/// One round over `supply` with every registered feed.
fn round(
    store: &mut dyn Store,
    supply: Arc<dyn FeedSupply>,
    config: &Config,
    search: Option<&dyn SearchCatchUp>,
) -> RoundReport {
    round_with(store, supply, config, search, &NoProgress)
}

fn round_with(
    store: &mut dyn Store,
    supply: Arc<dyn FeedSupply>,
    config: &Config,
    search: Option<&dyn SearchCatchUp>,
    progress: &dyn Progress,
) -> RoundReport {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let feeds = store.feeds(None).expect("feeds");
    let robots = RobotsCache::default();
    let round = Round {
        config,
        supply,
        feeds,
        options: IngestOptions::default(),
        progress,
        embedder: None,
        robots: &robots,
        search,
    };
    run_round(store, round, runtime.handle())
}

fn memory(feeds: &[(String, String, Vec<u8>)]) -> MemorySupply {
    MemorySupply::new("test", feeds.iter().map(|(url, _, bytes)| (url.clone(), bytes.clone())))
}

/// The new articles' stories, as sets of article URLs.
fn partition(store: &dyn Store, only: impl Fn(&str) -> bool) -> BTreeSet<BTreeSet<String>> {
    let mut stories = BTreeSet::new();
    store
        .for_each_story(&mut |story| {
            let urls: BTreeSet<String> =
                story.articles.iter().map(|a| a.article.article.url.clone()).filter(|u| only(u)).collect();
            if !urls.is_empty() {
                stories.insert(urls);
            }
            Ok(())
        })
        .expect("stories");
    stories
}

#[test]
fn a_round_runs_every_stage_and_reports_each() {
    let mut store = SqliteStore::open_in_memory().expect("store");
    let feeds = feeds(4, Utc::now());
    register(&mut store, &feeds);
    let report = round(&mut store, Arc::new(memory(&feeds)), &quiet_config(), None);
    assert_eq!(report.stopped, None);
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!((report.feeds.fetched, report.feeds.articles_new), (4, 20));
    assert!(report.feeds.commits < 4, "the feeds are committed together: {} commits", report.feeds.commits);
    assert_eq!(report.stories.articles, 20);
    assert_eq!(report.views.stories, report.stories.touched.len());
    let stages: Vec<Stage> = report.stage_seconds.iter().map(|(stage, _)| *stage).collect();
    assert_eq!(stages, [Stage::Feeds, Stage::FullText, Stage::Stories, Stage::Views, Stage::Recount]);
    let stories = partition(&store, |_| true);
    assert_eq!(stories.len(), EVENTS.len(), "one story per event: {stories:#?}");
}

/// Writes down what a progress display would draw.
#[derive(Default)]
struct RecordedProgress(std::sync::Mutex<Vec<String>>);

impl Progress for RecordedProgress {
    fn started(&self, feeds: usize) {
        self.0.lock().expect("lock").push(format!("feeds 0/{feeds}"));
    }
    fn feed_done(&self, _feed_url: &str, _outcome: &FeedOutcome) {
        self.0.lock().expect("lock").push("feed done".into());
    }
    fn stage_started(&self, stage: Stage, total: usize) {
        self.0.lock().expect("lock").push(format!("{} 0/{total}", stage.as_str()));
    }
    fn stage_advanced(&self, done: usize) {
        self.0.lock().expect("lock").push(format!("done {done}"));
    }
}

#[test]
fn progress_is_heard_through_every_stage() {
    let mut store = SqliteStore::open_in_memory().expect("store");
    let feeds = feeds(3, Utc::now());
    register(&mut store, &feeds);
    let progress = RecordedProgress::default();
    let report = round_with(&mut store, Arc::new(memory(&feeds)), &quiet_config(), None, &progress);
    assert_eq!(report.stories.articles, 15);
    let heard = progress.0.into_inner().expect("lock");
    let starts: Vec<&str> = heard.iter().filter(|line| line.contains(" 0/")).map(String::as_str).collect();
    let touched = report.stories.touched.len();
    assert_eq!(
        starts,
        ["feeds 0/3", "full text 0/0", "stories 0/15", &format!("views 0/{touched}"), "re-rated 0/0"],
        "{heard:?}"
    );
    assert!(heard.contains(&"done 15".to_string()), "the story stage counts its articles: {heard:?}");
    assert!(heard.contains(&format!("done {touched}")), "the view stage counts its stories: {heard:?}");
}

/// A supply that panics for one URL, as a bug in a fetcher would.
struct PanickingSupply {
    inner: MemorySupply,
    panics_on: String,
}

impl FeedSupply for PanickingSupply {
    fn fetch<'a>(&'a self, url: &'a str, validators: &'a Validators) -> SupplyFuture<'a> {
        if url == self.panics_on {
            Box::pin(async move {
                let supplied: Result<Supplied, _> = self.inner.fetch(url, validators).await;
                panic!("fixture fetcher bug for {url} ({})", supplied.is_ok());
            })
        } else {
            self.inner.fetch(url, validators)
        }
    }
}

/// A search index whose catch-up crashes.
struct BrokenIndex;

impl SearchCatchUp for BrokenIndex {
    fn catch_up(&self, _store: &mut dyn Store) -> Result<usize, String> {
        panic!("index writer poisoned");
    }
}

#[test]
fn a_crash_in_one_feed_or_stage_stays_there() {
    let mut store = SqliteStore::open_in_memory().expect("store");
    let feeds = feeds(3, Utc::now());
    register(&mut store, &feeds);
    let crashing = feeds[1].0.clone();
    let supply = PanickingSupply { inner: memory(&feeds), panics_on: crashing.clone() };
    let report = round(&mut store, Arc::new(supply), &quiet_config(), Some(&BrokenIndex));
    assert_eq!(report.stopped, None, "a crash stops nothing");
    assert_eq!((report.feeds.fetched, report.feeds.articles_new), (2, 10), "the other feeds are stored");
    let [(url, reason)] = &report.feeds.failed[..] else { panic!("{:?}", report.feeds.failed) };
    assert_eq!(url, &crashing);
    assert!(reason.contains("crashed: fixture fetcher bug"), "{reason}");
    let status = store.feeds(Some(&[crashing])).expect("feed").remove(0);
    assert_eq!(status.status, FeedStatus::Failed);
    assert!(status.last_error.as_deref().is_some_and(|e| e.contains("fixture fetcher bug")), "{status:?}");
    assert_eq!(report.stories.articles, 10, "the stages after it ran");
    let [failure] = &report.failures[..] else { panic!("{:?}", report.failures) };
    assert_eq!(failure.stage, Stage::Search);
    assert!(failure.reason.contains("index writer poisoned"), "{}", failure.reason);
    assert!(report.lines().iter().any(|line| line.starts_with("search stage failed: crashed")), "{:?}", report.lines());
}

/// Stores `count` articles of `outlet`, published from `from` a minute
/// apart, each in a story of its own: an archive the round must not read.
fn archive(store: &mut dyn Store, outlet: &str, from: DateTime<Utc>, count: usize) {
    let feed = format!("https://{outlet}/rss");
    register(store, &[(feed.clone(), outlet.to_string(), Vec::new())]);
    let articles: Vec<NewArticle> = (0..count)
        .map(|i| NewArticle {
            outlet: outlet.to_string(),
            feed: feed.clone(),
            guid: format!("{outlet}-{i}"),
            url: format!("https://{outlet}/{i}"),
            title: format!("{} archive item {i}", EVENTS[i % EVENTS.len()]),
            snippet: "An older report.".into(),
            content_html: String::new(),
            truncated: false,
            language: Some("en".into()),
            language_confidence: 0.9,
            published: from + Duration::minutes(i as i64),
            date_flag: None,
            fetched: from,
            categories: Vec::new(),
        })
        .collect();
    store.insert_articles(&articles).expect("archive");
    let ids: Vec<i64> = store.unclustered_articles(usize::MAX).expect("ids").iter().map(|a| a.id).collect();
    let assignments: Vec<StoryAssignment> =
        ids.iter().map(|&id| StoryAssignment { article: id, story: id, copy_of: None }).collect();
    store.assign_stories(&assignments, &[], Utc::now()).expect("assign");
}

#[test]
fn a_round_replays_the_window_of_its_articles_not_the_archive() {
    let now = Utc::now();
    let feeds = feeds(4, now);
    let mut empty = SqliteStore::open_in_memory().expect("store");
    register(&mut empty, &feeds);
    let on_empty = round(&mut empty, Arc::new(memory(&feeds)), &quiet_config(), None);
    assert_eq!(on_empty.stories.replayed, 0);

    let mut full = SqliteStore::open_in_memory().expect("store");
    // A year before and a month ahead of the new articles: outside every
    // window, and ahead of `now` (as a bulk load or a broken clock leaves).
    archive(&mut full, "past.example", now - Duration::days(365), 300);
    archive(&mut full, "future.example", now + Duration::days(30), 300);
    register(&mut full, &feeds);
    let on_archive = round(&mut full, Arc::new(memory(&feeds)), &quiet_config(), None);
    assert_eq!(on_archive.stories.replayed, 0, "nothing outside the window is read");
    assert_eq!(on_archive.stories.articles, 20);
    let new = |url: &str| url.contains("://outlet");
    assert_eq!(partition(&empty, new), partition(&full, new), "the same articles form the same stories");

    // One stale item joins the stories of its own time: only that window
    // is replayed, not the archive since then.
    let stale = now - Duration::days(365) + Duration::minutes(30);
    let late = vec![(
        "https://late.example/rss".to_string(),
        "late.example".to_string(),
        rss("late.example", &[("https://late.example/1".into(), format!("{} archive item", EVENTS[0]), stale)]),
    )];
    register(&mut full, &late);
    let report = round(&mut full, Arc::new(memory(&late)), &quiet_config(), None);
    assert_eq!((report.stories.articles, report.stories.segments), (1, 1));
    assert_eq!(report.stories.replayed, 300, "the past archive's window only: {:?}", report.stories);
}

#[test]
fn an_unreachable_robots_txt_is_asked_once_per_round_and_reported_as_unreachable() {
    // Regression: robots.txt of an unreachable host was asked again for
    // every article, and its pages were reported "refused by robots.txt".
    use parallax_testkit::{FixtureServer, Route};
    let mut routes =
        vec![("/robots.txt".to_string(), Route::Body { status: 503, headers: Vec::new(), body: b"busy".to_vec() })];
    routes.extend((0..5).map(|n| {
        let page = format!("<html><body><article><p>Page {n}.</p></article></body></html>");
        (format!("/a/{n}"), Route::Body { status: 200, headers: Vec::new(), body: page.into_bytes() })
    }));
    let pages = FixtureServer::start(routes).expect("fixture server");
    let items: Vec<_> =
        (0..5).map(|n| (pages.url(&format!("/a/{n}")), format!("{} {n}", EVENTS[n]), Utc::now())).collect();
    let feeds =
        vec![("https://pages.example/rss".to_string(), "pages.example".to_string(), rss("pages.example", &items))];
    let mut store = SqliteStore::open_in_memory().expect("store");
    register(&mut store, &feeds);
    let mut config = Config::default();
    config.fetch.allow_private_networks = true;
    config.fulltext.always_outlets = vec!["pages.example".into()];
    config.fulltext.requests_per_second = 1000.0;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let robots = RobotsCache::default();
    for expected_hits in 1..=2 {
        let round = Round {
            config: &config,
            supply: Arc::new(memory(&feeds)),
            feeds: store.feeds(None).expect("feeds"),
            options: IngestOptions::default(),
            progress: &NoProgress,
            embedder: None,
            robots: &robots,
            search: None,
        };
        let report = run_round(&mut store, round, runtime.handle());
        let text = report.fulltext;
        assert_eq!((text.attempted, text.robots_unreachable, text.disallowed), (5, 5, 0), "{text:?}");
        assert_eq!(pages.hits("/robots.txt"), expected_hits, "once per round");
        assert_eq!(pages.hits("/a/0"), 0, "no page of the origin is fetched");
        assert!(report.lines()[2].contains("0 refused by robots.txt, 5 with robots.txt unreachable"));
    }
}
