//! The embedded default: one SQLite file in WAL mode.

mod outlet_changes;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use parallax_core::{Article, DateFlag, FeedSource, NewArticle, Outlet, Rating, StoryView};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::{
    FeedCommit, FeedRecord, FeedStatus, FetchRecord, ImportCounts, InsertCounts, OutletRecord, OutletSummary,
    QuarantinedFeed, Result, Store, StoreCounts, StoreError, StoryArticle, StoryAssignment, StoryCursor, StoryFilter,
    StoryHead, StoryMerge, StoryRecord, TextOutcome,
};

/// Append-only: each entry is one migration, applied in order and recorded
/// in `PRAGMA user_version`. Never edit a released entry; add a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_stories.sql"),
    include_str!("migrations/0003_story_views.sql"),
    include_str!("migrations/0004_story_listings.sql"),
    include_str!("migrations/0005_article_texts.sql"),
    include_str!("migrations/0006_article_categories.sql"),
    include_str!("migrations/0007_outlet_touches.sql"),
    include_str!("migrations/0008_quarantine.sql"),
];

/// How long a writer waits for another connection's lock before failing.
/// Five seconds covers a checkpoint on a multi-GB database.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct SqliteStore {
    conn: Connection,
}

fn sql(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite { context, source }
}

impl SqliteStore {
    /// The schema version this build writes (`PRAGMA user_version`): what a
    /// copy to another database must mirror.
    pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let display = path.display().to_string();
        let conn = Connection::open(path).map_err(|source| StoreError::Open { path: display.clone(), source })?;
        Self::init(conn, &display)
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> Result<SqliteStore> {
        let conn =
            Connection::open_in_memory().map_err(|source| StoreError::Open { path: ":memory:".into(), source })?;
        Self::init(conn, ":memory:")
    }

    fn init(mut conn: Connection, path: &str) -> Result<SqliteStore> {
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql("set busy timeout"))?;
        // Every transaction here writes, so it begins as a writer (BEGIN
        // IMMEDIATE) and waits out the busy timeout for another writer. A
        // deferred one that read first could not upgrade once another
        // connection had committed (SQLITE_BUSY_SNAPSHOT, no wait at all):
        // `ingest` beside `serve` failed in 0.07-0.9 s with "database is
        // locked". Plain reads take no transaction and are unaffected.
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        // WAL lets readers (export, the web server) run beside the one writer.
        // synchronous=FULL: a transaction reported committed survives power
        // loss too, not just a killed process; ingest commits once per feed,
        // so the fsync cost is per feed, not per article.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;",
        )
        .map_err(sql("set pragmas"))?;
        let mut store = SqliteStore { conn };
        store.migrate(path)?;
        Ok(store)
    }

    fn migrate(&mut self, path: &str) -> Result<()> {
        let version: i64 =
            self.conn.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(sql("read schema version"))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew { path: path.to_string(), found: version, known });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction().map_err(sql("begin migration"))?;
            tx.execute_batch(migration).map_err(sql("apply migration"))?;
            tx.pragma_update(None, "user_version", index as i64 + 1).map_err(sql("record schema version"))?;
            tx.commit().map_err(sql("commit migration"))?;
        }
        Ok(())
    }

    fn ratings_of(&self, outlet_id: i64, domain: &str) -> Result<Vec<Rating>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT provider, version, source_file, outlet_name, lean, factuality, owner, ownership, country, language
                 FROM ratings WHERE outlet_id = ?1 ORDER BY provider, version",
            )
            .map_err(sql("prepare ratings query"))?;
        let rows = stmt
            .query_map([outlet_id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, Option<String>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, Option<String>>(7)?,
                    row.get::<_, Option<String>>(8)?,
                    row.get::<_, Option<String>>(9)?,
                ))
            })
            .map_err(sql("query ratings"))?;
        let mut ratings = Vec::new();
        for row in rows {
            let (provider, version, source_file, outlet_name, lean, factuality, owner, ownership, country, language) =
                row.map_err(sql("read rating"))?;
            let corrupt = |reason: String| StoreError::Corrupt { table: "ratings", reason };
            ratings.push(Rating {
                outlet: domain.to_string(),
                outlet_name,
                provider,
                version,
                source_file,
                lean: lean.map(|l| l.parse()).transpose().map_err(|e| corrupt(format!("{e}")))?,
                factuality: factuality.map(|f| f.parse()).transpose().map_err(|e| corrupt(format!("{e}")))?,
                owner,
                ownership,
                country,
                language,
            });
        }
        Ok(ratings)
    }

    fn count(&self, query: &str, param: i64) -> Result<u64> {
        self.conn.query_row(query, [param], |row| row.get::<_, i64>(0)).map(|n| n as u64).map_err(sql("count rows"))
    }
}

const FEED_COLUMNS: &str = "f.id, f.url, o.domain, f.title, f.language, f.categories, f.etag, f.last_modified,
     f.status, f.consecutive_failures, f.error_count, f.last_error, f.last_fetched, f.next_fetch";

