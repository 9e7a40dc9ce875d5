//! Several processes on one database, with PostgreSQL's own tools and no
//! coordination layer of ours:
//!
//! - **feed leases**: an ingest worker leases due feeds with
//!   `FOR UPDATE SKIP LOCKED`, so two workers never take the same feed; a
//!   lease expires, so a killed worker's feeds go to another; a live worker
//!   renews its leases with its heartbeat;
//! - **the clustering lock**: a session-level advisory lock, held by one
//!   connection; PostgreSQL drops it when that connection's process dies,
//!   and a standby polling [`ClusterLock::try_acquire`] takes over;
//! - **heartbeats**: every process upserts its row in `processes`; the
//!   live ones are those seen recently;
//! - **search queues**: each web process keeps its own search index, so each
//!   drains its own queue of touched stories.

use chrono::{DateTime, Utc};
use parallax_store::{Result, StoreError};
use postgres::{Client, NoTls};

use crate::{Conn, PostgresStore, from_unix, pg, redact};

/// The advisory lock key of the one clustering process ("PRLXCLST").
const CLUSTER_LOCK: i64 = 0x5052_4c58_434c_5354;

/// One process as its heartbeat last described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessRecord {
    pub id: String,
    pub role: String,
    pub host: String,
    pub pid: i64,
    pub started: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// What it is doing, in a few words ("fetching 120 feeds", "standby").
    pub doing: String,
}

/// A web process's search queue is dropped once nobody has read it for
/// this long (a week: longer than any outage one would wait out rather
/// than rebuild an index); a live process marks it every
/// [`SEARCH_CONSUMER_MARK_SECS`].
pub const SEARCH_CONSUMER_STALE_SECS: i64 = 7 * 24 * 3600;
pub const SEARCH_CONSUMER_MARK_SECS: u64 = 60;

