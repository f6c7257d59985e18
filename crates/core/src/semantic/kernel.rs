//! The encoder's one heavy operation, a linear layer over a few rows, written
//! for the shape a chat question has.
//!
//! A question is a handful of word pieces, so each of the model's weight
//! matrices meets a matrix of 5 to 60 rows. General matrix libraries
//! (candle's `gemm`, before) repack the whole float32 weight matrix on every
//! call and tile for hundreds of rows: at six word pieces the encoder spent
//! about 9 of its 12 ms moving 42 MB of weights. Here the weights are packed
//! once, at load, into panels of [`WIDTH`] outputs, as int8 with one scale
//! per output (10.6 MB; float16, as shipped, held 21 MB, and the process's
//! memory with the model is a target of its own). A call widens one panel at
//! a time into a scratch buffer the size of the L2 cache's share and runs
//! every row over it, four rows by [`WIDTH`] outputs at a time, so the sums
//! live in registers and no row is ever reduced across lanes; each output's
//! sum is scaled once at the end. Widening int8 is a plain conversion the
//! compiler vectorises, and it measured as fast as float16 with F16C.
//!
//! One scale per output keeps every weight within half a step (1/254 of its
//! output's largest weight): the sentence vectors stay within cosine 0.9996
//! of the original float32 model's (`tests/semantic.rs`), and on 2026-12-08
//! every accuracy figure was the same as with float16 (blind 809 of 1,048,
//! tune cross-validation 1,555 of 2,016, AWS/GCP 93 of 106).
//!
//! The loops are plain Rust compiled several times by `multiversion`
//! (AVX-512, AVX2, NEON, the baseline) and chosen at run time, so one binary
//! uses what the machine has. Every output is its products added in input
//! order, each with one rounding (`mul_add`: the hardware's fused
//! multiply-add, or the same correctly rounded result in software on a CPU
//! without one), then scaled and biased in one more, whatever the tile: a row
//! gives the same bits alone or among others, on every machine.

use half::f16;
use multiversion::multiversion;

/// Outputs per panel: two AVX-512 registers, four AVX2 ones, per row.
const WIDTH: usize = 32;
/// Rows per tile: with [`WIDTH`], eight AVX-512 accumulators, enough to keep
/// both adders busy.
const ROWS: usize = 4;

/// A linear layer, `out = x · wᵀ + bias`, with its weights packed for [`Linear::apply`].
pub struct Linear {
    input: usize,
    output: usize,
    /// `⌈output / WIDTH⌉` panels, each `input` lines of [`WIDTH`] weights
    /// (the outputs past `output` in the last panel are zero), each weight
    /// in steps of its output's scale.
    panels: Vec<i8>,
    /// One step per output, padded to whole panels: an output's largest
    /// weight over 127.
    scales: Vec<f32>,
    bias: Vec<f32>,
}

impl Linear {
    /// Packs `w`, `output` rows of `input` weights (a PyTorch linear layer's
    /// layout), with one bias per output.
    ///
    /// # Panics
    /// When the lengths do not agree (shapes are checked at load).
    pub fn new(w: &[f16], input: usize, bias: Vec<f32>) -> Linear {
        let output = bias.len();
        assert!(input > 0 && output > 0, "an empty linear layer");
        assert_eq!(w.len(), output * input, "w is not {output} × {input}");
        let count = output.div_ceil(WIDTH);
        let mut panels = vec![0i8; count * input * WIDTH];
        let mut scales = vec![0.0f32; count * WIDTH];
        for (o, row) in w.chunks_exact(input).enumerate() {
            let largest = row.iter().fold(0.0f32, |m, v| m.max(v.to_f32().abs()));
            let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
            scales[o] = scale;
            let panel = &mut panels[o / WIDTH * input * WIDTH..][..input * WIDTH];
            for (i, &weight) in row.iter().enumerate() {
                panel[i * WIDTH + o % WIDTH] = (weight.to_f32() / scale).round().clamp(-127.0, 127.0) as i8;
            }
        }
        Linear { input, output, panels, scales, bias }
    }

    /// `x` is rows of [`Linear::input`] values; returns as many rows of outputs.
    ///
    /// # Panics
    /// When `x` is not whole rows.
    pub fn apply(&self, x: &[f32]) -> Vec<f32> {
        assert!(x.len() % self.input == 0, "x is not rows of {}", self.input);
        let mut out = vec![0.0; x.len() / self.input * self.output];
        apply(self, x, &mut out);
        out
    }
}

