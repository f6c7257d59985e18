//! The configuration: every setting declared once, as a clap argument with its
//! environment variable, parsed and checked before anything starts.
//!
//! Each group below is flattened into the subcommands that read it, so a
//! subcommand's `--help` lists exactly the variables it uses. Values come from
//! the command line, the environment, or `.env` (loaded by `main`), in that
//! order. `.env.example` lists every variable, some left blank: a blank value
//! means "not set" — [`maybe`] and [`or_default`] read it so, rather than
//! the variables being deleted before parsing.
//!
//! Secrets (the bot token, the hashing key) are `secrecy` types: zeroed when
//! dropped, a placeholder in `Debug`, and `hide_env_values` keeps them out of
//! `--help`.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use secrecy::{ExposeSecret, Secret, SecretString};
use serenity::model::id::GuildId;

use crate::bot::Config;
pub use crate::discord::Token;

mod slack;
pub use slack::{SlackConfig, SlackRunConfig, SlackSecret, SlackServeConfig};

/// A setting that may be unset: from a missing flag, a missing variable, or a
/// blank one.
#[derive(Clone, PartialEq, Eq)]
pub struct Maybe<T>(Option<T>);

impl<T> Maybe<T> {
    pub fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }

    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

impl<T> Default for Maybe<T> {
    fn default() -> Self {
        Maybe(None)
    }
}

impl<T: fmt::Debug> fmt::Debug for Maybe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A value parser for a [`Maybe`] setting: blank is unset, anything else goes
/// through `parse`. Used with `default_value = ""` so that an absent setting
/// is parsed too.
pub fn maybe<T, E: fmt::Display>(
    parse: impl Fn(&str) -> Result<T, E> + Clone + Send + Sync + 'static,
) -> impl Fn(&str) -> Result<Maybe<T>, String> + Clone + Send + Sync + 'static {
    move |s: &str| {
        let s = s.trim();
        if s.is_empty() {
            Ok(Maybe(None))
        } else {
            parse(s).map(|v| Maybe(Some(v))).map_err(|e| e.to_string())
        }
    }
}

/// A value parser for a setting with a default: blank is the default (`default`
/// is also the argument's `default_value`, so `--help` shows it).
pub fn or_default<T, E: fmt::Display>(
    default: &'static str,
    parse: impl Fn(&str) -> Result<T, E> + Clone + Send + Sync + 'static,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    move |s: &str| {
        let s = if s.trim().is_empty() { default } else { s.trim() };
        parse(s).map_err(|e| e.to_string())
    }
}

/// A Discord id: a positive number.
pub fn snowflake(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("`{s}` is not a Discord id (a positive number)")),
    }
}

/// Comma-separated Discord channel ids.
fn channel_ids(s: &str) -> Result<Vec<u64>, String> {
    s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(snowflake).collect()
}

/// Seconds between answers: 0 (off) to 3600.
fn cooldown_secs(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if n <= 3600 => Ok(n),
        Ok(n) => Err(format!("COOLDOWN_SECS: {n} is more than an hour (3600)")),
        Err(_) => Err(format!("COOLDOWN_SECS: `{s}` is not a whole number of seconds")),
    }
}

/// Days to keep the question log: 1 or more.
fn retention_days(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(d) if d >= 1 => Ok(d),
        _ => Err(format!("LOG_RETENTION_DAYS: `{s}` is not a number of days (1 or more)")),
    }
}

/// On or off: `1`, `true`, `yes`, `on` / `0`, `false`, `no`, `off`.
fn switch(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("`{s}` is neither on (1, true, yes, on) nor off (0, false, no, off)")),
    }
}

fn text(s: &str) -> Result<String, String> {
    Ok(s.to_owned())
}

fn path(s: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(s))
}

fn address(s: &str) -> Result<SocketAddr, String> {
    s.parse().map_err(|_| format!("`{s}` is not an address like 127.0.0.1:8080"))
}

