//! A fitted linear classifier over sparse features: what the linear secdisc classifiers score with.

use serde::{Deserialize, Serialize};

use secdisc_features::SparseRow;

/// Weights and intercept of a linear decision function `w·x + b`; the probability of the
/// security class is the logistic sigmoid of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    /// One weight per feature.
    pub weights: Vec<f64>,
    /// The intercept `b`.
    pub intercept: f64,
}

/// One feature's share of a decision: `weight × value` for a linear model,
/// `aᵢ (Eᵢ·w)` for an embedding bag.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contribution {
    /// Feature index.
    pub feature: u32,
    /// The feature's term of the decision value; positive pushes towards security.
    pub value: f64,
}

impl LinearModel {
    /// Number of features the model expects.
    pub fn n_features(&self) -> usize {
        self.weights.len()
    }

    /// The decision value `w·x + b`.
    #[inline]
    pub fn decision(&self, row: SparseRow<'_>) -> f64 {
        row.dot(&self.weights) + self.intercept
    }

    /// Probability of the security class: `1 / (1 + exp(-(w·x + b)))`.
    #[inline]
    pub fn probability(&self, row: SparseRow<'_>) -> f64 {
        sigmoid(self.decision(row))
    }

    /// The `k` features with the largest positive contribution (the terms that pushed the
    /// score towards security most), largest first; ties go to the lower feature index.
    pub fn top_contributions(&self, row: SparseRow<'_>, k: usize, out: &mut Vec<Contribution>) {
        out.clear();
        out.extend(row.indices.iter().zip(row.values).filter_map(|(&i, &v)| {
            let value = self.weights[i as usize] * f64::from(v);
            (value > 0.0).then_some(Contribution { feature: i, value })
        }));
        out.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.feature.cmp(&b.feature)));
        out.truncate(k);
    }
}

/// The logistic function, computed without overflow for large |z|.
#[inline]
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_stable_at_extremes() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!(sigmoid(1000.0) == 1.0 && sigmoid(-1000.0) == 0.0);
        assert!((sigmoid(2.0) + sigmoid(-2.0) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn contributions_rank_positive_terms() {
        let m = LinearModel {
            weights: vec![1.0, -2.0, 3.0, 0.5],
            intercept: -1.0,
        };
        let row = SparseRow {
            indices: &[0, 1, 2, 3],
            values: &[1.0, 1.0, 0.5, 2.0],
            sequence: &[],
        };
        assert_eq!(m.decision(row), 1.0 - 2.0 + 1.5 + 1.0 - 1.0);
        let mut out = Vec::new();
        m.top_contributions(row, 2, &mut out);
        assert_eq!(out.iter().map(|c| c.feature).collect::<Vec<_>>(), [2, 0]);
    }
}
