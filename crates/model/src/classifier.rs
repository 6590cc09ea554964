//! Fitted classifiers as stored in a model file: what inference scores with.
//!
//! Most classifiers secdisc trains are linear in the TF-IDF features (logistic regression,
//! linfa's logistic regression on chi²-selected features, linear SVM, multinomial and complement
//! naive Bayes); they differ in how the decision value becomes a probability, which
//! [`Calibration`] records. [`KnnModel`] (cosine k-nearest neighbours) stores its training
//! rows instead; decision trees and random forests are a [`DecisionForest`];
//! [`ClassifierModel::Ensemble`] averages its members' probabilities (soft voting). The
//! fastText-style classifier is an [`EmbeddingBagModel`]: its logit is a sum of per-feature
//! terms too, but divided by a per-row normaliser, so it is not linear in the TF-IDF values.
//! The sequence classifiers, a [`TextCnnModel`] and a [`BiLstmModel`], read the row's word
//! sequence ([`SparseRow::sequence`]) instead of its TF-IDF values; [`ClassifierModel::sequence_len`]
//! tells the featurizer to record it.

use serde::{Deserialize, Serialize};

use crate::bilstm::BiLstmModel;
use crate::embedding_bag::EmbeddingBagModel;
use crate::knn::KnnModel;
use crate::linear::{sigmoid, Contribution, LinearModel};
use crate::text_cnn::TextCnnModel;
use crate::tree::DecisionForest;
use secdisc_features::SparseRow;

/// How a decision value `f = w·x + b` becomes the probability of security.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Calibration {
    /// `σ(f)`: the decision value is already log-odds (logistic regression, naive Bayes).
    Logistic,
    /// Platt scaling, `σ(a·f + b)`, fitted on out-of-fold decision values (linear SVM).
    Platt {
        /// Slope.
        a: f64,
        /// Offset.
        b: f64,
    },
}

impl Calibration {
    /// The probability for decision value `f`.
    #[inline]
    pub fn probability(self, f: f64) -> f64 {
        match self {
            Calibration::Logistic => sigmoid(f),
            Calibration::Platt { a, b } => sigmoid(a * f + b),
        }
    }
}

/// A fitted classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ClassifierModel {
    /// A linear decision function with a calibration.
    Linear {
        /// Weights and intercept.
        model: LinearModel,
        /// Decision value to probability.
        calibration: Calibration,
    },
    /// Soft voting: the weighted mean of the members' probabilities.
    Ensemble {
        /// The members, all over the same features.
        members: Vec<ClassifierModel>,
        /// One positive weight per member.
        weights: Vec<f64>,
    },
    /// Cosine k-nearest neighbours over the stored training rows.
    Knn(KnnModel),
    /// Decision trees whose leaf probabilities are averaged (a decision tree is a forest of
    /// one); the decision value is the log-odds of that probability.
    Forest(DecisionForest),
    /// A fastText-style embedding bag with a sigmoid output (its logit is log-odds).
    EmbeddingBag {
        /// Embeddings, output layer and weighting.
        model: EmbeddingBagModel,
    },
    /// A convolutional network over the word sequence (its logit is log-odds).
    Cnn {
        /// Word embeddings, filters and output layer.
        model: TextCnnModel,
    },
    /// A bidirectional LSTM over the word sequence (its logit is log-odds).
    #[serde(rename = "bilstm")]
    BiLstm {
        /// Word embeddings, both LSTM directions and output layer.
        model: BiLstmModel,
    },
}

impl ClassifierModel {
    /// A linear classifier whose decision value is log-odds.
    pub fn logistic(model: LinearModel) -> ClassifierModel {
        ClassifierModel::Linear {
            model,
            calibration: Calibration::Logistic,
        }
    }

    /// Number of features the classifier expects.
    pub fn n_features(&self) -> usize {
        match self {
            ClassifierModel::Linear { model, .. } => model.n_features(),
            ClassifierModel::Ensemble { members, .. } => {
                members.first().map_or(0, ClassifierModel::n_features)
            }
            ClassifierModel::Knn(knn) => knn.n_features(),
            ClassifierModel::Forest(forest) => forest.n_features(),
            ClassifierModel::EmbeddingBag { model } => model.n_features(),
            ClassifierModel::Cnn { model } => model.n_features(),
            ClassifierModel::BiLstm { model } => model.n_features(),
        }
    }

