//! The classifiers secdisc can train, selectable by name.

use std::str::FromStr;

use linfa::ParamGuard;
use secdisc_features::{ClassifierModel, CsrMatrix};
use serde::{Deserialize, Serialize};

use crate::deep::{BiLstmParams, CnnParams};
use crate::error::{Result, TrainError};
use crate::fasttext::FastTextParams;
use crate::forest::{DecisionTreeParams, RandomForestParams};
use crate::knn::KnnParams;
use crate::linfa_lr::LinfaLogisticParams;
use crate::logistic::LogisticRegressionParams;
use crate::naive_bayes::NaiveBayesParams;
use crate::svm::SvmParams;

/// Names accepted by [`ClassifierKind::from_str`].
pub const CLASSIFIER_NAMES: &[&str] = &[
    "lr", "svm", "nb", "knn", "linfa-lr", "dt", "rf", "fasttext", "cnn", "bilstm", "ensemble",
];

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
    /// Cosine k-nearest neighbours.
    Knn,
    /// Soft voting over other classifiers.
    Ensemble,
    /// linfa-logistic on chi²-selected dense features.
    LinfaLr,
    /// A linfa-trees decision tree on chi²-selected dense features.
    Dt,
    /// A random forest of linfa-trees decision trees on chi²-selected dense features.
    Rf,
    /// fastText-style embedding bag trained by SGD.
    #[serde(rename = "fasttext")]
    FastText,
    /// Convolutional network over the word sequence (training needs the `deep` feature).
    Cnn,
    /// Bidirectional LSTM over the word sequence (training needs the `deep` feature).
    #[serde(rename = "bilstm")]
    BiLstm,
}

impl FromStr for ClassifierKind {
    type Err = TrainError;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "lr" => Ok(ClassifierKind::Lr),
            "svm" => Ok(ClassifierKind::Svm),
            "nb" => Ok(ClassifierKind::Nb),
            "knn" => Ok(ClassifierKind::Knn),
            "ensemble" => Ok(ClassifierKind::Ensemble),
            "linfa-lr" => Ok(ClassifierKind::LinfaLr),
            "dt" => Ok(ClassifierKind::Dt),
            "rf" => Ok(ClassifierKind::Rf),
            "fasttext" => Ok(ClassifierKind::FastText),
            "cnn" => Ok(ClassifierKind::Cnn),
            "bilstm" => Ok(ClassifierKind::BiLstm),
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
            ClassifierKind::Knn => "knn",
            ClassifierKind::Ensemble => "ensemble",
            ClassifierKind::LinfaLr => "linfa-lr",
            ClassifierKind::Dt => "dt",
            ClassifierKind::Rf => "rf",
            ClassifierKind::FastText => "fasttext",
            ClassifierKind::Cnn => "cnn",
            ClassifierKind::BiLstm => "bilstm",
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
    /// Cosine k-nearest neighbours.
    Knn(KnnParams),
    /// Soft voting over member classifiers with equal weights.
    Ensemble(Vec<ClassifierParams>),
    /// linfa-logistic on chi²-selected features.
    LinfaLr(LinfaLogisticParams),
    /// Decision tree.
    Dt(DecisionTreeParams),
    /// Random forest.
    Rf(RandomForestParams),
    /// fastText-style embedding bag.
    #[serde(rename = "fasttext")]
    FastText(FastTextParams),
    /// Text CNN over the word sequence.
    Cnn(CnnParams),
    /// BiLSTM over the word sequence.
    #[serde(rename = "bilstm")]
    BiLstm(BiLstmParams),
}

impl ClassifierParams {
    /// The short name (`lr`, `svm`, `nb`, `linfa-lr`, `dt`, `rf`).
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// The kind.
    pub fn kind(&self) -> ClassifierKind {
        match self {
            ClassifierParams::Lr(_) => ClassifierKind::Lr,
            ClassifierParams::Svm(_) => ClassifierKind::Svm,
            ClassifierParams::Nb(_) => ClassifierKind::Nb,
            ClassifierParams::Knn(_) => ClassifierKind::Knn,
            ClassifierParams::Ensemble(_) => ClassifierKind::Ensemble,
            ClassifierParams::LinfaLr(_) => ClassifierKind::LinfaLr,
            ClassifierParams::Dt(_) => ClassifierKind::Dt,
            ClassifierParams::Rf(_) => ClassifierKind::Rf,
            ClassifierParams::FastText(_) => ClassifierKind::FastText,
            ClassifierParams::Cnn(_) => ClassifierKind::Cnn,
            ClassifierParams::BiLstm(_) => ClassifierKind::BiLstm,
        }
    }

    /// The word-sequence length the classifier reads, or `None` when it reads only TF-IDF
    /// values (for an ensemble, the longest of its members'). Pass it to
    /// [`secdisc_features::TfidfVectorizer::transform_with`] so that the rows given to
    /// [`ClassifierParams::fit`] carry their word sequences; the other classifiers ignore them.
    pub fn sequence_len(&self) -> Option<usize> {
        match self {
            ClassifierParams::Cnn(p) => Some(p.max_len_value()),
            ClassifierParams::BiLstm(p) => Some(p.max_len_value()),
            ClassifierParams::Ensemble(members) => members
                .iter()
                .filter_map(ClassifierParams::sequence_len)
                .max(),
            _ => None,
        }
    }

