//! The Postgres store: one database shared by every process of a bot — gateway
//! shards and HTTP replicas — chosen by a `postgres://` `DATABASE_URL`.
//!
//! The same traits and the same behaviour as the SQLite store, in Postgres's
//! dialect: a welcome is claimed with `INSERT … ON CONFLICT DO NOTHING`, so a
//! member is welcomed once even when two shards see the join; the log's
//! write-behind queue is per process, each writing its own batches. Migrations
//! live in `migrations/postgres/` (sqlx holds an advisory lock while applying
//! them, so replicas starting together migrate once). The hashing key must be
//! given (`STACKPICK_HASH_KEY`): there is no file "beside" a shared database,
//! and every process must hash member ids alike.

mod queries;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::error::Context as _;
use crate::journal::{Journal, Sink as _};
use crate::keys::Member;
use crate::sqlite::{KeySource, OpenOptions, Schema};
use crate::{Result, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The pool and the key that hashes member ids; what the journal writes to.
pub(crate) struct PgDb {
    pool: PgPool,
    /// A secret, never printed: there is no `Debug` for `PgDb`.
    key: [u8; 32],
    /// The database without its password, for messages.
    name: String,
}

/// The Postgres store. Cheap to clone: clones share the pool and the log queue.
#[derive(Clone)]
pub struct PostgresStore {
    db: Arc<PgDb>,
    /// Days questions and votes are kept (`None`: not pruned).
    retention_days: Option<u32>,
    /// The log's queue; `None` when opened for reports.
    journal: Option<Arc<Journal>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("name", &self.db.name).finish_non_exhaustive()
    }
}

/// Whether a `DATABASE_URL` names a Postgres database.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The URL as it may be shown: user, host, port and database, never the password.
fn shown(options: &PgConnectOptions) -> String {
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default()
    )
}

fn connect_options(url: &str) -> Result<PgConnectOptions> {
    // sqlx's message may quote the URL, password and all: name the problem only.
    PgConnectOptions::from_str(url).map_err(|_| {
        StoreError::Config(
            "DATABASE_URL is not a Postgres URL like postgres://user:password@host:5432/stackpick".to_owned(),
        )
    })
}

impl PostgresStore {
    /// Connects, migrates (under sqlx's advisory lock) and starts the log's
    /// writer on the current runtime. The key must be given: `KeySource::Key`
    /// or a key file every process reads.
    pub async fn open_with(url: &str, options: OpenOptions) -> Result<PostgresStore> {
        let connect = connect_options(url)?;
        let name = shown(&connect);
        let key = match options.key {
            KeySource::Key(k) => k,
            KeySource::File(path) => crate::sqlite::read_or_create_key_file(&path)?,
            KeySource::Beside => {
                return Err(StoreError::Config(format!(
                    "a shared Postgres database needs {}: every process of the bot must hash member ids with the \
                     same key (64 hex characters, like the output of `openssl rand -hex 32`)",
                    crate::HASH_KEY_VAR
                )))
            }
        };
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(connect)
            .await
            .context(|| format!("cannot connect to the database `{name}`"))?;
        match refuse_newer(&pool, &name).await? {
            Schema::Known => {
                MIGRATOR.run(&pool).await.map_err(|source| StoreError::Migrate { database: name.clone(), source })?
            }
            Schema::NewerCompatible { theirs } => tracing::info!(
                database = %name,
                theirs,
                ours = Self::latest_version(),
                "the database was migrated by a newer stackpick that this version can still use; not migrating"
            ),
        }
        let db = Arc::new(PgDb { pool, key, name });
        let journal = Journal::start(db.clone(), options.retention_days, options.observer);
        Ok(PostgresStore { db, retention_days: options.retention_days, journal: Some(Arc::new(journal)) })
    }

    /// Connects for reports: every transaction read-only, nothing migrated or
    /// created; a database without stackpick's tables is refused.
    pub async fn open_read_only(url: &str) -> Result<PostgresStore> {
        let connect = connect_options(url)?.options([("default_transaction_read_only", "on")]);
        let name = shown(&connect);
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(connect)
            .await
            .context(|| format!("cannot connect to the database `{name}`"))?;
        let ours: bool = sqlx::query_scalar("SELECT to_regclass('server_settings') IS NOT NULL")
            .fetch_one(&pool)
            .await
            .context(|| format!("cannot read `{name}`"))?;
        if !ours {
            pool.close().await;
            return Err(StoreError::NotADatabase(format!(
                "`{name}` has no stackpick tables: the bot creates them at its first start; check DATABASE_URL"
            )));
        }
        refuse_newer(&pool, &name).await?;
        let key = crate::sqlite::random_key()?;
        Ok(PostgresStore { db: Arc::new(PgDb { pool, key, name }), retention_days: None, journal: None })
    }

    /// The database, without its password, for messages.
    pub fn name(&self) -> &str {
        &self.db.name
    }

    /// The newest schema version this build knows.
    pub fn latest_version() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// A member as stored: the same keyed hash as the SQLite store's.
    pub fn hash_member(&self, member: &Member) -> String {
        crate::sqlite::hash_member(&self.db.key, member)
    }

    /// Log entries dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.journal.as_ref().map_or(0, |j| j.dropped())
    }

    /// Writes a batch of log rows in one transaction, without the queue.
    pub async fn write_log(&self, questions: &[crate::QuestionRecord], votes: &[crate::Vote]) -> Result<()> {
        self.db.write(questions, votes).await
    }

    /// Deletes every server's data whose departure is older than `before`.
    pub async fn forget_departed(&self, before: i64) -> Result<Vec<crate::Server>> {
        self.db.forget_departed(before).await
    }
}

/// A database migrated by a newer stackpick is used as it is when that
/// release declared this one able to use it (`schema_compat.oldest_reader`),
/// and refused, untouched, otherwise.
async fn refuse_newer(pool: &PgPool, name: &str) -> Result<Schema> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await
        .context(|| format!("cannot read the database `{name}`"))?;
    if !exists {
        return Ok(Schema::Known);
    }
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .context(|| format!("cannot read the schema version of `{name}`"))?;
    let ours = PostgresStore::latest_version();
    let Some(theirs) = newest.filter(|&v| v > ours) else { return Ok(Schema::Known) };
    // A schema older than migration 0002 has no such table: the query fails,
    // and the database counts as not declared usable by this build.
    let oldest_reader: Option<i64> = sqlx::query_scalar("SELECT oldest_reader FROM schema_compat WHERE id = 1")
        .fetch_optional(pool)
        .await
        .ok()
        .flatten();
    match oldest_reader {
        Some(oldest) if oldest <= ours => Ok(Schema::NewerCompatible { theirs }),
        _ => Err(StoreError::NewerSchema { url: name.to_owned(), theirs, ours }),
    }
}

impl crate::Storage for PostgresStore {
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

    #[test]
    fn a_postgres_url_is_shown_without_its_password() {
        let o = connect_options("postgres://bot:hunter2@db.internal:6432/stackpick").unwrap();
        let s = shown(&o);
        assert_eq!(s, "postgres://bot@db.internal:6432/stackpick");
        assert!(is_postgres("postgresql://x/y") && is_postgres("postgres://x/y") && !is_postgres("sqlite://x"));
        let e = connect_options("postgres://bot:hunter2@[bad").unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }
}
