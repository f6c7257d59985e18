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

/// The longest source title an answer links by.
pub const SOURCE_TITLE_MAX: usize = 60;

/// Hosts whose pages are secondary sources (Q&A sites, forums, mailing lists,
/// social media): language-level data in `data/sources/`, the same for every pack.
fn secondary_hosts() -> impl Iterator<Item = &'static str> {
    include_str!("../../../../data/sources/secondary-hosts.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Whether `host` is, or is under, a host classed as secondary.
pub fn is_secondary_host(host: &str) -> bool {
    secondary_hosts().any(|s| host == s || host.strip_suffix(s).is_some_and(|rest| rest.ends_with('.')))
}

/// Validates an entry's `sources`: at least one, each an http(s) address, a
/// title (when given) short enough to link by, and no secondary host unless
/// the entry says it cites one on purpose.
fn sources(raw: &[RawSource], entry: &str, c: &mut Collector) -> Vec<Source> {
    if raw.is_empty() {
        c.warn(
            entry,
            "sources",
            "is missing: name the primary sources (official docs, PEPs, release notes) its facts rest on",
        );
    }
    let mut out: Vec<Source> = Vec::new();
    for (i, source) in raw.iter().enumerate() {
        let (url, title, secondary) = match source {
            RawSource::Url(url) => (url.trim(), None, false),
            RawSource::Named { url, title, secondary } => (url.trim(), title.as_deref().map(str::trim), *secondary),
        };
        let field = format!("sources[{i}]");
        let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        let valid = matches!(host, Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !url.chars().any(char::is_whitespace));
        if !valid {
            c.field(entry, &field, format!("`{url}` is not an http(s) address"));
            continue;
        }
        if out.iter().any(|s| s.url == url) {
            c.field(entry, &field, format!("`{url}` is listed twice"));
            continue;
        }
        if let Some(title) = title {
            let n = title.chars().count();
            if n == 0 {
                c.field(entry, &format!("{field}.title"), "is empty: give a short name or leave `title` out");
            } else if n > SOURCE_TITLE_MAX {
                c.field(entry, &format!("{field}.title"), format!("is {n} characters; at most {SOURCE_TITLE_MAX}"));
            } else if title.contains(['[', ']', '`', '*']) {
                c.field(
                    entry,
                    &format!("{field}.title"),
                    "contains markdown (`[`, `]`, backticks or `*`): plain words only",
                );
            }
        }
        let source =
            Source { url: url.to_owned(), title: title.filter(|t| !t.is_empty()).map(str::to_owned), secondary };
        if !secondary && is_secondary_host(source.host()) {
            c.warn(
                entry,
                &field,
                format!(
                    "`{}` is a secondary source (a Q&A site, forum, mailing list or social network): cite the primary \
                     source, or mark it `secondary = true` if it is cited on purpose",
                    source.host()
                ),
            );
        }
        out.push(source);
    }
    out
}

/// Reads `questions.tsv`: `question<TAB>entry id<TAB>source address`, `#` comments.
/// Each question becomes an example of its entry; `-` rows are the pack's own
/// near-miss negatives. A question already among the examples is a problem of its line.
fn questions(
    text: &str,
    topics: &mut [super::Topic],
    use_cases: &mut [super::UseCase],
    negatives: &mut Vec<String>,
    c: &mut Collector,
) {
    let mut seen: std::collections::HashSet<String> = topics
        .iter()
        .flat_map(|t| t.examples.iter())
        .chain(use_cases.iter().flat_map(|u| u.examples.iter()))
        .map(|e| e.to_lowercase())
        .collect();
    for (i, line) in text.lines().enumerate() {
        let at = (i + 1, 1);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if !(2..=3).contains(&cols.len()) {
            c.at(
                at,
                None,
                None,
                format!("expected 2 or 3 tab-separated columns (question, entry id, [source]), found {}", cols.len()),
            );
            continue;
        }
        let (question, id) = (cols[0].trim(), cols[1].trim());
        if question.is_empty() {
            c.at(at, None, None, "the question is empty");
            continue;
        }
        if !seen.insert(question.to_lowercase()) {
            c.at(at, None, None, format!("`{question}` is already an example"));
            continue;
        }
        if id == "-" {
            negatives.push(question.to_owned());
        } else if let Some(t) = topics.iter_mut().find(|t| t.id == id) {
            t.examples.push(question.to_owned());
        } else if let Some(u) = use_cases.iter_mut().find(|u| u.id == id) {
            u.examples.push(question.to_owned());
        } else {
            c.at(at, None, None, format!("`{id}` is neither a topic nor a use case (or `-`)"));
        }
    }
}

/// Validates an entry's `examples`: each a non-empty question the engine would read whole.
fn examples(raw: &[String], entry: &str, c: &mut Collector) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, example) in raw.iter().enumerate() {
        let example = example.trim();
        let field = format!("examples[{i}]");
        if example.is_empty() {
            c.field(entry, &field, "is empty");
        } else if example.chars().count() > crate::limits::QUESTION_CHARS {
            c.field(
                entry,
                &field,
                format!("is longer than the {} characters a question may have", crate::limits::QUESTION_CHARS),
            );
        } else if out.iter().any(|e| example_key(e) == example_key(example)) {
            c.field(entry, &field, format!("repeats an earlier example of this entry: `{example}`"));
        } else {
            out.push(example.to_owned());
        }
    }
    out
}

