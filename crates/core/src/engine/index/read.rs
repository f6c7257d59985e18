//! Reading a question against the index: words, corrections, stems and
//! every term found, with hits nested in a longer one of the same kind dropped.

use super::*;

impl Index {
    /// Reads a question: words, corrections, and every term it contains.
    pub(crate) fn read(&self, question: &str) -> Reading {
        let cleaned = text::clean(question);
        let raw_words = text::words(&cleaned);
        let said = raw_words.join(" ");

        // Synonyms and typo correction, remembering which words were guesses.
        let mut words: Vec<String> = Vec::with_capacity(raw_words.len());
        let mut corrected: Vec<bool> = Vec::with_capacity(raw_words.len());
        let mut fixes: Vec<(String, String)> = Vec::new();
        for word in raw_words {
            let real = self.lexicon.is_some_and(|l| l.contains(word.as_str()));
            let (word, fixed) = if real || self.is_known(&word) {
                (word, false)
            } else {
                match self.corrector.correct(&word) {
                    Some(fix) => {
                        fixes.push((word, fix.to_owned()));
                        (fix.to_owned(), true)
                    }
                    None => (word, false),
                }
            };
            match self.synonyms.get(&word) {
                Some(replacement) => {
                    words.extend(replacement.iter().cloned());
                    corrected.extend(std::iter::repeat_n(fixed, replacement.len()));
                }
                None => {
                    words.push(word);
                    corrected.push(fixed);
                }
            }
        }
        let stems: Vec<String> = words.iter().map(|w| self.stem(w)).collect();
        let content: Vec<bool> = words.iter().map(|w| !self.stopwords.contains(w)).collect();
        let domain: Vec<bool> = stems.iter().map(|s| self.domain_stems.contains(s)).collect();

        let mut hits = Vec::new();
        let mut key = String::new();
        for i in 0..words.len() {
            for (form, word) in [(Form::Exact, &words[i]), (Form::Stem, &stems[i])] {
                key.clear();
                key.push(if form == Form::Exact { '=' } else { '~' });
                key.push_str(word);
                let Some(ids) = self.by_first.get(&key) else { continue };
                for &id in ids {
                    let term = &self.terms[id];
                    let len = 1 + term.rest.len();
                    if i + len > words.len() {
                        continue;
                    }
                    let source = if term.form == Form::Exact { &words } else { &stems };
                    if term.rest.iter().zip(&source[i + 1..]).all(|(a, b)| a == b) {
                        hits.push(Hit {
                            target: term.target,
                            start: i,
                            len,
                            weight: term.weight * (1.0 + 0.25 * (len as f32 - 1.0)),
                            corrected: corrected[i..i + len].iter().any(|&c| c),
                        });
                    }
                }
            }
        }

        // Patterns run on the normalised words joined by single spaces.
        let joined = words.join(" ");
        let mut pattern_out_of_scope = Vec::new();
        if !self.pattern_terms.is_empty() || !self.scope_patterns.is_empty() {
            let starts: Vec<usize> = words
                .iter()
                .scan(0, |pos, w| {
                    let start = *pos;
                    *pos += w.len() + 1;
                    Some(start)
                })
                .collect();
            let word_at = |byte: usize| starts.partition_point(|&s| s <= byte).saturating_sub(1);
            let span = |m: regex::Match| {
                let first = word_at(m.start());
                let last = word_at(m.end().saturating_sub(1).max(m.start()));
                (first, last + 1 - first)
            };
            for p in self.patterns.matches(&joined).iter() {
                let (re, target, weight) = &self.pattern_terms[p];
                if let Some(m) = re.find(&joined) {
                    let (start, len) = span(m);
                    hits.push(Hit {
                        target: *target,
                        start,
                        len,
                        weight: *weight,
                        corrected: corrected[start..start + len].iter().any(|&c| c),
                    });
                }
            }
            for (name, re) in &self.scope_patterns {
                if let Some(m) = re.find(&joined) {
                    let (start, len) = span(m);
                    pattern_out_of_scope.push((name.clone(), start, len));
                }
            }
        }

        suppress_nested(&mut hits);
        let known: Vec<bool> =
            (0..words.len()).map(|i| !content[i] || self.stands_for_something(&words[i], &stems[i])).collect();
        let ordinary: Vec<bool> = (0..words.len())
            .map(|i| !known[i] && self.lexicon.is_some_and(|l| l.contains(words[i].as_str())))
            .collect();
        let content_stems: Vec<(usize, String)> = (0..words.len())
            .filter(|&i| content[i] && !self.name_words.contains(&words[i]))
            .map(|i| (i, stems[i].clone()))
            .collect();
        let nearest = self.examples.nearest(&content_stems);
        let jargon: Vec<bool> = (0..words.len())
            .map(|i| content[i] && self.lexicon.is_some_and(|l| !l.contains(words[i].as_str())))
            .collect();
        let respelled = (!fixes.is_empty()).then(|| text::respell(&cleaned, &fixes));
        Reading {
            said,
            words,
            content,
            domain,
            hits,
            pattern_out_of_scope,
            known,
            ordinary,
            nearest,
            jargon,
            respelled,
        }
    }

    /// Whether a word alone means something to the pack: an ask of its own, a
    /// name, a cue, a domain word or a synonym. Without a word list every
    /// known word counts, as there is no telling ordinary words apart.
    fn stands_for_something(&self, word: &str, stem: &str) -> bool {
        if self.lexicon.is_none() {
            return self.is_known(word);
        }
        self.term_stems.contains(stem)
            || self.domain_stems.contains(stem)
            || self.synonyms.contains_key(word)
            || self.by_first.contains_key(&format!("={word}"))
            || self.by_first.contains_key(&format!("~{stem}"))
    }

    fn is_known(&self, word: &str) -> bool {
        if self.known_words.contains(word) || self.synonyms.contains_key(word) {
            return true;
        }
        let stem = self.stemmer.stem(word);
        self.known_stems.contains(stem.as_ref()) || self.domain_stems.contains(stem.as_ref())
    }
}

/// Drops a hit that lies strictly inside a longer hit of the same layer:
/// "machine learning" is about ML, not about "learning".
fn suppress_nested(hits: &mut Vec<Hit>) {
    let keep: Vec<bool> = hits
        .iter()
        .map(|h| {
            !hits.iter().any(|o| {
                o.target.layer() == h.target.layer()
                    && o.len > h.len
                    && o.start <= h.start
                    && h.start + h.len <= o.start + o.len
            })
        })
        .collect();
    let mut k = keep.into_iter();
    hits.retain(|_| k.next().unwrap_or(true));
}
