//! The gateway bot against a fake Discord on 127.0.0.1: real serenity client,
//! real HTTP and websocket, asserting the bodies the bot sends.

use stackpick_fake_discord as fake;
use stackpick_test_support as common;

use std::sync::Arc;
use std::time::Duration;

use fake::payloads::{self as p, MEMBER_PERMS, MODERATOR_PERMS};
use fake::{FakeDiscord, ANSWER_CHANNEL_ID, BOT_ID, CHANNEL_ID, GUILD_ID, OTHER_USER_ID, USER_ID};
use serde_json::{json, Value};
use serenity::all::{GuildId, HttpBuilder};
use stackpick::bot::{Bot, Config};
use stackpick::gateway::{self, Registration, Sharding};

fn config() -> Config {
    Config {
        cooldown: Duration::from_secs(3),
        prefix: Some("!ask".into()),
        answer_channels: [ANSWER_CHANNEL_ID.to_string()].into_iter().collect(),
    }
}

/// Starts a fake and the bot connected to it; returns once the bot registered its commands.
async fn start_with(config: Config) -> FakeDiscord {
    let fake = FakeDiscord::start().await;
    let engine = stackpick::Engine::new(stackpick::load(&common::pack_dir()).unwrap());
    let bot = Arc::new(Bot::new(engine, common::pack_dir(), config));
    let url = fake.url();
    let http = move || HttpBuilder::new("fake-token").proxy(url.clone()).ratelimiter_disabled(true).build();
    tokio::spawn(gateway::run(
        bot,
        http,
        gateway::Options::new(Registration::Guild(GuildId::new(GUILD_ID)), Sharding::Auto),
    ));
    fake.wait_for("command registration", |r| r.method == "PUT" && r.path.ends_with("/commands")).await;
    fake
}

async fn start() -> FakeDiscord {
    start_with(config()).await
}

fn no_pings(allowed: &Value) {
    assert_eq!(allowed["parse"], json!([]), "nothing may be parsed for pings: {allowed}");
    assert_eq!(allowed["roles"], json!([]), "{allowed}");
    assert_eq!(allowed["users"], json!([]), "{allowed}");
    assert_eq!(allowed["replied_user"], json!(false), "{allowed}");
}

