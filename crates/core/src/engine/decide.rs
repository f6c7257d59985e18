//! Deciding from the words' reading: the out-of-scope rule, scores per topic
//! and use case, the pick, confidence, the ambiguity margin and suggestions.

use super::*;

impl Engine {
    pub(super) fn decide(&self, r: &Reading, view: &mut Lexical) -> (Outcome, f32, Vec<TopicIdx>) {
        let unsure = |why: Unsure, suggestions: Vec<TopicIdx>| (Outcome::Unsure(why), 0.0, suggestions);
        if r.words.is_empty() {
            view.hard = true;
            return unsure(Unsure::Empty, self.starters());
        }

        if let Some(language) = self.foreign_language(r) {
            view.hard = true;
            return unsure(Unsure::Language(language.to_owned()), Vec::new());
        }

        let contenders = mentioned_contenders(&r.hits);
        let pick_cue = r.hits.iter().any(|h| h.target == Target::PickCue);
        let recommend_cue = r.hits.iter().any(|h| h.target == Target::RecommendCue);
        let entry_words: Vec<bool> = covered(r, |t| matches!(t, Target::Entry(_)));
        let subject_word = r.domain.iter().any(|&d| d);
        view.pick_cue = pick_cue;
        view.view.contenders = contenders.len();
        {
            // What the semantic decision needs even when this reading refuses.
            let known = covered(r, |_| true);
            let content: Vec<usize> = (0..r.words.len()).filter(|&w| r.content[w] && !r.ordinary[w]).collect();
            view.view.content_words = content.len();
            view.view.explained_words = content.iter().filter(|&&w| known[w] || r.domain[w]).count();
            for s in self.score(r, &contenders, recommend_cue || pick_cue) {
                view.view.scores[s.entry] = s.score;
                view.view.named[s.entry] = s.named;
            }
        }

        // Technologies outside the pack count unless a pack phrase explains the
        // word ("react app" is a single-page app back end, not a React question).
        let mut out_of_scope: Vec<String> = Vec::new();
        let mut beside: Vec<String> = Vec::new();
        let mut named_at: Vec<usize> = Vec::new();
        for h in &r.hits {
            if let Target::OutOfScope(i) = h.target {
                // Two names found at one place ("x-y" and "x y") are one name.
                if named_at.contains(&h.start) {
                    continue;
                }
                named_at.push(h.start);
                if !(h.start..h.start + h.len).all(|w| entry_words[w]) {
                    let name = self.pack.vocabulary.out_of_scope[i].clone();
                    if self.pack.vocabulary.out_of_scope_beside[i] {
                        beside.push(name);
                    } else {
                        out_of_scope.push(name);
                    }
                }
            }
        }
        // A front end or a container tool beside a back-end question ("our
        // frontend is Angular, which backend?") leaves it about the pack; a
        // question about them alone ("react or vue?") is not.
        beside.dedup();
        if contenders.is_empty() && (beside.len() >= 2 || (!beside.is_empty() && !subject_word)) {
            out_of_scope.extend(beside);
        }
        for (name, start, len) in &r.pattern_out_of_scope {
            if !(*start..start + len).all(|w| entry_words[w]) {
                out_of_scope.push(name.clone());
            }
        }
        out_of_scope.dedup();
        // "is A faster than Z?" (Z outside the pack) compares something the pack does not know;
        // only a question that names every contender stays about the pack.
        view.view.out_of_scope = !out_of_scope.is_empty();
        if !out_of_scope.is_empty() && contenders.len() < self.pack.contenders.len() {
            return unsure(Unsure::OutOfScope(out_of_scope), Vec::new());
        }
        if let Some(why) = self.same_side(r, &contenders, pick_cue) {
            view.hard = true;
            let suggestions = self.pack.info.same_side_topic.into_iter().collect();
            return unsure(why, suggestions);
        }

        if !self.anchored(r, &contenders, pick_cue || recommend_cue) {
            view.view.no_anchor = true;
            return unsure(Unsure::NoAnchor, Vec::new());
        }

        let mut scores = self.score(r, &contenders, recommend_cue || pick_cue);
        // Naming every contender and asking for a pick is itself evidence for
        // the plain comparison ("which is better, A or B?"): a weak generic word
        // must not turn that into a refusal.
        // With no other evidence the plain-comparison path below answers it.
        // A specific topic with real evidence ("which is cheaper, A or B?") is
        // the answer itself; the comparison only lifts weak generic evidence.
        let default_idx = self.pack.info.default_topic.0;
        let strongest_other = scores.iter().filter(|s| s.entry != default_idx).map(|s| s.score).fold(0.0, f32::max);
        if pick_cue && contenders.len() >= 2 && !scores.is_empty() && strongest_other < STRONG_EVIDENCE {
            let default = self.pack.info.default_topic.0;
            let words: Vec<usize> = r
                .hits
                .iter()
                .filter(|h| matches!(h.target, Target::Contender(_)))
                .flat_map(|h| h.start..h.start + h.len)
                .collect();
            let first = words.iter().copied().min().unwrap_or(usize::MAX);
            match scores.iter_mut().find(|s| s.entry == default) {
                Some(s) => {
                    s.score += PLAIN_COMPARISON;
                    s.words.extend(words.iter().copied().filter(|w| !s.words.contains(w)).collect::<Vec<_>>());
                }
                None => scores.push(Score { entry: default, score: PLAIN_COMPARISON, words, first, named: true }),
            }
        }
        // Ties go to the evidence that explains more of the question, never to word order alone.
        scores.sort_by(|a, b| {
            b.score.total_cmp(&a.score).then(b.words.len().cmp(&a.words.len())).then(a.first.cmp(&b.first))
        });
        for s in &scores {
            view.view.scores[s.entry] = s.score;
            view.view.named[s.entry] = s.named;
        }

        // The share of meaningful words the evidence explains: "is it faster to
        // walk or drive to work" has a topic word but is mostly about something else.
        // Ordinary words the pack does not know ("honestly", "precisely") count
        // neither way: a clear match beside them is still a clear match.
        let mut all_words = covered(r, |_| true);
        if let Some(top) = scores.first() {
            for &w in &top.words {
                all_words[w] = true;
            }
        }
        let coverage = {
            let content = (0..r.words.len()).filter(|&w| r.content[w] && !r.ordinary[w]).count();
            let explained =
                (0..r.words.len()).filter(|&w| r.content[w] && !r.ordinary[w] && (all_words[w] || r.domain[w])).count();
            if content == 0 {
                1.0
            } else {
                explained as f32 / content as f32
            }
        };
        let scope_penalty = if out_of_scope.is_empty() { 1.0 } else { 0.7 };

        let Some(top) = scores.first() else {
            // Only contenders and cue words: "A or B?", "A?".
            if !contenders.is_empty() {
                let topic = if contenders.len() == 1 && !pick_cue {
                    self.profile(contenders[0]).unwrap_or(self.pack.info.default_topic)
                } else {
                    self.pack.info.default_topic
                };
                // With nothing but a name to go on, ordinary words are no longer
                // neutral: "what precisely is A" is about A, "my ball snake
                // stopped eating this winter" is about something else. One is allowed.
                let ordinary = r.ordinary.iter().filter(|&&o| o).count();
                let content = r.content.iter().filter(|&&c| c).count();
                let extra = ordinary.saturating_sub(1) as f32;
                let name_only = (content - ordinary) as f32 * coverage / ((content - ordinary) as f32 + extra);
                let confidence = 0.7 * name_only * scope_penalty;
                view.view.confidence = confidence;
                if confidence >= CONFIDENCE_THRESHOLD {
                    view.view.answered = Some(topic.0);
                    let pick = self.pick_for(topic, pick_cue);
                    return (Outcome::Topic { topic, pick }, round2(confidence), Vec::new());
                }
            }
            return unsure(Unsure::NoMatch, self.starters());
        };

        let strength = 1.0 - (-top.score / 0.8).exp();
        let confidence = (strength * (0.35 + 0.65 * coverage) * scope_penalty).clamp(0.0, 1.0);
        view.view.confidence = confidence;

        let exclusive = |a: &Score, b: &Score| a.words.iter().any(|w| !b.words.contains(w));
        if let Some(second) = scores.get(1) {
            if second.score >= AMBIGUITY_MARGIN * top.score && !exclusive(top, second) {
                return (Outcome::Unsure(Unsure::Ambiguous), round2(confidence * 0.5), self.topics_of(&scores));
            }
        }
        if confidence < CONFIDENCE_THRESHOLD {
            return (Outcome::Unsure(Unsure::NoMatch), round2(confidence), self.topics_of(&scores));
        }

        let answer_topic = self.entry_topic(top.entry);
        let mut suggestions: Vec<TopicIdx> = Vec::new();
        for s in &scores[1..] {
            if s.score >= SUGGEST_SHARE * top.score && exclusive(s, top) {
                let t = self.entry_topic(s.entry);
                if t != answer_topic && !suggestions.contains(&t) && suggestions.len() < MAX_SUGGESTIONS {
                    suggestions.push(t);
                }
            }
        }
        let n_topics = self.pack.topics.len();
        view.view.answered = Some(top.entry);
        view.view.assumed = top.entry >= n_topics && !top.named;
        view.view.use_cases_named = scores.iter().filter(|s| s.entry >= n_topics && s.named).count();
        let outcome = if top.entry < n_topics {
            Outcome::Topic { topic: answer_topic, pick: self.pick_for(answer_topic, pick_cue) }
        } else {
            Outcome::UseCase { use_case: UseCaseIdx(top.entry - n_topics), topic: answer_topic }
        };
        (outcome, round2(confidence), suggestions)
    }

