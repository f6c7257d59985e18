//! The bounded in-memory store: for a bot running without a database (none
//! configured, or the configured one unusable at start) and for tests.
//!
//! It keeps the welcome ledger, the question log and votes in memory, each
//! bounded (the oldest forgotten first, counted and logged), so `/kb gaps` and
//! `/kb stats` still report on what this process saw. It does not take
//! settings: a setting it confirmed would be lost at the next restart, so
//! [`Settings::save_settings`](crate::Settings::save_settings) refuses with
//! [`StoreError::NotKept`] and the admin is told nothing changed.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use crate::bounded::BoundedMap;
use crate::keys::{Member, Server};
use crate::records::{Entry, Forgotten, Gap, QuestionRecord, ServerSettings, Stats, Vote};
use crate::similar::group_similar;
use crate::{Result, StoreError, FORGET_AFTER};

/// Members remembered as welcomed (about 100 bytes each).
pub const WELCOMES_KEPT: usize = 100_000;
/// Questions kept in the log (about 300 bytes each).
pub const QUESTIONS_KEPT: usize = 20_000;
/// Votes kept.
pub const VOTES_KEPT: usize = 100_000;

/// The bounded in-memory store.
#[derive(Debug)]
pub struct MemoryStore {
    /// (server, member) → still pending screening.
    welcomes: Mutex<BoundedMap<(Server, Member), bool>>,
    questions: Mutex<Log>,
    /// (topic, member) → the vote.
    votes: Mutex<BoundedMap<(String, Member), Vote>>,
    /// Servers that removed the bot, and when.
    departures: Mutex<HashMap<Server, i64>>,
    /// When the knowledge pack was last reloaded.
    reloaded: Mutex<Option<i64>>,
}

/// The question log: newest last, the oldest forgotten past the bound.
#[derive(Debug, Default)]
struct Log {
    rows: VecDeque<QuestionRecord>,
    forgotten: u64,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn in_server(platform_server: Option<Server>, wanted: Option<&Server>) -> bool {
    wanted.is_none_or(|w| platform_server.as_ref() == Some(w))
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore {
            welcomes: Mutex::new(BoundedMap::new(WELCOMES_KEPT, "welcomed members (no database)")),
            questions: Mutex::new(Log::default()),
            votes: Mutex::new(BoundedMap::new(VOTES_KEPT, "votes (no database)")),
            departures: Mutex::new(HashMap::new()),
            reloaded: Mutex::new(None),
        }
    }

    fn push_question(&self, q: QuestionRecord) {
        let mut log = lock(&self.questions);
        if log.rows.len() >= QUESTIONS_KEPT {
            log.rows.pop_front();
            log.forgotten += 1;
            if log.forgotten.is_power_of_two() {
                tracing::warn!(
                    forgotten = log.forgotten,
                    bound = QUESTIONS_KEPT,
                    "in-memory question log full: the oldest were forgotten"
                );
            }
        }
        log.rows.push_back(q);
    }

    /// Forgets the servers that removed the bot longer than [`FORGET_AFTER`] ago.
    fn sweep_departed(&self) {
        let before = crate::now() - FORGET_AFTER.as_secs() as i64;
        let gone: Vec<Server> = {
            let mut departures = lock(&self.departures);
            let gone = departures.iter().filter(|(_, &at)| at < before).map(|(s, _)| s.clone()).collect();
            departures.retain(|_, at| *at >= before);
            gone
        };
        for server in gone {
            self.forget_now(&server);
        }
    }

    fn forget_now(&self, server: &Server) -> u64 {
        let mut n = 0;
        n += lock(&self.welcomes).retain(|(s, _), _| s != server) as u64;
        n += lock(&self.votes)
            .retain(|_, v| !(v.member.platform == server.platform && v.server.as_ref() == Some(&server.id)))
            as u64;
        let mut log = lock(&self.questions);
        let before = log.rows.len();
        log.rows.retain(|q| q.place.server_key().as_ref() != Some(server));
        n += (before - log.rows.len()) as u64;
        n += u64::from(lock(&self.departures).remove(server).is_some());
        n
    }
}

#[async_trait::async_trait]
impl crate::Settings for MemoryStore {
    async fn all_settings(&self) -> Result<Vec<ServerSettings>> {
        Ok(Vec::new())
    }

    async fn save_settings(&self, _settings: &ServerSettings) -> Result<()> {
        Err(StoreError::NotKept)
    }

    async fn settings_since(&self, _since: i64) -> Result<Vec<ServerSettings>> {
        Ok(Vec::new())
    }

