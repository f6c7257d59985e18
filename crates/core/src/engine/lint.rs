//! What `stackpick check` can see about how the engine will read a pack: the
//! traps a pack author falls into without noticing, and examples the engine
//! answers as another entry.
//!
//! These are notes, not errors: the pack works, but some of its words may
//! not do what their author meant, and only the author can tell. They live here rather than in the loader
//! because they depend on how the engine reads (stems, stop words, synonyms).

use rustc_hash::FxHashMap as HashMap;

use rust_stemmers::{Algorithm, Stemmer};

use super::{text, Engine};
use crate::knowledge::{
    Ask, Location, Problem, Severity, TopicIdx, UseCaseIdx, PACK_FILE, TOPICS_FILE, USE_CASES_FILE,
};

fn note(file: &str, entry: &str, field: &str, message: String) -> Problem {
    Problem {
        at: Location {
            file: file.to_owned(),
            entry: Some(entry.to_owned()),
            field: Some(field.to_owned()),
            line: None,
        },
        message,
        severity: Severity::Note,
    }
}

/// The kinds of trap `check` notes, each with its heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trap {
    /// An ask listed by several entries.
    SharedAsk,
    /// An ask made only of stop or filler words.
    StopWordsOnly,
    /// A word whose stem is a domain word's.
    DomainStem,
    /// An alias that is also a stop or filler word.
    StopWordAlias,
    /// A synonym that rewrites an alias away.
    HiddenAlias,
}

impl Trap {
    /// The heading its notes are grouped under.
    pub fn heading(self) -> &'static str {
        match self {
            Trap::SharedAsk => "asks shared between entries",
            Trap::StopWordsOnly => "asks made only of stop or filler words",
            Trap::DomainStem => "asks that also match a domain word",
            Trap::StopWordAlias => "aliases that are ordinary words",
            Trap::HiddenAlias => "aliases a synonym rewrites away",
        }
    }
}

/// An example the engine answers as another entry, or not at all.
#[derive(Debug, Clone, PartialEq)]
pub struct Misread {
    /// The entry it is an example of ("topic `performance`").
    pub entry: String,
    /// The note naming the file, entry, field and answer.
    pub note: Problem,
    /// What it is answered as ("topic `architecture`"), `None` when refused.
    pub answered_as: Option<String>,
}

/// What `check` sees about how the engine reads a pack.
#[derive(Debug, Clone, Default)]
pub struct Lint {
    /// Traps in asks and aliases, by kind.
    pub traps: Vec<(Trap, Problem)>,
    /// Examples answered as another entry or not at all.
    pub misread: Vec<Misread>,
    /// How many examples were read.
    pub examples: usize,
}

impl Engine {
    /// Every trap and misread example in the pack, as notes naming the
    /// file (relative to the pack folder), entry and field.
    pub fn lint(&self) -> Lint {
        let (misread, examples) = self.misread_examples();
        Lint { traps: self.traps(), misread, examples }
    }

    fn entries(&self) -> Vec<(&'static str, String, &[Ask])> {
        let pack = self.pack();
        pack.topics
            .iter()
            .map(|t| (TOPICS_FILE, format!("topic `{}`", t.id), t.asks.as_slice()))
            .chain(pack.use_cases.iter().map(|u| (USE_CASES_FILE, format!("use case `{}`", u.id), u.asks.as_slice())))
            .collect()
    }

