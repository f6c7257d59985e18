//! A linear reader over sentence vectors, fitted to the pack at load.
//!
//! Nearest-example similarity (the rest of [`super::meaning`]) asks "which
//! single example is this question most like?"; with a dozen examples per
//! entry, one odd example decides. A linear classifier over the same vectors
//! asks instead which *directions* of meaning separate one entry from every
//! other, which is what generalises to phrasings no example has.
//!
//! The classifier is ridge regression onto one-hot targets (a "ridge
//! classifier"): one closed-form solve, deterministic, fast enough to fit at
//! every pack load (no file to keep in step with the pack, and every
//! cross-validation fold refits it on its own examples). Its classes are the
//! pack's entries plus one more, *off-topic*, learned from the engine's general
//! negatives and the pack's own near-miss questions, so that "how close is this
//! to something we must not answer" is learned in the same space.
//!
//! Classes are balanced: each class's examples together weigh as much as any
//! other's, so an entry with forty examples does not pull every question to itself.

use multiversion::multiversion;

use super::semantic::DIM;

/// The ridge penalty. The vectors are unit length; chosen on the tune split
/// (`stackpick train`, out of fold) among 0.1, 0.3, 1 and 3: all within
/// 0.6 points of each other, so the middle one.
pub const RIDGE: f64 = 1.0;

/// A fitted linear reader: one weight row per class over the vector and a bias.
#[derive(Debug, Clone)]
pub struct Probe {
    /// One row of `DIM + 1` weights per class (the last is the bias).
    weights: Vec<f32>,
}

/// Why a probe could not be fitted (never for a loaded pack: each entry has its name).
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    #[error("a vector has {0} dimensions, not {DIM}")]
    Dimension(usize),
    #[error("the normal equations are not positive definite (pivot {0})")]
    NotDefinite(usize),
}

impl Probe {
    /// Fits `classes` classes from labelled unit vectors.
    pub fn fit<'a>(
        samples: impl IntoIterator<Item = (&'a [f32], usize)>,
        classes: usize,
        ridge: f64,
    ) -> Result<Probe, FitError> {
        let samples: Vec<(&[f32], usize)> = samples.into_iter().collect();
        let d = DIM + 1;
        let mut per_class = vec![0usize; classes];
        for (v, c) in &samples {
            if v.len() != DIM {
                return Err(FitError::Dimension(v.len()));
            }
            per_class[*c] += 1;
        }
        let used = per_class.iter().filter(|&&n| n > 0).count().max(1);
        // Each class weighs as much as a class of average size.
        let average = samples.len() as f64 / used as f64;
        let n = samples.len();
        // Rows scaled by the square root of their weight, so that XᵀX and XᵀY
        // come out weighted. Y is one-hot, so XᵀY is each class's weighted sum.
        let mut x = Vec::with_capacity(n * d);
        let mut rhs = vec![0.0f64; d * classes];
        for (v, c) in &samples {
            let w = (average / per_class[*c] as f64).sqrt() as f32;
            let start = x.len();
            x.extend(v.iter().map(|a| a * w));
            x.push(w);
            for (i, xi) in x[start..].iter().enumerate() {
                rhs[i * classes + c] += f64::from(*xi * w);
            }
        }
        let mut a = gram(&x, d);
        for i in 0..d {
            a[i * d + i] += ridge;
        }
        let l = cholesky(&mut a, d)?;
        let mut weights = vec![0.0f32; classes * d];
        let mut col = vec![0.0f64; d];
        for c in 0..classes {
            for (i, slot) in col.iter_mut().enumerate() {
                *slot = rhs[i * classes + c];
            }
            solve(l, d, &mut col);
            for (i, w) in col.iter().enumerate() {
                weights[c * d + i] = *w as f32;
            }
        }
        Ok(Probe { weights })
    }

    /// Every class's score for a unit vector (about 1 for the right class, 0 for the rest).
    pub fn scores(&self, v: &[f32]) -> Vec<f32> {
        self.weights
            .chunks_exact(DIM + 1)
            .map(|row| row[..DIM].iter().zip(v).map(|(w, x)| w * x).sum::<f32>() + row[DIM])
            .collect()
    }
}

