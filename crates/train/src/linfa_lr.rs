//! `linfa-lr`: linfa-logistic's dense L-BFGS logistic regression on chi²-selected features,
//! converted into secdisc's own [`LinearModel`] over the full feature space.
//!
//! linfa-logistic takes dense `ndarray` matrices only (a densified 5k × 19k TF-IDF matrix
//! took ~117 s), so the top `select_k` columns by [`Chi2Selection`] are densified first; the
//! weights of the other columns are 0 in the stored model. The model file holds a
//! [`ClassifierModel::Linear`] with the logistic link, so inference never links linfa.
//!
//! linfa minimises `Σᵢ log(1 + exp(−yᵢ(w·xᵢ + b))) + α/2 ‖w‖²` (intercept unpenalised) and
//! has no sample weights. scikit-learn's `LogisticRegression(C, class_weight)` minimises
//! `½‖w‖² + C Σᵢ sᵢ log(1 + exp(−yᵢ(w·xᵢ + b)))`. Repeating each row of the heavier class
//! `r = round(s_heavy / s_light)` times and setting `α = 1 / (C · s_light)` makes the two the
//! same objective up to a constant factor (exactly when the weight ratio is an integer), so
//! `--c` means what it means for `lr`. With balanced weights on 1.3% positives, positives are
//! repeated about 75 times and `α ≈ 2 / C`.
//!
//! linfa labels the larger class of its input `+1` (so `predict_probabilities` is the
//! probability of whichever class was larger); the conversion flips the signs of the weights
//! and intercept when that class is not security.

use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use linfa::ParamGuard as _;
use linfa_logistic::{FittedLogisticRegression, LogisticRegression};
use ndarray::{Array1, Array2};
use secdisc_features::CsrMatrix;
use secdisc_model::{ClassifierModel, LinearModel};
use serde::{Deserialize, Serialize};

use crate::chi2::Chi2Selection;
use crate::error::{Result, TrainError};
use crate::estimator::estimator;
use crate::logistic::{class_weights, ClassWeight};

/// Checked `linfa-lr` parameters (build with [`LinfaLogisticParams`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinfaLogisticValidParams {
    c: f64,
    class_weight: ClassWeight,
    select_k: usize,
    tol: f64,
    max_iter: u64,
}

/// Unchecked `linfa-lr` parameters.
///
/// ```
/// use secdisc_features::CsrMatrix;
/// use secdisc_train::LinfaLogisticParams;
/// let mut x = CsrMatrix::new(3);
/// for i in 0..20 {
///     x.push_row(&[if i % 2 == 0 { 0 } else { 1 }, 2], &[1.0, 0.5]);
/// }
/// let y: Vec<bool> = (0..20).map(|i| i % 2 == 0).collect();
/// let model = LinfaLogisticParams::default().select_k(2).check()?.fit(&x, &y)?;
/// assert!(model.probability(x.row(0)) > 0.5 && model.probability(x.row(1)) < 0.5);
/// assert_eq!(model.linear().map(|m| m.weights[2]), Some(0.0)); // not selected
/// # Ok::<(), secdisc_train::TrainError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LinfaLogisticParams(LinfaLogisticValidParams);

impl Default for LinfaLogisticParams {
    fn default() -> Self {
        LinfaLogisticParams(LinfaLogisticValidParams {
            c: 1.0,
            class_weight: ClassWeight::Balanced,
            select_k: 2000,
            tol: 1e-5,
            max_iter: 200,
        })
    }
}

impl LinfaLogisticParams {
    /// Inverse regularisation strength, as scikit-learn's `C` (linfa's `α = 1 / (C · s)` with
    /// `s` the lighter class weight). Default 1.0.
    pub fn c(mut self, c: f64) -> Self {
        self.0.c = c;
        self
    }

    /// Class weighting, applied by repeating rows of the heavier class. Default
    /// [`ClassWeight::Balanced`].
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.0.class_weight = w;
        self
    }

    /// Number of chi²-selected features the regression sees. Default 2000.
    pub fn select_k(mut self, k: usize) -> Self {
        self.0.select_k = k;
        self
    }

    /// Stop when the gradient norm falls below `tol` times its norm at zero (passed to linfa
    /// as an absolute `gradient_tolerance`). Default 1e-5.
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }

    /// Iteration limit of linfa's L-BFGS. Default 200.
    pub fn max_iter(mut self, max_iter: u64) -> Self {
        self.0.max_iter = max_iter;
        self
    }

    /// Validate.
    ///
    /// # Errors
    ///
    /// [`TrainError::InvalidC`], [`TrainError::InvalidTolerance`], [`TrainError::InvalidMaxIter`],
    /// [`TrainError::InvalidSelectK`] or [`TrainError::InvalidClassWeight`] with the bad value.
    pub fn check(self) -> Result<LinfaLogisticValidParams> {
        let p = &self.0;
        crate::checks::solver_settings(p.c, p.tol, p.max_iter)?;
        if p.select_k == 0 {
            return Err(TrainError::InvalidSelectK(p.select_k));
        }
        class_weights(p.class_weight, 1, 1)?;
        Ok(self.0)
    }
}