/// Examples compare without case and spacing differences.
fn example_key(text: &str) -> String {
    text.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

/// An example listed under two entries teaches the engine nothing but confusion.
fn duplicate_examples(
    topics: &[Topic],
    use_cases: &[UseCase],
    display: &dyn Fn(&str) -> String,
    problems: &mut Vec<Problem>,
) {
    let mut owner: HashMap<String, String> = HashMap::new();
    let entries = topics
        .iter()
        .map(|t| (TOPICS_FILE, format!("topic `{}`", t.id), &t.examples))
        .chain(use_cases.iter().map(|u| (USE_CASES_FILE, format!("use case `{}`", u.id), &u.examples)));
    for (file, entry, list) in entries {
        for example in list.iter() {
            if let Some(first) = owner.insert(example_key(example), entry.clone()) {
                if first != entry {
                    let mut c = Collector::new(display(file), problems);
                    c.field(
                        &entry,
                        "examples",
                        format!("`{example}` is also an example of {first}; keep it in one entry"),
                    );
                }
            }
        }
    }
}

fn read<T: DeserializeOwned>(
    dir: &PackSource,
    name: &str,
    problems: &mut Vec<Problem>,
    texts: &mut HashMap<String, String>,
) -> Option<T> {
    let mut c = Collector::new(dir.path_of(name), problems);
    let text = match dir.read_to_string(name) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            c.file(format!("file not found (a pack folder needs {PACK_FILE}, {TOPICS_FILE} and {USE_CASES_FILE})"));
            return None;
        }
        Err(e) => {
            c.file(format!("cannot read: {e}"));
            return None;
        }
    };
    let mut ignored: Vec<String> = Vec::new();
    let parsed: Result<T, _> =
        serde_ignored::deserialize(toml::Deserializer::new(&text), |path| ignored.push(path.to_string()));
    let value = match parsed {
        Ok(v) => {
            for path in ignored {
                let (entry, field, line) = locate_path(&text, &path);
                let message = format!("unknown field `{}`", field.rsplit('.').next().unwrap_or(&field));
                match line {
                    Some(line) => c.at(line, entry, Some(field), message),
                    None => match entry {
                        Some(entry) => c.field(&entry, &field, message),
                        None => c.file(message),
                    },
                }
            }
            Some(v)
        }
        Err(e) => {
            let message = format!("TOML error: {}", e.message().trim());
            match e.span() {
                Some(span) => c.at(line_col(&text, span.start), None, None, message),
                None => c.file(message),
            }
            None
        }
    };
    texts.insert(dir.path_of(name), text);
    value
}

/// The kinds of `[[array]]` entries in the pack files, as problems name them.
const ENTRY_KINDS: [(&str, &str); 5] = [
    ("topic", "topic"),
    ("use_case", "use case"),
    ("contender", "contender"),
    ("factor", "factor"),
    ("choice", "choice"),
];

/// Line numbers (0-based) where each `[[header]]` block starts.
fn blocks(text: &str, header: &str) -> Vec<usize> {
    let wanted = format!("[[{header}]]");
    text.lines().enumerate().filter(|(_, l)| l.trim() == wanted).map(|(i, _)| i).collect()
}

/// The lines of the block starting at `start`: up to the next `[[…]]` header of any kind.
fn block_end(lines: &[&str], start: usize) -> usize {
    (start + 1..lines.len()).find(|&i| lines[i].trim_start().starts_with("[[")).unwrap_or(lines.len())
}

/// The line and column of `key = …` within lines `from..to`, 1-based.
fn key_line(lines: &[&str], from: usize, to: usize, key: &str) -> Option<(usize, usize)> {
    (from..to.min(lines.len())).find_map(|i| {
        let l = lines[i];
        let trimmed = l.trim_start();
        let rest = trimmed.strip_prefix(key)?;
        rest.trim_start().starts_with('=').then(|| (i + 1, l.len() - trimmed.len() + 1))
    })
}

