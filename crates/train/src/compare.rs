//! Compare classifiers on identical folds, with tests of their differences.
//!
//! For every pair of classifiers and each of F1 and ROC AUC, the per-fold scores are compared by
//! the Wilcoxon signed-rank test and by Nadeau and Bengio's corrected resampled t-test (which
//! accounts for overlapping training sets in k-fold CV). Holm's correction is applied to each
//! test's p-values across all pairs, per metric.

use secdisc_features::TfidfParams;
use serde::Serialize;

use crate::classifier::ClassifierParams;
use crate::cv::{cross_validate_many, ClassifierCv, CvInput, CvOptions};
use crate::error::Result;
use crate::stats::{corrected_resampled_t_test, holm, wilcoxon_signed_rank};

/// Significance level used to mark differences.
pub const ALPHA: f64 = 0.05;

/// One pairwise comparison on one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairTest {
    /// Metric compared: `f1` or `auc`.
    pub metric: &'static str,
    /// First classifier.
    pub a: String,
    /// Second classifier.
    pub b: String,
    /// Mean of `a − b` over folds.
    pub mean_difference: f64,
    /// Wilcoxon signed-rank p-value (two-sided).
    pub wilcoxon_p: f64,
    /// The same after Holm's correction.
    pub wilcoxon_p_holm: f64,
    /// Corrected resampled t statistic.
    pub t: f64,
    /// Its two-sided p-value.
    pub t_p: f64,
    /// The same after Holm's correction.
    pub t_p_holm: f64,
    /// Both corrected p-values are below [`ALPHA`].
    pub significant: bool,
}

/// The result of [`compare`]. Serialises without timings, so the same seed gives the same JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareReport {
    /// Folds per repetition.
    pub folds: usize,
    /// Repetitions.
    pub repeats: usize,
    /// Seed of the first repetition.
    pub seed: u64,
    /// Records.
    pub n: usize,
    /// Security records.
    pub positives: usize,
    /// Threshold rule.
    pub threshold: String,
    /// Per-classifier results, in the order asked.
    pub classifiers: Vec<ClassifierCv>,
    /// Pairwise tests.
    pub tests: Vec<PairTest>,
}

/// Cross-validate `classifiers` on identical folds and test their pairwise differences.
pub fn compare(
    input: &CvInput<'_>,
    tfidf: &TfidfParams,
    classifiers: &[ClassifierParams],
    opts: &CvOptions,
    fold_done: &(dyn Fn() + Sync),
) -> Result<CompareReport> {
    let (results, _) = cross_validate_many(input, tfidf, classifiers, opts, fold_done)?;
    let n = input.labels.len();
    let (folds, repeats) = opts.shape();
    let n_test = n as f64 / folds as f64;
    let n_train = n as f64 - n_test;
    let mut tests = Vec::new();
    for metric in ["f1", "auc"] {
        let scores = |r: &ClassifierCv| -> Vec<f64> {
            r.per_fold
                .iter()
                .map(|f| {
                    if metric == "f1" {
                        f.metrics.f1
                    } else {
                        f.metrics.auc
                    }
                })
                .collect()
        };
        let mut family = Vec::new();
        for i in 0..results.len() {
            for j in i + 1..results.len() {
                let (a, b) = (scores(&results[i]), scores(&results[j]));
                let w = wilcoxon_signed_rank(&a, &b);
                let t = corrected_resampled_t_test(
                    &a,
                    &b,
                    n_train.round() as usize,
                    n_test.round() as usize,
                );
                let mean_difference =
                    a.iter().zip(&b).map(|(x, y)| x - y).sum::<f64>() / a.len() as f64;
                family.push(PairTest {
                    metric,
                    a: results[i].name.clone(),
                    b: results[j].name.clone(),
                    mean_difference,
                    wilcoxon_p: w.p_value,
                    wilcoxon_p_holm: f64::NAN,
                    t: t.t,
                    t_p: t.p_value,
                    t_p_holm: f64::NAN,
                    significant: false,
                });
            }
        }
        let wh = holm(&family.iter().map(|p| p.wilcoxon_p).collect::<Vec<_>>());
        let th = holm(&family.iter().map(|p| p.t_p).collect::<Vec<_>>());
        for ((p, w), t) in family.iter_mut().zip(wh).zip(th) {
            p.wilcoxon_p_holm = w;
            p.t_p_holm = t;
            p.significant = w < ALPHA && t < ALPHA;
        }
        tests.extend(family);
    }
    Ok(CompareReport {
        folds,
        repeats,
        seed: opts.seed,
        n,
        positives: input.labels.iter().filter(|&&l| l).count(),
        threshold: opts.threshold.to_string(),
        classifiers: results,
        tests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logistic::LogisticRegressionParams;
    use crate::naive_bayes::NaiveBayesParams;

    #[test]
    fn compares_every_pair_on_both_metrics() {
        let texts: Vec<String> = (0..90)
            .map(|i| {
                if i % 3 == 0 {
                    format!("jwt token leak rotate key {i}")
                } else {
                    format!("css layout bug flaky test {i}")
                }
            })
            .collect();
        let labels: Vec<bool> = (0..90).map(|i| i % 3 == 0).collect();
        let groups = vec![None; 90];
        let input = CvInput {
            texts: &texts,
            labels: &labels,
            groups: &groups,
            dense: None,
        };
        let classifiers = [
            ClassifierParams::Lr(LogisticRegressionParams::default()),
            ClassifierParams::Nb(NaiveBayesParams::default()),
            ClassifierParams::Lr(LogisticRegressionParams::default().c(0.01)),
        ];
        let opts = CvOptions {
            folds: 5,
            ..CvOptions::default()
        };
        let r = compare(
            &input,
            &TfidfParams::default().min_df(1),
            &classifiers,
            &opts,
            &|| {},
        )
        .unwrap();
        assert_eq!(r.classifiers.len(), 3);
        assert_eq!(r.tests.len(), 6);
        for t in &r.tests {
            assert!(
                t.wilcoxon_p_holm >= t.wilcoxon_p && t.t_p_holm >= t.t_p,
                "{t:?}"
            );
            assert!((0.0..=1.0).contains(&t.wilcoxon_p_holm));
        }
        let json = serde_json::to_string(&r).unwrap();
        let again = compare(
            &input,
            &TfidfParams::default().min_df(1),
            &classifiers,
            &opts,
            &|| {},
        )
        .unwrap();
        assert_eq!(json, serde_json::to_string(&again).unwrap());
    }
}
