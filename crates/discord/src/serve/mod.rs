//! `stackpick serve`: the HTTP interactions endpoint (axum).
//!
//! Discord can POST interactions to an "Interactions Endpoint URL" instead of
//! the gateway. This adapter verifies the Ed25519 signature before reading
//! anything, reads the `Interaction` through [`crate::discord`] for the same
//! [`Bot`] the gateway uses, and answers in the HTTP response body. It keeps no connection and no per-replica
//! state beyond cooldowns, so replicas scale behind any load balancer.

mod connections;

pub use connections::Limits;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serenity::all::{Http, Interaction};
use serenity::interactions_endpoint::Verifier;

use crate::bot::reply::{Message, Response as BotResponse};
use crate::bot::{Bot, NoDirectory};
use crate::Parsed;

/// The largest request body accepted; Discord's interactions are far smaller.
pub const MAX_BODY: usize = 64 * 1024;

/// The application's public key, parsed once at start. Checking a signature is
/// serenity's [`Verifier`]; it sits behind [`PublicKey::verify`] alone, so a
/// faster verifier (ed25519-dalek 3) would be a change to that one function.
#[derive(Clone)]
pub struct PublicKey(Verifier);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublicKey(..)")
    }
}

impl PublicKey {
    /// Parses the hex key from the Developer Portal (General Information → Public Key).
    pub fn from_hex(hex_key: &str) -> Result<PublicKey> {
        let bytes = hex::decode(hex_key.trim()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()).context(
            "DISCORD_PUBLIC_KEY must be 64 hex characters (Developer Portal → General Information → Public Key)",
        )?;
        let verifier = Verifier::try_new(bytes)
            .map_err(|e| anyhow::anyhow!("DISCORD_PUBLIC_KEY is not a valid Ed25519 public key ({e})"))?;
        Ok(PublicKey(verifier))
    }

    /// Whether `signature` (hex) signs `timestamp` followed by `body`. Only hex
    /// digits count as a signature: serenity's parser would also take a `+`
    /// sign inside a byte (`+f` for `0f`), a second spelling of the same bytes.
    pub fn verify(&self, signature_hex: &str, timestamp: &str, body: &[u8]) -> bool {
        signature_hex.bytes().all(|b| b.is_ascii_hexdigit()) && self.0.verify(signature_hex, timestamp, body).is_ok()
    }
}

/// What the endpoint shares between requests.
pub struct AppState {
    pub bot: Arc<Bot>,
    pub key: PublicKey,
    /// For follow-up actions (deleting a message, posting a reply); `None` when
    /// the server runs with the public key alone.
    pub http: Option<Arc<Http>>,
}

/// The endpoint's routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/interactions", post(interactions))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

fn json(body: Vec<u8>) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("static response parts are valid")
}

