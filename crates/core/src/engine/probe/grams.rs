//! Character n-grams of a question, weighted by TF-IDF: the spelling side of
//! the linear reader ([`super::Probe`]).
//!
//! The sentence vector knows what a question means but blurs the exact words
//! that tell two neighbouring entries apart ("pm2", "gunicorn", "npm vs
//! pip"); the lexical index knows whole words but not their misspellings or
//! inflections ("concurency", "containerised"). Pieces of two to five
//! characters inside each word carry both, at no cost in language data: the
//! vocabulary is the pack's own texts.
//!
//! The weighting is the usual one for short texts: a piece's count `tf` weighs
//! `1 + ln tf`, times its smoothed inverse document frequency
//! `1 + ln((1 + N) / (1 + df))`, and each text's vector is scaled to unit
//! length so that long questions do not outweigh short ones.

use rustc_hash::FxHashMap as HashMap;

/// The shortest and longest pieces, in characters (the word's padding included).
pub const SHORTEST: usize = 2;
pub const LONGEST: usize = 5;

/// A piece joins the vocabulary when at least this many of the reader's texts
/// have it: pieces seen once or twice name one example, not an entry. In the
/// prototype (tune folds, out of fold) 1, 2 and 3 ranked alike, and 3 keeps
/// two fifths of the pieces (16,000 of 40,000).
pub const MIN_TEXTS: u32 = 3;

/// The vocabulary of pieces and their inverse document frequencies.
#[derive(Debug, Clone, Default)]
pub struct Grams {
    ids: HashMap<u64, u32>,
    idf: Vec<f32>,
}

impl Grams {
    /// Learns the vocabulary from the reader's texts, and returns it with
    /// each text's vector. Each text is cut into pieces twice, once to count
    /// the texts each piece is in and once to weigh it: holding every text's
    /// pieces between the two took 14 MB at pack load, most of them pieces
    /// the vocabulary then drops.
    pub fn fit<'a>(texts: impl IntoIterator<Item = &'a str> + Clone) -> (Grams, Vec<Vec<(u32, f32)>>) {
        let mut df: HashMap<u64, u32> = HashMap::default();
        let mut n = 0usize;
        for text in texts.clone() {
            counts(text).iter().for_each(|(h, _)| *df.entry(*h).or_default() += 1);
            n += 1;
        }
        let mut kept: Vec<(u64, u32)> = df.into_iter().filter(|&(_, d)| d >= MIN_TEXTS).collect();
        // Hash-map order is not stable across runs; the ids must be.
        kept.sort_unstable();
        let mut grams = Grams::default();
        for (h, d) in kept {
            grams.ids.insert(h, grams.idf.len() as u32);
            grams.idf.push(1.0 + ((1.0 + n as f32) / (1.0 + d as f32)).ln());
        }
        let vectors = texts.into_iter().map(|text| grams.vector(text)).collect();
        (grams, vectors)
    }

    /// How many pieces the vocabulary has.
    pub fn len(&self) -> usize {
        self.idf.len()
    }

    /// A text's unit-length TF-IDF vector over the vocabulary, as `(id, weight)`
    /// sorted by id (empty when it shares no piece with the vocabulary).
    pub fn vector(&self, text: &str) -> Vec<(u32, f32)> {
        self.weigh(&counts(text))
    }

    fn weigh(&self, counts: &[(u64, u32)]) -> Vec<(u32, f32)> {
        let mut v: Vec<(u32, f32)> = counts
            .iter()
            .filter_map(|(h, tf)| {
                let id = *self.ids.get(h)?;
                Some((id, (1.0 + (*tf as f32).ln()) * self.idf[id as usize]))
            })
            .collect();
        v.sort_unstable_by_key(|e| e.0);
        let norm = v.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|e| e.1 /= norm);
        }
        v
    }
}

