//! Learning from `examples`: the phrasings of real questions a pack lists
//! under each topic and use case.
//!
//! `asks` are precise terms a maintainer chose; examples are whole questions,
//! so they carry the ordinary words people wrap around a subject ("cheaper to
//! run", "deal with lots of simultaneous requests"). At load time every example
//! becomes a TF-IDF vector over word stems and adjacent stem pairs, weighted by
//! how rare each feature is across all examples. A question is compared with
//! every example (cosine similarity through an inverted index, so only examples
//! sharing a feature are touched) and each entry keeps its closest example.
//! Adding the question that failed to the right entry's `examples` therefore
//! fixes it, and its words help its neighbours too.

use rustc_hash::FxHashMap as HashMap;

/// The fewest meaningful words an example needs to be learned from.
const MIN_EXAMPLE_WORDS: usize = 2;

/// One feature of a question: a stem, or two adjacent stems.
type Feature = String;

#[derive(Debug, Default)]
pub(crate) struct ExampleIndex {
    features: HashMap<Feature, u32>,
    idf: Vec<f32>,
    /// Per feature: the examples that have it, with the feature's normalised weight there.
    postings: Vec<Vec<(u32, f32)>>,
    /// Per example: the entry it belongs to, and the example's text for `--explain`.
    owner: Vec<(usize, String)>,
}

/// The closest example of one entry.
#[derive(Debug, Clone)]
pub(crate) struct Nearest {
    pub entry: usize,
    pub similarity: f32,
    pub example: u32,
    /// Question word positions whose features the example shares.
    pub words: Vec<usize>,
}

impl ExampleIndex {
    /// Builds the index from `(entry, stems of the example's content words)`.
    ///
    /// An example with fewer than two meaningful words once names and stop
    /// words are gone ("so what is A actually used for, exactly" → "exactly")
    /// would match any question sharing that one word, so it teaches nothing
    /// and is left out.
    pub(crate) fn new(examples: Vec<(usize, String, Vec<String>)>) -> ExampleIndex {
        let examples: Vec<(usize, String, Vec<String>)> =
            examples.into_iter().filter(|(_, _, stems)| stems.len() >= MIN_EXAMPLE_WORDS).collect();
        let mut index = ExampleIndex::default();
        let docs: Vec<Vec<Feature>> =
            examples.iter().map(|(_, _, stems)| features(stems).map(|(f, _)| f).collect()).collect();
        let mut df: Vec<u32> = Vec::new();
        for doc in &docs {
            let mut seen: Vec<u32> = Vec::new();
            for f in doc {
                let next = index.features.len() as u32;
                let id = *index.features.entry(f.clone()).or_insert(next);
                if id as usize == df.len() {
                    df.push(0);
                }
                if !seen.contains(&id) {
                    seen.push(id);
                    df[id as usize] += 1;
                }
            }
        }
        let n = docs.len().max(1) as f32;
        index.idf = df.iter().map(|&d| (1.0 + n / d as f32).ln()).collect();
        index.postings = vec![Vec::new(); index.idf.len()];
        for (e, doc) in docs.iter().enumerate() {
            let mut ids: Vec<u32> = doc.iter().map(|f| index.features[f]).collect();
            ids.sort_unstable();
            ids.dedup();
            let norm = ids.iter().map(|&i| index.idf[i as usize].powi(2)).sum::<f32>().sqrt();
            if norm == 0.0 {
                continue;
            }
            for id in ids {
                index.postings[id as usize].push((e as u32, index.idf[id as usize] / norm));
            }
        }
        index.owner = examples.into_iter().map(|(entry, text, _)| (entry, text)).collect();
        index
    }

    pub(crate) fn example_text(&self, example: u32) -> &str {
        &self.owner[example as usize].1
    }

    /// For each entry with a similar example, its closest one. `stems` are the
    /// question's content stems with their word positions.
    pub(crate) fn nearest(&self, stems: &[(usize, String)]) -> Vec<Nearest> {
        if self.owner.is_empty() {
            return Vec::new();
        }
        let only: Vec<String> = stems.iter().map(|(_, s)| s.clone()).collect();
        let mut query: Vec<(u32, Vec<usize>)> = Vec::new();
        for (f, at) in features(&only) {
            if let Some(&id) = self.features.get(&f) {
                let positions: Vec<usize> = at.iter().map(|&i| stems[i].0).collect();
                match query.iter_mut().find(|(q, _)| *q == id) {
                    Some((_, p)) => p.extend(positions),
                    None => query.push((id, positions)),
                }
            }
        }
        if query.is_empty() {
            return Vec::new();
        }
        // Words no example has still belong to the question: each weighs on the
        // query like a feature of average rarity, so one shared ordinary word
        // ("exactly") in a question about something else is weak evidence.
        let unknown_words = stems.iter().filter(|(_, s)| !self.features.contains_key(s)).count();
        let mean_idf = self.idf.iter().sum::<f32>() / self.idf.len().max(1) as f32;
        let qnorm = (query.iter().map(|(id, _)| self.idf[*id as usize].powi(2)).sum::<f32>()
            + unknown_words as f32 * mean_idf.powi(2))
        .sqrt();
        let mut sims: HashMap<u32, f32> = HashMap::default();
        for (id, _) in &query {
            let w = self.idf[*id as usize] / qnorm;
            for &(ex, ew) in &self.postings[*id as usize] {
                *sims.entry(ex).or_default() += w * ew;
            }
        }
        let mut best: HashMap<usize, (f32, u32)> = HashMap::default();
        for (ex, sim) in sims {
            let entry = self.owner[ex as usize].0;
            let slot = best.entry(entry).or_insert((0.0, ex));
            if sim > slot.0 || (sim == slot.0 && ex < slot.1) {
                *slot = (sim, ex);
            }
        }
        let mut out: Vec<Nearest> = best
            .into_iter()
            .map(|(entry, (similarity, example))| {
                let mut words: Vec<usize> = query
                    .iter()
                    .filter(|(id, _)| self.postings[*id as usize].iter().any(|&(e, _)| e == example))
                    .flat_map(|(_, p)| p.iter().copied())
                    .collect();
                words.sort_unstable();
                words.dedup();
                Nearest { entry, similarity, example, words }
            })
            .collect();
        out.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then(a.entry.cmp(&b.entry)));
        out
    }
}

/// Stems and adjacent stem pairs, each with the indexes (into `stems`) it covers.
fn features(stems: &[String]) -> impl Iterator<Item = (Feature, Vec<usize>)> + '_ {
    let singles = stems.iter().enumerate().map(|(i, s)| (s.clone(), vec![i]));
    let pairs = stems.windows(2).enumerate().map(|(i, w)| (format!("{} {}", w[0], w[1]), vec![i, i + 1]));
    singles.chain(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn the_closest_example_wins_and_rare_words_weigh_more() {
        let index = ExampleIndex::new(vec![
            (0, "a".into(), stems("cheap run host")),
            (1, "b".into(), stems("learn begin easi")),
            (2, "c".into(), stems("run fast request")),
        ]);
        let q: Vec<(usize, String)> = stems("cheap host").into_iter().enumerate().collect();
        let near = index.nearest(&q);
        assert_eq!(near[0].entry, 0);
        assert!(near[0].similarity > 0.5 && near.len() == 1, "{near:?}");
        assert_eq!(near[0].words, vec![0, 1]);
        let q: Vec<(usize, String)> = stems("run").into_iter().enumerate().collect();
        let near = index.nearest(&q);
        assert_eq!(near.len(), 2, "both examples with `run`");
        assert!(index.nearest(&[(0, "guitar".into())]).is_empty());
    }
}
