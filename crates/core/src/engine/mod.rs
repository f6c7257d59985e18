//! The question engine: from chat text to an [`Answer`].
//!
//! Built once from a validated [`Pack`] (compiled patterns, term index, typo
//! index, pre-rendered embeds) and then shared read-only: answering is pure,
//! synchronous and does no I/O, so every face of the bot (CLI, gateway, HTTP)
//! calls the same [`Engine::answer`].

mod complete;
mod decide;
mod examples;
mod explain;
mod fuzzy;
mod index;
mod lexicon;
mod lint;
pub use lint::{Lint, Misread, Trap};
pub mod meaning;
mod probe;
pub mod recommend;
/// The sentence encoder, under the path it has always had.
pub use crate::semantic;
pub mod text;

use rustc_hash::FxHashMap as HashMap;

use index::{Hit, Index, Reading, Target};

use crate::answer::{Answer, Outcome, Unsure};
use crate::embed::{self, EmbedDoc};
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
    /// The question names the entry: one of its own asks matched, not only
    /// the words of one of its examples.
    named: bool,
}

/// Runs the one slow step of answering: the sentence encoder, milliseconds
/// a question where everything else takes microseconds. The engine knows no
/// runtime; a face on a multi-threaded async runtime passes a runner that
/// first hands its worker's other tasks to another thread, so that the
/// questions the words settle alone (most of them) never pay for that
/// hand-off or the threads it starts.
pub trait Runner {
    /// Runs `work` to completion before returning.
    fn run(&self, work: &mut dyn FnMut());
}

/// Runs the encoder on the calling thread (the command line, tests, training).
#[derive(Debug, Clone, Copy, Default)]
pub struct InPlace;

