//! L2-regularised logistic regression over sparse features, solved by L-BFGS.
//!
//! Minimises `½‖w‖² + C Σᵢ sᵢ log(1 + exp(−yᵢ(w·xᵢ + b)))` with an unpenalised intercept `b`
//! (or, with [`Penalty::L1`] / [`Penalty::ElasticNet`], `(1−ρ)/2‖w‖² + ρ‖w‖₁ + C Σ ...` by
//! argmin's OWL-QN, the L1 mode of its L-BFGS; there the intercept is optimised as
//! `b = 1000·θ_b`, which makes OWL-QN's penalty on `θ_b` negligible),
//! `yᵢ ∈ {−1, +1}` and `sᵢ` the weight of row i's class — the objective of scikit-learn's
//! `LogisticRegression(penalty="l2", solver="lbfgs")`. The objective is divided by `C Σᵢ sᵢ`
//! for conditioning, which moves no optimum. argmin's L-BFGS (the optimiser linfa-logistic uses)
//! runs directly over the CSR matrix: margins are computed in parallel per row, the gradient is
//! scattered in row order, so results do not depend on the thread count.

use std::sync::Mutex;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use linfa::dataset::{DatasetBase, Records};
use linfa::param_guard::ParamGuard;
use linfa::traits::{Fit, PredictInplace};
use rayon::prelude::*;
use secdisc_features::CsrMatrix;
use secdisc_model::{sigmoid, LinearModel};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::estimator::estimator;

/// The regulariser of logistic regression.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Penalty {
    /// `½‖w‖²`. The default; solved by plain L-BFGS.
    #[default]
    L2,
    /// `‖w‖₁`: sparse weights, solved by OWL-QN.
    L1,
    /// `(1−ρ)/2‖w‖² + ρ‖w‖₁` as scikit-learn's elastic net, solved by OWL-QN.
    ElasticNet {
        /// ρ in (0, 1).
        l1_ratio: f64,
    },
}

impl Penalty {
    /// Every penalty, in help order; the elastic net with ρ = 0.5 (see [`Penalty::with_l1_ratio`]).
    pub const ALL: [Penalty; 3] = [
        Penalty::L2,
        Penalty::L1,
        Penalty::ElasticNet { l1_ratio: 0.5 },
    ];

    /// The short name users choose it by (`l2`, `l1`, `elasticnet`).
    pub fn name(self) -> &'static str {
        match self {
            Penalty::L2 => "l2",
            Penalty::L1 => "l1",
            Penalty::ElasticNet { .. } => "elasticnet",
        }
    }

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            Penalty::L2 => "½‖w‖²",
            Penalty::L1 => "‖w‖₁ (sparse weights)",
            Penalty::ElasticNet { .. } => "(1−ρ)/2‖w‖² + ρ‖w‖₁ with ρ = l1_ratio",
        }
    }

    /// This penalty with elastic-net mixing ρ = `l1_ratio`; L2 and L1 are returned unchanged.
    pub fn with_l1_ratio(self, l1_ratio: f64) -> Penalty {
        match self {
            Penalty::ElasticNet { .. } => Penalty::ElasticNet { l1_ratio },
            other => other,
        }
    }

    /// `(L2 coefficient, L1 coefficient)` before scaling.
    fn coefficients(self) -> (f64, f64) {
        match self {
            Penalty::L2 => (1.0, 0.0),
            Penalty::L1 => (0.0, 1.0),
            Penalty::ElasticNet { l1_ratio } => (1.0 - l1_ratio, l1_ratio),
        }
    }
}

/// How far the intercept is scaled under OWL-QN so that its L1 penalty is negligible.
const INTERCEPT_SCALE: f64 = 1000.0;

/// How rows of each class are weighted in the loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClassWeight {
    /// Every row weighs 1.
    Uniform,
    /// `n / (2 · n_class)`, as scikit-learn's `class_weight="balanced"`. The default.
    Balanced,
    /// Explicit weights.
    Custom {
        /// Weight of security rows.
        security: f64,
        /// Weight of non-security rows.
        non_security: f64,
    },
}

