//! An entry's sources, the pack's extra questions and examples: addresses, titles, secondary hosts, duplicates.

use super::*;

/// The longest source title an answer links by.
pub const SOURCE_TITLE_MAX: usize = 60;

/// Hosts whose pages are secondary sources (Q&A sites, forums, mailing lists,
/// social media): language-level data in `data/sources/`, the same for every pack.
pub(super) fn secondary_hosts() -> impl Iterator<Item = &'static str> {
    include_str!("../../../../../data/sources/secondary-hosts.txt")
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
pub(super) fn sources(raw: &[RawSource], entry: &str, c: &mut Collector) -> Vec<Source> {
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
pub(super) fn questions(
    text: &str,
    topics: &mut [crate::knowledge::Topic],
    use_cases: &mut [crate::knowledge::UseCase],
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
pub(super) fn examples(raw: &[String], entry: &str, c: &mut Collector) -> Vec<String> {
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
pub(super) fn example_key(text: &str) -> String {
    text.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

/// An example listed under two entries teaches the engine nothing but confusion.
pub(super) fn duplicate_examples(
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
