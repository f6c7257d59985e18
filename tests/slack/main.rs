//! The Slack face against a fake Slack on 127.0.0.1: signed requests into
//! `POST /slack/events` (through the router, no socket needed), Socket Mode
//! over the fake's websocket, and the Web API calls the bot makes recorded
//! by the fake (`fake.rs`). `parity.rs` compares what Slack and Discord show.

use stackpick_test_support as common;
mod binary;
mod fake;
mod interactive;
mod oauth;
mod parity;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use fake::*;
use serde_json::{json, Value};
use stackpick::bot::{Bot, Config};
use stackpick_slack::serve::AppState;
use stackpick_slack::web::Web;
use tower::ServiceExt;

#[tokio::test]
async fn requests_without_a_valid_fresh_signature_are_refused_before_anything_is_read() {
    let (app, fake, _) = app().await;
    let body = slash_body("U1", "which is faster?");
    let now = common::now_ts();
    let form = "application/x-www-form-urlencoded";
    assert_eq!(post(&app, form, &body, &now, "v0=00").await.0, StatusCode::UNAUTHORIZED);
    let other = format!("{body}&x=1");
    assert_eq!(post(&app, form, &other, &now, &sign(&now, &body)).await.0, StatusCode::UNAUTHORIZED, "another body");
    let old = (now.parse::<i64>().unwrap() - 600).to_string();
    assert_eq!(post(&app, form, &body, &old, &sign(&old, &body)).await.0, StatusCode::UNAUTHORIZED, "a replay");
    let request = Request::post("/slack/events").body(Body::from(body)).unwrap();
    assert_eq!(app.clone().oneshot(request).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert!(fake.calls().is_empty());
}

/// Signed but malformed requests get 400 naming what is wrong; a body past
/// the limit gets 413 before it is read, as on the Discord endpoint.
#[tokio::test]
async fn malformed_or_oversized_requests_get_400_or_413() {
    let (app, fake, _) = app().await;
    let (status, text) = signed(&app, "application/json", "{not json").await;
    assert_eq!((status, text.as_str()), (StatusCode::BAD_REQUEST, "not an Events API request"));
    let (status, text) = signed(&app, "application/x-www-form-urlencoded", "payload=%7Bnope").await;
    assert_eq!((status, text.as_str()), (StatusCode::BAD_REQUEST, "not an interaction payload"));
    let (status, text) = signed(&app, "application/x-www-form-urlencoded", "hello=there").await;
    assert_eq!((status, text.as_str()), (StatusCode::BAD_REQUEST, "not a slash command"));
    let huge = format!("text={}", "a".repeat(stackpick_slack::serve::MAX_BODY + 1));
    let (status, _) = signed(&app, "application/x-www-form-urlencoded", &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn the_url_check_gets_its_challenge_back() {
    let (app, _, _) = app().await;
    let body = json!({"type": "url_verification", "token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}).to_string();
    let (status, reply) = signed(&app, "application/json", &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&reply).unwrap()["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
}

#[tokio::test]
async fn the_slash_command_answers_privately_and_reads_its_first_word_by_the_rule() {
    let (app, _, _) = app().await;
    let answer = slash(&app, "U1", "which is faster?").await;
    assert_eq!(answer["response_type"], "ephemeral");
    assert_eq!(answer["blocks"][0]["type"], "header");
    assert!(answer["blocks"][0]["text"]["text"].as_str().unwrap().contains("Performance"), "{answer}");
    assert!(answer["text"].as_str().is_some_and(|t| !t.is_empty()), "a notification fallback");

    let help = slash(&app, "U2", "help").await;
    assert!(help["blocks"][0]["text"]["text"].as_str().unwrap().starts_with("stackpick"), "{help}");
    // "help" followed by a question is the question.
    let question = slash(&app, "U3", "help me compare speed, which is faster?").await;
    assert!(question["blocks"][0]["text"]["text"].as_str().unwrap().contains("Performance"), "{question}");

    let compare = slash(&app, "U4", "compare performance").await;
    assert!(compare["blocks"][0]["text"]["text"].as_str().unwrap().contains("Performance"), "{compare}");
    // Settings and reports are for workspace admins (users.info says U5 is not one).
    let kb = slash(&app, "U5", "kb stats").await;
    assert!(kb["text"].as_str().unwrap().contains("Only workspace admins and owners"), "{kb}");
}

#[tokio::test]
async fn a_mention_is_answered_in_a_thread_once_even_when_slack_retries() {
    let (app, fake, _) = app().await;
    let mention = event(
        "Ev1",
        json!({"type": "app_mention", "user": "U9", "text": format!("<@{BOT_USER}> <!channel> which is faster?"),
               "ts": "1700000000.000100", "channel": "C0GENERAL", "event_ts": "1700000000.000100"}),
    );
    assert_eq!(signed(&app, "application/json", &mention).await.0, StatusCode::OK);
    // Slack's retry of the same event (X-Slack-Retry-Num) is acknowledged, not answered again.
    assert_eq!(signed(&app, "application/json", &mention).await.0, StatusCode::OK);
    let calls = fake.wait_for("the answer", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let posts: Vec<_> = fake.calls().into_iter().filter(|(p, _)| p.ends_with("chat.postMessage")).collect();
    assert_eq!(posts.len(), 1, "{calls:?}");
    let body = &posts[0].1;
    assert_eq!(body["channel"], "C0GENERAL");
    assert_eq!(body["thread_ts"], "1700000000.000100", "answered in a thread under the mention");
    assert_eq!(body["unfurl_links"], false);
    let sent = body.to_string();
    assert!(sent.contains("Performance"), "{sent}");
    for mention in ["<!channel>", "<!here>", "<!everyone>"] {
        assert!(!sent.contains(mention), "{sent}");
    }
}

/// Behind a load balancer Slack's retry of an event may reach another
/// replica: two processes sharing one Postgres store answer it once, whichever
/// claims it first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_that_reaches_another_replica_is_answered_once() {
    use stackpick::store::{KeySource, OpenOptions, PostgresStore};
    let Some(cluster) = common::postgres::Cluster::start() else { return };
    let url = cluster.database("slack_replicas");
    let (fake, fake_url) = Fake::start().await;
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let options = OpenOptions { key: KeySource::Key([9; 32]), ..OpenOptions::default() };
        let store = Arc::new(PostgresStore::open_with(&url, options).await.unwrap());
        let bot = Bot::new(common::engine_owned(), common::pack_dir(), Config::default()).with_store(store, Vec::new());
        let web = Web::new(&format!("{fake_url}/api"), secrecy::SecretString::new("xoxb-test".to_owned())).unwrap();
        replicas.push(stackpick_slack::serve::router(Arc::new(AppState::new(Arc::new(bot), SECRET, Some(web)))));
    }
    let mention = event(
        "Ev50",
        json!({"type": "app_mention", "user": "U50", "text": format!("<@{BOT_USER}> which is faster?"),
               "ts": "1700000000.005000", "channel": "C0GENERAL", "event_ts": "1700000000.005000"}),
    );
    for replica in &replicas {
        assert_eq!(signed(replica, "application/json", &mention).await.0, StatusCode::OK, "acknowledged by both");
    }
    let posts = fake.settled_posts("the answer").await;
    assert_eq!(posts.len(), 1, "answered once: {posts:?}");
    // Another event (another member's: the cooldown is per process) is still answered.
    let other = mention.replace("Ev50", "Ev51").replace("1700000000.005000", "1700000000.005100").replace("U50", "U51");
    assert_eq!(signed(&replicas[1], "application/json", &other).await.0, StatusCode::OK);
    for _ in 0..100 {
        if fake.posts().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(fake.posts().len(), 2);
}

#[tokio::test]
async fn a_direct_message_is_answered_inline_and_the_bots_own_messages_never() {
    let (app, fake, _) = app().await;
    let own = event(
        "Ev2",
        json!({"type": "message", "channel_type": "im", "user": BOT_USER, "bot_id": "B1", "text": "which is faster?",
               "ts": "1700000000.000300", "channel": "D0DM"}),
    );
    assert_eq!(signed(&app, "application/json", &own).await.0, StatusCode::OK);
    let dm = event(
        "Ev3",
        json!({"type": "message", "channel_type": "im", "user": "U7", "text": "which is easier to learn?",
               "ts": "1700000000.000400", "channel": "D0DM"}),
    );
    assert_eq!(signed(&app, "application/json", &dm).await.0, StatusCode::OK);
    let calls = fake.wait_for("the DM answer", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.calls().len(), 1, "{calls:?}");
    let body = &calls[0].1;
    assert_eq!(body["channel"], "D0DM");
    assert!(body.get("thread_ts").is_none(), "inline in a DM: {body}");
    assert!(body.to_string().contains("Learning curve"), "{body}");
    // Plain chatter in a channel that is not an answer channel is left alone.
    let chatter = event(
        "Ev4",
        json!({"type": "message", "channel_type": "channel", "user": "U7", "text": "which is faster?",
               "ts": "1700000000.000500", "channel": "C0GENERAL"}),
    );
    assert_eq!(signed(&app, "application/json", &chatter).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.calls().len(), 1);
}

#[tokio::test]
async fn a_button_is_acknowledged_and_answered_through_its_response_url() {
    let (app, fake, url) = app().await;
    let payload = json!({
        "type": "block_actions", "user": {"id": "U8"}, "team": {"id": TEAM}, "channel": {"id": "C0GENERAL"},
        "container": {"type": "message", "message_ts": "1700000000.000600", "channel_id": "C0GENERAL"},
        "response_url": format!("{url}/hooks/42"), "trigger_id": "1.2.3",
        "actions": [{"action_id": "sp1:t:performance", "type": "button", "value": "sp1:t:performance", "block_id": "b"}],
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    let (status, reply) = signed(&app, "application/x-www-form-urlencoded", &body).await;
    assert_eq!((status, reply.as_str()), (StatusCode::OK, ""));
    let calls = fake.wait_for("the response_url answer", 1).await;
    assert_eq!(calls[0].0, "/hooks/42");
    assert!(calls[0].1.to_string().contains("Performance"), "{:?}", calls[0]);
}

/// A Web API 429 is waited out (its Retry-After) and the answer still sent.
#[tokio::test]
async fn a_rate_limited_answer_is_sent_after_the_wait_slack_asks_for() {
    let (app, fake, _) = app().await;
    *fake.limited.lock().unwrap() = 1;
    let dm = event(
        "Ev9",
        json!({"type": "message", "channel_type": "im", "user": "U6", "text": "which is faster?",
               "ts": "1700000000.000700", "channel": "D0DM"}),
    );
    assert_eq!(signed(&app, "application/json", &dm).await.0, StatusCode::OK);
    let calls = fake.wait_for("the retried answer", 2).await;
    assert!(calls.iter().all(|(p, _)| p.ends_with("chat.postMessage")), "{calls:?}");
    assert_eq!(calls[0].1, calls[1].1, "the same answer, sent again");
}

/// A workspace admin makes a channel an answer channel; questions posted
/// there are answered in a thread, chatter is left alone.
#[tokio::test]
async fn an_admin_sets_an_answer_channel_and_questions_there_are_answered() {
    let db = common::TempDb::new();
    let store = stackpick::store::SqliteStore::open(&db.url()).await.unwrap();
    let bot =
        Bot::new(common::engine_owned(), common::pack_dir(), Config::default()).with_store(Arc::new(store), Vec::new());
    let (app, fake, _) = app_with(bot).await;
    let refused = slash(&app, "U5", "setup answer-channel add <#C0ANS|answers>").await;
    assert!(refused["text"].as_str().unwrap().contains("Only workspace admins"), "{refused}");
    let done = slash(&app, "UADMIN", "setup answer-channel add <#C0ANS|answers>").await;
    let text = done["blocks"][0]["text"]["text"].as_str().unwrap();
    assert!(text.starts_with("✅ <#C0ANS> is an answer channel"), "{done}");

    let chatter = event(
        "Ev20",
        json!({"type": "message", "channel_type": "channel", "user": "U7", "text": "hey all, lunch?",
               "ts": "1700000000.000800", "channel": "C0ANS"}),
    );
    assert_eq!(signed(&app, "application/json", &chatter).await.0, StatusCode::OK);
    let question = event(
        "Ev21",
        json!({"type": "message", "channel_type": "channel", "user": "U7", "text": "which is faster?",
               "ts": "1700000000.000900", "channel": "C0ANS"}),
    );
    assert_eq!(signed(&app, "application/json", &question).await.0, StatusCode::OK);
    let sent = fake.settled_posts("the answer in the thread").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((&sent[0]["channel"], &sent[0]["thread_ts"]), (&json!("C0ANS"), &json!("1700000000.000900")));
    assert!(sent[0].to_string().contains("Performance"), "{}", sent[0]);
}

/// Socket Mode: the bot opens the websocket with the app-level token, and
/// every envelope is acknowledged by its id — a mention answered through the
/// Web API, the slash command answered in its acknowledgement.
#[tokio::test]
async fn socket_mode_acknowledges_every_envelope_and_answers_through_the_same_handlers() {
    let (fake, url) = Fake::start().await;
    let mention = json!({"type": "event_callback", "team_id": TEAM, "event_id": "Ev30",
        "authorizations": [{"user_id": BOT_USER}],
        "event": {"type": "app_mention", "user": "U9", "text": format!("<@{BOT_USER}> which is faster?"),
                  "ts": "1700000001.000100", "channel": "C0GENERAL"}});
    let command = json!({"command": "/stackpick", "text": "which is easier to learn?", "team_id": TEAM,
        "channel_id": "C0GENERAL", "user_id": "U10", "response_url": "https://hooks.slack.com/x", "trigger_id": "t"});
    *fake.script.lock().unwrap() = vec![
        json!({"type": "events_api", "envelope_id": "env-1", "payload": mention, "accepts_response_payload": false}),
        json!({"type": "slash_commands", "envelope_id": "env-2", "payload": command, "accepts_response_payload": true}),
    ];
    let bot = Arc::new(Bot::new(common::engine_owned(), common::pack_dir(), Config::default()));
    let web = Web::new(&format!("{url}/api"), secrecy::SecretString::new("xoxb-test".to_owned())).unwrap();
    let state = Arc::new(AppState::new(bot, "", Some(web)));
    let run = tokio::spawn(stackpick_slack::socket::run(state, secrecy::SecretString::new("xapp-test".to_owned())));
    let mut acks = Vec::new();
    for _ in 0..200 {
        acks = fake.socket_received.lock().unwrap().clone();
        let posted = fake.calls().iter().any(|(p, _)| p.ends_with("chat.postMessage"));
        if acks.len() >= 2 && posted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    run.abort();
    let ack = |id: &str| acks.iter().find(|a| a["envelope_id"] == id).cloned();
    assert!(ack("env-1").is_some_and(|a| a.get("payload").is_none()), "{acks:?}");
    let slash = ack("env-2").unwrap_or_else(|| panic!("{acks:?}"));
    assert_eq!(slash["payload"]["response_type"], "ephemeral");
    assert!(slash["payload"].to_string().contains("Learning curve"), "{slash}");
    let calls = fake.calls();
    assert!(calls.iter().any(|(p, _)| p.ends_with("apps.connections.open")), "{calls:?}");
    let post = calls.iter().find(|(p, _)| p.ends_with("chat.postMessage")).expect("the mention answered");
    assert_eq!(post.1["thread_ts"], "1700000001.000100");
    assert!(post.1.to_string().contains("Performance"), "{}", post.1);
}

/// With welcomes on (a workspace admin's `setup welcome dm`), someone who
/// joins the workspace is welcomed once, by direct message, and only they
/// are mentioned.
#[tokio::test]
async fn a_new_member_is_welcomed_once_when_an_admin_turned_welcomes_on() {
    let db = common::TempDb::new();
    let store = stackpick::store::SqliteStore::open(&db.url()).await.unwrap();
    let bot =
        Bot::new(common::engine_owned(), common::pack_dir(), Config::default()).with_store(Arc::new(store), Vec::new());
    let (app, fake, _) = app_with(bot).await;
    let joined =
        |id: &str| event(id, json!({"type": "team_join", "user": {"id": "U0NEW", "name": "new", "is_bot": false}}));
    assert_eq!(signed(&app, "application/json", &joined("Ev50")).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(fake.calls().iter().all(|(p, _)| !p.ends_with("chat.postMessage")), "welcomes are off by default");

    let on = slash(&app, "UADMIN", "setup welcome dm").await;
    assert!(on["blocks"][0]["text"]["text"].as_str().unwrap().contains("Onboarding is on"), "{on}");
    let robot = event("Ev51", json!({"type": "team_join", "user": {"id": "U0BOT2", "is_bot": true}}));
    assert_eq!(signed(&app, "application/json", &robot).await.0, StatusCode::OK);
    assert_eq!(signed(&app, "application/json", &joined("Ev52")).await.0, StatusCode::OK);
    // The same member seen again (another event id) is not welcomed twice.
    assert_eq!(signed(&app, "application/json", &joined("Ev53")).await.0, StatusCode::OK);
    let sent = fake.settled_posts("the welcome").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["channel"], "U0NEW", "by direct message");
    let text = sent[0].to_string();
    assert!(text.contains("<@U0NEW>") && !text.contains("U0BOT2"), "{text}");
}

/// A reply that waits on a stalled database is acknowledged within Slack's
/// 3 seconds with "working on it", and follows through `response_url`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_setup_is_acknowledged_in_time_and_answered_through_its_response_url() {
    let db = common::TempDb::new();
    let store = stackpick::store::SqliteStore::open(&db.url()).await.unwrap();
    let bot =
        Bot::new(common::engine_owned(), common::pack_dir(), Config::default()).with_store(Arc::new(store), Vec::new());
    let (app, fake, url) = app_with(bot).await;
    let mut locker = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url()).await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut locker).await.unwrap();
    let body = serde_urlencoded::to_string([
        ("command", "/stackpick"),
        ("text", "setup cooldown 7"),
        ("team_id", TEAM),
        ("channel_id", "C0GENERAL"),
        ("user_id", "UADMIN"),
        ("response_url", &format!("{url}/commands/1")),
        ("trigger_id", "1.2.3"),
    ])
    .unwrap();
    let started = std::time::Instant::now();
    let (status, reply) = signed(&app, "application/x-www-form-urlencoded", &body).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_millis(2900), "{:?}", started.elapsed());
    let reply: Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(reply["response_type"], "ephemeral");
    assert!(reply["text"].as_str().unwrap().starts_with("Working on it"), "{reply}");
    let calls = fake.wait_for("users.info and the late reply", 2).await;
    let late = calls.iter().find(|(p, _)| p == "/commands/1").expect("the reply through response_url");
    assert_eq!(late.1["replace_original"], true);
    assert!(late.1.to_string().contains("I couldn't save that"), "{late:?}");
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
}

/// `GET /metrics` on the Slack endpoint counts the requests it verified.
#[tokio::test]
async fn metrics_count_the_slack_requests() {
    let (app, _, _) = app().await;
    slash(&app, "U15", "which is faster?").await;
    let response = app.clone().oneshot(Request::get("/metrics").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = String::from_utf8(axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap();
    assert!(common::metric(&text, "stackpick_interactions_total{face=\"Slack\"}") >= 1.0, "{text}");
    assert!(text.ends_with("# EOF\n"));
}
