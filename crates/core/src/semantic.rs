//! The semantic reader: a small sentence encoder that turns a question into a
//! vector, so that questions which mean the same thing land close together
//! even when they share no words ("are gunicorn workers like pm2 processes?"
//! and a deployment example).
//!
//! The model is language data, like the English word list: all-MiniLM-L6-v2
//! (sentence-transformers, Apache-2.0), a 6-layer BERT with 384-dimensional
//! output, shipped in `data/semantic/` as float16 weights (see the README
//! there for how the file was made and how its vectors were checked against
//! the original's). It is run here in pure Rust with `candle`: no download,
//! no native runtime. Every pack uses the same model.
//!
//! Questions are cut to [`MAX_TOKENS`] word pieces, the length the model was
//! trained on; longer chat keeps its first part, which is where people put
//! the question.
//!
//! The encoder is optional: when its files are missing the engine loads and
//! answers lexically, as before. Reading the files is `crate::model`'s job;
//! this module only computes.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};

/// The longest input the encoder reads, in word pieces including `[CLS]` and `[SEP]`.
pub const MAX_TOKENS: usize = 128;
/// The size of a sentence vector.
pub const DIM: usize = 384;

const LAYERS: usize = 6;
const HEADS: usize = 12;
const HEAD_DIM: usize = 32;
const LAYER_NORM_EPS: f64 = 1e-12;

/// Why the encoder could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the sentence model in `{dir}`: {message}")]
    Files { dir: PathBuf, message: String },
    #[error("the sentence model in `{dir}` is not all-MiniLM-L6-v2: {message}")]
    Shape { dir: PathBuf, message: String },
}

struct Linear {
    /// Stored transposed (in × out), so a row batch multiplies without a copy.
    w: Tensor,
    b: Tensor,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.w)?.broadcast_add(&self.b)
    }
}

struct LayerNorm {
    w: Tensor,
    b: Tensor,
}

impl LayerNorm {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        candle_nn::ops::layer_norm(x, &self.w, &self.b, LAYER_NORM_EPS as f32)
    }
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

