//! `/setup`: per-server settings, changed by members with Manage Server.
//! Every change is validated, committed, and only then confirmed.

use crate::render::ToCreateEmbed;
use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::{
    CommandInteraction, CommandOptionType, InteractionContext, ResolvedOption, ResolvedValue,
};
use serenity::model::channel::ChannelType;
use serenity::model::id::{ChannelId, GuildId};
use serenity::model::permissions::Permissions;

use super::directory::{needed_to_post, ChannelCheck, Directory};
use super::{ephemeral, manages_server, respond, Bot, Reply};
use crate::render::embed::{EmbedDoc, Field};
use crate::store::{ServerSettings, StoreError};

fn channel_option(description: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::Channel, "channel", description)
        .required(true)
        .channel_types(vec![ChannelType::Text, ChannelType::News])
}

/// The command's name. The command list (`super::commands`) takes it from
/// here, so the arrow between the two modules runs one way.
pub const NAME: &str = "setup";

/// The `/setup` command.
pub fn command() -> CreateCommand {
    CreateCommand::new(NAME)
        .description("Configure stackpick for this server (server managers)")
        .default_member_permissions(Permissions::MANAGE_GUILD)
        .contexts(vec![InteractionContext::Guild])
        .add_option(
            CreateCommandOption::new(CommandOptionType::SubCommandGroup, "onboarding", "Welcome new members")
                .add_sub_option(
                    CreateCommandOption::new(
                        CommandOptionType::SubCommand,
                        "channel",
                        "Welcome new members in a channel",
                    )
                    .add_sub_option(channel_option("Where to post welcomes")),
                )
                .add_sub_option(CreateCommandOption::new(
                    CommandOptionType::SubCommand,
                    "off",
                    "Stop welcoming new members",
                ))
                .add_sub_option(
                    CreateCommandOption::new(CommandOptionType::SubCommand, "dm", "Welcome by direct message instead")
                        .add_sub_option(
                            CreateCommandOption::new(CommandOptionType::Boolean, "enabled", "Welcome by DM")
                                .required(true),
                        ),
                ),
        )
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::SubCommandGroup,
                "answer-channel",
                "Channels where I read every message and answer when sure",
            )
            .add_sub_option(
                CreateCommandOption::new(CommandOptionType::SubCommand, "add", "Make a channel an answer channel")
                    .add_sub_option(channel_option("The channel")),
            )
            .add_sub_option(
                CreateCommandOption::new(
                    CommandOptionType::SubCommand,
                    "remove",
                    "Stop answering everything in a channel",
                )
                .add_sub_option(channel_option("The channel")),
            ),
        )
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::SubCommand,
                "cooldown",
                "Seconds each member waits between answers",
            )
            .add_sub_option(
                CreateCommandOption::new(CommandOptionType::Integer, "seconds", "0 to 3600")
                    .required(true)
                    .min_int_value(0)
                    .max_int_value(3600),
            ),
        )
        .add_option(CreateCommandOption::new(CommandOptionType::SubCommand, "show", "Show this server's settings"))
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

fn notice(text: impl Into<String>) -> Reply {
    ephemeral(respond::notice(text))
}

/// Whether the bot can post in `channel`; the refusal names what is missing.
fn check_channel(
    directory: &dyn Directory,
    guild: GuildId,
    channel: ChannelId,
) -> Result<Option<&'static str>, String> {
    match directory.channel(guild, channel) {
        ChannelCheck::NotInServer => Err(format!("<#{channel}> is not a channel of this server.")),
        ChannelCheck::Permissions(have) => {
            let missing = needed_to_post() - have;
            if missing.is_empty() {
                Ok(None)
            } else {
                Err(format!(
                    "I can't post in <#{channel}>: I'm missing **{}** there. Give my role that permission in the \
                     channel's settings, then try again.",
                    missing.get_permission_names().join("**, **")
                ))
            }
        }
        ChannelCheck::Unknown => Ok(Some(" (I couldn't check my permissions there from this endpoint.)")),
    }
}

