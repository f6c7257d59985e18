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

mod folds;
mod score;

pub use folds::*;
pub use score::*;

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
