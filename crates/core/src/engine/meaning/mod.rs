//! Reading for meaning, and the trained decision that joins it to the words.
//!
//! Every entry is represented by the sentence vectors of its examples and of
//! its own name; a question's semantic evidence for an entry is its closest
//! vector. The lexical reading ([`super::index`]) still runs first and brings
//! what it does well: contender names, anchors, out-of-scope names, exact
//! asks. Two small trained models then decide:
//!
//! 1. the **chooser**, a conditional logit over entries whose features are the
//!    semantic and lexical evidence for each entry ([`EntryFeatures`]), among
//!    them the score of a linear reader fitted to this pack at load
//!    ([`super::probe`]): nearest examples alone let one odd example decide;
//! 2. the **gate**, a logistic regression that predicts whether the chosen entry
//!    is right ([`GateFeatures`]): it refuses off-topic questions and doubtful
//!    answers alike, and its probability is the confidence shown. It sees how
//!    close the question is to the engine's general negatives (ordinary chat,
//!    other subjects: `data/semantic/negatives.txt`, language data for every pack).
//!
//! A question of several clauses is also read clause by clause
//! ([`QuestionVectors`]): chat puts the ask in one clause and the story
//! around it in the others ("we're three months into the app and the bill keeps
//! growing, is a cheaper plan worth the move?"), and one vector of the whole
//! blurs the two. An entry's
//! similarity is its best over the whole and each clause, and so is the
//! closeness to the general negatives.
//!
//! The weights are few and about evidence, not about any pack's subject, so
//! the same weights serve every pack; `stackpick train` fits them on the
//! shipped pack's tune split (`data/semantic/decision.json`).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

mod decision;
pub use decision::*;

use super::probe::{Probe, RIDGE};
use super::semantic::{cosine, Encoder, DIM};
use crate::knowledge::{Pack, StoredVectors};

/// What the lexical reading concluded, as the semantic decision needs it.
#[derive(Debug, Clone, Default)]
pub struct LexicalView {
    /// Each entry's lexical score (0 when it has no evidence).
    pub scores: Vec<f32>,
    /// The entry the lexical decision answered with, if it answered.
    pub answered: Option<usize>,
    /// The lexical confidence (also for a refusal).
    pub confidence: f32,
    /// The lexical reading found a technology outside the pack.
    pub out_of_scope: bool,
    /// Nothing anchors the question to the pack's subject.
    pub no_anchor: bool,
    /// How many contenders the question names.
    pub contenders: usize,
    /// The question's words that are content words.
    pub content_words: usize,
    /// Content words the pack's vocabulary or subject covers.
    pub explained_words: usize,
}

impl LexicalView {
    /// Whether the words' answer stands without the encoder: the cascade's
    /// one rule, for answering, training and `--explain` alike. A lexical
    /// answer from `trust` on stands, and so does a lexical answer to a
    /// short question: "which is faster?" or "A or B for a chat app?" is what
    /// the lexical index was built for, and the encoder is at its weakest on a
    /// few words — unless the words nearly tie between two entries, where
    /// they settle nothing and the gate decides (often "not sure", with both
    /// offered). The tie's width was chosen on the tune split's
    /// cross-validation (0.9, 0.8, 0.7 tried; 0.8 answered the most right).
    pub fn stands(&self, trust: f32) -> bool {
        self.answered.is_some()
            && (self.confidence >= trust || (self.content_words <= SHORT_QUESTION && !self.near_tie()))
    }

    /// The runner-up scores within [`NEAR_TIE`] of the best: the words alone
    /// cannot tell the two apart ("better concurrency support": architecture
    /// or support?), so a short question is not settled by them.
    pub fn near_tie(&self) -> bool {
        let mut top = [0f32; 2];
        for &s in &self.scores {
            if s > top[0] {
                top = [s, top[0]];
            } else if s > top[1] {
                top[1] = s;
            }
        }
        top[0] > 0.0 && top[1] >= NEAR_TIE * top[0]
    }
}

/// How close the runner-up's lexical score may come to the best (as a share
/// of it) before the words alone no longer settle a short question (see
/// [`LexicalView::stands`]).
pub const NEAR_TIE: f32 = 0.8;

/// The most content words a question may have to count as short (see [`LexicalView::stands`]).
pub const SHORT_QUESTION: usize = 5;

/// A clause counts as a part of its question from this many words on:
/// shorter pieces ("thanks.", "any ideas?") say nothing of their own. Chosen
/// on the tune split's cross-validation (3, 4 and 5 tried; 4 answered the most right).
pub const PART_WORDS: usize = 4;

