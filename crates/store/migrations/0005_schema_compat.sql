-- Which releases may use this database: the oldest schema version whose
-- binaries still read and write it correctly. Migrations are written
-- expand-then-contract so that during a deploy replicas of version N and N+1
-- share one database:
--   * an "expand" migration only adds (a table, a nullable column or one with
--     a default, an index) and leaves oldest_reader alone: the previous
--     release keeps working against it without migrating;
--   * a "contract" migration (dropping or renaming what older binaries use)
--     comes one release later and raises oldest_reader to its own version:
--     older binaries then refuse the database instead of misusing it.
CREATE TABLE schema_compat (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    oldest_reader   BIGINT NOT NULL
);
INSERT INTO schema_compat (id, oldest_reader) VALUES (1, 5);