    /// Adds up the evidence per entry. Each word counts once per entry, for its
    /// strongest term.
    pub(super) fn score(&self, r: &Reading, contenders: &[ContenderIdx], wants_pick: bool) -> Vec<Score> {
        let mut by_entry: HashMap<usize, Vec<&Hit>> = HashMap::default();
        for h in &r.hits {
            if let Target::Entry(e) = h.target {
                by_entry.entry(e).or_default().push(h);
            }
        }
        let n_topics = self.pack.topics.len();
        let mut out = Vec::with_capacity(by_entry.len());
        for (entry, mut hits) in by_entry {
            hits.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.start.cmp(&b.start)));
            let mut words: Vec<usize> = Vec::new();
            let mut score = 0.0;
            for h in hits {
                let span = h.start..h.start + h.len;
                if span.clone().any(|w| words.contains(&w)) {
                    continue;
                }
                score += h.weight * if h.corrected { 0.8 } else { 1.0 };
                words.extend(span);
            }
            if entry < n_topics {
                score = self.about_factor(TopicIdx(entry), contenders, score);
            } else if wants_pick {
                // "best for ML?", "chat app: A or B?": a situation plus a
                // request for a pick is a recommendation.
                score *= 1.25;
            }
            let first = words.iter().copied().min().unwrap_or(usize::MAX);
            out.push(Score { entry, score, words, first, named: true });
        }
        // What the examples add: the closest example's similarity, for every
        // entry with one close enough, on the words it shares with the question.
        for near in r.nearest.iter().filter(|n| n.similarity >= EXAMPLE_MIN_SIMILARITY) {
            let mut add = EXAMPLE_WEIGHT * near.similarity;
            if near.entry < n_topics {
                add = self.about_factor(TopicIdx(near.entry), contenders, add);
            } else if wants_pick {
                add *= 1.25;
            }
            match out.iter_mut().find(|s| s.entry == near.entry) {
                Some(s) => {
                    s.score += add;
                    for &w in &near.words {
                        if !s.words.contains(&w) {
                            s.words.push(w);
                        }
                    }
                    s.first = s.words.iter().copied().min().unwrap_or(usize::MAX);
                }
                None => {
                    let first = near.words.iter().copied().min().unwrap_or(usize::MAX);
                    out.push(Score { entry: near.entry, score: add, words: near.words.clone(), first, named: false });
                }
            }
        }
        out
    }

    /// "X vs Y" with two framework names of the same contender compared, and no
    /// other contender. The pack compares contenders, not what is inside one.
    pub(super) fn same_side(&self, r: &Reading, contenders: &[ContenderIdx], pick_cue: bool) -> Option<Unsure> {
        let [only] = contenders else { return None };
        if !pick_cue {
            return None;
        }
        let contender = self.pack.contender(*only);
        let own = [contender.id.to_lowercase(), contender.side.name.to_lowercase()];
        let mut names: Vec<String> = Vec::new();
        for h in r.hits.iter().filter(|h| h.target == Target::Contender(*only)) {
            let name = r.words[h.start..h.start + h.len].join(" ");
            if own.contains(&name) {
                // "plain A or a framework of A?" is a question about A itself.
                return None;
            }
            if !names.contains(&name) {
                names.push(name);
            }
        }
        (names.len() >= 2).then(|| Unsure::SameSide { contender: contender.side.name.clone(), names })
    }

    /// The language's name when the question is not in the pack's language:
    /// fewer than 40 % of its words (of at least three) are words of that
    /// language or of the pack. Needs the language's word list.
    pub(super) fn foreign_language(&self, r: &Reading) -> Option<&'static str> {
        let name = lexicon::name(self.pack.vocabulary.language.as_deref())?;
        // Names are the same in every language, and one- or two-letter words
        // ("o", "es") belong to too many languages to tell.
        let names = covered(r, |t| matches!(t, Target::Contender(_) | Target::OutOfScope(_)));
        // Another script altogether (accents are already folded away, so what
        // is left outside ASCII is Cyrillic, Greek, CJK, …).
        let (mut ascii, mut other) = (0usize, 0usize);
        for c in (0..r.words.len()).filter(|&w| !names[w]).flat_map(|w| r.words[w].chars()) {
            if c.is_ascii_alphabetic() {
                ascii += 1;
            } else if c.is_alphabetic() {
                other += 1;
            }
        }
        if other > ascii {
            return Some(name);
        }
        let letters: Vec<usize> = (0..r.words.len())
            .filter(|&w| !names[w] && r.words[w].chars().filter(|c| c.is_alphabetic()).count() >= 3)
            .collect();
        if letters.len() < 3 {
            return None;
        }
        let familiar = letters.iter().filter(|&&w| r.known[w] || r.ordinary[w] || !r.content[w] || r.domain[w]).count();
        (familiar * 10 < letters.len() * 4).then_some(name)
    }

    /// Whether a question is about the pack's subject at all: it names a
    /// contender (or something the pack ties to one), uses a subject word, or is
    /// an implicit comparison ("which is easier to learn?") that brings in no
    /// foreign object. A topic word inside a sentence about something else
    /// ("how to learn guitar fast") is not an anchor.
    pub(super) fn anchored(&self, r: &Reading, contenders: &[ContenderIdx], pick_cue: bool) -> bool {
        if !contenders.is_empty() || r.domain.iter().any(|&d| d) {
            return true;
        }
        let hit = covered(r, |_| true);
        let unknown: Vec<usize> = (0..r.words.len()).filter(|&w| r.content[w] && !r.known[w] && !hit[w]).collect();
        if unknown.is_empty() {
            return true;
        }
        // "violin or drums": two things the pack does not know, compared.
        let compares_unknown = r.words.iter().enumerate().any(|(i, w)| {
            (w == "or" || w == "versus")
                && (i.checked_sub(1).is_some_and(|j| unknown.contains(&j)) || unknown.contains(&(i + 1)))
        });
        // A specific term of the pack is an anchor of its own: a phrase ("type
        // hints", "event loop") or a name that is not an ordinary word ("pydantic").
        let specific = r.hits.iter().any(|h| {
            matches!(h.target, Target::Entry(_))
                && ((h.start..h.start + h.len).filter(|&w| r.content[w]).count() >= 2
                    || (h.start..h.start + h.len).any(|w| r.jargon[w]))
        });
        if specific {
            return true;
        }
        // "goroutines vs threads": one entry explains several words of its own.
        let mut per_entry: HashMap<usize, Vec<usize>> = HashMap::default();
        for h in &r.hits {
            if let Target::Entry(e) = h.target {
                let words = per_entry.entry(e).or_default();
                words.extend((h.start..h.start + h.len).filter(|w| r.content[*w]));
                words.sort_unstable();
                words.dedup();
            }
        }
        let focused = per_entry.values().any(|w| w.len() >= 2);
        (focused && unknown.len() <= 1) || (pick_cue && unknown.len() <= MAX_UNKNOWN_IN_IMPLICIT && !compares_unknown)
    }

    /// One-sided topics ("what is A?") fit when their contender is the
    /// one the question is about, and fit poorly when another one is.
    pub(super) fn about_factor(&self, topic: TopicIdx, contenders: &[ContenderIdx], score: f32) -> f32 {
        let Some(about) = self.pack.topic(topic).about else { return score };
        match contenders {
            [] => score * 0.7,
            // The only contender named: this is the topic's subject.
            [only] if *only == about => score + ABOUT_BONUS,
            // Named first among several ("A instead of B").
            [first, ..] if *first == about => score * 0.8,
            _ if contenders.contains(&about) => score * 0.3,
            _ => score * 0.15,
        }
    }

    /// A topic answer names its verdict's pick, except a one-sided topic asked
    /// about without asking for a winner ("what is A?").
    pub(super) fn pick_for(&self, topic: TopicIdx, pick_cue: bool) -> Option<Pick> {
        let t = self.pack.topic(topic);
        if t.about.is_some() && !pick_cue {
            None
        } else {
            Some(t.verdict.pick)
        }
    }

    /// The first topic that profiles a contender.
    pub(super) fn profile(&self, contender: ContenderIdx) -> Option<TopicIdx> {
        self.pack.topics.iter().position(|t| t.about == Some(contender)).map(TopicIdx)
    }

    pub(super) fn starters(&self) -> Vec<TopicIdx> {
        self.pack.info.starter_topics.iter().copied().take(MAX_SUGGESTIONS).collect()
    }

    pub(super) fn topics_of(&self, scores: &[Score]) -> Vec<TopicIdx> {
        let mut out = Vec::new();
        for s in scores {
            let t = self.entry_topic(s.entry);
            if !out.contains(&t) {
                out.push(t);
            }
            if out.len() == MAX_SUGGESTIONS {
                break;
            }
        }
        out
    }
}

