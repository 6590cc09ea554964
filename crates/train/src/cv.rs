//! Stratified group k-fold cross-validation of TF-IDF + logistic regression.

use linfa::param_guard::ParamGuard;
use rayon::prelude::*;
use secdisc_features::{LinearModel, MetricSet, TfidfParams, TfidfVectorizer};
use serde::Serialize;

use crate::error::{Result, TrainError};
use crate::folds::Folds;
use crate::logistic::LogisticRegressionParams;
use crate::metrics::{evaluate, mean_std, Confusion};

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

/// Results of one fold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldResult {
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
    /// Metrics on the test part.
    #[serde(flatten)]
    pub metrics: MetricSet,
    /// Confusion matrix on the test part.
    pub confusion: Confusion,
}

/// Cross-validation results. Serialises as
/// `{"folds","seed","n","positives","threshold","mean","std","per_fold"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvReport {
    /// Number of folds.
    pub folds: usize,
    /// Shuffling seed.
    pub seed: u64,
    /// Records.
    pub n: usize,
    /// Security records.
    pub positives: usize,
    /// Probability threshold for the security label.
    pub threshold: f64,
    /// Mean of each metric over folds.
    pub mean: MetricSet,
    /// Population standard deviation over folds.
    pub std: MetricSet,
    /// One entry per fold, in order.
    pub per_fold: Vec<FoldResult>,
    /// Out-of-fold probability of security for each record.
    #[serde(skip)]
    pub oof_scores: Vec<f64>,
    /// Test fold (0-based) of each record.
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

/// Fit the vectorizer and the classifier on every record: what `secdisc train` ships.
pub fn fit_pipeline(
    texts: &[String],
    labels: &[bool],
    tfidf: &TfidfParams,
    lr: &LogisticRegressionParams,
) -> Result<(TfidfVectorizer, LinearModel)> {
    let vectorizer = tfidf.clone().check()?.fit(texts)?;
    let x = vectorizer.transform(texts);
    let model = lr.clone().check()?.fit_sparse(&x, labels)?;
    Ok((vectorizer, model))
}

/// Run `k`-fold cross-validation: for each fold, fit the vectorizer and the classifier on the
/// training part only, then score the test part. Folds run in parallel; the result does not
/// depend on the thread count.
pub fn cross_validate(
    input: &CvInput<'_>,
    tfidf: &TfidfParams,
    lr: &LogisticRegressionParams,
    k: usize,
    seed: u64,
    threshold: f64,
) -> Result<CvReport> {
    cross_validate_with_progress(input, tfidf, lr, k, seed, threshold, &|| {})
}

/// [`cross_validate`], calling `fold_done` after each fold.
pub fn cross_validate_with_progress(
    input: &CvInput<'_>,
    tfidf: &TfidfParams,
    lr: &LogisticRegressionParams,
    k: usize,
    seed: u64,
    threshold: f64,
    fold_done: &(dyn Fn() + Sync),
) -> Result<CvReport> {
    let n = input.labels.len();
    assert_eq!(input.texts.len(), n, "one text per label");
    assert_eq!(input.groups.len(), n, "one group per label");
    let tfidf = tfidf.clone().check()?;
    let lr = lr.clone().check()?;
    let positives = input.labels.iter().filter(|&&l| l).count();
    if positives == 0 || positives == n {
        return Err(TrainError::SingleClass {
            positives,
            negatives: n - positives,
        });
    }
    let folds = Folds::stratified(input.labels, input.groups, k, seed)?;
    let corpus = tfidf.tokenize(input.texts);
    let results: Vec<(FoldResult, Vec<usize>, Vec<f64>)> = (0..k)
        .into_par_iter()
        .map(|f| {
            let (train, test) = folds.split(f);
            let vectorizer = tfidf.fit_tokenized(&corpus, &train)?;
            let x_train = vectorizer.transform_tokenized(&corpus, &train);
            let y_train: Vec<bool> = train.iter().map(|&r| input.labels[r]).collect();
            let model = lr.fit_sparse(&x_train, &y_train)?;
            drop(x_train);
            let x_test = vectorizer.transform_tokenized(&corpus, &test);
            let scores: Vec<f64> = x_test.rows().map(|row| model.probability(row)).collect();
            let y_test: Vec<bool> = test.iter().map(|&r| input.labels[r]).collect();
            let (metrics, confusion) = evaluate(&scores, &y_test, threshold);
            fold_done();
            Ok((
                FoldResult {
                    fold: f + 1,
                    train: train.len(),
                    test: test.len(),
                    test_positives: y_test.iter().filter(|&&l| l).count(),
                    features: vectorizer.n_features(),
                    metrics,
                    confusion,
                },
                test,
                scores,
            ))
        })
        .collect::<Result<_>>()?;
    let mut oof_scores = vec![f64::NAN; n];
    let mut per_fold = Vec::with_capacity(k);
    for (fold, test, scores) in results {
        for (r, s) in test.into_iter().zip(scores) {
            oof_scores[r] = s;
        }
        per_fold.push(fold);
    }
    let sets: Vec<MetricSet> = per_fold.iter().map(|f| f.metrics).collect();
    let (mean, std) = mean_std(&sets);
    Ok(CvReport {
        folds: k,
        seed,
        n,
        positives,
        threshold,
        mean,
        std,
        per_fold,
        oof_scores,
        fold_of: folds.fold_of().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn separable_toy_data_scores_well_and_is_reproducible() {
        let (texts, labels) = toy();
        let groups = vec![None; texts.len()];
        let input = CvInput {
            texts: &texts,
            labels: &labels,
            groups: &groups,
        };
        let tfidf = TfidfParams::default().min_df(1);
        let lr = LogisticRegressionParams::default();
        let a = cross_validate(&input, &tfidf, &lr, 5, 7, 0.5).unwrap();
        assert!(a.mean.f1 > 0.95 && a.mean.auc > 0.99, "{:?}", a.mean);
        assert!(a.oof_scores.iter().all(|s| s.is_finite()));
        assert_eq!(a.per_fold.iter().map(|f| f.test).sum::<usize>(), 60);
        let b = cross_validate(&input, &tfidf, &lr, 5, 7, 0.5).unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
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
            &LogisticRegressionParams::default(),
            2,
            0,
            0.5,
        )
        .unwrap_err();
        assert!(matches!(e, TrainError::SingleClass { .. }));
    }
}