/// The sentence encoder: tokenizer and weights, read-only once loaded.
pub struct Encoder {
    tokenizer: tokenizers::Tokenizer,
    /// The word-piece table stays float16 (half the memory); rows are widened on lookup.
    words: Tensor,
    positions: Tensor,
    token_type: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
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
    /// `tokenizer.json`; `dir` names where they came from in errors.
    pub fn from_bytes(dir: &Path, bytes: &[u8], tokenizer_json: &[u8]) -> Result<Encoder, LoadError> {
        let files = |message: String| LoadError::Files { dir: dir.to_path_buf(), message };
        let shape = |message: String| LoadError::Shape { dir: dir.to_path_buf(), message };
        let fingerprint = fingerprint(bytes);
        let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu).map_err(|e| files(e.to_string()))?;
        let get = |name: &str, dims: &[usize]| -> Result<Tensor, LoadError> {
            let t = tensors.get(name).ok_or_else(|| shape(format!("no tensor `{name}`")))?;
            if t.dims() != dims {
                return Err(shape(format!("`{name}` is {:?}, expected {dims:?}", t.dims())));
            }
            Ok(t.clone())
        };
        let f32_of = |name: &str, dims: &[usize]| -> Result<Tensor, LoadError> {
            get(name, dims)?.to_dtype(DType::F32).map_err(|e| shape(e.to_string()))
        };
        let linear = |prefix: &str, input: usize, output: usize| -> Result<Linear, LoadError> {
            let w = f32_of(&format!("{prefix}.weight"), &[output, input])?;
            let w = w.t().and_then(|t| t.contiguous()).map_err(|e| shape(e.to_string()))?;
            Ok(Linear { w, b: f32_of(&format!("{prefix}.bias"), &[output])? })
        };
        let norm = |prefix: &str| -> Result<LayerNorm, LoadError> {
            Ok(LayerNorm {
                w: f32_of(&format!("{prefix}.weight"), &[DIM])?,
                b: f32_of(&format!("{prefix}.bias"), &[DIM])?,
            })
        };
        let words = get("embeddings.word_embeddings.weight", &[30522, DIM])?
            .to_dtype(DType::F16)
            .map_err(|e| shape(e.to_string()))?;
        let mut layers = Vec::with_capacity(LAYERS);
        for l in 0..LAYERS {
            let p = format!("encoder.layer.{l}");
            layers.push(Layer {
                query: linear(&format!("{p}.attention.self.query"), DIM, DIM)?,
                key: linear(&format!("{p}.attention.self.key"), DIM, DIM)?,
                value: linear(&format!("{p}.attention.self.value"), DIM, DIM)?,
                attention_out: linear(&format!("{p}.attention.output.dense"), DIM, DIM)?,
                attention_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                intermediate: linear(&format!("{p}.intermediate.dense"), DIM, 4 * DIM)?,
                output: linear(&format!("{p}.output.dense"), 4 * DIM, DIM)?,
                output_norm: norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        let mut tokenizer =
            tokenizers::Tokenizer::from_bytes(tokenizer_json).map_err(|e| files(format!("tokenizer.json: {e}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams { max_length: MAX_TOKENS, ..Default::default() }))
            .map_err(|e| files(e.to_string()))?;
        Ok(Encoder {
            tokenizer,
            words,
            positions: f32_of("embeddings.position_embeddings.weight", &[512, DIM])?,
            token_type: f32_of("embeddings.token_type_embeddings.weight", &[2, DIM])?,
            embedding_norm: norm("embeddings.LayerNorm")?,
            layers,
            fingerprint,
        })
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
        match self.try_encode(text) {
            Ok(v) => v,
            Err(e) => {
                // Only a bug can get here (shapes are checked at load); a zero
                // vector is similar to nothing, so the lexical reading decides.
                tracing::error!("sentence encoder failed: {e}");
                vec![0.0; DIM]
            }
        }
    }

    fn try_encode(&self, text: &str) -> Result<Vec<f32>, String> {
        let encoding = self.tokenizer.encode(text, true).map_err(|e| e.to_string())?;
        let ids = encoding.get_ids();
        self.forward(ids).map_err(|e| e.to_string())
    }

    fn forward(&self, ids: &[u32]) -> candle_core::Result<Vec<f32>> {
        let n = ids.len();
        let ids = Tensor::new(ids, &Device::Cpu)?;
        let x = self.words.index_select(&ids, 0)?.to_dtype(DType::F32)?;
        let x = x.broadcast_add(&self.positions.narrow(0, 0, n)?)?.broadcast_add(&self.token_type.narrow(0, 0, 1)?)?;
        let mut x = self.embedding_norm.forward(&x)?;
        let scale = 1.0 / (HEAD_DIM as f64).sqrt();
        for l in &self.layers {
            let heads = |t: Tensor| t.reshape((n, HEADS, HEAD_DIM))?.transpose(0, 1)?.contiguous();
            let q = heads(l.query.forward(&x)?)?;
            let k = heads(l.key.forward(&x)?)?;
            let v = heads(l.value.forward(&x)?)?;
            let attention = candle_nn::ops::softmax_last_dim(&(q.matmul(&k.t()?)? * scale)?)?;
            let context = attention.matmul(&v)?.transpose(0, 1)?.contiguous()?.reshape((n, DIM))?;
            x = l.attention_norm.forward(&(l.attention_out.forward(&context)? + &x)?)?;
            let inner = l.intermediate.forward(&x)?.gelu_erf()?;
            x = l.output_norm.forward(&(l.output.forward(&inner)? + &x)?)?;
        }
        let mean = (x.sum(0)? / n as f64)?;
        let mut v = mean.to_vec1::<f32>()?;
        normalise(&mut v);
        Ok(v)
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
