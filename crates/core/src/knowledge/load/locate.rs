//! Reading one TOML file and finding where in it a problem is: line and column for every message.

use super::*;

pub(super) fn read<T: DeserializeOwned>(
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
pub(super) const ENTRY_KINDS: [(&str, &str); 5] = [
    ("topic", "topic"),
    ("use_case", "use case"),
    ("contender", "contender"),
    ("factor", "factor"),
    ("choice", "choice"),
];

/// Line numbers (0-based) where each `[[header]]` block starts.
pub(super) fn blocks(text: &str, header: &str) -> Vec<usize> {
    let wanted = format!("[[{header}]]");
    text.lines().enumerate().filter(|(_, l)| l.trim() == wanted).map(|(i, _)| i).collect()
}

/// The lines of the block starting at `start`: up to the next `[[…]]` header of any kind.
pub(super) fn block_end(lines: &[&str], start: usize) -> usize {
    (start + 1..lines.len()).find(|&i| lines[i].trim_start().starts_with("[[")).unwrap_or(lines.len())
}

/// The line and column of `key = …` within lines `from..to`, 1-based.
pub(super) fn key_line(lines: &[&str], from: usize, to: usize, key: &str) -> Option<(usize, usize)> {
    (from..to.min(lines.len())).find_map(|i| {
        let l = lines[i];
        let trimmed = l.trim_start();
        let rest = trimmed.strip_prefix(key)?;
        rest.trim_start().starts_with('=').then(|| (i + 1, l.len() - trimmed.len() + 1))
    })
}

/// Turns a serde_ignored path ("topic.3.titel") into the entry, the field and
/// the place in the file.
pub(super) fn locate_path(text: &str, path: &str) -> (Option<String>, String, Option<(usize, usize)>) {
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
pub(super) fn locate_problem(text: &str, entry: &str, field: Option<&str>) -> Option<(usize, usize)> {
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

pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
