//! The SQLite store: the durable default, one file beside the bot.
//!
//! Durability: WAL journal with `synchronous=FULL`, so a transaction that
//! returned is on disk even if the process is killed right after. Migrations
//! in `migrations/` are embedded and applied at start; a database written by a
//! newer stackpick is refused instead of being changed. The question log is
//! written behind a bounded queue (the journal), so answers never wait on it.

mod key;
mod log;
mod reports;
mod settings;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub(crate) use key::{hash as hash_member, random as random_key, read_or_create as read_or_create_key_file};
pub use key::{KeySource, HASH_KEY_VAR};

use crate::error::Context as _;
use crate::journal::{Journal, Observer, Sink as _, Unobserved};
use crate::keys::Member;
use crate::{Result, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How to open a store for the bot.
#[derive(Clone)]
pub struct OpenOptions {
    /// Where the key that hashes member ids comes from.
    pub key: KeySource,
    /// Questions and votes older than this many days are pruned, and the data
    /// of servers that removed the bot is deleted after [`crate::FORGET_AFTER`],
    /// at start and then hourly; `None` (the default, for tools and tests)
    /// deletes nothing the caller did not ask for.
    pub retention_days: Option<u32>,
    /// Told about the log's queue, drops and failures (the metrics).
    pub observer: Arc<dyn Observer>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { key: KeySource::Beside, retention_days: None, observer: Arc::new(Unobserved) }
    }
}

/// The database and the key that hashes member ids; what the journal writes to.
pub(crate) struct Db {
    pool: SqlitePool,
    /// A secret, never printed: there is no `Debug` for `Db`.
    key: [u8; 32],
    /// The database file (or URL), for messages.
    name: String,
}

/// The SQLite store. Cheap to clone: clones share the pool and the log queue.
#[derive(Clone)]
pub struct SqliteStore {
    db: Arc<Db>,
    /// Days questions and votes are kept (`None`: not pruned).
    retention_days: Option<u32>,
    /// The log's queue; `None` when opened read-only (reports only).
    journal: Option<Arc<Journal>>,
}

impl std::fmt::Debug for SqliteStore {
    /// The database's name only: the hashing key must not reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("name", &self.db.name).finish_non_exhaustive()
    }
}