/// Turns a serde_ignored path ("topic.3.titel") into the entry, the field and
/// the place in the file.
fn locate_path(text: &str, path: &str) -> (Option<String>, String, Option<(usize, usize)>) {
    let lines: Vec<&str> = text.lines().collect();
    let parts: Vec<&str> = path.split('.').collect();
    if let [table, index, rest @ ..] = parts.as_slice() {
        if let (Some((_, kind)), Ok(index)) = (ENTRY_KINDS.iter().find(|(h, _)| h == table), index.parse::<usize>()) {
            let starts = blocks(text, table);
            let field = rest.join(".");
            let Some(&start) = starts.get(index) else { return (Some(format!("{kind} #{}", index + 1)), field, None) };
            let end = block_end(&lines, start);
            let id = key_line(&lines, start, end, "id")
                .and_then(|(l, _)| lines[l - 1].split_once('=').map(|(_, v)| v.trim().trim_matches('"').to_owned()));
            let entry = match id {
                Some(id) if !id.is_empty() => format!("{kind} `{id}`"),
                _ => format!("{kind} #{}", index + 1),
            };
            let key = rest.last().copied().unwrap_or_default();
            return (Some(entry), field, key_line(&lines, start, end, key).or(Some((start + 1, 1))));
        }
    }
    // A plain table (`[pack]`, `[language]`) or a top-level key.
    match parts.split_last() {
        Some((key, [])) => (None, (*key).to_owned(), key_line(&lines, 0, lines.len(), key)),
        Some((key, tables)) => {
            let header = format!("[{}]", tables.join("."));
            let start = lines.iter().position(|l| l.trim() == header);
            let line = start.and_then(|s| {
                let end = (s + 1..lines.len()).find(|&i| lines[i].trim_start().starts_with('[')).unwrap_or(lines.len());
                key_line(&lines, s + 1, end, key)
            });
            (Some(header), (*key).to_owned(), line)
        }
        None => (None, path.to_owned(), None),
    }
}

/// Finds where a semantic problem sits: the line of its field inside its
/// entry ("topic `performance`" → the `[[topic]]` block with that id).
fn locate_problem(text: &str, entry: &str, field: Option<&str>) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let base = field.map(|f| f.split(['[', '.']).next().unwrap_or(f));
    if entry.starts_with('[') && !entry.starts_with("[[") {
        let start = lines.iter().position(|l| l.trim() == entry)?;
        let end = (start + 1..lines.len()).find(|&i| lines[i].trim_start().starts_with('[')).unwrap_or(lines.len());
        return base.and_then(|k| key_line(&lines, start + 1, end, k)).or(Some((start + 1, 1)));
    }
    let (kind, name) =
        entry
            .split_once(' ')
            .map(|(k, n)| if k == "use" { ("use case", n.trim_start_matches("case ")) } else { (k, n) })?;
    let header = ENTRY_KINDS.iter().find(|(_, k)| *k == kind)?.0;
    let starts = blocks(text, header);
    let start = if let Some(n) = name.strip_prefix('#') {
        *starts.get(n.parse::<usize>().ok()?.checked_sub(1)?)?
    } else {
        let id = name.trim_matches('`');
        *starts.iter().find(|&&s| {
            let end = block_end(&lines, s);
            key_line(&lines, s, end, "id").is_some_and(|(l, _)| {
                lines[l - 1].split_once('=').is_some_and(|(_, v)| v.trim().trim_matches('"') == id)
            })
        })?
    };
    let end = block_end(&lines, start);
    base.and_then(|k| key_line(&lines, start, end, k)).or(Some((start + 1, 1)))
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Maps each non-empty id to its first position.
fn ids<T>(items: &[T], id: impl Fn(&T) -> &String) -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        map.entry(id(item).clone()).or_insert(i);
    }
    map.remove("");
    map
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// Checks an id field and reports duplicates; returns the entry's display name.
fn check_id(kind: &str, id: &str, index: usize, seen: &mut HashMap<String, usize>, c: &mut Collector) -> String {
    if id.trim().is_empty() {
        let entry = format!("{kind} #{}", index + 1);
        c.field(&entry, "id", "is missing or empty");
        return entry;
    }
    let entry = format!("{kind} `{id}`");
    if !valid_id(id) {
        c.field(&entry, "id", "must be lower-case letters, digits and dashes (at most 40)");
    }
    match seen.get(id) {
        Some(&first) => c.field(
            &entry,
            "id",
            format!("duplicate id `{id}`: the {kind} #{} and the {kind} #{} both use it", first + 1, index + 1),
        ),
        None => {
            seen.insert(id.to_owned(), index);
        }
    }
    entry
}

fn colour(entry: &str, field: &str, value: &str, c: &mut Collector) -> u32 {
    let hex = value.trim().trim_start_matches('#');
    match u32::from_str_radix(hex, 16) {
        Ok(v) if hex.len() == 6 => v,
        _ => {
            c.field(entry, field, format!("`{value}` is not a colour like \"#5FA04E\""));
            0
        }
    }
}

