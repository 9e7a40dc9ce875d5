//! Outlets that change after their stories were counted: merged into the
//! outlet their domain belongs to, or re-rated by an import.

use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, sql};
use crate::Result;

impl SqliteStore {
    pub(super) fn merge_outlets_by(&mut self, canonical: &dyn Fn(&str) -> String) -> Result<usize> {
        let outlets: Vec<(i64, String)> = {
            let mut stmt =
                self.conn.prepare_cached("SELECT id, domain FROM outlets").map_err(sql("prepare outlet list"))?;
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(sql("list outlets"))?
                .collect::<rusqlite::Result<_>>()
                .map_err(sql("read outlet"))?
        };
        let moves: Vec<(i64, String)> = outlets
            .into_iter()
            .filter_map(|(id, domain)| {
                let into = canonical(&domain);
                (into != domain && !into.is_empty()).then_some((id, into))
            })
            .collect();
        if moves.is_empty() {
            return Ok(0);
        }
        let tx = self.conn.transaction().map_err(sql("begin outlet merge"))?;
        for (from, into_domain) in &moves {
            tx.execute(
                "INSERT INTO outlets (domain, name) SELECT ?1, name FROM outlets WHERE id = ?2
                 ON CONFLICT (domain) DO NOTHING",
                params![into_domain, from],
            )
            .map_err(sql("create merged outlet"))?;
            let into: i64 = tx
                .query_row("SELECT id FROM outlets WHERE domain = ?1", [into_domain], |row| row.get(0))
                .map_err(sql("find merged outlet"))?;
            // A provider rating both keeps the rating of the outlet's own
            // domain; the subdomain's goes.
            tx.execute(
                "DELETE FROM ratings WHERE outlet_id = ?1 AND EXISTS (SELECT 1 FROM ratings r
                   WHERE r.outlet_id = ?2 AND r.provider = ratings.provider AND r.version = ratings.version)",
                params![from, into],
            )
            .map_err(sql("drop duplicate rating"))?;
            for (table, what) in [("ratings", "move ratings"), ("feeds", "move feeds"), ("articles", "move articles")] {
                tx.execute(&format!("UPDATE {table} SET outlet_id = ?2 WHERE outlet_id = ?1"), params![from, into])
                    .map_err(sql(what))?;
            }
            tx.execute("DELETE FROM outlet_touches WHERE outlet_id = ?1", [from])
                .map_err(sql("forget merged outlet"))?;
            tx.execute("INSERT OR IGNORE INTO outlet_touches (outlet_id) VALUES (?1)", [into])
                .map_err(sql("queue merged outlet"))?;
            tx.execute("DELETE FROM outlets WHERE id = ?1", [from]).map_err(sql("delete merged outlet"))?;
        }
        tx.commit().map_err(sql("commit outlet merge"))?;
        Ok(moves.len())
    }

    pub(super) fn touched_outlet_domains(&self, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT o.domain FROM outlet_touches t JOIN outlets o ON o.id = t.outlet_id ORDER BY o.domain LIMIT ?1",
            )
            .map_err(sql("prepare touched outlets"))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        stmt.query_map([limit], |row| row.get(0))
            .map_err(sql("query touched outlets"))?
            .collect::<rusqlite::Result<Vec<String>>>()
            .map_err(sql("read touched outlet"))
    }

    pub(super) fn forget_outlet_touches(&mut self, domains: &[String]) -> Result<()> {
        let tx = self.conn.transaction().map_err(sql("begin forgetting touched outlets"))?;
        {
            let mut forget = tx
                .prepare_cached(
                    "DELETE FROM outlet_touches WHERE outlet_id = (SELECT id FROM outlets WHERE domain = ?1)",
                )
                .map_err(sql("prepare forgetting touched outlets"))?;
            for domain in domains {
                forget.execute([domain]).map_err(sql("forget touched outlet"))?;
            }
        }
        tx.commit().map_err(sql("commit forgetting touched outlets"))
    }

    pub(super) fn live_stories_of(&self, domains: &[String]) -> Result<Vec<i64>> {
        let mut ids = Vec::new();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT a.story_id FROM articles a JOIN stories s ON s.id = a.story_id
                 WHERE a.outlet_id = ?1 AND s.merged_into IS NULL",
            )
            .map_err(sql("prepare stories of outlet"))?;
        for domain in domains {
            let Some(outlet): Option<i64> = self
                .conn
                .query_row("SELECT id FROM outlets WHERE domain = ?1", [domain], |row| row.get(0))
                .optional()
                .map_err(sql("find outlet"))?
            else {
                continue;
            };
            let found = stmt
                .query_map([outlet], |row| row.get::<_, i64>(0))
                .map_err(sql("query stories of outlet"))?
                .collect::<rusqlite::Result<Vec<i64>>>()
                .map_err(sql("read story of outlet"))?;
            ids.extend(found);
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}