/// Checks a `DATABASE_URL` and reads it as SQLite options: a `sqlite:` URL,
/// or a plain file path (`/var/lib/stackpick/bot.db`, `./bot.db`, `bot.db`).
fn sqlite_options(url: &str) -> Result<SqliteConnectOptions> {
    if is_plain_path(url) {
        return Ok(SqliteConnectOptions::new().filename(url));
    }
    let scheme = url.split_once(':').map_or(url, |(s, _)| s);
    if scheme != "sqlite" {
        return Err(StoreError::Config(format!(
            "DATABASE_URL `{url}` uses the scheme `{scheme}`, which this build does not support; \
             supported: sqlite:// (for example sqlite://stackpick.db) and postgres://"
        )));
    }
    SqliteConnectOptions::from_str(url).map_err(|e| {
        StoreError::Config(format!("DATABASE_URL `{url}` is not a SQLite URL like sqlite://stackpick.db ({e})"))
    })
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
fn database_path(options: &SqliteConnectOptions) -> Option<PathBuf> {
    let path = options.get_filename();
    let text = path.to_string_lossy();
    (!text.is_empty() && text != ":memory:").then(|| path.to_path_buf())
}

/// Each connection's page cache, in KiB (SQLite's default is 2,000). The bot
/// reads its settings from memory and the log only appends, so a bigger cache
/// buys nothing: at the default, the pool's four caches were 6.6 MiB of a
/// words-only endpoint's 54.7 MiB peak under `scripts/load-serve.sh`.
const PAGE_CACHE_KIB: i64 = 500;

impl SqliteStore {
    /// Opens (creating if missing) and migrates the database at `url`, with the
    /// hashing key from the key file beside the database,
    /// and starts the log's writer on the current runtime.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        Self::open_with(url, OpenOptions::default()).await
    }

    /// [`SqliteStore::open`] with explicit options.
    pub async fn open_with(url: &str, options: OpenOptions) -> Result<SqliteStore> {
        let connect = sqlite_options(url)?;
        let path = database_path(&connect);
        let shown = path.as_ref().map_or_else(|| url.to_owned(), |p| p.display().to_string());
        let connect = connect
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            .pragma("cache_size", (-PAGE_CACHE_KIB).to_string());
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(connect)
            .await
            .context(|| format!("cannot open the database `{shown}`"))?;
        let schema = refuse_newer(&pool, url).await?;
        migrate(&pool, schema, &shown).await?;
        let key = key::resolve(&pool, options.key, path.as_deref()).await?;
        let db = Arc::new(Db { pool, key, name: shown });
        let journal = Journal::start(db.clone(), options.retention_days, options.observer);
        Ok(SqliteStore { db, retention_days: options.retention_days, journal: Some(Arc::new(journal)) })
    }

    /// Opens the database at `url` for reading only: for reports, which must
    /// never create or change a database. A missing file, or a SQLite file
    /// that is not stackpick's, is refused with a message naming it.
    pub async fn open_read_only(url: &str) -> Result<SqliteStore> {
        let options = sqlite_options(url)?;
        let Some(path) = database_path(&options) else {
            return Err(StoreError::NotADatabase(format!(
                "DATABASE_URL `{url}` is an in-memory database: there is nothing to report on"
            )));
        };
        if !path.exists() {
            return Err(StoreError::NotADatabase(format!(
                "no such database `{}`: the bot creates it at its first start (`stackpick run` or `stackpick serve` \
                 with the same environment); check DATABASE_URL",
                path.display()
            )));
        }
        let options = options.read_only(true).create_if_missing(false).busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .context(|| format!("cannot open the database `{}` for reading", path.display()))?;
        let ours: bool =
            sqlx::query_scalar("SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
                .fetch_one(&pool)
                .await
                .context(|| format!("`{}` is not a SQLite database", path.display()))?;
        if !ours {
            pool.close().await;
            return Err(StoreError::NotADatabase(format!(
                "`{}` is not a stackpick database (it has no `meta` table); check DATABASE_URL",
                path.display()
            )));
        }
        refuse_newer(&pool, url).await?;
        // Reports hash nobody: a throwaway key, and writes fail anyway.
        let key = key::random()?;
        let db = Arc::new(Db { pool, key, name: path.display().to_string() });
        Ok(SqliteStore { db, retention_days: None, journal: None })
    }

    /// Writes a consistent copy of the database to `to` (SQLite's `VACUUM
    /// INTO`: one read transaction, so the bot may keep writing meanwhile) and
    /// returns its size in bytes. Refuses to replace an existing file. Works on
    /// a store opened read-only, so a backup never changes the original.
    pub async fn backup_to(&self, to: &Path) -> Result<u64> {
        if to.exists() {
            return Err(StoreError::Config(format!(
                "`{}` already exists: a backup never replaces a file; choose a new name",
                to.display()
            )));
        }
        let target =
            to.to_str().ok_or_else(|| StoreError::Config(format!("`{}` is not a UTF-8 path", to.display())))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.db.pool)
            .await
            .context(|| format!("cannot back up `{}` to `{}`", self.db.name, to.display()))?;
        let size = std::fs::metadata(to).context(|| format!("the backup `{}` was not written", to.display()))?;
        Ok(size.len())
    }

    /// The database file (or URL) this store writes to, for messages.
    pub fn name(&self) -> &str {
        &self.db.name
    }

    /// The key file kept beside a database file: `<file>.key`.
    pub fn key_file(database: &Path) -> PathBuf {
        key::key_file(database)
    }

    /// The newest schema version this build knows.
    pub fn latest_version() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// A member as stored: a keyed hash, so the database never holds ids in
    /// clear but one member's votes and welcomes are still recognised.
    pub fn hash_member(&self, member: &Member) -> String {
        key::hash(&self.db.key, member)
    }

    /// Log entries dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.journal.as_ref().map_or(0, |j| j.dropped())
    }

    /// Writes a batch of log rows in one transaction, without the queue (for
    /// tools and tests that must know the rows are in).
    pub async fn write_log(&self, questions: &[crate::QuestionRecord], votes: &[crate::Vote]) -> Result<()> {
        self.db.write(questions, votes).await
    }

    /// Deletes questions and votes older than `before` (Unix seconds).
    pub async fn prune(&self, before: i64) -> Result<u64> {
        self.db.prune(before).await
    }

    /// Deletes every server's data whose departure is older than `before`;
    /// returns the servers forgotten.
    pub async fn forget_departed(&self, before: i64) -> Result<Vec<crate::Server>> {
        self.db.forget_departed(before).await
    }
}

/// What a database's schema is to this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schema {
    /// Versions this build knows (or none yet): migrate it.
    Known,
    /// A newer release migrated it, only expanding it: use it as it is,
    /// without migrating (during a rolling deploy, N beside N+1).
    NewerCompatible { theirs: i64 },
}