impl LinfaLogisticValidParams {
    /// Fit and store as a linear classifier with the logistic link.
    pub fn fit(&self, x: &CsrMatrix, y: &[bool]) -> Result<ClassifierModel> {
        let (selection, fitted) = self.fit_linfa(x, y)?;
        Ok(ClassifierModel::logistic(to_linear(&selection, &fitted)))
    }

    /// Select features and fit linfa's model on them: what [`LinfaLogisticValidParams::fit`]
    /// converts.
    ///
    /// # Errors
    ///
    /// [`TrainError::LengthMismatch`], [`TrainError::SingleClass`], or linfa's error when its
    /// solver fails.
    pub fn fit_linfa(
        &self,
        x: &CsrMatrix,
        y: &[bool],
    ) -> Result<(Chi2Selection, FittedLogisticRegression<f64, bool>)> {
        let selection = Chi2Selection::fit(x, y, self.select_k)?;
        let positives = y.iter().filter(|&&l| l).count();
        let (ws, wn) = class_weights(self.class_weight, positives, y.len() - positives)?;
        let (heavy, ratio, light) = if ws >= wn {
            (true, ws / wn, wn)
        } else {
            (false, wn / ws, ws)
        };
        let repeats = (ratio.round() as usize).max(1);
        let mut rows = Vec::with_capacity(y.len() + positives * (repeats - 1));
        for (i, &label) in y.iter().enumerate() {
            let times = if label == heavy { repeats } else { 1 };
            rows.extend(std::iter::repeat(i).take(times));
        }
        let xd: Array2<f64> = selection.dense_rows(x, &rows);
        let yd: Array1<bool> = rows.iter().map(|&i| y[i]).collect();
        // The gradient at w = 0, b = 0 is −½ (Xᵀt, Σt) with t = ±1 labels.
        let t: Array1<f64> = yd.mapv(|l| if l { 1.0 } else { -1.0 });
        let g0 = xd.t().dot(&t);
        let g0_norm = 0.5 * (g0.dot(&g0) + t.sum().powi(2)).sqrt();
        let fitted = LogisticRegression::default()
            .alpha(1.0 / (self.c * light))
            .max_iterations(self.max_iter)
            .gradient_tolerance((self.tol * g0_norm).max(f64::MIN_POSITIVE))
            .check()?
            .fit(&DatasetBase::new(xd, yd))?;
        Ok((selection, fitted))
    }
}

/// linfa's fitted weights on the selected columns as a [`LinearModel`] over all
/// `selection.n_features()` columns (unselected weights 0), with `w·x + b` the log-odds of
/// security whichever class linfa labelled positive.
pub fn to_linear(
    selection: &Chi2Selection,
    fitted: &FittedLogisticRegression<f64, bool>,
) -> LinearModel {
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    let mut weights = vec![0.0; selection.n_features()];
    for (&j, &w) in selection.columns().iter().zip(fitted.params()) {
        weights[j as usize] = sign * w;
    }
    LinearModel {
        weights,
        intercept: sign * fitted.intercept(),
    }
}