    fn traps(&self) -> Vec<(Trap, Problem)> {
        let pack = self.pack();
        let voc = &pack.vocabulary;
        let stemmer = Stemmer::create(Algorithm::English);
        let stem = |w: &str| stemmer.stem(w).into_owned();
        let mut out = Vec::new();
        let stop: std::collections::HashSet<&str> = voc.stopwords.iter().map(String::as_str).collect();

        // A term listed by several entries counts for less in each.
        let mut owners: HashMap<String, Vec<String>> = HashMap::default();
        for (_, entry, asks) in self.entries() {
            for ask in asks {
                if let Ask::Words { text, exact, .. } = ask {
                    let key = text::phrase_words(text)
                        .iter()
                        .map(|w| if *exact { w.clone() } else { stem(w) })
                        .collect::<Vec<_>>()
                        .join(" ");
                    let list = owners.entry(key).or_default();
                    if !list.contains(&entry) {
                        list.push(entry.clone());
                    }
                }
            }
        }
        let mut shared: Vec<(&String, &Vec<String>)> = owners.iter().filter(|(_, o)| o.len() > 1).collect();
        shared.sort();
        for (term, entries) in shared {
            let first = &entries[0];
            let file = if first.starts_with("topic") { TOPICS_FILE } else { USE_CASES_FILE };
            out.push((
                Trap::SharedAsk,
                note(
                    file,
                    first,
                    "asks",
                    format!(
                        "`{term}` is also an ask of {}: a shared term counts for less in each (1/{} of its weight)",
                        entries[1..].join(", "),
                        entries.len()
                    ),
                ),
            ));
        }

        // Words the engine throws away or rewrites before matching.
        let domain_stems: HashMap<String, &str> =
            voc.domain.iter().flat_map(|d| text::phrase_words(d)).map(|w| (stem(&w), "domain")).collect();
        for (file, entry, asks) in self.entries() {
            for (i, ask) in asks.iter().enumerate() {
                let Ask::Words { text, exact, weight } = ask else { continue };
                let words = text::phrase_words(text);
                let field = format!("asks[{i}]");
                if !words.is_empty() && words.iter().all(|w| stop.contains(w.as_str())) && *weight > 0.5 {
                    out.push((Trap::StopWordsOnly, note(
                        file,
                        &entry,
                        &field,
                        format!("`{text}` is made only of stop or filler words: it matches almost any question, so at weight {weight} it can outweigh the subject (lower its weight, or pair it with a subject word)"),
                    )));
                } else if let [word] = words.as_slice() {
                    let s = stem(word);
                    // A derived word ("projections", "backing") whose stem is a
                    // domain word's ("project", "back"): it matches that word too.
                    if !exact
                        && word.len() >= s.len() + 3
                        && domain_stems.contains_key(&s)
                        && !voc.domain.contains(word)
                    {
                        out.push((Trap::DomainStem, note(
                            file,
                            &entry,
                            &field,
                            format!("`{word}` stems to `{s}`, the stem of a domain word: it also matches that word (write `={word}` for the word alone)"),
                        )));
                    }
                }
            }
        }
        for (i, c) in pack.contenders.iter().enumerate() {
            let entry = format!("contender `{}`", c.id);
            for alias in &c.aliases {
                for w in text::phrase_words(alias) {
                    if stop.contains(w.as_str()) && text::phrase_words(alias).len() == 1 {
                        out.push((Trap::StopWordAlias, note(
                            PACK_FILE,
                            &entry,
                            "aliases",
                            format!("alias `{alias}` is also a stop or filler word: every ordinary use of the word (\"let's {alias}\") names the contender"),
                        )));
                    }
                }
                if let Some((from, to)) = voc.synonyms.iter().find(|(from, _)| *from == *alias) {
                    out.push((
                        Trap::HiddenAlias,
                        note(
                            PACK_FILE,
                            "[synonyms]",
                            from,
                            format!(
                                "rewrites `{from}` to `{to}`, so the alias `{alias}` of contender `{}` never matches",
                                pack.contenders[i].id
                            ),
                        ),
                    ));
                }
            }
        }
        out
    }

    /// Examples the engine answers as another entry (or not at all): the
    /// example teaches the wrong thing, or another entry's asks are stronger.
    fn misread_examples(&self) -> (Vec<Misread>, usize) {
        let pack = self.pack();
        let mut out = Vec::new();
        let mut examples = 0;
        let name = |a: &crate::answer::Answer| match a.outcome {
            crate::answer::Outcome::Topic { topic, .. } => Some(format!("topic `{}`", pack.topic(topic).id)),
            crate::answer::Outcome::UseCase { use_case, .. } => {
                Some(format!("use case `{}`", pack.use_case(use_case).id))
            }
            crate::answer::Outcome::Unsure(_) => None,
        };
        let mut misread = |file: &str, entry: String, j: usize, e: &str, a: &crate::answer::Answer| {
            let answered_as = name(a);
            let message = format!(
                "`{e}` is answered as {} ({:.2})",
                answered_as.as_deref().unwrap_or("not answered"),
                a.confidence
            );
            let note = note(file, &entry, &format!("examples[{j}]"), message);
            out.push(Misread { entry, note, answered_as });
        };
        for (i, t) in pack.topics.iter().enumerate() {
            for (j, e) in t.examples.iter().enumerate() {
                examples += 1;
                let a = self.answer_known(e);
                if a.topic() != Some(TopicIdx(i)) {
                    misread(TOPICS_FILE, format!("topic `{}`", t.id), j, e, &a);
                }
            }
        }
        for (i, u) in pack.use_cases.iter().enumerate() {
            for (j, e) in u.examples.iter().enumerate() {
                examples += 1;
                let a = self.answer_known(e);
                let own =
                    matches!(a.outcome, crate::answer::Outcome::UseCase { use_case, .. } if use_case == UseCaseIdx(i));
                if !own {
                    misread(USE_CASES_FILE, format!("use case `{}`", u.id), j, e, &a);
                }
            }
        }
        (out, examples)
    }
}
