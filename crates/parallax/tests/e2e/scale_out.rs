//! Beyond one machine (issue 20), end to end on a real PostgreSQL server
//! (`PARALLAX_TEST_POSTGRES_URL`; skipped without one, failing with
//! `PARALLAX_REQUIRE_POSTGRES=1`):
//!
//! - the same loopback feeds give the same stories from one `serve --role
//!   all` on SQLite and from 2 ingest + 1 cluster + 1 web processes on
//!   PostgreSQL;
//! - kill -9 of an ingest and of the clustering process mid-round: the
//!   others take their work over, nothing stored is lost, no feed is
//!   fetched twice at once;
//! - `parallax migrate`, then `serve` on PostgreSQL shows the same pages,
//!   for the fixture feeds and for real outlets' articles (a NeuS sample).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use parallax_store::Store;
use parallax_store_postgres as pg_store;
use parallax_testkit::Route;
use serde_json::Value;

use crate::harness::{DataDir, Fixtures, rss_route, run};
use crate::stories::{OUTLETS, feed};

/// Fast loops, so a test takes seconds: a tick of one second, heartbeats
/// every second, leases of three.
fn config(database: Option<&str>) -> String {
    let mut toml = String::from(
        "[fetch]\nallow_private_networks = true\n\n[server]\nrefresh_tick_secs = 1\n\n\
         [roles]\nlease_secs = 3\nheartbeat_secs = 1\ntakeover_secs = 1\n",
    );
    if let Some(url) = database {
        toml.push_str(&format!("\n[database]\nurl = \"{url}\"\n"));
    }
    toml
}

/// The stories fixture's feeds, each answering with `route`.
fn fixtures(route: impl Fn(Vec<u8>, &str) -> Route) -> Fixtures {
    Fixtures::start(
        OUTLETS
            .iter()
            .enumerate()
            .map(|(minute, (outlet, _, _, a, b))| {
                (format!("/{outlet}.xml"), route(feed(outlet, minute, [*a, *b]).into_bytes(), outlet))
            })
            .collect(),
    )
}

/// Rates the outlets and registers their feeds, through the binary
/// (`outlets import`) and the store the data directory names.
fn prepare(dir: &DataDir, fixtures: &Fixtures, store: &mut dyn Store) {
    let owners: Vec<String> = OUTLETS.iter().map(|(outlet, ..)| format!("Owner of {outlet}")).collect();
    dir.import_ratings(
        &OUTLETS
            .iter()
            .zip(&owners)
            .map(|(&(outlet, lean, factuality, _, _), owner)| (outlet, lean, factuality, owner.as_str(), "corporate"))
            .collect::<Vec<_>>(),
    );
    let sources: Vec<_> = OUTLETS
        .iter()
        .map(|(outlet, ..)| parallax_core::FeedSource {
            url: fixtures.url(&format!("/{outlet}.xml")),
            outlet: outlet.to_string(),
            title: None,
            language: None,
            categories: Vec::new(),
        })
        .collect();
    store.import(&[], &[], &sources).expect("register the fixture feeds");
}

/// A `parallax` process running in the background; killed (SIGKILL) when
/// dropped.
struct Running {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Running {
    fn start(dir: &DataDir, args: &[&str]) -> Running {
        let mut command = dir.command(args);
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn parallax");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap_or_else(PoisonError::into_inner);
                log.push_str(&line);
                log.push('\n');
            }
        });
        Running { child, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The address a web process said it listens on.
    fn address(&self) -> String {
        let found = wait_for(Duration::from_secs(30), || {
            let log = self.log();
            let start = log.find("on http://")? + "on http://".len();
            let end = start + log[start..].find('/')?;
            Some(log[start..end].to_string())
        });
        found.unwrap_or_else(|| panic!("the server never said where it listens:\n{}", self.log()))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill_9();
    }
}

