-- Several processes on one database: ingest workers lease the feeds they
-- fetch (a lease expires, so a killed worker's feeds go to another), and
-- every process says it is alive in `processes` for /status and /metrics.

ALTER TABLE feeds ADD COLUMN leased_by TEXT;
ALTER TABLE feeds ADD COLUMN lease_until BIGINT;

CREATE TABLE processes (
    id         TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    host       TEXT NOT NULL,
    pid        BIGINT NOT NULL,
    started    BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    doing      TEXT NOT NULL DEFAULT ''
);
