//! Text to sparse TF-IDF features.
//!
//! The pipeline is: [`for_each_token`] (Unicode-aware, keeps `tls1.3` and `cve-2021-44228`
//! whole, drops numbers and hashes) → [`Analyzer`] (stop words that never remove signal,
//! Snowball stemming) → [`TfidfVectorizer`] (word and character n-grams, smooth IDF fitted once,
//! sublinear TF, L2-normalised [`CsrMatrix`] rows). The sequence classifiers need the order of
//! words, which TF-IDF drops: a [`Featurizer`] asked with [`Featurizer::with_sequences`] also
//! records each document's in-order word-unigram feature ids in [`SparseRow::sequence`], and
//! [`CsrMatrix::with_sequences`] stores them beside the TF-IDF rows. Fitted classifiers and the
//! model file that stores a vectorizer with one live in `secdisc-model`.
//!
//! Dense text vectors without a neural network: [`WordPiece`] is BERT's tokenizer in plain Rust
//! (the ids of all-MiniLM-L6-v2's `tokenizer.json`), and [`StaticEmbedding`] a table of one
//! vector per WordPiece token distilled from a sentence encoder (`secdisc-encoder`), which embeds
//! a text as the weighted mean of its tokens' vectors. [`base64`] stores arrays in model files.
//!
//! ```
//! use secdisc_features::TfidfParams;
//! let docs = ["the JWT is not validated", "bump lodash", "validate JWT audience"];
//! let params = TfidfParams::default().min_df(1).check()?;
//! let vectorizer = params.fit(&docs)?;
//! let x = vectorizer.transform(&docs);
//! assert_eq!(x.n_rows(), 3);
//! assert_eq!(x.n_cols(), vectorizer.n_features());
//! # Ok::<(), secdisc_features::FeaturesError>(())
//! ```
#![deny(missing_docs)]

mod analyzer;
pub mod base64;
mod dense;
mod error;
mod sparse;
mod static_embedding;
mod stopwords;
mod tfidf;
mod tokenizer;
mod wordpiece;

pub use analyzer::{Analyzer, Stemming, StopWords};
pub use dense::{append_dense, push_sparse, DenseRows};
pub use error::{FeaturesError, Result};
pub use sparse::{CsrMatrix, SparseRow};
pub use static_embedding::StaticEmbedding;
pub use stopwords::{is_stop_word, ENGLISH_STOP_WORDS, SIGNAL_WORDS};
pub use tfidf::{
    CharCase, Featurizer, TfidfParams, TfidfValidParams, TfidfVectorizer, TokenizedCorpus,
};
pub use tokenizer::for_each_token;
pub use wordpiece::{WordPiece, WordPieceSettings};
