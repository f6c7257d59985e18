//! The application commands, defined once. Registration (gateway start-up,
//! `stackpick register`) and the HTTP endpoint all use this list.

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::{CommandOptionType, CommandType, InteractionContext};
use serenity::model::permissions::Permissions;

use crate::knowledge::Pack;

pub const ASK: &str = "ask";
pub const COMPARE: &str = "compare";
pub const RECOMMEND: &str = "recommend";
pub const TOPICS: &str = "topics";
pub const HELP: &str = "help";
pub const KB: &str = "kb";
pub const KB_RELOAD: &str = "reload";
pub const KB_GAPS: &str = "gaps";
pub const KB_STATS: &str = "stats";
/// `/setup`, defined with its handler in [`super::setup`].
pub const SETUP: &str = super::setup::NAME;
pub const ONBOARDING: &str = "onboarding";
/// The message command (right-click a message → Apps).
pub const ASK_MESSAGE: &str = "Ask stackpick";

pub const OPT_QUESTION: &str = "question";
pub const OPT_PRIVATE: &str = "private";
pub const OPT_MENTION: &str = "mention";
pub const OPT_TOPIC: &str = "topic";
pub const OPT_USE_CASE: &str = "use_case";

/// Questions longer than this are refused by Discord's client before they reach us.
pub const QUESTION_MAX: u16 = 1000;

fn days() -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::Integer, "days", "How many days back (default 30)")
        .min_int_value(1)
        .max_int_value(3650)
}

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

/// Every command, for a bulk overwrite (stale commands vanish).
pub fn all(pack: &Pack) -> Vec<CreateCommand> {
    let mut recommend = CreateCommand::new(RECOMMEND)
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
    recommend = recommend.add_option(private());

    vec![
        CreateCommand::new(ASK)
            .description(crate::limits::cut(&format!("Ask a question about {}", pack.info.scope), 100))
            .contexts(everywhere())
            .add_option(
                CreateCommandOption::new(CommandOptionType::String, OPT_QUESTION, "Your question, in your own words")
                    .required(true)
                    .max_length(QUESTION_MAX),
            )
            .add_option(private())
            .add_option(mention()),
        CreateCommand::new(COMPARE)
            .description("Compare them on one topic")
            .contexts(everywhere())
            .add_option(
                CreateCommandOption::new(CommandOptionType::String, OPT_TOPIC, "The topic")
                    .required(true)
                    .set_autocomplete(true),
            )
            .add_option(private())
            .add_option(mention()),
        recommend,
        CreateCommand::new(TOPICS)
            .description("Everything I can answer, with a menu to open one")
            .contexts(everywhere()),
        CreateCommand::new(HELP).description("What I can do and how to ask").contexts(everywhere()),
        CreateCommand::new(KB)
            .description("Manage the knowledge base (server managers)")
            .default_member_permissions(Permissions::MANAGE_GUILD)
            .contexts(vec![InteractionContext::Guild])
            .add_option(CreateCommandOption::new(
                CommandOptionType::SubCommand,
                KB_RELOAD,
                "Reload the knowledge pack from disk",
            ))
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::SubCommand,
                    KB_GAPS,
                    "Questions I could not answer well, most asked first",
                )
                .add_sub_option(days()),
            )
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::SubCommand,
                    KB_STATS,
                    "Questions per topic, answers, feedback, welcomes",
                )
                .add_sub_option(days()),
            ),
        super::setup::command(),
        CreateCommand::new(ONBOARDING)
            .description("The welcome for new members (server managers)")
            .default_member_permissions(Permissions::MANAGE_GUILD)
            .contexts(vec![InteractionContext::Guild])
            .add_option(CreateCommandOption::new(
                CommandOptionType::SubCommand,
                "preview",
                "Show me the welcome, privately",
            )),
        CreateCommand::new(ASK_MESSAGE).kind(CommandType::Message).contexts(everywhere()),
    ]
}
