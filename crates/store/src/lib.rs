//! stackpick's storage: what the bot keeps between events and restarts.
//!
//! Six small traits say what the faces and the command layer need —
//! [`Settings`] per server, the [`Welcomes`] ledger, the [`QuestionLog`] of
//! questions and votes, the [`Reports`] read from that log, the
//! [`Deliveries`] already handled, and Slack's [`Installs`] — and
//! [`Storage`] bundles them. Three implementations: [`SqliteStore`], the durable default;
//! [`PostgresStore`], one database shared by many processes (gateway shards,
//! HTTP replicas); and [`MemoryStore`], bounded, for a bot running without a
//! database. [`open`] picks by the URL's scheme. Handlers hold an
//! `Arc<dyn Storage>` and never ask which one it is.
//!
//! Keys are platform-neutral ([`Platform`] and a text id), so Discord
//! snowflakes and Slack's `T…`/`U…` ids live in the same tables; member ids are
//! never stored in clear, only as a keyed hash ([`Member`]).
//!
//! This is the only crate that speaks SQL (an invariant ARCHITECTURE.md states
//! and `tests/architecture.rs` checks).

mod bounded;
mod error;
mod journal;
mod keys;
pub mod memory;
pub mod postgres;
mod records;
mod sealed;
mod similar;
pub mod sqlite;

use std::time::Duration;

pub use bounded::BoundedMap;
pub use error::StoreError;
pub use journal::{Observer, FORGET_AFTER, FORGET_MEMBER_WITHIN, QUEUE, QUEUE_BYTES};
pub use keys::{Member, Platform, Server};
pub use memory::MemoryStore;
pub use postgres::PostgresStore;
pub use records::{Entry, Forgotten, Gap, Place, QuestionRecord, ServerSettings, Stats, Vote};
pub use sqlite::{KeySource, OpenOptions, SqliteStore, HASH_KEY_VAR};

/// Opens the store a `DATABASE_URL` names: Postgres for `postgres://`
/// (or `postgresql://`), else SQLite (a `sqlite://` URL or a file path).
pub async fn open(url: &str, options: OpenOptions) -> Result<std::sync::Arc<dyn Storage>> {
    Ok(if postgres::is_postgres(url) {
        std::sync::Arc::new(PostgresStore::open_with(url, options).await?)
    } else {
        std::sync::Arc::new(SqliteStore::open_with(url, options).await?)
    })
}

/// Opens the store a `DATABASE_URL` names for reports: read-only, never
/// created, never migrated.
pub async fn open_for_reports(url: &str) -> Result<std::sync::Arc<dyn Storage>> {
    Ok(if postgres::is_postgres(url) {
        std::sync::Arc::new(PostgresStore::open_read_only(url).await?)
    } else {
        std::sync::Arc::new(SqliteStore::open_read_only(url).await?)
    })
}

/// A storage result.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Milliseconds since the Unix epoch: for events that can follow each other
/// within one second, such as a process starting and a pack reload.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Per-server settings. The bot answers from its own copy (read once with
/// [`Settings::all_settings`]); a change is confirmed to the admin only once
/// [`Settings::save_settings`] returned, so a confirmed setting is never lost.
#[async_trait::async_trait]
pub trait Settings: Send + Sync {
    /// Every server's saved settings.
    async fn all_settings(&self) -> Result<Vec<ServerSettings>>;
    /// Saves one server's settings, durably, in one step. A store that cannot
    /// keep them across a restart refuses ([`StoreError::NotKept`]) rather
    /// than confirming a setting it would lose.
    async fn save_settings(&self, settings: &ServerSettings) -> Result<()>;
    /// The settings saved at or after `since` (Unix seconds): how processes
    /// sharing a store catch up with each other's changes.
    async fn settings_since(&self, since: i64) -> Result<Vec<ServerSettings>>;
    /// Notes that the knowledge pack was reloaded at `at` (Unix milliseconds), so
    /// that the other processes sharing this store reload theirs.
    async fn knowledge_reloaded(&self, at: i64) -> Result<()>;
    /// When the pack was last reloaded in any process sharing this store.
    async fn last_knowledge_reload(&self) -> Result<Option<i64>>;
}

/// Who was welcomed: each member of a server is welcomed once, even when two
/// processes see the same join.
#[async_trait::async_trait]
pub trait Welcomes: Send + Sync {
    /// Claims the welcome for a member who joined: `Ok(true)` means send it
    /// now. A pending member (Discord's membership screening) is remembered
    /// instead and released by [`Welcomes::claim_pending_welcome`].
    async fn claim_welcome(&self, server: &Server, member: &Member, pending: bool) -> Result<bool>;
    /// A member passed screening: `Ok(true)` once, if they were waiting.
    async fn claim_pending_welcome(&self, server: &Server, member: &Member) -> Result<bool>;
}

