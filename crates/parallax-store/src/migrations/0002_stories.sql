-- Stories: the clusterer's grouping of articles about one event.
-- A story's id is the id of its first article, so it is stable across
-- restarts; a story absorbed by another keeps its row with merged_into set.

ALTER TABLE articles ADD COLUMN story_id INTEGER;
ALTER TABLE articles ADD COLUMN copy_of INTEGER;
CREATE INDEX articles_story ON articles (story_id);

CREATE TABLE stories (
    id               INTEGER PRIMARY KEY,
    first_published  INTEGER NOT NULL,
    last_updated     INTEGER NOT NULL,
    merged_into      INTEGER
);

CREATE TABLE story_merges (
    absorbed    INTEGER NOT NULL,
    into_story  INTEGER NOT NULL,
    merged_at   INTEGER NOT NULL
);
