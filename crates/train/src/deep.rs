//! Parameters of the word-sequence classifiers `cnn` ([`CnnParams`], a Kim-style text CNN) and
//! `bilstm` ([`BiLstmParams`], a bidirectional LSTM), and their fitting.
//!
//! Unlike the other classifiers they read the order of words, not the TF-IDF values: each row
//! carries its document's word-unigram feature ids in text order
//! ([`secdisc_features::SparseRow::sequence`]), recorded by the featurizer only when
//! [`crate::ClassifierParams::sequence_len`] asks for it, so the other classifiers pay nothing.
//! Cross-validation fits the vectorizer on each training fold as for every classifier; the
//! word vocabulary of the network is the unigram features seen in the training sequences.
//!
//! Training uses candle (Adam, mini-batches, a fixed number of epochs) and is compiled only
//! with the `deep` cargo feature; without it, [`CnnParams::check`] and [`BiLstmParams::check`]
//! return [`TrainError::DeepNotBuilt`], which says how to rebuild. Scoring a fitted model
//! needs no feature: the forward pass is plain Rust in secdisc-features
//! ([`secdisc_model::TextCnnModel`], [`secdisc_model::BiLstmModel`]).
//!
//! Determinism: weights are initialised and rows shuffled and dropped out with the seeded
//! [`crate::SplitMix64`], never candle's generator, so a seed gives the same model.

use secdisc_features::CsrMatrix;
use secdisc_model::ClassifierModel;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::estimator::estimator;
use crate::logistic::{class_weights, ClassWeight};

/// Settings shared by both sequence classifiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequenceTraining {
    /// Word vector length.
    pub embedding_dim: usize,
    /// Words read per document (the first ones).
    pub max_len: usize,
    /// Passes over the training rows.
    pub epochs: usize,
    /// Rows per Adam step.
    pub batch_size: usize,
    /// Adam step size.
    pub learning_rate: f64,
    /// Dropout rate on the pooled units during training, in `[0, 1)`.
    pub dropout: f64,
    /// Class weighting of the loss.
    pub class_weight: ClassWeight,
}

impl SequenceTraining {
    fn check(&self, model: &'static str) -> Result<()> {
        let bad = |name: &'static str, value: String, expected: &'static str| {
            Err(TrainError::InvalidParameter {
                classifier: model,
                name,
                value,
                expected,
            })
        };
        let p = self;
        if !(1..=1024).contains(&p.embedding_dim) {
            return bad("embedding_dim", p.embedding_dim.to_string(), "1 to 1024");
        }
        if !(1..=10_000).contains(&p.max_len) {
            return bad("max_len", p.max_len.to_string(), "1 to 10000");
        }
        if p.epochs == 0 {
            return bad("epochs", "0".into(), "at least 1");
        }
        if p.batch_size == 0 {
            return bad("batch_size", "0".into(), "at least 1");
        }
        if !(p.learning_rate.is_finite() && p.learning_rate > 0.0) {
            return Err(TrainError::InvalidLearningRate(p.learning_rate));
        }
        if !(0.0..1.0).contains(&p.dropout) {
            return bad("dropout", p.dropout.to_string(), "in [0, 1)");
        }
        class_weights(p.class_weight, 1, 1)?;
        Ok(())
    }
}

/// Checked text-CNN parameters (build with [`CnnParams`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CnnValidParams {
    /// Shared settings.
    pub training: SequenceTraining,
    /// Filter widths in words.
    pub widths: Vec<usize>,
    /// Filters per width.
    pub filters: usize,
}

/// Unchecked text-CNN parameters.
///
/// ```
/// use secdisc_train::CnnParams;
/// let p = CnnParams::default().embedding_dim(32).filters(16).epochs(3);
/// assert_eq!(p.clone().widths(vec![]).check().is_err(), true);
/// # let _ = p;
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CnnParams(CnnValidParams);

impl Default for CnnParams {
    fn default() -> Self {
        CnnParams(CnnValidParams {
            training: SequenceTraining {
                embedding_dim: 64,
                max_len: 200,
                epochs: 8,
                batch_size: 32,
                learning_rate: 0.002,
                dropout: 0.5,
                class_weight: ClassWeight::Balanced,
            },
            widths: vec![2, 3, 4],
            filters: 64,
        })
    }
}

/// Checked BiLSTM parameters (build with [`BiLstmParams`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BiLstmValidParams {
    /// Shared settings.
    pub training: SequenceTraining,
    /// Hidden units per direction.
    pub hidden: usize,
}

