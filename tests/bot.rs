//! The command layer behind the Discord adapter: serenity `Interaction`s and
//! `Message`s read by `stackpick::discord`, answered, rendered — with no
//! transport in between.

use stackpick_fake_discord as fake;
use stackpick_test_support as common;

use fake::payloads as p;
use serde_json::{json, Value};
use serenity::all::Interaction;
use stackpick::bot::{Bot, Config};

fn interaction(v: Value) -> Interaction {
    serde_json::from_value(v).expect("serenity reads the payload")
}

async fn respond(bot: &Bot, v: Value) -> Value {
    let reply = stackpick::discord::interaction(bot, &interaction(v), &stackpick::bot::NoDirectory).await;
    serde_json::to_value(&reply.response).unwrap()
}

#[tokio::test]
async fn kb_reload_keeps_the_last_good_pack_and_lists_every_problem() {
    let dir = common::pack_copy(&common::pack_dir());
    let engine = stackpick::Engine::new(stackpick::load(dir.path()).unwrap());
    let bot = Bot::new(engine, dir.path().to_path_buf(), Config::default());

    let topics = dir.path().join("topics.toml");
    let text = std::fs::read_to_string(&topics).unwrap();
    let broken = text
        .replacen("related = [\"architecture\", \"scalability\", \"cost\"]", "related = [\"speed\"]", 1)
        .replacen("title = \"Cost-effectiveness\"", "title = \"\"", 1);
    std::fs::write(&topics, broken).unwrap();

    let reload =
        p::slash_as("kb", json!([{"type": 1, "name": "reload", "options": []}]), p::MODERATOR_PERMS, fake::USER_ID);
    let body = respond(&bot, reload.clone()).await;
    let text = body["data"]["content"].as_str().unwrap();
    assert!(text.starts_with("❌ The knowledge pack has 2 problem(s); I kept the last good one running."), "{text}");
    assert!(text.contains("unknown topic id `speed`") && text.contains("topic `cost`, field `title`"), "{text}");
    assert_eq!(body["data"]["flags"], 64);
    // Still answering from the last good pack.
    let answer = bot.engine().answer("which is faster?");
    assert_eq!(bot.engine().pack().topic(answer.topic().unwrap()).id, "performance");

    // Fixed on disk: the reload takes.
    let fixed = std::fs::read_to_string(&topics)
        .unwrap()
        .replace("title = \"\"", "title = \"Cost, reviewed\"")
        .replace("related = [\"speed\"]", "related = [\"cost\"]");
    std::fs::write(&topics, fixed).unwrap();
    let body = respond(&bot, reload).await;
    assert!(body["data"]["content"].as_str().unwrap().starts_with("✅"), "{body}");
    let cost = bot.engine().pack().topic_by_id("cost").unwrap();
    assert_eq!(bot.engine().pack().topic(cost).title, "Cost, reviewed");
}

#[tokio::test]
async fn topics_lists_everything_with_a_menu() {
    let bot = Bot::new(common::engine_owned(), common::pack_dir(), Config::default());
    let body = respond(&bot, p::slash("topics", json!([]))).await;
    assert_eq!(body["data"]["flags"], 64);
    let menu = &body["data"]["components"][0]["components"][0];
    assert_eq!(menu["type"], 3);
    assert_eq!(menu["custom_id"], "sp1:menu");
    assert_eq!(menu["options"].as_array().unwrap().len(), 25, "the first menu is full");
    let second = &body["data"]["components"][1]["components"][0];
    assert_eq!(second["options"].as_array().unwrap().len(), 8, "33 topics: 25 + 8");
    assert!(body["data"]["embeds"][0]["description"].as_str().unwrap().contains("`performance`"));
}

#[tokio::test]
async fn help_unknown_commands_and_expired_forms_answer_politely() {
    let bot = Bot::new(common::engine_owned(), common::pack_dir(), Config::default());
    let body = respond(&bot, p::slash("help", json!([]))).await;
    assert!(body["data"]["embeds"][0]["description"].as_str().unwrap().contains("/ask"));
    let body = respond(&bot, p::slash("airhorn", json!([]))).await;
    assert!(body["data"]["content"].as_str().unwrap().contains("not a command I know"));
    let body = respond(&bot, p::ask("   ", json!([]))).await;
    assert!(body["data"]["content"].as_str().unwrap().contains("Type a question"));
    let body =
        respond(&bot, p::slash("compare", json!([{"type": 3, "name": "topic", "value": "quantum knitting"}]))).await;
    assert!(body["data"]["content"].as_str().unwrap().contains("no topic called"));
}

