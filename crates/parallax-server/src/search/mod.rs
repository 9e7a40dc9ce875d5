//! Full-text search over stories: titles, headlines, snippets and summary
//! bullets, in a tantivy index under the data directory.
//!
//! The index is derived data. The store queues every story whose articles
//! or view change (`Store::touched_stories`); [`SearchIndex::catch_up`]
//! re-indexes those and only then forgets them, so a crash re-indexes a
//! story rather than losing it.
//!
//! A whole index is built beside the live one (`search.new`), marked
//! complete, then swapped in by renaming, so a crash mid-build leaves the
//! old index (or none) and the next start builds again; searches keep
//! using the old index meanwhile. At start the index's size is checked
//! against the stories and their pending changes, and a wrong one (an
//! empty index over 52,036 stories, say) is rebuilt.
//!
//! Queries are bounded ([`budget`]: words, phrase slop, prefixes, fields)
//! and stopped at a deadline ([`deadline`]).

pub mod budget;
pub mod deadline;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use parallax_store::{Store, StoreError, StoryRecord};
use tantivy::collector::TopDocs;
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::query::QueryParser;
use tantivy::query_grammar::parse_query_lenient;
use tantivy::schema::{FAST, Field, INDEXED, Schema, TEXT};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub use budget::{QueryBudget, Refusal};
use deadline::{Deadline, DeadlineQuery};

/// Title words weigh more than summary words, which weigh more than
/// snippet words: a story about a thing names it in its title.
const TITLE_BOOST: f32 = 3.0;
const SUMMARY_BOOST: f32 = 1.5;

/// Written into a finished rebuild before it is swapped in: a build
/// directory without it was interrupted.
const COMPLETE_MARKER: &str = "parallax-complete";

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search: cannot prepare the index directory {path}: {source}")]
    Directory { path: String, source: std::io::Error },
    #[error("search: {0}")]
    Store(#[from] StoreError),
    #[error("search: the index is closed")]
    Closed,
    /// The query asks for more than a search may cost; said to the client.
    #[error("{0}")]
    Refused(#[from] Refusal),
}

/// How much one search may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchLimits {
    pub budget: QueryBudget,
    /// A search stops after this long and returns what it found.
    pub time_limit: Duration,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    summary: Field,
    text: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let fields = Fields {
        // Read back through its fast column, not the document store: a hit
        // then costs no block decompression.
        id: builder.add_i64_field("id", INDEXED | FAST),
        title: builder.add_text_field("title", TEXT),
        summary: builder.add_text_field("summary", TEXT),
        text: builder.add_text_field("text", TEXT),
    };
    (builder.build(), fields)
}

/// A story found by a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub story: i64,
    pub score: f32,
}

/// What a search found, and whether its time ran out first.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub hits: Vec<Hit>,
    pub timed_out: bool,
}

/// The index searches read: swapped whole when a rebuild finishes.
struct Live {
    reader: IndexReader,
    parser: QueryParser,
}

pub struct SearchIndex {
    /// `None` for an index in memory.
    dir: Option<PathBuf>,
    writer_bytes: usize,
    /// Deleted documents, as a share of a segment, above which the merge
    /// policy rewrites it without them.
    compact_deleted_share: f32,
    fields: Fields,
    live: RwLock<Arc<Live>>,
    /// The live index's writer; `None` once closed. Held for the whole of
    /// a catch-up, so updates never interleave.
    writer: Mutex<Option<IndexWriter>>,
    /// The index must be built again from the store (new, of an older
    /// schema, or found not to match the stories).
    rebuild: AtomicBool,
    /// The index has been compared with the store since it was opened.
    checked: AtomicBool,
    /// Stories re-indexed since [`SearchIndex::take_changed`] last ran:
    /// their cached pages are stale.
    changed: Mutex<Vec<i64>>,
}

/// `DIR/search` → `DIR/search.new`.
fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{suffix}"));
    dir.with_file_name(name)
}

fn directory_error(path: &Path) -> impl FnOnce(std::io::Error) -> SearchError + '_ {
    move |source| SearchError::Directory { path: path.display().to_string(), source }
}