    async fn knowledge_reloaded(&self, at: i64) -> Result<()> {
        let mut last = lock(&self.reloaded);
        *last = Some(last.map_or(at, |l| l.max(at)));
        Ok(())
    }

    async fn last_knowledge_reload(&self) -> Result<Option<i64>> {
        Ok(*lock(&self.reloaded))
    }
}

#[async_trait::async_trait]
impl crate::Welcomes for MemoryStore {
    async fn claim_welcome(&self, server: &Server, member: &Member, pending: bool) -> Result<bool> {
        let mut welcomes = lock(&self.welcomes);
        let key = (server.clone(), member.clone());
        if welcomes.contains_key(&key) {
            return Ok(false);
        }
        welcomes.insert(key, pending);
        Ok(!pending)
    }

    async fn claim_pending_welcome(&self, server: &Server, member: &Member) -> Result<bool> {
        let mut welcomes = lock(&self.welcomes);
        Ok(match welcomes.get_mut(&(server.clone(), member.clone())) {
            Some(pending @ true) => {
                *pending = false;
                true
            }
            _ => false,
        })
    }
}

#[async_trait::async_trait]
impl crate::QuestionLog for MemoryStore {
    fn record(&self, entry: Entry) {
        match entry {
            Entry::Question(q) => self.push_question(q),
            Entry::Vote(v) => {
                lock(&self.votes).insert((v.topic.clone(), v.member.clone()), v);
            }
        }
    }

    async fn departed(&self, server: &Server, at: i64) -> Result<()> {
        lock(&self.departures).entry(server.clone()).or_insert(at);
        self.sweep_departed();
        Ok(())
    }

    async fn returned(&self, server: &Server) -> Result<()> {
        lock(&self.departures).remove(server);
        self.sweep_departed();
        Ok(())
    }

    async fn forget(&self, server: &Server) -> Result<u64> {
        Ok(self.forget_now(server))
    }

    async fn forget_member(&self, member: &Member) -> Result<Forgotten> {
        let welcomes = lock(&self.welcomes).retain(|(_, m), _| m != member) as u64;
        let votes = lock(&self.votes).retain(|(_, m), _| m != member) as u64;
        let mut log = lock(&self.questions);
        let before = log.rows.len();
        log.rows.retain(|q| q.asker.as_ref() != Some(member));
        let questions = (before - log.rows.len()) as u64;
        Ok(Forgotten { questions, votes, welcomes })
    }

    async fn close(&self, _within: Duration) {}
}

#[async_trait::async_trait]
impl crate::Reports for MemoryStore {
    async fn gaps(&self, server: Option<&Server>, since: i64, unsure_below: f32) -> Result<Vec<Gap>> {
        let log = lock(&self.questions);
        let texts = log
            .rows
            .iter()
            .rev()
            .filter(|q| q.asked_at >= since && in_server(q.place.server_key(), server))
            .filter(|q| !q.answered || q.confidence < unsure_below)
            .take(5000)
            .map(|q| (q.text.clone(), q.topic.clone()))
            .collect();
        Ok(group_similar(texts))
    }

    async fn disliked(&self, server: Option<&Server>, since: i64) -> Result<Vec<Gap>> {
        let disliked: HashSet<String> = lock(&self.votes)
            .values()
            .filter(|v| !v.helpful && v.voted_at >= since)
            .filter(|v| in_server(v.server.as_ref().map(|id| Server::new(v.member.platform, id.clone())), server))
            .map(|v| v.topic.clone())
            .collect();
        let log = lock(&self.questions);
        let texts = log
            .rows
            .iter()
            .rev()
            .filter(|q| q.answered && q.asked_at >= since && in_server(q.place.server_key(), server))
            .filter(|q| q.topic.as_ref().is_some_and(|t| disliked.contains(t)))
            .take(5000)
            .map(|q| (q.text.clone(), q.topic.clone()))
            .collect();
        Ok(group_similar(texts))
    }

