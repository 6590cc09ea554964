//! The word-embedding table of the sequence classifiers ([`crate::TextCnnModel`],
//! [`crate::BiLstmModel`]).
//!
//! A document reaches a sequence classifier as [`secdisc_features::SparseRow::sequence`]: the TF-IDF
//! vectorizer's feature ids of its word unigrams in text order. The table stores a vector only
//! for the ids that occurred in some training sequence (`vocab`, ascending), not one per
//! vectorizer feature: most features are bigrams, which never appear in a sequence. An id with
//! no vector (a word too rare to train, or never seen by the classifier) is skipped, as if the
//! word were not in the text; training sequences contain only known ids, so training and
//! scoring see the same words.
//!
//! Stored exactly: the vectors as base64 little-endian `f32` ([`crate::base64`]), the
//! vocabulary as a JSON array.

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// No vector for this feature id.
const NO_SLOT: u32 = u32::MAX;

/// Vectors for the word-unigram feature ids seen in training.
///
/// Build with [`WordEmbedding::new`], which checks the shapes; deserialising runs the same
/// checks, so a damaged model file is an error, never a panic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawWordEmbedding")]
pub struct WordEmbedding {
    n_features: usize,
    dim: usize,
    vocab: Vec<u32>,
    #[serde(with = "crate::base64::f32s")]
    vectors: Vec<f32>,
    /// Row of `vectors` per feature id, or `NO_SLOT`; derived from `vocab`.
    #[serde(skip)]
    slot: Vec<u32>,
}

#[derive(Deserialize)]
struct RawWordEmbedding {
    n_features: usize,
    dim: usize,
    vocab: Vec<u32>,
    #[serde(deserialize_with = "crate::base64::f32s::deserialize")]
    vectors: Vec<f32>,
}

impl TryFrom<RawWordEmbedding> for WordEmbedding {
    type Error = ModelError;

    fn try_from(raw: RawWordEmbedding) -> Result<Self> {
        WordEmbedding::new(raw.n_features, raw.dim, raw.vocab, raw.vectors)
    }
}

/// `Err(NonFiniteParameter)` for the first NaN or infinity among named parameter arrays.
pub(crate) fn check_finite(parts: &[(&'static str, &[f32])]) -> Result<()> {
    for &(part, values) in parts {
        if let Some(index) = values.iter().position(|v| !v.is_finite()) {
            return Err(ModelError::NonFiniteParameter {
                part,
                index,
                value: values[index],
            });
        }
    }
    Ok(())
}

impl WordEmbedding {
    /// A table over a vectorizer of `n_features` features: `vocab` holds strictly ascending
    /// feature ids below `n_features`, and `vectors` their `dim`-long vectors row by row (the
    /// vector of `vocab[j]` is `vectors[j·dim..(j+1)·dim]`).
    ///
    /// Errors: [`ModelError::InvalidSequenceModel`] for a zero `dim`, an unordered or
    /// out-of-range vocabulary or a length mismatch; [`ModelError::NonFiniteParameter`].
    pub fn new(
        n_features: usize,
        dim: usize,
        vocab: Vec<u32>,
        vectors: Vec<f32>,
    ) -> Result<WordEmbedding> {
        let bad = |reason: String| {
            Err(ModelError::InvalidSequenceModel {
                model: "word embedding",
                reason,
            })
        };
        if dim == 0 || vocab.len().checked_mul(dim) != Some(vectors.len()) {
            return bad(format!(
                "{} words of dimension {dim} need {} values, got {}",
                vocab.len(),
                vocab.len().saturating_mul(dim),
                vectors.len()
            ));
        }
        if let Some(w) = vocab.windows(2).find(|w| w[0] >= w[1]) {
            return bad(format!(
                "word id {} follows {}; ids must ascend",
                w[1], w[0]
            ));
        }
        if let Some(&id) = vocab.last().filter(|&&id| id as usize >= n_features) {
            return bad(format!(
                "word id {id} but the vectorizer has {n_features} features"
            ));
        }
        check_finite(&[("word vectors", &vectors)])?;
        let mut slot = vec![NO_SLOT; n_features];
        for (j, &id) in vocab.iter().enumerate() {
            slot[id as usize] = j as u32;
        }
        Ok(WordEmbedding {
            n_features,
            dim,
            vocab,
            vectors,
            slot,
        })
    }

    /// Number of vectorizer features (valid ids are below it).
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Vector length.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Feature ids that have a vector, ascending.
    pub fn vocab(&self) -> &[u32] {
        &self.vocab
    }

    /// All vectors, row `j` for `vocab()[j]`.
    pub fn vectors(&self) -> &[f32] {
        &self.vectors
    }

    /// The vector of feature `id`, if it has one.
    #[inline]
    pub fn vector(&self, id: u32) -> Option<&[f32]> {
        let j = *self.slot.get(id as usize)?;
        (j != NO_SLOT).then(|| &self.vectors[j as usize * self.dim..(j as usize + 1) * self.dim])
    }

    /// The words of `sequence` that have a vector, among its first `max_len`: their ids go to
    /// `ids` and their vectors, concatenated, to `vectors` (both cleared first).
    pub fn embed(&self, sequence: &[u32], max_len: usize, ids: &mut Vec<u32>, out: &mut Vec<f32>) {
        ids.clear();
        out.clear();
        for &id in sequence.iter().take(max_len) {
            if let Some(v) = self.vector(id) {
                ids.push(id);
                out.extend_from_slice(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_known_ids_and_skips_the_rest() {
        let e = WordEmbedding::new(5, 2, vec![1, 3], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(e.vector(3), Some(&[3.0, 4.0][..]));
        assert_eq!((e.vector(0), e.vector(9)), (None, None));
        let (mut ids, mut out) = (Vec::new(), Vec::new());
        e.embed(&[3, 0, 1, 3, 1], 4, &mut ids, &mut out);
        assert_eq!(ids, [3, 1, 3]);
        assert_eq!(out, [3.0, 4.0, 1.0, 2.0, 3.0, 4.0]);
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<WordEmbedding>(&json).unwrap(), e);
    }

    #[test]
    fn rejects_inconsistent_tables() {
        for (n, dim, vocab, len, needle) in [
            (5, 0, vec![1], 0, "dimension 0"),
            (5, 2, vec![1], 3, "need 2 values, got 3"),
            (5, 1, vec![2, 1], 2, "ids must ascend"),
            (5, 1, vec![5], 1, "word id 5"),
        ] {
            let e = WordEmbedding::new(n, dim, vocab, vec![0.0; len]).unwrap_err();
            assert!(e.to_string().contains(needle), "{e}");
        }
        let e = WordEmbedding::new(2, 1, vec![0], vec![f32::NAN]).unwrap_err();
        assert!(matches!(e, ModelError::NonFiniteParameter { .. }));
    }
}
