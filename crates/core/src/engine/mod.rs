//! The question engine: from chat text to an [`Answer`].
//!
//! Built once from a validated [`Pack`] (compiled patterns, term index, typo
//! index, pre-rendered embeds) and then shared read-only: answering is pure,
//! synchronous and does no I/O, so every face of the bot (CLI, gateway, HTTP)
//! calls the same [`Engine::answer`].

mod complete;
mod examples;
mod fuzzy;
mod index;
mod lexicon;
mod lint;
pub use lint::{Lint, Misread, Trap};
pub mod meaning;
mod probe;
pub mod recommend;
pub mod semantic;
pub mod text;

use rustc_hash::FxHashMap as HashMap;

use index::{Hit, Index, Reading, Target};

use crate::answer::{Answer, Outcome};
use crate::embed::{self, EmbedDoc, Unsure};
use crate::knowledge::{ContenderIdx, Pack, Pick, TopicIdx, UseCaseIdx};

/// Below this confidence the engine says it is not sure.
pub const CONFIDENCE_THRESHOLD: f32 = 0.5;
/// When the runner-up scores at least this share of the best, on the same
/// words, the question is ambiguous.
const AMBIGUITY_MARGIN: f32 = 0.8;
/// A second entry with words of its own and at least this share of the best
/// score is "also asked about" and suggested.
const SUGGEST_SHARE: f32 = 0.4;
/// Added to a one-sided topic's score when its contender is the one named.
const ABOUT_BONUS: f32 = 0.3;
/// How many topics a "not sure" answer suggests.
const MAX_SUGGESTIONS: usize = 3;
/// The evidence for the default topic when a question names every contender and asks for a pick.
const PLAIN_COMPARISON: f32 = 0.8;
/// A score from which an entry's evidence is strong enough to stand on its own.
const STRONG_EVIDENCE: f32 = 0.5;
/// An entry's closest example counts from this cosine similarity on.
const EXAMPLE_MIN_SIMILARITY: f32 = 0.3;
/// What a perfectly matching example adds to an entry's score (an exact ask adds 1).
const EXAMPLE_WEIGHT: f32 = 1.2;
/// An implicit comparison ("which is cheaper?") may carry this many words the
/// pack does not know and still be about the pack's subject.
const MAX_UNKNOWN_IN_IMPLICIT: usize = 1;

/// The engine over one pack.
#[derive(Debug)]
pub struct Engine {
    pack: Pack,
    index: Index,
    topic_embeds: Vec<EmbedDoc>,
    use_case_embeds: Vec<EmbedDoc>,
    /// The semantic reader and trained decision; `None` answers from words alone.
    meaning: Option<meaning::Meaning>,
}

/// What one question's evidence adds up to for one entry.
#[derive(Debug, Clone)]
struct Score {
    entry: usize,
    score: f32,
    /// Words this entry's evidence covers.
    words: Vec<usize>,
    first: usize,
}

impl Engine {
    /// Indexes a validated pack.
    /// Indexes a validated pack, reading for meaning with the process's
    /// sentence model when there is one ([`crate::model::shared`]).
    pub fn new(pack: Pack) -> Engine {
        let meaning =
            crate::model::shared().map(|e| meaning::Meaning::new(&pack, e, meaning::Weights::shipped().clone()));
        Engine::build(pack, meaning)
    }

    /// An engine that reads words only: no sentence model.
    pub fn lexical(pack: Pack) -> Engine {
        Engine::build(pack, None)
    }

    /// An engine with this encoder and these decision weights (training, cross-validation).
    pub fn with_meaning(pack: Pack, encoder: std::sync::Arc<semantic::Encoder>, weights: meaning::Weights) -> Engine {
        let meaning = meaning::Meaning::new(&pack, encoder, weights);
        Engine::build(pack, Some(meaning))
    }

    fn build(pack: Pack, meaning: Option<meaning::Meaning>) -> Engine {
        let index = Index::new(&pack);
        let topic_embeds = (0..pack.topics.len()).map(|i| embed::topic(&pack, TopicIdx(i), None)).collect();
        let use_case_embeds = (0..pack.use_cases.len()).map(|i| embed::use_case(&pack, UseCaseIdx(i))).collect();
        Engine { pack, index, topic_embeds, use_case_embeds, meaning }
    }

    /// The semantic side, when the engine has one.
    pub fn meaning(&self) -> Option<&meaning::Meaning> {
        self.meaning.as_ref()
    }

