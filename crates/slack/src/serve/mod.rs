//! `stackpick slack serve`: the Events API over HTTP, on Bolt's convention
//! of one path, `POST /slack/events`, for events, the slash command and
//! interactivity, plus `GET /healthz` and `GET /metrics` (Prometheus).
//!
//! Every request is verified with the signing secret (slack-morphism's
//! verifier: `v0` HMAC-SHA256 over `v0:timestamp:body`, compared in constant
//! time, the timestamp within 5 minutes) before its body is read. The slash
//! command is answered in the response body; events and presses are
//! acknowledged at once and answered through the Web API, since Slack
//! retries anything not acknowledged within 3 seconds. Retried events are
//! answered once (their `event_id`s are remembered, bounded).

mod install;
mod workspace;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;
use slack_morphism::prelude::SlackSigningSecret;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
use stackpick_commands::reply::{Effect, Response as BotResponse};
use stackpick_commands::request::{Command, Interaction, MessageRef, Powers};
use stackpick_commands::{Bot, ChatReply, Edit, Message, NoDirectory, Platform};

use crate::blocks::{self, Rendered};
use crate::parse::{self, Envelope, Payload, SlashCommand};
use crate::web::Web;
use install::{install, oauth_redirect};
use workspace::{home_opened, team_join, uninstalled};

/// The largest request body accepted; Slack's requests are far smaller.
pub const MAX_BODY: usize = 64 * 1024;

/// What the endpoint shares between requests.
pub struct AppState {
    pub bot: Arc<Bot>,
    verifier: SlackEventSignatureVerifier,
    /// The Web API with the one workspace's bot token (`SLACK_BOT_TOKEN`);
    /// `None` without one.
    pub web: Option<Web>,
    /// The app's OAuth credentials, for installing it in many workspaces.
    pub oauth: Option<crate::oauth::OAuth>,
    /// The Web API client workspaces' own tokens are used with.
    api: Option<Web>,
}

impl AppState {
    pub fn new(bot: Arc<Bot>, signing_secret: &str, web: Option<Web>) -> AppState {
        let verifier = SlackEventSignatureVerifier::new(&SlackSigningSecret::new(signing_secret.to_owned()));
        AppState { bot, verifier, api: web.clone(), web, oauth: None }
    }

    /// Installable in many workspaces (`GET /slack/install`): each workspace
    /// that installs the app is answered with its own token, through `api`
    /// (a client of the Web API; its own token, if any, serves the workspaces
    /// that have none of their own).
    pub fn with_oauth(mut self, oauth: crate::oauth::OAuth, api: Web) -> AppState {
        self.oauth = Some(oauth);
        self.api = Some(api);
        self
    }

    /// A Web API client, whatever its token (for `oauth.v2.access` and `response_url`s).
    pub(crate) fn api(&self) -> Option<&Web> {
        self.api.as_ref()
    }

    /// The Web API with the token for `team`: the workspace's own when it
    /// installed the app through OAuth, else the one bot token. `None`: no
    /// token for it (the app was uninstalled there, or never installed).
    pub async fn web_for(&self, team: Option<&str>) -> Option<Web> {
        if let (Some(api), Some(team), Some(_)) = (&self.api, team, &self.oauth) {
            match self.bot.store().install(team).await {
                Ok(Some(install)) => return Some(api.with_token(install.bot_token)),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, %team, "cannot read the workspace's installation"),
            }
        }
        self.web.clone()
    }
}

/// The endpoint's routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/slack/events", post(events))
        .route("/slack/install", get(install))
        .route("/slack/oauth_redirect", get(oauth_redirect))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// `GET /metrics`: the process's counters for Prometheus.
