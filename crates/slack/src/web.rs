//! The Slack Web API calls the bot makes, through slack-morphism's client:
//! posting an answer (`chat.postMessage`), replacing or deleting it when its
//! question is edited or deleted (`chat.update`, `chat.delete`), reacting (`reactions.add`) and
//! answering through an interaction's `response_url`.
//!
//! Slack's rate limits are kept by slack-morphism's rate controller, which
//! also retries a 429 after the `Retry-After` it names.
//!
//! The base URL is configurable (`SLACK_API_URL`) so the tests point the
//! real client at a fake Slack on 127.0.0.1; slack-morphism's own connector
//! speaks HTTPS only, so this one is built to allow plain HTTP as well.

use std::sync::Arc;

use anyhow::{Context as _, Result};
use secrecy::{ExposeSecret, SecretString};
use slack_morphism::prelude::*;

use crate::blocks::Rendered;

/// Slack's Web API, as the bot uses it.
#[derive(Clone)]
pub struct Web {
    client: Arc<SlackClient<SlackClientHyperHttpsConnector>>,
    token: Arc<SecretString>,
}

impl std::fmt::Debug for Web {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Web(..)")
    }
}

/// The Web API's address in production.
pub const SLACK_API_URL: &str = "https://slack.com/api";

impl Web {
    /// A client for the Web API at `api_url` with the bot token (`xoxb-…`).
    pub fn new(api_url: &str, token: SecretString) -> Result<Web> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        // Slack's rate tiers kept, and a 429 retried after its Retry-After (three times at most).
        let rate_control = SlackApiRateControlConfig::new().with_max_retries(3);
        let connector = SlackClientHyperConnector::from(https)
            .with_slack_api_url(api_url.trim_end_matches('/'))
            .with_rate_control(rate_control);
        Ok(Web { client: Arc::new(SlackClient::new(connector)), token: Arc::new(token) })
    }

    /// The same client (connections, rate limits) with another workspace's token.
    pub fn with_token(&self, token: SecretString) -> Web {
        Web { client: self.client.clone(), token: Arc::new(token) }
    }

    /// Exchanges an OAuth code for a workspace's bot token (`oauth.v2.access`).
    pub async fn oauth_access(
        &self,
        oauth: &crate::oauth::OAuth,
        code: &str,
    ) -> Result<SlackOAuthV2AccessTokenResponse> {
        let mut request = SlackOAuthV2AccessTokenRequest::new(
            SlackClientId::new(oauth.client_id.clone()),
            SlackClientSecret::new(oauth.client_secret.expose_secret().clone()),
            SlackOAuthCode::new(code.to_owned()),
        );
        request.redirect_uri = oauth.redirect_url.clone();
        self.client.oauth2_access(&request).await.context("oauth.v2.access failed")
    }

    fn token(&self) -> SlackApiToken {
        SlackApiToken::new(SlackApiTokenValue::new(self.token.expose_secret().clone()))
    }

    /// Posts a message in a channel (under `thread`, when given), links not
    /// unfurled; returns the posted message's `ts`, its id in the channel.
    pub async fn post(&self, channel: &str, thread: Option<&str>, message: Rendered) -> Result<String> {
        let content = content(message)?;
        let mut request = SlackApiChatPostMessageRequest::new(channel.into(), content);
        request.thread_ts = thread.map(|t| SlackTs::new(t.to_owned()));
        request.unfurl_links = Some(false);
        request.unfurl_media = Some(false);
        let token = self.token();
        let posted =
            self.client.open_session(&token).chat_post_message(&request).await.context("chat.postMessage failed")?;
        Ok(posted.ts.0)
    }

    /// Replaces a message the bot posted (`chat.update`): the answer to a
    /// question that was edited.
    pub async fn update(&self, channel: &str, ts: &str, message: Rendered) -> Result<()> {
        let request = SlackApiChatUpdateRequest::new(channel.into(), content(message)?, SlackTs::new(ts.to_owned()));
        let token = self.token();
        self.client.open_session(&token).chat_update(&request).await.context("chat.update failed")?;
        Ok(())
    }

    /// Deletes a message the bot posted (`chat.delete`): the answer to a
    /// question that was deleted.
    pub async fn delete(&self, channel: &str, ts: &str) -> Result<()> {
        let request = SlackApiChatDeleteRequest::new(channel.into(), SlackTs::new(ts.to_owned()));
        let token = self.token();
        self.client.open_session(&token).chat_delete(&request).await.context("chat.delete failed")?;
        Ok(())
    }

    /// Adds a reaction (by emoji name) to a message.
    pub async fn react(&self, channel: &str, ts: &str, name: &str) -> Result<()> {
        let request =
            SlackApiReactionsAddRequest::new(channel.into(), SlackReactionName::new(name.to_owned()), ts.into());
        let token = self.token();
        self.client.open_session(&token).reactions_add(&request).await.context("reactions.add failed")?;
        Ok(())
    }

    /// Answers an interaction through its `response_url` (seen by the presser only).
    pub async fn respond(&self, response_url: &str, message: Rendered) -> Result<()> {
        self.webhook(response_url, SlackApiPostWebhookMessageRequest::new(content(message)?)).await
    }

    /// Posts to an interaction's `response_url`.
    async fn webhook(&self, response_url: &str, request: SlackApiPostWebhookMessageRequest) -> Result<()> {
        let url: url::Url = response_url.parse().context("the response_url is not a URL")?;
        self.client.respond_to_event(&SlackResponseUrl(url), &request).await.context("response_url failed")?;
        Ok(())
    }
}

