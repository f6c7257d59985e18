//! Reading a pack folder and checking everything in it.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use regex::Regex;
use serde::de::DeserializeOwned;

use super::problem::{Collector, PackErrors, Problem, Severity};
use super::source::PackSource;
use super::vectors::{StoredVectors, VECTORS_FILE};
use super::{
    raw, raw::RawSource, Ask, Contender, ContenderIdx, Pack, PackInfo, Pick, Side, Source, Topic, TopicIdx, UseCase,
    Verdict, Vocabulary,
};
use crate::embed;

mod entries;
mod extras;
mod ids;
mod locate;
mod pack;
mod sources;

use entries::*;
use extras::*;
use ids::*;
use locate::*;
use pack::*;
use sources::*;

/// The pack's contenders, vocabulary and settings.
pub const PACK_FILE: &str = "pack.toml";
/// The topics.
pub const TOPICS_FILE: &str = "topics.toml";
/// The use cases.
pub const USE_CASES_FILE: &str = "use_cases.toml";
/// How `/recommend` weighs its factors (optional).
pub const RECOMMEND_FILE: &str = "recommend.toml";

/// The welcome for new members (optional).
pub const ONBOARDING_FILE: &str = "onboarding.toml";
/// Optional: more questions people ask, one per line with the entry that
/// answers it (or `-` for a near-miss the pack must not answer).
pub const QUESTIONS_FILE: &str = "questions.tsv";

/// Option names `/recommend` uses itself; factors cannot take them.
const RESERVED_OPTIONS: [&str; 3] = ["use_case", "private", "mention"];

/// How old a `reviewed` date may be before `check` warns that the entry is stale.
pub const STALE_AFTER_DAYS: i64 = 365;

/// Loads and validates the pack in `dir`, reporting every problem at once.
///
/// Errors fail the load; warnings are kept in [`Pack::warnings`].
pub fn load(dir: &Path) -> Result<Pack, PackErrors> {
    load_from(&PackSource::Dir(dir.to_path_buf()))
}

/// [`load`] with the date that review ages are measured against, for tests.
pub fn load_as_of(dir: &Path, today: chrono::NaiveDate) -> Result<Pack, PackErrors> {
    load_source_as_of(&PackSource::Dir(dir.to_path_buf()), today)
}

/// Loads and validates the pack from a folder or the built-in copy.
pub fn load_from(source: &PackSource) -> Result<Pack, PackErrors> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let today = chrono::DateTime::from_timestamp(i64::try_from(now).unwrap_or(0), 0).unwrap_or_default().date_naive();
    load_source_as_of(source, today)
}

