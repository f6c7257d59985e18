//! `/compare`: one topic, chosen from an autocompleted list. Handled by
//! `stackpick_commands::handle::ask` (a topic is answered like a question
//! about it).

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::CommandOptionType;

use super::{everywhere, mention, private, OPT_TOPIC};

pub const NAME: &str = "compare";

pub fn register() -> CreateCommand {
    CreateCommand::new(NAME)
        .description("Compare them on one topic")
        .contexts(everywhere())
        .add_option(
            CreateCommandOption::new(CommandOptionType::String, OPT_TOPIC, "The topic")
                .required(true)
                .set_autocomplete(true),
        )
        .add_option(private())
        .add_option(mention())
}