#[tokio::test]
async fn recommend_weighs_factors_from_the_pack() {
    let config = Config { cooldown: std::time::Duration::ZERO, ..Config::default() };
    let bot = Bot::new(common::engine_owned(), common::pack_dir(), config);
    // A chat app (Node.js) with a Python team that cares about ease: the team
    // weighs as much as the use case, so Python wins 4.5 to 3.
    let body = respond(
        &bot,
        p::slash(
            "recommend",
            json!([
                {"type": 3, "name": "use_case", "value": "we're building a chat app"},
                {"type": 3, "name": "team_knows", "value": "python"},
                {"type": 3, "name": "priority", "value": "ease"}
            ]),
        ),
    )
    .await;
    let embed = &body["data"]["embeds"][0];
    assert_eq!(embed["title"], "Recommendation for Real-time chat: 🐍 Python", "{embed}");
    let why = embed["fields"][0]["value"].as_str().unwrap();
    assert!(why.contains("(+3 Node.js)") && why.contains("(+3 Python)") && why.contains("(+1.5 Python)"), "{why}");
    assert!(embed["description"].as_str().unwrap().contains("🟩 Node.js 3.0 · 🐍 Python 4.5"));

    // A Python team asking about a plain REST API is not told to switch.
    let body = respond(
        &bot,
        p::slash(
            "recommend",
            json!([
                {"type": 3, "name": "use_case", "value": "a REST API for our mobile app"},
                {"type": 3, "name": "team_knows", "value": "python"}
            ]),
        ),
    )
    .await;
    let title = body["data"]["embeds"][0]["title"].as_str().unwrap_or_default().to_owned();
    assert!(title.ends_with("🐍 Python"), "{body}");

    // A use case nobody knows, with no factor: said plainly.
    let body =
        respond(&bot, p::slash("recommend", json!([{"type": 3, "name": "use_case", "value": "knitting patterns"}])))
            .await;
    assert!(body["data"]["content"].as_str().unwrap().contains("Tell me what you are building"));
}

// Chat messages, with the production cooldown (3 s) on an injected clock.

mod chat {
    use std::time::{Duration, Instant};

    use super::*;
    use fake::{ANSWER_CHANNEL_ID, BOT_ID, CHANNEL_ID, USER_ID};
    use serenity::all::{Message, UserId};
    use stackpick::discord::ChatReply;

    use stackpick::discord::message_at;

    fn bot() -> Bot {
        let config =
            Config { answer_channels: [ANSWER_CHANNEL_ID.to_string()].into_iter().collect(), ..Config::default() };
        assert_eq!(config.cooldown, Duration::from_secs(3), "production default");
        Bot::new(common::engine_owned(), common::pack_dir(), config)
    }

    fn msg(v: Value) -> Message {
        serde_json::from_value(v).expect("serenity reads the message")
    }

    fn mention(text: &str) -> Message {
        msg(p::guild_message(CHANNEL_ID, USER_ID, &format!("<@{BOT_ID}> {text}"), &[BOT_ID]))
    }

    /// A reply to one of the bot's answers about `topic`, with Discord's
    /// default reply ping. The answer's subject is in its feedback buttons'
    /// ids; its embed title is a decoy (a pack can retitle a topic, and a
    /// title is text anyone can imitate).
    fn reply_to_answer(topic: &str, text: &str) -> Message {
        let mut answer = p::message(CHANNEL_ID, BOT_ID, "");
        answer["author"]["bot"] = json!(true);
        answer["embeds"] = json!([{"title": "Machine learning and AI", "type": "rich"}]);
        answer["components"] = json!([{"type": 1, "components": [
            {"type": 2, "style": 2, "custom_id": format!("sp1:f:up:{topic}"), "emoji": {"name": "👍"}},
            {"type": 2, "style": 2, "custom_id": format!("sp1:f:dn:{topic}"), "emoji": {"name": "👎"}},
        ]}]);
        let mut m = p::guild_message(CHANNEL_ID, USER_ID, text, &[BOT_ID]);
        m["referenced_message"] = answer.clone();
        m["message_reference"] = json!({"message_id": answer["id"], "channel_id": CHANNEL_ID.to_string()});
        msg(m)
    }

