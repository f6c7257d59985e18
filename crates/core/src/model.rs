//! Where the sentence model comes from: the files in `data/semantic/` (or the
//! folder the process chose with [`choose`]), read once per process. Kept
//! outside the engine, which does no I/O. The binary reads the choice from
//! `--model` or `STACKPICK_MODEL` ([`MODEL_VAR`]); this crate reads no
//! environment.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, OnceLock};

use crate::semantic::{Encoder, LoadError};

/// The variable that chooses the sentence model: unset (or `on`) for the
/// shipped model in [`default_dir`], `off` to read words only, or the path of
/// another model folder.
///
/// The reader is on by default since it answers more questions right and far
/// fewer wrong (blind split 63.0 → 74.6 %, answer precision 61.1 → 81.8 %,
/// measured 2026-12-05). Its price is time — tens of milliseconds per encoded
/// question on one core against microseconds for words — and about 90 MB of
/// memory for the weights; `off` is for machines that cannot pay it.
pub const MODEL_VAR: &str = "STACKPICK_MODEL";

/// The folder the shipped model lives in.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/semantic")
}

/// Reads `model.safetensors` and `tokenizer.json` from `dir`.
pub fn load(dir: &Path) -> Result<Encoder, LoadError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path)
            .map_err(|e| LoadError::Files { dir: dir.to_path_buf(), message: format!("{}: {e}", path.display()) })
    };
    let weights = read("model.safetensors")?;
    let tokenizer = read("tokenizer.json")?;
    Encoder::from_bytes(dir, &weights, &tokenizer)
}

/// What [`MODEL_VAR`] asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Unset or `on`: the shipped model, when its files are there.
    Shipped,
    /// `off`: words only.
    Off,
    /// Another model folder.
    Folder(PathBuf),
}

impl Choice {
    /// Reads a value of [`MODEL_VAR`] (`None`: unset). A blank value counts as unset.
    pub fn parse(value: Option<&std::ffi::OsStr>) -> Choice {
        match value {
            None => Choice::Shipped,
            Some(v) if v.is_empty() || v == "on" => Choice::Shipped,
            Some(v) if v == "off" => Choice::Off,
            Some(v) => Choice::Folder(PathBuf::from(v)),
        }
    }
}

/// The process's choice of model, made once before the first engine is built.
static CHOSEN: OnceLock<Choice> = OnceLock::new();

/// Chooses the process's sentence model. Returns `false` when a choice was
/// already made or an engine already loaded the model (the first one holds).
pub fn choose(choice: Choice) -> bool {
    CHOSEN.set(choice).is_ok()
}

/// The process's encoder as [`choose`] chose it (the shipped model when
/// nothing was chosen), loaded once; `None` when the choice is `off` or the
/// files cannot be read (then the engine answers from words alone, and the
/// log says why). The shipped model is [`shipped`]'s copy, so a process that
/// also trains or tests holds it once.
pub fn shared() -> Option<Arc<Encoder>> {
    static SHARED: LazyLock<Option<Arc<Encoder>>> =
        LazyLock::new(|| match CHOSEN.get_or_init(|| Choice::Shipped).clone() {
            Choice::Off => None,
            Choice::Shipped => shipped()
                .map_err(|e| tracing::info!("{e}; answering from words alone (set {MODEL_VAR} to a model folder)"))
                .ok(),
            Choice::Folder(dir) => {
                load(&dir).map(Arc::new).map_err(|e| tracing::warn!("{e}; answering from words alone")).ok()
            }
        });
    SHARED.clone()
}

/// The shipped encoder, loaded once per process whatever [`MODEL_VAR`] says
/// (tests and `stackpick train`).
pub fn shipped() -> Result<Arc<Encoder>, String> {
    static SHIPPED: LazyLock<Result<Arc<Encoder>, String>> =
        LazyLock::new(|| load(&default_dir()).map(Arc::new).map_err(|e| e.to_string()));
    SHIPPED.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn the_reader_is_on_unless_turned_off() {
        assert_eq!(Choice::parse(None), Choice::Shipped);
        assert_eq!(Choice::parse(Some(OsStr::new(""))), Choice::Shipped);
        assert_eq!(Choice::parse(Some(OsStr::new("on"))), Choice::Shipped);
        assert_eq!(Choice::parse(Some(OsStr::new("off"))), Choice::Off);
        assert_eq!(Choice::parse(Some(OsStr::new("/opt/model"))), Choice::Folder(PathBuf::from("/opt/model")));
    }
}
