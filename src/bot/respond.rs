//! Building what the bot sends: answer embeds with their follow-up components,
//! and the `allowed_mentions` that go on every single message.
//!
//! This module is the one place a Discord message starts: [`response`] (an
//! interaction's message) and [`message`] (a channel message) are the only
//! constructors the bot uses, and both set who may be pinged before anything
//! else is added (`tests/architecture.rs` checks that no other file calls
//! serenity's constructors).

use crate::render::ToCreateEmbed;
use serenity::builder::{
    CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed, CreateInteractionResponseMessage, CreateMessage,
    CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption,
};
use serenity::model::application::ButtonStyle;
use serenity::model::id::UserId;

use super::custom_id::{Action, Vote};
use crate::answer::Answer;
use crate::engine::Engine;
use crate::knowledge::TopicIdx;
use crate::limits;

/// How many related-topic buttons go under an answer.
const TOPIC_BUTTONS: usize = 3;

/// Who may be pinged: nobody, or exactly the one user an answer is addressed to.
/// Whatever the question contained (`@everyone`, role mentions), nothing else pings.
pub fn mentions(target: Option<UserId>) -> CreateAllowedMentions {
    let none = CreateAllowedMentions::new().replied_user(false);
    match target {
        Some(user) => none.users([user]),
        None => none,
    }
}

/// An interaction's message that may ping only `mention` (or nobody).
pub fn response(mention: Option<UserId>) -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new().allowed_mentions(mentions(mention))
}

/// A channel message that may ping only `mention` (or nobody).
pub fn message(mention: Option<UserId>) -> CreateMessage {
    CreateMessage::new().allowed_mentions(mentions(mention))
}

/// An answer ready to send, independent of how it is sent.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub content: Option<String>,
    pub embed: CreateEmbed,
    pub components: Vec<CreateActionRow>,
    pub mention: Option<UserId>,
}

impl Outgoing {
    pub fn interaction(self, ephemeral: bool) -> CreateInteractionResponseMessage {
        let mut m = response(self.mention).embed(self.embed).components(self.components).ephemeral(ephemeral);
        if let Some(content) = self.content {
            m = m.content(content);
        }
        m
    }

    pub fn message(self) -> CreateMessage {
        let mut m = message(self.mention).embed(self.embed).components(self.components);
        if let Some(content) = self.content {
            m = m.content(content);
        }
        m
    }
}

/// What the answer's buttons can offer, which depends on where it is shown.
#[derive(Debug, Clone, Copy)]
pub struct Buttons {
    /// The person who asked, for the delete button; `None` hides it
    /// (ephemeral answers need no delete button).
    pub delete_by: Option<UserId>,
    pub feedback: bool,
}

/// The message for an engine answer: embed, related-topic buttons, feedback
/// and delete buttons, and the one allowed ping.
pub fn answer(engine: &Engine, answer: &Answer, buttons: Buttons, mention: Option<UserId>) -> Outgoing {
    let pack = engine.pack();
    let doc = engine.embed(answer);
    let mut topics: Vec<TopicIdx> = answer.suggestions.clone();
    if let Some(t) = answer.topic() {
        topics.extend(pack.topic(t).related.iter().copied());
        topics.retain(|&x| x != t);
    }
    let mut seen = Vec::new();
    topics.retain(|t| {
        let fresh = !seen.contains(t);
        seen.push(*t);
        fresh
    });
    topics.truncate(TOPIC_BUTTONS);

    let mut rows = Vec::new();
    if !topics.is_empty() {
        rows.push(CreateActionRow::Buttons(topics.iter().map(|&t| topic_button(engine, t)).collect()));
    }
    let mut actions = Vec::new();
    if let Some(topic) = answer.topic().filter(|_| buttons.feedback) {
        let id = &pack.topic(topic).id;
        actions.push(
            CreateButton::new(Action::Feedback(Vote::Up, id.clone()).id()).emoji('👍').style(ButtonStyle::Secondary),
        );
        actions.push(
            CreateButton::new(Action::Feedback(Vote::Down, id.clone()).id()).emoji('👎').style(ButtonStyle::Secondary),
        );
    }
    if let Some(asker) = buttons.delete_by {
        actions.push(CreateButton::new(Action::Delete { asker }.id()).emoji('🗑').style(ButtonStyle::Danger));
    }
    if !actions.is_empty() {
        rows.push(CreateActionRow::Buttons(actions));
    }
    Outgoing { content: mention.map(|u| format!("<@{u}>")), embed: doc.to_create_embed(), components: rows, mention }
}

/// A button that opens one topic for whoever presses it.
pub fn topic_button(engine: &Engine, topic: TopicIdx) -> CreateButton {
    let t = engine.pack().topic(topic);
    CreateButton::new(Action::Topic(t.id.clone()).id())
        .label(limits::truncate(&t.title, limits::BUTTON_LABEL))
        .style(ButtonStyle::Primary)
}

/// Select menus listing every topic (25 per menu, at most 5 menus).
pub fn topic_menus(engine: &Engine, placeholder: &str) -> Vec<CreateActionRow> {
    let pack = engine.pack();
    pack.topics
        .chunks(limits::CHOICES)
        .take(5)
        .enumerate()
        .map(|(i, chunk)| {
            let options = chunk
                .iter()
                .map(|t| {
                    CreateSelectMenuOption::new(limits::truncate(&t.title, limits::CHOICE_TEXT), &t.id)
                        .description(limits::truncate(&t.verdict.reason, limits::CHOICE_TEXT))
                })
                .collect();
            // Discord wants custom ids unique per message.
            let id = if i == 0 { Action::TopicMenu.id() } else { format!("{}:{i}", Action::TopicMenu.id()) };
            CreateActionRow::SelectMenu(
                CreateSelectMenu::new(id, CreateSelectMenuKind::String { options })
                    .placeholder(limits::truncate(placeholder, 150)),
            )
        })
        .collect()
}

/// A short notice: ephemeral text with no pings.
pub fn notice(text: impl Into<String>) -> CreateInteractionResponseMessage {
    response(None).content(limits::truncate(&text.into(), limits::MESSAGE_CONTENT).into_owned()).ephemeral(true)
}
