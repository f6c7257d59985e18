//! `/kb reload|gaps|stats`: the knowledge base, for server managers.
//! Handled by `stackpick_commands::handle::kb`.

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::CommandOptionType;

pub const NAME: &str = "kb";
pub const RELOAD: &str = "reload";
pub const GAPS: &str = "gaps";
pub const STATS: &str = "stats";

fn days() -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::Integer, "days", "How many days back (default 30)")
        .min_int_value(1)
        .max_int_value(3650)
}

pub fn register() -> CreateCommand {
    super::for_managers(CreateCommand::new(NAME).description("Manage the knowledge base (server managers)"))
        .add_option(CreateCommandOption::new(
            CommandOptionType::SubCommand,
            RELOAD,
            "Reload the knowledge pack from disk",
        ))
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::SubCommand,
                GAPS,
                "Questions I could not answer well, most asked first",
            )
            .add_sub_option(days()),
        )
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::SubCommand,
                STATS,
                "Questions per topic, answers, feedback, welcomes",
            )
            .add_sub_option(days()),
        )
}
