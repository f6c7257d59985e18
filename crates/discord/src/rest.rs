//! Discord REST calls that survive rate limits, and interaction responses that
//! land inside Discord's 3-second window.
//!
//! Straight to Discord, serenity's ratelimiter reads the rate-limit headers and
//! retries a 429 itself. Through a shared rate-limit proxy (`DISCORD_HTTP_PROXY`)
//! that ratelimiter is off, and a 429 the proxy passes through used to come back
//! as an error: the user saw "This interaction failed". So:
//!
//! - interaction responses and edits of the original response, which carry the
//!   user's answer, are sent with a client of our own that reads `retry_after`
//!   and retries (at most [`MAX_RETRIES`] times). When a retry would not land
//!   within the 3-second window, a deferred response ("thinking…") is sent
//!   instead and the original response is edited with the answer once the
//!   retry succeeds;
//! - every other call goes through serenity and is retried on a 429 error,
//!   also at most [`MAX_RETRIES`] times. serenity's error does not carry
//!   `retry_after`, so these wait [`RETRY_WITHOUT_HINT`].
//!
//! Every loop asks one [`RetryPolicy`] ([`POLICY`]). Retries are capped because every 429 counts toward Discord's limit of
//! 10,000 invalid requests per 10 minutes, after which the bot is banned for a while.

use std::future::Future;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use serenity::all::{ChannelId, CreateInteractionResponse, Http, InteractionId, MessageId};
use serenity::http::{HttpError, LightMethod, Request, Route};

use crate::bot::reply::Effect;

/// How many times one call is retried after a 429.
pub const MAX_RETRIES: u32 = 2;
/// How long to wait after a 429 whose `retry_after` serenity did not pass on.
pub const RETRY_WITHOUT_HINT: Duration = Duration::from_secs(1);
/// Discord voids an interaction token whose first response is not in within 3 s.
pub const INTERACTION_WINDOW: Duration = Duration::from_secs(3);
/// Time kept in hand for the request itself to travel.
const MARGIN: Duration = Duration::from_millis(500);
/// The longest `retry_after` worth waiting for at all.
const LONGEST_WAIT: Duration = Duration::from_secs(10);

/// The one retry policy for Discord REST: every retry loop in this module asks
/// it whether a rate-limited call is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times one call is retried after a 429.
    pub max_retries: u32,
    /// The longest `retry_after` worth waiting for at all.
    pub longest_wait: Duration,
}

/// The policy every call here follows.
pub const POLICY: RetryPolicy = RetryPolicy { max_retries: MAX_RETRIES, longest_wait: LONGEST_WAIT };

impl RetryPolicy {
    /// Whether a call already retried `retries` times is tried again after
    /// `wait`, when it must have landed by `deadline` (with [`MARGIN`] for the
    /// request to travel) if it has one.
    pub fn allows(&self, retries: u32, wait: Duration, deadline: Option<Instant>) -> bool {
        retries < self.max_retries
            && wait <= self.longest_wait
            && deadline.is_none_or(|d| Instant::now() + wait + MARGIN <= d)
    }
}

static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("a default HTTP client builds")
});

/// Why a REST call did not land.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("rate limited: still 429 after {0} retries")]
    RateLimited(u32),
    #[error("Discord answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error(transparent)]
    Serenity(#[from] serenity::Error),
    #[error("request failed: {0}")]
    Transport(#[from] reqwest::Error),
}

/// What one attempt came to.
enum Attempt {
    Done,
    RetryAfter(Duration),
}

/// Sends a request built by serenity with our own client, so a 429's
/// `retry_after` (header or body) can be read.
async fn attempt(http: &Http, request: Request<'_>) -> Result<Attempt, RestError> {
    let mut built = request.build(&CLIENT, http.token(), http.proxy.as_deref())?.build()?;
    if http.token().trim_start_matches("Bot").trim().is_empty() {
        // Webhook routes (editing a response) need no token; send none rather than an empty one.
        built.headers_mut().remove(reqwest::header::AUTHORIZATION);
    }
    let response = CLIENT.execute(built).await?;
    let status = response.status();
    if status.is_success() {
        return Ok(Attempt::Done);
    }
    let header =
        response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<f64>().ok());
    let body = response.text().await.unwrap_or_default();
    if status.as_u16() == 429 {
        let from_body = serde_json::from_str::<Value>(&body).ok().and_then(|v| v["retry_after"].as_f64());
        let secs = header.or(from_body).unwrap_or(RETRY_WITHOUT_HINT.as_secs_f64());
        return Ok(Attempt::RetryAfter(Duration::from_secs_f64(secs.clamp(0.0, 3600.0))));
    }
    Err(RestError::Status { status: status.as_u16(), body })
}

