//! Where the sentence model comes from: the files in `data/semantic/` (or the
//! folder `STACKPICK_MODEL` names), read once per process. Kept outside the
//! engine, which does no I/O.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use crate::engine::semantic::{Encoder, LoadError};

/// The variable that turns the semantic reader on: `on` for the shipped model,
/// or the path of another model folder. Unset (or `off`), the engine reads words
/// only: until the examples' vectors are stored with the pack, encoding them at
/// load takes about 45 s on one core (measured 2026-12-04, release build), far
/// over the load budget, so the reader is opt-in.
pub const MODEL_VAR: &str = "STACKPICK_MODEL";

/// The folder the shipped model lives in.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/semantic")
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

/// The process's encoder when [`MODEL_VAR`] asks for one (`on`: [`default_dir`]),
/// loaded once; `None` when unset, `off`, or the files cannot be read.
pub fn shared() -> Option<Arc<Encoder>> {
    static SHARED: LazyLock<Option<Arc<Encoder>>> = LazyLock::new(|| {
        let dir = match std::env::var_os(MODEL_VAR) {
            Some(v) if v == "on" => default_dir(),
            Some(v) if !v.is_empty() && v != "off" => PathBuf::from(v),
            _ => return None,
        };
        match load(&dir) {
            Ok(e) => Some(Arc::new(e)),
            Err(e) => {
                tracing::warn!("{e}; answering from words alone");
                None
            }
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