fn feed_from_row(row: &Row<'_>) -> rusqlite::Result<(FeedRecord, String)> {
    let categories: String = row.get(5)?;
    let status: String = row.get(8)?;
    let record = FeedRecord {
        id: row.get(0)?,
        source: FeedSource {
            url: row.get(1)?,
            outlet: row.get(2)?,
            title: row.get(3)?,
            language: row.get(4)?,
            categories: categories.split('\n').filter(|c| !c.is_empty()).map(str::to_string).collect(),
        },
        etag: row.get(6)?,
        last_modified: row.get(7)?,
        status: FeedStatus::New,
        consecutive_failures: row.get(9)?,
        error_count: row.get(10)?,
        last_error: row.get(11)?,
        last_fetched: row.get::<_, Option<i64>>(12)?.and_then(from_unix),
        next_fetch: row.get::<_, Option<i64>>(13)?.and_then(from_unix),
    };
    Ok((record, status))
}

fn with_status((mut record, status): (FeedRecord, String)) -> Result<FeedRecord> {
    record.status = FeedStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
        table: "feeds",
        reason: format!("unknown status {status:?} for {}", record.source.url),
    })?;
    Ok(record)
}

fn from_unix(secs: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(secs, 0).single()
}

impl Store for SqliteStore {
    fn import(&mut self, outlets: &[Outlet], ratings: &[Rating], feeds: &[FeedSource]) -> Result<ImportCounts> {
        let tx = self.conn.transaction().map_err(sql("begin import"))?;
        let mut counts = ImportCounts::default();
        {
            let mut insert_outlet = tx
                .prepare_cached("INSERT INTO outlets (domain, name) VALUES (?1, ?2) ON CONFLICT (domain) DO NOTHING")
                .map_err(sql("prepare outlet insert"))?;
            let mut name_outlet = tx
                .prepare_cached("UPDATE outlets SET name = ?2 WHERE domain = ?1 AND name IS NULL AND ?2 IS NOT NULL")
                .map_err(sql("prepare outlet naming"))?;
            let mut ensure = |domain: &str, name: Option<&str>, counts: &mut ImportCounts| -> Result<()> {
                counts.outlets_new += insert_outlet.execute(params![domain, name]).map_err(sql("insert outlet"))?;
                name_outlet.execute(params![domain, name]).map_err(sql("name outlet"))?;
                Ok(())
            };
            for outlet in outlets {
                ensure(&outlet.domain, outlet.name.as_deref(), &mut counts)?;
            }
            for rating in ratings {
                ensure(&rating.outlet, rating.outlet_name.as_deref(), &mut counts)?;
            }
            for feed in feeds {
                ensure(&feed.outlet, None, &mut counts)?;
            }

            let mut existing = tx
                .prepare_cached(
                    "SELECT r.source_file, r.outlet_name, r.lean, r.factuality, r.owner, r.ownership, r.country, r.language
                     FROM ratings r JOIN outlets o ON o.id = r.outlet_id
                     WHERE o.domain = ?1 AND r.provider = ?2 AND r.version = ?3",
                )
                .map_err(sql("prepare rating lookup"))?;
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO ratings (outlet_id, provider, version, source_file, outlet_name, lean, factuality,
                                          owner, ownership, country, language)
                     SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 FROM outlets WHERE domain = ?1
                     ON CONFLICT (outlet_id, provider, version) DO UPDATE SET
                        source_file = excluded.source_file, outlet_name = excluded.outlet_name,
                        lean = excluded.lean, factuality = excluded.factuality, owner = excluded.owner,
                        ownership = excluded.ownership, country = excluded.country, language = excluded.language",
                )
                .map_err(sql("prepare rating upsert"))?;
            for rating in ratings {
                let values = (
                    rating.source_file.clone(),
                    rating.outlet_name.clone(),
                    rating.lean.map(|l| l.as_str().to_string()),
                    rating.factuality.map(|f| f.as_str().to_string()),
                    rating.owner.clone(),
                    rating.ownership.clone(),
                    rating.country.clone(),
                    rating.language.clone(),
                );
                type Values = (
                    String,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                );
                let stored: Option<Values> = existing
                    .query_row(params![rating.outlet, rating.provider, rating.version], |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                            row.get(5)?,
                            row.get(6)?,
                            row.get(7)?,
                        ))
                    })
                    .optional()
                    .map_err(sql("look up rating"))?;
                match stored {
                    Some(stored) if stored == values => continue,
                    Some(_) => counts.ratings_updated += 1,
                    None => counts.ratings_new += 1,
                }
                upsert
                    .execute(params![
                        rating.outlet,
                        rating.provider,
                        rating.version,
                        values.0,
                        values.1,
                        values.2,
                        values.3,
                        values.4,
                        values.5,
                        values.6,
                        values.7
                    ])
                    .map_err(sql("upsert rating"))?;
            }

            let mut insert_feed = tx
                .prepare_cached(
                    "INSERT INTO feeds (url, outlet_id, title, language, categories)
                     SELECT ?1, id, ?3, ?4, ?5 FROM outlets WHERE domain = ?2
                     ON CONFLICT (url) DO NOTHING",
                )
                .map_err(sql("prepare feed insert"))?;
            for feed in feeds {
                counts.feeds_new += insert_feed
                    .execute(params![feed.url, feed.outlet, feed.title, feed.language, feed.categories.join("\n")])
                    .map_err(sql("insert feed"))?;
            }
        }
        tx.commit().map_err(sql("commit import"))?;
        Ok(counts)
    }

    fn outlet_domains(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT domain FROM outlets ORDER BY domain")
            .map_err(sql("prepare outlet domains"))?;
        let rows = stmt.query_map([], |row| row.get(0)).map_err(sql("query outlet domains"))?;
        rows.collect::<rusqlite::Result<Vec<String>>>().map_err(sql("read outlet domain"))
    }

    fn outlet(&self, domain: &str) -> Result<Option<OutletRecord>> {
        let found: Option<(i64, Option<String>)> = self
            .conn
            .query_row("SELECT id, name FROM outlets WHERE domain = ?1", [domain], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()
            .map_err(sql("look up outlet"))?;
        let Some((id, name)) = found else { return Ok(None) };
        let ratings = self.ratings_of(id, domain)?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {FEED_COLUMNS} FROM feeds f JOIN outlets o ON o.id = f.outlet_id WHERE f.outlet_id = ?1 ORDER BY f.url"
            ))
            .map_err(sql("prepare outlet feeds"))?;
        let feeds = stmt
            .query_map([id], feed_from_row)
            .map_err(sql("query outlet feeds"))?
            .map(|row| row.map_err(sql("read feed")).and_then(with_status))
            .collect::<Result<Vec<_>>>()?;
        let articles = self.count("SELECT COUNT(*) FROM articles WHERE outlet_id = ?1", id)?;
        Ok(Some(OutletRecord { outlet: Outlet { domain: domain.to_string(), name }, ratings, feeds, articles }))
    }

    fn outlet_ratings(&self, domain: &str) -> Result<Vec<Rating>> {
        let id: Option<i64> = self
            .conn
            .query_row("SELECT id FROM outlets WHERE domain = ?1", [domain], |row| row.get(0))
            .optional()
            .map_err(sql("look up outlet"))?;
        match id {
            Some(id) => self.ratings_of(id, domain),
            None => Ok(Vec::new()),
        }
    }

    fn outlets(&self) -> Result<Vec<OutletSummary>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT o.id, o.domain, o.name,
                        (SELECT COUNT(*) FROM feeds f WHERE f.outlet_id = o.id),
                        (SELECT COUNT(*) FROM articles a WHERE a.outlet_id = o.id)
                 FROM outlets o ORDER BY o.domain",
            )
            .map_err(sql("prepare outlets"))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, i64>(4)?,
                ))
            })
            .map_err(sql("query outlets"))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql("read outlet"))?;
        rows.into_iter()
            .map(|(id, domain, name, feeds, articles)| {
                Ok(OutletSummary {
                    ratings: self.ratings_of(id, &domain)?,
                    outlet: Outlet { domain, name },
                    feeds: feeds as u64,
                    articles: articles as u64,
                })
            })
            .collect()
    }

    fn feeds(&self, only: Option<&[String]>) -> Result<Vec<FeedRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {FEED_COLUMNS} FROM feeds f JOIN outlets o ON o.id = f.outlet_id ORDER BY f.url"
            ))
            .map_err(sql("prepare feeds"))?;
        let all = stmt
            .query_map([], feed_from_row)
            .map_err(sql("query feeds"))?
            .map(|row| row.map_err(sql("read feed")).and_then(with_status));
        match only {
            None => all.collect(),
            Some(urls) => {
                let wanted: std::collections::HashSet<&str> = urls.iter().map(String::as_str).collect();
                all.filter(|feed| feed.as_ref().map_or(true, |f| wanted.contains(f.source.url.as_str()))).collect()
            }
        }
    }

    fn record_fetch(&mut self, feed_url: &str, at: DateTime<Utc>, record: &FetchRecord) -> Result<()> {
        record_fetch_on(&self.conn, feed_url, at, record)
    }

    fn insert_articles(&mut self, articles: &[NewArticle]) -> Result<InsertCounts> {
        let tx = self.conn.transaction().map_err(sql("begin article batch"))?;
        let counts = insert_articles_on(&tx, articles)?;
        tx.commit().map_err(sql("commit article batch"))?;
        Ok(counts)
    }

    fn commit_feeds(&mut self, feeds: &[FeedCommit<'_>]) -> Result<Vec<Result<InsertCounts>>> {
        let mut tx = self.conn.transaction().map_err(sql("begin feed group"))?;
        let mut results = Vec::with_capacity(feeds.len());
        for feed in feeds {
            // A savepoint per feed: a feed the store refuses leaves nothing
            // behind, and the rest of the group still commits.
            let savepoint = tx.savepoint().map_err(sql("begin feed savepoint"))?;
            let result = insert_articles_on(&savepoint, feed.articles).and_then(|counts| {
                record_fetch_on(&savepoint, feed.feed_url, feed.at, &feed.record)?;
                Ok(counts)
            });
            match result {
                Ok(counts) => {
                    savepoint.commit().map_err(sql("release feed savepoint"))?;
                    results.push(Ok(counts));
                }
                Err(error @ (StoreError::UnknownFeed(_) | StoreError::Corrupt { .. })) => {
                    drop(savepoint);
                    results.push(Err(error));
                }
                Err(error) => return Err(error),
            }
        }
        tx.commit().map_err(sql("commit feed group"))?;
        Ok(results)
    }

    fn quarantine_feed(&mut self, feed_url: &str, at: DateTime<Utc>, reason: &str, bytes: &[u8]) -> Result<()> {
        let changed = self
            .conn
            .execute(
                "INSERT INTO quarantined_feeds (feed_id, at, reason, bytes)
                 SELECT id, ?2, ?3, ?4 FROM feeds WHERE url = ?1
                 ON CONFLICT (feed_id) DO UPDATE SET at = excluded.at, reason = excluded.reason, bytes = excluded.bytes",
                params![feed_url, at.timestamp(), reason, bytes],
            )
            .map_err(sql("quarantine feed"))?;
        if changed == 0 {
            return Err(StoreError::UnknownFeed(feed_url.to_string()));
        }
        Ok(())
    }

    fn quarantined_feeds(&self) -> Result<Vec<QuarantinedFeed>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT f.url, q.at, q.reason, q.bytes FROM quarantined_feeds q JOIN feeds f ON f.id = q.feed_id
                 ORDER BY f.url",
            )
            .map_err(sql("prepare quarantined feeds"))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?, row.get::<_, String>(2)?, row.get(3)?))
            })
            .map_err(sql("query quarantined feeds"))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql("read quarantined feed"))?;
        rows.into_iter()
            .map(|(feed_url, at, reason, bytes)| {
                let at = from_unix(at).ok_or_else(|| StoreError::Corrupt {
                    table: "quarantined_feeds",
                    reason: format!("bad time {at} for {feed_url}"),
                })?;
                Ok(QuarantinedFeed { feed_url, at, reason, bytes })
            })
            .collect()
    }

    fn for_each_article(&self, each: &mut dyn FnMut(Article) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {ARTICLE_COLUMNS} FROM {ARTICLE_JOINS} ORDER BY a.id"))
            .map_err(sql("prepare article export"))?;
        let mut rows = stmt.query([]).map_err(sql("query articles"))?;
        while let Some(row) = rows.next().map_err(sql("read article"))? {
            let article = article_from_row(row).map_err(sql("decode article"))?;
            each(article)?;
        }
        Ok(())
    }

    fn unclustered_articles(&self, limit: usize) -> Result<Vec<Article>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ARTICLE_COLUMNS} FROM {ARTICLE_JOINS} WHERE a.story_id IS NULL
                 ORDER BY a.published, a.id LIMIT ?1"
            ))
            .map_err(sql("prepare unclustered articles"))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        stmt.query_map([limit], article_from_row)
            .map_err(sql("query unclustered articles"))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql("read unclustered article"))
    }

    fn clustered_between(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<(Article, i64)>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ARTICLE_COLUMNS}, a.story_id FROM {ARTICLE_JOINS}
                 WHERE a.published BETWEEN ?1 AND ?2 AND a.story_id IS NOT NULL ORDER BY a.published, a.id"
            ))
            .map_err(sql("prepare clustered articles"))?;
        stmt.query_map([since.timestamp(), until.timestamp()], |row| {
            Ok((article_from_row(row)?, row.get::<_, i64>(AFTER_ARTICLE)?))
        })
        .map_err(sql("query clustered articles"))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(sql("read clustered article"))
    }

    fn assign_stories(
        &mut self,
        assignments: &[StoryAssignment],
        merges: &[StoryMerge],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.transaction().map_err(sql("begin story assignment"))?;
        {
            let mut assign = tx
                .prepare_cached("UPDATE articles SET story_id = ?2, copy_of = ?3 WHERE id = ?1")
                .map_err(sql("prepare story assignment"))?;
            let mut create = tx
                .prepare_cached(
                    "INSERT INTO stories (id, first_published, last_updated)
                     SELECT ?1, published, published FROM articles WHERE id = ?2
                     ON CONFLICT (id) DO NOTHING",
                )
                .map_err(sql("prepare story creation"))?;
            let survivors = survivors(assignments, merges);
            for assignment in assignments {
                let story = survivors.get(&assignment.story).copied().unwrap_or(assignment.story);
                assign
                    .execute(params![assignment.article, story, assignment.copy_of])
                    .map_err(sql("assign article to story"))?;
                create.execute(params![assignment.story, assignment.article]).map_err(sql("create story"))?;
            }
            let mut move_articles = tx
                .prepare_cached("UPDATE articles SET story_id = ?2 WHERE story_id = ?1")
                .map_err(sql("prepare story merge"))?;
            let mut retire = tx
                .prepare_cached("UPDATE stories SET merged_into = ?2 WHERE id = ?1")
                .map_err(sql("prepare story retirement"))?;
            let mut record = tx
                .prepare_cached("INSERT INTO story_merges (absorbed, into_story, merged_at) VALUES (?1, ?2, ?3)")
                .map_err(sql("prepare merge record"))?;
            for merge in merges {
                move_articles.execute(params![merge.absorbed, merge.into]).map_err(sql("merge stories"))?;
                retire.execute(params![merge.absorbed, merge.into]).map_err(sql("retire story"))?;
                record.execute(params![merge.absorbed, merge.into, at.timestamp()]).map_err(sql("record merge"))?;
            }
            let touched: std::collections::BTreeSet<i64> =
                assignments.iter().map(|a| a.story).chain(merges.iter().map(|m| m.into)).collect();
            let mut times = tx
                .prepare_cached(
                    "UPDATE stories SET
                        first_published = (SELECT MIN(published) FROM articles WHERE story_id = ?1),
                        last_updated = (SELECT MAX(published) FROM articles WHERE story_id = ?1)
                     WHERE id = ?1 AND EXISTS (SELECT 1 FROM articles WHERE story_id = ?1)",
                )
                .map_err(sql("prepare story times"))?;
            for story in touched {
                times.execute([story]).map_err(sql("update story times"))?;
            }
        }
        tx.commit().map_err(sql("commit story assignment"))
    }

    fn set_story_views(&mut self, views: &[(i64, StoryView)]) -> Result<()> {
        let tx = self.conn.transaction().map_err(sql("begin story views"))?;
        {
            let mut update =
                tx.prepare_cached("UPDATE stories SET view = ?2 WHERE id = ?1").map_err(sql("prepare story view"))?;
            for (id, view) in views {
                let json = serde_json::to_string(view).map_err(|e| StoreError::Corrupt {
                    table: "stories",
                    reason: format!("view of story {id}: {e}"),
                })?;
                update.execute(params![id, json]).map_err(sql("store story view"))?;
            }
        }
        tx.commit().map_err(sql("commit story views"))
    }

    fn story(&self, id: i64) -> Result<Option<StoryRecord>> {
        // Cached: the story page reads this on every request.
        let found: Option<(i64, i64, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT first_published, last_updated, view FROM stories WHERE id = ?1 AND merged_into IS NULL",
            )
            .and_then(|mut stmt| stmt.query_row([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).optional())
            .map_err(sql("look up story"))?;
        let Some((first, last, view)) = found else { return Ok(None) };
        let view = view
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| StoreError::Corrupt { table: "stories", reason: format!("view of story {id}: {e}") })?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ARTICLE_COLUMNS}, a.copy_of FROM {ARTICLE_JOINS} WHERE a.story_id = ?1
                 ORDER BY a.published, a.id"
            ))
            .map_err(sql("prepare story articles"))?;
        let articles = stmt
            .query_map([id], |row| {
                Ok(StoryArticle { article: article_from_row(row)?, copy_of: row.get(AFTER_ARTICLE)? })
            })
            .map_err(sql("query story articles"))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql("read story article"))?;
        let time = |secs: i64| {
            from_unix(secs).ok_or_else(|| StoreError::Corrupt { table: "stories", reason: format!("bad time {secs}") })
        };
        Ok(Some(StoryRecord { id, first_published: time(first)?, last_updated: time(last)?, articles, view }))
    }

    fn articles_wanting_text(
        &self,
        limit: usize,
        always_outlets: &[String],
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Article>> {
        // The outlet list travels as one ",a,b," string so the statement
        // stays cacheable whatever its length.
        let outlets = format!(",{},", always_outlets.join(","));
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ARTICLE_COLUMNS} FROM {ARTICLE_JOINS}
                 WHERE a.fetched BETWEEN ?3 AND ?4
                   AND NOT EXISTS (SELECT 1 FROM article_texts t WHERE t.article_id = a.id)
                   AND (a.truncated = 1 OR instr(?2, ',' || o.domain || ',') > 0)
                 ORDER BY a.published DESC, a.id DESC LIMIT ?1"
            ))
            .map_err(sql("prepare articles wanting text"))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        stmt.query_map(params![limit, outlets, since.timestamp(), until.timestamp()], article_from_row)
            .map_err(sql("query articles wanting text"))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql("read article wanting text"))
    }

    fn record_article_text(&mut self, article: i64, at: DateTime<Utc>, outcome: &TextOutcome) -> Result<()> {
        let (status, text, extractor, error) = match outcome {
            TextOutcome::Extracted { text, extractor } => ("ok", Some(text.as_str()), Some(extractor.as_str()), None),
            TextOutcome::Failed { reason } => ("failed", None, None, Some(reason.as_str())),
        };
        self.conn
            .execute(
                "INSERT INTO article_texts (article_id, status, text, extractor, error, fetched)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (article_id) DO UPDATE SET status = excluded.status, text = excluded.text,
                    extractor = excluded.extractor, error = excluded.error, fetched = excluded.fetched",
                params![article, status, text, extractor, error, at.timestamp()],
            )
            .map_err(sql("record article text"))?;
        Ok(())
    }

    fn article_texts(&self, articles: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT text FROM article_texts WHERE article_id = ?1 AND status = 'ok'")
            .map_err(sql("prepare article text"))?;
        let mut texts = std::collections::HashMap::new();
        for &id in articles {
            if let Some(text) =
                stmt.query_row([id], |row| row.get::<_, String>(0)).optional().map_err(sql("read article text"))?
            {
                texts.insert(id, text);
            }
        }
        Ok(texts)
    }

    fn for_each_story(&self, each: &mut dyn FnMut(StoryRecord) -> Result<()>) -> Result<()> {
        let ids: Vec<i64> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id FROM stories WHERE merged_into IS NULL ORDER BY id")
                .map_err(sql("prepare story list"))?;
            stmt.query_map([], |row| row.get(0))
                .map_err(sql("query story list"))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(sql("read story id"))?
        };
        for id in ids {
            if let Some(story) = self.story(id)? {
                each(story)?;
            }
        }
        Ok(())
    }

    fn counts(&self) -> Result<StoreCounts> {
        self.conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM outlets), (SELECT COUNT(*) FROM ratings),
                        (SELECT COUNT(*) FROM feeds), (SELECT COUNT(*) FROM articles),
                        (SELECT COUNT(*) FROM stories WHERE merged_into IS NULL)",
                [],
                |row| {
                    Ok(StoreCounts {
                        outlets: row.get::<_, i64>(0)? as u64,
                        ratings: row.get::<_, i64>(1)? as u64,
                        feeds: row.get::<_, i64>(2)? as u64,
                        articles: row.get::<_, i64>(3)? as u64,
                        stories: row.get::<_, i64>(4)? as u64,
                    })
                },
            )
            .map_err(sql("count rows"))
    }

    // ---- Listings and the search queue, for the web server and the API ----

    fn story_heads(&self, filter: &StoryFilter, after: Option<StoryCursor>, limit: usize) -> Result<Vec<StoryHead>> {
        let (query, values) = listing_query(HEAD_COLUMNS, filter, after, limit);
        let mut stmt = self.conn.prepare_cached(&query).map_err(sql("prepare story listing"))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), head_columns_from_row)
            .map_err(sql("query story listing"))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql("read story listing"))?;
        rows.into_iter().map(head_from_columns).collect()
    }

    fn story_cursors(
        &self,
        filter: &StoryFilter,
        after: Option<StoryCursor>,
        limit: usize,
    ) -> Result<Vec<StoryCursor>> {
        let (query, values) = listing_query("s.id, s.last_updated", filter, after, limit);
        let mut stmt = self.conn.prepare_cached(&query).map_err(sql("prepare story cursors"))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)))
            .map_err(sql("query story cursors"))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql("read story cursors"))?;
        rows.into_iter()
            .map(|(id, last)| {
                let last_updated = from_unix(last).ok_or_else(|| StoreError::Corrupt {
                    table: "stories",
                    reason: format!("bad time {last} in story {id}"),
                })?;
                Ok(StoryCursor { last_updated, id })
            })
            .collect()
    }

    fn story_heads_by_id(&self, ids: &[i64]) -> Result<Vec<StoryHead>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {HEAD_COLUMNS} FROM stories s WHERE s.id = ?1 AND s.merged_into IS NULL"))
            .map_err(sql("prepare story lookup"))?;
        let mut heads = Vec::with_capacity(ids.len());
        for &id in ids {
            let columns = stmt.query_row([id], head_columns_from_row).optional().map_err(sql("look up story"))?;
            if let Some(columns) = columns {
                heads.push(head_from_columns(columns)?);
            }
        }
        Ok(heads)
    }

    fn touched_stories(&self, limit: usize) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT story_id FROM story_touches ORDER BY story_id LIMIT ?1")
            .map_err(sql("prepare touched stories"))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        stmt.query_map([limit], |row| row.get(0))
            .map_err(sql("query touched stories"))?
            .collect::<rusqlite::Result<Vec<i64>>>()
            .map_err(sql("read touched story"))
    }

    fn merge_outlets_by(&mut self, canonical: &dyn Fn(&str) -> String) -> Result<usize> {
        SqliteStore::merge_outlets_by(self, canonical)
    }

    fn touched_outlets(&self, limit: usize) -> Result<Vec<String>> {
        self.touched_outlet_domains(limit)
    }

    fn forget_touched_outlets(&mut self, domains: &[String]) -> Result<()> {
        self.forget_outlet_touches(domains)
    }

    fn stories_of_outlets(&self, domains: &[String]) -> Result<Vec<i64>> {
        self.live_stories_of(domains)
    }

    fn forget_touched_stories(&mut self, ids: &[i64]) -> Result<()> {
        let tx = self.conn.transaction().map_err(sql("begin forgetting touched stories"))?;
        {
            let mut forget = tx
                .prepare_cached("DELETE FROM story_touches WHERE story_id = ?1")
                .map_err(sql("prepare forgetting touched stories"))?;
            for id in ids {
                forget.execute([id]).map_err(sql("forget touched story"))?;
            }
        }
        tx.commit().map_err(sql("commit forgetting touched stories"))
    }
}

