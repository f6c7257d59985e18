//! Where a pack's files come from: a folder, or the copy of the shipped pack
//! built into the binary.
//!
//! A binary copied to a server, or installed with `cargo install` after the
//! checkout is gone, still has its pack: the shipped `knowledge/` folder is
//! compiled in and is the default when no folder is named. A folder named with
//! `--knowledge` (or `STACKPICK_KNOWLEDGE`) always wins, so packs stay editable
//! without a rebuild.

use std::path::{Path, PathBuf};

/// The shipped pack's files, as they were when the binary was built.
const SHIPPED: &[(&str, &[u8])] = &[
    (super::PACK_FILE, include_bytes!("../../../../knowledge/pack.toml")),
    (super::TOPICS_FILE, include_bytes!("../../../../knowledge/topics.toml")),
    (super::USE_CASES_FILE, include_bytes!("../../../../knowledge/use_cases.toml")),
    (super::RECOMMEND_FILE, include_bytes!("../../../../knowledge/recommend.toml")),
    (super::ONBOARDING_FILE, include_bytes!("../../../../knowledge/onboarding.toml")),
    (super::QUESTIONS_FILE, include_bytes!("../../../../knowledge/questions.tsv")),
    (super::VECTORS_FILE, include_bytes!("../../../../knowledge/vectors.bin")),
];

/// How the built-in pack is named in messages and file locations.
pub const SHIPPED_NAME: &str = "<built-in pack>";

/// Where a pack is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackSource {
    /// A pack folder on disk.
    Dir(PathBuf),
    /// The shipped pack compiled into this binary.
    Shipped,
}

impl From<PathBuf> for PackSource {
    fn from(dir: PathBuf) -> PackSource {
        PackSource::Dir(dir)
    }
}

impl From<&Path> for PackSource {
    fn from(dir: &Path) -> PackSource {
        PackSource::Dir(dir.to_path_buf())
    }
}

impl std::fmt::Display for PackSource {
    /// The folder's path, or the built-in pack's name: what `check` and `/kb reload` say is in use.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackSource::Dir(dir) => write!(f, "{}", dir.display()),
            PackSource::Shipped => write!(f, "{SHIPPED_NAME}"),
        }
    }
}

impl PackSource {
    /// The folder, when the pack is one.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            PackSource::Dir(dir) => Some(dir),
            PackSource::Shipped => None,
        }
    }

    /// Whether the pack has the file `name`.
    pub fn exists(&self, name: &str) -> bool {
        match self {
            PackSource::Dir(dir) => dir.join(name).exists(),
            PackSource::Shipped => SHIPPED.iter().any(|(n, _)| *n == name),
        }
    }

    /// The file's bytes.
    pub fn read(&self, name: &str) -> std::io::Result<Vec<u8>> {
        match self {
            PackSource::Dir(dir) => std::fs::read(dir.join(name)),
            PackSource::Shipped => SHIPPED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, bytes)| bytes.to_vec())
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound)),
        }
    }

    /// The file as text (invalid UTF-8 is an error, as for any file).
    pub fn read_to_string(&self, name: &str) -> std::io::Result<String> {
        String::from_utf8(self.read(name)?).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    /// How a file of the pack is named in problems: its path, or `<built-in pack>/name`.
    pub fn path_of(&self, name: &str) -> String {
        match self {
            PackSource::Dir(dir) => dir.join(name).display().to_string(),
            PackSource::Shipped => format!("{SHIPPED_NAME}/{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_pack_is_the_shipped_folder_byte_for_byte() {
        let dir = PackSource::Dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../knowledge"));
        for (name, _) in SHIPPED {
            assert_eq!(PackSource::Shipped.read(name).unwrap(), dir.read(name).unwrap(), "{name}");
        }
        assert!(!PackSource::Shipped.exists("FORMAT.md"));
        assert_eq!(PackSource::Shipped.path_of("topics.toml"), "<built-in pack>/topics.toml");
    }
}