    /// The word-sequence length the classifier reads from [`SparseRow::sequence`], or `None`
    /// when it reads only the TF-IDF values (for an ensemble, the longest of its members).
    /// Pass it to [`secdisc_features::Featurizer::with_sequences`] so rows carry their sequence.
    pub fn sequence_len(&self) -> Option<usize> {
        match self {
            ClassifierModel::Cnn { model } => Some(model.max_len()),
            ClassifierModel::BiLstm { model } => Some(model.max_len()),
            ClassifierModel::Ensemble { members, .. } => members
                .iter()
                .filter_map(ClassifierModel::sequence_len)
                .max(),
            ClassifierModel::Linear { .. }
            | ClassifierModel::Knn(_)
            | ClassifierModel::Forest(_)
            | ClassifierModel::EmbeddingBag { .. } => None,
        }
    }

    /// Check internal consistency after loading: ensemble members agree on the number of
    /// features and weights are positive, one per member. Returns what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            // kNN models, forests and embedding bags check themselves when deserialised.
            ClassifierModel::Linear { .. }
            | ClassifierModel::Knn(_)
            | ClassifierModel::Forest(_)
            | ClassifierModel::EmbeddingBag { .. }
            | ClassifierModel::Cnn { .. }
            | ClassifierModel::BiLstm { .. } => Ok(()),
            ClassifierModel::Ensemble { members, weights } => {
                if members.is_empty() || members.len() != weights.len() {
                    return Err(format!(
                        "ensemble has {} members and {} weights",
                        members.len(),
                        weights.len()
                    ));
                }
                if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w > 0.0)) {
                    return Err(format!("ensemble weight {w} is not a positive number"));
                }
                let n = self.n_features();
                for m in members {
                    m.validate()?;
                    if m.n_features() != n {
                        return Err(format!(
                            "ensemble members expect {} and {} features",
                            n,
                            m.n_features()
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    /// The raw decision value (larger means more likely security); for an ensemble and kNN,
    /// the log-odds of the probability.
    #[inline]
    pub fn decision(&self, row: SparseRow<'_>) -> f64 {
        match self {
            ClassifierModel::Linear { model, .. } => model.decision(row),
            ClassifierModel::Ensemble { .. } => {
                let p = self.probability(row).clamp(1e-15, 1.0 - 1e-15);
                (p / (1.0 - p)).ln()
            }
            ClassifierModel::Knn(knn) => knn.decision(row),
            ClassifierModel::Forest(forest) => forest.decision(row),
            ClassifierModel::EmbeddingBag { model } => model.decision(row),
            ClassifierModel::Cnn { model } => model.decision(row),
            ClassifierModel::BiLstm { model } => model.decision(row),
        }
    }

    /// Probability of security.
    #[inline]
    pub fn probability(&self, row: SparseRow<'_>) -> f64 {
        match self {
            ClassifierModel::Linear { model, calibration } => {
                calibration.probability(model.decision(row))
            }
            ClassifierModel::Ensemble { members, weights } => {
                let total: f64 = weights.iter().sum();
                members
                    .iter()
                    .zip(weights)
                    .map(|(m, w)| w * m.probability(row))
                    .sum::<f64>()
                    / total
            }
            ClassifierModel::Knn(knn) => knn.probability(row),
            ClassifierModel::Forest(forest) => forest.probability(row),
            ClassifierModel::EmbeddingBag { model } => model.probability(row),
            ClassifierModel::Cnn { model } => model.probability(row),
            ClassifierModel::BiLstm { model } => model.probability(row),
        }
    }

    /// The `k` features that pushed the decision towards security most, strongest first.
    /// For an ensemble, the members' contributions (in their decision units) averaged with the
    /// voting weights; for kNN, the query's features that carried the security neighbours'
    /// votes (see [`KnnModel::top_contributions`]); for a forest, the features whose splits on
    /// the row's paths raised the probability most (see [`DecisionForest::top_contributions`]);
    /// for the sequence classifiers, the words (unigram features) credited with the largest
    /// shares of the logit by max-pooling (see [`TextCnnModel::top_contributions`] and
    /// [`BiLstmModel::top_contributions`]).
    pub fn top_contributions(&self, row: SparseRow<'_>, k: usize, out: &mut Vec<Contribution>) {
        match self {
            ClassifierModel::Knn(knn) => knn.top_contributions(row, k, out),
            ClassifierModel::Forest(forest) => forest.top_contributions(row, k, out),
            ClassifierModel::EmbeddingBag { model } => model.top_contributions(row, k, out),
            ClassifierModel::Cnn { model } => model.top_contributions(row, k, out),
            ClassifierModel::BiLstm { model } => model.top_contributions(row, k, out),
            ClassifierModel::Ensemble { members, weights } => {
                let total: f64 = weights.iter().sum();
                let mut sums: Vec<(u32, f64)> = Vec::new();
                let mut part = Vec::new();
                for (m, w) in members.iter().zip(weights) {
                    m.top_contributions(row, row.nnz(), &mut part);
                    for c in &part {
                        match sums.iter_mut().find(|(f, _)| *f == c.feature) {
                            Some(entry) => entry.1 += w * c.value / total,
                            None => sums.push((c.feature, w * c.value / total)),
                        }
                    }
                }
                out.clear();
                out.extend(
                    sums.into_iter()
                        .map(|(feature, value)| Contribution { feature, value }),
                );
                out.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.feature.cmp(&b.feature)));
                out.truncate(k);
            }
            ClassifierModel::Linear { model, calibration } => {
                model.top_contributions(row, k, out);
                // A negative Platt slope would flip the meaning of "towards security".
                if let Calibration::Platt { a, .. } = calibration {
                    if *a < 0.0 {
                        out.clear();
                    }
                }
            }
        }
    }

    /// [`ClassifierModel::probability`] and [`ClassifierModel::top_contributions`] together,
    /// sharing work where the classifier allows it (kNN searches its neighbours once), with the
    /// contributions limited to the columns below `term_columns`: the words, when a dense block
    /// of sentence vectors follows them (its columns are no terms). A linear model ranks only
    /// those columns (a column's contribution is its own); the others rank the whole row and
    /// drop the dense block's columns from their top `k`.
    pub fn probability_and_contributions(
        &self,
        row: SparseRow<'_>,
        term_columns: usize,
        k: usize,
        out: &mut Vec<Contribution>,
    ) -> f64 {
        let words = row
            .indices
            .partition_point(|&i| (i as usize) < term_columns);
        let others = row.indices.len() - words;
        let probability = match self {
            ClassifierModel::Linear { .. } if others > 0 => {
                let word_columns = SparseRow {
                    indices: &row.indices[..words],
                    values: &row.values[..words],
                    sequence: row.sequence,
                };
                self.top_contributions(word_columns, k, out);
                return self.probability(row);
            }
            ClassifierModel::Knn(knn) => knn.probability_and_contributions(row, k + others, out),
            _ => {
                self.top_contributions(row, k + others, out);
                self.probability(row)
            }
        };
        if others > 0 {
            out.retain(|c| (c.feature as usize) < term_columns);
        }
        out.truncate(k);
        probability
    }

    /// Per-feature weights when the classifier is linear.
    pub fn linear(&self) -> Option<&LinearModel> {
        match self {
            ClassifierModel::Linear { model, .. } => Some(model),
            ClassifierModel::Ensemble { .. }
            | ClassifierModel::Knn(_)
            | ClassifierModel::Forest(_)
            | ClassifierModel::EmbeddingBag { .. }
            | ClassifierModel::Cnn { .. }
            | ClassifierModel::BiLstm { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contributions_never_name_a_column_at_or_past_term_columns() {
        // Columns 0..3 are words, 3..5 a dense block with the largest weights.
        let linear = ClassifierModel::logistic(LinearModel {
            weights: vec![1.0, 0.5, -1.0, 9.0, 8.0],
            intercept: 0.0,
        });
        let forest_like = ClassifierModel::Ensemble {
            members: vec![linear.clone(), linear.clone()],
            weights: vec![1.0, 1.0],
        };
        let (indices, values) = ([0u32, 1, 2, 3, 4], [1.0f32, 1.0, 1.0, 1.0, 1.0]);
        let row = SparseRow {
            indices: &indices,
            values: &values,
            sequence: &[],
        };
        for model in [&linear, &forest_like] {
            let mut out = Vec::new();
            let p = model.probability_and_contributions(row, 3, 2, &mut out);
            assert_eq!(p, model.probability(row));
            let features: Vec<u32> = out.iter().map(|c| c.feature).collect();
            assert_eq!(features, [0, 1]);
            // Without a dense block, the whole row ranks.
            model.probability_and_contributions(row, 5, 2, &mut out);
            assert_eq!(out.iter().map(|c| c.feature).collect::<Vec<_>>(), [3, 4]);
        }
    }

    #[test]
    fn platt_scaling_maps_decisions() {
        let c = ClassifierModel::Linear {
            model: LinearModel {
                weights: vec![2.0],
                intercept: 0.0,
            },
            calibration: Calibration::Platt { a: 0.5, b: -1.0 },
        };
        let row = SparseRow {
            indices: &[0],
            values: &[1.0],
            sequence: &[],
        };
        assert_eq!(c.decision(row), 2.0);
        assert!((c.probability(row) - sigmoid(0.0)).abs() < 1e-15);
        let json = serde_json::to_string(&c).unwrap();
        assert!(
            json.contains("\"kind\":\"linear\"") && json.contains("\"kind\":\"platt\""),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<ClassifierModel>(&json).unwrap(), c);
    }

    #[test]
    fn ensemble_averages_probabilities_and_contributions() {
        let member = |w: f64| {
            ClassifierModel::logistic(LinearModel {
                weights: vec![w, 0.0],
                intercept: 0.0,
            })
        };
        let e = ClassifierModel::Ensemble {
            members: vec![member(2.0), member(-2.0)],
            weights: vec![3.0, 1.0],
        };
        let row = SparseRow {
            indices: &[0],
            values: &[1.0],
            sequence: &[],
        };
        let want = (3.0 * sigmoid(2.0) + sigmoid(-2.0)) / 4.0;
        assert!((e.probability(row) - want).abs() < 1e-15);
        assert!(e.validate().is_ok());
        let mut out = Vec::new();
        e.top_contributions(row, 5, &mut out);
        assert_eq!(out.len(), 1);
        assert!((out[0].value - 3.0 * 2.0 / 4.0).abs() < 1e-12);
        let bad = ClassifierModel::Ensemble {
            members: vec![member(1.0)],
            weights: vec![0.0],
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn knn_is_tagged_and_round_trips_through_the_enum() {
        use crate::knn::{KnnVoting, KnnWeighting};
        use secdisc_features::CsrMatrix;
        let mut x = CsrMatrix::new(2);
        x.push_row(&[0], &[1.0]);
        x.push_row(&[1], &[1.0]);
        let voting = KnnVoting {
            k: 1,
            weighting: KnnWeighting::Similarity,
            security_weight: 1.0,
            non_security_weight: 1.0,
            smoothing: 1.0,
        };
        let c = ClassifierModel::Knn(KnnModel::new(x, vec![true, false], voting).unwrap());
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.starts_with("{\"kind\":\"knn\""), "{json}");
        let back: ClassifierModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        let row = SparseRow {
            indices: &[0],
            values: &[1.0],
            sequence: &[],
        };
        // (1 + 0.5·1) / (1 + 1).
        assert_eq!(back.probability(row), 0.75);
        assert!((back.decision(row) - 3.0f64.ln()).abs() < 1e-12);
        assert_eq!((back.n_features(), back.linear()), (2, None));
        let mut out = Vec::new();
        back.top_contributions(row, 3, &mut out);
        assert_eq!(out.iter().map(|c| c.feature).collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn forests_round_trip_with_their_own_kind() {
        use crate::tree::{DecisionTree, TreeNode};
        let tree = DecisionTree::new(vec![
            TreeNode::Split {
                feature: 1,
                threshold: 0.5,
                left: 1,
                right: 2,
                probability: 0.4,
            },
            TreeNode::Leaf { probability: 0.1 },
            TreeNode::Leaf { probability: 0.75 },
        ]);
        let c = ClassifierModel::Forest(DecisionForest::new(2, vec![tree]).unwrap());
        let row = SparseRow {
            indices: &[1],
            values: &[0.7],
            sequence: &[],
        };
        assert_eq!(c.n_features(), 2);
        assert_eq!(c.probability(row), 0.75);
        assert!((sigmoid(c.decision(row)) - 0.75).abs() < 1e-12);
        assert!(c.linear().is_none());
        let mut out = Vec::new();
        c.top_contributions(row, 3, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].feature, 1);
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.starts_with("{\"kind\":\"forest\""), "{json}");
        assert_eq!(serde_json::from_str::<ClassifierModel>(&json).unwrap(), c);
    }

    #[test]
    fn embedding_bag_variant_scores_and_round_trips() {
        use crate::embedding_bag::BagWeighting;
        let bag =
            EmbeddingBagModel::new(2, 1, BagWeighting::Uniform, vec![2.0, -1.0], vec![1.5], 0.5)
                .unwrap();
        let c = ClassifierModel::EmbeddingBag { model: bag };
        let row = SparseRow {
            indices: &[0, 1],
            values: &[0.8, 0.6],
            sequence: &[],
        };
        // h = (2 - 1) / 2 = 0.5; logit = 1.5 × 0.5 + 0.5.
        assert_eq!(c.n_features(), 2);
        assert_eq!(c.decision(row), 1.25);
        assert_eq!(c.probability(row), sigmoid(1.25));
        assert!(c.linear().is_none());
        let mut out = Vec::new();
        c.top_contributions(row, 5, &mut out);
        assert_eq!(
            out,
            [Contribution {
                feature: 0,
                value: 1.5
            }]
        );
        let json = serde_json::to_string(&c).unwrap();
        assert!(
            json.starts_with("{\"kind\":\"embedding-bag\",\"model\":{"),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<ClassifierModel>(&json).unwrap(), c);
    }
}