    /// The pack this engine answers from.
    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// Answers one question typed in chat.
    pub fn answer(&self, question: &str) -> Answer {
        self.answer_by(question, None, false)
    }

    /// A question's vector for training, evaluation and `check`: the pack's
    /// stored vector when the question is one of its own texts (an example),
    /// else computed once per process. Never used for a question from chat.
    fn remembered_vector(&self, m: &meaning::Meaning, question: &str) -> Vec<f32> {
        let model = m.encoder().fingerprint();
        match self.pack.vectors.as_ref().and_then(|v| v.get(model, question)) {
            Some(v) => v.to_vec(),
            None => m.encode_remembered(question),
        }
    }

    /// Answers a question that may be one of the pack's own texts (an
    /// example, for `check`), reusing stored and remembered vectors.
    pub fn answer_known(&self, question: &str) -> Answer {
        self.answer_by(question, None, true)
    }

    /// Answers with other decision weights, remembering question vectors
    /// across calls: for training and evaluation, which ask the same
    /// questions of many engines.
    pub fn answer_with(&self, question: &str, weights: &meaning::Weights) -> Answer {
        self.answer_by(question, Some(weights), true)
    }

    /// The lexical reading, then (with a sentence model, unless the words settle
    /// it) the trained decision with `weights` or the engine's own.
    fn answer_by(&self, question: &str, weights: Option<&meaning::Weights>, remembered: bool) -> Answer {
        let question = crate::limits::cut(question, crate::limits::QUESTION_CHARS).to_owned();
        let reading = self.index.read(&question);
        let mut view = Lexical::new(self.entry_count());
        let (outcome, confidence, suggestions) = self.decide(&reading, &mut view);
        let lexical = Answer { question, outcome, confidence, suggestions };
        let Some(m) = &self.meaning else { return lexical };
        let weights = weights.unwrap_or(m.weights());
        let (threshold, trust) = m.cascade(weights);
        if view.hard || trusted(&lexical, &view, trust) {
            return lexical;
        }
        let vector =
            if remembered { self.remembered_vector(m, &lexical.question) } else { m.encode(&lexical.question) };
        let evidence = m.features(&vector, &view.view);
        let decision = meaning::decide(weights, &evidence);
        self.semantic_answer(lexical, &view, &decision, threshold)
    }

    /// Replaces the decision weights (`stackpick eval --weights`).
    pub fn set_weights(&mut self, weights: meaning::Weights) {
        if let Some(m) = &mut self.meaning {
            m.set_weights(weights);
        }
    }

    /// A question asked after an answer about `subject` (a reply under the
    /// bot's answer in chat, the next line in `stackpick chat`), read with that
    /// subject: "is that true for the other one too?" after an answer about speed.
    /// Returns the reading with the subject when it is the surer one.
    ///
    /// Only a question that touches the pack on its own borrows the subject
    /// ("thanks, that helped!" does not): it names something the pack knows,
    /// or its reading has at least a faint chance ([`FOLLOW_UP_FLOOR`]).
    pub fn follow_up(&self, first: &Answer, question: &str, subject: Option<&str>) -> Option<Answer> {
        let subject = subject?;
        let anchored = (first.answered() || first.confidence >= FOLLOW_UP_FLOOR)
            && !matches!(first.outcome, Outcome::Unsure(Unsure::NoAnchor | Unsure::Empty | Unsure::OutOfScope(_)));
        if !anchored {
            return None;
        }
        let with_subject = self.answer(&format!("{question} {subject}"));
        (with_subject.answered() && (!first.answered() || with_subject.confidence > first.confidence))
            .then_some(with_subject)
    }

    /// Whether the question's own words name an entry (a topic's or use
    /// case's ask), rather than only a contender or nothing: "what is X?" and
    /// "best for ml?" stand alone; "is that true for X too?" leans on what came before.
    pub fn stands_alone(&self, question: &str) -> bool {
        let question = crate::limits::cut(question, crate::limits::QUESTION_CHARS);
        self.index.read(question).hits.iter().any(|h| matches!(h.target, Target::Entry(_)))
    }

