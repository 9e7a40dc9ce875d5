//! The PostgreSQL store against the shared conformance suite, plus what
//! only several processes on one server can show: migrations under a lock,
//! feed leases, the clustering lock, and the copy from SQLite.
//!
//! They need a server: `PARALLAX_TEST_POSTGRES_URL` names a database the
//! tests may fill and empty (`.ci/run` starts a throwaway one). Without
//! it each test says it was skipped, and with `PARALLAX_REQUIRE_POSTGRES=1`
//! it fails instead, so CI cannot pass without the server.

use parallax_store::{SqliteStore, Store, conformance};
use parallax_store_postgres::{ClusterLock, PostgresStore, copy, testing};
use postgres::{Client, NoTls};

fn server(test: &str) -> Option<String> {
    testing::server_url(test)
}

fn fresh_database(server: &str, test: &str) -> String {
    testing::fresh_database(server, test).expect("create a test database")
}

#[test]
fn postgres_passes_the_conformance_suite() {
    let Some(server) = server("postgres_passes_the_conformance_suite") else { return };
    conformance::run_all(&mut || {
        let url = fresh_database(&server, "conformance");
        Box::new(PostgresStore::open(&url).expect("open postgres store"))
    });
}

#[test]
fn migrations_run_once_whoever_comes_first() {
    let Some(server) = server("migrations_run_once_whoever_comes_first") else { return };
    let url = fresh_database(&server, "migrations");
    let versions: Vec<i64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| PostgresStore::open(&url).expect("open").schema_version().expect("version")))
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    assert!(versions.windows(2).all(|w| w[0] == w[1]) && versions[0] > 0, "{versions:?}");
    let mut client = Client::connect(&url, NoTls).expect("connect");
    let applied: i64 = client.query_one("SELECT COUNT(*) FROM schema_migrations", &[]).expect("count").get(0);
    assert_eq!(applied, versions[0], "each migration recorded once");
}

#[test]
fn leases_share_feeds_and_expire() {
    let Some(server) = server("leases_share_feeds_and_expire") else { return };
    let url = fresh_database(&server, "leases");
    let mut store = PostgresStore::open(&url).expect("open");
    let feeds: Vec<_> =
        (0..6).map(|i| conformance::feed(&format!("https://l{i}.example/rss"), &format!("l{i}.example"))).collect();
    store.import(&[], &[], &feeds).expect("import");
    let candidates: Vec<_> = store.feeds(None).expect("feeds").iter().map(|f| (f.id, f.last_fetched)).collect();
    let other = PostgresStore::open(&url).expect("open second");
    let first = store.lease_feeds("a", &candidates, 4, 60).expect("lease");
    let second = other.lease_feeds("b", &candidates, 4, 60).expect("lease");
    assert_eq!((first.len(), second.len()), (4, 2), "no feed leased twice");
    assert!(first.iter().all(|id| !second.contains(id)));
    assert!(other.lease_feeds("b", &candidates, 4, 60).expect("lease").len() <= 2, "held leases are kept");

    // A worker that dies stops renewing: its leases run out and another takes them.
    store.lease_feeds("a", &candidates, 4, -1).expect("expire a's leases");
    let taken = other.lease_feeds("b", &candidates, 10, 60).expect("take over");
    assert_eq!(taken.len(), 6, "expired leases go to a live worker");

    // A feed fetched since the candidate list was read is not leased again.
    other.release_leases("b").expect("release");
    let at = chrono::Utc::now();
    let ok = parallax_store::FetchRecord::Fetched { etag: None, last_modified: None, next_fetch: None };
    store.record_fetch(&feeds[0].url, at, &ok).expect("fetched meanwhile");
    let stale = store.lease_feeds("a", &candidates, 10, 60).expect("lease");
    assert_eq!(stale.len(), 5, "the feed fetched meanwhile is left out");
}

#[test]
fn one_cluster_holder_and_a_standby_takes_over() {
    let Some(server) = server("one_cluster_holder_and_a_standby_takes_over") else { return };
    let url = fresh_database(&server, "cluster_lock");
    PostgresStore::open(&url).expect("migrate");
    let mut holder = ClusterLock::try_acquire(&url).expect("try").expect("first takes the lock");
    assert!(holder.still_held());
    assert!(ClusterLock::try_acquire(&url).expect("try").is_none(), "a second waits");
    drop(holder);
    assert!(ClusterLock::try_acquire(&url).expect("try").is_some(), "the standby takes over once the holder is gone");
}

#[test]
fn heartbeats_list_live_processes() {
    let Some(server) = server("heartbeats_list_live_processes") else { return };
    let url = fresh_database(&server, "heartbeats");
    let store = PostgresStore::open(&url).expect("open");
    let started = chrono::Utc::now();
    store.heartbeat("ingest-1", "ingest", started, "fetching").expect("beat");
    store.heartbeat("web-1", "web", started, "serving").expect("beat");
    let live = store.live_processes(30).expect("live");
    assert_eq!(
        live.iter().map(|p| (p.id.as_str(), p.role.as_str())).collect::<Vec<_>>(),
        [("ingest-1", "ingest"), ("web-1", "web")]
    );
    store.forget_process("web-1").expect("forget");
    assert_eq!(store.live_processes(30).expect("live").len(), 1);
}

