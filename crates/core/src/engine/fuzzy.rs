//! Typo tolerance: the closest known word within a small edit distance.
//!
//! A symmetric-delete index (the SymSpell idea): every known word is stored
//! under itself and each variant with one or two characters deleted. A typo
//! shares at least one such variant with the word it was meant to be, so a
//! lookup hashes a handful of variants of the typo instead of comparing it with
//! the whole vocabulary. Candidates are then confirmed with the real
//! (optimal string alignment) distance, which counts a swap of two neighbouring
//! letters as one edit.

use rustc_hash::FxHashMap as HashMap;

/// Words shorter than this are never corrected: too many real words are one
/// edit apart ("go"/"do", "py"/"my").
const MIN_LEN: usize = 4;
/// Words longer than this are left alone (and cost nothing to look up).
const MAX_LEN: usize = 24;

/// How many edits a word of this length may contain and still be recognised.
fn max_edits(chars: usize) -> usize {
    match chars {
        0..MIN_LEN => 0,
        MIN_LEN..=6 => 1,
        _ => 2,
    }
}

/// An index of known words for fast typo correction.
#[derive(Debug, Default)]
pub struct Corrector {
    words: Vec<String>,
    /// Hash of a word or a deletion variant → words it came from.
    variants: HashMap<u64, Vec<u32>>,
}

impl Corrector {
    /// Builds the index over `words`; earlier words win ties, so list the most
    /// meaningful words first.
    pub fn new<I: IntoIterator<Item = String>>(words: I) -> Self {
        let mut c = Corrector::default();
        let mut seen = std::collections::HashSet::new();
        for word in words {
            let n = word.chars().count();
            if !(MIN_LEN - 1..=MAX_LEN).contains(&n) || !seen.insert(word.clone()) {
                continue;
            }
            let id = c.words.len() as u32;
            let chars: Vec<char> = word.chars().collect();
            for_each_variant(&chars, 2, &mut |h| {
                let ids = c.variants.entry(h).or_default();
                if ids.last() != Some(&id) {
                    ids.push(id);
                }
            });
            c.words.push(word);
        }
        c
    }

    /// The known word closest to `word`, if one is close enough.
    pub fn correct(&self, word: &str) -> Option<&str> {
        let chars: Vec<char> = word.chars().collect();
        let limit = max_edits(chars.len());
        if limit == 0 || chars.len() > MAX_LEN || !chars.iter().all(|c| c.is_alphabetic()) {
            return None;
        }
        let mut best: Option<(usize, u32)> = None;
        for_each_variant(&chars, limit, &mut |h| {
            let Some(ids) = self.variants.get(&h) else { return };
            for &id in ids {
                let candidate = &self.words[id as usize];
                let d = strsim::osa_distance(word, candidate);
                if d == 0 || d > limit {
                    continue;
                }
                let better = match best {
                    None => true,
                    Some((bd, bid)) => d < bd || (d == bd && id < bid),
                };
                if better {
                    best = Some((d, id));
                }
            }
        });
        best.map(|(_, id)| self.words[id as usize].as_str())
    }
}

/// Calls `f` with the hash of `chars` and of every variant with up to `depth`
/// characters deleted.
fn for_each_variant(chars: &[char], depth: usize, f: &mut impl FnMut(u64)) {
    f(hash(chars, usize::MAX, usize::MAX));
    if depth == 0 || chars.len() < 2 {
        return;
    }
    for i in 0..chars.len() {
        f(hash(chars, i, usize::MAX));
        if depth >= 2 && chars.len() > 2 {
            for j in i + 1..chars.len() {
                f(hash(chars, i, j));
            }
        }
    }
}

/// FNV-1a over the characters, skipping positions `a` and `b`.
fn hash(chars: &[char], a: usize, b: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, &c) in chars.iter().enumerate() {
        if i == a || i == b {
            continue;
        }
        for byte in (c as u32).to_le_bytes() {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corrector() -> Corrector {
        Corrector::new(
            ["which", "faster", "performance", "rustacean", "scalable", "gopher", "secure"].map(String::from),
        )
    }

    #[test]
    fn corrects_common_typos() {
        let c = corrector();
        assert_eq!(c.correct("whch"), Some("which"));
        assert_eq!(c.correct("fastr"), Some("faster"));
        assert_eq!(c.correct("perfomance"), Some("performance"));
        assert_eq!(c.correct("rustaecan"), Some("rustacean"));
        assert_eq!(c.correct("scalabel"), Some("scalable"));
        assert_eq!(c.correct("secrue"), Some("secure"));
    }

    #[test]
    fn leaves_short_far_and_exact_words_alone() {
        let c = corrector();
        assert_eq!(c.correct("nod"), None);
        assert_eq!(c.correct("joke"), None);
        assert_eq!(c.correct("faster"), None);
        assert_eq!(c.correct("weather"), None);
        assert_eq!(c.correct(&"a".repeat(100)), None);
    }
}