    /// What an answer was about, as follow-ups borrow it: its topic's title or
    /// its use case's name; `None` for a refusal.
    pub fn subject(&self, answer: &Answer) -> Option<String> {
        match answer.outcome {
            Outcome::Topic { topic, .. } => Some(self.pack.topic(topic).title.clone()),
            Outcome::UseCase { use_case, .. } => Some(self.pack.use_case(use_case).name.clone()),
            Outcome::Unsure(_) => None,
        }
    }

    /// The evidence and decision for a question, for training and `--explain`:
    /// `None` when the lexical reading settles it alone (empty, another
    /// language, two names of one contender) or there is no sentence model.
    pub fn evidence(&self, question: &str) -> Option<meaning::Evidence> {
        let m = self.meaning.as_ref()?;
        let question = crate::limits::cut(question, crate::limits::QUESTION_CHARS);
        let reading = self.index.read(question);
        let mut view = Lexical::new(self.entry_count());
        self.decide(&reading, &mut view);
        if view.hard {
            return None;
        }
        Some(m.features(&self.remembered_vector(m, question), &view.view))
    }

    /// The answer `decision` gives, from `lexical`'s question.
    pub fn semantic_answer(
        &self,
        lexical: Answer,
        view: &Lexical,
        decision: &meaning::Decision,
        threshold: f32,
    ) -> Answer {
        let confidence = round2(decision.confidence);
        let mut ranked_topics: Vec<TopicIdx> = Vec::new();
        for (e, _) in &decision.ranked {
            let t = self.entry_topic(*e);
            if !ranked_topics.contains(&t) {
                ranked_topics.push(t);
            }
            if ranked_topics.len() == MAX_SUGGESTIONS + 1 {
                break;
            }
        }
        let Some(&(top, _)) = decision.ranked.first() else { return lexical };
        if decision.confidence < threshold {
            // Not sure: the buttons offer the best-scoring entries.
            let outcome = match lexical.outcome {
                Outcome::Unsure(why @ (Unsure::OutOfScope(_) | Unsure::NoAnchor | Unsure::Ambiguous)) => {
                    Outcome::Unsure(why)
                }
                _ => Outcome::Unsure(Unsure::NoMatch),
            };
            ranked_topics.truncate(MAX_SUGGESTIONS);
            return Answer { question: lexical.question, outcome, confidence, suggestions: ranked_topics };
        }
        let answer_topic = self.entry_topic(top);
        let n_topics = self.pack.topics.len();
        let outcome = if top < n_topics {
            Outcome::Topic { topic: answer_topic, pick: self.pick_for(answer_topic, view.pick_cue) }
        } else {
            Outcome::UseCase { use_case: UseCaseIdx(top - n_topics), topic: answer_topic }
        };
        let suggestions = if lexical.outcome == outcome { lexical.suggestions } else { Vec::new() };
        Answer { question: lexical.question, outcome, confidence, suggestions }
    }

    /// How many entries (topics, then use cases) the pack has.
    pub fn entry_count(&self) -> usize {
        self.pack.topics.len() + self.pack.use_cases.len()
    }

    /// The id of an entry (a topic id or a use-case id).
    pub fn entry_id(&self, entry: usize) -> &str {
        let n = self.pack.topics.len();
        if entry < n {
            &self.pack.topics[entry].id
        } else {
            &self.pack.use_cases[entry - n].id
        }
    }

    /// The answer for one topic, as `/compare` and the topic buttons show it.
    pub fn topic_answer(&self, topic: TopicIdx) -> Answer {
        let t = self.pack.topic(topic);
        Answer {
            question: t.title.clone(),
            outcome: Outcome::Topic { topic, pick: Some(t.verdict.pick) },
            confidence: 1.0,
            suggestions: Vec::new(),
        }
    }

    /// The answer for one use case, as `/recommend` shows it.
    pub fn use_case_answer(&self, use_case: UseCaseIdx) -> Answer {
        let uc = self.pack.use_case(use_case);
        Answer {
            question: uc.name.clone(),
            outcome: Outcome::UseCase { use_case, topic: uc.topics[0] },
            confidence: 1.0,
            suggestions: Vec::new(),
        }
    }