impl ClassWeight {
    /// The named weightings, in help order ([`ClassWeight::Custom`] has no name).
    pub const NAMED: [ClassWeight; 2] = [ClassWeight::Balanced, ClassWeight::Uniform];

    /// The short name users choose it by (`balanced`, `uniform`; `custom` for explicit weights).
    pub fn name(self) -> &'static str {
        match self {
            ClassWeight::Uniform => "uniform",
            ClassWeight::Balanced => "balanced",
            ClassWeight::Custom { .. } => "custom",
        }
    }

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            ClassWeight::Uniform => "Every record weighs 1",
            ClassWeight::Balanced => "n / (2 · n_class) per class",
            ClassWeight::Custom { .. } => "Explicit weights per class",
        }
    }
}

/// Per-class weights `(security, non_security)` for a weighting mode and class counts.
pub(crate) fn class_weights(
    mode: ClassWeight,
    positives: usize,
    negatives: usize,
) -> Result<(f64, f64)> {
    Ok(match mode {
        ClassWeight::Uniform => (1.0, 1.0),
        ClassWeight::Balanced => {
            let n = (positives + negatives) as f64;
            (n / (2.0 * positives as f64), n / (2.0 * negatives as f64))
        }
        ClassWeight::Custom {
            security,
            non_security,
        } => {
            let ok = |w: f64| w.is_finite() && w > 0.0;
            if !(ok(security) && ok(non_security)) {
                return Err(TrainError::InvalidClassWeight {
                    security,
                    non_security,
                });
            }
            (security, non_security)
        }
    })
}

/// Unchecked logistic regression parameters.
///
/// ```
/// use secdisc_train::{LogisticRegressionParams, SparseRecords};
/// use secdisc_features::CsrMatrix;
/// use linfa::prelude::*;
/// let mut x = CsrMatrix::new(2);
/// for (i, v) in [(0, 1.0), (1, 1.0), (0, 0.9), (1, 0.8)] {
///     x.push_row(&[i], &[v]);
/// }
/// let y = vec![true, false, true, false];
/// let data = DatasetBase::new(SparseRecords(&x), y);
/// let model = LogisticRegressionParams::default().c(10.0).fit(&data)?;
/// let predicted: Vec<bool> = model.predict(&data);
/// assert_eq!(predicted, [true, false, true, false]);
/// # Ok::<(), secdisc_train::TrainError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LogisticRegressionParams(LogisticRegressionValidParams);

/// Checked logistic regression parameters. Only [`ParamGuard::check`] (or `check_ref`) on
/// [`LogisticRegressionParams`] hands one out, following linfa's parameter pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegressionValidParams {
    c: f64,
    #[serde(default)]
    penalty: Penalty,
    class_weight: ClassWeight,
    tol: f64,
    max_iter: u64,
    memory: usize,
}

impl Default for LogisticRegressionValidParams {
    fn default() -> Self {
        LogisticRegressionValidParams {
            c: 1.0,
            penalty: Penalty::L2,
            class_weight: ClassWeight::Balanced,
            tol: 1e-4,
            max_iter: 500,
            memory: 10,
        }
    }
}

impl LogisticRegressionParams {
    /// Inverse regularisation strength (larger fits the data more closely). Default 1.0.
    pub fn c(mut self, c: f64) -> Self {
        self.0.c = c;
        self
    }

    /// Class weighting. Default [`ClassWeight::Balanced`].
    pub fn class_weight(mut self, class_weight: ClassWeight) -> Self {
        self.0.class_weight = class_weight;
        self
    }

    /// Regulariser. Default [`Penalty::L2`].
    pub fn penalty(mut self, penalty: Penalty) -> Self {
        self.0.penalty = penalty;
        self
    }

