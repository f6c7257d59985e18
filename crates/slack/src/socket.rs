//! `stackpick slack run`: Socket Mode, for servers without a public URL.
//!
//! The bot opens a websocket with the app-level token (`apps.connections.open`
//! through slack-morphism's client) and receives the same payloads the HTTP
//! endpoint does, wrapped in envelopes it acknowledges by `envelope_id`.
//!
//! slack-morphism has a Socket Mode listener too, but it hands its callbacks
//! typed events (`SlackPushEventCallback`, `SlackCommandEvent`, …), while the
//! HTTP face reads the raw payloads with [`crate::parse`]. Reading Socket
//! Mode's raw envelopes here keeps one parser and one set of handlers for
//! both transports (`crate::serve::on_event`, `interactive_reply`, `slash_reply`);
//! only the websocket itself is this module's.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use futures_util::{SinkExt, StreamExt};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Ws;

use crate::parse::{Envelope, Payload, SlashCommand};
use crate::serve::{interactive_reply, on_event, slash_reply, AppState};

/// One Socket Mode envelope.
#[derive(Debug, Deserialize)]
struct SocketEnvelope {
    #[serde(rename = "type")]
    kind: String,
    envelope_id: Option<String>,
    #[serde(default)]
    payload: Value,
    reason: Option<String>,
}

/// How long to wait before connecting again after a connection failed.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// Connects and serves until the process is stopped; reconnects when Slack
/// asks (a `disconnect` envelope, which it sends every few hours) or the
/// connection drops.
pub async fn run(state: Arc<AppState>, app_token: SecretString) -> Result<()> {
    let web = state.web.clone().context("Socket Mode needs SLACK_BOT_TOKEN to answer")?;
    loop {
        let url = match web.open_socket(&app_token).await {
            Ok(url) => url,
            Err(e) if e.to_string().contains("invalid_auth") || e.to_string().contains("not_allowed_token_type") => {
                bail!("Slack refused SLACK_APP_TOKEN ({e:#}): use an app-level token (xapp-…) with connections:write")
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot open a Socket Mode connection; retrying");
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
        };
        match session(&state, &url).await {
            Ok(reason) => tracing::info!(%reason, "Socket Mode connection closed; reconnecting"),
            Err(e) => {
                tracing::warn!(error = %e, "Socket Mode connection failed; reconnecting");
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    }
}

/// One connection: every envelope acknowledged, its payload handled as the
/// HTTP endpoint would. Returns why it ended.
pub async fn session(state: &Arc<AppState>, url: &str) -> Result<String> {
    let (socket, _) = tokio_tungstenite::connect_async(url).await.context("cannot connect to Slack's websocket")?;
    let (mut sink, mut stream) = socket.split();
    // Acknowledgements come from the tasks that answer; one writer sends them.
    let (acks, mut outbox) = mpsc::channel::<Ws>(256);
    let writer = tokio::spawn(async move {
        while let Some(message) = outbox.recv().await {
            if sink.send(message).await.is_err() {
                break;
            }
        }
    });
    let ended = loop {
        let Some(message) = stream.next().await else { break "the connection ended".to_owned() };
        let text = match message.context("reading from Slack's websocket")? {
            Ws::Text(text) => text,
            Ws::Ping(data) => {
                let _ = acks.send(Ws::Pong(data)).await;
                continue;
            }
            Ws::Close(frame) => break format!("closed by Slack: {frame:?}"),
            _ => continue,
        };
        let Ok(envelope) = serde_json::from_str::<SocketEnvelope>(&text) else {
            tracing::warn!("an envelope Slack sent could not be read");
            continue;
        };
        match envelope.kind.as_str() {
            "hello" => tracing::info!("connected to Slack (Socket Mode)"),
            "disconnect" => break format!("Slack asked to reconnect ({})", envelope.reason.unwrap_or_default()),
            kind => handle(state, kind, envelope.envelope_id, envelope.payload, acks.clone()),
        }
    };
    drop(acks);
    let _ = writer.await;
    Ok(ended)
}

fn ack(id: &str, payload: Option<Value>) -> Ws {
    let body = match payload {
        Some(payload) => json!({"envelope_id": id, "payload": payload}),
        None => json!({"envelope_id": id}),
    };
    Ws::Text(body.to_string().into())
}

/// One envelope: acknowledged at once (the slash command's with its answer).
fn handle(state: &Arc<AppState>, kind: &str, id: Option<String>, payload: Value, acks: mpsc::Sender<Ws>) {
    let Some(id) = id else { return };
    stackpick_commands::metrics::get().interaction(stackpick_commands::metrics::Face::Slack);
    let state = state.clone();
    let kind = kind.to_owned();
    tokio::spawn(async move {
        let reply = match kind.as_str() {
            "slash_commands" => match serde_json::from_value::<SlashCommand>(payload) {
                Ok(cmd) => slash_reply(&state, cmd).await,
                Err(e) => {
                    tracing::warn!(error = %e, "a slash command Slack sent could not be read");
                    None
                }
            },
            "events_api" => {
                let _ = acks.send(ack(&id, None)).await;
                if let Ok(envelope) = serde_json::from_value::<Envelope>(payload) {
                    on_event(&state, envelope);
                }
                return;
            }
            "interactive" => match serde_json::from_value::<Payload>(payload) {
                Ok(payload) => interactive_reply(&state, payload).await,
                Err(e) => {
                    tracing::warn!(error = %e, "an interaction Slack sent could not be read");
                    None
                }
            },
            _ => None,
        };
        let _ = acks.send(ack(&id, reply)).await;
    });
}