/// Words alone, with no sentence model to weigh it: a use case that only an
/// example's words pointed at assumes a premise the question never states
/// (a team that knows one side), so it is not given; the use case's topic
/// is offered instead, first among the others.
pub(super) fn unassumed(lexical: Answer, view: &meaning::LexicalView) -> Answer {
    match lexical.outcome {
        Outcome::UseCase { topic, .. } if view.assumed => {
            let mut suggestions = vec![topic];
            suggestions.extend(lexical.suggestions.into_iter().filter(|&t| t != topic));
            Answer { outcome: Outcome::Unsure(Unsure::NoMatch), suggestions, ..lexical }
        }
        _ => lexical,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With words alone, a use case only an example's words pointed at is not
    /// given (its premise was never stated); its topic is offered first.
    /// A use case the question names, or a topic, is left as it was.
    #[test]
    fn words_alone_never_assume_a_use_cases_premise() {
        let (team, other) = (TopicIdx(3), TopicIdx(5));
        let answer = |outcome| Answer {
            question: "which one should the next service use".into(),
            read_as: String::new(),
            outcome,
            confidence: 0.78,
            suggestions: vec![other, team],
        };
        let use_case = Outcome::UseCase { use_case: UseCaseIdx(1), topic: team };
        let assumed = meaning::LexicalView { assumed: true, ..Default::default() };
        let refused = unassumed(answer(use_case.clone()), &assumed);
        assert_eq!(refused.outcome, Outcome::Unsure(Unsure::NoMatch));
        assert_eq!(refused.suggestions, vec![team, other], "the use case's topic first, once");
        let named = meaning::LexicalView::default();
        assert_eq!(unassumed(answer(use_case.clone()), &named).outcome, use_case);
        let topic = Outcome::Topic { topic: team, pick: None };
        assert_eq!(unassumed(answer(topic.clone()), &assumed).outcome, topic);
    }
}