    /// Check the parameters without fitting.
    pub fn check(&self) -> Result<()> {
        match self {
            ClassifierParams::Lr(p) => p.check_ref().map(|_| ()),
            ClassifierParams::Svm(p) => p.clone().check().map(|_| ()),
            ClassifierParams::Nb(p) => p.clone().check().map(|_| ()),
            ClassifierParams::Knn(p) => p.clone().check().map(|_| ()),
            ClassifierParams::Ensemble(members) => {
                if members.len() < 2 {
                    return Err(TrainError::InvalidEnsemble(format!(
                        "needs at least two members, got {}",
                        members.len()
                    )));
                }
                for m in members {
                    if m.kind() == ClassifierKind::Ensemble {
                        return Err(TrainError::InvalidEnsemble(
                            "members cannot be ensembles".into(),
                        ));
                    }
                    m.check()?;
                }
                Ok(())
            }
            ClassifierParams::LinfaLr(p) => p.clone().check().map(|_| ()),
            ClassifierParams::Dt(p) => p.clone().check().map(|_| ()),
            ClassifierParams::Rf(p) => p.clone().check().map(|_| ()),
            ClassifierParams::FastText(p) => p.clone().check().map(|_| ()),
            ClassifierParams::Cnn(p) => p.clone().check().map(|_| ()),
            ClassifierParams::BiLstm(p) => p.clone().check().map(|_| ()),
        }
    }

    /// The tuning grid: the main regularisation knob over a log scale, other parameters kept,
    /// each point with a short label (`c=0.3`, `alpha=0.01`).
    pub fn grid(&self) -> Vec<(String, ClassifierParams)> {
        match self {
            ClassifierParams::Lr(p) => [0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
                .into_iter()
                .map(|c| (format!("c={c}"), ClassifierParams::Lr(p.clone().c(c))))
                .collect(),
            ClassifierParams::Svm(p) => [0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
                .into_iter()
                .map(|c| (format!("c={c}"), ClassifierParams::Svm(p.clone().c(c))))
                .collect(),
            ClassifierParams::Nb(p) => [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
                .into_iter()
                .map(|a| {
                    (
                        format!("alpha={a}"),
                        ClassifierParams::Nb(p.clone().alpha(a)),
                    )
                })
                .collect(),
            ClassifierParams::Knn(p) => [1usize, 3, 5, 10, 20, 50]
                .into_iter()
                .map(|k| (format!("k={k}"), ClassifierParams::Knn(p.clone().k(k))))
                .collect(),
            ClassifierParams::LinfaLr(p) => [0.1, 1.0, 10.0]
                .into_iter()
                .map(|c| (format!("c={c}"), ClassifierParams::LinfaLr(p.clone().c(c))))
                .collect(),
            ClassifierParams::Dt(p) => [5usize, 10, 20, 40]
                .into_iter()
                .map(|d| {
                    (
                        format!("max_depth={d}"),
                        ClassifierParams::Dt(p.clone().max_depth(d)),
                    )
                })
                .collect(),
            ClassifierParams::Rf(p) => [10usize, 20, 40]
                .into_iter()
                .map(|d| {
                    (
                        format!("max_depth={d}"),
                        ClassifierParams::Rf(p.clone().max_depth(d)),
                    )
                })
                .collect(),
            ClassifierParams::FastText(p) => [0.1, 0.2, 0.5]
                .into_iter()
                .map(|lr| {
                    (
                        format!("lr={lr}"),
                        ClassifierParams::FastText(p.clone().learning_rate(lr)),
                    )
                })
                .collect(),
            ClassifierParams::Cnn(p) => [0.001, 0.002, 0.005]
                .into_iter()
                .map(|lr| {
                    (
                        format!("lr={lr}"),
                        ClassifierParams::Cnn(p.clone().learning_rate(lr)),
                    )
                })
                .collect(),
            ClassifierParams::BiLstm(p) => [0.001, 0.003, 0.01]
                .into_iter()
                .map(|lr| {
                    (
                        format!("lr={lr}"),
                        ClassifierParams::BiLstm(p.clone().learning_rate(lr)),
                    )
                })
                .collect(),
            // Tuning an ensemble would multiply its members' grids; tune the members instead.
            ClassifierParams::Ensemble(_) => Vec::new(),
        }
    }

    /// Fit on rows of `x` with labels `y`; `seed` drives any randomness (SVM coordinate order
    /// and calibration folds, random forest rows and columns, network initialisation). The
    /// sequence classifiers need rows with word sequences (see
    /// [`ClassifierParams::sequence_len`]).
    pub fn fit(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<ClassifierModel> {
        match self {
            ClassifierParams::Lr(p) => p.check_ref()?.fit(x, y),
            ClassifierParams::Svm(p) => p.clone().check()?.fit(x, y, seed),
            ClassifierParams::Nb(p) => p.clone().check()?.fit(x, y),
            ClassifierParams::Knn(p) => p.clone().check()?.fit(x, y),
            ClassifierParams::Ensemble(members) => {
                self.check()?;
                let members = members
                    .iter()
                    .enumerate()
                    .map(|(i, m)| m.fit(x, y, seed.wrapping_add(i as u64)))
                    .collect::<Result<Vec<_>>>()?;
                let weights = vec![1.0; members.len()];
                Ok(ClassifierModel::Ensemble { members, weights })
            }
            ClassifierParams::LinfaLr(p) => p.clone().check()?.fit(x, y),
            ClassifierParams::Dt(p) => p.clone().check()?.fit(x, y),
            ClassifierParams::Rf(p) => p.clone().check()?.fit(x, y, seed),
            ClassifierParams::FastText(p) => p.clone().check()?.fit(x, y, seed),
            ClassifierParams::Cnn(p) => p.clone().check()?.fit(x, y, seed),
            ClassifierParams::BiLstm(p) => p.clone().check()?.fit(x, y, seed),
        }
    }
}
