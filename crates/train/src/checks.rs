//! Checks shared by the classifiers: their training data and their solver settings.

use secdisc_features::CsrMatrix;

use crate::error::{Result, TrainError};

/// `(positives, negatives)` of `y`, after checking that `x` has one row per label and that
/// both classes are present.
pub(crate) fn class_counts(x: &CsrMatrix, y: &[bool]) -> Result<(usize, usize)> {
    if x.n_rows() != y.len() {
        return Err(TrainError::LengthMismatch {
            rows: x.n_rows(),
            labels: y.len(),
        });
    }
    let positives = y.iter().filter(|&&l| l).count();
    let negatives = y.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(TrainError::SingleClass {
            positives,
            negatives,
        });
    }
    Ok((positives, negatives))
}

/// The solver settings of logistic regression, linear SVM and linfa-lr: `c` and `tol` positive
/// and finite, at least one iteration.
pub(crate) fn solver_settings(c: f64, tol: f64, max_iter: u64) -> Result<()> {
    if !(c.is_finite() && c > 0.0) {
        return Err(TrainError::InvalidC(c));
    }
    if !(tol.is_finite() && tol > 0.0) {
        return Err(TrainError::InvalidTolerance(tol));
    }
    if max_iter == 0 {
        return Err(TrainError::InvalidMaxIter);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_classes_and_rejects_bad_shapes() {
        let mut x = CsrMatrix::new(1);
        x.push_row(&[0], &[1.0]);
        x.push_row(&[], &[]);
        assert_eq!(class_counts(&x, &[true, false]).unwrap(), (1, 1));
        assert!(matches!(
            class_counts(&x, &[true]),
            Err(TrainError::LengthMismatch { .. })
        ));
        assert!(matches!(
            class_counts(&x, &[true, true]),
            Err(TrainError::SingleClass { .. })
        ));
    }
}