/// A database migrated by a newer stackpick has versions we do not know. It
/// is used as it is when that release declared this one still able to read
/// and write it (`schema_compat.oldest_reader`, see migration 0005), and
/// refused otherwise: changing it could lose data the newer version relies on.
async fn refuse_newer(pool: &SqlitePool, url: &str) -> Result<Schema> {
    let exists: bool =
        sqlx::query_scalar("SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_one(pool)
            .await
            .context(|| format!("cannot read the database `{url}`"))?;
    if !exists {
        return Ok(Schema::Known);
    }
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .context(|| format!("cannot read the schema version of `{url}`"))?;
    let ours = SqliteStore::latest_version();
    let Some(theirs) = newest.filter(|&v| v > ours) else { return Ok(Schema::Known) };
    let has_compat: bool =
        sqlx::query_scalar("SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_compat'")
            .fetch_one(pool)
            .await
            .context(|| format!("cannot read the database `{url}`"))?;
    let oldest_reader: Option<i64> = if has_compat {
        sqlx::query_scalar("SELECT oldest_reader FROM schema_compat WHERE id = 1")
            .fetch_optional(pool)
            .await
            .context(|| format!("cannot read the schema compatibility of `{url}`"))?
    } else {
        None
    };
    match oldest_reader {
        Some(oldest) if oldest <= ours => Ok(Schema::NewerCompatible { theirs }),
        _ => Err(StoreError::NewerSchema { url: url.to_owned(), theirs, ours }),
    }
}

/// Applies this build's migrations, unless a newer release already expanded
/// the schema past them (then there is nothing for this build to do).
async fn migrate(pool: &SqlitePool, schema: Schema, database: &str) -> Result<()> {
    match schema {
        Schema::Known => {
            MIGRATOR.run(pool).await.map_err(|source| StoreError::Migrate { database: database.to_owned(), source })
        }
        Schema::NewerCompatible { theirs } => {
            tracing::info!(
                database,
                theirs,
                ours = SqliteStore::latest_version(),
                "the database was migrated by a newer stackpick that this version can still use; not migrating"
            );
            Ok(())
        }
    }
}

impl crate::Storage for SqliteStore {
    fn describe(&self) -> String {
        self.db.name.clone()
    }

    fn durable(&self) -> bool {
        true
    }

    fn retention_days(&self) -> Option<u32> {
        self.retention_days
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every connection of the pool at once, so that none is left out of a check.
    async fn every_connection(store: &SqliteStore) -> Vec<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        let mut held = Vec::new();
        for _ in 0..store.db.pool.options().get_max_connections() {
            held.push(store.db.pool.acquire().await.unwrap());
        }
        held
    }

    /// Every connection keeps a small page cache: four connections at
    /// SQLite's default 2 MB were about a seventh of a busy words-only
    /// endpoint's memory, and the log's writes gain nothing from them.
    #[tokio::test]
    async fn every_connection_keeps_a_small_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("cache.db").display());
        let store = SqliteStore::open(&url).await.unwrap();
        for mut conn in every_connection(&store).await {
            let kib: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut *conn).await.unwrap();
            assert_eq!(kib, -PAGE_CACHE_KIB, "a negative cache_size is in KiB");
        }
    }

    /// The log's multi-row INSERT has a different text for every batch size
    /// (1 to 500 rows), and sqlx keeps up to 100 prepared statements per
    /// connection: a busy endpoint's process grew by about 1 KB per request
    /// with no plateau (75 → 146 MB over 117k requests) holding them. None of
    /// them may stay cached.
    #[tokio::test]
    async fn batches_of_every_size_leave_no_prepared_statement_behind() {
        use sqlx::Connection as _;

        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("log.db").display());
        let store = SqliteStore::open(&url).await.unwrap();
        let row = |i: usize| crate::QuestionRecord {
            place: crate::Place {
                platform: crate::Platform::Discord,
                server: Some("1".into()),
                channel: Some("2".into()),
            },
            asker: None,
            text: format!("question {i}"),
            topic: None,
            confidence: 0.5,
            answered: true,
            asked_at: 1_000 + i as i64,
        };
        async fn cached(store: &SqliteStore) -> usize {
            let mut total = 0;
            for mut conn in every_connection(store).await {
                conn.ping().await.unwrap();
                total += conn.cached_statements_size();
            }
            total
        }
        store.write_log(&[row(0)], &[]).await.unwrap();
        let before = cached(&store).await;
        for size in 2..=30 {
            let batch: Vec<_> = (0..size).map(row).collect();
            store.write_log(&batch, &[]).await.unwrap();
        }
        let after = cached(&store).await;
        assert_eq!(after, before, "prepared statements cached: {before} after one batch, {after} after 30 sizes");
    }

    #[test]
    fn a_plain_path_is_a_database_file_and_other_schemes_are_refused() {
        for path in ["/tmp/x/t.db", "./t.db", "t.db", "data dir/t.db"] {
            let o = sqlite_options(path).unwrap();
            assert_eq!(database_path(&o).unwrap(), Path::new(path), "{path}");
        }
        assert!(database_path(&sqlite_options("sqlite://a/b.db").unwrap()).unwrap().ends_with("a/b.db"));
        let e = sqlite_options("mysql://db/stackpick").unwrap_err().to_string();
        assert!(e.contains("uses the scheme `mysql`") && e.contains("postgres://"), "{e}");
    }
}
