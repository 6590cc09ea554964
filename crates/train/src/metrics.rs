//! Binary classification metrics for the security class.

use serde::{Deserialize, Serialize};

pub use secdisc_model::MetricSet;

/// Counts of a binary confusion matrix (security is the positive class).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// Security predicted security.
    pub tp: usize,
    /// Non-security predicted security.
    pub fp: usize,
    /// Non-security predicted non-security.
    pub tn: usize,
    /// Security predicted non-security.
    pub fn_: usize,
}

impl Confusion {
    /// Count predictions `score >= threshold` against `labels`.
    pub fn at_threshold(scores: &[f64], labels: &[bool], threshold: f64) -> Confusion {
        let mut c = Confusion::default();
        for (&s, &l) in scores.iter().zip(labels) {
            match (s >= threshold, l) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }

    fn ratio(a: usize, b: usize) -> f64 {
        if b == 0 {
            0.0
        } else {
            a as f64 / b as f64
        }
    }

    /// TP / (TP + FP), 0 when nothing is predicted positive.
    pub fn precision(&self) -> f64 {
        Self::ratio(self.tp, self.tp + self.fp)
    }

    /// TP / (TP + FN), 0 without positives.
    pub fn recall(&self) -> f64 {
        Self::ratio(self.tp, self.tp + self.fn_)
    }

    /// TN / (TN + FP).
    pub fn specificity(&self) -> f64 {
        Self::ratio(self.tn, self.tn + self.fp)
    }

    /// Precision of the non-security class: TN / (TN + FN).
    pub fn negative_predictive_value(&self) -> f64 {
        Self::ratio(self.tn, self.tn + self.fn_)
    }

    /// Harmonic mean of precision and recall, 0 when both are 0.
    pub fn f1(&self) -> f64 {
        f_score(self.precision(), self.recall())
    }

    /// sqrt(recall × specificity).
    pub fn gmean(&self) -> f64 {
        (self.recall() * self.specificity()).sqrt()
    }

    /// Matthews correlation coefficient, 0 when a margin is empty.
    pub fn mcc(&self) -> f64 {
        let (tp, fp, tn, fn_) = (
            self.tp as f64,
            self.fp as f64,
            self.tn as f64,
            self.fn_ as f64,
        );
        let denom = ((tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_)).sqrt();
        if denom == 0.0 {
            0.0
        } else {
            (tp * tn - fp * fn_) / denom
        }
    }
}

impl std::ops::Add for Confusion {
    type Output = Confusion;

    /// Element-wise sum.
    fn add(self, o: Confusion) -> Confusion {
        Confusion {
            tp: self.tp + o.tp,
            fp: self.fp + o.fp,
            tn: self.tn + o.tn,
            fn_: self.fn_ + o.fn_,
        }
    }
}

/// Harmonic mean of two rates, 0 when both are 0.
pub fn f_score(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

/// Area under the ROC curve by the rank-sum statistic; tied scores count half.
/// Returns NaN when either class is absent.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> f64 {
    let p = labels.iter().filter(|&&l| l).count();
    let n = labels.len() - p;
    if p == 0 || n == 0 {
        return f64::NAN;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && scores[order[j]] == scores[order[i]] {
            j += 1;
        }
        let mid_rank = (i + j + 1) as f64 / 2.0; // ranks i+1..=j averaged
        rank_sum += mid_rank * order[i..j].iter().filter(|&&r| labels[r]).count() as f64;
        i = j;
    }
    (rank_sum - (p * (p + 1)) as f64 / 2.0) / (p as f64 * n as f64)
}

/// Average precision (area under the precision-recall curve as scikit-learn's
/// `average_precision_score` computes it): Σ (Rₖ − Rₖ₋₁) Pₖ over distinct score thresholds.
/// Returns NaN without positives.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> f64 {
    let p = labels.iter().filter(|&&l| l).count();
    if p == 0 {
        return f64::NAN;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut fp, mut ap, mut prev_recall) = (0usize, 0usize, 0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j < order.len() && scores[order[j]] == scores[order[i]] {
            if labels[order[j]] {
                tp += 1;
            } else {
                fp += 1;
            }
            j += 1;
        }
        let recall = tp as f64 / p as f64;
        ap += (recall - prev_recall) * (tp as f64 / (tp + fp) as f64);
        prev_recall = recall;
        i = j;
    }
    ap
}

/// All metrics of a [`MetricSet`] for `scores` (probability of security) at `threshold`.
pub fn evaluate(scores: &[f64], labels: &[bool], threshold: f64) -> (MetricSet, Confusion) {
    let c = Confusion::at_threshold(scores, labels, threshold);
    let set = MetricSet {
        precision: c.precision(),
        recall: c.recall(),
        f1: c.f1(),
        auc: roc_auc(scores, labels),
        gmean: c.gmean(),
        mcc: c.mcc(),
        pr_auc: average_precision(scores, labels),
    };
    (set, c)
}

