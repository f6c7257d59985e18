//! `stackpick serve`: signed requests in the shapes Discord documents, every
//! rejection, and the same answers as the gateway bot.

use stackpick_fake_discord as fake;
use stackpick_test_support as common;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use ed25519_dalek::SigningKey;
use fake::payloads as p;
use fake::FakeDiscord;
use serde_json::{json, Value};
use serenity::all::{GuildId, HttpBuilder};
use stackpick::bot::{Bot, Config};
use stackpick::serve::{self, AppState, PublicKey};
use tower::ServiceExt;

/// Now, as Discord signs it: requests are signed with the current time.
fn key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

use common::{now_ts, sign};

/// The endpoint's router, driven in process (`Router` + `oneshot`): these
/// tests are about requests and answers, which a socket adds nothing to; the
/// process tests below keep the socket where connections are the point.
struct Server {
    app: axum::Router,
}

async fn start(http: Option<Arc<serenity::all::Http>>) -> Server {
    let config = Config { cooldown: Duration::ZERO, ..Config::default() };
    let bot = Arc::new(Bot::new(common::engine_owned(), common::pack_dir(), config));
    let key = PublicKey::from_hex(&hex::encode(key().verifying_key().to_bytes())).unwrap();
    Server { app: serve::router(Arc::new(AppState { bot, key, http })) }
}

impl Server {
    /// One request through the router: status, content type and body.
    async fn send(&self, request: Request<Body>) -> (u16, String, String) {
        let res = self.app.clone().oneshot(request).await.unwrap();
        let status = res.status().as_u16();
        let ctype = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
        (status, ctype, String::from_utf8(body.to_vec()).unwrap())
    }

    async fn get(&self, path: &str) -> (u16, String, String) {
        self.send(Request::get(path).body(Body::empty()).unwrap()).await
    }