    /// The embed for an answer, exactly as it is sent to Discord.
    pub fn embed(&self, answer: &Answer) -> EmbedDoc {
        let mut doc = match &answer.outcome {
            Outcome::Topic { topic, pick: None } => embed::profile(&self.pack, *topic),
            Outcome::Topic { topic, .. } => self.topic_embeds[topic.0].clone(),
            Outcome::UseCase { use_case, .. } => self.use_case_embeds[use_case.0].clone(),
            Outcome::Unsure(why) => return embed::not_sure(&self.pack, why, &answer.suggestions),
        };
        if !answer.suggestions.is_empty() {
            let field = embed::Field {
                name: "You also asked about".into(),
                value: embed::topic_list(&self.pack, &answer.suggestions),
                inline: false,
            };
            let fits = doc.fields.len() < crate::limits::EMBED_FIELDS
                && doc.total_chars() + field.name.len() + field.value.chars().count() <= crate::limits::EMBED_TOTAL;
            if fits {
                doc.fields.push(field);
            }
        }
        doc
    }

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
    fn explain_meaning(&self, out: &mut String, m: &meaning::Meaning, evidence: &meaning::Evidence) {
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
        if lx.answered.is_some() && (lx.confidence >= trust || lx.content_words <= SHORT_QUESTION) {
            let _ = writeln!(
                out,
                "  cascade: the words' answer stands (lexical confidence {:.2}, trusted from {trust}, or at most {SHORT_QUESTION} content words); the gate is not consulted",
                lx.confidence
            );
        }
    }

    fn entry_name(&self, entry: usize) -> String {
        let n = self.pack.topics.len();
        if entry < n {
            format!("topic {}", self.pack.topics[entry].id)
        } else {
            format!("use case {}", self.pack.use_cases[entry - n].id)
        }
    }

    fn entry_topic(&self, entry: usize) -> TopicIdx {
        let n = self.pack.topics.len();
        if entry < n {
            TopicIdx(entry)
        } else {
            self.pack.use_case(UseCaseIdx(entry - n)).topics[0]
        }
    }

