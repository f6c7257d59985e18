//! The application commands, defined once. Registration (gateway start-up,
//! `stackpick register`) and the HTTP endpoint all use this list.

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::{CommandOptionType, CommandType, InteractionContext};
use serenity::model::channel::ChannelType;
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
pub const SETUP: &str = "setup";
pub const ONBOARDING: &str = "onboarding";
/// The message command (right-click a message → Apps); `/help` names it too.
pub const ASK_MESSAGE: &str = crate::bot::ANSWER_MESSAGE_NAME;

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
        setup(),
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

fn channel_option(description: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::Channel, "channel", description)
        .required(true)
        .channel_types(vec![ChannelType::Text, ChannelType::News])
}

/// `/setup`: per-server settings (read by `super::parse::setup`).
fn setup() -> CreateCommand {
    CreateCommand::new(SETUP)
        .description("Configure stackpick for this server (server managers)")
        .default_member_permissions(Permissions::MANAGE_GUILD)
        .contexts(vec![InteractionContext::Guild])
        .add_option(
            CreateCommandOption::new(CommandOptionType::SubCommandGroup, "onboarding", "Welcome new members")
                .add_sub_option(
                    CreateCommandOption::new(
                        CommandOptionType::SubCommand,
                        "channel",
                        "Welcome new members in a channel",
                    )
                    .add_sub_option(channel_option("Where to post welcomes")),
                )
                .add_sub_option(CreateCommandOption::new(
                    CommandOptionType::SubCommand,
                    "off",
                    "Stop welcoming new members",
                ))
                .add_sub_option(
                    CreateCommandOption::new(CommandOptionType::SubCommand, "dm", "Welcome by direct message instead")
                        .add_sub_option(
                            CreateCommandOption::new(CommandOptionType::Boolean, "enabled", "Welcome by DM")
                                .required(true),
                        ),
                ),
        )
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::SubCommandGroup,
                "answer-channel",
                "Channels where I read every message and answer when sure",
            )
            .add_sub_option(
                CreateCommandOption::new(CommandOptionType::SubCommand, "add", "Make a channel an answer channel")
                    .add_sub_option(channel_option("The channel")),
            )
            .add_sub_option(
                CreateCommandOption::new(
                    CommandOptionType::SubCommand,
                    "remove",
                    "Stop answering everything in a channel",
                )
                .add_sub_option(channel_option("The channel")),
            ),
        )
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::SubCommand,
                "cooldown",
                "Seconds each member waits between answers",
            )
            .add_sub_option(
                CreateCommandOption::new(CommandOptionType::Integer, "seconds", "0 to 3600")
                    .required(true)
                    .min_int_value(0)
                    .max_int_value(3600),
            ),
        )
        .add_option(CreateCommandOption::new(CommandOptionType::SubCommand, "show", "Show this server's settings"))
}