    async fn post_raw(&self, body: Vec<u8>, headers: &[(&str, String)]) -> (u16, String, String) {
        let mut req = Request::post("/interactions").header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    async fn post_signed(&self, body: Vec<u8>) -> (u16, String, String) {
        let ts = now_ts();
        let sig = sign(&key(), &ts, &body);
        self.post_raw(body, &[("x-signature-ed25519", sig), ("x-signature-timestamp", ts)]).await
    }

    async fn interact(&self, interaction: &Value) -> Value {
        let (status, ctype, body) = self.post_signed(serde_json::to_vec(interaction).unwrap()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(ctype, "application/json");
        serde_json::from_str(&body).unwrap()
    }
}

#[tokio::test]
async fn ping_gets_exactly_a_pong() {
    let s = start(None).await;
    let (status, ctype, body) =
        s.post_signed(br#"{"type":1,"id":"1","application_id":"2","token":"t","version":1}"#.to_vec()).await;
    assert_eq!((status, ctype.as_str(), body.as_str()), (200, "application/json", r#"{"type":1}"#));
    assert_eq!(s.get("/healthz").await.0, 200);
}

#[tokio::test]
async fn documented_interactions_are_answered_in_the_body() {
    let s = start(None).await;
    let body = s.interact(&p::slash("ask", json!([{"type": 3, "name": "question", "value": "which is faster?"}, {"type": 5, "name": "private", "value": false}]))).await;
    assert_eq!(body["type"], 4);
    assert_eq!(body["data"]["embeds"][0]["title"], "Performance and speed");
    assert_eq!(body["data"]["allowed_mentions"]["parse"], json!([]));

    let body = s.interact(&p::autocomplete("compare", "topic", "learn")).await;
    assert_eq!(body["type"], 8);
    assert_eq!(body["data"]["choices"][0]["value"], "learning-curve");

    let body = s.interact(&p::button("sp1:t:community", p::MEMBER_PERMS, fake::USER_ID)).await;
    assert_eq!(body["data"]["embeds"][0]["title"], "Community");
    assert_eq!(body["data"]["flags"], 64);

    let body = s.interact(&p::select("sp1:menu", &["future"])).await;
    assert_eq!(body["data"]["embeds"][0]["title"], "The outlook for Node.js and Python");

    let body = s.interact(&p::modal_submit("sp1:askm", "question", "which is faster?")).await;
    assert_eq!(body["type"], 4);
    assert_eq!(body["data"]["flags"], 64, "the form's answer is private");
    assert_eq!(body["data"]["embeds"][0]["title"], "Performance and speed");
}

#[tokio::test]
async fn every_bad_request_gets_its_status() {
    let s = start(None).await;
    let good = serde_json::to_vec(&p::ask("which is faster?", json!([]))).unwrap();
    let now = now_ts();
    let sig = sign(&key(), &now, &good);
    let ts = ("x-signature-timestamp", now.clone());

    // Missing headers, garbage signature, another key, tampered body, wrong timestamp: 401.
    assert_eq!(s.post_raw(good.clone(), &[]).await.0, 401);
    assert_eq!(s.post_raw(good.clone(), &[("x-signature-ed25519", sig.clone())]).await.0, 401);
    assert_eq!(s.post_raw(good.clone(), &[("x-signature-ed25519", "zz".into()), ts.clone()]).await.0, 401);
    let other = SigningKey::from_bytes(&[9u8; 32]);
    assert_eq!(
        s.post_raw(good.clone(), &[("x-signature-ed25519", sign(&other, &now, &good)), ts.clone()]).await.0,
        401
    );
    let mut tampered = good.clone();
    let pos = tampered.windows(6).position(|w| w == b"faster").unwrap();
    tampered[pos] = b'F';
    assert_eq!(s.post_raw(tampered, &[("x-signature-ed25519", sig.clone()), ts.clone()]).await.0, 401);
    assert_eq!(
        s.post_raw(good.clone(), &[("x-signature-ed25519", sig), ("x-signature-timestamp", "1".into())]).await.0,
        401
    );

    // Signed, but more than 5 minutes from now either way: a replay, 401.
    let secs: i64 = now.parse().unwrap();
    for skew in [-301, 301, -86_400] {
        let then = (secs + skew).to_string();
        let stale = [("x-signature-ed25519", sign(&key(), &then, &good)), ("x-signature-timestamp", then)];
        let (status, _, body) = s.post_raw(good.clone(), &stale).await;
        assert_eq!(status, 401, "skew {skew}");
        assert!(body.contains("timestamp"), "{body}");
    }
    // Within the window either way: fine.
    for skew in [-290, 290] {
        let then = (secs + skew).to_string();
        let fresh = [("x-signature-ed25519", sign(&key(), &then, &good)), ("x-signature-timestamp", then)];
        assert_eq!(s.post_raw(good.clone(), &fresh).await.0, 200, "skew {skew}");
    }

    // Over 64 KiB: 413, even when signed.
    let big = format!(r#"{{"type":2,"pad":"{}"}}"#, "x".repeat(70 * 1024)).into_bytes();
    assert_eq!(s.post_signed(big).await.0, 413);

    // Signed but not an interaction: 400 with a short reason.
    let (status, _, body) = s.post_signed(b"not json".to_vec()).await;
    assert_eq!((status, body.as_str()), (400, "body is not JSON"));
    let (status, _, body) = s.post_signed(br#"{"hello":"world"}"#.to_vec()).await;
    assert_eq!((status, body.as_str()), (400, "not an interaction: no type"));
    let (status, _, body) = s.post_signed(br#"{"type":99}"#.to_vec()).await;
    assert_eq!((status, body.as_str()), (400, "unknown interaction type"));
    let (status, _, body) = s.post_signed(br#"{"type":2,"data":"nope"}"#.to_vec()).await;
    assert_eq!((status, body.as_str()), (400, "not an interaction Discord would send"));
}

#[tokio::test]
async fn actions_that_need_the_token_say_so_without_it() {
    let s = start(None).await;
    let body = s.interact(&p::button(&format!("sp1:d:{}", fake::USER_ID), p::MEMBER_PERMS, fake::USER_ID)).await;
    assert!(body["data"]["content"].as_str().unwrap().contains("without the bot token"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_token_follow_ups_reach_discord() {
    let fake = FakeDiscord::start().await;
    let http = HttpBuilder::new("fake-token").proxy(fake.url()).ratelimiter_disabled(true).build();
    let s = start(Some(Arc::new(http))).await;
    let press = p::button(&format!("sp1:d:{}", fake::USER_ID), p::MEMBER_PERMS, fake::USER_ID);
    let message = press["message"]["id"].as_str().unwrap().to_owned();
    let body = s.interact(&press).await;
    assert_eq!(body["type"], 6);
    fake.wait_for("the delete", |r| r.method == "DELETE" && r.path.ends_with(&message)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_and_gateway_answer_the_same_interaction_identically() {
    let fake = FakeDiscord::start().await;
    let config = Config { cooldown: Duration::ZERO, ..Config::default() };
    let bot = Arc::new(Bot::new(common::engine_owned(), common::pack_dir(), config));
    let url = fake.url();
    let http = move || HttpBuilder::new("fake-token").proxy(url.clone()).ratelimiter_disabled(true).build();
    let registration = stackpick::gateway::Registration::Guild(GuildId::new(fake::GUILD_ID));
    tokio::spawn(stackpick::gateway::run(
        bot,
        http,
        stackpick::gateway::Options::new(registration, stackpick::gateway::Sharding::Auto),
    ));
    fake.wait_for("registration", |r| r.method == "PUT").await;
    let s = start(None).await;

    let interactions = [
        p::ask("we're building a chat app, node or python?", json!([])),
        p::slash("compare", json!([{"type": 3, "name": "topic", "value": "cost"}])),
        p::slash(
            "recommend",
            json!([{"type": 3, "name": "use_case", "value": "iot"}, {"type": 3, "name": "priority", "value": "ease"}]),
        ),
        p::slash("topics", json!([])),
        p::autocomplete("compare", "topic", "sec"),
        p::button("sp1:t:security", p::MEMBER_PERMS, fake::USER_ID),
        p::select("sp1:menu", &["popularity"]),
        p::button("sp0:old", p::MEMBER_PERMS, fake::USER_ID),
    ];
    for interaction in interactions {
        let via_http = s.interact(&interaction).await;
        let via_gateway = fake.interact(interaction).await;
        assert_eq!(via_http, via_gateway);
    }
}

#[test]
fn serve_refuses_a_malformed_public_key_with_one_clear_line() {
    let db = common::TempDb::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .arg("serve")
        .current_dir(db.dir())
        .env("DATABASE_URL", db.url())
        .env("DISCORD_PUBLIC_KEY", "not-hex")
        .env("STACKPICK_KNOWLEDGE", common::pack_dir())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("DISCORD_PUBLIC_KEY must be 64 hex characters"), "{err}");
}

#[tokio::test]
async fn serve_starts_with_the_public_key_alone_and_stops_on_sigterm() {
    let port = common::free_port();
    let db = common::TempDb::new();
    let public_key = hex::encode(key().verifying_key().to_bytes());
    let mut child = common::serve_command(env!("CARGO_BIN_EXE_stackpick"), port, &db.url(), &public_key)
        .current_dir(db.dir())
        .env_remove("DISCORD_APPLICATION_ID")
        .spawn()
        .unwrap();
    assert!(common::until_healthy(&format!("http://127.0.0.1:{port}")).await, "serve did not come up");
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.unwrap().unwrap();
    assert!(status.success());
}

#[test]
fn serve_on_a_busy_port_fails_before_touching_the_database() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap();
    let db = common::TempDb::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .args(["serve", "--addr", &addr.to_string()])
        .current_dir(db.dir())
        .env("DATABASE_URL", db.url())
        .env("DISCORD_PUBLIC_KEY", hex::encode(key().verifying_key().to_bytes()))
        .env("STACKPICK_KNOWLEDGE", common::pack_dir())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert!(!db.dir().join("stackpick.db").exists(), "the database was created before the bind failed");
}

/// Holding more idle connections than the process may open files must not
/// take the endpoint offline: a new request is still answered within 1 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_beyond_the_open_file_limit_do_not_take_the_endpoint_offline() {
    let port = common::free_port();
    let db = common::TempDb::new();
    let public_key = hex::encode(key().verifying_key().to_bytes());
    let mut cmd = common::serve_command(env!("CARGO_BIN_EXE_stackpick"), port, &db.url(), &public_key);
    cmd.current_dir(db.dir());
    // A hard limit of 256 open files, which the server cannot raise.
    unsafe {
        cmd.pre_exec(|| rlimit::setrlimit(rlimit::Resource::NOFILE, 256, 256));
    }
    let _child = cmd.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    assert!(common::until_healthy(&base).await, "serve did not come up");

    // 300 connections that send nothing, held open.
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let body =
        serde_json::to_vec(&json!({"type": 1, "id": "1", "application_id": "2", "token": "t", "version": 1})).unwrap();
    let ts = now_ts();
    let sig = sign(&key(), &ts, &body);
    let fresh = reqwest::Client::new();
    let started = std::time::Instant::now();
    let res = tokio::time::timeout(
        Duration::from_secs(1),
        fresh
            .post(format!("{base}/interactions"))
            .header("content-type", "application/json")
            .header("x-signature-ed25519", sig)
            .header("x-signature-timestamp", ts)
            .body(body)
            .send(),
    )
    .await
    .expect("answered within 1 s")
    .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), r#"{"type":1}"#);
    assert!(started.elapsed() < Duration::from_secs(1));
    drop(idle);
}

/// Over HTTP too: /setup on a stalled database answers "thinking…" in the
/// body within the window, and the reply follows as an edit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_on_a_stalled_database_defers_in_the_body_then_edits() {
    let fake = FakeDiscord::start().await;
    let db = common::TempDb::new();
    let store = stackpick::store::SqliteStore::open(&db.url()).await.unwrap();
    let config = Config { cooldown: Duration::ZERO, ..Config::default() };
    let bot =
        Arc::new(Bot::new(common::engine_owned(), common::pack_dir(), config).with_store(Arc::new(store), Vec::new()));
    let key_hex = hex::encode(key().verifying_key().to_bytes());
    let http = Arc::new(HttpBuilder::new("fake-token").proxy(fake.url()).ratelimiter_disabled(true).build());
    let s = Server {
        app: serve::router(Arc::new(AppState { bot, key: PublicKey::from_hex(&key_hex).unwrap(), http: Some(http) })),
    };

    let mut locker = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url()).await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut locker).await.unwrap();
    let setup = p::setup(&["cooldown"], json!([{"type": 4, "name": "seconds", "value": 7}]), p::MODERATOR_PERMS);
    let started = std::time::Instant::now();
    let (status, _, body) = s.post_signed(serde_json::to_vec(&setup).unwrap()).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_millis(2500));
    let deferred = serde_json::from_str::<Value>(&body).unwrap();
    assert_eq!(deferred["type"], 5, "{deferred}");
    assert_eq!(deferred["data"]["flags"], 64, "private, like /setup's replies: {deferred}");
    let edit =
        fake.wait_for("the reply as an edit", |q| q.method == "PATCH" && q.path.ends_with("/messages/@original")).await;
    assert!(edit.body["content"].as_str().unwrap_or_default().starts_with("❌ I couldn't save that"), "{}", edit.body);
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
}

/// `GET /metrics` is Prometheus's text format and counts what the endpoint did
/// (other tests in this process count into the same registry, hence "at least").
#[tokio::test]
async fn metrics_count_interactions_and_questions() {
    let s = start(None).await;
    s.interact(&p::ask("which is faster?", json!([]))).await;
    let (status, ctype, text) = s.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("application/openmetrics-text"), "{ctype}");
    let value = |series: &str| common::metric(&text, series);
    assert!(value("stackpick_interactions_total{face=\"Http\"}") >= 1.0);
    assert!(value("stackpick_questions_total{outcome=\"Answered\"}") >= 1.0);
    assert!(value("stackpick_answer_seconds_count") >= 1.0);
    assert!(text.contains("stackpick_log_dropped_rows_total") && text.ends_with("# EOF\n"));
}
