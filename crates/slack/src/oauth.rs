//! Installing the app in many workspaces: Slack's OAuth v2 flow. This module
//! holds its parts (the signed state, the consent URL, the cookie, the pages);
//! the endpoint (`serve.rs`) routes them.
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

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

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

/// A short HTML page for the installing user.
pub(crate) fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let body = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>{t}</title><h1>{t}</h1><p>{x}</p>",
        t = escape(title),
        x = escape(text)
    );
    (status, Html(body)).into_response()
}

/// The query Slack's redirect carries: the code, or the error, and the state.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Redirect {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// The cookie that sets `state` in the installing browser.
pub(crate) fn state_cookie(state: &str) -> String {
    format!("{COOKIE}={state}; Path=/slack; Max-Age={}; HttpOnly; Secure; SameSite=Lax", STATE_VALID.as_secs())
}

/// The state the installing browser's cookie holds.
pub(crate) fn cookie_state(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('=').map(str::to_owned))
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
