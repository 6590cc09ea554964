//! The dense block of a model: sentence vectors appended to each TF-IDF row as extra columns,
//! so a linear model weighs meaning (from a pretrained encoder) beside words (from TF-IDF).
//!
//! The vectors come from a [`SentenceVectors`] source: a pretrained encoder given at run time
//! (identified by its fingerprint, never stored in the model file), or a static table carried in
//! the model. A model records which, and refuses another.

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// What a model's dense block is made of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DenseBlock {
    /// Where the vectors come from.
    pub source: DenseSource,
    /// Values per vector.
    pub dim: usize,
    /// Weight of the (L2-normalised) vector against the unit-length TF-IDF part.
    pub weight: f32,
    /// Weight of the TF-IDF part: 1 (the default, not written) beside the vectors, 0 for the
    /// vectors alone.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub tfidf_weight: f32,
}

fn one() -> f32 {
    1.0
}

fn is_one(w: &f32) -> bool {
    *w == 1.0
}

/// The source of a model's dense block.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DenseSource {
    /// A pretrained sentence encoder, loaded at run time from a folder and identified by the
    /// fingerprint of its files.
    Encoder {
        /// SHA-256 over the encoder's files (`secdisc_encoder::SentenceEncoder::fingerprint`).
        fingerprint: String,
        /// Tokens per text the encoder reads (longer texts are truncated).
        max_tokens: usize,
    },
    /// A static token-embedding table (`secdisc distill`) carried in the model file.
    Static {
        /// The table.
        table: Box<secdisc_features::StaticEmbedding>,
    },
    /// Another model carried inside this one, whose log-odds of security is the block's one
    /// value (a base model adapted to a new project by `secdisc adapt`).
    Model {
        /// The base model.
        model: Box<crate::ModelBundle>,
    },
}

/// Sentence vectors for a batch of texts: one L2-normalised vector of [`SentenceVectors::dim`]
/// values per text, in input order.
pub trait SentenceVectors: Sync {
    /// Identifies the source: a model trained with another source refuses this one.
    fn fingerprint(&self) -> &str;

    /// Values per vector.
    fn dim(&self) -> usize;

    /// The vectors of `texts`, in order.
    ///
    /// # Errors
    /// Whatever keeps the source from embedding (the message says what).
    fn vectors(&self, texts: &[&str]) -> std::result::Result<Vec<Vec<f32>>, String>;
}

impl DenseBlock {
    /// Check that `source` is the one this block was trained with.
    ///
    /// # Errors
    /// [`ModelError::WrongEncoder`] when its fingerprint or dimension differ.
    pub fn accepts(&self, source: &dyn SentenceVectors) -> Result<()> {
        match &self.source {
            DenseSource::Encoder { fingerprint, .. } => {
                if fingerprint != source.fingerprint() || self.dim != source.dim() {
                    return Err(ModelError::WrongEncoder {
                        expected: fingerprint.clone(),
                        found: source.fingerprint().to_string(),
                    });
                }
                Ok(())
            }
            // Carried in the model: nothing to check.
            DenseSource::Static { .. } | DenseSource::Model { .. } => Ok(()),
        }
    }

    /// Check that a carried source gives `dim` values (a carried base model is checked whole)
    /// and that the weights are finite, so a damaged model file is refused on load rather than
    /// scoring rows of the wrong width.
    ///
    /// # Errors
    /// [`ModelError::InvalidClassifier`] naming what disagrees, or the carried model's error.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(ModelError::InvalidClassifier { reason });
        if !(self.weight.is_finite() && self.tfidf_weight.is_finite()) {
            return bad(format!(
                "dense block weights {} and {} are not finite",
                self.weight, self.tfidf_weight
            ));
        }
        let carried = match &self.source {
            DenseSource::Encoder { .. } => return Ok(()),
            DenseSource::Static { table } => table.dim(),
            DenseSource::Model { model } => {
                model.validate()?;
                1
            }
        };
        if carried != self.dim {
            return bad(format!(
                "the dense block says {} dimensions but its source gives {carried}",
                self.dim
            ));
        }
        Ok(())
    }

    /// Whether the vectors come from an encoder given at run time (else the model carries
    /// them).
    pub fn needs_encoder(&self) -> bool {
        matches!(self.source, DenseSource::Encoder { .. })
    }

    /// The fingerprint of the source the block was trained with.
    pub fn fingerprint(&self) -> &str {
        match &self.source {
            DenseSource::Encoder { fingerprint, .. } => fingerprint,
            DenseSource::Static { table } => table.fingerprint(),
            DenseSource::Model { .. } => MODEL_SOURCE,
        }
    }

    /// The source the model carries itself (a base model), if any.
    pub fn carried_vectors(&self) -> Option<&dyn SentenceVectors> {
        match &self.source {
            DenseSource::Encoder { .. } => None,
            DenseSource::Static { table } => Some(table.as_ref()),
            DenseSource::Model { model } => Some(model.as_ref()),
        }
    }
}

impl SentenceVectors for secdisc_features::StaticEmbedding {
    fn fingerprint(&self) -> &str {
        secdisc_features::StaticEmbedding::fingerprint(self)
    }

    fn dim(&self) -> usize {
        secdisc_features::StaticEmbedding::dim(self)
    }

    fn vectors(&self, texts: &[&str]) -> std::result::Result<Vec<Vec<f32>>, String> {
        Ok(texts.iter().map(|t| self.embed(t)).collect())
    }
}

/// The fingerprint of a carried base model as a source.
const MODEL_SOURCE: &str = "carried-model";

impl SentenceVectors for crate::ModelBundle {
    fn fingerprint(&self) -> &str {
        MODEL_SOURCE
    }

    fn dim(&self) -> usize {
        1
    }

    fn vectors(&self, texts: &[&str]) -> std::result::Result<Vec<Vec<f32>>, String> {
        self.log_odds(texts)
            .map(|v| v.into_iter().map(|s| vec![s]).collect())
            .map_err(|e| e.to_string())
    }
}
