//! Linear support vector machine by dual coordinate descent (Hsieh et al. 2008, the solver of
//! liblinear and scikit-learn's `LinearSVC`), with probabilities from Platt scaling fitted on
//! inner cross-validation folds of the training data.
//!
//! Minimises `½‖w‖² + Σᵢ Cᵢ ξ(yᵢ(w·xᵢ + b))` with the hinge `ξ(z) = max(0, 1 − z)` or the
//! squared hinge `max(0, 1 − z)²`; `b` is a weight on a constant feature 1 and is regularised,
//! as in liblinear. `Cᵢ = C × class weight`. Coordinates are visited in an order shuffled by the
//! seed, so fits are reproducible.

use secdisc_features::CsrMatrix;
use secdisc_model::{Calibration, ClassifierModel, LinearModel};
use serde::{Deserialize, Serialize};

use crate::calibration::fit_platt;
use crate::error::{Result, TrainError};
use crate::estimator::estimator;
use crate::folds::Folds;
use crate::logistic::{class_weights, ClassWeight};
use secdisc_rng::SplitMix64;

/// The loss of a linear SVM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SvmLoss {
    /// `max(0, 1 − z)` (L1-loss SVM).
    Hinge,
    /// `max(0, 1 − z)²` (L2-loss SVM; scikit-learn's default). The default.
    SquaredHinge,
}

impl SvmLoss {
    /// Every loss, in help order.
    pub const ALL: [SvmLoss; 2] = [SvmLoss::Hinge, SvmLoss::SquaredHinge];

    /// The short name users choose it by (`hinge`).
    pub fn name(self) -> &'static str {
        match self {
            SvmLoss::Hinge => "hinge",
            SvmLoss::SquaredHinge => "squared-hinge",
        }
    }

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            SvmLoss::Hinge => "max(0, 1 - z)",
            SvmLoss::SquaredHinge => "max(0, 1 - z)^2",
        }
    }
}

/// Checked linear SVM parameters (build with [`SvmParams`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SvmValidParams {
    c: f64,
    loss: SvmLoss,
    class_weight: ClassWeight,
    tol: f64,
    max_iter: usize,
    calibration_folds: usize,
}

/// Unchecked linear SVM parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SvmParams(SvmValidParams);

impl Default for SvmParams {
    fn default() -> Self {
        SvmParams(SvmValidParams {
            c: 1.0,
            loss: SvmLoss::SquaredHinge,
            class_weight: ClassWeight::Balanced,
            tol: 0.1,
            max_iter: 1000,
            calibration_folds: 3,
        })
    }
}

impl SvmParams {
    /// Inverse regularisation strength. Default 1.0.
    pub fn c(mut self, c: f64) -> Self {
        self.0.c = c;
        self
    }

    /// Loss. Default [`SvmLoss::SquaredHinge`].
    pub fn loss(mut self, loss: SvmLoss) -> Self {
        self.0.loss = loss;
        self
    }

    /// Class weighting. Default [`ClassWeight::Balanced`].
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.0.class_weight = w;
        self
    }

    /// Stop when the spread of projected gradients falls below this. Default 0.1 (liblinear).
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }

    /// Inner folds for Platt scaling. Default 3.
    pub fn calibration_folds(mut self, k: usize) -> Self {
        self.0.calibration_folds = k;
        self
    }

    /// Validate.
    pub fn check(self) -> Result<SvmValidParams> {
        let p = &self.0;
        crate::checks::solver_settings(p.c, p.tol, p.max_iter as u64)?;
        if p.calibration_folds < 2 {
            return Err(TrainError::InvalidFolds(p.calibration_folds));
        }
        class_weights(p.class_weight, 1, 1)?;
        Ok(self.0)
    }
}

