//! A question of several clauses, read clause by clause as well as whole
//! (see [`super`]): where a question splits, and its vectors.

use super::cosine;

/// A clause counts as a part of its question from this many words on:
/// shorter pieces ("thanks.", "any ideas?") say nothing of their own. Chosen
/// on the tune split's cross-validation with a first version of the split
/// (3, 4 and 5 tried; 4 answered the most right).
pub const PART_WORDS: usize = 4;

/// The most clauses of one question read apart: each costs an encoding,
/// and a question is cut at [`crate::limits::QUESTION_CHARS`] characters,
/// which could hold dozens. No question of the corpus has more than six.
pub const MAX_PARTS: usize = 6;

/// The clauses of `question` read apart from the whole: none when it has
/// fewer than two parts of [`PART_WORDS`] words. A clause ends at `?`, `!`,
/// `;`, a comma, a line break, or a full stop followed by a space (so
/// "vue.js" and "3.11" stay whole). Clauses rather than sentences: on the
/// tune split's cross-validation, splitting at commas too answered more
/// questions right (775 against 766 of 1,028).
pub fn parts(question: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = question.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ends = match c {
            '?' | '!' | ';' | '\n' | ',' => true,
            '.' => chars.peek().is_none_or(|(_, next)| next.is_whitespace()),
            _ => false,
        };
        if ends || chars.peek().is_none() {
            let end = if ends { i } else { i + c.len_utf8() };
            out.push(question[start..end].trim());
            start = i + c.len_utf8();
        }
    }
    out.retain(|p| p.split_whitespace().count() >= PART_WORDS);
    if out.len() < 2 {
        return Vec::new();
    }
    out.truncate(MAX_PARTS);
    out
}

/// A question's sentence vectors: the whole, and each of its [`parts`].
#[derive(Debug, Clone, Default)]
pub struct QuestionVectors {
    pub whole: Vec<f32>,
    pub parts: Vec<Vec<f32>>,
}

impl QuestionVectors {
    /// The best cosine of the whole or any part with `v`.
    pub(super) fn closest(&self, v: &[f32]) -> f32 {
        self.parts.iter().map(|p| cosine(p, v)).fold(cosine(&self.whole, v), f32::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_of_several_clauses_is_read_in_parts() {
        assert_eq!(
            parts("we're three months into a vue.js app. does the bundle size matter on version 3.11?"),
            ["we're three months into a vue.js app", "does the bundle size matter on version 3.11"],
            "a full stop ends a sentence only before a space or the end"
        );
        assert_eq!(
            parts("quick one! which is faster for a rest api; and which is easier to hire for, honestly\nthanks"),
            ["which is faster for a rest api", "and which is easier to hire for"],
            "pieces under four words are no part"
        );
        assert!(
            parts("for a chat app with many open sockets, which is faster, this or that?").is_empty(),
            "one clause of four words or more is the whole question, read once"
        );
        assert_eq!(
            parts("for a chat app with many open sockets, which of the two is faster"),
            ["for a chat app with many open sockets", "which of the two is faster"],
            "a comma ends a clause"
        );
        assert!(parts("which is faster, this or that?").is_empty(), "one part is read whole only");
        let long = "is this a question of its own? ".repeat(20);
        assert_eq!(parts(&long).len(), MAX_PARTS, "the encodings per question are bounded");
    }
}
