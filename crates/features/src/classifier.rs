//! Fitted classifiers as stored in a model file: what inference scores with.
//!
//! Most classifiers secdisc trains are linear in the TF-IDF features (logistic regression,
//! linear SVM, multinomial and complement naive Bayes); they differ in how the decision value
//! becomes a probability, which [`Calibration`] records. The fastText-style classifier is an
//! [`EmbeddingBagModel`]: its logit is a sum of per-feature terms too, but divided by a
//! per-row normaliser, so it is not linear in the TF-IDF values.

use serde::{Deserialize, Serialize};

use crate::embedding_bag::EmbeddingBagModel;
use crate::linear::{sigmoid, Contribution, LinearModel};
use crate::sparse::SparseRow;

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
    /// A fastText-style embedding bag with a sigmoid output (its logit is log-odds).
    EmbeddingBag {
        /// Embeddings, output layer and weighting.
        model: EmbeddingBagModel,
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
            ClassifierModel::EmbeddingBag { model } => model.n_features(),
        }
    }

    /// The raw decision value (larger means more likely security).
    #[inline]
    pub fn decision(&self, row: SparseRow<'_>) -> f64 {
        match self {
            ClassifierModel::Linear { model, .. } => model.decision(row),
            ClassifierModel::EmbeddingBag { model } => model.decision(row),
        }
    }

    /// Probability of security.
    #[inline]
    pub fn probability(&self, row: SparseRow<'_>) -> f64 {
        match self {
            ClassifierModel::Linear { model, calibration } => {
                calibration.probability(model.decision(row))
            }
            ClassifierModel::EmbeddingBag { model } => model.probability(row),
        }
    }

    /// The `k` features that pushed the decision towards security most, strongest first.
    pub fn top_contributions(&self, row: SparseRow<'_>, k: usize, out: &mut Vec<Contribution>) {
        match self {
            ClassifierModel::Linear { model, calibration } => {
                model.top_contributions(row, k, out);
                // A negative Platt slope would flip the meaning of "towards security".
                if let Calibration::Platt { a, .. } = calibration {
                    if *a < 0.0 {
                        out.clear();
                    }
                }
            }
            ClassifierModel::EmbeddingBag { model } => model.top_contributions(row, k, out),
        }
    }

    /// Per-feature weights when the classifier is linear (`None` for an embedding bag).
    pub fn linear(&self) -> Option<&LinearModel> {
        match self {
            ClassifierModel::Linear { model, .. } => Some(model),
            ClassifierModel::EmbeddingBag { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn embedding_bag_variant_scores_and_round_trips() {
        use crate::embedding_bag::BagWeighting;
        let bag =
            EmbeddingBagModel::new(2, 1, BagWeighting::Uniform, vec![2.0, -1.0], vec![1.5], 0.5)
                .unwrap();
        let c = ClassifierModel::EmbeddingBag { model: bag };
        let row = SparseRow {
            indices: &[0, 1],
            values: &[0.8, 0.6],
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
