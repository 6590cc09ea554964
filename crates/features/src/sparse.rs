//! Compressed sparse row matrices with `u32` column indices and `f32` values.
//!
//! Hand-written rather than `sprs`: the solvers and the vectorizer need only row access,
//! row selection and appending rows, and owning the layout keeps the model format and the
//! hot loops free of a pinned dependency (linfa-preprocessing pins `sprs` 0.11).
//!
//! Word sequences: the sequence classifiers (`cnn`, `bilstm`) need the order of a document's
//! words, which a TF-IDF row has lost. A matrix can therefore also carry, per row, the
//! in-order word-unigram feature ids of its document (see
//! [`crate::Featurizer::with_sequences`]): a second compressed part beside the TF-IDF values,
//! present only when the classifier asked for it ([`CsrMatrix::with_sequences`]), so the other
//! classifiers neither compute nor store it. [`SparseRow::sequence`] exposes it, empty when
//! absent; selecting and appending rows carry it along.

use serde::{Deserialize, Serialize};

use crate::error::{FeaturesError, Result};

/// One row of a [`CsrMatrix`]: parallel slices of column indices (ascending) and values, and
/// the document's word sequence when the matrix carries one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseRow<'a> {
    /// Column indices, strictly ascending.
    pub indices: &'a [u32],
    /// Values, one per index.
    pub values: &'a [f32],
    /// The document's word-unigram feature ids in text order (repeats kept, words outside
    /// the vocabulary dropped, truncated to the length asked for); empty unless sequences were
    /// asked for. Only the sequence classifiers read it.
    pub sequence: &'a [u32],
}

impl<'a> SparseRow<'a> {
    /// A row without a word sequence.
    pub fn new(indices: &'a [u32], values: &'a [f32]) -> SparseRow<'a> {
        SparseRow {
            indices,
            values,
            sequence: &[],
        }
    }

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
    /// Row pointers into `seq_ids`: empty when the matrix carries no sequences, else one more
    /// than the number of rows. Not written when empty, so files without sequences keep
    /// their format.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    seq_indptr: Vec<usize>,
    /// Word sequences of all rows, concatenated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    seq_ids: Vec<u32>,
}

impl CsrMatrix {
    /// An empty matrix (zero rows) with `n_cols` columns.
    pub fn new(n_cols: usize) -> CsrMatrix {
        CsrMatrix {
            n_cols,
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
            seq_indptr: Vec::new(),
            seq_ids: Vec::new(),
        }
    }

    /// An empty matrix (zero rows) with `n_cols` columns that also stores each row's word
    /// sequence ([`SparseRow::sequence`]).
    pub fn with_sequences(n_cols: usize) -> CsrMatrix {
        CsrMatrix {
            seq_indptr: vec![0],
            ..CsrMatrix::new(n_cols)
        }
    }

    /// Whether rows carry word sequences.
    pub fn has_sequences(&self) -> bool {
        !self.seq_indptr.is_empty()
    }

    /// The same rows without their word sequences.
    pub fn without_sequences(mut self) -> CsrMatrix {
        self.seq_indptr = Vec::new();
        self.seq_ids = Vec::new();
        self
    }

    /// Append a row. Indices must be ascending and below `n_cols` (checked in debug builds).
    /// In a matrix with sequences the row gets an empty one.
    pub fn push_row(&mut self, indices: &[u32], values: &[f32]) {
        self.push(SparseRow::new(indices, values));
    }

    /// Append a row with its word sequence; the sequence is dropped when this matrix stores
    /// none.
    pub fn push(&mut self, row: SparseRow<'_>) {
        let SparseRow {
            indices,
            values,
            sequence,
        } = row;
        debug_assert_eq!(indices.len(), values.len());
        debug_assert!(indices.windows(2).all(|w| w[0] < w[1]));
        debug_assert!(indices.iter().all(|&i| (i as usize) < self.n_cols));
        self.indices.extend_from_slice(indices);
        self.values.extend_from_slice(values);
        self.indptr.push(self.indices.len());
        if self.has_sequences() {
            debug_assert!(sequence.iter().all(|&i| (i as usize) < self.n_cols));
            self.seq_ids.extend_from_slice(sequence);
            self.seq_indptr.push(self.seq_ids.len());
        }
    }

