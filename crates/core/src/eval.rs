//! Evaluation files and how well an engine answers them (`stackpick eval`).
//!
//! An evaluation file is tab-separated: `question`, the accepted topic ids
//! (`a|b`; `*` = any answer, it must answer; `-` = it must not answer), the
//! pick (a contender id, `either`, or `.` for unchecked) and, optionally, the address
//! of the public question a row is modelled on. `#` starts a comment line.
//!
//! The real-question corpus is split in the open into a **blind** third and a
//! **tune** rest by [`is_blind`], a hash of the question that does not depend on
//! the engine's own reading, so that changing the engine cannot move a row
//! between splits. Tune figures are cross-validated ([`cross_validate`]): the
//! engine is rebuilt without the held-out fold's examples, so copying a tune
//! question into a pack's `examples` cannot inflate its own score.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::engine::Engine;
use crate::knowledge::Pack;

/// What a row expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Any answer will do, but it must answer (`*`).
    Any,
    /// It must not answer (`-`): an off-topic question.
    Refuse,
    /// One of these topic ids.
    Topics(Vec<String>),
}

/// One row of an evaluation file.
#[derive(Debug, Clone)]
pub struct Case {
    pub file: PathBuf,
    /// 1-based line number in the file.
    pub line: usize,
    pub question: String,
    pub expect: Expect,
    /// The expected pick id; `None` when unchecked (`.`).
    pub pick: Option<String>,
    /// The address of the public question the row is modelled on.
    pub source: Option<String>,
}

/// A malformed evaluation file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read evaluation file `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Row { path: PathBuf, line: usize, message: String },
}

/// Reads an evaluation file, refusing malformed rows with their line number.
pub fn read(path: &Path) -> Result<Vec<Case>, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io { path: path.to_path_buf(), source })?;
    parse(path, &text)
}

/// Parses evaluation rows from `text`; `path` names them in errors.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Case>, ReadError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let row_error = |message: String| ReadError::Row { path: path.to_path_buf(), line: i + 1, message };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if !(3..=4).contains(&cols.len()) {
            return Err(row_error(format!(
                "expected 3 or 4 tab-separated columns (question, topics, pick, [source]), found {}",
                cols.len()
            )));
        }
        let question = cols[0].trim();
        if question.is_empty() {
            return Err(row_error("the question is empty".into()));
        }
        let expect = match cols[1].trim() {
            "*" => Expect::Any,
            "-" => Expect::Refuse,
            "" => return Err(row_error("the topics column is empty (use `*`, `-` or topic ids)".into())),
            list => Expect::Topics(list.split('|').map(|t| t.trim().to_owned()).collect()),
        };
        let pick = match cols[2].trim() {
            "." => None,
            "" => return Err(row_error("the pick column is empty (use `.` for unchecked)".into())),
            p => Some(p.to_owned()),
        };
        let source = cols.get(3).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        out.push(Case { file: path.to_path_buf(), line: i + 1, question: question.to_owned(), expect, pick, source });
    }
    Ok(out)
}

