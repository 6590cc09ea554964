//! Active learning: pick the unlabelled records most worth labelling next.
//!
//! Three strategies ([`Strategy`]):
//!
//! - **uncertainty**: the records whose probability lies closest to the model's threshold,
//!   `|p - threshold|` ascending, ties broken by id, then by position in the pool;
//! - **diversity**: k-means++ seeding on cosine distance in the model's TF-IDF space: the first
//!   pick is uniform, each next one is drawn with probability proportional to the squared
//!   distance to the nearest earlier pick, so the batch spreads over the pool without chasing
//!   single outliers the way farthest-first does;
//! - **mixed**: diversity among the `mixed_factor × n` most uncertain records.
//!
//! Selection is deterministic given the seed: scores and distances are computed per record in
//! parallel, but every reduction (sorting, the running sum behind a weighted draw) runs in a
//! fixed order, so the rayon thread count does not change the result.

use rayon::prelude::*;
use secdisc_features::CsrMatrix;
use secdisc_model::ModelError;

use crate::Labeler;

/// How [`SuggestValidParams::select`] ranks the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Closest to the decision threshold first.
    Uncertainty,
    /// Spread over the TF-IDF space (k-means++ seeding, cosine distance).
    Diversity,
    /// Diversity among the most uncertain candidates.
    Mixed,
}

impl Strategy {
    /// Every value, in help order.
    pub const ALL: [Strategy; 3] = [Strategy::Uncertainty, Strategy::Diversity, Strategy::Mixed];

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            Strategy::Uncertainty => {
                "Closest to the model's threshold first (|p - threshold|, ties by id)"
            }
            Strategy::Diversity => {
                "Spread over the TF-IDF space: k-means++ seeding on cosine distance"
            }
            Strategy::Mixed => "Diversity among the most uncertain (mixed factor × n) records",
        }
    }
}

impl Strategy {
    /// The name used on the command line and in reasons: `uncertainty`, `diversity`, `mixed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Uncertainty => "uncertainty",
            Strategy::Diversity => "diversity",
            Strategy::Mixed => "mixed",
        }
    }
}

/// Why [`SuggestParams::check`] refused its parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SuggestError {
    /// `n` was 0: nothing would be suggested.
    #[error("-n is 0; ask for at least one record to label")]
    ZeroRecords,
    /// `mixed_factor` was 0: mixed would have no candidates.
    #[error("the mixed candidate factor is 0; use at least 1 (5 draws diversity among the 5n most uncertain)")]
    ZeroMixedFactor,
}

/// Unchecked parameters of a suggestion run; [`SuggestParams::check`] validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestParams {
    n: usize,
    strategy: Strategy,
    seed: u64,
    mixed_factor: usize,
}

impl Default for SuggestParams {
    fn default() -> Self {
        SuggestParams {
            n: 50,
            strategy: Strategy::Uncertainty,
            seed: 42,
            mixed_factor: 5,
        }
    }
}

impl SuggestParams {
    /// How many records to suggest. Default 50.
    pub fn n(mut self, n: usize) -> Self {
        self.n = n;
        self
    }

    /// The ranking strategy. Default [`Strategy::Uncertainty`] (fewest labels to a given F1 in
    /// `benches/active_learning`).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Seed of the diversity draws. Default 42.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Mixed draws diversity among the `factor × n` most uncertain records. Default 5.
    pub fn mixed_factor(mut self, factor: usize) -> Self {
        self.mixed_factor = factor;
        self
    }

    /// Validate: `n` and `mixed_factor` must be at least 1.
    pub fn check(self) -> Result<SuggestValidParams, SuggestError> {
        if self.n == 0 {
            return Err(SuggestError::ZeroRecords);
        }
        if self.mixed_factor == 0 {
            return Err(SuggestError::ZeroMixedFactor);
        }
        Ok(SuggestValidParams(self))
    }
}

/// Checked parameters; only [`SuggestParams::check`] makes them.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestValidParams(SuggestParams);

/// One suggested record.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// Position of the record in the pool given to [`SuggestValidParams::select`].
    pub index: usize,
    /// The model's probability of security.
    pub score: f64,
    /// Why it was picked, for the person labelling: the distance to the threshold and, for
    /// diversity, the cosine distance to the nearest earlier pick.
    pub reason: String,
}

