//! `stackpick ask --explain`: how a question was read and why it got its answer.

use super::*;

impl Engine {
    /// How the engine read a question: its words, every term it matched and
    /// each entry's score. For pack editors tuning `asks` (`stackpick ask --explain`).
    pub fn explain(&self, question: &str) -> String {
        use std::fmt::Write;
        let r = self.index.read(question);
        let mut out = String::new();
        let marked: Vec<String> =
            r.words.iter().zip(&r.content).map(|(w, &c)| if c { w.clone() } else { format!("({w})") }).collect();
        let _ = writeln!(out, "words: {}", marked.join(" "));
        for h in &r.hits {
            let what = match h.target {
                Target::Entry(e) => self.entry_name(e),
                Target::Contender(c) => format!("contender {}", self.pack.contender(c).id),
                Target::PickCue => "pick cue".into(),
                Target::RecommendCue => "recommend cue".into(),
                Target::OutOfScope(i) => format!("out of scope: {}", self.pack.vocabulary.out_of_scope[i]),
            };
            let span = r.words[h.start..h.start + h.len].join(" ");
            let fixed = if h.corrected { " (typo fixed)" } else { "" };
            let _ = writeln!(out, "  \"{span}\" → {what} ({:.2}){fixed}", h.weight);
        }
        for near in r.nearest.iter().take(3) {
            let _ = writeln!(
                out,
                "  closest example of {}: \"{}\" (similarity {:.2})",
                self.entry_name(near.entry),
                self.index.example_text(near.example),
                near.similarity
            );
        }
        let ordinary: Vec<&str> = (0..r.words.len()).filter(|&w| r.ordinary[w]).map(|w| r.words[w].as_str()).collect();
        if !ordinary.is_empty() {
            let _ = writeln!(out, "ordinary words (neither for nor against): {}", ordinary.join(" "));
        }
        let contenders = mentioned_contenders(&r.hits);
        let any_cue = r.hits.iter().any(|h| matches!(h.target, Target::PickCue | Target::RecommendCue));
        if !r.words.is_empty() && !self.anchored(&r, &contenders, any_cue) {
            let _ = writeln!(
                out,
                "refused: no anchor (no contender, no subject word, and not an implicit comparison without foreign words)"
            );
        }
        let cue = r.hits.iter().any(|h| matches!(h.target, Target::PickCue | Target::RecommendCue));
        let mut scores = self.score(&r, &contenders, cue);
        scores.sort_by(|a, b| b.score.total_cmp(&a.score));
        for s in scores.iter().take(5) {
            let _ = writeln!(out, "score {:.2} {}", s.score, self.entry_name(s.entry));
        }
        let answer = self.answer(question);
        let decision = match &answer.outcome {
            Outcome::Topic { topic, .. } => format!("answered: topic {}", self.pack.topic(*topic).id),
            Outcome::UseCase { use_case, .. } => format!("answered: use case {}", self.pack.use_case(*use_case).id),
            Outcome::Unsure(Unsure::Empty) => "refused: nothing to read".into(),
            Outcome::Unsure(Unsure::OutOfScope(names)) => format!("refused: out of scope ({})", names.join(", ")),
            Outcome::Unsure(Unsure::NoAnchor) => "refused: no anchor".into(),
            Outcome::Unsure(Unsure::SameSide { contender, names }) => {
                format!("refused: {} are both {contender}", names.join(" and "))
            }
            Outcome::Unsure(Unsure::Language(l)) => format!("refused: not in {l}"),
            Outcome::Unsure(Unsure::Ambiguous) => format!(
                "refused: ambiguous, the runner-up has at least {:.0}% of the best score on the same words",
                AMBIGUITY_MARGIN * 100.0
            ),
            Outcome::Unsure(Unsure::NoMatch) => "refused: low evidence".into(),
        };
        let threshold = match self.meaning.as_ref() {
            Some(m) => m.cascade(m.weights()).0,
            None => CONFIDENCE_THRESHOLD,
        };
        if let (Some(m), Some(evidence)) = (self.meaning.as_ref(), self.evidence(question)) {
            self.explain_meaning(&mut out, m, &evidence);
        }
        let _ = writeln!(out, "decision: {decision} (confidence {:.2}, threshold {threshold})", answer.confidence);
        out
    }

