//! The encoder's one heavy operation, a linear layer over a few rows, written
//! for the shape a chat question has.
//!
//! A question is a handful of word pieces, so each of the model's weight
//! matrices meets a matrix of 5 to 60 rows. General matrix libraries
//! (candle's `gemm`, before) repack the whole float32 weight matrix on every
//! call and tile for hundreds of rows: at six word pieces the encoder spent
//! about 9 of its 12 ms moving 42 MB of weights. Here the weights are packed
//! once, at load, into panels of [`WIDTH`] outputs and stay float16 as
//! shipped (21 MB, which a server's last-level cache can hold between
//! questions). A call widens one panel at a time into a scratch buffer the
//! size of the L2 cache's share and runs every row over it, four rows by
//! [`WIDTH`] outputs at a time, so the sums live in registers and no row is
//! ever reduced across lanes.
//!
//! The loops are plain Rust compiled several times by `multiversion`
//! (AVX-512, AVX2, NEON, the baseline) and chosen at run time, so one binary
//! uses what the machine has. Every output is its bias plus its products
//! added in input order, each with one rounding (`mul_add`: the hardware's
//! fused multiply-add, or the same correctly rounded result in software on a
//! CPU without one), whatever the tile: a row gives the same bits alone or
//! among others, on every machine.

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
    /// (the outputs past `output` in the last panel are zero).
    panels: Vec<f16>,
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
        let mut panels = vec![f16::ZERO; count * input * WIDTH];
        for (o, row) in w.chunks_exact(input).enumerate() {
            let panel = &mut panels[o / WIDTH * input * WIDTH..][..input * WIDTH];
            for (i, &weight) in row.iter().enumerate() {
                panel[i * WIDTH + o % WIDTH] = weight;
            }
        }
        Linear { input, output, panels, bias }
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

#[multiversion(targets("x86_64+avx512f+avx512bw+avx2+fma+f16c", "x86_64+avx2+fma+f16c", "aarch64+neon"))]
fn apply(layer: &Linear, x: &[f32], out: &mut [f32]) {
    let Linear { input, output, ref panels, ref bias } = *layer;
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
        widen_all(packed, &mut panel);
        let first = p * WIDTH;
        let width = WIDTH.min(output - first);
        let mut b = [0.0f32; WIDTH];
        b[..width].copy_from_slice(&bias[first..first + width]);
        for (k, (n, columns)) in tiles.iter().enumerate() {
            let mut put = |r: usize, sum: &[f32; WIDTH]| {
                out[(k * ROWS + r) * output + first..][..width].copy_from_slice(&sum[..width]);
            };
            match n {
                4 => tile::<4>(columns, &panel, &b).iter().enumerate().for_each(|(r, s)| put(r, s)),
                3 => tile::<3>(columns, &panel, &b).iter().enumerate().for_each(|(r, s)| put(r, s)),
                2 => tile::<2>(columns, &panel, &b).iter().enumerate().for_each(|(r, s)| put(r, s)),
                _ => tile::<1>(columns, &panel, &b).iter().enumerate().for_each(|(r, s)| put(r, s)),
            }
        }
    }
}

