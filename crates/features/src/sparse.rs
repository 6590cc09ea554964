//! Compressed sparse row matrices with `u32` column indices and `f32` values.
//!
//! Hand-written rather than `sprs`: the solvers and the vectorizer need only row access,
//! row selection and appending rows, and owning the layout keeps the model format and the
//! hot loops free of a pinned dependency (linfa-preprocessing pins `sprs` 0.11).

use serde::{Deserialize, Serialize};

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
    }
}
