-- A story's computed view (title, bullets, coverage, disagreements) as JSON,
-- recomputed whenever the story changes, so pages and exports read it ready-made.
ALTER TABLE stories ADD COLUMN view TEXT;
