//! The knowledge pack: contenders, topics and use cases, loaded from TOML and
//! validated as a whole.
//!
//! This module owns the typed model. Everything specific to one comparison
//! (the first pack compares two backend runtimes; any other pair works) comes from the files in the pack
//! folder; the types here only know about "contenders", "topics" and "use cases".

mod load;
mod problem;
mod raw;
mod source;
pub mod vectors;

use regex::Regex;

pub use load::{
    load, load_as_of, load_from, ONBOARDING_FILE, PACK_FILE, QUESTIONS_FILE, RECOMMEND_FILE, TOPICS_FILE,
    USE_CASES_FILE,
};
pub use problem::{Location, PackErrors, Problem, Severity};
pub use source::{PackSource, SHIPPED_NAME};
pub use vectors::{StoredVectors, VECTORS_FILE};

/// Position of a contender in [`Pack::contenders`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContenderIdx(pub usize);

/// Position of a topic in [`Pack::topics`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicIdx(pub usize);

/// Position of a use case in [`Pack::use_cases`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UseCaseIdx(pub usize);

/// A validated knowledge pack. Every index inside it points at an existing entry.
#[derive(Debug)]
pub struct Pack {
    pub info: PackInfo,
    pub contenders: Vec<Contender>,
    pub topics: Vec<Topic>,
    pub use_cases: Vec<UseCase>,
    pub vocabulary: Vocabulary,
    pub recommend: Recommend,
    /// The welcome for new members; `None` when the pack has no onboarding.toml.
    pub onboarding: Option<Onboarding>,
    /// Near-miss questions the pack must not answer (`questions.tsv` rows marked `-`).
    pub negatives: Vec<String>,
    /// The sentence vectors stored with the pack (`vectors.bin`), if any.
    pub vectors: Option<StoredVectors>,
    /// What `stackpick check` would warn about; the pack works regardless.
    pub warnings: Vec<Problem>,
}

/// The welcome message, as data.
#[derive(Debug, Clone)]
pub struct Onboarding {
    /// May contain `{server}`.
    pub title: String,
    /// May contain `{member}` and `{server}`.
    pub intro: String,
    pub starter_topics: Vec<TopicIdx>,
    pub menu_placeholder: String,
    pub ask_button: String,
    pub modal_title: String,
    pub question_label: String,
    pub question_placeholder: String,
}

/// How `/recommend` weighs its factors.
#[derive(Debug, Default)]
pub struct Recommend {
    /// The weight of the use case's own pick.
    pub use_case_weight: f32,
    pub factors: Vec<Factor>,
}

/// One `/recommend` option (such as "what your team knows") and its choices.
#[derive(Debug)]
pub struct Factor {
    /// The slash-command option name.
    pub option: String,
    pub description: String,
    pub choices: Vec<FactorChoice>,
}

/// One answer to a factor, and what it adds to the recommendation.
#[derive(Debug)]
pub struct FactorChoice {
    pub value: String,
    pub name: String,
    pub favours: Pick,
    pub weight: f32,
    pub reason: String,
    pub topic: TopicIdx,
}

/// What the pack is and how its neutral verdict looks.
#[derive(Debug)]
pub struct PackInfo {
    pub id: String,
    pub name: String,
    /// What the pack covers, in words shown to users ("choosing between …").
    pub scope: String,
    pub source: String,
    pub default_topic: TopicIdx,
    pub starter_topics: Vec<TopicIdx>,
    /// Suggested when two names of one contender are compared.
    pub same_side_topic: Option<TopicIdx>,
    pub either: Side,
}

/// How a side (a contender, or the neutral "either") is shown.
#[derive(Debug, Clone)]
pub struct Side {
    pub name: String,
    pub emoji: String,
    pub colour: u32,
}

/// One of the things being compared.
#[derive(Debug)]
pub struct Contender {
    pub id: String,
    pub side: Side,
    /// Lower-case names people use for it, including the id and the display name.
    pub aliases: Vec<String>,
}

/// A verdict or recommendation: one contender, or neither over the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Contender(ContenderIdx),
    Either,
}

/// One way people ask about an entry.
#[derive(Debug, Clone)]
pub enum Ask {
    /// A word or a phrase, matched on normalised words: on their stems, or
    /// letter for letter when `exact` (written with a leading `=` in the pack).
    Words { text: String, weight: f32, exact: bool },
    /// A regular expression over the normalised question.
    Pattern { regex: Regex, weight: f32 },
}

