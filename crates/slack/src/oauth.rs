//! Installing the app in many workspaces: Slack's OAuth v2 flow.
//!
//! `GET /slack/install` sends the browser to Slack's consent page with a
//! `state` that only this deployment can make (a timestamp and a random
//! nonce, signed with HMAC-SHA256 under the client secret) and sets the same
//! state in a cookie, so a consent started in another browser cannot be
//! completed in this one. `GET /slack/oauth_redirect` checks both (the
//! state at most ten minutes old), exchanges the code for the workspace's bot
//! token (`oauth.v2.access`) and keeps it in the store, sealed
//! ([`stackpick_store::Installs`]). Events, commands and presses from that
//! workspace are then answered with its own token; `app_uninstalled` and
//! `tokens_revoked` remove it at once and start the same 7-day grace before the
//! workspace's data is deleted as for a Discord server that removes the bot.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use stackpick_store::{Install, Server};

use crate::serve::AppState;

/// Where Slack asks the installing user for consent.
pub const AUTHORIZE_URL: &str = "https://slack.com/oauth/v2/authorize";

/// The bot scopes the app asks for: the same as `slack/manifest.yml`.
pub const SCOPES: &str = "app_mentions:read,channels:history,chat:write,commands,im:history,reactions:write,users:read";

/// How long a consent may take, from the install link to the redirect.
pub const STATE_VALID: Duration = Duration::from_secs(600);

/// The cookie that ties the redirect to the browser that started the install.
const COOKIE: &str = "stackpick_oauth_state";