fn contenders(file: &raw::PackFile, c: &mut Collector) -> Vec<Contender> {
    let mut seen = HashMap::new();
    let mut alias_owner: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    if file.contender.len() < 2 {
        c.entry("[[contender]]", format!("a pack compares at least two contenders; found {}", file.contender.len()));
    }
    for (i, raw) in file.contender.iter().enumerate() {
        let entry = check_id("contender", &raw.id, i, &mut seen, c);
        if raw.id == "either" {
            c.field(&entry, "id", "`either` is reserved for the neutral verdict");
        }
        c.require(&entry, "name", &raw.name);
        c.require(&entry, "emoji", &raw.emoji);
        let colour = colour(&entry, "colour", &raw.colour, c);
        let mut aliases: Vec<String> = vec![raw.id.to_lowercase(), raw.name.to_lowercase()];
        for (j, alias) in raw.aliases.iter().enumerate() {
            let alias = alias.trim().to_lowercase();
            if alias.is_empty() {
                c.field(&entry, &format!("aliases[{j}]"), "is empty");
                continue;
            }
            aliases.push(alias);
        }
        aliases.retain(|a| !a.is_empty());
        aliases.sort();
        aliases.dedup();
        for alias in &aliases {
            if let Some(other) = alias_owner.insert(alias.clone(), raw.id.clone()) {
                if other != raw.id {
                    c.field(&entry, "aliases", format!("alias `{alias}` is also an alias of contender `{other}`"));
                }
            }
        }
        out.push(Contender {
            id: raw.id.clone(),
            side: Side { name: raw.name.clone(), emoji: raw.emoji.clone(), colour },
            aliases,
        });
    }
    out
}

fn info(
    meta: &raw::PackMeta,
    topic_ids: &HashMap<String, usize>,
    have_topics: bool,
    c: &mut Collector,
) -> Option<PackInfo> {
    let entry = "[pack]";
    c.require(entry, "id", &meta.id);
    c.require(entry, "name", &meta.name);
    c.require(entry, "scope", &meta.scope);
    c.require(entry, "source", &meta.source);
    c.require("[pack.either]", "name", &meta.either.name);
    c.require("[pack.either]", "emoji", &meta.either.emoji);
    let topic_ref = |field: &str, id: &str, c: &mut Collector| -> Option<TopicIdx> {
        match topic_ids.get(id) {
            Some(&i) => Some(TopicIdx(i)),
            None => {
                if have_topics {
                    c.field(entry, field, format!("unknown topic id `{id}`"));
                }
                None
            }
        }
    };
    let default_topic = if meta.default_topic.trim().is_empty() {
        c.field(entry, "default_topic", "is missing or empty");
        None
    } else {
        topic_ref("default_topic", &meta.default_topic, c)
    };
    let starter_topics = meta.starter_topics.iter().filter_map(|id| topic_ref("starter_topics", id, c)).collect();
    let same_side_topic = meta.same_side_topic.as_deref().and_then(|id| topic_ref("same_side_topic", id, c));
    let either_colour = colour("[pack.either]", "colour", &meta.either.colour, c);
    Some(PackInfo {
        id: meta.id.clone(),
        name: meta.name.clone(),
        scope: meta.scope.clone(),
        source: meta.source.clone(),
        default_topic: default_topic?,
        starter_topics,
        same_side_topic,
        either: Side { name: meta.either.name.clone(), emoji: meta.either.emoji.clone(), colour: either_colour },
    })
}