fn fields(m: &MetricSet) -> [f64; 7] {
    [m.precision, m.recall, m.f1, m.auc, m.gmean, m.mcc, m.pr_auc]
}

fn from_fields(v: [f64; 7]) -> MetricSet {
    MetricSet {
        precision: v[0],
        recall: v[1],
        f1: v[2],
        auc: v[3],
        gmean: v[4],
        mcc: v[5],
        pr_auc: v[6],
    }
}

/// Mean and population standard deviation of each metric over `sets`, skipping the sets where
/// that metric is undefined (NaN, such as ROC AUC of a test fold with one class). A metric
/// undefined everywhere stays NaN; empty input gives zeros.
pub fn mean_std(sets: &[MetricSet]) -> (MetricSet, MetricSet) {
    if sets.is_empty() {
        return (MetricSet::default(), MetricSet::default());
    }
    let mut mean = [0.0; 7];
    let mut std = [0.0; 7];
    for k in 0..7 {
        let values: Vec<f64> = sets
            .iter()
            .map(|s| fields(s)[k])
            .filter(|v| !v.is_nan())
            .collect();
        if values.is_empty() {
            mean[k] = f64::NAN;
            std[k] = f64::NAN;
            continue;
        }
        let n = values.len() as f64;
        let m = values.iter().sum::<f64>() / n;
        mean[k] = m;
        std[k] = (values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt();
    }
    (from_fields(mean), from_fields(std))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_metrics_match_hand_computation() {
        // TP=2 FP=1 TN=3 FN=1
        let scores = [0.9, 0.8, 0.7, 0.2, 0.1, 0.3, 0.4];
        let labels = [true, true, false, true, false, false, false];
        let c = Confusion::at_threshold(&scores, &labels, 0.5);
        assert_eq!(
            c,
            Confusion {
                tp: 2,
                fp: 1,
                tn: 3,
                fn_: 1
            }
        );
        assert!((c.precision() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.recall() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.f1() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.gmean() - (2.0f64 / 3.0 * 0.75).sqrt()).abs() < 1e-12);
        let mcc = (2.0 * 3.0 - 1.0) / (3.0f64 * 3.0 * 4.0 * 4.0).sqrt();
        assert!((c.mcc() - mcc).abs() < 1e-12);
    }

    #[test]
    fn degenerate_predictions_give_zero_not_nan() {
        let labels = [true, false, false];
        let none = Confusion::at_threshold(&[0.1, 0.1, 0.1], &labels, 0.5);
        assert_eq!(
            (
                none.precision(),
                none.recall(),
                none.f1(),
                none.mcc(),
                none.gmean()
            ),
            (0.0, 0.0, 0.0, 0.0, 0.0)
        );
        let all = Confusion::at_threshold(&[0.9, 0.9, 0.9], &labels, 0.5);
        assert!((all.precision() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!((all.recall(), all.mcc(), all.gmean()), (1.0, 0.0, 0.0));
    }

    #[test]
    fn auc_handles_ties_and_perfect_order() {
        assert_eq!(
            roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
            0.75
        );
        assert_eq!(roc_auc(&[0.5, 0.5], &[true, false]), 0.5);
        assert_eq!(roc_auc(&[0.9, 0.1], &[true, false]), 1.0);
        assert!(roc_auc(&[0.9], &[true]).is_nan());
    }

    #[test]
    fn average_precision_matches_scikit_learn() {
        // sklearn.metrics.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8333...
        let ap = average_precision(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]);
        assert!((ap - 0.833_333_333_333_333_4).abs() < 1e-12);
        assert_eq!(average_precision(&[0.2, 0.9], &[true, false]), 0.5);
    }

    #[test]
    fn mean_std_is_population_std() {
        let a = MetricSet {
            f1: 0.2,
            ..MetricSet::default()
        };
        let b = MetricSet {
            f1: 0.4,
            ..MetricSet::default()
        };
        let (m, s) = mean_std(&[a, b]);
        assert!((m.f1 - 0.3).abs() < 1e-12 && (s.f1 - 0.1).abs() < 1e-12);
        let c = MetricSet {
            f1: 0.9,
            auc: f64::NAN,
            ..MetricSet::default()
        };
        let (m, _) = mean_std(&[a, b, c]);
        assert!((m.auc - 0.0).abs() < 1e-12 && (m.f1 - 0.5).abs() < 1e-12);
    }
}
