-- Who asked each question, as the same keyed hash votes and welcomes use
-- (never the id in clear), so that a member can delete their own questions
-- (`/privacy`). Rows logged before this migration have none and stay
-- anonymous until the retention period removes them. An expanding migration:
-- oldest_reader stays as it was.
ALTER TABLE questions ADD COLUMN asker TEXT;
CREATE INDEX questions_by_asker ON questions (asker);