/// Samples added to the Gram matrix at a time, in `f32`, before the sum
/// joins the `f64` total: each of its entries is read and written once per
/// group rather than once per sample.
const GROUP: usize = 8;

/// `XᵀX` of `x`, rows of `d` values, as `d × d` row-major `f64`.
///
/// The pack's few thousand examples make this the fit's one costly step
/// (about 600 million products); it runs as rank-`GROUP` updates that
/// compile to vector instructions on every machine `multiversion` knows.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx2+fma", "x86_64+avx2+fma", "aarch64+neon"))]
fn gram(x: &[f32], d: usize) -> Vec<f64> {
    let mut gram = vec![0.0f64; d * d];
    let mut group = [0.0f32; GROUP];
    let mut update = vec![0.0f32; d];
    for rows in x.chunks(GROUP * d) {
        let rows: Vec<&[f32]> = rows.chunks_exact(d).collect();
        for i in 0..d {
            for (g, row) in group.iter_mut().zip(&rows) {
                *g = row[i];
            }
            update.iter_mut().for_each(|u| *u = 0.0);
            for (g, row) in group.iter().zip(&rows) {
                for (u, xj) in update.iter_mut().zip(row.iter()) {
                    *u += g * xj;
                }
            }
            for (total, u) in gram[i * d..(i + 1) * d].iter_mut().zip(&update) {
                *total += f64::from(*u);
            }
        }
    }
    gram
}

/// Factors the symmetric positive definite `a` (n × n, row-major) in place
/// into its lower Cholesky factor, which it returns.
fn cholesky(a: &mut [f64], n: usize) -> Result<&[f64], FitError> {
    for j in 0..n {
        let mut s = a[j * n + j];
        for k in 0..j {
            s -= a[j * n + k] * a[j * n + k];
        }
        if s <= 0.0 {
            return Err(FitError::NotDefinite(j));
        }
        let diag = s.sqrt();
        a[j * n + j] = diag;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / diag;
        }
    }
    Ok(a)
}

/// Solves `L Lᵀ x = b` in place, with `l` from [`cholesky`].
fn solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(axis: usize, wobble: f32) -> Vec<f32> {
        let mut v = vec![0.0f32; DIM];
        v[axis] = 1.0;
        v[(axis + 7) % DIM] = wobble;
        crate::semantic::normalise(&mut v);
        v
    }

    #[test]
    fn separable_classes_score_highest_on_their_own_direction() {
        let samples: Vec<(Vec<f32>, usize)> =
            (0..3).flat_map(|c| [0.0, 0.1, -0.1, 0.2].into_iter().map(move |w| (unit(c * 10, w), c))).collect();
        let probe = Probe::fit(samples.iter().map(|(v, c)| (v.as_slice(), *c)), 3, RIDGE).unwrap();
        assert_eq!(probe.scores(&unit(0, 0.0)).len(), 3);
        for c in 0..3 {
            let scores = probe.scores(&unit(c * 10, 0.05));
            let best = scores.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
            assert_eq!(best, c, "{scores:?}");
            assert!(scores[c] > 0.5, "{scores:?}");
        }
    }

    #[test]
    fn a_large_class_does_not_pull_an_in_between_question() {
        // Class 0 has twenty examples, class 1 two; a question exactly between
        // them must not go to class 0 merely for its size.
        let mut samples: Vec<(Vec<f32>, usize)> = (0..20).map(|_| (unit(0, 0.0), 0)).collect();
        samples.extend((0..2).map(|_| (unit(1, 0.0), 1)));
        let probe = Probe::fit(samples.iter().map(|(v, c)| (v.as_slice(), *c)), 2, RIDGE).unwrap();
        let mut between = vec![0.0f32; DIM];
        between[0] = 1.0;
        between[1] = 1.0;
        crate::semantic::normalise(&mut between);
        let s = probe.scores(&between);
        assert!((s[0] - s[1]).abs() < 0.05, "{s:?}");
    }

    #[test]
    fn a_vector_of_the_wrong_size_is_refused() {
        let v = vec![0.0f32; 3];
        assert!(matches!(Probe::fit([(v.as_slice(), 0)], 1, RIDGE), Err(FitError::Dimension(3))));
    }
}
