//! The forward pass of all-MiniLM-L6-v2 (a 6-layer BERT), for several
//! sentences at once.
//!
//! A question and its clauses are encoded together: every linear layer
//! multiplies the word pieces of all of them in one call, so the weights are
//! read once per question rather than once per clause; attention stays within
//! each sentence. No padding: sentences are laid end to end.

use half::f16;

use super::kernel::Linear;
use super::DIM;

pub(super) const LAYERS: usize = 6;
const HEADS: usize = 12;
const HEAD_DIM: usize = DIM / HEADS;
/// The feed-forward layer's width.
pub(super) const INNER: usize = 4 * DIM;
const LAYER_NORM_EPS: f32 = 1e-12;

pub(super) struct LayerNorm {
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

impl LayerNorm {
    /// Normalises each row of `x` in place.
    fn apply(&self, x: &mut [f32]) {
        for row in x.chunks_exact_mut(DIM) {
            let mean = row.iter().sum::<f32>() / DIM as f32;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / DIM as f32;
            let scale = 1.0 / (var + LAYER_NORM_EPS).sqrt();
            for ((v, w), b) in row.iter_mut().zip(&self.w).zip(&self.b) {
                *v = (*v - mean) * scale * w + b;
            }
        }
    }
}

pub(super) struct Layer {
    /// Query, key and value stacked: 3 × DIM outputs.
    pub qkv: Linear,
    pub attention_out: Linear,
    pub attention_norm: LayerNorm,
    pub intermediate: Linear,
    pub output: Linear,
    pub output_norm: LayerNorm,
}

/// The word-piece embedding table, half the model's weights (30,522 rows):
/// kept as int8 with one scale per row, 11.7 MB instead of float16's 23.4. A
/// question reads a few dozen rows, and each row comes out within half a step
/// of its largest value (1/254 of it) of the float16 it was made from; with
/// float16 matrices the sentence vectors stayed within cosine 0.99998 of the
/// original float32 model's, and the 1,250 stored vectors of the pack's texts,
/// made with the float16 table, within 0.99990 of this one's (the matrices
/// are int8 too since 2026-12-08: see `kernel`).
pub(super) struct WordTable {
    scales: Vec<f32>,
    values: Vec<i8>,
}

impl WordTable {
    /// Quantises `table`, `rows × DIM` float16 values, row by row.
    #[cfg(test)]
    pub fn new(table: &[f16]) -> WordTable {
        let mut quantiser = Quantiser::new(table.len() / DIM);
        quantiser.push(table);
        quantiser.finish().expect("whole rows")
    }

    fn push_row(&mut self, row: &[f16]) {
        let largest = row.iter().map(|v| v.to_f32().abs()).fold(0.0f32, f32::max);
        let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
        self.scales.push(scale);
        self.values.extend(row.iter().map(|v| (v.to_f32() / scale).round().clamp(-127.0, 127.0) as i8));
    }

    /// Appends row `id`, widened to float32, to `out`.
    pub fn widen(&self, id: usize, out: &mut Vec<f32>) {
        let scale = self.scales[id];
        out.extend(self.values[id * DIM..(id + 1) * DIM].iter().map(|&q| f32::from(q) * scale));
    }
}

/// Builds a [`WordTable`] from its float16 values as they are read, a piece
/// at a time: the table is 23 MB as float16, and holding it whole next to
/// its int8 copy was the largest part of the process's peak memory.
pub(super) struct Quantiser {
    table: WordTable,
    /// The row being read, when a piece ended inside it.
    row: Vec<f16>,
}

impl Quantiser {
    /// Room for `rows` rows.
    pub fn new(rows: usize) -> Quantiser {
        let table = WordTable { scales: Vec::with_capacity(rows), values: Vec::with_capacity(rows * DIM) };
        Quantiser { table, row: Vec::with_capacity(DIM) }
    }

    /// The next `values` of the table, in order.
    pub fn push(&mut self, mut values: &[f16]) {
        if !self.row.is_empty() {
            let take = (DIM - self.row.len()).min(values.len());
            self.row.extend_from_slice(&values[..take]);
            values = &values[take..];
            if self.row.len() < DIM {
                return;
            }
            self.table.push_row(&self.row);
            self.row.clear();
        }
        let mut rows = values.chunks_exact(DIM);
        for row in &mut rows {
            self.table.push_row(row);
        }
        self.row.extend_from_slice(rows.remainder());
    }

