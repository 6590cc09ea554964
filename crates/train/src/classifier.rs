//! The classifiers secdisc can train, selectable by name: one registry line each.
//!
//! [`classifier_registry!`] turns the table at the bottom of this file into
//! [`ClassifierKind`] (names, parsing, help), [`ClassifierParams`] (serialisation as
//! `{"name": .., "params": ..}`, checking, tuning grid, fitting) and [`CLASSIFIER_NAMES`].
//! Each line names a parameter type that implements [`Estimator`] in its own file. The
//! ensemble, whose parameters are other classifiers, is the one classifier written out here.

use std::str::FromStr;

use secdisc_features::CsrMatrix;
use secdisc_model::ClassifierModel;
use serde::{Deserialize, Serialize};

use crate::centroid::CentroidParams;
use crate::deep::{BiLstmParams, CnnParams};
use crate::error::{Result, TrainError};
use crate::estimator::{Estimator, FitRows};
use crate::fasttext::FastTextParams;
use crate::forest::{DecisionTreeParams, RandomForestParams};
use crate::knn::KnnParams;
use crate::linfa_lr::LinfaLogisticParams;
use crate::logistic::LogisticRegressionParams;
use crate::naive_bayes::NaiveBayesParams;
use crate::svm::SvmParams;

/// Builds the classifier types from the registry table: `Variant(ParamsType) = "name", "help";`.
macro_rules! classifier_registry {
    ($($variant:ident($params:ty) = $name:literal, $help:literal;)*) => {
        /// Names accepted by [`ClassifierKind::from_str`], in registry order.
        pub const CLASSIFIER_NAMES: &[&str] = &[$($name,)* "ensemble"];

        /// A classifier by name, without parameters. Non-exhaustive: the registry grows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum ClassifierKind {
            $(
                #[doc = $help]
                #[serde(rename = $name)]
                $variant,
            )*
            /// Soft voting over other classifiers with equal weights.
            #[serde(rename = "ensemble")]
            Ensemble,
        }

        impl ClassifierKind {
            /// Every classifier, in registry order (the ensemble last).
            pub const ALL: &'static [ClassifierKind] = &[$(ClassifierKind::$variant,)* ClassifierKind::Ensemble];

            /// The short name (`lr`).
            pub fn name(self) -> &'static str {
                match self {
                    $(ClassifierKind::$variant => $name,)*
                    ClassifierKind::Ensemble => "ensemble",
                }
            }

            /// One line on what the classifier is.
            pub fn help(self) -> &'static str {
                match self {
                    $(ClassifierKind::$variant => $help,)*
                    ClassifierKind::Ensemble => "Soft voting over other classifiers with equal weights.",
                }
            }

            /// Default parameters of this classifier; `None` for the ensemble, which needs
            /// its members.
            pub fn default_params(self) -> Option<ClassifierParams> {
                match self {
                    $(ClassifierKind::$variant => Some(ClassifierParams::$variant(<$params>::default())),)*
                    ClassifierKind::Ensemble => None,
                }
            }
        }

        impl FromStr for ClassifierKind {
            type Err = TrainError;

            fn from_str(s: &str) -> Result<Self> {
                let s = s.trim();
                ClassifierKind::ALL
                    .iter()
                    .copied()
                    .find(|k| k.name() == s)
                    .ok_or_else(|| TrainError::UnknownClassifier(s.to_string()))
            }
        }

        /// A classifier with its parameters. Non-exhaustive: the registry grows.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "name", content = "params")]
        #[non_exhaustive]
        pub enum ClassifierParams {
            $(
                #[doc = $help]
                #[serde(rename = $name)]
                $variant($params),
            )*
            /// Soft voting over member classifiers with equal weights.
            #[serde(rename = "ensemble")]
            Ensemble(Vec<ClassifierParams>),
        }

        $(
            impl From<$params> for ClassifierParams {
                fn from(p: $params) -> ClassifierParams {
                    ClassifierParams::$variant(p)
                }
            }
        )*

        impl ClassifierParams {
            /// The kind.
            pub fn kind(&self) -> ClassifierKind {
                match self {
                    $(ClassifierParams::$variant(_) => ClassifierKind::$variant,)*
                    ClassifierParams::Ensemble(_) => ClassifierKind::Ensemble,
                }
            }

            /// The word-sequence length the classifier reads, or `None` when it reads only
            /// TF-IDF values (for an ensemble, the longest of its members'). Pass it to
            /// [`secdisc_features::TfidfVectorizer::transform_with`] so that the rows given to
            /// [`ClassifierParams::fit`] carry their word sequences; the other classifiers
            /// ignore them.
            pub fn sequence_len(&self) -> Option<usize> {
                match self {
                    $(ClassifierParams::$variant(p) => p.sequence_len(),)*
                    ClassifierParams::Ensemble(members) => members
                        .iter()
                        .filter_map(ClassifierParams::sequence_len)
                        .max(),
                }
            }

            /// Check the parameters without fitting.
            pub fn check(&self) -> Result<()> {
                match self {
                    $(ClassifierParams::$variant(p) => p.checked().map(|_| ()),)*
                    ClassifierParams::Ensemble(members) => check_ensemble(members),
                }
            }

            /// The tuning grid (see [`Estimator::grid`]); empty for an ensemble, whose members'
            /// grids would multiply: tune the members instead.
            pub fn grid(&self) -> Vec<(String, ClassifierParams)> {
                match self {
                    $(ClassifierParams::$variant(p) => p
                        .grid()
                        .into_iter()
                        .map(|(label, p)| (label, ClassifierParams::$variant(p)))
                        .collect(),)*
                    ClassifierParams::Ensemble(_) => Vec::new(),
                }
            }

            /// Fit on rows of `x` with labels `y`; `seed` drives any randomness (SVM coordinate
            /// order and calibration folds, random forest rows and columns, network
            /// initialisation). The sequence classifiers need rows with word sequences (see
            /// [`ClassifierParams::sequence_len`]).
            pub fn fit(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<ClassifierModel> {
                match self {
                    $(ClassifierParams::$variant(p) => p.checked()?.fit_rows(x, y, seed),)*
                    ClassifierParams::Ensemble(members) => fit_ensemble(members, x, y, seed),
                }
            }
        }
    };
}

