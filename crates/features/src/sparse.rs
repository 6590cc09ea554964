//! Compressed sparse row matrices with `u32` column indices and `f32` values.
//!
//! Hand-written rather than `sprs`: the solvers and the vectorizer need only row access,
//! row selection and appending rows, and owning the layout keeps the model format and the
//! hot loops free of a pinned dependency (linfa-preprocessing pins `sprs` 0.11).

use serde::{Deserialize, Serialize};

use crate::error::{FeaturesError, Result};

/// One row of a [`CsrMatrix`]: parallel slices of column indices (ascending) and values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseRow<'a> {
    /// Column indices, strictly ascending.
    pub indices: &'a [u32],
    /// Values, one per index.
    pub values: &'a [f32],
}

impl SparseRow<'_> {
    /// Dot product with a dense vector. Panics if an index is out of `dense`'s bounds.
    #[inline]
    pub fn dot(&self, dense: &[f64]) -> f64 {
        self.indices
            .iter()
            .zip(self.values)
            .map(|(&i, &v)| dense[i as usize] * f64::from(v))
            .sum()
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }
}

/// A sparse matrix in compressed sparse row layout.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CsrMatrix {
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

impl CsrMatrix {
    /// An empty matrix (zero rows) with `n_cols` columns.
    pub fn new(n_cols: usize) -> CsrMatrix {
        CsrMatrix {
            n_cols,
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Append a row. Indices must be ascending and below `n_cols` (checked in debug builds).
    pub fn push_row(&mut self, indices: &[u32], values: &[f32]) {
        debug_assert_eq!(indices.len(), values.len());
        debug_assert!(indices.windows(2).all(|w| w[0] < w[1]));
        debug_assert!(indices.iter().all(|&i| (i as usize) < self.n_cols));
        self.indices.extend_from_slice(indices);
        self.values.extend_from_slice(values);
        self.indptr.push(self.indices.len());
    }

    /// Append all rows of `other`, which must have the same number of columns.
    pub fn append(&mut self, other: &CsrMatrix) {
        assert_eq!(
            self.n_cols, other.n_cols,
            "appending matrices of different widths"
        );
        for i in 0..other.n_rows() {
            let row = other.row(i);
            self.push_row(row.indices, row.values);
        }
    }

    /// Reserve room for `rows` more rows and `nnz` more entries.
    pub fn reserve(&mut self, rows: usize, nnz: usize) {
        self.indptr.reserve(rows);
        self.indices.reserve(nnz);
        self.values.reserve(nnz);
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row `i`. Panics if `i >= n_rows()`.
    #[inline]
    pub fn row(&self, i: usize) -> SparseRow<'_> {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        SparseRow {
            indices: &self.indices[a..b],
            values: &self.values[a..b],
        }
    }

    /// Iterate over rows in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = SparseRow<'_>> + '_ {
        (0..self.n_rows()).map(move |i| self.row(i))
    }

    /// Check the invariants [`CsrMatrix::row`] relies on, for a matrix read from a file (the
    /// derived `Deserialize` checks nothing): `indptr` starts at 0, never decreases and ends at
    /// the number of entries; there are as many values as indices; indices are strictly
    /// ascending within a row and below `n_cols`; values are finite.
    ///
    /// Errors with [`FeaturesError::InvalidSparseMatrix`] describing the first violation.
    pub fn check(&self) -> Result<()> {
        let bad = |what: String| Err(FeaturesError::InvalidSparseMatrix(what));
        if self.indices.len() != self.values.len() {
            return bad(format!(
                "{} column indices but {} values",
                self.indices.len(),
                self.values.len()
            ));
        }
        match (self.indptr.first(), self.indptr.last()) {
            (Some(0), Some(&end)) if end == self.indices.len() => {}
            (first, last) => {
                return bad(format!(
                    "row pointers must run from 0 to {} entries, got {first:?} to {last:?}",
                    self.indices.len()
                ))
            }
        }
        if let Some(r) = self.indptr.windows(2).position(|w| w[0] > w[1]) {
            let (start, end) = (self.indptr[r], self.indptr[r + 1]);
            return bad(format!("row {r} ends at {end} before it starts at {start}"));
        }
        // Pointers now ascend from 0 to the entry count, so every row slice is in bounds.
        for r in 0..self.n_rows() {
            let row = self.row(r);
            if let Some(p) = row.indices.windows(2).position(|p| p[0] >= p[1]) {
                return bad(format!(
                    "row {r}: column {} follows column {}; columns must ascend",
                    row.indices[p + 1],
                    row.indices[p]
                ));
            }
            if let Some(&c) = row.indices.last().filter(|&&c| c as usize >= self.n_cols) {
                return bad(format!(
                    "row {r}: column {c} in a matrix of {} columns",
                    self.n_cols
                ));
            }
            if let Some(v) = row.values.iter().find(|v| !v.is_finite()) {
                return bad(format!("row {r}: value {v} is not finite"));
            }
        }
        Ok(())
    }