async fn metrics() -> Response {
    let m = stackpick_commands::metrics::get();
    ([(header::CONTENT_TYPE, stackpick_commands::metrics::CONTENT_TYPE)], m.render()).into_response()
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

fn ok() -> Response {
    StatusCode::OK.into_response()
}

async fn events(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    // Authenticity first: nothing in the body is read before the signature checks out.
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (header("x-slack-signature"), header("x-slack-request-timestamp")) else {
        return plain(StatusCode::UNAUTHORIZED, "missing request signature");
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return plain(StatusCode::BAD_REQUEST, "body is not UTF-8");
    };
    if state.verifier.verify(signature, text, timestamp).is_err() {
        return plain(StatusCode::UNAUTHORIZED, "invalid or expired request signature");
    }
    stackpick_commands::metrics::get().interaction(stackpick_commands::metrics::Face::Slack);
    let json = header("content-type").is_some_and(|c| c.starts_with("application/json"));
    if json {
        let Ok(envelope) = serde_json::from_str::<Envelope>(text) else {
            return plain(StatusCode::BAD_REQUEST, "not an Events API request");
        };
        return event(&state, envelope);
    }
    let Ok(form) = serde_urlencoded::from_str::<HashMap<String, String>>(text) else {
        return plain(StatusCode::BAD_REQUEST, "body is neither JSON nor a form");
    };
    match form.get("payload") {
        Some(payload) => match serde_json::from_str::<Payload>(payload) {
            Ok(payload) => press(&state, payload).await,
            Err(_) => plain(StatusCode::BAD_REQUEST, "not an interaction payload"),
        },
        None => match serde_urlencoded::from_str::<SlashCommand>(text) {
            Ok(cmd) => slash(&state, cmd).await,
            Err(_) => plain(StatusCode::BAD_REQUEST, "not a slash command"),
        },
    }
}

fn event(state: &Arc<AppState>, envelope: Envelope) -> Response {
    match envelope.kind.as_str() {
        "url_verification" => axum::Json(json!({"challenge": envelope.challenge.unwrap_or_default()})).into_response(),
        _ => {
            on_event(state, envelope);
            ok()
        }
    }
}

/// An Events API callback (over HTTP or Socket Mode), already acknowledged:
/// answered through the Web API unless it is a retry of one already seen.
pub(crate) fn on_event(state: &Arc<AppState>, envelope: Envelope) {
    if envelope.kind != "event_callback" {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        if let Some(id) = &envelope.event_id {
            // Slack retries an event it thinks was not acknowledged, maybe to
            // another replica: answered once, by whichever process claims it first.
            if !state.bot.first_delivery_shared(Platform::Slack, id).await {
                return;
            }
        }
        handle_event(&state, envelope);
    });
}

/// An event delivered for the first time.
fn handle_event(state: &Arc<AppState>, envelope: Envelope) {
    match envelope.event.as_ref().map(|e| e.kind.as_str()) {
        Some("app_home_opened") => return home_opened(state, &envelope),
        Some("team_join") => return team_join(state, &envelope),
        Some("app_uninstalled" | "tokens_revoked") => return uninstalled(state, &envelope),
        _ => {}
    }
    if let Some(changed) = parse::changed(&envelope) {
        return on_changed(state, changed, envelope.team_id.clone());
    }
    let Some(chat) = parse::event(&envelope) else { return };
    let state = state.clone();
    let team = envelope.team_id.clone();
    tokio::spawn(async move {
        let Some(reply) = state.bot.message(&chat.message) else { return };
        let Some(web) = state.web_for(team.as_deref()).await else {
            state.bot.answer_not_sent(&chat.message);
            return tracing::warn!(team = ?team, "no bot token for this workspace: the question is not answered");
        };
        let id = &chat.message.id;
        let sent = match reply {
            ChatReply::Send(m) => match web.post(&id.channel, chat.thread.as_deref(), blocks::render(&m)).await {
                Ok(ts) => {
                    let answer = MessageRef { channel: id.channel.clone(), message: ts };
                    // An edit or deletion of the question while its answer was on its way.
                    match state.bot.answer_sent(chat.message.clone(), answer) {
                        Some(Edit::Replace { answer, message }) => {
                            web.update(&answer.channel, &answer.message, blocks::render(&message)).await
                        }
                        Some(Edit::Delete(answer)) => web.delete(&answer.channel, &answer.message).await,
                        None => Ok(()),
                    }
                }
                Err(e) => {
                    state.bot.answer_not_sent(&chat.message);
                    Err(e)
                }
            },
            ChatReply::React(_) => web.react(&id.channel, &id.message, "hourglass_flowing_sand").await,
        };
        if let Err(e) = sent {
            tracing::warn!(error = %e, channel = %id.channel, "Slack answer not sent");
        }
    });
}

