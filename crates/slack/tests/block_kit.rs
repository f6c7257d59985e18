//! Every message the shipped pack can produce, rendered for Slack, is within
//! Block Kit's documented limits and reads back into slack-morphism's types.

use std::path::Path;

use serde_json::Value;
use slack_morphism::prelude::SlackBlock;
use stackpick_commands::reply::{self, Buttons, Response};
use stackpick_commands::request::{Command, Context, Interaction, Powers};
use stackpick_commands::{Bot, Config, Message, NoDirectory, Platform};
use stackpick_core::Engine;
use stackpick_slack::blocks::{limit, render};

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn check(what: &str, m: &Message) {
    let r = render(m);
    assert!(!r.text.is_empty(), "{what}: a notification fallback");
    assert!(!r.blocks.is_empty() && r.blocks.len() <= limit::BLOCKS, "{what}: {} blocks", r.blocks.len());
    for b in &r.blocks {
        match b["type"].as_str().unwrap() {
            "header" => assert!(chars(&b["text"]["text"]) <= limit::HEADER, "{what}: {b}"),
            "section" => {
                assert!(chars(&b["text"]["text"]) <= limit::SECTION, "{what}: {b}");
                let fields = b["fields"].as_array().map_or(0, Vec::len);
                assert!(fields <= limit::FIELDS, "{what}: {b}");
                for f in b["fields"].as_array().into_iter().flatten() {
                    assert!(chars(&f["text"]) <= limit::FIELD, "{what}: {f}");
                }
            }
            "context" => assert!(b["elements"].as_array().unwrap().len() <= limit::CONTEXT_ELEMENTS),
            "actions" => {
                let elements = b["elements"].as_array().unwrap();
                assert!(!elements.is_empty() && elements.len() <= limit::ACTIONS_ELEMENTS, "{what}: {b}");
                for e in elements {
                    assert!(chars(&e["action_id"]) <= limit::ACTION_ID, "{what}: {e}");
                    match e["type"].as_str().unwrap() {
                        "button" => assert!(chars(&e["text"]["text"]) <= limit::BUTTON_TEXT, "{what}: {e}"),
                        "static_select" => {
                            let options = e["options"].as_array().unwrap();
                            assert!(options.len() <= limit::OPTIONS, "{what}: {e}");
                            for o in options {
                                assert!(chars(&o["text"]["text"]) <= limit::OPTION_TEXT, "{what}: {o}");
                                assert!(chars(&o["value"]) <= limit::OPTION_VALUE, "{what}: {o}");
                            }
                        }
                        other => panic!("{what}: an element Slack was not promised: {other}"),
                    }
                }
            }
            other => panic!("{what}: a block Slack was not promised: {other}"),
        }
    }
    let typed: Vec<SlackBlock> = serde_json::from_value(Value::Array(r.blocks.clone())).unwrap();
    for block in typed {
        assert!(!matches!(block, SlackBlock::Unknown(_)), "{what}: slack-morphism cannot read a block: {block:?}");
    }
}

#[tokio::test]
async fn every_message_of_the_shipped_pack_fits_block_kit() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../knowledge");
    let engine = Engine::new(stackpick_core::load(&dir).unwrap());
    let buttons = Buttons { delete_by: Some("U1"), feedback: true, share: true };
    let pack = engine.pack();
    for (i, topic) in pack.topics.iter().enumerate() {
        let answer = engine.topic_answer(stackpick_core::knowledge::TopicIdx(i));
        check(&topic.id, &reply::answer(&engine, &answer, buttons, Some("U42")));
    }
    for (i, use_case) in pack.use_cases.iter().enumerate() {
        let answer = engine.use_case_answer(stackpick_core::knowledge::UseCaseIdx(i));
        check(&use_case.id, &reply::answer(&engine, &answer, buttons, None));
    }
    let unsure = engine.answer("how do I bake sourdough bread?");
    check("not sure", &reply::answer(&engine, &unsure, buttons, None));

    let bot = Bot::new(engine, dir, Config::default());
    let cx = Context {
        platform: Platform::Slack,
        server: Some("T1".into()),
        channel: Some("C1".into()),
        user: "U1".into(),
        powers: Powers::default(),
    };
    for command in [Command::Help, Command::Topics, Command::Privacy] {
        let reply = bot.interaction(&cx, &Interaction::Command(command.clone()), &NoDirectory).await;
        let Response::Message(m) = reply.response else { panic!("{command:?} answers with a message") };
        check(&format!("{command:?}"), &m);
    }
    // The recommendation form (a modal): within a modal's limits, and readable as a view.
    let recommend = Command::Recommend { use_case: String::new(), factors: Vec::new(), private: true };
    let reply = bot.interaction(&cx, &Interaction::Command(recommend), &NoDirectory).await;
    let Response::Form(form) = reply.response else { panic!("/stackpick recommend alone opens a form") };
    let modal = stackpick_slack::blocks::modal(&form);
    for key in ["title", "submit", "close"] {
        assert!(chars(&modal[key]["text"]) <= 24, "{key}: {modal}");
    }
    let blocks = modal["blocks"].as_array().unwrap();
    assert!(blocks.len() <= limit::MODAL_BLOCKS);
    for b in blocks {
        for o in b["element"]["options"].as_array().into_iter().flatten() {
            assert!(
                chars(&o["text"]["text"]) <= limit::OPTION_TEXT && chars(&o["value"]) <= limit::OPTION_VALUE,
                "{o}"
            );
        }
    }
    let typed: Vec<SlackBlock> = serde_json::from_value(Value::Array(blocks.clone())).unwrap();
    assert!(typed.iter().all(|b| !matches!(b, SlackBlock::Unknown(_))), "slack-morphism reads every block: {modal}");
}
