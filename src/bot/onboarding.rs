//! Welcoming new members: the welcome message (from `onboarding.toml`), the
//! "Ask a question" form, and the decision of when to welcome whom.

use crate::render::ToCreateEmbed;
use std::time::Instant;

use serenity::builder::{
    CreateActionRow, CreateButton, CreateInputText, CreateInteractionResponse, CreateMessage, CreateModal,
};
use serenity::model::application::{
    ActionRowComponent, ButtonStyle, CommandInteraction, InputTextStyle, ModalInteraction,
};
use serenity::model::id::{ChannelId, GuildId, UserId};

use super::custom_id::Action;
use super::respond::{self, Buttons};
use super::{ephemeral, manages_server, Bot, Reply};
use crate::engine::Engine;
use crate::render::embed::EmbedDoc;

/// The text input in the question form.
const QUESTION_INPUT: &str = "question";

/// Where a welcome goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WelcomeTo {
    Channel(ChannelId),
    Dm(UserId),
}

/// A welcome ready to send.
#[derive(Debug, Clone)]
pub struct Welcome {
    pub to: WelcomeTo,
    pub message: CreateMessage,
}

/// The welcome's parts, shared by the real welcome and the preview.
fn parts(engine: &Engine, member: UserId, server: &str) -> Option<(String, EmbedDoc, Vec<CreateActionRow>)> {
    let pack = engine.pack();
    let on = pack.onboarding.as_ref()?;
    let server = crate::limits::cut(server, 100);
    let mention = format!("<@{member}>");
    let doc = EmbedDoc {
        title: on.title.replace("{server}", server),
        description: on.intro.replace("{member}", &mention).replace("{server}", server),
        colour: pack.info.either.colour,
        fields: Vec::new(),
        footer: format!("{} · /help for everything I can do", pack.info.name),
    };
    let mut rows = Vec::new();
    let buttons: Vec<CreateButton> = on.starter_topics.iter().map(|&t| respond::topic_button(engine, t)).collect();
    if !buttons.is_empty() {
        rows.push(CreateActionRow::Buttons(buttons));
    }
    rows.extend(respond::topic_menus(engine, &on.menu_placeholder).into_iter().take(3));
    rows.push(CreateActionRow::Buttons(vec![CreateButton::new(Action::AskButton.id())
        .label(crate::limits::truncate(&on.ask_button, crate::limits::BUTTON_LABEL))
        .emoji('❓')
        .style(ButtonStyle::Success)]));
    Some((mention, doc, rows))
}

/// The welcome for `member`: only they are pinged.
pub fn message(engine: &Engine, member: UserId, server: &str) -> Option<CreateMessage> {
    let (mention, doc, rows) = parts(engine, member, server)?;
    Some(respond::message(Some(member)).content(mention).embed(doc.to_create_embed()).components(rows))
}

/// `/onboarding preview`: the welcome, shown privately to the admin.
///
/// Names the server when the transport knows it (the gateway's cache); over
/// the HTTP endpoint, which keeps no cache, "this server" stays neutral.
pub fn preview(bot: &Bot, cmd: &CommandInteraction, directory: &dyn super::Directory) -> Reply {
    if !manages_server(cmd) {
        return ephemeral(respond::notice("Only members with the Manage Server permission can preview the welcome."));
    }
    let engine = bot.engine();
    let server = cmd.guild_id.and_then(|g| directory.guild_name(g)).unwrap_or_else(|| "this server".to_owned());
    let Some((_, doc, rows)) = parts(&engine, cmd.user.id, &server) else {
        return ephemeral(respond::notice("This knowledge pack has no welcome (knowledge/onboarding.toml)."));
    };
    ephemeral(
        respond::response(None)
            .content("This is how new members will be welcomed:")
            .embed(doc.to_create_embed())
            .components(rows)
            .ephemeral(true),
    )
}