/// A question edited (its answer replaced, or deleted when the bot would no
/// longer answer it) or deleted (its answer deleted too).
fn on_changed(state: &Arc<AppState>, changed: parse::Changed, team: Option<String>) {
    let state = state.clone();
    tokio::spawn(async move {
        let Some(web) = state.web_for(team.as_deref()).await else { return };
        let done = match changed {
            parse::Changed::Edited { id, text, names_me, revision } => {
                match state.bot.message_edited(Platform::Slack, &id, text, names_me, revision) {
                    Some(Edit::Replace { answer, message }) => {
                        web.update(&answer.channel, &answer.message, blocks::render(&message)).await
                    }
                    Some(Edit::Delete(answer)) => web.delete(&answer.channel, &answer.message).await,
                    None => return,
                }
            }
            parse::Changed::Deleted { id } => match state.bot.message_deleted(Platform::Slack, &id) {
                Some(answer) => web.delete(&answer.channel, &answer.message).await,
                None => return,
            },
        };
        if let Err(e) = done {
            tracing::warn!(error = %e, "the answer to an edited or deleted question was not updated");
        }
    });
}

/// A button, menu, shortcut or modal: acknowledged at once (a submitted
/// modal with its answer), the rest answered through `response_url`.
async fn press(state: &Arc<AppState>, payload: Payload) -> Response {
    match interactive_reply(state, payload).await {
        Some(body) => axum::Json(body).into_response(),
        None => ok(),
    }
}

/// What acknowledges an interactivity payload (over HTTP or Socket Mode):
/// for a submitted modal, the answer shown in its place; otherwise nothing,
/// and the answer follows through `response_url`.
pub(crate) async fn interactive_reply(state: &Arc<AppState>, payload: Payload) -> Option<serde_json::Value> {
    if let Some((cx, interaction)) = parse::submission(&payload) {
        // Computed while Slack waits: the answer replaces the form.
        let reply = state.bot.interaction(&cx, &interaction, &NoDirectory).await;
        let title = "stackpick";
        return match reply.response {
            BotResponse::Message(m) => Some(blocks::modal_update(title, &m)),
            _ => None,
        };
    }
    on_press(state, payload);
    None
}

/// A button or menu (over HTTP or Socket Mode), already acknowledged.
pub(crate) fn on_press(state: &Arc<AppState>, payload: Payload) {
    let Some((cx, interaction)) = parse::press(&payload) else { return };
    let response_url = payload.response_url.clone();
    let trigger = payload.trigger_id.clone();
    let state = state.clone();
    tokio::spawn(async move {
        let reply = state.bot.interaction(&cx, &interaction, &NoDirectory).await;
        let Some(web) = state.web_for(cx.server.as_deref()).await else {
            tracing::warn!("a button needs a bot token to answer (SLACK_BOT_TOKEN, or the workspace's install)");
            return;
        };
        let message = match reply.response {
            BotResponse::Message(m) => Some(m),
            BotResponse::Form(form) => match &trigger {
                Some(trigger) => {
                    if let Err(e) = web.open_modal(trigger, blocks::modal(&form)).await {
                        tracing::warn!(error = %e, "the question form did not open");
                    }
                    None
                }
                None => Some(Message::notice("Use /stackpick with your question.")),
            },
            _ => None,
        };
        // A press on the App Home tab has no response_url: a notice there
        // would have nowhere to go.
        if let (Some(m), Some(url)) = (message, &response_url) {
            if let Err(e) = web.respond(url, blocks::render(&m)).await {
                tracing::warn!(error = %e, "Slack response_url not answered");
            }
        }
        let Some(response_url) = response_url else { return };
        for effect in reply.effects {
            let done = match effect {
                // The message a button is on is the one `response_url` acts on.
                Effect::Delete(_) => web.delete_original(&response_url).await,
                // A reply to a message goes in its thread.
                Effect::Post { channel, message } => {
                    let thread = message.reply_to.as_ref().map(|r| r.message.clone());
                    web.post(&channel, thread.as_deref(), blocks::render(&message)).await.map(|_| ())
                }
            };
            if let Err(e) = done {
                tracing::warn!(error = %e, "a Slack follow-up failed");
            }
        }
    });
}

/// `/stackpick …`: answered in the response body.
async fn slash(state: &Arc<AppState>, cmd: SlashCommand) -> Response {
    match slash_reply(state, cmd).await {
        Some(body) => axum::Json(body).into_response(),
        None => ok(),
    }
}