/// An answerable topic.
#[derive(Debug)]
pub struct Topic {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// The source article section this entry draws on.
    pub section: String,
    /// ISO date of the last review.
    pub reviewed: String,
    /// The contender this topic profiles, for one-sided topics ("what is X?").
    pub about: Option<ContenderIdx>,
    pub related: Vec<TopicIdx>,
    pub asks: Vec<Ask>,
    pub verdict: Verdict,
    /// Points per contender, indexed like [`Pack::contenders`].
    pub points: Vec<Vec<String>>,
    /// The primary sources its facts rest on, the ones answers show first.
    pub sources: Vec<Source>,
    /// Phrasings of real questions this topic answers; the engine learns from them.
    pub examples: Vec<String>,
}

/// One source an entry rests on: where it is, and the short name answers link it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// An http(s) address.
    pub url: String,
    /// A short name ("PEP 779"); packs written before titles existed have none.
    pub title: Option<String>,
    /// Cited on purpose although its host is a Q&A site, forum or mailing list.
    pub secondary: bool,
}

impl Source {
    /// What an answer calls this source: its title, or else its host name, so
    /// a pack without titles still shows readable links.
    pub fn label(&self) -> &str {
        self.title.as_deref().unwrap_or_else(|| host(&self.url))
    }

    /// The host name of the address (without `www.`).
    pub fn host(&self) -> &str {
        host(&self.url)
    }
}

fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or(host);
    host.strip_prefix("www.").unwrap_or(host)
}

/// A topic's verdict.
#[derive(Debug)]
pub struct Verdict {
    pub pick: Pick,
    pub reason: String,
}

/// Something people build, or a situation they are in, with the contender that fits.
#[derive(Debug)]
pub struct UseCase {
    pub id: String,
    pub name: String,
    pub asks: Vec<Ask>,
    pub pick: Pick,
    pub reason: String,
    pub consider: String,
    /// The topics behind the pick; never empty, the first is the answer's topic.
    pub topics: Vec<TopicIdx>,
    pub section: String,
    /// How strongly the use case decides in `/recommend` (a hard requirement
    /// such as "train our own models" outweighs what the team knows); `None`
    /// means the pack's `use_case_weight`.
    pub weight: Option<f32>,
    /// The primary sources its facts rest on, the ones answers show first.
    pub sources: Vec<Source>,
    /// Phrasings of real questions this use case answers; the engine learns from them.
    pub examples: Vec<String>,
}

/// The language the engine needs to read questions for this pack.
#[derive(Debug, Default)]
pub struct Vocabulary {
    /// The questions' language code (`[language] stopwords`, e.g. "en"), which
    /// also selects the word list of real words the engine knows.
    pub language: Option<String>,
    /// Words that carry no meaning on their own.
    pub stopwords: Vec<String>,
    /// Words of the pack's subject that point at no topic in particular.
    pub domain: Vec<String>,
    /// Word → replacement words.
    pub synonyms: Vec<(String, String)>,
    /// Phrases that ask for a winner.
    pub pick_cues: Vec<String>,
    /// Phrases that describe something to build.
    pub recommend_cues: Vec<String>,
    /// Names of technologies outside the pack.
    pub out_of_scope: Vec<String>,
    /// Per name in `out_of_scope`: whether it only sits beside the subject
    /// (a front end, a container tool), so it makes a question out of scope
    /// only when nothing of the subject is in it.
    pub out_of_scope_beside: Vec<bool>,
    /// Patterns that spot out-of-scope technologies with ambiguous names, with
    /// the name to show.
    pub out_of_scope_patterns: Vec<(String, Regex)>,
}

impl Pack {
    /// Finds a topic by its stable id.
    pub fn topic_by_id(&self, id: &str) -> Option<TopicIdx> {
        self.topics.iter().position(|t| t.id == id).map(TopicIdx)
    }

    /// Finds a use case by its id.
    pub fn use_case_by_id(&self, id: &str) -> Option<UseCaseIdx> {
        self.use_cases.iter().position(|u| u.id == id).map(UseCaseIdx)
    }

    /// Finds a contender by its id.
    pub fn contender_by_id(&self, id: &str) -> Option<ContenderIdx> {
        self.contenders.iter().position(|c| c.id == id).map(ContenderIdx)
    }

    pub fn topic(&self, idx: TopicIdx) -> &Topic {
        &self.topics[idx.0]
    }

    pub fn use_case(&self, idx: UseCaseIdx) -> &UseCase {
        &self.use_cases[idx.0]
    }

    pub fn contender(&self, idx: ContenderIdx) -> &Contender {
        &self.contenders[idx.0]
    }

    /// How a pick is shown: the contender's side, or the neutral one.
    pub fn side(&self, pick: Pick) -> &Side {
        match pick {
            Pick::Contender(c) => &self.contender(c).side,
            Pick::Either => &self.info.either,
        }
    }

    /// The id a pick has in JSON and custom ids: a contender id or `either`.
    pub fn pick_id(&self, pick: Pick) -> &str {
        match pick {
            Pick::Contender(c) => &self.contender(c).id,
            Pick::Either => "either",
        }
    }
}