impl SuggestValidParams {
    /// Rank the pool (`ids[i]`, `texts[i]`) with `bundle` and return up to `n` suggestions in
    /// the order they were picked (all of the pool when it is smaller than `n`).
    ///
    /// Panics if `ids` and `texts` differ in length.
    ///
    /// ```
    /// use secdisc_infer::{Strategy, SuggestParams};
    /// # use secdisc_features::*;
    /// # use secdisc_model::*;
    /// # let docs = ["jwt not verified", "fix css", "token leaked", "button colour"];
    /// # let vectorizer = TfidfParams::default().min_df(1).check()?.fit(&docs)?;
    /// # let classifier = ClassifierModel::logistic(LinearModel { weights: vec![1.0; vectorizer.n_features()], intercept: -0.5 });
    /// # let manifest = Manifest { secdisc_version: "0".into(), seed: 0,
    /// #     training_data: TrainingData { name: "d".into(), sha256: "0".into(), rows: 2, positives: 1, negatives: 1 },
    /// #     classifier: ClassifierInfo { name: "lr".into(), params: serde_json::json!({}) }, cv: None };
    /// # let bundle = ModelBundle::new(manifest, vectorizer, classifier, 0.5)?;
    /// let ids: Vec<String> = (1..=4).map(|i| i.to_string()).collect();
    /// let texts: Vec<String> = docs.iter().map(|s| s.to_string()).collect();
    /// let params = SuggestParams::default().n(2).strategy(Strategy::Uncertainty).check()?;
    /// let labeler = secdisc_infer::Labeler::new(&bundle)?;
    /// let picks = params.select(&labeler, &ids, &texts)?;
    /// assert_eq!(picks.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`ModelError::Vectors`] when the model's sentence vectors cannot be computed.
    pub fn select(
        &self,
        labeler: &Labeler<'_>,
        ids: &[String],
        texts: &[String],
    ) -> Result<Vec<Suggestion>, ModelError> {
        assert_eq!(ids.len(), texts.len(), "one id per text");
        let p = &self.0;
        let bundle = labeler.bundle();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let scores = labeler.scores(&refs)?;
        // Diversity is measured on the words (TF-IDF rows).
        let matrix = bundle.vectorizer.transform(texts);
        let threshold = bundle.threshold;
        let margin = |i: usize| (scores[i] - threshold).abs();
        let by_uncertainty = || {
            let mut order: Vec<usize> = (0..scores.len()).collect();
            order.sort_by(|&a, &b| {
                margin(a)
                    .total_cmp(&margin(b))
                    .then_with(|| ids[a].cmp(&ids[b]))
                    .then(a.cmp(&b))
            });
            order
        };
        let uncertain_reason = |i: usize| {
            format!(
                "p={:.4}, |p - threshold {:.4}| = {:.4}",
                scores[i],
                threshold,
                margin(i)
            )
        };
        let picks = match p.strategy {
            Strategy::Uncertainty => by_uncertainty()
                .into_iter()
                .take(p.n)
                .map(|i| Suggestion {
                    index: i,
                    score: scores[i],
                    reason: format!("uncertainty: {}", uncertain_reason(i)),
                })
                .collect(),
            Strategy::Diversity => {
                let candidates: Vec<usize> = (0..scores.len()).collect();
                kmeans_pp(&matrix, &candidates, p.n, p.seed)
                    .into_iter()
                    .map(|(i, d)| Suggestion {
                        index: i,
                        score: scores[i],
                        reason: format!("diversity: {}", distance_reason(d)),
                    })
                    .collect()
            }
            Strategy::Mixed => {
                let mut candidates = by_uncertainty();
                candidates.truncate(p.n.saturating_mul(p.mixed_factor));
                let pool = candidates.len();
                kmeans_pp(&matrix, &candidates, p.n, p.seed)
                    .into_iter()
                    .map(|(i, d)| Suggestion {
                        index: i,
                        score: scores[i],
                        reason: format!(
                            "mixed: among the {pool} most uncertain ({}); {}",
                            uncertain_reason(i),
                            distance_reason(d)
                        ),
                    })
                    .collect()
            }
        };
        Ok(picks)
    }
}