/// Records how a fetch went, on a connection or inside a transaction.
fn record_fetch_on(conn: &Connection, feed_url: &str, at: DateTime<Utc>, record: &FetchRecord) -> Result<()> {
    let at = at.timestamp();
    let changed = match record {
        FetchRecord::Fetched { etag, last_modified, next_fetch }
        | FetchRecord::NotModified { etag, last_modified, next_fetch } => {
            let status = match record {
                FetchRecord::Fetched { .. } => FeedStatus::Ok,
                _ => FeedStatus::NotModified,
            };
            conn.prepare_cached(
                "UPDATE feeds SET status = ?2, etag = ?3, last_modified = ?4, last_fetched = ?5,
                        next_fetch = ?6, consecutive_failures = 0, last_error = NULL
                 WHERE url = ?1",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    feed_url,
                    status.as_str(),
                    etag,
                    last_modified,
                    at,
                    next_fetch.map(|t| t.timestamp())
                ])
            })
            .map_err(sql("record fetch"))?
        }
        FetchRecord::Failed { error, next_fetch } => conn
            .prepare_cached(
                "UPDATE feeds SET status = 'failed', last_error = ?2, last_fetched = ?3, next_fetch = ?4,
                        consecutive_failures = consecutive_failures + 1, error_count = error_count + 1
                 WHERE url = ?1",
            )
            .and_then(|mut stmt| stmt.execute(params![feed_url, error, at, next_fetch.map(|t| t.timestamp())]))
            .map_err(sql("record fetch failure"))?,
    };
    if changed == 0 {
        return Err(StoreError::UnknownFeed(feed_url.to_string()));
    }
    Ok(())
}

