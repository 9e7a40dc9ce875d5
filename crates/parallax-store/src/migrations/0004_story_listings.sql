-- Listings for the web server and the API: stories by recency, by blindspot
-- and by outlet, and the queue of stories the search index must refresh.

CREATE INDEX stories_recent ON stories (last_updated, id) WHERE merged_into IS NULL;
CREATE INDEX stories_blindspot ON stories (json_extract(view, '$.coverage.blindspot'), last_updated, id)
    WHERE merged_into IS NULL;
CREATE INDEX articles_outlet_story ON articles (outlet_id, story_id);

-- Filled by triggers, so every writer (ingest, the server's scheduler, a
-- bulk load) queues its changes without knowing about search; drained by
-- the search indexer once a change is committed to the index.
CREATE TABLE story_touches (story_id INTEGER PRIMARY KEY);

CREATE TRIGGER story_gains_article AFTER UPDATE OF story_id ON articles
WHEN NEW.story_id IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO story_touches (story_id) VALUES (NEW.story_id);
END;

CREATE TRIGGER story_loses_article AFTER UPDATE OF story_id ON articles
WHEN OLD.story_id IS NOT NULL AND OLD.story_id IS NOT NEW.story_id
BEGIN
    INSERT OR IGNORE INTO story_touches (story_id) VALUES (OLD.story_id);
END;

CREATE TRIGGER story_changes AFTER UPDATE OF view, merged_into ON stories
BEGIN
    INSERT OR IGNORE INTO story_touches (story_id) VALUES (NEW.id);
END;

-- Stories stored before this migration have never been indexed.
INSERT OR IGNORE INTO story_touches (story_id) SELECT id FROM stories;
