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
    let scores = oof_probabilities(x, y, groups, None, classifier, sampling, inner_folds, seed)?;
    Ok(rule.choose(&scores, y))
}

/// Out-of-fold probabilities of `classifier` over `inner_folds` stratified group folds of `x`,
/// or over `blocks` (see [`inner_folds`]); a row never scored (training-only) gets NaN.
#[allow(clippy::too_many_arguments)]
pub(crate) fn oof_probabilities(
    x: &CsrMatrix,
    y: &[bool],
    groups: &[Option<&str>],
    blocks: Option<&[Option<usize>]>,
    classifier: &ClassifierParams,
    sampling: Sampling,
    inner_folds: usize,
    seed: u64,
) -> Result<Vec<f64>> {
    let (folds, tested) = self::inner_folds(y, groups, blocks, inner_folds, seed)?;
    let mut scores = vec![f64::NAN; y.len()];
    for f in 0..tested {
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

/// The inner folds of a training part and how many of them are tested: `k` folds stratified by
/// label and thread; or, with `blocks` (the outer split left one file or source out, and each
/// training row names the file or source it came from), one fold per block, so that a search
/// chooses what transfers to a file it did not fit on, as the outer split measures. Rows of no
/// block (training-only files) are trained on in every fold and never tested. Fewer than two
/// blocks fall back to stratified folds.
pub(crate) fn inner_folds(
    y: &[bool],
    groups: &[Option<&str>],
    blocks: Option<&[Option<usize>]>,
    k: usize,
    seed: u64,
) -> Result<(Folds, usize)> {
    if let Some(blocks) = blocks {
        let mut ids: Vec<usize> = blocks.iter().flatten().copied().collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() >= 2 {
            let m = ids.len();
            let fold_of = blocks
                .iter()
                .map(|b| b.map_or(m, |b| ids.binary_search(&b).unwrap_or(m)))
                .collect();
            return Ok((Folds::predefined(fold_of, m + 1), m));
        }
    }
    Ok((Folds::stratified(y, groups, k, seed ^ 0x7E57_F01D)?, k))
}

/// What a search knows of the outer training part it runs on, besides its features.
pub(crate) struct TrainingPart<'a> {
    /// Labels of the part's rows.
    pub(crate) y: &'a [bool],
    /// Threads of the part's rows.
    pub(crate) groups: &'a [Option<&'a str>],
    /// Under a leave-one-file-out (or -source-out) outer split, the file or source of each
    /// row (`None`: training only): searches then score candidates on inner folds of the same
    /// kind ([`inner_folds`]).
    pub(crate) blocks: Option<&'a [Option<usize>]>,
    /// Threshold rule that F1 is taken at.
    pub(crate) rule: ThresholdRule,
    /// Resampling of training rows.
    pub(crate) sampling: Sampling,
    /// Seed of the outer fold.
    pub(crate) seed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_folds_leave_one_block_out_and_always_train_on_rows_of_none() {
        let y = [true, false, true, false, true, false];
        let groups = [None; 6];
        let blocks = [Some(0), Some(0), Some(2), None, Some(2), Some(5)];
        let (folds, tested) = inner_folds(&y, &groups, Some(&blocks), 3, 1).unwrap();
        assert_eq!(tested, 3);
        assert_eq!(folds.fold_of(), &[0, 0, 1, 3, 1, 2]);
        for f in 0..tested {
            let (train, test) = folds.split(f);
            assert!(train.contains(&3) && !test.contains(&3));
        }
        // One block is no inner leave-one-out: stratified folds instead.
        let one = [Some(4); 6];
        let (folds, tested) = inner_folds(&y, &groups, Some(&one), 3, 1).unwrap();
        assert_eq!((tested, folds.k()), (3, 3));
    }
}
