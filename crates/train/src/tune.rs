//! Hyperparameter search by nested cross-validation.
//!
//! Inside each outer training part, every candidate is scored on inner out-of-fold
//! predictions; the best is refitted on the whole training part and evaluated on the outer
//! test fold, which the search never sees. The vectorizer of the outer training part is reused
//! for the inner folds (its vocabulary and IDF saw the inner test rows, which only affects the
//! choice between candidates, never the outer score).
//!
//! With a [`VectorizerGrid`], the TF-IDF settings are searched too, jointly with the
//! classifier's grid. Then every inner fold fits its own vectorizer on its inner training rows
//! only, so the vocabulary and IDF of a candidate never see the rows that score it.

use secdisc_features::{TfidfParams, TfidfValidParams};
use serde::{Deserialize, Serialize};

use crate::classifier::ClassifierParams;
use crate::error::{Result, TrainError};
use secdisc_rng::SplitMix64;

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

impl TuneMetric {
    /// Every value, in help order.
    pub const ALL: [TuneMetric; 3] = [TuneMetric::F1, TuneMetric::Auc, TuneMetric::PrAuc];

    /// The short name users choose it by (`f1`).
    pub fn name(self) -> &'static str {
        match self {
            TuneMetric::F1 => "f1",
            TuneMetric::Auc => "auc",
            TuneMetric::PrAuc => "pr-auc",
        }
    }

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            TuneMetric::F1 => "F1 of the security class at the threshold rule",
            TuneMetric::Auc => "ROC AUC",
            TuneMetric::PrAuc => "Average precision",
        }
    }
}

/// Nested cross-validation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuneOptions {
    /// Candidates.
    pub search: Search,
    /// Ranking metric.
    pub metric: TuneMetric,
    /// Inner folds. Default 3.
    pub inner_folds: usize,
    /// TF-IDF settings searched jointly with the classifier's grid. Default empty: the
    /// vectorizer is used as given.
    pub vectorizer: VectorizerGrid,
}

impl Default for TuneOptions {
    fn default() -> Self {
        TuneOptions {
            search: Search::Grid,
            metric: TuneMetric::F1,
            inner_folds: 3,
            vectorizer: VectorizerGrid::default(),
        }
    }
}

/// TF-IDF settings to search: each non-empty list replaces the base setting with each of its
/// values, and the candidates are all combinations. Only settings that keep the analysed
/// tokens unchanged are searched, so one tokenization serves every candidate.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VectorizerGrid {
    /// Minimum document frequencies to try (for example `[1, 2]`).
    pub min_df: Vec<usize>,
    /// Longest word n-grams to try (for example `[1, 2, 3]`); the shortest stays as given.
    pub ngram_max: Vec<usize>,
    /// Weights of the sentence-vector block to try (for example `[0.5, 1, 2]`); needs rows with
    /// sentence vectors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dense_weight: Vec<f32>,
}

impl VectorizerGrid {
    /// Whether nothing is searched.
    pub fn is_empty(&self) -> bool {
        self.min_df.is_empty() && self.ngram_max.is_empty() && self.dense_weight.is_empty()
    }

    /// The candidates derived from `base`, each checked and with a label such as `min_df=1
    /// ngrams=1-3` naming only the searched settings; `[("", base)]` when the grid is empty.
    pub fn candidates(&self, base: &TfidfParams) -> Result<Vec<(String, TfidfValidParams)>> {
        let (ngram_min, _) = base.ngram_range_value();
        let min_dfs: Vec<Option<usize>> = if self.min_df.is_empty() {
            vec![None]
        } else {
            self.min_df.iter().copied().map(Some).collect()
        };
        let maxes: Vec<Option<usize>> = if self.ngram_max.is_empty() {
            vec![None]
        } else {
            self.ngram_max.iter().copied().map(Some).collect()
        };
        let mut out = Vec::with_capacity(min_dfs.len() * maxes.len());
        for &min_df in &min_dfs {
            for &max in &maxes {
                let mut params = base.clone();
                let mut label = Vec::new();
                if let Some(min_df) = min_df {
                    params = params.min_df(min_df);
                    label.push(format!("min_df={min_df}"));
                }
                if let Some(max) = max {
                    params = params.ngram_range(ngram_min, max);
                    label.push(format!("ngrams={ngram_min}-{max}"));
                }
                out.push((label.join(" "), params.check()?));
            }
        }
        Ok(out)
    }
}

/// The (vectorizer, classifier) index pairs to try: every combination of `vectorizers`
/// vectorizer candidates and `classifiers` classifier candidates, or `n` of them drawn by the
/// seed under [`Search::Random`], in grid order.
pub fn joint_candidates(
    vectorizers: usize,
    classifiers: usize,
    search: Search,
    seed: u64,
) -> Vec<(usize, usize)> {
    let mut pairs: Vec<(usize, usize)> = (0..vectorizers)
        .flat_map(|v| (0..classifiers).map(move |c| (v, c)))
        .collect();
    if let Search::Random(n) = search {
        let mut rng = SplitMix64::new(seed ^ 0x7E4E_0002);
        rng.shuffle(&mut pairs);
        pairs.truncate(n.max(1));
        pairs.sort_unstable();
    }
    pairs
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

    #[test]
    fn vectorizer_grid_combines_the_searched_settings() {
        let base = TfidfParams::default();
        let none = VectorizerGrid::default().candidates(&base).unwrap();
        assert_eq!(none, vec![(String::new(), base.clone().check().unwrap())]);
        let grid = VectorizerGrid {
            min_df: vec![1, 2],
            ngram_max: vec![1, 3],
            ..VectorizerGrid::default()
        };
        let c = grid.candidates(&base).unwrap();
        let labels: Vec<&str> = c.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            [
                "min_df=1 ngrams=1-1",
                "min_df=1 ngrams=1-3",
                "min_df=2 ngrams=1-1",
                "min_df=2 ngrams=1-3"
            ]
        );
        assert_eq!(c[1].1.params().min_df_value(), 1);
        assert_eq!(c[1].1.params().ngram_range_value(), (1, 3));
        let only = VectorizerGrid {
            min_df: vec![3],
            ..VectorizerGrid::default()
        };
        let c = only.candidates(&base).unwrap();
        assert_eq!(c[0].0, "min_df=3");
        assert_eq!(c[0].1.params().ngram_range_value(), (1, 2));
        // A longest n-gram below the shortest is refused.
        let bad = VectorizerGrid {
            ngram_max: vec![1],
            ..VectorizerGrid::default()
        };
        assert!(bad.candidates(&base.ngram_range(2, 2)).is_err());
    }

    #[test]
    fn joint_candidates_cover_every_pair_or_a_seeded_sample() {
        let all = joint_candidates(2, 3, Search::Grid, 0);
        assert_eq!(all, [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]);
        let some = joint_candidates(2, 3, Search::Random(4), 9);
        assert_eq!(some.len(), 4);
        assert_eq!(some, joint_candidates(2, 3, Search::Random(4), 9));
        assert!(some.windows(2).all(|w| w[0] < w[1]));
        assert!(some.iter().all(|p| all.contains(p)));
        assert_eq!(joint_candidates(2, 3, Search::Random(50), 9), all);
    }
}
