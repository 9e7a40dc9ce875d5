-- Full text fetched from an article's page when the feed gave only a teaser.
-- One row per attempt outcome: 'ok' with the text, or 'failed' with why.
CREATE TABLE article_texts (
    article_id  INTEGER PRIMARY KEY REFERENCES articles (id),
    status      TEXT NOT NULL,
    text        TEXT,
    extractor   TEXT,
    error       TEXT,
    fetched     INTEGER NOT NULL
);
