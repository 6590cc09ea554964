//! Multinomial and complement naive Bayes over TF-IDF features (as scikit-learn's
//! `MultinomialNB` and `ComplementNB(norm=False)`), expressed as the linear log-odds they are.
//!
//! With smoothed per-class feature distributions `θ_cj = (N_cj + α) / (N_c + α·d)`, the
//! multinomial posterior log-odds is `Σⱼ xⱼ (log θ₊ⱼ − log θ₋ⱼ) + log(π₊/π₋)`. For two classes
//! the complement model's decision is the same sum without the prior term, so both are a
//! [`LinearModel`] with the logistic link.

use secdisc_features::CsrMatrix;
use secdisc_model::{ClassifierModel, LinearModel};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::estimator::estimator;

/// Which naive Bayes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NaiveBayesVariant {
    /// Multinomial NB with class priors.
    Multinomial,
    /// Complement NB (Rennie et al. 2003): no class prior, robust to imbalance. The default.
    Complement,
}

impl NaiveBayesVariant {
    /// Every variant, in help order.
    pub const ALL: [NaiveBayesVariant; 2] = [
        NaiveBayesVariant::Complement,
        NaiveBayesVariant::Multinomial,
    ];

    /// The short name users choose it by (`complement`).
    pub fn name(self) -> &'static str {
        match self {
            NaiveBayesVariant::Complement => "complement",
            NaiveBayesVariant::Multinomial => "multinomial",
        }
    }

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            NaiveBayesVariant::Complement => "Complement NB (no class prior)",
            NaiveBayesVariant::Multinomial => "Multinomial NB",
        }
    }
}

/// Naive Bayes parameters (checked by [`NaiveBayesParams::check`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NaiveBayesParams {
    variant: NaiveBayesVariant,
    alpha: f64,
}

impl Default for NaiveBayesParams {
    fn default() -> Self {
        NaiveBayesParams {
            variant: NaiveBayesVariant::Complement,
            alpha: 0.01,
        }
    }
}

impl NaiveBayesParams {
    /// Variant. Default [`NaiveBayesVariant::Complement`].
    pub fn variant(mut self, v: NaiveBayesVariant) -> Self {
        self.variant = v;
        self
    }

    /// Additive smoothing. Default 0.01: scikit-learn's 1.0 drowns the rare class over
    /// 100,000 TF-IDF features (its ComplementNB scores F1 0 on the matomo issues).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Validate.
    pub fn check(self) -> Result<NaiveBayesParams> {
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(TrainError::InvalidAlpha(self.alpha));
        }
        Ok(self)
    }

    /// Fit on rows of `x` with labels `y`.
    pub fn fit(&self, x: &CsrMatrix, y: &[bool]) -> Result<ClassifierModel> {
        let (positives, negatives) = crate::checks::class_counts(x, y)?;
        let d = x.n_cols();
        let mut counts = [vec![0.0f64; d], vec![0.0f64; d]];
        for (row, &label) in x.rows().zip(y) {
            let c = &mut counts[usize::from(label)];
            for (&j, &v) in row.indices.iter().zip(row.values) {
                c[j as usize] += f64::from(v);
            }
        }
        let log_theta = |c: &[f64]| -> Vec<f64> {
            let total: f64 = c.iter().sum::<f64>() + self.alpha * d as f64;
            c.iter().map(|&n| ((n + self.alpha) / total).ln()).collect()
        };
        let (neg, pos) = (log_theta(&counts[0]), log_theta(&counts[1]));
        let weights = pos.iter().zip(&neg).map(|(p, n)| p - n).collect();
        let intercept = match self.variant {
            NaiveBayesVariant::Multinomial => (positives as f64 / negatives as f64).ln(),
            NaiveBayesVariant::Complement => 0.0,
        };
        Ok(ClassifierModel::logistic(LinearModel {
            weights,
            intercept,
        }))
    }
}

estimator!(NaiveBayesParams => NaiveBayesParams,
    check = |p| p.clone().check(),
    grid = ("alpha", &[0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0], NaiveBayesParams::alpha),
    fit = |v, x, y, _seed| v.fit(x, y));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hand_computed_multinomial_log_odds() {
        // Two features; positives put mass on feature 0, negatives on feature 1.
        let mut x = CsrMatrix::new(2);
        x.push_row(&[0], &[1.0]);
        x.push_row(&[0, 1], &[1.0, 1.0]);
        x.push_row(&[1], &[2.0]);
        let y = [true, true, false];
        let m = NaiveBayesParams::default()
            .variant(NaiveBayesVariant::Multinomial)
            .alpha(1.0)
            .fit(&x, &y)
            .unwrap();
        let lin = m.linear().unwrap();
        // θ₊ = ((2+1)/5, (1+1)/5), θ₋ = ((0+1)/4, (2+1)/4), prior log(2/1).
        assert!((lin.weights[0] - ((3.0f64 / 5.0).ln() - (1.0f64 / 4.0).ln())).abs() < 1e-12);
        assert!((lin.weights[1] - ((2.0f64 / 5.0).ln() - (3.0f64 / 4.0).ln())).abs() < 1e-12);
        assert!((lin.intercept - 2.0f64.ln()).abs() < 1e-12);
        let c = NaiveBayesParams::default().alpha(1.0).fit(&x, &y).unwrap();
        assert_eq!(c.linear().unwrap().intercept, 0.0);
        assert_eq!(c.linear().unwrap().weights, lin.weights);
    }

    #[test]
    fn rejects_bad_alpha_and_one_class() {
        assert!(NaiveBayesParams::default().alpha(0.0).check().is_err());
        let mut x = CsrMatrix::new(1);
        x.push_row(&[0], &[1.0]);
        assert!(NaiveBayesParams::default().fit(&x, &[true]).is_err());
    }
}
