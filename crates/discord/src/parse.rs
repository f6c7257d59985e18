//! Reading what Discord delivers into the command layer's neutral request:
//! done once per interaction or message, by both Discord faces.
//!
//! Option names, sub-command paths and custom ids are Discord's concern and
//! end here; the handlers see typed commands.

use serenity::model::application::{
    ActionRowComponent, ButtonKind, CommandInteraction, ComponentInteraction, ComponentInteractionDataKind,
    Interaction, ResolvedOption, ResolvedValue,
};
use serenity::model::channel::Message;
use serenity::model::id::{GuildId, UserId};
use serenity::model::permissions::Permissions;

use super::commands as names;
use crate::bot::custom_id::Action;
use crate::bot::onboarding::QUESTION_FIELD;
use crate::bot::request::{
    ChatMessage, Command, Completion, Context, Interaction as Request, Kb, MessageRef, Powers, Pressed, Quoted,
    Revision, Setup, Subject,
};
use crate::bot::Platform;

/// An interaction, read: who acts where, and what they ask.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub context: Context,
    pub request: Request,
}

/// Reads one interaction.
pub fn interaction(interaction: &Interaction) -> Parsed {
    match interaction {
        Interaction::Ping(_) => Parsed { context: nobody(), request: Request::Ping },
        Interaction::Command(cmd) => Parsed { context: command_context(cmd), request: Request::Command(command(cmd)) },
        Interaction::Autocomplete(cmd) => {
            Parsed { context: command_context(cmd), request: Request::Complete(completion(cmd)) }
        }
        Interaction::Component(c) => Parsed { context: component_context(c), request: press(c) },
        Interaction::Modal(m) => {
            let question = m
                .data
                .components
                .iter()
                .flat_map(|row| &row.components)
                .find_map(|c| match c {
                    ActionRowComponent::InputText(t) if t.custom_id == QUESTION_FIELD => t.value.clone(),
                    _ => None,
                })
                .unwrap_or_default();
            Parsed {
                context: context(m.guild_id, Some(m.channel_id.to_string()), m.user.id, powers(m.member.as_ref())),
                request: Request::Form { action: Action::parse(&m.data.custom_id), question, choices: Vec::new() },
            }
        }
        _ => Parsed { context: nobody(), request: Request::Unsupported },
    }
}

fn nobody() -> Context {
    Context { platform: Platform::Discord, server: None, channel: None, user: String::new(), powers: Powers::default() }
}

fn context(guild: Option<GuildId>, channel: Option<String>, user: UserId, powers: Powers) -> Context {
    Context {
        platform: Platform::Discord,
        server: guild.map(|g| g.to_string()),
        channel,
        user: user.to_string(),
        powers,
    }
}

/// What the member may do where they act, from the permissions Discord
/// resolved for them in that channel (none in a DM).
fn powers(member: Option<&serenity::model::guild::Member>) -> Powers {
    let p = member.and_then(|m| m.permissions).unwrap_or(Permissions::empty());
    Powers { manage_server: p.manage_guild(), manage_messages: p.contains(Permissions::MANAGE_MESSAGES) }
}

fn command_context(cmd: &CommandInteraction) -> Context {
    context(cmd.guild_id, Some(cmd.channel_id.to_string()), cmd.user.id, powers(cmd.member.as_deref()))
}

fn component_context(c: &ComponentInteraction) -> Context {
    context(c.guild_id, Some(c.channel_id.to_string()), c.user.id, powers(c.member.as_ref()))
}

fn string<'a>(options: &[ResolvedOption<'a>], name: &str) -> Option<&'a str> {
    options.iter().find(|o| o.name == name).and_then(|o| match o.value {
        ResolvedValue::String(s) => Some(s),
        _ => None,
    })
}

