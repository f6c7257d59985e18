//! `/recommend`: what the team is building, and the pack's factors as
//! options (`recommend.toml`). Handled by `stackpick_commands::handle::recommend`.

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::CommandOptionType;

use super::{everywhere, private, OPT_USE_CASE};
use crate::knowledge::Pack;

pub const NAME: &str = "recommend";

pub fn register(pack: &Pack) -> CreateCommand {
    let mut recommend = CreateCommand::new(NAME)
        .description("Which one fits what you are building?")
        .contexts(everywhere())
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                OPT_USE_CASE,
                "What you are building (pick one or type your own)",
            )
            .required(true)
            .set_autocomplete(true)
            .max_length(200),
        );
    for factor in &pack.recommend.factors {
        let mut option = CreateCommandOption::new(CommandOptionType::String, &factor.option, &factor.description);
        for choice in &factor.choices {
            option = option.add_string_choice(&choice.name, &choice.value);
        }
        recommend = recommend.add_option(option);
    }
    recommend.add_option(private())
}