/// Handles `/setup …`.
pub async fn handle(bot: &Bot, cmd: &CommandInteraction, directory: &dyn Directory) -> Reply {
    let Some(guild) = cmd.guild_id else {
        return notice("`/setup` works in servers only.");
    };
    if !manages_server(cmd) {
        return notice("Only members with the Manage Server permission can change my settings.");
    }
    let options = cmd.data.options();
    let (names, leaf) = path(&options);
    let current = bot.guild_settings(guild);
    if names == ["show"] {
        return show(bot, &current);
    }
    let channel = leaf.iter().find_map(|o| match o.value {
        ResolvedValue::Channel(c) => Some(c.id),
        _ => None,
    });
    let mut next = current.clone();
    let mut note = "";
    let confirmation = match (names.as_slice(), channel) {
        (["onboarding", "channel"], Some(ch)) => match check_channel(directory, guild, ch) {
            Ok(n) => {
                note = n.unwrap_or("");
                next.onboarding_enabled = true;
                next.onboarding_channel = Some(ch.to_string());
                next.onboarding_dm = false;
                onboarding_confirmation(&next)
            }
            Err(why) => return notice(format!("❌ {why}")),
        },
        (["onboarding", "off"], _) => {
            next.onboarding_enabled = false;
            onboarding_confirmation(&next)
        }
        (["onboarding", "dm"], _) => {
            let dm = leaf.iter().any(|o| matches!(o.value, ResolvedValue::Boolean(true)));
            next.onboarding_dm = dm;
            if dm {
                next.onboarding_enabled = true;
            } else if next.onboarding_channel.is_none() {
                // No channel to fall back to: welcomes stop.
                next.onboarding_enabled = false;
            }
            // Turning DMs off never turns onboarding on: an admin who switched
            // it off keeps it off.
            onboarding_confirmation(&next)
        }
        (["answer-channel", "add"], Some(ch)) => match check_channel(directory, guild, ch) {
            Ok(n) => {
                note = n.unwrap_or("");
                let mut list = next.answer_channels.take().unwrap_or_else(|| defaults(bot));
                if !list.contains(&ch.to_string()) {
                    list.push(ch.to_string());
                }
                next.answer_channels = Some(list);
                format!("✅ <#{ch}> is an answer channel: I read every message there and answer when I'm sure.")
            }
            Err(why) => return notice(format!("❌ {why}")),
        },
        (["answer-channel", "remove"], Some(ch)) => {
            let mut list = next.answer_channels.take().unwrap_or_else(|| defaults(bot));
            let id = ch.to_string();
            let had = list.contains(&id);
            list.retain(|c| *c != id);
            next.answer_channels = Some(list);
            if had {
                format!("✅ <#{ch}> is no longer an answer channel.")
            } else {
                format!("✅ <#{ch}> was not an answer channel; nothing else changed.")
            }
        }
        (["cooldown"], _) => {
            let secs = leaf.iter().find_map(|o| match o.value {
                ResolvedValue::Integer(n) => Some(n),
                _ => None,
            });
            match secs {
                Some(n @ 0..=3600) => {
                    next.cooldown_secs = Some(n as u32);
                    if n == 0 {
                        "✅ Cooldown is off: members can ask as often as they like.".to_owned()
                    } else {
                        format!("✅ Cooldown: each member waits {n} s between answers.")
                    }
                }
                _ => return notice("❌ `seconds` must be between 0 and 3600."),
            }
        }
        _ => return notice("Unknown `/setup` option."),
    };

    match bot.store().save_settings(&next).await {
        Ok(()) => {}
        Err(StoreError::NotKept) => {
            return notice("❌ I can't save settings right now: the database is not available. Nothing changed.");
        }
        Err(e) => {
            tracing::warn!(error = %e, guild = %guild, "saving settings failed");
            return notice("❌ I couldn't save that (database error). Nothing changed; please try again.");
        }
    }
    let onboarding_on = next.onboarding_enabled && !current.onboarding_enabled;
    let answer_channel_added = names.as_slice() == ["answer-channel", "add"];
    bot.remember_settings(next);
    let intent_note = if onboarding_on {
        bot.onboarding_turned_on()
    } else if answer_channel_added {
        bot.content_intent_note()
    } else {
        ""
    };
    notice(format!("{confirmation}{note}{intent_note}"))
}

/// The confirmation of an onboarding change, said from the state that will be
/// committed, so it can never describe something else.
fn onboarding_confirmation(s: &ServerSettings) -> String {
    match (s.onboarding_enabled, s.onboarding_dm, &s.onboarding_channel) {
        (true, true, _) => "✅ Onboarding is on: I'll welcome new members by direct message.".to_owned(),
        (true, false, Some(ch)) => format!("✅ Onboarding is on: I'll welcome new members in <#{ch}>."),
        (false, _, Some(ch)) => format!(
            "✅ Onboarding is off: I won't welcome new members. `/setup onboarding channel` turns it on again (it was <#{ch}>)."
        ),
        (_, _, None) => {
            "✅ Onboarding is off: I won't welcome new members. Pick a channel with `/setup onboarding channel` to turn it on."
                .to_owned()
        }
    }
}

/// Answer channels from `ANSWER_CHANNEL_IDS`, the starting point of a server's own list.
fn defaults(bot: &Bot) -> Vec<String> {
    let mut v: Vec<ChannelId> = bot.config().answer_channels.iter().copied().collect();
    v.sort_unstable();
    v.iter().map(ChannelId::to_string).collect()
}

fn show(bot: &Bot, s: &ServerSettings) -> Reply {
    let onboarding = match (s.onboarding_enabled, s.onboarding_dm, &s.onboarding_channel) {
        (false, _, _) => "Off".to_owned(),
        (true, true, _) => "On, by direct message".to_owned(),
        (true, false, Some(ch)) => format!("On, in <#{ch}>"),
        (true, false, None) => "On, but no channel is set".to_owned(),
    };
    let channels = match &s.answer_channels {
        Some(list) if list.is_empty() => "None".to_owned(),
        Some(list) => list.iter().map(|c| format!("<#{c}>")).collect::<Vec<_>>().join(", "),
        None if bot.config().answer_channels.is_empty() => "None (default)".to_owned(),
        None => format!(
            "{} (default from ANSWER_CHANNEL_IDS)",
            defaults(bot).iter().map(|c| format!("<#{c}>")).collect::<Vec<_>>().join(", ")
        ),
    };
    let cooldown = match s.cooldown_secs {
        Some(0) => "Off".to_owned(),
        Some(n) => format!("{n} s"),
        None => format!("{} s (default)", bot.config().cooldown.as_secs()),
    };
    let doc = EmbedDoc {
        title: "stackpick settings for this server".into(),
        description: "Change them with `/setup`.".into(),
        colour: bot.engine().pack().info.either.colour,
        fields: vec![
            Field { name: "Onboarding".into(), value: onboarding, inline: false },
            Field { name: "Answer channels".into(), value: channels, inline: false },
            Field { name: "Cooldown".into(), value: cooldown, inline: false },
        ],
        footer: String::new(),
    };
    ephemeral(respond::response(None).embed(doc.to_create_embed()).ephemeral(true))
}
