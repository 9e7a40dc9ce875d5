//! What reads the database, and the [`Store`] implementation that puts the
//! reads and the writes (`write.rs`) together.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use parallax_core::{Article, DateFlag, FeedSource, NewArticle, Outlet, Rating, StoryView};
use parallax_store::{
    FeedCommit, FeedRecord, FeedStatus, FetchRecord, ImportCounts, InsertCounts, OutletRecord, OutletSummary,
    QuarantinedFeed, Result, Store, StoreCounts, StoreError, StoryArticle, StoryAssignment, StoryCursor, StoryFilter,
    StoryHead, StoryMerge, StoryRecord, TextOutcome,
};
use postgres::Row;
use postgres::types::ToSql;

use crate::{PostgresStore, from_unix, pg, time_or_corrupt};

const FEED_COLUMNS: &str = "f.id, f.url, o.domain, f.title, f.language, f.categories, f.etag, f.last_modified,
     f.status, f.consecutive_failures, f.error_count, f.last_error, f.last_fetched, f.next_fetch";

fn lines(text: String) -> Vec<String> {
    text.split('\n').filter(|c| !c.is_empty()).map(str::to_string).collect()
}

pub(crate) fn feed_from_row(row: &Row) -> Result<FeedRecord> {
    let get = pg("read feed");
    let decode = || -> Result<FeedRecord, postgres::Error> {
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        let status: String = row.try_get(8)?;
        let url: String = row.try_get(1)?;
        Ok(FeedRecord {
            id: row.try_get(0)?,
            status: FeedStatus::parse(&status).unwrap_or(FeedStatus::New),
            source: FeedSource {
                url,
                outlet: row.try_get(2)?,
                title: row.try_get(3)?,
                language: row.try_get(4)?,
                categories: lines(row.try_get(5)?),
            },
            etag: row.try_get(6)?,
            last_modified: row.try_get(7)?,
            consecutive_failures: count(row.try_get(9)?),
            error_count: count(row.try_get(10)?),
            last_error: row.try_get(11)?,
            last_fetched: row.try_get::<_, Option<i64>>(12)?.and_then(from_unix),
            next_fetch: row.try_get::<_, Option<i64>>(13)?.and_then(from_unix),
        })
    };
    let record = decode().map_err(get)?;
    let status: String = row.try_get(8).map_err(pg("read feed status"))?;
    if FeedStatus::parse(&status).is_none() {
        return Err(StoreError::Corrupt {
            table: "feeds",
            reason: format!("unknown status {status:?} for {}", record.source.url),
        });
    }
    Ok(record)
}

/// The columns `article_from_row` reads, in order; extra columns may follow.
const ARTICLE_COLUMNS: &str = "a.id, o.domain, f.url, a.guid, a.url, a.title, a.snippet, a.content_html, a.truncated,
     a.language, a.language_confidence, a.published, a.date_flag, a.fetched, a.categories";
/// Where the columns after [`ARTICLE_COLUMNS`] start.
const AFTER_ARTICLE: usize = 15;
const ARTICLE_JOINS: &str = "articles a JOIN outlets o ON o.id = a.outlet_id JOIN feeds f ON f.id = a.feed_id";

fn article_from_row(row: &Row) -> Result<Article> {
    let decode = || -> Result<(Article, i64, i64), postgres::Error> {
        let published: i64 = row.try_get(11)?;
        let fetched: i64 = row.try_get(13)?;
        let article = Article {
            id: row.try_get(0)?,
            article: NewArticle {
                outlet: row.try_get(1)?,
                feed: row.try_get(2)?,
                guid: row.try_get(3)?,
                url: row.try_get(4)?,
                title: row.try_get(5)?,
                snippet: row.try_get(6)?,
                content_html: row.try_get(7)?,
                truncated: row.try_get(8)?,
                language: row.try_get(9)?,
                language_confidence: row.try_get(10)?,
                published: DateTime::UNIX_EPOCH,
                date_flag: row.try_get::<_, Option<String>>(12)?.as_deref().and_then(DateFlag::parse),
                fetched: DateTime::UNIX_EPOCH,
                categories: lines(row.try_get(14)?),
            },
        };
        Ok((article, published, fetched))
    };
    let (mut article, published, fetched) = decode().map_err(pg("read article"))?;
    article.article.published = time_or_corrupt(published, "articles")?;
    article.article.fetched = time_or_corrupt(fetched, "articles")?;
    Ok(article)
}