    /// The semantic decision's part of `--explain`: the chooser's best
    /// entries, and each signal's share of the best one's logit and of the gate.
    pub(super) fn explain_meaning(&self, out: &mut String, m: &meaning::Meaning, evidence: &meaning::Evidence) {
        use std::fmt::Write;
        let weights = m.weights();
        let d = meaning::decide(weights, evidence);
        let best: Vec<String> =
            d.ranked.iter().take(3).map(|(e, p)| format!("{} {:.2}", self.entry_name(*e), p)).collect();
        let _ = writeln!(out, "meaning: chooser {}", best.join(", "));
        let Some(&(top, _)) = d.ranked.first() else { return };
        let shares = |weights: &[f32], values: &[f32], names: &[&str]| -> String {
            let mut parts: Vec<(f32, String)> = weights
                .iter()
                .zip(values)
                .zip(names)
                .map(|((w, x), n)| (w * x, n.to_string()))
                .filter(|(c, _)| c.abs() >= 0.01)
                .collect();
            parts.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
            parts.iter().map(|(c, n)| format!("{n} {c:+.2}")).collect::<Vec<_>>().join(", ")
        };
        let _ = writeln!(
            out,
            "  why {}: {}",
            self.entry_name(top),
            shares(&weights.chooser, &evidence.per_entry[top].0, &meaning::ENTRY_FEATURE_NAMES)
        );
        let _ = writeln!(
            out,
            "  gate {:.2}: {}",
            d.confidence,
            shares(&weights.gate, &d.gate.0, &meaning::GATE_FEATURE_NAMES)
        );
        let (_, trust) = m.cascade(weights);
        let lx = &evidence.lexical;
        if lx.standing(trust) == meaning::Standing::Alone {
            let why = if lx.confidence >= trust {
                format!("trusted from {trust}")
            } else {
                format!("a short question, trusted from {}", meaning::SHORT_ALONE)
            };
            let _ = writeln!(
                out,
                "  cascade: the words' answer stands without the encoder (lexical confidence {:.2}, {why}); the gate is not consulted",
                lx.confidence
            );
        } else if lx.stands(trust, Some(&d.ranked)) {
            let _ = writeln!(
                out,
                "  cascade: the words' answer to a short question (at most {SHORT_QUESTION} content words) stands: the chooser agrees (gives its entry at least {:.0} % of its best's probability); the gate is not consulted",
                meaning::AGREEMENT * 100.0
            );
        } else if lx.standing(trust) == meaning::Standing::IfMeaningAgrees {
            let _ = writeln!(
                out,
                "  cascade: the chooser does not agree with the words' answer to this short question, so the gate decides"
            );
        } else if lx.answered.is_some() && lx.near_tie() {
            let _ = writeln!(
                out,
                "  cascade: the words' runner-up scores within {:.0} % of their answer, so the gate decides",
                (1.0 - meaning::NEAR_TIE) * 100.0
            );
        } else if lx.answered.is_some() && lx.use_cases_named >= meaning::SEVERAL_USE_CASES {
            let _ = writeln!(
                out,
                "  cascade: the question names {} use cases, so the words' pick of one does not settle it; the gate decides",
                lx.use_cases_named
            );
        } else if lx.answered.is_some() && !lx.names_its_answer() {
            let _ = writeln!(
                out,
                "  cascade: only an example's words point to the words' answer (none of its asks matched), so the gate decides"
            );
        }
    }

    pub(super) fn entry_name(&self, entry: usize) -> String {
        let n = self.pack.topics.len();
        if entry < n {
            format!("topic {}", self.pack.topics[entry].id)
        } else {
            format!("use case {}", self.pack.use_cases[entry - n].id)
        }
    }

    pub(super) fn entry_topic(&self, entry: usize) -> TopicIdx {
        let n = self.pack.topics.len();
        if entry < n {
            TopicIdx(entry)
        } else {
            self.pack.use_case(UseCaseIdx(entry - n)).topics[0]
        }
    }
}
