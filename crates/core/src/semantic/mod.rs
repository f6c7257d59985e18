//! The semantic reader: a small sentence encoder that turns a question into a
//! vector, so that questions which mean the same thing land close together
//! even when they share no words ("are gunicorn workers like pm2 processes?"
//! and a deployment example).
//!
//! The model is language data, like the English word list: all-MiniLM-L6-v2
//! (sentence-transformers, Apache-2.0), a 6-layer BERT with 384-dimensional
//! output, shipped in `data/semantic/` as float16 weights (see the README
//! there for how the file was made and how its vectors were checked against
//! the original's). It is run here in plain Rust (`bert`, `kernel`): no
//! download, no native runtime. Every pack uses the same model.
//!
//! Questions are cut to [`MAX_TOKENS`] word pieces, the length the model was
//! trained on; longer chat keeps its first part, which is where people put
//! the question.
//!
//! The encoder is optional: when its files are missing the engine loads and
//! answers lexically, as before. Reading the files is `crate::model`'s job;
//! this module only computes.

use std::path::{Path, PathBuf};

use half::f16;
use safetensors::{Dtype, SafeTensors};

mod bert;
mod kernel;

use bert::{Bert, Layer, LayerNorm, INNER, LAYERS};
use kernel::Linear;

/// The longest input the encoder reads, in word pieces including `[CLS]` and `[SEP]`.
pub const MAX_TOKENS: usize = 128;
/// The size of a sentence vector.
pub const DIM: usize = 384;

/// The word-piece vocabulary of the model.
const VOCABULARY: usize = 30522;
/// Rows of the position table.
const POSITIONS: usize = 512;

/// Why the encoder could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the sentence model in `{dir}`: {message}")]
    Files { dir: PathBuf, message: String },
    #[error("the sentence model in `{dir}` is not all-MiniLM-L6-v2: {message}")]
    Shape { dir: PathBuf, message: String },
}

/// The sentence encoder: tokenizer and weights, read-only once loaded.
pub struct Encoder {
    tokenizer: tokenizers::Tokenizer,
    model: Bert,
    /// A short fingerprint of the weights, so stored vectors can tell which model made them.
    fingerprint: u64,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder").field("fingerprint", &format_args!("{:016x}", self.fingerprint)).finish()
    }
}