/// Inserts articles inside the caller's transaction, skipping duplicates.
fn insert_articles_on(conn: &Connection, articles: &[NewArticle]) -> Result<InsertCounts> {
    let mut counts = InsertCounts::default();
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO articles (outlet_id, feed_id, guid, url, title, snippet, content_html, truncated,
                                   language, language_confidence, published, date_flag, fetched, categories)
             SELECT o.id, f.id, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14
             FROM outlets o JOIN feeds f ON f.url = ?2 WHERE o.domain = ?1
             ON CONFLICT DO NOTHING",
        )
        .map_err(sql("prepare article insert"))?;
    let mut feed_known =
        conn.prepare_cached("SELECT 1 FROM feeds WHERE url = ?1").map_err(sql("prepare feed check"))?;
    let mut checked_feed: Option<&str> = None;
    for article in articles {
        if checked_feed != Some(article.feed.as_str()) {
            if !feed_known.exists([&article.feed]).map_err(sql("check feed"))? {
                return Err(StoreError::UnknownFeed(article.feed.clone()));
            }
            checked_feed = Some(article.feed.as_str());
        }
        let inserted = insert
            .execute(params![
                article.outlet,
                article.feed,
                article.guid,
                article.url,
                article.title,
                article.snippet,
                article.content_html,
                article.truncated,
                article.language,
                article.language_confidence,
                article.published.timestamp(),
                article.date_flag.map(DateFlag::as_str),
                article.fetched.timestamp(),
                article.categories.join("\n"),
            ])
            .map_err(sql("insert article"))?;
        if inserted == 1 {
            counts.new += 1;
        } else {
            counts.duplicate += 1;
        }
    }
    Ok(counts)
}