/// The question log and votes, and the lifecycle of a server's data.
#[async_trait::async_trait]
pub trait QuestionLog: Send + Sync {
    /// Queues a question or vote without waiting. Whatever cannot be kept
    /// (a full queue, a failed write) is counted through the [`Observer`] and
    /// logged, never silently lost.
    fn record(&self, entry: Entry);
    /// The bot was removed from `server` at `at`: its data is deleted after
    /// [`FORGET_AFTER`] unless [`QuestionLog::returned`] comes first.
    async fn departed(&self, server: &Server, at: i64) -> Result<()>;
    /// The bot is in `server` (again): nothing of it is to be forgotten.
    async fn returned(&self, server: &Server) -> Result<()>;
    /// Deletes everything stored about `server` at once; returns the rows deleted.
    async fn forget(&self, server: &Server) -> Result<u64>;
    /// Deletes everything stored about one member, at their request: the
    /// questions they asked, their votes and their welcomes, on every server
    /// of their platform. What of theirs is still queued is written first
    /// (waiting at most [`FORGET_MEMBER_WITHIN`]), so a question asked just
    /// before does not come back after.
    async fn forget_member(&self, member: &Member) -> Result<Forgotten>;
    /// Writes out what is queued (waiting at most `within`) and stops taking
    /// entries; for shutdown.
    async fn close(&self, within: Duration);
}

/// How long a delivery id is remembered in the store ([`Deliveries`]):
/// platforms redeliver within minutes; a day is ample.
pub const DELIVERIES_KEPT_SECS: i64 = 86_400;

/// Deliveries already handled by any process sharing the store, so that an
/// event a platform delivers again to another replica is answered once.
#[async_trait::async_trait]
pub trait Deliveries: Send + Sync {
    /// Claims a delivery: `Ok(true)` the first time any process sharing this
    /// store claims `(platform, id)`, `Ok(false)` after. A store that is not
    /// shared (memory) claims every delivery: the process's own record is
    /// then the only one.
    async fn claim_delivery(&self, platform: Platform, id: &str) -> Result<bool>;
}

/// A Slack workspace that installed the app through the OAuth flow.
#[derive(Clone)]
pub struct Install {
    /// The workspace (`T…`).
    pub team: String,
    /// Its bot token (`xoxb-…`): sealed in the database, never printed.
    pub bot_token: secrecy::SecretString,
    /// The bot's user id in that workspace (`U…`).
    pub bot_user: String,
}

/// The token is a secret: debug output names the workspace only.
impl std::fmt::Debug for Install {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Install").field("team", &self.team).field("bot_user", &self.bot_user).finish_non_exhaustive()
    }
}

/// Slack workspaces that installed the app (many workspaces, one token each).
#[async_trait::async_trait]
pub trait Installs: Send + Sync {
    /// Saves (or replaces) a workspace's installation, its token sealed with a
    /// key derived from the hashing key. A store that cannot keep it across a
    /// restart refuses ([`StoreError::NotKept`]).
    async fn save_install(&self, install: &Install) -> Result<()>;
    /// A workspace's installation, its token opened; `None` when the app is
    /// not installed there.
    async fn install(&self, team: &str) -> Result<Option<Install>>;
    /// Removes a workspace's installation (the app uninstalled, its tokens
    /// revoked); whether there was one.
    async fn remove_install(&self, team: &str) -> Result<bool>;
}

/// What the log says, for `/kb gaps`, `/kb stats` and the command line.
/// Reports never write.
#[async_trait::async_trait]
pub trait Reports: Send + Sync {
    /// Questions not answered, or answered with less than `unsure_below`
    /// confidence, since `since`, grouped by similar wording.
    async fn gaps(&self, server: Option<&Server>, since: i64, unsure_below: f32) -> Result<Vec<Gap>>;
    /// Answered questions whose topic got 👎 since `since`, grouped alike.
    async fn disliked(&self, server: Option<&Server>, since: i64) -> Result<Vec<Gap>>;
    /// Counts of questions, answers, votes and welcomes since `since`.
    async fn stats(&self, server: Option<&Server>, since: i64) -> Result<Stats>;
}

/// Everything the bot stores, behind one handle.
pub trait Storage: Settings + Welcomes + QuestionLog + Reports + Deliveries + Installs + std::fmt::Debug {
    /// What holds the data, for log lines and reports: a database file, or
    /// "memory (since this process started)".
    fn describe(&self) -> String;
    /// Whether what is stored outlives the process.
    fn durable(&self) -> bool;
    /// Days questions and votes are kept before they are pruned; `None` when
    /// this store does not prune them (a report-only store, or memory, which
    /// keeps them until the process ends).
    fn retention_days(&self) -> Option<u32>;
}
