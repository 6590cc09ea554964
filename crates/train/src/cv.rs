//! Stratified group k-fold cross-validation: any classifiers, identical folds, thresholds
//! chosen on the training part only.

use std::time::Instant;

use rayon::prelude::*;
use secdisc_features::{
    CsrMatrix, TfidfParams, TfidfValidParams, TfidfVectorizer, TokenizedCorpus,
};
use secdisc_model::{ClassifierModel, MetricSet};
use serde::Serialize;

use crate::classifier::ClassifierParams;
use crate::error::{Result, TrainError};
use crate::folds::Folds;
use crate::metrics::{average_precision, evaluate, mean_std, roc_auc, Confusion};
use crate::sampling::Sampling;
use crate::threshold::ThresholdRule;
use crate::tune::{candidates, joint_candidates, TuneMetric, TuneOptions};

/// The data to cross-validate: parallel slices, one entry per record.
#[derive(Debug, Clone, Copy)]
pub struct CvInput<'a> {
    /// Record texts.
    pub texts: &'a [String],
    /// `true` for security.
    pub labels: &'a [bool],
    /// Thread of each record (`None`: a thread of its own); threads never straddle folds.
    pub groups: &'a [Option<&'a str>],
}

/// How records are split into test folds.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Split {
    /// Stratified, shuffled, group-aware k folds (`CvOptions::folds` × `repeats`). The default.
    #[default]
    Stratified,
    /// Fixed test folds, one per named part, for example one per source
    /// ([`Split::leave_one_out`]); `folds` and `repeats` are ignored.
    Predefined {
        /// Name of each fold.
        names: Vec<String>,
        /// Test fold of each record.
        fold_of: Vec<usize>,
    },
    /// One test set kept apart: fit on every other record, score the records marked `true`
    /// (cross-project evaluation: train on some files, test on another). `folds` and
    /// `repeats` are ignored; thresholds are chosen on inner folds of the training records.
    Holdout {
        /// Name of the test set (for example its file name).
        name: String,
        /// `true` for each test record.
        test: Vec<bool>,
    },
}

impl Split {
    /// One test fold per distinct key (for example each record's source), named after it,
    /// in order of first appearance. Records without a key form the fold `(none)`.
    pub fn leave_one_out(keys: &[Option<&str>]) -> Result<Split> {
        let mut names: Vec<String> = Vec::new();
        let mut fold_of = Vec::with_capacity(keys.len());
        for key in keys {
            let name = key.unwrap_or("(none)");
            let f = match names.iter().position(|n| n == name) {
                Some(f) => f,
                None => {
                    names.push(name.to_string());
                    names.len() - 1
                }
            };
            fold_of.push(f);
        }
        if names.len() < 2 {
            return Err(TrainError::TooFewSources(names.len()));
        }
        Ok(Split::Predefined { names, fold_of })
    }
}

/// How to cross-validate.
#[derive(Debug, Clone, PartialEq)]
pub struct CvOptions {
    /// Folds per repetition. Default 10.
    pub folds: usize,
    /// Repetitions with different shuffles (seed, seed+1, ...). Default 1.
    pub repeats: usize,
    /// Seed of the first repetition. Default 42.
    pub seed: u64,
    /// Threshold rule, applied per fold on inner out-of-fold predictions of the training part.
    pub threshold: ThresholdRule,
    /// Inner folds for choosing thresholds. Default 3.
    pub inner_folds: usize,
    /// Resampling of training rows (inside training folds only). Default none.
    pub sampling: Sampling,
    /// How test folds are formed. Default stratified k-fold.
    pub split: Split,
    /// Nested hyperparameter search per outer fold; `None` uses the parameters as given.
    pub tune: Option<TuneOptions>,
}

impl Default for CvOptions {
    fn default() -> Self {
        CvOptions {
            folds: 10,
            repeats: 1,
            seed: 42,
            threshold: ThresholdRule::default(),
            inner_folds: 3,
            sampling: Sampling::None,
            split: Split::Stratified,
            tune: None,
        }
    }
}

