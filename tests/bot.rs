//! The command layer on its own: serenity `Interaction`s in, responses out,
//! with no transport in between.
#![recursion_limit = "256"]

mod common;
mod fake;

use std::path::Path;

use fake::payloads as p;
use serde_json::{json, Value};
use serenity::all::Interaction;
use stackpick::bot::{Bot, Config};

fn interaction(v: Value) -> Interaction {
    serde_json::from_value(v).expect("serenity reads the payload")
}

async fn respond(bot: &Bot, v: Value) -> Value {
    serde_json::to_value(&bot.interaction(&interaction(v), &stackpick::bot::NoDirectory).await.response).unwrap()
}

fn copy_pack(to: &Path) {
    for entry in std::fs::read_dir(common::pack_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

#[tokio::test]
async fn kb_reload_keeps_the_last_good_pack_and_lists_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    copy_pack(dir.path());
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
    assert_eq!(second["options"].as_array().unwrap().len(), 3, "28 topics: 25 + 3");
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
