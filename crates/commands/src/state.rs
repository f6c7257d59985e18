//! In-memory state the command layer keeps between events: per-user cooldowns,
//! "helpful?" votes, and the deliveries already handled.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use stackpick_store::BoundedMap;

use crate::custom_id::Vote;
use crate::request::{ChatMessage, MessageRef, Revision};

/// A user as the in-memory state keys them: the platform's own id.
type UserId = String;

/// Per-user cooldown, so one person cannot make the bot flood a channel.
#[derive(Debug)]
pub struct Cooldowns {
    /// The longest period any server may set, for forgetting old entries.
    longest: Duration,
    /// When each user last got an answer, and whether they have been told to
    /// slow down since.
    last: Mutex<HashMap<UserId, (Instant, bool)>>,
}

impl Cooldowns {
    pub fn new(default: Duration) -> Self {
        Cooldowns { longest: default.max(Duration::from_secs(3600)), last: Mutex::new(HashMap::new()) }
    }

    /// Records an answer for `user` at `now`, or returns how long they must
    /// still wait under `period`.
    pub fn try_take(&self, user: &str, now: Instant, period: Duration) -> Result<(), Duration> {
        if period.is_zero() {
            return Ok(());
        }
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&(at, _)) = last.get(user) {
            let since = now.saturating_duration_since(at);
            if since < period {
                return Err(period - since);
            }
        }
        // Forget users whose cooldown is long over, so the map stays small.
        if last.len() > 10_000 {
            let longest = self.longest;
            last.retain(|_, (at, _)| now.saturating_duration_since(*at) < longest);
        }
        last.insert(user.to_owned(), (now, false));
        Ok(())
    }

    /// Whether to tell `user`, who is in their cooldown, to slow down: true
    /// once per cooldown window.
    pub fn notice_once(&self, user: &str) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        match last.get_mut(user) {
            Some((_, told)) if !*told => {
                *told = true;
                true
            }
            _ => false,
        }
    }
}

/// How many votes the bot keeps in memory (about 10 MB at most).
pub const VOTES_KEPT: usize = 100_000;

/// "Was this helpful?" votes per topic, one vote per user and topic.
#[derive(Debug)]
pub struct Feedback {
    votes: Mutex<BoundedMap<(String, UserId), Vote>>,
}

impl Default for Feedback {
    fn default() -> Self {
        Feedback { votes: Mutex::new(BoundedMap::new(VOTES_KEPT, "votes")) }
    }
}

/// What recording a vote did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    New,
    Changed,
    Same,
}

impl Feedback {
    pub fn record(&self, topic: &str, user: &str, vote: Vote) -> Recorded {
        let mut votes = self.votes.lock().unwrap_or_else(|e| e.into_inner());
        match votes.insert((topic.to_owned(), user.to_owned()), vote) {
            None => Recorded::New,
            Some(old) if old == vote => Recorded::Same,
            Some(_) => Recorded::Changed,
        }
    }

    /// Forgets every vote of `user`; returns how many.
    pub fn forget(&self, user: &str) -> usize {
        let mut votes = self.votes.lock().unwrap_or_else(|e| e.into_inner());
        votes.retain(|(_, u), _| u != user)
    }

    /// Helpful and unhelpful votes for a topic.
    pub fn tally(&self, topic: &str) -> (usize, usize) {
        let votes = self.votes.lock().unwrap_or_else(|e| e.into_inner());
        votes.iter().filter(|((t, _), _)| t == topic).fold((0, 0), |(up, down), (_, v)| match v {
            Vote::Up => (up + 1, down),
            Vote::Down => (up, down + 1),
        })
    }
}

/// How many recent deliveries [`Deliveries`] remembers.
pub const DELIVERIES_REMEMBERED: usize = 10_000;

/// The deliveries already handled, so that an event a platform delivers twice
/// — Discord replaying dispatches after a resumed session, Slack retrying an
/// event it thinks was not acknowledged — is answered once. Ids are the
/// platform's own (an interaction, a message in its channel, an event).
/// Redeliveries come within seconds or minutes, so the most recent
/// [`DELIVERIES_REMEMBERED`] suffice; the oldest are forgotten first.
#[derive(Debug, Default)]
pub struct Deliveries {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    order: VecDeque<String>,
    ids: HashSet<String>,
}

