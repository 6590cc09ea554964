//! Fit secdisc classifiers on sparse TF-IDF features and evaluate them honestly.
//!
//! - [`ClassifierParams`]: the classifiers by name: [`LogisticRegressionParams`] (sparse L2
//!   logistic regression solved by L-BFGS (argmin) directly over a
//!   [`secdisc_features::CsrMatrix`]; implements linfa's `ParamGuard`, `Fit` and
//!   `PredictInplace`), [`SvmParams`] (dual coordinate descent, Platt scaling),
//!   [`NaiveBayesParams`] (multinomial and complement) and [`KnnParams`] (cosine k-nearest
//!   neighbours with class-weighted, smoothed votes); on linfa's dense learners after
//!   [`Chi2Selection`]: [`LinfaLogisticParams`] (`linfa-lr`, linfa-logistic, stored as a linear
//!   model), [`DecisionTreeParams`] (`dt`) and [`RandomForestParams`] (`rf`), linfa-trees trees
//!   converted into [`secdisc_model::DecisionForest`], so inference never links linfa; and
//!   [`FastTextParams`] (a fastText-style embedding bag trained by SGD, deterministic given the
//!   seed); [`CnnParams`] and [`BiLstmParams`], networks over the word sequence trained with
//!   candle when the `deep` feature is on (scoring them needs no feature).
//! - [`ThresholdRule`]: fixed, max-F1, recall- or precision-targeted thresholds, chosen on
//!   out-of-fold predictions of training data only.
//! - [`Folds`]: stratified, seeded, group-aware k-fold assignment.
//! - [`compare`]: several classifiers on identical folds, with Wilcoxon signed-rank and
//!   corrected resampled t-tests ([`stats`]) of their differences, Holm-corrected.
//! - [`cross_validate`] and [`cross_validate_many`]: identical folds for every classifier; the
//!   vectorizer and classifiers are refitted on every training fold; [`metrics`] for the
//!   security class per fold, with mean and standard deviation.
//!
//! ```
//! use secdisc_features::TfidfParams;
//! use secdisc_train::{cross_validate, ClassifierParams, CvInput, CvOptions, LogisticRegressionParams};
//! let texts: Vec<String> = (0..40)
//!     .map(|i| if i % 4 == 0 { format!("jwt token leak {i}") } else { format!("css layout bug {i}") })
//!     .collect();
//! let labels: Vec<bool> = (0..40).map(|i| i % 4 == 0).collect();
//! let input = CvInput { texts: &texts, labels: &labels, groups: &vec![None; 40], dense: None };
//! let lr = ClassifierParams::Lr(LogisticRegressionParams::default());
//! let opts = CvOptions { folds: 5, ..CvOptions::default() };
//! let report = cross_validate(&input, &TfidfParams::default().min_df(1), &lr, &opts, &|| {})?;
//! assert!(report.mean.f1 > 0.9);
//! # Ok::<(), secdisc_train::TrainError>(())
//! ```
#![deny(missing_docs)]

mod adapt;
mod calibration;
mod centroid;
mod checks;
mod chi2;
mod classifier;
mod compare;
mod cv;
mod deep;
#[cfg(feature = "deep")]
mod deep_fit;
mod error;
mod estimator;
mod fasttext;
mod fingerprint;
mod folds;
mod forest;
mod knn;
mod linfa_lr;
mod logistic;
pub mod metrics;
mod naive_bayes;
mod pipeline;

mod sampling;
pub mod stats;
mod svm;
mod threshold;

mod tune;

pub use adapt::{adapt, AdaptParams, Adapted, BASE_COLUMN_WEIGHT};
pub use calibration::fit_platt;
pub use centroid::{CentroidParams, CentroidValidParams};
pub use chi2::{chi2_scores, dense_columns, Chi2Selection};
pub use classifier::{ClassifierKind, ClassifierParams, CLASSIFIER_NAMES};
pub mod dataset;
pub use compare::{compare, CompareReport, PairTest, ALPHA};
pub use cv::{
    cross_validate, cross_validate_many, fit_sampled, ClassifierCv, CvInput, CvOptions, CvReport,
    DenseInput, FoldResult, Split,
};
pub use deep::{BiLstmParams, BiLstmValidParams, CnnParams, CnnValidParams, SequenceTraining};
pub use error::{Result, TrainError};
pub use estimator::{Estimator, FitRows};
pub use fasttext::{default_learning_rate, FastTextParams, FastTextValidParams, MAX_FASTTEXT_DIM};
pub use fingerprint::sha256_hex;
pub use folds::Folds;
pub use forest::{
    DecisionTreeParams, DecisionTreeValidParams, ForestSampling, MaxFeatures, RandomForestParams,
    RandomForestValidParams,
};
pub use knn::{KnnParams, KnnValidParams};
pub use linfa_lr::{to_linear, LinfaLogisticParams, LinfaLogisticValidParams};
pub use logistic::{
    ClassWeight, LogisticRegressionParams, LogisticRegressionValidParams, Penalty, SparseRecords,
};
pub use naive_bayes::{NaiveBayesParams, NaiveBayesVariant};
pub use pipeline::{
    fit_pipeline, AdaptedFrom, FittedPipeline, PipelineSettings, TrainingRecipe, TunedSettings,
};
pub use sampling::Sampling;
pub use secdisc_rng::SplitMix64;
pub use svm::{SvmLoss, SvmParams, SvmValidParams};
pub use threshold::ThresholdRule;
pub use tune::{candidates, joint_candidates, Search, TuneMetric, TuneOptions, VectorizerGrid};
