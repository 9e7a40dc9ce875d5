-- Outlets, provider ratings, feeds and articles. Times are Unix seconds, UTC.

CREATE TABLE outlets (
    id      INTEGER PRIMARY KEY,
    domain  TEXT NOT NULL UNIQUE,
    name    TEXT
);

-- One row per (outlet, provider, version): providers never overwrite each other.
CREATE TABLE ratings (
    id           INTEGER PRIMARY KEY,
    outlet_id    INTEGER NOT NULL REFERENCES outlets (id),
    provider     TEXT NOT NULL,
    version      TEXT NOT NULL,
    source_file  TEXT NOT NULL,
    outlet_name  TEXT,
    lean         TEXT,
    factuality   TEXT,
    owner        TEXT,
    ownership    TEXT,
    country      TEXT,
    language     TEXT,
    UNIQUE (outlet_id, provider, version)
);

CREATE TABLE feeds (
    id                    INTEGER PRIMARY KEY,
    url                   TEXT NOT NULL UNIQUE,
    outlet_id             INTEGER NOT NULL REFERENCES outlets (id),
    title                 TEXT,
    language              TEXT,
    categories            TEXT NOT NULL DEFAULT '',
    etag                  TEXT,
    last_modified         TEXT,
    status                TEXT NOT NULL DEFAULT 'new',
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    error_count           INTEGER NOT NULL DEFAULT 0,
    last_error            TEXT,
    last_fetched          INTEGER,
    next_fetch            INTEGER
);
CREATE INDEX feeds_outlet ON feeds (outlet_id);

-- An article is the same article when its canonical URL is, or when its feed
-- repeats a GUID.
CREATE TABLE articles (
    id                   INTEGER PRIMARY KEY,
    outlet_id            INTEGER NOT NULL REFERENCES outlets (id),
    feed_id              INTEGER NOT NULL REFERENCES feeds (id),
    guid                 TEXT NOT NULL,
    url                  TEXT NOT NULL UNIQUE,
    title                TEXT NOT NULL,
    snippet              TEXT NOT NULL,
    content_html         TEXT NOT NULL,
    truncated            INTEGER NOT NULL,
    language             TEXT,
    language_confidence  REAL NOT NULL,
    published            INTEGER NOT NULL,
    date_flag            TEXT,
    fetched              INTEGER NOT NULL,
    UNIQUE (feed_id, guid)
);
CREATE INDEX articles_outlet ON articles (outlet_id);
CREATE INDEX articles_published ON articles (published);
