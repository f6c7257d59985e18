//! The data layer: per-server settings, the question log, feedback and
//! welcomes, in SQLite through sqlx. Nothing else in the crate writes SQL, so
//! another backend (Postgres for several bot processes sharing one store) can
//! be added here alone.
//!
//! Durability: WAL journal with `synchronous=FULL`, so a transaction that
//! returned is on disk even if the process is killed right after. Migrations
//! in `migrations/` are embedded and applied at start; a database written by a
//! newer stackpick is refused instead of being changed.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Row;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// One server's settings. `None` fields fall back to the environment's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuildSettings {
    pub guild_id: u64,
    pub onboarding_enabled: bool,
    pub onboarding_channel: Option<u64>,
    pub onboarding_dm: bool,
    pub cooldown_secs: Option<u32>,
    /// `None`: not configured (use `ANSWER_CHANNEL_IDS`); `Some`: exactly these.
    pub answer_channels: Option<Vec<u64>>,
}

/// One asked question, as logged (no user id).
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionRecord {
    pub guild_id: Option<u64>,
    pub channel_id: Option<u64>,
    /// The question after cleaning (no mentions, links or markup).
    pub text: String,
    pub topic: Option<String>,
    pub confidence: f32,
    pub answered: bool,
    pub asked_at: i64,
}

/// A 👍/👎 vote, with the voter already hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackRecord {
    pub topic: String,
    pub voter: String,
    pub guild_id: Option<u64>,
    pub helpful: bool,
    pub voted_at: i64,
}

/// Unanswered or unsure questions asked alike, most asked first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Gap {
    pub example: String,
    pub count: usize,
    pub answered_as: Option<String>,
}

/// What a server asked and thought of the answers.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Stats {
    pub questions: u64,
    pub answered: u64,
    pub per_topic: Vec<(String, u64)>,
    pub helpful: u64,
    pub unhelpful: u64,
    pub welcomes: u64,
}

/// The database was migrated by a newer stackpick; it is left untouched.
#[derive(Debug, thiserror::Error)]
#[error(
    "the database `{url}` was written by a newer stackpick (schema version {theirs}; this build knows up to {ours}). \
     Refusing to change it: run the newer version, or point DATABASE_URL at another file."
)]
pub struct NewerSchema {
    pub url: String,
    pub theirs: i64,
    pub ours: i64,
}

/// The store.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// The key that hashes member ids: a secret, never printed (see the `Debug` impl).
    key: [u8; 32],
    /// The database file (or URL), for messages.
    name: String,
}

impl std::fmt::Debug for Store {
    /// The database's name only: the hashing key must not reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("name", &self.name).field("key", &"[redacted]").finish_non_exhaustive()
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn to_i64(id: u64) -> i64 {
    id as i64
}

fn to_u64(v: i64) -> u64 {
    v as u64
}

/// Where the key for hashing user ids comes from.
///
/// The key never lives in the database: whoever holds the database file alone
/// must not be able to test known member ids against the hashes. Every process
/// of one deployment (shards, replicas) must use the same key, or votes and
/// welcomes stop being recognised across them.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `STACKPICK_HASH_KEY` if set, else the key file beside the database.
    Environment,
    /// This key (64 hex characters in the environment).
    Key([u8; 32]),
    /// A key file at this path: read, or created (mode 0600) on first run.
    File(std::path::PathBuf),
}

/// The environment variable that holds the hashing key.
pub const HASH_KEY_VAR: &str = "STACKPICK_HASH_KEY";

/// Checks a `DATABASE_URL` and reads it as SQLite options: a `sqlite:` URL,
/// or a plain file path (`/var/lib/stackpick/bot.db`, `./bot.db`, `bot.db`).
fn sqlite_options(url: &str) -> Result<SqliteConnectOptions> {
    if is_plain_path(url) {
        return Ok(SqliteConnectOptions::new().filename(url));
    }
    let scheme = url.split_once(':').map_or(url, |(s, _)| s);
    if scheme != "sqlite" {
        anyhow::bail!(
            "DATABASE_URL `{url}` uses the scheme `{scheme}`, which this build does not support; \
             supported: sqlite:// (for example sqlite://stackpick.db)"
        );
    }
    SqliteConnectOptions::from_str(url)
        .with_context(|| format!("DATABASE_URL `{url}` is not a SQLite URL like sqlite://stackpick.db"))
}