/// The columns `article_from_row` reads, in order; extra columns may follow.
const ARTICLE_COLUMNS: &str = "a.id, o.domain, f.url, a.guid, a.url, a.title, a.snippet, a.content_html, a.truncated,
     a.language, a.language_confidence, a.published, a.date_flag, a.fetched, a.categories";
/// Where the columns after [`ARTICLE_COLUMNS`] start.
const AFTER_ARTICLE: usize = 15;
const ARTICLE_JOINS: &str = "articles a JOIN outlets o ON o.id = a.outlet_id JOIN feeds f ON f.id = a.feed_id";

fn article_from_row(row: &Row<'_>) -> rusqlite::Result<Article> {
    let time = |index: usize| -> rusqlite::Result<DateTime<Utc>> {
        let secs: i64 = row.get(index)?;
        from_unix(secs).ok_or(rusqlite::Error::IntegralValueOutOfRange(index, secs))
    };
    Ok(Article {
        id: row.get(0)?,
        article: NewArticle {
            outlet: row.get(1)?,
            feed: row.get(2)?,
            guid: row.get(3)?,
            url: row.get(4)?,
            title: row.get(5)?,
            snippet: row.get(6)?,
            content_html: row.get(7)?,
            truncated: row.get(8)?,
            language: row.get(9)?,
            language_confidence: row.get(10)?,
            published: time(11)?,
            date_flag: row.get::<_, Option<String>>(12)?.as_deref().and_then(DateFlag::parse),
            fetched: time(13)?,
            categories: row.get::<_, String>(14)?.split('\n').filter(|c| !c.is_empty()).map(str::to_string).collect(),
        },
    })
}

