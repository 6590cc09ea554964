//! The one error type of this crate.

/// Everything that can go wrong when configuring or fitting a vectorizer, or checking a sparse matrix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeaturesError {
    /// `ngram_range` has min > max, min = 0, or max above the supported 4.
    #[error("invalid word n-gram range {min}..={max}: need 1 <= min <= max <= 4")]
    InvalidNgramRange {
        /// Lower bound given.
        min: usize,
        /// Upper bound given.
        max: usize,
    },
    /// `char_ngrams` has min > max or min = 0 or max above 8.
    #[error("invalid character n-gram range {min}..={max}: need 1 <= min <= max <= 8")]
    InvalidCharNgramRange {
        /// Lower bound given.
        min: usize,
        /// Upper bound given.
        max: usize,
    },
    /// `max_df` is not in (0, 1].
    #[error("max_df must be a fraction in (0, 1], got {0}")]
    InvalidMaxDf(f64),
    /// `min_df` is zero.
    #[error("min_df must be at least 1")]
    InvalidMinDf,
    /// `max_features` is zero.
    #[error("max_features must be at least 1 when given")]
    InvalidMaxFeatures,
    /// Fitting found no term that passes the document-frequency limits.
    #[error("no term passes min_df={min_df} and max_df={max_df} over {docs} documents")]
    EmptyVocabulary {
        /// min_df used.
        min_df: usize,
        /// max_df used.
        max_df: f64,
        /// Number of documents fitted.
        docs: usize,
    },
    /// Nothing to fit on.
    #[error("cannot fit a vectorizer on zero documents")]
    NoDocuments,
    /// Dense rows whose values do not fill whole rows of `dim`.
    #[error("dense rows of {dim} values cannot hold {values} values (dim must be at least 1 and divide them)")]
    DenseShape {
        /// Values per row.
        dim: usize,
        /// Values given.
        values: usize,
    },
    /// A dense block with another number of rows than the sparse part.
    #[error("the sparse part has {sparse} rows but the dense block {dense}")]
    DenseRows {
        /// Rows of the sparse matrix.
        sparse: usize,
        /// Rows of the dense block.
        dense: usize,
    },
    /// A sparse matrix read from a file breaks the layout invariants (see `CsrMatrix::check`).
    #[error("invalid sparse matrix: {0}")]
    InvalidSparseMatrix(String),
    /// A WordPiece vocabulary or `tokenizer.json` that cannot be used.
    #[error("invalid WordPiece tokenizer: {0}")]
    InvalidWordPiece(String),
    /// A static embedding table whose parts disagree (see `StaticEmbedding::check`).
    #[error("invalid static embedding table: {0}")]
    InvalidStaticEmbedding(String),
    /// A static embedding file could not be read or written.
    #[error("cannot access static embedding table {}: {source}", path.display())]
    StaticEmbeddingIo {
        /// The file.
        path: std::path::PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A static embedding file that is not a valid table.
    #[error(
        "{} is not a valid static embedding table ({reason}); distil it again with `secdisc distill`",
        path.display()
    )]
    StaticEmbeddingFile {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// Result alias for this crate.
pub type Result<T, E = FeaturesError> = std::result::Result<T, E>;
