//! `/onboarding preview`: the welcome new members get, shown privately.
//! Handled by `stackpick_commands::handle::onboarding`.

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::CommandOptionType;

pub const NAME: &str = "onboarding";

pub fn register() -> CreateCommand {
    super::for_managers(CreateCommand::new(NAME).description("The welcome for new members (server managers)"))
        .add_option(CreateCommandOption::new(
            CommandOptionType::SubCommand,
            "preview",
            "Show me the welcome, privately",
        ))
}
