//! Where the sentence model comes from: the files in `data/semantic/` (or the
//! folder the process chose with [`choose`]), read once per process. Kept
//! outside the engine, which does no I/O. The binary reads the choice from
//! `--model` or `STACKPICK_MODEL` ([`MODEL_VAR`]); this crate reads no
//! environment.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, OnceLock};

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use half::f16;
use safetensors::tensor::TensorInfo;

use crate::semantic::{to_f16, Encoder, Fingerprint, LoadError, Tensors};

/// The variable that chooses the sentence model: unset (or `on`) for the
/// shipped model in [`default_dir`], `off` to read words only, or the path of
/// another model folder.
///
/// The reader is on by default since it answers more questions right and far
/// fewer wrong (blind split 63.0 → 74.6 %, answer precision 61.1 → 81.8 %,
/// measured 2026-12-05). Its price is time — 4 to 70 milliseconds per encoded
/// question on one core, by its length, against microseconds for words — and
/// about 23 MB of memory for the weights (int8 matrices and word table);
/// `off` is for machines that cannot pay it.
pub const MODEL_VAR: &str = "STACKPICK_MODEL";

/// The folder the shipped model lives in.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/semantic")
}

/// Reads `model.safetensors` and `tokenizer.json` from `dir`. The weights
/// are read a tensor at a time and packed as they arrive: the process never
/// holds the 45 MB file next to the model it becomes.
pub fn load(dir: &Path) -> Result<Encoder, LoadError> {
    let files = |message: String| LoadError::Files { dir: dir.to_path_buf(), message };
    let weights = WeightsFile::open(dir)?;
    let fingerprint = weights.fingerprint()?;
    let path = dir.join("tokenizer.json");
    let tokenizer = std::fs::read(&path).map_err(|e| files(format!("{}: {e}", path.display())))?;
    Encoder::load(dir, &weights, fingerprint, &tokenizer)
}

/// An open safetensors file: its header parsed, its tensors read on demand.
struct WeightsFile {
    dir: PathBuf,
    path: PathBuf,
    file: File,
    /// Where the tensors' bytes start (their offsets are relative to it).
    data: u64,
    tensors: HashMap<String, TensorInfo>,
}

/// Bytes read at a time: whole 4 KiB chunks (for [`Fingerprint`]) and whole
/// values of every type.
const BLOCK: usize = 1 << 20;

impl WeightsFile {
    fn open(dir: &Path) -> Result<WeightsFile, LoadError> {
        let path = dir.join("model.safetensors");
        let error = |message: String| file_error(dir, &path, message);
        let file = File::open(&path).map_err(|e| error(e.to_string()))?;
        let mut size = [0u8; 8];
        read_at(&file, &mut size, 0).map_err(|e| error(format!("no header length: {e}")))?;
        let size = u64::from_le_bytes(size);
        let len = file.metadata().map_err(|e| error(e.to_string()))?.len();
        if size > len.saturating_sub(8) || size > 100_000_000 {
            return Err(error(format!("a header of {size} bytes in a file of {len}")));
        }
        let mut header = vec![0u8; size as usize];
        read_at(&file, &mut header, 8).map_err(|e| error(format!("the header: {e}")))?;
        let header: HashMap<String, serde_json::Value> =
            serde_json::from_slice(&header).map_err(|e| error(format!("the header: {e}")))?;
        let data = 8 + size;
        let mut tensors = HashMap::new();
        for (name, value) in header {
            if name == "__metadata__" {
                continue;
            }
            let info: TensorInfo =
                serde_json::from_value(value).map_err(|e| error(format!("the header's `{name}`: {e}")))?;
            let (start, end) = info.data_offsets;
            let values: usize = info.shape.iter().product();
            if start > end || data + end as u64 > len || end - start != (values * info.dtype.bitsize()).div_ceil(8) {
                return Err(error(format!("`{name}` does not fit its place in the file")));
            }
            tensors.insert(name, info);
        }
        Ok(WeightsFile { dir: dir.to_path_buf(), path, file, data, tensors })
    }

    fn error(&self, message: String) -> LoadError {
        file_error(&self.dir, &self.path, message)
    }