impl SvmValidParams {
    /// Fit the weights only (no calibration).
    pub fn fit_linear(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<LinearModel> {
        let (positives, negatives) = crate::checks::class_counts(x, y)?;
        let (ws, wn) = class_weights(self.class_weight, positives, negatives)?;
        let d = x.n_cols();
        let mut w = vec![0.0f64; d];
        let mut bias = 0.0f64;
        let n = x.n_rows();
        let mut alpha = vec![0.0f64; n];
        let (upper, diag): (Vec<f64>, Vec<f64>) = y
            .iter()
            .map(|&l| {
                let ci = self.c * if l { ws } else { wn };
                match self.loss {
                    SvmLoss::Hinge => (ci, 0.0),
                    SvmLoss::SquaredHinge => (f64::INFINITY, 0.5 / ci),
                }
            })
            .unzip();
        let qd: Vec<f64> = (0..n)
            .map(|i| {
                let r = x.row(i);
                diag[i] + 1.0 + r.values.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>()
            })
            .collect();
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = SplitMix64::new(seed);
        for _ in 0..self.max_iter {
            rng.shuffle(&mut order);
            let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
            for &i in &order {
                let yi = if y[i] { 1.0 } else { -1.0 };
                let row = x.row(i);
                let g = yi * (row.dot(&w) + bias) - 1.0 + diag[i] * alpha[i];
                let pg = if alpha[i] == 0.0 {
                    g.min(0.0)
                } else if alpha[i] == upper[i] {
                    g.max(0.0)
                } else {
                    g
                };
                pg_max = pg_max.max(pg);
                pg_min = pg_min.min(pg);
                if pg.abs() > 1e-12 {
                    let old = alpha[i];
                    alpha[i] = (alpha[i] - g / qd[i]).clamp(0.0, upper[i]);
                    let delta = (alpha[i] - old) * yi;
                    for (&j, &v) in row.indices.iter().zip(row.values) {
                        w[j as usize] += delta * f64::from(v);
                    }
                    bias += delta;
                }
            }
            if pg_max - pg_min <= self.tol {
                break;
            }
        }
        Ok(LinearModel {
            weights: w,
            intercept: bias,
        })
    }

    /// Fit weights on all rows and a Platt calibration on out-of-fold decision values from
    /// `calibration_folds` stratified inner folds.
    pub fn fit(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<ClassifierModel> {
        let calibration = self.fit_calibration(x, y, seed)?;
        let model = self.fit_linear(x, y, seed)?;
        Ok(ClassifierModel::Linear { model, calibration })
    }

    fn fit_calibration(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<Calibration> {
        let k = self.calibration_folds;
        let groups = vec![None; y.len()];
        let folds = match Folds::stratified(y, &groups, k, seed ^ 0x5EED_CA11) {
            Ok(f) => f,
            // Too few of a class for inner folds: fall back to the logistic link.
            Err(TrainError::TooFewForFolds { .. }) => return Ok(Calibration::Logistic),
            Err(e) => return Err(e),
        };
        let mut decisions = vec![0.0; y.len()];
        for f in 0..k {
            let (train, test) = folds.split(f);
            let xt = x.select_rows(&train);
            let yt: Vec<bool> = train.iter().map(|&r| y[r]).collect();
            let m = self.fit_linear(&xt, &yt, seed.wrapping_add(f as u64 + 1))?;
            for &r in &test {
                decisions[r] = m.decision(x.row(r));
            }
        }
        Ok(fit_platt(&decisions, y))
    }
}

estimator!(SvmParams => SvmValidParams,
    check = |p| p.clone().check(),
    grid = ("c", &[0.01, 0.03, 0.1, 0.3, 1.0, 3.0], SvmParams::c),
    fit = |v, x, y, seed| v.fit(x, y, seed));

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (CsrMatrix, Vec<bool>) {
        let mut x = CsrMatrix::new(3);
        let mut y = Vec::new();
        for i in 0..60 {
            let pos = i % 3 == 0;
            let v = 0.5 + (i % 7) as f32 / 10.0;
            if pos {
                x.push_row(&[0, 2], &[v, 0.3]);
            } else {
                x.push_row(&[1, 2], &[v, 0.3]);
            }
            y.push(pos);
        }
        (x, y)
    }

    #[test]
    fn separates_separable_data_with_both_losses_and_calibrates() {
        let (x, y) = toy();
        for loss in [SvmLoss::Hinge, SvmLoss::SquaredHinge] {
            let p = SvmParams::default().loss(loss).check().unwrap();
            let m = p.fit(&x, &y, 1).unwrap();
            for (i, &l) in y.iter().enumerate() {
                let prob = m.probability(x.row(i));
                assert_eq!(prob >= 0.5, l, "{loss:?} row {i}: {prob}");
            }
            assert!(matches!(
                m,
                ClassifierModel::Linear {
                    calibration: Calibration::Platt { .. },
                    ..
                }
            ));
        }
    }

    #[test]
    fn kkt_conditions_hold_at_the_solution() {
        // For the hinge loss, margins of rows with 0 < alpha < C are 1; check the weaker,
        // solver-independent property that every row is classified with margin >= 1 - tol.
        let (x, y) = toy();
        let m = SvmParams::default()
            .loss(SvmLoss::Hinge)
            .tol(1e-6)
            .check()
            .unwrap()
            .fit_linear(&x, &y, 3)
            .unwrap();
        for (i, &l) in y.iter().enumerate() {
            let z = if l { 1.0 } else { -1.0 } * m.decision(x.row(i));
            assert!(z > 0.99, "row {i} margin {z}");
        }
    }

    #[test]
    fn same_seed_same_model() {
        let (x, y) = toy();
        let p = SvmParams::default().check().unwrap();
        assert_eq!(p.fit(&x, &y, 5).unwrap(), p.fit(&x, &y, 5).unwrap());
    }
}
