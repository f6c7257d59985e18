//! Where the sentence model comes from: the files in `data/semantic/` (or the
//! folder `STACKPICK_MODEL` names), read once per process. Kept outside the
//! engine, which does no I/O.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use crate::engine::semantic::{Encoder, LoadError};

/// The variable that chooses the sentence model: unset or `on` for the shipped
/// model, the path of another model folder, or `off` to read words only. The
/// examples' vectors come from the pack's `vectors.bin` (`stackpick vectors`),
/// so loading does not encode them; a pack without one is encoded at load.
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

/// The process's encoder, loaded once: the shipped one unless [`MODEL_VAR`]
/// names another folder; `None` when it says `off` or the files cannot be read
/// (the engine then answers from words alone).
pub fn shared() -> Option<Arc<Encoder>> {
    static SHARED: LazyLock<Option<Arc<Encoder>>> = LazyLock::new(|| {
        let dir = match std::env::var_os(MODEL_VAR) {
            Some(v) if v == "off" => return None,
            Some(v) if !v.is_empty() && v != "on" => PathBuf::from(v),
            _ => default_dir(),
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
