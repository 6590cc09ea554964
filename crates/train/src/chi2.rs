//! Chi-squared feature selection: the `K` TF-IDF columns most dependent on the label, as a
//! dense `ndarray` matrix for linfa's dense learners.
//!
//! The score of feature `j` is scikit-learn's `chi2(X, y)`: with the observed per-class sums
//! `O_cj = Σ_{i: yᵢ = c} x_ij` and the expected `E_cj = P(c) · Σᵢ x_ij` (class frequency times
//! the feature's total), `χ²_j = Σ_c (O_cj − E_cj)² / E_cj`. A feature with no mass scores 0
//! (scikit-learn gives NaN). The top `K` by score are kept, ties to the lower index, and stored
//! in ascending column order.
//!
//! ```
//! use secdisc_features::CsrMatrix;
//! use secdisc_train::Chi2Selection;
//! let mut x = CsrMatrix::new(3);
//! x.push_row(&[0, 2], &[1.0, 0.5]);
//! x.push_row(&[1, 2], &[1.0, 0.5]);
//! let selection = Chi2Selection::fit(&x, &[true, false], 2)?;
//! assert_eq!(selection.columns(), [0, 1]); // column 2 is spread evenly: χ² = 0
//! let dense = selection.dense::<f32>(&x);
//! assert_eq!(dense.row(1).to_vec(), [0.0, 1.0]);
//! # Ok::<(), secdisc_train::TrainError>(())
//! ```

use ndarray::{Array2, ShapeBuilder};
use secdisc_features::CsrMatrix;

use crate::error::{Result, TrainError};

/// The chi-squared statistic of every column of `x` against `y`, as scikit-learn's
/// `sklearn.feature_selection.chi2(x, y)[0]`, with 0 for columns that sum to 0.
///
/// # Errors
///
/// [`TrainError::LengthMismatch`] when `x` and `y` differ in rows; [`TrainError::SingleClass`]
/// when `y` has one class only.
pub fn chi2_scores(x: &CsrMatrix, y: &[bool]) -> Result<Vec<f64>> {
    let (positives, negatives) = crate::checks::class_counts(x, y)?;
    let d = x.n_cols();
    let mut observed = [vec![0.0f64; d], vec![0.0f64; d]];
    for (row, &label) in x.rows().zip(y) {
        let o = &mut observed[usize::from(label)];
        for (&j, &v) in row.indices.iter().zip(row.values) {
            o[j as usize] += f64::from(v);
        }
    }
    let n = y.len() as f64;
    let prior = [negatives as f64 / n, positives as f64 / n];
    Ok((0..d)
        .map(|j| {
            let total = observed[0][j] + observed[1][j];
            if total <= 0.0 {
                return 0.0;
            }
            (0..2)
                .map(|c| {
                    let expected = prior[c] * total;
                    (observed[c][j] - expected).powi(2) / expected
                })
                .sum()
        })
        .collect())
}

/// The `K` columns with the largest chi-squared scores, fitted on training rows; applies to any
/// matrix with the same columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Chi2Selection {
    n_features: usize,
    columns: Vec<u32>,
}

impl Chi2Selection {
    /// Keep the `k` columns of `x` with the highest [`chi2_scores`] against `y` (all columns
    /// when `k` is at least their number); ties go to the lower column index.
    ///
    /// # Errors
    ///
    /// [`TrainError::InvalidSelectK`] when `k` is 0, and those of [`chi2_scores`].
    pub fn fit(x: &CsrMatrix, y: &[bool], k: usize) -> Result<Chi2Selection> {
        if k == 0 {
            return Err(TrainError::InvalidSelectK(k));
        }
        let scores = chi2_scores(x, y)?;
        let mut order: Vec<u32> = (0..x.n_cols() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            scores[b as usize]
                .total_cmp(&scores[a as usize])
                .then(a.cmp(&b))
        });
        order.truncate(k);
        order.sort_unstable();
        Ok(Chi2Selection {
            n_features: x.n_cols(),
            columns: order,
        })
    }

    /// Width of the matrices this selection applies to.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Selected columns, ascending.
    pub fn columns(&self) -> &[u32] {
        &self.columns
    }

    /// The selected columns of every row of `x`, densely.
    pub fn dense<F: Copy + Default + From<f32>>(&self, x: &CsrMatrix) -> Array2<F> {
        let rows: Vec<usize> = (0..x.n_rows()).collect();
        self.dense_rows(x, &rows)
    }

    /// The selected columns of rows `rows` of `x` (in that order, repeats allowed), densely.
    /// Panics if a row is out of range or `x` is not [`Chi2Selection::n_features`] wide.
    pub fn dense_rows<F: Copy + Default + From<f32>>(
        &self,
        x: &CsrMatrix,
        rows: &[usize],
    ) -> Array2<F> {
        assert_eq!(
            x.n_cols(),
            self.n_features,
            "selection fitted on another width"
        );
        dense_columns(x, rows, &self.columns)
    }
}