/// Whether `url` is a file path rather than a URL: no `scheme:` in front
/// (a scheme is letters, digits, `+`, `-` and `.` before a colon, and a path
/// that starts with `/` or `.` is always a path).
fn is_plain_path(url: &str) -> bool {
    if url.starts_with('/') || url.starts_with('.') {
        return true;
    }
    match url.split_once(':') {
        None => !url.is_empty(),
        Some((scheme, _)) => {
            scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
    }
}

/// The database file a URL names, or `None` for an in-memory database.
fn database_path(options: &SqliteConnectOptions) -> Option<std::path::PathBuf> {
    let path = options.get_filename();
    let text = path.to_string_lossy();
    (!text.is_empty() && text != ":memory:").then(|| path.to_path_buf())
}

fn parse_key(hex_key: &str) -> Result<[u8; 32]> {
    let bytes = hex::decode(hex_key.trim()).ok().filter(|b| b.len() == 32);
    bytes.and_then(|b| b.try_into().ok()).with_context(|| {
        format!("{HASH_KEY_VAR} must be 64 hex characters (32 bytes), like the output of `openssl rand -hex 32`")
    })
}

impl Store {
    /// Opens (creating if missing) and migrates the database at `url`, with the
    /// hashing key from the environment or the key file beside the database.
    pub async fn open(url: &str) -> Result<Store> {
        Self::open_with(url, KeySource::Environment).await
    }

    /// Opens the database at `url` for reading only: for reports, which must
    /// never create or change a database. A missing file, or a SQLite file
    /// that is not stackpick's, is refused with a message naming it.
    pub async fn open_read_only(url: &str) -> Result<Store> {
        let options = sqlite_options(url)?;
        let Some(path) = database_path(&options) else {
            anyhow::bail!("DATABASE_URL `{url}` is an in-memory database: there is nothing to report on");
        };
        if !path.exists() {
            anyhow::bail!(
                "no such database `{}`: the bot creates it at its first start (`stackpick run` or `stackpick serve` \
                 with the same environment); check DATABASE_URL",
                path.display()
            );
        }
        let options = options.read_only(true).create_if_missing(false).busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the database `{}` for reading", path.display()))?;
        let ours: bool =
            sqlx::query_scalar("SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
                .fetch_one(&pool)
                .await
                .with_context(|| format!("`{}` is not a SQLite database", path.display()))?;
        if !ours {
            pool.close().await;
            anyhow::bail!(
                "`{}` is not a stackpick database (it has no `meta` table); check DATABASE_URL",
                path.display()
            );
        }
        Self::refuse_newer(&pool, url).await?;
        // Reports hash nobody: a throwaway key, and writes fail anyway.
        let mut key = [0u8; 32];
        getrandom::getrandom(&mut key).context("no randomness")?;
        Ok(Store { pool, key, name: path.display().to_string() })
    }

    /// [`Store::open`] with an explicit source for the hashing key.
    pub async fn open_with(url: &str, source: KeySource) -> Result<Store> {
        let options = sqlite_options(url)?;
        let path = database_path(&options);
        let shown = path.as_ref().map_or_else(|| url.to_owned(), |p| p.display().to_string());
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the database `{shown}`"))?;
        Self::refuse_newer(&pool, url).await?;
        MIGRATOR.run(&pool).await.with_context(|| format!("cannot migrate the database `{shown}`"))?;
        let key =
            Self::hash_key(&pool, source, path.as_deref()).await.with_context(|| format!("database `{shown}`"))?;
        Ok(Store { pool, key, name: shown })
    }

    /// Writes a consistent copy of the database to `to` (SQLite's `VACUUM
    /// INTO`: one read transaction, so the bot may keep writing meanwhile) and
    /// returns its size in bytes. Refuses to replace an existing file. Works on
    /// a store opened read-only, so a backup never changes the original.
    pub async fn backup_to(&self, to: &std::path::Path) -> Result<u64> {
        if to.exists() {
            anyhow::bail!("`{}` already exists: a backup never replaces a file; choose a new name", to.display());
        }
        let target = to.to_str().with_context(|| format!("`{}` is not a UTF-8 path", to.display()))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await
            .with_context(|| format!("cannot back up `{}` to `{}`", self.name, to.display()))?;
        let size = std::fs::metadata(to).with_context(|| format!("the backup `{}` was not written", to.display()))?;
        Ok(size.len())
    }

    /// The database file (or URL) this store writes to, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key file kept beside a database file: `<file>.key`.
    pub fn key_file(database: &std::path::Path) -> std::path::PathBuf {
        let mut name = database.as_os_str().to_owned();
        name.push(".key");
        std::path::PathBuf::from(name)
    }

    /// The newest schema version this build knows.
    pub fn latest_version() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// A database migrated by a newer stackpick has versions we do not know;
    /// changing it could lose data the newer version relies on.
    async fn refuse_newer(pool: &SqlitePool, url: &str) -> Result<()> {
        let exists: bool = sqlx::query_scalar(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_one(pool)
        .await?;
        if !exists {
            return Ok(());
        }
        let newest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(pool).await?;
        let ours = Self::latest_version();
        if let Some(theirs) = newest.filter(|&v| v > ours) {
            return Err(NewerSchema { url: url.to_owned(), theirs, ours }.into());
        }
        Ok(())
    }

    /// The key for hashing user ids, from its source. A key that earlier
    /// versions kept in the database is moved out to the key file (so votes
    /// and welcomes stay recognised) and removed from the database.
    async fn hash_key(pool: &SqlitePool, source: KeySource, database: Option<&std::path::Path>) -> Result<[u8; 32]> {
        let legacy: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'user_hash_key'").fetch_optional(pool).await?;
        let legacy: Option<[u8; 32]> = legacy.and_then(|v| v.try_into().ok());
        let source = match source {
            KeySource::Environment => match std::env::var(HASH_KEY_VAR) {
                Ok(v) if !v.trim().is_empty() => KeySource::Key(parse_key(&v)?),
                _ => match database {
                    Some(db) => KeySource::File(Self::key_file(db)),
                    // In memory: nothing outlives the process, neither may the key.
                    None => {
                        let mut k = [0u8; 32];
                        getrandom::getrandom(&mut k).context("no randomness for the hashing key")?;
                        KeySource::Key(k)
                    }
                },
            },
            other => other,
        };
        let key = match source {
            KeySource::Key(k) => k,
            KeySource::File(path) => match std::fs::read_to_string(&path) {
                Ok(text) => parse_key(&text).with_context(|| format!("the key file `{}`", path.display()))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let key = match legacy {
                        Some(k) => k,
                        None => {
                            let mut k = [0u8; 32];
                            getrandom::getrandom(&mut k).context("no randomness for the hashing key")?;
                            k
                        }
                    };
                    write_key_file(&path, &key)?;
                    tracing::warn!(
                        path = %path.display(),
                        "created the key that hashes member ids; keep it with the database backups but apart from \
                         the database, and give every process of this bot the same key ({HASH_KEY_VAR} or this file)"
                    );
                    key
                }
                Err(e) => return Err(e).with_context(|| format!("cannot read the key file `{}`", path.display())),
            },
            KeySource::Environment => unreachable!("resolved above"),
        };
        if legacy.is_some() {
            sqlx::query("DELETE FROM meta WHERE key = 'user_hash_key'").execute(pool).await?;
        }
        Ok(key)
    }

    /// A user id as stored: a keyed hash, so the log never holds ids in clear
    /// but one user's votes still count once.
    pub fn hash_user(&self, user: u64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(&user.to_le_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// Every server's settings, for the in-memory copy the bot answers from.
    pub async fn all_settings(&self) -> Result<Vec<GuildSettings>> {
        let rows = sqlx::query(
            "SELECT guild_id, onboarding_enabled, onboarding_channel, onboarding_dm, cooldown_secs, answer_channels_set \
             FROM guild_settings",
        )
        .fetch_all(&self.pool)
        .await?;
        let channels = sqlx::query("SELECT guild_id, channel_id FROM answer_channels ORDER BY channel_id")
            .fetch_all(&self.pool)
            .await?;
        let mut by_guild: HashMap<i64, Vec<u64>> = HashMap::new();
        for row in channels {
            by_guild.entry(row.get(0)).or_default().push(to_u64(row.get(1)));
        }
        Ok(rows
            .into_iter()
            .map(|row| {
                let guild: i64 = row.get(0);
                let set: bool = row.get(5);
                GuildSettings {
                    guild_id: to_u64(guild),
                    onboarding_enabled: row.get(1),
                    onboarding_channel: row.get::<Option<i64>, _>(2).map(to_u64),
                    onboarding_dm: row.get(3),
                    cooldown_secs: row.get::<Option<i64>, _>(4).map(|s| s.clamp(0, 3600) as u32),
                    answer_channels: set.then(|| by_guild.remove(&guild).unwrap_or_default()),
                }
            })
            .collect())
    }

    /// Saves one server's settings in one transaction; returns once committed.
    pub async fn save_settings(&self, s: &GuildSettings) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO guild_settings \
               (guild_id, onboarding_enabled, onboarding_channel, onboarding_dm, cooldown_secs, answer_channels_set, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (guild_id) DO UPDATE SET onboarding_enabled = excluded.onboarding_enabled, \
               onboarding_channel = excluded.onboarding_channel, onboarding_dm = excluded.onboarding_dm, \
               cooldown_secs = excluded.cooldown_secs, answer_channels_set = excluded.answer_channels_set, \
               updated_at = excluded.updated_at",
        )
        .bind(to_i64(s.guild_id))
        .bind(s.onboarding_enabled)
        .bind(s.onboarding_channel.map(to_i64))
        .bind(s.onboarding_dm)
        .bind(s.cooldown_secs.map(i64::from))
        .bind(s.answer_channels.is_some())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM answer_channels WHERE guild_id = ?")
            .bind(to_i64(s.guild_id))
            .execute(&mut *tx)
            .await?;
        for channel in s.answer_channels.iter().flatten() {
            sqlx::query("INSERT INTO answer_channels (guild_id, channel_id) VALUES (?, ?)")
                .bind(to_i64(s.guild_id))
                .bind(to_i64(*channel))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Writes a batch of log rows in one transaction.
    pub async fn write_log(&self, questions: &[QuestionRecord], votes: &[FeedbackRecord]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // Many rows per statement: one round trip to SQLite's thread per batch, not per row.
        for chunk in questions.chunks(500) {
            let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO questions (guild_id, channel_id, text, topic, confidence, answered, asked_at) ",
            );
            insert.push_values(chunk, |mut row, q| {
                row.push_bind(q.guild_id.map(to_i64))
                    .push_bind(q.channel_id.map(to_i64))
                    .push_bind(&q.text)
                    .push_bind(&q.topic)
                    .push_bind(f64::from(q.confidence))
                    .push_bind(q.answered)
                    .push_bind(q.asked_at);
            });
            insert.build().execute(&mut *tx).await?;
        }
        for v in votes {
            sqlx::query(
                "INSERT INTO feedback (topic, voter, guild_id, helpful, voted_at) VALUES (?, ?, ?, ?, ?) \
                 ON CONFLICT (topic, voter) DO UPDATE SET helpful = excluded.helpful, voted_at = excluded.voted_at",
            )
            .bind(&v.topic)
            .bind(&v.voter)
            .bind(v.guild_id.map(to_i64))
            .bind(v.helpful)
            .bind(v.voted_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes questions and votes older than `before` (Unix seconds).
    pub async fn prune(&self, before: i64) -> Result<u64> {
        let q = sqlx::query("DELETE FROM questions WHERE asked_at < ?").bind(before).execute(&self.pool).await?;
        let f = sqlx::query("DELETE FROM feedback WHERE voted_at < ?").bind(before).execute(&self.pool).await?;
        Ok(q.rows_affected() + f.rows_affected())
    }

    /// Notes that the bot was removed from `guild` at `at`; its data goes after
    /// the grace period unless [`Store::returned`] comes first.
    pub async fn departed(&self, guild: u64, at: i64) -> Result<()> {
        sqlx::query("INSERT INTO departures (guild_id, left_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING")
            .bind(to_i64(guild))
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The bot is in `guild` (again): nothing of it is to be forgotten.
    pub async fn returned(&self, guild: u64) -> Result<()> {
        sqlx::query("DELETE FROM departures WHERE guild_id = ?").bind(to_i64(guild)).execute(&self.pool).await?;
        Ok(())
    }

    /// Deletes every server's data whose departure is older than `before`;
    /// returns the servers forgotten.
    pub async fn forget_departed(&self, before: i64) -> Result<Vec<u64>> {
        let gone: Vec<i64> = sqlx::query_scalar("SELECT guild_id FROM departures WHERE left_at < ?")
            .bind(before)
            .fetch_all(&self.pool)
            .await?;
        for &g in &gone {
            self.forget(to_u64(g)).await?;
        }
        Ok(gone.into_iter().map(to_u64).collect())
    }

    /// Deletes everything stored about `guild` at once (settings, answer
    /// channels, question log, votes, welcomes), in one transaction; returns
    /// the rows deleted.
    pub async fn forget(&self, guild: u64) -> Result<u64> {
        let g = to_i64(guild);
        let mut tx = self.pool.begin().await?;
        let mut n = 0;
        for table in ["guild_settings", "answer_channels", "questions", "feedback", "welcomes", "departures"] {
            n += sqlx::query(&format!("DELETE FROM {table} WHERE guild_id = ?"))
                .bind(g)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Claims the welcome for a member who joined: `Ok(true)` means send it
    /// now. A pending member (membership screening) is remembered instead and
    /// welcomed by [`Store::claim_pending_welcome`].
    pub async fn claim_welcome(&self, guild: u64, member: &str, pending: bool) -> Result<bool> {
        let status = if pending { "pending" } else { "sent" };
        let done = sqlx::query(
            "INSERT INTO welcomes (guild_id, member, status, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(to_i64(guild))
        .bind(member)
        .bind(status)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(!pending && done.rows_affected() == 1)
    }

    /// A member passed screening: `Ok(true)` once, if they were waiting.
    pub async fn claim_pending_welcome(&self, guild: u64, member: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE welcomes SET status = 'sent', at = ? WHERE guild_id = ? AND member = ? AND status = 'pending'",
        )
        .bind(now())
        .bind(to_i64(guild))
        .bind(member)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Questions not answered, or answered with little confidence, since `since`,
    /// grouped by similar wording.
    pub async fn gaps(&self, guild: Option<u64>, since: i64, unsure_below: f32) -> Result<Vec<Gap>> {
        let rows = sqlx::query(
            "SELECT text, topic FROM questions WHERE asked_at >= ? AND (? IS NULL OR guild_id = ?) \
             AND (answered = 0 OR confidence < ?) ORDER BY asked_at DESC LIMIT 5000",
        )
        .bind(since)
        .bind(guild.map(to_i64))
        .bind(guild.map(to_i64))
        .bind(f64::from(unsure_below))
        .fetch_all(&self.pool)
        .await?;
        let texts: Vec<(String, Option<String>)> = rows.into_iter().map(|r| (r.get(0), r.get(1))).collect();
        Ok(group_similar(texts))
    }

    /// Questions answered with a topic that got 👎 votes since `since`, grouped
    /// by similar wording: candidates for a better answer or another topic.
    pub async fn disliked(&self, guild: Option<u64>, since: i64) -> Result<Vec<Gap>> {
        let g = guild.map(to_i64);
        let rows = sqlx::query(
            "SELECT text, topic FROM questions WHERE answered = 1 AND asked_at >= ? AND (? IS NULL OR guild_id = ?) \
             AND topic IN (SELECT topic FROM feedback WHERE helpful = 0 AND voted_at >= ? AND (? IS NULL OR guild_id = ?)) \
             ORDER BY asked_at DESC LIMIT 5000",
        )
        .bind(since)
        .bind(g)
        .bind(g)
        .bind(since)
        .bind(g)
        .bind(g)
        .fetch_all(&self.pool)
        .await?;
        let texts: Vec<(String, Option<String>)> = rows.into_iter().map(|r| (r.get(0), r.get(1))).collect();
        Ok(group_similar(texts))
    }

    /// Counts for `/kb stats` and `stackpick stats`.
    pub async fn stats(&self, guild: Option<u64>, since: i64) -> Result<Stats> {
        let g = guild.map(to_i64);
        let row = sqlx::query(
            "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions WHERE asked_at >= ? AND (? IS NULL OR guild_id = ?)",
        )
        .bind(since)
        .bind(g)
        .bind(g)
        .fetch_one(&self.pool)
        .await?;
        let per_topic = sqlx::query(
            "SELECT topic, COUNT(*) AS n FROM questions WHERE topic IS NOT NULL AND asked_at >= ? \
             AND (? IS NULL OR guild_id = ?) GROUP BY topic ORDER BY n DESC, topic LIMIT 25",
        )
        .bind(since)
        .bind(g)
        .bind(g)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| (r.get::<String, _>(0), to_u64(r.get(1))))
        .collect();
        let votes = sqlx::query(
            "SELECT COALESCE(SUM(helpful), 0), COUNT(*) FROM feedback WHERE voted_at >= ? AND (? IS NULL OR guild_id = ?)",
        )
        .bind(since)
        .bind(g)
        .bind(g)
        .fetch_one(&self.pool)
        .await?;
        let welcomes: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM welcomes WHERE status = 'sent' AND (? IS NULL OR guild_id = ?)")
                .bind(g)
                .bind(g)
                .fetch_one(&self.pool)
                .await?;
        let (helpful, total): (i64, i64) = (votes.get(0), votes.get(1));
        Ok(Stats {
            questions: to_u64(row.get(0)),
            answered: to_u64(row.get(1)),
            per_topic,
            helpful: to_u64(helpful),
            unhelpful: to_u64(total - helpful),
            welcomes: to_u64(welcomes),
        })
    }

    /// Closes the pool, finishing pending writes.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Writes a new key file readable by its owner only.
fn write_key_file(path: &std::path::Path, key: &[u8; 32]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| format!("cannot create the key file `{}`", path.display()))?;
    file.write_all(hex::encode(key).as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write the key file `{}`", path.display()))
}

/// Groups questions whose words mostly overlap (Jaccard ≥ 0.6), most asked first.
fn group_similar(texts: Vec<(String, Option<String>)>) -> Vec<Gap> {
    struct Group {
        words: Vec<String>,
        example: String,
        count: usize,
        topic: Option<String>,
    }
    fn words(text: &str) -> Vec<String> {
        let mut w: Vec<String> =
            text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2).map(str::to_lowercase).collect();
        w.sort();
        w.dedup();
        w
    }
    fn similar(a: &[String], b: &[String]) -> bool {
        if a.is_empty() || b.is_empty() {
            return a == b;
        }
        let common = a.iter().filter(|w| b.contains(w)).count();
        common as f32 / (a.len() + b.len() - common) as f32 >= 0.6
    }
    let mut groups: Vec<Group> = Vec::new();
    for (text, topic) in texts {
        let w = words(&text);
        match groups.iter_mut().find(|g| similar(&g.words, &w)) {
            Some(g) => g.count += 1,
            None => groups.push(Group { words: w, example: text, count: 1, topic }),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    groups.into_iter().map(|g| Gap { example: g.example, count: g.count, answered_as: g.topic }).collect()
}

#[cfg(test)]
mod path_tests {
    use super::*;

    #[test]
    fn a_plain_path_is_a_database_file_and_other_schemes_are_refused() {
        for path in ["/tmp/x/t.db", "./t.db", "t.db", "data dir/t.db"] {
            let o = sqlite_options(path).unwrap();
            assert_eq!(database_path(&o).unwrap(), std::path::Path::new(path), "{path}");
        }
        assert!(database_path(&sqlite_options("sqlite://a/b.db").unwrap()).unwrap().ends_with("a/b.db"));
        let e = sqlite_options("postgres://db/stackpick").unwrap_err().to_string();
        assert!(e.contains("uses the scheme `postgres`"), "{e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_questions_group_together() {
        let gaps = group_similar(vec![
            ("is rust faster than go".into(), None),
            ("how do I deploy to heroku".into(), None),
            ("is rust faster than go?".into(), None),
            ("rust faster than go".into(), None),
        ]);
        assert_eq!(gaps[0].count, 3);
        assert_eq!(gaps[1].count, 1);
    }
}
