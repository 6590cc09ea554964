//! The [`Embed`] trait: anything that turns texts into fixed-length vectors and can say which
//! model it is, so that an [`EmbeddingCache`](crate::EmbeddingCache) can key what it stores.

use crate::error::Result;

/// Turns texts into vectors of [`dim`](Embed::dim) floats, one per text, in input order.
///
/// [`SentenceEncoder`](crate::SentenceEncoder) implements it; tests can use a deterministic
/// fake. Two embedders with the same [`fingerprint`](Embed::fingerprint) and
/// [`max_tokens`](Embed::max_tokens) must give the same vector for the same text.
pub trait Embed {
    /// One vector of [`dim`](Embed::dim) floats per text, in the order of `texts`.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>>;

    /// Length of every vector.
    fn dim(&self) -> usize;

    /// Identifies the model: a lowercase hex string, equal for equal models.
    fn fingerprint(&self) -> &str;

    /// Tokens per text after truncation; part of the cache key, as it changes the vectors.
    fn max_tokens(&self) -> usize;
}
