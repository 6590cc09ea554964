//! Fitted classifiers as stored in a model file: what inference scores with.
//!
//! Most classifiers secdisc trains are linear in the TF-IDF features (logistic regression,
//! linfa's logistic regression on chi²-selected features, linear SVM, multinomial and complement
//! naive Bayes); they differ in how the decision value becomes a probability, which
//! [`Calibration`] records. Decision trees and random forests are a [`DecisionForest`].

use serde::{Deserialize, Serialize};

use crate::linear::{sigmoid, Contribution, LinearModel};
use crate::sparse::SparseRow;
use crate::tree::DecisionForest;

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
    /// Decision trees whose leaf probabilities are averaged (a decision tree is a forest of
    /// one); the decision value is the log-odds of that probability.
    Forest(DecisionForest),
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
            ClassifierModel::Forest(forest) => forest.n_features(),
        }
    }

    /// The raw decision value (larger means more likely security).
    #[inline]
    pub fn decision(&self, row: SparseRow<'_>) -> f64 {
        match self {
            ClassifierModel::Linear { model, .. } => model.decision(row),
            ClassifierModel::Forest(forest) => forest.decision(row),
        }
    }

    /// Probability of security.
    #[inline]
    pub fn probability(&self, row: SparseRow<'_>) -> f64 {
        match self {
            ClassifierModel::Linear { model, calibration } => {
                calibration.probability(model.decision(row))
            }
            ClassifierModel::Forest(forest) => forest.probability(row),
        }
    }

    /// The `k` features that pushed the decision towards security most, strongest first
    /// (for a forest: the features whose splits on the row's paths raised the probability
    /// most, see [`DecisionForest::top_contributions`]).
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
            ClassifierModel::Forest(forest) => forest.top_contributions(row, k, out),
        }
    }

    /// Per-feature weights when the classifier is linear.
    pub fn linear(&self) -> Option<&LinearModel> {
        match self {
            ClassifierModel::Linear { model, .. } => Some(model),
            ClassifierModel::Forest(_) => None,
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
}