    /// A new matrix of the given rows, in the given order.
    pub fn select_rows(&self, rows: &[usize]) -> CsrMatrix {
        let nnz = rows.iter().map(|&r| self.row(r).nnz()).sum();
        let mut out = CsrMatrix::new(self.n_cols);
        out.reserve(rows.len(), nnz);
        for &r in rows {
            let row = self.row(r);
            out.push_row(row.indices, row.values);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_select_and_dot() {
        let mut m = CsrMatrix::new(4);
        m.push_row(&[0, 3], &[1.0, 2.0]);
        m.push_row(&[], &[]);
        m.push_row(&[1], &[5.0]);
        assert_eq!((m.n_rows(), m.n_cols(), m.nnz()), (3, 4, 3));
        let s = m.select_rows(&[2, 0]);
        assert_eq!(s.row(0).indices, &[1]);
        assert_eq!(s.row(1).dot(&[1.0, 0.0, 0.0, 0.5]), 2.0);
        assert_eq!(m.row(1).nnz(), 0);
        assert!(m.check().is_ok());
    }

    #[test]
    fn check_rejects_broken_layouts() {
        let parse = |json: &str| serde_json::from_str::<CsrMatrix>(json).unwrap();
        for (json, needle) in [
            (
                r#"{"n_cols":2,"indptr":[0,1],"indices":[0],"values":[]}"#,
                "1 column indices but 0 values",
            ),
            (
                r#"{"n_cols":2,"indptr":[0,2],"indices":[0],"values":[1]}"#,
                "from 0 to 1",
            ),
            (
                r#"{"n_cols":2,"indptr":[],"indices":[],"values":[]}"#,
                "None",
            ),
            (
                r#"{"n_cols":2,"indptr":[0,2,1],"indices":[0,1],"values":[1,1]}"#,
                "from 0 to 2",
            ),
            (
                r#"{"n_cols":2,"indptr":[0,3,2],"indices":[0,1],"values":[1,1]}"#,
                "row 1 ends at 2 before it starts at 3",
            ),
            (
                r#"{"n_cols":2,"indptr":[0,2],"indices":[1,0],"values":[1,1]}"#,
                "column 0 follows column 1",
            ),
            (
                r#"{"n_cols":2,"indptr":[0,1],"indices":[2],"values":[1]}"#,
                "column 2 in a matrix of 2",
            ),
        ] {
            let e = parse(json).check().unwrap_err().to_string();
            assert!(e.contains(needle), "{json}: {e}");
        }
        // A value beyond f32 is refused while parsing (serde_json's `float_roundtrip`), before
        // `check` could see it as infinite.
        let huge = r#"{"n_cols":2,"indptr":[0,1],"indices":[1],"values":[1e39]}"#;
        let e = serde_json::from_str::<CsrMatrix>(huge)
            .unwrap_err()
            .to_string();
        assert!(e.contains("out of range"), "{e}");
        assert!(
            parse(r#"{"n_cols":0,"indptr":[0],"indices":[],"values":[]}"#)
                .check()
                .is_ok()
        );
    }
}