/// Finishes or discards what a crash left: a complete build is swapped in,
/// an incomplete one deleted, an old index that was being replaced deleted.
fn recover(dir: &Path) -> Result<(), SearchError> {
    let new = sibling(dir, "new");
    let old = sibling(dir, "old");
    if new.join(COMPLETE_MARKER).exists() {
        tracing::info!(dir = %dir.display(), "search index: finishing a rebuild that was interrupted while swapping");
        swap_in(dir, &new, &old)?;
    } else if new.exists() {
        tracing::warn!(dir = %new.display(), "search index: a rebuild was interrupted; it starts again");
        std::fs::remove_dir_all(&new).map_err(directory_error(&new))?;
    }
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(directory_error(&old))?;
    }
    Ok(())
}

/// Renames `new` into `dir`, moving any current index out of the way first.
fn swap_in(dir: &Path, new: &Path, old: &Path) -> Result<(), SearchError> {
    if dir.exists() {
        std::fs::rename(dir, old).map_err(directory_error(dir))?;
    }
    std::fs::rename(new, dir).map_err(directory_error(new))?;
    if let Some(parent) = dir.parent() {
        // The renames are durable before the old index goes.
        std::fs::File::open(parent).and_then(|d| d.sync_all()).map_err(directory_error(parent))?;
    }
    std::fs::remove_file(dir.join(COMPLETE_MARKER)).map_err(directory_error(dir))?;
    if old.exists() {
        std::fs::remove_dir_all(old).map_err(directory_error(old))?;
    }
    Ok(())
}

impl SearchIndex {
    /// Opens the index in `dir`. A missing index, one of an older schema,
    /// and a rebuild a crash interrupted are built (again) at the first
    /// [`SearchIndex::catch_up`]; until then searches find nothing, or
    /// what the old index holds.
    pub fn open(dir: &Path, writer_bytes: usize, compact_deleted_share: f32) -> Result<SearchIndex, SearchError> {
        recover(dir)?;
        let (schema, fields) = schema();
        if dir.join("meta.json").exists() {
            let index = Index::open_in_dir(dir)?;
            if index.schema() == schema {
                let (live, writer) = Self::attach(&index, fields, writer_bytes, compact_deleted_share)?;
                return Ok(Self::new(Some(dir), live, writer, fields, writer_bytes, compact_deleted_share, false));
            }
            tracing::warn!(dir = %dir.display(), "search index has an older schema; it will be rebuilt");
        }
        // A placeholder in memory, searched until the rebuild swaps in.
        let index = Index::create_in_ram(schema);
        let (live, writer) = Self::attach(&index, fields, writer_bytes, compact_deleted_share)?;
        Ok(Self::new(Some(dir), live, writer, fields, writer_bytes, compact_deleted_share, true))
    }