    /// Stop when the gradient norm falls below `tol` times its value at zero. Default 1e-4
    /// (scikit-learn's default tolerance; 1e-6 changes matomo CV scores in the fourth decimal
    /// and takes 30% longer).
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }

    /// Iteration limit of L-BFGS. Default 500.
    pub fn max_iter(mut self, max_iter: u64) -> Self {
        self.0.max_iter = max_iter;
        self
    }
}

impl ParamGuard for LogisticRegressionParams {
    type Checked = LogisticRegressionValidParams;
    type Error = TrainError;

    fn check_ref(&self) -> Result<&Self::Checked> {
        let p = &self.0;
        crate::checks::solver_settings(p.c, p.tol, p.max_iter)?;
        if let Penalty::ElasticNet { l1_ratio } = p.penalty {
            if !(l1_ratio > 0.0 && l1_ratio < 1.0) {
                return Err(TrainError::InvalidL1Ratio(l1_ratio));
            }
        }
        class_weights(p.class_weight, 1, 1)?;
        Ok(p)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl LogisticRegressionValidParams {
    /// Inverse regularisation strength.
    pub fn c_value(&self) -> f64 {
        self.c
    }

    /// Class weighting.
    pub fn class_weight_value(&self) -> ClassWeight {
        self.class_weight
    }

    /// Fit and wrap as a stored classifier (logistic link).
    pub fn fit(&self, x: &CsrMatrix, y: &[bool]) -> Result<secdisc_model::ClassifierModel> {
        Ok(secdisc_model::ClassifierModel::logistic(
            self.fit_sparse(x, y)?,
        ))
    }

    /// Fit on rows of `x` with labels `y` (`true` = security).
    pub fn fit_sparse(&self, x: &CsrMatrix, y: &[bool]) -> Result<LinearModel> {
        self.fit_rows_with_offset(x, y, None)
    }

    /// Fit with a fixed `offset` added to every row's log-odds (`offset[i]` for row `i`): the
    /// model learns a correction of what the offset already says. Its scores are
    /// `σ(w·x + b + offset)`, so the caller adds the offset again when it scores.
    ///
    /// # Errors
    /// As [`LogisticRegressionValidParams::fit_sparse`], and [`TrainError::LengthMismatch`]
    /// when `offset` has not one value per row.
    pub fn fit_sparse_with_offset(
        &self,
        x: &CsrMatrix,
        y: &[bool],
        offset: &[f64],
    ) -> Result<LinearModel> {
        if offset.len() != x.n_rows() {
            return Err(TrainError::LengthMismatch {
                rows: offset.len(),
                labels: x.n_rows(),
            });
        }
        self.fit_rows_with_offset(x, y, Some(offset))
    }

    fn fit_rows_with_offset(
        &self,
        x: &CsrMatrix,
        y: &[bool],
        offset: Option<&[f64]>,
    ) -> Result<LinearModel> {
        let p = self;
        let (positives, negatives) = crate::checks::class_counts(x, y)?;
        let (ws, wn) = class_weights(p.class_weight, positives, negatives)?;
        let weights: Vec<f64> = y.iter().map(|&l| if l { ws } else { wn }).collect();
        let total: f64 = weights.iter().sum();
        let (l2, l1) = p.penalty.coefficients();
        let scale = 1.0 / (p.c * total);
        let problem = Objective {
            x,
            y,
            weights: &weights,
            scale,
            c: p.c,
            l2,
            intercept_scale: if l1 > 0.0 { INTERCEPT_SCALE } else { 1.0 },
            offset,
            cache: Mutex::new(None),
        };
        let intercept_scale = problem.intercept_scale;
        let dim = x.n_cols() + 1;
        let init = vec![0.0; dim];
        let (_, g0) = problem.evaluate(&init);
        let g0_norm = g0
            .iter()
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt()
            .max(f64::MIN_POSITIVE);
        let mut solver = LBFGS::new(MoreThuenteLineSearch::new(), p.memory)
            .with_tolerance_grad(p.tol * g0_norm)
            .map_err(|e| TrainError::Solver(e.to_string()))?;
        if l1 > 0.0 {
            solver = solver
                .with_l1_regularization(l1 * scale)
                .map_err(|e| TrainError::Solver(e.to_string()))?;
        }
        let result = Executor::new(problem, solver)
            .configure(|state| state.param(init).max_iters(p.max_iter))
            .run()
            .map_err(|e| TrainError::Solver(e.to_string()))?;
        let best = result
            .state()
            .get_best_param()
            .cloned()
            .ok_or_else(|| TrainError::Solver("L-BFGS returned no parameters".into()))?;
        let intercept = best[dim - 1] * intercept_scale;
        let mut weights = best;
        weights.truncate(dim - 1);
        Ok(LinearModel { weights, intercept })
    }
}

/// A CSR matrix seen as linfa records (one sample per row).
#[derive(Debug, Clone, Copy)]
pub struct SparseRecords<'a>(pub &'a CsrMatrix);

impl Records for SparseRecords<'_> {
    type Elem = f32;