    fn decide(&self, r: &Reading, view: &mut Lexical) -> (Outcome, f32, Vec<TopicIdx>) {
        let unsure = |why: Unsure, suggestions: Vec<TopicIdx>| (Outcome::Unsure(why), 0.0, suggestions);
        if r.words.is_empty() {
            view.hard = true;
            return unsure(Unsure::Empty, self.starters());
        }

        if let Some(language) = self.foreign_language(r) {
            view.hard = true;
            return unsure(Unsure::Language(language.to_owned()), Vec::new());
        }

        let contenders = mentioned_contenders(&r.hits);
        let pick_cue = r.hits.iter().any(|h| h.target == Target::PickCue);
        let recommend_cue = r.hits.iter().any(|h| h.target == Target::RecommendCue);
        let entry_words: Vec<bool> = covered(r, |t| matches!(t, Target::Entry(_)));
        let subject_word = r.domain.iter().any(|&d| d);
        view.pick_cue = pick_cue;
        view.view.contenders = contenders.len();
        {
            // What the semantic decision needs even when this reading refuses.
            let known = covered(r, |_| true);
            let content: Vec<usize> = (0..r.words.len()).filter(|&w| r.content[w] && !r.ordinary[w]).collect();
            view.view.content_words = content.len();
            view.view.explained_words = content.iter().filter(|&&w| known[w] || r.domain[w]).count();
            for s in self.score(r, &contenders, recommend_cue || pick_cue) {
                view.view.scores[s.entry] = s.score;
            }
        }

        // Technologies outside the pack count unless a pack phrase explains the
        // word ("react app" is a single-page app back end, not a React question).
        let mut out_of_scope: Vec<String> = Vec::new();
        let mut beside: Vec<String> = Vec::new();
        let mut named_at: Vec<usize> = Vec::new();
        for h in &r.hits {
            if let Target::OutOfScope(i) = h.target {
                // Two names found at one place ("x-y" and "x y") are one name.
                if named_at.contains(&h.start) {
                    continue;
                }
                named_at.push(h.start);
                if !(h.start..h.start + h.len).all(|w| entry_words[w]) {
                    let name = self.pack.vocabulary.out_of_scope[i].clone();
                    if self.pack.vocabulary.out_of_scope_beside[i] {
                        beside.push(name);
                    } else {
                        out_of_scope.push(name);
                    }
                }
            }
        }
        // A front end or a container tool beside a back-end question ("our
        // frontend is Angular, which backend?") leaves it about the pack; a
        // question about them alone ("react or vue?") is not.
        beside.dedup();
        if contenders.is_empty() && (beside.len() >= 2 || (!beside.is_empty() && !subject_word)) {
            out_of_scope.extend(beside);
        }
        for (name, start, len) in &r.pattern_out_of_scope {
            if !(*start..start + len).all(|w| entry_words[w]) {
                out_of_scope.push(name.clone());
            }
        }
        out_of_scope.dedup();
        // "is A faster than Z?" (Z outside the pack) compares something the pack does not know;
        // only a question that names every contender stays about the pack.
        view.view.out_of_scope = !out_of_scope.is_empty();
        if !out_of_scope.is_empty() && contenders.len() < self.pack.contenders.len() {
            return unsure(Unsure::OutOfScope(out_of_scope), Vec::new());
        }
        if let Some(why) = self.same_side(r, &contenders, pick_cue) {
            view.hard = true;
            let suggestions = self.pack.info.same_side_topic.into_iter().collect();
            return unsure(why, suggestions);
        }

        if !self.anchored(r, &contenders, pick_cue || recommend_cue) {
            view.view.no_anchor = true;
            return unsure(Unsure::NoAnchor, Vec::new());
        }

        let mut scores = self.score(r, &contenders, recommend_cue || pick_cue);
        // Naming every contender and asking for a pick is itself evidence for
        // the plain comparison ("which is better, A or B?"): a weak generic word
        // must not turn that into a refusal.
        // With no other evidence the plain-comparison path below answers it.
        // A specific topic with real evidence ("which is cheaper, A or B?") is
        // the answer itself; the comparison only lifts weak generic evidence.
        let default_idx = self.pack.info.default_topic.0;
        let strongest_other = scores.iter().filter(|s| s.entry != default_idx).map(|s| s.score).fold(0.0, f32::max);
        if pick_cue && contenders.len() >= 2 && !scores.is_empty() && strongest_other < STRONG_EVIDENCE {
            let default = self.pack.info.default_topic.0;
            let words: Vec<usize> = r
                .hits
                .iter()
                .filter(|h| matches!(h.target, Target::Contender(_)))
                .flat_map(|h| h.start..h.start + h.len)
                .collect();
            let first = words.iter().copied().min().unwrap_or(usize::MAX);
            match scores.iter_mut().find(|s| s.entry == default) {
                Some(s) => {
                    s.score += PLAIN_COMPARISON;
                    s.words.extend(words.iter().copied().filter(|w| !s.words.contains(w)).collect::<Vec<_>>());
                }
                None => scores.push(Score { entry: default, score: PLAIN_COMPARISON, words, first }),
            }
        }
        // Ties go to the evidence that explains more of the question, never to word order alone.
        scores.sort_by(|a, b| {
            b.score.total_cmp(&a.score).then(b.words.len().cmp(&a.words.len())).then(a.first.cmp(&b.first))
        });
        for s in &scores {
            view.view.scores[s.entry] = s.score;
        }

        // The share of meaningful words the evidence explains: "is it faster to
        // walk or drive to work" has a topic word but is mostly about something else.
        // Ordinary words the pack does not know ("honestly", "precisely") count
        // neither way: a clear match beside them is still a clear match.
        let mut all_words = covered(r, |_| true);
        if let Some(top) = scores.first() {
            for &w in &top.words {
                all_words[w] = true;
            }
        }
        let coverage = {
            let content = (0..r.words.len()).filter(|&w| r.content[w] && !r.ordinary[w]).count();
            let explained =
                (0..r.words.len()).filter(|&w| r.content[w] && !r.ordinary[w] && (all_words[w] || r.domain[w])).count();
            if content == 0 {
                1.0
            } else {
                explained as f32 / content as f32
            }
        };
        let scope_penalty = if out_of_scope.is_empty() { 1.0 } else { 0.7 };

        let Some(top) = scores.first() else {
            // Only contenders and cue words: "A or B?", "A?".
            if !contenders.is_empty() {
                let topic = if contenders.len() == 1 && !pick_cue {
                    self.profile(contenders[0]).unwrap_or(self.pack.info.default_topic)
                } else {
                    self.pack.info.default_topic
                };
                // With nothing but a name to go on, ordinary words are no longer
                // neutral: "what precisely is A" is about A, "my ball snake
                // stopped eating this winter" is about something else. One is allowed.
                let ordinary = r.ordinary.iter().filter(|&&o| o).count();
                let content = r.content.iter().filter(|&&c| c).count();
                let extra = ordinary.saturating_sub(1) as f32;
                let name_only = (content - ordinary) as f32 * coverage / ((content - ordinary) as f32 + extra);
                let confidence = 0.7 * name_only * scope_penalty;
                view.view.confidence = confidence;
                if confidence >= CONFIDENCE_THRESHOLD {
                    view.view.answered = Some(topic.0);
                    let pick = self.pick_for(topic, pick_cue);
                    return (Outcome::Topic { topic, pick }, round2(confidence), Vec::new());
                }
            }
            return unsure(Unsure::NoMatch, self.starters());
        };

        let strength = 1.0 - (-top.score / 0.8).exp();
        let confidence = (strength * (0.35 + 0.65 * coverage) * scope_penalty).clamp(0.0, 1.0);
        view.view.confidence = confidence;

        let exclusive = |a: &Score, b: &Score| a.words.iter().any(|w| !b.words.contains(w));
        if let Some(second) = scores.get(1) {
            if second.score >= AMBIGUITY_MARGIN * top.score && !exclusive(top, second) {
                return (Outcome::Unsure(Unsure::Ambiguous), round2(confidence * 0.5), self.topics_of(&scores));
            }
        }
        if confidence < CONFIDENCE_THRESHOLD {
            return (Outcome::Unsure(Unsure::NoMatch), round2(confidence), self.topics_of(&scores));
        }

        let answer_topic = self.entry_topic(top.entry);
        let mut suggestions: Vec<TopicIdx> = Vec::new();
        for s in &scores[1..] {
            if s.score >= SUGGEST_SHARE * top.score && exclusive(s, top) {
                let t = self.entry_topic(s.entry);
                if t != answer_topic && !suggestions.contains(&t) && suggestions.len() < MAX_SUGGESTIONS {
                    suggestions.push(t);
                }
            }
        }
        let n_topics = self.pack.topics.len();
        view.view.answered = Some(top.entry);
        let outcome = if top.entry < n_topics {
            Outcome::Topic { topic: answer_topic, pick: self.pick_for(answer_topic, pick_cue) }
        } else {
            Outcome::UseCase { use_case: UseCaseIdx(top.entry - n_topics), topic: answer_topic }
        };
        (outcome, round2(confidence), suggestions)
    }

