//! Chat messages: mentions, DMs, the prefix, answer channels and replies to
//! the bot — when to speak, and what to say.

use std::sync::Arc;
use std::time::Instant;

use stackpick_core::{Answer, Engine};

use crate::reply::{self, Buttons, ChatReply, Edit, Message, SLOW_DOWN};
use crate::request::{ChatMessage, MessageRef, Platform, Revision, Subject};
use crate::state::Sending;
use crate::{timed_answer, Bot, Offload, Trigger};

/// What the bot says to a chat message: an answer, or a greeting (`None`).
struct Said {
    engine: Arc<Engine>,
    answer: Option<Answer>,
    /// Speaks only when sure (an answer channel, a reply to the bot): a
    /// cooldown there means silence, not a "slow down".
    quiet: bool,
}

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
        self.trigger(msg)?;
        // A message delivered twice (a replayed dispatch, a retried event) is
        // answered once: the second copy would find the cooldown taken.
        let delivery = format!("{}/{}", msg.id.channel, msg.id.message);
        if !self.first_delivery(msg.context.platform, &delivery) {
            return None;
        }
        let said = self.compose(msg)?;
        let cx = &msg.context;
        let period = self.cooldown_for(cx);
        if self.cooldowns.try_take(&cx.user, now, period).is_err() {
            if said.quiet || !self.cooldowns.notice_once(&cx.user) {
                return None;
            }
            return Some(ChatReply::React(SLOW_DOWN));
        }
        if let Some(answer) = &said.answer {
            self.log(cx, answer, &said.engine);
        }
        self.answers.sending(msg);
        Some(ChatReply::Send(Box::new(self.render(msg, &said))))
    }

    /// The face sent `answer` in reply to the chat message `question`: an edit
    /// of the question will update it, a deletion take it along. An edit or
    /// deletion that came while the answer was on its way is returned, for
    /// the face to apply now.
    pub fn answer_sent(&self, question: ChatMessage, answer: MessageRef) -> Option<Edit> {
        let platform = question.context.platform;
        let id = question.id.clone();
        let meanwhile = self.answers.sent(&question);
        if meanwhile == Sending::Deleted {
            return Some(Edit::Delete(answer));
        }
        self.answers.remember(question, answer, Revision::ORIGINAL);
        match meanwhile {
            Sending::Edited { text, mentions_me, revision } => {
                self.message_edited(platform, &id, text, mentions_me, revision)
            }
            Sending::Unchanged | Sending::Deleted => None,
        }
    }

    /// The face could not send the answer to `question`: nothing waits for it.
    pub fn answer_not_sent(&self, question: &ChatMessage) {
        self.answers.sent(question);
    }

    /// A chat message was edited: `text` is its new text, read by the face as
    /// for a new message (the bot's mention removed; `mentions_me` whether it
    /// still names the bot), and `revision` which version of the message
    /// that is. When the bot answered it, the answer is replaced by the
    /// answer to the new text, or deleted when the bot would now say
    /// nothing. `None`: nothing to do (not a question the bot answered, an
    /// edit that left the text as it was, such as a link preview added, or
    /// one no newer than the version already answered, come late).
    /// Edits take no cooldown and are not logged again: they post nothing new.
    pub fn message_edited(
        &self,
        platform: Platform,
        id: &MessageRef,
        text: String,
        mentions_me: bool,
        revision: Revision,
    ) -> Option<Edit> {
        let Some(answered) = self.answers.get(platform, id) else {
            self.answers.while_sending(platform, id, Sending::Edited { text, mentions_me, revision });
            return None;
        };
        if revision <= answered.revision
            || (answered.question.text == text && answered.question.mentions_me == mentions_me)
        {
            // Come late (what the answer reflects is already newer), or the
            // text the answer reflects again. The latter is not recorded as a
            // version: an edit stamped like it may still carry new text.
            return None;
        }
        let question = ChatMessage { text, mentions_me, ..answered.question };
        match self.compose(&question) {
            Some(said) => {
                let message = Box::new(self.render(&question, &said));
                self.answers.remember(question, answered.answer.clone(), revision);
                Some(Edit::Replace { answer: answered.answer, message })
            }
            None => {
                self.answers.forget(platform, id);
                Some(Edit::Delete(answered.answer))
            }
        }
    }

    /// A chat message was deleted: the bot's answer to it, to delete too.
    pub fn message_deleted(&self, platform: Platform, id: &MessageRef) -> Option<MessageRef> {
        let answered = self.answers.forget(platform, id);
        if answered.is_none() {
            self.answers.while_sending(platform, id, Sending::Deleted);
        }
        answered.map(|a| a.answer)
    }

    /// What the bot would say to `msg`, cooldowns aside; `None` to stay silent.
    fn compose(&self, msg: &ChatMessage) -> Option<Said> {
        let (trigger, question) = self.trigger(msg)?;
        let engine = self.engine();
        let question = question.trim();
        let quiet = matches!(trigger, Trigger::AnswerChannel | Trigger::Reply);
        if question.is_empty() {
            return (!quiet).then_some(Said { engine, answer: None, quiet });
        }
        let mut answer = timed_answer(&engine, question);
        if trigger == Trigger::Reply {
            // "is that true for the other one too?" under an answer about
            // speed is read with the subject of the answer it replies to.
            let subject = msg.replied_subject.as_ref().and_then(|s| subject_title(&engine, s));
            if let Some(better) = engine.follow_up_running(&answer, question, subject.as_deref(), &Offload) {
                answer = better;
            }
        }
        if quiet && !answer.answered() {
            // Ordinary chat where the bot reads everything, or "thanks!"
            // under its answer: neither answered nor kept.
            return None;
        }
        Some(Said { engine, answer: Some(answer), quiet })
    }

    /// The message for what the bot says: the answer, or a greeting for a
    /// mention with no question in it.
    fn render(&self, msg: &ChatMessage, said: &Said) -> Message {
        let Some(answer) = &said.answer else {
            let text = format!(
                "Hi! Ask me something about {}, like “which is faster?” — or try `/help`.",
                said.engine.pack().info.scope
            );
            return Message { text: Some(text), ..Message::default() }.replying_to(msg.id.clone());
        };
        let buttons = Buttons { delete_by: Some(&msg.context.user), feedback: true, share: false };
        reply::answer(&said.engine, answer, buttons, None).replying_to(msg.id.clone())
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