    /// The table; `None` when the values ended inside a row.
    pub fn finish(self) -> Option<WordTable> {
        self.row.is_empty().then_some(self.table)
    }
}

/// The model's weights.
pub(super) struct Bert {
    /// The word-piece table (rows are widened on lookup).
    pub words: WordTable,
    /// Position rows, `max_positions × DIM`.
    pub positions: Vec<f32>,
    /// The first token type's row (sentences are single segments).
    pub token_type: Vec<f32>,
    pub embedding_norm: LayerNorm,
    pub layers: Vec<Layer>,
}

impl Bert {
    /// The mean of the last layer over each sentence's word pieces, one
    /// vector per sentence (not yet unit length). `sentences` are word-piece
    /// ids, each non-empty and no longer than the position table.
    pub fn forward(&self, sentences: &[&[u32]]) -> Vec<Vec<f32>> {
        let n: usize = sentences.iter().map(|s| s.len()).sum();
        let mut x = Vec::with_capacity(n * DIM);
        for s in sentences {
            for (p, &id) in s.iter().enumerate() {
                let start = x.len();
                self.words.widen(id as usize, &mut x);
                let position = &self.positions[p * DIM..(p + 1) * DIM];
                for ((v, a), b) in x[start..].iter_mut().zip(position).zip(&self.token_type) {
                    *v += a + b;
                }
            }
        }
        self.embedding_norm.apply(&mut x);
        let spans: Vec<(usize, usize)> = sentences
            .iter()
            .scan(0, |start, s| {
                let span = (*start, s.len());
                *start += s.len();
                Some(span)
            })
            .collect();
        for layer in &self.layers {
            let qkv = layer.qkv.apply(&x);
            let context = attend(&qkv, &spans);
            let mut attended = layer.attention_out.apply(&context);
            add(&mut attended, &x);
            layer.attention_norm.apply(&mut attended);
            let mut inner = layer.intermediate.apply(&attended);
            gelu(&mut inner);
            x = layer.output.apply(&inner);
            add(&mut x, &attended);
            layer.output_norm.apply(&mut x);
        }
        spans
            .iter()
            .map(|&(start, len)| {
                let mut mean = vec![0.0f32; DIM];
                for row in x[start * DIM..(start + len) * DIM].chunks_exact(DIM) {
                    mean.iter_mut().zip(row).for_each(|(m, v)| *m += v);
                }
                mean.iter_mut().for_each(|m| *m /= len as f32);
                mean
            })
            .collect()
    }
}

/// Self-attention within each sentence: `qkv` rows are query, key and value
/// side by side; returns the heads' context rows, `n × DIM`.
fn attend(qkv: &[f32], spans: &[(usize, usize)]) -> Vec<f32> {
    let width = 3 * DIM;
    let n = qkv.len() / width;
    let scale = 1.0 / (HEAD_DIM as f32).sqrt();
    let mut context = vec![0.0f32; n * DIM];
    let mut weights = Vec::new();
    for &(start, len) in spans {
        for h in 0..HEADS {
            let col = h * HEAD_DIM;
            for i in start..start + len {
                let q = &qkv[i * width + col..i * width + col + HEAD_DIM];
                weights.clear();
                weights.extend((start..start + len).map(|j| {
                    let k = &qkv[j * width + DIM + col..j * width + DIM + col + HEAD_DIM];
                    q.iter().zip(k).map(|(a, b)| a * b).sum::<f32>() * scale
                }));
                let max = weights.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                weights.iter_mut().for_each(|w| *w = (*w - max).exp());
                let total: f32 = weights.iter().sum();
                let out = &mut context[i * DIM + col..i * DIM + col + HEAD_DIM];
                for (j, w) in (start..start + len).zip(&weights) {
                    let v = &qkv[j * width + 2 * DIM + col..j * width + 2 * DIM + col + HEAD_DIM];
                    let w = w / total;
                    out.iter_mut().zip(v).for_each(|(o, v)| *o += w * v);
                }
            }
        }
    }
    context
}

fn add(x: &mut [f32], y: &[f32]) {
    x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
}

/// GELU as BERT defines it, with the exact error function, over a layer's
/// values; compiled per CPU so the multiply-adds are the hardware's.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512bw+avx2+fma", "x86_64+avx2+fma", "aarch64+neon"))]
fn gelu(values: &mut [f32]) {
    for v in values {
        *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// The error function to within a few float32 ulps, without branches, so
/// the feed-forward layer's activation loop vectorises (`libm::erff` is a
/// call per value with branches on the range: 16 % of a long question's
/// time). The rational approximation on [-4, 4] is the one Eigen and
/// TensorFlow use; beyond it erf is ±1 in float32.
#[inline(always)]
fn erf(x: f32) -> f32 {
    const ALPHA: [f32; 7] = [
        -2.726_142_3e-10,
        2.770_681_4e-8,
        -2.101_024e-6,
        -5.692_506_4e-5,
        -7.349_906_3e-4,
        -2.954_6e-3,
        -1.609_603_3e-2,
    ];
    const BETA: [f32; 5] = [-1.456_607_2e-5, -2.133_740_6e-4, -1.682_827e-3, -7.373_329_2e-3, -1.426_474e-2];
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let p = ALPHA[1..].iter().fold(ALPHA[0], |p, a| p.mul_add(x2, *a)) * x;
    let q = BETA[1..].iter().fold(BETA[0], |q, b| q.mul_add(x2, *b));
    p / q
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value of a row comes back within half a quantisation step (the
    /// row's largest magnitude / 254) of its float16, and a row of zeros stays zero.
    #[test]
    fn the_word_table_keeps_each_row_within_half_a_step() {
        let rows: Vec<Vec<f32>> = vec![
            (0..DIM).map(|i| ((i * 37 % 101) as f32 - 50.0) / 400.0).collect(),
            (0..DIM).map(|i| if i == 7 { -0.9 } else { (i as f32).sin() * 0.01 }).collect(),
            vec![0.0; DIM],
        ];
        let table: Vec<f16> = rows.iter().flatten().map(|&v| f16::from_f32(v)).collect();
        let words = WordTable::new(&table);
        for (id, row) in rows.iter().enumerate() {
            let mut got = Vec::new();
            words.widen(id, &mut got);
            let largest = row.iter().fold(0.0f32, |m, v| m.max(f16::from_f32(*v).to_f32().abs()));
            for (g, want) in got.iter().zip(row) {
                let want = f16::from_f32(*want).to_f32();
                assert!((g - want).abs() <= largest / 254.0 + 1e-7, "row {id}: {g} vs {want}");
            }
        }
        let mut zeros = Vec::new();
        words.widen(2, &mut zeros);
        assert!(zeros.iter().all(|v| *v == 0.0));
    }

    /// Pieces that end inside a row (the file is read in blocks that are no
    /// multiple of a row) make the same table as the values whole; values
    /// that end inside a row make none.
    #[test]
    fn the_word_table_packed_piece_by_piece_is_the_whole_tables() {
        let table: Vec<f16> = (0..5 * DIM).map(|i| f16::from_f32(((i * 53 % 97) as f32 - 48.0) / 100.0)).collect();
        let whole = WordTable::new(&table);
        for piece in [1, 7, DIM - 1, DIM + 1, 3 * DIM] {
            let mut quantiser = Quantiser::new(5);
            table.chunks(piece).for_each(|p| quantiser.push(p));
            let pieces = quantiser.finish().expect("whole rows");
            assert_eq!((&pieces.scales, &pieces.values), (&whole.scales, &whole.values), "pieces of {piece}");
        }
        let mut short = Quantiser::new(1);
        short.push(&table[..DIM + 3]);
        assert!(short.finish().is_none());
    }

    /// The fast error function against libm's over the range GELU meets.
    #[test]
    fn erf_is_within_a_few_ulps_of_libm() {
        let mut worst = 0.0f32;
        for k in -80_000..=80_000 {
            let x = k as f32 / 10_000.0;
            let (want, got) = (libm::erff(x), erf(x));
            worst = worst.max((want - got).abs());
        }
        assert!(worst < 1e-6, "worst difference {worst}");
    }
}