/// The most clauses of one question read apart: each costs an encoding,
/// and a question is cut at [`crate::limits::QUESTION_CHARS`] characters,
/// which could hold dozens. No question of the corpus has more than six.
pub const MAX_PARTS: usize = 6;

/// The clauses of `question` read apart from the whole: none when it has
/// fewer than two parts of [`PART_WORDS`] words. A clause ends at `?`, `!`,
/// `;`, a comma, a line break, or a full stop followed by a space (so
/// "vue.js" and "3.11" stay whole). Clauses rather than sentences: on the
/// tune split's cross-validation, splitting at commas too answered more
/// questions right (775 against 766 of 1,028).
pub fn parts(question: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = question.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ends = match c {
            '?' | '!' | ';' | '\n' | ',' => true,
            '.' => chars.peek().is_none_or(|(_, next)| next.is_whitespace()),
            _ => false,
        };
        if ends || chars.peek().is_none() {
            let end = if ends { i } else { i + c.len_utf8() };
            out.push(question[start..end].trim());
            start = i + c.len_utf8();
        }
    }
    out.retain(|p| p.split_whitespace().count() >= PART_WORDS);
    if out.len() < 2 {
        return Vec::new();
    }
    out.truncate(MAX_PARTS);
    out
}

/// A question's sentence vectors: the whole, and each of its [`parts`].
#[derive(Debug, Clone, Default)]
pub struct QuestionVectors {
    pub whole: Vec<f32>,
    pub parts: Vec<Vec<f32>>,
}

impl QuestionVectors {
    /// The best cosine of the whole or any part with `v`.
    fn closest(&self, v: &[f32]) -> f32 {
        self.parts.iter().map(|p| cosine(p, v)).fold(cosine(&self.whole, v), f32::max)
    }
}

/// The semantic side of an engine: the encoder and every entry's vectors.
pub struct Meaning {
    encoder: Arc<Encoder>,
    /// Per entry (topics, then use cases), its vectors.
    entries: Vec<Vec<Vec<f32>>>,
    /// Per entry, the normalised mean of its vectors.
    centroids: Vec<Vec<f32>>,
    negatives: Vec<Vec<f32>>,
    /// Entries from this index on are use cases.
    n_topics: usize,
    /// The plain comparison ("which is better?"), which every comparison resembles.
    default_entry: usize,
    /// The entries average at least [`RICH_EXAMPLES`] examples.
    rich: bool,
    /// The linear reader fitted on the entries' vectors; its last class is off-topic.
    probe: Option<Probe>,
    weights: Weights,
}

impl std::fmt::Debug for Meaning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Meaning").field("entries", &self.entries.len()).field("encoder", &self.encoder).finish()
    }
}

/// Sentence vectors already computed in this process, by text: packs are
/// rebuilt (reloads, cross-validation folds) far more often than they change.
static MEMO: LazyLock<Mutex<HashMap<String, Arc<Vec<f32>>>>> = LazyLock::new(Default::default);

fn memo_encode(encoder: &Encoder, text: &str) -> Arc<Vec<f32>> {
    if let Some(v) = MEMO.lock().unwrap_or_else(|p| p.into_inner()).get(text) {
        return v.clone();
    }
    let v = Arc::new(encoder.encode(text));
    MEMO.lock().unwrap_or_else(|p| p.into_inner()).insert(text.to_owned(), v.clone());
    v
}

/// The general negatives, one per line (`#` comments).
fn negative_lines() -> impl Iterator<Item = &'static str> {
    include_str!("../../../../../data/semantic/negatives.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The general negatives' stored vectors (`stackpick vectors --negatives`):
/// engine data, read from the binary; empty when the file was never written.
fn stored_negatives() -> &'static StoredVectors {
    static STORED: LazyLock<StoredVectors> = LazyLock::new(|| {
        StoredVectors::from_bytes(include_bytes!("../../../../../data/semantic/negatives.bin")).unwrap_or_default()
    });
    &STORED
}

/// The texts whose vectors a pack's semantic side needs: every entry's name
/// and examples, then the pack's own near-miss negatives.
pub fn pack_texts(pack: &Pack) -> Vec<&str> {
    let mut texts = Vec::new();
    for t in &pack.topics {
        texts.push(t.title.as_str());
        texts.extend(t.examples.iter().map(String::as_str));
    }
    for u in &pack.use_cases {
        texts.push(u.name.as_str());
        texts.extend(u.examples.iter().map(String::as_str));
    }
    texts.extend(pack.negatives.iter().map(String::as_str));
    texts
}

