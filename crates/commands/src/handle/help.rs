//! `/topics` and `/help`: what the bot can answer, and how to ask.

use stackpick_core::embed::{EmbedDoc, Field};
use stackpick_core::limits;

use crate::reply::{self, Message};
use crate::request::{Context, Platform};
use crate::{Bot, Reply};

/// The name of the message command, as `/help` mentions it.
pub const ANSWER_MESSAGE_NAME: &str = "Ask stackpick";

pub(super) fn topics(bot: &Bot) -> Reply {
    let engine = bot.engine();
    let pack = engine.pack();
    let list = pack.topics.iter().map(|t| format!("`{}` {}", t.id, t.title)).collect::<Vec<_>>().join("\n");
    let doc = EmbedDoc {
        title: format!("What I can answer about {}", pack.info.name),
        description: limits::truncate(&list, limits::EMBED_DESCRIPTION).into_owned(),
        colour: pack.info.either.colour,
        fields: Vec::new(),
        footer: "Pick a topic below, or use /compare topic:…".into(),
    };
    Message {
        doc: Some(doc), rows: reply::topic_menus(&engine, "Open a topic…"), private: true, ..Message::default()
    }
    .into()
}

/// What the bot does and how to ask, in the platform's own command syntax.
pub(super) fn help(bot: &Bot, cx: &Context) -> Reply {
    let engine = bot.engine();
    let pack = engine.pack();
    let examples: Vec<String> =
        pack.info.starter_topics.iter().take(4).map(|&t| format!("• {}", pack.topic(t).title)).collect();
    let how = match cx.platform {
        Platform::Discord => {
            let prefix = match &bot.config.prefix {
                Some(p) => format!(", or start a message with `{p}`"),
                None => String::new(),
            };
            format!(
                "**Ask** — `/ask question:which is faster?`, mention me with a question, DM me{prefix}.\n\
                 **Compare** — `/compare topic:` one topic side by side.\n\
                 **Recommend** — `/recommend use_case:` what you are building, plus what your team knows and what matters most.\n\
                 **Topics** — `/topics` lists everything, with a menu.\n\
                 **Point me at a message** — right-click a message → Apps → *{ANSWER_MESSAGE_NAME}*.\n\
                 **Privacy** — `/privacy` shows what I keep about you, and deletes it.\n\n\
                 Add `private:True` to see an answer only yourself."
            )
        }
        Platform::Slack => format!(
            "**Ask** — `/stackpick which is faster?`, mention me with a question, or DM me.\n\
             **Compare** — `/stackpick compare performance`: one topic side by side.\n\
             **Recommend** — `/stackpick recommend` and what you are building.\n\
             **Topics** — `/stackpick topics` lists everything, with a menu.\n\
             **Point me at a message** — the message's ⋯ menu → *{ANSWER_MESSAGE_NAME}*.\n\
             **Privacy** — `/stackpick privacy` shows what I keep about you, and deletes it.\n\n\
             Answers to `/stackpick` are yours only; *Share in channel* posts one for everyone."
        ),
    };
    let text = format!(
        "I answer questions about {scope} from a curated knowledge base, and say so when I'm not sure.\n\n{how}",
        scope = pack.info.scope,
    );
    let doc = EmbedDoc {
        title: format!("stackpick — {}", pack.info.name),
        description: text,
        colour: pack.info.either.colour,
        fields: vec![Field { name: "Popular topics".into(), value: examples.join("\n"), inline: false }],
        footer: format!("Source: {}", pack.info.source),
    };
    Message::doc(doc).private(true).into()
}
