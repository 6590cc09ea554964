//! Nearest-centroid (Rocchio) classification: the decision value of a row is its similarity to
//! the security centroid minus `negative_weight` times its similarity to the non-security
//! centroid, calibrated with Platt's sigmoid on the training rows.
//!
//! With L2-normalised TF-IDF rows this is Rocchio's classic text classifier: one pass over the
//! data, no solver, a linear model that scores like logistic regression. It is the smallest
//! classifier secdisc has, and the worked example of adding one (see `ARCHITECTURE.md`):
//! this file and one registry line.

use secdisc_features::CsrMatrix;
use secdisc_model::{ClassifierModel, LinearModel};
use serde::{Deserialize, Serialize};

use crate::calibration::fit_platt;
use crate::error::{Result, TrainError};
use crate::estimator::{grid_over, Estimator, FitRows};

/// Parameters of the nearest-centroid classifier (checked into [`CentroidValidParams`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentroidParams {
    negative_weight: f64,
}

/// Checked [`CentroidParams`].
#[derive(Debug, Clone, PartialEq)]
pub struct CentroidValidParams {
    negative_weight: f64,
}

impl Default for CentroidParams {
    fn default() -> Self {
        CentroidParams {
            negative_weight: 1.0,
        }
    }
}

impl CentroidParams {
    /// Weight β of the non-security centroid in `w = c₊/‖c₊‖ − β·c₋/‖c₋‖`, finite and ≥ 0.
    /// Default 1.
    pub fn negative_weight(mut self, beta: f64) -> Self {
        self.negative_weight = beta;
        self
    }
}

impl Estimator for CentroidParams {
    type Valid = CentroidValidParams;

    fn checked(&self) -> Result<CentroidValidParams> {
        if !(self.negative_weight.is_finite() && self.negative_weight >= 0.0) {
            return Err(TrainError::InvalidParameter {
                classifier: "centroid",
                name: "negative_weight",
                value: self.negative_weight.to_string(),
                expected: "a finite number >= 0",
            });
        }
        Ok(CentroidValidParams {
            negative_weight: self.negative_weight,
        })
    }

    fn grid(&self) -> Vec<(String, Self)> {
        grid_over(self, "beta", &[0.25, 0.5, 1.0, 2.0], Self::negative_weight)
    }
}

impl FitRows for CentroidValidParams {
    fn fit_rows(&self, x: &CsrMatrix, y: &[bool], _seed: u64) -> Result<ClassifierModel> {
        crate::checks::class_counts(x, y)?;
        let mut pos = vec![0.0f64; x.n_cols()];
        let mut neg = vec![0.0f64; x.n_cols()];
        for (row, &label) in x.rows().zip(y) {
            let c = if label { &mut pos } else { &mut neg };
            for (&j, &v) in row.indices.iter().zip(row.values) {
                c[j as usize] += f64::from(v);
            }
        }
        let norm = |c: &[f64]| {
            c.iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt()
                .max(f64::MIN_POSITIVE)
        };
        let (np, nn) = (norm(&pos), norm(&neg));
        let weights: Vec<f64> = pos
            .iter()
            .zip(&neg)
            .map(|(p, n)| p / np - self.negative_weight * n / nn)
            .collect();
        let model = LinearModel {
            weights,
            intercept: 0.0,
        };
        let decisions: Vec<f64> = x.rows().map(|row| model.decision(row)).collect();
        let calibration = fit_platt(&decisions, y);
        Ok(ClassifierModel::Linear { model, calibration })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secdisc_features::TfidfParams;

    #[test]
    fn separates_toy_text_and_checks_its_parameter() {
        let texts = [
            "jwt signature not verified",
            "rotate the leaked api key",
            "mtls between services",
            "css layout broken",
            "typo in readme",
            "bump the kafka client",
        ];
        let y = [true, true, true, false, false, false];
        let v = TfidfParams::default()
            .min_df(1)
            .check()
            .unwrap()
            .fit(&texts)
            .unwrap();
        let x = v.transform(&texts);
        let model = CentroidParams::default()
            .checked()
            .unwrap()
            .fit_rows(&x, &y, 0)
            .unwrap();
        for (row, &label) in x.rows().zip(&y) {
            assert_eq!(model.probability(row) > 0.5, label);
        }
        assert!(CentroidParams::default()
            .negative_weight(-1.0)
            .checked()
            .is_err());
        assert!(CentroidParams::default()
            .negative_weight(f64::NAN)
            .checked()
            .is_err());
        assert_eq!(CentroidParams::default().grid().len(), 4);
    }
}
