//! Adapting a trained model to a new project from a few hundred of its labels, without the
//! data the model was trained on (a user has the shipped model, not our training sets).
//!
//! The base model's log-odds of security `s(x)` becomes one more column beside the project's
//! own TF-IDF columns (a vocabulary fitted on the labels), and a logistic regression is fitted
//! on the labels. The base column is scaled up by [`BASE_COLUMN_WEIGHT`], so its coefficient is
//! barely penalised while the per-term weights are: with few labels the result leans on the
//! base model, with more it learns the project's own words, including words the base never
//! saw. The threshold is chosen by a rule on out-of-fold predictions of the same procedure
//! (inner folds of the labels, threads kept whole). The adapted model carries the base model
//! (as its dense block) and so needs nothing else to run.

use secdisc_features::{CsrMatrix, DenseRows};
use secdisc_model::LinearModel;

use crate::classifier::ClassifierParams;
use crate::cv::inner::oof_probabilities;
use crate::error::{Result, TrainError};
use crate::logistic::LogisticRegressionParams;
use crate::sampling::Sampling;
use crate::threshold::ThresholdRule;
use linfa::ParamGuard;

/// The weight of the base model's log-odds column (the dense block's weight in the adapted
/// model).
pub const BASE_COLUMN_WEIGHT: f32 = 10.0;

/// Settings of [`adapt`].
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptParams {
    /// The logistic regression fitted on the labels (its `c` sets how far the project's own
    /// terms may move the model away from the base).
    pub lr: LogisticRegressionParams,
    /// How the threshold is chosen on out-of-fold predictions. Default `max-f1`.
    pub threshold: ThresholdRule,
    /// Inner folds for the threshold. Default 5.
    pub inner_folds: usize,
    /// Seed of the inner folds.
    pub seed: u64,
}

impl Default for AdaptParams {
    fn default() -> Self {
        AdaptParams {
            lr: LogisticRegressionParams::default(),
            threshold: ThresholdRule::MaxF1,
            inner_folds: 5,
            seed: 42,
        }
    }
}

/// A base model adapted to a project's labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Adapted {
    /// Weights over the project's TF-IDF columns, then the base column (logistic calibration).
    pub model: LinearModel,
    /// The threshold chosen on out-of-fold predictions.
    pub threshold: f64,
    /// The weight the fit gave the base model's log-odds (1 adds them as they are).
    pub base_weight: f64,
}

/// Adapt a base model to labelled rows `x` (the project's own TF-IDF columns) with labels `y`
/// and threads `groups`, given the base model's log-odds of each row.
///
/// # Errors
/// [`TrainError::LengthMismatch`] when the parts disagree in length;
/// [`TrainError::SingleClass`] for labels of one class only; fold errors when a class has
/// fewer records than inner folds.
pub fn adapt(
    x: &CsrMatrix,
    base_log_odds: &[f32],
    y: &[bool],
    groups: &[Option<&str>],
    params: &AdaptParams,
) -> Result<Adapted> {
    crate::checks::class_counts(x, y)?;
    if groups.len() != y.len() || base_log_odds.len() != y.len() {
        return Err(TrainError::LengthMismatch {
            rows: base_log_odds.len().min(groups.len()),
            labels: y.len(),
        });
    }
    let base = DenseRows::new(1, base_log_odds.to_vec())?;
    let augmented = x.with_dense(&base, 1.0, BASE_COLUMN_WEIGHT)?;
    let lr = ClassifierParams::Lr(params.lr.clone());
    let oof = oof_probabilities(
        &augmented,
        y,
        groups,
        &lr,
        Sampling::None,
        params.inner_folds,
        params.seed,
    )?;
    let threshold = params.threshold.choose(&oof, y);
    let model = params.lr.clone().check()?.fit_sparse(&augmented, y)?;
    let base_weight = model.weights[x.n_cols()] * f64::from(BASE_COLUMN_WEIGHT);
    Ok(Adapted {
        model,
        threshold,
        base_weight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use secdisc_features::TfidfParams;

    #[test]
    fn the_base_column_and_the_own_words_both_count() {
        // Own words separate half the security records; the base knows the other half.
        let texts: Vec<String> = (0..60)
            .map(|i| match i % 4 {
                0 => format!("token leak in header {i}"),
                1 => format!("rotation policy {i}"),
                _ => format!("layout of the page {i}"),
            })
            .collect();
        let y: Vec<bool> = (0..60).map(|i| i % 4 < 2).collect();
        let base: Vec<f32> = (0..60)
            .map(|i| if i % 4 == 1 { 3.0 } else { -1.0 })
            .collect();
        let v = TfidfParams::default()
            .min_df(1)
            .check()
            .unwrap()
            .fit(&texts)
            .unwrap();
        let x = v.transform(&texts);
        let groups = vec![None; 60];
        let adapted = adapt(&x, &base, &y, &groups, &AdaptParams::default()).unwrap();
        assert!(adapted.base_weight > 0.0, "{}", adapted.base_weight);
        let xb = x
            .with_dense(
                &DenseRows::new(1, base.clone()).unwrap(),
                1.0,
                BASE_COLUMN_WEIGHT,
            )
            .unwrap();
        for (row, &label) in xb.rows().zip(&y) {
            let p = secdisc_model::sigmoid(adapted.model.decision(row));
            assert_eq!(p >= adapted.threshold, label);
        }
        let one_class = vec![false; 60];
        assert!(matches!(
            adapt(&x, &base, &one_class, &groups, &AdaptParams::default()),
            Err(TrainError::SingleClass { .. })
        ));
        assert!(adapt(&x, &base[..3], &y, &groups, &AdaptParams::default()).is_err());
    }
}