/// Counts and the first headline are only worked out for stories whose view
/// is not computed yet; otherwise the view has them.
const HEAD_COLUMNS: &str = "s.id, s.first_published, s.last_updated, s.view,
     CASE WHEN s.view IS NULL THEN (SELECT COUNT(*) FROM articles a WHERE a.story_id = s.id) END,
     CASE WHEN s.view IS NULL THEN (SELECT COUNT(DISTINCT a.outlet_id) FROM articles a WHERE a.story_id = s.id) END,
     CASE WHEN s.view IS NULL THEN
         (SELECT a.title FROM articles a WHERE a.story_id = s.id ORDER BY a.published, a.id LIMIT 1) END";

/// The expression `stories_blindspot` indexes; a query must spell it the
/// same way for PostgreSQL to use the index.
const BLINDSPOT_EXPR: &str = "((s.view::jsonb) -> 'coverage' ->> 'blindspot')";

fn head_from_row(row: &Row) -> Result<StoryHead> {
    let decode = || -> Result<_, postgres::Error> {
        Ok((
            row.try_get::<_, i64>(0)?,
            row.try_get::<_, i64>(1)?,
            row.try_get::<_, i64>(2)?,
            row.try_get::<_, Option<String>>(3)?,
            row.try_get::<_, Option<i64>>(4)?,
            row.try_get::<_, Option<i64>>(5)?,
            row.try_get::<_, Option<String>>(6)?,
        ))
    };
    let (id, first, last, view, articles, outlets, title) = decode().map_err(pg("read story listing"))?;
    StoryHead::from_stored(id, (first, last), view.as_deref(), articles, outlets, title)
}

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl PostgresStore {
    /// Runs a cached query on the store's connection.
    fn rows(&self, sql: &str, params: &[&(dyn ToSql + Sync)], context: &'static str) -> Result<Vec<Row>> {
        let mut client = self.conn();
        let statement = self.prepared(&mut *client, sql)?;
        client.query(&statement, params).map_err(pg(context))
    }

    fn ratings_of(&self, outlet_id: i64, domain: &str) -> Result<Vec<Rating>> {
        let rows = self.rows(
            "SELECT provider, version, source_file, outlet_name, lean, factuality, owner, ownership, country, language
             FROM ratings WHERE outlet_id = $1 ORDER BY provider, version",
            &[&outlet_id],
            "query ratings",
        )?;
        let corrupt = |reason: String| StoreError::Corrupt { table: "ratings", reason };
        let mut ratings = Vec::with_capacity(rows.len());
        for row in rows {
            let decode = || -> Result<_, postgres::Error> {
                Ok((
                    row.try_get::<_, String>(0)?,
                    row.try_get::<_, String>(1)?,
                    row.try_get::<_, String>(2)?,
                    row.try_get::<_, Option<String>>(3)?,
                    row.try_get::<_, Option<String>>(4)?,
                    row.try_get::<_, Option<String>>(5)?,
                    row.try_get::<_, Option<String>>(6)?,
                    row.try_get::<_, Option<String>>(7)?,
                    row.try_get::<_, Option<String>>(8)?,
                    row.try_get::<_, Option<String>>(9)?,
                ))
            };
            let (provider, version, source_file, outlet_name, lean, factuality, owner, ownership, country, language) =
                decode().map_err(pg("read rating"))?;
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

    fn outlet_id(&self, domain: &str) -> Result<Option<(i64, Option<String>)>> {
        let rows = self.rows("SELECT id, name FROM outlets WHERE domain = $1", &[&domain], "look up outlet")?;
        rows.first().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).transpose().map_err(pg("read outlet"))
    }

    fn articles_of(&self, sql: &str, params: &[&(dyn ToSql + Sync)], context: &'static str) -> Result<Vec<Article>> {
        self.rows(sql, params, context)?.iter().map(article_from_row).collect()
    }

    fn single_count(&self, sql: &str, param: i64) -> Result<u64> {
        let rows = self.rows(sql, &[&param], "count rows")?;
        let n: i64 = rows.first().map(|row| row.try_get(0)).transpose().map_err(pg("read count"))?.unwrap_or(0);
        Ok(n as u64)
    }
}

/// How many articles one page of `for_each_article` holds: the connection
/// is free between pages, so a callback may read the store.
const ARTICLE_PAGE: i64 = 1000;

impl Store for PostgresStore {
    fn import(&mut self, outlets: &[Outlet], ratings: &[Rating], feeds: &[FeedSource]) -> Result<ImportCounts> {
        crate::off_runtime(|| self.import_all(outlets, ratings, feeds))
    }

    fn outlet_domains(&self) -> Result<Vec<String>> {
        crate::off_runtime(|| {
            let rows = self.rows("SELECT domain FROM outlets ORDER BY domain", &[], "query outlet domains")?;
            rows.iter().map(|row| row.try_get(0)).collect::<Result<_, _>>().map_err(pg("read outlet domain"))
        })
    }

    fn outlet(&self, domain: &str) -> Result<Option<OutletRecord>> {
        crate::off_runtime(|| {
            let Some((id, name)) = self.outlet_id(domain)? else { return Ok(None) };
            let ratings = self.ratings_of(id, domain)?;
            let feeds = self
                .rows(
                    &format!(
                        "SELECT {FEED_COLUMNS} FROM feeds f JOIN outlets o ON o.id = f.outlet_id
                     WHERE f.outlet_id = $1 ORDER BY f.url"
                    ),
                    &[&id],
                    "query outlet feeds",
                )?
                .iter()
                .map(feed_from_row)
                .collect::<Result<Vec<_>>>()?;
            let articles = self.single_count("SELECT COUNT(*) FROM articles WHERE outlet_id = $1", id)?;
            Ok(Some(OutletRecord { outlet: Outlet { domain: domain.to_string(), name }, ratings, feeds, articles }))
        })
    }

    fn outlet_ratings(&self, domain: &str) -> Result<Vec<Rating>> {
        crate::off_runtime(|| match self.outlet_id(domain)? {
            Some((id, _)) => self.ratings_of(id, domain),
            None => Ok(Vec::new()),
        })
    }

    fn outlets(&self) -> Result<Vec<OutletSummary>> {
        crate::off_runtime(|| {
            let rows = self.rows(
                "SELECT o.id, o.domain, o.name,
                    (SELECT COUNT(*) FROM feeds f WHERE f.outlet_id = o.id),
                    (SELECT COUNT(*) FROM articles a WHERE a.outlet_id = o.id)
             FROM outlets o ORDER BY o.domain",
                &[],
                "query outlets",
            )?;
            let mut outlets = Vec::with_capacity(rows.len());
            for row in rows {
                let decode = || -> Result<_, postgres::Error> {
                    Ok((
                        row.try_get::<_, i64>(0)?,
                        row.try_get::<_, String>(1)?,
                        row.try_get::<_, Option<String>>(2)?,
                        row.try_get::<_, i64>(3)?,
                        row.try_get::<_, i64>(4)?,
                    ))
                };
                let (id, domain, name, feeds, articles) = decode().map_err(pg("read outlet"))?;
                outlets.push(OutletSummary {
                    ratings: self.ratings_of(id, &domain)?,
                    outlet: Outlet { domain, name },
                    feeds: feeds as u64,
                    articles: articles as u64,
                });
            }
            Ok(outlets)
        })
    }

    fn feeds(&self, only: Option<&[String]>) -> Result<Vec<FeedRecord>> {
        crate::off_runtime(|| {
            let base = format!("SELECT {FEED_COLUMNS} FROM feeds f JOIN outlets o ON o.id = f.outlet_id");
            let rows = match only {
                None => self.rows(&format!("{base} ORDER BY f.url"), &[], "query feeds")?,
                Some(urls) => {
                    self.rows(&format!("{base} WHERE f.url = ANY($1) ORDER BY f.url"), &[&urls], "query feeds")?
                }
            };
            rows.iter().map(feed_from_row).collect()
        })
    }

    fn record_fetch(&mut self, feed_url: &str, at: DateTime<Utc>, record: &FetchRecord) -> Result<()> {
        crate::off_runtime(|| {
            let mut client = self.conn();
            self.record_fetch_on(&mut *client, feed_url, at, record)
        })
    }

    fn insert_articles(&mut self, articles: &[NewArticle]) -> Result<InsertCounts> {
        crate::off_runtime(|| self.insert_articles_now(articles))
    }

    fn commit_feeds(&mut self, feeds: &[FeedCommit<'_>]) -> Result<Vec<Result<InsertCounts>>> {
        crate::off_runtime(|| self.commit_feed_group(feeds))
    }

    fn quarantine_feed(&mut self, feed_url: &str, at: DateTime<Utc>, reason: &str, bytes: &[u8]) -> Result<()> {
        crate::off_runtime(|| self.quarantine(feed_url, at, reason, bytes))
    }

    fn quarantined_feeds(&self) -> Result<Vec<QuarantinedFeed>> {
        crate::off_runtime(|| {
            let rows = self.rows(
                "SELECT f.url, q.at, q.reason, q.bytes FROM quarantined_feeds q JOIN feeds f ON f.id = q.feed_id
             ORDER BY f.url",
                &[],
                "query quarantined feeds",
            )?;
            let mut kept = Vec::with_capacity(rows.len());
            for row in rows {
                let decode = || -> Result<_, postgres::Error> {
                    Ok((row.try_get::<_, String>(0)?, row.try_get::<_, i64>(1)?, row.try_get(2)?, row.try_get(3)?))
                };
                let (feed_url, at, reason, bytes) = decode().map_err(pg("read quarantined feed"))?;
                kept.push(QuarantinedFeed { feed_url, at: time_or_corrupt(at, "quarantined_feeds")?, reason, bytes });
            }
            Ok(kept)
        })
    }

    fn for_each_article(&self, each: &mut dyn FnMut(Article) -> Result<()>) -> Result<()> {
        crate::off_runtime(|| {
            let sql = format!("SELECT {ARTICLE_COLUMNS} FROM {ARTICLE_JOINS} WHERE a.id > $1 ORDER BY a.id LIMIT $2");
            let mut after = i64::MIN;
            loop {
                let page = self.articles_of(&sql, &[&after, &ARTICLE_PAGE], "query articles")?;
                let Some(last) = page.last() else { return Ok(()) };
                after = last.id;
                for article in page {
                    each(article)?;
                }
            }
        })
    }

    fn counts(&self) -> Result<StoreCounts> {
        crate::off_runtime(|| {
            let rows = self.rows(
                "SELECT (SELECT COUNT(*) FROM outlets), (SELECT COUNT(*) FROM ratings),
                    (SELECT COUNT(*) FROM feeds), (SELECT COUNT(*) FROM articles),
                    (SELECT COUNT(*) FROM stories WHERE merged_into IS NULL)",
                &[],
                "count rows",
            )?;
            let row = rows.first().ok_or(StoreError::Corrupt { table: "counts", reason: "no row".into() })?;
            let n = |i: usize| row.try_get::<_, i64>(i).map(|n| n as u64);
            (|| Ok(StoreCounts { outlets: n(0)?, ratings: n(1)?, feeds: n(2)?, articles: n(3)?, stories: n(4)? }))()
                .map_err(pg("read counts"))
        })
    }

    fn unclustered_articles(&self, limit: usize) -> Result<Vec<Article>> {
        crate::off_runtime(|| {
            self.articles_of(
                &format!(
                    "SELECT {ARTICLE_COLUMNS} FROM {ARTICLE_JOINS} WHERE a.story_id IS NULL
                 ORDER BY a.published, a.id LIMIT $1"
                ),
                &[&limit_of(limit)],
                "query unclustered articles",
            )
        })
    }

    fn clustered_between(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<(Article, i64)>> {
        crate::off_runtime(|| {
            let rows = self.rows(
                &format!(
                    "SELECT {ARTICLE_COLUMNS}, a.story_id FROM {ARTICLE_JOINS}
                 WHERE a.published BETWEEN $1 AND $2 AND a.story_id IS NOT NULL ORDER BY a.published, a.id"
                ),
                &[&since.timestamp(), &until.timestamp()],
                "query clustered articles",
            )?;
            rows.iter()
                .map(|row| Ok((article_from_row(row)?, row.try_get(AFTER_ARTICLE).map_err(pg("read story id"))?)))
                .collect()
        })
    }

    fn assign_stories(
        &mut self,
        assignments: &[StoryAssignment],
        merges: &[StoryMerge],
        at: DateTime<Utc>,
    ) -> Result<()> {
        crate::off_runtime(|| self.assign(assignments, merges, at))
    }

    fn set_story_views(&mut self, views: &[(i64, StoryView)]) -> Result<()> {
        crate::off_runtime(|| self.store_views(views))
    }

    fn story(&self, id: i64) -> Result<Option<StoryRecord>> {
        Ok(self.stories_by_id(&[id])?.into_iter().next())
    }

    fn stories_by_id(&self, ids: &[i64]) -> Result<Vec<StoryRecord>> {
        crate::off_runtime(|| {
            let heads = self.rows(
                "SELECT id, first_published, last_updated, view FROM stories
                 WHERE id = ANY($1) AND merged_into IS NULL",
                &[&ids],
                "look up stories",
            )?;
            let members = self.rows(
                &format!(
                    "SELECT {ARTICLE_COLUMNS}, a.copy_of, a.story_id FROM {ARTICLE_JOINS} WHERE a.story_id = ANY($1)
                 ORDER BY a.published, a.id"
                ),
                &[&ids],
                "query story articles",
            )?;
            let mut articles: HashMap<i64, Vec<StoryArticle>> = HashMap::new();
            for row in &members {
                let story: i64 = row.try_get(AFTER_ARTICLE + 1).map_err(pg("read story of article"))?;
                articles.entry(story).or_default().push(StoryArticle {
                    article: article_from_row(row)?,
                    copy_of: row.try_get(AFTER_ARTICLE).map_err(pg("read copy of"))?,
                });
            }
            let mut stories = HashMap::with_capacity(heads.len());
            for row in &heads {
                let (id, first, last, view): (i64, i64, i64, Option<String>) =
                    (|| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?)))()
                        .map_err(pg("read story"))?;
                let view = view.map(|json| serde_json::from_str(&json)).transpose().map_err(|e| {
                    StoreError::Corrupt { table: "stories", reason: format!("view of story {id}: {e}") }
                })?;
                let record = StoryRecord {
                    id,
                    first_published: time_or_corrupt(first, "stories")?,
                    last_updated: time_or_corrupt(last, "stories")?,
                    articles: articles.remove(&id).unwrap_or_default(),
                    view,
                };
                stories.insert(id, record);
            }
            Ok(ids.iter().filter_map(|id| stories.remove(id)).collect())
        })
    }
    fn articles_wanting_text(
        &self,
        limit: usize,
        always_outlets: &[String],
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Article>> {
        crate::off_runtime(|| {
            self.articles_of(
                &format!(
                    "SELECT {ARTICLE_COLUMNS} FROM {ARTICLE_JOINS}
                 WHERE a.fetched BETWEEN $3 AND $4
                   AND NOT EXISTS (SELECT 1 FROM article_texts t WHERE t.article_id = a.id)
                   AND (a.truncated OR o.domain = ANY($2))
                 ORDER BY a.published DESC, a.id DESC LIMIT $1"
                ),
                &[&limit_of(limit), &always_outlets, &since.timestamp(), &until.timestamp()],
                "query articles wanting text",
            )
        })
    }

    fn record_article_text(&mut self, article: i64, at: DateTime<Utc>, outcome: &TextOutcome) -> Result<()> {
        crate::off_runtime(|| self.record_text(article, at, outcome))
    }

    fn article_texts(&self, articles: &[i64]) -> Result<HashMap<i64, String>> {
        crate::off_runtime(|| {
            let rows = self.rows(
                "SELECT article_id, text FROM article_texts WHERE article_id = ANY($1) AND status = 'ok'",
                &[&articles],
                "read article texts",
            )?;
            rows.iter()
                .map(|row| Ok((row.try_get(0)?, row.try_get::<_, Option<String>>(1)?.unwrap_or_default())))
                .collect::<Result<_, postgres::Error>>()
                .map_err(pg("read article text"))
        })
    }

    fn for_each_story(&self, each: &mut dyn FnMut(StoryRecord) -> Result<()>) -> Result<()> {
        crate::off_runtime(|| {
            let ids: Vec<i64> = self
                .rows("SELECT id FROM stories WHERE merged_into IS NULL ORDER BY id", &[], "query story list")?
                .iter()
                .map(|row| row.try_get(0))
                .collect::<Result<_, _>>()
                .map_err(pg("read story id"))?;
            for id in ids {
                if let Some(story) = self.story(id)? {
                    each(story)?;
                }
            }
            Ok(())
        })
    }

    fn story_heads(&self, filter: &StoryFilter, after: Option<StoryCursor>, limit: usize) -> Result<Vec<StoryHead>> {
        crate::off_runtime(|| {
            let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::new();
            let mut bind = |value: Box<dyn ToSql + Sync>| {
                values.push(value);
                format!("${}", values.len())
            };
            let mut conditions = vec!["s.merged_into IS NULL".to_string()];
            if let Some(side) = filter.blindspot {
                conditions.push(format!("{BLINDSPOT_EXPR} = {}::text", bind(Box::new(side.as_str().to_string()))));
            }
            if let Some(domain) = &filter.outlet {
                conditions.push(format!(
                    "s.id IN (SELECT a.story_id FROM articles a
                          WHERE a.outlet_id = (SELECT id FROM outlets WHERE domain = {}::text)
                            AND a.story_id IS NOT NULL)",
                    bind(Box::new(domain.clone()))
                ));
            }
            if let Some(language) = &filter.language {
                conditions.push(format!(
                    "EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id AND a.language = {}::text)",
                    bind(Box::new(language.clone()))
                ));
            }
            if let Some(topic) = filter.topic {
                conditions.push(format!(
                    "COALESCE((s.view::jsonb) -> 'topics', '[]'::jsonb) ? {}::text",
                    bind(Box::new(topic.as_str().to_string()))
                ));
            }
            if !filter.countries.is_empty() {
                conditions.push(format!(
                    "COALESCE((s.view::jsonb) -> 'countries', '[]'::jsonb) ?| {}::text[]",
                    bind(Box::new(filter.countries.clone()))
                ));
            }
            if let Some(since) = filter.since {
                conditions.push(format!("s.last_updated >= {}::bigint", bind(Box::new(since.timestamp()))));
            }
            if let Some(cursor) = after {
                let time = bind(Box::new(cursor.last_updated.timestamp()));
                let id = bind(Box::new(cursor.id));
                conditions.push(format!("(s.last_updated, s.id) < ({time}::bigint, {id}::bigint)"));
            }
            let limit = bind(Box::new(limit_of(limit)));
            let query = format!(
                "SELECT {HEAD_COLUMNS} FROM stories s WHERE {} ORDER BY s.last_updated DESC, s.id DESC LIMIT {limit}",
                conditions.join(" AND ")
            );
            let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
            self.rows(&query, &params, "query story listing")?.iter().map(head_from_row).collect()
        })
    }

    fn story_heads_by_id(&self, ids: &[i64]) -> Result<Vec<StoryHead>> {
        crate::off_runtime(|| {
            let rows = self.rows(
                &format!("SELECT {HEAD_COLUMNS} FROM stories s WHERE s.id = ANY($1) AND s.merged_into IS NULL"),
                &[&ids],
                "look up stories",
            )?;
            let mut found: HashMap<i64, StoryHead> =
                rows.iter().map(head_from_row).map(|head| head.map(|h| (h.id, h))).collect::<Result<_>>()?;
            Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
        })
    }

    fn touched_stories(&self, limit: usize) -> Result<Vec<i64>> {
        crate::off_runtime(|| {
            self.mark_consumer_alive()?;
            self.rows(
                "SELECT story_id FROM story_touches WHERE consumer = $1 ORDER BY story_id LIMIT $2",
                &[&self.consumer, &limit_of(limit)],
                "query touched stories",
            )?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()
            .map_err(pg("read touched story"))
        })
    }

    fn forget_touched_stories(&mut self, ids: &[i64]) -> Result<()> {
        crate::off_runtime(|| self.forget_stories(ids))
    }

    fn merge_outlets_by(&mut self, canonical: &dyn Fn(&str) -> String) -> Result<usize> {
        crate::off_runtime(|| self.merge_outlets(canonical))
    }

    fn touched_outlets(&self, limit: usize) -> Result<Vec<String>> {
        crate::off_runtime(|| {
            self.rows(
                "SELECT o.domain FROM outlet_touches t JOIN outlets o ON o.id = t.outlet_id ORDER BY o.domain LIMIT $1",
                &[&limit_of(limit)],
                "query touched outlets",
            )?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()
            .map_err(pg("read touched outlet"))
        })
    }

    fn forget_touched_outlets(&mut self, domains: &[String]) -> Result<()> {
        crate::off_runtime(|| self.forget_outlets(domains))
    }

    fn stories_of_outlets(&self, domains: &[String]) -> Result<Vec<i64>> {
        crate::off_runtime(|| {
            self.rows(
                "SELECT DISTINCT a.story_id FROM articles a JOIN stories s ON s.id = a.story_id
             JOIN outlets o ON o.id = a.outlet_id
             WHERE o.domain = ANY($1) AND s.merged_into IS NULL ORDER BY a.story_id",
                &[&domains],
                "query stories of outlets",
            )?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()
            .map_err(pg("read story of outlet"))
        })
    }
}
