//! What leaves the command layer: one outbound type for every platform.
//!
//! A [`Message`] is an answer, a notice, a welcome or a report — text, an
//! [`EmbedDoc`], rows of buttons and menus — plus who may be pinged and who
//! sees it. Each platform renders it through one builder of its own
//! (Discord: `stackpick_discord::build`; Slack: `stackpick_slack::blocks`),
//! which is where the platform's mention rules are set; nothing here names a
//! platform type.

use stackpick_core::embed::EmbedDoc;
use stackpick_core::knowledge::TopicIdx;
use stackpick_core::{limits, Answer, Engine};

use crate::custom_id::{Action, Vote};
use crate::request::MessageRef;

/// How many related-topic buttons go under an answer.
const TOPIC_BUTTONS: usize = 3;

/// A message the bot sends, however it is sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    /// Plain text above the document.
    pub text: Option<String>,
    /// The answer, notice or report itself.
    pub doc: Option<EmbedDoc>,
    /// Buttons and menus under it.
    pub rows: Vec<Row>,
    /// The one user this message may ping. Nobody else is ever pinged,
    /// whatever the text contains (`@everyone`, roles, other users).
    pub ping: Option<String>,
    /// Seen only by the user who asked (an ephemeral reply).
    pub private: bool,
    /// The message this one answers, shown as a reply to it.
    pub reply_to: Option<MessageRef>,
}

impl Message {
    /// A short private notice: text, no pings.
    pub fn notice(text: impl Into<String>) -> Message {
        Message {
            text: Some(limits::truncate(&text.into(), limits::MESSAGE_CONTENT).into_owned()),
            private: true,
            ..Message::default()
        }
    }

    /// A document, with nothing else and no pings.
    pub fn doc(doc: EmbedDoc) -> Message {
        Message { doc: Some(doc), ..Message::default() }
    }

    /// The same message, seen only by the user who asked (or by everyone).
    pub fn private(mut self, private: bool) -> Message {
        self.private = private;
        self
    }

    /// The same message, shown as a reply to `message`.
    pub fn replying_to(mut self, message: MessageRef) -> Message {
        self.reply_to = Some(message);
        self
    }
}

/// One row under a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Buttons(Vec<Button>),
    Menu(Menu),
}

/// A button; what it does is its [`Action`].
#[derive(Debug, Clone, PartialEq)]
pub struct Button {
    pub action: Action,
    pub label: Option<String>,
    pub emoji: Option<char>,
    pub style: Style,
}

/// How a button looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The main thing to press (a topic).
    Primary,
    /// Quiet (feedback).
    Secondary,
    /// Inviting (ask a question).
    Success,
    /// Destructive (delete).
    Danger,
}

/// A menu of choices; `id` tells it apart from other menus on the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Menu {
    pub id: String,
    pub placeholder: String,
    pub options: Vec<MenuOption>,
}

/// One choice in a [`Menu`].
#[derive(Debug, Clone, PartialEq)]
pub struct MenuOption {
    pub label: String,
    pub value: String,
    pub description: String,
}

/// A form with one text field (the welcome's "Ask a question", what a team
/// is building) and, where the platform's forms hold menus, choices.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub action: Action,
    pub title: String,
    /// The submit button's label.
    pub submit: String,
    pub label: String,
    pub placeholder: String,
    /// The field's id, which the submitted form names.
    pub field: &'static str,
    /// 0: the field may be left empty.
    pub min_len: u16,
    pub max_len: u16,
    /// Menus under the text field, each optional. Slack's modals show them;
    /// Discord's forms hold text fields only, and no form with choices is
    /// sent there: `/recommend` takes its factors as options.
    pub choices: Vec<FormChoice>,
}

/// A menu in a [`Form`]; the submitted form names the chosen value by `id`.
#[derive(Debug, Clone, PartialEq)]
pub struct FormChoice {
    pub id: String,
    pub label: String,
    pub options: Vec<MenuOption>,
}

/// One completion offered while the user types an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub name: String,
    pub value: String,
}

/// The direct response to an interaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// The answer to the platform's liveness check.
    Pong,
    Message(Message),
    /// Completions for the option being typed.
    Choices(Vec<Choice>),
    /// Nothing to show (a press that changes nothing visible).
    Acknowledge,
    /// Open a form.
    Form(Form),
}

/// Something the face must do after sending the response.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Delete a message the bot sent.
    Delete(MessageRef),
    /// Post a message in a channel (the message command answers this way).
    Post { channel: String, message: Box<Message> },
}

/// The response to one interaction, and what to do after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub response: Response,
    pub effects: Vec<Effect>,
}

