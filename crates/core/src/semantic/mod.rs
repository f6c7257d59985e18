//! The semantic reader: a small sentence encoder that turns a question into a
//! vector, so that questions which mean the same thing land close together
//! even when they share no words ("are gunicorn workers like pm2 processes?"
//! and a deployment example).
//!
//! The model is language data, like the English word list: all-MiniLM-L6-v2
//! (sentence-transformers, Apache-2.0), a 6-layer BERT with 384-dimensional
//! output, shipped in `data/semantic/` as float16 weights (see the README
//! there for how the file was made and how its vectors were checked against
//! the original's) and held as int8 once loaded. It is run here in plain Rust (`bert`, `kernel`): no
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
pub use safetensors::Dtype;

mod bert;
mod kernel;

use bert::{Bert, Layer, LayerNorm, Quantiser, INNER, LAYERS};
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
    /// Builds the encoder from its tensors (`crate::model` reads them from
    /// `model.safetensors` one at a time) and the bytes of `tokenizer.json`;
    /// `dir` names where they came from in errors, `fingerprint` is
    /// [`Fingerprint`] over the weights file. The matrices and the word-piece
    /// table are kept as int8 with a scale per output or row (see `kernel`
    /// and `bert::WordTable`), the rest as float32.
    pub fn load(
        dir: &Path,
        tensors: &dyn Tensors,
        fingerprint: u64,
        tokenizer_json: &[u8],
    ) -> Result<Encoder, LoadError> {
        let files = |message: String| LoadError::Files { dir: dir.to_path_buf(), message };
        let shape = |message: String| LoadError::Shape { dir: dir.to_path_buf(), message };
        let get = |name: &str, dims: &[usize]| -> Result<Vec<f16>, LoadError> {
            let (found, values) = tensors.f16(name)?;
            if found != dims {
                return Err(shape(format!("`{name}` is {found:?}, expected {dims:?}")));
            }
            Ok(values)
        };
        let f32_of = |name: &str, dims: &[usize]| -> Result<Vec<f32>, LoadError> {
            Ok(get(name, dims)?.into_iter().map(f16::to_f32).collect())
        };
        // The largest tensor first, while nothing else is held, packed as it is read.
        let name = "embeddings.word_embeddings.weight";
        let mut quantiser = Quantiser::new(VOCABULARY);
        let found = tensors.f16_pieces(name, &mut |piece| quantiser.push(piece))?;
        let words = match quantiser.finish() {
            Some(words) if found == [VOCABULARY, DIM] => words,
            _ => return Err(shape(format!("`{name}` is {found:?}, expected {:?}", [VOCABULARY, DIM]))),
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
            words,
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

/// A short fingerprint of the weights file, so stored vectors can tell which
/// model made them: FNV-1a over the first 64 bytes of every 4 KiB of the file,
/// then its length (hashing the whole file took about 50 ms). Fed the file in
/// order, in blocks of whole 4 KiB chunks (the last may be shorter).
#[derive(Debug, Clone)]
pub struct Fingerprint {
    hash: u64,
    len: u64,
}

impl Default for Fingerprint {
    fn default() -> Fingerprint {
        Fingerprint { hash: 0xcbf2_9ce4_8422_2325, len: 0 }
    }
}

impl Fingerprint {
    /// The size of the chunks whose heads are hashed.
    pub const CHUNK: usize = 4096;

    /// Adds the next block of the file.
    ///
    /// # Panics
    /// When an earlier block was not a whole number of chunks.
    pub fn update(&mut self, block: &[u8]) {
        assert!(self.len % Self::CHUNK as u64 == 0, "a block after a partial chunk");
        for chunk in block.chunks(Self::CHUNK) {
            for &b in chunk.iter().take(64) {
                self.hash ^= u64::from(b);
                self.hash = self.hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        self.len += block.len() as u64;
    }

    /// The fingerprint of everything added.
    pub fn finish(&self) -> u64 {
        self.hash ^ self.len
    }
}

/// Where the encoder's tensors come from: `crate::model` reads them from the
/// safetensors file one at a time, so loading never holds the whole file
/// next to the packed weights (that doubled the process's peak memory).
pub trait Tensors {
    /// The shape of the tensor `name`; its values, as float16, handed to
    /// `each` a piece at a time in order, so that the largest tensor (the
    /// word-piece table) is packed as it is read, never held whole.
    fn f16_pieces(&self, name: &str, each: &mut dyn FnMut(&[f16])) -> Result<Vec<usize>, LoadError>;

    /// The tensor `name`: its shape and all its values as float16.
    fn f16(&self, name: &str) -> Result<(Vec<usize>, Vec<f16>), LoadError> {
        let mut values = Vec::new();
        let shape = self.f16_pieces(name, &mut |piece| values.extend_from_slice(piece))?;
        Ok((shape, values))
    }
}

/// Appends `bytes`, little-endian values of `dtype`, to `out` as float16;
/// `None` for a type the encoder does not read (it takes float16, bfloat16
/// and float32). `bytes` must hold whole values.
pub fn to_f16(dtype: Dtype, bytes: &[u8], out: &mut Vec<f16>) -> Option<()> {
    match dtype {
        Dtype::F16 => out.extend(bytes.chunks_exact(2).map(|b| f16::from_le_bytes([b[0], b[1]]))),
        Dtype::BF16 => {
            out.extend(bytes.chunks_exact(2).map(|b| f16::from_f32(half::bf16::from_le_bytes([b[0], b[1]]).to_f32())))
        }
        Dtype::F32 => {
            out.extend(bytes.chunks_exact(4).map(|b| f16::from_f32(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))))
        }
        _ => return None,
    }
    Some(())
}