/// Polls `probe` every 100 ms until it gives a value or `limit` passes.
fn wait_for<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe() {
            return Some(value);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `export stories` with ids replaced by article URLs (ids depend on the
/// order feeds were committed in), sorted: what must be the same whoever
/// stored it.
fn normalized_stories(dir: &DataDir, database: Option<&str>) -> Vec<Value> {
    let mut args = vec!["export", "stories"];
    if let Some(url) = database {
        args.extend(["--database", url]);
    }
    let output = run(dir.command(&args));
    assert!(output.status.success(), "{}", output.describe());
    let stories: Vec<Value> = output.stdout.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    let mut urls = BTreeMap::new();
    for story in &stories {
        for article in story["articles"].as_array().into_iter().flatten() {
            urls.insert(article["id"].as_i64().unwrap_or(0), article["url"].clone());
        }
    }
    let url_of = |id: &Value| urls.get(&id.as_i64().unwrap_or(0)).cloned().unwrap_or(Value::Null);
    let mut normalized: Vec<Value> = stories
        .into_iter()
        .map(|mut story| {
            if let Some(object) = story.as_object_mut() {
                object.remove("id");
            }
            for article in story["articles"].as_array_mut().into_iter().flatten() {
                let copy = article.get("copy_of").map(&url_of);
                if let Some(object) = article.as_object_mut() {
                    object.remove("id");
                    if let Some(copy) = copy {
                        object.insert("copy_of".into(), copy);
                    }
                }
            }
            if let Some(ids) = story.get("bullet_articles").and_then(Value::as_array) {
                let mapped: Vec<Value> = ids.iter().map(&url_of).collect();
                story["bullet_articles"] = Value::Array(mapped);
            }
            if let Some(coverage) = story.get_mut("coverage") {
                replace_article_ids(coverage, &url_of);
            }
            story
        })
        .collect();
    normalized.sort_by_key(|story| story["articles"][0]["url"].to_string());
    normalized
}

/// Every `"article": ID` inside `value` (the coverage's headlines and
/// sides name articles) replaced by the article's URL.
fn replace_article_ids(value: &mut Value, url_of: &dyn Fn(&Value) -> Value) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object.iter_mut() {
                if key == "article" && inner.is_number() {
                    *inner = url_of(inner);
                } else {
                    replace_article_ids(inner, url_of);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| replace_article_ids(item, url_of)),
        _ => {}
    }
}

/// Every article placed and every story with its view.
fn settled(stories: &[Value], articles: usize) -> bool {
    let placed: usize = stories.iter().map(|s| s["articles"].as_array().map_or(0, Vec::len)).sum();
    placed == articles && stories.iter().all(|s| s.get("title").is_some())
}

const ARTICLES: usize = 2 * OUTLETS.len();

#[test]
fn split_roles_on_postgres_store_the_stories_one_sqlite_process_does() {
    let Some(server) = pg_store::testing::server_url("split_roles_on_postgres") else { return };
    let url = pg_store::testing::fresh_database(&server, "split_roles").expect("test database");
    let fixtures = fixtures(rss_route);

    let alone = DataDir::new(&config(None));
    let mut sqlite = parallax_store::SqliteStore::open(&alone.path().join("parallax.sqlite")).expect("open SQLite");
    prepare(&alone, &fixtures, &mut sqlite);
    drop(sqlite);
    let all = Running::start(&alone, &["serve", "--listen", "127.0.0.1:0"]);
    let expected = wait_for(Duration::from_secs(60), || {
        let stories = normalized_stories(&alone, None);
        settled(&stories, ARTICLES).then_some(stories)
    })
    .unwrap_or_else(|| panic!("serve --role all never settled:\n{}", all.log()));
    drop(all);

    let shared = DataDir::new(&config(Some(&url)));
    let mut postgres = pg_store::PostgresStore::open(&url).expect("open PostgreSQL");
    prepare(&shared, &fixtures, &mut postgres);
    let ingest_a = Running::start(&shared, &["serve", "--role", "ingest"]);
    let ingest_b = Running::start(&shared, &["serve", "--role", "ingest"]);
    let cluster = Running::start(&shared, &["serve", "--role", "cluster"]);
    let web_dir = DataDir::new(&config(Some(&url)));
    let web = Running::start(&web_dir, &["serve", "--role", "web", "--listen", "127.0.0.1:0"]);
    let got = wait_for(Duration::from_secs(60), || {
        let stories = normalized_stories(&shared, Some(&url));
        (stories == expected).then_some(stories)
    });
    let logs = || [&ingest_a, &ingest_b, &cluster, &web].map(Running::log).join("\n---\n");
    let got = got.unwrap_or_else(|| {
        panic!(
            "the split processes stored other stories:\n{:#?}\nexpected\n{:#?}\n{}",
            normalized_stories(&shared, Some(&url)),
            expected,
            logs()
        )
    });
    assert_eq!(got.len(), 2, "two events, two stories");
    for path in OUTLETS.iter().map(|(outlet, ..)| format!("/{outlet}.xml")) {
        assert_eq!(fixtures.server.hits(&path), 2, "{path}: fetched once by each deployment");
    }

    // The web process serves the stories from the database and lists
    // every live process.
    let address = web.address();
    let heads = postgres.story_heads(&Default::default(), None, 10).expect("stories");
    for head in &heads {
        let (status, page) = parallax_testkit::http_get(&address, &format!("/stories/{}", head.id)).expect("GET");
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(&html_escape(&head.title)), "the story page shows {:?}", head.title);
    }
    let listed = wait_for(Duration::from_secs(20), || {
        let (_, metrics) = parallax_testkit::http_get(&address, "/metrics").ok()?;
        let all_there = ["ingest\"} 2", "cluster\"} 1", "web\"} 1"]
            .iter()
            .all(|needle| metrics.contains(&format!("parallax_processes{{role=\"{needle}")));
        all_there.then_some(metrics)
    });
    assert!(listed.is_some(), "/metrics lists 2 ingest, 1 cluster, 1 web:\n{}", logs());
    let (status, page) = parallax_testkit::http_get(&address, "/status").expect("GET /status");
    assert_eq!(status, 200);
    for pid in [ingest_a.pid(), ingest_b.pid(), cluster.pid(), web.pid()] {
        assert!(page.contains(&format!("pid {pid}")), "/status lists process {pid}");
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#x27;")
}

#[test]
fn killed_ingest_and_cluster_processes_are_replaced() {
    let Some(server) = pg_store::testing::server_url("killed_ingest_and_cluster") else { return };
    let url = pg_store::testing::fresh_database(&server, "killed_roles").expect("test database");
    // Each feed drips its bytes for about two seconds, so a round is still
    // running when its process is killed.
    let fixtures = fixtures(|body, _| Route::Drip { interval: Duration::from_millis(2_000 / body.len() as u64), body });
    let dir = DataDir::new(&config(Some(&url)));
    let mut store = pg_store::PostgresStore::open(&url).expect("open PostgreSQL");
    prepare(&dir, &fixtures, &mut store);

    let mut holder = Running::start(&dir, &["serve", "--role", "cluster"]);
    let doing = |store: &pg_store::PostgresStore, pid: u32| {
        store.live_processes(3).ok()?.into_iter().find(|p| p.pid == i64::from(pid)).map(|p| p.doing)
    };
    wait_for(Duration::from_secs(20), || doing(&store, holder.pid()).filter(|d| !d.starts_with("standby")))
        .expect("the first clustering process takes the lock");
    let standby = Running::start(&dir, &["serve", "--role", "cluster"]);
    wait_for(Duration::from_secs(20), || doing(&store, standby.pid()).filter(|d| d.starts_with("standby")))
        .expect("the second stands by");

    let mut first = Running::start(&dir, &["serve", "--role", "ingest"]);
    let leased_by_first = wait_for(Duration::from_secs(20), || {
        let leases = store.leases().ok()?;
        let mine: Vec<i64> =
            leases.iter().filter(|(by, _)| by.ends_with(&format!("-{}", first.pid()))).map(|(_, id)| *id).collect();
        (!mine.is_empty()).then_some(mine)
    })
    .expect("the first ingest process leases feeds");
    let second = Running::start(&dir, &["serve", "--role", "ingest"]);
    std::thread::sleep(Duration::from_millis(500));
    let leases = store.leases().expect("leases");
    let mut ids: Vec<i64> = leases.iter().map(|(_, id)| *id).collect();
    ids.dedup();
    assert_eq!(ids.len(), leases.len(), "one holder per feed");
    assert!(
        leased_by_first
            .iter()
            .all(|id| leases.iter().any(|(by, held)| held == id && by.ends_with(&format!("-{}", first.pid())))),
        "the second process leaves the first one's feeds alone while its leases live"
    );

    first.kill_9();
    holder.kill_9();

    let done = wait_for(Duration::from_secs(90), || {
        let counts = store.counts().ok()?;
        let feeds = store.feeds(None).ok()?;
        let all_fetched = feeds.iter().all(|f| f.status == parallax_store::FeedStatus::Ok);
        let placed = store.unclustered_articles(1).ok()?.is_empty();
        (all_fetched && placed && counts.articles == ARTICLES as u64).then_some(counts)
    });
    assert!(done.is_some(), "the survivors finish the work:\n{}\n---\n{}", second.log(), standby.log());
    let stories = normalized_stories(&dir, Some(&url));
    assert!(
        wait_for(Duration::from_secs(30), || settled(&normalized_stories(&dir, Some(&url)), ARTICLES).then_some(()))
            .is_some(),
        "every story gets its view from the standby: {stories:#?}"
    );
    assert!(doing(&store, standby.pid()).is_some_and(|d| !d.starts_with("standby")), "the standby took over");
    for path in OUTLETS.iter().map(|(outlet, ..)| format!("/{outlet}.xml")) {
        let hits = fixtures.server.hits(&path);
        assert!((1..=2).contains(&hits), "{path}: {hits} fetches (once, or once more after the killed lease ran out)");
    }
}

#[test]
fn migrated_data_serves_the_same_story_pages() {
    let Some(server) = pg_store::testing::server_url("migrated_data_serves_the_same_pages") else { return };
    let url = pg_store::testing::fresh_database(&server, "migrated_pages").expect("test database");
    let fixtures = fixtures(rss_route);
    let sqlite_dir = DataDir::new(&config(None));
    let mut sqlite = parallax_store::SqliteStore::open(&sqlite_dir.path().join("parallax.sqlite")).expect("open");
    prepare(&sqlite_dir, &fixtures, &mut sqlite);
    drop(sqlite);
    sqlite_dir.ingest(&["--allow-private-networks"]);

    let migrated = run(sqlite_dir.command(&["migrate", "--to", &url]));
    assert!(migrated.status.success(), "{}", migrated.describe());
    assert!(migrated.stdout.contains("articles"), "{}", migrated.stdout);
    let again = run(sqlite_dir.command(&["migrate", "--to", &url]));
    assert!(!again.status.success(), "a second copy is refused");
    assert!(again.stderr.contains("already holds data") && again.stderr.contains("--force"), "{}", again.stderr);

    let heads = serve_both_and_compare(&sqlite_dir, &url, &[]);
    assert!(!heads.is_empty());
}

/// Serves `sqlite_dir` and the PostgreSQL database at `url` side by side
/// and asserts `extra` paths and every story's page and object are the
/// same bytes from both; returns the stories.
fn serve_both_and_compare(sqlite_dir: &DataDir, url: &str, extra: &[&str]) -> Vec<parallax_store::StoryHead> {
    let alone = Running::start(sqlite_dir, &["serve", "--no-refresh", "--listen", "127.0.0.1:0"]);
    let pg_dir = DataDir::new(&config(Some(url)));
    let shared = Running::start(&pg_dir, &["serve", "--no-refresh", "--listen", "127.0.0.1:0"]);
    let (a, b) = (alone.address(), shared.address());
    let store = parallax_store::SqliteStore::open(&sqlite_dir.path().join("parallax.sqlite")).expect("open");
    let heads = store.story_heads(&Default::default(), None, 10_000).expect("stories");
    let mut paths: Vec<String> = extra.iter().map(|p| p.to_string()).collect();
    for head in &heads {
        paths.push(format!("/stories/{}", head.id));
        paths.push(format!("/api/v1/stories/{}", head.id));
    }
    for path in &paths {
        let (status_a, page_a) = parallax_testkit::http_get(&a, path).expect("GET from SQLite");
        let (status_b, page_b) = parallax_testkit::http_get(&b, path).expect("GET from PostgreSQL");
        assert_eq!((status_a, status_b), (200, 200), "{path}");
        assert_eq!(page_a, page_b, "{path} differs between SQLite and PostgreSQL");
    }
    heads
}

/// The same, for a data directory of real articles: 150 NeuS gold stories
/// told by three rated outlets (450 articles, as `real_articles` serves
/// them), ingested on SQLite, migrated, and every story page and object,
/// the home page and the story listing compared byte for byte.
#[test]
fn migrated_real_articles_serve_the_same_story_pages() {
    let test = "migrated_real_articles_serve_the_same_story_pages";
    let Some(server) = pg_store::testing::server_url(test) else { return };
    let url = pg_store::testing::fresh_database(&server, "migrated_real").expect("test database");
    let sqlite_dir = DataDir::new(&format!("{}\n{}", config(None), crate::real_articles::CONFIG));
    let Some((_feeds, stories)) = crate::real_articles::serve_sample(&sqlite_dir, 150) else {
        eprintln!("SKIPPED {test}: no NeuS data under ../shared/data");
        return;
    };
    let ingest = sqlite_dir.ingest(&["--allow-private-networks"]);
    assert!(ingest.failed.is_empty(), "{}", ingest.stdout);
    assert_eq!(ingest.articles_new, stories.len() * 3, "{}", ingest.stdout);

    let migrated = run(sqlite_dir.command(&["migrate", "--to", &url]));
    assert!(migrated.status.success(), "{}", migrated.describe());
    let heads = serve_both_and_compare(&sqlite_dir, &url, &["/", "/api/v1/stories?limit=50"]);
    assert!(heads.len() >= stories.len() / 2, "{} stories from {} gold stories", heads.len(), stories.len());
}