/// The interaction's first response, landed inside the 3-second window that
/// started at `received`, or deferred and completed by an edit.
pub async fn respond(
    http: &Http,
    id: InteractionId,
    token: &str,
    response: CreateInteractionResponse,
    received: Instant,
) -> Result<(), RestError> {
    if http.ratelimiter.is_some() {
        // serenity's ratelimiter reads the headers and retries by itself.
        return Ok(http.create_interaction_response(id, token, &response, Vec::new()).await?);
    }
    let body = serde_json::to_vec(&response).map_err(serenity::Error::from)?;
    let request = || {
        Request::new(Route::InteractionResponse { interaction_id: id, token }, LightMethod::Post)
            .body(Some(body.clone()))
    };
    let deadline = received + INTERACTION_WINDOW;
    let mut retries = 0;
    loop {
        let wait = match attempt(http, request()).await? {
            Attempt::Done => return Ok(()),
            Attempt::RetryAfter(wait) => wait,
        };
        if POLICY.allows(retries, wait, Some(deadline)) {
            retries += 1;
            tracing::info!(?wait, retries, "interaction response rate limited; retrying");
            tokio::time::sleep(wait).await;
            continue;
        }
        // It would not land in time: say "thinking…" now, answer by editing.
        let value = serde_json::to_value(&response).map_err(serenity::Error::from)?;
        if value["type"] != 4 || retries >= POLICY.max_retries {
            return Err(RestError::RateLimited(retries));
        }
        tracing::info!(?wait, "interaction response rate limited past the 3 s window; deferring");
        defer(http, id, token, is_ephemeral(&value)).await?;
        if wait > POLICY.longest_wait {
            return Err(RestError::RateLimited(retries));
        }
        tokio::time::sleep(wait).await;
        return edit_original(http, token, &value).await;
    }
}

/// Whether a response's message is private to the user.
fn is_ephemeral(response: &Value) -> bool {
    response["data"]["flags"].as_u64().is_some_and(|f| f & 64 != 0)
}

/// The deferred response (type 5) as serenity builds it: Discord shows
/// "thinking…" (only to the user when `ephemeral`) until the original
/// response is edited. The gateway face sends it through [`defer`], the HTTP
/// face returns it as the request's response.
pub fn deferred_response(ephemeral: bool) -> Value {
    use serenity::builder::{CreateInteractionResponse, CreateInteractionResponseMessage};
    let data = CreateInteractionResponseMessage::new().ephemeral(ephemeral);
    serde_json::to_value(CreateInteractionResponse::Defer(data)).expect("a deferred response serialises")
}

/// Sends a deferred response (type 5): Discord shows "thinking…" until the
/// original response is edited.
pub async fn defer(http: &Http, id: InteractionId, token: &str, ephemeral: bool) -> Result<(), RestError> {
    let body = deferred_response(ephemeral);
    if http.ratelimiter.is_some() {
        return Ok(http.create_interaction_response(id, token, &body, Vec::new()).await?);
    }
    let bytes = serde_json::to_vec(&body).map_err(serenity::Error::from)?;
    send_retrying(http, || {
        Request::new(Route::InteractionResponse { interaction_id: id, token }, LightMethod::Post)
            .body(Some(bytes.clone()))
    })
    .await
}