/// The key that hashes member ids, as given: a secret. It is checked when the
/// store is opened ([`StoreConfig::key_source`]) rather than by clap, whose
/// error messages quote the value they refuse.
#[derive(Clone)]
pub struct HashKey(SecretString);

impl HashKey {
    fn parse(s: &str) -> Result<HashKey, String> {
        Ok(HashKey(SecretString::new(s.trim().to_owned())))
    }

    /// The 32 bytes, or what is wrong with the text (never quoting it).
    pub fn bytes(&self) -> Result<Secret<[u8; 32]>> {
        let bytes = hex::decode(self.0.expose_secret()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
        bytes.map(Secret::new).with_context(|| {
            format!(
                "{}: must be 64 hex characters (32 bytes), like the output of `openssl rand -hex 32`",
                crate::store::HASH_KEY_VAR
            )
        })
    }
}

impl fmt::Debug for HashKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HashKey(<redacted>)")
    }
}

/// The Discord application: `run`, `register`, `invite`, and `serve` for its follow-ups.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Discord")]
pub struct DiscordConfig {
    /// The bot token (Developer Portal → Bot → Reset Token). Prefer the
    /// environment or .env: other users of the machine can read arguments.
    #[arg(long = "discord-token", env = "DISCORD_TOKEN", hide_env_values = true, value_name = "TOKEN",
          value_parser = maybe(Token::parse), default_value = "", hide_default_value = true)]
    pub token: Maybe<Token>,
    /// The application id [default: read from Discord with the token].
    #[arg(long = "application-id", env = "DISCORD_APPLICATION_ID", hide_env_values = true, value_name = "ID",
          value_parser = maybe(snowflake), default_value = "", hide_default_value = true)]
    pub application_id: Maybe<u64>,
    /// Register commands to this one server (instant) instead of globally.
    #[arg(long = "guild-id", alias = "guild", env = "DISCORD_GUILD_ID", hide_env_values = true, value_name = "ID",
          value_parser = maybe(snowflake), default_value = "", hide_default_value = true)]
    pub guild_id: Maybe<u64>,
    /// Send REST calls through a shared rate-limit proxy (its base URL).
    #[arg(long = "http-proxy", env = "DISCORD_HTTP_PROXY", hide_env_values = true, value_name = "URL",
          value_parser = maybe(text), default_value = "", hide_default_value = true)]
    pub http_proxy: Maybe<String>,
}

impl DiscordConfig {
    /// The token, or a message saying what to set.
    pub fn token(&self) -> Result<Token> {
        self.token.get().cloned().context(
            "DISCORD_TOKEN is not set: put your bot token in the environment or in .env (see .env.example). \
             To try stackpick without Discord, run `stackpick chat`.",
        )
    }

    /// The server to register commands to, if not globally.
    pub fn guild(&self) -> Option<GuildId> {
        self.guild_id.get().map(|&g| GuildId::new(g))
    }

    pub fn proxy(&self) -> Option<&str> {
        self.http_proxy.get().map(String::as_str)
    }
}

/// How the bot answers in chat: `run` and `serve`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Behaviour")]
pub struct BehaviourConfig {
    /// Seconds a member waits between answers (0: off; at most 3600).
    #[arg(long = "cooldown-secs", env = "COOLDOWN_SECS", hide_env_values = true, value_name = "SECONDS",
          value_parser = or_default("3", cooldown_secs), default_value = "3")]
    pub cooldown_secs: u64,
    /// Messages starting with this are questions [default: !ask; blank: off].
    #[arg(long = "ask-prefix", env = "ASK_PREFIX", hide_env_values = true, value_name = "PREFIX")]
    pub ask_prefix: Option<String>,
    /// Comma-separated channel ids where every message is read.
    #[arg(long = "answer-channel-ids", env = "ANSWER_CHANNEL_IDS", hide_env_values = true, value_name = "IDS",
          value_parser = maybe(channel_ids), default_value = "", hide_default_value = true)]
    pub answer_channel_ids: Maybe<Vec<u64>>,
    /// Ask for the Server Members intent from the start, before any server turns onboarding on.
    #[arg(long = "members-intent", env = "STACKPICK_MEMBERS_INTENT", hide_env_values = true, value_name = "on|off",
          action = clap::ArgAction::Set,
          value_parser = or_default("off", switch), default_value = "off")]
    pub members_intent: bool,
}