/// The reply to `/stackpick …` (over HTTP or Socket Mode): the message to
/// show, as Slack's response body, or `None` for nothing to show.
///
/// Slack voids a slash command not acknowledged within 3 seconds. A reply
/// not ready within [`ACK_WITHIN`] (`setup` and `kb` wait on the database)
/// is acknowledged with a private "working on it" and follows through the
/// command's `response_url`, replacing it.
pub(crate) async fn slash_reply(state: &Arc<AppState>, cmd: SlashCommand) -> Option<serde_json::Value> {
    let response_url = cmd.response_url.clone();
    let task_state = state.clone();
    let mut task = tokio::spawn(async move { slash_message(&task_state, cmd).await });
    match tokio::time::timeout(ACK_WITHIN, &mut task).await {
        Ok(Ok(message)) => message.map(|m| body(&m, blocks::render(&m))),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the slash command's reply failed");
            let m = Message::notice("Something went wrong; please try again.");
            Some(body(&m, blocks::render(&m)))
        }
        Err(_) => {
            let state = state.clone();
            tokio::spawn(async move {
                let (Ok(Some(m)), Some(url), Some(web)) = (task.await, response_url, state.api()) else { return };
                if let Err(e) = web.replace(&url, blocks::render(&m)).await {
                    tracing::warn!(error = %e, "the slash command's late reply was not delivered");
                }
            });
            let m = Message::notice("Working on it…");
            Some(body(&m, blocks::render(&m)))
        }
    }
}

/// How long a slash command's reply may take before it is acknowledged
/// without it (Slack allows 3 s, including the trip).
pub const ACK_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// The reply to `/stackpick …`, as a neutral message (`None`: nothing to show).
async fn slash_message(state: &Arc<AppState>, cmd: SlashCommand) -> Option<Message> {
    let (mut cx, interaction) = parse::slash(&cmd);
    let trigger = cmd.trigger_id.clone();
    let web = state.web_for(Some(&cmd.team_id)).await;
    // Settings and reports are for workspace admins; only they cost a `users.info`.
    if let (Interaction::Command(Command::Setup(_) | Command::Kb(_)), Some(web)) = (&interaction, &web) {
        match web.is_admin(&cx.user).await {
            Ok(admin) => cx.powers = Powers { manage_server: admin, manage_messages: admin },
            Err(e) => tracing::warn!(error = %e, "cannot tell whether the user is a workspace admin"),
        }
    }
    let reply = state.bot.interaction(&cx, &interaction, &NoDirectory).await;
    for effect in reply.effects {
        if let (Effect::Post { channel, message }, Some(web)) = (effect, &web) {
            let web = web.clone();
            tokio::spawn(async move {
                if let Err(e) = web.post(&channel, None, blocks::render(&message)).await {
                    tracing::warn!(error = %e, "Slack message not posted");
                }
            });
        }
    }
    match reply.response {
        BotResponse::Message(m) => Some(m),
        // `/stackpick recommend` alone: the form, opened with the command's trigger.
        BotResponse::Form(form) => {
            let (Some(trigger), Some(web)) = (trigger, &web) else {
                return Some(Message::notice("Add what you are building: `/stackpick recommend a chat app`."));
            };
            match web.open_modal(&trigger, blocks::modal(&form)).await {
                Ok(()) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "the form did not open");
                    Some(Message::notice("I couldn't open the form; try `/stackpick recommend a chat app`."))
                }
            }
        }
        _ => None,
    }
}

/// A message as a slash command's response body.
fn body(m: &Message, rendered: Rendered) -> serde_json::Value {
    let kind = if m.private { "ephemeral" } else { "in_channel" };
    json!({"response_type": kind, "text": rendered.text, "blocks": rendered.blocks})
}

/// Binds the address before anything else starts, so a busy port fails without side effects.
pub async fn bind(addr: std::net::SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    use anyhow::Context as _;
    tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))
}

/// Serves until the process is stopped.
/// Serves until `shutdown` completes (SIGTERM, Ctrl-C), then stops taking
/// connections and lets the requests in progress finish, so the caller can
/// write out the question log before the process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    tracing::info!(addr = %listener.local_addr()?, "serving Slack at POST /slack/events");
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await.context("the Slack endpoint failed")?;
    tracing::info!("shutting down");
    Ok(())
}