/// Columns `columns` (distinct, below `x.n_cols()`) of rows `rows` of `x`, densely: entry
/// `(i, k)` is row `rows[i]`'s value of column `columns[k]`. Panics on an out-of-range index.
///
/// The array is column-major (Fortran order): linfa-logistic's gradient is `Xᵀ·v`, a dot
/// product per column, and linfa-trees sorts each column; on row-major input that gradient
/// strides across rows and dominated linfa-lr's fit time (80% of it).
pub fn dense_columns<F: Copy + Default + From<f32>>(
    x: &CsrMatrix,
    rows: &[usize],
    columns: &[u32],
) -> Array2<F> {
    let mut position = vec![u32::MAX; x.n_cols()];
    for (k, &j) in columns.iter().enumerate() {
        position[j as usize] = k as u32;
    }
    let mut out = Array2::from_elem((rows.len(), columns.len()).f(), F::default());
    for (mut dense, &r) in out.rows_mut().into_iter().zip(rows) {
        let row = x.row(r);
        for (&j, &v) in row.indices.iter().zip(row.values) {
            let k = position[j as usize];
            if k != u32::MAX {
                dense[k as usize] = F::from(v);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matrix and labels of the scikit-learn reference below.
    fn reference() -> (CsrMatrix, Vec<bool>) {
        let dense = [
            [0.5, 0.0, 0.2, 0.0],
            [0.1, 0.3, 0.0, 0.0],
            [0.0, 0.6, 0.4, 0.0],
            [0.7, 0.0, 0.0, 0.0],
            [0.0, 0.2, 0.1, 0.0],
        ];
        let mut x = CsrMatrix::new(4);
        for r in dense {
            let (idx, val): (Vec<u32>, Vec<f32>) = r
                .iter()
                .enumerate()
                .filter(|(_, &v)| v != 0.0)
                .map(|(j, &v)| (j as u32, v as f32))
                .unzip();
            x.push_row(&idx, &val);
        }
        (x, vec![true, false, false, true, false])
    }

    #[test]
    fn scores_match_scikit_learn() {
        // python3 -c "from sklearn.feature_selection import chi2; import numpy as np;
        //   X=np.array([[0.5,0,0.2,0],[0.1,0.3,0,0],[0,0.6,0.4,0],[0.7,0,0,0],[0,0.2,0.1,0]]);
        //   y=[1,0,0,1,0]; print([float(v) for v in chi2(X,y)[0]])"
        // [1.4820512820512823, 0.7333333333333334, 0.038095238095238085, nan]
        let (x, y) = reference();
        let s = chi2_scores(&x, &y).unwrap();
        let sklearn = [1.4820512820512823, 0.7333333333333334, 0.038095238095238085];
        for (j, want) in sklearn.into_iter().enumerate() {
            // The inputs are f32 here, f64 in scikit-learn.
            assert!(
                (s[j] - want).abs() < 1e-6,
                "feature {j}: {} vs {want}",
                s[j]
            );
        }
        assert_eq!(s[3], 0.0, "an empty column scores 0, not NaN");
    }

    #[test]
    fn keeps_the_top_k_ascending_with_ties_to_the_lower_index() {
        let (x, y) = reference();
        let sel = Chi2Selection::fit(&x, &y, 2).unwrap();
        assert_eq!(sel.columns(), [0, 1]);
        assert_eq!(
            Chi2Selection::fit(&x, &y, 10).unwrap().columns(),
            [0, 1, 2, 3]
        );
        // Columns 0 and 1 carry identical evidence: the lower index wins the tie.
        let mut t = CsrMatrix::new(2);
        t.push_row(&[0, 1], &[1.0, 1.0]);
        t.push_row(&[], &[]);
        assert_eq!(
            Chi2Selection::fit(&t, &[true, false], 1).unwrap().columns(),
            [0]
        );
        assert!(matches!(
            Chi2Selection::fit(&x, &y, 0),
            Err(TrainError::InvalidSelectK(0))
        ));
        assert!(matches!(
            Chi2Selection::fit(&x, &[true; 5], 1),
            Err(TrainError::SingleClass { .. })
        ));
    }

    #[test]
    fn dense_rows_follow_the_selected_columns() {
        let (x, y) = reference();
        let sel = Chi2Selection::fit(&x, &y, 2).unwrap();
        let d: Array2<f64> = sel.dense_rows(&x, &[3, 3, 1]);
        assert_eq!(d.shape(), [3, 2]);
        assert!(d.t().is_standard_layout(), "column-major");
        assert_eq!(d.row(0).to_vec(), [f64::from(0.7f32), 0.0]);
        assert_eq!(d.row(1), d.row(0));
        assert_eq!(d.row(2).to_vec(), [f64::from(0.1f32), f64::from(0.3f32)]);
    }
}
