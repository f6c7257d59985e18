//! stackpick on Discord: the serenity adapter and the two faces built on it,
//! the gateway client ([`gateway`], `stackpick run`) and the HTTP
//! interactions endpoint ([`serve`], `stackpick serve`).
//!
//! [`parse`] reads serenity's `Interaction` and `Message` into the command
//! layer's neutral request once; [`build`] renders the neutral reply back
//! into serenity's builders, the one place `allowed_mentions` is set;
//! [`commands`] defines the application commands. The functions at this
//! crate's root glue the three around [`Bot`] and do no network I/O, so
//! either face only moves bytes; [`rest`] is the one place that talks to
//! Discord's REST API.
//!
//! This crate sits above the command layer (`stackpick-commands`) and beside
//! any other platform's face; nothing below it names serenity.

pub mod build;
pub mod commands;
pub mod gateway;
pub mod parse;
pub mod rest;
pub mod serve;
mod token;

// The lower layers under short paths, for this crate's modules.
use stackpick_commands as bot;
use stackpick_commands::metrics;
use stackpick_core::{embed, knowledge, limits};
use stackpick_store as store;

use std::time::Instant;

use serenity::builder::{CreateInteractionResponse, CreateMessage};
use serenity::model::channel::{Message, ReactionType};
use serenity::model::id::{ChannelId, GuildId, UserId};
use serenity::model::permissions::Permissions;

use crate::bot::reply::Effect;
use crate::bot::{Bot, ChannelCheck, Directory};
pub use parse::Parsed;
pub use token::Token;

/// After this long without a reply a face sends a deferred response and
/// edits it with the reply when it comes: Discord voids a token not answered
/// within 3 s. See [`crate::bot::may_wait`] for the replies that can take this long.
pub const DEFER_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// The response to one interaction, rendered, and what to do after it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub response: CreateInteractionResponse,
    pub effects: Vec<Effect>,
}

impl From<crate::bot::Reply> for Reply {
    fn from(reply: crate::bot::Reply) -> Self {
        Reply { response: build::response(&reply.response), effects: reply.effects }
    }
}

/// Answers one interaction already read by [`parse::interaction`].
pub async fn answer(bot: &Bot, parsed: &Parsed, directory: &dyn Directory) -> Reply {
    bot.interaction(&parsed.context, &parsed.request, directory).await.into()
}

/// Reads and answers one interaction.
pub async fn interaction(
    bot: &Bot,
    interaction: &serenity::model::application::Interaction,
    directory: &dyn Directory,
) -> Reply {
    answer(bot, &parse::interaction(interaction), directory).await
}

/// What the bot does with a chat message, rendered for Discord.
#[derive(Debug, Clone)]
pub enum ChatReply {
    Send(Box<CreateMessage>),
    React(ReactionType),
}

/// Decides whether and how to answer a chat message. `None`: stay silent.
pub fn message(bot: &Bot, msg: &Message, me: UserId) -> Option<ChatReply> {
    message_at(bot, msg, me, Instant::now())
}

/// [`message`] with an explicit clock.
pub fn message_at(bot: &Bot, msg: &Message, me: UserId, now: Instant) -> Option<ChatReply> {
    let chat = parse::chat(msg, me)?;
    Some(match bot.message_at(&chat, now)? {
        crate::bot::ChatReply::Send(m) => ChatReply::Send(Box::new(build::message(&m))),
        crate::bot::ChatReply::React(emoji) => ChatReply::React(ReactionType::Unicode(emoji.into())),
    })
}

/// After the answer `sent` to the chat message `msg` went out: remembered, so
/// that editing or deleting `msg` updates or deletes it. An edit or deletion
/// of `msg` that arrived while the answer was on its way is returned, rendered,
/// to apply to `sent` now.
pub fn answer_sent(bot: &Bot, msg: &Message, me: UserId, sent: &Message) -> Option<Edited> {
    let chat = parse::chat(msg, me)?;
    let answer = bot::request::MessageRef { channel: sent.channel_id.to_string(), message: sent.id.to_string() };
    Some(match bot.answer_sent(chat, answer)? {
        bot::Edit::Replace { message, .. } => Edited::Replace(Box::new(build::edit(&message))),
        bot::Edit::Delete(_) => Edited::Delete,
    })
}

/// The answer to the chat message `msg` could not be sent.
pub fn answer_not_sent(bot: &Bot, msg: &Message, me: UserId) {
    if let Some(chat) = parse::chat(msg, me) {
        bot.answer_not_sent(&chat);
    }
}

/// What editing a chat message (`MESSAGE_UPDATE`) does to the bot's answer
/// to it, rendered for Discord. `None`: nothing.
pub fn message_edited(
    bot: &Bot,
    event: &serenity::model::event::MessageUpdateEvent,
    me: UserId,
) -> Option<(ChannelId, serenity::model::id::MessageId, Edited)> {
    let (id, text, names_me, revision) = parse::edited(event, me)?;
    let edit = bot.message_edited(bot::Platform::Discord, &id, text, names_me, revision)?;
    let (answer, edited) = match edit {
        bot::Edit::Replace { answer, message } => (answer, Edited::Replace(Box::new(build::edit(&message)))),
        bot::Edit::Delete(answer) => (answer, Edited::Delete),
    };
    Some((answer.channel.parse().ok()?, answer.message.parse().ok()?, edited))
}

/// The bot's answer to an edited question: its new content, or deleted.
#[derive(Debug, Clone)]
pub enum Edited {
    Replace(Box<serenity::builder::EditMessage>),
    Delete,
}

/// A chat message was deleted (`MESSAGE_DELETE`): the bot's answer to it, to delete too.
pub fn message_deleted(
    bot: &Bot,
    channel: ChannelId,
    message: serenity::model::id::MessageId,
) -> Option<(ChannelId, serenity::model::id::MessageId)> {
    let question = bot::request::MessageRef { channel: channel.to_string(), message: message.to_string() };
    let answer = bot.message_deleted(bot::Platform::Discord, &question)?;
    Some((answer.channel.parse().ok()?, answer.message.parse().ok()?))
}

/// What the bot needs wherever it posts answers or welcomes.
pub fn needed_to_post() -> Permissions {
    Permissions::VIEW_CHANNEL
        | Permissions::SEND_MESSAGES
        | Permissions::EMBED_LINKS
        | Permissions::READ_MESSAGE_HISTORY
}

/// Channel facts from serenity's cache (the gateway keeps one).
pub struct CacheDirectory<'a>(pub &'a serenity::cache::Cache);

impl Directory for CacheDirectory<'_> {
    fn channel(&self, server: &str, channel: &str) -> ChannelCheck {
        let (Ok(guild), Ok(channel)) = (server.parse::<GuildId>(), channel.parse::<ChannelId>()) else {
            return ChannelCheck::NotInServer;
        };
        let me = self.0.current_user().id;
        let Some(guild) = self.0.guild(guild) else { return ChannelCheck::Unknown };
        let Some(channel) = guild.channels.get(&channel) else { return ChannelCheck::NotInServer };
        match guild.members.get(&me) {
            Some(member) => {
                let missing = needed_to_post() - guild.user_permissions_in(channel, member);
                ChannelCheck::Missing(missing.get_permission_names().into_iter().map(str::to_owned).collect())
            }
            None => ChannelCheck::Unknown,
        }
    }

    fn server_name(&self, server: &str) -> Option<String> {
        self.0.guild(server.parse::<GuildId>().ok()?).map(|g| g.name.clone())
    }
}

/// Waits for Ctrl-C or SIGTERM; every face stops on it (the Slack app's too).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