#[multiversion(targets("x86_64+avx512f+avx512bw+avx2+fma", "x86_64+avx2+fma", "aarch64+neon"))]
fn apply(layer: &Linear, x: &[f32], out: &mut [f32]) {
    let Linear { input, output, ref panels, ref scales, ref bias } = *layer;
    let rows = x.len() / input;
    // Each tile's rows interleaved once (`n` values per input), so the
    // panels' loop reads them in order with no index to check.
    let tiles: Vec<(usize, Vec<f32>)> = (0..rows)
        .step_by(ROWS)
        .map(|t| {
            let n = ROWS.min(rows - t);
            let tile = &x[t * input..(t + n) * input];
            let mut columns = vec![0.0; input * n];
            for (r, row) in tile.chunks_exact(input).enumerate() {
                for (i, &v) in row.iter().enumerate() {
                    columns[i * n + r] = v;
                }
            }
            (n, columns)
        })
        .collect();
    let mut panel = vec![0.0f32; input * WIDTH];
    for (p, packed) in panels.chunks_exact(input * WIDTH).enumerate() {
        let steps: &[f32; WIDTH] = scales[p * WIDTH..][..WIDTH].try_into().expect("scales are whole panels");
        // In steps: the scale is applied to each output's sum (`put`).
        for (wide, &q) in panel.iter_mut().zip(packed) {
            *wide = f32::from(q);
        }
        let first = p * WIDTH;
        let width = WIDTH.min(output - first);
        let bias = &bias[first..first + width];
        for (k, (n, columns)) in tiles.iter().enumerate() {
            let mut put = |r: usize, sum: &[f32; WIDTH]| {
                let row = &mut out[(k * ROWS + r) * output + first..][..width];
                for j in 0..width {
                    row[j] = sum[j].mul_add(steps[j], bias[j]);
                }
            };
            match n {
                4 => tile::<4>(columns, &panel).iter().enumerate().for_each(|(r, s)| put(r, s)),
                3 => tile::<3>(columns, &panel).iter().enumerate().for_each(|(r, s)| put(r, s)),
                2 => tile::<2>(columns, &panel).iter().enumerate().for_each(|(r, s)| put(r, s)),
                _ => tile::<1>(columns, &panel).iter().enumerate().for_each(|(r, s)| put(r, s)),
            }
        }
    }
}

/// `R` interleaved rows against one widened panel: each output adds its
/// products in input order, in steps of its scale. Compiles to broadcasts and
/// fused multiply-adds on accumulators that stay in registers (plain
/// multiplies and adds measured about 20 % slower on long questions).
#[inline(always)]
fn tile<const R: usize>(columns: &[f32], panel: &[f32]) -> [[f32; WIDTH]; R] {
    let mut acc = [[0.0; WIDTH]; R];
    for (weights, column) in panel.chunks_exact(WIDTH).zip(columns.chunks_exact(R)) {
        let weights: &[f32; WIDTH] = weights.try_into().expect("a panel line is WIDTH wide");
        for r in 0..R {
            let v = column[r];
            for j in 0..WIDTH {
                acc[r][j] = v.mul_add(weights[j], acc[r][j]);
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Linear {
        /// The weight of `output` for `input` as the kernel multiplies it.
        fn weight(&self, output: usize, input: usize) -> f32 {
            let panel = &self.panels[output / WIDTH * self.input * WIDTH..];
            f32::from(panel[input * WIDTH + output % WIDTH]) * self.scales[output]
        }
    }

    fn weights(output: usize, input: usize) -> Vec<f16> {
        (0..output * input).map(|i| f16::from_f32(((i * 53 % 97) as f32 - 48.0) / 48.0)).collect()
    }

    /// Every weight is kept within half a step of the float16 it was made
    /// from (a step is its output's largest magnitude / 127), and an output
    /// of zeros stays zero.
    #[test]
    fn each_weight_stays_within_half_a_step() {
        let (input, output) = (40, 70);
        let mut w = weights(output, input);
        w[3 * input..4 * input].fill(f16::ZERO);
        let layer = Linear::new(&w, input, vec![0.0; output]);
        for (o, row) in w.chunks_exact(input).enumerate() {
            let largest = row.iter().fold(0.0f32, |m, v| m.max(v.to_f32().abs()));
            for (i, want) in row.iter().enumerate() {
                let got = layer.weight(o, i);
                assert!((got - want.to_f32()).abs() <= largest / 254.0 * 1.0001, "[{o}][{i}]: {got} against {want}");
            }
        }
        assert!((0..input).all(|i| layer.weight(3, i) == 0.0));
    }

    /// The kernel against the textbook loop over the weights it keeps, on
    /// shapes with and without a remainder of rows (tiles of four) and of
    /// outputs (panels of 32).
    #[test]
    fn apply_computes_x_times_w_transposed_plus_bias() {
        for (rows, input, output) in [(1, 16, 3), (4, 32, 5), (7, 40, 33), (9, 384, 64), (2, 7, 70)] {
            let x: Vec<f32> = (0..rows * input).map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0).collect();
            let bias: Vec<f32> = (0..output).map(|o| o as f32 / 10.0).collect();
            let layer = Linear::new(&weights(output, input), input, bias.clone());
            let out = layer.apply(&x);
            assert_eq!(out.len(), rows * output);
            for t in 0..rows {
                for o in 0..output {
                    let want: f32 = bias[o] + (0..input).map(|i| x[t * input + i] * layer.weight(o, i)).sum::<f32>();
                    let got = out[t * output + o];
                    assert!((got - want).abs() < 1e-4, "({rows}×{input}→{output}) [{t}][{o}]: {got} against {want}");
                }
            }
        }
    }

    /// A row gives the same bits alone as in a tile of four, or of three.
    #[test]
    fn a_row_does_not_depend_on_its_neighbours() {
        let input = 48;
        let x: Vec<f32> = (0..7 * input).map(|i| (i as f32 * 0.37).sin()).collect();
        let w: Vec<f16> = (0..40 * input).map(|i| f16::from_f32((i as f32 * 0.11).cos())).collect();
        let bias: Vec<f32> = (0..40).map(|o| o as f32 * 0.01 - 0.2).collect();
        let layer = Linear::new(&w, input, bias);
        let all = layer.apply(&x);
        for t in 0..7 {
            let one = layer.apply(&x[t * input..(t + 1) * input]);
            assert_eq!(one, all[t * 40..(t + 1) * 40], "row {t}");
        }
    }
}
