//! The fake Slack (Web API methods, `response_url`s, a Socket Mode
//! websocket) and the signed requests the tests send.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use stackpick::bot::{Bot, Config};
use stackpick_slack::serve::{router, AppState};
use stackpick_slack::web::Web;
use tower::ServiceExt;

use crate::common;

pub const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
pub const TEAM: &str = "T0001";
pub const BOT_USER: &str = "U0BOT";

/// Slack's request signature: `v0=` + hex(HMAC-SHA256(secret, `v0:ts:body`)).
pub fn sign(ts: &str, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// What the fake Slack received: (path, body as JSON, or as text when not JSON).
#[derive(Clone, Default)]
pub struct Fake {
    pub calls: Arc<Mutex<Vec<(String, Value)>>>,
    /// How many of the next calls are refused with a 429 (Retry-After: 1).
    pub limited: Arc<Mutex<usize>>,
    /// Socket Mode: the envelopes sent to whoever connects, and what came back.
    pub script: Arc<Mutex<Vec<Value>>>,
    pub socket_received: Arc<Mutex<Vec<Value>>>,
    /// Each Web API call's path and `Authorization` header: which token was used.
    pub auth: Arc<Mutex<Vec<(String, String)>>>,
}

impl Fake {
    pub async fn start() -> (Fake, String) {
        let fake = Fake::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let (calls, limited, auth) = (fake.calls.clone(), fake.limited.clone(), fake.auth.clone());
        let (script, received) = (fake.script.clone(), fake.socket_received.clone());
        let socket = axum::routing::get(move |ws: axum::extract::ws::WebSocketUpgrade| {
            let (script, received) = (script.clone(), received.clone());
            async move {
                ws.on_upgrade(move |mut socket| async move {
                    use axum::extract::ws::Message as M;
                    let hello = json!({"type": "hello", "num_connections": 1}).to_string();
                    let _ = socket.send(M::Text(hello.into())).await;
                    let envelopes: Vec<Value> = script.lock().unwrap().clone();
                    for envelope in envelopes {
                        let _ = socket.send(M::Text(envelope.to_string().into())).await;
                    }
                    while let Some(Ok(M::Text(text))) = socket.recv().await {
                        received.lock().unwrap().push(serde_json::from_str(&text).unwrap());
                    }
                })
            }
        });
        // `users.info` says UADMIN is a workspace admin, everyone else not.
        let app = Router::new().route("/socket", socket).fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let (calls, limited, host, auth) = (calls.clone(), limited.clone(), host.clone(), auth.clone());
            async move {
                let text = String::from_utf8_lossy(&body).into_owned();
                let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                calls.lock().unwrap().push((uri.path().to_owned(), value.clone()));
                let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
                auth.lock().unwrap().push((uri.path().to_owned(), authorization.to_owned()));
                {
                    let mut limited = limited.lock().unwrap();
                    if *limited > 0 {
                        *limited -= 1;
                        let headers = [("retry-after", "1")];
                        return (StatusCode::TOO_MANY_REQUESTS, headers, axum::Json(json!({"ok": false, "error": "ratelimited"})))
                            .into_response();
                    }
                }
                let reply = if uri.path().ends_with("views.publish") || uri.path().ends_with("views.open") {
                    let mut view = value["view"].clone();
                    view["id"] = json!("V1");
                    view["team_id"] = json!(TEAM);
                    view["hash"] = json!("h1");
                    json!({"ok": true, "view": view})
                } else if uri.path().ends_with("apps.connections.open") {
                    json!({"ok": true, "url": format!("ws://{}/socket", host)})
                } else if uri.path().ends_with("users.info") {
                    let user = if uri.query().unwrap_or("").contains("user=UADMIN") { "UADMIN" } else { "UOTHER" };
                    json!({"ok": true, "user": {"id": user, "is_admin": user == "UADMIN"}})
                } else if uri.path().ends_with("oauth.v2.access") {
                    // The code this fake granted: "good-code".
                    if uri.query().unwrap_or("").contains("code=good-code") {
                        json!({"ok": true, "access_token": "xoxb-new-team", "token_type": "bot",
                               "scope": "chat:write,commands", "bot_user_id": "U0NEWBOT", "app_id": "A0APP",
                               "team": {"id": "T0NEW", "name": "New Team"}, "authed_user": {"id": "U0INSTALLER"}})
                    } else {
                        json!({"ok": false, "error": "invalid_code"})
                    }
                } else if uri.path().ends_with("chat.update") || uri.path().ends_with("chat.delete") {
                    json!({"ok": true, "channel": value["channel"], "ts": value["ts"]})
                } else if uri.path().ends_with("chat.postMessage") {
                    json!({"ok": true, "channel": "C1", "ts": "1700000000.000200", "message": {"ts": "1700000000.000200", "text": ""}})
                } else {
                    json!({"ok": true})
                };
                axum::Json(reply).into_response()
            }
        });
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (fake, url)
    }

    pub fn calls(&self) -> Vec<(String, Value)> {
        self.calls.lock().unwrap().clone()
    }

    pub async fn wait_for(&self, what: &str, n: usize) -> Vec<(String, Value)> {
        for _ in 0..200 {
            let calls = self.calls();
            if calls.len() >= n {
                return calls;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the fake Slack never received {what}: {:?}", self.calls());
    }

    /// The bodies of every `chat.postMessage` so far.
    pub fn posts(&self) -> Vec<Value> {
        self.calls().into_iter().filter(|(p, _)| p.ends_with("chat.postMessage")).map(|(_, b)| b).collect()
    }

    /// Every `chat.postMessage`, once the first has come and a moment has
    /// passed for any that should not (a second answer, a second welcome).
    pub async fn settled_posts(&self, what: &str) -> Vec<Value> {
        for _ in 0..200 {
            if !self.posts().is_empty() {
                tokio::time::sleep(Duration::from_millis(300)).await;
                return self.posts();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the fake Slack never received {what}: {:?}", self.calls());
    }
}

pub async fn app() -> (Router, Fake, String) {
    let bot = Bot::new(common::engine_owned(), common::pack_dir(), Config::default());
    app_with(bot).await
}

pub async fn app_with(bot: Bot) -> (Router, Fake, String) {
    let (fake, url) = Fake::start().await;
    let web = Web::new(&format!("{url}/api"), secrecy::SecretString::new("xoxb-test".to_owned())).unwrap();
    (router(Arc::new(AppState::new(Arc::new(bot), SECRET, Some(web)))), fake, url)
}

pub async fn post(app: &Router, content_type: &str, body: &str, ts: &str, signature: &str) -> (StatusCode, String) {
    let request = Request::post("/slack/events")
        .header("content-type", content_type)
        .header("x-slack-request-timestamp", ts)
        .header("x-slack-signature", signature)
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

pub async fn signed(app: &Router, content_type: &str, body: &str) -> (StatusCode, String) {
    let ts = common::now_ts();
    post(app, content_type, body, &ts, &sign(&ts, body)).await
}

pub fn slash_body(user: &str, text: &str) -> String {
    serde_urlencoded::to_string([
        ("command", "/stackpick"),
        ("text", text),
        ("team_id", TEAM),
        ("channel_id", "C0GENERAL"),
        ("user_id", user),
        ("response_url", "https://hooks.slack.com/commands/1/2/3"),
        ("trigger_id", "1.2.3"),
    ])
    .unwrap()
}

pub async fn slash(app: &Router, user: &str, text: &str) -> Value {
    let (status, body) = signed(app, "application/x-www-form-urlencoded", &slash_body(user, text)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|_| panic!("a JSON message: {body}"))
}

pub fn event(id: &str, event: Value) -> String {
    json!({
        "type": "event_callback", "team_id": TEAM, "event_id": id, "event_time": 1700000000,
        "authorizations": [{"user_id": BOT_USER, "team_id": TEAM, "is_bot": true}],
        "event": event,
    })
    .to_string()
}

/// A press of `button` by `user`, answered through `hook`.
pub fn press_body(user: &str, button: &Value, url: &str, hook: &str) -> String {
    let payload = json!({
        "type": "block_actions", "user": {"id": user}, "team": {"id": TEAM}, "channel": {"id": "C0GENERAL"},
        "container": {"type": "message", "message_ts": "1700000000.002000", "channel_id": "C0GENERAL"},
        "response_url": format!("{url}/hooks/{hook}"), "trigger_id": "1.2.3",
        "actions": [{"action_id": button["action_id"], "type": "button", "value": button["value"], "block_id": "b"}],
    });
    serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap()
}
