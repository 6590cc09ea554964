//! ROC, precision-recall and reliability curves from scores and labels.
//!
//! Records whose score is not finite are left out. Tied scores form one step, so the area
//! under [`roc`] by the trapezoid rule is the rank AUC of `secdisc_train::metrics::roc_auc`,
//! and the area under the step curve of [`precision_recall`] is the average precision of
//! `secdisc_train::metrics::average_precision`.

/// Positive and negative counts at each distinct score, highest score first.
fn tie_groups(scores: &[f64], labels: &[bool]) -> Vec<(usize, usize)> {
    let mut order: Vec<(f64, bool)> = scores
        .iter()
        .zip(labels)
        .filter(|(s, _)| s.is_finite())
        .map(|(&s, &l)| (s, l))
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut groups = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let (mut pos, mut neg) = (0, 0);
        let mut j = i;
        while j < order.len() && order[j].0 == order[i].0 {
            if order[j].1 {
                pos += 1;
            } else {
                neg += 1;
            }
            j += 1;
        }
        groups.push((pos, neg));
        i = j;
    }
    groups
}

/// The ROC curve as `(false positive rate, true positive rate)` points from `(0, 0)` to
/// `(1, 1)`, one per distinct score; both coordinates never decrease. Empty when either class
/// is absent.
pub fn roc(scores: &[f64], labels: &[bool]) -> Vec<(f64, f64)> {
    let groups = tie_groups(scores, labels);
    let p: usize = groups.iter().map(|g| g.0).sum();
    let n: usize = groups.iter().map(|g| g.1).sum();
    if p == 0 || n == 0 {
        return Vec::new();
    }
    let mut points = Vec::with_capacity(groups.len() + 1);
    points.push((0.0, 0.0));
    let (mut tp, mut fp) = (0, 0);
    for (pos, neg) in groups {
        tp += pos;
        fp += neg;
        points.push((fp as f64 / n as f64, tp as f64 / p as f64));
    }
    points
}

/// The precision-recall curve as a step path of `(recall, precision)` points: at each distinct
/// score (highest first) a horizontal step to its recall at its precision, then a vertical step
/// to the next precision. Recall never decreases; the area under the path is the average
/// precision. Empty without positives.
pub fn precision_recall(scores: &[f64], labels: &[bool]) -> Vec<(f64, f64)> {
    let groups = tie_groups(scores, labels);
    let p: usize = groups.iter().map(|g| g.0).sum();
    if p == 0 {
        return Vec::new();
    }
    let mut steps = Vec::with_capacity(groups.len());
    let (mut tp, mut fp) = (0, 0);
    for (pos, neg) in groups {
        tp += pos;
        fp += neg;
        steps.push((tp as f64 / p as f64, tp as f64 / (tp + fp) as f64));
    }
    let mut points = Vec::with_capacity(2 * steps.len());
    let mut recall = 0.0;
    for (r, precision) in steps {
        points.push((recall, precision));
        points.push((r, precision));
        recall = r;
    }
    points
}

/// The area under a path of points by the trapezoid rule (for a step path, the area under the
/// steps).
pub fn area(points: &[(f64, f64)]) -> f64 {
    points
        .windows(2)
        .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
        .sum()
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    /// Lower edge (inclusive).
    pub lo: f64,
    /// Upper edge (exclusive, except for the last bin, which includes 1).
    pub hi: f64,
    /// Records whose score falls in the bin.
    pub count: usize,
    /// Mean score of those records (NaN when the bin is empty).
    pub mean_predicted: f64,
    /// Fraction of them that are security (NaN when the bin is empty).
    pub observed: f64,
}

/// `bins` equal-width probability bins over `[0, 1]` with the mean predicted probability and
/// the observed frequency of security in each. Scores outside `[0, 1]` go to the end bins.
pub fn reliability(scores: &[f64], labels: &[bool], bins: usize) -> Vec<Bin> {
    let bins = bins.max(1);
    let mut sums = vec![(0usize, 0.0f64, 0usize); bins];
    for (&s, &l) in scores.iter().zip(labels) {
        if !s.is_finite() {
            continue;
        }
        let b = ((s * bins as f64).floor().max(0.0) as usize).min(bins - 1);
        sums[b].0 += 1;
        sums[b].1 += s;
        sums[b].2 += usize::from(l);
    }
    sums.into_iter()
        .enumerate()
        .map(|(i, (count, total, pos))| Bin {
            lo: i as f64 / bins as f64,
            hi: (i + 1) as f64 / bins as f64,
            count,
            mean_predicted: total / count as f64,
            observed: pos as f64 / count as f64,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secdisc_train::metrics::{average_precision, roc_auc};

    fn sample() -> (Vec<f64>, Vec<bool>) {
        // A deterministic mix with ties and overlap between the classes.
        let mut scores = Vec::new();
        let mut labels = Vec::new();
        let mut x: u64 = 12345;
        for i in 0..400 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let label = i % 3 == 0;
            let noise = (x >> 40) as f64 / (1u64 << 24) as f64;
            let s = if label {
                0.35 + 0.6 * noise
            } else {
                0.6 * noise
            };
            scores.push((s * 50.0).round() / 50.0);
            labels.push(label);
        }
        (scores, labels)
    }

    fn monotone(points: &[(f64, f64)], x: bool, y: bool) -> bool {
        points
            .windows(2)
            .all(|w| (!x || w[1].0 >= w[0].0) && (!y || w[1].1 >= w[0].1))
    }

    #[test]
    fn roc_is_monotone_spans_the_square_and_its_area_is_the_auc() {
        let (s, l) = sample();
        let c = roc(&s, &l);
        assert!(monotone(&c, true, true));
        assert_eq!(c.first(), Some(&(0.0, 0.0)));
        assert_eq!(c.last(), Some(&(1.0, 1.0)));
        assert!((area(&c) - roc_auc(&s, &l)).abs() < 1e-12);
        assert!(roc(&[0.5, 0.7], &[true, true]).is_empty());
    }

    #[test]
    fn precision_recall_steps_have_the_average_precision_as_area() {
        let (s, l) = sample();
        let c = precision_recall(&s, &l);
        assert!(monotone(&c, true, false));
        assert_eq!(c.first().map(|p| p.0), Some(0.0));
        assert_eq!(c.last().map(|p| p.0), Some(1.0));
        assert!((area(&c) - average_precision(&s, &l)).abs() < 1e-12);
        assert!(c
            .iter()
            .all(|&(r, p)| (0.0..=1.0).contains(&r) && p > 0.0 && p <= 1.0));
    }

    #[test]
    fn reliability_bins_count_every_finite_score_once() {
        let scores = [0.05, 0.07, 0.1, 0.55, 0.95, 1.0, f64::NAN, 1.2, -0.1];
        let labels = [false, true, false, true, true, true, true, true, false];
        let bins = reliability(&scores, &labels, 10);
        assert_eq!(bins.len(), 10);
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 8);
        assert_eq!(bins[0].count, 3, "0.05, 0.07 and -0.1");
        assert!((bins[0].observed - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(bins[1].count, 1, "0.1 opens the second bin");
        assert_eq!(bins[9].count, 3, "0.95, 1.0 and 1.2");
        assert!(bins[3].mean_predicted.is_nan() && bins[3].count == 0);
        assert_eq!((bins[9].lo, bins[9].hi), (0.9, 1.0));
    }
}
