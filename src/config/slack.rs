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

fn text_value(s: &str) -> Result<String, String> {
    Ok(s.trim().to_owned())
}

/// The OAuth redirect: an https URL (http only for a local address, in tests).
fn redirect_url(s: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(s.trim()).map_err(|e| format!("SLACK_REDIRECT_URL `{s}` is not a URL: {e}"))?;
    let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost"));
    match url.scheme() {
        "https" => Ok(url),
        "http" if local => Ok(url),
        _ => Err(format!("SLACK_REDIRECT_URL `{s}` must be https (Slack refuses other redirects)")),
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
    /// The app's Client ID (Basic Information → App Credentials), to install it in many workspaces
    /// (`GET /slack/install`); with SLACK_CLIENT_SECRET.
    #[arg(long = "client-id", env = "SLACK_CLIENT_ID", hide_env_values = true, value_name = "ID",
          value_parser = maybe(text_value), default_value = "", hide_default_value = true)]
    pub client_id: Maybe<String>,
    /// The app's Client Secret, for the OAuth install.
    #[arg(long = "client-secret", env = "SLACK_CLIENT_SECRET", hide_env_values = true, value_name = "SECRET",
          value_parser = maybe(SlackSecret::parse), default_value = "", hide_default_value = true)]
    pub client_secret: Maybe<SlackSecret>,
    /// The OAuth redirect URL registered with the app (…/slack/oauth_redirect) [default: the app's only one].
    #[arg(long = "redirect-url", env = "SLACK_REDIRECT_URL", hide_env_values = true, value_name = "URL",
          value_parser = maybe(redirect_url), default_value = "", hide_default_value = true)]
    pub redirect_url: Maybe<url::Url>,
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

    /// A Web API client for workspaces' own tokens (OAuth installs): the bot
    /// token's client when there is one, else one with no token of its own.
    pub fn api(&self) -> Result<stackpick_slack::web::Web> {
        let token = self.bot_token.get().map_or_else(|| SecretString::new(String::new()), SlackSecret::secret);
        stackpick_slack::web::Web::new(&self.api_url, token)
    }
}

impl SlackServeConfig {
    /// The OAuth install's credentials: both or neither.
    pub fn oauth(&self) -> Result<Option<stackpick_slack::oauth::OAuth>> {
        match (self.client_id.get(), self.client_secret.get()) {
            (Some(id), Some(secret)) => Ok(Some(stackpick_slack::oauth::OAuth {
                client_id: id.clone(),
                client_secret: secret.secret(),
                redirect_url: self.redirect_url.get().cloned(),
            })),
            (None, None) => Ok(None),
            (Some(_), None) => anyhow::bail!(
                "SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not: the OAuth install needs both \
                 (Basic Information → App Credentials)"
            ),
            (None, Some(_)) => anyhow::bail!(
                "SLACK_CLIENT_SECRET is set but SLACK_CLIENT_ID is not: the OAuth install needs both \
                 (Basic Information → App Credentials)"
            ),
        }
    }

    pub fn signing_secret(&self) -> Result<SlackSecret> {
        self.signing_secret.get().cloned().context(
            "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your app's Basic Information \
             (api.slack.com/apps) into the environment or .env",
        )
    }
}
