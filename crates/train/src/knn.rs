//! Cosine k-nearest neighbours: "fitting" stores the L2-normalised training rows with their
//! labels and fixes the voting rule; [`secdisc_model::KnnModel`] documents the scoring.
//!
//! Class imbalance: with [`ClassWeight::Balanced`] (the default) a neighbour's vote is
//! multiplied by `n / (2·n_class)` of its class, so the security votes and the non-security
//! votes of the whole training set weigh the same. Without it a paragraph from a 1.3% class
//! rarely has a security majority among its neighbours and probabilities cluster near 0; with
//! it, `p ≥ 0.5` means "the weighted security evidence outweighs the rest", a usable default
//! threshold, and rules such as `max-f1` have a spread of scores to choose from.

use secdisc_features::CsrMatrix;
use secdisc_model::{ClassifierModel, KnnModel, KnnVoting, KnnWeighting};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::estimator::estimator;
use crate::logistic::{class_weights, ClassWeight};

/// Checked kNN parameters (build with [`KnnParams`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnnValidParams {
    k: usize,
    weighting: KnnWeighting,
    class_weight: ClassWeight,
    smoothing: f64,
}

/// Unchecked kNN parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KnnParams(KnnValidParams);

impl Default for KnnParams {
    fn default() -> Self {
        KnnParams(KnnValidParams {
            k: 10,
            weighting: KnnWeighting::Similarity,
            class_weight: ClassWeight::Balanced,
            smoothing: 1.0,
        })
    }
}

impl KnnParams {
    /// Number of neighbours that vote. Default 10.
    pub fn k(mut self, k: usize) -> Self {
        self.0.k = k;
        self
    }

    /// Vote weighting. Default [`KnnWeighting::Similarity`].
    pub fn weighting(mut self, weighting: KnnWeighting) -> Self {
        self.0.weighting = weighting;
        self
    }

    /// Class weighting of votes. Default [`ClassWeight::Balanced`].
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.0.class_weight = w;
        self
    }

    /// Pseudo-votes `m` for the training base rate `π` in `p = (V₊ + π·m) / (V + m)`.
    /// Default 1.0: one full-similarity vote of average class weight. 0 gives the raw vote
    /// share (probabilities of exactly 0 and 1).
    pub fn smoothing(mut self, m: f64) -> Self {
        self.0.smoothing = m;
        self
    }

    /// Validate.
    pub fn check(self) -> Result<KnnValidParams> {
        let p = &self.0;
        if p.k == 0 {
            return Err(TrainError::InvalidK(p.k));
        }
        if !(p.smoothing.is_finite() && p.smoothing >= 0.0) {
            return Err(TrainError::InvalidSmoothing(p.smoothing));
        }
        class_weights(p.class_weight, 1, 1)?;
        Ok(self.0)
    }
}

impl KnnValidParams {
    /// Store the rows of `x` (which should be L2-normalised, so dot products are cosines)
    /// with their labels `y`. Errors when `x` and `y` disagree in length or `y` has one class.
    pub fn fit(&self, x: &CsrMatrix, y: &[bool]) -> Result<ClassifierModel> {
        let (positives, negatives) = crate::checks::class_counts(x, y)?;
        let (security_weight, non_security_weight) =
            class_weights(self.class_weight, positives, negatives)?;
        let voting = KnnVoting {
            k: self.k,
            weighting: self.weighting,
            security_weight,
            non_security_weight,
            smoothing: self.smoothing,
        };
        Ok(ClassifierModel::Knn(KnnModel::new(
            x.clone(),
            y.to_vec(),
            voting,
        )?))
    }
}

estimator!(KnnParams => KnnValidParams,
    check = |p| p.clone().check(),
    grid = ("k", &[1usize, 3, 5, 10, 20, 50], KnnParams::k),
    fit = |v, x, y, _seed| v.fit(x, y));

#[cfg(test)]
mod tests {
    use super::*;

