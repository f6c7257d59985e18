//! /setup, onboarding and what the bot learns, through the fake Discord with a
//! real SQLite file.

use stackpick_fake_discord as fake;
use stackpick_test_support as common;

use std::sync::Arc;
use std::time::Duration;

use fake::payloads::{self as p, MEMBER_PERMS, MODERATOR_PERMS};
use fake::{FakeDiscord, ANSWER_CHANNEL_ID, GUILD_ID, NO_EMBEDS_CHANNEL_ID, WELCOME_CHANNEL_ID};
use serde_json::{json, Value};
use serenity::all::{GuildId, HttpBuilder};
use stackpick::bot::{Bot, Config};
use stackpick::gateway::{self, Registration, Sharding};
use stackpick::store::{Reports, Server, Settings, SqliteStore};

struct Running {
    fake: FakeDiscord,
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

async fn start() -> Running {
    start_with_flags(fake::GRANTED_INTENTS).await
}

/// Starts with the application's flags set as the Developer Portal would.
async fn start_with_flags(flags: u64) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    let config = Config { cooldown: Duration::ZERO, ..Config::default() };
    let bot =
        Bot::new(common::engine_owned(), common::pack_dir(), config).with_store(Arc::new(store.clone()), Vec::new());
    let fake = FakeDiscord::start().await;
    fake.set_app_flags(flags);
    let url = fake.url();
    let http = move || HttpBuilder::new("fake-token").proxy(url.clone()).ratelimiter_disabled(true).build();
    tokio::spawn(gateway::run(
        Arc::new(bot),
        http,
        gateway::Options::new(Registration::Guild(GuildId::new(GUILD_ID)), Sharding::Auto),
    ));
    fake.wait_for("registration", |r| r.method == "PUT").await;
    Running { fake, store, _dir: dir }
}

fn content(body: &Value) -> &str {
    body["data"]["content"].as_str().unwrap_or_default()
}

