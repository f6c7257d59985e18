//! In-memory state the command layer keeps between events: per-user cooldowns
//! and "helpful?" votes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serenity::model::id::UserId;

use super::custom_id::Vote;

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
    pub fn try_take(&self, user: UserId, now: Instant, period: Duration) -> Result<(), Duration> {
        if period.is_zero() {
            return Ok(());
        }
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&(at, _)) = last.get(&user) {
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
        last.insert(user, (now, false));
        Ok(())
    }

    /// Whether to tell `user`, who is in their cooldown, to slow down: true
    /// once per cooldown window.
    pub fn notice_once(&self, user: UserId) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        match last.get_mut(&user) {
            Some((_, told)) if !*told => {
                *told = true;
                true
            }
            _ => false,
        }
    }
}

/// A map that forgets its oldest entries past a bound, a tenth at a time.
///
/// The bot's in-memory records (votes; welcomes when there is no database)
/// must not grow with every member it ever sees. What is forgotten is counted
/// and logged: a vote forgotten may be cast again, a member forgotten may be
/// welcomed again if seen again.
#[derive(Debug)]
pub struct BoundedMap<K, V> {
    map: indexmap::IndexMap<K, V>,
    bound: usize,
    forgotten: u64,
    what: &'static str,
}

impl<K: std::hash::Hash + Eq, V> BoundedMap<K, V> {
    /// A map of at most `bound` entries; `what` names them in the log.
    pub fn new(bound: usize, what: &'static str) -> Self {
        BoundedMap { map: indexmap::IndexMap::new(), bound: bound.max(1), forgotten: 0, what }
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.map.get_mut(key)
    }

    pub fn contains_key(&self, key: &K) -> bool {
        self.map.contains_key(key)
    }

    /// Inserts (or replaces) an entry, first forgetting the oldest tenth when full.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if !self.map.contains_key(&key) && self.map.len() >= self.bound {
            let n = (self.bound / 10).max(1);
            self.map.drain(..n);
            self.forgotten += n as u64;
            tracing::warn!(
                forgotten = self.forgotten,
                bound = self.bound,
                what = self.what,
                "in-memory records full: the oldest were forgotten"
            );
        }
        self.map.insert(key, value)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// How many entries were forgotten so far.
    pub fn forgotten(&self) -> u64 {
        self.forgotten
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
    pub fn record(&self, topic: &str, user: UserId, vote: Vote) -> Recorded {
        let mut votes = self.votes.lock().unwrap_or_else(|e| e.into_inner());
        match votes.insert((topic.to_owned(), user), vote) {
            None => Recorded::New,
            Some(old) if old == vote => Recorded::Same,
            Some(_) => Recorded::Changed,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounded_map_forgets_its_oldest_and_counts_them() {
        let mut m = BoundedMap::new(10, "test entries");
        for k in 0..25u32 {
            m.insert(k, k * 2);
        }
        assert!(m.len() <= 10, "{}", m.len());
        assert!(m.contains_key(&24), "the newest stays");
        assert!(!m.contains_key(&0), "the oldest goes");
        assert_eq!(m.forgotten() as usize + m.len(), 25, "every entry is kept or counted");
        // Replacing an entry that is there forgets nothing.
        let before = m.forgotten();
        m.insert(24, 0);
        assert_eq!(m.forgotten(), before);
    }

    #[test]
    fn cooldown_blocks_then_frees() {
        let p = Duration::from_secs(3);
        let c = Cooldowns::new(p);
        let u = UserId::new(1);
        let t0 = Instant::now();
        assert!(c.try_take(u, t0, p).is_ok());
        let wait = c.try_take(u, t0 + Duration::from_secs(1), p).unwrap_err();
        assert_eq!(wait, Duration::from_secs(2));
        assert!(c.try_take(UserId::new(2), t0, p).is_ok(), "other users are not affected");
        assert!(c.try_take(u, t0 + Duration::from_secs(3), p).is_ok());
        assert!(c.try_take(u, t0 + Duration::from_secs(4), Duration::ZERO).is_ok(), "a server may turn it off");
    }

    #[test]
    fn feedback_is_one_vote_per_user() {
        let f = Feedback::default();
        let u = UserId::new(7);
        assert_eq!(f.record("cost", u, Vote::Up), Recorded::New);
        assert_eq!(f.record("cost", u, Vote::Up), Recorded::Same);
        assert_eq!(f.record("cost", u, Vote::Down), Recorded::Changed);
        assert_eq!(f.record("cost", UserId::new(8), Vote::Down), Recorded::New);
        assert_eq!(f.tally("cost"), (0, 2));
    }
}