impl Deliveries {
    /// Whether `id` is delivered for the first time (and remembers it).
    pub fn first(&self, id: String) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.ids.contains(&id) {
            return false;
        }
        if seen.order.len() >= DELIVERIES_REMEMBERED {
            if let Some(old) = seen.order.pop_front() {
                seen.ids.remove(&old);
            }
        }
        seen.order.push_back(id.clone());
        seen.ids.insert(id);
        true
    }
}

/// How many answered chat questions [`Answers`] remembers.
pub const ANSWERS_REMEMBERED: usize = 10_000;

/// The bot's answers to chat questions, by question, so that a question
/// edited gets its answer updated and a question deleted takes its answer
/// along. Edits and deletions come within minutes of the question, so the
/// most recent [`ANSWERS_REMEMBERED`] suffice (the oldest forgotten first);
/// they are not kept across a restart, where an answer stays as it was.
#[derive(Debug, Default)]
pub struct Answers {
    inner: Mutex<AnswersInner>,
}

#[derive(Debug, Default)]
struct AnswersInner {
    order: VecDeque<String>,
    by_question: HashMap<String, Answered>,
    /// Questions whose answer is on its way: an edit or a deletion that
    /// arrives before the face knows the answer's id waits here for it.
    sending: HashMap<String, Sending>,
    sending_order: VecDeque<String>,
}

/// What happened to a question while its answer was being sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Sending {
    /// Nothing yet.
    Unchanged,
    /// It was edited: its newest text, whether it still names the bot, and
    /// which version that is.
    Edited { text: String, mentions_me: bool, revision: Revision },
    /// It was deleted.
    Deleted,
}

/// One answered question: as the bot read it, the answer the face sent, and
/// which version of the question that answer reflects.
#[derive(Debug, Clone)]
pub struct Answered {
    pub question: ChatMessage,
    pub answer: MessageRef,
    pub revision: Revision,
}

fn question_key(platform: crate::Platform, question: &MessageRef) -> String {
    format!("{}:{}/{}", platform.as_str(), question.channel, question.message)
}

impl Answers {
    /// Remembers that `answer` answers `question` as of `revision`.
    pub fn remember(&self, question: ChatMessage, answer: MessageRef, revision: Revision) {
        let key = question_key(question.context.platform, &question.id);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if !inner.by_question.contains_key(&key) {
            if inner.order.len() >= ANSWERS_REMEMBERED {
                if let Some(old) = inner.order.pop_front() {
                    inner.by_question.remove(&old);
                }
            }
            inner.order.push_back(key.clone());
        }
        inner.by_question.insert(key, Answered { question, answer, revision });
    }

    /// The bot is sending an answer to `question`: until [`Answers::sent`],
    /// its edits and its deletion are kept for the answer (a fast typo fix
    /// must not leave the old answer standing). Bounded like the answers.
    pub fn sending(&self, question: &ChatMessage) {
        let key = question_key(question.context.platform, &question.id);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.sending.insert(key.clone(), Sending::Unchanged).is_none() {
            if inner.sending_order.len() >= ANSWERS_REMEMBERED {
                if let Some(old) = inner.sending_order.pop_front() {
                    inner.sending.remove(&old);
                }
            }
            inner.sending_order.push_back(key);
        }
    }