    /// Adds up the evidence per entry. Each word counts once per entry, for its
    /// strongest term.
    fn score(&self, r: &Reading, contenders: &[ContenderIdx], wants_pick: bool) -> Vec<Score> {
        let mut by_entry: HashMap<usize, Vec<&Hit>> = HashMap::default();
        for h in &r.hits {
            if let Target::Entry(e) = h.target {
                by_entry.entry(e).or_default().push(h);
            }
        }
        let n_topics = self.pack.topics.len();
        let mut out = Vec::with_capacity(by_entry.len());
        for (entry, mut hits) in by_entry {
            hits.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.start.cmp(&b.start)));
            let mut words: Vec<usize> = Vec::new();
            let mut score = 0.0;
            for h in hits {
                let span = h.start..h.start + h.len;
                if span.clone().any(|w| words.contains(&w)) {
                    continue;
                }
                score += h.weight * if h.corrected { 0.8 } else { 1.0 };
                words.extend(span);
            }
            if entry < n_topics {
                score = self.about_factor(TopicIdx(entry), contenders, score);
            } else if wants_pick {
                // "best for ML?", "chat app: A or B?": a situation plus a
                // request for a pick is a recommendation.
                score *= 1.25;
            }
            let first = words.iter().copied().min().unwrap_or(usize::MAX);
            out.push(Score { entry, score, words, first });
        }
        // What the examples add: the closest example's similarity, for every
        // entry with one close enough, on the words it shares with the question.
        for near in r.nearest.iter().filter(|n| n.similarity >= EXAMPLE_MIN_SIMILARITY) {
            let mut add = EXAMPLE_WEIGHT * near.similarity;
            if near.entry < n_topics {
                add = self.about_factor(TopicIdx(near.entry), contenders, add);
            } else if wants_pick {
                add *= 1.25;
            }
            match out.iter_mut().find(|s| s.entry == near.entry) {
                Some(s) => {
                    s.score += add;
                    for &w in &near.words {
                        if !s.words.contains(&w) {
                            s.words.push(w);
                        }
                    }
                    s.first = s.words.iter().copied().min().unwrap_or(usize::MAX);
                }
                None => {
                    let first = near.words.iter().copied().min().unwrap_or(usize::MAX);
                    out.push(Score { entry: near.entry, score: add, words: near.words.clone(), first });
                }
            }
        }
        out
    }

    /// "X vs Y" with two framework names of the same contender compared, and no
    /// other contender. The pack compares contenders, not what is inside one.
    fn same_side(&self, r: &Reading, contenders: &[ContenderIdx], pick_cue: bool) -> Option<Unsure> {
        let [only] = contenders else { return None };
        if !pick_cue {
            return None;
        }
        let contender = self.pack.contender(*only);
        let own = [contender.id.to_lowercase(), contender.side.name.to_lowercase()];
        let mut names: Vec<String> = Vec::new();
        for h in r.hits.iter().filter(|h| h.target == Target::Contender(*only)) {
            let name = r.words[h.start..h.start + h.len].join(" ");
            if own.contains(&name) {
                // "plain A or a framework of A?" is a question about A itself.
                return None;
            }
            if !names.contains(&name) {
                names.push(name);
            }
        }
        (names.len() >= 2).then(|| Unsure::SameSide { contender: contender.side.name.clone(), names })
    }

    /// The language's name when the question is not in the pack's language:
    /// fewer than 40 % of its words (of at least three) are words of that
    /// language or of the pack. Needs the language's word list.
    fn foreign_language(&self, r: &Reading) -> Option<&'static str> {
        let name = lexicon::name(self.pack.vocabulary.language.as_deref())?;
        // Names are the same in every language, and one- or two-letter words
        // ("o", "es") belong to too many languages to tell.
        let names = covered(r, |t| matches!(t, Target::Contender(_) | Target::OutOfScope(_)));
        // Another script altogether (accents are already folded away, so what
        // is left outside ASCII is Cyrillic, Greek, CJK, …).
        let (mut ascii, mut other) = (0usize, 0usize);
        for c in (0..r.words.len()).filter(|&w| !names[w]).flat_map(|w| r.words[w].chars()) {
            if c.is_ascii_alphabetic() {
                ascii += 1;
            } else if c.is_alphabetic() {
                other += 1;
            }
        }
        if other > ascii {
            return Some(name);
        }
        let letters: Vec<usize> = (0..r.words.len())
            .filter(|&w| !names[w] && r.words[w].chars().filter(|c| c.is_alphabetic()).count() >= 3)
            .collect();
        if letters.len() < 3 {
            return None;
        }
        let familiar = letters.iter().filter(|&&w| r.known[w] || r.ordinary[w] || !r.content[w] || r.domain[w]).count();
        (familiar * 10 < letters.len() * 4).then_some(name)
    }

    /// Whether a question is about the pack's subject at all: it names a
    /// contender (or something the pack ties to one), uses a subject word, or is
    /// an implicit comparison ("which is easier to learn?") that brings in no
    /// foreign object. A topic word inside a sentence about something else
    /// ("how to learn guitar fast") is not an anchor.
    fn anchored(&self, r: &Reading, contenders: &[ContenderIdx], pick_cue: bool) -> bool {
        if !contenders.is_empty() || r.domain.iter().any(|&d| d) {
            return true;
        }
        let hit = covered(r, |_| true);
        let unknown: Vec<usize> = (0..r.words.len()).filter(|&w| r.content[w] && !r.known[w] && !hit[w]).collect();
        if unknown.is_empty() {
            return true;
        }
        // "violin or drums": two things the pack does not know, compared.
        let compares_unknown = r.words.iter().enumerate().any(|(i, w)| {
            (w == "or" || w == "versus")
                && (i.checked_sub(1).is_some_and(|j| unknown.contains(&j)) || unknown.contains(&(i + 1)))
        });
        // A specific term of the pack is an anchor of its own: a phrase ("type
        // hints", "event loop") or a name that is not an ordinary word ("pydantic").
        let specific = r.hits.iter().any(|h| {
            matches!(h.target, Target::Entry(_))
                && ((h.start..h.start + h.len).filter(|&w| r.content[w]).count() >= 2
                    || (h.start..h.start + h.len).any(|w| r.jargon[w]))
        });
        if specific {
            return true;
        }
        // "goroutines vs threads": one entry explains several words of its own.
        let mut per_entry: HashMap<usize, Vec<usize>> = HashMap::default();
        for h in &r.hits {
            if let Target::Entry(e) = h.target {
                let words = per_entry.entry(e).or_default();
                words.extend((h.start..h.start + h.len).filter(|w| r.content[*w]));
                words.sort_unstable();
                words.dedup();
            }
        }
        let focused = per_entry.values().any(|w| w.len() >= 2);
        (focused && unknown.len() <= 1) || (pick_cue && unknown.len() <= MAX_UNKNOWN_IN_IMPLICIT && !compares_unknown)
    }

    /// One-sided topics ("what is A?") fit when their contender is the
    /// one the question is about, and fit poorly when another one is.
    fn about_factor(&self, topic: TopicIdx, contenders: &[ContenderIdx], score: f32) -> f32 {
        let Some(about) = self.pack.topic(topic).about else { return score };
        match contenders {
            [] => score * 0.7,
            // The only contender named: this is the topic's subject.
            [only] if *only == about => score + ABOUT_BONUS,
            // Named first among several ("A instead of B").
            [first, ..] if *first == about => score * 0.8,
            _ if contenders.contains(&about) => score * 0.3,
            _ => score * 0.15,
        }
    }

    /// A topic answer names its verdict's pick, except a one-sided topic asked
    /// about without asking for a winner ("what is A?").
    fn pick_for(&self, topic: TopicIdx, pick_cue: bool) -> Option<Pick> {
        let t = self.pack.topic(topic);
        if t.about.is_some() && !pick_cue {
            None
        } else {
            Some(t.verdict.pick)
        }
    }

    /// The first topic that profiles a contender.
    fn profile(&self, contender: ContenderIdx) -> Option<TopicIdx> {
        self.pack.topics.iter().position(|t| t.about == Some(contender)).map(TopicIdx)
    }

    fn starters(&self) -> Vec<TopicIdx> {
        self.pack.info.starter_topics.iter().copied().take(MAX_SUGGESTIONS).collect()
    }

    fn topics_of(&self, scores: &[Score]) -> Vec<TopicIdx> {
        let mut out = Vec::new();
        for s in scores {
            let t = self.entry_topic(s.entry);
            if !out.contains(&t) {
                out.push(t);
            }
            if out.len() == MAX_SUGGESTIONS {
                break;
            }
        }
        out
    }
}

