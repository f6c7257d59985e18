//! Autocomplete for `/compare` and `/recommend`: ranked, never more than
//! Discord's 25 choices.
//!
//! Ranking tiers: an id or title that starts with what was typed, then a title
//! word that does, then entries whose `asks` contain it or that the engine
//! would answer for it, then entries whose text mentions it. Within a tier the
//! pack's order holds, so editors control it.

use super::index::Target;
use super::Engine;
use crate::knowledge::{Ask, TopicIdx, UseCaseIdx};
use crate::limits;

impl Engine {
    /// Topics for a partly typed `/compare topic:` value, best first.
    pub fn complete_topics(&self, typed: &str) -> Vec<TopicIdx> {
        let pack = self.pack();
        let q = typed.trim().to_lowercase();
        if q.is_empty() {
            let mut out: Vec<TopicIdx> = pack.info.starter_topics.clone();
            out.extend((0..pack.topics.len()).map(TopicIdx).filter(|t| !pack.info.starter_topics.contains(t)));
            out.truncate(limits::CHOICES);
            return out;
        }
        let matched = self.matched_entries(&q);
        let ranked = rank(pack.topics.len(), |i| {
            let t = &pack.topics[i];
            if prefix(&t.id, &q) || prefix(&t.title, &q) {
                Some(0)
            } else if word_prefix(&t.title, &q) {
                Some(1)
            } else if asks_contain(&t.asks, &q) || matched.contains(&i) {
                Some(2)
            } else if contains(&t.summary, &q) || t.points.iter().flatten().any(|p| contains(p, &q)) {
                Some(3)
            } else {
                None
            }
        });
        ranked.into_iter().map(TopicIdx).collect()
    }

    /// Use cases for a partly typed `/recommend use_case:` value, best first.
    pub fn complete_use_cases(&self, typed: &str) -> Vec<UseCaseIdx> {
        let pack = self.pack();
        let q = typed.trim().to_lowercase();
        if q.is_empty() {
            return (0..pack.use_cases.len().min(limits::CHOICES)).map(UseCaseIdx).collect();
        }
        let n_topics = pack.topics.len();
        let matched = self.matched_entries(&q);
        let ranked = rank(pack.use_cases.len(), |i| {
            let u = &pack.use_cases[i];
            if prefix(&u.id, &q) || prefix(&u.name, &q) {
                Some(0)
            } else if word_prefix(&u.name, &q) {
                Some(1)
            } else if asks_contain(&u.asks, &q) || matched.contains(&(n_topics + i)) {
                Some(2)
            } else if contains(&u.reason, &q) || contains(&u.consider, &q) {
                Some(3)
            } else {
                None
            }
        });
        ranked.into_iter().map(UseCaseIdx).collect()
    }

    /// The use case a free-text `/recommend use_case:` value names: its id or
    /// name, else the use case the engine scores best for the text.
    pub fn find_use_case(&self, text: &str) -> Option<UseCaseIdx> {
        let pack = self.pack();
        let q = text.trim().to_lowercase();
        if let Some(i) = pack.use_cases.iter().position(|u| u.id == q || u.name.to_lowercase() == q) {
            return Some(UseCaseIdx(i));
        }
        let n_topics = pack.topics.len();
        let reading = self.index.read(text);
        let contenders = super::mentioned_contenders(&reading.hits);
        let mut scores = self.score(&reading, &contenders, true);
        scores.retain(|s| s.entry >= n_topics);
        scores.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.first.cmp(&b.first)));
        scores.first().map(|s| UseCaseIdx(s.entry - n_topics))
    }

    /// Entries the engine finds any evidence for in `text`.
    fn matched_entries(&self, text: &str) -> Vec<usize> {
        let reading = self.index.read(text);
        reading
            .hits
            .iter()
            .filter_map(|h| match h.target {
                Target::Entry(e) => Some(e),
                _ => None,
            })
            .collect()
    }
}

fn rank(n: usize, tier: impl Fn(usize) -> Option<u8>) -> Vec<usize> {
    let mut ranked: Vec<(u8, usize)> = (0..n).filter_map(|i| tier(i).map(|t| (t, i))).collect();
    ranked.sort();
    ranked.truncate(limits::CHOICES);
    ranked.into_iter().map(|(_, i)| i).collect()
}

fn prefix(text: &str, q: &str) -> bool {
    text.to_lowercase().starts_with(q)
}

fn word_prefix(text: &str, q: &str) -> bool {
    text.to_lowercase().split(|c: char| !c.is_alphanumeric()).any(|w| !w.is_empty() && w.starts_with(q))
}

fn contains(text: &str, q: &str) -> bool {
    q.chars().count() >= 3 && text.to_lowercase().contains(q)
}

fn asks_contain(asks: &[Ask], q: &str) -> bool {
    asks.iter().any(|a| match a {
        Ask::Words { text, .. } => text.starts_with(q) || (q.chars().count() >= 3 && text.contains(q)),
        Ask::Pattern { regex, .. } => regex.is_match(q),
    })
}