fn custom_ids(components: &Value) -> Vec<String> {
    components
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row["components"].as_array().unwrap().iter())
        .map(|c| c["custom_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_every_command_by_bulk_overwrite() {
    let fake = start().await;
    let put = fake.wait_for("registration", |r| r.method == "PUT").await;
    assert_eq!(put.path, format!("/api/v10/applications/{}/guilds/{GUILD_ID}/commands", fake::APP_ID));
    let names: Vec<&str> = put.body.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["ask", "compare", "recommend", "topics", "help", "privacy", "kb", "setup", "onboarding", "Ask stackpick"]
    );
    let cmds = put.body.as_array().unwrap();
    let privacy = cmds.iter().find(|c| c["name"] == "privacy").unwrap();
    assert!(privacy["default_member_permissions"].is_null(), "everyone may see and delete their own data");
    assert_eq!(privacy["contexts"], json!([0, 1, 2]), "in servers and DMs alike");
    let kb = cmds.iter().find(|c| c["name"] == "kb").unwrap();
    assert_eq!(kb["default_member_permissions"], "32", "Manage Server only");
    let compare = cmds.iter().find(|c| c["name"] == "compare").unwrap();
    assert_eq!(compare["options"][0]["autocomplete"], true);
    let recommend = cmds.iter().find(|c| c["name"] == "recommend").unwrap();
    let option_names: Vec<&str> =
        recommend["options"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(option_names, ["use_case", "team_knows", "priority", "private"]);
    let team: Vec<&str> =
        recommend["options"][1]["choices"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(team, ["javascript", "python", "both", "neither"]);
    let message_cmd = cmds.iter().find(|c| c["name"] == "Ask stackpick").unwrap();
    assert_eq!(message_cmd["type"], 3);
    // The token authenticates every REST call.
    assert_eq!(put.headers["authorization"], "Bot fake-token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_answers_with_embed_components_and_no_pings() {
    let fake = start().await;
    let body = fake.interact(p::ask("@everyone which is faster? <@&123>", json!([]))).await;
    assert_eq!(body["type"], 4);
    let data = &body["data"];
    assert_eq!(data["embeds"][0]["title"], "Performance and speed");
    assert!(data["embeds"][0]["description"].as_str().unwrap().contains("Verdict: 🟩 Node.js"));
    assert!(data.get("flags").is_none() || data["flags"] == 0, "public answer");
    no_pings(&data["allowed_mentions"]);
    let ids = custom_ids(&data["components"]);
    assert_eq!(ids[..3], ["sp1:t:architecture", "sp1:t:scalability", "sp1:t:cost"]);
    assert_eq!(ids[3..], ["sp1:f:up:performance", "sp1:f:dn:performance", format!("sp1:d:{USER_ID}").as_str()]);
    assert!(ids.iter().all(|id| id.len() <= 100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_ask_is_ephemeral_and_mention_pings_only_the_target() {
    let fake = start_with(Config { cooldown: Duration::ZERO, ..config() }).await;
    let body = fake
        .interact(p::ask("which is easier to learn?", json!([{"type": 5, "name": "private", "value": true}])))
        .await;
    assert_eq!(body["data"]["flags"], 64);
    assert!(
        !custom_ids(&body["data"]["components"]).iter().any(|id| id.starts_with("sp1:d:")),
        "no delete on ephemeral"
    );

    let teammate = 800_000_000_000_000_077u64;
    let ask = p::with_resolved_user(
        p::ask("best for ML?", json!([{"type": 6, "name": "mention", "value": teammate.to_string()}])),
        teammate,
    );
    let body = fake.interact(ask).await;
    let data = &body["data"];
    assert_eq!(data["content"], format!("<@{teammate}>"));
    assert_eq!(data["allowed_mentions"]["users"], json!([teammate.to_string()]));
    assert_eq!(data["allowed_mentions"]["parse"], json!([]));
    assert_eq!(data["allowed_mentions"]["roles"], json!([]));
    assert!(data["embeds"][0]["title"].as_str().unwrap().contains("Python"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_is_ranked_and_capped() {
    let fake = start().await;
    let body = fake.interact(p::autocomplete("compare", "topic", "sca")).await;
    assert_eq!(body["type"], 8);
    let values: Vec<&str> =
        body["data"]["choices"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(values[0], "scalability", "id/title prefix first: {values:?}");

    let body = fake.interact(p::autocomplete("compare", "topic", "")).await;
    let values: Vec<&str> =
        body["data"]["choices"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(values[..3], ["choose", "performance", "scalability"], "empty query: the most useful topics");
    assert!(values.len() <= 25);

    let body = fake.interact(p::autocomplete("compare", "topic", "gil")).await;
    let values: Vec<&str> =
        body["data"]["choices"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(values[0], "architecture", "then the ways people ask: {values:?}");

    let body = fake.interact(p::autocomplete("recommend", "use_case", "chat")).await;
    let values: Vec<&str> =
        body["data"]["choices"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(values[0], "real-time-chat");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_and_recommend() {
    let fake = start().await;
    let body = fake.interact(p::slash("compare", json!([{"type": 3, "name": "topic", "value": "security"}]))).await;
    assert_eq!(body["data"]["embeds"][0]["title"], "Security");
    no_pings(&body["data"]["allowed_mentions"]);

    let body = fake
        .interact(p::slash_as(
            "recommend",
            json!([{"type": 3, "name": "use_case", "value": "machine-learning"}, {"type": 3, "name": "team_knows", "value": "javascript"}]),
            MEMBER_PERMS,
            OTHER_USER_ID,
        ))
        .await;
    let embed = &body["data"]["embeds"][0];
    assert!(embed["title"].as_str().unwrap().contains("Python"), "{embed}");
    let why = embed["fields"][0]["value"].as_str().unwrap();
    assert!(why.contains("Machine learning and AI") && why.contains("JavaScript"), "{why}");
    no_pings(&body["data"]["allowed_mentions"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_topic_feedback_delete_and_stale() {
    let fake = start().await;
    let body = fake.interact(p::button("sp1:t:scalability", MEMBER_PERMS, USER_ID)).await;
    assert_eq!(body["data"]["flags"], 64, "a topic button answers the presser privately");
    assert_eq!(body["data"]["embeds"][0]["title"], "Scalability");

    let body = fake.interact(p::button("sp1:f:up:performance", MEMBER_PERMS, USER_ID)).await;
    assert_eq!(body["data"]["flags"], 64);
    assert!(body["data"]["content"].as_str().unwrap().contains("Thanks"));
    let body = fake.interact(p::button("sp1:f:up:performance", MEMBER_PERMS, USER_ID)).await;
    assert!(body["data"]["content"].as_str().unwrap().contains("already"));

    // Someone else may not delete the asker's answer...
    let body = fake.interact(p::button(&format!("sp1:d:{USER_ID}"), MEMBER_PERMS, OTHER_USER_ID)).await;
    assert!(body["data"]["content"].as_str().unwrap().contains("Only the person who asked"));
    // ...the asker may, and a moderator may.
    for (perms, user) in [(MEMBER_PERMS, USER_ID), (MODERATOR_PERMS, OTHER_USER_ID)] {
        let press = p::button(&format!("sp1:d:{USER_ID}"), perms, user);
        let message_id = press["message"]["id"].as_str().unwrap().to_owned();
        let body = fake.interact(press).await;
        assert_eq!(body["type"], 6);
        let path = format!("/api/v10/channels/{CHANNEL_ID}/messages/{message_id}");
        fake.wait_for("the delete", |r| r.method == "DELETE" && r.path == path).await;
    }

    let body = fake.interact(p::button("sp0:t:performance", MEMBER_PERMS, USER_ID)).await;
    assert!(body["data"]["content"].as_str().unwrap().contains("expired"));
    let body = fake.interact(p::select("sp1:menu", &["cost"])).await;
    assert_eq!(body["data"]["embeds"][0]["title"], "Cost-effectiveness");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_command_replies_to_the_target_message() {
    let fake = start().await;
    let (cmd, target) = p::message_command("is python good for web scraping?");
    let body = fake.interact(cmd).await;
    assert_eq!(body["data"]["flags"], 64);
    let post = fake.wait_for("the reply", |r| r.method == "POST" && r.path.ends_with("/messages")).await;
    assert_eq!(post.body["message_reference"]["message_id"], target.to_string());
    assert_eq!(post.body["message_reference"]["fail_if_not_exists"], false);
    assert!(post.body["embeds"][0]["title"].as_str().unwrap().contains("Web scraping"));
    no_pings(&post.body["allowed_mentions"]);
}

async fn message_reply(fake: &FakeDiscord, message: Value) -> Value {
    let id = message["id"].as_str().unwrap().to_owned();
    fake.dispatch("MESSAGE_CREATE", message);
    fake.wait_for("a reply", |r| r.method == "POST" && r.body["message_reference"]["message_id"] == id.as_str())
        .await
        .body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_mention_dm_prefix_and_answer_channel() {
    let fake = start_with(Config { cooldown: Duration::ZERO, ..config() }).await;
    let body = message_reply(
        &fake,
        p::guild_message(CHANNEL_ID, USER_ID, &format!("<@{BOT_ID}> which is faster?"), &[BOT_ID]),
    )
    .await;
    assert_eq!(body["embeds"][0]["title"], "Performance and speed");
    no_pings(&body["allowed_mentions"]);

    let body = message_reply(&fake, p::dm_message(USER_ID, "what is node.js?")).await;
    assert_eq!(body["embeds"][0]["title"], "What is Node.js?");

    let body = message_reply(&fake, p::guild_message(CHANNEL_ID, USER_ID, "!ask which is more scalable?", &[])).await;
    assert_eq!(body["embeds"][0]["title"], "Scalability");

    let body = message_reply(&fake, p::guild_message(ANSWER_CHANNEL_ID, USER_ID, "which has better docs?", &[])).await;
    assert_eq!(body["embeds"][0]["title"], "Documentation and learning resources");

    // Off-topic in an answer channel: silence. A plain message elsewhere: silence.
    let before = fake.requests().len();
    fake.dispatch("MESSAGE_CREATE", p::guild_message(ANSWER_CHANNEL_ID, USER_ID, "anyone up for lunch?", &[]));
    fake.dispatch("MESSAGE_CREATE", p::guild_message(CHANNEL_ID, USER_ID, "which is faster?", &[]));
    // A question that follows is answered, so the two before it were read and skipped.
    let body = message_reply(&fake, p::dm_message(USER_ID, "is python free?")).await;
    assert!(body["embeds"][0].is_object());
    assert_eq!(fake.requests().len(), before + 1, "{:#?}", fake.summary());

    // Mentioned but not sure: a "not sure" reply with suggestion buttons.
    let body =
        message_reply(&fake, p::guild_message(CHANNEL_ID, USER_ID, &format!("<@{BOT_ID}> what is it?"), &[BOT_ID]))
            .await;
    assert!(body["embeds"][0]["title"].as_str().unwrap().contains("Not sure"));
    assert!(custom_ids(&body["components"]).iter().any(|id| id.starts_with("sp1:t:")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everyone_in_a_question_pings_no_one() {
    let fake = start_with(Config { cooldown: Duration::ZERO, ..config() }).await;
    let mut msg = p::guild_message(
        CHANNEL_ID,
        USER_ID,
        &format!("@everyone @here <@&42> <@{BOT_ID}> which is faster?"),
        &[BOT_ID],
    );
    msg["mention_everyone"] = json!(true);
    let body = message_reply(&fake, msg).await;
    no_pings(&body["allowed_mentions"]);
    assert!(body.get("content").is_none_or(|c| c.is_null() || !c.as_str().unwrap().contains("@everyone")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooldown_sends_an_ephemeral_notice() {
    let fake = start().await;
    let first = fake.interact(p::ask("which is faster?", json!([]))).await;
    assert_eq!(first["type"], 4);
    let second = fake.interact(p::ask("which is cheaper?", json!([]))).await;
    assert_eq!(second["data"]["flags"], 64);
    assert!(second["data"]["content"].as_str().unwrap().contains("Slow down"), "{second}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_after_close_4000_and_keeps_answering() {
    let fake = start().await;
    fake.close(4000);
    fake.wait_until("a resume", |f| f.resumes() >= 1).await;
    let body = fake.interact(p::ask("which is more secure", json!([]))).await;
    assert_eq!(body["data"]["embeds"][0]["title"], "Security");
    assert_eq!(fake.identifies(), 1, "resumed, not identified again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kb_reload_needs_manage_server() {
    let fake = start().await;
    let body = fake.interact(p::slash("kb", json!([{"type": 1, "name": "reload", "options": []}]))).await;
    assert!(body["data"]["content"].as_str().unwrap().contains("Manage Server"));
    let body = fake
        .interact(p::slash_as("kb", json!([{"type": 1, "name": "reload", "options": []}]), MODERATOR_PERMS, USER_ID))
        .await;
    assert!(body["data"]["content"].as_str().unwrap().starts_with("✅ Knowledge reloaded: 33 topics"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_the_callback_is_retried_after_retry_after() {
    let fake = FakeDiscord::start().await;
    let tls = fake::tls::serve(&fake).await;
    let engine = stackpick::Engine::new(stackpick::load(&common::pack_dir()).unwrap());
    let bot = Arc::new(Bot::new(engine, common::pack_dir(), config()));
    // serenity's own ratelimiter on: REST goes to "discord.com", resolved to the fake.
    let client = fake::tls::client(tls);
    let http = move || HttpBuilder::new("fake-token").client(client.clone()).build();
    tokio::spawn(gateway::run(
        bot,
        http,
        gateway::Options::new(Registration::Guild(GuildId::new(GUILD_ID)), Sharding::Auto),
    ));
    fake.wait_for("command registration", |r| r.method == "PUT").await;

    fake.script_callback(
        429,
        json!({"message": "You are being rate limited.", "retry_after": 0.4, "global": false}),
        &[("retry-after", "0.4"), ("x-ratelimit-scope", "user")],
    );
    let ask = p::ask("which is faster?", json!([]));
    let needle = format!("/interactions/{}/", ask["id"].as_str().unwrap());
    let started = std::time::Instant::now();
    fake.dispatch("INTERACTION_CREATE", ask);
    let is_callback = |r: &fake::Request| r.path.contains(&needle);
    fake.wait_until("two callback attempts", |f| f.requests().iter().filter(|r| is_callback(r)).count() >= 2).await;
    let attempts: Vec<fake::Request> = fake.requests().into_iter().filter(|r| is_callback(r)).collect();
    assert_eq!(attempts.len(), 2);
    assert!(started.elapsed() >= Duration::from_millis(400), "retried only after Retry-After");
    assert_eq!(attempts[0].body, attempts[1].body, "the same response is sent again");
    assert_eq!(attempts[1].body["data"]["embeds"][0]["title"], "Performance and speed");
}

/// Through a rate-limit proxy serenity's ratelimiter is off: a 429 the proxy
/// passes through must still be retried after `retry_after`, not lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_through_the_proxy_is_retried_after_retry_after() {
    let fake = start().await;
    fake.script_callback(
        429,
        json!({"message": "You are being rate limited.", "retry_after": 0.4, "global": false}),
        &[("retry-after", "0.4")],
    );
    let ask = p::ask("which is faster?", json!([]));
    let needle = format!("/interactions/{}/", ask["id"].as_str().unwrap());
    let started = std::time::Instant::now();
    fake.dispatch("INTERACTION_CREATE", ask);
    let is_callback = |r: &fake::Request| r.path.contains(&needle);
    fake.wait_until("two callback attempts", |f| f.requests().iter().filter(|r| is_callback(r)).count() >= 2).await;
    let attempts: Vec<fake::Request> = fake.requests().into_iter().filter(|r| is_callback(r)).collect();
    assert_eq!(attempts.len(), 2);
    assert!(started.elapsed() >= Duration::from_millis(400), "retried only after retry_after");
    assert_eq!(attempts[0].body, attempts[1].body, "the same response is sent again");
}

/// A 429 whose retry would miss the 3-second window: "thinking…" first, then
/// the answer as an edit of the original response once the wait is over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_too_long_for_the_window_defers_then_edits_the_answer_in() {
    let fake = start().await;
    fake.script_callback(
        429,
        json!({"message": "You are being rate limited.", "retry_after": 2.9, "global": false}),
        &[],
    );
    let ask = p::ask("which is faster?", json!([]));
    let needle = format!("/interactions/{}/", ask["id"].as_str().unwrap());
    let started = std::time::Instant::now();
    fake.dispatch("INTERACTION_CREATE", ask);
    let edit = fake
        .wait_for("the edit of the original response", |r| {
            r.method == "PATCH" && r.path.ends_with("/messages/@original")
        })
        .await;
    let callbacks: Vec<fake::Request> = fake.requests().into_iter().filter(|r| r.path.contains(&needle)).collect();
    assert_eq!(callbacks.len(), 2, "the answer, then the deferral");
    assert_eq!(callbacks[1].body["type"], 5, "a deferral: {}", callbacks[1].body);
    let flags = callbacks[1].body["data"]["flags"].as_u64().unwrap_or(0);
    assert_eq!(flags & 64, 0, "a public question's deferral is public: {}", callbacks[1].body);
    assert!(started.elapsed() >= Duration::from_millis(2900), "the edit waited for retry_after");
    assert_eq!(edit.body["embeds"][0]["title"], "Performance and speed");
    assert!(edit.body.get("flags").is_none());
    assert_eq!(edit.body["allowed_mentions"]["parse"], json!([]), "the edit pings no one either");
}

/// What Discord dispatches twice (a resumed session replays events the bot
/// may already have handled) is answered once: an interaction by its id, a
/// message by its id. With the cooldown on, a second copy would otherwise get
/// a second callback ("slow down") or a second reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interaction_or_message_dispatched_twice_is_answered_once() {
    let fake = start().await;
    let ask = p::ask("which is faster?", json!([]));
    let id: u64 = ask["id"].as_str().unwrap().parse().unwrap();
    fake.dispatch("INTERACTION_CREATE", ask.clone());
    fake.dispatch("INTERACTION_CREATE", ask);
    fake.callback(id).await;

    let message =
        p::guild_message(CHANNEL_ID, OTHER_USER_ID, &format!("<@{BOT_ID}> which has better docs?"), &[BOT_ID]);
    fake.dispatch("MESSAGE_CREATE", message.clone());
    let body = message_reply(&fake, message.clone()).await;
    assert_eq!(body["embeds"][0]["title"], "Documentation and learning resources");

    // A later event, answered, shows both copies were read by then (from
    // someone else: the two who asked are cooling down).
    message_reply(&fake, p::dm_message(OTHER_USER_ID + 1, "is python free?")).await;
    let requests = fake.requests();
    let callbacks = requests.iter().filter(|r| r.path.contains(&format!("/interactions/{id}/"))).count();
    let replies = requests
        .iter()
        .filter(|r| r.method == "POST" && r.body["message_reference"]["message_id"] == message["id"])
        .count();
    let mid = message["id"].as_str().unwrap();
    let reactions = requests.iter().filter(|r| r.path.contains(&format!("/messages/{mid}/reactions"))).count();
    assert_eq!((callbacks, replies, reactions), (1, 1, 0), "{:#?}", fake.summary());
}

/// A question edited gets its answer edited to the new question's answer; an
/// edit that leaves the text as it was (a link preview) changes nothing; a
/// question deleted takes its answer with it, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_question_updates_its_answer_and_a_deleted_one_takes_it_along() {
    let fake = start_with(Config { cooldown: Duration::ZERO, ..config() }).await;
    let question = p::guild_message(CHANNEL_ID, USER_ID, &format!("<@{BOT_ID}> which is faster?"), &[BOT_ID]);
    let id = question["id"].as_str().unwrap().to_owned();
    let body = message_reply(&fake, question.clone()).await;
    assert_eq!(body["embeds"][0]["title"], "Performance and speed");

    let update = |content: &str| {
        let mut m = question.clone();
        m["content"] = json!(content);
        m["edited_timestamp"] = json!("2026-11-26T12:01:00.000000+00:00");
        m
    };
    // A link preview arriving: the same text, nothing to do.
    fake.dispatch("MESSAGE_UPDATE", update(&format!("<@{BOT_ID}> which is faster?")));
    fake.dispatch("MESSAGE_UPDATE", update(&format!("<@{BOT_ID}> which is easier to learn?")));
    let patch = fake
        .wait_for("the answer edited", |r| {
            r.method == "PATCH" && r.path.starts_with(&format!("/api/v10/channels/{CHANNEL_ID}/messages/"))
        })
        .await;
    assert!(patch.body["embeds"][0]["title"].as_str().unwrap().contains("Learning"), "{}", patch.body);
    assert_eq!(patch.body["content"], "", "nothing of the old answer stays");
    no_pings(&patch.body["allowed_mentions"]);
    let answer_path = patch.path.clone();
    // The preview again, handled late (each event has its own task): older
    // than the answer, so it does not put the old text's answer back.
    fake.dispatch("MESSAGE_UPDATE", update(&format!("<@{BOT_ID}> which is faster?")));

    fake.dispatch(
        "MESSAGE_DELETE",
        json!({"id": id, "channel_id": CHANNEL_ID.to_string(), "guild_id": GUILD_ID.to_string()}),
    );
    let delete = fake.wait_for("the answer deleted", |r| r.method == "DELETE" && r.path == answer_path).await;
    assert_eq!(delete.path, answer_path, "the answer, not the question");
    let patches = fake.requests().into_iter().filter(|r| r.method == "PATCH" && r.path == answer_path).count();
    assert_eq!(patches, 1, "the unchanged text was not answered again");
    // Deleted and forgotten: a later edit of the gone question does nothing.
    fake.dispatch(
        "MESSAGE_DELETE",
        json!({"id": id, "channel_id": CHANNEL_ID.to_string(), "guild_id": GUILD_ID.to_string()}),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let deletes = fake.requests().into_iter().filter(|r| r.method == "DELETE" && r.path == answer_path).count();
    assert_eq!(deletes, 1);
}
