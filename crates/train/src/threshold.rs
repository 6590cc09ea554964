//! Choosing the probability threshold of the security label from out-of-fold predictions.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::TrainError;
use crate::metrics::Confusion;

/// How the decision threshold is chosen. Parsed from `max-f1`, `recall:0.9`, `precision:0.8`
/// or `fixed:0.5`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "rule", content = "value")]
pub enum ThresholdRule {
    /// Always this probability.
    Fixed(f64),
    /// The threshold with the best F1 on the training data's out-of-fold predictions.
    MaxF1,
    /// The highest threshold that keeps recall at least this.
    Recall(f64),
    /// The lowest threshold that reaches this precision (the most recall at that precision);
    /// the highest score when none does.
    Precision(f64),
}

impl Default for ThresholdRule {
    fn default() -> Self {
        ThresholdRule::Fixed(0.5)
    }
}

impl FromStr for ThresholdRule {
    type Err = TrainError;

    fn from_str(s: &str) -> Result<Self, TrainError> {
        let bad = || TrainError::InvalidThresholdRule(s.to_string());
        let value = |v: &str| -> Result<f64, TrainError> {
            let x: f64 = v.trim().parse().map_err(|_| bad())?;
            if (0.0..=1.0).contains(&x) {
                Ok(x)
            } else {
                Err(bad())
            }
        };
        match s.trim().split_once(':') {
            None if s.trim() == "max-f1" => Ok(ThresholdRule::MaxF1),
            Some(("fixed", v)) => Ok(ThresholdRule::Fixed(value(v)?)),
            Some(("recall", v)) => Ok(ThresholdRule::Recall(value(v)?)),
            Some(("precision", v)) => Ok(ThresholdRule::Precision(value(v)?)),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for ThresholdRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ThresholdRule::Fixed(t) => write!(f, "fixed:{t}"),
            ThresholdRule::MaxF1 => write!(f, "max-f1"),
            ThresholdRule::Recall(r) => write!(f, "recall:{r}"),
            ThresholdRule::Precision(p) => write!(f, "precision:{p}"),
        }
    }
}

impl ThresholdRule {
    /// Whether choosing needs out-of-fold predictions (every rule but `fixed`).
    pub fn needs_predictions(&self) -> bool {
        !matches!(self, ThresholdRule::Fixed(_))
    }

    /// The threshold for probabilities `scores` with true `labels`. A record is predicted
    /// security when its score is at least the threshold. Every threshold between two
    /// neighbouring distinct scores gives the same predictions on these scores, so the rule
    /// picks such a gap and returns its midpoint, which generalises better than its edge.
    pub fn choose(&self, scores: &[f64], labels: &[bool]) -> f64 {
        if let ThresholdRule::Fixed(t) = self {
            return *t;
        }
        let positives = labels.iter().filter(|&&l| l).count();
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        // Distinct scores from the highest down, with the confusion matrix of predicting
        // security for everything scoring at least that.
        let mut cuts: Vec<(f64, Confusion)> = Vec::new();
        let mut c = Confusion {
            tn: scores.len() - positives,
            fn_: positives,
            ..Confusion::default()
        };
        let mut i = 0;
        while i < order.len() {
            let t = scores[order[i]];
            while i < order.len() && scores[order[i]] == t {
                if labels[order[i]] {
                    c.tp += 1;
                    c.fn_ -= 1;
                } else {
                    c.fp += 1;
                    c.tn -= 1;
                }
                i += 1;
            }
            cuts.push((t, c));
        }
        let pick = match self {
            ThresholdRule::MaxF1 => {
                let mut best = None;
                for (k, (_, c)) in cuts.iter().enumerate() {
                    if best.map_or(true, |(f1, _)| c.f1() > f1) {
                        best = Some((c.f1(), k));
                    }
                }
                best.map(|(_, k)| k)
            }
            ThresholdRule::Recall(r) => cuts.iter().position(|(_, c)| c.recall() >= *r),
            ThresholdRule::Precision(p) => cuts.iter().rposition(|(_, c)| c.precision() >= *p),
            ThresholdRule::Fixed(_) => unreachable!("handled above"),
        };
        match pick {
            // No cut reaches the precision asked: only the top score is predicted security.
            None if matches!(self, ThresholdRule::Precision(_)) => {
                cuts.first().map_or(1.0, |c| c.0)
            }
            None => cuts.last().map_or(0.5, |c| c.0),
            Some(k) => match cuts.get(k + 1) {
                Some(next) => (cuts[k].0 + next.0) / 2.0,
                None => cuts[k].0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: [f64; 6] = [0.9, 0.8, 0.7, 0.6, 0.4, 0.2];
    const L: [bool; 6] = [true, false, true, true, false, false];

    #[test]
    fn parses_and_prints_rules() {
        for s in ["max-f1", "recall:0.9", "precision:0.8", "fixed:0.5"] {
            assert_eq!(s.parse::<ThresholdRule>().unwrap().to_string(), s);
        }
        for s in ["f1", "recall:2", "fixed:x", "precision"] {
            assert!(s.parse::<ThresholdRule>().is_err(), "{s}");
        }
    }

    #[test]
    fn max_f1_recall_and_precision_pick_hand_checked_thresholds() {
        // At 0.6: tp 3 fp 1 -> F1 6/7, the best; the gap below it ends at 0.4.
        assert_eq!(ThresholdRule::MaxF1.choose(&S, &L), 0.5);
        // Recall 2/3 first reached at 0.7 (gap to 0.6).
        assert!((ThresholdRule::Recall(0.6).choose(&S, &L) - 0.65).abs() < 1e-12);
        assert_eq!(ThresholdRule::Recall(1.0).choose(&S, &L), 0.5);
        // Precision >= 0.75 holds down to 0.6 (3/4), the lowest such cut.
        assert_eq!(ThresholdRule::Precision(0.75).choose(&S, &L), 0.5);
        assert!((ThresholdRule::Precision(1.0).choose(&S, &L) - 0.85).abs() < 1e-12);
        // Everything predicted positive at the lowest score: no gap below it.
        assert_eq!(
            ThresholdRule::Recall(1.0).choose(&[0.3, 0.2], &[true, true]),
            0.2
        );
        assert_eq!(ThresholdRule::Fixed(0.3).choose(&S, &L), 0.3);
    }
}