fn load_source_as_of(dir: &PackSource, today: chrono::NaiveDate) -> Result<Pack, PackErrors> {
    let mut problems = Vec::new();
    // The files as read, by displayed path: problems are placed on their lines.
    let mut texts: HashMap<String, String> = HashMap::new();
    let pack_file = read::<raw::PackFile>(dir, PACK_FILE, &mut problems, &mut texts);
    let topics_file = read::<raw::TopicsFile>(dir, TOPICS_FILE, &mut problems, &mut texts);
    let use_cases_file = read::<raw::UseCasesFile>(dir, USE_CASES_FILE, &mut problems, &mut texts);
    let recommend_file = if dir.exists(RECOMMEND_FILE) {
        read::<raw::RecommendFile>(dir, RECOMMEND_FILE, &mut problems, &mut texts)
    } else {
        Some(raw::RecommendFile::default())
    };

    let display = |name: &str| dir.path_of(name);

    // Contenders first: topics and use cases refer to them.
    let contenders = match &pack_file {
        Some(file) => contenders(file, &mut Collector::new(display(PACK_FILE), &mut problems)),
        None => Vec::new(),
    };
    let contender_ids: HashMap<&str, ContenderIdx> =
        contenders.iter().enumerate().map(|(i, c)| (c.id.as_str(), ContenderIdx(i))).collect();
    let check_refs = pack_file.is_some();

    let topic_ids = topics_file.as_ref().map(|f| ids(&f.topic, |t| &t.id)).unwrap_or_default();
    let topics = match &topics_file {
        Some(file) => {
            let mut c = Collector::new(display(TOPICS_FILE), &mut problems);
            topics(file, &topic_ids, &contender_ids, check_refs, today, &mut c)
        }
        None => Vec::new(),
    };
    let use_cases = match &use_cases_file {
        Some(file) => {
            let mut c = Collector::new(display(USE_CASES_FILE), &mut problems);
            use_cases(file, topics_file.as_ref().map(|_| &topic_ids), &contender_ids, check_refs, &mut c)
        }
        None => Vec::new(),
    };

    let (info, vocabulary) = match &pack_file {
        Some(file) => {
            let mut c = Collector::new(display(PACK_FILE), &mut problems);
            let info = info(&file.pack, &topic_ids, topics_file.is_some(), &mut c);
            let vocabulary = vocabulary(file, &contenders, &mut c);
            (info, vocabulary)
        }
        None => (None, Vocabulary::default()),
    };

    let recommend = match (&recommend_file, &topics_file) {
        (Some(file), Some(_)) => {
            let mut c = Collector::new(display(RECOMMEND_FILE), &mut problems);
            recommend(file, &topic_ids, &contender_ids, check_refs, &mut c)
        }
        _ => super::Recommend::default(),
    };

    let onboarding = if dir.exists(ONBOARDING_FILE) {
        match (read::<raw::OnboardingFile>(dir, ONBOARDING_FILE, &mut problems, &mut texts), &topics_file) {
            (Some(file), Some(_)) => {
                let mut c = Collector::new(display(ONBOARDING_FILE), &mut problems);
                Some(onboarding(&file, &topic_ids, &mut c))
            }
            _ => None,
        }
    } else {
        None
    };

    let mut topics = topics;
    let mut use_cases = use_cases;
    let mut negatives = Vec::new();
    if dir.exists(QUESTIONS_FILE) {
        let mut c = Collector::new(display(QUESTIONS_FILE), &mut problems);
        match dir.read_to_string(QUESTIONS_FILE) {
            Ok(text) => questions(&text, &mut topics, &mut use_cases, &mut negatives, &mut c),
            Err(e) => c.file(format!("cannot be read: {e}")),
        }
    }

    duplicate_examples(&topics, &use_cases, &display, &mut problems);

    // Stored sentence vectors are optional: without them a sentence model
    // encodes the examples at load (slowly), and `check` says so.
    let vectors = if dir.exists(VECTORS_FILE) {
        let mut c = Collector::new(display(VECTORS_FILE), &mut problems);
        match dir.read(VECTORS_FILE) {
            Ok(bytes) => match StoredVectors::from_bytes(&bytes) {
                Ok(v) => Some(v),
                Err(e) => {
                    c.file(format!("{e}: run `stackpick vectors` to write it again"));
                    None
                }
            },
            Err(e) => {
                c.file(format!("cannot be read: {e}"));
                None
            }
        }
    } else {
        None
    };

    let Some(info) = info else {
        place_problems(&texts, &mut problems);
        problems.retain(|p| p.severity == Severity::Error);
        return Err(PackErrors(problems));
    };
    let mut pack = Pack {
        info,
        contenders,
        topics,
        use_cases,
        vocabulary,
        recommend,
        onboarding,
        negatives,
        vectors,
        warnings: Vec::new(),
    };

    // Discord rejects a whole message when one embed limit is exceeded, so each
    // entry is rendered here exactly as it would be sent and measured.
    check_rendered(&pack, &display, &mut problems);
    place_problems(&texts, &mut problems);

    if problems.iter().any(|p| p.severity == Severity::Error) {
        // Warnings wait until the pack loads: errors come first.
        problems.retain(|p| p.severity == Severity::Error);
        Err(PackErrors(problems))
    } else {
        pack.warnings = problems;
        Ok(pack)
    }
}

/// Gives every problem that names an entry the line of its field.
fn place_problems(texts: &HashMap<String, String>, problems: &mut [Problem]) {
    for p in problems.iter_mut().filter(|p| p.at.line.is_none()) {
        let (Some(entry), Some(text)) = (&p.at.entry, texts.get(&p.at.file)) else { continue };
        p.at.line = locate_problem(text, entry, p.at.field.as_deref());
    }
}