    fn text_of(reply: &Option<ChatReply>) -> String {
        match reply {
            Some(ChatReply::Send(m)) => serde_json::to_string(m).unwrap(),
            Some(ChatReply::React(r)) => format!("react {r}"),
            None => "silent".into(),
        }
    }

    const ME: UserId = UserId::new(BOT_ID);

    #[test]
    fn a_bare_mention_gets_the_greeting() {
        let reply = message_at(&bot(), &mention(""), ME, Instant::now());
        assert!(text_of(&reply).contains("Hi! Ask me something"), "{}", text_of(&reply));
    }

    #[test]
    fn thanks_under_an_answer_is_left_alone_and_a_follow_up_is_read_in_context() {
        let bot = bot();
        let t0 = Instant::now();
        let thanks = message_at(&bot, &reply_to_answer("scalability", "thanks, that helped!"), ME, t0);
        assert!(thanks.is_none(), "{}", text_of(&thanks));
        // A real question in a reply is answered.
        let q = message_at(&bot, &reply_to_answer("scalability", "which is easier to learn?"), ME, t0);
        assert!(text_of(&q).contains("Learning curve"), "{}", text_of(&q));
        // A follow-up is read with the subject of the answer it replies to.
        let later = t0 + Duration::from_secs(10);
        let follow = message_at(&bot, &reply_to_answer("performance", "is that true for python too?"), ME, later);
        assert!(text_of(&follow).contains("Performance and speed"), "{}", text_of(&follow));
    }

    #[test]
    fn chatter_in_an_answer_channel_does_not_cost_the_next_question() {
        let bot = bot();
        let t0 = Instant::now();
        let chatter = msg(p::guild_message(ANSWER_CHANNEL_ID, USER_ID, "hey all", &[]));
        assert!(message_at(&bot, &chatter, ME, t0).is_none());
        let question = msg(p::guild_message(ANSWER_CHANNEL_ID, USER_ID, "which is faster?", &[]));
        let reply = message_at(&bot, &question, ME, t0 + Duration::from_millis(500));
        assert!(text_of(&reply).contains("Performance"), "{}", text_of(&reply));
    }

    #[test]
    fn greetings_count_toward_the_cooldown_and_a_second_message_gets_one_slow_down_reaction() {
        let bot = bot();
        let t0 = Instant::now();
        assert!(text_of(&message_at(&bot, &mention(""), ME, t0)).contains("Hi!"));
        // Within the window: one ⏳ reaction, then silence, not a flood of notices.
        let second = message_at(&bot, &mention("which is faster?"), ME, t0 + Duration::from_secs(1));
        assert_eq!(text_of(&second), "react ⏳");
        let third = message_at(&bot, &mention("which is faster?"), ME, t0 + Duration::from_secs(2));
        assert!(third.is_none());
        // After the window: answered again.
        let fourth = message_at(&bot, &mention("which is faster?"), ME, t0 + Duration::from_secs(4));
        assert!(text_of(&fourth).contains("Performance"), "{}", text_of(&fourth));
    }
}

#[tokio::test]
async fn the_onboarding_preview_stays_neutral_without_a_cache() {
    let bot = Bot::new(common::engine_owned(), common::pack_dir(), Config::default());
    let body = respond(
        &bot,
        p::slash_as(
            "onboarding",
            json!([{"type": 1, "name": "preview", "options": []}]),
            p::MODERATOR_PERMS,
            fake::USER_ID,
        ),
    )
    .await;
    assert_eq!(body["data"]["embeds"][0]["title"], "Welcome to this server!");
}