#[test]
fn each_search_index_drains_its_own_queue() {
    let Some(server) = server("each_search_index_drains_its_own_queue") else { return };
    let url = fresh_database(&server, "consumers");
    let mut a = PostgresStore::open(&url).expect("open").with_search_consumer("web-a", true).expect("a");
    let mut b = PostgresStore::open(&url).expect("open").with_search_consumer("web-b", true).expect("b");
    let feed = "https://s.example/rss";
    a.import(&[], &[], &[conformance::feed(feed, "s.example")]).expect("import");
    a.insert_articles(&[conformance::article(feed, "s.example", "g", "https://s.example/1")]).expect("insert");
    let id = a.unclustered_articles(1).expect("pending")[0].id;
    let at = chrono::Utc::now();
    a.assign_stories(&[parallax_store::StoryAssignment { article: id, story: id, copy_of: None }], &[], at)
        .expect("assign");
    assert_eq!(a.touched_stories(10).expect("a"), [id]);
    a.forget_touched_stories(&[id]).expect("forget");
    assert!(a.touched_stories(10).expect("a").is_empty());
    assert_eq!(b.touched_stories(10).expect("b"), [id], "b's queue is its own");
    b.forget_touched_stories(&[id]).expect("forget");
}

#[test]
fn the_search_queue_of_a_process_gone_for_a_week_is_dropped() {
    let Some(server) = server("the_search_queue_of_a_process_gone_for_a_week_is_dropped") else { return };
    let url = fresh_database(&server, "stale_consumers");
    let gone = PostgresStore::open(&url).expect("open").with_search_consumer("web-gone", true).expect("gone");
    let live = PostgresStore::open(&url).expect("open").with_search_consumer("web-live", true).expect("live");
    assert!(live.touched_stories(1).expect("read marks it alive").is_empty());
    drop(gone);
    let mut sql = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    let long_ago = chrono::Utc::now().timestamp() - parallax_store_postgres::SEARCH_CONSUMER_STALE_SECS - 1;
    sql.execute("UPDATE search_consumers SET last_seen = $1 WHERE name = 'web-gone'", &[&long_ago]).expect("age it");
    sql.execute("UPDATE search_consumers SET last_seen = $1 WHERE name = 'default'", &[&long_ago]).expect("age it");
    drop(PostgresStore::open(&url).expect("open").with_search_consumer("web-new", true).expect("new"));
    let names: Vec<String> = sql
        .query("SELECT name FROM search_consumers ORDER BY name", &[])
        .expect("consumers")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(names, ["default", "web-live", "web-new"], "the one gone for a week is dropped, never the default");
}

#[test]
fn sqlite_copies_over_with_the_same_ids_and_refuses_a_full_target() {
    let Some(server) = server("sqlite_copies_over_with_the_same_ids_and_refuses_a_full_target") else { return };
    assert!(copy::mirrors_sqlite_schema(), "a new SQLite migration: mirror it in PostgreSQL's and in copy.rs");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("parallax.sqlite");
    let feed = "https://c.example/rss";
    let mut sqlite = SqliteStore::open(&path).expect("open sqlite");
    sqlite
        .import(&[], &[conformance::rating("c.example", "mbfc", "2026", None)], &[conformance::feed(feed, "c.example")])
        .expect("import");
    let articles: Vec<_> = (0..3)
        .map(|i| conformance::article(feed, "c.example", &format!("g{i}"), &format!("https://c.example/{i}")))
        .collect();
    sqlite.insert_articles(&articles).expect("insert");
    let ids: Vec<i64> = sqlite.unclustered_articles(10).expect("pending").iter().map(|a| a.id).collect();
    let at = chrono::Utc::now();
    let assignments: Vec<_> =
        ids.iter().map(|&id| parallax_store::StoryAssignment { article: id, story: ids[0], copy_of: None }).collect();
    sqlite.assign_stories(&assignments, &[], at).expect("assign");
    sqlite.quarantine_feed(feed, at, "feed: parser panicked", b"\x00\xffbytes").expect("quarantine");
    drop(sqlite);

    let url = fresh_database(&server, "copy");
    let mut seen = Vec::new();
    let report = copy::copy_sqlite_to_postgres(&path, &url, false, &mut |table, n| seen.push((table.to_string(), n)))
        .expect("copy");
    assert!(report.tables.iter().all(|(_, a, b)| a == b));
    let sqlite = SqliteStore::open(&path).expect("reopen sqlite");
    let mut pg = PostgresStore::open(&url).expect("open pg");
    assert_eq!(pg.counts().expect("pg counts"), sqlite.counts().expect("sqlite counts"));
    assert_eq!(
        pg.story(ids[0]).expect("pg story"),
        sqlite.story(ids[0]).expect("sqlite story"),
        "same ids, same story"
    );
    assert_eq!(pg.outlet("c.example").expect("pg"), sqlite.outlet("c.example").expect("sqlite"));
    assert_eq!(pg.quarantined_feeds().expect("pg"), sqlite.quarantined_feeds().expect("sqlite"));
    let next = conformance::article(feed, "c.example", "g9", "https://c.example/9");
    pg.insert_articles(&[next]).expect("ids continue after the copied ones");

    let refused = copy::copy_sqlite_to_postgres(&path, &url, false, &mut |_, _| {});
    assert!(matches!(refused, Err(copy::CopyError::TargetNotEmpty { .. })), "{refused:?}");
    copy::copy_sqlite_to_postgres(&path, &url, true, &mut |_, _| {}).expect("--force replaces");
    assert_eq!(PostgresStore::open(&url).expect("open").counts().expect("counts"), sqlite.counts().expect("counts"));
}
