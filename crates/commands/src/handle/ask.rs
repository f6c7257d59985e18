//! `/ask`, `/compare` and answering someone else's message: a question (or a
//! topic) in, an answer embed with its buttons out.

use std::time::Instant;

use stackpick_core::limits;

use crate::reply::{self, Buttons, Effect, Message, Response};
use crate::request::{Context, Quoted};
use crate::{Bot, Reply};

/// An answer as the reply to a command: private answers ping nobody (only
/// the asker sees them) and need no delete button.
fn answer_reply(message: Message, private: bool) -> Reply {
    message.private(private).into()
}

fn buttons(cx: &Context, private: bool) -> Buttons<'_> {
    Buttons { delete_by: if private { None } else { Some(&cx.user) }, feedback: true, share: private }
}

/// `/ask question:…`
pub(super) fn ask(
    bot: &Bot,
    cx: &Context,
    question: &str,
    private: bool,
    mention: Option<&str>,
    now: Instant,
) -> Reply {
    let question = question.trim();
    if question.is_empty() {
        return reply::notice("Type a question in the `question` option, like “which is faster?”.");
    }
    let (engine, answer) = match bot.asked(cx, question, now) {
        Ok(asked) => asked,
        Err(slow_down) => return *slow_down,
    };
    let mention = if private { None } else { mention };
    answer_reply(reply::answer(&engine, &answer, buttons(cx, private), mention), private)
}

/// `/compare topic:…`, the topic as chosen from the list or typed.
pub(super) fn compare(
    bot: &Bot,
    cx: &Context,
    typed: &str,
    private: bool,
    mention: Option<&str>,
    now: Instant,
) -> Reply {
    let engine = bot.engine();
    let topic = engine.pack().topic_by_id(typed.trim()).or_else(|| engine.complete_topics(typed).first().copied());
    let Some(topic) = topic else {
        return reply::notice(format!(
            "I have no topic called “{}”. Pick one from the list, or see /topics.",
            limits::truncate(typed, 100)
        ));
    };
    if let Some(reply) = bot.cooling(cx, now) {
        return reply;
    }
    let answer = engine.topic_answer(topic);
    let mention = if private { None } else { mention };
    answer_reply(reply::answer(&engine, &answer, buttons(cx, private), mention), private)
}

/// Answers a message someone else posted (Discord's message command): a
/// private "answering" notice, and the answer posted as a reply to it.
pub(super) fn answer_message(bot: &Bot, cx: &Context, quoted: Option<&Quoted>, now: Instant) -> Reply {
    let Some(Quoted { id: message, text }) = quoted else {
        return reply::notice("I can't see that message.");
    };
    if text.trim().is_empty() {
        return reply::notice("That message has no text for me to answer.");
    }
    let (engine, answer) = match bot.asked(cx, text, now) {
        Ok(asked) => asked,
        Err(slow_down) => return *slow_down,
    };
    let out =
        reply::answer(&engine, &answer, Buttons { delete_by: Some(&cx.user), feedback: true, share: false }, None)
            .replying_to(message.clone());
    Reply {
        response: Response::Message(Message::notice("Answering that message below.")),
        effects: vec![Effect::Post { channel: message.channel.clone(), message: Box::new(out) }],
    }
}
