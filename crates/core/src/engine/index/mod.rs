//! The term index: every way the pack says people ask, compiled once, and the
//! matching of one question against it.
//!
//! Words are compared in one of two forms. Names (contender aliases,
//! out-of-scope technologies) must match the word exactly, so "rusty" is not
//! "rust". Everything else matches on Snowball stems, so "scaling",
//! "scales" and "scale" are one word.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use regex::{Regex, RegexSet};
use rust_stemmers::{Algorithm, Stemmer};

use super::examples::{ExampleIndex, Nearest};
use super::fuzzy::Corrector;
use super::text;
use crate::knowledge::{Ask, ContenderIdx, Pack};

mod read;

/// How strongly a term found in other entries' examples is discounted: in a
/// tenth of all examples, it keeps 1 / (1 + this / 10) of its weight (chosen on
/// the tune split: 3 and 5 gave 223/303, 10 gave 222, 30 gave 216, none 216).
const GENERIC_DISCOUNT: f32 = 3.0;

/// What a term is evidence for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    /// A topic or use case, as an entry number (topics first, then use cases).
    Entry(usize),
    Contender(ContenderIdx),
    PickCue,
    RecommendCue,
    /// An out-of-scope technology, by its position in the name list.
    OutOfScope(usize),
}

impl Target {
    /// Matches only compete for words with matches of the same layer.
    fn layer(self) -> u8 {
        match self {
            Target::Entry(_) => 0,
            Target::Contender(_) => 1,
            Target::PickCue | Target::RecommendCue => 2,
            Target::OutOfScope(_) => 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Form {
    Exact,
    Stem,
}

#[derive(Debug)]
struct Term {
    /// Keys of the words after the first, in the term's form.
    rest: Vec<String>,
    form: Form,
    target: Target,
    weight: f32,
}

/// One piece of evidence found in a question.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub target: Target,
    /// First word covered.
    pub start: usize,
    /// Number of words covered.
    pub len: usize,
    /// Weight after sharing with other entries that use the same term.
    pub weight: f32,
    /// Some word in it was a corrected typo.
    pub corrected: bool,
}

/// A question as the matcher sees it.
#[derive(Debug, Default)]
pub(crate) struct Reading {
    /// The question's own words, cleaned and split (contractions expanded),
    /// joined by single spaces: before synonyms and corrections.
    pub said: String,
    pub words: Vec<String>,
    /// Words that carry meaning (not stop words).
    pub content: Vec<bool>,
    /// Words of the pack's subject that point at no topic ("server", "app").
    pub domain: Vec<bool>,
    pub hits: Vec<Hit>,
    /// Out-of-scope names spotted by patterns, with the words they cover.
    pub pattern_out_of_scope: Vec<(String, usize, usize)>,
    /// Words the pack knows: in an ask, an alias, a cue, the domain or a synonym.
    /// (Words known only from examples do not count: examples are whole
    /// questions, full of words that say nothing about the subject.)
    pub known: Vec<bool>,
    /// Words of the pack's language that the pack does not know: ordinary words
    /// that neither help nor hurt ("honestly", "budget"). Always false without a word list.
    pub ordinary: Vec<bool>,
    /// Each entry's closest example, best first.
    pub nearest: Vec<Nearest>,
    /// Words that are not words of the language: names and jargon ("pydantic",
    /// "asyncio", "npm"). Always false without a word list.
    pub jargon: Vec<bool>,
    /// The cleaned question with each word the corrector fixed spelt as
    /// fixed ("whcih one has beter concurency suport" → "which one has
    /// better concurrency support"), for the sentence encoder, whose word
    /// pieces make little of a typo; `None` when nothing was fixed.
    pub respelled: Option<String>,
}

impl Reading {
    /// The text the meaning side reads for `question` (the question this
    /// reading was made from): respelt where the corrector fixed a word.
    pub fn for_meaning<'a>(&'a self, question: &'a str) -> &'a str {
        self.respelled.as_deref().unwrap_or(question)
    }
}

/// The compiled index over one pack.
pub(crate) struct Index {
    stemmer: Stemmer,
    terms: Vec<Term>,
    /// First word key ("=word" for exact, "~stem" for stems) → terms.
    by_first: HashMap<String, Vec<usize>>,
    patterns: RegexSet,
    pattern_terms: Vec<(Regex, Target, f32)>,
    scope_patterns: Vec<(String, Regex)>,
    stopwords: HashSet<String>,
    domain_stems: HashSet<String>,
    synonyms: HashMap<String, Vec<String>>,
    /// Surface words and stems the pack knows: these are never "corrected".
    known_words: HashSet<String>,
    known_stems: HashSet<String>,
    /// Stems that are single-word asks: a word known only inside a phrase
    /// ("friendly" in "beginner friendly") says nothing when it stands alone.
    term_stems: HashSet<String>,
    /// Stems of every word the pack knows, so common words are not stemmed per question.
    stem_cache: HashMap<String, String>,
    corrector: Corrector,
    /// Real words of the pack's language: never corrected into pack words.
    lexicon: Option<&'static HashSet<&'static str>>,
    examples: ExampleIndex,
    /// Words of contender names: no evidence for any entry in an example, since
    /// nearly every example names a contender.
    name_words: HashSet<String>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("terms", &self.terms.len()).finish_non_exhaustive()
    }
}

impl Index {
    pub(crate) fn new(pack: &Pack) -> Index {
        let stemmer = Stemmer::create(Algorithm::English);
        let voc = &pack.vocabulary;
        let synonyms: HashMap<String, Vec<String>> =
            voc.synonyms.iter().map(|(from, to)| (from.clone(), text::phrase_words(to))).collect();
        let mut b = Builder {
            stemmer: &stemmer,
            synonyms: &synonyms,
            terms: Vec::new(),
            by_first: HashMap::default(),
            patterns: Vec::new(),
            surface: Vec::new(),
            known_stems: HashSet::default(),
            term_stems: HashSet::default(),
        };

        let n_topics = pack.topics.len();
        for (i, topic) in pack.topics.iter().enumerate() {
            b.asks(&topic.asks, Target::Entry(i));
        }
        for (i, uc) in pack.use_cases.iter().enumerate() {
            b.asks(&uc.asks, Target::Entry(n_topics + i));
        }
        for (i, c) in pack.contenders.iter().enumerate() {
            for alias in &c.aliases {
                b.words(alias, Form::Exact, Target::Contender(ContenderIdx(i)), 1.0);
            }
        }
        for cue in &voc.pick_cues {
            b.words(cue, Form::Stem, Target::PickCue, 1.0);
        }
        for cue in &voc.recommend_cues {
            b.words(cue, Form::Stem, Target::RecommendCue, 1.0);
        }
        for (i, name) in voc.out_of_scope.iter().enumerate() {
            b.words(name, Form::Exact, Target::OutOfScope(i), 1.0);
        }

        // A term shared by several entries is weaker evidence for each of them:
        // each keeps its weight's share of all the weights that entries give it.
        // One-sided topics ("what is A?" / "what is B?") count as one
        // entry here, since the contender named, not the term, tells them apart.
        let group = |e: usize| match pack.topics.get(e) {
            Some(t) if t.about.is_some() => usize::MAX,
            _ => e,
        };
        let mut sharing: HashMap<(String, Vec<String>), HashMap<usize, f32>> = HashMap::default();
        let first_keys: HashMap<usize, String> =
            b.by_first.iter().flat_map(|(k, ids)| ids.iter().map(move |&id| (id, k.clone()))).collect();
        for (id, term) in b.terms.iter().enumerate() {
            if let Target::Entry(e) = term.target {
                let w = sharing
                    .entry((first_keys[&id].clone(), term.rest.clone()))
                    .or_default()
                    .entry(group(e))
                    .or_insert(0.0);
                *w = w.max(term.weight);
            }
        }
        for (id, term) in b.terms.iter_mut().enumerate() {
            if let Target::Entry(e) = term.target {
                let groups = &sharing[&(first_keys[&id].clone(), term.rest.clone())];
                let others: f32 = groups.iter().filter(|(g, _)| **g != group(e)).map(|(_, w)| w).sum();
                term.weight = term.weight * term.weight / (term.weight + others);
            }
        }

        let mut surface = std::mem::take(&mut b.surface);
        for (from, to) in &synonyms {
            surface.push(from.clone());
            surface.extend(to.iter().cloned());
        }
        surface.extend(voc.stopwords.iter().cloned());
        surface.extend(voc.domain.iter().cloned());
        let known_words: HashSet<String> = surface.iter().cloned().collect();
        let stem_cache: HashMap<String, String> =
            known_words.iter().map(|w| (w.clone(), stemmer.stem(w).into_owned())).collect();
        let corrector = Corrector::new(surface);

        let pattern_terms = std::mem::take(&mut b.patterns);
        let patterns = RegexSet::new(pattern_terms.iter().map(|(re, ..)| re.as_str()))
            .expect("each pattern compiled on its own during validation");
        let known_stems = std::mem::take(&mut b.known_stems);
        let term_stems = std::mem::take(&mut b.term_stems);
        let (terms, by_first) = (std::mem::take(&mut b.terms), std::mem::take(&mut b.by_first));
        drop(b);
        let domain_stems =
            voc.domain.iter().flat_map(|d| text::phrase_words(d)).map(|w| stemmer.stem(&w).into_owned()).collect();
        let mut index = Index {
            stemmer,
            terms,
            by_first,
            patterns,
            pattern_terms,
            scope_patterns: voc.out_of_scope_patterns.clone(),
            stopwords: voc.stopwords.iter().cloned().collect(),
            domain_stems,
            synonyms,
            known_words,
            known_stems,
            term_stems,
            stem_cache,
            corrector,
            lexicon: super::lexicon::words(voc.language.as_deref()),
            examples: ExampleIndex::default(),
            name_words: pack
                .contenders
                .iter()
                .flat_map(|c| c.aliases.iter().flat_map(|a| text::phrase_words(a)))
                .collect(),
        };
        let topic_examples = pack.topics.iter().enumerate().flat_map(|(i, t)| t.examples.iter().map(move |e| (i, e)));
        let use_case_examples =
            pack.use_cases.iter().enumerate().flat_map(|(i, u)| u.examples.iter().map(move |e| (n_topics + i, e)));
        let examples: Vec<(usize, String, Vec<String>)> = topic_examples
            .chain(use_case_examples)
            .map(|(entry, e)| (entry, e.clone(), index.content_stems(e).into_iter().map(|(_, s)| s).collect()))
            .collect();
        index.discount_generic_terms(&examples);
        index.examples = ExampleIndex::new(examples);
        index
    }