async fn setup(r: &Running, path: &[&str], leaf: Value) -> Value {
    let registrations = |f: &FakeDiscord| f.requests().iter().filter(|q| q.method == "PUT").count();
    let before = registrations(&r.fake);
    let body = r.fake.interact(p::setup(path, leaf, MODERATOR_PERMS)).await;
    if content(&body).contains("reconnecting to Discord") {
        // The bot reconnects for the members intent; it is back once it has
        // registered its commands on the new connection.
        r.fake.wait_until("the reconnected bot", |f| registrations(f) > before).await;
    }
    assert_eq!(body["data"]["flags"], 64, "setup replies are private: {body}");
    assert_eq!(body["data"]["allowed_mentions"]["parse"], json!([]));
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_setup_command_is_validated_committed_and_echoed() {
    let r = start().await;
    let settings = || async {
        r.store.all_settings().await.unwrap().into_iter().find(|s| s.server == Server::discord(GUILD_ID)).unwrap()
    };

    let body = setup(&r, &["onboarding", "channel"], p::channel_option(WELCOME_CHANNEL_ID)).await;
    assert!(
        content(&body)
            .starts_with(&format!("✅ Onboarding is on: I'll welcome new members in <#{WELCOME_CHANNEL_ID}>.")),
        "{body}"
    );
    let s = settings().await;
    assert!(s.onboarding_enabled && s.onboarding_channel == Some(WELCOME_CHANNEL_ID.to_string()) && !s.onboarding_dm);

    let body = setup(&r, &["onboarding", "channel"], p::channel_option(NO_EMBEDS_CHANNEL_ID)).await;
    assert!(
        content(&body)
            .starts_with(&format!("❌ I can't post in <#{NO_EMBEDS_CHANNEL_ID}>: I'm missing **Embed Links** there.")),
        "{body}"
    );
    assert_eq!(
        settings().await.onboarding_channel,
        Some(WELCOME_CHANNEL_ID.to_string()),
        "a refused change changes nothing"
    );

    let body = setup(&r, &["onboarding", "dm"], json!([{"type": 5, "name": "enabled", "value": true}])).await;
    assert_eq!(content(&body), "✅ Onboarding is on: I'll welcome new members by direct message.");
    assert!(settings().await.onboarding_dm);
    let body = setup(&r, &["onboarding", "dm"], json!([{"type": 5, "name": "enabled", "value": false}])).await;
    assert_eq!(content(&body), format!("✅ Onboarding is on: I'll welcome new members in <#{WELCOME_CHANNEL_ID}>."));

    let body = setup(&r, &["answer-channel", "add"], p::channel_option(ANSWER_CHANNEL_ID)).await;
    assert_eq!(
        content(&body),
        format!("✅ <#{ANSWER_CHANNEL_ID}> is an answer channel: I read every message there and answer when I'm sure.")
    );
    assert_eq!(settings().await.answer_channels, Some(vec![ANSWER_CHANNEL_ID.to_string()]));
    let body = setup(&r, &["answer-channel", "remove"], p::channel_option(ANSWER_CHANNEL_ID)).await;
    assert_eq!(content(&body), format!("✅ <#{ANSWER_CHANNEL_ID}> is no longer an answer channel."));
    assert_eq!(settings().await.answer_channels, Some(vec![]));

    let body = setup(&r, &["cooldown"], json!([{"type": 4, "name": "seconds", "value": 10}])).await;
    assert_eq!(content(&body), "✅ Cooldown: each member waits 10 s between answers.");
    assert_eq!(settings().await.cooldown_secs, Some(10));

    let body = setup(&r, &["show"], json!([])).await;
    let fields = &body["data"]["embeds"][0]["fields"];
    assert_eq!(fields[0]["value"], format!("On, in <#{WELCOME_CHANNEL_ID}>"));
    assert_eq!(fields[1]["value"], "None");
    assert_eq!(fields[2]["value"], "10 s");

    let body = setup(&r, &["onboarding", "off"], json!([])).await;
    assert!(content(&body).starts_with("✅ Onboarding is off: I won't welcome new members."), "{body}");
    assert!(!settings().await.onboarding_enabled);

    // A member without Manage Server is refused, and nothing changes.
    let body = r
        .fake
        .interact(p::setup(&["cooldown"], json!([{"type": 4, "name": "seconds", "value": 0}]), MEMBER_PERMS))
        .await;
    assert!(content(&body).contains("Manage Server"), "{body}");
    assert_eq!(settings().await.cooldown_secs, Some(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_members_are_welcomed_once_and_only_they_are_pinged() {
    let r = start().await;
    setup(&r, &["onboarding", "channel"], p::channel_option(WELCOME_CHANNEL_ID)).await;
    let newcomer = 800_000_000_000_000_500u64;
    r.fake.dispatch("GUILD_MEMBER_ADD", p::member_add(newcomer, false, false));
    let post = r
        .fake
        .wait_for("the welcome", |q| {
            q.method == "POST" && q.path.ends_with(&format!("/channels/{WELCOME_CHANNEL_ID}/messages"))
        })
        .await;
    let body = &post.body;
    assert_eq!(body["content"], format!("<@{newcomer}>"));
    assert_eq!(body["allowed_mentions"]["users"], json!([newcomer.to_string()]));
    assert_eq!(body["allowed_mentions"]["parse"], json!([]));
    assert_eq!(body["allowed_mentions"]["roles"], json!([]));
    assert_eq!(body["embeds"][0]["title"], "Welcome to Test Server!");
    assert!(body["embeds"][0]["description"].as_str().unwrap().contains(&format!("<@{newcomer}>")));
    let rows = body["components"].as_array().unwrap();
    assert_eq!(rows[0]["components"].as_array().unwrap().len(), 5, "starter topic buttons");
    assert_eq!(rows[1]["components"][0]["type"], 3, "a select menu of all topics");
    assert_eq!(rows.last().unwrap()["components"][0]["custom_id"], "sp1:ask");

    // A bot joining, and the same member joining again, get nothing.
    let posts =
        |f: &FakeDiscord| f.requests().iter().filter(|q| q.method == "POST" && q.path.contains("/messages")).count();
    let before = posts(&r.fake);
    r.fake.dispatch("GUILD_MEMBER_ADD", p::member_add(800_000_000_000_000_501, false, true));
    r.fake.dispatch("GUILD_MEMBER_ADD", p::member_add(newcomer, false, false));
    // A later member still is welcomed, so the two before were read and skipped.
    r.fake.dispatch("GUILD_MEMBER_ADD", p::member_add(800_000_000_000_000_502, false, false));
    r.fake.wait_until("the third welcome", |f| posts(f) > before).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(posts(&r.fake), before + 1);
    assert_eq!(r.store.stats(Some(&Server::discord(GUILD_ID)), 0).await.unwrap().welcomes, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_members_are_welcomed_after_screening() {
    let r = start().await;
    setup(&r, &["onboarding", "channel"], p::channel_option(WELCOME_CHANNEL_ID)).await;
    let newcomer = 800_000_000_000_000_600u64;
    let welcomes = |f: &FakeDiscord| {
        f.requests()
            .iter()
            .filter(|q| q.method == "POST" && q.path.ends_with(&format!("/channels/{WELCOME_CHANNEL_ID}/messages")))
            .count()
    };
    r.fake.dispatch("GUILD_MEMBER_ADD", p::member_add(newcomer, true, false));
    r.fake.dispatch("GUILD_MEMBER_UPDATE", p::member_update(newcomer, true));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(welcomes(&r.fake), 0, "not while pending");
    r.fake.dispatch("GUILD_MEMBER_UPDATE", p::member_update(newcomer, false));
    r.fake.wait_until("the welcome after screening", |f| welcomes(f) == 1).await;
    // Later updates (a nickname, a role) do not welcome again; nor does an old member's update.
    r.fake.dispatch("GUILD_MEMBER_UPDATE", p::member_update(newcomer, false));
    r.fake.dispatch("GUILD_MEMBER_UPDATE", p::member_update(800_000_000_000_000_601, false));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(welcomes(&r.fake), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welcome_by_dm_and_preview() {
    let r = start().await;
    setup(&r, &["onboarding", "dm"], json!([{"type": 5, "name": "enabled", "value": true}])).await;
    r.fake.dispatch("GUILD_MEMBER_ADD", p::member_add(800_000_000_000_000_700, false, false));
    let dm = r.fake.wait_for("the DM channel", |q| q.method == "POST" && q.path.ends_with("/users/@me/channels")).await;
    assert_eq!(dm.body["recipient_id"], "800000000000000700");
    let body = r
        .fake
        .interact(p::slash_as(
            "onboarding",
            json!([{"type": 1, "name": "preview", "options": []}]),
            MODERATOR_PERMS,
            fake::USER_ID,
        ))
        .await;
    assert_eq!(body["data"]["flags"], 64);
    assert_eq!(body["data"]["embeds"][0]["title"], "Welcome to Test Server!", "the gateway knows the name");
    assert_eq!(body["data"]["allowed_mentions"]["users"], json!([]), "a preview pings no one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_a_question_modal_round_trip() {
    let r = start().await;
    let body = r.fake.interact(p::button("sp1:ask", MEMBER_PERMS, fake::USER_ID)).await;
    assert_eq!(body["type"], 9);
    assert_eq!(body["data"]["custom_id"], "sp1:askm");
    let input = &body["data"]["components"][0]["components"][0];
    assert_eq!(input["custom_id"], "question");
    let body = r.fake.interact(p::modal_submit("sp1:askm", "question", "is python easy to learn?")).await;
    assert_eq!(body["data"]["flags"], 64);
    assert_eq!(body["data"]["embeds"][0]["title"], "Learning curve");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_and_feedback_are_logged_and_reported() {
    let r = start().await;
    // (Deploying to a PaaS is the `deployment` topic's now: the refused questions are about other things.)
    for q in ["is rust faster than go?", "is rust faster than go", "how do I center a div", "which is faster?"] {
        r.fake.interact(p::ask(q, json!([]))).await;
    }
    r.fake.interact(p::button("sp1:f:up:performance", MEMBER_PERMS, fake::USER_ID)).await;
    r.fake.interact(p::button("sp1:f:dn:performance", MEMBER_PERMS, fake::OTHER_USER_ID)).await;
    // The log is written behind the answers; give the writer a moment.
    let mut stats = Default::default();
    for _ in 0..50 {
        stats = r.store.stats(Some(&Server::discord(GUILD_ID)), 0).await.unwrap();
        if stats.questions == 4 && stats.helpful + stats.unhelpful == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!((stats.questions, stats.answered, stats.helpful, stats.unhelpful), (4, 1, 1, 1));
    assert_eq!(stats.per_topic, vec![("performance".to_owned(), 1)]);

    let body = r
        .fake
        .interact(p::slash_as(
            "kb",
            json!([{"type": 1, "name": "gaps", "options": []}]),
            MODERATOR_PERMS,
            fake::USER_ID,
        ))
        .await;
    let text = body["data"]["embeds"][0]["description"].as_str().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("2× “is rust faster than go") && lines[0].ends_with("not answered"), "{text}");
    // Stored after cleaning: lower case, no mentions, links or markup.
    assert!(lines[1].starts_with("1× “how do i center a div”"), "{text}");
    let body = r
        .fake
        .interact(p::slash_as(
            "kb",
            json!([{"type": 1, "name": "stats", "options": []}]),
            MODERATOR_PERMS,
            fake::USER_ID,
        ))
        .await;
    let text = body["data"]["embeds"][0]["description"].as_str().unwrap();
    assert!(text.contains("**4** questions, **25%** answered") && text.contains("50% of 2 votes"), "{text}");

    // No user id is stored in clear.
    let raw = std::fs::read(r._dir.path().join("bot.db")).unwrap();
    let wal = std::fs::read(r._dir.path().join("bot.db-wal")).unwrap_or_default();
    for id in [fake::USER_ID, fake::OTHER_USER_ID] {
        let needle = id.to_string();
        assert!(!String::from_utf8_lossy(&raw).contains(&needle) && !String::from_utf8_lossy(&wal).contains(&needle));
    }
}

/// Every onboarding command from every onboarding state: the confirmation
/// describes exactly the state that was committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_onboarding_sequence_confirms_the_state_it_committed() {
    let r = start().await;
    let settings = || async {
        r.store.all_settings().await.unwrap().into_iter().find(|s| s.server == Server::discord(GUILD_ID)).unwrap()
    };
    let commands: Vec<(&[&str], Value)> = vec![
        (&["onboarding", "channel"], p::channel_option(WELCOME_CHANNEL_ID)),
        (&["onboarding", "off"], json!([])),
        (&["onboarding", "dm"], json!([{"type": 5, "name": "enabled", "value": true}])),
        (&["onboarding", "dm"], json!([{"type": 5, "name": "enabled", "value": false}])),
    ];
    // Every pair of commands reaches every state and leaves it by every command.
    for first in &commands {
        for second in &commands {
            for (path, leaf) in [first, second] {
                let body = setup(&r, path, leaf.clone()).await;
                let said = content(&body).to_owned();
                let s = settings().await;
                let described = match (s.onboarding_enabled, s.onboarding_dm, &s.onboarding_channel) {
                    (true, true, _) => said.contains("by direct message"),
                    (true, false, Some(ch)) => said.contains(&format!("welcome new members in <#{ch}>")),
                    (true, false, None) => false,
                    (false, _, _) => said.contains("Onboarding is off"),
                };
                assert!(described, "after {path:?}: said {said:?} but committed {s:?}");
            }
        }
    }
    // The case from the report: off, then DMs off, stays off and says so.
    setup(&r, &["onboarding", "channel"], p::channel_option(WELCOME_CHANNEL_ID)).await;
    setup(&r, &["onboarding", "off"], json!([])).await;
    let body = setup(&r, &["onboarding", "dm"], json!([{"type": 5, "name": "enabled", "value": false}])).await;
    assert!(content(&body).starts_with("✅ Onboarding is off"), "{body}");
    assert!(!settings().await.onboarding_enabled);
}

/// /setup waits on the database. When it has not answered within 1 s the user
/// sees "thinking…" (privately) and the reply follows as an edit, so the
/// interaction token never runs out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_on_a_stalled_database_defers_then_edits_the_reply_in() {
    let r = start().await;
    // Another connection holds the database's write lock: saving waits on it.
    let url = format!("sqlite://{}", r._dir.path().join("bot.db").display());
    let mut locker = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut locker).await.unwrap();

    let setup = p::setup(&["cooldown"], json!([{"type": 4, "name": "seconds", "value": 7}]), MODERATOR_PERMS);
    let id = setup["id"].as_str().unwrap().to_owned();
    let started = std::time::Instant::now();
    r.fake.dispatch("INTERACTION_CREATE", setup);
    let deferred =
        r.fake.wait_for("the deferred response", |q| q.path.contains(&id) && q.path.ends_with("/callback")).await;
    assert_eq!(deferred.body["type"], 5, "{}", deferred.body);
    assert_eq!(deferred.body["data"]["flags"], 64, "private, like /setup's replies: {}", deferred.body);
    assert!(started.elapsed() < Duration::from_millis(2500), "deferred inside the 3 s window");
    let edit = r
        .fake
        .wait_for("the reply as an edit", |q| q.method == "PATCH" && q.path.ends_with("/messages/@original"))
        .await;
    let text = edit.body["content"].as_str().unwrap_or_default();
    assert!(text.starts_with("❌ I couldn't save that"), "{}", edit.body);
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removal_from_a_server_starts_the_grace_period_and_an_outage_does_not() {
    let r = start().await;
    let url = format!("sqlite://{}", r._dir.path().join("bot.db").display());
    let departures = || async {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM departures").fetch_one(&mut c).await.unwrap();
        n
    };
    // An outage: the server is unavailable, the bot was not removed.
    r.fake.dispatch("GUILD_DELETE", json!({"id": GUILD_ID.to_string(), "unavailable": true}));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(departures().await, 0);
    // Removed: the grace period starts.
    // The store is written from the event handler: poll for up to 2.5 s.
    let becomes = |want: i64| async move {
        for _ in 0..50 {
            if departures().await == want {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    };
    r.fake.dispatch("GUILD_DELETE", json!({"id": GUILD_ID.to_string()}));
    assert!(becomes(1).await, "the departure was not noted");
    // Added back: nothing is to be forgotten.
    r.fake.dispatch("GUILD_CREATE", p::guild_create());
    assert!(becomes(0).await, "the return was not noted");
}

/// Privileged intents follow the Developer Portal and the need: Server Members
/// only once some server has onboarding on (the bot reconnects for it), and
/// never one the portal has not granted (Discord would close with 4014).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privileged_intents_follow_the_portal_and_onboarding() {
    let r = start().await;
    r.fake.wait_until("the first identify", |f| !f.identify_intents().is_empty()).await;
    let first = r.fake.identify_intents()[0];
    assert_eq!(first & fake::INTENT_GUILD_MEMBERS, 0, "no onboarding anywhere: no member events asked for");
    assert_ne!(first & fake::INTENT_MESSAGE_CONTENT, 0, "granted, and answer channels need it");
    let body = setup(&r, &["onboarding", "channel"], p::channel_option(WELCOME_CHANNEL_ID)).await;
    assert!(content(&body).contains("reconnecting to Discord to receive member joins"), "{body}");
    r.fake
        .wait_until("an identify with the members intent", |f| {
            f.identify_intents().iter().any(|i| i & fake::INTENT_GUILD_MEMBERS != 0)
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_privileged_intents_the_bot_runs_and_says_what_to_enable() {
    let r = start_with_flags(0).await;
    r.fake.wait_until("the first identify", |f| !f.identify_intents().is_empty()).await;
    let first = r.fake.identify_intents()[0];
    assert_eq!(first & (fake::INTENT_GUILD_MEMBERS | fake::INTENT_MESSAGE_CONTENT), 0);
    // Slash commands still work.
    let body = r.fake.interact(p::ask("which is faster?", json!([]))).await;
    assert_eq!(body["data"]["embeds"][0]["title"], "Performance and speed");
    let body = setup(&r, &["onboarding", "channel"], p::channel_option(WELCOME_CHANNEL_ID)).await;
    assert!(content(&body).contains("turn on **Server Members Intent** in the Developer Portal"), "{body}");
    let body = setup(&r, &["answer-channel", "add"], p::channel_option(ANSWER_CHANNEL_ID)).await;
    assert!(content(&body).contains("Message Content Intent is off"), "{body}");
}
