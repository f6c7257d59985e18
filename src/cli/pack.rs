//! The pack maintainer's commands: `check`, `vectors`, `train` and `eval`.

use super::*;

/// How much of its notes `check` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Detail {
    /// Warnings and the counts only.
    Quiet,
    /// Notes grouped under counted headings; misread examples as a table.
    Grouped,
    /// As grouped, and every misread example on its own line.
    Examples,
}

pub(super) fn check(dir: &PackSource, allow_warnings: bool, detail: Detail, out: &mut dyn Write) -> Result<()> {
    ensure_folder(dir)?;
    match knowledge::load_from(dir) {
        Ok(pack) => {
            // Pack notes (the loader's and the stored vectors') and warnings,
            // then the engine's reading of the pack (traps, misread examples).
            let mut problems = pack.warnings.clone();
            problems.extend(vector_problems(dir, &pack));
            let engine = Engine::new(pack);
            let mut lint = engine.lint();
            let in_dir = |p: &mut knowledge::Problem| p.at.file = dir.path_of(&p.at.file);
            lint.traps.iter_mut().for_each(|(_, p)| in_dir(p));
            lint.misread.iter_mut().for_each(|m| in_dir(&mut m.note));
            let warnings = problems.iter().filter(|p| p.severity == knowledge::Severity::Warning).count();
            for p in problems.iter().filter(|p| p.severity == knowledge::Severity::Warning) {
                writeln!(out, "{p}")?;
            }
            let pack_notes: Vec<&knowledge::Problem> =
                problems.iter().filter(|p| p.severity != knowledge::Severity::Warning).collect();
            let notes = pack_notes.len() + lint.traps.len() + lint.misread.len();
            if detail != Detail::Quiet {
                write_notes(out, &pack_notes, &lint, detail)?;
            }
            let pack = engine.pack();
            let mut tail = String::new();
            if warnings > 0 {
                tail.push_str(&format!(", {warnings} warning(s)"));
            }
            if notes > 0 {
                tail.push_str(&format!(
                    ", {notes} note(s) ({} on asks and aliases, {} of {} examples answered as another entry or not at all)",
                    lint.traps.len(),
                    lint.misread.len(),
                    lint.examples
                ));
            }
            writeln!(
                out,
                "{}: {} — {} contenders, {} topics, {} use cases{tail}",
                dir,
                if warnings == 0 { "OK" } else { "loads" },
                pack.contenders.len(),
                pack.topics.len(),
                pack.use_cases.len()
            )?;
            if warnings > 0 && !allow_warnings {
                anyhow::bail!(
                    "{warnings} warning(s) in the knowledge pack `{}` (--allow-warnings to accept them)",
                    dir
                );
            }
            Ok(())
        }
        Err(errors) => {
            for p in &errors.0 {
                writeln!(out, "{p}")?;
            }
            anyhow::bail!("{} problem(s) in the knowledge pack `{}`", errors.0.len(), dir)
        }
    }
}

/// `check`'s notes: each kind under a heading with its count, and the
/// misread examples as one table row per entry (each on its own line too with `--examples`).
pub(super) fn write_notes(
    out: &mut dyn Write,
    pack_notes: &[&knowledge::Problem],
    lint: &crate::engine::Lint,
    detail: Detail,
) -> Result<()> {
    if !pack_notes.is_empty() {
        writeln!(out, "notes: the pack ({})", pack_notes.len())?;
        for p in pack_notes {
            writeln!(out, "  {p}")?;
        }
    }
    let mut kinds: Vec<crate::engine::Trap> = lint.traps.iter().map(|(k, _)| *k).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let of_kind: Vec<&knowledge::Problem> = lint.traps.iter().filter(|(k, _)| *k == kind).map(|(_, p)| p).collect();
        writeln!(out, "notes: {} ({})", kind.heading(), of_kind.len())?;
        for p in of_kind {
            writeln!(out, "  {p}")?;
        }
    }
    if lint.misread.is_empty() {
        return Ok(());
    }
    writeln!(out, "examples answered as another entry or not at all: {} of {}", lint.misread.len(), lint.examples)?;
    // entry → (refused, answered as → count)
    let mut rows: Vec<(&str, usize, std::collections::BTreeMap<&str, usize>)> = Vec::new();
    for m in &lint.misread {
        let at = match rows.iter().position(|r| r.0 == m.entry) {
            Some(i) => i,
            None => {
                rows.push((&m.entry, 0, Default::default()));
                rows.len() - 1
            }
        };
        match &m.answered_as {
            Some(other) => *rows[at].2.entry(other).or_default() += 1,
            None => rows[at].1 += 1,
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.1 + r.2.values().sum::<usize>()));
    let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(5).max(5);
    writeln!(out, "  {:width$}  refused  answered as", "entry")?;
    for (entry, refused, others) in &rows {
        let mut others: Vec<(&&str, &usize)> = others.iter().collect();
        others.sort_by_key(|o| std::cmp::Reverse(*o.1));
        let list: Vec<String> = others.iter().map(|(o, n)| format!("{o} ×{n}")).collect();
        writeln!(out, "  {entry:width$}  {refused:>7}  {}", list.join(", "))?;
    }
    if detail == Detail::Examples {
        for m in &lint.misread {
            writeln!(out, "  {}", m.note)?;
        }
    } else {
        writeln!(out, "  (`stackpick check --examples` lists each one)")?;
    }
    Ok(())
}

