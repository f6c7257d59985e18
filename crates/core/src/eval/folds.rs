//! Cross-validation of the tune split: engines rebuilt without a fold's
//! examples, their out-of-fold samples, and training the decision on them.

use std::path::PathBuf;

use super::score::file_report;
use super::*;
use crate::engine::Engine;
use crate::knowledge::Pack;

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
