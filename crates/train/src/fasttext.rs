//! A fastText-style classifier (Joulin et al. 2017, "Bag of Tricks for Efficient Text
//! Classification"), trained as fastText's supervised mode trains it, into an
//! [`EmbeddingBagModel`].
//!
//! Model: the hidden vector is a weighted bag of the embeddings of the row's nonzero features,
//! `h = Σᵢ aᵢ Eᵢ` (`aᵢ` from [`BagWeighting`]: the row's TF-IDF values by default, or fastText's
//! plain mean), and `P(security) = σ(w·h + b)`. The input ids are the TF-IDF vectorizer's
//! feature indices: its vocabulary already holds word unigrams and bigrams (and character
//! n-grams when enabled), which play the part of fastText's word and word-n-gram ids. They are
//! not hashed into buckets: the vocabulary is exact and built from the training texts, so
//! hashing could only merge ids, and an n-gram absent from training would get an untrained
//! embedding anyway.
//!
//! Training: weighted binary logistic loss `cᵧ · −log P(y)` (`cᵧ` from [`ClassWeight`], balanced
//! by default, then divided by the larger of the two weights so that no step exceeds an
//! unweighted fastText step: the same minimiser, and one learning rate that suits 1 % and 35 %
//! positives alike), plain SGD one row at a time, no regularisation, as fastText:
//! - rows are visited in a fresh [`SplitMix64`] shuffle every epoch;
//! - the learning rate decays linearly from `lr` to 0 over all `epochs × rows` updates
//!   (fastText counts tokens rather than rows);
//! - embeddings start uniform in `±1/dim`, the output weights and bias at 0;
//! - per row, with `g = cᵧ (p − y)`: `w ← w − lr·g·h`, `b ← b − lr·g`, and every input row
//!   `Eᵢ ← Eᵢ − lr·g·aᵢ·w` (with `w` before its update), the gradient of the weighted bag.
//!
//! After training, the embeddings of features that occur in no training row are set to 0 (they
//! were never updated; a random vector would add noise to rows that contain them). All
//! arithmetic is single-threaded `f32` in a fixed order, so the model depends only on the data
//! and the seed, never on the rayon thread count. (fastText's multi-threaded Hogwild updates
//! would not be reproducible, and are not offered.)

use secdisc_features::CsrMatrix;
use secdisc_model::{BagWeighting, ClassifierModel, EmbeddingBagModel};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::estimator::estimator;
use crate::logistic::{class_weights, ClassWeight};
use secdisc_rng::SplitMix64;

/// Largest embedding dimension accepted by [`FastTextParams::check`].
pub const MAX_FASTTEXT_DIM: usize = 1024;

/// Checked fastText parameters (build with [`FastTextParams`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FastTextValidParams {
    dim: usize,
    epochs: usize,
    learning_rate: Option<f64>,
    weighting: BagWeighting,
    class_weight: ClassWeight,
}

/// Unchecked fastText parameters.
///
/// ```
/// use secdisc_model::BagWeighting;
/// use secdisc_train::FastTextParams;
/// let p = FastTextParams::default().dim(20).epochs(10).weighting(BagWeighting::Uniform);
/// assert!(p.check().is_ok());
/// assert!(FastTextParams::default().learning_rate(0.0).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FastTextParams(FastTextValidParams);

impl Default for FastTextParams {
    fn default() -> Self {
        FastTextParams(FastTextValidParams {
            dim: 50,
            epochs: 25,
            learning_rate: None,
            weighting: BagWeighting::Tfidf,
            class_weight: ClassWeight::Balanced,
        })
    }
}

impl FastTextParams {
    /// Embedding dimension, 1 to [`MAX_FASTTEXT_DIM`]. Default 50 (the Python peer's setting).
    pub fn dim(mut self, dim: usize) -> Self {
        self.0.dim = dim;
        self
    }