impl From<Response> for Reply {
    fn from(response: Response) -> Self {
        Reply { response, effects: Vec::new() }
    }
}

impl From<Message> for Reply {
    fn from(message: Message) -> Self {
        Response::Message(message).into()
    }
}

/// A private notice as a reply.
pub fn notice(text: impl Into<String>) -> Reply {
    Message::notice(text).into()
}

/// What the bot does with a chat message.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatReply {
    /// Send this message.
    Send(Box<Message>),
    /// React to the question with this emoji: the asker is in their cooldown
    /// (sent at most once per cooldown window, so the notice is not a flood itself).
    React(&'static str),
}

/// What to do with the bot's answer when the question it answers was edited.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Replace the answer's content with this message.
    Replace { answer: MessageRef, message: Box<Message> },
    /// Delete the answer: the edited message is no longer one the bot answers.
    Delete(MessageRef),
}

/// The reaction that says "slow down" without a message.
pub const SLOW_DOWN: &str = "⏳";

/// What an answer's buttons can offer, which depends on where it is shown.
#[derive(Debug, Clone, Copy)]
pub struct Buttons<'a> {
    /// The person who asked, for the delete button; `None` hides it
    /// (private answers need no delete button).
    pub delete_by: Option<&'a str>,
    pub feedback: bool,
    /// "Share in channel", for an answer only its asker sees.
    pub share: bool,
}

/// The message for an engine answer: its document, related-topic buttons,
/// feedback and delete buttons, and the one allowed ping.
pub fn answer(engine: &Engine, answer: &Answer, buttons: Buttons<'_>, mention: Option<&str>) -> Message {
    let pack = engine.pack();
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
        rows.push(Row::Buttons(topics.iter().map(|&t| topic_button(engine, t)).collect()));
    }
    let mut actions = Vec::new();
    let use_case = answer.use_case().map(|u| pack.use_case(u).id.clone());
    if let Some(topic) = answer.topic().filter(|_| buttons.feedback) {
        let topic = &pack.topic(topic).id;
        for (vote, emoji) in [(Vote::Up, '👍'), (Vote::Down, '👎')] {
            let action = Action::Feedback { vote, topic: topic.clone(), use_case: use_case.clone() };
            actions.push(Button { action, label: None, emoji: Some(emoji), style: Style::Secondary });
        }
    }
    if let Some(topic) = answer.topic().filter(|_| buttons.share) {
        let action = Action::Share { topic: pack.topic(topic).id.clone(), use_case };
        actions.push(Button { action, label: Some("Share in channel".into()), emoji: None, style: Style::Secondary });
    }
    if let Some(asker) = buttons.delete_by {
        actions.push(delete_button(asker));
    }
    if !actions.is_empty() {
        rows.push(Row::Buttons(actions));
    }
    Message {
        text: mention.map(|u| format!("<@{u}>")),
        doc: Some(engine.embed(answer)),
        rows,
        ping: mention.map(str::to_owned),
        private: false,
        reply_to: None,
    }
}

/// The button that deletes an answer, for its asker (or a moderator).
pub fn delete_button(asker: &str) -> Button {
    Button {
        action: Action::Delete { asker: asker.to_owned() }, label: None, emoji: Some('🗑'), style: Style::Danger
    }
}

/// A button that opens one topic for whoever presses it.
pub fn topic_button(engine: &Engine, topic: TopicIdx) -> Button {
    let t = engine.pack().topic(topic);
    Button {
        action: Action::Topic(t.id.clone()),
        label: Some(limits::truncate(&t.title, limits::BUTTON_LABEL).into_owned()),
        emoji: None,
        style: Style::Primary,
    }
}

/// Menus listing every topic (25 per menu, at most 5 menus).
pub fn topic_menus(engine: &Engine, placeholder: &str) -> Vec<Row> {
    let pack = engine.pack();
    pack.topics
        .chunks(limits::CHOICES)
        .take(5)
        .enumerate()
        .map(|(i, chunk)| {
            let options = chunk
                .iter()
                .map(|t| MenuOption {
                    label: limits::truncate(&t.title, limits::CHOICE_TEXT).into_owned(),
                    value: t.id.clone(),
                    description: limits::truncate(&t.verdict.reason, limits::CHOICE_TEXT).into_owned(),
                })
                .collect();
            // Discord wants custom ids unique per message.
            let id = if i == 0 { Action::TopicMenu.id() } else { format!("{}:{i}", Action::TopicMenu.id()) };
            Row::Menu(Menu { id, placeholder: limits::truncate(placeholder, 150).into_owned(), options })
        })
        .collect()
}