    /// Append all rows of `other`, which must have the same number of columns.
    pub fn append(&mut self, other: &CsrMatrix) {
        assert_eq!(
            self.n_cols, other.n_cols,
            "appending matrices of different widths"
        );
        for row in other.rows() {
            self.push(row);
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
        let sequence = match self.seq_indptr.get(i..i + 2) {
            Some(&[s, e]) => &self.seq_ids[s..e],
            _ => &[],
        };
        SparseRow {
            indices: &self.indices[a..b],
            values: &self.values[a..b],
            sequence,
        }
    }

    /// Iterate over rows in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = SparseRow<'_>> + '_ {
        (0..self.n_rows()).map(move |i| self.row(i))
    }

    /// Check the invariants [`CsrMatrix::row`] relies on, for a matrix read from a file (the
    /// derived `Deserialize` checks nothing): `indptr` starts at 0, never decreases and ends at
    /// the number of entries; there are as many values as indices; indices are strictly
    /// ascending within a row and below `n_cols`; values are finite; word sequences, when
    /// present, have one pointer per row and ids below `n_cols`.
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
        if self.has_sequences() {
            let ptr = &self.seq_indptr;
            let well_formed = ptr.len() == self.indptr.len()
                && ptr[0] == 0
                && ptr.last() == Some(&self.seq_ids.len())
                && ptr.windows(2).all(|w| w[0] <= w[1]);
            if !well_formed {
                return bad(format!(
                    "{} sequence pointers for {} rows and {} sequence ids",
                    ptr.len(),
                    self.n_rows(),
                    self.seq_ids.len()
                ));
            }
            if let Some(&c) = self.seq_ids.iter().find(|&&c| c as usize >= self.n_cols) {
                return bad(format!(
                    "sequence id {c} in a matrix of {} columns",
                    self.n_cols
                ));
            }
        }
        Ok(())
    }

    /// A new matrix of the given rows, in the given order.
    pub fn select_rows(&self, rows: &[usize]) -> CsrMatrix {
        let nnz = rows.iter().map(|&r| self.row(r).nnz()).sum();
        let mut out = if self.has_sequences() {
            CsrMatrix::with_sequences(self.n_cols)
        } else {
            CsrMatrix::new(self.n_cols)
        };
        out.reserve(rows.len(), nnz);
        for &r in rows {
            out.push(self.row(r));
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
    fn sequences_travel_with_their_rows() {
        let mut m = CsrMatrix::with_sequences(4);
        m.push(SparseRow {
            indices: &[0, 3],
            values: &[0.6, 0.8],
            sequence: &[3, 0, 3],
        });
        m.push_row(&[1], &[1.0]);
        m.push(SparseRow {
            indices: &[2],
            values: &[1.0],
            sequence: &[2],
        });
        assert!(m.has_sequences() && m.check().is_ok());
        assert_eq!(m.row(0).sequence, &[3, 0, 3]);
        assert!(m.row(1).sequence.is_empty());
        let s = m.select_rows(&[2, 0]);
        assert_eq!(
            (s.row(0).sequence, s.row(1).sequence),
            (&[2][..], &[3, 0, 3][..])
        );
        let mut both = CsrMatrix::with_sequences(4);
        both.append(&m);
        assert_eq!(both, m);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<CsrMatrix>(&json).unwrap(), m);
        // Without sequences nothing is stored or written, and pushed sequences are dropped.
        let plain = m.clone().without_sequences();
        assert!(!plain.has_sequences() && plain.row(0).sequence.is_empty());
        assert!(!serde_json::to_string(&plain).unwrap().contains("seq"));
        let mut p = CsrMatrix::new(4);
        p.push(m.row(0));
        assert_eq!(p, plain.select_rows(&[0]));
        let bad = json.replace("\"seq_ids\":[3,0,3,2]", "\"seq_ids\":[3,0,4,2]");
        let e = serde_json::from_str::<CsrMatrix>(&bad)
            .unwrap()
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("sequence id 4"), "{e}");
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