    /// Passes over the training rows. Default 25 (the Python peer's setting).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.0.epochs = epochs;
        self
    }

    /// Initial SGD learning rate, decayed linearly to 0. Default
    /// [`default_learning_rate`] of the weighting: 0.2 for [`BagWeighting::Tfidf`], 1.0 for
    /// [`BagWeighting::Uniform`].
    pub fn learning_rate(mut self, lr: f64) -> Self {
        self.0.learning_rate = Some(lr);
        self
    }

    /// How a row's embeddings are weighted. Default [`BagWeighting::Tfidf`].
    pub fn weighting(mut self, weighting: BagWeighting) -> Self {
        self.0.weighting = weighting;
        self
    }

    /// Class weighting of the loss. Default [`ClassWeight::Balanced`].
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.0.class_weight = w;
        self
    }

    /// Validate.
    ///
    /// Errors: [`TrainError::InvalidEmbeddingDim`], [`TrainError::InvalidEpochs`],
    /// [`TrainError::InvalidLearningRate`], [`TrainError::InvalidClassWeight`].
    pub fn check(self) -> Result<FastTextValidParams> {
        let p = &self.0;
        if !(1..=MAX_FASTTEXT_DIM).contains(&p.dim) {
            return Err(TrainError::InvalidEmbeddingDim(p.dim));
        }
        if p.epochs == 0 {
            return Err(TrainError::InvalidEpochs);
        }
        let lr = p.learning_rate_value();
        if !(lr.is_finite() && lr > 0.0) {
            return Err(TrainError::InvalidLearningRate(lr));
        }
        class_weights(p.class_weight, 1, 1)?;
        let mut valid = self.0;
        valid.learning_rate = Some(lr);
        Ok(valid)
    }
}

/// The default initial learning rate for a bag weighting, tuned by 10-fold cross-validation on
/// the matomo issues, the two Stack Exchange sets and the PROMISE requirements.
///
/// [`BagWeighting::Uniform`]: 1.0, the top of fastText's usual range; one update moves the
/// logit about `1 / nnz` as far as with TF-IDF weights. [`BagWeighting::Tfidf`]: 0.2 (0.1 to
/// 0.5 score within 0.02 F1 of each other on every set; at 0.03 the matomo model is far from
/// converged).
pub fn default_learning_rate(weighting: BagWeighting) -> f64 {
    match weighting {
        BagWeighting::Uniform => 1.0,
        BagWeighting::Tfidf => 0.2,
    }
}