/// `R` interleaved rows against one widened panel: each output starts at its
/// bias and adds its products in input order. Compiles to broadcasts and
/// fused multiply-adds on accumulators that stay in registers (plain
/// multiplies and adds measured about 20 % slower on long questions).
#[inline(always)]
fn tile<const R: usize>(columns: &[f32], panel: &[f32], bias: &[f32; WIDTH]) -> [[f32; WIDTH]; R] {
    let mut acc = [*bias; R];
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

/// Widens a panel. x86 CPUs since 2012 (F16C) convert eight float16 values
/// in one instruction; elsewhere [`widen`] runs on each. (AVX-512's sixteen
/// at a time would need Rust 1.89, above the crate's minimum.)
/// For a short question this is a third of the encoder's time, so it is
/// worth the one `unsafe` block of the engine.
fn widen_all(half: &[f16], wide: &mut [f32]) {
    assert_eq!(half.len(), wide.len(), "a panel and its scratch differ in size");
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("f16c") && std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the CPU has F16C and AVX (checked just above), and the
            // function reads and writes only within the two equal-length slices.
            unsafe { x86::widen_f16c(half, wide) };
            return;
        }
    }
    for (w, h) in wide.iter_mut().zip(half) {
        *w = widen(*h);
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{__m128i, _mm256_cvtph_ps, _mm256_storeu_ps, _mm_loadu_si128};

    use half::f16;

    /// Eight values per instruction; the tail through [`super::widen`].
    #[target_feature(enable = "f16c,avx")]
    pub(super) unsafe fn widen_f16c(half: &[f16], wide: &mut [f32]) {
        let whole = half.len() / 8 * 8;
        for k in (0..whole).step_by(8) {
            // SAFETY: k + 8 <= whole <= both lengths; unaligned loads and stores.
            unsafe {
                let h = _mm_loadu_si128(half.as_ptr().add(k).cast::<__m128i>());
                _mm256_storeu_ps(wide.as_mut_ptr().add(k), _mm256_cvtph_ps(h));
            }
        }
        for k in whole..half.len() {
            wide[k] = super::widen(half[k]);
        }
    }
}

/// float16 to float32, exactly, without branches, so the panel loop
/// vectorises (the `half` crate converts eight at a time behind a call and a
/// feature check). The exponent and mantissa move into place and a multiply
/// by 2¹¹² rebias them, which also turns float16's subnormals into normal
/// float32s; infinities and NaN keep an all-ones exponent.
#[inline(always)]
fn widen(half: f16) -> f32 {
    let h = u32::from(half.to_bits());
    let magnitude = f32::from_bits((h & 0x7fff) << 13) * f32::from_bits(0x7780_0000);
    let magnitude = if magnitude >= 65536.0 { f32::from_bits(magnitude.to_bits() | 0x7f80_0000) } else { magnitude };
    f32::from_bits(magnitude.to_bits() | (h & 0x8000) << 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel against the textbook loop, on shapes with and without a
    /// remainder of rows (tiles of four) and of outputs (panels of 32).
    #[test]
    fn apply_computes_x_times_w_transposed_plus_bias() {
        for (rows, input, output) in [(1, 16, 3), (4, 32, 5), (7, 40, 33), (9, 384, 64), (2, 7, 70)] {
            let x: Vec<f32> = (0..rows * input).map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0).collect();
            let w: Vec<f16> =
                (0..output * input).map(|i| f16::from_f32(((i * 53 % 97) as f32 - 48.0) / 48.0)).collect();
            let bias: Vec<f32> = (0..output).map(|o| o as f32 / 10.0).collect();
            let out = Linear::new(&w, input, bias.clone()).apply(&x);
            assert_eq!(out.len(), rows * output);
            for t in 0..rows {
                for o in 0..output {
                    let want: f32 =
                        bias[o] + (0..input).map(|i| x[t * input + i] * w[o * input + i].to_f32()).sum::<f32>();
                    let got = out[t * output + o];
                    assert!((got - want).abs() < 1e-4, "({rows}×{input}→{output}) [{t}][{o}]: {got} against {want}");
                }
            }
        }
    }

    /// Every float16, subnormals, infinities and NaN among them, widens to
    /// the float32 `half` gives.
    #[test]
    fn widen_is_exact_for_every_float16() {
        for bits in 0..=u16::MAX {
            let h = f16::from_bits(bits);
            let (want, got) = (h.to_f32(), widen(h));
            assert!(
                want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
                "{bits:#06x}: {got} against {want}"
            );
        }
    }

    /// The CPU's conversion (whichever this machine has) agrees with [`widen`]
    /// on every float16, on a panel with a tail that is not a whole vector.
    #[test]
    fn widening_a_panel_agrees_with_widen() {
        let half: Vec<f16> = (0..=u16::MAX).chain(0..5).map(f16::from_bits).collect();
        let mut wide = vec![0.0f32; half.len()];
        widen_all(&half, &mut wide);
        for (h, w) in half.iter().zip(&wide) {
            let want = widen(*h);
            assert!(want.to_bits() == w.to_bits() || (want.is_nan() && w.is_nan()), "{:#06x}", h.to_bits());
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