/// Whether the pack's stored vectors (`vectors.bin`) match its texts and the
/// shipped sentence model: a stale file is a warning (the pack still works,
/// but loads slowly and was not what was measured), a missing one a note.
pub(super) fn vector_problems(dir: &PackSource, pack: &knowledge::Pack) -> Vec<knowledge::Problem> {
    let Ok(encoder) = crate::model::shipped() else { return Vec::new() };
    let texts = crate::engine::meaning::pack_texts(pack);
    let at = knowledge::Location { file: dir.path_of(knowledge::VECTORS_FILE), entry: None, field: None, line: None };
    let problem = |severity, message: String| knowledge::Problem { at: at.clone(), message, severity };
    let model = encoder.fingerprint();
    match &pack.vectors {
        None => vec![problem(
            knowledge::Severity::Note,
            format!(
                "does not exist: the sentence model encodes the pack's {} titles and examples at every load; \
                 `stackpick vectors` stores them",
                texts.len()
            ),
        )],
        Some(v) if v.model != model => vec![problem(
            knowledge::Severity::Warning,
            format!(
                "was made by another sentence model ({:016x}, the engine's is {model:016x}): run `stackpick vectors`",
                v.model
            ),
        )],
        Some(v) => {
            let missing = texts.iter().filter(|t| v.get(model, t).is_none()).count();
            if missing == 0 {
                Vec::new()
            } else {
                vec![problem(
                    knowledge::Severity::Warning,
                    format!(
                        "is stale: {missing} of the pack's {} titles and examples have no stored vector: run `stackpick vectors`",
                        texts.len()
                    ),
                )]
            }
        }
    }
}

pub(super) struct EvalOptions {
    pub(super) misses: bool,
    pub(super) json: bool,
    pub(super) min: Option<f64>,
    pub(super) split: crate::eval::Split,
    pub(super) cross_validate: bool,
    pub(super) weights: Option<PathBuf>,
}

pub(super) fn read_cases(files: &[PathBuf]) -> Result<Vec<(PathBuf, Vec<crate::eval::Case>)>> {
    let mut cases = Vec::new();
    for f in files {
        cases.push((f.clone(), crate::eval::read(f)?));
    }
    Ok(cases)
}

pub(super) fn train(dir: &PackSource, files: &[PathBuf], path: &Path, out: &mut dyn Write) -> Result<()> {
    let cases = read_cases(files)?;
    crate::eval::check_ids(engine(dir)?.pack(), &cases)?;
    let weights = crate::eval::train(dir, &cases)
        .with_context(|| format!("cannot load the knowledge pack in `{dir}`"))?
        .ok_or_else(|| anyhow::anyhow!("no sentence model is loaded (see {})", crate::model::MODEL_VAR))?;
    std::fs::write(path, serde_json::to_string_pretty(&weights)? + "\n")
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    writeln!(out, "wrote {} (answer threshold {:.2}; {})", path.display(), weights.threshold, weights.trained_on)?;
    Ok(())
}

pub(super) fn vectors(source: &PackSource, negatives: Option<&Path>, out: &mut dyn Write) -> Result<()> {
    let encoder = crate::model::shipped().map_err(|e| anyhow::anyhow!(e))?;
    let (texts, path): (Vec<String>, PathBuf) = match negatives {
        Some(path) => {
            (crate::engine::meaning::negative_texts().into_iter().map(str::to_owned).collect(), path.to_path_buf())
        }
        None => {
            let Some(dir) = source.dir() else {
                anyhow::bail!(
                    "the pack built into this binary cannot be written: name a pack folder with --knowledge or STACKPICK_KNOWLEDGE"
                );
            };
            let pack = knowledge::load(dir)
                .with_context(|| format!("cannot load the knowledge pack in `{}`", dir.display()))?;
            let texts = crate::engine::meaning::pack_texts(&pack).into_iter().map(str::to_owned).collect();
            (texts, dir.join(knowledge::VECTORS_FILE))
        }
    };
    let mut stored = knowledge::StoredVectors::new(encoder.fingerprint(), crate::engine::semantic::DIM);
    for text in &texts {
        stored.insert(text, &encoder.encode(text));
    }
    std::fs::write(&path, stored.to_bytes()).with_context(|| format!("cannot write `{}`", path.display()))?;
    writeln!(out, "wrote {} ({} vectors)", path.display(), stored.len())?;
    Ok(())
}

pub(super) fn eval(dir: &PackSource, files: &[PathBuf], o: EvalOptions, out: &mut dyn Write) -> Result<()> {
    let cases = read_cases(files)?;
    let mut engine = engine(dir)?;
    crate::eval::check_ids(engine.pack(), &cases)?;
    if let Some(path) = &o.weights {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))?;
        let weights =
            serde_json::from_str(&text).with_context(|| format!("`{}` is not a weights file", path.display()))?;
        engine.set_weights(weights);
    }
    let report = if o.cross_validate {
        crate::eval::cross_validate(dir, &cases)
            .with_context(|| format!("cannot load the knowledge pack in `{dir}`"))?
    } else {
        crate::eval::evaluate(&engine, &cases, o.split)
    };
    if o.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        write!(out, "{}", crate::eval::render(&report, o.misses))?;
    }
    if let Some(min) = o.min {
        let got = report.overall.accuracy() * 100.0;
        if got < min {
            anyhow::bail!("{got:.1}% right overall, below --min {min}");
        }
    }
    Ok(())
}
