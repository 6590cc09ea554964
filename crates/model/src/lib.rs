//! Fitted classifiers and the model file: what training writes and inference reads.
//!
//! [`ModelBundle`] stores a fitted [`secdisc_features::TfidfVectorizer`] with a
//! [`ClassifierModel`] (a [`LinearModel`] with a [`Calibration`], a cosine k-nearest-neighbours
//! [`KnnModel`], a [`DecisionForest`], a fastText-style [`EmbeddingBagModel`], a
//! [`TextCnnModel`] or [`BiLstmModel`] over the word sequence, or an ensemble of these), a
//! threshold and a [`Manifest`]. Every fitted model scores a [`secdisc_features::SparseRow`]
//! with plain Rust, so inference links neither training code nor candle. This crate sits
//! between `secdisc-features` (below) and `secdisc-train` / `secdisc-infer` (above).
//!
//! ```
//! use secdisc_features::SparseRow;
//! use secdisc_model::{ClassifierModel, LinearModel};
//! let model = ClassifierModel::logistic(LinearModel { weights: vec![2.0, -1.0], intercept: 0.0 });
//! let p = model.probability(SparseRow::new(&[0], &[1.0]));
//! assert!(p > 0.5);
//! ```
#![deny(missing_docs)]

use secdisc_features::base64;
mod bilstm;
mod bundle;
mod classifier;
mod dense;
mod embedding_bag;
mod error;
mod knn;
mod linear;
mod text_cnn;
mod tree;
mod word_embedding;

pub use bilstm::{BiLstmModel, LstmWeights};
pub use bundle::{
    ClassifierInfo, CvSummary, Manifest, MetricSet, ModelBundle, TrainingData, MODEL_FORMAT,
    MODEL_FORMAT_VERSION,
};
pub use classifier::{Calibration, ClassifierModel};
pub use dense::{DenseBlock, DenseSource, SentenceVectors};
pub use embedding_bag::{BagWeighting, EmbeddingBagModel};
pub use error::{ModelError, Result};
pub use knn::{KnnModel, KnnVoting, KnnWeighting, Neighbour};
pub use linear::{sigmoid, Contribution, LinearModel};
pub use text_cnn::TextCnnModel;
pub use tree::{DecisionForest, DecisionTree, TreeNode};
pub use word_embedding::WordEmbedding;
