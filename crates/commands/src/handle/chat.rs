//! Chat messages: mentions, DMs, the prefix, answer channels and replies to
//! the bot — when to speak, and what to say.

use std::time::Instant;

use stackpick_core::Engine;

use crate::reply::{self, Buttons, ChatReply, Message, SLOW_DOWN};
use crate::request::{ChatMessage, Subject};
use crate::{timed_answer, Bot, Trigger};

impl Bot {
    /// Decides whether and how to answer a chat message. `None`: stay silent.
    /// The face has already dropped messages from bots (the bot itself included).
    pub fn message(&self, msg: &ChatMessage) -> Option<ChatReply> {
        self.message_at(msg, Instant::now())
    }

    /// [`Bot::message`] with an explicit clock.
    ///
    /// The engine decides first (it is pure and cheap); the cooldown is taken
    /// only when the bot is going to speak, greetings included, so chatter in
    /// an answer channel never costs someone their next real question.
    pub fn message_at(&self, msg: &ChatMessage, now: Instant) -> Option<ChatReply> {
        let (trigger, question) = self.trigger(msg)?;
        // A message delivered twice (a replayed dispatch, a retried event) is
        // answered once: the second copy would find the cooldown taken.
        let delivery = format!("{}/{}", msg.id.channel, msg.id.message);
        if !self.first_delivery(msg.context.platform, &delivery) {
            return None;
        }
        let engine = self.engine();
        let question = question.trim();
        let silent_unless_sure = matches!(trigger, Trigger::AnswerChannel | Trigger::Reply);

        let answer = if question.is_empty() {
            if silent_unless_sure {
                return None;
            }
            None
        } else {
            let mut answer = timed_answer(&engine, question);
            if trigger == Trigger::Reply {
                // "is that true for the other one too?" under an answer about
                // speed is read with the subject of the answer it replies to.
                let subject = msg.replied_subject.as_ref().and_then(|s| subject_title(&engine, s));
                if let Some(better) = engine.follow_up(&answer, question, subject.as_deref()) {
                    answer = better;
                }
            }
            if silent_unless_sure && !answer.answered() {
                // Ordinary chat where the bot reads everything, or "thanks!"
                // under its answer: neither answered nor kept.
                return None;
            }
            Some(answer)
        };

        let cx = &msg.context;
        let period = self.cooldown_for(cx);
        if self.cooldowns.try_take(&cx.user, now, period).is_err() {
            if silent_unless_sure || !self.cooldowns.notice_once(&cx.user) {
                return None;
            }
            return Some(ChatReply::React(SLOW_DOWN));
        }

        let Some(answer) = answer else {
            let text = format!(
                "Hi! Ask me something about {}, like “which is faster?” — or try `/help`.",
                engine.pack().info.scope
            );
            let greeting = Message { text: Some(text), ..Message::default() }.replying_to(msg.id.clone());
            return Some(ChatReply::Send(Box::new(greeting)));
        };
        self.log(cx, &answer, &engine);
        let out =
            reply::answer(&engine, &answer, Buttons { delete_by: Some(&cx.user), feedback: true, share: false }, None);
        Some(ChatReply::Send(Box::new(out.replying_to(msg.id.clone()))))
    }

    /// Why a message is for the bot, and the question without the trigger.
    fn trigger<'m>(&self, msg: &'m ChatMessage) -> Option<(Trigger, &'m str)> {
        let text = msg.text.as_str();
        if msg.replies_to_me && !msg.mentions_me {
            return Some((Trigger::Reply, text));
        }
        if msg.mentions_me {
            return Some((Trigger::Mention, text));
        }
        if let Some(prefix) = &self.config.prefix {
            let head = text.trim_start();
            if head.len() >= prefix.len()
                && head.is_char_boundary(prefix.len())
                && head[..prefix.len()].eq_ignore_ascii_case(prefix)
                && head[prefix.len()..].chars().next().is_none_or(char::is_whitespace)
            {
                return Some((Trigger::Prefix, &head[prefix.len()..]));
            }
        }
        if msg.context.server.is_none() {
            return Some((Trigger::DirectMessage, text));
        }
        if self.is_answer_channel(&msg.context) {
            return Some((Trigger::AnswerChannel, text));
        }
        None
    }
}

/// What a follow-up borrows from the answer it replies to: the use case's
/// name when the answer was a recommendation, else the topic's title.
fn subject_title(engine: &Engine, subject: &Subject) -> Option<String> {
    let pack = engine.pack();
    let use_case = subject.use_case.as_deref().and_then(|id| pack.use_cases.iter().find(|u| u.id == id));
    match use_case {
        Some(u) => Some(u.name.clone()),
        None => pack.topic_by_id(&subject.topic).map(|t| pack.topic(t).title.clone()),
    }
}
