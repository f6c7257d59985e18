//! Chat messages: mentions, DMs, the prefix, answer channels and replies to
//! the bot — when to speak, and what to say.

use super::*;

impl Bot {
    /// Decides whether and how to answer a chat message. `None`: stay silent.
    pub fn message(&self, msg: &Message, me: UserId) -> Option<ChatReply> {
        self.message_at(msg, me, Instant::now())
    }

    /// [`Bot::message`] with an explicit clock.
    ///
    /// The engine decides first (it is pure and cheap); the cooldown is taken
    /// only when the bot is going to speak, greetings included, so chatter in
    /// an answer channel never costs someone their next real question.
    pub fn message_at(&self, msg: &Message, me: UserId, now: Instant) -> Option<ChatReply> {
        if msg.author.bot || msg.webhook_id.is_some() || msg.author.id == me {
            return None;
        }
        let (trigger, question) = self.trigger(msg, me)?;
        let engine = self.engine();
        let question = without_mentions_of(question, me);
        let question = question.trim();
        let reference = reference(msg.channel_id, msg.id);
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
                let subject = msg.referenced_message.as_deref().and_then(|m| answered_subject(&engine, m));
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

        let period = self.cooldown_for(msg.guild_id);
        if self.cooldowns.try_take(msg.author.id, now, period).is_err() {
            if silent_unless_sure || !self.cooldowns.notice_once(msg.author.id) {
                return None;
            }
            return Some(ChatReply::React(serenity::model::channel::ReactionType::Unicode(SLOW_DOWN.into())));
        }

        let Some(answer) = answer else {
            let text = format!(
                "Hi! Ask me something about {}, like “which is faster?” — or try `/help`.",
                engine.pack().info.scope
            );
            let greeting = respond::message(None).content(text).reference_message(reference);
            return Some(ChatReply::Send(Box::new(greeting)));
        };
        self.log(msg.guild_id, Some(msg.channel_id), &answer, &engine);
        let out = respond::answer(&engine, &answer, Buttons { delete_by: Some(msg.author.id), feedback: true }, None);
        Some(ChatReply::Send(Box::new(out.message().reference_message(reference))))
    }

    /// Why a message is for the bot, and the question without the trigger.
    pub(super) fn trigger<'m>(&self, msg: &'m Message, me: UserId) -> Option<(Trigger, &'m str)> {
        let content = msg.content.as_str();
        let named = content.contains(&format!("<@{me}>")) || content.contains(&format!("<@!{me}>"));
        let replies_to_me = msg.referenced_message.as_ref().is_some_and(|m| m.author.id == me);
        if replies_to_me && !named {
            // Discord's reply ping lists the bot in `mentions` without naming it.
            return Some((Trigger::Reply, content));
        }
        if named || msg.mentions.iter().any(|u| u.id == me) {
            return Some((Trigger::Mention, content));
        }
        if let Some(prefix) = &self.config.prefix {
            let head = content.trim_start();
            if head.len() >= prefix.len()
                && head.is_char_boundary(prefix.len())
                && head[..prefix.len()].eq_ignore_ascii_case(prefix)
                && head[prefix.len()..].chars().next().is_none_or(char::is_whitespace)
            {
                return Some((Trigger::Prefix, &head[prefix.len()..]));
            }
        }
        if msg.guild_id.is_none() {
            return Some((Trigger::DirectMessage, content));
        }
        if self.is_answer_channel(msg.guild_id, msg.channel_id) {
            return Some((Trigger::AnswerChannel, content));
        }
        None
    }
}

/// The text without the bot's own mention markup, so "@bot" alone is empty.
pub(super) fn without_mentions_of(text: &str, me: UserId) -> String {
    text.replace(&format!("<@{me}>"), " ").replace(&format!("<@!{me}>"), " ")
}

/// The subject of one of the bot's answers: its topic's title or its use case's
/// name, read from the embed it sent.
pub(super) fn answered_subject(engine: &Engine, answer: &Message) -> Option<String> {
    let title = answer.embeds.first()?.title.as_deref()?;
    let pack = engine.pack();
    pack.topics
        .iter()
        .find(|t| t.title == title)
        .map(|t| t.title.clone())
        .or_else(|| pack.use_cases.iter().find(|u| title.starts_with(&format!("{}:", u.name))).map(|u| u.name.clone()))
}
