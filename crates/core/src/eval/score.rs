//! Scoring an engine on evaluation cases: verdicts, figures (accuracy,
//! precision, refusals) per file and split, and their text report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Case, Expect, Split};
use crate::engine::Engine;

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
    let got_entry = answer.use_case().map(|u| pack.use_case(u).id.clone()).or_else(|| got.clone());
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
    /// The reliability of the shown confidence: answers and right answers by
    /// confidence, in tenths (`[i]` holds confidences from `i / 10` up to the
    /// next tenth; 1.0 counts in the last). Counts only, so the blind split
    /// shows it too: of answers shown at about 0.8, about 80 % should be right.
    pub calibration: [(usize, usize); CALIBRATION_BINS],
}

/// How many bins of confidence [`Figures::calibration`] counts.
pub const CALIBRATION_BINS: usize = 10;

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
                let right = matches!(s.verdict, Verdict::Right | Verdict::WrongPick);
                f.answered += 1;
                f.answered_right += usize::from(right);
                let bin = ((s.confidence.clamp(0.0, 1.0) * CALIBRATION_BINS as f32) as usize).min(CALIBRATION_BINS - 1);
                f.calibration[bin].0 += 1;
                f.calibration[bin].1 += usize::from(right);
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
    pub(super) fn add(&mut self, o: &Figures) {
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
        for (mine, theirs) in self.calibration.iter_mut().zip(&o.calibration) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
        }
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

pub(super) fn file_report(path: &Path, split: Split, scored: &[Scored]) -> FileReport {
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
    let bins: Vec<String> = (0..CALIBRATION_BINS)
        .filter(|&i| f.calibration[i].0 > 0)
        .map(|i| {
            let (answered, right) = f.calibration[i];
            let top = if i + 1 == CALIBRATION_BINS { "1".to_owned() } else { format!("{:.1}", (i + 1) as f32 / 10.0) };
            format!("{:.1}–{top}: {right}/{answered} ({:.0}%)", i as f32 / 10.0, ratio(right, answered) * 100.0)
        })
        .collect();
    if !bins.is_empty() {
        let _ = writeln!(out, "  calibration  {} right, by confidence shown", bins.join(" · "));
    }
    if !f.confusions.is_empty() {
        let list: Vec<String> = f.confusions.iter().map(|(a, b, n)| format!("{a} → {b} ×{n}")).collect();
        let _ = writeln!(out, "  confusions   {}", list.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(confidence: f32, verdict: Verdict, answered: bool) -> Scored {
        Scored {
            line: 1,
            question: String::new(),
            wanted: "a".into(),
            wanted_pick: None,
            got: answered.then(|| "a".into()),
            got_entry: None,
            got_pick: None,
            confidence,
            verdict,
        }
    }

    #[test]
    fn the_calibration_counts_answers_and_right_answers_by_confidence_shown() {
        let rows = [
            row(0.82, Verdict::Right, true),
            row(0.85, Verdict::WrongTopic, true),
            row(0.89, Verdict::WrongPick, true),
            row(1.0, Verdict::Right, true),
            row(0.3, Verdict::Refused, false),
        ];
        let f = Figures::from_scored(&rows);
        assert_eq!(f.calibration[8], (3, 2), "a wrong pick is still on the right subject");
        assert_eq!(f.calibration[9], (1, 1), "1.0 counts in the last tenth");
        assert_eq!(f.calibration.iter().map(|b| b.0).sum::<usize>(), f.answered, "refusals are no answers");
        let mut twice = f.clone();
        twice.add(&f);
        assert_eq!(twice.calibration[8], (6, 4));
        let mut text = String::new();
        figures_lines(&mut text, &f);
        assert!(text.contains("0.8–0.9: 2/3 (67%) · 0.9–1: 1/1 (100%)"), "{text}");
    }
}
