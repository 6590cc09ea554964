//! Fit secdisc classifiers on sparse TF-IDF features and evaluate them honestly.
//!
//! - [`LogisticRegressionParams`]: sparse L2 logistic regression with intercept and class
//!   weights, solved by L-BFGS (argmin) directly over a [`secdisc_features::CsrMatrix`];
//!   implements linfa's `ParamGuard`, `Fit` and `PredictInplace`.
//! - [`Folds`]: stratified, seeded, group-aware k-fold assignment.
//! - [`cross_validate`]: refits the vectorizer and the classifier on every training fold and
//!   reports [`metrics`] for the security class per fold, with mean and standard deviation.
//!
//! ```
//! use secdisc_features::TfidfParams;
//! use secdisc_train::{cross_validate, CvInput, LogisticRegressionParams};
//! let texts: Vec<String> = (0..40)
//!     .map(|i| if i % 4 == 0 { format!("jwt token leak {i}") } else { format!("css layout bug {i}") })
//!     .collect();
//! let labels: Vec<bool> = (0..40).map(|i| i % 4 == 0).collect();
//! let input = CvInput { texts: &texts, labels: &labels, groups: &vec![None; 40] };
//! let report = cross_validate(&input, &TfidfParams::default().min_df(1), &LogisticRegressionParams::default(), 5, 42, 0.5)?;
//! assert!(report.mean.f1 > 0.9);
//! # Ok::<(), secdisc_train::TrainError>(())
//! ```
#![deny(missing_docs)]

mod cv;
mod error;
mod fingerprint;
mod folds;
mod logistic;
pub mod metrics;
mod rng;

pub use cv::{
    cross_validate, cross_validate_with_progress, fit_pipeline, CvInput, CvReport, FoldResult,
};
pub use error::{Result, TrainError};
pub use fingerprint::sha256_hex;
pub use folds::Folds;
pub use logistic::{
    ClassWeight, LogisticRegressionParams, LogisticRegressionValidParams, SparseRecords,
};
pub use rng::SplitMix64;
