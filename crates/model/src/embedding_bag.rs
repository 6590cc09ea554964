//! A fitted fastText-style classifier (Joulin et al. 2017, "Bag of Tricks for Efficient Text
//! Classification"): a bag of embeddings of the row's feature ids, combined with per-feature
//! weights, then a linear output layer with a sigmoid.
//!
//! For a row with nonzero features `i` and TF-IDF values `vᵢ`, the hidden vector is
//! `h = Σᵢ aᵢ Eᵢ` with weights `aᵢ` from [`BagWeighting`], and `P(security) = σ(w·h + b)`.
//! The ids are the vectorizer's feature indices: its vocabulary already holds word unigrams and
//! bigrams (and character n-grams when enabled), which play the part of fastText's word and
//! word-n-gram ids, so no hashing into buckets is needed.
//!
//! Because the output is one logit, the score is linear in the embeddings:
//! `w·h + b = Σᵢ aᵢ (Eᵢ·w) + b`. The per-feature score `sᵢ = Eᵢ·w` is computed once when the
//! model is built or loaded, so scoring a row costs one multiply-add per nonzero feature, and
//! [`EmbeddingBagModel::top_contributions`] reports the exact terms `aᵢ sᵢ` of the logit.
//!
//! Stored compactly and exactly: the `n_features × dim` embedding matrix and the output weights
//! are base64 strings of little-endian `f32` bytes (5.33 characters per value); the bias is
//! written as the `f64` equal to the `f32`, which reads back to the same `f32`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ModelError, Result};
use crate::linear::{sigmoid, Contribution};
use secdisc_features::SparseRow;

/// How the embeddings of a row's features are weighted into the hidden vector: `aᵢ` is
/// `weight(vᵢ) × row_scale(row)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BagWeighting {
    /// `aᵢ = 1 / nnz`: the mean of the embeddings of the row's distinct features, as
    /// fastText's mean of input vectors (which counts a repeated word once per occurrence;
    /// here sublinear TF-IDF does not enter).
    Uniform,
    /// `aᵢ = vᵢ`: weighted by the row's TF-IDF values, which are L2-normalised (`Σ vᵢ² = 1`),
    /// so `h` is the embedding bag of the TF-IDF vector itself rather than a mean. Renormalising
    /// the weights to sum to 1 (a mean) dilutes one strong term in a long text by the text's
    /// length; on the matomo issues it scored F1 0.38 and ROC AUC 0.936 at best (learning
    /// rates 0.005 to 0.25), against 0.41 to 0.43 and 0.94 for these weights. The default.
    Tfidf,
}

impl BagWeighting {
    /// Every weighting, in help order.
    pub const ALL: [BagWeighting; 2] = [BagWeighting::Uniform, BagWeighting::Tfidf];

    /// The short name users choose it by (`uniform`).
    pub fn name(self) -> &'static str {
        match self {
            BagWeighting::Uniform => "uniform",
            BagWeighting::Tfidf => "tfidf",
        }
    }

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            BagWeighting::Uniform => {
                "The mean of the row's feature embeddings (fastText's average)"
            }
            BagWeighting::Tfidf => {
                "The embeddings weighted by the row's (L2-normalised) TF-IDF values"
            }
        }
    }
}

impl BagWeighting {
    /// The weight of a feature with TF-IDF value `value` before [`BagWeighting::row_scale`].
    #[inline]
    pub fn weight(self, value: f32) -> f32 {
        match self {
            BagWeighting::Uniform => 1.0,
            BagWeighting::Tfidf => value,
        }
    }

    /// The factor every weight of `row` is multiplied by: `1 / nnz` for
    /// [`BagWeighting::Uniform`] (0 for an empty row), 1 for [`BagWeighting::Tfidf`].
    #[inline]
    pub fn row_scale(self, row: SparseRow<'_>) -> f32 {
        match self {
            BagWeighting::Uniform if row.nnz() > 0 => 1.0 / row.nnz() as f32,
            BagWeighting::Uniform => 0.0,
            BagWeighting::Tfidf => 1.0,
        }
    }
}

