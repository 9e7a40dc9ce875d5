//! The SQLite store against the shared conformance suite, plus what only a
//! file-backed database can show.

use parallax_store::{SqliteStore, Store, conformance};

#[test]
fn sqlite_in_memory_passes_the_conformance_suite() {
    conformance::run_all(&mut || Box::new(SqliteStore::open_in_memory().expect("open in-memory store")));
}

#[test]
fn sqlite_file_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut n = 0;
    conformance::run_all(&mut || {
        n += 1;
        Box::new(SqliteStore::open(&dir.path().join(format!("db{n}.sqlite"))).expect("open file store"))
    });
}

#[test]
fn reopening_keeps_everything_and_does_not_remigrate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("parallax.sqlite");
    let feed = "https://d.example/rss";
    {
        let mut store = SqliteStore::open(&path).expect("open");
        store.import(&[], &[], &[conformance::feed(feed, "d.example")]).expect("import");
        store.insert_articles(&[conformance::article(feed, "d.example", "g", "https://d.example/1")]).expect("insert");
    }
    let store = SqliteStore::open(&path).expect("reopen");
    let counts = store.counts().expect("counts");
    assert_eq!((counts.feeds, counts.articles), (1, 1));
}
