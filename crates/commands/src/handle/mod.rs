//! The handlers: one module per command, each taking the typed command and
//! the [`Context`] it came in and returning one [`Reply`].
//!
//! Only `/setup` and the `/kb` reports wait (for the database); every other
//! reply is computed without I/O.

mod ask;
pub(crate) mod chat;
pub(crate) mod help;
mod kb;
pub mod onboarding;
mod press;
pub(crate) mod privacy;
mod recommend;
mod setup;

use std::time::Instant;

use crate::custom_id::Action;
use crate::directory::Directory;
use crate::reply::{self, Response};
use crate::request::{Command, Completion, Context, Interaction};
use crate::{Bot, Reply};

/// Whether the reply to this interaction may take longer than a face's
/// deferral threshold (Discord voids a token not answered within 3 s):
/// `/setup`, `/kb` and deleting one's data wait on the database, and a
/// question is read by the sentence encoder, tens of milliseconds each that
/// queue up under a burst.
pub fn may_wait(interaction: &Interaction) -> bool {
    matches!(
        interaction,
        Interaction::Command(Command::Setup(_) | Command::Kb(_) | Command::Ask { .. } | Command::AnswerMessage(_))
            | Interaction::Press { action: Action::ForgetConfirmed, .. }
    )
}

/// Whether a deferred response to this interaction should be private, like
/// the reply it stands for: the flags of a deferred response stay on the
/// answer that replaces it, so a private `/ask` must never defer publicly.
pub fn defers_privately(interaction: &Interaction) -> bool {
    match interaction {
        Interaction::Command(Command::Ask { private, .. }) => *private,
        Interaction::Command(
            Command::Compare { .. } | Command::Recommend { .. } | Command::Topics | Command::Help | Command::Unknown(_),
        ) => false,
        _ => true,
    }
}

impl Bot {
    /// Answers one interaction. `directory` tells what the face knows about
    /// the server's channels.
    pub async fn interaction(&self, cx: &Context, interaction: &Interaction, directory: &dyn Directory) -> Reply {
        let now = Instant::now();
        match interaction {
            Interaction::Ping => Response::Pong.into(),
            Interaction::Command(Command::Setup(setup)) => setup::handle(self, cx, setup, directory).await,
            Interaction::Command(Command::Kb(kb)) => kb::handle(self, cx, *kb).await,
            Interaction::Command(Command::OnboardingPreview) => onboarding::preview(self, cx, directory),
            Interaction::Command(Command::Privacy) => privacy::show(self, cx),
            Interaction::Press { action: Action::ForgetConfirmed, .. } => privacy::forget(self, cx).await,
            Interaction::Command(command) => self.command(cx, command, now),
            Interaction::Complete(completion) => self.complete(completion),
            Interaction::Press { action, pressed, message } => {
                press::handle(self, cx, action, pressed, message.as_ref())
            }
            Interaction::Form { action: Action::RecommendModal, question, choices } => {
                if question.trim().is_empty() && choices.is_empty() {
                    return reply::notice("Tell me what you are building, or pick a factor, and try again.");
                }
                recommend::handle(self, cx, question, choices, true, now)
            }
            Interaction::Form { action, question, .. } => onboarding::submitted(self, cx, action, question, now),
            Interaction::Unsupported => reply::notice("I don't know how to handle that interaction."),
        }
    }

    fn command(&self, cx: &Context, command: &Command, now: Instant) -> Reply {
        match command {
            Command::Ask { question, private, mention } => {
                ask::ask(self, cx, question, *private, mention.as_deref(), now)
            }
            Command::Compare { topic, private, mention } => {
                ask::compare(self, cx, topic, *private, mention.as_deref(), now)
            }
            Command::Recommend { use_case, factors, private } => {
                recommend::handle(self, cx, use_case, factors, *private, now)
            }
            Command::Topics => help::topics(self),
            Command::Help => help::help(self, cx),
            Command::AnswerMessage(quoted) => ask::answer_message(self, cx, quoted.as_ref(), now),
            Command::Unknown(name) => reply::notice(format!(
                "`/{}` is not a command I know any more; it may be left over from an older version.",
                stackpick_core::limits::truncate(name, 50)
            )),
            // Handled (with the database) before this point.
            Command::Setup(_) | Command::Kb(_) | Command::OnboardingPreview | Command::Privacy => {
                reply::notice("I don't know how to handle that interaction.")
            }
        }
    }

    fn complete(&self, completion: &Completion) -> Reply {
        let engine = self.engine();
        let pack = engine.pack();
        let choice = |name: &str, value: &str| reply::Choice {
            name: stackpick_core::limits::truncate(name, 100).into_owned(),
            value: value.to_owned(),
        };
        let choices = match completion {
            Completion::Topic(typed) => engine
                .complete_topics(typed)
                .into_iter()
                .map(|t| choice(&pack.topic(t).title, &pack.topic(t).id))
                .collect(),
            Completion::UseCase(typed) => engine
                .complete_use_cases(typed)
                .into_iter()
                .map(|u| choice(&pack.use_case(u).name, &pack.use_case(u).id))
                .collect(),
            Completion::Other => Vec::new(),
        };
        Response::Choices(choices).into()
    }
}
