//! The JSON rendering used by `stackpick ask --json` and the evaluation.

use serde::Serialize;
use serenity::builder::CreateEmbed;

use crate::answer::Answer;
use crate::engine::Engine;

/// One answer as JSON, in the field order the contract documents.
#[derive(Debug, Serialize)]
pub struct AnswerJson<'a> {
    pub question: &'a str,
    /// Present (and true) only when the question was longer than the engine
    /// reads ([`crate::limits::QUESTION_CHARS`]) and `question` is its start.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub question_cut: bool,
    pub answered: bool,
    pub topic: Option<&'a str>,
    /// The use case's id when the answer is a use case's (`topic` is then
    /// the topic it belongs to); null for a topic's answer or a refusal.
    pub use_case: Option<&'a str>,
    pub pick: Option<&'a str>,
    pub confidence: f32,
    pub suggestions: Vec<&'a str>,
    /// The answered entry's sources, all of them, in the pack's order (the
    /// embed links the first few).
    pub sources: Vec<SourceJson<'a>>,
    /// The embed object exactly as it would be sent to Discord.
    pub embed: CreateEmbed,
}

impl<'a> AnswerJson<'a> {
    pub fn new(engine: &'a Engine, answer: &'a Answer) -> Self {
        let pack = engine.pack();
        AnswerJson {
            question: &answer.question,
            question_cut: false,
            answered: answer.answered(),
            topic: answer.topic().map(|t| pack.topic(t).id.as_str()),
            use_case: answer.use_case().map(|u| pack.use_case(u).id.as_str()),
            pick: answer.pick(pack).map(|p| pack.pick_id(p)),
            confidence: answer.confidence,
            suggestions: answer.suggestions.iter().map(|&t| pack.topic(t).id.as_str()).collect(),
            sources: answer
                .sources(pack)
                .iter()
                .map(|s| SourceJson { title: s.label(), url: s.url.as_str() })
                .collect(),
            embed: crate::discord::build::embed(&engine.embed(answer)),
        }
    }
}

/// One source of an answer.
#[derive(Debug, Serialize)]
pub struct SourceJson<'a> {
    /// Its title, or its host name when the pack gives none.
    pub title: &'a str,
    pub url: &'a str,
}

/// One answer as a single line of JSON.
pub fn line(engine: &Engine, answer: &Answer) -> String {
    serde_json::to_string(&AnswerJson::new(engine, answer)).expect("answer JSON serialises")
}

/// [`line`] for the answer to `asked`, saying when the engine read only its start.
pub fn line_for(engine: &Engine, asked: &str, answer: &Answer) -> String {
    let mut json = AnswerJson::new(engine, answer);
    json.question_cut = asked.chars().nth(crate::limits::QUESTION_CHARS).is_some();
    serde_json::to_string(&json).expect("answer JSON serialises")
}