    /// The [`Fingerprint`] of the whole file, read a block at a time.
    fn fingerprint(&self) -> Result<u64, LoadError> {
        let mut fingerprint = Fingerprint::default();
        let mut block = Vec::with_capacity(BLOCK);
        let mut file = &self.file;
        file.seek(SeekFrom::Start(0)).map_err(|e| self.error(e.to_string()))?;
        loop {
            // Whole blocks until the end: a short read mid-file would break the chunking.
            block.clear();
            file.take(BLOCK as u64).read_to_end(&mut block).map_err(|e| self.error(e.to_string()))?;
            fingerprint.update(&block);
            if block.len() < BLOCK {
                return Ok(fingerprint.finish());
            }
        }
    }
}

/// A weights file that cannot be read, named in the message.
fn file_error(dir: &Path, path: &Path, message: String) -> LoadError {
    LoadError::Files { dir: dir.to_path_buf(), message: format!("{}: {message}", path.display()) }
}

/// Reads exactly `buf.len()` bytes of `file` from `offset`.
fn read_at(mut file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

impl Tensors for WeightsFile {
    fn f16_pieces(&self, name: &str, each: &mut dyn FnMut(&[f16])) -> Result<Vec<usize>, LoadError> {
        let info = self
            .tensors
            .get(name)
            .ok_or_else(|| LoadError::Shape { dir: self.dir.clone(), message: format!("no tensor `{name}`") })?;
        let (start, end) = info.data_offsets;
        let mut block = vec![0u8; BLOCK.min(end - start)];
        let mut values = Vec::with_capacity(block.len() / 2);
        let mut at = start;
        while at < end {
            let piece = &mut block[..BLOCK.min(end - at)];
            read_at(&self.file, piece, self.data + at as u64).map_err(|e| self.error(format!("`{name}`: {e}")))?;
            values.clear();
            to_f16(info.dtype, piece, &mut values).ok_or_else(|| LoadError::Shape {
                dir: self.dir.clone(),
                message: format!("`{name}` is {:?}, expected float16, bfloat16 or float32", info.dtype),
            })?;
            each(&values);
            at += piece.len();
        }
        Ok(info.shape.clone())
    }
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

    /// The fingerprint read a block at a time is the one of the whole file at
    /// once (stored vectors and decision weights are keyed by it).
    #[test]
    fn the_fingerprint_does_not_depend_on_the_blocks() {
        let bytes: Vec<u8> = (0..3 * BLOCK + 5000).map(|i| (i * 31 % 251) as u8).collect();
        let mut whole = Fingerprint::default();
        whole.update(&bytes);
        let mut blocks = Fingerprint::default();
        for block in bytes.chunks(BLOCK) {
            blocks.update(block);
        }
        assert_eq!(whole.finish(), blocks.finish());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("model.safetensors"), &bytes).unwrap();
        let file = WeightsFile {
            dir: dir.path().into(),
            path: dir.path().join("model.safetensors"),
            file: File::open(dir.path().join("model.safetensors")).unwrap(),
            data: 8,
            tensors: HashMap::new(),
        };
        assert_eq!(file.fingerprint().unwrap(), whole.finish());
    }

    /// A weights file that is not safetensors is refused with its path and
    /// what is wrong, not read as garbage.
    #[test]
    fn a_broken_weights_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        for (bytes, wrong) in [
            (b"abc".to_vec(), "no header length"),
            (500u64.to_le_bytes().iter().chain(b"{}").copied().collect::<Vec<u8>>(), "a header of 500 bytes"),
            (2u64.to_le_bytes().iter().chain(b"{]").copied().collect(), "the header"),
        ] {
            std::fs::write(&path, &bytes).unwrap();
            let message = WeightsFile::open(dir.path()).err().expect("refused").to_string();
            assert!(message.contains("model.safetensors") && message.contains(wrong), "{message}");
        }
        let header = br#"{"x":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}"#;
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header);
        bytes.extend_from_slice(&[0, 60, 0, 64, 0, 0, 0, 188]);
        std::fs::write(&path, &bytes).unwrap();
        let file = WeightsFile::open(dir.path()).unwrap();
        let (shape, values) = file.f16("x").unwrap();
        assert_eq!(
            (shape, values.iter().map(|v| v.to_f32()).collect::<Vec<_>>()),
            (vec![4], vec![1.0, 2.0, 0.0, -1.0])
        );
        assert!(file.f16("y").expect_err("no such tensor").to_string().contains("no tensor `y`"));
        bytes.truncate(bytes.len() - 2);
        std::fs::write(&path, &bytes).unwrap();
        let message = WeightsFile::open(dir.path()).err().expect("refused").to_string();
        assert!(message.contains("`x` does not fit"), "{message}");
    }
}
