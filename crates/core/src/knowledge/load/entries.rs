//! Topics and use cases: every field checked, with its points and sentences.

use super::*;

/// Counts sentences: a `.`, `!` or `?` followed by white space or the end.
///
/// A full stop ends a sentence only when the next word starts with a capital
/// (or nothing follows), and never after "e.g." or "i.e.": "Acme Inc. makes
/// it, e.g. for servers." is one sentence.
pub(super) fn sentences(text: &str) -> usize {
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

pub(super) fn topics(
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

pub(super) fn points(
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

pub(super) fn use_cases(
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
