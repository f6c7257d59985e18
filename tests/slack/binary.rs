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
/// mention answered in a thread through the Web API, and Slack's retry of it
/// not answered again; a forged request refused; a DM answered inline; a
/// button answered through its response_url; the App Home tab published; a
/// question submitted in the form answered in its place; SIGTERM a clean stop
/// with the question log written out (before, SIGTERM killed `slack serve` on
/// the spot, with its queued log rows).
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
    assert_eq!(posts[0]["thread_ts"], "1700000000.007000");
    assert!(posts[0].to_string().contains("Learning"), "{}", posts[0]);
    assert!(!posts[0].to_string().contains("<!here>"), "nobody pinged: {}", posts[0]);

    // Slack's retry of the same event: acknowledged, not answered again.
    assert_eq!(post_signed(&base, "application/json", &mention, None).await.0, StatusCode::OK);

    let (status, _) = post_signed(&base, form, &slash_body("U72", "which is faster?"), Some("v0=forged")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A direct message, answered inline (no thread).
    let dm = event(
        "Ev71",
        json!({"type": "message", "channel_type": "im", "user": "U73", "text": "what is node.js?",
               "ts": "1700000000.007100", "channel": "D0DM", "event_ts": "1700000000.007100"}),
    );
    assert_eq!(post_signed(&base, "application/json", &dm, None).await.0, StatusCode::OK);
    let calls = fake.wait_for("the DM's answer", 2).await;
    let posts: Vec<&Value> = calls.iter().filter(|(p, _)| p.ends_with("chat.postMessage")).map(|(_, b)| b).collect();
    assert_eq!(posts.len(), 2, "the retried mention was not answered twice: {posts:?}");
    assert_eq!((posts[1]["channel"].as_str(), posts[1].get("thread_ts")), (Some("D0DM"), None));

    // A button on an answer, answered through its response_url.
    let button = json!({"action_id": "sp1:t:scalability", "value": "sp1:t:scalability"});
    let press = press_body("U74", &button, &fake_url, "b70");
    assert_eq!(post_signed(&base, form, &press, None).await.0, StatusCode::OK);
    // The App Home tab, published for whoever opens it.
    let home = event("Ev72", json!({"type": "app_home_opened", "user": "U75", "channel": "D0HOME", "tab": "home"}));
    assert_eq!(post_signed(&base, "application/json", &home, None).await.0, StatusCode::OK);
    let calls = fake.wait_for("the press's answer and the Home tab", 4).await;
    let hook = calls.iter().find(|(p, _)| p == "/hooks/b70").expect("the press answered");
    assert!(hook.1.to_string().contains("Scalability"), "{:?}", hook.1);
    let publish = calls.iter().find(|(p, _)| p.ends_with("views.publish")).expect("the Home tab published");
    assert_eq!(publish.1["user_id"], "U75");

    // A question submitted in the form, answered in its place.
    let submitted = json!({
        "type": "view_submission", "user": {"id": "U76"}, "team": {"id": TEAM}, "trigger_id": "1.2.3",
        "view": {"id": "V70", "callback_id": "sp1:askm",
                 "state": {"values": {"question": {"question": {"type": "plain_text_input", "value": "which is faster?"}}}}},
    });
    let submitted = serde_urlencoded::to_string([("payload", submitted.to_string())]).unwrap();
    let (status, body) = post_signed(&base, form, &submitted, None).await;
    assert_eq!(status, StatusCode::OK);
    let in_place: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(in_place["response_action"], "update");
    assert!(in_place["view"]["blocks"].to_string().contains("Performance"), "{in_place}");
    assert_eq!(fake.posts().len(), 2, "the mention and the DM, each once (the retry never)");

    let pid = child.id().expect("running").to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("stops").unwrap();
    assert!(status.success(), "{status}");
    // Every question (slash command, mention, DM, form) was written out before the process ended.
    let store = stackpick::store::open_for_reports(&db.url()).await.unwrap();
    assert_eq!(store.stats(None, 0).await.unwrap().questions, 4);
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
