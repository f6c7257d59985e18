//! `/onboarding preview`: the welcome new members get, shown privately.
//! Handled by `stackpick_commands::handle::onboarding`.

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::{CommandOptionType, InteractionContext};
use serenity::model::permissions::Permissions;

pub const NAME: &str = "onboarding";

pub fn register() -> CreateCommand {
    CreateCommand::new(NAME)
        .description("The welcome for new members (server managers)")
        .default_member_permissions(Permissions::MANAGE_GUILD)
        .contexts(vec![InteractionContext::Guild])
        .add_option(CreateCommandOption::new(
            CommandOptionType::SubCommand,
            "preview",
            "Show me the welcome, privately",
        ))
}
