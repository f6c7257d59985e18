//! The one builder of everything stackpick sends to Discord.
//!
//! The command layer hands over neutral [`Message`]s and [`Response`]s; this
//! module turns them into serenity's builders. Every message starts from
//! [`mentions`], which allows at most the one user the message names in its
//! `ping` and never the replied-to author, whatever the text contains
//! (`@everyone`, roles, other users). `tests/architecture.rs` checks that no
//! other file calls serenity's message constructors.

use serenity::builder::{
    CreateActionRow, CreateAllowedMentions, CreateAutocompleteResponse, CreateButton, CreateEmbed, CreateEmbedFooter,
    CreateInputText, CreateInteractionResponse, CreateInteractionResponseMessage, CreateMessage, CreateModal,
    CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption, EditMessage,
};
use serenity::model::application::{ButtonStyle, InputTextStyle};
use serenity::model::channel::{MessageReference, MessageReferenceKind};
use serenity::model::id::{ChannelId, MessageId, UserId};

use crate::bot::reply::{Button, Form, Message, Response, Row, Style};
use crate::bot::request::MessageRef;
use crate::embed::EmbedDoc;
use crate::limits;

/// Who may be pinged: nobody, or exactly the one user a message is addressed to.
pub fn mentions(ping: Option<&str>) -> CreateAllowedMentions {
    let none = CreateAllowedMentions::new().replied_user(false);
    match ping.and_then(|u| u.parse::<UserId>().ok()) {
        Some(user) => none.users([user]),
        None => none,
    }
}

/// An interaction's message (a response, a deferred response's edit).
pub fn interaction_message(m: &Message) -> CreateInteractionResponseMessage {
    let mut out = CreateInteractionResponseMessage::new().allowed_mentions(mentions(m.ping.as_deref()));
    if let Some(text) = &m.text {
        out = out.content(text);
    }
    if let Some(doc) = &m.doc {
        out = out.embed(embed(doc));
    }
    if !m.rows.is_empty() {
        out = out.components(components(&m.rows));
    }
    out.ephemeral(m.private)
}

/// A channel message (a chat answer, a welcome, the message command's answer).
pub fn message(m: &Message) -> CreateMessage {
    let mut out = CreateMessage::new().allowed_mentions(mentions(m.ping.as_deref()));
    if let Some(text) = &m.text {
        out = out.content(text);
    }
    if let Some(doc) = &m.doc {
        out = out.embed(embed(doc));
    }
    if !m.rows.is_empty() {
        out = out.components(components(&m.rows));
    }
    if let Some(reference) = m.reply_to.as_ref().and_then(reference) {
        out = out.reference_message(reference);
    }
    out
}

/// The new content of a message the bot sent, replacing all of the old: the
/// answer to a question that was edited. Text, embed and buttons are each set
/// (empty when the new message has none), so nothing of the old answer stays.
pub fn edit(m: &Message) -> EditMessage {
    EditMessage::new()
        .allowed_mentions(mentions(m.ping.as_deref()))
        .content(m.text.clone().unwrap_or_default())
        .embeds(m.doc.iter().map(embed).collect())
        .components(components(&m.rows))
}

/// The response to an interaction.
pub fn response(r: &Response) -> CreateInteractionResponse {
    match r {
        Response::Pong => CreateInteractionResponse::Pong,
        Response::Message(m) => CreateInteractionResponse::Message(interaction_message(m)),
        Response::Choices(choices) => CreateInteractionResponse::Autocomplete(
            choices.iter().fold(CreateAutocompleteResponse::new(), |r, c| r.add_string_choice(&c.name, &c.value)),
        ),
        Response::Acknowledge => CreateInteractionResponse::Acknowledge,
        Response::Form(form) => CreateInteractionResponse::Modal(modal(form)),
    }
}

fn modal(form: &Form) -> CreateModal {
    let mut input = CreateInputText::new(InputTextStyle::Paragraph, &form.label, form.field)
        .required(true)
        .min_length(form.min_len)
        .max_length(form.max_len);
    if !form.placeholder.is_empty() {
        input = input.placeholder(&form.placeholder);
    }
    CreateModal::new(form.action.id(), &form.title).components(vec![CreateActionRow::InputText(input)])
}

/// A reply reference that still sends if the question was deleted meanwhile.
fn reference(to: &MessageRef) -> Option<MessageReference> {
    let channel = to.channel.parse::<ChannelId>().ok()?;
    let message = to.message.parse::<MessageId>().ok()?;
    let mut r = MessageReference::new(MessageReferenceKind::Default, channel).message_id(message);
    r.fail_if_not_exists = Some(false);
    Some(r)
}

fn components(rows: &[Row]) -> Vec<CreateActionRow> {
    rows.iter()
        .map(|row| match row {
            Row::Buttons(buttons) => CreateActionRow::Buttons(buttons.iter().map(button).collect()),
            Row::Menu(menu) => {
                let options = menu
                    .options
                    .iter()
                    .map(|o| CreateSelectMenuOption::new(&o.label, &o.value).description(&o.description))
                    .collect();
                CreateActionRow::SelectMenu(
                    CreateSelectMenu::new(&menu.id, CreateSelectMenuKind::String { options })
                        .placeholder(&menu.placeholder),
                )
            }
        })
        .collect()
}

fn button(b: &Button) -> CreateButton {
    let style = match b.style {
        Style::Primary => ButtonStyle::Primary,
        Style::Secondary => ButtonStyle::Secondary,
        Style::Success => ButtonStyle::Success,
        Style::Danger => ButtonStyle::Danger,
    };
    let mut out = CreateButton::new(b.action.id()).style(style);
    if let Some(label) = &b.label {
        out = out.label(label);
    }
    if let Some(emoji) = b.emoji {
        out = out.emoji(emoji);
    }
    out
}

/// An embed document as serenity's builder.
pub fn embed(doc: &EmbedDoc) -> CreateEmbed {
    let mut e = CreateEmbed::new().colour(doc.colour);
    if !doc.title.is_empty() {
        e = e.title(&doc.title);
    }
    if !doc.description.is_empty() {
        e = e.description(&doc.description);
    }
    e = e.fields(doc.fields.iter().map(|f| (f.name.clone(), f.value.clone(), f.inline)));
    if !doc.footer.is_empty() {
        e = e.footer(CreateEmbedFooter::new(&doc.footer));
    }
    e
}

/// A plain embed, for faces that need to show an error.
pub fn error_embed(text: &str) -> CreateEmbed {
    CreateEmbed::new().description(limits::truncate(text, limits::EMBED_DESCRIPTION))
}
