-- The bytes of a feed whose parser crashed, kept for a bug report: the
-- newest per feed, so a feed that crashes every round keeps one row.
CREATE TABLE quarantined_feeds (
    feed_id  INTEGER PRIMARY KEY REFERENCES feeds (id),
    at       INTEGER NOT NULL,
    reason   TEXT NOT NULL,
    bytes    BLOB NOT NULL
);

-- The full-text stage looks at recently fetched articles only, so its cost
-- is that of a round's articles, not of the archive.
CREATE INDEX articles_fetched ON articles (fetched);
