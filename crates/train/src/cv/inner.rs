//! Fitting on a training part and choosing its threshold on inner folds of that part only.

use secdisc_features::CsrMatrix;
use secdisc_model::ClassifierModel;

use crate::classifier::ClassifierParams;
use crate::error::Result;
use crate::folds::Folds;
use crate::sampling::Sampling;
use crate::threshold::ThresholdRule;

/// Fit `classifier` on the rows of `x` chosen by `sampling` (what every fit in training and
/// cross-validation does; no threshold search).
pub fn fit_sampled(
    classifier: &ClassifierParams,
    x: &CsrMatrix,
    y: &[bool],
    sampling: Sampling,
    seed: u64,
) -> Result<ClassifierModel> {
    if sampling == Sampling::None {
        return classifier.fit(x, y, seed);
    }
    let rows = sampling.rows(y, seed);
    let ys: Vec<bool> = rows.iter().map(|&r| y[r]).collect();
    classifier.fit(&x.select_rows(&rows), &ys, seed)
}

/// The threshold by `rule` from `inner_folds`-fold out-of-fold probabilities on `x`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn choose_threshold(
    x: &CsrMatrix,
    y: &[bool],
    groups: &[Option<&str>],
    classifier: &ClassifierParams,
    rule: ThresholdRule,
    sampling: Sampling,
    inner_folds: usize,
    seed: u64,
) -> Result<f64> {
    if !rule.needs_predictions() {
        return Ok(rule.choose(&[], &[]));
    }
    let scores = oof_probabilities(x, y, groups, classifier, sampling, inner_folds, seed)?;
    Ok(rule.choose(&scores, y))
}

/// Out-of-fold probabilities of `classifier` over `inner_folds` stratified group folds of `x`.
pub(crate) fn oof_probabilities(
    x: &CsrMatrix,
    y: &[bool],
    groups: &[Option<&str>],
    classifier: &ClassifierParams,
    sampling: Sampling,
    inner_folds: usize,
    seed: u64,
) -> Result<Vec<f64>> {
    let folds = Folds::stratified(y, groups, inner_folds, seed ^ 0x7E57_F01D)?;
    let mut scores = vec![0.0; y.len()];
    for f in 0..inner_folds {
        let (train, test) = folds.split(f);
        let xt = x.select_rows(&train);
        let yt: Vec<bool> = train.iter().map(|&r| y[r]).collect();
        let m = fit_sampled(
            classifier,
            &xt,
            &yt,
            sampling,
            seed.wrapping_add(f as u64 + 1),
        )?;
        for &r in &test {
            scores[r] = m.probability(x.row(r));
        }
    }
    Ok(scores)
}

/// What a search knows of the outer training part it runs on, besides its features.
pub(crate) struct TrainingPart<'a> {
    /// Labels of the part's rows.
    pub(crate) y: &'a [bool],
    /// Threads of the part's rows.
    pub(crate) groups: &'a [Option<&'a str>],
    /// Threshold rule that F1 is taken at.
    pub(crate) rule: ThresholdRule,
    /// Resampling of training rows.
    pub(crate) sampling: Sampling,
    /// Seed of the outer fold.
    pub(crate) seed: u64,
}