fn vocabulary(file: &raw::PackFile, contenders: &[Contender], c: &mut Collector) -> Vocabulary {
    let mut stopwords: Vec<String> = match &file.language.stopwords {
        Some(code) => match stop_words::lookup(code) {
            Some(words) => words.iter().map(|w| w.to_string()).collect(),
            None => {
                c.field("[language]", "stopwords", format!("no stop-word list for language `{code}`"));
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    stopwords.extend(file.language.filler.iter().map(|w| w.trim().to_lowercase()));
    let domain = file.language.domain.iter().map(|w| w.trim().to_lowercase()).filter(|w| !w.is_empty()).collect();

    let mut synonyms = Vec::new();
    for (from, to) in &file.synonyms {
        let (from, to) = (from.trim().to_lowercase(), to.trim().to_lowercase());
        if from.is_empty() || to.is_empty() {
            c.field("[synonyms]", &from, "synonym and replacement must not be empty");
            continue;
        }
        synonyms.push((from, to));
    }

    let cues = |list: &[String], field: &str, c: &mut Collector| -> Vec<String> {
        let mut out = Vec::new();
        for (i, cue) in list.iter().enumerate() {
            if cue.trim().is_empty() {
                c.field("[intents]", &format!("{field}[{i}]"), "is empty");
            } else {
                out.push(cue.trim().to_lowercase());
            }
        }
        out
    };
    let pick_cues = cues(&file.intents.pick, "pick", c);
    let recommend_cues = cues(&file.intents.recommend, "recommend", c);

    let aliases: HashMap<&str, &str> =
        contenders.iter().flat_map(|k| k.aliases.iter().map(move |a| (a.as_str(), k.id.as_str()))).collect();
    let mut out_of_scope = Vec::new();
    let mut out_of_scope_beside = Vec::new();
    let listed = file.scope_out.names.iter().map(|n| (n, "names", false));
    let beside = file.scope_out.beside.iter().map(|n| (n, "beside", true));
    for (i, (name, list, is_beside)) in listed.chain(beside).enumerate() {
        let i = if is_beside { i - file.scope_out.names.len() } else { i };
        let name = name.trim().to_lowercase();
        let field = format!("{list}[{i}]");
        if name.is_empty() {
            c.field("[scope_out]", &field, "is empty");
        } else if let Some(owner) = aliases.get(name.as_str()) {
            c.field("[scope_out]", &field, format!("`{name}` is an alias of contender `{owner}`"));
        } else if out_of_scope.contains(&name) {
            c.field("[scope_out]", &field, format!("`{name}` is listed twice"));
        } else {
            out_of_scope.push(name);
            out_of_scope_beside.push(is_beside);
        }
    }
    let mut out_of_scope_patterns = Vec::new();
    for (i, pattern) in file.scope_out.patterns.iter().enumerate() {
        let field = format!("patterns[{i}]");
        if !c.require("[scope_out]", &format!("{field}.name"), &pattern.name) {
            continue;
        }
        if let Some(re) = compile(&pattern.re, "[scope_out]", &format!("{field}.re"), c) {
            out_of_scope_patterns.push((pattern.name.clone(), re));
        }
    }
    Vocabulary {
        language: file.language.stopwords.clone(),
        stopwords,
        domain,
        synonyms,
        pick_cues,
        recommend_cues,
        out_of_scope,
        out_of_scope_beside,
        out_of_scope_patterns,
    }
}

fn compile(pattern: &str, entry: &str, field: &str, c: &mut Collector) -> Option<Regex> {
    if pattern.trim().is_empty() {
        c.field(entry, field, "regex is empty");
        return None;
    }
    match regex::RegexBuilder::new(pattern).size_limit(1 << 20).build() {
        Ok(re) => Some(re),
        Err(e) => {
            let detail = e.to_string();
            let last = detail.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("invalid");
            c.field(entry, field, format!("regex `{pattern}` does not compile: {}", last.trim()));
            None
        }
    }
}

fn asks(raw: &[raw::Ask], entry: &str, c: &mut Collector) -> Vec<Ask> {
    if raw.is_empty() {
        c.field(entry, "asks", "is missing or empty: list how people ask about it");
    }
    let mut out = Vec::new();
    for (i, ask) in raw.iter().enumerate() {
        let field = format!("asks[{i}]");
        let (term, weight) = match ask {
            raw::Ask::Plain(t) => (t.as_str(), 1.0),
            raw::Ask::Weighted { term, weight } => (term.as_str(), *weight),
        };
        if !(weight > 0.0 && weight <= 5.0) {
            c.field(entry, &field, format!("weight {weight} must be above 0 and at most 5"));
            continue;
        }
        if let Some(pattern) = term.strip_prefix("re:") {
            if let Some(regex) = compile(pattern, entry, &field, c) {
                out.push(Ask::Pattern { regex, weight });
            }
        } else {
            let (text, exact) = match term.trim().strip_prefix('=') {
                Some(rest) => (rest.trim(), true),
                None => (term.trim(), false),
            };
            if text.is_empty() {
                c.field(entry, &field, "is empty");
            } else {
                out.push(Ask::Words { text: text.to_lowercase(), weight, exact });
            }
        }
    }
    out
}

fn pick(
    value: &str,
    entry: &str,
    field: &str,
    contender_ids: &HashMap<&str, ContenderIdx>,
    check_refs: bool,
    c: &mut Collector,
) -> Pick {
    if value == "either" {
        return Pick::Either;
    }
    if value.trim().is_empty() {
        c.field(entry, field, "is missing or empty: a contender id or `either`");
    } else if let Some(&idx) = contender_ids.get(value) {
        return Pick::Contender(idx);
    } else if check_refs {
        c.field(
            entry,
            field,
            format!("unknown contender id `{value}` (expected one of: {}, either)", join_ids(contender_ids)),
        );
    }
    Pick::Either
}

fn join_ids(ids: &HashMap<&str, ContenderIdx>) -> String {
    let mut v: Vec<(&str, ContenderIdx)> = ids.iter().map(|(k, v)| (*k, *v)).collect();
    v.sort_by_key(|(_, i)| *i);
    v.into_iter().map(|(k, _)| k).collect::<Vec<_>>().join(", ")
}

fn topic_refs(
    ids: &[String],
    entry: &str,
    field: &str,
    topic_ids: &HashMap<String, usize>,
    c: &mut Collector,
) -> Vec<TopicIdx> {
    let mut out: Vec<TopicIdx> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match topic_ids.get(id) {
            Some(&t) if !out.contains(&TopicIdx(t)) => out.push(TopicIdx(t)),
            Some(_) => c.field(entry, &format!("{field}[{i}]"), format!("topic `{id}` is listed twice")),
            None => c.field(entry, &format!("{field}[{i}]"), format!("unknown topic id `{id}`")),
        }
    }
    out
}

/// Counts sentences: a `.`, `!` or `?` followed by white space or the end.
///
/// A full stop ends a sentence only when the next word starts with a capital
/// (or nothing follows), and never after "e.g." or "i.e.": "Acme Inc. makes
/// it, e.g. for servers." is one sentence.
fn sentences(text: &str) -> usize {
    let chars: Vec<char> = text.trim().chars().collect();
    let ends = |i: usize| -> bool {
        if !matches!(chars[i], '.' | '!' | '?') || !chars.get(i + 1).is_none_or(|c| c.is_whitespace()) {
            return false;
        }
        if chars[i] != '.' {
            return true;
        }
        let word: String =
            chars[..i].iter().rev().take_while(|c| !c.is_whitespace()).collect::<Vec<_>>().into_iter().rev().collect();
        if matches!(word.to_lowercase().as_str(), "e.g" | "i.e" | "(e.g" | "(i.e") {
            return false;
        }
        let next = chars[i + 1..].iter().find(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '(' | '*' | '`'));
        next.is_none_or(|c| !c.is_lowercase())
    };
    (0..chars.len()).filter(|&i| ends(i)).count()
}

fn topics(
    file: &raw::TopicsFile,
    topic_ids: &HashMap<String, usize>,
    contender_ids: &HashMap<&str, ContenderIdx>,
    check_refs: bool,
    today: chrono::NaiveDate,
    c: &mut Collector,
) -> Vec<Topic> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    if file.topic.is_empty() {
        c.file("no [[topic]] entries");
    }
    for (i, raw) in file.topic.iter().enumerate() {
        let entry = check_id("topic", &raw.id, i, &mut seen, c);
        c.require(&entry, "title", &raw.title);
        c.require(&entry, "section", &raw.section);
        if c.require(&entry, "summary", &raw.summary) {
            let n = sentences(&raw.summary);
            if !(2..=4).contains(&n) {
                c.field(&entry, "summary", format!("has {n} sentence(s); write 2 to 4"));
            }
        }
        let reviewed = match &raw.reviewed {
            Some(dt) if dt.date.is_some() && dt.time.is_none() => {
                let text = dt.to_string();
                if let Ok(date) = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
                    let age = (today - date).num_days();
                    if age > STALE_AFTER_DAYS {
                        c.warn(
                            &entry,
                            "reviewed",
                            format!("{text} is {age} days ago: check the entry against its sources again"),
                        );
                    } else if age < 0 {
                        c.field(&entry, "reviewed", format!("{text} is in the future"));
                    }
                }
                text
            }
            Some(dt) => {
                c.field(&entry, "reviewed", format!("`{dt}` is not a plain date like 2026-11-26"));
                String::new()
            }
            None => {
                c.field(&entry, "reviewed", "is missing: give the date of the last review, like 2026-11-26");
                String::new()
            }
        };
        let about = raw.about.as_deref().and_then(|id| match contender_ids.get(id) {
            Some(&k) => Some(k),
            None => {
                if check_refs {
                    c.field(&entry, "about", format!("unknown contender id `{id}`"));
                }
                None
            }
        });
        let mut related = topic_refs(&raw.related, &entry, "related", topic_ids, c);
        if let Some(pos) = related.iter().position(|t| file.topic[t.0].id == raw.id) {
            c.field(&entry, "related", "a topic cannot be related to itself");
            related.remove(pos);
        }
        let asks = asks(&raw.asks, &entry, c);
        let verdict = match &raw.verdict {
            Some(v) => {
                c.require(&entry, "verdict.reason", &v.reason);
                Verdict {
                    pick: pick(&v.pick, &entry, "verdict.pick", contender_ids, check_refs, c),
                    reason: v.reason.clone(),
                }
            }
            None => {
                c.field(&entry, "verdict", "is missing: give `verdict = { pick = \"…\", reason = \"…\" }`");
                Verdict { pick: Pick::Either, reason: String::new() }
            }
        };
        let points = points(&raw.points, &entry, contender_ids, check_refs, c);
        let sources = sources(&raw.sources, &entry, c);
        let examples = examples(&raw.examples, &entry, c);
        out.push(Topic {
            id: raw.id.clone(),
            title: raw.title.clone(),
            summary: raw.summary.trim().to_owned(),
            section: raw.section.clone(),
            reviewed,
            about,
            related,
            asks,
            verdict,
            points,
            sources,
            examples,
        });
    }
    out
}

