//! A fitted bidirectional LSTM text classifier, scored in plain Rust so inference never links
//! the training framework (candle, behind secdisc-train's `deep` feature).
//!
//! For a document whose known words (see [`WordEmbedding`], at most `max_len`) have vectors
//! `x₁ … x_L`, one LSTM reads them left to right and another right to left. Each step of an
//! LSTM with hidden size `H`, from `h = c = 0`:
//!
//! ```text
//! z = W x_t + U h + b            (4H values: gates i, f, g, o in that order, as PyTorch/candle)
//! c = σ(z_f) ⊙ c + σ(z_i) ⊙ tanh(z_g)
//! h = σ(z_o) ⊙ tanh(c)
//! ```
//!
//! The states of each direction are max-pooled over time, shifted by one so that the pool is
//! well defined for an empty document: `u = max_t (h_t + 1)` per unit, `u = 0` when `L = 0`
//! (every `h_t + 1` lies in `(0, 2)`, so the shift only moves the output bias). The forward and
//! backward pools are concatenated (`2H` units) and `P(security) = σ(v·u + a)`. Training
//! applies dropout to `u`; scoring does not.
//!
//! Contributions ([`BiLstmModel::top_contributions`]): the logit is exactly
//! `a + Σ_units v_j u_j`; each unit's term goes to the word at the step where that unit
//! peaked. A word's contribution is the sum of its terms; with the intercept they add up to the
//! logit. The state at a step summarises the words read so far in that direction, so crediting
//! the word at the step is a convention, not a measurement.

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::linear::{sigmoid, Contribution};
use crate::text_cnn::{collect_top, logit};
use crate::word_embedding::{check_finite, WordEmbedding};
use secdisc_features::SparseRow;

/// The weights of one LSTM direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LstmWeights {
    /// `4H × dim` input weights `W`, row-major, gates i, f, g, o.
    #[serde(with = "crate::base64::f32s")]
    pub input: Vec<f32>,
    /// `4H × H` recurrent weights `U`, row-major.
    #[serde(with = "crate::base64::f32s")]
    pub recurrent: Vec<f32>,
    /// `4H` biases `b`.
    #[serde(with = "crate::base64::f32s")]
    pub bias: Vec<f32>,
}

impl LstmWeights {
    /// Run over `x` (`len × dim`, row-major) in the given direction; return per unit the
    /// shifted max `max_t (h_t + 1)` (0 when `len` is 0) and the position of that max.
    fn pool(&self, x: &[f32], dim: usize, hidden: usize, reverse: bool) -> (Vec<f32>, Vec<usize>) {
        let len = x.len() / dim;
        let mut h = vec![0.0f32; hidden];
        let mut c = vec![0.0f32; hidden];
        let mut z = vec![0.0f32; 4 * hidden];
        let mut best = vec![0.0f32; hidden];
        let mut at = vec![0usize; hidden];
        for step in 0..len {
            let t = if reverse { len - 1 - step } else { step };
            let xt = &x[t * dim..(t + 1) * dim];
            for (r, zr) in z.iter_mut().enumerate() {
                let wi = &self.input[r * dim..(r + 1) * dim];
                let wh = &self.recurrent[r * hidden..(r + 1) * hidden];
                *zr = self.bias[r]
                    + wi.iter().zip(xt).map(|(a, b)| a * b).sum::<f32>()
                    + wh.iter().zip(&h).map(|(a, b)| a * b).sum::<f32>();
            }
            for j in 0..hidden {
                let i = sigmoid32(z[j]);
                let f = sigmoid32(z[hidden + j]);
                let g = z[2 * hidden + j].tanh();
                let o = sigmoid32(z[3 * hidden + j]);
                c[j] = f * c[j] + i * g;
                h[j] = o * c[j].tanh();
                if h[j] + 1.0 > best[j] {
                    best[j] = h[j] + 1.0;
                    at[j] = t;
                }
            }
        }
        (best, at)
    }
}

