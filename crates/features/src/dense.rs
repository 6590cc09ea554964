//! Dense feature blocks beside the sparse TF-IDF columns: one vector per document (a sentence
//! embedding), appended to each row as extra columns.
//!
//! A document's block is L2-normalised by whoever makes it and multiplied by a block weight
//! when appended ([`CsrMatrix::with_dense`]), so the TF-IDF part (unit length) and the dense
//! part weigh what the weight says, whatever their dimensions.

use crate::error::{FeaturesError, Result};
use crate::sparse::CsrMatrix;

/// One dense vector per document, row-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DenseRows {
    dim: usize,
    values: Vec<f32>,
}

impl DenseRows {
    /// Rows of `dim` values each from `values` (row-major).
    ///
    /// # Errors
    /// [`FeaturesError::DenseShape`] when `dim` is zero or does not divide `values.len()`.
    pub fn new(dim: usize, values: Vec<f32>) -> Result<DenseRows> {
        if dim == 0 || values.len() % dim != 0 {
            return Err(FeaturesError::DenseShape {
                dim,
                values: values.len(),
            });
        }
        Ok(DenseRows { dim, values })
    }

    /// Values per row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.values.len() / self.dim.max(1)
    }

    /// Row `i`.
    ///
    /// # Panics
    /// When `i` is out of range.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.dim..(i + 1) * self.dim]
    }

    /// The rows `rows`, in that order.
    pub fn select_rows(&self, rows: &[usize]) -> DenseRows {
        let mut values = Vec::with_capacity(rows.len() * self.dim);
        for &r in rows {
            values.extend_from_slice(self.row(r));
        }
        DenseRows {
            dim: self.dim,
            values,
        }
    }
}

/// Append `weight × dense` to the sparse `indices`/`values` of one row whose sparse part has
/// `offset` columns (zeros are left out, so the row stays sorted and sparse).
pub fn append_dense(
    indices: &mut Vec<u32>,
    values: &mut Vec<f32>,
    offset: usize,
    dense: &[f32],
    weight: f32,
) {
    for (j, &v) in dense.iter().enumerate() {
        let v = v * weight;
        if v != 0.0 {
            indices.push((offset + j) as u32);
            values.push(v);
        }
    }
}

/// Push the entries of `row` times `weight` (none when the weight is 0; unchanged when 1).
pub fn push_sparse(
    indices: &mut Vec<u32>,
    values: &mut Vec<f32>,
    row: crate::SparseRow<'_>,
    weight: f32,
) {
    if weight == 0.0 {
        return;
    }
    indices.extend_from_slice(row.indices);
    if weight == 1.0 {
        values.extend_from_slice(row.values);
    } else {
        values.extend(row.values.iter().map(|v| v * weight));
    }
}

impl CsrMatrix {
    /// These rows times `sparse_weight` with `dense_weight × dense` appended as `dense.dim()`
    /// extra columns (after the existing ones); word sequences are kept. A `sparse_weight` of
    /// 0 leaves the sparse part out (sentence vectors alone).
    ///
    /// # Errors
    /// [`FeaturesError::DenseRows`] when `dense` has another number of rows.
    pub fn with_dense(
        &self,
        dense: &DenseRows,
        sparse_weight: f32,
        dense_weight: f32,
    ) -> Result<CsrMatrix> {
        if dense.n_rows() != self.n_rows() {
            return Err(FeaturesError::DenseRows {
                sparse: self.n_rows(),
                dense: dense.n_rows(),
            });
        }
        let offset = self.n_cols();
        let mut out = if self.has_sequences() {
            CsrMatrix::with_sequences(offset + dense.dim())
        } else {
            CsrMatrix::new(offset + dense.dim())
        };
        out.reserve(self.n_rows(), self.nnz() + self.n_rows() * dense.dim());
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        for (i, row) in self.rows().enumerate() {
            indices.clear();
            values.clear();
            push_sparse(&mut indices, &mut values, row, sparse_weight);
            append_dense(
                &mut indices,
                &mut values,
                offset,
                dense.row(i),
                dense_weight,
            );
            out.push(crate::SparseRow {
                indices: &indices,
                values: &values,
                sequence: row.sequence,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_weighted_columns_after_the_sparse_ones() {
        let mut x = CsrMatrix::new(3);
        x.push_row(&[0, 2], &[0.6, 0.8]);
        x.push_row(&[], &[]);
        let dense = DenseRows::new(2, vec![1.0, 0.0, 0.5, 0.5]).unwrap();
        let y = x.with_dense(&dense, 1.0, 2.0).unwrap();
        assert_eq!(y.n_cols(), 5);
        assert_eq!(y.row(0).indices, &[0, 2, 3]);
        assert_eq!(y.row(0).values, &[0.6, 0.8, 2.0]);
        assert_eq!(y.row(1).indices, &[3, 4]);
        assert_eq!(y.row(1).values, &[1.0, 1.0]);
        y.check().unwrap();
        assert_eq!(dense.select_rows(&[1]).row(0), &[0.5, 0.5]);
        let alone = x.with_dense(&dense, 0.0, 1.0).unwrap();
        assert_eq!(alone.row(0).indices, &[3]);
        let halved = x.with_dense(&dense, 0.5, 1.0).unwrap();
        assert_eq!(halved.row(0).values, &[0.3, 0.4, 1.0]);
    }

    #[test]
    fn shapes_are_checked() {
        assert!(DenseRows::new(0, vec![]).is_err());
        assert!(DenseRows::new(3, vec![1.0; 4]).is_err());
        let mut x = CsrMatrix::new(1);
        x.push_row(&[0], &[1.0]);
        let dense = DenseRows::new(1, vec![1.0, 1.0]).unwrap();
        assert!(x.with_dense(&dense, 1.0, 1.0).is_err());
    }
}
