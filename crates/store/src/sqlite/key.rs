//! The key that hashes member ids, and where it lives.
//!
//! The key never lives in the database: whoever holds the database file alone
//! must not be able to test known member ids against the hashes. Every process
//! of one deployment (shards, replicas) must use the same key, or votes and
//! welcomes stop being recognised across them.

use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::SqlitePool;

use crate::error::Context as _;
use crate::keys::Member;
use crate::{Result, StoreError};

/// The environment variable the binary reads the hashing key from (named in
/// messages; this crate reads no environment).
pub const HASH_KEY_VAR: &str = "STACKPICK_HASH_KEY";

/// Where the key for hashing member ids comes from.
#[derive(Clone)]
pub enum KeySource {
    /// The key file beside the database (`<file>.key`), created on first
    /// use; for a database in memory, a random key that dies with it.
    Beside,
    /// This key (64 hex characters in the environment).
    Key([u8; 32]),
    /// A key file at this path: read, or created (mode 0600) on first run.
    File(PathBuf),
}

/// The key is a secret: debug output names the source, never the bytes.
impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Beside => f.write_str("Beside"),
            KeySource::Key(_) => f.write_str("Key([redacted])"),
            KeySource::File(p) => f.debug_tuple("File").field(p).finish(),
        }
    }
}

/// The key file kept beside a database file: `<file>.key`.
pub(crate) fn key_file(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

pub(crate) fn random() -> Result<[u8; 32]> {
    let mut k = [0u8; 32];
    getrandom::getrandom(&mut k).map_err(|e| StoreError::Config(format!("no randomness for the hashing key: {e}")))?;
    Ok(k)
}

/// A key file's contents: 64 hex characters.
fn parse(hex_key: &str) -> Result<[u8; 32]> {
    let bytes = hex::decode(hex_key.trim()).ok().filter(|b| b.len() == 32);
    bytes.and_then(|b| b.try_into().ok()).ok_or_else(|| {
        StoreError::Config("must be 64 hex characters (32 bytes), like the output of `openssl rand -hex 32`".into())
    })
}

/// A member's keyed hash: 16 bytes of HMAC-SHA256, in hex.
pub(crate) fn hash(key: &[u8; 32], member: &Member) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&member.hash_input());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The key for hashing member ids, from its source. A key that earlier
/// versions kept in the database is moved out to the key file (so votes and
/// welcomes stay recognised) and removed from the database.
pub(crate) async fn resolve(pool: &SqlitePool, source: KeySource, database: Option<&Path>) -> Result<[u8; 32]> {
    let legacy: Option<Vec<u8>> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'user_hash_key'")
        .fetch_optional(pool)
        .await
        .context(|| "cannot read the database's meta table".to_owned())?;
    let legacy: Option<[u8; 32]> = legacy.and_then(|v| v.try_into().ok());
    let source = match source {
        KeySource::Beside => match database {
            Some(db) => KeySource::File(key_file(db)),
            // In memory: nothing outlives the process, neither may the key.
            None => KeySource::Key(random()?),
        },
        other => other,
    };
    let key = match source {
        KeySource::Key(k) => k,
        KeySource::File(path) => read_or_create_with(&path, legacy)?,
        KeySource::Beside => unreachable!("resolved above"),
    };
    if legacy.is_some() {
        sqlx::query("DELETE FROM meta WHERE key = 'user_hash_key'")
            .execute(pool)
            .await
            .context(|| "cannot remove the old key from the database".to_owned())?;
    }
    Ok(key)
}

/// The key in a key file, created (with a new random key) when missing.
pub(crate) fn read_or_create(path: &Path) -> Result<[u8; 32]> {
    read_or_create_with(path, None)
}

/// The key in a key file; when the file is missing it is created with
/// `legacy` (a key an older version kept in the database) or a new key.
fn read_or_create_with(path: &Path, legacy: Option<[u8; 32]>) -> Result<[u8; 32]> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text).map_err(|e| StoreError::Config(format!("the key file `{}`: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = match legacy {
                Some(k) => k,
                None => random()?,
            };
            write_key_file(path, &key)?;
            tracing::warn!(
                path = %path.display(),
                "created the key that hashes member ids; keep it with the database backups but apart from \
                 the database, and give every process of this bot the same key ({HASH_KEY_VAR} or this file)"
            );
            Ok(key)
        }
        Err(e) => Err(e).context(|| format!("cannot read the key file `{}`", path.display())),
    }
}

/// Writes a new key file readable by its owner only.
fn write_key_file(path: &Path, key: &[u8; 32]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).context(|| format!("cannot create the key file `{}`", path.display()))?;
    file.write_all(hex::encode(key).as_bytes())
        .and_then(|()| file.sync_all())
        .context(|| format!("cannot write the key file `{}`", path.display()))
}