    /// Records what happened to a question whose answer is on its way (a
    /// question no answer is on its way to is left alone; a deletion is
    /// final; of two edits the newer stays, whichever came last).
    pub fn while_sending(&self, platform: crate::Platform, question: &MessageRef, change: Sending) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = inner.sending.get_mut(&question_key(platform, question)) {
            let newer = match (&*slot, &change) {
                (Sending::Deleted, _) => false,
                (Sending::Edited { revision: kept, .. }, Sending::Edited { revision, .. }) => revision >= kept,
                _ => true,
            };
            if newer {
                *slot = change;
            }
        }
    }

    /// The answer to `question` went out, or could not be sent: what happened
    /// to the question meanwhile (no longer waited for).
    pub fn sent(&self, question: &ChatMessage) -> Sending {
        let key = question_key(question.context.platform, &question.id);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let AnswersInner { sending, sending_order, .. } = &mut *inner;
        let what = sending.remove(&key).unwrap_or(Sending::Unchanged);
        sending_order.retain(|k| *k != key);
        what
    }

    /// The answer to a question, if the bot answered it recently.
    pub fn get(&self, platform: crate::Platform, question: &MessageRef) -> Option<Answered> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.by_question.get(&question_key(platform, question)).cloned()
    }

    /// Forgets every question `user` asked on `platform` (they deleted their
    /// data): their later edits no longer change the answers. Returns how many.
    pub fn forget_user(&self, platform: crate::Platform, user: &str) -> usize {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let before = inner.by_question.len();
        inner.by_question.retain(|_, a| !(a.question.context.platform == platform && a.question.context.user == user));
        let AnswersInner { order, by_question, .. } = &mut *inner;
        order.retain(|k| by_question.contains_key(k));
        before - inner.by_question.len()
    }

    /// Forgets a question (it was deleted); returns its answer.
    pub fn forget(&self, platform: crate::Platform, question: &MessageRef) -> Option<Answered> {
        let key = question_key(platform, question);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let answered = inner.by_question.remove(&key)?;
        inner.order.retain(|k| *k != key);
        Some(answered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_is_first_once_and_the_oldest_are_forgotten_first() {
        let d = Deliveries::default();
        assert!(d.first("a".into()));
        assert!(!d.first("a".into()), "the same id again");
        for i in 0..DELIVERIES_REMEMBERED {
            assert!(d.first(i.to_string()));
        }
        assert!(d.first("a".into()), "forgotten after as many newer ones");
        assert!(!d.first((DELIVERIES_REMEMBERED - 1).to_string()), "the newest are remembered");
    }

    #[test]
    fn a_members_answers_are_forgotten_with_their_data_and_nobody_elses() {
        use crate::request::{Context, Powers};
        let question = |user: &str, id: &str| ChatMessage {
            context: Context {
                platform: crate::Platform::Slack,
                server: Some("T1".into()),
                channel: Some("C1".into()),
                user: user.into(),
                powers: Powers::default(),
            },
            id: MessageRef { channel: "C1".into(), message: id.into() },
            text: "which is faster?".into(),
            mentions_me: true,
            replies_to_me: false,
            replied_subject: None,
        };
        let answer = |id: &str| MessageRef { channel: "C1".into(), message: id.into() };
        let a = Answers::default();
        a.remember(question("U1", "1"), answer("a1"), Revision::ORIGINAL);
        a.remember(question("U1", "2"), answer("a2"), Revision::ORIGINAL);
        a.remember(question("U2", "3"), answer("a3"), Revision::ORIGINAL);
        assert_eq!(a.forget_user(crate::Platform::Discord, "U1"), 0, "another platform's U1");
        assert_eq!(a.forget_user(crate::Platform::Slack, "U1"), 2);
        assert!(a.get(crate::Platform::Slack, &answer("1")).is_none());
        assert_eq!(a.get(crate::Platform::Slack, &answer("3")).map(|x| x.answer), Some(answer("a3")));
        assert_eq!(a.inner.lock().unwrap().order.len(), 1, "the order forgets them too");
    }

    #[test]
    fn cooldown_blocks_then_frees() {
        let p = Duration::from_secs(3);
        let c = Cooldowns::new(p);
        let u = "1";
        let t0 = Instant::now();
        assert!(c.try_take(u, t0, p).is_ok());
        let wait = c.try_take(u, t0 + Duration::from_secs(1), p).unwrap_err();
        assert_eq!(wait, Duration::from_secs(2));
        assert!(c.try_take("2", t0, p).is_ok(), "other users are not affected");
        assert!(c.try_take(u, t0 + Duration::from_secs(3), p).is_ok());
        assert!(c.try_take(u, t0 + Duration::from_secs(4), Duration::ZERO).is_ok(), "a server may turn it off");
    }

    #[test]
    fn feedback_is_one_vote_per_user() {
        let f = Feedback::default();
        let u = "7";
        assert_eq!(f.record("cost", u, Vote::Up), Recorded::New);
        assert_eq!(f.record("cost", u, Vote::Up), Recorded::Same);
        assert_eq!(f.record("cost", u, Vote::Down), Recorded::Changed);
        assert_eq!(f.record("cost", "8", Vote::Down), Recorded::New);
        assert_eq!(f.tally("cost"), (0, 2));
    }
}