/// Unchecked BiLSTM parameters.
///
/// ```
/// use secdisc_train::BiLstmParams;
/// let p = BiLstmParams::default().hidden(16).max_len(50);
/// assert!(BiLstmParams::default().hidden(0).check().is_err());
/// # let _ = p;
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BiLstmParams(BiLstmValidParams);

impl Default for BiLstmParams {
    fn default() -> Self {
        BiLstmParams(BiLstmValidParams {
            training: SequenceTraining {
                embedding_dim: 64,
                max_len: 200,
                epochs: 6,
                batch_size: 32,
                learning_rate: 0.003,
                dropout: 0.3,
                class_weight: ClassWeight::Balanced,
            },
            hidden: 48,
        })
    }
}

macro_rules! training_setters {
    ($t:ty, $dim:literal, $len:literal, $epochs:literal, $lr:literal, $dropout:literal) => {
        impl $t {
            #[doc = concat!("Word vector length, 1 to 1024. Default ", $dim, ".")]
            pub fn embedding_dim(mut self, dim: usize) -> Self {
                self.0.training.embedding_dim = dim;
                self
            }

            #[doc = concat!("Words read per document, 1 to 10000 (later words are ignored). Default ", $len, ".")]
            pub fn max_len(mut self, len: usize) -> Self {
                self.0.training.max_len = len;
                self
            }

            #[doc = concat!("Passes over the training rows. Default ", $epochs, ".")]
            pub fn epochs(mut self, epochs: usize) -> Self {
                self.0.training.epochs = epochs;
                self
            }

            /// Rows per Adam step. Default 32.
            pub fn batch_size(mut self, size: usize) -> Self {
                self.0.training.batch_size = size;
                self
            }

            #[doc = concat!("Adam step size. Default ", $lr, ".")]
            pub fn learning_rate(mut self, lr: f64) -> Self {
                self.0.training.learning_rate = lr;
                self
            }

            #[doc = concat!("Dropout on the pooled units while training, in [0, 1). Default ", $dropout, ".")]
            pub fn dropout(mut self, p: f64) -> Self {
                self.0.training.dropout = p;
                self
            }

            /// Class weighting of the loss. Default [`ClassWeight::Balanced`].
            pub fn class_weight(mut self, w: ClassWeight) -> Self {
                self.0.training.class_weight = w;
                self
            }

            /// The word-sequence length set (checked or not).
            pub fn max_len_value(&self) -> usize {
                self.0.training.max_len
            }
        }
    };
}

training_setters!(CnnParams, "64", "200", "8", "0.002", "0.5");

training_setters!(BiLstmParams, "64", "200", "6", "0.003", "0.3");

impl CnnParams {
    /// Filter widths in words, each 1 to 20. Default `[2, 3, 4]`.
    pub fn widths(mut self, widths: Vec<usize>) -> Self {
        self.0.widths = widths;
        self
    }

    /// Filters per width, 1 to 4096. Default 64.
    pub fn filters(mut self, filters: usize) -> Self {
        self.0.filters = filters;
        self
    }

    /// Validate.
    ///
    /// Errors: [`TrainError::InvalidParameter`], [`TrainError::InvalidLearningRate`],
    /// [`TrainError::InvalidClassWeight`]; [`TrainError::DeepNotBuilt`] when this build has no
    /// `deep` feature.
    pub fn check(self) -> Result<CnnValidParams> {
        let p = self.0;
        p.training.check("cnn")?;
        if p.widths.is_empty() || p.widths.iter().any(|w| !(1..=20).contains(w)) {
            return Err(TrainError::InvalidParameter {
                classifier: "cnn",
                name: "widths",
                value: format!("{:?}", p.widths),
                expected: "one or more widths from 1 to 20",
            });
        }
        if !(1..=4096).contains(&p.filters) {
            return Err(TrainError::InvalidParameter {
                classifier: "cnn",
                name: "filters",
                value: p.filters.to_string(),
                expected: "1 to 4096",
            });
        }
        built("cnn")?;
        Ok(p)
    }
}

impl BiLstmParams {
    /// Hidden units per direction, 1 to 1024. Default 48.
    pub fn hidden(mut self, hidden: usize) -> Self {
        self.0.hidden = hidden;
        self
    }

