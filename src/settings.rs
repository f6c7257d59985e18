//! Settings from the environment (and `.env`), read once at start-up.
//!
//! `.env.example` documents every variable. The token is kept in a type that
//! never prints it, so it cannot leak into logs or error messages.

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serenity::model::id::{ChannelId, GuildId};

use crate::bot::Config;

/// The bot token: a [`secrecy::SecretString`], zeroed when dropped; `Debug`
/// prints a placeholder and there is no `Display`.
#[derive(Clone)]
pub struct Token(secrecy::SecretString);

impl Token {
    /// The token from `DISCORD_TOKEN`, or a message saying what to set.
    pub fn from_env() -> Result<Token> {
        match std::env::var("DISCORD_TOKEN") {
            Ok(t) if !t.trim().is_empty() => Ok(Token::new(t.trim().trim_start_matches("Bot "))),
            _ => bail!(
                "DISCORD_TOKEN is not set: put your bot token in the environment or in .env (see .env.example). \
                 To try stackpick without Discord, run `stackpick chat`."
            ),
        }
    }

    pub fn new(token: impl Into<String>) -> Token {
        Token(secrecy::SecretString::new(token.into()))
    }

    /// The secret itself, for the HTTP client only.
    pub fn expose(&self) -> &str {
        secrecy::ExposeSecret::expose_secret(&self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn id(name: &str, value: &str) -> Result<u64> {
    match value.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => bail!("{name}: `{value}` is not a Discord id (a positive number)"),
    }
}

/// `DISCORD_GUILD_ID`: register commands to this server only (instant, for testing).
pub fn guild_id() -> Result<Option<GuildId>> {
    var("DISCORD_GUILD_ID").map(|v| id("DISCORD_GUILD_ID", &v).map(GuildId::new)).transpose()
}

/// `DISCORD_APPLICATION_ID`, when set.
pub fn application_id() -> Result<Option<u64>> {
    var("DISCORD_APPLICATION_ID").map(|v| id("DISCORD_APPLICATION_ID", &v)).transpose()
}

/// `STACKPICK_MEMBERS_INTENT`: ask for the Server Members intent even before
/// any server turns onboarding on.
pub fn members_intent() -> bool {
    var("STACKPICK_MEMBERS_INTENT").is_some_and(|v| matches!(v.trim(), "1" | "true" | "yes" | "on"))
}

/// `DISCORD_HTTP_PROXY`: a shared rate-limit proxy for REST calls.
pub fn http_proxy() -> Option<String> {
    var("DISCORD_HTTP_PROXY")
}

/// The bot's behaviour: `COOLDOWN_SECS`, `ASK_PREFIX`, `ANSWER_CHANNEL_IDS`.
pub fn bot_config() -> Result<Config> {
    let mut config = Config::default();
    if let Some(v) = var("COOLDOWN_SECS") {
        let secs: u64 = v.parse().with_context(|| format!("COOLDOWN_SECS: `{v}` is not a whole number of seconds"))?;
        if secs > 3600 {
            bail!("COOLDOWN_SECS: {secs} is more than an hour (3600)");
        }
        config.cooldown = Duration::from_secs(secs);
    }
    if let Ok(v) = std::env::var("ASK_PREFIX") {
        config.prefix = Some(v.trim().to_owned()).filter(|p| !p.is_empty());
    }
    if let Some(v) = var("ANSWER_CHANNEL_IDS") {
        let mut set = HashSet::new();
        for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            set.insert(ChannelId::new(id("ANSWER_CHANNEL_IDS", part)?));
        }
        config.answer_channels = set;
    }
    Ok(config)
}

/// The database `run` and `serve` write and the reports read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// Named by `DATABASE_URL`: a `sqlite:` URL or a file path.
    Url(String),
    /// `stackpick.db` in this state directory (the default).
    StateDir(std::path::PathBuf),
}

/// The default database's file name inside the state directory.
pub const DATABASE_FILE: &str = "stackpick.db";

impl Database {
    /// The URL (or path) the store opens.
    pub fn url(&self) -> String {
        match self {
            Database::Url(url) => url.clone(),
            Database::StateDir(dir) => dir.join(DATABASE_FILE).display().to_string(),
        }
    }

    /// Creates the state directory, readable by its owner only (0700): the
    /// database holds server settings and its key file hashes user ids.
    /// Only the bot does this; reports never create anything.
    pub fn prepare(&self) -> Result<()> {
        let Database::StateDir(dir) = self else { return Ok(()) };
        if dir.is_dir() {
            return Ok(());
        }
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).with_context(|| {
            format!(
                "cannot create the data directory `{}` (set DATABASE_URL to put the database elsewhere)",
                dir.display()
            )
        })
    }
}

/// `DATABASE_URL`, else `stackpick.db` in the platform's state directory
/// (`$XDG_STATE_HOME/stackpick`, by default `~/.local/state/stackpick`, on
/// Linux), so the bot does not leave files wherever it happens to be started.
pub fn database() -> Database {
    match var("DATABASE_URL") {
        Some(url) => Database::Url(url),
        None => Database::StateDir(state_dir()),
    }
}

/// The platform's state directory for stackpick; the working directory when
/// the platform names none (no home directory).
pub fn state_dir() -> std::path::PathBuf {
    match directories::ProjectDirs::from("", "", "stackpick") {
        Some(dirs) => dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).to_path_buf(),
        None => std::path::PathBuf::from("."),
    }
}

/// The database URL ([`database`]).
pub fn database_url() -> String {
    database().url()
}

/// `LOG_RETENTION_DAYS`, default 90.
pub fn log_retention_days() -> Result<u32> {
    match var("LOG_RETENTION_DAYS") {
        None => Ok(90),
        Some(v) => match v.parse::<u32>() {
            Ok(d) if d >= 1 => Ok(d),
            _ => bail!("LOG_RETENTION_DAYS: `{v}` is not a number of days (1 or more)"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_never_prints() {
        let t = Token::new("MTIz.secret.value");
        assert_eq!(format!("{t:?}"), "Token(<redacted>)");
        assert_eq!(t.expose(), "MTIz.secret.value");
    }

    #[test]
    fn ids_are_checked() {
        assert_eq!(id("X", " 42 ").unwrap(), 42);
        assert!(id("X", "abc").unwrap_err().to_string().contains("X: `abc` is not a Discord id"));
        assert!(id("X", "0").is_err());
    }
}