/// Refuses rows whose accepted ids are neither a topic nor a use case of `pack`,
/// naming the file and line: a typo would otherwise be a silent miss.
pub fn check_ids(pack: &Pack, files: &[(PathBuf, Vec<Case>)]) -> Result<(), ReadError> {
    for (path, cases) in files {
        for c in cases {
            if let Expect::Topics(list) = &c.expect {
                for id in list {
                    let known = pack.topics.iter().any(|t| &t.id == id) || pack.use_cases.iter().any(|u| &u.id == id);
                    if !known {
                        return Err(ReadError::Row {
                            path: path.clone(),
                            line: c.line,
                            message: format!("`{id}` is neither a topic nor a use case of the pack"),
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

/// The entries (topics, then use cases) a row accepts: by id, and use cases
/// whose answer topic the row accepts.
pub fn target(engine: &Engine, case: &Case) -> crate::train::Target {
    let pack = engine.pack();
    match &case.expect {
        Expect::Any => crate::train::Target::Any,
        Expect::Refuse => crate::train::Target::Refuse,
        Expect::Topics(list) => {
            let mut entries = Vec::new();
            for e in 0..engine.entry_count() {
                let id = engine.entry_id(e);
                let topic_ok = e >= pack.topics.len()
                    && list.contains(&pack.topic(pack.use_cases[e - pack.topics.len()].topics[0]).id);
                if list.iter().any(|l| l == id) || topic_ok {
                    entries.push(e);
                }
            }
            crate::train::Target::Entries(entries)
        }
    }
}

/// The text the blind/tune split hashes: NFKC, lower case, white space collapsed.
///
/// Deliberately independent of the engine's normaliser, so that no engine
/// change can move a question from one split to the other.
pub fn split_key(question: &str) -> String {
    let nfkc: String = question.nfkc().collect();
    nfkc.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn digest(question: &str) -> [u8; 32] {
    Sha256::digest(split_key(question).as_bytes()).into()
}

/// Whether a question belongs to the blind split: the first byte of the SHA-256
/// of its [`split_key`] is below 0x56 (about one third).
pub fn is_blind(question: &str) -> bool {
    digest(question)[0] < 0x56
}

/// The cross-validation fold (0..5) of a tune question, from the second byte of its hash.
pub fn fold(question: &str) -> usize {
    usize::from(digest(question)[1]) % FOLDS
}

/// How many folds tune accuracy is cross-validated over.
pub const FOLDS: usize = 5;

/// Which rows of a file to score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Every row.
    All,
    /// Rows whose hash puts them in the blind third.
    Blind,
    /// The other two thirds.
    Tune,
}

impl Split {
    pub fn keeps(self, question: &str) -> bool {
        match self {
            Split::All => true,
            Split::Blind => is_blind(question),
            Split::Tune => !is_blind(question),
        }
    }
}

/// How the engine did on one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Right,
    /// An on-topic question was not answered.
    Refused,
    /// Answered with a topic the row does not accept.
    WrongTopic,
    /// The right topic with the wrong pick.
    WrongPick,
    /// An off-topic question was answered.
    AnsweredOffTopic,
}

/// One scored row.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    pub line: usize,
    pub question: String,
    pub wanted: String,
    pub wanted_pick: Option<String>,
    /// The topic id answered, or `None` when refused.
    pub got: Option<String>,
    /// The entry answered: the use case's id for a recommendation, else the topic id.
    pub got_entry: Option<String>,
    pub got_pick: Option<String>,
    pub confidence: f32,
    pub verdict: Verdict,
}

/// Scores one row against an engine.
pub fn score(engine: &Engine, case: &Case) -> Scored {
    score_answer(engine, case, engine.answer(&case.question))
}

/// Scores a row against an answer the caller obtained.
pub fn score_answer(engine: &Engine, case: &Case, answer: crate::answer::Answer) -> Scored {
    let pack = engine.pack();
    let got = answer.topic().map(|t| pack.topic(t).id.clone());
    let got_entry = match &answer.outcome {
        crate::answer::Outcome::UseCase { use_case, .. } => Some(pack.use_case(*use_case).id.clone()),
        _ => got.clone(),
    };
    let got_pick = answer.pick(pack).map(|p| pack.pick_id(p).to_owned());
    let verdict = match (&case.expect, &got) {
        (Expect::Refuse, None) => Verdict::Right,
        (Expect::Refuse, Some(_)) => Verdict::AnsweredOffTopic,
        (_, None) => Verdict::Refused,
        (Expect::Topics(list), Some(t))
            if !list.contains(t) && !got_entry.as_ref().is_some_and(|e| list.contains(e)) =>
        {
            Verdict::WrongTopic
        }
        _ => match &case.pick {
            Some(p) if got_pick.as_deref() != Some(p.as_str()) => Verdict::WrongPick,
            _ => Verdict::Right,
        },
    };
    let wanted = match &case.expect {
        Expect::Any => "*".to_owned(),
        Expect::Refuse => "-".to_owned(),
        Expect::Topics(list) => list.join("|"),
    };
    Scored {
        line: case.line,
        question: case.question.clone(),
        wanted,
        wanted_pick: case.pick.clone(),
        got: got_entry.clone(),
        got_entry,
        got_pick,
        confidence: answer.confidence,
        verdict,
    }
}

/// Figures for a set of rows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    pub rows: usize,
    pub right: usize,
    /// Rows that must be answered (a topic list or `*`), and how many were right.
    pub on_topic: usize,
    pub on_topic_right: usize,
    /// Rows with a checked pick whose topic was right, and how many picks were right.
    pub picks: usize,
    pub picks_right: usize,
    /// Off-topic rows, and how many were refused.
    pub off_topic: usize,
    pub off_topic_refused: usize,
    /// On-topic rows refused, and on-topic rows answered with the wrong topic.
    pub refused: usize,
    pub wrong_topic: usize,
    /// Rows answered at all, and those answered on an accepted entry (a wrong
    /// pick on the right subject still counts as on the right subject).
    pub answered: usize,
    pub answered_right: usize,
    /// Wanted → answered, most frequent first (at most ten).
    pub confusions: Vec<(String, String, usize)>,
}

impl Figures {
    pub fn from_scored(rows: &[Scored]) -> Figures {
        let mut f = Figures { rows: rows.len(), ..Figures::default() };
        let mut confusions: BTreeMap<(String, String), usize> = BTreeMap::new();
        for s in rows {
            let on_topic = s.wanted != "-";
            if s.verdict == Verdict::Right {
                f.right += 1;
            }
            if on_topic {
                f.on_topic += 1;
                if matches!(s.verdict, Verdict::Right | Verdict::WrongPick) {
                    f.on_topic_right += 1;
                }
            } else {
                f.off_topic += 1;
                if s.verdict == Verdict::Right {
                    f.off_topic_refused += 1;
                }
            }
            if s.wanted_pick.is_some() && matches!(s.verdict, Verdict::Right | Verdict::WrongPick) {
                f.picks += 1;
                if s.verdict == Verdict::Right {
                    f.picks_right += 1;
                }
            }
            if s.got.is_some() {
                f.answered += 1;
                if matches!(s.verdict, Verdict::Right | Verdict::WrongPick) {
                    f.answered_right += 1;
                }
            }
            match s.verdict {
                Verdict::Refused => f.refused += 1,
                Verdict::WrongTopic => f.wrong_topic += 1,
                _ => {}
            }
            if matches!(s.verdict, Verdict::Refused | Verdict::WrongTopic | Verdict::AnsweredOffTopic) {
                let got = s.got.clone().unwrap_or_else(|| "(refused)".into());
                *confusions.entry((s.wanted.clone(), got)).or_default() += 1;
            }
        }
        let mut list: Vec<(String, String, usize)> = confusions.into_iter().map(|((a, b), n)| (a, b, n)).collect();
        list.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        list.truncate(10);
        f.confusions = list;
        f
    }

    /// The share of rows right, in 0..=1 (1 for no rows).
    pub fn accuracy(&self) -> f64 {
        ratio(self.right, self.rows)
    }

    /// Answer precision: the share of answers on an accepted entry (1 with no answers).
    pub fn precision(&self) -> f64 {
        ratio(self.answered_right, self.answered)
    }

    /// The share of in-scope rows refused.
    pub fn in_scope_refusals(&self) -> f64 {
        if self.on_topic == 0 {
            0.0
        } else {
            self.refused as f64 / self.on_topic as f64
        }
    }

    /// The share of off-topic rows refused (1 with none).
    pub fn off_topic_refusals(&self) -> f64 {
        ratio(self.off_topic_refused, self.off_topic)
    }

    /// Adds another set's counts (confusions are not merged).
    fn add(&mut self, o: &Figures) {
        self.rows += o.rows;
        self.right += o.right;
        self.on_topic += o.on_topic;
        self.on_topic_right += o.on_topic_right;
        self.picks += o.picks;
        self.picks_right += o.picks_right;
        self.off_topic += o.off_topic;
        self.off_topic_refused += o.off_topic_refused;
        self.refused += o.refused;
        self.wrong_topic += o.wrong_topic;
        self.answered += o.answered;
        self.answered_right += o.answered_right;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// The result for one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub split: Split,
    pub figures: Figures,
    /// Every miss; empty for the blind split, whose misses are never shown.
    pub misses: Vec<Scored>,
}

/// The result for several files.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub files: Vec<FileReport>,
    pub overall: Figures,
}

/// Scores every kept row of every file.
pub fn evaluate(engine: &Engine, files: &[(PathBuf, Vec<Case>)], split: Split) -> Report {
    let mut reports = Vec::new();
    let mut all_scored = Vec::new();
    for (path, cases) in files {
        let scored: Vec<Scored> = cases.iter().filter(|c| split.keeps(&c.question)).map(|c| score(engine, c)).collect();
        reports.push(file_report(path, split, &scored));
        all_scored.extend(scored);
    }
    let mut overall = Figures::from_scored(&all_scored);
    if split == Split::Blind {
        overall.confusions.clear();
    }
    Report { files: reports, overall }
}

fn file_report(path: &Path, split: Split, scored: &[Scored]) -> FileReport {
    let mut figures = Figures::from_scored(scored);
    let misses = if split == Split::Blind {
        // Not even in aggregate: confusions would tell which blind rows fail.
        figures.confusions.clear();
        Vec::new()
    } else {
        scored.iter().filter(|s| s.verdict != Verdict::Right).cloned().collect()
    };
    FileReport { file: path.display().to_string(), split, figures, misses }
}

/// Tune accuracy by [`FOLDS`]-fold cross-validation: each fold is scored by an
/// engine built from `pack_dir` without the examples that equal one of the
/// fold's questions (compared on [`split_key`]).
///
/// With a sentence model the trained decision is refitted per fold too, on the
/// other folds' questions as their own fold's engine saw them ([`fold_engines`]).
pub fn cross_validate(
    pack_dir: &crate::knowledge::PackSource,
    files: &[(PathBuf, Vec<Case>)],
) -> Result<Report, crate::knowledge::PackErrors> {
    let engines = fold_engines(pack_dir, files)?;
    let samples = out_of_fold_samples(&engines, files);
    let thin = if engines[0].meaning().is_some() { thin_samples(pack_dir, files)? } else { Vec::new() };
    let mut per_file: Vec<Vec<Scored>> = vec![Vec::new(); files.len()];
    for (k, engine) in engines.iter().enumerate() {
        let weights = engine.meaning().map(|m| {
            let train: Vec<crate::train::Sample> =
                samples.iter().filter(|(f, _)| *f != k).map(|(_, s)| s.clone()).collect();
            let thin: Vec<crate::train::Sample> =
                thin.iter().filter(|(f, _)| *f != k).map(|(_, s)| s.clone()).collect();
            crate::train::fit(&train, &thin, &format!("tune folds except {k}"), &m.weights().model)
        });
        for (i, (_, cases)) in files.iter().enumerate() {
            for c in cases.iter().filter(|c| !is_blind(&c.question) && fold(&c.question) == k) {
                let answer = match &weights {
                    Some(w) => engine.answer_with(&c.question, w),
                    None => engine.answer(&c.question),
                };
                per_file[i].push(score_answer(engine, c, answer));
            }
        }
    }
    let mut reports = Vec::new();
    let mut overall = Figures::default();
    let mut all = Vec::new();
    for ((path, _), mut scored) in files.iter().zip(per_file) {
        scored.sort_by_key(|s| s.line);
        let report = file_report(path, Split::Tune, &scored);
        overall.add(&report.figures);
        all.extend(scored);
        reports.push(report);
    }
    overall.confusions = Figures::from_scored(&all).confusions;
    Ok(Report { files: reports, overall })
}

/// One engine per fold, each built without the examples that equal one of its fold's questions.
pub fn fold_engines(
    pack_dir: &crate::knowledge::PackSource,
    files: &[(PathBuf, Vec<Case>)],
) -> Result<Vec<Engine>, crate::knowledge::PackErrors> {
    (0..FOLDS)
        .map(|k| {
            let held_out: std::collections::HashSet<String> = files
                .iter()
                .flat_map(|(_, cases)| cases.iter())
                .filter(|c| !is_blind(&c.question) && fold(&c.question) == k)
                .map(|c| split_key(&c.question))
                .collect();
            let mut pack = crate::knowledge::load_from(pack_dir)?;
            without_examples(&mut pack, &held_out);
            Ok(Engine::new(pack))
        })
        .collect()
}

/// Every tune question's training sample, from the engine of its own fold
/// (which has not learned from it), with its fold.
pub fn out_of_fold_samples(engines: &[Engine], files: &[(PathBuf, Vec<Case>)]) -> Vec<(usize, crate::train::Sample)> {
    let mut out = Vec::new();
    for (_, cases) in files {
        for c in cases.iter().filter(|c| !is_blind(&c.question)) {
            let k = fold(&c.question);
            let engine = &engines[k];
            if let Some(evidence) = engine.evidence(&c.question) {
                out.push((k, crate::train::Sample { evidence, target: target(engine, c) }));
            }
        }
    }
    out
}

/// Every tune question's sample from an engine that has learned from none of
/// them: the pack as a pack with only a few examples per entry sees it. Trained
/// on beside the out-of-fold samples, so that the weights also suit packs
/// without a `questions.tsv` (every pack written from the README alone); the
/// features say how much the semantic side knows, so both regimes can be learned.
pub fn thin_samples(
    pack_dir: &crate::knowledge::PackSource,
    files: &[(PathBuf, Vec<Case>)],
) -> Result<Vec<(usize, crate::train::Sample)>, crate::knowledge::PackErrors> {
    let tune: std::collections::HashSet<String> = files
        .iter()
        .flat_map(|(_, cases)| cases.iter())
        .filter(|c| !is_blind(&c.question))
        .map(|c| split_key(&c.question))
        .collect();
    let mut pack = crate::knowledge::load_from(pack_dir)?;
    without_examples(&mut pack, &tune);
    let engine = Engine::new(pack);
    let mut out = Vec::new();
    for (_, cases) in files {
        for c in cases.iter().filter(|c| !is_blind(&c.question)) {
            if let Some(evidence) = engine.evidence(&c.question) {
                out.push((fold(&c.question), crate::train::Sample { evidence, target: target(&engine, c) }));
            }
        }
    }
    Ok(out)
}

/// Fits the decision on every tune question (`stackpick train`).
pub fn train(
    pack_dir: &crate::knowledge::PackSource,
    files: &[(PathBuf, Vec<Case>)],
) -> Result<Option<crate::engine::meaning::Weights>, crate::knowledge::PackErrors> {
    let engines = fold_engines(pack_dir, files)?;
    let Some(m) = engines[0].meaning() else { return Ok(None) };
    let model = format!("{:016x}", m.encoder().fingerprint());
    let samples: Vec<crate::train::Sample> = out_of_fold_samples(&engines, files).into_iter().map(|(_, s)| s).collect();
    let thin: Vec<crate::train::Sample> = thin_samples(pack_dir, files)?.into_iter().map(|(_, s)| s).collect();
    let names: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    let on = format!("the tune split of {} ({} questions), out of fold", names.join(", "), samples.len());
    let weights = crate::train::fit(&samples, &thin, &on, &model);
    eprintln!(
        "chooser: right entry first for {:.1}% of in-scope tune questions (in-sample)",
        crate::train::chooser_accuracy(&samples, &weights) * 100.0
    );
    for p in crate::train::curve(&samples, &weights) {
        eprintln!(
            "  threshold {:.2}: answered {:.1}%, precision {:.1}%, accuracy {:.1}%",
            p.threshold,
            p.answered * 100.0,
            p.precision * 100.0,
            p.accuracy * 100.0
        );
    }
    eprintln!("cascade (words trusted from a lexical confidence on; the rest encoded and gated):");
    for p in crate::train::cascade_curve(&samples, &weights) {
        eprintln!(
            "  trust {:.2}: encoded {:.1}%, threshold {:.2}, precision {:.1}%, accuracy {:.1}%, in-scope refused {:.1}%",
            p.trust,
            p.encoded * 100.0,
            p.threshold,
            p.precision * 100.0,
            p.accuracy * 100.0,
            p.in_scope_refused * 100.0
        );
    }
    Ok(Some(weights))
}

/// Removes the examples whose [`split_key`] is in `held_out`.
pub fn without_examples(pack: &mut Pack, held_out: &std::collections::HashSet<String>) {
    for t in &mut pack.topics {
        t.examples.retain(|e| !held_out.contains(&split_key(e)));
    }
    for u in &mut pack.use_cases {
        u.examples.retain(|e| !held_out.contains(&split_key(e)));
    }
    pack.negatives.retain(|e| !held_out.contains(&split_key(e)));
}

/// The report as text: per file and overall, confusions, and misses when asked.
pub fn render(report: &Report, show_misses: bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for f in &report.files {
        let _ =
            writeln!(out, "{} [{}]", f.file, serde_json::to_value(f.split).unwrap_or_default().as_str().unwrap_or(""));
        figures_lines(&mut out, &f.figures);
        if show_misses {
            if f.split == Split::Blind {
                let _ = writeln!(out, "  (misses of the blind split are never shown)");
            }
            for m in &f.misses {
                let _ = writeln!(
                    out,
                    "  MISS line {}: {:?}: wanted {} / {}, got {} / {} ({:.2})",
                    m.line,
                    m.question,
                    m.wanted,
                    m.wanted_pick.as_deref().unwrap_or("."),
                    m.got.as_deref().unwrap_or("no answer"),
                    m.got_pick.as_deref().unwrap_or("no pick"),
                    m.confidence
                );
            }
        }
    }
    if report.files.len() > 1 {
        let _ = writeln!(out, "overall");
        figures_lines(&mut out, &report.overall);
    }
    out
}

fn figures_lines(out: &mut String, f: &Figures) {
    use std::fmt::Write;
    let pct = |a: usize, b: usize| format!("{a}/{b} ({:.1}%)", ratio(a, b) * 100.0);
    let _ = writeln!(out, "  right        {}", pct(f.right, f.rows));
    let _ = writeln!(
        out,
        "  precision    {}  (answers on the right subject); in-scope refused {}",
        pct(f.answered_right, f.answered),
        pct(f.refused, f.on_topic)
    );
    let _ = writeln!(
        out,
        "  on-topic     {}  (refused {}, wrong topic {})",
        pct(f.on_topic_right, f.on_topic),
        f.refused,
        f.wrong_topic
    );
    if f.picks > 0 {
        let _ = writeln!(out, "  picks        {}", pct(f.picks_right, f.picks));
    }
    if f.off_topic > 0 {
        let _ = writeln!(out, "  off-topic    {} refused", pct(f.off_topic_refused, f.off_topic));
    }
    if !f.confusions.is_empty() {
        let list: Vec<String> = f.confusions.iter().map(|(a, b, n)| format!("{a} → {b} ×{n}")).collect();
        let _ = writeln!(out, "  confusions   {}", list.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_key_is_nfkc_lower_case_and_collapsed() {
        assert_eq!(split_key("  Which\tIS   ｆａｓｔｅｒ?\n"), "which is faster?");
        assert_eq!(split_key("ﬁle"), "file");
    }

    #[test]
    fn the_split_is_the_documented_hash_rule() {
        let first = |q: &str| Sha256::digest(split_key(q).as_bytes())[0];
        for q in ["which is faster?", "a or b?", "best for ML?", "WHICH  is Faster?"] {
            assert_eq!(is_blind(q), first(q) < 0x56, "{q}");
        }
        assert_eq!(is_blind("which is faster?"), is_blind("  WHICH is   faster?"));
        // Roughly a third of many questions are blind.
        let blind = (0..3000).filter(|i| is_blind(&format!("question number {i}"))).count();
        assert!((900..1100).contains(&blind), "{blind}");
    }

    #[test]
    fn rows_parse_with_an_optional_source_and_bad_rows_name_their_line() {
        let text = "# comment\nwhich is faster?\tperformance\tfirst\thttps://example.org/q/1\nhi\t-\t.\n";
        let cases = parse(Path::new("x.tsv"), text).unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].line, 2);
        assert_eq!(cases[0].source.as_deref(), Some("https://example.org/q/1"));
        assert_eq!(cases[1].expect, Expect::Refuse);
        let err = parse(Path::new("x.tsv"), "ok\t*\t.\nonly two\tcolumns\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.tsv:2: expected 3 or 4 tab-separated columns (question, topics, pick, [source]), found 2"
        );
    }
}
