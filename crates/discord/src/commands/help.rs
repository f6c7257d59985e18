//! `/help`: what the bot does and how to ask. Handled by
//! `stackpick_commands::handle::help`.

use serenity::builder::CreateCommand;

use super::everywhere;

pub const NAME: &str = "help";

pub fn register() -> CreateCommand {
    CreateCommand::new(NAME).description("What I can do and how to ask").contexts(everywhere())
}
