//! A fitted convolutional text classifier (Kim 2014, "Convolutional Neural Networks for
//! Sentence Classification"), scored in plain Rust so inference never links the training
//! framework (candle, behind secdisc-train's `deep` feature).
//!
//! For a document whose word sequence ([`secdisc_features::SparseRow::sequence`]) has the known words
//! `t₁ … t_L` (at most `max_len`; see [`WordEmbedding`]), with vectors `x₁ … x_L`:
//!
//! 1. the sequence is padded with zero vectors to `L' = max(L, widest filter)`, so that every
//!    width has at least one window (an empty document is all padding);
//! 2. for each filter width `w` and each of its `filters` filters `f`, at every window start
//!    `i = 0 … L' − w`: `c[f, i] = b[f] + Σₖ Σ_d W[f, d, k] · x[i + k, d]` (a 1-D convolution,
//!    cross-correlation as in candle and PyTorch, kernel layout `[filters, dim, width]`);
//! 3. `u[f] = max_i ReLU(c[f, i])` (max-over-time pooling);
//! 4. the pooled units of all widths are concatenated and `P(security) = σ(v·u + a)`.
//!
//! Training applies dropout to `u`; scoring does not (inverted dropout needs no rescaling).
//!
//! Contributions ([`TextCnnModel::top_contributions`]): the logit is exactly
//! `a + Σ_units v_j u_j`; each unit's term is split evenly among the real words of the window
//! that won its max-pool (padding gets no share), and a word's contribution is the sum of its
//! shares. So the contributions of all words plus the intercept add up to the logit; which word
//! of a window "caused" the unit is an even-split convention, not a measurement.

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::linear::{sigmoid, Contribution};
use crate::word_embedding::{check_finite, WordEmbedding};
use secdisc_features::SparseRow;

/// Word embeddings, convolution filters and output layer of a fitted text CNN.
///
/// Build with [`TextCnnModel::new`]; deserialising runs the same checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawTextCnn")]
pub struct TextCnnModel {
    embedding: WordEmbedding,
    max_len: usize,
    widths: Vec<usize>,
    filters: usize,
    /// Per width in order, `filters × dim × width` kernel values (candle's conv1d layout).
    #[serde(with = "crate::base64::f32s")]
    conv: Vec<f32>,
    /// `widths.len() × filters` convolution biases.
    #[serde(with = "crate::base64::f32s")]
    conv_bias: Vec<f32>,
    /// `widths.len() × filters` output weights `v`.
    #[serde(with = "crate::base64::f32s")]
    output: Vec<f32>,
    /// Output bias `a`.
    bias: f32,
    /// Per width, the kernel reordered to `width × dim × filters` so that the inner loop runs
    /// over filters; derived from `conv`.
    #[serde(skip)]
    kernels: Vec<Vec<f32>>,
}

#[derive(Deserialize)]
struct RawTextCnn {
    embedding: WordEmbedding,
    max_len: usize,
    widths: Vec<usize>,
    filters: usize,
    #[serde(deserialize_with = "crate::base64::f32s::deserialize")]
    conv: Vec<f32>,
    #[serde(deserialize_with = "crate::base64::f32s::deserialize")]
    conv_bias: Vec<f32>,
    #[serde(deserialize_with = "crate::base64::f32s::deserialize")]
    output: Vec<f32>,
    bias: f32,
}

impl TryFrom<RawTextCnn> for TextCnnModel {
    type Error = ModelError;

    fn try_from(r: RawTextCnn) -> Result<Self> {
        TextCnnModel::new(
            r.embedding,
            r.max_len,
            r.widths,
            r.filters,
            r.conv,
            r.conv_bias,
            r.output,
            r.bias,
        )
    }
}