impl Runner for InPlace {
    fn run(&self, work: &mut dyn FnMut()) {
        work();
    }
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
        self.answer_running(question, &InPlace)
    }

    /// Answers one question typed in chat, running the sentence encoder (when
    /// the words do not settle the question alone) through `runner`.
    pub fn answer_running(&self, question: &str, runner: &dyn Runner) -> Answer {
        self.answer_by(question, None, false, runner)
    }

    /// A question's vectors, the whole and each clause. `remembered` (training,
    /// evaluation and `check`, never a question from chat): the pack's stored
    /// vector when the question is one of its own texts (an example), and
    /// anything computed once per process; otherwise computed afresh.
    fn question_vectors(&self, m: &meaning::Meaning, question: &str, remembered: bool) -> meaning::QuestionVectors {
        let stored = match remembered {
            true => self.pack.vectors.as_ref().and_then(|v| v.get(m.encoder().fingerprint(), question)),
            false => None,
        };
        m.question_vectors(question, stored.map(<[f32]>::to_vec), remembered)
    }

    /// Answers a question that may be one of the pack's own texts (an
    /// example, for `check`), reusing stored and remembered vectors.
    pub fn answer_known(&self, question: &str) -> Answer {
        self.answer_by(question, None, true, &InPlace)
    }

    /// Answers with other decision weights, remembering question vectors
    /// across calls: for training and evaluation, which ask the same
    /// questions of many engines.
    pub fn answer_with(&self, question: &str, weights: &meaning::Weights) -> Answer {
        self.answer_by(question, Some(weights), true, &InPlace)
    }

    /// The lexical reading, then (with a sentence model, unless the words settle
    /// it) the trained decision with `weights` or the engine's own.
    fn answer_by(
        &self,
        question: &str,
        weights: Option<&meaning::Weights>,
        remembered: bool,
        runner: &dyn Runner,
    ) -> Answer {
        let question = crate::limits::cut(question, crate::limits::QUESTION_CHARS).to_owned();
        let reading = self.index.read(&question);
        let mut view = Lexical::new(self.entry_count());
        let (outcome, confidence, suggestions) = self.decide(&reading, &mut view);
        let lexical = Answer { question, read_as: reading.said.clone(), outcome, confidence, suggestions };
        let Some(m) = &self.meaning else { return decide::unassumed(lexical, &view.view) };
        let weights = weights.unwrap_or(m.weights());
        let (threshold, trust) = m.cascade(weights);
        if view.hard || view.view.standing(trust) == meaning::Standing::Alone {
            return lexical;
        }
        // Meaning reads the question as the words were understood: with the
        // corrector's fixes, which the encoder's word pieces cannot make.
        let text = reading.for_meaning(&lexical.question);
        let mut vectors = None;
        runner.run(&mut || vectors = Some(self.question_vectors(m, text, remembered)));
        let vectors = vectors.expect("a runner runs the work it is given");
        let evidence = m.features(text, &vectors, &view.view);
        let decision = meaning::decide(weights, &evidence);
        if view.view.stands(trust, Some(&decision.ranked)) {
            return lexical;
        }
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
    /// ("thanks, that helped!" does not): it names a contender or an entry,
    /// or its reading has at least a faint chance ([`FOLLOW_UP_FLOOR`]).
    pub fn follow_up(&self, first: &Answer, question: &str, subject: Option<&str>) -> Option<Answer> {
        self.follow_up_running(first, question, subject, &InPlace)
    }

    /// [`Engine::follow_up`], running the sentence encoder through `runner`.
    pub fn follow_up_running(
        &self,
        first: &Answer,
        question: &str,
        subject: Option<&str>,
        runner: &dyn Runner,
    ) -> Option<Answer> {
        let subject = subject?;
        let anchored = (first.answered() || first.confidence >= FOLLOW_UP_FLOOR || self.names_the_pack(question))
            && !matches!(first.outcome, Outcome::Unsure(Unsure::NoAnchor | Unsure::Empty | Unsure::OutOfScope(_)));
        if !anchored {
            return None;
        }
        let with_subject = self.answer_running(&format!("{question} {subject}"), runner);
        (with_subject.answered() && (!first.answered() || with_subject.confidence > first.confidence))
            .then_some(with_subject)
    }

    /// Whether the question's words name a contender or an entry: "does the
    /// same go for <a framework of one side>?" names that side, whatever the
    /// gate makes of the question alone.
    fn names_the_pack(&self, question: &str) -> bool {
        self.question_names(question, |t| matches!(t, Target::Entry(_) | Target::Contender(_)))
    }

    /// Whether the question's own words name an entry (a topic's or use
    /// case's ask), rather than only a contender or nothing: "what is X?" and
    /// "best for ml?" stand alone; "is that true for X too?" leans on what came before.
    pub fn stands_alone(&self, question: &str) -> bool {
        self.question_names(question, |t| matches!(t, Target::Entry(_)))
    }

    /// Whether any term the words of `question` match is one `wanted` accepts.
    fn question_names(&self, question: &str, wanted: impl Fn(&Target) -> bool) -> bool {
        let question = crate::limits::cut(question, crate::limits::QUESTION_CHARS);
        self.index.read(question).hits.iter().any(|h| wanted(&h.target))
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
        let text = reading.for_meaning(question);
        Some(m.features(text, &self.question_vectors(m, text, true), &view.view))
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
            return Answer {
                question: lexical.question,
                read_as: lexical.read_as,
                outcome,
                confidence,
                suggestions: ranked_topics,
            };
        }
        let answer_topic = self.entry_topic(top);
        let n_topics = self.pack.topics.len();
        let outcome = if top < n_topics {
            Outcome::Topic { topic: answer_topic, pick: self.pick_for(answer_topic, view.pick_cue) }
        } else {
            Outcome::UseCase { use_case: UseCaseIdx(top - n_topics), topic: answer_topic }
        };
        let suggestions = if lexical.outcome == outcome { lexical.suggestions } else { Vec::new() };
        Answer { question: lexical.question, read_as: lexical.read_as, outcome, confidence, suggestions }
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
            read_as: String::new(),
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
            read_as: String::new(),
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
}

/// The most content words a question may have to count as short.
pub use meaning::SHORT_QUESTION;

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
            view: meaning::LexicalView {
                scores: vec![0.0; entries],
                named: vec![false; entries],
                ..Default::default()
            },
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