impl Encoder {
    /// Builds the encoder from the bytes of `model.safetensors` and
    /// `tokenizer.json`; `dir` names where they came from in errors. Weights
    /// may be stored as float16, bfloat16 or float32; the matrices are kept
    /// as float16 (the shipped file's own precision), the rest as float32.
    pub fn from_bytes(dir: &Path, bytes: &[u8], tokenizer_json: &[u8]) -> Result<Encoder, LoadError> {
        let files = |message: String| LoadError::Files { dir: dir.to_path_buf(), message };
        let shape = |message: String| LoadError::Shape { dir: dir.to_path_buf(), message };
        let fingerprint = fingerprint(bytes);
        let tensors = SafeTensors::deserialize(bytes).map_err(|e| files(e.to_string()))?;
        let get = |name: &str, dims: &[usize]| -> Result<Vec<f16>, LoadError> {
            let t = tensors.tensor(name).map_err(|_| shape(format!("no tensor `{name}`")))?;
            if t.shape() != dims {
                return Err(shape(format!("`{name}` is {:?}, expected {dims:?}", t.shape())));
            }
            let data = t.data();
            Ok(match t.dtype() {
                Dtype::F16 => data.chunks_exact(2).map(|b| f16::from_le_bytes([b[0], b[1]])).collect(),
                Dtype::BF16 => data
                    .chunks_exact(2)
                    .map(|b| f16::from_f32(half::bf16::from_le_bytes([b[0], b[1]]).to_f32()))
                    .collect(),
                Dtype::F32 => {
                    data.chunks_exact(4).map(|b| f16::from_f32(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))).collect()
                }
                other => return Err(shape(format!("`{name}` is {other:?}, expected float16, bfloat16 or float32"))),
            })
        };
        let f32_of = |name: &str, dims: &[usize]| -> Result<Vec<f32>, LoadError> {
            Ok(get(name, dims)?.into_iter().map(f16::to_f32).collect())
        };
        let linear = |prefixes: &[String], input: usize, output: usize| -> Result<Linear, LoadError> {
            let mut w = Vec::with_capacity(prefixes.len() * output * input);
            let mut b = Vec::with_capacity(prefixes.len() * output);
            for prefix in prefixes {
                w.extend(get(&format!("{prefix}.weight"), &[output, input])?);
                b.extend(f32_of(&format!("{prefix}.bias"), &[output])?);
            }
            Ok(Linear::new(&w, input, b))
        };
        let norm = |prefix: &str| -> Result<LayerNorm, LoadError> {
            Ok(LayerNorm {
                w: f32_of(&format!("{prefix}.weight"), &[DIM])?,
                b: f32_of(&format!("{prefix}.bias"), &[DIM])?,
            })
        };
        let mut layers = Vec::with_capacity(LAYERS);
        for l in 0..LAYERS {
            let p = format!("encoder.layer.{l}");
            let attention = ["query", "key", "value"].map(|part| format!("{p}.attention.self.{part}"));
            layers.push(Layer {
                qkv: linear(&attention, DIM, DIM)?,
                attention_out: linear(&[format!("{p}.attention.output.dense")], DIM, DIM)?,
                attention_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                intermediate: linear(&[format!("{p}.intermediate.dense")], DIM, INNER)?,
                output: linear(&[format!("{p}.output.dense")], INNER, DIM)?,
                output_norm: norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        let mut token_type = f32_of("embeddings.token_type_embeddings.weight", &[2, DIM])?;
        token_type.truncate(DIM);
        let model = Bert {
            words: get("embeddings.word_embeddings.weight", &[VOCABULARY, DIM])?,
            positions: f32_of("embeddings.position_embeddings.weight", &[POSITIONS, DIM])?,
            token_type,
            embedding_norm: norm("embeddings.LayerNorm")?,
            layers,
        };
        let mut tokenizer =
            tokenizers::Tokenizer::from_bytes(tokenizer_json).map_err(|e| files(format!("tokenizer.json: {e}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams { max_length: MAX_TOKENS, ..Default::default() }))
            .map_err(|e| files(e.to_string()))?;
        if tokenizer.get_vocab_size(true) > VOCABULARY {
            return Err(shape(format!(
                "the tokenizer has {} word pieces, the model {VOCABULARY}",
                tokenizer.get_vocab_size(true)
            )));
        }
        Ok(Encoder { tokenizer, model, fingerprint })
    }

    /// The fingerprint of the weights this encoder was loaded from.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The word pieces of `text` as the model reads them, cut to [`MAX_TOKENS`].
    pub fn token_count(&self, text: &str) -> usize {
        self.tokenizer.encode(text, true).map(|e| e.get_ids().len()).unwrap_or(0)
    }

    /// The unit-length sentence vector of `text` (mean of the last layer over its word pieces).
    pub fn encode(&self, text: &str) -> Vec<f32> {
        self.encode_all(&[text]).pop().unwrap_or_else(|| vec![0.0; DIM])
    }

    /// The vectors of several texts, computed together: the same vectors as
    /// [`Encoder::encode`] one by one, for about the price of one text of
    /// their combined length (the weights are read once).
    pub fn encode_all(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        let ids: Vec<Vec<u32>> = texts
            .iter()
            .map(|text| match self.tokenizer.encode(*text, true) {
                Ok(encoding) => encoding.get_ids().to_vec(),
                Err(e) => {
                    // Only a bug can get here (the tokenizer reads any text); an
                    // empty input gives a zero vector, similar to nothing, so the
                    // lexical reading decides.
                    tracing::error!("sentence tokenizer failed: {e}");
                    Vec::new()
                }
            })
            .collect();
        let sentences: Vec<&[u32]> = ids.iter().filter(|s| !s.is_empty()).map(Vec::as_slice).collect();
        let mut vectors = self.model.forward(&sentences).into_iter();
        ids.iter()
            .map(|s| match s.is_empty() {
                true => vec![0.0; DIM],
                false => {
                    let mut v = vectors.next().unwrap_or_else(|| vec![0.0; DIM]);
                    normalise(&mut v);
                    v
                }
            })
            .collect()
    }
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// The cosine of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// FNV-1a over the weights file: cheap, stable, and enough to tell two models apart.
fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for chunk in bytes.chunks(4096) {
        // Every 4 KiB chunk's first 64 bytes and its length: the whole file would take ~50 ms.
        for &b in chunk.iter().take(64) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h ^ bytes.len() as u64
}