/// `σ(z)` in `f32`, the same formula as candle's.
#[inline]
fn sigmoid32(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// Word embeddings, the two LSTM directions and the output layer of a fitted BiLSTM.
///
/// Build with [`BiLstmModel::new`]; deserialising runs the same checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawBiLstm")]
pub struct BiLstmModel {
    embedding: WordEmbedding,
    max_len: usize,
    hidden: usize,
    forward: LstmWeights,
    backward: LstmWeights,
    /// `2H` output weights `v`: forward pool, then backward pool.
    #[serde(with = "crate::base64::f32s")]
    output: Vec<f32>,
    /// Output bias `a`.
    bias: f32,
}

#[derive(Deserialize)]
struct RawBiLstm {
    embedding: WordEmbedding,
    max_len: usize,
    hidden: usize,
    forward: LstmWeights,
    backward: LstmWeights,
    #[serde(deserialize_with = "crate::base64::f32s::deserialize")]
    output: Vec<f32>,
    bias: f32,
}

impl TryFrom<RawBiLstm> for BiLstmModel {
    type Error = ModelError;

    fn try_from(r: RawBiLstm) -> Result<Self> {
        BiLstmModel::new(
            r.embedding,
            r.max_len,
            r.hidden,
            r.forward,
            r.backward,
            r.output,
            r.bias,
        )
    }
}

impl BiLstmModel {
    /// A model from its parts (layouts as documented on [`LstmWeights`]; `output` holds `2H`
    /// weights).
    ///
    /// Errors: [`ModelError::InvalidSequenceModel`] when a size is zero or a length does not
    /// match; [`ModelError::NonFiniteParameter`] for a NaN or infinity.
    pub fn new(
        embedding: WordEmbedding,
        max_len: usize,
        hidden: usize,
        forward: LstmWeights,
        backward: LstmWeights,
        output: Vec<f32>,
        bias: f32,
    ) -> Result<BiLstmModel> {
        let dim = embedding.dim();
        let bad = |reason: String| {
            Err(ModelError::InvalidSequenceModel {
                model: "bilstm",
                reason,
            })
        };
        if max_len == 0 || hidden == 0 {
            return bad(format!(
                "max_len {max_len} and hidden size {hidden} must be positive"
            ));
        }
        for (name, cell) in [("forward", &forward), ("backward", &backward)] {
            let (i, r, b) = (cell.input.len(), cell.recurrent.len(), cell.bias.len());
            if i != 4 * hidden * dim || r != 4 * hidden * hidden || b != 4 * hidden {
                return bad(format!(
                    "{name} LSTM of hidden size {hidden} over dimension {dim} needs {}, {} and {} \
                     weights, got {i}, {r} and {b}",
                    4 * hidden * dim,
                    4 * hidden * hidden,
                    4 * hidden
                ));
            }
            check_finite(&[
                ("lstm input", &cell.input),
                ("lstm recurrent", &cell.recurrent),
                ("lstm bias", &cell.bias),
            ])?;
        }
        if output.len() != 2 * hidden {
            return bad(format!(
                "{} output weights for hidden size {hidden}; need {}",
                output.len(),
                2 * hidden
            ));
        }
        check_finite(&[("output", &output), ("bias", &[bias])])?;
        Ok(BiLstmModel {
            embedding,
            max_len,
            hidden,
            forward,
            backward,
            output,
            bias,
        })
    }

    /// Number of vectorizer features the model expects.
    pub fn n_features(&self) -> usize {
        self.embedding.n_features()
    }

    /// The word embeddings.
    pub fn embedding(&self) -> &WordEmbedding {
        &self.embedding
    }

    /// Longest word sequence read; later words are ignored.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Hidden size of each direction.
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// Pooled units (forward then backward), the step of each unit's max, the known word ids.
    fn pooled(&self, row: SparseRow<'_>) -> (Vec<f32>, Vec<usize>, Vec<u32>) {
        let dim = self.embedding.dim();
        let (mut ids, mut x) = (Vec::new(), Vec::new());
        self.embedding
            .embed(row.sequence, self.max_len, &mut ids, &mut x);
        let (mut units, mut at) = self.forward.pool(&x, dim, self.hidden, false);
        let (b_units, b_at) = self.backward.pool(&x, dim, self.hidden, true);
        units.extend(b_units);
        at.extend(b_at);
        (units, at, ids)
    }

    /// The logit `v·u + a`.
    pub fn decision(&self, row: SparseRow<'_>) -> f64 {
        let (units, _, _) = self.pooled(row);
        logit(&self.output, &units, self.bias)
    }

    /// Probability of security, `σ(v·u + a)`.
    pub fn probability(&self, row: SparseRow<'_>) -> f64 {
        sigmoid(self.decision(row))
    }

    /// The `k` words with the largest positive share of the logit, largest first; ties go to
    /// the lower feature id. See the module documentation for how units are credited.
    pub fn top_contributions(&self, row: SparseRow<'_>, k: usize, out: &mut Vec<Contribution>) {
        let (units, at, ids) = self.pooled(row);
        let shares = if ids.is_empty() {
            Vec::new()
        } else {
            units
                .iter()
                .zip(&at)
                .zip(&self.output)
                .map(|((&u, &t), &v)| (ids[t], f64::from(v) * f64::from(u)))
                .collect()
        };
        collect_top(shares, k, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One-dimensional words 0 → 1.0 and 2 → −1.0, hidden size 1.
    fn model() -> BiLstmModel {
        let e = WordEmbedding::new(3, 1, vec![0, 2], vec![1.0, -1.0]).unwrap();
        let cell = |s: f32| LstmWeights {
            input: vec![0.5 * s, 0.0, 2.0 * s, 1.0],
            recurrent: vec![0.1, 0.2, -0.3, 0.4],
            bias: vec![0.0, 1.0, 0.0, 0.0],
        };
        BiLstmModel::new(e, 8, 1, cell(1.0), cell(-1.0), vec![2.0, -1.0], -0.5).unwrap()
    }

    /// A direct transcription of the LSTM equations, one scalar unit.
    fn reference(cell: &LstmWeights, xs: &[f32]) -> f32 {
        let s = |v: f32| 1.0 / (1.0 + (-v).exp());
        let (mut h, mut c, mut best) = (0.0f32, 0.0f32, 0.0f32);
        for &x in xs {
            let z: Vec<f32> = (0..4)
                .map(|g| cell.bias[g] + cell.input[g] * x + cell.recurrent[g] * h)
                .collect();
            c = s(z[1]) * c + s(z[0]) * z[2].tanh();
            h = s(z[3]) * c.tanh();
            best = best.max(h + 1.0);
        }
        best
    }

    #[test]
    fn runs_both_directions_and_pools() {
        let m = model();
        let seq = [0u32, 1, 2, 2, 0];
        let row = SparseRow {
            indices: &[],
            values: &[],
            sequence: &seq,
        };
        // Word 1 has no vector: x = 1, −1, −1, 1.
        let xs = [1.0f32, -1.0, -1.0, 1.0];
        let rev: Vec<f32> = xs.iter().rev().copied().collect();
        let f = reference(&m.forward, &xs);
        let b = reference(&m.backward, &rev);
        let want = 2.0 * f64::from(f) - f64::from(b) - 0.5;
        assert!(
            (m.decision(row) - want).abs() < 1e-6,
            "{} {want}",
            m.decision(row)
        );
        let empty = SparseRow {
            sequence: &[],
            ..row
        };
        assert_eq!(m.decision(empty), -0.5);
        let mut out = Vec::new();
        m.top_contributions(row, 3, &mut out);
        let total: f64 = out.iter().map(|c| c.value).sum();
        assert!(out.len() <= 2 && total <= 2.0 * f64::from(f) + 1e-9);
        m.top_contributions(empty, 3, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn round_trips_and_rejects_bad_shapes() {
        let m = model();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<BiLstmModel>(&json).unwrap(), m);
        let damaged = json.replace("\"hidden\":1", "\"hidden\":2");
        let err = serde_json::from_str::<BiLstmModel>(&damaged).unwrap_err();
        assert!(
            err.to_string().contains("forward LSTM of hidden size 2"),
            "{err}"
        );
        let mut bad = m.clone();
        bad.output.push(1.0);
        let err = BiLstmModel::new(
            bad.embedding,
            8,
            1,
            bad.forward,
            bad.backward,
            bad.output,
            0.0,
        )
        .unwrap_err();
        assert!(err.to_string().contains("3 output weights"), "{err}");
    }
}
