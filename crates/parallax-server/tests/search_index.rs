//! The search index can't stay empty: whatever a crash leaves in the data
//! directory (a half-built index, a swap cut in two, an index emptied while
//! the stories stayed), the next start finds every story.

mod common;

use std::path::Path;

use common::build_corpus;
use parallax_server::ServerConfig;
use parallax_server::search::SearchIndex;
use parallax_server::server::{DATABASE_FILE, SEARCH_DIR};
use parallax_store::{SqliteStore, Store};

/// The corpus's three stories, and a word only the audit story has.
const STORIES: u64 = 3;
const AUDIT: i64 = 8;

fn open(dir: &Path) -> SearchIndex {
    let config = ServerConfig::default();
    SearchIndex::open(&dir.join(SEARCH_DIR), config.search_writer_bytes, config.search_compact_deleted_share)
        .expect("open index")
}

fn finds_the_audit(index: &SearchIndex) -> bool {
    let found = index.search("contractors", 10, &ServerConfig::default().search_limits()).expect("search");
    found.hits.iter().any(|hit| hit.story == AUDIT)
}

/// An index with every story of an empty store: the state a fresh build
/// leaves, searched but holding nothing.
fn build_empty_index(dir: &Path) {
    let empty = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(&empty.path().join(DATABASE_FILE)).expect("store");
    let index = open(dir);
    index.catch_up(&mut store, 100).expect("build the empty index");
    index.close().expect("close");
    assert!(dir.join(SEARCH_DIR).join("meta.json").exists());
}

#[test]
fn a_build_cut_short_is_started_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let half_built = dir.path().join("search.new");
    std::fs::create_dir_all(&half_built).expect("mkdir");
    std::fs::write(half_built.join("00000000.idx"), b"half a segment").expect("write");

    let index = open(dir.path());
    assert!(!half_built.exists(), "the interrupted build is deleted");
    let mut store = SqliteStore::open(&dir.path().join(DATABASE_FILE)).expect("store");
    assert_eq!(index.catch_up(&mut store, 100).expect("catch up"), STORIES as usize);
    assert_eq!(index.documents(), STORIES);
    assert!(finds_the_audit(&index));
    assert!(store.touched_stories(10).expect("queue").is_empty(), "the build's stories leave the queue");
    assert_eq!(index.catch_up(&mut store, 100).expect("catch up"), 0, "and are not indexed twice");
}

#[test]
fn an_index_that_does_not_match_the_stories_is_rebuilt_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    build_empty_index(dir.path());
    let mut store = SqliteStore::open(&dir.path().join(DATABASE_FILE)).expect("store");
    // The queue was drained by a run whose index was then lost.
    let queued = store.touched_stories(100).expect("queue");
    store.forget_touched_stories(&queued).expect("forget");

    let index = open(dir.path());
    assert_eq!(index.documents(), 0);
    index.catch_up(&mut store, 100).expect("catch up");
    assert_eq!(index.documents(), STORIES, "0 documents against 3 stories is rebuilt");
    assert!(finds_the_audit(&index));
}

#[test]
fn a_swap_cut_in_two_is_finished() {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    {
        let mut store = SqliteStore::open(&dir.path().join(DATABASE_FILE)).expect("store");
        let index = open(dir.path());
        index.catch_up(&mut store, 100).expect("build");
        index.close().expect("close");
    }
    // The finished build waits beside an older index, as a crash between
    // marking it complete and renaming it leaves it.
    let search = dir.path().join(SEARCH_DIR);
    let aside = dir.path().join("built");
    std::fs::rename(&search, &aside).expect("move the build aside");
    build_empty_index(dir.path());
    let built = dir.path().join("search.new");
    std::fs::rename(&aside, &built).expect("the build beside the older index");
    std::fs::write(built.join("parallax-complete"), b"").expect("marker");

    let index = open(dir.path());
    assert_eq!(index.documents(), STORIES, "the complete build is swapped in at open");
    assert!(finds_the_audit(&index));
    assert!(!built.exists() && !dir.path().join("search.old").exists());
    let mut store = SqliteStore::open(&dir.path().join(DATABASE_FILE)).expect("store");
    index.catch_up(&mut store, 100).expect("catch up");
    assert_eq!(index.documents(), STORIES);
}
