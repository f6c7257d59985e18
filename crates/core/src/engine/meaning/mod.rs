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

mod cascade;
mod decision;
mod parts;
pub use cascade::*;
pub use decision::*;
pub use parts::{parts, QuestionVectors, MAX_PARTS, PART_WORDS};

use super::probe::Probe;
use super::semantic::{cosine, Encoder, DIM};
use crate::knowledge::{Pack, StoredVectors};

/// The semantic side of an engine: the encoder and every entry's vectors.
pub struct Meaning {
    encoder: Arc<Encoder>,
    /// Per entry (topics, then use cases), its vectors.
    entries: Vec<Vec<Arc<[f32]>>>,
    /// Per entry, the normalised mean of its vectors.
    centroids: Vec<Vec<f32>>,
    negatives: Vec<Arc<[f32]>>,
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

fn memo_get(text: &str) -> Option<Arc<Vec<f32>>> {
    MEMO.lock().unwrap_or_else(|p| p.into_inner()).get(text).cloned()
}

fn memo_put(text: &str, v: Arc<Vec<f32>>) {
    MEMO.lock().unwrap_or_else(|p| p.into_inner()).insert(text.to_owned(), v);
}

fn memo_encode(encoder: &Encoder, text: &str) -> Arc<Vec<f32>> {
    if let Some(v) = memo_get(text) {
        return v;
    }
    let v = Arc::new(encoder.encode(text));
    memo_put(text, v.clone());
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
        // Stored vectors are shared with the pack's store, not copied.
        let mut vector = |text: &str| -> Arc<[f32]> {
            let stored = pack.vectors.as_ref().and_then(|v| v.shared(model, text));
            match stored.or_else(|| stored_negatives().shared(model, text)) {
                Some(v) => v,
                None => {
                    encoded += 1;
                    Arc::from(memo_encode(&encoder, text).as_slice())
                }
            }
        };
        // Per entry (topics, then use cases), its name and examples.
        let entry_texts: Vec<Vec<&str>> = pack
            .topics
            .iter()
            .map(|t| (t.title.as_str(), &t.examples))
            .chain(pack.use_cases.iter().map(|u| (u.name.as_str(), &u.examples)))
            .map(|(name, examples)| std::iter::once(name).chain(examples.iter().map(String::as_str)).collect())
            .collect();
        let entries: Vec<Vec<Arc<[f32]>>> =
            entry_texts.iter().map(|texts| texts.iter().map(|t| vector(t)).collect()).collect();
        let mut texts: Vec<&str> = negative_lines().collect();
        texts.extend(pack.negatives.iter().map(String::as_str));
        let negatives: Vec<Arc<[f32]>> = texts.iter().map(|x| vector(x)).collect();
        if encoded > 0 {
            tracing::info!(
                encoded,
                "texts had no stored vector and were encoded at load; `stackpick vectors` stores them"
            );
        }
        let centroids = entries
            .iter()
            .map(|vs: &Vec<Arc<[f32]>>| {
                let mut c = vec![0.0f32; DIM];
                for v in vs {
                    c.iter_mut().zip(v.iter()).for_each(|(a, b)| *a += b);
                }
                super::semantic::normalise(&mut c);
                c
            })
            .collect();
        let examples: usize = entries.iter().map(|v: &Vec<Arc<[f32]>>| v.len().saturating_sub(1)).sum();
        let rich = examples as f32 >= RICH_EXAMPLES * entries.len().max(1) as f32;
        // The linear reader's samples: every entry's texts, then the negatives as the off-topic class.
        let mut labelled: Vec<(&str, &[f32], usize)> = Vec::new();
        for (e, (texts, vs)) in entry_texts.iter().zip(&entries).enumerate() {
            labelled.extend(texts.iter().zip(vs).map(|(t, v)| (*t, &**v, e)));
        }
        labelled.extend(texts.iter().zip(&negatives).map(|(t, v)| (*t, &**v, entries.len())));
        let probe = match Probe::fit(&labelled, entries.len() + 1) {
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

    /// The vectors of a question and of its [`parts`], computed in one pass of
    /// the encoder (its weights are read once for all of them). `whole` is the
    /// question's vector when the caller has it stored. `remembered`
    /// (training and evaluation ask the same questions of many engines):
    /// vectors computed once in this process are reused and kept; otherwise
    /// (a question from chat) everything is computed afresh.
    pub fn question_vectors(&self, question: &str, whole: Option<Vec<f32>>, remembered: bool) -> QuestionVectors {
        let texts: Vec<&str> = std::iter::once(question).chain(parts(question)).collect();
        let mut vectors: Vec<Option<Vec<f32>>> = texts
            .iter()
            .map(|text| match remembered {
                true => memo_get(text).map(|v| v.to_vec()),
                false => None,
            })
            .collect();
        if whole.is_some() {
            vectors[0] = whole;
        }
        let missing: Vec<&str> = texts.iter().zip(&vectors).filter(|(_, v)| v.is_none()).map(|(t, _)| *t).collect();
        let mut computed = self.encoder.encode_all(&missing).into_iter();
        for (text, slot) in texts.iter().zip(&mut vectors) {
            if slot.is_none() {
                let v = computed.next().expect("one vector per missing text");
                if remembered {
                    memo_put(text, Arc::new(v.clone()));
                }
                *slot = Some(v);
            }
        }
        let mut vectors = vectors.into_iter().flatten();
        let whole = vectors.next().expect("the whole question's vector");
        QuestionVectors { whole, parts: vectors.collect() }
    }

    /// Replaces the decision weights.
    pub fn set_weights(&mut self, weights: Weights) {
        self.weights = weights;
    }

    /// Every entry's chooser features and the gate's inputs for one question.
    pub fn features(&self, question_text: &str, vectors: &QuestionVectors, lexical: &LexicalView) -> Evidence {
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
        let probe = self.probe.as_ref().map_or_else(|| vec![0.0; n + 1], |p| p.scores(question_text, question));
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
                    f32::from(e >= self.n_topics && !lexical.named.get(e).copied().unwrap_or(false)),
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