fn points(
    raw: &std::collections::BTreeMap<String, Vec<String>>,
    entry: &str,
    contender_ids: &HashMap<&str, ContenderIdx>,
    check_refs: bool,
    c: &mut Collector,
) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new(); contender_ids.len()];
    for (id, list) in raw {
        let field = format!("points.{id}");
        match contender_ids.get(id.as_str()) {
            Some(&k) => {
                for (j, point) in list.iter().enumerate() {
                    if point.trim().is_empty() {
                        c.field(entry, &format!("{field}[{j}]"), "is empty");
                    } else {
                        out[k.0].push(point.trim().to_owned());
                    }
                }
            }
            None if check_refs => c.field(entry, &field, format!("unknown contender id `{id}`")),
            None => {}
        }
    }
    let mut missing: Vec<(&str, ContenderIdx)> =
        contender_ids.iter().map(|(k, v)| (*k, *v)).filter(|(_, k)| out[k.0].is_empty()).collect();
    missing.sort_by_key(|(_, k)| *k);
    for (id, _) in missing {
        c.field(entry, &format!("points.{id}"), "is missing or empty: give at least one point per contender");
    }
    out
}

fn use_cases(
    file: &raw::UseCasesFile,
    // `None` when the topics file did not parse: references cannot be checked.
    topic_ids: Option<&HashMap<String, usize>>,
    contender_ids: &HashMap<&str, ContenderIdx>,
    check_refs: bool,
    c: &mut Collector,
) -> Vec<UseCase> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (i, raw) in file.use_case.iter().enumerate() {
        let entry = check_id("use case", &raw.id, i, &mut seen, c);
        c.require(&entry, "name", &raw.name);
        c.require(&entry, "reason", &raw.reason);
        c.require(&entry, "consider", &raw.consider);
        c.require(&entry, "section", &raw.section);
        let asks = asks(&raw.asks, &entry, c);
        let pick = pick(&raw.pick, &entry, "pick", contender_ids, check_refs, c);
        let sources = sources(&raw.sources, &entry, c);
        let examples = examples(&raw.examples, &entry, c);
        if raw.weight.is_some_and(|w| !(0.0..=10.0).contains(&w)) {
            c.field(&entry, "weight", "must be between 0 and 10");
        }
        if raw.topics.is_empty() {
            c.field(&entry, "topics", "is missing or empty: name at least one topic behind the pick");
        }
        let Some(topic_ids) = topic_ids else { continue };
        let topics = topic_refs(&raw.topics, &entry, "topics", topic_ids, c);
        if topics.is_empty() {
            continue;
        }
        out.push(UseCase {
            id: raw.id.clone(),
            name: raw.name.clone(),
            asks,
            pick,
            reason: raw.reason.clone(),
            consider: raw.consider.clone(),
            topics,
            section: raw.section.clone(),
            weight: raw.weight,
            sources,
            examples,
        });
    }
    out
}

