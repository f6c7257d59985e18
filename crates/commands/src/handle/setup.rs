//! `/setup`: per-server settings, changed by members with Manage Server.
//! Every change is validated, committed, and only then confirmed.

use stackpick_core::embed::{EmbedDoc, Field};
use stackpick_store::{ServerSettings, StoreError};

use crate::directory::{ChannelCheck, Directory};
use crate::reply::{self, Message};
use crate::request::{Context, Setup};
use crate::{server_of, Bot, Reply};

fn notice(text: impl Into<String>) -> Reply {
    reply::notice(text)
}

/// Whether the bot can post in `channel`; the refusal names what is missing.
fn check_channel(directory: &dyn Directory, server: &str, channel: &str) -> Result<Option<&'static str>, String> {
    match directory.channel(server, channel) {
        ChannelCheck::NotInServer => Err(format!("<#{channel}> is not a channel of this server.")),
        ChannelCheck::Missing(missing) if missing.is_empty() => Ok(None),
        ChannelCheck::Missing(missing) => Err(format!(
            "I can't post in <#{channel}>: I'm missing **{}** there. Give my role that permission in the \
             channel's settings, then try again.",
            missing.join("**, **")
        )),
        ChannelCheck::Unknown => Ok(Some(" (I couldn't check my permissions there from this endpoint.)")),
    }
}

/// Handles `/setup …`.
pub(super) async fn handle(bot: &Bot, cx: &Context, setup: &Setup, directory: &dyn Directory) -> Reply {
    let (Some(server_id), Some(server)) = (cx.server.as_deref(), server_of(cx)) else {
        return notice("`/setup` works in servers only.");
    };
    if !cx.powers.manage_server {
        return notice(format!("Only {} can change my settings.", cx.managers()));
    }
    let current = bot.settings_of(&server);
    let mut next = current.clone();
    let mut note = "";
    let confirmation = match setup {
        Setup::Show => return show(bot, &current),
        Setup::WelcomeIn(ch) => match check_channel(directory, server_id, ch) {
            Ok(n) => {
                note = n.unwrap_or("");
                next.onboarding_enabled = true;
                next.onboarding_channel = Some(ch.clone());
                next.onboarding_dm = false;
                onboarding_confirmation(&next)
            }
            Err(why) => return notice(format!("❌ {why}")),
        },
        Setup::WelcomeOff => {
            next.onboarding_enabled = false;
            onboarding_confirmation(&next)
        }
        Setup::WelcomeByDm(dm) => {
            next.onboarding_dm = *dm;
            if *dm {
                next.onboarding_enabled = true;
            } else if next.onboarding_channel.is_none() {
                // No channel to fall back to: welcomes stop.
                next.onboarding_enabled = false;
            }
            // Turning DMs off never turns onboarding on: an admin who switched
            // it off keeps it off.
            onboarding_confirmation(&next)
        }
        Setup::AddAnswerChannel(ch) => match check_channel(directory, server_id, ch) {
            Ok(n) => {
                note = n.unwrap_or("");
                let mut list = next.answer_channels.take().unwrap_or_else(|| defaults(bot));
                if !list.contains(ch) {
                    list.push(ch.clone());
                }
                next.answer_channels = Some(list);
                format!("✅ <#{ch}> is an answer channel: I read every message there and answer when I'm sure.")
            }
            Err(why) => return notice(format!("❌ {why}")),
        },
        Setup::RemoveAnswerChannel(ch) => {
            let mut list = next.answer_channels.take().unwrap_or_else(|| defaults(bot));
            let had = list.contains(ch);
            list.retain(|c| c != ch);
            next.answer_channels = Some(list);
            if had {
                format!("✅ <#{ch}> is no longer an answer channel.")
            } else {
                format!("✅ <#{ch}> was not an answer channel; nothing else changed.")
            }
        }
        Setup::Cooldown(secs) => match secs {
            Some(n @ 0..=3600) => {
                next.cooldown_secs = Some(*n as u32);
                if *n == 0 {
                    "✅ Cooldown is off: members can ask as often as they like.".to_owned()
                } else {
                    format!("✅ Cooldown: each member waits {n} s between answers.")
                }
            }
            _ => return notice("❌ `seconds` must be between 0 and 3600."),
        },
        Setup::Unknown => return notice("Unknown `/setup` option."),
    };

    match bot.store().save_settings(&next).await {
        Ok(()) => {}
        Err(StoreError::NotKept) => {
            return notice("❌ I can't save settings right now: the database is not available. Nothing changed.");
        }
        Err(e) => {
            tracing::warn!(error = %e, %server, "saving settings failed");
            return notice("❌ I couldn't save that (database error). Nothing changed; please try again.");
        }
    }
    let onboarding_on = next.onboarding_enabled && !current.onboarding_enabled;
    let answer_channel_added = matches!(setup, Setup::AddAnswerChannel(_));
    bot.remember_settings(next);
    let connection = bot.connection();
    let intent_note = match connection {
        Some(c) if onboarding_on => c.welcomes_turned_on(),
        Some(c) if answer_channel_added => c.answer_channel_added(),
        _ => "",
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
    let mut v: Vec<&String> = bot.config().answer_channels.iter().collect();
    // Numerically for Discord's ids (all digits), else as text.
    v.sort_unstable_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    v.into_iter().cloned().collect()
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
    Message::doc(doc).private(true).into()
}
