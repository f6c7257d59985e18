//! The trained decision: the chooser and the gate that weigh a question's
//! evidence ([`Evidence`]), and the weights `stackpick train` fits for them.
//! Kept apart from [`super::Meaning`], which gathers the evidence, so what is
//! decided can be read (and trained) without the encoder.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::LexicalView;

/// The number of per-entry features the chooser weighs.
pub const ENTRY_FEATURES: usize = 13;
/// The number of features the gate weighs (the first is the constant 1).
pub const GATE_FEATURES: usize = 17;

/// What each chooser feature is, for `--explain` (same order as [`EntryFeatures`]).
pub const ENTRY_FEATURE_NAMES: [&str; ENTRY_FEATURES] = [
    "closest example",
    "three closest examples",
    "centroid",
    "use case and a contender named",
    "lexical score",
    "lexical best",
    "lexical answer",
    "is a use case",
    "is the plain comparison",
    "plain comparison but a subject named",
    "linear reader",
    "linear reader's best",
    "a use case no ask names",
];

/// Where the chooser's features hold "a use case no ask names".
const UNNAMED_USE_CASE: usize = 12;

/// From this many content words on, a question counts as long to the gate.
pub const LONG_QUESTION: usize = 20;

/// What each gate feature is, for `--explain` (same order as [`GateFeatures`]).
pub const GATE_FEATURE_NAMES: [&str; GATE_FEATURES] = [
    "bias",
    "chooser probability",
    "margin over the runner-up",
    "closest example",
    "closest example's margin",
    "distance from the negatives",
    "lexical confidence",
    "lexical answer agrees",
    "lexical answer disagrees",
    "out-of-scope name",
    "no anchor",
    "words explained",
    "linear reader",
    "linear reader's margin",
    "linear reader's off-topic class",
    "question length",
    "a use case no ask names",
];

/// The trained weights: the chooser's, the gate's and the answer threshold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Weights {
    /// What the weights were fitted on, for people reading the file.
    pub trained_on: String,
    /// The fingerprint of the sentence model the features came from.
    pub model: String,
    pub chooser: [f32; ENTRY_FEATURES],
    pub gate: [f32; GATE_FEATURES],
    /// The gate probability from which the engine answers.
    pub threshold: f32,
    /// A lexical answer at least this confident stands without the encoder:
    /// the cascade that keeps most questions at lexical speed (above 1: never).
    #[serde(default = "never")]
    pub lexical_trust: f32,
    /// The threshold and trust for a pack whose entries have fewer than
    /// [`RICH_EXAMPLES`] examples on average: there the words know more.
    #[serde(default = "half")]
    pub threshold_thin: f32,
    #[serde(default = "never")]
    pub lexical_trust_thin: f32,
}

/// From this many examples per entry (on average) a pack's semantic side
/// counts as rich: the fitted `threshold`/`lexical_trust` apply, otherwise the `_thin` pair.
pub const RICH_EXAMPLES: f32 = 10.0;

fn half() -> f32 {
    0.5
}

fn never() -> f32 {
    2.0
}

impl Weights {
    /// The weights shipped with the engine, trained by `stackpick train`.
    pub fn shipped() -> &'static Weights {
        static SHIPPED: LazyLock<Weights> = LazyLock::new(|| {
            serde_json::from_str(include_str!("../../../../../data/semantic/decision.json"))
                .expect("data/semantic/decision.json is valid (tested)")
        });
        &SHIPPED
    }
}

/// One entry's evidence for one question, as the chooser sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EntryFeatures(pub [f32; ENTRY_FEATURES]);

/// The evidence about the chosen entry, as the gate sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GateFeatures(pub [f32; GATE_FEATURES]);

/// One question's evidence for every entry, before the decision.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub per_entry: Vec<EntryFeatures>,
    /// The closest general negative.
    pub negative: f32,
    /// Each entry's closest vector.
    pub sims: Vec<f32>,
    /// Each entry's score from the linear reader.
    pub probe: Vec<f32>,
    /// The linear reader's off-topic score.
    pub probe_off_topic: f32,
    pub lexical: LexicalView,
}

/// The decision for one question.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Entries by the chooser's probability, best first.
    pub ranked: Vec<(usize, f32)>,
    /// The gate's probability that the best entry is right.
    pub confidence: f32,
    pub gate: GateFeatures,
}

