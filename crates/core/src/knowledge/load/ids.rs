//! Entry ids: their shape, their uniqueness, and colours.

use super::*;

/// Maps each non-empty id to its first position.
pub(super) fn ids<T>(items: &[T], id: impl Fn(&T) -> &String) -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        map.entry(id(item).clone()).or_insert(i);
    }
    map.remove("");
    map
}

pub(super) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// Checks an id field and reports duplicates; returns the entry's display name.
pub(super) fn check_id(
    kind: &str,
    id: &str,
    index: usize,
    seen: &mut HashMap<String, usize>,
    c: &mut Collector,
) -> String {
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

pub(super) fn colour(entry: &str, field: &str, value: &str, c: &mut Collector) -> u32 {
    let hex = value.trim().trim_start_matches('#');
    match u32::from_str_radix(hex, 16) {
        Ok(v) if hex.len() == 6 => v,
        _ => {
            c.field(entry, field, format!("`{value}` is not a colour like \"#5FA04E\""));
            0
        }
    }
}
