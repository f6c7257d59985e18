//! Slack and Discord show the same answers.

use serde_json::{json, Value};
use stackpick::bot::{Bot, Config};

use crate::common;
use crate::fake::{app, slash};

/// What a person sees, as plain text, by one rule for both platforms:
/// the texts in display order (message text, title, description, each
/// field's name and value, footer, button labels with their emoji), with
/// markup removed (Discord's `**bold**` and `[label](url)`, Slack's `*bold*`
/// and `<url|label>`; mention and channel syntax `<@…>`, `<#…>`, `<!…>`
/// dropped; `&amp;`, `&lt;`, `&gt;` read back) and whitespace collapsed.
fn displayed(parts: Vec<String>) -> String {
    use std::sync::LazyLock;
    static RULES: LazyLock<Vec<(regex::Regex, &str)>> = LazyLock::new(|| {
        [
            (r"\[([^\]\n]+)\]\((?:https?://[^)\s]+)\)", "$1"), // Discord link
            (r"<(?:https?://[^|>]+)\|([^>]+)>", "$1"),         // Slack link
            (r"<[@#!][^>]*>", " "),                            // mentions
            (r"\*\*(.+?)\*\*", "$1"),                          // Discord bold
            (r"\*(.+?)\*", "$1"),                              // Slack bold
        ]
        .into_iter()
        .map(|(re, to)| (regex::Regex::new(re).unwrap(), to))
        .collect()
    });
    let mut text = parts.join("\n");
    for (re, to) in RULES.iter() {
        text = re.replace_all(&text, *to).into_owned();
    }
    let text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn discord_displayed(response: &Value) -> String {
    let data = &response["data"];
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let mut parts = vec![s(&data["content"])];
    for embed in data["embeds"].as_array().into_iter().flatten() {
        parts.extend([s(&embed["title"]), s(&embed["description"])]);
        for field in embed["fields"].as_array().into_iter().flatten() {
            parts.extend([s(&field["name"]), s(&field["value"])]);
        }
        parts.push(s(&embed["footer"]["text"]));
    }
    for row in data["components"].as_array().into_iter().flatten() {
        for c in row["components"].as_array().into_iter().flatten() {
            parts.push(format!("{} {}", s(&c["emoji"]["name"]), s(&c["label"])));
        }
    }
    displayed(parts)
}

fn slack_displayed(message: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let mut parts = Vec::new();
    for block in message["blocks"].as_array().into_iter().flatten() {
        match block["type"].as_str().unwrap() {
            "header" | "section" => {
                parts.push(s(&block["text"]["text"]));
                for field in block["fields"].as_array().into_iter().flatten() {
                    parts.push(s(&field["text"]));
                }
            }
            "context" => parts.extend(block["elements"].as_array().unwrap().iter().map(|e| s(&e["text"]))),
            "actions" => parts.extend(block["elements"].as_array().unwrap().iter().map(|e| s(&e["text"]["text"]))),
            other => panic!("unexpected block {other}"),
        }
    }
    displayed(parts)
}

/// The same pack answers the same in Slack and in Discord: every public dev
/// question, asked through each face end to end (Discord's `/ask` private,
/// like Slack's `/stackpick`), shows the same plain text by [`displayed`]'s rule.
#[tokio::test]
async fn slack_and_discord_show_the_same_answers_to_the_dev_questions() {
    use stackpick_fake_discord::payloads as p;
    let (app, _, _) = app().await;
    let discord = Bot::new(common::engine_owned(), common::pack_dir(), Config::default());
    let dev = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/dev.tsv")).unwrap();
    let questions: Vec<&str> = dev
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').next())
        .collect();
    assert!(questions.len() >= 70, "{}", questions.len());
    for (i, q) in questions.iter().enumerate() {
        let options =
            json!([{"type": 3, "name": "question", "value": q}, {"type": 5, "name": "private", "value": true}]);
        let request = p::slash_as("ask", options, p::MEMBER_PERMS, 5000 + i as u64);
        let interaction: serenity::all::Interaction = serde_json::from_value(request).unwrap();
        let reply = stackpick::discord::interaction(&discord, &interaction, &stackpick::bot::NoDirectory).await;
        let on_discord = discord_displayed(&serde_json::to_value(&reply.response).unwrap());
        let on_slack = slack_displayed(&slash(&app, &format!("UQ{i}"), q).await);
        assert!(!on_discord.is_empty(), "{q}");
        assert_eq!(on_slack, on_discord, "{q}");
    }
}
