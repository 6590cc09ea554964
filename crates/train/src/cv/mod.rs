//! Stratified group k-fold cross-validation: any classifiers, identical folds, thresholds
//! chosen on the training part only. [`results`] holds what it reports, `inner` the fitting
//! and threshold choice on a training part, `search` the nested hyperparameter search.

pub(crate) mod inner;
mod results;
pub(crate) mod search;

use std::time::Instant;

use rayon::prelude::*;
use secdisc_features::{DenseRows, TfidfParams};
use secdisc_model::MetricSet;

use crate::classifier::ClassifierParams;
use crate::error::{Result, TrainError};
use crate::folds::Folds;
use crate::metrics::{evaluate, mean_std};

use crate::sampling::Sampling;
use crate::threshold::ThresholdRule;
use crate::tune::TuneOptions;
pub use inner::fit_sampled;
use inner::{choose_threshold, TrainingPart};
pub use results::{ClassifierCv, CvReport, FoldResult};
use search::{
    outer_matrices, tune_classifier, tune_jointly, vectorizer_candidates, JointSearch,
    OuterMatrices,
};

/// The data to cross-validate: parallel slices, one entry per record.
#[derive(Debug, Clone, Copy)]
pub struct CvInput<'a> {
    /// Record texts.
    pub texts: &'a [String],
    /// `true` for security.
    pub labels: &'a [bool],
    /// Thread of each record (`None`: a thread of its own); threads never straddle folds.
    pub groups: &'a [Option<&'a str>],
    /// Sentence vectors of every record, appended to each fold's TF-IDF rows; `None` for
    /// TF-IDF alone.
    pub dense: Option<DenseInput<'a>>,
}

/// Sentence vectors of every record (one row each, L2-normalised) and the weight of their block
/// against the unit-length TF-IDF part (see [`secdisc_features::CsrMatrix::with_dense`]). They
/// depend on no label, so computing them once for all folds leaks nothing.
#[derive(Debug, Clone, Copy)]
pub struct DenseInput<'a> {
    /// One vector per record.
    pub rows: &'a DenseRows,
    /// Weight of the vectors.
    pub weight: f32,
    /// Weight of the TF-IDF part: 1 beside the vectors, 0 for the vectors alone.
    pub tfidf_weight: f32,
}