/// Embedding matrix, output layer and weighting of a fitted fastText-style classifier.
///
/// Build with [`EmbeddingBagModel::new`], which checks the shapes; deserialising runs the
/// same checks, so a damaged model file is an error, never a panic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawEmbeddingBag")]
pub struct EmbeddingBagModel {
    n_features: usize,
    dim: usize,
    weighting: BagWeighting,
    #[serde(with = "crate::base64::f32s")]
    embeddings: Vec<f32>,
    #[serde(with = "crate::base64::f32s")]
    output: Vec<f32>,
    #[serde(serialize_with = "f32_as_f64")]
    bias: f32,
    /// `Eᵢ·w` per feature, derived from the fields above.
    #[serde(skip)]
    scores: Vec<f64>,
}

fn f32_as_f64<S: Serializer>(v: &f32, s: S) -> std::result::Result<S::Ok, S::Error> {
    // Every f32 is an f64; its shortest f64 decimal parses back within an f64 ulp, which
    // rounds to the same f32 (f32 values are 2^29 f64 ulps apart).
    s.serialize_f64(f64::from(*v))
}

#[derive(Deserialize)]
struct RawEmbeddingBag {
    n_features: usize,
    dim: usize,
    weighting: BagWeighting,
    #[serde(deserialize_with = "crate::base64::f32s::deserialize")]
    embeddings: Vec<f32>,
    #[serde(deserialize_with = "crate::base64::f32s::deserialize")]
    output: Vec<f32>,
    #[serde(deserialize_with = "f64_as_f32")]
    bias: f32,
}

fn f64_as_f32<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<f32, D::Error> {
    Ok(f64::deserialize(d)? as f32)
}

impl TryFrom<RawEmbeddingBag> for EmbeddingBagModel {
    type Error = ModelError;

    fn try_from(raw: RawEmbeddingBag) -> Result<Self> {
        EmbeddingBagModel::new(
            raw.n_features,
            raw.dim,
            raw.weighting,
            raw.embeddings,
            raw.output,
            raw.bias,
        )
    }
}

impl EmbeddingBagModel {
    /// A model from its parts: `embeddings` is the `n_features × dim` matrix row by row (the
    /// embedding of feature `i` is `embeddings[i·dim..(i+1)·dim]`), `output` the `dim` output
    /// weights.
    ///
    /// Errors: [`ModelError::EmbeddingShape`] when `dim` is 0 or the lengths disagree with
    /// `n_features` and `dim`; [`ModelError::NonFiniteParameter`] for a NaN or infinity.
    pub fn new(
        n_features: usize,
        dim: usize,
        weighting: BagWeighting,
        embeddings: Vec<f32>,
        output: Vec<f32>,
        bias: f32,
    ) -> Result<EmbeddingBagModel> {
        let shape_ok =
            dim > 0 && n_features.checked_mul(dim) == Some(embeddings.len()) && output.len() == dim;
        if !shape_ok {
            return Err(ModelError::EmbeddingShape {
                n_features,
                dim,
                embeddings: embeddings.len(),
                output: output.len(),
            });
        }
        for (part, values) in [
            ("embeddings", &embeddings[..]),
            ("output", &output[..]),
            ("bias", &[bias][..]),
        ] {
            if let Some(index) = values.iter().position(|v| !v.is_finite()) {
                return Err(ModelError::NonFiniteParameter {
                    part,
                    index,
                    value: values[index],
                });
            }
        }
        let scores = embeddings
            .chunks_exact(dim)
            .map(|e| {
                e.iter()
                    .zip(&output)
                    .map(|(&a, &b)| f64::from(a) * f64::from(b))
                    .sum()
            })
            .collect();
        Ok(EmbeddingBagModel {
            n_features,
            dim,
            weighting,
            embeddings,
            output,
            bias,
            scores,
        })
    }