/// `σ(z)` in `f32` without overflow.
#[inline]
fn sigmoid32(z: f32) -> f32 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl FastTextValidParams {
    /// Embedding dimension.
    pub fn dim_value(&self) -> usize {
        self.dim
    }

    /// Epochs.
    pub fn epochs_value(&self) -> usize {
        self.epochs
    }

    /// Initial learning rate (the weighting's default unless one was set).
    pub fn learning_rate_value(&self) -> f64 {
        self.learning_rate
            .unwrap_or_else(|| default_learning_rate(self.weighting))
    }

    /// Bag weighting.
    pub fn weighting_value(&self) -> BagWeighting {
        self.weighting
    }

    /// Fit and wrap as a stored classifier.
    pub fn fit(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<ClassifierModel> {
        Ok(ClassifierModel::EmbeddingBag {
            model: self.fit_bag(x, y, seed)?,
        })
    }

    /// Fit the embedding bag on rows of `x` with labels `y`; `seed` drives the initial
    /// embeddings and the per-epoch row order.
    ///
    /// Errors: [`TrainError::LengthMismatch`], [`TrainError::SingleClass`], and
    /// [`TrainError::Diverged`] when a logit stops being finite (lower the learning rate).
    pub fn fit_bag(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<EmbeddingBagModel> {
        let (positives, negatives) = crate::checks::class_counts(x, y)?;
        let (ws, wn) = class_weights(self.class_weight, positives, negatives)?;
        // Scale the weights so the larger is 1: the same loss up to a constant factor, but no
        // update is larger than an unweighted fastText update, so one learning rate suits
        // balanced and very imbalanced data alike.
        let top = ws.max(wn);
        let (ws, wn) = ((ws / top) as f32, (wn / top) as f32);
        let (d, dim, n) = (x.n_cols(), self.dim, x.n_rows());
        let mut rng = SplitMix64::new(seed);
        // Uniform in [-1/dim, 1/dim) from the top 24 bits of each draw.
        let bound = 1.0 / dim as f32;
        let mut emb: Vec<f32> = (0..d * dim)
            .map(|_| {
                let u = (rng.next_u64() >> 40) as f32 / (1u32 << 24) as f32;
                (2.0 * u - 1.0) * bound
            })
            .collect();
        let mut w = vec![0.0f32; dim];
        let mut bias = 0.0f32;
        let mut hidden = vec![0.0f32; dim];
        let mut grad = vec![0.0f32; dim];
        let mut order: Vec<usize> = (0..n).collect();
        let lr0 = self.learning_rate_value();
        let total = (self.epochs * n) as f64;
        let mut step = 0usize;
        for epoch in 0..self.epochs {
            rng.shuffle(&mut order);
            for &r in &order {
                let lr = (lr0 * (1.0 - step as f64 / total)) as f32;
                step += 1;
                let row = x.row(r);
                let scale = self.weighting.row_scale(row);
                hidden.fill(0.0);
                for (&j, &v) in row.indices.iter().zip(row.values) {
                    let a = self.weighting.weight(v) * scale;
                    let e = &emb[j as usize * dim..(j as usize + 1) * dim];
                    for (h, &ek) in hidden.iter_mut().zip(e) {
                        *h += a * ek;
                    }
                }
                let logit = w.iter().zip(&hidden).map(|(a, b)| a * b).sum::<f32>() + bias;
                if !logit.is_finite() {
                    return Err(TrainError::Diverged {
                        epoch: epoch + 1,
                        learning_rate: lr0,
                    });
                }
                let p = sigmoid32(logit);
                let g = if y[r] { ws * (p - 1.0) } else { wn * p };
                let alpha = lr * g;
                for ((gk, wk), &hk) in grad.iter_mut().zip(w.iter_mut()).zip(&hidden) {
                    *gk = alpha * *wk;
                    *wk -= alpha * hk;
                }
                bias -= alpha;
                for (&j, &v) in row.indices.iter().zip(row.values) {
                    let a = self.weighting.weight(v) * scale;
                    let e = &mut emb[j as usize * dim..(j as usize + 1) * dim];
                    for (ek, &gk) in e.iter_mut().zip(&grad) {
                        *ek -= a * gk;
                    }
                }
            }
        }
        let mut seen = vec![false; d];
        for row in x.rows() {
            for &j in row.indices {
                seen[j as usize] = true;
            }
        }
        for (e, _) in emb.chunks_exact_mut(dim).zip(&seen).filter(|(_, &s)| !s) {
            e.fill(0.0);
        }
        EmbeddingBagModel::new(d, dim, self.weighting, emb, w, bias).map_err(|e| match e {
            secdisc_model::ModelError::NonFiniteParameter { .. } => TrainError::Diverged {
                epoch: self.epochs,
                learning_rate: lr0,
            },
            other => other.into(),
        })
    }
}

estimator!(FastTextParams => FastTextValidParams,
    check = |p| p.clone().check(),
    grid = ("lr", &[0.1, 0.2, 0.5], FastTextParams::learning_rate),
    fit = |v, x, y, seed| v.fit(x, y, seed));

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of 2 to 4 features: feature 0 marks security, 1 marks the rest, 2..6 are noise.
    fn toy() -> (CsrMatrix, Vec<bool>) {
        let mut x = CsrMatrix::new(6);
        let mut y = Vec::new();
        for i in 0..90u32 {
            let pos = i % 5 == 0;
            let noise = 2 + i % 4;
            let noise2 = 2 + (i / 4) % 4;
            let mut idx = vec![u32::from(!pos), noise, noise2];
            idx.sort_unstable();
            idx.dedup();
            let vals: Vec<f32> = idx.iter().map(|&j| if j < 2 { 0.8 } else { 0.4 }).collect();
            x.push_row(&idx, &vals);
            y.push(pos);
        }
        (x, y)
    }

    #[test]
    fn learns_a_separable_toy_set_with_both_weightings() {
        let (x, y) = toy();
        for weighting in [BagWeighting::Uniform, BagWeighting::Tfidf] {
            let p = FastTextParams::default()
                .dim(8)
                .weighting(weighting)
                .check()
                .unwrap();
            let m = p.fit(&x, &y, 3).unwrap();
            for (i, &l) in y.iter().enumerate() {
                let prob = m.probability(x.row(i));
                assert_eq!(prob >= 0.5, l, "{weighting:?} row {i}: {prob}");
            }
            let mut out = Vec::new();
            m.top_contributions(x.row(0), 1, &mut out);
            assert_eq!(out[0].feature, 0, "{weighting:?}");
        }
    }

    #[test]
    fn same_seed_same_model_and_other_seed_differs() {
        let (x, y) = toy();
        let p = FastTextParams::default().dim(4).epochs(5).check().unwrap();
        let a = p.fit_bag(&x, &y, 11).unwrap();
        assert_eq!(a, p.fit_bag(&x, &y, 11).unwrap());
        assert_ne!(a, p.fit_bag(&x, &y, 12).unwrap());
        assert_eq!((a.n_features(), a.dim()), (6, 4));
    }

    #[test]
    fn unseen_features_get_zero_embeddings() {
        let (x, y) = toy();
        // Features 6 and 7 occur in no row.
        let mut wide = CsrMatrix::new(8);
        for row in x.rows() {
            wide.push_row(row.indices, row.values);
        }
        let m = FastTextParams::default()
            .dim(3)
            .check()
            .unwrap()
            .fit_bag(&wide, &y, 1)
            .unwrap();
        assert_eq!(m.embedding(7), [0.0; 3]);
        assert_ne!(m.embedding(0), [0.0; 3]);
    }

    #[test]
    fn rejects_bad_params_and_data() {
        assert!(matches!(
            FastTextParams::default().dim(0).check(),
            Err(TrainError::InvalidEmbeddingDim(0))
        ));
        assert!(FastTextParams::default()
            .dim(MAX_FASTTEXT_DIM + 1)
            .check()
            .is_err());
        assert!(matches!(
            FastTextParams::default().epochs(0).check(),
            Err(TrainError::InvalidEpochs)
        ));
        assert!(matches!(
            FastTextParams::default().learning_rate(f64::NAN).check(),
            Err(TrainError::InvalidLearningRate(_))
        ));
        let p = FastTextParams::default().check().unwrap();
        let (x, y) = toy();
        assert!(matches!(
            p.fit(&x, &y[1..], 0),
            Err(TrainError::LengthMismatch { .. })
        ));
        assert!(matches!(
            p.fit(&x, &vec![false; y.len()], 0),
            Err(TrainError::SingleClass { .. })
        ));
        let e = FastTextParams::default()
            .learning_rate(1e38)
            .check()
            .unwrap()
            .fit(&x, &y, 0)
            .unwrap_err();
        assert!(matches!(e, TrainError::Diverged { .. }), "{e}");
        assert!(
            e.to_string().contains("learning rate") && !e.to_string().contains("--"),
            "{e}"
        );
    }

    #[test]
    fn autotraits() {
        fn has_autotraits<T: Send + Sync + Sized + Unpin + Clone>() {}
        has_autotraits::<FastTextParams>();
        has_autotraits::<FastTextValidParams>();
    }
}
