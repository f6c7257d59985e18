//! `/setup`: per-server settings (onboarding, answer channels, cooldown), for
//! server managers. Read by `crate::parse` into `Command::Setup`, handled
//! by `stackpick_commands::handle::setup`.

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::CommandOptionType;
use serenity::model::channel::ChannelType;

pub const NAME: &str = "setup";

fn channel_option(description: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::Channel, "channel", description)
        .required(true)
        .channel_types(vec![ChannelType::Text, ChannelType::News])
}

pub fn register() -> CreateCommand {
    super::for_managers(CreateCommand::new(NAME).description("Configure stackpick for this server (server managers)"))
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