/// The app's OAuth credentials (Basic Information → App Credentials).
#[derive(Clone)]
pub struct OAuth {
    pub client_id: String,
    pub client_secret: SecretString,
    /// The redirect URL registered with the app; `None`: the one Slack has.
    pub redirect_url: Option<url::Url>,
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

impl OAuth {
    fn mac(&self, text: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.client_secret.expose_secret().as_bytes())
            .expect("HMAC takes any key length");
        mac.update(b"stackpick oauth state v1:");
        mac.update(text.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A fresh state: `timestamp.nonce.signature`.
    pub fn new_state(&self, now: i64) -> anyhow::Result<String> {
        let mut nonce = [0u8; 16];
        getrandom::getrandom(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness for the OAuth state: {e}"))?;
        let signed = format!("{now}.{}", hex::encode(nonce));
        Ok(format!("{signed}.{}", self.mac(&signed)))
    }

    /// Whether `state` was made here, no more than [`STATE_VALID`] before `now`.
    pub fn state_is_valid(&self, state: &str, now: i64) -> bool {
        let Some((signed, signature)) = state.rsplit_once('.') else { return false };
        let Some(Ok(at)) = signed.split_once('.').map(|(ts, _)| ts.parse::<i64>()) else { return false };
        let fresh = (0..=STATE_VALID.as_secs() as i64).contains(&(now - at));
        let expected = self.mac(signed);
        // Constant time: compare every byte whatever the first difference.
        let same = expected.len() == signature.len()
            && expected.bytes().zip(signature.bytes()).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0;
        fresh && same
    }

    /// Slack's consent page for this app, carrying `state`.
    pub fn authorize_url(&self, state: &str) -> String {
        let mut url = url::Url::parse(AUTHORIZE_URL).expect("a constant URL");
        url.query_pairs_mut().append_pair("client_id", &self.client_id).append_pair("scope", SCOPES);
        if let Some(redirect) = &self.redirect_url {
            url.query_pairs_mut().append_pair("redirect_uri", redirect.as_str());
        }
        url.query_pairs_mut().append_pair("state", state);
        url.into()
    }
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let body = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>{t}</title><h1>{t}</h1><p>{x}</p>",
        t = escape(title),
        x = escape(text)
    );
    (status, Html(body)).into_response()
}

/// `GET /slack/install`: to Slack's consent page, with a fresh state.
pub(crate) async fn install(State(state): State<std::sync::Arc<AppState>>) -> Response {
    let Some(oauth) = &state.oauth else {
        return page(StatusCode::NOT_FOUND, "Not installable here", "This deployment has no Slack OAuth credentials.");
    };
    let Ok(oauth_state) = oauth.new_state(stackpick_store::now()) else {
        return page(StatusCode::INTERNAL_SERVER_ERROR, "Try again", "Could not start the install; try again.");
    };
    let cookie = format!(
        "{COOKIE}={oauth_state}; Path=/slack; Max-Age={}; HttpOnly; Secure; SameSite=Lax",
        STATE_VALID.as_secs()
    );
    (StatusCode::FOUND, [(header::LOCATION, oauth.authorize_url(&oauth_state)), (header::SET_COOKIE, cookie)])
        .into_response()
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct Redirect {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn cookie_state(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('=').map(str::to_owned))
}

/// `GET /slack/oauth_redirect`: the workspace's token exchanged and kept.
pub(crate) async fn redirect(
    State(state): State<std::sync::Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<Redirect>,
) -> Response {
    let Some(oauth) = &state.oauth else {
        return page(StatusCode::NOT_FOUND, "Not installable here", "This deployment has no Slack OAuth credentials.");
    };
    if let Some(error) = &query.error {
        let text = format!("Slack says: {error}. Nothing was installed; you can start again from the install link.");
        return page(StatusCode::BAD_REQUEST, "Not installed", &text);
    }
    let (Some(code), Some(given)) = (&query.code, &query.state) else {
        return page(StatusCode::BAD_REQUEST, "Not installed", "The link is missing its code or state.");
    };
    let from_this_browser = cookie_state(&headers).is_some_and(|c| c == *given);
    if !from_this_browser || !oauth.state_is_valid(given, stackpick_store::now()) {
        return page(
            StatusCode::BAD_REQUEST,
            "Not installed",
            "This install link has expired or was started in another browser; start again from the install link.",
        );
    }
    let Some(web) = state.api() else {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Not installed",
            "This deployment cannot reach Slack's Web API.",
        );
    };
    let granted = match web.oauth_access(oauth, code).await {
        Ok(granted) => granted,
        Err(e) => {
            tracing::warn!(error = %e, "oauth.v2.access failed");
            return page(StatusCode::BAD_GATEWAY, "Not installed", "Slack did not accept the code; start again.");
        }
    };
    let team = granted.team.id.0.clone();
    let name = granted.team.name.clone().unwrap_or_else(|| team.clone());
    let Some(bot_user) = granted.bot_user_id.map(|u| u.0) else {
        return page(StatusCode::BAD_GATEWAY, "Not installed", "Slack granted no bot token; start again.");
    };
    let install =
        Install { team: team.clone(), bot_token: SecretString::new(granted.access_token.0.clone()), bot_user };
    if let Err(e) = state.bot.store().save_install(&install).await {
        tracing::warn!(error = %e, %team, "the installation was not saved");
        let text = match e {
            stackpick_store::StoreError::NotKept => "This deployment runs without a database, so it cannot keep \
                                                     an installation; its operator must set DATABASE_URL."
                .to_owned(),
            _ => "The installation could not be saved; try again in a few minutes.".to_owned(),
        };
        return page(StatusCode::SERVICE_UNAVAILABLE, "Not installed", &text);
    }
    state.bot.server_present(&Server::new(stackpick_store::Platform::Slack, team.clone())).await;
    tracing::info!(%team, "installed in a Slack workspace");
    page(
        StatusCode::OK,
        "stackpick is installed",
        &format!("stackpick is installed in {name}. Mention @stackpick or type /stackpick in any channel."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth() -> OAuth {
        OAuth { client_id: "123.456".into(), client_secret: SecretString::new("shh".into()), redirect_url: None }
    }

    #[test]
    fn a_state_is_valid_here_for_ten_minutes_and_nowhere_else() {
        let o = oauth();
        let s = o.new_state(1_000_000).unwrap();
        assert!(o.state_is_valid(&s, 1_000_000));
        assert!(o.state_is_valid(&s, 1_000_600));
        assert!(!o.state_is_valid(&s, 1_000_601), "expired");
        assert!(!o.state_is_valid(&s, 999_999), "from the future");
        let other = OAuth { client_secret: SecretString::new("other".into()), ..oauth() };
        assert!(!other.state_is_valid(&s, 1_000_000), "another deployment's");
        let forged = s.replacen("1000000", "1000300", 1);
        assert!(!o.state_is_valid(&forged, 1_000_300), "a changed timestamp");
        assert!(!o.state_is_valid("", 0) && !o.state_is_valid("a.b", 0) && !o.state_is_valid("1.2.3", 1));
    }

    #[test]
    fn the_consent_page_asks_for_the_manifests_scopes() {
        let url = oauth().authorize_url("S");
        assert!(url.starts_with("https://slack.com/oauth/v2/authorize?client_id=123.456&scope="), "{url}");
        assert!(url.ends_with("&state=S"), "{url}");
        let manifest =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../slack/manifest.yml")).unwrap();
        for scope in SCOPES.split(',') {
            assert!(manifest.contains(&format!("- {scope}\n")), "{scope} is in the manifest");
        }
    }
}