    /// Validate.
    ///
    /// Errors: as [`CnnParams::check`].
    pub fn check(self) -> Result<BiLstmValidParams> {
        let p = self.0;
        p.training.check("bilstm")?;
        if !(1..=1024).contains(&p.hidden) {
            return Err(TrainError::InvalidParameter {
                classifier: "bilstm",
                name: "hidden",
                value: p.hidden.to_string(),
                expected: "1 to 1024",
            });
        }
        built("bilstm")?;
        Ok(p)
    }
}

/// `Err(DeepNotBuilt)` unless the `deep` feature is on.
fn built(model: &'static str) -> Result<()> {
    if cfg!(feature = "deep") {
        Ok(())
    } else {
        Err(TrainError::DeepNotBuilt(model))
    }
}

impl CnnValidParams {
    /// Fit on rows of `x` (which must carry word sequences: build it with
    /// [`secdisc_features::TfidfVectorizer::transform_with`] and
    /// `Some(self.training.max_len)`) with labels `y`; `seed` drives initialisation, row order
    /// and dropout.
    ///
    /// Errors: [`TrainError::LengthMismatch`], [`TrainError::SingleClass`],
    /// [`TrainError::NoWordSequences`], [`TrainError::Deep`] (also when training diverges).
    pub fn fit(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<ClassifierModel> {
        #[cfg(feature = "deep")]
        {
            let model = crate::deep_fit::fit_cnn(self, x, y, seed)?;
            Ok(ClassifierModel::Cnn { model })
        }
        #[cfg(not(feature = "deep"))]
        {
            let _ = (x, y, seed);
            Err(TrainError::DeepNotBuilt("cnn"))
        }
    }
}

impl BiLstmValidParams {
    /// Fit as [`CnnValidParams::fit`].
    pub fn fit(&self, x: &CsrMatrix, y: &[bool], seed: u64) -> Result<ClassifierModel> {
        #[cfg(feature = "deep")]
        {
            let model = crate::deep_fit::fit_bilstm(self, x, y, seed)?;
            Ok(ClassifierModel::BiLstm { model })
        }
        #[cfg(not(feature = "deep"))]
        {
            let _ = (x, y, seed);
            Err(TrainError::DeepNotBuilt("bilstm"))
        }
    }
}

estimator!(CnnParams => CnnValidParams,
    check = |p| p.clone().check(),
    grid = ("lr", &[0.001, 0.002, 0.005], CnnParams::learning_rate),
    fit = |v, x, y, seed| v.fit(x, y, seed),
    sequence_len = |p| Some(p.max_len_value()));

estimator!(BiLstmParams => BiLstmValidParams,
    check = |p| p.clone().check(),
    grid = ("lr", &[0.001, 0.003, 0.01], BiLstmParams::learning_rate),
    fit = |v, x, y, seed| v.fit(x, y, seed),
    sequence_len = |p| Some(p.max_len_value()));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_out_of_range_settings() {
        for (p, needle) in [
            (CnnParams::default().embedding_dim(0), "embedding_dim"),
            (CnnParams::default().max_len(0), "max_len"),
            (CnnParams::default().epochs(0), "epochs"),
            (CnnParams::default().dropout(1.0), "dropout"),
            (CnnParams::default().widths(vec![3, 0]), "widths"),
            (CnnParams::default().filters(0), "filters"),
        ] {
            let e = p.check().unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
        assert!(matches!(
            BiLstmParams::default().learning_rate(-1.0).check(),
            Err(TrainError::InvalidLearningRate(_))
        ));
        let e = BiLstmParams::default().hidden(0).check().unwrap_err();
        assert!(e.to_string().contains("hidden"), "{e}");
    }

    #[test]
    fn default_parameters_need_the_deep_feature() {
        let cnn = CnnParams::default().check();
        let lstm = BiLstmParams::default().check();
        if cfg!(feature = "deep") {
            assert!(cnn.is_ok() && lstm.is_ok());
        } else {
            let e = cnn.unwrap_err().to_string();
            assert!(e.contains("--features deep"), "{e}");
            assert!(matches!(lstm, Err(TrainError::DeepNotBuilt("bilstm"))));
        }
    }

    #[test]
    fn autotraits() {
        fn has_autotraits<T: Send + Sync + Sized + Unpin + Clone>() {}
        has_autotraits::<CnnParams>();
        has_autotraits::<CnnValidParams>();
        has_autotraits::<BiLstmParams>();
        has_autotraits::<BiLstmValidParams>();
    }
}