/// Each distinct piece of `text` (by hash) with its count.
fn counts(text: &str) -> Vec<(u64, u32)> {
    let mut all = Vec::new();
    pieces(text, |h| all.push(h));
    all.sort_unstable();
    let mut counts: Vec<(u64, u32)> = Vec::with_capacity(all.len());
    for h in all {
        match counts.last_mut() {
            Some((last, n)) if *last == h => *n += 1,
            _ => counts.push((h, 1)),
        }
    }
    counts
}

/// Calls `each` with the hash of every piece of `text`: each lower-cased word
/// is padded with a space on both sides ("gil" → " gil ", so that a piece at
/// a word's edge differs from one inside it), and cut into every run of
/// [`SHORTEST`] to [`LONGEST`] characters; a word no longer than a length
/// gives itself once and no longer pieces.
fn pieces(text: &str, mut each: impl FnMut(u64)) {
    let lower = text.to_lowercase();
    let mut word: Vec<char> = Vec::new();
    for w in lower.split_whitespace() {
        word.clear();
        word.push(' ');
        word.extend(w.chars());
        word.push(' ');
        for n in SHORTEST..=LONGEST {
            if word.len() <= n {
                each(hash(&word));
                break;
            }
            word.windows(n).for_each(|piece| each(hash(piece)));
        }
    }
}

/// A piece's 64-bit hash (the vocabulary's key: no string is kept; at 64 bits
/// two pieces of one pack's texts sharing a hash is not a practical concern).
fn hash(piece: &[char]) -> u64 {
    // FxHash's mixing step, one character at a time, after the length so that
    // no piece is a prefix-collision of another.
    const K: u64 = 0x517c_c1b7_2722_0a95;
    piece.iter().fold((piece.len() as u64).wrapping_mul(K), |h, &c| (h.rotate_left(5) ^ u64::from(c)).wrapping_mul(K))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        pieces(text, |h| out.push(h));
        out
    }

    #[test]
    fn words_are_cut_into_padded_pieces() {
        // " gil ": 4 of 2 characters, 3 of 3, 2 of 4, then the whole padded word once.
        assert_eq!(all("GIL").len(), 4 + 3 + 2 + 1);
        assert_eq!(all("GIL"), all("gil"), "case does not matter");
        assert_eq!(
            all("a"),
            [hash(&[' ', 'a']), hash(&['a', ' ']), hash(&[' ', 'a', ' '])],
            "\" a\", \"a \", then the whole padded word once"
        );
        assert!(all("pm2 gunicorn").len() > all("pm2").len());
        assert_ne!(hash(&['a', 'b']), hash(&['b', 'a']));
    }

    #[test]
    fn rare_pieces_stay_out_and_vectors_are_unit_length() {
        let texts = ["kettle cluster mode", "kettle cluster workers", "kettle cluster sticky", "zebu workers"];
        let grams = Grams::fit(texts).0;
        assert!(grams.len() > 0);
        let v = grams.vector("Kettle CLUSTER");
        let norm: f32 = v.iter().map(|e| e.1 * e.1).sum();
        assert!((norm - 1.0).abs() < 1e-5, "{norm}");
        assert!(v.windows(2).all(|w| w[0].0 < w[1].0), "sorted by id");
        assert!(grams.vector("zebu").is_empty(), "in fewer than {MIN_TEXTS} texts: not in the vocabulary");
        assert!(grams.vector("").is_empty());
    }

    #[test]
    fn a_misspelling_shares_most_of_its_pieces() {
        let texts = ["concurrency support", "concurrency model", "concurrency in practice", "hosting cost"];
        let grams = Grams::fit(texts).0;
        let right = grams.vector("concurrency");
        let typo = grams.vector("concurency");
        let cosine: f32 = right.iter().filter_map(|(i, a)| typo.iter().find(|(j, _)| j == i).map(|(_, b)| a * b)).sum();
        assert!(cosine > 0.6, "{cosine}");
    }
}