impl Web {
    /// Replaces the message a `response_url` belongs to (a slash command's
    /// "working on it") with `message`.
    pub async fn replace(&self, response_url: &str, message: Rendered) -> Result<()> {
        let mut request = SlackApiPostWebhookMessageRequest::new(content(message)?);
        request.replace_original = Some(true);
        self.webhook(response_url, request).await
    }

    /// Deletes the message an interaction came from, through its `response_url`.
    pub async fn delete_original(&self, response_url: &str) -> Result<()> {
        let mut request = SlackApiPostWebhookMessageRequest::new(SlackMessageContent::new());
        request.delete_original = Some(true);
        self.webhook(response_url, request).await
    }
}

impl Web {
    /// Whether a user is a workspace admin or owner (`users.info`), which is
    /// what Slack's settings and reports ask for.
    pub async fn is_admin(&self, user: &str) -> Result<bool> {
        let token = self.token();
        let request = SlackApiUsersInfoRequest::new(user.into());
        let info = self.client.open_session(&token).users_info(&request).await.context("users.info failed")?;
        let f = info.user.flags;
        Ok([f.is_admin, f.is_owner, f.is_primary_owner].into_iter().any(|x| x == Some(true)))
    }
}

impl Web {
    /// A Socket Mode websocket address, opened with the app-level token (`xapp-…`).
    pub async fn open_socket(&self, app_token: &SecretString) -> Result<String> {
        let token = SlackApiToken::new(SlackApiTokenValue::new(app_token.expose_secret().clone()));
        let request = SlackApiAppsConnectionOpenRequest::new();
        let opened = self.client.open_session(&token).apps_connections_open(&request).await;
        Ok(opened.context("apps.connections.open failed")?.url.value().to_string())
    }
}

impl Web {
    /// Publishes a user's App Home tab.
    pub async fn publish_home(&self, user: &str, blocks: Vec<serde_json::Value>) -> Result<()> {
        let view = view(serde_json::json!({"type": "home", "blocks": blocks}))?;
        let request = SlackApiViewsPublishRequest::new(user.into(), view);
        let token = self.token();
        self.client.open_session(&token).views_publish(&request).await.context("views.publish failed")?;
        Ok(())
    }

    /// Opens a modal for the user who just acted (`trigger_id`).
    pub async fn open_modal(&self, trigger_id: &str, modal: serde_json::Value) -> Result<()> {
        let request = SlackApiViewsOpenRequest::new(SlackTriggerId::new(trigger_id.to_owned()), view(modal)?);
        let token = self.token();
        self.client.open_session(&token).views_open(&request).await.context("views.open failed")?;
        Ok(())
    }
}

/// A view (Home tab, modal) as slack-morphism's typed view.
fn view(json: serde_json::Value) -> Result<SlackView> {
    serde_json::from_value(json).context("a view Slack's types cannot read")
}

/// Rendered blocks as slack-morphism's typed message content.
pub fn content(message: Rendered) -> Result<SlackMessageContent> {
    let blocks: Vec<SlackBlock> =
        serde_json::from_value(serde_json::Value::Array(message.blocks)).context("blocks Slack's types cannot read")?;
    Ok(SlackMessageContent::new().with_text(message.text).with_blocks(blocks))
}