    /// 4 security rows on feature 0, 16 non-security rows on feature 1, all sharing feature 2.
    fn imbalanced() -> (CsrMatrix, Vec<bool>) {
        let mut x = CsrMatrix::new(3);
        let mut y = Vec::new();
        for i in 0..20 {
            let pos = i % 5 == 0;
            x.push_row(&[if pos { 0 } else { 1 }, 2], &[0.8, 0.6]);
            y.push(pos);
        }
        (x, y)
    }

    #[test]
    fn balanced_weights_let_the_rare_class_win_its_neighbourhood() {
        let (x, y) = imbalanced();
        // A query on feature 0 and 2 is most similar to the 4 security rows; with k = 10 the
        // other 6 neighbours are non-security rows (similarity 0.36 each).
        let q = x.row(0);
        let uniform = KnnParams::default()
            .class_weight(ClassWeight::Uniform)
            .check()
            .unwrap()
            .fit(&x, &y)
            .unwrap();
        let balanced = KnnParams::default().check().unwrap().fit(&x, &y).unwrap();
        // Uniform: V₊ = 4·1, V = 4 + 6·0.36, π = 0.2: (4 + 0.2) / (6.16 + 1).
        let pu = uniform.probability(q);
        assert!((pu - 4.2 / 7.16).abs() < 1e-6, "{pu}");
        // Balanced: security votes ×20/8 = 2.5, non-security ×20/32 = 0.625.
        let pb = balanced.probability(q);
        let want = (4.0 * 2.5 + 0.2) / (4.0 * 2.5 + 6.0 * 0.36 * 0.625 + 1.0);
        assert!((pb - want).abs() < 1e-6, "{pb}");
        assert!(pb > pu);
        let ClassifierModel::Knn(m) = &balanced else {
            panic!("not kNN")
        };
        assert_eq!(
            (m.voting().k, m.voting().weighting),
            (10, KnnWeighting::Similarity)
        );
        // A non-security row's neighbourhood stays below 0.5 even when balanced.
        assert!(balanced.probability(x.row(1)) < 0.1);
    }

    #[test]
    fn is_selectable_by_name_and_serialises_its_params() {
        use crate::classifier::{ClassifierKind, ClassifierParams, CLASSIFIER_NAMES};
        let kind: ClassifierKind = "knn".parse().unwrap();
        assert_eq!((kind, kind.name()), (ClassifierKind::Knn, "knn"));
        assert!(CLASSIFIER_NAMES.contains(&"knn"));
        let p = ClassifierParams::Knn(KnnParams::default().k(3).weighting(KnnWeighting::Uniform));
        assert_eq!((p.name(), p.kind()), ("knn", ClassifierKind::Knn));
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"name":"knn","params":{"k":3,"weighting":"uniform","class_weight":"balanced","smoothing":1.0}}"#
        );
        assert_eq!(serde_json::from_str::<ClassifierParams>(&json).unwrap(), p);
        assert!(ClassifierParams::Knn(KnnParams::default().k(0))
            .check()
            .is_err());
    }

    #[test]
    fn rejects_bad_params_and_data() {
        assert!(matches!(
            KnnParams::default().k(0).check(),
            Err(TrainError::InvalidK(0))
        ));
        for m in [-0.5, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                KnnParams::default().smoothing(m).check(),
                Err(TrainError::InvalidSmoothing(_))
            ));
        }
        assert!(KnnParams::default()
            .class_weight(ClassWeight::Custom {
                security: 0.0,
                non_security: 1.0
            })
            .check()
            .is_err());
        let p = KnnParams::default().smoothing(0.0).k(1).check().unwrap();
        let (x, y) = imbalanced();
        let ClassifierModel::Knn(m) = p.fit(&x, &y).unwrap() else {
            panic!("not kNN")
        };
        assert_eq!((m.voting().k, m.voting().smoothing), (1, 0.0));
        assert!(matches!(
            p.fit(&x, &y[1..]),
            Err(TrainError::LengthMismatch {
                rows: 20,
                labels: 19
            })
        ));
        assert!(matches!(
            p.fit(&x, &[false; 20]),
            Err(TrainError::SingleClass { positives: 0, .. })
        ));
    }
}
