//! The shape every classifier shares, in linfa's spirit: unchecked parameters with setters,
//! checked into a form that only [`Estimator::checked`] makes, which fits with one signature.
//!
//! A classifier is one file that implements both traits, plus one line in the registry
//! ([`crate::classifier`]); the names, parsing, serialisation, tuning grid and dispatch of
//! [`crate::ClassifierParams`] all come from that line.

use secdisc_features::CsrMatrix;
use secdisc_model::ClassifierModel;

use crate::error::Result;

/// Unchecked classifier parameters: validated into [`Estimator::Valid`] before fitting.
pub trait Estimator: Clone {
    /// Checked parameters, ready to fit.
    type Valid: FitRows;

    /// Validate the parameters (each invalid setting is its own [`crate::TrainError`]).
    fn checked(&self) -> Result<Self::Valid>;

    /// The tuning grid: the main regularisation knob over a log scale, other parameters kept,
    /// each point with a short label (`c=0.3`, `alpha=0.01`). Empty: nothing to tune.
    fn grid(&self) -> Vec<(String, Self)>;

    /// The word-sequence length the classifier reads, or `None` when it reads only TF-IDF
    /// values (the default).
    fn sequence_len(&self) -> Option<usize> {
        None
    }
}

/// Checked parameters that fit a model on sparse rows.
pub trait FitRows {
    /// Fit on rows of `x` with labels `y` (`true` = security); `seed` drives any randomness.
    fn fit_rows(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<ClassifierModel>;
}

/// A grid over one setter: `label=value` for each value.
pub(crate) fn grid_over<P: Clone, V: std::fmt::Display + Copy>(
    params: &P,
    label: &str,
    values: &[V],
    set: impl Fn(P, V) -> P,
) -> Vec<(String, P)> {
    values
        .iter()
        .map(|&v| (format!("{label}={v}"), set(params.clone(), v)))
        .collect()
}

/// Implements [`Estimator`] and [`FitRows`] for a classifier whose parameter type already
/// checks itself and whose checked type already fits: one invocation in the classifier's file
/// instead of two impl blocks.
///
/// ```ignore
/// estimator!(SvmParams => SvmValidParams,
///     check = |p| p.clone().check(),
///     grid = ("c", &[0.01, 0.1, 1.0], SvmParams::c),
///     fit = |v, x, y, seed| v.fit(x, y, seed));
/// ```
macro_rules! estimator {
    (
        $params:ty => $valid:ty,
        check = |$cp:ident| $check:expr,
        grid = ($label:literal, $values:expr, $setter:path),
        fit = |$fp:ident, $x:ident, $y:ident, $seed:ident| $fit:expr
        $(, sequence_len = |$sp:ident| $seq:expr)? $(,)?
    ) => {
        impl $crate::estimator::Estimator for $params {
            type Valid = $valid;

            fn checked(&self) -> $crate::error::Result<$valid> {
                let $cp = self;
                $check
            }

            fn grid(&self) -> Vec<(String, Self)> {
                $crate::estimator::grid_over(self, $label, $values, $setter)
            }

            $(
                fn sequence_len(&self) -> Option<usize> {
                    let $sp = self;
                    $seq
                }
            )?
        }

        impl $crate::estimator::FitRows for $valid {
            fn fit_rows(
                &self,
                $x: &secdisc_features::CsrMatrix,
                $y: &[bool],
                $seed: u64,
            ) -> $crate::error::Result<secdisc_model::ClassifierModel> {
                let $fp = self;
                $fit
            }
        }
    };
}
pub(crate) use estimator;