fn check_rendered(pack: &Pack, display: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
    let mut c = Collector::new(display(TOPICS_FILE), problems);
    for (i, topic) in pack.topics.iter().enumerate() {
        for v in embed::topic(pack, TopicIdx(i), None).violations() {
            c.field(&format!("topic `{}`", topic.id), &v.field, format!("as rendered, {}", v.message));
        }
    }
    let mut c = Collector::new(display(USE_CASES_FILE), problems);
    for (i, uc) in pack.use_cases.iter().enumerate() {
        for v in embed::use_case(pack, super::UseCaseIdx(i)).violations() {
            c.field(&format!("use case `{}`", uc.id), &v.field, format!("as rendered, {}", v.message));
        }
    }
}

fn recommend(
    file: &raw::RecommendFile,
    topic_ids: &HashMap<String, usize>,
    contender_ids: &HashMap<&str, ContenderIdx>,
    check_refs: bool,
    c: &mut Collector,
) -> super::Recommend {
    if !(file.use_case_weight >= 0.0 && file.use_case_weight <= 10.0) {
        c.field("[recommend]", "use_case_weight", "must be between 0 and 10");
    }
    let option_name = regex::Regex::new(r"^[-_a-z0-9]{1,32}$").expect("option name regex compiles");
    let mut options = HashSet::new();
    let mut factors = Vec::new();
    for (i, raw) in file.factor.iter().enumerate() {
        let entry =
            if raw.option.is_empty() { format!("factor #{}", i + 1) } else { format!("factor `{}`", raw.option) };
        if !option_name.is_match(&raw.option) {
            c.field(
                &entry,
                "option",
                "must be 1-32 lower-case letters, digits, `-` or `_` (a slash-command option name)",
            );
        } else if RESERVED_OPTIONS.contains(&raw.option.as_str()) {
            c.field(&entry, "option", format!("`{}` is used by /recommend itself", raw.option));
        } else if !options.insert(raw.option.clone()) {
            c.field(&entry, "option", format!("duplicate option `{}`", raw.option));
        }
        if c.require(&entry, "description", &raw.description) && raw.description.chars().count() > 100 {
            c.field(&entry, "description", "is longer than Discord's 100 characters for option descriptions");
        }
        if raw.choice.is_empty() || raw.choice.len() > crate::limits::CHOICES {
            c.field(&entry, "choice", format!("needs 1 to {} choices", crate::limits::CHOICES));
        }
        let mut values = HashSet::new();
        let mut choices = Vec::new();
        for (j, ch) in raw.choice.iter().enumerate() {
            let field = |f: &str| format!("choice[{j}].{f}");
            if c.require(&entry, &field("value"), &ch.value) {
                if ch.value.chars().count() > crate::limits::CHOICE_TEXT {
                    c.field(&entry, &field("value"), "is longer than 100 characters");
                }
                if !values.insert(ch.value.clone()) {
                    c.field(&entry, &field("value"), format!("duplicate value `{}`", ch.value));
                }
            }
            if c.require(&entry, &field("name"), &ch.name) && ch.name.chars().count() > crate::limits::CHOICE_TEXT {
                c.field(&entry, &field("name"), "is longer than 100 characters");
            }
            c.require(&entry, &field("reason"), &ch.reason);
            if !(ch.weight >= 0.0 && ch.weight <= 10.0) {
                c.field(&entry, &field("weight"), "must be between 0 and 10");
            }
            let favours = pick(&ch.favours, &entry, &field("favours"), contender_ids, check_refs, c);
            let topic = match topic_ids.get(&ch.topic) {
                Some(&t) => TopicIdx(t),
                None => {
                    c.field(&entry, &field("topic"), format!("unknown topic id `{}`", ch.topic));
                    continue;
                }
            };
            choices.push(super::FactorChoice {
                value: ch.value.clone(),
                name: ch.name.clone(),
                favours,
                weight: ch.weight,
                reason: ch.reason.clone(),
                topic,
            });
        }
        factors.push(super::Factor { option: raw.option.clone(), description: raw.description.clone(), choices });
    }
    // /recommend has use_case and private besides the factors; Discord allows 25 options.
    if factors.len() + 2 > 25 {
        c.file(format!("{} factors are more than /recommend can offer (23 at most)", factors.len()));
    }
    super::Recommend { use_case_weight: file.use_case_weight, factors }
}

