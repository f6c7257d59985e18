-- Answer channels per server, stored feedback, welcomes, and the hashing key.
ALTER TABLE guild_settings ADD COLUMN answer_channels_set INTEGER NOT NULL DEFAULT 0;

CREATE TABLE answer_channels (
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
);

-- One vote per voter and topic; the voter is a keyed hash, never a user id.
CREATE TABLE feedback (
    topic       TEXT NOT NULL,
    voter       TEXT NOT NULL,
    guild_id    INTEGER,
    helpful     INTEGER NOT NULL,
    voted_at    INTEGER NOT NULL,
    PRIMARY KEY (topic, voter)
);

-- status: 'pending' (waiting for membership screening) or 'sent'.
CREATE TABLE welcomes (
    guild_id    INTEGER NOT NULL,
    member      TEXT NOT NULL,
    status      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member)
);

CREATE TABLE meta (
    key     TEXT PRIMARY KEY,
    value   BLOB NOT NULL
);
