//! `/ask`: a question in the asker's own words. Handled by
//! `stackpick_commands::handle::ask` (the same handler as a mention or a DM).

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::CommandOptionType;

use super::{everywhere, mention, private, OPT_QUESTION, QUESTION_MAX};
use crate::knowledge::Pack;

pub const NAME: &str = "ask";

pub fn register(pack: &Pack) -> CreateCommand {
    CreateCommand::new(NAME)
        .description(crate::limits::cut(&format!("Ask a question about {}", pack.info.scope), 100))
        .contexts(everywhere())
        .add_option(
            CreateCommandOption::new(CommandOptionType::String, OPT_QUESTION, "Your question, in your own words")
                .required(true)
                .max_length(QUESTION_MAX),
        )
        .add_option(private())
        .add_option(mention())
}
