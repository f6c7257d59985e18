//! `/privacy`: what the bot keeps about you, with a button to delete it.
//! Handled by `stackpick_commands::handle::privacy`.

use serenity::builder::CreateCommand;

use super::everywhere;

pub const NAME: &str = "privacy";

pub fn register() -> CreateCommand {
    CreateCommand::new(NAME).description("What I keep about you, and a button to delete it").contexts(everywhere())
}
