//! Turning chat text into words.
//!
//! Discord messages carry mentions, custom emoji, links, code blocks and
//! markdown; people type in any case, with accents, smart quotes and
//! contractions. This module strips the chat syntax and produces lower-case
//! words, so the matcher only ever sees plain words.

use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::limits;

/// Chat syntax that carries no words of the question: code blocks, user, role
/// and channel mentions, slash-command mentions, custom emoji, timestamps and links.
static CHAT_SYNTAX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xs)
          ```.*?(?:```|$)                       # fenced code
        | <@[!&]?\d+>                           # user and role mentions
        | <\#\d+>                               # channel mentions
        | </[^<>:]{1,100}:\d+>                  # slash-command mentions
        | <a?:[A-Za-z0-9_~]{1,64}:\d+>          # custom emoji
        | <t:-?\d+(?::[tTdDfFR])?>              # timestamps
        | <?(?:https?|ftp)://[^\s>]+>?          # links
        | \bwww\.[^\s>]+                        # bare links
        ",
    )
    .expect("chat syntax regex compiles")
});

/// A word: letters and digits, with inner dots or apostrophes kept
/// (`socket.io`, `what's`), and trailing `+`/`#` kept (`c++`, `c#`).
static WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{L}\p{N}]+(?:['.][\p{L}\p{N}]+)*[+#]*").expect("word regex compiles"));

/// The longest word considered; longer runs are split so no single word can
/// make matching slow.
const MAX_WORD_CHARS: usize = 40;
/// The most words read from one question.
pub const MAX_WORDS: usize = 400;

/// Removes chat syntax and normalises case, accents, compatibility forms and quotes.
///
/// The input is first cut to [`limits::QUESTION_CHARS`] characters on a
/// character boundary.
pub fn clean(raw: &str) -> String {
    let raw = limits::cut(raw, limits::QUESTION_CHARS);
    let stripped = CHAT_SYNTAX.replace_all(raw, " ");
    let mut out = String::with_capacity(stripped.len());
    for c in stripped.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`' | '\u{00B4}' => out.push('\''),
            c if c.is_control() => out.push(' '),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Cleaned text with each word of `fixes` (typo, correction) replaced by
/// its correction, everything else (punctuation, clause breaks) kept.
pub fn respell(clean: &str, fixes: &[(String, String)]) -> String {
    WORD.replace_all(clean, |m: &regex::Captures<'_>| {
        let word = &m[0];
        fixes.iter().find(|(typo, _)| typo == word).map_or_else(|| word.to_owned(), |(_, fix)| fix.clone())
    })
    .into_owned()
}

/// Splits cleaned text into words, expanding English contractions
/// (`what's` → `what is`, `don't` → `do not`) and dropping possessives.
pub fn words(clean: &str) -> Vec<String> {
    let mut out = Vec::new();
    for m in WORD.find_iter(clean) {
        if out.len() >= MAX_WORDS {
            break;
        }
        let word = m.as_str();
        if word.chars().count() > MAX_WORD_CHARS {
            // A run this long is not a word anyone asks about; keep a prefix so
            // it still counts as something the engine could not explain.
            out.push(limits::cut(word, MAX_WORD_CHARS).to_owned());
            continue;
        }
        if !word.contains('\'') {
            out.push(word.to_owned());
            continue;
        }
        let (base, tail) = word.split_once('\'').expect("checked for an apostrophe");
        let expanded: &[&str] = match (base, tail) {
            ("won", "t") => &["will", "not"],
            ("can", "t") => &["can", "not"],
            (b, "t") if b.ends_with('n') => {
                out.push(b[..b.len() - 1].to_owned());
                &["not"]
            }
            (b, "s") => {
                out.push(b.to_owned());
                &["is"]
            }
            (b, "re") => {
                out.push(b.to_owned());
                &["are"]
            }
            (b, "m") => {
                out.push(b.to_owned());
                &["am"]
            }
            (b, "ve") => {
                out.push(b.to_owned());
                &["have"]
            }
            (b, "ll") => {
                out.push(b.to_owned());
                &["will"]
            }
            (b, "d") => {
                out.push(b.to_owned());
                &["would"]
            }
            _ => {
                out.push(word.replace('\'', ""));
                &[]
            }
        };
        out.extend(expanded.iter().map(|w| (*w).to_owned()));
    }
    out.retain(|w| !w.is_empty());
    out
}

/// Normalises a phrase from the pack the same way questions are normalised.
pub fn phrase_words(phrase: &str) -> Vec<String> {
    words(&clean(phrase))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respelling_fixes_whole_words_and_keeps_the_rest() {
        let fixes = [("whcih".to_owned(), "which".to_owned()), ("suport".to_owned(), "support".to_owned())];
        assert_eq!(
            respell(&clean("Whcih one, tea or coffee? suport matters; suportive isn't"), &fixes),
            "which one, tea or coffee? support matters; suportive isn't"
        );
    }

    fn w(s: &str) -> Vec<String> {
        words(&clean(s))
    }

    #[test]
    fn strips_discord_syntax() {
        assert_eq!(w("<@123> <@!456> <@&7> <#8> which is faster?"), ["which", "is", "faster"]);
        assert_eq!(w("<:blob:123> <a:wave:456> hi"), ["hi"]);
        assert_eq!(w("see https://example.com/x?y=1 and <https://a.b> now"), ["see", "and", "now"]);
        assert_eq!(w("```js\nconsole.log(1)\n``` is it fast"), ["is", "it", "fast"]);
        assert_eq!(
            w("**bold** _it_ ~~gone~~ ||spoiler|| > quote `npm`"),
            ["bold", "it", "gone", "spoiler", "quote", "npm"]
        );
        assert_eq!(w("</ask:123> <t:1700000000:R>"), Vec::<String>::new());
    }

    #[test]
    fn normalises_case_unicode_and_quotes() {
        assert_eq!(w("SOCKET.IO vs Crème"), ["socket.io", "vs", "creme"]);
        assert_eq!(w("ＦＡＳＴＥＲ？"), ["faster"]);
        assert_eq!(w("what’s rust’s speed"), ["what", "is", "rust", "is", "speed"]);
        assert_eq!(w("don't we're I'm can't"), ["do", "not", "we", "are", "i", "am", "can", "not"]);
        assert_eq!(w("c++ and c# and go."), ["c++", "and", "c#", "and", "go"]);
    }

    #[test]
    fn long_input_is_cut_safely() {
        let long = "é".repeat(10_000);
        assert!(clean(&long).chars().count() <= limits::QUESTION_CHARS);
        let words = w(&"a ".repeat(5_000));
        assert_eq!(words.len(), MAX_WORDS);
        assert_eq!(w(&"x".repeat(1000))[0].len(), MAX_WORD_CHARS);
    }
}
