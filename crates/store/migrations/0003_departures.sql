-- Servers the bot was removed from: their data is deleted once the grace
-- period has passed without the bot being added back.
CREATE TABLE departures (
    guild_id    INTEGER PRIMARY KEY,
    left_at     INTEGER NOT NULL
);
