//! A fake Discord on 127.0.0.1: REST under `/api/v10` and a gateway websocket,
//! enough to drive the bot's real serenity client.
//!
//! Every payload the fake sends is first deserialized into serenity's own type
//! (serenity silently drops dispatches it cannot read, which would make a test
//! hang instead of fail). Every REST request the bot makes is recorded with
//! its JSON body, so tests assert what the bot really sent.
//!
//! A crate of its own, used only as a dev-dependency, so every test file
//! shares one copy and the compiler checks it once.

// serde_json's `json!` of a whole guild nests deeply.
#![recursion_limit = "256"]

pub mod payloads;
pub mod tls;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};

/// Application flags granting Server Members and Message Content (limited).
pub const GRANTED_INTENTS: u64 = (1 << 15) | (1 << 19);
/// Intent bits.
pub const INTENT_GUILD_MEMBERS: u64 = 1 << 1;
pub const INTENT_MESSAGE_CONTENT: u64 = 1 << 15;

pub const BOT_ID: u64 = 900_000_000_000_000_001;
pub const APP_ID: u64 = 900_000_000_000_000_002;
pub const GUILD_ID: u64 = 900_000_000_000_000_003;
pub const CHANNEL_ID: u64 = 900_000_000_000_000_004;
pub const ANSWER_CHANNEL_ID: u64 = 900_000_000_000_000_005;
pub const DM_CHANNEL_ID: u64 = 900_000_000_000_000_006;
/// A channel where the bot may not embed links.
pub const NO_EMBEDS_CHANNEL_ID: u64 = 900_000_000_000_000_007;
pub const WELCOME_CHANNEL_ID: u64 = 900_000_000_000_000_008;
pub const USER_ID: u64 = 800_000_000_000_000_001;
pub const OTHER_USER_ID: u64 = 800_000_000_000_000_002;

/// One REST request the bot made.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

/// What the gateway does when the bot identifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnIdentify {
    Ready,
    Close(u16),
}

/// A scripted REST answer: status, JSON body and extra headers.
type Scripted = (u16, Value, Vec<(String, String)>);

enum Cmd {
    Send(String),
    Close(u16),
}

struct Shared {
    addr: Mutex<Option<SocketAddr>>,
    requests: Mutex<Vec<Request>>,
    changed: Notify,
    conn: Mutex<Option<mpsc::UnboundedSender<Cmd>>>,
    seq: AtomicU64,
    identifies: AtomicU64,
    /// The intents of every IDENTIFY, in order.
    identify_intents: Mutex<Vec<u64>>,
    /// The application's flags (which privileged intents the portal grants).
    app_flags: AtomicU64,
    resumes: AtomicU64,
    on_identify: Mutex<OnIdentify>,
    /// Scripted statuses for upcoming interaction callbacks (e.g. a 429 first).
    callback_script: Mutex<VecDeque<Scripted>>,
}

/// A running fake Discord.
#[derive(Clone)]
pub struct FakeDiscord {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FakeDiscord {
    /// Starts the fake on a free loopback port.
    pub async fn start() -> FakeDiscord {
        let shared = Arc::new(Shared {
            addr: Mutex::new(None),
            requests: Mutex::new(Vec::new()),
            changed: Notify::new(),
            conn: Mutex::new(None),
            seq: AtomicU64::new(0),
            identifies: AtomicU64::new(0),
            identify_intents: Mutex::new(Vec::new()),
            // Both privileged intents granted (the "limited" flags of a bot in under 100 servers).
            app_flags: AtomicU64::new(GRANTED_INTENTS),
            resumes: AtomicU64::new(0),
            on_identify: Mutex::new(OnIdentify::Ready),
            callback_script: Mutex::new(VecDeque::new()),
        });
        let app = router(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        *shared.addr.lock().unwrap() = Some(addr);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeDiscord { addr, shared }
    }

    /// Sets the application's flags, as the Developer Portal would.
    pub fn set_app_flags(&self, flags: u64) {
        self.shared.app_flags.store(flags, Ordering::SeqCst);
    }

    /// The intents of every IDENTIFY so far.
    pub fn identify_intents(&self) -> Vec<u64> {
        self.shared.identify_intents.lock().unwrap().clone()
    }

    /// The router, for serving over TLS too.
    pub fn router(&self) -> Router {
        router(self.shared.clone())
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn on_identify(&self, what: OnIdentify) {
        *self.shared.on_identify.lock().unwrap() = what;
    }

    /// Makes the next interaction callbacks answer with these statuses and bodies.
    pub fn script_callback(&self, status: u16, body: Value, headers: &[(&str, &str)]) {
        self.shared.callback_script.lock().unwrap().push_back((
            status,
            body,
            headers.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        ));
    }

    pub fn identifies(&self) -> u64 {
        self.shared.identifies.load(Ordering::SeqCst)
    }

    pub fn resumes(&self) -> u64 {
        self.shared.resumes.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Waits until a recorded request matches, failing after `secs` seconds.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&Request) -> bool) -> Request {
        self.wait_for_within(what, Duration::from_secs(10), pred).await
    }

    pub async fn wait_for_within(&self, what: &str, limit: Duration, pred: impl Fn(&Request) -> bool) -> Request {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.shared.changed.notified();
            if let Some(r) = self.shared.requests.lock().unwrap().iter().find(|r| pred(r)) {
                return r.clone();
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("timed out waiting for {what}; requests so far:\n{:#?}", self.summary());
            }
        }
    }

