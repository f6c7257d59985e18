-- Which releases may use this database: the oldest schema version whose
-- binaries still read and write it correctly (see the SQLite migration of the
-- same name for the expand-then-contract rules every later migration follows).
CREATE TABLE schema_compat (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    oldest_reader   BIGINT NOT NULL
);
INSERT INTO schema_compat (id, oldest_reader) VALUES (1, 2);
