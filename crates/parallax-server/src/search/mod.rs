//! Full-text search over stories: titles, headlines, snippets and summary
//! bullets, in a tantivy index under the data directory.
//!
//! The index is derived data. The store queues every story whose articles
//! or view change (`Store::touched_stories`); [`SearchIndex::catch_up`]
//! re-indexes those and only then forgets them, so a crash re-indexes a
//! story rather than losing it. A missing or outdated index is rebuilt.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use parallax_store::{Store, StoreError, StoryRecord};
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{FAST, Field, INDEXED, STORED, Schema, TEXT, Value};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Title words weigh more than summary words, which weigh more than
/// snippet words: a story about a thing names it in its title.
const TITLE_BOOST: f32 = 3.0;
const SUMMARY_BOOST: f32 = 1.5;

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
        id: builder.add_i64_field("id", INDEXED | STORED | FAST),
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

pub struct SearchIndex {
    reader: IndexReader,
    /// `None` once closed.
    writer: Mutex<Option<IndexWriter>>,
    parser: QueryParser,
    fields: Fields,
    /// True when the index was just created, so it must be filled from the
    /// store rather than from the queue of changes.
    fresh: AtomicBool,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it, or recreating it when it was
    /// built with another schema.
    pub fn open(dir: &Path, writer_bytes: usize) -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        let directory_error = |source| SearchError::Directory { path: dir.display().to_string(), source };
        let existing = dir.join("meta.json").exists();
        if existing {
            let index = Index::open_in_dir(dir)?;
            if index.schema() == schema {
                return Self::with_index(index, fields, writer_bytes, false);
            }
            tracing::warn!(dir = %dir.display(), "search index has an older schema; rebuilding it");
            std::fs::remove_dir_all(dir).map_err(directory_error)?;
        }
        std::fs::create_dir_all(dir).map_err(directory_error)?;
        let index = Index::create_in_dir(dir, schema)?;
        Self::with_index(index, fields, writer_bytes, true)
    }

    /// An index in memory, for tests and throw-away servers.
    pub fn in_memory(writer_bytes: usize) -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields, writer_bytes, true)
    }

    fn with_index(index: Index, fields: Fields, writer_bytes: usize, fresh: bool) -> Result<SearchIndex, SearchError> {
        // One indexing thread: the server shares its cores with the pages.
        let writer = index.writer_with_num_threads(1, writer_bytes)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let mut parser = QueryParser::for_index(&index, vec![fields.title, fields.summary, fields.text]);
        parser.set_field_boost(fields.title, TITLE_BOOST);
        parser.set_field_boost(fields.summary, SUMMARY_BOOST);
        parser.set_conjunction_by_default();
        Ok(SearchIndex { reader, writer: Mutex::new(Some(writer)), parser, fields, fresh: AtomicBool::new(fresh) })
    }

    /// Brings the index up to date with the store: everything when the index
    /// is new, then every queued change, `batch` stories at a time. Returns
    /// how many stories were (re)indexed or dropped.
    pub fn catch_up(&self, store: &mut dyn Store, batch: usize) -> Result<usize, SearchError> {
        let mut done = 0;
        if self.fresh.load(Ordering::Acquire) {
            let mut guard = self.writer();
            let writer = guard.as_mut().ok_or(SearchError::Closed)?;
            let mut failure = None;
            store.for_each_story(&mut |story| {
                if failure.is_none() {
                    failure = writer.add_document(self.document(&story)).err();
                    done += 1;
                }
                Ok(())
            })?;
            if let Some(error) = failure {
                return Err(error.into());
            }
            writer.commit()?;
            self.fresh.store(false, Ordering::Release);
        }
        loop {
            let ids = store.touched_stories(batch.max(1))?;
            if ids.is_empty() {
                break;
            }
            {
                let mut guard = self.writer();
                let writer = guard.as_mut().ok_or(SearchError::Closed)?;
                for &id in &ids {
                    writer.delete_term(Term::from_field_i64(self.fields.id, id));
                    if let Some(story) = store.story(id)? {
                        writer.add_document(self.document(&story))?;
                    }
                }
                writer.commit()?;
            }
            store.forget_touched_stories(&ids)?;
            done += ids.len();
        }
        self.reader.reload()?;
        Ok(done)
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

    /// The best stories for `query`, best first. Query syntax errors are
    /// forgiven: what can be read of the query is searched.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, SearchError> {
        let (query, _errors) = self.parser.parse_query_lenient(query);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(story) = doc.get_first(self.fields.id).and_then(|v| v.as_i64()) {
                hits.push(Hit { story, score });
            }
        }
        Ok(hits)
    }

    pub fn documents(&self) -> u64 {
        self.reader.searcher().num_docs()
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