/// The engine's general negatives.
pub fn negative_texts() -> Vec<&'static str> {
    negative_lines().collect()
}

impl Meaning {
    /// Builds every entry's vectors: stored ones (the pack's `vectors.bin`, the
    /// engine's negatives) when they come from this encoder's model, the rest
    /// encoded now (vectors computed before in this process are reused).
    pub fn new(pack: &Pack, encoder: Arc<Encoder>, weights: Weights) -> Meaning {
        let model = encoder.fingerprint();
        let mut encoded = 0usize;
        let mut vector = |text: &str| -> Vec<f32> {
            let stored = pack.vectors.as_ref().and_then(|v| v.get(model, text));
            match stored.or_else(|| stored_negatives().get(model, text)) {
                Some(v) => v.to_vec(),
                None => {
                    encoded += 1;
                    memo_encode(&encoder, text).to_vec()
                }
            }
        };
        let mut entries = Vec::with_capacity(pack.topics.len() + pack.use_cases.len());
        for t in &pack.topics {
            let texts = std::iter::once(t.title.as_str()).chain(t.examples.iter().map(String::as_str));
            entries.push(texts.map(&mut vector).collect());
        }
        for u in &pack.use_cases {
            let texts = std::iter::once(u.name.as_str()).chain(u.examples.iter().map(String::as_str));
            entries.push(texts.map(&mut vector).collect());
        }
        let mut texts: Vec<&str> = negative_lines().collect();
        texts.extend(pack.negatives.iter().map(String::as_str));
        let negatives: Vec<Vec<f32>> = texts.iter().map(|x| vector(x)).collect();
        if encoded > 0 {
            tracing::info!(
                encoded,
                "texts had no stored vector and were encoded at load; `stackpick vectors` stores them"
            );
        }
        let centroids = entries
            .iter()
            .map(|vs: &Vec<Vec<f32>>| {
                let mut c = vec![0.0f32; DIM];
                for v in vs {
                    c.iter_mut().zip(v).for_each(|(a, b)| *a += b);
                }
                super::semantic::normalise(&mut c);
                c
            })
            .collect();
        let examples: usize = entries.iter().map(|v: &Vec<Vec<f32>>| v.len().saturating_sub(1)).sum();
        let rich = examples as f32 >= RICH_EXAMPLES * entries.len().max(1) as f32;
        let labelled = entries
            .iter()
            .enumerate()
            .flat_map(|(e, vs)| vs.iter().map(move |v| (v.as_slice(), e)))
            .chain(negatives.iter().map(|v| (v.as_slice(), entries.len())));
        let probe = match Probe::fit(labelled, entries.len() + 1, RIDGE) {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::warn!(error = %e, "the linear reader could not be fitted; deciding without it");
                None
            }
        };
        Meaning {
            encoder,
            entries,
            centroids,
            negatives,
            n_topics: pack.topics.len(),
            default_entry: pack.info.default_topic.0,
            rich,
            probe,
            weights,
        }
    }

    /// The weights this engine decides with.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// The (threshold, lexical trust) pair for this pack: see [`RICH_EXAMPLES`].
    pub fn cascade(&self, weights: &Weights) -> (f32, f32) {
        if self.rich {
            (weights.threshold, weights.lexical_trust)
        } else {
            (weights.threshold_thin, weights.lexical_trust_thin)
        }
    }

    /// The encoder.
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// The question's vector, computed afresh (answers are never cached).
    pub fn encode(&self, question: &str) -> Vec<f32> {
        self.encoder.encode(question)
    }

    /// The vectors of the question's [`parts`], computed afresh, or
    /// remembered for the process (training and evaluation).
    pub fn encode_parts(&self, question: &str, remembered: bool) -> Vec<Vec<f32>> {
        parts(question)
            .into_iter()
            .map(|p| if remembered { self.encode_remembered(p) } else { self.encode(p) })
            .collect()
    }

    /// The question's vector, remembered for the rest of the process
    /// (training and evaluation ask the same questions of many engines).
    pub fn encode_remembered(&self, question: &str) -> Vec<f32> {
        memo_encode(&self.encoder, question).to_vec()
    }

    /// Replaces the decision weights.
    pub fn set_weights(&mut self, weights: Weights) {
        self.weights = weights;
    }

    /// Every entry's chooser features and the gate's inputs for one question.
    pub fn features(&self, vectors: &QuestionVectors, lexical: &LexicalView) -> Evidence {
        let question = vectors.whole.as_slice();
        debug_assert_eq!(question.len(), DIM);
        // Per entry: its closest vector, the mean of its three closest, the centroid's cosine.
        let sims: Vec<(f32, f32, f32)> = self
            .entries
            .iter()
            .zip(&self.centroids)
            .map(|(vs, centroid)| {
                let mut top = [-1.0f32; 3];
                for v in vs {
                    let c = vectors.closest(v);
                    if c > top[2] {
                        top[2] = c;
                        top.sort_by(|a, b| b.total_cmp(a));
                    }
                }
                let found = vs.len().clamp(1, 3);
                let mean3 = top.iter().take(found).sum::<f32>() / found as f32;
                (top[0], mean3, cosine(question, centroid))
            })
            .collect();
        // The linear reader (on the whole question: taking its best over the
        // parts as well answered fewer tune questions right): each entry's score, the best entry's, and the off-topic class's.
        let n = self.entries.len();
        let probe = self.probe.as_ref().map_or_else(|| vec![0.0; n + 1], |p| p.scores(question));
        let probe_top = (0..n).max_by(|&a, &b| probe[a].total_cmp(&probe[b]));
        let lexical_top = lexical
            .scores
            .iter()
            .enumerate()
            .filter(|(_, s)| **s > 0.0)
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i);
        // The strongest lexical evidence for a specific entry: a question that
        // names a subject is not the plain comparison, however alike it sounds.
        let specific = lexical
            .scores
            .iter()
            .enumerate()
            .filter(|(e, _)| *e != self.default_entry)
            .map(|(_, s)| 1.0 - (-s / 0.8).exp())
            .fold(0.0, f32::max);
        let per_entry = sims
            .iter()
            .enumerate()
            .map(|(e, &(best, mean3, centroid))| {
                let lex = lexical.scores.get(e).copied().unwrap_or(0.0);
                EntryFeatures([
                    best,
                    mean3,
                    centroid,
                    f32::from(lexical.contenders > 0) * f32::from(e >= self.n_topics),
                    1.0 - (-lex / 0.8).exp(),
                    f32::from(lexical_top == Some(e)),
                    f32::from(lexical.answered == Some(e)),
                    f32::from(e >= self.n_topics),
                    f32::from(e == self.default_entry),
                    f32::from(e == self.default_entry) * specific,
                    probe[e],
                    f32::from(probe_top == Some(e)),
                ])
            })
            .collect();
        let negative = self.negatives.iter().map(|v| vectors.closest(v)).fold(-1.0, f32::max);
        Evidence {
            per_entry,
            negative,
            sims: sims.iter().map(|s| s.0).collect(),
            probe_off_topic: probe[n],
            probe: probe[..n].to_vec(),
            lexical: lexical.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(answered: bool, confidence: f32, content_words: usize) -> LexicalView {
        LexicalView { answered: answered.then_some(0), confidence, content_words, ..LexicalView::default() }
    }

    #[test]
    fn a_question_of_several_clauses_is_read_in_parts() {
        assert_eq!(
            parts("we're three months into a vue.js app. does the bundle size matter on version 3.11?"),
            ["we're three months into a vue.js app", "does the bundle size matter on version 3.11"],
            "a full stop ends a sentence only before a space or the end"
        );
        assert_eq!(
            parts("quick one! which is faster for a rest api; and which is easier to hire for, honestly\nthanks"),
            ["which is faster for a rest api", "and which is easier to hire for"],
            "pieces under four words are no part"
        );
        assert!(
            parts("for a chat app with many open sockets, which is faster, this or that?").is_empty(),
            "one clause of four words or more is the whole question, read once"
        );
        assert_eq!(
            parts("for a chat app with many open sockets, which of the two is faster"),
            ["for a chat app with many open sockets", "which of the two is faster"],
            "a comma ends a clause"
        );
        assert!(parts("which is faster, this or that?").is_empty(), "one part is read whole only");
        let long = "is this a question of its own? ".repeat(20);
        assert_eq!(parts(&long).len(), MAX_PARTS, "the encodings per question are bounded");
    }

    #[test]
    fn the_words_stand_when_sure_or_short() {
        let trust = 0.85;
        assert!(view(true, 0.9, 20).stands(trust), "a sure answer to a long question");
        assert!(!view(true, 0.7, 20).stands(trust), "a doubtful answer to a long question");
        assert!(view(true, 0.5, SHORT_QUESTION).stands(trust), "a short question the words answer");
        assert!(!view(true, 0.5, SHORT_QUESTION + 1).stands(trust), "one word more is not short");
        assert!(!view(false, 0.95, 3).stands(trust), "no lexical answer");
    }
}