impl BehaviourConfig {
    /// The command layer's settings.
    pub fn bot_config(&self) -> Config {
        let prefix = match &self.ask_prefix {
            // Set but blank: the prefix is off.
            Some(p) => Some(p.trim().to_owned()).filter(|p| !p.is_empty()),
            None => Config::default().prefix,
        };
        let answer_channels: HashSet<String> =
            self.answer_channel_ids.get().into_iter().flatten().map(u64::to_string).collect();
        Config { cooldown: Duration::from_secs(self.cooldown_secs), prefix, answer_channels }
    }
}

/// Where settings and the question log are kept.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Storage")]
pub struct StoreConfig {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// 64 hex characters that hash member ids; every process of one bot needs the same
    /// (required with Postgres) [default: a key file beside a SQLite database].
    #[arg(long = "hash-key", env = "STACKPICK_HASH_KEY", hide_env_values = true, value_name = "HEX",
          value_parser = maybe(HashKey::parse), default_value = "", hide_default_value = true)]
    pub hash_key: Maybe<HashKey>,
    /// Question-log rows older than this many days are pruned.
    #[arg(long = "log-retention-days", env = "LOG_RETENTION_DAYS", hide_env_values = true, value_name = "DAYS",
          value_parser = or_default("90", retention_days), default_value = "90")]
    pub log_retention_days: u32,
}

impl StoreConfig {
    /// The database `run` and `serve` write and the reports read.
    pub fn database(&self) -> Database {
        self.database.database()
    }

    /// Where the store takes the hashing key from.
    pub fn key_source(&self) -> Result<crate::store::KeySource> {
        Ok(match self.hash_key.get() {
            Some(key) => crate::store::KeySource::Key(*key.bytes()?.expose_secret()),
            None => crate::store::KeySource::Beside,
        })
    }
}

/// The database alone: what the report commands read (they never create one,
/// nor need the key), and part of [`StoreConfig`].
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Storage")]
pub struct DatabaseConfig {
    /// A sqlite:// URL or a file path, or postgres://user:password@host/db for one database
    /// shared by many processes [default: $XDG_STATE_HOME/stackpick/stackpick.db].
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true, value_name = "URL",
          value_parser = maybe(text), default_value = "", hide_default_value = true)]
    pub database_url: Maybe<String>,
}

impl DatabaseConfig {
    /// `DATABASE_URL`, else `stackpick.db` in the platform's state directory.
    pub fn database(&self) -> Database {
        match self.database_url.get() {
            Some(url) => Database::Url(url.clone()),
            None => Database::StateDir(state_dir()),
        }
    }

    /// The URL (or path) the store opens.
    pub fn url(&self) -> String {
        self.database().url()
    }
}

/// The pack and the sentence model: every command that answers.
#[derive(Debug, Clone, clap::Args)]
pub struct PackConfig {
    /// The knowledge pack folder [default: ./knowledge if it has a pack.toml, else the pack built into this binary].
    #[arg(long, global = true, env = "STACKPICK_KNOWLEDGE", hide_env_values = true, value_name = "DIR",
          value_parser = maybe(path), default_value = "", hide_default_value = true)]
    pub knowledge: Maybe<PathBuf>,
    /// The sentence model: `on` (the shipped one), `off` (words only), or another model folder.
    #[arg(long, global = true, env = "STACKPICK_MODEL", hide_env_values = true, value_name = "on|off|DIR",
          value_parser = or_default("on", model_choice), default_value = "on")]
    pub model: crate::model::Choice,
}

fn model_choice(s: &str) -> Result<crate::model::Choice, String> {
    Ok(crate::model::Choice::parse(Some(std::ffi::OsStr::new(s))))
}