    fn nsamples(&self) -> usize {
        self.0.n_rows()
    }

    fn nfeatures(&self) -> usize {
        self.0.n_cols()
    }
}

impl<'a> Fit<SparseRecords<'a>, Vec<bool>, TrainError> for LogisticRegressionValidParams {
    type Object = LinearModel;

    fn fit(&self, dataset: &DatasetBase<SparseRecords<'a>, Vec<bool>>) -> Result<LinearModel> {
        self.fit_sparse(dataset.records.0, &dataset.targets)
    }
}

impl PredictInplace<SparseRecords<'_>, Vec<bool>> for LinearModel {
    fn predict_inplace(&self, x: &SparseRecords<'_>, y: &mut Vec<bool>) {
        y.clear();
        y.extend(x.0.rows().map(|row| self.probability(row) >= 0.5));
    }

    fn default_target(&self, x: &SparseRecords<'_>) -> Vec<bool> {
        Vec::with_capacity(x.0.n_rows())
    }
}

/// The scaled objective and its gradient, cached for the last point asked.
struct Objective<'a> {
    x: &'a CsrMatrix,
    y: &'a [bool],
    weights: &'a [f64],
    scale: f64,
    c: f64,
    /// Coefficient of `½‖w‖²` (1 for L2, 0 for L1, 1−ρ for elastic net).
    l2: f64,
    /// The intercept is `intercept_scale · θ_b`.
    intercept_scale: f64,
    /// Fixed log-odds added to each row's margin, when the fit learns a correction.
    offset: Option<&'a [f64]>,
    cache: Mutex<Option<Evaluation>>,
}

/// The objective and its gradient at one point.
struct Evaluation {
    theta: Vec<f64>,
    cost: f64,
    gradient: Vec<f64>,
}

/// Rows per parallel margin chunk (fixed, so sums never depend on the thread count).
const MARGIN_CHUNK: usize = 1024;

impl Objective<'_> {
    fn evaluate(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        if let Ok(cache) = self.cache.lock() {
            if let Some(e) = cache.as_ref().filter(|e| e.theta == theta) {
                return (e.cost, e.gradient.clone());
            }
        }
        let d = self.x.n_cols();
        let (w, b) = theta.split_at(d);
        let b = b[0] * self.intercept_scale;
        // Per row: loss term and dℓ/dz, in parallel over fixed chunks.
        let per_chunk: Vec<(f64, Vec<f64>)> = (0..self.x.n_rows())
            .collect::<Vec<_>>()
            .par_chunks(MARGIN_CHUNK)
            .map(|rows| {
                let mut loss = 0.0;
                let mut coef = Vec::with_capacity(rows.len());
                for &i in rows {
                    let yi = if self.y[i] { 1.0 } else { -1.0 };
                    let margin = match self.offset {
                        Some(offset) => self.x.row(i).dot(w) + b + offset[i],
                        None => self.x.row(i).dot(w) + b,
                    };
                    let z = yi * margin;
                    // log(1 + exp(-z)), stable for both signs.
                    let l = if z > 0.0 {
                        (-z).exp().ln_1p()
                    } else {
                        -z + z.exp().ln_1p()
                    };
                    loss += self.weights[i] * l;
                    // d/dz_i of s_i·log(1+exp(-y z)) = -s_i·y·σ(-y z)
                    coef.push(-self.weights[i] * yi * sigmoid(-z));
                }
                (loss, coef)
            })
            .collect();
        let mut grad: Vec<f64> = w.iter().map(|v| self.l2 * v).collect();
        grad.push(0.0);
        let mut loss = 0.0;
        let mut row = 0;
        for (chunk_loss, coef) in per_chunk {
            loss += chunk_loss;
            for r in coef {
                let x = self.x.row(row);
                for (&j, &v) in x.indices.iter().zip(x.values) {
                    grad[j as usize] += self.c * r * f64::from(v);
                }
                grad[d] += self.c * r * self.intercept_scale;
                row += 1;
            }
        }
        let f = (0.5 * self.l2 * w.iter().map(|v| v * v).sum::<f64>() + self.c * loss) * self.scale;
        for g in &mut grad {
            *g *= self.scale;
        }
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Some(Evaluation {
                theta: theta.to_vec(),
                cost: f,
                gradient: grad.clone(),
            });
        }
        (f, grad)
    }
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, theta: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.evaluate(theta).0)
    }
}