async fn interactions(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    // Authenticity first: nothing in the body is read before the signature checks out.
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (header("x-signature-ed25519"), header("x-signature-timestamp")) else {
        return plain(StatusCode::UNAUTHORIZED, "missing request signature");
    };
    if !state.key.verify(signature, timestamp, &body) {
        return plain(StatusCode::UNAUTHORIZED, "invalid request signature");
    }
    // A correctly signed request from long ago (or from the future) is a replay.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    if !within_replay_window(timestamp, now) {
        return plain(StatusCode::UNAUTHORIZED, "request timestamp is more than 5 minutes from now");
    }

    // Peek at the type alone (cheap), then read the interaction straight from the bytes.
    #[derive(serde::Deserialize)]
    struct Peek {
        #[serde(rename = "type")]
        kind: Option<u64>,
    }
    let peek: Peek = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(_) => return plain(StatusCode::BAD_REQUEST, "body is not JSON"),
    };
    match peek.kind {
        None => return plain(StatusCode::BAD_REQUEST, "not an interaction: no type"),
        // Exactly what Discord's endpoint check expects.
        Some(1) => return json(br#"{"type":1}"#.to_vec()),
        Some(2..=5) => {}
        Some(_) => return plain(StatusCode::BAD_REQUEST, "unknown interaction type"),
    }
    let interaction: Interaction = match serde_json::from_slice(&body) {
        Ok(i) => i,
        Err(_) => return plain(StatusCode::BAD_REQUEST, "not an interaction Discord would send"),
    };

    crate::metrics::get().interaction(crate::metrics::Face::Http);
    let parsed = crate::parse::interaction(&interaction);
    let mut reply = if crate::bot::may_wait(&parsed.request) {
        let private = crate::bot::defers_privately(&parsed.request);
        match answer_or_defer(&state, &interaction, parsed).await {
            Some(reply) => reply,
            None => {
                return json(crate::rest::deferred_response(private).to_string().into_bytes());
            }
        }
    } else {
        crate::answer(&state.bot, &parsed, &NoDirectory).await
    };
    if !reply.effects.is_empty() {
        match &state.http {
            Some(http) => {
                let (http, effects) = (http.clone(), std::mem::take(&mut reply.effects));
                tokio::spawn(async move { crate::rest::run_effects(&http, effects).await });
            }
            None => {
                tracing::warn!("an action needs DISCORD_TOKEN, which this server does not have");
                reply.response = crate::build::response(&BotResponse::Message(Message::notice(
                    "I can't do that from here: this server runs without the bot token (DISCORD_TOKEN).",
                )));
            }
        }
    }
    match serde_json::to_vec(&reply.response) {
        Ok(body) => json(body),
        Err(e) => {
            tracing::error!(error = %e, "response did not serialise");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

/// `GET /metrics`: the process's counters for Prometheus.
pub async fn metrics() -> Response {
    ([(axum::http::header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], crate::metrics::get().render()).into_response()
}

/// Runs a reply that waits on the database in a task of its own: `Some` when
/// it is ready within [`crate::DEFER_AFTER`], else `None` (answer "thinking…"
/// in the body) while the task edits the original response when it is done.
async fn answer_or_defer(state: &Arc<AppState>, interaction: &Interaction, parsed: Parsed) -> Option<crate::Reply> {
    let token = match interaction {
        Interaction::Command(c) => c.token.clone(),
        _ => String::new(),
    };
    let application = interaction.application_id();
    let bot = state.bot.clone();
    let mut task = tokio::spawn(async move { crate::answer(&bot, &parsed, &NoDirectory).await });
    match tokio::time::timeout(crate::DEFER_AFTER, &mut task).await {
        Ok(Ok(reply)) => return Some(reply),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the reply task failed");
            let notice = Message::notice("Something went wrong; please try again.");
            return Some(crate::bot::Reply::from(notice).into());
        }
        Err(_) => {}
    }
    // Editing the original response needs no bot token, only the application id.
    let http = state.http.clone().unwrap_or_else(|| Arc::new(Http::new("")));
    http.set_application_id(application);
    tokio::spawn(async move {
        let Ok(reply) = task.await else { return };
        match serde_json::to_value(&reply.response) {
            Ok(value) => {
                if let Err(e) = crate::rest::edit_original(&http, &token, &value).await {
                    tracing::warn!(error = %e, "editing the deferred response failed");
                }
            }
            Err(e) => tracing::error!(error = %e, "response did not serialise"),
        }
        if !reply.effects.is_empty() && state_has_token(&http) {
            crate::rest::run_effects(&http, reply.effects).await;
        }
    });
    None
}

fn state_has_token(http: &Http) -> bool {
    !http.token().trim_start_matches("Bot ").is_empty()
}

/// Binds the address; done before anything else starts (the database
/// among them), so a busy port fails without side effects.
pub async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))
}

/// How far a request's `X-Signature-Timestamp` may be from now, either way.
pub const REPLAY_WINDOW_SECS: i64 = 300;

/// Whether a signed timestamp (Unix seconds) is within the replay window of `now`.
fn within_replay_window(timestamp: &str, now: i64) -> bool {
    timestamp.trim().parse::<i64>().is_ok_and(|t| (now - t).abs() <= REPLAY_WINDOW_SECS)
}

/// Serves until SIGINT/SIGTERM, then finishes the requests in flight.
///
/// Connections get a header-read timeout, an idle timeout and a cap sized to
/// the open-file limit (raised to the hard limit first): see [`Limits`].
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> Result<()> {
    let limits = Limits::for_this_process();
    tracing::info!(addr = %listener.local_addr()?, "serving interactions at POST /interactions");
    connections::serve(listener, router(state), limits, crate::shutdown_signal())
        .await
        .context("the HTTP server failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_keys_are_clear_errors() {
        for bad in ["", "zz", "abcd", &"0".repeat(63), &"g".repeat(64)] {
            let e = PublicKey::from_hex(bad).unwrap_err().to_string();
            assert!(e.contains("DISCORD_PUBLIC_KEY"), "{e}");
        }
    }

    #[test]
    fn a_signature_is_its_hex_spelling_only() {
        use ed25519_dalek::Signer;
        let signing = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let key = PublicKey::from_hex(&hex::encode(signing.verifying_key().to_bytes())).unwrap();
        let sig = hex::encode(signing.sign(b"1700000000{}").to_bytes());
        assert!(key.verify(&sig, "1700000000", b"{}"));
        assert!(!key.verify(&sig, "1700000001", b"{}"), "another timestamp");
        assert!(!key.verify(&sig, "1700000000", b"{ }"), "another body");
        // The same bytes with a sign in place of a leading zero ("0f" as "+f").
        let at = (0..sig.len()).step_by(2).find(|&i| sig.as_bytes()[i] == b'0').expect("a byte below 0x10");
        let mut signed = sig.clone();
        signed.replace_range(at..at + 1, "+");
        assert!(!key.verify(&signed, "1700000000", b"{}"));
    }
}
