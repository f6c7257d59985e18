//! Discord's documented limits (see `shared/discord-docs/LIMITS.md`), in one
//! place so every builder checks against the same numbers.

/// Embed title.
pub const EMBED_TITLE: usize = 256;
/// Embed description.
pub const EMBED_DESCRIPTION: usize = 4096;
/// Fields per embed.
pub const EMBED_FIELDS: usize = 25;
/// Embed field name.
pub const EMBED_FIELD_NAME: usize = 256;
/// Embed field value.
pub const EMBED_FIELD_VALUE: usize = 1024;
/// Embed footer text.
pub const EMBED_FOOTER: usize = 2048;
/// Title + description + field names and values + footer, across a message.
pub const EMBED_TOTAL: usize = 6000;
/// Message content.
pub const MESSAGE_CONTENT: usize = 2000;
/// The longest question the engine reads. Discord messages carry at most 4000
/// characters (with Nitro); anything longer is cut on a character boundary.
pub const QUESTION_CHARS: usize = 4000;
/// A component's `custom_id`.
pub const CUSTOM_ID: usize = 100;
/// A button label.
pub const BUTTON_LABEL: usize = 80;
/// Autocomplete choices, select options and command choices.
pub const CHOICES: usize = 25;
/// Choice names, select option labels, values and descriptions.
pub const CHOICE_TEXT: usize = 100;

/// Cuts `text` to at most `max` characters, on a character boundary, adding an
/// ellipsis when something was cut.
pub fn truncate(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(text),
        Some(_) if max == 0 => std::borrow::Cow::Borrowed(""),
        Some(_) => {
            let end = text.char_indices().nth(max - 1).map_or(text.len(), |(i, _)| i);
            std::borrow::Cow::Owned(format!("{}…", &text[..end]))
        }
    }
}

/// Cuts `text` to at most `max` characters on a character boundary, without marking the cut.
pub fn cut(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        None => text,
        Some((i, _)) => &text[..i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 10), "héllo");
        assert_eq!(truncate("héllo", 3), "hé…");
        assert_eq!(truncate("héllo", 3).chars().count(), 3);
        assert_eq!(truncate("🟩🟩🟩", 2), "🟩…");
        assert_eq!(cut("🟩🟩🟩", 2), "🟩🟩");
        assert_eq!(cut("ab", 5), "ab");
    }
}
