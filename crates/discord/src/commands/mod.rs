//! The application commands, defined once: one module per command with its
//! Discord definition (`register()`), as serenity's `e14_slash_commands` lays
//! them out; each module names the handler in `stackpick_commands::handle`
//! that runs it. Registration (gateway start-up, `stackpick register`) and
//! the HTTP endpoint all use [`all`].

pub mod answer_message;
pub mod ask;
pub mod compare;
pub mod help;
pub mod kb;
pub mod onboarding;
pub mod privacy;
pub mod recommend;
pub mod setup;
pub mod topics;

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::{CommandOptionType, InteractionContext};
use serenity::model::permissions::Permissions;

use crate::knowledge::Pack;

pub const OPT_QUESTION: &str = "question";
pub const OPT_PRIVATE: &str = "private";
pub const OPT_MENTION: &str = "mention";
pub const OPT_TOPIC: &str = "topic";
pub const OPT_USE_CASE: &str = "use_case";

/// Questions longer than this are refused by Discord's client before they reach us.
pub const QUESTION_MAX: u16 = 1000;

fn private() -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::Boolean, OPT_PRIVATE, "Only you see the answer")
}

fn mention() -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::User, OPT_MENTION, "Address the answer to this person (pings them)")
}

/// Where a command may be used: servers, the bot's DMs and private channels.
fn everywhere() -> Vec<InteractionContext> {
    vec![InteractionContext::Guild, InteractionContext::BotDm, InteractionContext::PrivateChannel]
}

/// A command for server managers: offered to members with Manage Server, in servers only.
fn for_managers(command: CreateCommand) -> CreateCommand {
    command.default_member_permissions(Permissions::MANAGE_GUILD).contexts(vec![InteractionContext::Guild])
}

/// Every command, for a bulk overwrite (stale commands vanish).
pub fn all(pack: &Pack) -> Vec<CreateCommand> {
    vec![
        ask::register(pack),
        compare::register(),
        recommend::register(pack),
        topics::register(),
        help::register(),
        privacy::register(),
        kb::register(),
        setup::register(),
        onboarding::register(),
        answer_message::register(),
    ]
}