    /// Waits until the predicate holds on the shared state (identify/resume counts).
    pub async fn wait_until(&self, what: &str, pred: impl Fn(&FakeDiscord) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.shared.changed.notified();
            if pred(self) {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("timed out waiting for {what}");
            }
        }
    }

    /// The interaction callback the bot sent for interaction `id`.
    pub async fn callback(&self, id: u64) -> Value {
        let needle = format!("/interactions/{id}/");
        self.wait_for(&format!("callback for interaction {id}"), |r| {
            r.path.contains(&needle) && r.path.contains("/callback")
        })
        .await
        .body
    }

    /// Methods and paths so far, for failure messages.
    pub fn summary(&self) -> Vec<String> {
        self.requests().iter().map(|r| format!("{} {}", r.method, r.path)).collect()
    }

    /// Sends a dispatch, after checking serenity can read it.
    pub fn dispatch(&self, event: &str, data: Value) {
        payloads::check_dispatch(event, &data);
        let s = self.shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let frame = json!({"op": 0, "t": event, "s": s, "d": data}).to_string();
        self.send(Cmd::Send(frame));
    }

    /// Closes the current gateway connection with a close code.
    pub fn close(&self, code: u16) {
        self.send(Cmd::Close(code));
    }

    fn send(&self, cmd: Cmd) {
        let conn = self.shared.conn.lock().unwrap();
        conn.as_ref().expect("the bot is connected to the gateway").send(cmd).ok();
    }

    /// Sends an interaction and returns the callback body the bot answered with.
    pub async fn interact(&self, interaction: Value) -> Value {
        let id: u64 = interaction["id"].as_str().unwrap().parse().unwrap();
        self.dispatch("INTERACTION_CREATE", interaction);
        self.callback(id).await
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v10/gateway", get(gateway_url))
        .route("/api/v10/gateway/bot", get(gateway_bot))
        .route("/ws", get(ws))
        .fallback(any(rest))
        .with_state(shared)
}

fn ws_url(shared: &Shared) -> String {
    format!("ws://{}/ws", shared.addr.lock().unwrap().unwrap())
}

async fn gateway_url(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({ "url": ws_url(&shared) }))
}

async fn gateway_bot(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({
        "url": ws_url(&shared),
        "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
    }))
}