    /// Specific beats generic, learned from the examples: an ask that shows up
    /// in many examples of *other* entries ("better", "backend") says little
    /// about its own entry, and weighs less in proportion.
    fn discount_generic_terms(&mut self, examples: &[(usize, String, Vec<String>)]) {
        if examples.is_empty() {
            return;
        }
        let sets: Vec<(usize, HashSet<&str>)> =
            examples.iter().map(|(e, _, stems)| (*e, stems.iter().map(String::as_str).collect())).collect();
        let n = sets.len() as f32;
        let mut first_of: Vec<String> = vec![String::new(); self.terms.len()];
        for (key, ids) in &self.by_first {
            for &id in ids {
                first_of[id] = key.clone();
            }
        }
        for (id, term) in self.terms.iter_mut().enumerate() {
            let Target::Entry(entry) = term.target else { continue };
            let first = &first_of[id][1..];
            let stems: Vec<String> = std::iter::once(first.to_owned())
                .chain(term.rest.iter().cloned())
                .map(|w| if term.form == Form::Exact { self.stemmer.stem(&w).into_owned() } else { w })
                .collect();
            let elsewhere =
                sets.iter().filter(|(e, set)| *e != entry && stems.iter().all(|s| set.contains(s.as_str()))).count()
                    as f32;
            term.weight /= 1.0 + GENERIC_DISCOUNT * elsewhere / n;
        }
    }

