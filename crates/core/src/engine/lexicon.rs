//! Real words of a language, so the engine can tell an ordinary word the pack
//! does not list ("budget", "leaking") from a typo of a pack word ("perfomance").
//!
//! English uses the SCOWL-derived list that Debian ships as `wamerican`
//! (`data/words/en.txt`, lower-case words only; licence in
//! `data/words/LICENSE-SCOWL.txt`). It is a spell-checker's list, so it holds
//! no common misspellings. Other languages have no list yet: every unknown word
//! is then treated as a possible typo, as before.

use std::sync::LazyLock;

use rustc_hash::FxHashSet as HashSet;

static ENGLISH: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../../../../data/words/en.txt").lines().filter(|l| !l.is_empty()).collect());

/// The real words of `language` (an ISO code such as "en"), if the engine has a list for it.
pub(crate) fn words(language: Option<&str>) -> Option<&'static HashSet<&'static str>> {
    match language {
        Some("en") => Some(&ENGLISH),
        _ => None,
    }
}

/// The name of a language by its code, for "I only read questions in …".
pub(crate) fn name(language: Option<&str>) -> Option<&'static str> {
    match language {
        Some("en") => Some("English"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn english_holds_real_words_and_no_common_misspellings() {
        let en = super::words(Some("en")).unwrap();
        for w in ["leaking", "true", "pushing", "rice", "budget", "guitar"] {
            assert!(en.contains(w), "{w}");
        }
        for w in ["perfomance", "fastr", "whch", "scalabilty", "definately", "recieve"] {
            assert!(!en.contains(w), "{w}");
        }
        assert!(super::words(Some("fr")).is_none());
    }
}