/// `serve`'s own settings.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Endpoint")]
pub struct ServeConfig {
    /// The application's public key (Developer Portal → General Information), to verify requests.
    #[arg(long = "public-key", env = "DISCORD_PUBLIC_KEY", hide_env_values = true, value_name = "HEX",
          value_parser = maybe(crate::serve::PublicKey::from_hex), default_value = "", hide_default_value = true)]
    pub public_key: Maybe<crate::serve::PublicKey>,
    /// The address to listen on.
    #[arg(long, env = "STACKPICK_ADDR", hide_env_values = true, value_name = "ADDR",
          value_parser = or_default("127.0.0.1:8080", address), default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
}

impl ServeConfig {
    pub fn public_key(&self) -> Result<crate::serve::PublicKey> {
        self.public_key.get().cloned().context(
            "DISCORD_PUBLIC_KEY is not set: copy the Public Key from the Developer Portal \
             (General Information) into the environment or .env",
        )
    }
}

/// Where `run --metrics-addr` serves `GET /metrics`.
pub fn metrics_address(s: &str) -> Result<SocketAddr, String> {
    address(s)
}

/// The database `run` and `serve` write and the reports read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// Named by `DATABASE_URL`: a `sqlite:` URL or a file path.
    Url(String),
    /// `stackpick.db` in this state directory (the default).
    StateDir(PathBuf),
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

/// The platform's state directory for stackpick (`$XDG_STATE_HOME/stackpick`,
/// by default `~/.local/state/stackpick`, on Linux), so the bot does not leave
/// files wherever it happens to be started; the working directory when the
/// platform names none (no home directory).
pub fn state_dir() -> PathBuf {
    match directories::ProjectDirs::from("", "", "stackpick") {
        Some(dirs) => dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).to_path_buf(),
        None => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let t = Token::parse("Bot MTIz.secret.value").unwrap();
        assert_eq!(format!("{t:?}"), "Token(<redacted>)");
        assert_eq!(t.expose(), "MTIz.secret.value");
        let k = HashKey::parse(&"ab".repeat(32)).unwrap();
        assert_eq!(format!("{k:?}"), "HashKey(<redacted>)");
        assert_eq!(*k.bytes().unwrap().expose_secret(), [0xAB; 32]);
        let wrong = HashKey::parse("abc-secret").unwrap().bytes().unwrap_err().to_string();
        assert!(wrong.contains("64 hex characters") && !wrong.contains("abc-secret"), "{wrong}");
    }

    /// Every parser, on what a person might put in `.env`.
    #[test]
    fn settings_are_checked_and_blank_means_unset() {
        let id = maybe(snowflake);
        assert_eq!(id(" 42 ").unwrap().into_inner(), Some(42));
        assert_eq!(id("").unwrap().into_inner(), None);
        assert_eq!(id("   ").unwrap().into_inner(), None);
        assert!(id("abc").unwrap_err().contains("`abc` is not a Discord id"));
        assert!(id("0").is_err());
        assert_eq!(maybe(channel_ids)("1, 2,,3").unwrap().into_inner(), Some(vec![1, 2, 3]));
        assert!(maybe(channel_ids)("1,x").is_err());
        let cooldown = or_default("3", cooldown_secs);
        assert_eq!((cooldown("").unwrap(), cooldown("0").unwrap(), cooldown("3600").unwrap()), (3, 0, 3600));
        assert!(cooldown("3601").unwrap_err().contains("more than an hour"));
        assert!(cooldown("-1").is_err());
        let days = or_default("90", retention_days);
        assert_eq!((days("").unwrap(), days("7").unwrap()), (90, 7));
        assert!(days("0").is_err());
        let on = or_default("off", switch);
        assert!(on("yes").unwrap() && on("ON").unwrap() && !on("").unwrap() && !on("0").unwrap());
        assert!(on("maybe").is_err());
        assert!(or_default("127.0.0.1:8080", address)("nope").unwrap_err().contains("not an address"));
        assert_eq!(or_default("127.0.0.1:8080", address)("").unwrap().port(), 8080);
    }
}