    async fn stats(&self, server: Option<&Server>, since: i64) -> Result<Stats> {
        let mut stats = Stats::default();
        let mut per_topic: HashMap<String, u64> = HashMap::new();
        for q in lock(&self.questions).rows.iter() {
            if q.asked_at < since || !in_server(q.place.server_key(), server) {
                continue;
            }
            stats.questions += 1;
            stats.answered += u64::from(q.answered);
            if let Some(t) = &q.topic {
                *per_topic.entry(t.clone()).or_default() += 1;
            }
        }
        for v in lock(&self.votes).values() {
            let at = v.server.as_ref().map(|id| Server::new(v.member.platform, id.clone()));
            if v.voted_at >= since && in_server(at, server) {
                if v.helpful {
                    stats.helpful += 1;
                } else {
                    stats.unhelpful += 1;
                }
            }
        }
        stats.welcomes =
            lock(&self.welcomes).iter().filter(|((s, _), pending)| !**pending && server.is_none_or(|w| w == s)).count()
                as u64;
        let mut per_topic: Vec<(String, u64)> = per_topic.into_iter().collect();
        per_topic.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        per_topic.truncate(25);
        stats.per_topic = per_topic;
        Ok(stats)
    }
}

/// Installations are not kept without a database: a workspace told "installed"
/// would lose its token at the next restart.
#[async_trait::async_trait]
impl crate::Installs for MemoryStore {
    async fn save_install(&self, _install: &crate::Install) -> Result<()> {
        Err(StoreError::NotKept)
    }

    async fn install(&self, _team: &str) -> Result<Option<crate::Install>> {
        Ok(None)
    }

    async fn remove_install(&self, _team: &str) -> Result<bool> {
        Ok(false)
    }
}

#[async_trait::async_trait]
impl crate::Deliveries for MemoryStore {
    /// Not shared with any other process: the process's own record decides.
    async fn claim_delivery(&self, _platform: crate::Platform, _id: &str) -> Result<bool> {
        Ok(true)
    }
}

impl crate::Storage for MemoryStore {
    fn describe(&self) -> String {
        "memory (since this process started; nothing is kept across restarts)".to_owned()
    }

    fn durable(&self) -> bool {
        false
    }

    fn retention_days(&self) -> Option<u32> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Platform;
    use crate::records::Place;
    use crate::{QuestionLog, Reports, Settings, Welcomes};

    fn question(server: &str, text: &str, answered: bool) -> Entry {
        Entry::Question(QuestionRecord {
            place: Place { platform: Platform::Discord, server: Some(server.into()), channel: None },
            asker: Some(Member::discord(7)),
            text: text.into(),
            topic: answered.then(|| "performance".to_owned()),
            confidence: if answered { 0.9 } else { 0.2 },
            answered,
            asked_at: crate::now(),
        })
    }

    #[tokio::test]
    async fn memory_welcomes_once_and_releases_a_pending_member_once() {
        let store = MemoryStore::new();
        let (s, m) = (Server::discord(1), Member::discord(2));
        assert!(store.claim_welcome(&s, &m, false).await.unwrap());
        assert!(!store.claim_welcome(&s, &m, false).await.unwrap(), "once");
        let p = Member::discord(3);
        assert!(!store.claim_welcome(&s, &p, true).await.unwrap(), "pending: not yet");
        assert!(store.claim_pending_welcome(&s, &p).await.unwrap());
        assert!(!store.claim_pending_welcome(&s, &p).await.unwrap(), "released once");
        assert_eq!(store.stats(Some(&s), 0).await.unwrap().welcomes, 2);
    }

    #[tokio::test]
    async fn memory_reports_per_server_and_refuses_settings_it_would_lose() {
        let store = MemoryStore::new();
        store.record(question("1", "is rust faster than go", false));
        store.record(question("1", "is rust faster than go?", false));
        store.record(question("2", "which is faster", true));
        let gaps = store.gaps(Some(&Server::discord(1)), 0, 0.5).await.unwrap();
        assert_eq!((gaps.len(), gaps[0].count), (1, 2));
        let all = store.stats(None, 0).await.unwrap();
        assert_eq!((all.questions, all.answered), (3, 1));
        assert_eq!(store.forget(&Server::discord(1)).await.unwrap(), 2);
        assert_eq!(store.stats(None, 0).await.unwrap().questions, 1);
        let err = store.save_settings(&ServerSettings::new(Server::discord(1))).await.unwrap_err();
        assert!(matches!(err, StoreError::NotKept), "{err}");
    }

    #[test]
    fn the_memory_log_is_bounded_and_counts_what_it_forgot() {
        let store = MemoryStore::new();
        for i in 0..QUESTIONS_KEPT + 7 {
            store.record(question("1", &format!("q{i}"), false));
        }
        let log = lock(&store.questions);
        assert_eq!(log.rows.len(), QUESTIONS_KEPT);
        assert_eq!(log.forgotten, 7);
        assert_eq!(log.rows.front().unwrap().text, "q7", "the oldest went first");
    }
}