    /// An example's text as the matcher reads a question (without typo
    /// correction): the stems of its meaningful words, with their positions.
    fn content_stems(&self, question: &str) -> Vec<(usize, String)> {
        let mut words = Vec::new();
        for w in text::words(&text::clean(question)) {
            match self.synonyms.get(&w) {
                Some(to) => words.extend(to.iter().cloned()),
                None => words.push(w),
            }
        }
        words
            .iter()
            .enumerate()
            .filter(|(_, w)| !self.stopwords.contains(*w) && !self.name_words.contains(*w))
            .map(|(i, w)| (i, self.stem(w)))
            .collect()
    }

    /// The text of one example, by its number in the example index.
    pub(crate) fn example_text(&self, example: u32) -> &str {
        self.examples.example_text(example)
    }

    fn stem(&self, word: &str) -> String {
        match self.stem_cache.get(word) {
            Some(stem) => stem.clone(),
            None => self.stemmer.stem(word).into_owned(),
        }
    }
}

struct Builder<'a> {
    stemmer: &'a Stemmer,
    synonyms: &'a HashMap<String, Vec<String>>,
    terms: Vec<Term>,
    by_first: HashMap<String, Vec<usize>>,
    patterns: Vec<(Regex, Target, f32)>,
    surface: Vec<String>,
    known_stems: HashSet<String>,
    /// Stems that are asks of their own, not only words inside a phrase.
    term_stems: HashSet<String>,
}

impl Builder<'_> {
    fn asks(&mut self, asks: &[Ask], target: Target) {
        for ask in asks {
            match ask {
                Ask::Words { text, weight, exact } => {
                    let form = if *exact { Form::Exact } else { Form::Stem };
                    self.words(text, form, target, *weight)
                }
                Ask::Pattern { regex, weight } => self.patterns.push((regex.clone(), target, *weight)),
            }
        }
    }

    fn words(&mut self, phrase: &str, form: Form, target: Target, weight: f32) {
        // Terms go through the same synonym expansion as questions, so a term
        // written "vs" still meets a question that was expanded to "versus".
        let mut words = Vec::new();
        for w in text::phrase_words(phrase) {
            match self.synonyms.get(&w) {
                Some(to) if !matches!(target, Target::Contender(_) | Target::OutOfScope(_)) => {
                    words.extend(to.iter().cloned())
                }
                _ => words.push(w),
            }
        }
        if words.is_empty() {
            return;
        }
        self.surface.extend(words.iter().cloned());
        let keys: Vec<String> = match form {
            Form::Exact => words,
            Form::Stem => words.iter().map(|w| self.stemmer.stem(w).into_owned()).collect(),
        };
        if form == Form::Stem {
            self.known_stems.extend(keys.iter().cloned());
            if keys.len() == 1 && matches!(target, Target::Entry(_)) {
                self.term_stems.insert(keys[0].clone());
            }
        }
        let id = self.terms.len();
        let first = format!("{}{}", if form == Form::Exact { '=' } else { '~' }, keys[0]);
        self.by_first.entry(first).or_default().push(id);
        self.terms.push(Term { rest: keys[1..].to_vec(), form, target, weight });
    }
}
