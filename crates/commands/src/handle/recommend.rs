//! `/recommend`: what to choose for a use case and the pack's factors.

use std::time::Instant;

use stackpick_core::engine::recommend::Request;
use stackpick_core::{embed, limits};

use crate::custom_id::Action;
use crate::reply::{self, Form, FormChoice, MenuOption, Message, Response, Row};
use crate::request::Context;
use crate::{Bot, Reply};

/// The id of the form's text field: what the team is building.
pub const USE_CASE_FIELD: &str = "use_case";

/// The recommendation as a form: what you build, and a menu per factor of the
/// pack (`recommend.toml`), the same choices Discord's `/recommend` offers as options.
fn form(bot: &Bot) -> Reply {
    let engine = bot.engine();
    let pack = engine.pack();
    let examples: Vec<&str> = pack.use_cases.iter().take(3).map(|u| u.name.as_str()).collect();
    let choices = pack
        .recommend
        .factors
        .iter()
        .map(|f| FormChoice {
            id: f.option.clone(),
            label: limits::truncate(&f.description, 2000).into_owned(),
            options: f
                .choices
                .iter()
                .map(|c| MenuOption { label: c.name.clone(), value: c.value.clone(), description: String::new() })
                .collect(),
        })
        .collect();
    Response::Form(Form {
        action: Action::RecommendModal,
        title: "Get a recommendation".to_owned(),
        submit: "Recommend".to_owned(),
        label: "What are you building?".to_owned(),
        placeholder: if examples.is_empty() { String::new() } else { format!("e.g. {}", examples.join(", ")) },
        field: USE_CASE_FIELD,
        min_len: 0,
        max_len: 200,
        choices,
    })
    .into()
}

pub(super) fn handle(
    bot: &Bot,
    cx: &Context,
    use_case: &str,
    factors: &[(String, String)],
    private: bool,
    now: Instant,
) -> Reply {
    // Nothing said yet (Slack's `/stackpick recommend` alone): ask, with the form.
    if use_case.trim().is_empty() && factors.is_empty() && !matches!(cx.platform, crate::Platform::Discord) {
        return form(bot);
    }
    let engine = bot.engine();
    let pack = engine.pack();
    let found = if use_case.trim().is_empty() { None } else { engine.find_use_case(use_case) };
    let mut request = Request { use_case: found, ..Request::default() };
    for (option, value) in factors {
        let Some(f) = pack.recommend.factors.iter().position(|f| f.option == *option) else { continue };
        match pack.recommend.factors[f].choices.iter().position(|c| c.value == *value) {
            Some(c) => request.choices.push((f, c)),
            None => {
                return reply::notice(format!(
                    "`{}` is not a choice for `{option}`; pick one from the list.",
                    limits::truncate(value, 100),
                ))
            }
        }
    }
    let Some(rec) = engine.recommend(&request) else {
        return reply::notice("Tell me what you are building in `use_case`, or pick a factor.");
    };
    if let Some(reply) = bot.cooling(cx, now) {
        return reply;
    }
    let mut doc = embed::recommendation(pack, &rec);
    if request.use_case.is_none() && !use_case.trim().is_empty() {
        doc.description.push_str(&format!(
            "\n\nI don't know “{}” as a use case, so this rests on your other answers.",
            limits::truncate(use_case.trim(), 100)
        ));
    }
    let buttons: Vec<_> = rec.topics.iter().take(3).map(|&t| reply::topic_button(&engine, t)).collect();
    let mut rows = vec![Row::Buttons(buttons)];
    if !private {
        rows.push(Row::Buttons(vec![reply::delete_button(&cx.user)]));
    }
    Message { doc: Some(doc), rows, private, ..Message::default() }.into()
}