/// Whether a lexical answer is confident enough to stand without the encoder.
///
/// A short question the words answer also stands: "which is faster?" or
/// "A or B for a chat app?" is what the lexical index was built for,
/// and the encoder is at its weakest on a few words.
fn trusted(lexical: &Answer, view: &Lexical, trust: f32) -> bool {
    lexical.answered() && (lexical.confidence >= trust || view.view.content_words <= SHORT_QUESTION)
}

/// The most content words a question may have to count as short (see [`trusted`]).
pub const SHORT_QUESTION: usize = 5;

/// The confidence from which an unanswered follow-up borrows the earlier
/// answer's subject: "thanks, that helped!" reads at 0.03, "does that hold
/// for the other one as well" at about 0.3.
pub const FOLLOW_UP_FLOOR: f32 = 0.2;

/// What the lexical decision leaves for the semantic one.
#[derive(Debug, Clone)]
pub struct Lexical {
    /// The lexical reading settles the question alone (empty, another language, one contender's two names).
    pub hard: bool,
    /// The question asks for a winner.
    pub pick_cue: bool,
    pub view: meaning::LexicalView,
}

impl Lexical {
    fn new(entries: usize) -> Lexical {
        Lexical {
            hard: false,
            pick_cue: false,
            view: meaning::LexicalView { scores: vec![0.0; entries], ..Default::default() },
        }
    }
}

/// Contenders in the order the question names them.
fn mentioned_contenders(hits: &[Hit]) -> Vec<ContenderIdx> {
    let mut found: Vec<(usize, ContenderIdx)> = hits
        .iter()
        .filter_map(|h| match h.target {
            Target::Contender(c) => Some((h.start, c)),
            _ => None,
        })
        .collect();
    found.sort();
    let mut out: Vec<ContenderIdx> = Vec::new();
    for (_, c) in found {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Which words are covered by a hit whose target passes `keep`.
fn covered(r: &Reading, keep: impl Fn(Target) -> bool) -> Vec<bool> {
    let mut out = vec![false; r.words.len()];
    for h in r.hits.iter().filter(|h| keep(h.target)) {
        for w in out.iter_mut().skip(h.start).take(h.len) {
            *w = true;
        }
    }
    out
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}
