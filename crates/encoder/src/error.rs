//! The one error type of the crate.

use std::path::PathBuf;

/// A boxed error from a library below this crate (candle, tokenizers), kept as the source of an
/// [`EncoderError`] without putting their types into this crate's public API.
pub type BoxedError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What can go wrong when loading an encoder, embedding texts or using the embedding cache.
///
/// Errors about encoder files name the file and say how to get a good one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncoderError {
    /// `max_tokens` is below 2: nothing would be left of a text besides `[CLS]` and `[SEP]`.
    #[error("max_tokens is {max_tokens}, it must be at least 2 ([CLS] and [SEP] take two)")]
    MaxTokensTooSmall {
        /// The value asked for.
        max_tokens: usize,
    },
    /// `batch_size` is 0.
    #[error("batch_size is 0, it must be at least 1")]
    ZeroBatchSize,
    /// `max_tokens` is more than the model has position embeddings for.
    #[error(
        "max_tokens is {max_tokens}, but {path} allows at most {max_position_embeddings} \
         positions (max_position_embeddings)"
    )]
    MaxTokensOverModelLimit {
        /// The value asked for.
        max_tokens: usize,
        /// The model's limit.
        max_position_embeddings: usize,
        /// The config.json that sets the limit.
        path: PathBuf,
    },
    /// The encoder directory does not exist.
    #[error(
        "encoder directory {path} does not exist or is not a directory; \
         run scripts/fetch-encoder.sh to fetch the encoder"
    )]
    MissingDir {
        /// The directory given.
        path: PathBuf,
    },
    /// One of config.json, tokenizer.json or model.safetensors is missing.
    #[error("encoder file {path} is missing; run scripts/fetch-encoder.sh to fetch the encoder")]
    MissingFile {
        /// The file that is not there.
        path: PathBuf,
    },
    /// A file exists but cannot be read, or a cache file cannot be written.
    #[error("cannot read or write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// config.json is not a BERT configuration.
    #[error(
        "{path} is not a valid BERT config.json ({source}); \
         fetch the encoder again with scripts/fetch-encoder.sh"
    )]
    Config {
        /// The config.json.
        path: PathBuf,
        /// What the JSON parser said.
        source: serde_json::Error,
    },
    /// config.json parses but holds a value the encoder cannot use.
    #[error(
        "{path} is not a usable BERT config.json: {reason}; \
         fetch the encoder again with scripts/fetch-encoder.sh"
    )]
    InvalidConfig {
        /// The config.json.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// tokenizer.json cannot be loaded by the tokenizers library.
    #[error(
        "{path} is not a tokenizer.json that can be loaded ({source}); \
         fetch the encoder again with scripts/fetch-encoder.sh"
    )]
    Tokenizer {
        /// The tokenizer.json.
        path: PathBuf,
        /// What the tokenizers library said.
        source: BoxedError,
    },
    /// The tokenizer can produce token ids that the model has no embedding for.
    #[error(
        "{tokenizer} has {tokenizer_vocab} tokens but {config} declares vocab_size \
         {config_vocab}; the two files are from different encoders, fetch the encoder again \
         with scripts/fetch-encoder.sh"
    )]
    VocabMismatch {
        /// The tokenizer.json.
        tokenizer: PathBuf,
        /// Its vocabulary size, added tokens included.
        tokenizer_vocab: usize,
        /// The config.json.
        config: PathBuf,
        /// The vocabulary size it declares.
        config_vocab: usize,
    },
    /// model.safetensors is not a safetensors file, lacks a tensor, or has one of the wrong shape.
    #[error(
        "{path} does not hold the BERT weights that config.json describes ({source}); \
         fetch the encoder again with scripts/fetch-encoder.sh"
    )]
    Weights {
        /// The model.safetensors.
        path: PathBuf,
        /// What candle said (it names the tensor and the shapes).
        source: BoxedError,
    },
    /// The tokenizer failed on a text.
    #[error("cannot tokenize text {index} of the batch: {source}")]
    Tokenize {
        /// Position of the text in the input slice.
        index: usize,
        /// What the tokenizers library said.
        source: BoxedError,
    },
    /// The forward pass of the model failed.
    #[error("the encoder's forward pass failed: {source}")]
    Forward {
        /// What candle said.
        source: BoxedError,
    },
    /// The encoder is not the one that something built on its embeddings was made with.
    #[error(
        "the encoder in {dir} has fingerprint {found}, but {expected} was expected (the encoder \
         the embeddings were made with); load that encoder"
    )]
    FingerprintMismatch {
        /// The directory the encoder was loaded from.
        dir: PathBuf,
        /// The fingerprint recorded with the embeddings.
        expected: String,
        /// The loaded encoder's fingerprint.
        found: String,
    },
    /// An embedder returned the wrong number of vectors or vectors of the wrong length.
    #[error("the embedder returned {got} for {expected}")]
    EmbedderOutput {
        /// What was expected, e.g. "3 vectors of 384 floats".
        expected: String,
        /// What came back.
        got: String,
    },
    /// An embedding cache was used with another encoder than the one it was opened for.
    #[error(
        "the embedding cache {path} holds embeddings of encoder {cached} (max_tokens {cached_max_tokens}), \
         not of encoder {given} (max_tokens {given_max_tokens}); open a cache for that encoder"
    )]
    CacheEncoderMismatch {
        /// The cache file.
        path: PathBuf,
        /// Fingerprint the cache was opened for.
        cached: String,
        /// max_tokens the cache was opened for.
        cached_max_tokens: usize,
        /// Fingerprint of the encoder given.
        given: String,
        /// max_tokens of the encoder given.
        given_max_tokens: usize,
    },
    /// A distill setting out of range.
    #[error("invalid distill settings: {reason}")]
    InvalidDistillParams {
        /// Which setting and why.
        reason: String,
    },
    /// The distilled dimension exceeds the encoder's.
    #[error("cannot distil to {dim} dimensions: the encoder has only {encoder_dim}")]
    DistillDimTooLarge {
        /// Dimension asked for.
        dim: usize,
        /// The encoder's.
        encoder_dim: usize,
    },
    /// The encoder's `tokenizer.json` is not one the static table can reproduce.
    #[error(
        "cannot distil with tokenizer {}: {source}; only BERT WordPiece tokenizers are supported",
        path.display()
    )]
    DistillTokenizer {
        /// The tokenizer file.
        path: PathBuf,
        /// Why it was refused.
        source: secdisc_features::FeaturesError,
    },
    /// The distilled vectors did not make a valid table (not expected).
    #[error("the distilled table is invalid: {source}")]
    DistillTable {
        /// What was wrong.
        source: secdisc_features::FeaturesError,
    },
}

/// `Result` with [`EncoderError`].
pub type Result<T, E = EncoderError> = std::result::Result<T, E>;
