//! Text to sparse TF-IDF features, and the model file format.
//!
//! The pipeline is: [`for_each_token`] (Unicode-aware, keeps `tls1.3` and `cve-2021-44228`
//! whole, drops numbers and hashes) → [`Analyzer`] (stop words that never remove signal,
//! Snowball stemming) → [`TfidfVectorizer`] (word and character n-grams, smooth IDF fitted once,
//! sublinear TF, L2-normalised [`CsrMatrix`] rows). [`ModelBundle`] stores a fitted vectorizer
//! with a [`ClassifierModel`] (a [`LinearModel`] with a [`Calibration`], a cosine
//! k-nearest-neighbours [`KnnModel`], a [`DecisionForest`], a fastText-style
//! [`EmbeddingBagModel`], a [`TextCnnModel`] or [`BiLstmModel`] over the word sequence, or an
//! ensemble of these) and a threshold; training writes it and inference reads it. The
//! sequence models need the order of words, which TF-IDF drops: a [`Featurizer`] asked with
//! [`Featurizer::with_sequences`] also records each document's in-order word-unigram feature
//! ids in [`SparseRow::sequence`], and [`CsrMatrix::with_sequences`] stores them beside the
//! TF-IDF rows.
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
mod base64;
mod bilstm;
mod bundle;
mod classifier;
mod embedding_bag;
mod error;
mod knn;
mod linear;
mod sparse;
mod stopwords;
mod text_cnn;
mod tfidf;
mod tokenizer;
mod tree;
mod word_embedding;

pub use analyzer::{Analyzer, Stemming, StopWords};
pub use bilstm::{BiLstmModel, LstmWeights};
pub use bundle::{
    publish, write_atomically, writes_in_place, ClassifierInfo, CvSummary, Manifest, MetricSet,
    ModelBundle, TrainingData, MODEL_FORMAT, MODEL_FORMAT_VERSION,
};
pub use classifier::{Calibration, ClassifierModel};
pub use embedding_bag::{BagWeighting, EmbeddingBagModel};
pub use error::{FeaturesError, Result};
pub use knn::{KnnModel, KnnVoting, KnnWeighting, Neighbour};
pub use linear::{sigmoid, Contribution, LinearModel};
pub use sparse::{CsrMatrix, SparseRow};
pub use stopwords::{is_stop_word, ENGLISH_STOP_WORDS, SIGNAL_WORDS};
pub use text_cnn::TextCnnModel;
pub use tfidf::{
    CharCase, Featurizer, TfidfParams, TfidfValidParams, TfidfVectorizer, TokenizedCorpus,
};
pub use tokenizer::for_each_token;
pub use tree::{DecisionForest, DecisionTree, TreeNode};
pub use word_embedding::WordEmbedding;