impl TextCnnModel {
    /// A model from its parts (layouts as in the module documentation: `conv` holds, width
    /// after width, `filters × dim × width` values; `conv_bias` and `output` hold
    /// `widths.len() × filters` values, width-major).
    ///
    /// Errors: [`ModelError::InvalidSequenceModel`] when a count is zero or a length does not
    /// match; [`ModelError::NonFiniteParameter`] for a NaN or infinity.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        embedding: WordEmbedding,
        max_len: usize,
        widths: Vec<usize>,
        filters: usize,
        conv: Vec<f32>,
        conv_bias: Vec<f32>,
        output: Vec<f32>,
        bias: f32,
    ) -> Result<TextCnnModel> {
        let bad = |reason: String| {
            Err(ModelError::InvalidSequenceModel {
                model: "cnn",
                reason,
            })
        };
        if max_len == 0 || filters == 0 || widths.is_empty() || widths.contains(&0) {
            return bad(format!(
                "max_len {max_len}, {filters} filters and widths {widths:?} must all be positive"
            ));
        }
        let dim = embedding.dim();
        let kernel_len: usize = widths.iter().map(|w| w * dim * filters).sum();
        let units = widths.len() * filters;
        if conv.len() != kernel_len || conv_bias.len() != units || output.len() != units {
            return bad(format!(
                "widths {widths:?} × {filters} filters × dimension {dim} need {kernel_len} kernel \
                 values and {units} biases and output weights, got {}, {} and {}",
                conv.len(),
                conv_bias.len(),
                output.len()
            ));
        }
        check_finite(&[
            ("conv", &conv),
            ("conv_bias", &conv_bias),
            ("output", &output),
            ("bias", &[bias]),
        ])?;
        let mut kernels = Vec::with_capacity(widths.len());
        let mut offset = 0;
        for &w in &widths {
            let src = &conv[offset..offset + filters * dim * w];
            offset += src.len();
            let mut k = vec![0.0f32; src.len()];
            for f in 0..filters {
                for d in 0..dim {
                    for j in 0..w {
                        k[(j * dim + d) * filters + f] = src[(f * dim + d) * w + j];
                    }
                }
            }
            kernels.push(k);
        }
        Ok(TextCnnModel {
            embedding,
            max_len,
            widths,
            filters,
            conv,
            conv_bias,
            output,
            bias,
            kernels,
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

    /// Filter widths, in words.
    pub fn widths(&self) -> &[usize] {
        &self.widths
    }

    /// Filters per width.
    pub fn filters(&self) -> usize {
        self.filters
    }

    /// Pooled units `u` (width-major) of `row`, and for each unit the window start that won its
    /// max-pool (`None` when every window was at most 0 after ReLU); also the known word ids.
    fn pooled(&self, row: SparseRow<'_>) -> (Vec<f32>, Vec<Option<usize>>, Vec<u32>) {
        let dim = self.embedding.dim();
        let (mut ids, mut x) = (Vec::new(), Vec::new());
        self.embedding
            .embed(row.sequence, self.max_len, &mut ids, &mut x);
        let len = ids.len();
        let widest = self.widths.iter().copied().max().unwrap_or(1);
        let padded = len.max(widest);
        let f_n = self.filters;
        let mut pooled = vec![0.0f32; self.widths.len() * f_n];
        let mut argmax = vec![None; pooled.len()];
        let mut acc = vec![0.0f32; f_n];
        for (wi, (&w, kernel)) in self.widths.iter().zip(&self.kernels).enumerate() {
            let bias = &self.conv_bias[wi * f_n..(wi + 1) * f_n];
            let best = &mut pooled[wi * f_n..(wi + 1) * f_n];
            let at = &mut argmax[wi * f_n..(wi + 1) * f_n];
            for i in 0..=padded - w {
                acc.copy_from_slice(bias);
                // Padding positions are zero vectors and add nothing.
                for j in 0..w.min(len.saturating_sub(i)) {
                    let xv = &x[(i + j) * dim..(i + j + 1) * dim];
                    let kj = &kernel[j * dim * f_n..(j + 1) * dim * f_n];
                    for (d, &xd) in xv.iter().enumerate() {
                        for (a, &k) in acc.iter_mut().zip(&kj[d * f_n..(d + 1) * f_n]) {
                            *a += xd * k;
                        }
                    }
                }
                for f in 0..f_n {
                    if acc[f] > best[f] {
                        best[f] = acc[f];
                        at[f] = Some(i);
                    }
                }
            }
        }
        (pooled, argmax, ids)
    }

    /// The logit `v·u + a` of `row`'s word sequence.
    pub fn decision(&self, row: SparseRow<'_>) -> f64 {
        let (pooled, _, _) = self.pooled(row);
        logit(&self.output, &pooled, self.bias)
    }

    /// Probability of security, `σ(v·u + a)`.
    pub fn probability(&self, row: SparseRow<'_>) -> f64 {
        sigmoid(self.decision(row))
    }

    /// The `k` words with the largest positive share of the logit, largest first; ties go to
    /// the lower feature id. See the module documentation for how units are shared out.
    pub fn top_contributions(&self, row: SparseRow<'_>, k: usize, out: &mut Vec<Contribution>) {
        let (pooled, argmax, ids) = self.pooled(row);
        let mut shares: Vec<(u32, f64)> = Vec::new();
        for (unit, (&u, at)) in pooled.iter().zip(&argmax).enumerate() {
            let Some(start) = *at else { continue };
            let w = self.widths[unit / self.filters];
            let words = &ids[start.min(ids.len())..(start + w).min(ids.len())];
            if words.is_empty() {
                continue;
            }
            let term = f64::from(self.output[unit]) * f64::from(u) / words.len() as f64;
            shares.extend(words.iter().map(|&id| (id, term)));
        }
        collect_top(shares, k, out);
    }
}

/// `a + Σ v_j u_j` in `f64`.
pub(crate) fn logit(output: &[f32], units: &[f32], bias: f32) -> f64 {
    output
        .iter()
        .zip(units)
        .map(|(&v, &u)| f64::from(v) * f64::from(u))
        .sum::<f64>()
        + f64::from(bias)
}

/// Sum `(feature, share)` pairs per feature and keep the `k` largest positive sums, largest
/// first, ties to the lower feature.
pub(crate) fn collect_top(mut shares: Vec<(u32, f64)>, k: usize, out: &mut Vec<Contribution>) {
    out.clear();
    shares.sort_by_key(|s| s.0);
    for (feature, value) in shares {
        match out.last_mut() {
            Some(c) if c.feature == feature => c.value += value,
            _ => out.push(Contribution { feature, value }),
        }
    }
    out.retain(|c| c.value > 0.0);
    out.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.feature.cmp(&b.feature)));
    out.truncate(k);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Features 0..4; words 1 and 3 have 1-d vectors 1 and −1; widths 1 and 2, one filter each.
    fn model() -> TextCnnModel {
        let e = WordEmbedding::new(4, 1, vec![1, 3], vec![1.0, -1.0]).unwrap();
        // Width 1: c = 2x − 0.5. Width 2: c = x_i − x_{i+1}.
        TextCnnModel::new(
            e,
            10,
            vec![1, 2],
            1,
            vec![2.0, 1.0, -1.0],
            vec![-0.5, 0.0],
            vec![1.5, -1.0],
            0.25,
        )
        .unwrap()
    }

    fn row(sequence: &[u32]) -> SparseRow<'_> {
        SparseRow {
            indices: &[],
            values: &[],
            sequence,
        }
    }

    #[test]
    fn convolves_pools_and_scores_by_hand() {
        let m = model();
        // Known words 1, 3, 1 → x = 1, −1, 1 (word 2 has no vector).
        // Width 1: max ReLU(2x − 0.5) = 1.5. Width 2: windows 2, −2 → 2.
        let r = row(&[1, 2, 3, 1]);
        let want = 1.5 * 1.5 - 2.0 + 0.25;
        assert!((m.decision(r) - want).abs() < 1e-6);
        assert!((m.probability(r) - sigmoid(want)).abs() < 1e-6);
        // Empty: width 1 pads to one zero → ReLU(−0.5) = 0; width 2 → ReLU(0) = 0.
        assert_eq!(m.decision(row(&[])), 0.25);
        // max_len cuts the sequence before unknown words are dropped.
        let short = TextCnnModel {
            max_len: 1,
            ..m.clone()
        };
        assert_eq!(short.decision(row(&[2, 1, 3])), 0.25);
        // Contributions: unit 0 (2.25) goes to the word of its window, word 1 (first
        // occurrence); unit 1 (−2) is split between words 1 and 3 of window 0.
        let mut out = Vec::new();
        m.top_contributions(r, 5, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].feature, 1);
        assert!((out[0].value - (2.25 - 1.0)).abs() < 1e-6);
    }

    #[test]
    fn round_trips_and_rejects_bad_shapes() {
        let m = model();
        let json = serde_json::to_string(&m).unwrap();
        let back: TextCnnModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.decision(row(&[3, 1])), m.decision(row(&[3, 1])));
        let e = WordEmbedding::new(4, 1, vec![1], vec![1.0]).unwrap();
        let err = TextCnnModel::new(
            e.clone(),
            5,
            vec![2],
            1,
            vec![1.0],
            vec![0.0],
            vec![1.0],
            0.0,
        )
        .unwrap_err();
        assert!(err.to_string().contains("need 2 kernel values"), "{err}");
        let err = TextCnnModel::new(e, 5, vec![], 1, vec![], vec![], vec![], 0.0).unwrap_err();
        assert!(err.to_string().contains("must all be positive"), "{err}");
        let damaged = json.replace("\"filters\":1", "\"filters\":2");
        assert!(serde_json::from_str::<TextCnnModel>(&damaged).is_err());
    }
}
