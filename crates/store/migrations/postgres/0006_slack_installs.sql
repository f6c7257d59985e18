-- One row per Slack workspace that installed the app through the OAuth flow:
-- its bot token, sealed (XChaCha20-Poly1305 under a key derived from the
-- member-hashing key, which never lives in the database; the nonce first,
-- the workspace id as associated data), and the bot's user id there.
-- An expanding migration: oldest_reader stays as it was.
CREATE TABLE slack_installs (
    team            TEXT PRIMARY KEY,
    bot_user        TEXT NOT NULL,
    token           BYTEA NOT NULL,
    installed_at    BIGINT NOT NULL
);