estimator!(LinfaLogisticParams => LinfaLogisticValidParams,
    check = |p| p.clone().check(),
    grid = ("c", &[0.1, 1.0, 10.0], LinfaLogisticParams::c),
    fit = |v, x, y, _seed| v.fit(x, y));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logistic::LogisticRegressionParams;
    use secdisc_rng::SplitMix64;

    /// Noisy two-class data over 6 features: features 0 and 1 lean security, 2 and 3 not,
    /// 4 and 5 are noise. `positives` of `n` rows are security.
    fn noisy(n: usize, positives: usize, seed: u64) -> (CsrMatrix, Vec<bool>) {
        let mut rng = SplitMix64::new(seed);
        let mut x = CsrMatrix::new(6);
        let mut y = Vec::new();
        for i in 0..n {
            let label = i < positives;
            let mut vals = [0.0f32; 6];
            for (j, v) in vals.iter_mut().enumerate() {
                let lean = match (j, label) {
                    (0 | 1, true) | (2 | 3, false) => 0.6,
                    (4 | 5, _) => 0.4,
                    _ => 0.15,
                };
                if (rng.below(1000) as f64) < lean * 1000.0 {
                    *v = 0.2 + rng.below(80) as f32 / 100.0;
                }
            }
            let (idx, val): (Vec<u32>, Vec<f32>) = vals
                .iter()
                .enumerate()
                .filter(|(_, &v)| v > 0.0)
                .map(|(j, &v)| (j as u32, v))
                .unzip();
            x.push_row(&idx, &val);
            y.push(label);
        }
        (x, y)
    }

    #[test]
    fn stored_probabilities_equal_linfas_with_either_sign_convention() {
        // Security is the minority (linfa's +1 is non-security) in the first set and the
        // majority in the second; uniform weights keep the classes unequal in linfa's input.
        for (positives, want_pos) in [(20, false), (60, true)] {
            let (x, y) = noisy(80, positives, 3);
            let p = LinfaLogisticParams::default()
                .select_k(4)
                .class_weight(ClassWeight::Uniform)
                .check()
                .unwrap();
            let (sel, fitted) = p.fit_linfa(&x, &y).unwrap();
            assert_eq!(fitted.labels().pos.class, want_pos);
            let lin = to_linear(&sel, &fitted);
            assert_eq!(lin.weights.len(), 6);
            let linfa_p = fitted.predict_probabilities(&sel.dense::<f64>(&x));
            for (i, &lp) in linfa_p.iter().enumerate() {
                let security = if want_pos { lp } else { 1.0 - lp };
                let ours = lin.probability(x.row(i));
                assert!(
                    (ours - security).abs() < 1e-12,
                    "row {i}: {ours} vs {security}"
                );
            }
            // Security-leaning features get positive weights.
            assert!(
                lin.weights[0] > 0.0 && lin.weights[2] < 0.0,
                "{:?}",
                lin.weights
            );
        }
    }

    #[test]
    fn c_and_class_weights_mean_what_they_mean_for_lr() {
        // 15 of 60 security: balanced weights 2 and 2/3, an integer ratio of 3, so repeating
        // positives reproduces scikit-learn's weighted objective exactly.
        let (x, y) = noisy(60, 15, 9);
        for (weight, c) in [(ClassWeight::Uniform, 1.0), (ClassWeight::Balanced, 0.3)] {
            let ours = LogisticRegressionParams::default()
                .c(c)
                .class_weight(weight)
                .tol(1e-10)
                .max_iter(2000);
            let ours = linfa::ParamGuard::check(ours)
                .unwrap()
                .fit_sparse(&x, &y)
                .unwrap();
            let theirs = LinfaLogisticParams::default()
                .c(c)
                .class_weight(weight)
                .select_k(6)
                .tol(1e-10)
                .max_iter(2000)
                .check()
                .unwrap()
                .fit(&x, &y)
                .unwrap();
            let theirs = theirs.linear().unwrap();
            for (j, (a, b)) in ours.weights.iter().zip(&theirs.weights).enumerate() {
                assert!(
                    (a - b).abs() < 1e-4,
                    "{weight:?} w{j}: lr {a} vs linfa-lr {b}"
                );
            }
            assert!((ours.intercept - theirs.intercept).abs() < 1e-4);
        }
    }

    #[test]
    fn invalid_params_are_rejected_with_their_values() {
        let p = LinfaLogisticParams::default;
        assert!(matches!(p().c(0.0).check(), Err(TrainError::InvalidC(c)) if c == 0.0));
        assert!(matches!(
            p().select_k(0).check(),
            Err(TrainError::InvalidSelectK(0))
        ));
        assert!(matches!(
            p().tol(-1.0).check(),
            Err(TrainError::InvalidTolerance(_))
        ));
        assert!(matches!(
            p().max_iter(0).check(),
            Err(TrainError::InvalidMaxIter)
        ));
        let (x, y) = noisy(10, 0, 1);
        assert!(matches!(
            p().check().unwrap().fit(&x, &y),
            Err(TrainError::SingleClass { .. })
        ));
    }

    #[test]
    fn same_data_same_model() {
        let (x, y) = noisy(80, 10, 5);
        let p = LinfaLogisticParams::default().select_k(3).check().unwrap();
        assert_eq!(p.fit(&x, &y).unwrap(), p.fit(&x, &y).unwrap());
    }
}