impl PostgresStore {
    /// Marks this connection's search consumer as read now, at most once a
    /// [`SEARCH_CONSUMER_MARK_SECS`].
    pub(crate) fn mark_consumer_alive(&self) -> Result<()> {
        let due = self
            .consumer_marked
            .get()
            .is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(SEARCH_CONSUMER_MARK_SECS));
        if !due {
            return Ok(());
        }
        self.conn()
            .execute(
                "UPDATE search_consumers SET last_seen = $2 WHERE name = $1",
                &[&self.consumer, &Utc::now().timestamp()],
            )
            .map_err(pg("mark a search index alive"))?;
        self.consumer_marked.set(Some(std::time::Instant::now()));
        Ok(())
    }

    /// Reads and drains the search queue of `name` rather than the default
    /// one: each web process keeps its own index, so each has its own
    /// queue. With `fresh_index` (an index just created, or a consumer
    /// never seen) every story is queued, so the index is built whole.
    pub fn with_search_consumer(mut self, name: &str, fresh_index: bool) -> Result<PostgresStore> {
        let client = self.conn_mut();
        let mut tx = client.transaction().map_err(pg("begin registering a search index"))?;
        let now = Utc::now().timestamp();
        let new = tx
            .execute(
                "INSERT INTO search_consumers (name, last_seen) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                &[&name, &now],
            )
            .map_err(pg("register a search index"))?;
        tx.execute("UPDATE search_consumers SET last_seen = $2 WHERE name = $1", &[&name, &now])
            .map_err(pg("register a search index"))?;
        // The queues of web processes gone for good would otherwise grow
        // with every story changed, forever. One that comes back after
        // this is registered anew and rebuilds its index from every story.
        tx.execute(
            "DELETE FROM search_consumers WHERE name <> 'default' AND name <> $1 AND last_seen < $2",
            &[&name, &(now - SEARCH_CONSUMER_STALE_SECS)],
        )
        .map_err(pg("forget the search queues of processes gone"))?;
        if new == 1 || fresh_index {
            tx.execute(
                "INSERT INTO story_touches (consumer, story_id) SELECT $1, id FROM stories ON CONFLICT DO NOTHING",
                &[&name],
            )
            .map_err(pg("queue every story for a new search index"))?;
        }
        tx.commit().map_err(pg("commit registering a search index"))?;
        self.consumer = name.to_string();
        Ok(self)
    }

    /// Leases up to `limit` of `candidates` (feed ids with the last fetch
    /// time the caller saw) for `worker` until `ttl_secs` from now. A feed
    /// already leased by a live worker, or fetched since the caller looked,
    /// is skipped; rows another transaction is leasing are skipped without
    /// waiting. Returns the leased ids.
    pub fn lease_feeds(
        &self,
        worker: &str,
        candidates: &[(i64, Option<DateTime<Utc>>)],
        limit: usize,
        ttl_secs: i64,
    ) -> Result<Vec<i64>> {
        let ids: Vec<i64> = candidates.iter().map(|(id, _)| *id).collect();
        // -1 stands for "never fetched": Unix times of fetches are positive.
        let seen: Vec<i64> = candidates.iter().map(|(_, at)| at.map_or(-1, |t| t.timestamp())).collect();
        let now = Utc::now().timestamp();
        let mut client = self.conn();
        let rows = client
            .query(
                "WITH wanted AS (
                     SELECT f.id FROM feeds f JOIN unnest($1::bigint[], $2::bigint[]) AS c(id, seen) ON c.id = f.id
                     WHERE COALESCE(f.last_fetched, -1) = c.seen
                       AND (f.lease_until IS NULL OR f.lease_until < $4 OR f.leased_by = $3)
                     ORDER BY f.id LIMIT $5
                     FOR UPDATE OF f SKIP LOCKED)
                 UPDATE feeds f SET leased_by = $3, lease_until = $4 + $6
                 FROM wanted WHERE f.id = wanted.id RETURNING f.id",
                &[&ids, &seen, &worker, &now, &(i64::try_from(limit).unwrap_or(i64::MAX)), &ttl_secs],
            )
            .map_err(pg("lease feeds"))?;
        let mut leased: Vec<i64> =
            rows.iter().map(|row| row.try_get(0)).collect::<Result<_, _>>().map_err(pg("read lease"))?;
        leased.sort_unstable();
        Ok(leased)
    }

    /// Extends every lease `worker` holds to `ttl_secs` from now.
    pub fn renew_leases(&self, worker: &str, ttl_secs: i64) -> Result<u64> {
        let now = Utc::now().timestamp();
        self.conn()
            .execute(
                "UPDATE feeds SET lease_until = $2::bigint + $3::bigint WHERE leased_by = $1",
                &[&worker, &now, &ttl_secs],
            )
            .map_err(pg("renew leases"))
    }

    /// Gives back every lease `worker` holds.
    pub fn release_leases(&self, worker: &str) -> Result<u64> {
        self.conn()
            .execute("UPDATE feeds SET leased_by = NULL, lease_until = NULL WHERE leased_by = $1", &[&worker])
            .map_err(pg("release leases"))
    }

    /// Feeds leased now (lease not expired), by worker: for tests and the
    /// status page.
    pub fn leases(&self) -> Result<Vec<(String, i64)>> {
        let now = Utc::now().timestamp();
        let rows = self
            .conn()
            .query(
                "SELECT leased_by, id FROM feeds WHERE leased_by IS NOT NULL AND lease_until >= $1 ORDER BY id",
                &[&now],
            )
            .map_err(pg("read leases"))?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<_, _>>()
            .map_err(pg("read lease"))
    }

    /// Says that process `id` is alive, in `role`, doing `doing`.
    pub fn heartbeat(&self, id: &str, role: &str, started: DateTime<Utc>, doing: &str) -> Result<()> {
        let host = hostname();
        let host = host.as_str();
        let pid = i64::from(std::process::id());
        let now = Utc::now().timestamp();
        self.conn()
            .execute(
                "INSERT INTO processes (id, role, host, pid, started, last_seen, doing)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role, last_seen = EXCLUDED.last_seen,
                    doing = EXCLUDED.doing",
                &[&id, &role, &host, &pid, &started.timestamp(), &now, &doing],
            )
            .map_err(pg("record heartbeat"))?;
        Ok(())
    }

    /// Removes process `id` from the list (a clean stop).
    pub fn forget_process(&self, id: &str) -> Result<()> {
        self.conn().execute("DELETE FROM processes WHERE id = $1", &[&id]).map_err(pg("forget process"))?;
        Ok(())
    }

    /// Processes seen within `within_secs`, by role then id; older rows
    /// (processes that died without saying so) are deleted.
    pub fn live_processes(&self, within_secs: i64) -> Result<Vec<ProcessRecord>> {
        let oldest = Utc::now().timestamp() - within_secs;
        let mut client = self.conn();
        client.execute("DELETE FROM processes WHERE last_seen < $1", &[&oldest]).map_err(pg("drop dead processes"))?;
        let rows = client
            .query("SELECT id, role, host, pid, started, last_seen, doing FROM processes ORDER BY role, id", &[])
            .map_err(pg("read processes"))?;
        let mut processes = Vec::with_capacity(rows.len());
        for row in rows {
            let decode = || -> Result<_, postgres::Error> {
                Ok((
                    row.try_get::<_, String>(0)?,
                    row.try_get::<_, String>(1)?,
                    row.try_get::<_, String>(2)?,
                    row.try_get::<_, i64>(3)?,
                    row.try_get::<_, i64>(4)?,
                    row.try_get::<_, i64>(5)?,
                    row.try_get::<_, String>(6)?,
                ))
            };
            let (id, role, host, pid, started, last_seen, doing) = decode().map_err(pg("read process"))?;
            processes.push(ProcessRecord {
                id,
                role,
                host,
                pid,
                started: from_unix(started).unwrap_or_default(),
                last_seen: from_unix(last_seen).unwrap_or_default(),
                doing,
            });
        }
        Ok(processes)
    }
}

/// This machine's name, for the process list.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The right to place articles into stories: one holder at a time, across
/// every process and machine on the database. Held as long as its own
/// connection lives; a process that dies (even by kill -9) loses it when
/// PostgreSQL notices the connection closed.
pub struct ClusterLock {
    client: Conn,
}

impl ClusterLock {
    /// Takes the lock if no one holds it, without waiting.
    pub fn try_acquire(url: &str) -> Result<Option<ClusterLock>> {
        let mut client = Client::connect(url, NoTls).map_err(|source| StoreError::Connect {
            url: redact(url),
            source: Box::new(crate::Described::from(source)),
        })?;
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&CLUSTER_LOCK])
            .and_then(|row| row.try_get(0))
            .map_err(pg("try the clustering lock"))?;
        Ok(got.then_some(ClusterLock { client: Conn(Some(client)) }))
    }

    /// Whether the lock is still ours: false once its connection broke
    /// (the database restarted, or the network cut it), when another
    /// process may have taken it.
    pub fn still_held(&mut self) -> bool {
        self.client
            .client()
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                   AND granted AND objid = ($1::bigint & 4294967295)::oid)",
                &[&CLUSTER_LOCK],
            )
            .and_then(|row| row.try_get::<_, bool>(0))
            .unwrap_or(false)
    }
}
