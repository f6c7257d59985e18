-- Ids become (platform, text id), so that Discord's snowflakes and Slack's
-- T…/U… ids share the same tables and a shared store needs no second change.
-- Every row is carried over. Discord snowflakes are positive 63-bit integers,
-- so each becomes its decimal digits; member hashes are unchanged.

CREATE TABLE server_settings (
    platform            TEXT NOT NULL,
    server              TEXT NOT NULL,
    onboarding_channel  TEXT,
    onboarding_enabled  INTEGER NOT NULL DEFAULT 0,
    onboarding_dm       INTEGER NOT NULL DEFAULT 0,
    cooldown_secs       INTEGER,
    answer_channels_set INTEGER NOT NULL DEFAULT 0,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (platform, server)
);
INSERT INTO server_settings
    SELECT 'discord', CAST(guild_id AS TEXT), CAST(onboarding_channel AS TEXT), onboarding_enabled, onboarding_dm,
           cooldown_secs, answer_channels_set, updated_at
    FROM guild_settings;
DROP TABLE guild_settings;

CREATE TABLE answer_channels_v4 (
    platform    TEXT NOT NULL,
    server      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    PRIMARY KEY (platform, server, channel)
);
INSERT INTO answer_channels_v4 SELECT 'discord', CAST(guild_id AS TEXT), CAST(channel_id AS TEXT) FROM answer_channels;
DROP TABLE answer_channels;
ALTER TABLE answer_channels_v4 RENAME TO answer_channels;

CREATE TABLE questions_v4 (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    server      TEXT,
    channel     TEXT,
    text        TEXT NOT NULL,
    topic       TEXT,
    confidence  REAL NOT NULL,
    answered    INTEGER NOT NULL,
    asked_at    INTEGER NOT NULL
);
INSERT INTO questions_v4 (id, platform, server, channel, text, topic, confidence, answered, asked_at)
    SELECT id, 'discord', CAST(guild_id AS TEXT), CAST(channel_id AS TEXT), text, topic, confidence, answered, asked_at
    FROM questions;
DROP TABLE questions;
ALTER TABLE questions_v4 RENAME TO questions;
CREATE INDEX questions_by_server_time ON questions (platform, server, asked_at);

-- One vote per voter and topic; the voter is a keyed hash, never a user id.
CREATE TABLE feedback_v4 (
    topic       TEXT NOT NULL,
    voter       TEXT NOT NULL,
    platform    TEXT NOT NULL,
    server      TEXT,
    helpful     INTEGER NOT NULL,
    voted_at    INTEGER NOT NULL,
    PRIMARY KEY (topic, voter)
);
INSERT INTO feedback_v4 SELECT topic, voter, 'discord', CAST(guild_id AS TEXT), helpful, voted_at FROM feedback;
DROP TABLE feedback;
ALTER TABLE feedback_v4 RENAME TO feedback;

-- status: 'pending' (waiting for membership screening) or 'sent'.
CREATE TABLE welcomes_v4 (
    platform    TEXT NOT NULL,
    server      TEXT NOT NULL,
    member      TEXT NOT NULL,
    status      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (platform, server, member)
);
INSERT INTO welcomes_v4 SELECT 'discord', CAST(guild_id AS TEXT), member, status, at FROM welcomes;
DROP TABLE welcomes;
ALTER TABLE welcomes_v4 RENAME TO welcomes;

CREATE TABLE departures_v4 (
    platform    TEXT NOT NULL,
    server      TEXT NOT NULL,
    left_at     INTEGER NOT NULL,
    PRIMARY KEY (platform, server)
);
INSERT INTO departures_v4 SELECT 'discord', CAST(guild_id AS TEXT), left_at FROM departures;
DROP TABLE departures;
ALTER TABLE departures_v4 RENAME TO departures;