/// Sends a request, waiting out each 429's `retry_after` (at most
/// [`MAX_RETRIES`] times, none longer than [`LONGEST_WAIT`]).
async fn send_retrying<'a>(http: &Http, request: impl Fn() -> Request<'a>) -> Result<(), RestError> {
    let mut retries = 0;
    loop {
        match attempt(http, request()).await? {
            Attempt::Done => return Ok(()),
            Attempt::RetryAfter(wait) if POLICY.allows(retries, wait, None) => {
                retries += 1;
                tokio::time::sleep(wait).await;
            }
            Attempt::RetryAfter(_) => return Err(RestError::RateLimited(retries)),
        }
    }
}

/// Replaces the original response with `response`'s message (a type 4
/// response as JSON), retrying 429s. The token stays valid for 15 minutes.
pub async fn edit_original(http: &Http, token: &str, response: &Value) -> Result<(), RestError> {
    let mut data = response["data"].clone();
    if let Some(map) = data.as_object_mut() {
        // Flags are fixed by the deferred response.
        map.remove("flags");
    }
    if http.ratelimiter.is_some() {
        http.edit_original_interaction_response(token, &data, Vec::new()).await?;
        return Ok(());
    }
    let application_id = http
        .application_id()
        .ok_or_else(|| RestError::Status { status: 0, body: "the application id is not known yet".into() })?;
    let bytes = serde_json::to_vec(&data).map_err(serenity::Error::from)?;
    send_retrying(http, || {
        Request::new(Route::WebhookOriginalInteractionResponse { application_id, token }, LightMethod::Patch)
            .body(Some(bytes.clone()))
    })
    .await
}

/// Runs a serenity REST call, retrying it after a 429 at most [`MAX_RETRIES`] times.
pub async fn retrying<T, F, Fut>(mut call: F) -> serenity::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = serenity::Result<T>>,
{
    let mut retries = 0;
    loop {
        match call().await {
            Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e)))
                if e.status_code.as_u16() == 429 && POLICY.allows(retries, RETRY_WITHOUT_HINT, None) =>
            {
                retries += 1;
                tracing::info!(url = %e.url, retries, "rate limited; retrying");
                tokio::time::sleep(RETRY_WITHOUT_HINT).await;
            }
            other => return other,
        }
    }
}

/// Carries out what a reply asked for after the response.
pub async fn run_effects(http: &Http, effects: Vec<Effect>) {
    for effect in effects {
        let result = match effect {
            Effect::Delete(m) => match (m.channel.parse::<ChannelId>(), m.message.parse::<MessageId>()) {
                (Ok(channel), Ok(message)) => retrying(|| http.delete_message(channel, message, None)).await,
                _ => {
                    tracing::warn!(?m, "not a Discord message to delete");
                    continue;
                }
            },
            Effect::Post { channel, message } => match channel.parse::<ChannelId>() {
                Ok(channel) => {
                    let message = crate::build::message(&message);
                    retrying(|| channel.send_message(http, message.clone())).await.map(|_| ())
                }
                Err(_) => {
                    tracing::warn!(%channel, "not a Discord channel to post in");
                    continue;
                }
            },
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "follow-up action failed");
        }
    }
}

#[cfg(test)]
mod deferred_tests {
    use super::*;

    #[test]
    fn the_retry_policy_counts_waits_and_deadlines() {
        let second = Duration::from_secs(1);
        assert!(POLICY.allows(0, second, None));
        assert!(POLICY.allows(MAX_RETRIES - 1, second, None));
        assert!(!POLICY.allows(MAX_RETRIES, second, None), "retries are capped");
        assert!(!POLICY.allows(0, LONGEST_WAIT + second, None), "a wait too long is not waited");
        let soon = Instant::now() + INTERACTION_WINDOW;
        assert!(POLICY.allows(0, second, Some(soon)), "1 s fits a fresh 3 s window");
        assert!(!POLICY.allows(0, Duration::from_millis(2600), Some(soon)), "the request must still land in time");
    }

    #[test]
    fn a_deferred_response_is_type_5_and_private_only_when_asked() {
        let private = deferred_response(true);
        assert_eq!(private["type"], 5);
        assert!(is_ephemeral(&private), "{private}");
        let public = deferred_response(false);
        assert_eq!(public["type"], 5);
        assert!(!is_ephemeral(&public), "{public}");
    }
}
