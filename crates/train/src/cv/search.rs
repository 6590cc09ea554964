//! Nested hyperparameter search inside a training part: the classifier's grid, and jointly
//! the vectorizer's, each candidate scored on inner folds of the part only.

use secdisc_features::{CsrMatrix, TfidfValidParams, TfidfVectorizer, TokenizedCorpus};

use super::inner::{fit_sampled, inner_folds, oof_probabilities, TrainingPart};
use crate::classifier::ClassifierParams;
use crate::error::{Result, TrainError};
use crate::metrics::{average_precision, evaluate, roc_auc};
use crate::threshold::ThresholdRule;
use crate::tune::{candidates, joint_candidates, TuneMetric, TuneOptions};

/// How well out-of-fold `scores` rank or classify `y` by `metric` (F1 at `rule`'s threshold).
pub(crate) fn tune_score(
    metric: TuneMetric,
    scores: &[f64],
    y: &[bool],
    rule: ThresholdRule,
) -> f64 {
    // Rows never scored (training-only files under inner leave-one-out folds) are NaN.
    if scores.iter().any(|s| s.is_nan()) {
        let (scores, y): (Vec<f64>, Vec<bool>) = scores
            .iter()
            .zip(y)
            .filter(|(s, _)| !s.is_nan())
            .map(|(&s, &l)| (s, l))
            .unzip();
        return tune_score(metric, &scores, &y, rule);
    }
    match metric {
        TuneMetric::F1 => evaluate(scores, y, rule.choose(scores, y)).0.f1,
        TuneMetric::Auc => roc_auc(scores, y),
        TuneMetric::PrAuc => average_precision(scores, y),
    }
}

/// The best candidate for `base` by nested CV on the training part, with its label.
pub(crate) fn tune_classifier(
    x: &CsrMatrix,
    part: &TrainingPart<'_>,
    base: &ClassifierParams,
    tune: &TuneOptions,
) -> Result<(String, ClassifierParams)> {
    let TrainingPart {
        y,
        groups,
        blocks,
        rule,
        sampling,
        seed,
    } = *part;
    let mut best: Option<(f64, String, ClassifierParams)> = None;
    for (label, candidate) in candidates(base, tune.search, seed)? {
        let oof = oof_probabilities(
            x,
            y,
            groups,
            blocks,
            &candidate,
            sampling,
            tune.inner_folds,
            seed,
        )?;
        let score = tune_score(tune.metric, &oof, y, rule);
        if best.as_ref().map_or(true, |(s, _, _)| score > *s) {
            best = Some((score, label, candidate));
        }
    }
    let (_, label, params) = best.ok_or_else(|| TrainError::EmptyGrid(base.name().to_string()))?;
    Ok((label, params))
}

/// One candidate of the feature settings: TF-IDF parameters and the sentence vectors' weight.
pub(crate) struct FeatureCandidate {
    /// The searched settings, for example `min_df=1 dense_weight=0.5`; empty without a search.
    pub(crate) label: String,
    /// The TF-IDF parameters.
    pub(crate) tfidf: TfidfValidParams,
    /// The weight of the rows' sentence vectors; `None` when the rows have none.
    pub(crate) dense_weight: Option<f32>,
}

/// Feature candidates: `tfidf` and the rows' own dense weight (unlabelled), or the grid `tune`
/// searches, the TF-IDF settings crossed with the dense weights.
///
/// # Errors
/// [`TrainError::InvalidDenseWeight`] for a weight grid without sentence vectors, or a weight
/// that is not positive and finite; TF-IDF check errors.
pub(crate) fn vectorizer_candidates(
    tune: Option<&TuneOptions>,
    tfidf: &TfidfValidParams,
    dense: Option<&super::DenseInput<'_>>,
) -> Result<Vec<FeatureCandidate>> {
    let own_weight = dense.map(|d| d.weight);
    let Some(grid) = tune.map(|t| &t.vectorizer) else {
        return Ok(vec![FeatureCandidate {
            label: String::new(),
            tfidf: tfidf.clone(),
            dense_weight: own_weight,
        }]);
    };
    let weights: Vec<(String, Option<f32>)> = if grid.dense_weight.is_empty() {
        vec![(String::new(), own_weight)]
    } else {
        if dense.is_none() {
            return Err(TrainError::InvalidDenseWeight(
                "a dense_weight grid needs rows with sentence vectors".into(),
            ));
        }
        grid.dense_weight
            .iter()
            .map(|&w| {
                if w.is_finite() && w > 0.0 {
                    Ok((format!("dense_weight={w}"), Some(w)))
                } else {
                    Err(TrainError::InvalidDenseWeight(format!(
                        "dense_weight {w} must be positive and finite"
                    )))
                }
            })
            .collect::<Result<_>>()?
    };
    let mut out = Vec::new();
    for (label, params) in grid.candidates(tfidf.params())? {
        for (weight_label, weight) in &weights {
            let label = [label.as_str(), weight_label.as_str()]
                .into_iter()
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            out.push(FeatureCandidate {
                label,
                tfidf: params.clone(),
                dense_weight: *weight,
            });
        }
    }
    Ok(out)
}

/// `x` with `rows` (the given rows of the run's sentence vectors) appended at `weight`.
fn with_vectors(
    x: CsrMatrix,
    dense: Option<&super::DenseInput<'_>>,
    weight: Option<f32>,
    rows: &[usize],
) -> Result<CsrMatrix> {
    match (dense, weight) {
        (Some(d), Some(w)) => Ok(x.with_dense(&d.rows.select_rows(rows), d.tfidf_weight, w)?),
        _ => Ok(x),
    }
}