fn distance_reason(d: Option<f64>) -> String {
    match d {
        None => "first pick, drawn uniformly".to_string(),
        Some(d) => format!("cosine distance {d:.4} to the nearest earlier pick"),
    }
}

/// k-means++ seeding over `candidates` (rows of `m`) with cosine distance: returns up to `k`
/// picks, each with its distance to the nearest earlier pick (`None` for the first).
fn kmeans_pp(
    m: &CsrMatrix,
    candidates: &[usize],
    k: usize,
    seed: u64,
) -> Vec<(usize, Option<f64>)> {
    let n = candidates.len();
    let k = k.min(n);
    if k == 0 {
        return Vec::new();
    }
    let norms: Vec<f64> = candidates
        .par_iter()
        .map(|&i| {
            let r = m.row(i);
            r.values
                .iter()
                .map(|&v| f64::from(v) * f64::from(v))
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    let mut rng = secdisc_rng::SplitMix64::new(seed);
    let mut center = vec![0.0f64; m.n_cols()];
    let mut chosen = vec![false; n];
    let mut nearest = vec![f64::INFINITY; n];
    let mut picks = Vec::with_capacity(k);
    let mut pick = (rng.next_u64() % n as u64) as usize;
    let mut pick_distance = None;
    loop {
        chosen[pick] = true;
        picks.push((candidates[pick], pick_distance));
        if picks.len() == k {
            break;
        }
        // Distances of every candidate to the new pick, folded into `nearest`.
        let row = m.row(candidates[pick]);
        let scale = if norms[pick] > 0.0 {
            1.0 / norms[pick]
        } else {
            0.0
        };
        for (&j, &v) in row.indices.iter().zip(row.values) {
            center[j as usize] = f64::from(v) * scale;
        }
        nearest.par_iter_mut().enumerate().for_each(|(c, best)| {
            let cos = if norms[c] > 0.0 {
                m.row(candidates[c]).dot(&center) / norms[c]
            } else {
                0.0
            };
            let d = (1.0 - cos).max(0.0);
            if d < *best {
                *best = d;
            }
        });
        for &j in row.indices {
            center[j as usize] = 0.0;
        }
        // Draw the next pick with probability proportional to the squared distance, summing in
        // candidate order so the draw does not depend on the thread count.
        let total: f64 = (0..n)
            .filter(|&c| !chosen[c])
            .map(|c| nearest[c] * nearest[c])
            .sum();
        let next = if total > 0.0 {
            let target = rng.unit() * total;
            let mut acc = 0.0;
            let mut last = None;
            let mut found = None;
            for c in (0..n).filter(|&c| !chosen[c]) {
                let w = nearest[c] * nearest[c];
                if w <= 0.0 {
                    continue;
                }
                acc += w;
                last = Some(c);
                if acc > target {
                    found = Some(c);
                    break;
                }
            }
            found.or(last)
        } else {
            // Every remaining candidate duplicates a pick: take them in order.
            None
        };
        pick = match next.or_else(|| (0..n).find(|&c| !chosen[c])) {
            Some(c) => c,
            None => break,
        };
        pick_distance = Some(nearest[pick]);
    }
    picks
}

#[cfg(test)]
mod tests {
    use super::*;
    use secdisc_model::{ClassifierModel, LinearModel, ModelBundle};

    fn bundle(docs: &[&str], weights: impl Fn(&str) -> f64) -> ModelBundle {
        let vectorizer = crate::testutil::vectorizer(docs);
        let w = (0..vectorizer.n_features())
            .map(|i| weights(&vectorizer.feature_name(i)))
            .collect();
        let manifest = crate::testutil::manifest();
        let classifier = ClassifierModel::logistic(LinearModel {
            weights: w,
            intercept: 0.0,
        });
        ModelBundle::new(manifest, vectorizer, classifier, 0.5).unwrap()
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn uncertainty_ranks_by_distance_to_threshold_then_id() {
        let docs = ["jwt jwt jwt", "jwt css", "css css css", "css jwt"];
        let b = bundle(&docs, |t| match t {
            "jwt" => 2.0,
            "css" => -2.0,
            _ => 0.0,
        });
        let ids = strings(&["d", "c", "b", "a"]);
        let picks = SuggestParams::default()
            .n(3)
            .strategy(Strategy::Uncertainty)
            .check()
            .unwrap()
            .select(&Labeler::new(&b).unwrap(), &ids, &strings(&docs))
            .unwrap();
        // "jwt css" and "css jwt" score exactly 0.5; the tie goes to the smaller id ("a").
        assert_eq!(picks[0].index, 3);
        assert_eq!(picks[1].index, 1);
        assert_eq!(picks.len(), 3);
        assert!(picks[0].reason.starts_with("uncertainty: p=0.5000"));
    }

    #[test]
    fn diversity_spreads_over_clusters_and_is_reproducible() {
        let mut docs = Vec::new();
        for i in 0..30 {
            docs.push(match i % 3 {
                0 => "kafka consumer lag partition",
                1 => "jwt signature token verify",
                _ => "css layout button colour",
            });
        }
        let b = bundle(&docs, |_| 0.0);
        let ids: Vec<String> = (0..docs.len()).map(|i| format!("r{i:02}")).collect();
        let texts = strings(&docs);
        let params = SuggestParams::default()
            .n(3)
            .strategy(Strategy::Diversity)
            .seed(7)
            .check()
            .unwrap();
        let picks = params
            .select(&Labeler::new(&b).unwrap(), &ids, &texts)
            .unwrap();
        let mut clusters: Vec<usize> = picks.iter().map(|p| p.index % 3).collect();
        clusters.sort_unstable();
        assert_eq!(clusters, vec![0, 1, 2], "{picks:?}");
        assert_eq!(
            picks,
            params
                .select(&Labeler::new(&b).unwrap(), &ids, &texts)
                .unwrap()
        );
        // A fourth pick can only duplicate a cluster: distance 0, taken in order, no panic.
        let four = SuggestParams::default()
            .n(4)
            .strategy(Strategy::Diversity)
            .check()
            .unwrap()
            .select(&Labeler::new(&b).unwrap(), &ids, &texts)
            .unwrap();
        assert_eq!(four.len(), 4);
        let mut seen: Vec<usize> = four.iter().map(|p| p.index).collect();
        seen.dedup();
        assert_eq!(seen.len(), 4, "no record is suggested twice");
    }

    #[test]
    fn mixed_only_draws_from_the_most_uncertain() {
        let docs = [
            "jwt jwt jwt jwt",
            "jwt css",
            "css jwt kafka",
            "css css css css",
            "kafka",
            "jwt jwt jwt css",
        ];
        let b = bundle(&docs, |t| match t {
            "jwt" => 3.0,
            "css" => -3.0,
            _ => 0.0,
        });
        let ids: Vec<String> = (0..docs.len()).map(|i| i.to_string()).collect();
        let picks = SuggestParams::default()
            .n(1)
            .mixed_factor(3)
            .strategy(Strategy::Mixed)
            .check()
            .unwrap()
            .select(&Labeler::new(&b).unwrap(), &ids, &strings(&docs))
            .unwrap();
        assert_eq!(picks.len(), 1);
        // The three closest to 0.5 are "jwt css", "css jwt kafka" and "kafka".
        assert!([1, 2, 4].contains(&picks[0].index), "{picks:?}");
        assert!(picks[0].reason.contains("among the 3 most uncertain"));
    }

    #[test]
    fn rejects_zero_records_and_zero_factor() {
        assert_eq!(
            SuggestParams::default().n(0).check(),
            Err(SuggestError::ZeroRecords)
        );
        assert_eq!(
            SuggestParams::default().mixed_factor(0).check(),
            Err(SuggestError::ZeroMixedFactor)
        );
    }

    #[test]
    fn a_pool_smaller_than_n_is_returned_whole() {
        let docs = ["jwt", "css"];
        let b = bundle(&docs, |_| 0.0);
        for s in [Strategy::Uncertainty, Strategy::Diversity, Strategy::Mixed] {
            let picks = SuggestParams::default()
                .n(10)
                .strategy(s)
                .check()
                .unwrap()
                .select(
                    &Labeler::new(&b).unwrap(),
                    &strings(&["1", "2"]),
                    &strings(&docs),
                )
                .unwrap();
            assert_eq!(picks.len(), 2, "{s:?}");
        }
    }
}