fn onboarding(file: &raw::OnboardingFile, topic_ids: &HashMap<String, usize>, c: &mut Collector) -> super::Onboarding {
    let entry = "[onboarding]";
    let limited = |c: &mut Collector, field: &str, value: &str, max: usize| {
        if c.require(entry, field, value) && value.chars().count() > max {
            c.field(entry, field, format!("is {} characters; Discord allows {max} here", value.chars().count()));
        }
    };
    // Leave room for the server's name (up to 100 characters) in the title.
    limited(c, "title", &file.title, crate::limits::EMBED_TITLE - 100);
    limited(c, "intro", &file.intro, 3000);
    limited(c, "menu_placeholder", &file.menu_placeholder, 150);
    limited(c, "ask_button", &file.ask_button, crate::limits::BUTTON_LABEL);
    limited(c, "modal_title", &file.modal_title, 45);
    limited(c, "question_label", &file.question_label, 45);
    limited(c, "question_placeholder", &file.question_placeholder, 100);
    if file.starter_topics.is_empty() || file.starter_topics.len() > 5 {
        c.field(entry, "starter_topics", "list 1 to 5 topics (one row of buttons)");
    }
    let starter_topics = topic_refs(&file.starter_topics, entry, "starter_topics", topic_ids, c);
    super::Onboarding {
        title: file.title.trim().to_owned(),
        intro: file.intro.trim().to_owned(),
        starter_topics,
        menu_placeholder: file.menu_placeholder.clone(),
        ask_button: file.ask_button.clone(),
        modal_title: file.modal_title.clone(),
        question_label: file.question_label.clone(),
        question_placeholder: file.question_placeholder.clone(),
    }
}