    /// An index in memory, for tests and throw-away servers.
    pub fn in_memory(writer_bytes: usize) -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        let share = crate::config::ServerConfig::default().search_compact_deleted_share;
        let (live, writer) = Self::attach(&index, fields, writer_bytes, share)?;
        Ok(Self::new(None, live, writer, fields, writer_bytes, share, true))
    }

    fn new(
        dir: Option<&Path>,
        live: Live,
        writer: IndexWriter,
        fields: Fields,
        writer_bytes: usize,
        compact_deleted_share: f32,
        rebuild: bool,
    ) -> SearchIndex {
        SearchIndex {
            dir: dir.map(Path::to_path_buf),
            writer_bytes,
            compact_deleted_share,
            fields,
            live: RwLock::new(Arc::new(live)),
            writer: Mutex::new(Some(writer)),
            rebuild: AtomicBool::new(rebuild),
            checked: AtomicBool::new(false),
            changed: Mutex::new(Vec::new()),
        }
    }

    /// A reader, a query parser and a writer over `index`.
    fn attach(
        index: &Index,
        fields: Fields,
        writer_bytes: usize,
        compact_deleted_share: f32,
    ) -> Result<(Live, IndexWriter), SearchError> {
        // One indexing thread: the server shares its cores with the pages.
        let writer: IndexWriter = index.writer_with_num_threads(1, writer_bytes)?;
        let mut policy = LogMergePolicy::default();
        // A segment with many replaced documents is merged in the
        // background without them, so the index's size and query cost follow
        // the live stories after bulk changes (at 1M articles the index had
        // kept 91,933 deleted documents in 10 segments).
        policy.set_del_docs_ratio_before_merge(compact_deleted_share.clamp(0.01, 1.0));
        writer.set_merge_policy(Box::new(policy));
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let mut parser = QueryParser::for_index(index, vec![fields.title, fields.summary, fields.text]);
        parser.set_field_boost(fields.title, TITLE_BOOST);
        parser.set_field_boost(fields.summary, SUMMARY_BOOST);
        parser.set_conjunction_by_default();
        Ok((Live { reader, parser }, writer))
    }

    fn live(&self) -> Arc<Live> {
        self.live.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Brings the index up to date with the store: at the first call the
    /// index is compared with the stories and rebuilt if it does not match;
    /// then every queued change is applied, `batch` stories at a time.
    /// Returns how many stories were (re)indexed or dropped.
    pub fn catch_up(&self, store: &mut dyn Store, batch: usize) -> Result<usize, SearchError> {
        let mut guard = self.writer();
        if guard.is_none() {
            return Err(SearchError::Closed);
        }
        if !self.checked.swap(true, Ordering::AcqRel) && !self.rebuild.load(Ordering::Acquire) {
            self.check(store)?;
        }
        let mut done = 0;
        if self.rebuild.load(Ordering::Acquire) {
            done += self.rebuild(store, &mut guard)?;
            self.rebuild.store(false, Ordering::Release);
        }
        let writer = guard.as_mut().ok_or(SearchError::Closed)?;
        let mut changed = Vec::new();
        loop {
            let ids = store.touched_stories(batch.max(1))?;
            if ids.is_empty() {
                break;
            }
            for &id in &ids {
                writer.delete_term(Term::from_field_i64(self.fields.id, id));
                if let Some(story) = store.story(id)? {
                    writer.add_document(self.document(&story))?;
                }
            }
            writer.commit()?;
            store.forget_touched_stories(&ids)?;
            done += ids.len();
            changed.extend(ids);
        }
        self.live().reader.reload()?;
        self.changed.lock().unwrap_or_else(PoisonError::into_inner).extend(changed);
        Ok(done)
    }

    /// Compares the index with the store: every live story is indexed
    /// except those whose change is still queued.
    fn check(&self, store: &mut dyn Store) -> Result<(), SearchError> {
        let documents = self.documents();
        let stories = store.counts()?.stories;
        let pending = store.touched_stories(usize::MAX)?.len() as u64;
        if documents.abs_diff(stories) > pending {
            tracing::warn!(documents, stories, pending, "search index does not match the stories; rebuilding it");
            self.rebuild.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Builds a whole new index from the store beside the live one, then
    /// swaps it in. The queued changes read before the build are reflected
    /// in it and forgotten; those queued during it are applied next.
    fn rebuild(&self, store: &mut dyn Store, writer_slot: &mut Option<IndexWriter>) -> Result<usize, SearchError> {
        let started = Instant::now();
        let pending = store.touched_stories(usize::MAX)?;
        let (schema, _) = schema();
        let build_dir = self.dir.as_deref().map(|dir| sibling(dir, "new"));
        let index = match &build_dir {
            Some(new) => {
                if new.exists() {
                    std::fs::remove_dir_all(new).map_err(directory_error(new))?;
                }
                std::fs::create_dir_all(new).map_err(directory_error(new))?;
                Index::create_in_dir(new, schema)?
            }
            None => Index::create_in_ram(schema),
        };
        tracing::info!("search index: building from the stored stories");
        let (_, mut writer) = Self::attach(&index, self.fields, self.writer_bytes, self.compact_deleted_share)?;
        // No background merges while building: the build merges its
        // segments into one itself, and a merge the policy had started on
        // some of them made that fail ("the segments that were merged could
        // not be found") and stopped `serve` at start at 1,000,000 articles
        // (scripts/bench-serve.sh, one start in two).
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let mut indexed = 0usize;
        let mut failure = None;
        store.for_each_story(&mut |story| {
            if failure.is_none() {
                failure = writer.add_document(self.document(&story)).err();
                indexed += 1;
                if indexed.is_multiple_of(100_000) {
                    tracing::info!(indexed, "search index: building");
                }
            }
            Ok(())
        })?;
        if let Some(error) = failure {
            return Err(error.into());
        }
        writer.commit()?;
        // One segment: a fresh index is searched fastest whole.
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;
        let index = match (&self.dir, &build_dir) {
            (Some(dir), Some(new)) => {
                let marker = new.join(COMPLETE_MARKER);
                std::fs::File::create(&marker).and_then(|f| f.sync_all()).map_err(directory_error(&marker))?;
                // The old writer's merges must be done before its files move.
                if let Some(old_writer) = writer_slot.take() {
                    old_writer.wait_merging_threads()?;
                }
                swap_in(dir, new, &sibling(dir, "old"))?;
                Index::open_in_dir(dir)?
            }
            _ => index,
        };
        let (live, writer) = Self::attach(&index, self.fields, self.writer_bytes, self.compact_deleted_share)?;
        *writer_slot = Some(writer);
        *self.live.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(live);
        store.forget_touched_stories(&pending)?;
        self.changed.lock().unwrap_or_else(PoisonError::into_inner).extend(pending);
        tracing::info!(stories = indexed, seconds = started.elapsed().as_secs_f64(), "search index: built");
        Ok(indexed)
    }

    fn document(&self, story: &StoryRecord) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_i64(self.fields.id, story.id);
        match &story.view {
            Some(view) => {
                doc.add_text(self.fields.title, &view.title);
                let sides = [&view.sides.left, &view.sides.center, &view.sides.right];
                for bullet in view.bullets.iter().chain(sides.into_iter().flatten()) {
                    doc.add_text(self.fields.summary, &bullet.text);
                }
            }
            None => {
                if let Some(first) = story.articles.first() {
                    doc.add_text(self.fields.title, &first.article.article.title);
                }
            }
        }
        for member in &story.articles {
            doc.add_text(self.fields.text, &member.article.article.title);
            doc.add_text(self.fields.text, &member.article.article.snippet);
        }
        doc
    }

    /// The best stories for `query`, best first. Syntax errors are
    /// forgiven (what can be read of the query is searched); a query over
    /// its budget is refused; a search that runs out of time returns what
    /// it found by then.
    pub fn search(&self, query: &str, limit: usize, limits: &SearchLimits) -> Result<Found, SearchError> {
        let (ast, _syntax_errors) = parse_query_lenient(query);
        limits.budget.check(&ast)?;
        let live = self.live();
        let searcher = live.reader.searcher();
        let doc_freq = |field: &str, word: &str| {
            let field = match field {
                "title" => self.fields.title,
                "summary" => self.fields.summary,
                _ => self.fields.text,
            };
            searcher.doc_freq(&Term::from_field_text(field, word)).unwrap_or(u64::MAX)
        };
        limits.budget.check_cost(&ast, &doc_freq)?;
        let (parsed, _field_errors) = live.parser.build_query_from_user_input_ast_lenient(ast);
        let deadline = Deadline::new(Instant::now() + limits.time_limit);
        let bounded = DeadlineQuery::new(parsed, deadline.clone());
        let top = searcher.search(&bounded, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        let mut columns = std::collections::HashMap::new();
        for (score, address) in top {
            let column = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(searcher.segment_reader(address.segment_ord).fast_fields().i64("id")?)
                }
            };
            if let Some(story) = column.first(address.doc_id) {
                hits.push(Hit { story, score });
            }
        }
        Ok(Found { hits, timed_out: deadline.expired() })
    }

    pub fn documents(&self) -> u64 {
        self.live().reader.searcher().num_docs()
    }

    /// Bytes the index takes on disk (0 in memory).
    pub fn disk_bytes(&self) -> u64 {
        let Some(dir) = &self.dir else { return 0 };
        std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum())
            .unwrap_or(0)
    }

    /// The stories re-indexed since the last call: their pages changed.
    pub fn take_changed(&self) -> Vec<i64> {
        std::mem::take(&mut *self.changed.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn writer(&self) -> MutexGuard<'_, Option<IndexWriter>> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for background merges so the files on disk are complete; later
    /// updates fail, searches still work.
    pub fn close(&self) -> Result<(), SearchError> {
        if let Some(writer) = self.writer().take() {
            writer.wait_merging_threads()?;
        }
        Ok(())
    }
}