/// The chooser's probabilities over entries.
pub fn choose(weights: &[f32; ENTRY_FEATURES], evidence: &Evidence) -> Vec<(usize, f32)> {
    let logits: Vec<f32> = evidence.per_entry.iter().map(|f| dot(weights, &f.0)).collect();
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f32 = exps.iter().sum();
    let mut ranked: Vec<(usize, f32)> = exps.iter().enumerate().map(|(i, e)| (i, e / sum)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
}

/// The gate's inputs for the chooser's best entry.
pub fn gate_features(evidence: &Evidence, ranked: &[(usize, f32)]) -> GateFeatures {
    let (top, p_top) = ranked.first().copied().unwrap_or((0, 0.0));
    let p_second = ranked.get(1).map_or(0.0, |r| r.1);
    let sim_top = evidence.sims.get(top).copied().unwrap_or(0.0);
    let sim_other = evidence.sims.iter().enumerate().filter(|(i, _)| *i != top).map(|(_, s)| *s).fold(-1.0, f32::max);
    let lx = &evidence.lexical;
    let probe_top = evidence.probe.get(top).copied().unwrap_or(0.0);
    let probe_other =
        evidence.probe.iter().enumerate().filter(|(i, _)| *i != top).map(|(_, s)| *s).fold(-1.0, f32::max);
    let explained = if lx.content_words == 0 { 1.0 } else { lx.explained_words as f32 / lx.content_words as f32 };
    GateFeatures([
        1.0,
        p_top,
        p_top - p_second,
        sim_top,
        sim_top - sim_other,
        sim_top - evidence.negative,
        lx.confidence,
        f32::from(lx.answered == Some(top)),
        f32::from(lx.answered.is_some() && lx.answered != Some(top)),
        f32::from(lx.out_of_scope),
        f32::from(lx.no_anchor),
        explained + (lx.contenders.min(2) as f32) / 2.0,
        probe_top,
        probe_top - probe_other,
        evidence.probe_off_topic,
        // A long question says more than the chooser's one pick can hold
        // (context, two questions in one); capped, as length past a
        // paragraph says no more.
        (lx.content_words.min(LONG_QUESTION) as f32) / LONG_QUESTION as f32,
        // A use case that no ask of it names rests on meaning and examples
        // alone: the situation it stands for is easily assumed.
        evidence.per_entry.get(top).map_or(0.0, |f| f.0[UNNAMED_USE_CASE]),
    ])
}

/// Chooses and gates with `weights`.
pub fn decide(weights: &Weights, evidence: &Evidence) -> Decision {
    let ranked = choose(&weights.chooser, evidence);
    let gate = gate_features(evidence, &ranked);
    let confidence = sigmoid(dot(&weights.gate, &gate.0));
    Decision { ranked, confidence, gate }
}

pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two entries: a topic (0) and a use case (1) that the chooser ranks
    /// first; `named`: whether one of the use case's asks matched.
    fn evidence(named: bool, content_words: usize) -> (Evidence, Vec<(usize, f32)>) {
        let topic = EntryFeatures::default();
        let mut use_case = EntryFeatures::default();
        use_case.0[UNNAMED_USE_CASE] = f32::from(!named);
        let lexical = LexicalView { content_words, named: vec![true, named], ..LexicalView::default() };
        let evidence = Evidence {
            per_entry: vec![topic, use_case],
            negative: 0.0,
            sims: vec![0.2, 0.6],
            probe: vec![0.1, 0.4],
            probe_off_topic: -0.5,
            lexical,
        };
        (evidence, vec![(1, 0.7), (0, 0.3)])
    }

    fn feature(gate: &GateFeatures, name: &str) -> f32 {
        gate.0[GATE_FEATURE_NAMES.iter().position(|n| *n == name).unwrap()]
    }

    #[test]
    fn the_gate_sees_a_use_case_that_no_ask_names() {
        let (unnamed, ranked) = evidence(false, 6);
        assert_eq!(feature(&gate_features(&unnamed, &ranked), "a use case no ask names"), 1.0);
        let (named, ranked) = evidence(true, 6);
        assert_eq!(feature(&gate_features(&named, &ranked), "a use case no ask names"), 0.0);
        let (topic_first, _) = evidence(false, 6);
        let topic_ranked = vec![(0, 0.7), (1, 0.3)];
        assert_eq!(
            feature(&gate_features(&topic_first, &topic_ranked), "a use case no ask names"),
            0.0,
            "a topic is no assumed situation"
        );
    }

    #[test]
    fn the_gate_sees_how_long_the_question_is_up_to_a_cap() {
        let length = |words| {
            let (e, ranked) = evidence(true, words);
            feature(&gate_features(&e, &ranked), "question length")
        };
        assert_eq!(length(5), 0.25);
        assert_eq!(length(LONG_QUESTION), 1.0);
        assert_eq!(length(3 * LONG_QUESTION), 1.0, "capped");
    }
}