impl ClassifierParams {
    /// The short name (`lr`, `svm`, `nb`, `linfa-lr`, `dt`, `rf`).
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }
}

fn check_ensemble(members: &[ClassifierParams]) -> Result<()> {
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

fn fit_ensemble(
    members: &[ClassifierParams],
    x: &CsrMatrix,
    y: &[bool],
    seed: u64,
) -> Result<ClassifierModel> {
    check_ensemble(members)?;
    let members = members
        .iter()
        .enumerate()
        .map(|(i, m)| m.fit(x, y, seed.wrapping_add(i as u64)))
        .collect::<Result<Vec<_>>>()?;
    let weights = vec![1.0; members.len()];
    Ok(ClassifierModel::Ensemble { members, weights })
}

// The registry: one line per classifier. Order is the order of `CLASSIFIER_NAMES` and of
// `--help`.
classifier_registry! {
    Lr(LogisticRegressionParams) = "lr", "Sparse L2 logistic regression (L-BFGS).";
    Svm(SvmParams) = "svm", "Linear SVM (dual coordinate descent) with Platt-scaled probabilities.";
    Nb(NaiveBayesParams) = "nb", "Naive Bayes (complement by default, or multinomial).";
    Knn(KnnParams) = "knn", "Cosine k-nearest neighbours with class-weighted, smoothed votes.";
    LinfaLr(LinfaLogisticParams) = "linfa-lr", "linfa-logistic on chi2-selected dense features.";
    Dt(DecisionTreeParams) = "dt", "A linfa-trees decision tree on chi2-selected dense features.";
    Rf(RandomForestParams) = "rf", "Random forest of linfa-trees decision trees on chi2-selected dense features.";
    FastText(FastTextParams) = "fasttext", "fastText-style embedding bag trained by SGD.";
    Cnn(CnnParams) = "cnn", "Convolutional network over the word sequence (training needs the `deep` feature).";
    BiLstm(BiLstmParams) = "bilstm", "Bidirectional LSTM over the word sequence (training needs the `deep` feature).";
    Centroid(CentroidParams) = "centroid", "Nearest centroid (Rocchio) with Platt-scaled probabilities.";
}
