-- When the knowledge pack was last reloaded (`/kb reload`) in any process:
-- the others sharing this database reload theirs when they see a newer time.
-- `at` is in Unix milliseconds. An expanding migration: oldest_reader stays as it was.
CREATE TABLE knowledge_reloads (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    at  BIGINT NOT NULL
);
