//! Problems found while loading a pack.
//!
//! Loading never stops at the first mistake: every problem is collected so an
//! editor can fix a pack in one pass. Each one names the file, the entry and the
//! field, because "invalid pack" alone sends people hunting.

use std::fmt;

/// Where in a pack a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as the user named it (relative to the pack folder's parent).
    pub file: String,
    /// The entry, such as ``topic `performance` `` or `[pack]`; `None` for whole-file problems.
    pub entry: Option<String>,
    /// The field inside the entry, such as `summary` or `points.<contender>[2]`.
    pub field: Option<String>,
    /// Line and column in the file (1-based), where known.
    pub line: Option<(usize, usize)>,
}

/// How bad a problem is.
///
/// An error stops the pack from loading. A warning leaves a pack that works but
/// that a maintainer should fix (an entry without sources, a stale review date):
/// the bot serves it and logs the warnings, while `stackpick check` fails on
/// them unless told `--allow-warnings`, so they show up in CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Something a pack author should look at (a trap, an example the engine
    /// reads as another entry); never fails `check`.
    Note,
    Warning,
    Error,
}

/// One thing wrong with a knowledge pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where it is.
    pub at: Location,
    /// What is wrong, in a sentence a pack editor can act on.
    pub message: String,
    pub severity: Severity,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.severity {
            Severity::Note => write!(f, "note: ")?,
            Severity::Warning => write!(f, "warning: ")?,
            Severity::Error => {}
        }
        write!(f, "{}", self.at.file)?;
        if let Some((line, column)) = self.at.line {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(entry) = &self.at.entry {
            write!(f, ": {entry}")?;
        }
        if let Some(field) = &self.at.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem in a pack; loading fails with this when the list is not empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem{} in the knowledge pack:\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, render(.0))]
pub struct PackErrors(pub Vec<Problem>);

fn render(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
}

/// Collects problems for one file, so call sites only say entry, field and message.
pub(crate) struct Collector<'a> {
    file: String,
    out: &'a mut Vec<Problem>,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(file: impl Into<String>, out: &'a mut Vec<Problem>) -> Self {
        Self { file: file.into(), out }
    }

    pub(crate) fn file(&mut self, message: impl Into<String>) {
        self.push(None, None, message);
    }

    /// A problem at a known place in the file.
    pub(crate) fn at(
        &mut self,
        line: (usize, usize),
        entry: Option<String>,
        field: Option<String>,
        message: impl Into<String>,
    ) {
        self.out.push(Problem {
            at: Location { file: self.file.clone(), entry, field, line: Some(line) },
            message: message.into(),
            severity: Severity::Error,
        });
    }

    pub(crate) fn field(&mut self, entry: &str, field: &str, message: impl Into<String>) {
        self.push(Some(entry.to_owned()), Some(field.to_owned()), message);
    }

    pub(crate) fn entry(&mut self, entry: &str, message: impl Into<String>) {
        self.push(Some(entry.to_owned()), None, message);
    }

    /// Records a warning: the pack still loads.
    pub(crate) fn warn(&mut self, entry: &str, field: &str, message: impl Into<String>) {
        self.out.push(Problem {
            at: Location {
                file: self.file.clone(),
                entry: Some(entry.to_owned()),
                field: Some(field.to_owned()),
                line: None,
            },
            message: message.into(),
            severity: Severity::Warning,
        });
    }

    fn push(&mut self, entry: Option<String>, field: Option<String>, message: impl Into<String>) {
        self.out.push(Problem {
            at: Location { file: self.file.clone(), entry, field, line: None },
            message: message.into(),
            severity: Severity::Error,
        });
    }

    /// Records an empty required text field; returns whether it was filled.
    pub(crate) fn require(&mut self, entry: &str, field: &str, value: &str) -> bool {
        if value.trim().is_empty() {
            self.field(entry, field, "is missing or empty");
            false
        } else {
            true
        }
    }
}
