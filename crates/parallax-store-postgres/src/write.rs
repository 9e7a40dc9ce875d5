//! What changes the database: imports, fetch outcomes, articles, stories,
//! views, full texts, outlet merges and the queues that drain.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use parallax_core::{DateFlag, FeedSource, NewArticle, Outlet, Rating};
use parallax_store::{
    FeedCommit, FeedStatus, FetchRecord, ImportCounts, InsertCounts, Result, StoreError, StoryAssignment, StoryMerge,
    TextOutcome,
};
use postgres::GenericClient;

use crate::{PostgresStore, pg};

/// A rating's stored values after its key, in column order.
type RatingValues = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn rating_values(rating: &Rating) -> RatingValues {
    (
        rating.source_file.clone(),
        rating.outlet_name.clone(),
        rating.lean.map(|l| l.as_str().to_string()),
        rating.factuality.map(|f| f.as_str().to_string()),
        rating.owner.clone(),
        rating.ownership.clone(),
        rating.country.clone(),
        rating.language.clone(),
    )
}

impl PostgresStore {
    pub(crate) fn import_all(
        &mut self,
        outlets: &[Outlet],
        ratings: &[Rating],
        feeds: &[FeedSource],
    ) -> Result<ImportCounts> {
        let mut client = self.conn();
        let mut tx = client.transaction().map_err(pg("begin import"))?;
        let mut counts = ImportCounts::default();
        let insert_outlet = self
            .prepared(&mut tx, "INSERT INTO outlets (domain, name) VALUES ($1, $2) ON CONFLICT (domain) DO NOTHING")?;
        let name_outlet = self.prepared(
            &mut tx,
            "UPDATE outlets SET name = $2 WHERE domain = $1 AND name IS NULL AND $2::text IS NOT NULL",
        )?;
        let named: Vec<(&str, Option<&str>)> = outlets
            .iter()
            .map(|o| (o.domain.as_str(), o.name.as_deref()))
            .chain(ratings.iter().map(|r| (r.outlet.as_str(), r.outlet_name.as_deref())))
            .chain(feeds.iter().map(|f| (f.outlet.as_str(), None)))
            .collect();
        for (domain, name) in named {
            counts.outlets_new += tx.execute(&insert_outlet, &[&domain, &name]).map_err(pg("insert outlet"))? as usize;
            tx.execute(&name_outlet, &[&domain, &name]).map_err(pg("name outlet"))?;
        }

        let existing = self.prepared(
            &mut tx,
            "SELECT r.source_file, r.outlet_name, r.lean, r.factuality, r.owner, r.ownership, r.country, r.language
             FROM ratings r JOIN outlets o ON o.id = r.outlet_id
             WHERE o.domain = $1 AND r.provider = $2 AND r.version = $3",
        )?;
        let upsert = self.prepared(
            &mut tx,
            "INSERT INTO ratings (outlet_id, provider, version, source_file, outlet_name, lean, factuality,
                                  owner, ownership, country, language)
             SELECT id, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text,
                    $11::text
             FROM outlets WHERE domain = $1
             ON CONFLICT (outlet_id, provider, version) DO UPDATE SET
                source_file = EXCLUDED.source_file, outlet_name = EXCLUDED.outlet_name,
                lean = EXCLUDED.lean, factuality = EXCLUDED.factuality, owner = EXCLUDED.owner,
                ownership = EXCLUDED.ownership, country = EXCLUDED.country, language = EXCLUDED.language",
        )?;
        for rating in ratings {
            let values = rating_values(rating);
            let stored = tx
                .query_opt(&existing, &[&rating.outlet, &rating.provider, &rating.version])
                .map_err(pg("look up rating"))?;
            let stored: Option<RatingValues> = match stored {
                Some(row) => Some(
                    (|| {
                        Ok::<_, postgres::Error>((
                            row.try_get(0)?,
                            row.try_get(1)?,
                            row.try_get(2)?,
                            row.try_get(3)?,
                            row.try_get(4)?,
                            row.try_get(5)?,
                            row.try_get(6)?,
                            row.try_get(7)?,
                        ))
                    })()
                    .map_err(pg("read rating"))?,
                ),
                None => None,
            };
            match stored {
                Some(stored) if stored == values => continue,
                Some(_) => counts.ratings_updated += 1,
                None => counts.ratings_new += 1,
            }
            tx.execute(
                &upsert,
                &[
                    &rating.outlet,
                    &rating.provider,
                    &rating.version,
                    &values.0,
                    &values.1,
                    &values.2,
                    &values.3,
                    &values.4,
                    &values.5,
                    &values.6,
                    &values.7,
                ],
            )
            .map_err(pg("upsert rating"))?;
        }

