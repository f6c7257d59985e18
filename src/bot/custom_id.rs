//! Component `custom_id`s: versioned, short, and parsed back into what they mean.
//!
//! Every id starts with `sp1:`; a later format bumps the number, and ids from
//! a format we no longer read parse as [`Action::Expired`] so the presser gets a
//! clear "this has expired" instead of silence. Ids name topics by their stable
//! ids, so buttons keep working across restarts and knowledge reloads.

use serenity::model::id::UserId;

use crate::limits;

const PREFIX: &str = "sp1";

/// Whether feedback was positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vote {
    Up,
    Down,
}

/// What pressing a component asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Show a topic to the presser.
    Topic(String),
    /// "Was this helpful?" on the answer about a topic.
    Feedback(Vote, String),
    /// Delete the answer; only the asker (or a moderator) may.
    Delete { asker: UserId },
    /// The select menu of all topics (the value carries the topic id).
    TopicMenu,
    /// "Ask a question" on a welcome: opens the question form.
    AskButton,
    /// The question form itself (a modal).
    AskModal,
    /// A component from an older format, or one we cannot read.
    Expired,
}

impl Action {
    /// The `custom_id` for this action (at most 100 characters).
    pub fn id(&self) -> String {
        let id = match self {
            Action::Topic(t) => format!("{PREFIX}:t:{t}"),
            Action::Feedback(Vote::Up, t) => format!("{PREFIX}:f:up:{t}"),
            Action::Feedback(Vote::Down, t) => format!("{PREFIX}:f:dn:{t}"),
            Action::Delete { asker } => format!("{PREFIX}:d:{asker}"),
            Action::TopicMenu => format!("{PREFIX}:menu"),
            Action::AskButton => format!("{PREFIX}:ask"),
            Action::AskModal => format!("{PREFIX}:askm"),
            Action::Expired => format!("{PREFIX}:x"),
        };
        debug_assert!(id.len() <= limits::CUSTOM_ID);
        limits::cut(&id, limits::CUSTOM_ID).to_owned()
    }

    /// Reads a `custom_id`; anything unknown is [`Action::Expired`].
    pub fn parse(id: &str) -> Action {
        let mut parts = id.splitn(4, ':');
        if parts.next() != Some(PREFIX) {
            return Action::Expired;
        }
        match (parts.next(), parts.next(), parts.next()) {
            (Some("t"), Some(topic), None) if !topic.is_empty() => Action::Topic(topic.to_owned()),
            (Some("f"), Some("up"), Some(topic)) => Action::Feedback(Vote::Up, topic.to_owned()),
            (Some("f"), Some("dn"), Some(topic)) => Action::Feedback(Vote::Down, topic.to_owned()),
            (Some("d"), Some(user), None) => match user.parse::<u64>() {
                Ok(n) if n > 0 => Action::Delete { asker: UserId::new(n) },
                _ => Action::Expired,
            },
            (Some("menu"), _, None) => Action::TopicMenu,
            (Some("ask"), None, None) => Action::AskButton,
            (Some("askm"), None, None) => Action::AskModal,
            _ => Action::Expired,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for a in [
            Action::Topic("performance".into()),
            Action::Feedback(Vote::Up, "learning-curve".into()),
            Action::Feedback(Vote::Down, "cost".into()),
            Action::Delete { asker: UserId::new(53908232506183680) },
            Action::TopicMenu,
            Action::AskButton,
            Action::AskModal,
        ] {
            let id = a.id();
            assert!(id.len() <= 100);
            assert_eq!(Action::parse(&id), a);
        }
    }

    #[test]
    fn old_or_foreign_ids_expire() {
        for id in ["sp0:t:performance", "click_one", "", "sp1:", "sp1:d:abc", "sp1:d:0", "sp1:zzz:1", "sp1:t:"] {
            assert_eq!(Action::parse(id), Action::Expired, "{id}");
        }
    }
}
