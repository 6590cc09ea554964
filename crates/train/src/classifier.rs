//! The classifiers secdisc can train, selectable by name.

use std::str::FromStr;

use linfa::ParamGuard;
use secdisc_features::{ClassifierModel, CsrMatrix};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::fasttext::FastTextParams;
use crate::logistic::LogisticRegressionParams;
use crate::naive_bayes::NaiveBayesParams;
use crate::svm::SvmParams;

/// Names accepted by [`ClassifierKind::from_str`].
pub const CLASSIFIER_NAMES: &[&str] = &["lr", "svm", "nb", "fasttext"];

/// A classifier by name, without parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClassifierKind {
    /// Sparse L2 logistic regression.
    Lr,
    /// Linear SVM with Platt scaling.
    Svm,
    /// Naive Bayes (complement by default).
    Nb,
    /// fastText-style embedding bag trained by SGD.
    #[serde(rename = "fasttext")]
    FastText,
}

impl FromStr for ClassifierKind {
    type Err = TrainError;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "lr" => Ok(ClassifierKind::Lr),
            "svm" => Ok(ClassifierKind::Svm),
            "nb" => Ok(ClassifierKind::Nb),
            "fasttext" => Ok(ClassifierKind::FastText),
            other => Err(TrainError::UnknownClassifier(other.to_string())),
        }
    }
}

impl ClassifierKind {
    /// The short name.
    pub fn name(self) -> &'static str {
        match self {
            ClassifierKind::Lr => "lr",
            ClassifierKind::Svm => "svm",
            ClassifierKind::Nb => "nb",
            ClassifierKind::FastText => "fasttext",
        }
    }
}

/// A classifier with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "name", content = "params")]
pub enum ClassifierParams {
    /// Logistic regression.
    Lr(LogisticRegressionParams),
    /// Linear SVM.
    Svm(SvmParams),
    /// Naive Bayes.
    Nb(NaiveBayesParams),
    /// fastText-style embedding bag.
    #[serde(rename = "fasttext")]
    FastText(FastTextParams),
}

impl ClassifierParams {
    /// The short name (`lr`, `svm`, `nb`, `fasttext`).
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// The kind.
    pub fn kind(&self) -> ClassifierKind {
        match self {
            ClassifierParams::Lr(_) => ClassifierKind::Lr,
            ClassifierParams::Svm(_) => ClassifierKind::Svm,
            ClassifierParams::Nb(_) => ClassifierKind::Nb,
            ClassifierParams::FastText(_) => ClassifierKind::FastText,
        }
    }

    /// Check the parameters without fitting.
    pub fn check(&self) -> Result<()> {
        match self {
            ClassifierParams::Lr(p) => p.check_ref().map(|_| ()),
            ClassifierParams::Svm(p) => p.clone().check().map(|_| ()),
            ClassifierParams::Nb(p) => p.clone().check().map(|_| ()),
            ClassifierParams::FastText(p) => p.clone().check().map(|_| ()),
        }
    }

    /// Fit on rows of `x` with labels `y`; `seed` drives any randomness (SVM coordinate order
    /// and calibration folds; fastText initial embeddings and row order).
    pub fn fit(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<ClassifierModel> {
        match self {
            ClassifierParams::Lr(p) => p.check_ref()?.fit(x, y),
            ClassifierParams::Svm(p) => p.clone().check()?.fit(x, y, seed),
            ClassifierParams::Nb(p) => p.clone().check()?.fit(x, y),
            ClassifierParams::FastText(p) => p.clone().check()?.fit(x, y, seed),
        }
    }
}