    /// Number of features (rows of the embedding matrix).
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Embedding dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// How embeddings are weighted.
    pub fn weighting(&self) -> BagWeighting {
        self.weighting
    }

    /// The embedding of feature `i`. Panics if `i >= n_features()`.
    pub fn embedding(&self, i: usize) -> &[f32] {
        &self.embeddings[i * self.dim..(i + 1) * self.dim]
    }

    /// The output weights `w` (length `dim`).
    pub fn output(&self) -> &[f32] {
        &self.output
    }

    /// The output bias `b`.
    pub fn bias(&self) -> f32 {
        self.bias
    }

    /// `Eᵢ·w`: feature `i`'s logit when it is the row's only feature. Panics if
    /// `i >= n_features()`.
    #[inline]
    pub fn feature_score(&self, i: usize) -> f64 {
        self.scores[i]
    }

    /// The logit `w·h + b = Σᵢ aᵢ (Eᵢ·w) + b`. Panics if an index is `>= n_features()`.
    #[inline]
    pub fn decision(&self, row: SparseRow<'_>) -> f64 {
        let scale = f64::from(self.weighting.row_scale(row));
        let sum: f64 = row
            .indices
            .iter()
            .zip(row.values)
            .map(|(&i, &v)| f64::from(self.weighting.weight(v)) * self.scores[i as usize])
            .sum();
        scale * sum + f64::from(self.bias)
    }

    /// Probability of security, `σ(w·h + b)`.
    #[inline]
    pub fn probability(&self, row: SparseRow<'_>) -> f64 {
        sigmoid(self.decision(row))
    }