impl Gradient for Objective<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, theta: &Self::Param) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        Ok(self.evaluate(theta).1)
    }
}

estimator!(LogisticRegressionParams => LogisticRegressionValidParams,
    check = |p| ParamGuard::check(p.clone()),
    grid = ("c", &[0.1, 0.3, 1.0, 3.0, 10.0, 30.0], LogisticRegressionParams::c),
    fit = |v, x, y, _seed| v.fit(x, y));

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed problem of `benches/peers/lr_reference.py`.
    fn problem() -> (CsrMatrix, Vec<bool>) {
        let dense = [
            [1., 0., 0., 2.],
            [0., 1., 0., 1.],
            [1., 1., 0., 0.],
            [0., 0., 1., 1.],
            [2., 0., 1., 0.],
            [0., 2., 0., 1.],
            [1., 0., 2., 0.],
            [0., 1., 1., 2.],
            [3., 0., 0., 1.],
            [0., 0., 2., 2.],
            [1., 2., 1., 0.],
            [0., 1., 0., 3.],
        ];
        let mut x = CsrMatrix::new(4);
        for row in dense {
            let (idx, val): (Vec<u32>, Vec<f32>) = row
                .iter()
                .enumerate()
                .filter(|(_, &v)| v != 0.0)
                .map(|(i, &v)| (i as u32, v as f32))
                .unzip();
            x.push_row(&idx, &val);
        }
        let y = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0]
            .map(|v| v == 1)
            .to_vec();
        (x, y)
    }

    /// Reference optima from `python benches/peers/lr_reference.py` (scikit-learn 1.9.1
    /// `LogisticRegression(solver="lbfgs")` polished by Newton's method to |grad| < 1e-15;
    /// scikit-learn's `newton-cholesky` agrees to 1e-14).
    #[test]
    fn reaches_scikit_learn_optimum() {
        let cases: [(f64, ClassWeight, [f64; 4], f64); 3] = [
            (
                1.0,
                ClassWeight::Balanced,
                [1.20043099, -0.871713158, -0.3164391274, -0.5342681503],
                0.3423864105,
            ),
            (
                0.5,
                ClassWeight::Uniform,
                [0.8495501636, -0.5804562246, -0.1739971736, -0.4073183499],
                -0.06785532071,
            ),
            (
                10.0,
                ClassWeight::Balanced,
                [3.214562768, -2.270393868, -1.057645015, -1.004779018],
                0.8281213239,
            ),
        ];
        let (x, y) = problem();
        for (c, weight, coef, intercept) in cases {
            let model = LogisticRegressionParams::default()
                .c(c)
                .class_weight(weight)
                .tol(1e-10)
                .max_iter(10_000)
                .check()
                .unwrap()
                .fit_sparse(&x, &y)
                .unwrap();
            for (got, want) in model.weights.iter().zip(coef) {
                assert!((got - want).abs() < 1e-6, "C={c}: coef {got} vs {want}");
            }
            assert!(
                (model.intercept - intercept).abs() < 1e-6,
                "C={c}: intercept {} vs {intercept}",
                model.intercept
            );
        }
    }

    /// Optimality (KKT) of an L1 / elastic-net fit: for each weight, the gradient of the
    /// smooth part g satisfies |g| <= l1 where w = 0 and g = -l1·sign(w) elsewhere.
    fn assert_kkt(x: &CsrMatrix, y: &[bool], c: f64, penalty: Penalty, m: &LinearModel) {
        let (l2, l1) = penalty.coefficients();
        let (ws, wn) = class_weights(ClassWeight::Balanced, 5, 7).unwrap();
        let mut g: Vec<f64> = m.weights.iter().map(|w| l2 * w).collect();
        let mut gb = 0.0;
        for (i, &yi) in y.iter().enumerate() {
            let s = if yi { ws } else { wn };
            let t = if yi { 1.0 } else { -1.0 };
            let z = t * m.decision(x.row(i));
            let r = -s * t * sigmoid(-z) * c;
            for (&j, &v) in x.row(i).indices.iter().zip(x.row(i).values) {
                g[j as usize] += r * f64::from(v);
            }
            gb += r;
        }
        assert!(gb.abs() < 1e-3, "intercept gradient {gb}");
        for (j, (&w, &gj)) in m.weights.iter().zip(&g).enumerate() {
            if w == 0.0 {
                assert!(gj.abs() <= l1 + 1e-3, "w{j}=0 but |g|={}", gj.abs());
            } else {
                assert!((gj + l1 * w.signum()).abs() < 1e-3, "w{j}={w}: g={gj}");
            }
        }
    }

    #[test]
    fn l1_and_elastic_net_reach_their_optimum_and_l1_zeroes_weights() {
        let (x, y) = problem();
        for penalty in [Penalty::L1, Penalty::ElasticNet { l1_ratio: 0.5 }] {
            let m = LogisticRegressionParams::default()
                .c(0.5)
                .penalty(penalty)
                .tol(1e-10)
                .max_iter(5000)
                .check()
                .unwrap()
                .fit_sparse(&x, &y)
                .unwrap();
            assert_kkt(&x, &y, 0.5, penalty, &m);
        }
        let l1 = LogisticRegressionParams::default()
            .c(0.2)
            .penalty(Penalty::L1)
            .tol(1e-10)
            .check()
            .unwrap()
            .fit_sparse(&x, &y)
            .unwrap();
        assert!(l1.weights.contains(&0.0), "{:?}", l1.weights);
        assert!(LogisticRegressionParams::default()
            .penalty(Penalty::ElasticNet { l1_ratio: 1.5 })
            .check()
            .is_err());
    }

    #[test]
    fn invalid_parameters_name_their_values() {
        assert!(matches!(
            LogisticRegressionParams::default().c(0.0).check(),
            Err(TrainError::InvalidC(_))
        ));
        assert!(matches!(
            LogisticRegressionParams::default().tol(-1.0).check(),
            Err(TrainError::InvalidTolerance(_))
        ));
        assert!(LogisticRegressionParams::default()
            .max_iter(0)
            .check()
            .is_err());
        let e = LogisticRegressionParams::default()
            .class_weight(ClassWeight::Custom {
                security: f64::NAN,
                non_security: 1.0,
            })
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("security=NaN"), "{e}");
    }

    #[test]
    fn single_class_and_shape_errors() {
        let (x, _) = problem();
        let p = LogisticRegressionParams::default().check().unwrap();
        assert!(matches!(
            p.fit_sparse(&x, &[false; 12]),
            Err(TrainError::SingleClass { .. })
        ));
        assert!(matches!(
            p.fit_sparse(&x, &[true, false]),
            Err(TrainError::LengthMismatch { .. })
        ));
    }
}
