//! What cross-validation reports: per fold, per classifier, and for one classifier.

use secdisc_model::MetricSet;
use serde::Serialize;

use crate::metrics::Confusion;

/// Results of one fold for one classifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldResult {
    /// Name of the fold under a predefined split (for example the held-out source).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 1-based repetition.
    pub repeat: usize,
    /// 1-based fold number.
    pub fold: usize,
    /// Training records.
    pub train: usize,
    /// Test records.
    pub test: usize,
    /// Security records in the test part.
    pub test_positives: usize,
    /// Vocabulary size fitted on the training part.
    pub features: usize,
    /// Threshold used on this fold.
    pub threshold: f64,
    /// Candidate chosen by nested tuning on this fold's training part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen: Option<String>,
    /// Metrics on the test part.
    #[serde(flatten)]
    pub metrics: MetricSet,
    /// Confusion matrix on the test part.
    pub confusion: Confusion,
}

/// Cross-validation results of one classifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassifierCv {
    /// Classifier name.
    pub name: String,
    /// Mean over all folds of all repetitions.
    pub mean: MetricSet,
    /// Population standard deviation over the same.
    pub std: MetricSet,
    /// One entry per fold, repetition by repetition.
    pub per_fold: Vec<FoldResult>,
    /// Out-of-fold probability of security per record, first repetition.
    #[serde(skip)]
    pub oof_scores: Vec<f64>,
    /// Seconds spent fitting (threshold search included), summed over folds.
    #[serde(skip)]
    pub fit_seconds: f64,
    /// Seconds spent scoring test parts, summed over folds.
    #[serde(skip)]
    pub predict_seconds: f64,
}

/// Cross-validation results. Serialises as
/// `{"folds","repeats","seed","n","positives","threshold","mean","std","per_fold"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvReport {
    /// Number of folds.
    pub folds: usize,
    /// Repetitions.
    pub repeats: usize,
    /// Shuffling seed of the first repetition.
    pub seed: u64,
    /// Records.
    pub n: usize,
    /// Security records.
    pub positives: usize,
    /// Threshold rule.
    pub threshold: String,
    /// Mean of each metric over folds.
    pub mean: MetricSet,
    /// Population standard deviation over folds.
    pub std: MetricSet,
    /// One entry per fold, in order.
    pub per_fold: Vec<FoldResult>,
    /// Out-of-fold probability of security for each record (first repetition).
    #[serde(skip)]
    pub oof_scores: Vec<f64>,
    /// Test fold (0-based) of each record (first repetition).
    #[serde(skip)]
    pub fold_of: Vec<usize>,
}

impl CvReport {
    /// Confusion matrix summed over folds.
    pub fn pooled_confusion(&self) -> Confusion {
        self.per_fold
            .iter()
            .fold(Confusion::default(), |acc, f| acc + f.confusion)
    }
}