/// How records are split into test folds.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Split {
    /// Stratified, shuffled, group-aware k folds (`CvOptions::folds` × `repeats`). The default.
    #[default]
    Stratified,
    /// Fixed test folds, one per named part, for example one per source
    /// ([`Split::leave_one_out`]); `folds` and `repeats` are ignored. A record in fold
    /// `names.len()` is trained on in every fold and never tested.
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
        Split::leave_one_out_training(keys, &vec![false; keys.len()])
    }

    /// As [`Split::leave_one_out`], but the records marked in `train_only` form no test fold:
    /// they are trained on in every fold (extra training data, such as a corpus written for
    /// the purpose) and left out of the scores.
    pub fn leave_one_out_training(keys: &[Option<&str>], train_only: &[bool]) -> Result<Split> {
        assert_eq!(keys.len(), train_only.len(), "one mark per key");
        let mut names: Vec<String> = Vec::new();
        let mut fold_of = Vec::with_capacity(keys.len());
        let mut trained_only = Vec::new();
        for (r, key) in keys.iter().enumerate() {
            if train_only[r] {
                trained_only.push(r);
                fold_of.push(0);
                continue;
            }
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
        for r in trained_only {
            fold_of[r] = names.len();
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
        Split::Predefined { names, fold_of } => fold_of[*i] < names.len(),
        Split::Stratified => true,
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
            // Fold `names.len()` holds the training-only records: never a test fold.
            vec![Folds::predefined(fold_of.clone(), names.len() + 1)]
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
    let vectorizers = vectorizer_candidates(opts.tune.as_ref(), &tfidf, input.dense.as_ref())?;
    let search = JointSearch {
        corpus: &corpus,
        vectorizers: &vectorizers,
        sequences,
        dense: input.dense,
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
            // Under a leave-one-out split, each training row's file or source (training-only
            // files: none), so that a search's inner folds leave one out too.
            let b_train: Option<Vec<Option<usize>>> = match &opts.split {
                Split::Predefined { names, fold_of } => Some(
                    train
                        .iter()
                        .map(|&i| (fold_of[i] < names.len()).then_some(fold_of[i]))
                        .collect(),
                ),
                _ => None,
            };
            let part = TrainingPart {
                y: &y_train,
                groups: &g_train,
                blocks: b_train.as_deref(),
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
    use crate::pipeline::fit_pipeline;
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

    /// The records without sentence vectors.
    pub(super) fn plain<'a>(
        texts: &'a [String],
        labels: &'a [bool],
        groups: &'a [Option<&'a str>],
    ) -> CvInput<'a> {
        CvInput {
            texts,
            labels,
            groups,
            dense: None,
        }
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
        let input = plain(&texts, &labels, &groups);
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
        let input = plain(&texts, &labels, &groups);
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
        let input = plain(&texts, &labels, &groups);
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
        let input = plain(&texts, &labels, &groups);
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
        let input = plain(&texts, &labels, &groups);
        let tune = |ngram_max: Vec<usize>| CvOptions {
            folds: 3,
            tune: Some(TuneOptions {
                vectorizer: crate::tune::VectorizerGrid {
                    min_df: vec![1, 2],
                    ngram_max,
                    ..crate::tune::VectorizerGrid::default()
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
            let settings = crate::PipelineSettings {
                tfidf: TfidfParams::default(),
                classifier: lr.clone(),
                tune: Some(t.clone()),
                threshold: rule,
                sampling: Sampling::None,
                seed: 7,
            };
            fit_pipeline(&input, &settings).unwrap()
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
        let input = plain(&texts, &labels, &groups);
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

#[cfg(test)]
mod dense_tests {
    use super::tests::plain;
    use super::*;
    use crate::logistic::LogisticRegressionParams;

    /// Texts that carry no signal, and sentence vectors that do: only the dense block can
    /// separate the classes.
    fn meaning_only() -> (Vec<String>, Vec<bool>, DenseRows) {
        let mut texts = Vec::new();
        let mut labels = Vec::new();
        let mut values = Vec::new();
        for i in 0..90 {
            let security = i % 3 == 0;
            texts.push(format!("paragraph number {} about things", i % 7));
            labels.push(security);
            let (a, b) = if security {
                (0.9f32, 0.1f32)
            } else {
                (0.1, 0.9)
            };
            let norm = (a * a + b * b).sqrt();
            values.extend_from_slice(&[a / norm, b / norm]);
        }
        (texts, labels, DenseRows::new(2, values).unwrap())
    }

    fn auc(input: &CvInput<'_>) -> f64 {
        let opts = CvOptions {
            folds: 3,
            ..CvOptions::default()
        };
        let lr = ClassifierParams::Lr(LogisticRegressionParams::default());
        let tfidf = TfidfParams::default().min_df(1);
        cross_validate(input, &tfidf, &lr, &opts, &|| {})
            .unwrap()
            .mean
            .auc
    }

    #[test]
    fn the_dense_block_reaches_every_fold() {
        let (texts, labels, rows) = meaning_only();
        let groups = vec![None; texts.len()];
        let mut input = plain(&texts, &labels, &groups);
        let words_alone = auc(&input);
        assert!(
            words_alone < 0.8,
            "TF-IDF alone has no signal here: {words_alone}"
        );
        for tfidf_weight in [1.0, 0.0] {
            input.dense = Some(DenseInput {
                rows: &rows,
                weight: 1.0,
                tfidf_weight,
            });
            let with_vectors = auc(&input);
            assert!(with_vectors > 0.99, "{tfidf_weight}: {with_vectors}");
        }
    }

    #[test]
    fn training_only_records_are_never_tested() {
        let keys = [Some("a"), Some("b"), Some("c"), Some("a"), None];
        let train_only = [false, false, true, false, true];
        let Split::Predefined { names, fold_of } =
            Split::leave_one_out_training(&keys, &train_only).unwrap()
        else {
            panic!("a predefined split");
        };
        assert_eq!(names, ["a", "b"]);
        assert_eq!(fold_of, [0, 1, 2, 0, 2]);
        let (texts, labels) = {
            let mut t = Vec::new();
            let mut l = Vec::new();
            for i in 0..60 {
                t.push(if i % 3 == 0 {
                    format!("jwt token leak {i}")
                } else {
                    format!("css layout bug {i}")
                });
                l.push(i % 3 == 0);
            }
            (t, l)
        };
        let keys: Vec<Option<&str>> = (0..60)
            .map(|i| Some(["p", "q", "r"][(i / 3) % 3]))
            .collect();
        // Every fifth record (of both classes) trains only.
        let train_only: Vec<bool> = (0..60).map(|i| i % 5 == 0).collect();
        let groups = vec![None; 60];
        let input = plain(&texts, &labels, &groups);
        let opts = CvOptions {
            split: Split::leave_one_out_training(&keys, &train_only).unwrap(),
            ..CvOptions::default()
        };
        let lr = ClassifierParams::Lr(LogisticRegressionParams::default());
        let tfidf = TfidfParams::default().min_df(1);
        let r = cross_validate(&input, &tfidf, &lr, &opts, &|| {}).unwrap();
        let tested = train_only.iter().filter(|&&t| !t).count();
        assert_eq!(r.n, tested);
        assert_eq!(r.per_fold.iter().map(|f| f.test).sum::<usize>(), tested);
        for (i, &t) in train_only.iter().enumerate() {
            assert_eq!(r.oof_scores[i].is_nan(), t, "record {i}");
        }
    }
}
