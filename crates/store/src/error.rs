//! What can go wrong in storage, typed so callers can tell a refusal from a failure.

/// A storage error. Every variant names the database (or the setting) it is about.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `DATABASE_URL`, or the hashing key, is not usable as written.
    #[error("{0}")]
    Config(String),
    /// The database was migrated by a newer stackpick; it is left untouched.
    #[error(
        "the database `{url}` was written by a newer stackpick (schema version {theirs}; this build knows up to \
         {ours}). Refusing to change it: run the newer version, or point DATABASE_URL at another file."
    )]
    NewerSchema { url: String, theirs: i64, ours: i64 },
    /// The database file is missing, or is not stackpick's (reports never create one).
    #[error("{0}")]
    NotADatabase(String),
    /// This store cannot keep settings across a restart, so it does not take them.
    #[error("settings are not kept without a database")]
    NotKept,
    /// The database refused or failed an operation.
    #[error("{context}: {source}")]
    Database {
        context: String,
        #[source]
        source: sqlx::Error,
    },
    /// Applying the migrations failed.
    #[error("cannot migrate the database `{database}`: {source}")]
    Migrate {
        database: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// A file beside the database (the key file, a backup) could not be used.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// Adds what was being done to a database error.
pub(crate) trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, sqlx::Error> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Database { context: what(), source })
    }
}

impl<T> Context<T> for Result<T, std::io::Error> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Io { context: what(), source })
    }
}
