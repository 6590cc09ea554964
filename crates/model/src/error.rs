//! The one error type of this crate.

use std::path::PathBuf;

use secdisc_features::FeaturesError;

/// Everything that can go wrong when building, checking, saving or loading a fitted model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A model's parts disagree on their dimensions.
    #[error("model expects {expected} features but its vectorizer gives {found}")]
    DimensionMismatch {
        /// Classifier weight count.
        expected: usize,
        /// Vectorizer feature count.
        found: usize,
    },
    /// A classifier's parts are inconsistent (for example ensemble members of different widths).
    #[error("invalid classifier: {reason}")]
    InvalidClassifier {
        /// What is wrong.
        reason: String,
    },
    /// A stored decision tree or forest is malformed.
    #[error("tree {tree}, node {node}: {reason}")]
    InvalidTree {
        /// 0-based tree index in the forest.
        tree: usize,
        /// 0-based node index in the tree.
        node: usize,
        /// What is wrong.
        reason: String,
    },
    /// An embedding-bag model whose parts disagree on their sizes.
    #[error("an embedding bag of {n_features} features × {dim} dimensions needs {n_features} × {dim} embedding values and {dim} output weights (dim ≥ 1), got {embeddings} and {output}")]
    EmbeddingShape {
        /// Features stated.
        n_features: usize,
        /// Embedding dimension stated.
        dim: usize,
        /// Embedding values present.
        embeddings: usize,
        /// Output weights present.
        output: usize,
    },
    /// A sequence classifier (`cnn`, `bilstm`) whose parts do not fit together.
    #[error("invalid {model} model: {reason}")]
    InvalidSequenceModel {
        /// `cnn` or `bilstm`.
        model: &'static str,
        /// What is wrong, with the numbers.
        reason: String,
    },
    /// A model parameter is NaN or infinite.
    #[error("model parameter {part}[{index}] is {value}, not a finite number")]
    NonFiniteParameter {
        /// Which parameter array (`embeddings`, `output`, `bias`).
        part: &'static str,
        /// Index in that array.
        index: usize,
        /// The value.
        value: f32,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a secdisc model at all.
    #[error("{path}: not a secdisc model file ({reason})")]
    NotAModel {
        /// The file.
        path: PathBuf,
        /// Why it was rejected.
        reason: String,
    },
    /// The model file was written by an incompatible secdisc.
    #[error("{path}: model format version {found} but this secdisc ({ours}) reads version {expected}; retrain it with this secdisc or use the secdisc release that wrote it ({written_by})")]
    FormatVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        expected: u32,
        /// This build's version.
        ours: String,
        /// secdisc version recorded in the file.
        written_by: String,
    },
    /// The model file is a secdisc model but is damaged.
    #[error("{path}: damaged model file ({reason}); it may be truncated: retrain or restore it")]
    CorruptModel {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A k-nearest-neighbours model's parts disagree or a setting is out of range.
    #[error("invalid k-nearest-neighbours model: {0}")]
    InvalidKnnModel(String),
    /// A model with a dense block was given another encoder than it was trained with.
    #[error("the model was trained with the encoder {expected} but was given {found}")]
    WrongEncoder {
        /// Fingerprint recorded in the model.
        expected: String,
        /// Fingerprint of the encoder given.
        found: String,
    },
    /// A model whose dense block comes from an encoder was used without one.
    #[error("the model reads sentence vectors from the encoder {fingerprint}, and none was given")]
    EncoderRequired {
        /// Fingerprint recorded in the model.
        fingerprint: String,
    },
    /// Sentence vectors could not be computed.
    #[error("cannot compute sentence vectors: {message}")]
    Vectors {
        /// What the source said.
        message: String,
    },
    /// The model's vectorizer or feature matrix is invalid.
    #[error(transparent)]
    Features(#[from] FeaturesError),
    /// The recorded text preparation does not check.
    #[error("invalid text preparation: {0}")]
    InvalidTextPrep(#[source] secdisc_ingest::IngestError),
}

/// Result alias for this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
