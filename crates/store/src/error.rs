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
    /// The database did not answer in time (it is unreachable or too busy);
    /// nothing was changed.
    #[error("{0}")]
    Unavailable(String),
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

impl StoreError {
    /// Whether trying again later may succeed: the database was unreachable,
    /// busy, locked, out of space or shutting down — not a refusal of what was
    /// asked. The question log keeps a batch that failed this way and retries it.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Database { source, .. } => transient(source),
            StoreError::Unavailable(_) => true,
            _ => false,
        }
    }
}

fn transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| transient_code(&code)),
        _ => false,
    }
}

/// Postgres's SQLSTATEs are five characters: connection exceptions (08),
/// insufficient resources (53), operator intervention such as a shutdown
/// (57P), serialization failures and deadlocks (40001, 40P01). SQLite's are
/// extended result codes whose low byte is the primary code: BUSY (5),
/// LOCKED (6), READONLY (8, until the file is made writable), IOERR (10),
/// FULL (13).
fn transient_code(code: &str) -> bool {
    // SQLite's extended codes have at most four digits.
    if code.len() == 5 {
        return code.starts_with("08")
            || code.starts_with("53")
            || code.starts_with("57P")
            || code == "40001"
            || code == "40P01";
    }
    code.parse::<i32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 8 | 10 | 13))
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

#[cfg(test)]
mod tests {
    use super::transient_code;

    #[test]
    fn outages_are_transient_and_refusals_are_not() {
        for code in ["08006", "08001", "53300", "57P01", "40001", "40P01", "5", "6", "8", "261", "10", "13", "1032"] {
            assert!(transient_code(code), "{code}");
        }
        for code in ["23505", "42P01", "22001", "1", "19", "2067", "787"] {
            assert!(!transient_code(code), "{code}");
        }
    }
}
