//! Stored sentence vectors: the vectors of a pack's titles and examples (or of
//! the engine's general negatives), computed once by `stackpick vectors` and
//! read at load, so that a pack with a sentence model loads in milliseconds
//! instead of encoding every example again (about 28 ms each on one core).
//!
//! The file is keyed by text, not by position: any subset of the texts (a
//! cross-validation fold, a pack whose examples changed since) finds the
//! vectors it has, and the engine encodes only what is missing. It records the
//! fingerprint of the model that made it; vectors of another model are never
//! used.
//!
//! Layout (little-endian): the magic line `STACKPICK-VECTORS 1\n`, the model
//! fingerprint (u64), the dimension (u32), the count (u32), then per text its
//! key (the first 8 bytes of the SHA-256 of the text) and its vector as
//! float16 values. Float16 keeps the file small (768 bytes a text); the cosine
//! to the float32 vector stays above 0.9999.

use std::collections::HashMap;
use std::sync::Arc;

use half::f16;
use sha2::{Digest, Sha256};

const MAGIC: &[u8] = b"STACKPICK-VECTORS 1\n";

/// The name of a pack's vector file, beside `pack.toml`.
pub const VECTORS_FILE: &str = "vectors.bin";

/// Vectors by text, for one model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredVectors {
    /// The fingerprint of the model the vectors came from.
    pub model: u64,
    pub dim: usize,
    /// Shared with the engine's reader ([`StoredVectors::shared`]), which
    /// would otherwise hold a second copy of every example's vector (4 MB).
    by_key: HashMap<[u8; 8], Arc<[f32]>>,
}

/// Why a vector file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VectorsError {
    #[error("is not a stackpick vector file (it does not start with `STACKPICK-VECTORS 1`)")]
    Magic,
    #[error("is cut short: it announces {expected} bytes and has {found}")]
    Truncated { expected: usize, found: usize },
}

fn key(text: &str) -> [u8; 8] {
    let digest = Sha256::digest(text.as_bytes());
    let mut k = [0u8; 8];
    k.copy_from_slice(&digest[..8]);
    k
}

impl StoredVectors {
    /// An empty store for `model`'s vectors of size `dim`.
    pub fn new(model: u64, dim: usize) -> StoredVectors {
        StoredVectors { model, dim, by_key: HashMap::new() }
    }

    /// Adds (or replaces) the vector of `text`.
    pub fn insert(&mut self, text: &str, vector: &[f32]) {
        debug_assert_eq!(vector.len(), self.dim);
        self.by_key.insert(key(text), vector.into());
    }

    /// The stored vector of `text`, when it was made by `model`.
    pub fn get(&self, model: u64, text: &str) -> Option<&[f32]> {
        self.find(model, text).map(|v| &**v)
    }

    /// [`StoredVectors::get`], the vector shared rather than borrowed.
    pub fn shared(&self, model: u64, text: &str) -> Option<Arc<[f32]>> {
        self.find(model, text).cloned()
    }

    fn find(&self, model: u64, text: &str) -> Option<&Arc<[f32]>> {
        (model == self.model).then(|| self.by_key.get(&key(text))).flatten()
    }

    /// How many texts have a vector.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Reads a vector file.
    pub fn from_bytes(bytes: &[u8]) -> Result<StoredVectors, VectorsError> {
        let rest = bytes.strip_prefix(MAGIC).ok_or(VectorsError::Magic)?;
        let header = MAGIC.len() + 16;
        if rest.len() < 16 {
            return Err(VectorsError::Truncated { expected: header, found: bytes.len() });
        }
        let model = u64::from_le_bytes(rest[0..8].try_into().expect("8 bytes"));
        let dim = u32::from_le_bytes(rest[8..12].try_into().expect("4 bytes")) as usize;
        let count = u32::from_le_bytes(rest[12..16].try_into().expect("4 bytes")) as usize;
        let record = 8 + 2 * dim;
        let expected = header + count * record;
        if bytes.len() != expected {
            return Err(VectorsError::Truncated { expected, found: bytes.len() });
        }
        let mut by_key = HashMap::with_capacity(count);
        for r in rest[16..].chunks_exact(record) {
            let k: [u8; 8] = r[..8].try_into().expect("8 bytes");
            let v: Arc<[f32]> = r[8..].chunks_exact(2).map(|h| f16::from_le_bytes([h[0], h[1]]).to_f32()).collect();
            by_key.insert(k, v);
        }
        Ok(StoredVectors { model, dim, by_key })
    }

    /// The file's bytes, records in key order so the file is reproducible.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut keys: Vec<&[u8; 8]> = self.by_key.keys().collect();
        keys.sort();
        let mut out = Vec::with_capacity(MAGIC.len() + 16 + keys.len() * (8 + 2 * self.dim));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.model.to_le_bytes());
        out.extend_from_slice(&(self.dim as u32).to_le_bytes());
        out.extend_from_slice(&(keys.len() as u32).to_le_bytes());
        for k in keys {
            out.extend_from_slice(k);
            for x in self.by_key[k].iter() {
                out.extend_from_slice(&f16::from_f32(*x).to_le_bytes());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_round_trips_and_knows_its_model() {
        let mut s = StoredVectors::new(42, 3);
        s.insert("which is faster?", &[0.6, 0.8, 0.0]);
        s.insert("best for ML?", &[1.0, 0.0, 0.0]);
        let back = StoredVectors::from_bytes(&s.to_bytes()).unwrap();
        assert_eq!(back.len(), 2);
        let v = back.get(42, "which is faster?").unwrap();
        let expected = [0.6f32, 0.8, 0.0];
        assert!(v.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-3), "{v:?}");
        assert!(back.get(7, "which is faster?").is_none(), "another model's vectors are never used");
        assert!(back.get(42, "which is slower?").is_none());
    }

    #[test]
    fn broken_files_say_what_is_wrong() {
        assert_eq!(StoredVectors::from_bytes(b"hello"), Err(VectorsError::Magic));
        let mut s = StoredVectors::new(1, 4);
        s.insert("a", &[0.0; 4]);
        let bytes = s.to_bytes();
        assert!(matches!(StoredVectors::from_bytes(&bytes[..bytes.len() - 1]), Err(VectorsError::Truncated { .. })));
    }
}