/// Results of one fold for one classifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldResult {
    /// Name of the fold under a predefined split (for example the held-out source).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 1-based repetition.
    pub repeat: usize,
    /// 1-based fold number.
    pub fold: usize,
    /// Training records.
    pub train: usize,
    /// Test records.
    pub test: usize,
    /// Security records in the test part.
    pub test_positives: usize,
    /// Vocabulary size fitted on the training part.
    pub features: usize,
    /// Threshold used on this fold.
    pub threshold: f64,
    /// Candidate chosen by nested tuning on this fold's training part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen: Option<String>,
    /// Metrics on the test part.
    #[serde(flatten)]
    pub metrics: MetricSet,
    /// Confusion matrix on the test part.
    pub confusion: Confusion,
}

/// Cross-validation results of one classifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassifierCv {
    /// Classifier name.
    pub name: String,
    /// Mean over all folds of all repetitions.
    pub mean: MetricSet,
    /// Population standard deviation over the same.
    pub std: MetricSet,
    /// One entry per fold, repetition by repetition.
    pub per_fold: Vec<FoldResult>,
    /// Out-of-fold probability of security per record, first repetition.
    #[serde(skip)]
    pub oof_scores: Vec<f64>,
    /// Seconds spent fitting (threshold search included), summed over folds.
    #[serde(skip)]
    pub fit_seconds: f64,
    /// Seconds spent scoring test parts, summed over folds.
    #[serde(skip)]
    pub predict_seconds: f64,
}

/// Cross-validation results. Serialises as
/// `{"folds","repeats","seed","n","positives","threshold","mean","std","per_fold"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvReport {
    /// Number of folds.
    pub folds: usize,
    /// Repetitions.
    pub repeats: usize,
    /// Shuffling seed of the first repetition.
    pub seed: u64,
    /// Records.
    pub n: usize,
    /// Security records.
    pub positives: usize,
    /// Threshold rule.
    pub threshold: String,
    /// Mean of each metric over folds.
    pub mean: MetricSet,
    /// Population standard deviation over folds.
    pub std: MetricSet,
    /// One entry per fold, in order.
    pub per_fold: Vec<FoldResult>,
    /// Out-of-fold probability of security for each record (first repetition).
    #[serde(skip)]
    pub oof_scores: Vec<f64>,
    /// Test fold (0-based) of each record (first repetition).
    #[serde(skip)]
    pub fold_of: Vec<usize>,
}

impl CvReport {
    /// Confusion matrix summed over folds.
    pub fn pooled_confusion(&self) -> Confusion {
        self.per_fold
            .iter()
            .fold(Confusion::default(), |acc, f| acc + f.confusion)
    }
}

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
fn choose_threshold(
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
fn oof_probabilities(
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

/// How well out-of-fold `scores` rank or classify `y` by `metric` (F1 at `rule`'s threshold).
fn tune_score(metric: TuneMetric, scores: &[f64], y: &[bool], rule: ThresholdRule) -> f64 {
    match metric {
        TuneMetric::F1 => evaluate(scores, y, rule.choose(scores, y)).0.f1,
        TuneMetric::Auc => roc_auc(scores, y),
        TuneMetric::PrAuc => average_precision(scores, y),
    }
}

/// What a search knows of the outer training part it runs on, besides its features.
struct TrainingPart<'a> {
    /// Labels of the part's rows.
    y: &'a [bool],
    /// Threads of the part's rows.
    groups: &'a [Option<&'a str>],
    /// Threshold rule that F1 is taken at.
    rule: ThresholdRule,
    /// Resampling of training rows.
    sampling: Sampling,
    /// Seed of the outer fold.
    seed: u64,
}

/// The best candidate for `base` by nested CV on the training part, with its label.
fn tune_classifier(
    x: &CsrMatrix,
    part: &TrainingPart<'_>,
    base: &ClassifierParams,
    tune: &TuneOptions,
) -> Result<(String, ClassifierParams)> {
    let TrainingPart {
        y,
        groups,
        rule,
        sampling,
        seed,
    } = *part;
    let mut best: Option<(f64, String, ClassifierParams)> = None;
    for (label, candidate) in candidates(base, tune.search, seed)? {
        let oof = oof_probabilities(x, y, groups, &candidate, sampling, tune.inner_folds, seed)?;
        let score = tune_score(tune.metric, &oof, y, rule);
        if best.as_ref().map_or(true, |(s, _, _)| score > *s) {
            best = Some((score, label, candidate));
        }
    }
    let (_, label, params) = best.ok_or_else(|| TrainError::EmptyGrid(base.name().to_string()))?;
    Ok((label, params))
}

