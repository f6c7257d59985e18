-- Deliveries already handled, by the platform's id (a Slack event id), so that
-- one the platform delivers again to another process sharing this database
-- (Slack retrying an event it thinks was not acknowledged) is answered once.
-- Rows older than a day are pruned with the question log. An expanding
-- migration: oldest_reader stays as it was.
CREATE TABLE deliveries (
    platform    TEXT NOT NULL,
    id          TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (platform, id)
);
CREATE INDEX deliveries_by_time ON deliveries (at);
