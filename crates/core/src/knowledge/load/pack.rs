//! `pack.toml`: contenders, the pack's information and vocabulary, and the pieces entries share (asks, picks, topic references).

use super::*;

pub(super) fn contenders(file: &raw::PackFile, c: &mut Collector) -> Vec<Contender> {
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

pub(super) fn info(
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

pub(super) fn vocabulary(file: &raw::PackFile, contenders: &[Contender], c: &mut Collector) -> Vocabulary {
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

pub(super) fn compile(pattern: &str, entry: &str, field: &str, c: &mut Collector) -> Option<Regex> {
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

pub(super) fn asks(raw: &[raw::Ask], entry: &str, c: &mut Collector) -> Vec<Ask> {
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

pub(super) fn pick(
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

pub(super) fn join_ids(ids: &HashMap<&str, ContenderIdx>) -> String {
    let mut v: Vec<(&str, ContenderIdx)> = ids.iter().map(|(k, v)| (*k, *v)).collect();
    v.sort_by_key(|(_, i)| *i);
    v.into_iter().map(|(k, _)| k).collect::<Vec<_>>().join(", ")
}

pub(super) fn topic_refs(
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