    /// The `k` features with the largest positive term `aᵢ (Eᵢ·w)` of the logit, largest
    /// first; ties go to the lower feature index. The terms of all features plus the bias sum
    /// to [`EmbeddingBagModel::decision`], so this is exact, not an approximation.
    pub fn top_contributions(&self, row: SparseRow<'_>, k: usize, out: &mut Vec<Contribution>) {
        out.clear();
        let scale = f64::from(self.weighting.row_scale(row));
        out.extend(row.indices.iter().zip(row.values).filter_map(|(&i, &v)| {
            let value = scale * f64::from(self.weighting.weight(v)) * self.scores[i as usize];
            (value > 0.0).then_some(Contribution { feature: i, value })
        }));
        out.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.feature.cmp(&b.feature)));
        out.truncate(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(weighting: BagWeighting) -> EmbeddingBagModel {
        // Three features in 2-d; w = (1, -1), so feature scores are 0.5, -1.0, 0.1 + 1/3.
        EmbeddingBagModel::new(
            3,
            2,
            weighting,
            vec![1.0, 0.5, 0.0, 1.0, 0.1 + 1.0 / 3.0, 0.0],
            vec![1.0, -1.0],
            -0.25,
        )
        .unwrap()
    }

    #[test]
    fn decision_is_the_weighted_bag_through_the_output_layer() {
        let row = SparseRow {
            indices: &[0, 1, 2],
            values: &[0.6, 0.3, 0.1],
            sequence: &[],
        };
        for weighting in [BagWeighting::Uniform, BagWeighting::Tfidf] {
            let m = model(weighting);
            // Uniform: the plain mean; tfidf: the values themselves.
            let weights: Vec<f64> = match weighting {
                BagWeighting::Uniform => vec![1.0 / 3.0; 3],
                BagWeighting::Tfidf => vec![0.6, 0.3, 0.1],
            };
            let mut h = [0.0f64; 2];
            for (&i, a) in row.indices.iter().zip(&weights) {
                for (k, hk) in h.iter_mut().enumerate() {
                    *hk += a * f64::from(m.embedding(i as usize)[k]);
                }
            }
            let expected = h[0] - h[1] - 0.25;
            assert!((m.decision(row) - expected).abs() < 1e-6, "{weighting:?}");
            assert!((m.probability(row) - sigmoid(expected)).abs() < 1e-6);
            // Contributions are the exact terms of the logit.
            let mut out = Vec::new();
            m.top_contributions(row, 10, &mut out);
            assert_eq!(out.iter().map(|c| c.feature).collect::<Vec<_>>(), [0, 2]);
            let negative = f64::from(weighting.row_scale(row))
                * f64::from(weighting.weight(0.3))
                * m.feature_score(1);
            let sum: f64 = out.iter().map(|c| c.value).sum::<f64>() + negative - 0.25;
            assert!((sum - m.decision(row)).abs() < 1e-12);
            m.top_contributions(row, 1, &mut out);
            assert_eq!(out.len(), 1);
        }
        let empty = SparseRow {
            indices: &[],
            values: &[],
            sequence: &[],
        };
        assert_eq!(model(BagWeighting::Tfidf).decision(empty), -0.25);
        assert_eq!(model(BagWeighting::Uniform).decision(empty), -0.25);
    }

    #[test]
    fn serde_round_trip_is_exact_and_compact() {
        // Awkward values: thirds, subnormals, extremes.
        let odd = [
            1.0f32 / 3.0,
            -2.0 / 7.0,
            1e-40,
            f32::MAX,
            -f32::MIN_POSITIVE,
            0.1,
        ];
        let m = EmbeddingBagModel::new(
            3,
            2,
            BagWeighting::Uniform,
            odd.to_vec(),
            vec![0.1, -1.0 / 3.0],
            0.7 / 3.0,
        )
        .unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains("\"weighting\":\"uniform\""), "{json}");
        assert!(!json.contains("scores"), "{json}");
        let back: EmbeddingBagModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.bias().to_bits(), m.bias().to_bits());
        for i in 0..3 {
            assert_eq!(back.embedding(i), m.embedding(i));
        }
        // A 1000 × 50 matrix takes about 4 × 4/3 bytes per value.
        let big = EmbeddingBagModel::new(
            1000,
            50,
            BagWeighting::Tfidf,
            (0..50_000).map(|i| (i as f32).sin()).collect(),
            vec![0.5; 50],
            0.0,
        )
        .unwrap();
        let json = serde_json::to_string(&big).unwrap();
        assert!(json.len() < 50_000 * 6, "{}", json.len());
        assert_eq!(
            serde_json::from_str::<EmbeddingBagModel>(&json).unwrap(),
            big
        );
    }

    #[test]
    fn rejects_bad_shapes_and_values_when_built_or_loaded() {
        let e =
            EmbeddingBagModel::new(2, 2, BagWeighting::Uniform, vec![0.0; 3], vec![0.0; 2], 0.0)
                .unwrap_err();
        assert!(matches!(
            e,
            ModelError::EmbeddingShape {
                n_features: 2,
                dim: 2,
                embeddings: 3,
                output: 2
            }
        ));
        assert!(EmbeddingBagModel::new(0, 0, BagWeighting::Uniform, vec![], vec![], 0.0).is_err());
        let e = EmbeddingBagModel::new(
            1,
            2,
            BagWeighting::Uniform,
            vec![0.0, f32::NAN],
            vec![0.0; 2],
            0.0,
        )
        .unwrap_err();
        assert!(e.to_string().contains("embeddings"), "{e}");
        let json = serde_json::to_string(&model(BagWeighting::Tfidf)).unwrap();
        let damaged = json.replace("\"n_features\":3", "\"n_features\":4");
        let err = serde_json::from_str::<EmbeddingBagModel>(&damaged).unwrap_err();
        assert!(err.to_string().contains("4 features"), "{err}");
        let damaged = json.replace("\"output\":\"", "\"output\":\"!");
        assert!(serde_json::from_str::<EmbeddingBagModel>(&damaged).is_err());
    }

    #[test]
    fn autotraits() {
        fn has_autotraits<T: Send + Sync + Sized + Unpin + Clone>() {}
        has_autotraits::<EmbeddingBagModel>();
        has_autotraits::<BagWeighting>();
    }
}