/// A deferred response's flags stay on the answer that replaces it: a private
/// `/ask` must defer privately and a public one publicly (before, every `/ask`
/// deferred publicly). Questions may wait (the encoder reads them); `/compare` does not.
#[test]
fn deferral_keeps_the_answers_privacy() {
    use stackpick::bot::{defers_privately, may_wait};
    let interaction = |v| stackpick::discord::parse::interaction(&interaction(v)).request;
    let private = interaction(p::ask("which is faster?", json!([{"type": 5, "name": "private", "value": true}])));
    let public = interaction(p::ask("which is faster?", json!([])));
    assert!(defers_privately(&private));
    assert!(!defers_privately(&public));
    assert!(may_wait(&private) && may_wait(&public));
    let (message, _) = p::message_command("which is faster?");
    assert!(defers_privately(&interaction(message.clone())) && may_wait(&interaction(message)));
    let kb = interaction(p::slash_as(
        "kb",
        json!([{"type": 1, "name": "stats", "options": []}]),
        p::MODERATOR_PERMS,
        fake::USER_ID,
    ));
    assert!(defers_privately(&kb) && may_wait(&kb));
    let compare = interaction(p::slash("compare", json!([{"type": 3, "name": "topic", "value": "performance"}])));
    assert!(!may_wait(&compare));
}

/// The question log keeps a question as the engine read it (one normalising
/// pass: no second cleaning in the log, no third tokeniser in the store), and
/// the gap report groups by those words: phrasings that differ only in case,
/// punctuation, links and mentions are one gap, shown as the engine read it.
#[tokio::test]
async fn the_log_keeps_the_engines_reading_and_gaps_group_by_it() {
    let bot = Bot::new(common::engine_owned(), common::pack_dir(), Config::default());
    let asked = [
        (1001, "is bun stable enough for production yet"),
        (1002, "Is BUN stable enough for production yet?? https://bun.sh <@1001>"),
    ];
    for (user, question) in asked {
        let options = json!([{"type": 3, "name": "question", "value": question}]);
        respond(&bot, p::slash_as("ask", options, p::MEMBER_PERMS, user)).await;
    }
    let gaps = bot.store().gaps(None, 0, 1.01).await.unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!((gaps[0].example.as_str(), gaps[0].count), ("is bun stable enough for production yet", 2));
}

/// A private answer offers "Share in channel"; pressing it posts the answer
/// for everyone in that channel (an effect the face carries out) and tells
/// the presser privately.
#[tokio::test]
async fn a_private_answer_can_be_shared_in_the_channel() {
    let bot = Bot::new(common::engine_owned(), common::pack_dir(), Config::default());
    let private = json!([{"type": 5, "name": "private", "value": true}]);
    let body = respond(&bot, p::ask("which is faster?", private)).await;
    let buttons: Vec<&Value> = body["data"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["components"].as_array().unwrap())
        .collect();
    let share = buttons.iter().find(|b| b["label"] == "Share in channel").expect("a share button");
    let public = respond(&bot, p::ask("which is easier to learn?", json!([]))).await;
    assert!(!public.to_string().contains("Share in channel"), "a public answer needs none");

    let press = interaction(p::button(share["custom_id"].as_str().unwrap(), p::MEMBER_PERMS, fake::USER_ID));
    let reply = stackpick::discord::interaction(&bot, &press, &stackpick::bot::NoDirectory).await;
    let response = serde_json::to_value(&reply.response).unwrap();
    assert_eq!(response["data"]["content"], "Shared in this channel.");
    assert_eq!(response["data"]["flags"], 64);
    match reply.effects.as_slice() {
        [stackpick::bot::reply::Effect::Post { channel, message }] => {
            assert_eq!(channel, &fake::CHANNEL_ID.to_string());
            assert!(!message.private && message.ping.is_none());
            assert!(message.doc.as_ref().unwrap().title.contains("Performance"), "{message:?}");
        }
        other => panic!("one post: {other:?}"),
    }
}

/// The buttons of a rendered response, by label.
fn button<'a>(response: &'a Value, label: &str) -> &'a Value {
    response["data"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["components"].as_array().unwrap())
        .find(|b| b["label"] == label)
        .unwrap_or_else(|| panic!("no `{label}` button: {response}"))
}