        let insert_feed = self.prepared(
            &mut tx,
            "INSERT INTO feeds (url, outlet_id, title, language, categories)
             SELECT $1::text, id, $3::text, $4::text, $5::text FROM outlets WHERE domain = $2
             ON CONFLICT (url) DO NOTHING",
        )?;
        for feed in feeds {
            counts.feeds_new += tx
                .execute(
                    &insert_feed,
                    &[&feed.url, &feed.outlet, &feed.title, &feed.language, &feed.categories.join("\n")],
                )
                .map_err(pg("insert feed"))? as usize;
        }
        tx.commit().map_err(pg("commit import"))?;
        Ok(counts)
    }

    /// Records how a fetch went, on the connection or inside a transaction.
    pub(crate) fn record_fetch_on(
        &self,
        conn: &mut impl GenericClient,
        feed_url: &str,
        at: DateTime<Utc>,
        record: &FetchRecord,
    ) -> Result<()> {
        let at = at.timestamp();
        let changed = match record {
            FetchRecord::Fetched { etag, last_modified, next_fetch }
            | FetchRecord::NotModified { etag, last_modified, next_fetch } => {
                let status = match record {
                    FetchRecord::Fetched { .. } => FeedStatus::Ok,
                    _ => FeedStatus::NotModified,
                };
                let update = self.prepared(
                    conn,
                    "UPDATE feeds SET status = $2, etag = $3, last_modified = $4, last_fetched = $5,
                            next_fetch = $6, consecutive_failures = 0, last_error = NULL
                     WHERE url = $1",
                )?;
                let next = next_fetch.map(|t| t.timestamp());
                conn.execute(&update, &[&feed_url, &status.as_str(), etag, last_modified, &at, &next])
                    .map_err(pg("record fetch"))?
            }
            FetchRecord::Failed { error, next_fetch } => {
                let update = self.prepared(
                    conn,
                    "UPDATE feeds SET status = 'failed', last_error = $2, last_fetched = $3, next_fetch = $4,
                            consecutive_failures = consecutive_failures + 1, error_count = error_count + 1
                     WHERE url = $1",
                )?;
                let next = next_fetch.map(|t| t.timestamp());
                conn.execute(&update, &[&feed_url, error, &at, &next]).map_err(pg("record fetch failure"))?
            }
        };
        if changed == 0 {
            return Err(StoreError::UnknownFeed(feed_url.to_string()));
        }
        Ok(())
    }

    /// Inserts articles inside the caller's transaction, skipping duplicates.
    pub(crate) fn insert_articles_on(
        &self,
        conn: &mut impl GenericClient,
        articles: &[NewArticle],
    ) -> Result<InsertCounts> {
        let mut counts = InsertCounts::default();
        let insert = self.prepared(
            conn,
            "INSERT INTO articles (outlet_id, feed_id, guid, url, title, snippet, content_html, truncated,
                                   language, language_confidence, published, date_flag, fetched, categories)
             SELECT o.id, f.id, $3::text, $4::text, $5::text, $6::text, $7::text, $8::boolean, $9::text,
                    $10::float8, $11::bigint, $12::text, $13::bigint, $14::text
             FROM outlets o JOIN feeds f ON f.url = $2 WHERE o.domain = $1
             ON CONFLICT DO NOTHING",
        )?;
        let feed_known = self.prepared(conn, "SELECT 1 FROM feeds WHERE url = $1")?;
        let mut checked_feed: Option<&str> = None;
        for article in articles {
            if checked_feed != Some(article.feed.as_str()) {
                if conn.query_opt(&feed_known, &[&article.feed]).map_err(pg("check feed"))?.is_none() {
                    return Err(StoreError::UnknownFeed(article.feed.clone()));
                }
                checked_feed = Some(article.feed.as_str());
            }
            let inserted = conn
                .execute(
                    &insert,
                    &[
                        &article.outlet,
                        &article.feed,
                        &article.guid,
                        &article.url,
                        &article.title,
                        &article.snippet,
                        &article.content_html,
                        &article.truncated,
                        &article.language,
                        &article.language_confidence,
                        &article.published.timestamp(),
                        &article.date_flag.map(DateFlag::as_str),
                        &article.fetched.timestamp(),
                        &article.categories.join("\n"),
                    ],
                )
                .map_err(pg("insert article"))?;
            if inserted == 1 {
                counts.new += 1;
            } else {
                counts.duplicate += 1;
            }
        }
        Ok(counts)
    }

    pub(crate) fn insert_articles_now(&mut self, articles: &[NewArticle]) -> Result<InsertCounts> {
        let mut client = self.conn();
        let mut tx = client.transaction().map_err(pg("begin article batch"))?;
        let counts = self.insert_articles_on(&mut tx, articles)?;
        tx.commit().map_err(pg("commit article batch"))?;
        Ok(counts)
    }

    pub(crate) fn commit_feed_group(&mut self, feeds: &[FeedCommit<'_>]) -> Result<Vec<Result<InsertCounts>>> {
        let mut client = self.conn();
        let mut tx = client.transaction().map_err(pg("begin feed group"))?;
        let mut results = Vec::with_capacity(feeds.len());
        for feed in feeds {
            // A savepoint per feed: a feed the store refuses leaves nothing
            // behind, and the rest of the group still commits.
            let mut savepoint = tx.transaction().map_err(pg("begin feed savepoint"))?;
            let result = self.insert_articles_on(&mut savepoint, feed.articles).and_then(|counts| {
                self.record_fetch_on(&mut savepoint, feed.feed_url, feed.at, &feed.record)?;
                Ok(counts)
            });
            match result {
                Ok(counts) => {
                    savepoint.commit().map_err(pg("release feed savepoint"))?;
                    results.push(Ok(counts));
                }
                Err(error @ (StoreError::UnknownFeed(_) | StoreError::Corrupt { .. })) => {
                    savepoint.rollback().map_err(pg("roll back feed savepoint"))?;
                    results.push(Err(error));
                }
                Err(error) => return Err(error),
            }
        }
        tx.commit().map_err(pg("commit feed group"))?;
        Ok(results)
    }

    pub(crate) fn quarantine(&mut self, feed_url: &str, at: DateTime<Utc>, reason: &str, bytes: &[u8]) -> Result<()> {
        let mut client = self.conn();
        let changed = client
            .execute(
                "INSERT INTO quarantined_feeds (feed_id, at, reason, bytes)
                 SELECT id, $2::bigint, $3::text, $4::bytea FROM feeds WHERE url = $1
                 ON CONFLICT (feed_id) DO UPDATE SET at = EXCLUDED.at, reason = EXCLUDED.reason, bytes = EXCLUDED.bytes",
                &[&feed_url, &at.timestamp(), &reason, &bytes],
            )
            .map_err(pg("quarantine feed"))?;
        if changed == 0 {
            return Err(StoreError::UnknownFeed(feed_url.to_string()));
        }
        Ok(())
    }

    pub(crate) fn assign(
        &mut self,
        assignments: &[StoryAssignment],
        merges: &[StoryMerge],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut client = self.conn();
        let mut tx = client.transaction().map_err(pg("begin story assignment"))?;
        // One statement per kind of change, over arrays, rather than one per
        // article: a round placing 6,160 articles into 4,007 stories spent
        // 13.8 s in per-row statements (the story times' subqueries were
        // planned as scans of `articles`), against 0.4 s on SQLite
        // (scripts/bench-scale-out.sh). An article assigned twice keeps its
        // last assignment and a story is created from its first article,
        // as row-by-row statements in order would.
        let mut last: HashMap<i64, &StoryAssignment> = HashMap::with_capacity(assignments.len());
        let mut first_of_story: HashMap<i64, i64> = HashMap::new();
        for a in assignments {
            last.insert(a.article, a);
            first_of_story.entry(a.story).or_insert(a.article);
        }
        let articles: Vec<i64> = last.values().map(|a| a.article).collect();
        let stories: Vec<i64> = last.values().map(|a| a.story).collect();
        let copies: Vec<Option<i64>> = last.values().map(|a| a.copy_of).collect();
        tx.execute(
            "UPDATE articles SET story_id = u.story, copy_of = u.copy_of
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS u(id, story, copy_of)
             WHERE articles.id = u.id",
            &[&articles, &stories, &copies],
        )
        .map_err(pg("assign articles to stories"))?;
        let (new_stories, first_articles): (Vec<i64>, Vec<i64>) = first_of_story.into_iter().unzip();
        tx.execute(
            "INSERT INTO stories (id, first_published, last_updated)
             SELECT u.story, a.published, a.published
             FROM unnest($1::bigint[], $2::bigint[]) AS u(story, article) JOIN articles a ON a.id = u.article
             ON CONFLICT (id) DO NOTHING",
            &[&new_stories, &first_articles],
        )
        .map_err(pg("create stories"))?;
        let move_articles = self.prepared(&mut tx, "UPDATE articles SET story_id = $2 WHERE story_id = $1")?;
        let retire = self.prepared(&mut tx, "UPDATE stories SET merged_into = $2 WHERE id = $1")?;
        let record =
            self.prepared(&mut tx, "INSERT INTO story_merges (absorbed, into_story, merged_at) VALUES ($1, $2, $3)")?;
        for m in merges {
            tx.execute(&move_articles, &[&m.absorbed, &m.into]).map_err(pg("merge stories"))?;
            tx.execute(&retire, &[&m.absorbed, &m.into]).map_err(pg("retire story"))?;
            tx.execute(&record, &[&m.absorbed, &m.into, &at.timestamp()]).map_err(pg("record merge"))?;
        }
        let touched: Vec<i64> = assignments
            .iter()
            .map(|a| a.story)
            .chain(merges.iter().map(|m| m.into))
            .collect::<BTreeSet<i64>>()
            .into_iter()
            .collect();
        tx.execute(
            "UPDATE stories SET first_published = t.first, last_updated = t.last
             FROM (SELECT story_id, MIN(published) AS first, MAX(published) AS last
                   FROM articles WHERE story_id = ANY($1::bigint[]) GROUP BY story_id) AS t
             WHERE stories.id = t.story_id",
            &[&touched],
        )
        .map_err(pg("update story times"))?;
        tx.commit().map_err(pg("commit story assignment"))
    }

    pub(crate) fn store_views(&mut self, views: &[(i64, parallax_core::StoryView)]) -> Result<()> {
        let mut client = self.conn();
        let mut tx = client.transaction().map_err(pg("begin story views"))?;
        let update = self.prepared(&mut tx, "UPDATE stories SET view = $2 WHERE id = $1")?;
        for (id, view) in views {
            let json = serde_json::to_string(view)
                .map_err(|e| StoreError::Corrupt { table: "stories", reason: format!("view of story {id}: {e}") })?;
            tx.execute(&update, &[id, &json]).map_err(pg("store story view"))?;
        }
        tx.commit().map_err(pg("commit story views"))
    }

    pub(crate) fn record_text(&mut self, article: i64, at: DateTime<Utc>, outcome: &TextOutcome) -> Result<()> {
        let (status, text, extractor, error) = match outcome {
            TextOutcome::Extracted { text, extractor } => ("ok", Some(text.as_str()), Some(extractor.as_str()), None),
            TextOutcome::Failed { reason } => ("failed", None, None, Some(reason.as_str())),
        };
        let mut client = self.conn();
        let upsert = self.prepared(
            &mut *client,
            "INSERT INTO article_texts (article_id, status, text, extractor, error, fetched)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (article_id) DO UPDATE SET status = EXCLUDED.status, text = EXCLUDED.text,
                extractor = EXCLUDED.extractor, error = EXCLUDED.error, fetched = EXCLUDED.fetched",
        )?;
        client
            .execute(&upsert, &[&article, &status, &text, &extractor, &error, &at.timestamp()])
            .map_err(pg("record article text"))?;
        Ok(())
    }

    pub(crate) fn forget_stories(&mut self, ids: &[i64]) -> Result<()> {
        let mut client = self.conn();
        client
            .execute("DELETE FROM story_touches WHERE consumer = $1 AND story_id = ANY($2)", &[&self.consumer, &ids])
            .map_err(pg("forget touched stories"))?;
        Ok(())
    }

    pub(crate) fn forget_outlets(&mut self, domains: &[String]) -> Result<()> {
        let mut client = self.conn();
        client
            .execute(
                "DELETE FROM outlet_touches WHERE outlet_id IN (SELECT id FROM outlets WHERE domain = ANY($1))",
                &[&domains],
            )
            .map_err(pg("forget touched outlets"))?;
        Ok(())
    }

    pub(crate) fn merge_outlets(&mut self, canonical: &dyn Fn(&str) -> String) -> Result<usize> {
        let mut client = self.conn();
        let outlets = client.query("SELECT id, domain FROM outlets", &[]).map_err(pg("list outlets"))?;
        let mut moves: Vec<(i64, String)> = Vec::new();
        for row in outlets {
            let (id, domain): (i64, String) =
                (row.try_get(0).map_err(pg("read outlet"))?, row.try_get(1).map_err(pg("read outlet"))?);
            let into = canonical(&domain);
            if into != domain && !into.is_empty() {
                moves.push((id, into));
            }
        }
        if moves.is_empty() {
            return Ok(0);
        }
        let mut tx = client.transaction().map_err(pg("begin outlet merge"))?;
        for (from, into_domain) in &moves {
            tx.execute(
                "INSERT INTO outlets (domain, name) SELECT $1::text, name FROM outlets WHERE id = $2
                 ON CONFLICT (domain) DO NOTHING",
                &[into_domain, from],
            )
            .map_err(pg("create merged outlet"))?;
            let into: i64 = tx
                .query_one("SELECT id FROM outlets WHERE domain = $1", &[into_domain])
                .and_then(|row| row.try_get(0))
                .map_err(pg("find merged outlet"))?;
            // A provider rating both keeps the rating of the outlet's own
            // domain; the subdomain's goes.
            tx.execute(
                "DELETE FROM ratings WHERE outlet_id = $1 AND EXISTS (SELECT 1 FROM ratings r
                   WHERE r.outlet_id = $2 AND r.provider = ratings.provider AND r.version = ratings.version)",
                &[from, &into],
            )
            .map_err(pg("drop duplicate rating"))?;
            for (table, what) in [("ratings", "move ratings"), ("feeds", "move feeds"), ("articles", "move articles")] {
                tx.execute(&format!("UPDATE {table} SET outlet_id = $2 WHERE outlet_id = $1"), &[from, &into])
                    .map_err(pg(what))?;
            }
            tx.execute("DELETE FROM outlet_touches WHERE outlet_id = $1", &[from])
                .map_err(pg("forget merged outlet"))?;
            tx.execute("INSERT INTO outlet_touches (outlet_id) VALUES ($1) ON CONFLICT DO NOTHING", &[&into])
                .map_err(pg("queue merged outlet"))?;
            tx.execute("DELETE FROM outlets WHERE id = $1", &[from]).map_err(pg("delete merged outlet"))?;
        }
        tx.commit().map_err(pg("commit outlet merge"))?;
        Ok(moves.len())
    }
}
