//! `/topics`: everything the pack answers, with a menu to open one. Handled
//! by `stackpick_commands::handle::help`.

use serenity::builder::CreateCommand;

use super::everywhere;

pub const NAME: &str = "topics";

pub fn register() -> CreateCommand {
    CreateCommand::new(NAME).description("Everything I can answer, with a menu to open one").contexts(everywhere())
}