/// Vectorizer candidates: `tfidf` itself (unlabelled), or the grid `tune` searches.
fn vectorizer_candidates(
    tune: Option<&TuneOptions>,
    tfidf: &TfidfValidParams,
) -> Result<Vec<(String, TfidfValidParams)>> {
    match tune {
        Some(t) => t.vectorizer.candidates(tfidf.params()),
        None => Ok(vec![(String::new(), tfidf.clone())]),
    }
}

/// Settings chosen by the search of [`fit_pipeline`].
#[derive(Debug, Clone, PartialEq)]
pub struct TunedSettings {
    /// What was chosen, for example `min_df=1 ngrams=1-2 c=3`.
    pub label: String,
    /// The TF-IDF parameters the pipeline was fitted with.
    pub tfidf: TfidfParams,
    /// The classifier parameters the pipeline was fitted with.
    pub classifier: ClassifierParams,
}

/// What [`fit_pipeline`] fitted.
pub struct FittedPipeline {
    /// The vectorizer, fitted on every record.
    pub vectorizer: TfidfVectorizer,
    /// The classifier, fitted on every record.
    pub model: ClassifierModel,
    /// The threshold chosen by the rule on inner out-of-fold predictions.
    pub threshold: f64,
    /// The settings the search chose, when there was one.
    pub tuned: Option<TunedSettings>,
}

/// Fit the vectorizer and the classifier on every record, and choose the threshold by `rule`
/// on inner out-of-fold predictions: what `secdisc train` ships. With `tune`, the settings are
/// first chosen by nested CV on all the records (every candidate of `classifier`'s grid, and
/// of `tune`'s vectorizer grid, scored on `tune.inner_folds` folds, as inside each training
/// part of [`cross_validate_many`], which estimates how well this procedure does). The text is
/// tokenized once for the search and the final fit.
pub fn fit_pipeline(
    input: &CvInput<'_>,
    tfidf: &TfidfParams,
    classifier: &ClassifierParams,
    tune: Option<&TuneOptions>,
    rule: ThresholdRule,
    sampling: Sampling,
    seed: u64,
) -> Result<FittedPipeline> {
    let n = input.labels.len();
    assert_eq!(input.texts.len(), n, "one text per label");
    assert_eq!(input.groups.len(), n, "one group per label");
    classifier.check()?;
    let valid = tfidf.clone().check()?;
    let corpus = valid.tokenize(input.texts);
    let vectorizers = vectorizer_candidates(tune, &valid)?;
    let search = JointSearch {
        corpus: &corpus,
        vectorizers: &vectorizers,
        sequences: classifier.sequence_len(),
    };
    let rows: Vec<usize> = (0..n).collect();
    let part = TrainingPart {
        y: input.labels,
        groups: input.groups,
        rule,
        sampling,
        seed,
    };
    // Without a vectorizer grid, the search runs on the matrix the model is then fitted on.
    let (v, tuned, fitted) = match tune {
        Some(t) if !t.vectorizer.is_empty() => {
            let (v, label, params) = tune_jointly(&search, &rows, &part, classifier, t)?;
            (v, Some((label, params)), None)
        }
        Some(t) => {
            let m = fit_matrices(&search, 0, &rows, &[])?;
            let chosen = tune_classifier(&m.x_train, &part, classifier, t)?;
            (0, Some(chosen), Some(m))
        }
        None => (0, None, None),
    };
    let OuterMatrices {
        vectorizer,
        x_train: x,
        ..
    } = match fitted {
        Some(m) => m,
        None => fit_matrices(&search, v, &rows, &[])?,
    };
    let classifier = tuned.as_ref().map_or(classifier, |(_, params)| params);
    let model = fit_sampled(classifier, &x, input.labels, sampling, seed)?;
    let threshold = choose_threshold(
        &x,
        input.labels,
        input.groups,
        classifier,
        rule,
        sampling,
        5,
        seed,
    )?;
    let tuned = tuned.map(|(label, params)| TunedSettings {
        label,
        tfidf: vectorizers[v].1.params().clone(),
        classifier: params,
    });
    Ok(FittedPipeline {
        vectorizer,
        model,
        threshold,
        tuned,
    })
}

