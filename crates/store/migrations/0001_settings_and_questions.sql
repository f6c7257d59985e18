-- Per-server settings and the question log.
CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    onboarding_channel  INTEGER,
    onboarding_enabled  INTEGER NOT NULL DEFAULT 0,
    onboarding_dm       INTEGER NOT NULL DEFAULT 0,
    cooldown_secs       INTEGER,
    updated_at          INTEGER NOT NULL
);

CREATE TABLE questions (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER,
    channel_id  INTEGER,
    text        TEXT NOT NULL,
    topic       TEXT,
    confidence  REAL NOT NULL,
    answered    INTEGER NOT NULL,
    asked_at    INTEGER NOT NULL
);
CREATE INDEX questions_by_guild_time ON questions (guild_id, asked_at);
