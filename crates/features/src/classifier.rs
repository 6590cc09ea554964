//! Fitted classifiers as stored in a model file: what inference scores with.
//!
//! Every classifier secdisc trains today is linear in the TF-IDF features (logistic
//! regression, linear SVM, multinomial and complement naive Bayes); they differ in how the
//! decision value becomes a probability, which [`Calibration`] records.

use serde::{Deserialize, Serialize};

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
        }
    }

    /// The raw decision value (larger means more likely security).
    #[inline]
    pub fn decision(&self, row: SparseRow<'_>) -> f64 {
        match self {
            ClassifierModel::Linear { model, .. } => model.decision(row),
        }
    }

    /// Probability of security.
    #[inline]
    pub fn probability(&self, row: SparseRow<'_>) -> f64 {
        match self {
            ClassifierModel::Linear { model, calibration } => {
                calibration.probability(model.decision(row))
            }
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
        }
    }

    /// Per-feature weights when the classifier is linear.
    pub fn linear(&self) -> Option<&LinearModel> {
        match self {
            ClassifierModel::Linear { model, .. } => Some(model),
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
}
