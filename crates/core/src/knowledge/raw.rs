//! The TOML files as written, before validation.
//!
//! Text fields default to empty so that a missing field is reported together with
//! every other problem (by the validator, naming the entry) instead of stopping
//! the parse at the first one. Unknown fields are collected while parsing
//! (serde_ignored) and reported as problems of their entry: a misspelt field
//! name would otherwise be silently ignored, and refusing the whole file would
//! hide every other problem in it.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct PackFile {
    pub pack: PackMeta,
    #[serde(default)]
    pub contender: Vec<Contender>,
    #[serde(default)]
    pub synonyms: BTreeMap<String, String>,
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub intents: Intents,
    #[serde(default)]
    pub scope_out: ScopeOut,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PackMeta {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub default_topic: String,
    #[serde(default)]
    pub starter_topics: Vec<String>,
    /// The topic suggested when a question compares two names of the same
    /// contender ("two frameworks of one language").
    #[serde(default)]
    pub same_side_topic: Option<String>,
    pub either: Either,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Either {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub emoji: String,
    #[serde(default)]
    pub colour: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Contender {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub emoji: String,
    #[serde(default)]
    pub colour: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Language {
    /// Stop-word list code, e.g. "en".
    #[serde(default)]
    pub stopwords: Option<String>,
    /// Extra words that carry no meaning in this pack's chat ("hey", "pls").
    #[serde(default)]
    pub filler: Vec<String>,
    /// Words that belong to the pack's subject without pointing at a topic
    /// ("server", "app"): they make a question more clearly on-topic.
    #[serde(default)]
    pub domain: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Intents {
    #[serde(default)]
    pub pick: Vec<String>,
    #[serde(default)]
    pub recommend: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ScopeOut {
    #[serde(default)]
    pub names: Vec<String>,
    /// Technologies that sit beside the subject (front ends, containers):
    /// out of scope only in a question that has nothing of the subject.
    #[serde(default)]
    pub beside: Vec<String>,
    #[serde(default)]
    pub patterns: Vec<NamedPattern>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TopicsFile {
    #[serde(default)]
    pub topic: Vec<Topic>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Topic {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub section: String,
    pub reviewed: Option<toml::value::Datetime>,
    #[serde(default)]
    pub about: Option<String>,
    #[serde(default)]
    pub related: Vec<String>,
    #[serde(default)]
    pub asks: Vec<Ask>,
    pub verdict: Option<Verdict>,
    #[serde(default)]
    pub points: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub sources: Vec<RawSource>,
    #[serde(default)]
    pub examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Verdict {
    #[serde(default)]
    pub pick: String,
    #[serde(default)]
    pub reason: String,
}

/// One way people ask: a plain string (a word, a phrase, or `re:` + a regex),
/// or a table with an explicit weight.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Ask {
    Plain(String),
    Weighted {
        term: String,
        #[serde(default = "one")]
        weight: f32,
    },
}

fn one() -> f32 {
    1.0
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct UseCasesFile {
    #[serde(default)]
    pub use_case: Vec<UseCase>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct UseCase {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub asks: Vec<Ask>,
    #[serde(default)]
    pub pick: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub consider: String,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub section: String,
    /// How much this use case weighs in `/recommend`; default `use_case_weight`.
    #[serde(default)]
    pub weight: Option<f32>,
    #[serde(default)]
    pub sources: Vec<RawSource>,
    #[serde(default)]
    pub examples: Vec<String>,
}

/// A source as written: a plain address, or a table that names it.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawSource {
    Url(String),
    Named {
        url: String,
        #[serde(default)]
        title: Option<String>,
        /// A Q&A site, forum or mailing list cited on purpose.
        #[serde(default)]
        secondary: bool,
    },
}

#[derive(Debug, Deserialize)]
pub(crate) struct NamedPattern {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub re: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RecommendFile {
    #[serde(default = "three")]
    pub use_case_weight: f32,
    #[serde(default)]
    pub factor: Vec<Factor>,
}

impl Default for RecommendFile {
    fn default() -> Self {
        RecommendFile { use_case_weight: three(), factor: Vec::new() }
    }
}

fn three() -> f32 {
    3.0
}

#[derive(Debug, Deserialize)]
pub(crate) struct Factor {
    #[serde(default)]
    pub option: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub choice: Vec<FactorChoice>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct FactorChoice {
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub favours: String,
    #[serde(default)]
    pub weight: f32,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub topic: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OnboardingFile {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub intro: String,
    #[serde(default)]
    pub starter_topics: Vec<String>,
    #[serde(default)]
    pub menu_placeholder: String,
    #[serde(default)]
    pub ask_button: String,
    #[serde(default)]
    pub modal_title: String,
    #[serde(default)]
    pub question_label: String,
    #[serde(default)]
    pub question_placeholder: String,
}