async fn rest(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()))
    };
    let request = Request { method: method.to_string(), path: path.clone(), headers, body: body.clone() };
    let scripted = if path.ends_with("/callback") { shared.callback_script.lock().unwrap().pop_front() } else { None };
    shared.requests.lock().unwrap().push(request);
    shared.changed.notify_waiters();

    if let Some((status, body, headers)) = scripted {
        let mut response = (StatusCode::from_u16(status).unwrap(), Json(body)).into_response();
        for (k, v) in headers {
            response.headers_mut().insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                axum::http::HeaderValue::from_str(&v).unwrap(),
            );
        }
        return response;
    }
    let segments: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        (_, ["interactions", _, _, "callback"]) => StatusCode::NO_CONTENT.into_response(),
        ("PUT", ["applications", _, "commands"]) | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
            Json(json!([])).into_response()
        }
        ("POST", ["channels", channel, "messages"]) => {
            let channel: u64 = channel.parse().unwrap_or(CHANNEL_ID);
            let mut msg = payloads::message(channel, BOT_ID, body.get("content").and_then(Value::as_str).unwrap_or(""));
            msg["author"]["bot"] = json!(true);
            Json(msg).into_response()
        }
        ("DELETE", ["channels", _, "messages", _]) => StatusCode::NO_CONTENT.into_response(),
        ("PATCH", ["channels", channel, "messages", message]) => {
            let channel: u64 = channel.parse().unwrap_or(CHANNEL_ID);
            let mut msg = payloads::message(channel, BOT_ID, body.get("content").and_then(Value::as_str).unwrap_or(""));
            msg["id"] = json!(message);
            msg["author"]["bot"] = json!(true);
            Json(msg).into_response()
        }
        ("PATCH", ["webhooks", _, _, "messages", "@original"]) => {
            let mut msg =
                payloads::message(CHANNEL_ID, BOT_ID, body.get("content").and_then(Value::as_str).unwrap_or(""));
            msg["author"]["bot"] = json!(true);
            Json(msg).into_response()
        }
        ("GET", ["oauth2", "applications", "@me"]) => {
            let mut app = payloads::application();
            app["flags"] = json!(shared.app_flags.load(Ordering::SeqCst));
            Json(app).into_response()
        }
        ("GET", ["users", "@me"]) => Json(payloads::bot_user()).into_response(),
        _ => (StatusCode::NOT_FOUND, Json(json!({"message": "404: Not Found", "code": 0}))).into_response(),
    }
}

async fn ws(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| connection(shared, socket))
}

async fn connection(shared: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    *shared.conn.lock().unwrap() = Some(tx);
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 41250}});
    if socket.send(WsMessage::Text(hello.to_string().into())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(Cmd::Send(text)) => {
                    if socket.send(WsMessage::Text(text.into())).await.is_err() { return; }
                }
                Some(Cmd::Close(code)) => {
                    let _ = socket.send(WsMessage::Close(Some(CloseFrame { code, reason: "fake close".into() }))).await;
                    return;
                }
                None => return,
            },
            incoming = socket.recv() => {
                let Some(Ok(msg)) = incoming else { return };
                let text = match msg {
                    WsMessage::Text(t) => t.to_string(),
                    WsMessage::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
                    WsMessage::Close(_) => return,
                    _ => continue,
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                match payload["op"].as_u64() {
                    Some(1) => {
                        let _ = socket.send(WsMessage::Text(json!({"op": 11}).to_string().into())).await;
                    }
                    Some(2) => {
                        shared.identify_intents.lock().unwrap().push(payload["d"]["intents"].as_u64().unwrap_or(0));
                        shared.identifies.fetch_add(1, Ordering::SeqCst);
                        shared.changed.notify_waiters();
                        let what = *shared.on_identify.lock().unwrap();
                        match what {
                            OnIdentify::Close(code) => {
                                let _ = socket.send(WsMessage::Close(Some(CloseFrame { code, reason: "fake close".into() }))).await;
                                return;
                            }
                            OnIdentify::Ready => {
                                for (t, d) in [("READY", payloads::ready(&ws_url(&shared))), ("GUILD_CREATE", payloads::guild_create())] {
                                    payloads::check_dispatch(t, &d);
                                    let s = shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
                                    let frame = json!({"op": 0, "t": t, "s": s, "d": d}).to_string();
                                    if socket.send(WsMessage::Text(frame.into())).await.is_err() { return; }
                                }
                            }
                        }
                    }
                    Some(6) => {
                        shared.resumes.fetch_add(1, Ordering::SeqCst);
                        shared.changed.notify_waiters();
                        let s = shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
                        let frame = json!({"op": 0, "t": "RESUMED", "s": s, "d": {}}).to_string();
                        if socket.send(WsMessage::Text(frame.into())).await.is_err() { return; }
                    }
                    _ => {}
                }
            }
        }
    }
}