// ---- Listings and the search queue, for the web server and the API ----

/// The expression `stories_blindspot` indexes; a query must spell it the
/// same way for SQLite to use the index.
const BLINDSPOT_EXPR: &str = "json_extract(s.view, '$.coverage.blindspot')";

/// The statement and its values that list `columns` of the live stories
/// matching `filter`, newest update first, after `after`, at most `limit`.
fn listing_query(
    columns: &str,
    filter: &StoryFilter,
    after: Option<StoryCursor>,
    limit: usize,
) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut values: Vec<Value> = Vec::new();
    let mut bind = |value: Value| {
        values.push(value);
        format!("?{}", values.len())
    };
    let mut conditions = vec!["s.merged_into IS NULL".to_string()];
    if let Some(side) = filter.blindspot {
        conditions.push(format!("{BLINDSPOT_EXPR} = {}", bind(Value::Text(side.as_str().to_string()))));
    }
    if let Some(domain) = &filter.outlet {
        conditions.push(format!(
            "s.id IN (SELECT a.story_id FROM articles a
                      WHERE a.outlet_id = (SELECT id FROM outlets WHERE domain = {}) AND a.story_id IS NOT NULL)",
            bind(Value::Text(domain.clone()))
        ));
    }
    if let Some(language) = &filter.language {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id AND a.language = {})",
            bind(Value::Text(language.clone()))
        ));
    }
    if let Some(since) = filter.since {
        conditions.push(format!("s.last_updated >= {}", bind(Value::Integer(since.timestamp()))));
    }
    if let Some(topic) = filter.topic {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM json_each(s.view, '$.topics') WHERE value = {})",
            bind(Value::Text(topic.as_str().to_string()))
        ));
    }
    if !filter.countries.is_empty() {
        let codes: Vec<String> = filter.countries.iter().map(|c| bind(Value::Text(c.clone()))).collect();
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM json_each(s.view, '$.countries') WHERE value IN ({}))",
            codes.join(", ")
        ));
    }
    if let Some(cursor) = after {
        let time = bind(Value::Integer(cursor.last_updated.timestamp()));
        let id = bind(Value::Integer(cursor.id));
        conditions.push(format!("(s.last_updated, s.id) < ({time}, {id})"));
    }
    let limit = bind(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    let query = format!(
        "SELECT {columns} FROM stories s WHERE {} ORDER BY s.last_updated DESC, s.id DESC LIMIT {limit}",
        conditions.join(" AND ")
    );
    (query, values)
}

