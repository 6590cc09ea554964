//! Hyperparameter search by nested cross-validation.
//!
//! Inside each outer training part, every candidate is scored on inner out-of-fold
//! predictions; the best is refitted on the whole training part and evaluated on the outer
//! test fold, which the search never sees. The vectorizer of the outer training part is reused
//! for the inner folds (its vocabulary and IDF saw the inner test rows, which only affects the
//! choice between candidates, never the outer score).

use serde::{Deserialize, Serialize};

use crate::classifier::ClassifierParams;
use crate::error::{Result, TrainError};
use crate::rng::SplitMix64;

/// Which candidates to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Search {
    /// Every point of the classifier's grid.
    Grid,
    /// This many grid points drawn without replacement by the seed.
    Random(usize),
}

/// Metric that ranks candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TuneMetric {
    /// F1 of the security class at the run's threshold rule. The default.
    F1,
    /// ROC AUC.
    Auc,
    /// Average precision.
    PrAuc,
}

/// Nested cross-validation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TuneOptions {
    /// Candidates.
    pub search: Search,
    /// Ranking metric.
    pub metric: TuneMetric,
    /// Inner folds. Default 3.
    pub inner_folds: usize,
}

impl Default for TuneOptions {
    fn default() -> Self {
        TuneOptions {
            search: Search::Grid,
            metric: TuneMetric::F1,
            inner_folds: 3,
        }
    }
}

/// The candidates for `base`: its grid (the main regularisation knob over a log scale, other
/// parameters kept), filtered by `search` with `seed`. Each comes with a short label such as
/// `c=0.3`.
pub fn candidates(
    base: &ClassifierParams,
    search: Search,
    seed: u64,
) -> Result<Vec<(String, ClassifierParams)>> {
    let mut grid = base.grid();
    if grid.is_empty() {
        return Err(TrainError::EmptyGrid(base.name().to_string()));
    }
    if let Search::Random(n) = search {
        let mut rng = SplitMix64::new(seed ^ 0x7E4E_0001);
        rng.shuffle(&mut grid);
        grid.truncate(n.max(1));
        // Keep grid order for readable reports.
        grid.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(grid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logistic::LogisticRegressionParams;

    #[test]
    fn grid_and_random_search_candidates() {
        let base = ClassifierParams::Lr(LogisticRegressionParams::default());
        let all = candidates(&base, Search::Grid, 0).unwrap();
        assert_eq!(all.len(), 6);
        assert_eq!(all[0].0, "c=0.1");
        let some = candidates(&base, Search::Random(2), 5).unwrap();
        assert_eq!(some.len(), 2);
        assert_eq!(some, candidates(&base, Search::Random(2), 5).unwrap());
        assert!(some.iter().all(|c| all.contains(c)));
    }
}
