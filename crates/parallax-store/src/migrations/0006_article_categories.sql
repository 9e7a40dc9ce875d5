-- An entry's own categories or tags, one per line: they tell opinion from
-- news (an "Op-Ed" category) and, later, a story's topics.
ALTER TABLE articles ADD COLUMN categories TEXT NOT NULL DEFAULT '';