/// A vectorizer fitted on an outer training part and both parts' matrices.
pub(crate) struct OuterMatrices {
    pub(crate) vectorizer: TfidfVectorizer,
    pub(crate) x_train: CsrMatrix,
    pub(crate) x_test: CsrMatrix,
}

/// Vectorizer candidate `v` fitted on the `train` rows, and the matrices of both parts.
pub(crate) fn fit_matrices(
    search: &JointSearch<'_>,
    v: usize,
    train: &[usize],
    test: &[usize],
) -> Result<OuterMatrices> {
    let candidate = &search.vectorizers[v];
    let vectorizer = candidate.tfidf.fit_tokenized(search.corpus, train)?;
    let dense = search.dense.as_ref();
    let x_train = vectorizer.transform_tokenized_with(search.corpus, train, search.sequences);
    let x_train = with_vectors(x_train, dense, candidate.dense_weight, train)?;
    let x_test = vectorizer.transform_tokenized_with(search.corpus, test, search.sequences);
    let x_test = with_vectors(x_test, dense, candidate.dense_weight, test)?;
    Ok(OuterMatrices {
        vectorizer,
        x_train,
        x_test,
    })
}

/// The outer matrices of vectorizer candidate `v` in `slot`, fitted on `train` on first use.
pub(crate) fn outer_matrices<'a>(
    slot: &'a mut Option<OuterMatrices>,
    search: &JointSearch<'_>,
    v: usize,
    train: &[usize],
    test: &[usize],
) -> Result<&'a OuterMatrices> {
    if slot.is_none() {
        *slot = Some(fit_matrices(search, v, train, test)?);
    }
    Ok(slot.as_ref().expect("filled above"))
}

/// What a joint search of vectorizer and classifier settings needs besides the classifier.
pub(crate) struct JointSearch<'a> {
    pub(crate) corpus: &'a TokenizedCorpus,
    /// Feature candidates with their labels.
    pub(crate) vectorizers: &'a [FeatureCandidate],
    /// Word sequences for sequence classifiers.
    pub(crate) sequences: Option<usize>,
    /// Sentence vectors appended to every matrix, when the run has them.
    pub(crate) dense: Option<super::DenseInput<'a>>,
}

/// The best (vectorizer index, label, classifier) for `base` by nested CV on the training part
/// `rows` (indices into the corpus) with labels `y` and threads `groups`: each inner fold fits
/// every vectorizer candidate on its inner training rows only, then scores the classifier
/// candidates paired with it.
pub(crate) fn tune_jointly(
    search: &JointSearch<'_>,
    rows: &[usize],
    part: &TrainingPart<'_>,
    base: &ClassifierParams,
    tune: &TuneOptions,
) -> Result<(usize, String, ClassifierParams)> {
    let TrainingPart {
        y,
        groups,
        blocks,
        rule,
        sampling,
        seed,
    } = *part;
    // A classifier without a grid of its own (an ensemble) is tuned over the vectorizer only.
    let mut grid = base.grid();
    if grid.is_empty() {
        grid.push((String::new(), base.clone()));
    }
    let pairs = joint_candidates(search.vectorizers.len(), grid.len(), tune.search, seed);
    let (folds, tested) = inner_folds(y, groups, blocks, tune.inner_folds, seed)?;
    let mut best: Option<(f64, usize, usize)> = None;
    for (v, candidate) in search.vectorizers.iter().enumerate() {
        let paired: Vec<usize> = pairs.iter().filter(|p| p.0 == v).map(|p| p.1).collect();
        if paired.is_empty() {
            continue;
        }
        let mut oof = vec![vec![f64::NAN; y.len()]; paired.len()];
        for f in 0..tested {
            let (train, test) = folds.split(f);
            let train_rows: Vec<usize> = train.iter().map(|&p| rows[p]).collect();
            let test_rows: Vec<usize> = test.iter().map(|&p| rows[p]).collect();
            let fitted = candidate.tfidf.fit_tokenized(search.corpus, &train_rows)?;
            let dense = search.dense.as_ref();
            let xt = fitted.transform_tokenized_with(search.corpus, &train_rows, search.sequences);
            let xt = with_vectors(xt, dense, candidate.dense_weight, &train_rows)?;
            let xe = fitted.transform_tokenized_with(search.corpus, &test_rows, search.sequences);
            let xe = with_vectors(xe, dense, candidate.dense_weight, &test_rows)?;
            let yt: Vec<bool> = train.iter().map(|&p| y[p]).collect();
            for (scores, &c) in oof.iter_mut().zip(&paired) {
                let m = fit_sampled(
                    &grid[c].1,
                    &xt,
                    &yt,
                    sampling,
                    seed.wrapping_add(f as u64 + 1),
                )?;
                for (k, &p) in test.iter().enumerate() {
                    scores[p] = m.probability(xe.row(k));
                }
            }
        }
        for (scores, &c) in oof.iter().zip(&paired) {
            let score = tune_score(tune.metric, scores, y, rule);
            if best.map_or(true, |(s, _, _)| score > s) {
                best = Some((score, v, c));
            }
        }
    }
    let (_, v, c) = best.ok_or_else(|| TrainError::EmptyGrid(base.name().to_string()))?;
    let (classifier_label, params) = grid.swap_remove(c);
    let vectorizer_label = &search.vectorizers[v].label;
    let label = [vectorizer_label.as_str(), classifier_label.as_str()]
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok((v, label, params))
}