/// The question form, opened by "Ask a question".
pub fn ask_modal(engine: &Engine) -> Reply {
    let pack = engine.pack();
    let (title, label, placeholder) = match &pack.onboarding {
        Some(on) => (on.modal_title.as_str(), on.question_label.as_str(), on.question_placeholder.as_str()),
        None => ("Ask a question", "Your question", ""),
    };
    let mut input = CreateInputText::new(InputTextStyle::Paragraph, label, QUESTION_INPUT)
        .required(true)
        .min_length(2)
        .max_length(1000);
    if !placeholder.is_empty() {
        input = input.placeholder(placeholder);
    }
    CreateInteractionResponse::Modal(
        CreateModal::new(Action::AskModal.id(), title).components(vec![CreateActionRow::InputText(input)]),
    )
    .into()
}

/// A submitted form: the answer goes back to the member privately.
pub fn modal(bot: &Bot, m: &ModalInteraction, now: Instant) -> Reply {
    if Action::parse(&m.data.custom_id) != Action::AskModal {
        return ephemeral(respond::notice("That form has expired; please start again."));
    }
    let question = m
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            ActionRowComponent::InputText(t) if t.custom_id == QUESTION_INPUT => t.value.clone(),
            _ => None,
        })
        .unwrap_or_default();
    if question.trim().is_empty() {
        return ephemeral(respond::notice("The question was empty; press “Ask a question” to try again."));
    }
    if let Some(reply) = bot.cooling(m.guild_id, m.user.id, now) {
        return reply;
    }
    let engine = bot.engine();
    let answer = super::timed_answer(&engine, &question);
    bot.log(m.guild_id, Some(m.channel_id), &answer, &engine);
    let out = respond::answer(&engine, &answer, Buttons { delete_by: None, feedback: true }, None);
    CreateInteractionResponse::Message(out.interaction(true)).into()
}

impl Bot {
    /// A member joined. Welcomes them now, or — when Discord's membership
    /// screening holds them (`pending`) — remembers to once they pass it.
    pub async fn member_joined(
        &self,
        guild: GuildId,
        member: UserId,
        is_bot: bool,
        pending: bool,
        server: &str,
    ) -> Option<Welcome> {
        if is_bot {
            return None;
        }
        let to = self.welcome_target(guild, member)?;
        let first = match self.store().claim_welcome(&super::server(guild), &super::member(member), pending).await {
            Ok(first) => first,
            Err(e) => {
                // Better a rare second welcome than none at all.
                tracing::warn!(error = %e, "welcome bookkeeping failed");
                !pending
            }
        };
        if !first {
            return None;
        }
        Some(Welcome { to, message: message(&self.engine(), member, server)? })
    }

    /// A member was updated; welcomes them once if they just passed screening.
    pub async fn member_updated(
        &self,
        guild: GuildId,
        member: UserId,
        is_bot: bool,
        pending: bool,
        server: &str,
    ) -> Option<Welcome> {
        if is_bot || pending {
            return None;
        }
        let to = self.welcome_target(guild, member)?;
        let passed =
            self.store().claim_pending_welcome(&super::server(guild), &super::member(member)).await.unwrap_or_else(
                |e| {
                    tracing::warn!(error = %e, "welcome bookkeeping failed");
                    false
                },
            );
        if !passed {
            return None;
        }
        Some(Welcome { to, message: message(&self.engine(), member, server)? })
    }

    fn welcome_target(&self, guild: GuildId, member: UserId) -> Option<WelcomeTo> {
        let s = self.guild_settings(guild);
        if !s.onboarding_enabled {
            return None;
        }
        if s.onboarding_dm {
            Some(WelcomeTo::Dm(member))
        } else {
            s.onboarding_channel
                .as_deref()
                .and_then(|c| c.parse::<std::num::NonZeroU64>().ok())
                .map(|c| WelcomeTo::Channel(ChannelId::from(c)))
        }
    }
}