/// Counts and the first headline are only worked out for stories whose view
/// is not computed yet; otherwise the view has them.
const HEAD_COLUMNS: &str = "s.id, s.first_published, s.last_updated, s.view,
     CASE WHEN s.view IS NULL THEN (SELECT COUNT(*) FROM articles a WHERE a.story_id = s.id) END,
     CASE WHEN s.view IS NULL THEN (SELECT COUNT(DISTINCT a.outlet_id) FROM articles a WHERE a.story_id = s.id) END,
     CASE WHEN s.view IS NULL THEN
         (SELECT a.title FROM articles a WHERE a.story_id = s.id ORDER BY a.published, a.id LIMIT 1) END";

type HeadColumns = (i64, i64, i64, Option<String>, Option<i64>, Option<i64>, Option<String>);

fn head_columns_from_row(row: &Row<'_>) -> rusqlite::Result<HeadColumns> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
}

fn head_from_columns((id, first, last, view, articles, outlets, title): HeadColumns) -> Result<StoryHead> {
    StoryHead::from_stored(id, (first, last), view.as_deref(), articles, outlets, title)
}

/// Where each story given an article in `assignments` ends after `merges`,
/// applied in order (a story absorbed, then its survivor absorbed in turn),
/// for the stories that move. The new articles are stored in their final
/// story at once instead of being moved again, row by row with their two
/// story indexes and the touch triggers, by every merge after them. In
/// `parallax bench ingest` (36,016 new articles in 2,731 stories, 2,365 of
/// them merged away) this method fell from 403 to 334 perf samples. The
/// stories table, the merge records, the touched stories and every
/// article's story come out the same; `merges` still move the articles
/// stored in earlier rounds.
fn survivors(assignments: &[StoryAssignment], merges: &[StoryMerge]) -> std::collections::HashMap<i64, i64> {
    use std::collections::HashMap;
    let mut held: HashMap<i64, Vec<i64>> = HashMap::new();
    for assignment in assignments {
        held.entry(assignment.story).or_insert_with(|| vec![assignment.story]);
    }
    let mut survivors = HashMap::new();
    for merge in merges {
        if merge.absorbed == merge.into {
            continue;
        }
        let Some(moved) = held.remove(&merge.absorbed) else { continue };
        for &story in &moved {
            survivors.insert(story, merge.into);
        }
        held.entry(merge.into).or_insert_with(|| vec![merge.into]).extend(moved);
    }
    survivors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_go_where_the_merges_applied_in_order_take_their_story() {
        let assigned = |story| StoryAssignment { article: story * 10, story, copy_of: None };
        let merge = |absorbed, into| StoryMerge { absorbed, into };
        // 1 into 2, then 2 into 3; 4 into 1 after 1 was absorbed, as moving
        // the rows merge by merge would leave them; 5 stays.
        let moved =
            survivors(&[assigned(1), assigned(2), assigned(4), assigned(5)], &[merge(1, 2), merge(2, 3), merge(4, 1)]);
        assert_eq!([1, 2, 4, 5].map(|story| moved.get(&story).copied()), [Some(3), Some(3), Some(1), None]);
    }
}
