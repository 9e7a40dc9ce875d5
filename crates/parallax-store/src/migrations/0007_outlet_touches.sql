-- Outlets whose ratings changed since the stories covering them were last
-- recounted: filled by triggers, so any importer queues its changes; drained
-- by whoever recounts first (`outlets import`, or `serve` at its next tick).
-- The triggers test for the row rather than INSERT OR IGNORE: inside an
-- upsert's trigger SQLite applies the upsert's conflict policy, not theirs.
CREATE TABLE outlet_touches (outlet_id INTEGER PRIMARY KEY);

CREATE TRIGGER rating_added AFTER INSERT ON ratings
BEGIN
    INSERT INTO outlet_touches (outlet_id) SELECT NEW.outlet_id
    WHERE NOT EXISTS (SELECT 1 FROM outlet_touches WHERE outlet_id = NEW.outlet_id);
END;

CREATE TRIGGER rating_changed AFTER UPDATE ON ratings
BEGIN
    INSERT INTO outlet_touches (outlet_id) SELECT NEW.outlet_id
    WHERE NOT EXISTS (SELECT 1 FROM outlet_touches WHERE outlet_id = NEW.outlet_id);
    INSERT INTO outlet_touches (outlet_id) SELECT OLD.outlet_id
    WHERE NOT EXISTS (SELECT 1 FROM outlet_touches WHERE outlet_id = OLD.outlet_id);
END;

-- Stories stored before this migration counted providers that disagree on
-- an outlet's side as the mean of their views; they are disputed now.
INSERT OR IGNORE INTO outlet_touches (outlet_id) SELECT DISTINCT outlet_id FROM ratings;
