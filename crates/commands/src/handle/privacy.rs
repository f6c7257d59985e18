//! `/privacy` (Slack: `/stackpick privacy`): what the bot keeps about the
//! user who asks, for how long, and a button to delete it themselves.
//!
//! The text is built from what the store says of itself (how long it keeps
//! the log, whether anything outlives the process), so it stays true for a
//! deployment that changes `LOG_RETENTION_DAYS` or runs without a database.
//! `PRIVACY.md` says the same for the app directories' review.

use stackpick_core::embed::EmbedDoc;
use stackpick_store::{Forgotten, Member, FORGET_AFTER};

use crate::custom_id::Action;
use crate::reply::{self, Button, Message, Row, Style};
use crate::request::{Context, Platform};
use crate::{Bot, Reply};

fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Discord => "Discord",
        Platform::Slack => "Slack",
    }
}

/// How long questions and votes stay, in this deployment.
fn kept(bot: &Bot) -> String {
    match (bot.store.durable(), bot.store.retention_days()) {
        (false, _) => "Held in memory only, until the bot restarts.".to_owned(),
        (true, Some(days)) => format!("Deleted after {days} days."),
        (true, None) => "Kept until you delete them.".to_owned(),
    }
}

/// The privacy notice, privately, with "Delete my data".
pub(crate) fn show(bot: &Bot, cx: &Context) -> Reply {
    let engine = bot.engine();
    let kept = kept(bot);
    let grace = FORGET_AFTER.as_secs() / 86_400;
    let description = format!(
        "**Questions you ask me** — the question as I read it (mentions and links removed), the topic I \
         answered, how sure I was, the server, channel and time. Your user id is never stored; a keyed hash \
         of it is, so that you can delete your questions here. {kept}\n\n\
         **Your 👍/👎 votes** — the topic and your vote, with the same hash. {kept}\n\n\
         **Welcomes** — that you were welcomed in a server (the hash again), so that nobody is welcomed twice.\n\n\
         **Nothing else** — not your name, your profile, or messages that are not for me. Held in memory \
         only, never written down: when you last got an answer (for the cooldown), and your recent questions \
         in chat with my answers to them (so that editing or deleting a question updates its answer).\n\n\
         When a server removes the bot, everything about that server is deleted {grace} days later."
    );
    let doc = EmbedDoc {
        title: "What stackpick keeps about you".to_owned(),
        description,
        colour: engine.pack().info.either.colour,
        fields: Vec::new(),
        footer: format!(
            "“Delete my data” removes your questions, votes and welcomes from every server where you use \
             stackpick on {}.",
            platform_name(cx.platform)
        ),
    };
    let delete =
        Button { action: Action::Forget, label: Some("Delete my data".into()), emoji: None, style: Style::Danger };
    Message { doc: Some(doc), rows: vec![Row::Buttons(vec![delete])], private: true, ..Message::default() }.into()
}

/// "Delete my data" pressed: one more press to be sure, since it cannot be undone.
pub(crate) fn confirm(cx: &Context) -> Reply {
    let yes = Button {
        action: Action::ForgetConfirmed,
        label: Some("Yes, delete it".into()),
        emoji: None,
        style: Style::Danger,
    };
    Message {
        text: Some(format!(
            "Delete your questions, votes and welcomes from every server where you use stackpick on {}? \
             This cannot be undone.",
            platform_name(cx.platform)
        )),
        rows: vec![Row::Buttons(vec![yes])],
        private: true,
        ..Message::default()
    }
    .into()
}

/// "Yes, delete it": deletes the presser's data from the store and from memory.
pub(crate) async fn forget(bot: &Bot, cx: &Context) -> Reply {
    let member = Member::new(cx.platform, cx.user.clone());
    match bot.store.forget_member(&member).await {
        Ok(forgotten) => {
            bot.feedback.forget(&cx.user);
            bot.answers.forget_user(cx.platform, &cx.user);
            tracing::info!(platform = %cx.platform, rows = forgotten.total(), "a member deleted their data");
            reply::notice(done(&forgotten))
        }
        Err(e) => {
            tracing::warn!(error = %e, platform = %cx.platform, "could not delete a member's data");
            reply::notice(
                "I couldn't delete your data just now: the database did not answer. Nothing was deleted; \
                 please try again in a few minutes.",
            )
        }
    }
}

/// What was deleted, in words.
fn done(f: &Forgotten) -> String {
    if f.total() == 0 {
        return "There was nothing stored about you, so there was nothing to delete.".to_owned();
    }
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let parts = [
        (f.questions, count(f.questions, "question", "questions")),
        (f.votes, count(f.votes, "vote", "votes")),
        (f.welcomes, count(f.welcomes, "welcome", "welcomes")),
    ];
    let parts: Vec<String> = parts.into_iter().filter(|(n, _)| *n > 0).map(|(_, s)| s).collect();
    let list = match parts.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => unreachable!("total is not zero"),
    };
    format!("Done: I deleted {list}. What you ask from now on is kept as /privacy describes.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_deleted_reads_as_a_sentence() {
        let f = |questions, votes, welcomes| done(&Forgotten { questions, votes, welcomes });
        assert_eq!(f(0, 0, 0), "There was nothing stored about you, so there was nothing to delete.");
        assert!(f(1, 0, 0).starts_with("Done: I deleted 1 question. "), "{}", f(1, 0, 0));
        assert!(f(3, 1, 0).starts_with("Done: I deleted 3 questions and 1 vote. "), "{}", f(3, 1, 0));
        assert!(f(2, 2, 1).starts_with("Done: I deleted 2 questions, 2 votes and 1 welcome. "), "{}", f(2, 2, 1));
    }
}
