//! The message command (right-click a message → Apps → "Ask stackpick"): answers
//! the message it was used on. Handled by `stackpick_commands::handle::ask`
//! (`answer_message`); `/help` names it too.

use serenity::builder::CreateCommand;
use serenity::model::application::CommandType;

use super::everywhere;

pub const NAME: &str = crate::bot::ANSWER_MESSAGE_NAME;

pub fn register() -> CreateCommand {
    CreateCommand::new(NAME).kind(CommandType::Message).contexts(everywhere())
}
