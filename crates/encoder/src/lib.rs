//! Offline pretrained sentence encoder for secdisc.
//!
//! Loads a BERT-family sentence encoder such as all-MiniLM-L6-v2 from a local directory holding
//! `config.json`, `tokenizer.json` and `model.safetensors` (fetch it with
//! `scripts/fetch-encoder.sh`), and turns paragraphs into unit-length vectors as
//! sentence-transformers does: mean pooling of the last hidden states over the real tokens, then
//! L2 normalisation. Pure Rust on the CPU (candle and tokenizers); nothing is downloaded at build
//! or run time.
//!
//! Main types:
//! - [`SentenceEncoder`]: the loaded model; [`SentenceEncoder::embed`] embeds texts in batches,
//!   and [`SentenceEncoder::fingerprint`] identifies the model files, so that anything built on
//!   the embeddings can record which encoder it used and refuse another.
//! - [`EncoderParams`]: `max_tokens` (default 128) and `batch_size` (default 32), checked into
//!   [`EncoderValidParams`].
//! - [`EmbeddingCache`]: embeddings on disk, keyed by encoder fingerprint, `max_tokens` and the
//!   SHA-256 of the text, so that each text is embedded once.
//! - [`Embed`]: the trait the cache works with, implemented by [`SentenceEncoder`].
//! - [`distill`] with [`DistillParams`]: the encoder distilled into a
//!   [`secdisc_features::StaticEmbedding`], a table of token vectors that embeds texts with no
//!   neural network (model2vec's recipe).
//!
//! ```no_run
//! use std::path::Path;
//! use secdisc_encoder::{EncoderParams, SentenceEncoder};
//!
//! let dir = Path::new("encoders/all-minilm-l6-v2");
//! let encoder = SentenceEncoder::load(dir, EncoderParams::default().batch_size(16))?;
//! let vectors = encoder.embed(&["Is this CSRF token checked?", "Bump serde to 1.0.200"])?;
//! assert_eq!(vectors.len(), 2);
//! assert_eq!(vectors[0].len(), encoder.dim()); // 384 for all-MiniLM-L6-v2
//! let cosine: f32 = vectors[0].iter().zip(&vectors[1]).map(|(a, b)| a * b).sum();
//! println!("cosine similarity {cosine:.3}, encoder {}", encoder.fingerprint());
//! # Ok::<(), secdisc_encoder::EncoderError>(())
//! ```
#![deny(missing_docs)]

mod cache;
mod distill;
mod embed;
mod encoder;
mod error;
mod params;
#[cfg(test)]
mod testutil;

pub use cache::EmbeddingCache;
pub use distill::{
    distill, token_weights, DistillParams, DistillPooling, DistillValidParams, TokenWeighting,
    DEFAULT_DISTILL_BATCH_SIZE, DEFAULT_DISTILL_DIM, DEFAULT_SIF_COEFFICIENT,
};
pub use embed::Embed;
pub use encoder::{SentenceEncoder, CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE};
pub use error::{BoxedError, EncoderError, Result};
pub use params::{EncoderParams, EncoderValidParams, DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS};