/// `/privacy` says privately what is kept about the member who asks and for how
/// long (the store's own retention), and "Delete my data", confirmed once,
/// deletes their questions and votes on every server — nobody else's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_shows_what_is_kept_and_deletes_it_on_request() {
    use stackpick::store::{KeySource, OpenOptions, QuestionLog, Reports, SqliteStore};
    let db = common::TempDb::new();
    let options = OpenOptions { key: KeySource::Key([5; 32]), retention_days: Some(30), ..OpenOptions::default() };
    let store = std::sync::Arc::new(SqliteStore::open_with(&db.url(), options).await.unwrap());
    let bot = Bot::new(
        common::engine_owned(),
        common::pack_dir(),
        Config { cooldown: std::time::Duration::ZERO, ..Config::default() },
    )
    .with_store(store.clone(), Vec::new());
    let (me, other) = (1001, 1002);
    let ask =
        |q: &str, user| p::slash_as("ask", json!([{"type": 3, "name": "question", "value": q}]), p::MEMBER_PERMS, user);
    let answer = respond(&bot, ask("which is faster?", me)).await;
    respond(&bot, ask("which is easier to learn?", me)).await;
    respond(&bot, ask("best for machine learning?", other)).await;
    let up = answer["data"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["components"].as_array().unwrap())
        .filter_map(|b| b["custom_id"].as_str())
        .find(|id| id.starts_with("sp1:f:up:"))
        .expect("a 👍 button");
    respond(&bot, p::button(up, p::MEMBER_PERMS, me)).await;

    let mut askers: Vec<Option<String>> = Vec::new();
    for _ in 0..100 {
        let pool = common::sqlite::raw_pool(&db.url()).await;
        askers = sqlx::query_scalar("SELECT asker FROM questions").fetch_all(&pool).await.unwrap();
        pool.close().await;
        if askers.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(askers.len(), 3, "every question is logged with its asker");
    for asker in &askers {
        let asker = asker.as_deref().expect("an asker");
        assert!(asker.len() >= 32 && !asker.contains("1001") && !asker.contains("1002"), "a keyed hash: {asker}");
    }

    let shown = respond(&bot, p::slash_as("privacy", json!([]), p::MEMBER_PERMS, me)).await;
    assert_eq!(shown["data"]["flags"], 64, "only the asker sees it: {shown}");
    let embed = &shown["data"]["embeds"][0];
    assert_eq!(embed["title"], "What stackpick keeps about you");
    let text = embed["description"].as_str().unwrap();
    assert!(text.contains("Deleted after 30 days") && text.contains("never stored"), "{text}");
    assert_eq!(shown["data"]["allowed_mentions"]["parse"], json!([]), "no pings: {shown}");

    let forget = button(&shown, "Delete my data")["custom_id"].as_str().unwrap().to_owned();
    let confirm = respond(&bot, p::button(&forget, p::MEMBER_PERMS, me)).await;
    assert!(confirm["data"]["content"].as_str().unwrap().contains("cannot be undone"), "{confirm}");
    assert_eq!(confirm["data"]["flags"], 64);
    let yes = button(&confirm, "Yes, delete it")["custom_id"].as_str().unwrap().to_owned();
    let press = stackpick::discord::parse::interaction(&interaction(p::button(&yes, p::MEMBER_PERMS, me))).request;
    assert!(stackpick::bot::may_wait(&press) && stackpick::bot::defers_privately(&press), "it waits on the database");

    let done = respond(&bot, p::button(&yes, p::MEMBER_PERMS, me)).await;
    assert_eq!(
        done["data"]["content"],
        "Done: I deleted 2 questions and 1 vote. What you ask from now on is kept as /privacy describes."
    );
    let stats = store.stats(None, 0).await.unwrap();
    assert_eq!((stats.questions, stats.helpful + stats.unhelpful), (1, 0), "the other member's question stays");
    let again = respond(&bot, p::button(&yes, p::MEMBER_PERMS, me)).await;
    assert!(again["data"]["content"].as_str().unwrap().starts_with("There was nothing stored about you"), "{again}");
    store.close(std::time::Duration::from_secs(5)).await;
}