/// Whether a command's options ask for a private answer (`private: True`).
fn asks_privately(options: &[ResolvedOption<'_>]) -> bool {
    options.iter().any(|o| o.name == names::OPT_PRIVATE && matches!(o.value, ResolvedValue::Boolean(true)))
}

/// The user an answer is addressed to; bots are never pinged.
fn mention(options: &[ResolvedOption<'_>]) -> Option<String> {
    options.iter().find(|o| o.name == names::OPT_MENTION).and_then(|o| match o.value {
        ResolvedValue::User(u, _) if !u.bot => Some(u.id.to_string()),
        _ => None,
    })
}

fn command(cmd: &CommandInteraction) -> Command {
    let options = cmd.data.options();
    let private = asks_privately(&options);
    match cmd.data.name.as_str() {
        names::ask::NAME => Command::Ask {
            question: string(&options, names::OPT_QUESTION).unwrap_or("").to_owned(),
            private,
            mention: mention(&options),
        },
        names::compare::NAME => Command::Compare {
            topic: string(&options, names::OPT_TOPIC).unwrap_or("").to_owned(),
            private,
            mention: mention(&options),
        },
        names::recommend::NAME => Command::Recommend {
            use_case: string(&options, names::OPT_USE_CASE).unwrap_or("").to_owned(),
            factors: options
                .iter()
                .filter(|o| o.name != names::OPT_USE_CASE)
                .filter_map(|o| match o.value {
                    ResolvedValue::String(v) => Some((o.name.to_owned(), v.to_owned())),
                    _ => None,
                })
                .collect(),
            private,
        },
        names::topics::NAME => Command::Topics,
        names::help::NAME => Command::Help,
        names::privacy::NAME => Command::Privacy,
        names::answer_message::NAME => {
            let target = cmd.data.target_id.and_then(|id| cmd.data.resolved.messages.get(&id.to_message_id()));
            Command::AnswerMessage(target.map(|m| Quoted {
                id: MessageRef { channel: m.channel_id.to_string(), message: m.id.to_string() },
                text: m.content.clone(),
            }))
        }
        names::kb::NAME => Command::Kb(kb(&options)),
        names::setup::NAME => Command::Setup(setup(&options)),
        names::onboarding::NAME => Command::OnboardingPreview,
        other => Command::Unknown(other.to_owned()),
    }
}

fn kb(options: &[ResolvedOption<'_>]) -> Kb {
    let Some(sub) = options.first() else { return Kb::Unknown };
    let days = match &sub.value {
        ResolvedValue::SubCommand(inner) => inner.iter().find_map(|o| match o.value {
            ResolvedValue::Integer(d) => Some(d.clamp(1, 3650) as u32),
            _ => None,
        }),
        _ => None,
    };
    match sub.name {
        names::kb::RELOAD => Kb::Reload,
        names::kb::GAPS => Kb::Gaps { days },
        names::kb::STATS => Kb::Stats { days },
        _ => Kb::Unknown,
    }
}

/// The path of sub-commands and the options at its end.
fn path<'a>(options: &'a [ResolvedOption<'a>]) -> (Vec<&'a str>, &'a [ResolvedOption<'a>]) {
    let mut names = Vec::new();
    let mut current = options;
    while let Some(first) = current.first() {
        match &first.value {
            ResolvedValue::SubCommandGroup(inner) | ResolvedValue::SubCommand(inner) => {
                names.push(first.name);
                current = inner;
            }
            _ => break,
        }
    }
    (names, current)
}

fn setup(options: &[ResolvedOption<'_>]) -> Setup {
    let (path, leaf) = path(options);
    let channel = leaf.iter().find_map(|o| match o.value {
        ResolvedValue::Channel(c) => Some(c.id.to_string()),
        _ => None,
    });
    match (path.as_slice(), channel) {
        (["show"], _) => Setup::Show,
        (["onboarding", "channel"], Some(ch)) => Setup::WelcomeIn(ch),
        (["onboarding", "off"], _) => Setup::WelcomeOff,
        (["onboarding", "dm"], _) => {
            Setup::WelcomeByDm(leaf.iter().any(|o| matches!(o.value, ResolvedValue::Boolean(true))))
        }
        (["answer-channel", "add"], Some(ch)) => Setup::AddAnswerChannel(ch),
        (["answer-channel", "remove"], Some(ch)) => Setup::RemoveAnswerChannel(ch),
        (["cooldown"], _) => Setup::Cooldown(leaf.iter().find_map(|o| match o.value {
            ResolvedValue::Integer(n) => Some(n),
            _ => None,
        })),
        _ => Setup::Unknown,
    }
}

fn completion(cmd: &CommandInteraction) -> Completion {
    let Some(focused) = cmd.data.autocomplete() else { return Completion::Other };
    match (cmd.data.name.as_str(), focused.name) {
        (names::compare::NAME, names::OPT_TOPIC) => Completion::Topic(focused.value.to_owned()),
        (names::recommend::NAME, names::OPT_USE_CASE) => Completion::UseCase(focused.value.to_owned()),
        _ => Completion::Other,
    }
}

fn press(c: &ComponentInteraction) -> Request {
    let pressed = match &c.data.kind {
        ComponentInteractionDataKind::Button => Pressed::Button,
        ComponentInteractionDataKind::StringSelect { values } => Pressed::Choice(values.first().cloned()),
        _ => Pressed::Other,
    };
    Request::Press {
        action: Action::parse(&c.data.custom_id),
        pressed,
        message: Some(MessageRef { channel: c.channel_id.to_string(), message: c.message.id.to_string() }),
    }
}

/// Reads a chat message, or `None` for messages the bot never answers:
/// from bots (itself included) and webhooks.
pub fn chat(msg: &Message, me: UserId) -> Option<ChatMessage> {
    if msg.author.bot || msg.webhook_id.is_some() || msg.author.id == me {
        return None;
    }
    let (text, named) = without_me(&msg.content, me);
    let replied = msg.referenced_message.as_deref().filter(|m| m.author.id == me);
    // Discord's reply ping lists the bot in `mentions` without naming it: a
    // reply is a mention only when the text names the bot.
    let mentions_me = named || (replied.is_none() && msg.mentions.iter().any(|u| u.id == me));
    Some(ChatMessage {
        context: context(msg.guild_id, Some(msg.channel_id.to_string()), msg.author.id, Powers::default()),
        id: MessageRef { channel: msg.channel_id.to_string(), message: msg.id.to_string() },
        text,
        mentions_me,
        replies_to_me: replied.is_some(),
        replied_subject: replied.and_then(subject),
    })
}

/// A message's text without the bot's mentions, and whether it named the bot.
fn without_me(content: &str, me: UserId) -> (String, bool) {
    let markup = [format!("<@{me}>"), format!("<@!{me}>")];
    let named = markup.iter().any(|m| content.contains(m.as_str()));
    (markup.iter().fold(content.to_owned(), |text, m| text.replace(m.as_str(), " ")), named)
}

/// An edited message (`MESSAGE_UPDATE`) as [`crate::bot::Bot::message_edited`]
/// takes it: the message, its new text without the bot's mentions, whether
/// that text names the bot, and which version it is (its `edited_timestamp`).
/// `None` when the update does not carry the text (Discord sends updates for
/// link previews and pins too).
pub fn edited(
    event: &serenity::model::event::MessageUpdateEvent,
    me: UserId,
) -> Option<(MessageRef, String, bool, Revision)> {
    if event.author.as_ref().is_some_and(|a| a.bot || a.id == me) {
        return None;
    }
    let content = event.content.as_deref()?;
    let (text, named) = without_me(content, me);
    let revision =
        event.edited_timestamp.map_or(Revision::ORIGINAL, |t| Revision::edited_at_micros(t.timestamp_micros()));
    Some((MessageRef { channel: event.channel_id.to_string(), message: event.id.to_string() }, text, named, revision))
}

/// What one of the bot's answers was about, from its feedback buttons'
/// custom ids (never from the text people see).
fn subject(answer: &Message) -> Option<Subject> {
    answer.components.iter().flat_map(|row| &row.components).find_map(|c| match c {
        ActionRowComponent::Button(b) => match &b.data {
            ButtonKind::NonLink { custom_id, .. } => match Action::parse(custom_id) {
                Action::Feedback { topic, use_case, .. } => Some(Subject { topic, use_case }),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    })
}
