//! The one error type of this crate.

/// Everything that can go wrong when configuring or fitting a model or running cross-validation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// The regularisation strength C must be a positive finite number.
    #[error("C must be a positive finite number, got {0}")]
    InvalidC(f64),
    /// The solver tolerance must be a positive finite number.
    #[error("tolerance must be a positive finite number, got {0}")]
    InvalidTolerance(f64),
    /// Naive Bayes smoothing must be a positive finite number.
    #[error("alpha must be a positive finite number, got {0}")]
    InvalidAlpha(f64),
    /// The fastText embedding dimension is out of range.
    #[error("fastText embedding dimension must be between 1 and 1024, got {0}")]
    InvalidEmbeddingDim(usize),
    /// Zero training epochs.
    #[error("fastText epochs must be at least 1")]
    InvalidEpochs,
    /// The SGD learning rate must be a positive finite number.
    #[error("learning rate must be a positive finite number, got {0}")]
    InvalidLearningRate(f64),
    /// SGD produced a non-finite logit or parameter.
    #[error("fastText training diverged in epoch {epoch} with learning rate {learning_rate}")]
    Diverged {
        /// 1-based epoch in which it was noticed.
        epoch: usize,
        /// The initial learning rate used.
        learning_rate: f64,
    },
    /// A classifier setting is out of range.
    #[error("{classifier} {name} must be {expected}, got {value}")]
    InvalidParameter {
        /// The classifier (`cnn`, `centroid`).
        classifier: &'static str,
        /// The parameter, as its setter is named (`embedding_dim`).
        name: &'static str,
        /// The value given.
        value: String,
        /// The accepted range.
        expected: &'static str,
    },
    /// A sequence classifier was asked for in a build without the `deep` feature.
    #[error("the {0} classifier is trained with candle, which this build of secdisc leaves out; rebuild with `cargo build --release --features deep` (models already trained score in any build)")]
    DeepNotBuilt(&'static str),
    /// A sequence classifier got rows without usable word sequences.
    #[error("{model}: {reason}")]
    NoWordSequences {
        /// `cnn` or `bilstm`.
        model: &'static str,
        /// What was missing.
        reason: String,
    },
    /// candle failed while training a sequence classifier.
    #[error("training the {model} classifier failed: {message}")]
    Deep {
        /// `cnn` or `bilstm`.
        model: &'static str,
        /// candle's message.
        message: String,
    },
    /// A threshold rule could not be parsed or is out of range.
    #[error("invalid threshold rule {0:?}: use max-f1, recall:R, precision:P or fixed:T with R, P, T in [0, 1]")]
    InvalidThresholdRule(String),
    /// The number of chi²-selected features is zero.
    #[error("the number of selected features (select_k) must be at least 1, got {0}")]
    InvalidSelectK(usize),
    /// A tree depth limit of zero.
    #[error("tree max depth must be at least 1, got {0}")]
    InvalidMaxDepth(usize),
    /// A minimum leaf size of zero.
    #[error("min samples per leaf must be at least 1, got {0}")]
    InvalidMinSamplesLeaf(usize),
    /// A forest of zero trees.
    #[error("a random forest needs at least 1 tree, got {0}")]
    InvalidTrees(usize),
    /// Features per tree is neither `sqrt` nor a fraction in (0, 1].
    #[error("invalid max features {0:?}: use sqrt or a fraction in (0, 1]")]
    InvalidMaxFeatures(String),
    /// An unknown sampling mode.
    #[error("unknown sampling {0:?}; use none, over or under")]
    InvalidSampling(String),
    /// A leave-one-source-out split without at least two sources.
    #[error("leave-one-source-out needs records from at least two sources, found {0}; fill the `source` column")]
    TooFewSources(usize),
    /// A sentence-vector weight to search is not usable.
    #[error("{0}")]
    InvalidDenseWeight(String),
    /// An empty tuning grid.
    #[error("the {0} classifier has no grid of its own to tune; tune its members, or search only the vectorizer's settings")]
    EmptyGrid(String),
    /// An ensemble that cannot be built.
    #[error("invalid ensemble: {0}")]
    InvalidEnsemble(String),
    /// An unknown classifier name.
    #[error("unknown classifier {0:?}; choose from {names}", names = crate::classifier::CLASSIFIER_NAMES.join(", "))]
    UnknownClassifier(String),
    /// kNN needs at least one neighbour.
    #[error("k (the number of neighbours) must be at least 1, got {0}")]
    InvalidK(usize),
    /// kNN smoothing must be a finite number, at least 0.
    #[error("kNN smoothing must be a finite number >= 0, got {0}")]
    InvalidSmoothing(f64),
    /// Elastic-net mixing outside (0, 1).
    #[error("l1_ratio must be between 0 and 1 (exclusive), got {0}; use the l1 or l2 penalty for the ends")]
    InvalidL1Ratio(f64),
    /// The iteration limit is zero.
    #[error("max_iter must be at least 1")]
    InvalidMaxIter,
    /// A class weight is not a positive finite number.
    #[error("class weights must be positive finite numbers, got security={security}, non-security={non_security}")]
    InvalidClassWeight {
        /// Weight of the security class.
        security: f64,
        /// Weight of the non-security class.
        non_security: f64,
    },
    /// Features and labels disagree in length.
    #[error("{rows} feature rows but {labels} labels")]
    LengthMismatch {
        /// Rows of the feature matrix.
        rows: usize,
        /// Number of labels.
        labels: usize,
    },
    /// Training data with only one class.
    #[error("training data has {positives} security and {negatives} non-security records; both classes are needed")]
    SingleClass {
        /// Security records.
        positives: usize,
        /// Non-security records.
        negatives: usize,
    },
    /// Fewer records of a class than folds.
    #[error("{}", too_few_for_folds(*count, class, *folds))]
    TooFewForFolds {
        /// Class name.
        class: &'static str,
        /// Records of that class.
        count: usize,
        /// Folds asked for.
        folds: usize,
    },
    /// Fewer than two folds.
    #[error("cross-validation needs at least 2 folds, got {0}")]
    InvalidFolds(usize),
    /// Zero repetitions asked for.
    #[error("cross-validation repeats must be at least 1, got 0")]
    InvalidRepeats,
    /// Grouping left a test fold without one of the classes.
    #[error("fold {fold} has no {class} records in its test part (threads are kept whole); use fewer folds")]
    EmptyFoldClass {
        /// 1-based fold number.
        fold: usize,
        /// The missing class.
        class: &'static str,
    },
    /// The solver failed.
    #[error("solver failed: {0}")]
    Solver(String),
    /// A feature-level error.
    #[error(transparent)]
    Features(#[from] secdisc_features::FeaturesError),
    /// A fitted model could not be built or checked.
    #[error(transparent)]
    Model(#[from] secdisc_model::ModelError),
    /// An error from linfa's trait machinery or linfa-trees.
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
    /// An error from linfa-logistic.
    #[error("linfa-logistic: {0}")]
    LinfaLogistic(#[from] linfa_logistic::error::Error),
}

/// Result alias for this crate.
pub type Result<T, E = TrainError> = std::result::Result<T, E>;

/// The message of [`TrainError::TooFewForFolds`]: fewer folds help only while two remain.
fn too_few_for_folds(count: usize, class: &str, folds: usize) -> String {
    if count < 2 {
        format!("{count} {class} records cannot fill {folds} folds; folds need at least 2 records of each class: add data")
    } else {
        format!("{count} {class} records cannot fill {folds} folds; use {count} folds or fewer, or add data")
    }
}
