-- The Postgres schema: the same tables as SQLite's after its 0004, keyed by
-- (platform, text id). Later changes follow expand-then-contract: add what the
-- new version needs first, remove what the old one used only once no replica
-- of it runs, so versions N and N+1 can share the database during a deploy.

CREATE TABLE server_settings (
    platform            TEXT NOT NULL,
    server              TEXT NOT NULL,
    onboarding_channel  TEXT,
    onboarding_enabled  BOOLEAN NOT NULL DEFAULT FALSE,
    onboarding_dm       BOOLEAN NOT NULL DEFAULT FALSE,
    cooldown_secs       INTEGER,
    answer_channels_set BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (platform, server)
);

CREATE TABLE answer_channels (
    platform    TEXT NOT NULL,
    server      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    PRIMARY KEY (platform, server, channel)
);

CREATE TABLE questions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform    TEXT NOT NULL,
    server      TEXT,
    channel     TEXT,
    text        TEXT NOT NULL,
    topic       TEXT,
    confidence  REAL NOT NULL,
    answered    BOOLEAN NOT NULL,
    asked_at    BIGINT NOT NULL
);
CREATE INDEX questions_by_server_time ON questions (platform, server, asked_at);
CREATE INDEX questions_by_time ON questions (asked_at);

-- One vote per voter and topic; the voter is a keyed hash, never a user id.
CREATE TABLE feedback (
    topic       TEXT NOT NULL,
    voter       TEXT NOT NULL,
    platform    TEXT NOT NULL,
    server      TEXT,
    helpful     BOOLEAN NOT NULL,
    voted_at    BIGINT NOT NULL,
    PRIMARY KEY (topic, voter)
);

-- status: 'pending' (waiting for membership screening) or 'sent'.
CREATE TABLE welcomes (
    platform    TEXT NOT NULL,
    server      TEXT NOT NULL,
    member      TEXT NOT NULL,
    status      TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (platform, server, member)
);

CREATE TABLE departures (
    platform    TEXT NOT NULL,
    server      TEXT NOT NULL,
    left_at     BIGINT NOT NULL,
    PRIMARY KEY (platform, server)
);