/// A vectorizer fitted on an outer training part and both parts' matrices.
struct OuterMatrices {
    vectorizer: TfidfVectorizer,
    x_train: CsrMatrix,
    x_test: CsrMatrix,
}

/// Vectorizer candidate `v` fitted on the `train` rows, and the matrices of both parts.
fn fit_matrices(
    search: &JointSearch<'_>,
    v: usize,
    train: &[usize],
    test: &[usize],
) -> Result<OuterMatrices> {
    let vectorizer = search.vectorizers[v]
        .1
        .fit_tokenized(search.corpus, train)?;
    let x_train = vectorizer.transform_tokenized_with(search.corpus, train, search.sequences);
    let x_test = vectorizer.transform_tokenized_with(search.corpus, test, search.sequences);
    Ok(OuterMatrices {
        vectorizer,
        x_train,
        x_test,
    })
}

/// The outer matrices of vectorizer candidate `v` in `slot`, fitted on `train` on first use.
fn outer_matrices<'a>(
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
struct JointSearch<'a> {
    corpus: &'a TokenizedCorpus,
    /// Vectorizer candidates with their labels.
    vectorizers: &'a [(String, TfidfValidParams)],
    /// Word sequences for sequence classifiers.
    sequences: Option<usize>,
}

/// The best (vectorizer index, label, classifier) for `base` by nested CV on the training part
/// `rows` (indices into the corpus) with labels `y` and threads `groups`: each inner fold fits
/// every vectorizer candidate on its inner training rows only, then scores the classifier
/// candidates paired with it.
fn tune_jointly(
    search: &JointSearch<'_>,
    rows: &[usize],
    part: &TrainingPart<'_>,
    base: &ClassifierParams,
    tune: &TuneOptions,
) -> Result<(usize, String, ClassifierParams)> {
    let TrainingPart {
        y,
        groups,
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
    let folds = Folds::stratified(y, groups, tune.inner_folds, seed ^ 0x7E57_F01D)?;
    let mut best: Option<(f64, usize, usize)> = None;
    for (v, (_, vectorizer)) in search.vectorizers.iter().enumerate() {
        let paired: Vec<usize> = pairs.iter().filter(|p| p.0 == v).map(|p| p.1).collect();
        if paired.is_empty() {
            continue;
        }
        let mut oof = vec![vec![0.0; y.len()]; paired.len()];
        for f in 0..tune.inner_folds {
            let (train, test) = folds.split(f);
            let train_rows: Vec<usize> = train.iter().map(|&p| rows[p]).collect();
            let test_rows: Vec<usize> = test.iter().map(|&p| rows[p]).collect();
            let fitted = vectorizer.fit_tokenized(search.corpus, &train_rows)?;
            let xt = fitted.transform_tokenized_with(search.corpus, &train_rows, search.sequences);
            let xe = fitted.transform_tokenized_with(search.corpus, &test_rows, search.sequences);
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
    let vectorizer_label = &search.vectorizers[v].0;
    let label = [vectorizer_label.as_str(), classifier_label.as_str()]
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok((v, label, params))
}

impl CvOptions {
    /// `(folds, repeats)` actually run: a predefined split has one repetition of its folds.
    pub fn shape(&self) -> (usize, usize) {
        match &self.split {
            Split::Stratified => (self.folds, self.repeats),
            Split::Predefined { names, .. } => (names.len(), 1),
            Split::Holdout { .. } => (1, 1),
        }
    }
}

/// Cross-validate one classifier (see [`cross_validate_many`]).
pub fn cross_validate(
    input: &CvInput<'_>,
    tfidf: &TfidfParams,
    classifier: &ClassifierParams,
    opts: &CvOptions,
    fold_done: &(dyn Fn() + Sync),
) -> Result<CvReport> {
    let (mut results, fold_of) = cross_validate_many(
        input,
        tfidf,
        std::slice::from_ref(classifier),
        opts,
        fold_done,
    )?;
    let r = results.remove(0);
    let (folds, repeats) = opts.shape();
    // A holdout report speaks of its test records only.
    let counted = |i: &usize| match &opts.split {
        Split::Holdout { test, .. } => test[*i],
        _ => true,
    };
    Ok(CvReport {
        folds,
        repeats,
        seed: opts.seed,
        n: (0..input.labels.len()).filter(counted).count(),
        positives: (0..input.labels.len())
            .filter(|i| counted(i) && input.labels[*i])
            .count(),
        threshold: opts.threshold.to_string(),
        mean: r.mean,
        std: r.std,
        per_fold: r.per_fold,
        oof_scores: r.oof_scores,
        fold_of,
    })
}

/// Cross-validate several classifiers on identical folds: for each fold of each repetition,
/// fit the vectorizer on the training part only, then every classifier on the same matrix,
/// choose each threshold on inner folds of the training part, and score the test part. Folds
/// run in parallel; results do not depend on the thread count. Returns one result per
/// classifier and the test fold of every record in the first repetition. `fold_done` is
/// called after each fold.
pub fn cross_validate_many(
    input: &CvInput<'_>,
    tfidf: &TfidfParams,
    classifiers: &[ClassifierParams],
    opts: &CvOptions,
    fold_done: &(dyn Fn() + Sync),
) -> Result<(Vec<ClassifierCv>, Vec<usize>)> {
    let n = input.labels.len();
    assert_eq!(input.texts.len(), n, "one text per label");
    assert_eq!(input.groups.len(), n, "one group per label");
    let (n_folds, repeats) = opts.shape();
    if repeats == 0 {
        return Err(TrainError::InvalidRepeats);
    }
    let tfidf = tfidf.clone().check()?;
    for c in classifiers {
        c.check()?;
    }
    let positives = input.labels.iter().filter(|&&l| l).count();
    if positives == 0 || positives == n {
        return Err(TrainError::SingleClass {
            positives,
            negatives: n - positives,
        });
    }
    let folds: Vec<Folds> = match &opts.split {
        Split::Stratified => (0..repeats)
            .map(|r| {
                let seed = opts.seed.wrapping_add(r as u64);
                Folds::stratified(input.labels, input.groups, n_folds, seed)
            })
            .collect::<Result<_>>()?,
        Split::Predefined { names, fold_of } => {
            assert_eq!(fold_of.len(), n, "one predefined fold per record");
            vec![Folds::predefined(fold_of.clone(), names.len())]
        }
        Split::Holdout { test, .. } => {
            assert_eq!(test.len(), n, "one holdout mark per record");
            let train_positives = (0..n).filter(|&i| !test[i] && input.labels[i]).count();
            let train_n = test.iter().filter(|&&t| !t).count();
            if train_positives == 0 || train_positives == train_n {
                return Err(TrainError::SingleClass {
                    positives: train_positives,
                    negatives: train_n - train_positives,
                });
            }
            // Fold 0 is the test set; fold 1 (never a test fold here) is training only.
            let fold_of = test.iter().map(|&t| usize::from(!t)).collect();
            vec![Folds::predefined(fold_of, 2)]
        }
    };
    let fold_name = |f: usize| match &opts.split {
        Split::Predefined { names, .. } => Some(names[f].clone()),
        Split::Holdout { name, .. } => Some(name.clone()),
        Split::Stratified => None,
    };
    let corpus = tfidf.tokenize(input.texts);
    // Word sequences only when a sequence classifier is among those compared.
    let sequences = classifiers
        .iter()
        .filter_map(ClassifierParams::sequence_len)
        .max();
    let joint = opts.tune.as_ref().is_some_and(|t| !t.vectorizer.is_empty());
    let vectorizers = vectorizer_candidates(opts.tune.as_ref(), &tfidf)?;
    let search = JointSearch {
        corpus: &corpus,
        vectorizers: &vectorizers,
        sequences,
    };
    let jobs: Vec<(usize, usize)> = (0..repeats)
        .flat_map(|r| (0..n_folds).map(move |f| (r, f)))
        .collect();
    type JobOut = Vec<(FoldResult, Vec<usize>, Vec<f64>, f64, f64)>;
    let outputs: Vec<JobOut> = jobs
        .par_iter()
        .map(|&(r, f)| -> Result<JobOut> {
            let (train, test) = folds[r].split(f);
            let y_train: Vec<bool> = train.iter().map(|&i| input.labels[i]).collect();
            let g_train: Vec<Option<&str>> = train.iter().map(|&i| input.groups[i]).collect();
            let y_test: Vec<bool> = test.iter().map(|&i| input.labels[i]).collect();
            let seed = opts
                .seed
                .wrapping_mul(1_000_003)
                .wrapping_add((r * n_folds + f) as u64);
            // The outer matrices of each vectorizer candidate, fitted on first use.
            // Without a vectorizer search, the one vectorizer is shared by every classifier and
            // fitted before their timers start.
            let mut outer: Vec<Option<OuterMatrices>> = vectorizers.iter().map(|_| None).collect();
            if !joint {
                outer_matrices(&mut outer[0], &search, 0, &train, &test)?;
            }
            let part = TrainingPart {
                y: &y_train,
                groups: &g_train,
                rule: opts.threshold,
                sampling: opts.sampling,
                seed,
            };
            let mut out = Vec::with_capacity(classifiers.len());
            for base in classifiers {
                let started = Instant::now();
                let (v, chosen, tuned) = match &opts.tune {
                    Some(t) if joint => {
                        let (v, label, params) = tune_jointly(&search, &train, &part, base, t)?;
                        (v, Some(label), params)
                    }
                    Some(t) => {
                        let m = outer_matrices(&mut outer[0], &search, 0, &train, &test)?;
                        let (label, params) = tune_classifier(&m.x_train, &part, base, t)?;
                        (0, Some(label), params)
                    }
                    None => (0, None, base.clone()),
                };
                let OuterMatrices {
                    vectorizer,
                    x_train,
                    x_test,
                } = outer_matrices(&mut outer[v], &search, v, &train, &test)?;
                let c = &tuned;
                let model = fit_sampled(c, x_train, &y_train, opts.sampling, seed)?;
                let threshold = choose_threshold(
                    x_train,
                    &y_train,
                    &g_train,
                    c,
                    opts.threshold,
                    opts.sampling,
                    opts.inner_folds,
                    seed,
                )?;
                let fit_seconds = started.elapsed().as_secs_f64();
                let started = Instant::now();
                let scores: Vec<f64> = x_test.rows().map(|row| model.probability(row)).collect();
                let predict_seconds = started.elapsed().as_secs_f64();
                let (metrics, confusion) = evaluate(&scores, &y_test, threshold);
                out.push((
                    FoldResult {
                        name: fold_name(f),
                        repeat: r + 1,
                        fold: f + 1,
                        train: train.len(),
                        test: test.len(),
                        test_positives: y_test.iter().filter(|&&l| l).count(),
                        features: vectorizer.n_features(),
                        threshold,
                        chosen,
                        metrics,
                        confusion,
                    },
                    test.clone(),
                    scores,
                    fit_seconds,
                    predict_seconds,
                ));
            }
            fold_done();
            Ok(out)
        })
        .collect::<Result<_>>()?;
    let mut results: Vec<ClassifierCv> = classifiers
        .iter()
        .map(|c| ClassifierCv {
            name: c.name().to_string(),
            mean: MetricSet::default(),
            std: MetricSet::default(),
            per_fold: Vec::with_capacity(jobs.len()),
            oof_scores: vec![f64::NAN; n],
            fit_seconds: 0.0,
            predict_seconds: 0.0,
        })
        .collect();
    for (job, out) in jobs.iter().zip(outputs) {
        for (result, (fold, test, scores, fit, predict)) in results.iter_mut().zip(out) {
            if job.0 == 0 {
                for (i, s) in test.into_iter().zip(scores) {
                    result.oof_scores[i] = s;
                }
            }
            result.fit_seconds += fit;
            result.predict_seconds += predict;
            result.per_fold.push(fold);
        }
    }
    for result in &mut results {
        let sets: Vec<MetricSet> = result.per_fold.iter().map(|f| f.metrics).collect();
        (result.mean, result.std) = mean_std(&sets);
    }
    Ok((results, folds[0].fold_of().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logistic::LogisticRegressionParams;
    use crate::naive_bayes::NaiveBayesParams;
    use crate::svm::SvmParams;

    fn toy() -> (Vec<String>, Vec<bool>) {
        let sec = [
            "jwt signature not verified",
            "rotate leaked api key",
            "enable mtls between services",
            "sql injection in sort param",
        ];
        let other = [
            "fix css layout",
            "bump lodash version",
            "flaky integration test",
            "improve readme wording",
            "kafka consumer lag",
        ];
        let mut texts = Vec::new();
        let mut labels = Vec::new();
        for i in 0..60 {
            if i % 3 == 0 {
                texts.push(format!("{} case {i}", sec[i % sec.len()]));
                labels.push(true);
            } else {
                texts.push(format!("{} case {i}", other[i % other.len()]));
                labels.push(false);
            }
        }
        (texts, labels)
    }

    fn all_classifiers() -> Vec<ClassifierParams> {
        vec![
            ClassifierParams::Lr(LogisticRegressionParams::default()),
            ClassifierParams::Svm(SvmParams::default()),
            ClassifierParams::Nb(NaiveBayesParams::default()),
            ClassifierParams::Knn(crate::knn::KnnParams::default()),
            ClassifierParams::FastText(crate::fasttext::FastTextParams::default()),
        ]
    }

    #[test]
    fn every_classifier_scores_well_on_separable_data_and_is_reproducible() {
        let (texts, labels) = toy();
        let groups = vec![None; texts.len()];
        let input = CvInput {
            texts: &texts,
            labels: &labels,
            groups: &groups,
        };
        let tfidf = TfidfParams::default().min_df(1);
        let opts = CvOptions {
            folds: 5,
            seed: 7,
            threshold: ThresholdRule::MaxF1,
            ..CvOptions::default()
        };
        let (a, fold_of) =
            cross_validate_many(&input, &tfidf, &all_classifiers(), &opts, &|| {}).unwrap();
        for r in &a {
            assert!(
                r.mean.f1 > 0.95 && r.mean.auc > 0.99,
                "{}: {:?}",
                r.name,
                r.mean
            );
            assert!(r.oof_scores.iter().all(|s| s.is_finite()));
            assert_eq!(r.per_fold.iter().map(|f| f.test).sum::<usize>(), 60);
        }
        assert_eq!(fold_of.len(), 60);
        let (b, _) =
            cross_validate_many(&input, &tfidf, &all_classifiers(), &opts, &|| {}).unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }

    #[test]
    fn repeats_multiply_folds_with_different_shuffles() {
        let (texts, labels) = toy();
        let groups = vec![None; texts.len()];
        let input = CvInput {
            texts: &texts,
            labels: &labels,
            groups: &groups,
        };
        let opts = CvOptions {
            folds: 3,
            repeats: 2,
            ..CvOptions::default()
        };
        let r = cross_validate(
            &input,
            &TfidfParams::default().min_df(1),
            &all_classifiers()[0],
            &opts,
            &|| {},
        )
        .unwrap();
        assert_eq!(r.per_fold.len(), 6);
        assert_eq!(r.per_fold[3].repeat, 2);
    }

    #[test]
    fn leave_one_source_out_tests_each_source_once() {
        let (texts, labels) = toy();
        let sources: Vec<Option<&str>> = (0..texts.len())
            .map(|i| Some(if i % 2 == 0 { "github" } else { "jira" }))
            .collect();
        let groups = vec![None; texts.len()];
        let input = CvInput {
            texts: &texts,
            labels: &labels,
            groups: &groups,
        };
        let opts = CvOptions {
            split: Split::leave_one_out(&sources).unwrap(),
            sampling: Sampling::Under,
            ..CvOptions::default()
        };
        let r = cross_validate(
            &input,
            &TfidfParams::default().min_df(1),
            &all_classifiers()[0],
            &opts,
            &|| {},
        )
        .unwrap();
        assert_eq!((r.folds, r.repeats), (2, 1));
        let names: Vec<_> = r.per_fold.iter().map(|f| f.name.clone().unwrap()).collect();
        assert_eq!(names, ["github", "jira"]);
        assert_eq!(r.per_fold[0].test, 30);
        assert!(Split::leave_one_out(&[Some("a"), Some("a")]).is_err());
    }

    #[test]
    fn nested_tuning_reports_the_choice_per_fold() {
        let (texts, labels) = toy();
        let groups = vec![None; texts.len()];
        let input = CvInput {
            texts: &texts,
            labels: &labels,
            groups: &groups,
        };
        let opts = CvOptions {
            folds: 3,
            tune: Some(TuneOptions::default()),
            ..CvOptions::default()
        };
        let r = cross_validate(
            &input,
            &TfidfParams::default().min_df(1),
            &all_classifiers()[2],
            &opts,
            &|| {},
        )
        .unwrap();
        assert!(r
            .per_fold
            .iter()
            .all(|f| f.chosen.as_deref().is_some_and(|c| c.starts_with("alpha="))));
        assert!(r.mean.f1 > 0.9);
    }

    #[test]
    fn joint_tuning_searches_the_vectorizer_in_inner_folds() {
        // The classes differ only in word order, so only bigrams separate them.
        let mut texts = Vec::new();
        let mut labels = Vec::new();
        for i in 0..90 {
            let positive = i % 3 == 0;
            let (a, b) = if positive {
                ("kafka", "docker")
            } else {
                ("docker", "kafka")
            };
            texts.push(format!("{a} {b} filler{}", i % 5));
            labels.push(positive);
        }
        let groups = vec![None; texts.len()];
        let input = CvInput {
            texts: &texts,
            labels: &labels,
            groups: &groups,
        };
        let tune = |ngram_max: Vec<usize>| CvOptions {
            folds: 3,
            tune: Some(TuneOptions {
                vectorizer: crate::tune::VectorizerGrid {
                    min_df: vec![1, 2],
                    ngram_max,
                },
                ..TuneOptions::default()
            }),
            ..CvOptions::default()
        };
        let run = |opts: &CvOptions, classifier: &ClassifierParams| {
            cross_validate(&input, &TfidfParams::default(), classifier, opts, &|| {}).unwrap()
        };
        let lr = &all_classifiers()[0];
        let r = run(&tune(vec![1, 2]), lr);
        for f in &r.per_fold {
            let chosen = f.chosen.as_deref().unwrap();
            assert!(chosen.contains(" ngrams=1-2 c="), "{chosen}");
            assert!(chosen.starts_with("min_df="), "{chosen}");
        }
        assert!(r.mean.f1 > 0.95, "{:?}", r.mean);
        // Unigrams alone cannot tell the classes apart.
        let r = run(&tune(vec![1]), lr);
        assert!(r.mean.auc < 0.7, "{:?}", r.mean);
        // An ensemble has no grid of its own: only the vectorizer is searched.
        let ensemble = ClassifierParams::Ensemble(all_classifiers()[..2].to_vec());
        let r = run(&tune(vec![1, 2]), &ensemble);
        for f in &r.per_fold {
            assert!(
                f.chosen.as_deref().unwrap().ends_with("ngrams=1-2"),
                "{f:?}"
            );
        }
        let plain = CvOptions {
            folds: 3,
            tune: Some(TuneOptions::default()),
            ..CvOptions::default()
        };
        let e = cross_validate(&input, &TfidfParams::default(), &ensemble, &plain, &|| {});
        assert!(matches!(e, Err(TrainError::EmptyGrid(_))));
        // The same search on all the data gives the settings to train the final model with.
        let t = tune(vec![1, 2]).tune.unwrap();
        let rule = ThresholdRule::default();
        let fit = |t: &TuneOptions| {
            fit_pipeline(
                &input,
                &TfidfParams::default(),
                lr,
                Some(t),
                rule,
                Sampling::None,
                7,
            )
            .unwrap()
        };
        let fitted = fit(&t);
        let s = fitted.tuned.unwrap();
        assert_eq!(fitted.vectorizer.params(), &s.tfidf);
        assert!(s.label.contains("ngrams=1-2 c="), "{}", s.label);
        assert_eq!(s.tfidf.ngram_range_value(), (1, 2));
        let chosen_min_df = if s.label.starts_with("min_df=1") {
            1
        } else {
            2
        };
        assert_eq!(s.tfidf.min_df_value(), chosen_min_df);
        let s = fit(&TuneOptions::default()).tuned.unwrap();
        assert!(s.label.starts_with("c="), "{}", s.label);
        assert_eq!(s.tfidf, TfidfParams::default());
    }

    #[test]
    fn one_class_is_rejected() {
        let texts = vec!["a b".to_string(); 10];
        let labels = vec![false; 10];
        let groups = vec![None; 10];
        let input = CvInput {
            texts: &texts,
            labels: &labels,
            groups: &groups,
        };
        let e = cross_validate(
            &input,
            &TfidfParams::default(),
            &all_classifiers()[0],
            &CvOptions {
                folds: 2,
                ..CvOptions::default()
            },
            &|| {},
        )
        .unwrap_err();
        assert!(matches!(e, TrainError::SingleClass { .. }));
    }
}
