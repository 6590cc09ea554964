//! Adapting a trained model to a new project from a few hundred of its labels, without the
//! data the model was trained on (a user has the shipped model, not our training sets).
//!
//! The base model's log-odds of security `s(x)` is the starting point: a logistic regression
//! is fitted on the labels with `s(x)` as a fixed offset, over the project's own TF-IDF columns
//! (a vocabulary fitted on the labels) and one more column, `s(x)` itself, whose weight is the
//! correction of the base model's weight. Every weight is penalised towards 0, so the base
//! model's weight is pulled towards 1, not towards 0: with few labels the result ranks as the
//! base model does, with more it learns the project's own words, including words the base never
//! saw, and how far to trust the base. (An earlier version fitted the base weight freely; with
//! labels picked near the base model's threshold, where `s(x)` hardly varies, that weight was
//! ill-determined and came out negative in 65 of 944 simulated fits, ranking the project
//! backwards: `benches/active_learning/cross_project_summary.md`.) The threshold is chosen by a
//! rule on out-of-fold predictions of the same procedure (inner folds of the labels, threads
//! kept whole). The adapted model carries the base model (as its dense block) and so needs
//! nothing else to run.

use secdisc_features::{CsrMatrix, DenseRows};
use secdisc_model::LinearModel;

use crate::error::{Result, TrainError};
use crate::folds::Folds;
use crate::logistic::{LogisticRegressionParams, LogisticRegressionValidParams};
use crate::threshold::ThresholdRule;
use linfa::ParamGuard;

/// The weight of the base model's log-odds column (the dense block's weight in the adapted
/// model): the column holds `BASE_COLUMN_WEIGHT · s(x)`, and its stored coefficient is the base
/// model's weight divided by it.
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
    // The correction column holds s(x) itself (scale 1), so a change of the base model's weight
    // is penalised like a change of any other weight.
    let base = DenseRows::new(1, base_log_odds.to_vec())?;
    let augmented = x.with_dense(&base, 1.0, 1.0)?;
    let offset: Vec<f64> = base_log_odds.iter().map(|&s| f64::from(s)).collect();
    let lr = params.lr.clone().check()?;
    let oof = oof_with_offset(&augmented, y, groups, &offset, &lr, params)?;
    let threshold = params.threshold.choose(&oof, y);
    let fitted = lr.fit_sparse_with_offset(&augmented, y, &offset)?;
    // Stored as the adapted model's column `BASE_COLUMN_WEIGHT · s(x)`: weight (1 + δ) / BW.
    let base_weight = 1.0 + fitted.weights[x.n_cols()];
    let mut model = fitted;
    model.weights[x.n_cols()] = base_weight / f64::from(BASE_COLUMN_WEIGHT);
    Ok(Adapted {
        model,
        threshold,
        base_weight,
    })
}

/// Out-of-fold probabilities of the offset fit over `params.inner_folds` stratified group folds.
fn oof_with_offset(
    x: &CsrMatrix,
    y: &[bool],
    groups: &[Option<&str>],
    offset: &[f64],
    lr: &LogisticRegressionValidParams,
    params: &AdaptParams,
) -> Result<Vec<f64>> {
    let folds = Folds::stratified(y, groups, params.inner_folds, params.seed ^ 0x7E57_F01D)?;
    let mut scores = vec![0.0; y.len()];
    for f in 0..params.inner_folds {
        let (train, test) = folds.split(f);
        let xt = x.select_rows(&train);
        let yt: Vec<bool> = train.iter().map(|&r| y[r]).collect();
        let ot: Vec<f64> = train.iter().map(|&r| offset[r]).collect();
        let m = lr.fit_sparse_with_offset(&xt, &yt, &ot)?;
        for &r in &test {
            scores[r] = secdisc_model::sigmoid(m.decision(x.row(r)) + offset[r]);
        }
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secdisc_features::TfidfParams;

    /// TF-IDF rows of `texts` (every term kept).
    fn matrix(texts: &[String]) -> CsrMatrix {
        TfidfParams::default()
            .min_df(1)
            .check()
            .unwrap()
            .fit(texts)
            .unwrap()
            .transform(texts)
    }

    /// Labels picked near the base model's threshold (as `suggest --strategy uncertainty` does)
    /// hardly vary in the base log-odds; when they happen to run against it, the base model's
    /// weight must stay positive (a free fit gave -8.6 in the simulation).
    #[test]
    fn labels_near_the_base_threshold_do_not_turn_the_base_around() {
        let texts: Vec<String> = (0..40)
            .map(|i| {
                if i % 2 == 0 {
                    format!("secret key {i}")
                } else {
                    format!("css page {i}")
                }
            })
            .collect();
        let y: Vec<bool> = (0..40).map(|i| i % 2 == 0).collect();
        // Security rows sit just below the threshold, the others just above.
        let base: Vec<f32> = (0..40)
            .map(|i| if i % 2 == 0 { -0.02 } else { 0.02 })
            .collect();
        let x = matrix(&texts);
        let groups = vec![None; 40];
        let adapted = adapt(&x, &base, &y, &groups, &AdaptParams::default()).unwrap();
        assert!(
            adapted.base_weight > 0.5,
            "base weight {}",
            adapted.base_weight
        );
    }

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
        let x = matrix(&texts);
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
