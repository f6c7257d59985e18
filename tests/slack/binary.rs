//! The real binary against the fake Slack: `stackpick slack serve` (the
//! Events API over HTTP) and `stackpick slack run` (Socket Mode), configured
//! from the environment as an operator would, with a database of their own.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::common;
use crate::fake::*;

/// The binary with the Slack credentials and the fake Slack's address.
fn stackpick(args: &[&str], fake_url: &str, db: &common::TempDb) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_stackpick"));
    cmd.args(args)
        .env("SLACK_SIGNING_SECRET", SECRET)
        .env("SLACK_BOT_TOKEN", "xoxb-test")
        .env("SLACK_APP_TOKEN", "xapp-test")
        .env("SLACK_API_URL", format!("{fake_url}/api"))
        .env("DATABASE_URL", db.url())
        .env("STACKPICK_KNOWLEDGE", common::pack_dir())
        .env_remove("DISCORD_TOKEN")
        .env_remove("DISCORD_PUBLIC_KEY")
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    cmd
}

async fn post_signed(base: &str, content_type: &str, body: &str, signature: Option<&str>) -> (StatusCode, String) {
    let ts = common::now_ts();
    let signature = signature.map_or_else(|| sign(&ts, body), str::to_owned);
    let response = reqwest::Client::new()
        .post(format!("{base}/slack/events"))
        .header("content-type", content_type)
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    (status, response.text().await.unwrap())
}

/// `slack serve`: a slash command answered in its response, privately; a
/// mention answered in a thread through the Web API; a forged request
/// refused; SIGTERM a clean stop with the question log written out (before,
/// SIGTERM killed `slack serve` on the spot, with its queued log rows).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_serve_answers_commands_and_mentions_as_a_process() {
    let (fake, fake_url) = Fake::start().await;
    let db = common::TempDb::new();
    let port = common::free_port();
    let mut child = stackpick(&["slack", "serve", "--addr", &format!("127.0.0.1:{port}")], &fake_url, &db)
        .spawn()
        .expect("the binary starts");
    let base = format!("http://127.0.0.1:{port}");
    assert!(common::until_healthy(&base).await, "slack serve never answered /healthz");

    let form = "application/x-www-form-urlencoded";
    let (status, body) = post_signed(&base, form, &slash_body("U70", "which is faster?"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["response_type"], "ephemeral");
    assert!(answer["blocks"][0]["text"]["text"].as_str().unwrap().contains("Performance"), "{answer}");

    let mention = event(
        "Ev70",
        json!({"type": "app_mention", "user": "U71", "text": format!("<@{BOT_USER}> <!here> which is easier to learn?"),
               "ts": "1700000000.007000", "channel": "C0GENERAL", "event_ts": "1700000000.007000"}),
    );
    assert_eq!(post_signed(&base, "application/json", &mention, None).await.0, StatusCode::OK);
    let posts = fake.settled_posts("the mention's answer").await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["thread_ts"], "1700000000.007000");
    assert!(posts[0].to_string().contains("Learning"), "{}", posts[0]);
    assert!(!posts[0].to_string().contains("<!here>"), "nobody pinged: {}", posts[0]);

    let (status, _) = post_signed(&base, form, &slash_body("U72", "which is faster?"), Some("v0=forged")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let pid = child.id().expect("running").to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("stops").unwrap();
    assert!(status.success(), "{status}");
    // Both questions were written out before the process ended.
    let store = stackpick::store::open_for_reports(&db.url()).await.unwrap();
    assert_eq!(store.stats(None, 0).await.unwrap().questions, 2);
}

/// `slack run`: connects over Socket Mode (apps.connections.open, then the
/// fake's websocket), acknowledges the envelope and answers the mention, and
/// serves its metrics at `--metrics-addr`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_run_answers_over_socket_mode_as_a_process() {
    let (fake, fake_url) = Fake::start().await;
    let mention = json!({"type": "event_callback", "team_id": TEAM, "event_id": "Ev80",
        "authorizations": [{"user_id": BOT_USER}],
        "event": {"type": "app_mention", "user": "U80", "text": format!("<@{BOT_USER}> which is faster?"),
                  "ts": "1700000001.008000", "channel": "C0GENERAL"}});
    *fake.script.lock().unwrap() = vec![
        json!({"type": "events_api", "envelope_id": "env-80", "payload": mention, "accepts_response_payload": false}),
    ];
    let db = common::TempDb::new();
    let port = common::free_port();
    let _child = stackpick(&["slack", "run", "--metrics-addr", &format!("127.0.0.1:{port}")], &fake_url, &db)
        .spawn()
        .expect("the binary starts");
    let posts = fake.settled_posts("the answer over Socket Mode").await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["thread_ts"], "1700000001.008000");
    assert!(posts[0].to_string().contains("Performance"), "{}", posts[0]);
    let acks = fake.socket_received.lock().unwrap().clone();
    assert!(acks.iter().any(|a| a["envelope_id"] == "env-80"), "acknowledged: {acks:?}");
    // With no HTTP endpoint of its own, the process serves its counters at --metrics-addr.
    let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await.unwrap().text().await.unwrap();
    assert_eq!(common::metric(&text, "stackpick_questions_total{outcome=\"Answered\"}"), 1.0, "{text}");
}
