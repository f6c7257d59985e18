//! The Slack app's settings: credentials (secrets that never print), the Web
//! API's address, and what `slack serve` and `slack run` each need.

use std::fmt;
use std::net::SocketAddr;

use anyhow::{Context, Result};
use secrecy::SecretString;

use super::{address, maybe, or_default, Maybe};

/// A Slack credential (the signing secret, the bot token): `Debug` prints a
/// placeholder and there is no `Display`.
#[derive(Clone)]
pub struct SlackSecret(SecretString);

impl SlackSecret {
    fn parse(s: &str) -> Result<SlackSecret, String> {
        Ok(SlackSecret(SecretString::new(s.trim().to_owned())))
    }

    /// The secret itself, for the verifier and the Web API client only.
    pub fn secret(&self) -> SecretString {
        self.0.clone()
    }
}

impl fmt::Debug for SlackSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SlackSecret(<redacted>)")
    }
}

/// A Web API base URL: `http(s)://…`.
fn api_url(s: &str) -> Result<String, String> {
    match s.split_once("://") {
        Some(("https" | "http", rest)) if !rest.is_empty() => Ok(s.trim_end_matches('/').to_owned()),
        _ => Err(format!("`{s}` is not an http(s) URL like https://slack.com/api")),
    }
}

/// The Slack app: `slack serve` and `slack run`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Slack")]
pub struct SlackConfig {
    /// The Bot User OAuth Token (`xoxb-…`, OAuth & Permissions), to answer mentions, DMs and buttons.
    #[arg(long = "bot-token", env = "SLACK_BOT_TOKEN", hide_env_values = true, value_name = "TOKEN",
          value_parser = maybe(SlackSecret::parse), default_value = "", hide_default_value = true)]
    pub bot_token: Maybe<SlackSecret>,
    /// Slack's Web API (a fake one in tests).
    #[arg(long = "slack-api-url", env = "SLACK_API_URL", value_name = "URL",
          value_parser = or_default("https://slack.com/api", api_url), default_value = "https://slack.com/api")]
    pub api_url: String,
}

/// `slack serve`'s own settings: the Events API over HTTP.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Slack endpoint")]
pub struct SlackServeConfig {
    /// The app's Signing Secret (api.slack.com/apps → your app → Basic Information), to verify requests.
    #[arg(long = "signing-secret", env = "SLACK_SIGNING_SECRET", hide_env_values = true, value_name = "SECRET",
          value_parser = maybe(SlackSecret::parse), default_value = "", hide_default_value = true)]
    pub signing_secret: Maybe<SlackSecret>,
    /// The address to listen on (`POST /slack/events`).
    #[arg(long, env = "STACKPICK_SLACK_ADDR", hide_env_values = true, value_name = "ADDR",
          value_parser = or_default("127.0.0.1:3000", address), default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
}

/// `slack run`'s own settings: Socket Mode.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Slack Socket Mode")]
pub struct SlackRunConfig {
    /// An app-level token (`xapp-…`, Basic Information → App-Level Tokens, scope connections:write).
    #[arg(long = "app-token", env = "SLACK_APP_TOKEN", hide_env_values = true, value_name = "TOKEN",
          value_parser = maybe(SlackSecret::parse), default_value = "", hide_default_value = true)]
    pub app_token: Maybe<SlackSecret>,
}

impl SlackRunConfig {
    pub fn app_token(&self) -> Result<SlackSecret> {
        self.app_token.get().cloned().context(
            "SLACK_APP_TOKEN is not set: create an app-level token with connections:write \
             (your app's Basic Information → App-Level Tokens) and put it in the environment or .env",
        )
    }
}

impl SlackConfig {
    /// The Web API client, when the bot token is set.
    pub fn web(&self) -> Result<Option<stackpick_slack::web::Web>> {
        self.bot_token.get().map(|t| stackpick_slack::web::Web::new(&self.api_url, t.secret())).transpose()
    }
}

impl SlackServeConfig {
    pub fn signing_secret(&self) -> Result<SlackSecret> {
        self.signing_secret.get().cloned().context(
            "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your app's Basic Information \
             (api.slack.com/apps) into the environment or .env",
        )
    }
}
