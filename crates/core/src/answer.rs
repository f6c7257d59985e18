//! The answer model every face renders: what was asked, what was found, how
//! sure the engine is, and what else to look at.

use crate::knowledge::{Pick, TopicIdx, UseCaseIdx};

/// The engine's answer to one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The question as received (cut to Discord's length limit).
    pub question: String,
    /// The question as the engine read it: chat syntax removed, case folded,
    /// split into words (contractions expanded) and joined by single spaces.
    /// The one normalised form every consumer uses — the question log keeps
    /// it and the gap report groups by its words. Empty for answers that were
    /// not read from a question (`/compare`, a topic button).
    pub read_as: String,
    pub outcome: Outcome,
    /// How sure the engine is, in 0..=1.
    pub confidence: f32,
    /// Other topics: ones the question also touched when answered, the
    /// closest ones when not.
    pub suggestions: Vec<TopicIdx>,
}

/// What the engine found.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A topic, with the pick when the question asks for one.
    Topic { topic: TopicIdx, pick: Option<Pick> },
    /// A recommendation for a use case, anchored on its first topic.
    UseCase { use_case: UseCaseIdx, topic: TopicIdx },
    /// Not answered, and why.
    Unsure(Unsure),
}

impl Answer {
    /// Whether the engine answered.
    pub fn answered(&self) -> bool {
        !matches!(self.outcome, Outcome::Unsure(_))
    }

    /// The topic answered, if any.
    pub fn topic(&self) -> Option<TopicIdx> {
        match self.outcome {
            Outcome::Topic { topic, .. } | Outcome::UseCase { topic, .. } => Some(topic),
            Outcome::Unsure(_) => None,
        }
    }

    /// The use case answered, if the answer is a use case's.
    pub fn use_case(&self) -> Option<UseCaseIdx> {
        match self.outcome {
            Outcome::UseCase { use_case, .. } => Some(use_case),
            Outcome::Topic { .. } | Outcome::Unsure(_) => None,
        }
    }

    /// The sources of the entry answered (the use case's own for a use case);
    /// none for a refusal.
    pub fn sources<'p>(&self, pack: &'p crate::knowledge::Pack) -> &'p [crate::knowledge::Source] {
        match self.outcome {
            Outcome::Topic { topic, .. } => &pack.topic(topic).sources,
            Outcome::UseCase { use_case, .. } => &pack.use_case(use_case).sources,
            Outcome::Unsure(_) => &[],
        }
    }

    /// The pick, when the question asks for one.
    pub fn pick(&self, pack: &crate::knowledge::Pack) -> Option<Pick> {
        match self.outcome {
            Outcome::Topic { pick, .. } => pick,
            Outcome::UseCase { use_case, .. } => Some(pack.use_case(use_case).pick),
            Outcome::Unsure(_) => None,
        }
    }
}

/// Why the engine did not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsure {
    /// Nothing left to read once mentions, links and markup were removed.
    Empty,
    /// The question is about technologies the pack does not cover.
    OutOfScope(Vec<String>),
    /// No topic matched well enough, or two matched equally well.
    NoMatch,
    /// Two entries matched the same words about equally well.
    Ambiguous,
    /// Nothing in the question is about the pack's subject ("how to learn guitar fast").
    NoAnchor,
    /// Two names of the same contender compared (two frameworks of one language): the
    /// contender's name and the names compared.
    SameSide { contender: String, names: Vec<String> },
    /// The question is not in the pack's language, whose name is given.
    Language(String),
}

/// One reason that weighed in.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub label: String,
    pub text: String,
    pub favours: Pick,
    pub weight: f32,
}

/// The outcome of a `/recommend`.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub pick: Pick,
    pub reasons: Vec<Reason>,
    /// Total weight per contender, indexed like the pack's contenders.
    pub totals: Vec<f32>,
    pub topics: Vec<TopicIdx>,
    pub use_case: Option<UseCaseIdx>,
}
