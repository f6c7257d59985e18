//! Component `custom_id`s: versioned, short, and parsed back into what they mean.
//!
//! Every id starts with `sp1:`; a later format bumps the number, and ids from
//! a format we no longer read parse as [`Action::Expired`] so the presser gets a
//! clear "this has expired" instead of silence. Ids name topics by their stable
//! ids, so buttons keep working across restarts and knowledge reloads.

use stackpick_core::limits;

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
    /// "Was this helpful?" on the answer about a topic; `use_case` when the
    /// answer was a recommendation for one, so a reply to the answer can be
    /// read in its context.
    Feedback { vote: Vote, topic: String, use_case: Option<String> },
    /// Delete the answer; only the asker (or a moderator) may.
    Delete { asker: String },
    /// Post a private answer (about `topic`, or the recommendation for
    /// `use_case`) in the channel for everyone.
    Share { topic: String, use_case: Option<String> },
    /// The select menu of all topics (the value carries the topic id).
    TopicMenu,
    /// "Ask a question" on a welcome: opens the question form.
    AskButton,
    /// The question form itself (a modal).
    AskModal,
    /// The recommendation form (a modal: what you build, and the pack's factors).
    RecommendModal,
    /// "Delete my data" under `/privacy`: asks to confirm.
    Forget,
    /// "Yes, delete" under that question: deletes the presser's data.
    ForgetConfirmed,
    /// A component from an older format, or one we cannot read.
    Expired,
}

impl Action {
    /// The `custom_id` for this action (at most 100 characters).
    pub fn id(&self) -> String {
        let id = match self {
            Action::Topic(t) => format!("{PREFIX}:t:{t}"),
            Action::Feedback { vote, topic, use_case } => {
                let vote = match vote {
                    Vote::Up => "up",
                    Vote::Down => "dn",
                };
                match use_case {
                    Some(u) => format!("{PREFIX}:f:{vote}:{topic}:{u}"),
                    None => format!("{PREFIX}:f:{vote}:{topic}"),
                }
            }
            Action::Delete { asker } => format!("{PREFIX}:d:{asker}"),
            Action::Share { topic, use_case: Some(u) } => format!("{PREFIX}:s:{topic}:{u}"),
            Action::Share { topic, use_case: None } => format!("{PREFIX}:s:{topic}"),
            Action::TopicMenu => format!("{PREFIX}:menu"),
            Action::AskButton => format!("{PREFIX}:ask"),
            Action::AskModal => format!("{PREFIX}:askm"),
            Action::RecommendModal => format!("{PREFIX}:recm"),
            Action::Forget => format!("{PREFIX}:forget"),
            Action::ForgetConfirmed => format!("{PREFIX}:forget:yes"),
            Action::Expired => format!("{PREFIX}:x"),
        };
        debug_assert!(id.len() <= limits::CUSTOM_ID);
        limits::cut(&id, limits::CUSTOM_ID).to_owned()
    }

    /// Reads a `custom_id`; anything unknown is [`Action::Expired`].
    pub fn parse(id: &str) -> Action {
        let mut parts = id.splitn(5, ':');
        if parts.next() != Some(PREFIX) {
            return Action::Expired;
        }
        let feedback = |vote, topic: &str, use_case: Option<&str>| match (topic, use_case) {
            ("", _) | (_, Some("")) => Action::Expired,
            (t, u) => Action::Feedback { vote, topic: t.to_owned(), use_case: u.map(str::to_owned) },
        };
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("t"), Some(topic), None, None) if !topic.is_empty() => Action::Topic(topic.to_owned()),
            (Some("f"), Some("up"), Some(topic), use_case) => feedback(Vote::Up, topic, use_case),
            (Some("f"), Some("dn"), Some(topic), use_case) => feedback(Vote::Down, topic, use_case),
            // A platform's user id: Discord's digits, Slack's `U…`.
            (Some("d"), Some(user), None, None)
                if user.bytes().all(|b| b.is_ascii_alphanumeric()) && user.bytes().any(|b| b != b'0') =>
            {
                Action::Delete { asker: user.to_owned() }
            }
            (Some("s"), Some(topic), use_case, None) if !topic.is_empty() && use_case != Some("") => {
                Action::Share { topic: topic.to_owned(), use_case: use_case.map(str::to_owned) }
            }
            (Some("menu"), _, None, None) => Action::TopicMenu,
            (Some("ask"), None, None, None) => Action::AskButton,
            (Some("askm"), None, None, None) => Action::AskModal,
            (Some("recm"), None, None, None) => Action::RecommendModal,
            (Some("forget"), None, None, None) => Action::Forget,
            (Some("forget"), Some("yes"), None, None) => Action::ForgetConfirmed,
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
            Action::Feedback { vote: Vote::Up, topic: "learning-curve".into(), use_case: None },
            Action::Feedback { vote: Vote::Down, topic: "cost".into(), use_case: Some("chat-app".into()) },
            Action::Delete { asker: "53908232506183680".into() },
            Action::Delete { asker: "U024BE7LH".into() },
            Action::Share { topic: "performance".into(), use_case: None },
            Action::Share { topic: "real-time".into(), use_case: Some("chat-app".into()) },
            Action::TopicMenu,
            Action::AskButton,
            Action::AskModal,
            Action::RecommendModal,
            Action::Forget,
            Action::ForgetConfirmed,
        ] {
            let id = a.id();
            assert!(id.len() <= 100);
            assert_eq!(Action::parse(&id), a);
        }
    }

    #[test]
    fn old_or_foreign_ids_expire() {
        for id in [
            "sp0:t:performance",
            "click_one",
            "",
            "sp1:",
            "sp1:d:a-b",
            "sp1:d:0",
            "sp1:d:",
            "sp1:f:up:",
            "sp1:f:up:cost:",
            "sp1:zzz:1",
            "sp1:t:",
            "sp1:forget:no",
            "sp1:forget:yes:1",
        ] {
            assert_eq!(Action::parse(id), Action::Expired, "{id}");
        }
    }
}
