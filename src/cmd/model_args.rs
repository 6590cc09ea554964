//! Feature and classifier flags shared by `train` and `evaluate`.

use super::choice::choice;
use secdisc_features::{CharCase, Stemming, StopWords, TfidfParams};
use secdisc_model::{BagWeighting, KnnWeighting};
use secdisc_train::{
    default_learning_rate, BiLstmParams, ClassWeight, ClassifierKind, ClassifierParams, CnnParams,
    DecisionTreeParams, FastTextParams, ForestSampling, KnnParams, LinfaLogisticParams,
    LogisticRegressionParams, MaxFeatures, NaiveBayesParams, NaiveBayesVariant, Penalty,
    RandomForestParams, Sampling, SvmLoss, SvmParams, ThresholdRule,
};

/// The `--classifier` values: every classifier of the library's registry, with its help line.
pub fn classifier_parser() -> impl clap::builder::TypedValueParser<Value = ClassifierKind> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        ClassifierKind::ALL
            .iter()
            .map(|k| PossibleValue::new(k.name()).help(k.help())),
    )
    .try_map(|name| name.parse::<ClassifierKind>())
}

/// `--features`: which feature blocks make a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FeatureSet {
    /// TF-IDF word (and character) n-grams alone.
    Tfidf,
    /// TF-IDF and the encoder's sentence vector side by side.
    #[value(name = "tfidf+encoder")]
    TfidfEncoder,
    /// The encoder's sentence vector alone.
    Encoder,
    /// TF-IDF and a static table's sentence vector (`--static TABLE`, from `secdisc
    /// distill`), carried in the model: no encoder at run time.
    #[value(name = "tfidf+static")]
    TfidfStatic,
    /// The static table's sentence vector alone.
    Static,
}

impl FeatureSet {
    /// Whether rows carry sentence vectors from the encoder.
    pub fn uses_encoder(self) -> bool {
        matches!(self, FeatureSet::TfidfEncoder | FeatureSet::Encoder)
    }

    /// Whether rows carry sentence vectors from a static table.
    pub fn uses_static(self) -> bool {
        matches!(self, FeatureSet::TfidfStatic | FeatureSet::Static)
    }

    /// Weight of the TF-IDF part.
    pub fn tfidf_weight(self) -> f32 {
        match self {
            FeatureSet::Encoder | FeatureSet::Static => 0.0,
            FeatureSet::Tfidf | FeatureSet::TfidfEncoder | FeatureSet::TfidfStatic => 1.0,
        }
    }
}

/// Flags that define the features and the classifier.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    #[command(flatten)]
    pub prep: super::prep_args::TextPrepArgs,
    /// Feature blocks: TF-IDF, sentence vectors from a pretrained encoder (`--encoder`), or
    /// both side by side (each block unit length, the vectors times --dense-weight).
    #[arg(long = "features", value_enum, default_value_t = FeatureSet::Tfidf,
          help_heading = "Sentence vectors")]
    pub feature_set: FeatureSet,
    #[command(flatten)]
    #[command(next_help_heading = "Sentence vectors")]
    pub encoder: super::vectors::EncoderArg,
    /// Static token-embedding table for `--features tfidf+static|static` (from `secdisc
    /// distill`); the model file carries it.
    #[arg(
        long = "static",
        value_name = "TABLE",
        help_heading = "Sentence vectors"
    )]
    pub static_table: Option<std::path::PathBuf>,
    /// Weight of the sentence-vector block against the unit-length TF-IDF part.
    #[arg(
        long,
        default_value_t = 1.0,
        value_name = "W",
        help_heading = "Sentence vectors"
    )]
    pub dense_weight: f32,
    /// Tokens per text the encoder reads (longer texts are cut).
    #[arg(
        long,
        default_value_t = 128,
        value_name = "N",
        help_heading = "Sentence vectors"
    )]
    pub max_tokens: usize,
    /// Folder of the embedding cache: each text is embedded once per encoder, and later runs
    /// read it back. Default `$SECDISC_CACHE`, else `~/.cache/secdisc`.
    #[arg(
        long,
        env = "SECDISC_CACHE",
        value_name = "DIR",
        help_heading = "Sentence vectors"
    )]
    pub embedding_cache: Option<std::path::PathBuf>,
    /// Embed every text afresh and keep no cache.
    #[arg(long, help_heading = "Sentence vectors")]
    pub no_embedding_cache: bool,
    /// Longest word n-gram (1 to 4).
    #[arg(long, default_value_t = 2, value_name = "N")]
    #[arg(help_heading = "Features (TF-IDF)")]
    pub ngram_max: usize,
    /// Character n-grams within tokens, as MIN-MAX (for example 3-5); off by default.
    #[arg(long, value_name = "MIN-MAX", value_parser = parse_range)]
    #[arg(help_heading = "Features (TF-IDF)")]
    pub char_ngrams: Option<(usize, usize)>,
    /// Take character n-grams from tokens as written (`JWT` and `jwt` differ) instead of
    /// lower-cased; needs --char-ngrams.
    #[arg(long, requires = "char_ngrams")]
    #[arg(help_heading = "Features (TF-IDF)")]
    pub char_keep_case: bool,
    /// Minimum number of documents a term must appear in.
    #[arg(long, default_value_t = 2, value_name = "N")]
    #[arg(help_heading = "Features (TF-IDF)")]
    pub min_df: usize,
    /// Maximum fraction of documents a term may appear in.
    #[arg(long, default_value_t = 1.0, value_name = "FRACTION")]
    #[arg(help_heading = "Features (TF-IDF)")]
    pub max_df: f64,
    /// Keep only the N most frequent terms.
    #[arg(long, value_name = "N")]
    #[arg(help_heading = "Features (TF-IDF)")]
    pub max_features: Option<usize>,
    /// Do not stem (Snowball English stemming is on by default).
    #[arg(long)]
    #[arg(help_heading = "Features (TF-IDF)")]
    pub no_stem: bool,
    /// Keep English stop words.
    #[arg(long)]
    #[arg(help_heading = "Features (TF-IDF)")]
    pub no_stop_words: bool,
    /// Use raw term counts instead of 1 + ln(count).
    #[arg(long)]
    #[arg(help_heading = "Features (TF-IDF)")]
    pub no_sublinear_tf: bool,
    /// Inverse regularisation strength (lr, linfa-lr and svm).
    #[arg(long = "c", default_value_t = 1.0, value_name = "C")]
    #[arg(help_heading = "Linear classifiers (lr, svm, linfa-lr)")]
    pub c: f64,
    /// Class weighting (logistic regression, SVM and kNN votes).
    /// Class weighting (lr, linfa-lr, svm, dt; rf trees with --rf-sampling bootstrap).
    #[arg(long, default_value = "balanced", value_parser = choice(&ClassWeight::NAMED, ClassWeight::name, ClassWeight::help))]
    #[arg(help_heading = "Training (every classifier)")]
    pub class_weight: ClassWeight,
    /// Logistic regression penalty.
    #[arg(long, default_value = "l2", value_parser = choice(&Penalty::ALL, Penalty::name, Penalty::help))]
    #[arg(help_heading = "Linear classifiers (lr, svm, linfa-lr)")]
    pub penalty: Penalty,
    /// Elastic-net mixing ρ in (0, 1), with --penalty elasticnet only [default: 0.5].
    #[arg(long, value_name = "RHO")]
    #[arg(help_heading = "Linear classifiers (lr, svm, linfa-lr)")]
    pub l1_ratio: Option<f64>,
    /// SVM loss.
    #[arg(long, default_value = "squared-hinge", value_parser = choice(&SvmLoss::ALL, SvmLoss::name, SvmLoss::help))]
    #[arg(help_heading = "Linear classifiers (lr, svm, linfa-lr)")]
    pub svm_loss: SvmLoss,
    /// Naive Bayes variant.
    #[arg(long, default_value = "complement", value_parser = choice(&NaiveBayesVariant::ALL, NaiveBayesVariant::name, NaiveBayesVariant::help))]
    #[arg(help_heading = "Naive Bayes (nb)")]
    pub nb_variant: NaiveBayesVariant,
    /// Naive Bayes additive smoothing.
    #[arg(long, default_value_t = 0.01, value_name = "ALPHA")]
    #[arg(help_heading = "Naive Bayes (nb)")]
    pub nb_alpha: f64,
    /// fastText embedding dimension (1 to 1024).
    #[arg(long, default_value_t = 50, value_name = "DIM")]
    #[arg(help_heading = "fastText (fasttext)")]
    pub ft_dim: usize,
    /// fastText passes over the training data.
    #[arg(long, default_value_t = 25, value_name = "N")]
    #[arg(help_heading = "fastText (fasttext)")]
    pub ft_epochs: usize,
    /// fastText initial SGD learning rate, decayed linearly to 0 [default: 0.2 with
    /// --ft-average tfidf, 1.0 with uniform].
    #[arg(long, value_name = "LR")]
    #[arg(help_heading = "fastText (fasttext)")]
    pub ft_lr: Option<f64>,
    /// How fastText combines a row's feature embeddings.
    #[arg(long, default_value = "tfidf", value_parser = choice(&BagWeighting::ALL, BagWeighting::name, BagWeighting::help))]
    #[arg(help_heading = "fastText (fasttext)")]
    pub ft_average: BagWeighting,
    /// Word vector length of cnn and bilstm (1 to 1024).
    #[arg(long, default_value_t = 64, value_name = "DIM")]
    #[arg(help_heading = "Sequence networks (cnn, bilstm)")]
    pub embedding_dim: usize,
    /// Words of each text that cnn and bilstm read (the first N after stop words).
    #[arg(long, default_value_t = 200, value_name = "N")]
    #[arg(help_heading = "Sequence networks (cnn, bilstm)")]
    pub max_len: usize,
    /// Passes over the training data of cnn and bilstm [default: 8 for cnn, 6 for bilstm].
    #[arg(long, value_name = "N")]
    #[arg(help_heading = "Sequence networks (cnn, bilstm)")]
    pub epochs: Option<usize>,
    /// Adam step size of cnn and bilstm [default: 0.002 for cnn, 0.003 for bilstm].
    #[arg(long, value_name = "LR")]
    #[arg(help_heading = "Sequence networks (cnn, bilstm)")]
    pub learning_rate: Option<f64>,
    /// Dropout on the pooled units of cnn and bilstm while training, in [0, 1)
    /// [default: 0.5 for cnn, 0.3 for bilstm].
    #[arg(long, value_name = "P")]
    #[arg(help_heading = "Sequence networks (cnn, bilstm)")]
    pub dropout: Option<f64>,
    /// Rows per Adam step of cnn and bilstm.
    #[arg(long, default_value_t = 32, value_name = "N")]
    #[arg(help_heading = "Sequence networks (cnn, bilstm)")]
    pub batch_size: usize,
    /// Convolution filters per width (cnn).
    #[arg(long, default_value_t = 64, value_name = "N")]
    #[arg(help_heading = "Sequence networks (cnn, bilstm)")]
    pub filters: usize,
    /// Convolution widths in words, comma-separated (cnn).
    #[arg(
        long,
        default_value = "2,3,4",
        value_delimiter = ',',
        value_name = "W,..."
    )]
    #[arg(help_heading = "Sequence networks (cnn, bilstm)")]
    pub widths: Vec<usize>,
    /// Hidden units per direction (bilstm).
    #[arg(long, default_value_t = 48, value_name = "N")]
    #[arg(help_heading = "Sequence networks (cnn, bilstm)")]
    pub hidden: usize,
    /// Number of neighbours that vote (kNN).
    #[arg(long, default_value_t = 10, value_name = "N")]
    #[arg(help_heading = "Nearest neighbours (knn)")]
    pub knn_k: usize,
    /// How kNN neighbours vote.
    #[arg(long, default_value = "similarity", value_parser = choice(&KnnWeighting::ALL, KnnWeighting::name, KnnWeighting::help))]
    #[arg(help_heading = "Nearest neighbours (knn)")]
    pub knn_weighting: KnnWeighting,
    /// kNN pseudo-votes M for the training base rate P: probability (V_sec + P*M) / (V + M).
    #[arg(long, default_value_t = 1.0, value_name = "M")]
    #[arg(help_heading = "Nearest neighbours (knn)")]
    pub knn_smoothing: f64,
    /// Members of `ensemble`, comma-separated (each with the flags above).
    #[arg(
        long,
        default_value = "lr,svm,nb",
        value_delimiter = ',',
        value_name = "NAMES"
    )]
    #[arg(help_heading = "Ensemble (ensemble)")]
    pub ensemble_members: Vec<String>,
    /// Resample training rows inside each training fold (never the test fold).
    #[arg(long, default_value = "none", value_parser = choice(&Sampling::ALL, Sampling::name, Sampling::help))]
    #[arg(help_heading = "Training (every classifier)")]
    pub sampling: Sampling,
    /// Features kept by chi2 selection for linfa-lr, dt and rf, which need dense input
    /// [default: 2000 for linfa-lr and rf, 500 for dt].
    #[arg(long, value_name = "K")]
    #[arg(help_heading = "Dense learners (linfa-lr, dt, rf)")]
    pub select_k: Option<usize>,
    /// Deepest level of splits of dt and of each rf tree.
    #[arg(long, default_value_t = 20, value_name = "N")]
    #[arg(help_heading = "Dense learners (linfa-lr, dt, rf)")]
    pub dt_max_depth: usize,
    /// Smallest leaf of dt and rf trees, in rows of the lighter-weighted class.
    #[arg(long, default_value_t = 1, value_name = "N")]
    #[arg(help_heading = "Dense learners (linfa-lr, dt, rf)")]
    pub dt_min_samples_leaf: usize,
    /// Trees in the random forest.
    #[arg(long, default_value_t = 100, value_name = "N")]
    #[arg(help_heading = "Dense learners (linfa-lr, dt, rf)")]
    pub rf_trees: usize,
    /// Selected features each rf tree sees: sqrt or a fraction in (0, 1].
    #[arg(long, default_value = "sqrt", value_name = "sqrt|FRACTION", value_parser = parse_max_features)]
    #[arg(help_heading = "Dense learners (linfa-lr, dt, rf)")]
    pub rf_max_features: MaxFeatures,
    /// Rows each rf tree is fitted on.
    #[arg(long, default_value = "balanced", value_parser = choice(&ForestSampling::ALL, ForestSampling::name, ForestSampling::help))]
    #[arg(help_heading = "Dense learners (linfa-lr, dt, rf)")]
    pub rf_sampling: ForestSampling,
    /// Decision threshold: fixed:T, max-f1, recall:R or precision:P. All but fixed are chosen
    /// on inner out-of-fold predictions of the training data (never the test fold).
    #[arg(long, default_value = "fixed:0.5", value_name = "RULE", value_parser = parse_rule)]
    #[arg(help_heading = "Training (every classifier)")]
    pub threshold: ThresholdRule,
}

pub fn parse_rule(s: &str) -> Result<ThresholdRule, String> {
    // A bare probability is accepted as fixed:P.
    if let Ok(p) = s.trim().parse::<f64>() {
        return format!("fixed:{p}")
            .parse()
            .map_err(|e: secdisc_train::TrainError| e.to_string());
    }
    s.parse()
        .map_err(|e: secdisc_train::TrainError| e.to_string())
}

fn parse_max_features(s: &str) -> Result<MaxFeatures, String> {
    s.parse()
        .map_err(|e: secdisc_train::TrainError| e.to_string())
}

fn parse_range(s: &str) -> Result<(usize, usize), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("expected MIN-MAX such as 3-5, got {s:?}"))?;
    let parse = |v: &str| v.trim().parse::<usize>().map_err(|e| format!("{v:?}: {e}"));
    Ok((parse(a)?, parse(b)?))
}

/// The flags `cnn` and `bilstm` share (`--embedding-dim`, `--max-len`, `--batch-size`,
/// `--class-weight`, and `--epochs`, `--learning-rate`, `--dropout` when given, whose defaults
/// differ per model) applied to either's params builder. A macro because the two builders are
/// distinct types with the same setters.
macro_rules! sequence_training {
    ($args:expr, $params:expr) => {{
        let mut p = $params
            .embedding_dim($args.embedding_dim)
            .max_len($args.max_len)
            .batch_size($args.batch_size)
            .class_weight($args.class_weight);
        if let Some(e) = $args.epochs {
            p = p.epochs(e);
        }
        if let Some(lr) = $args.learning_rate {
            p = p.learning_rate(lr);
        }
        if let Some(d) = $args.dropout {
            p = p.dropout(d);
        }
        p
    }};
}

impl ModelArgs {
    /// Stop with a usage error on flags that would be silently ignored.
    pub fn check_flags(&self) {
        if self.l1_ratio.is_some() && !matches!(self.penalty, Penalty::ElasticNet { .. }) {
            crate::cli::usage(format!(
                "--l1-ratio mixes the elastic net only; add --penalty elasticnet or drop --l1-ratio (the penalty is {})",
                self.penalty.name()
            ));
        }
    }

    /// TF-IDF parameters (unchecked; fitting checks them).
    pub fn tfidf(&self) -> TfidfParams {
        TfidfParams::default()
            .ngram_range(1, self.ngram_max)
            .char_ngrams(self.char_ngrams)
            .char_case(if self.char_keep_case {
                CharCase::Keep
            } else {
                CharCase::Lower
            })
            .min_df(self.min_df)
            .max_df(self.max_df)
            .max_features(self.max_features)
            .sublinear_tf(!self.no_sublinear_tf)
            .stemming(if self.no_stem {
                Stemming::None
            } else {
                Stemming::Snowball
            })
            .stop_words(if self.no_stop_words {
                StopWords::None
            } else {
                StopWords::English
            })
    }

    /// Parameters of classifier `kind` from these flags (checked when fitting).
    pub fn classifier(&self, kind: ClassifierKind) -> anyhow::Result<ClassifierParams> {
        Ok(match kind {
            ClassifierKind::Ensemble => {
                let members = self
                    .ensemble_members
                    .iter()
                    .map(|name| {
                        let kind: ClassifierKind = name.parse().unwrap_or_else(|e| {
                            crate::cli::usage(format!("--ensemble-members: {e}"))
                        });
                        if kind == ClassifierKind::Ensemble {
                            crate::cli::usage("--ensemble-members cannot contain ensemble");
                        }
                        self.classifier(kind)
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                ClassifierParams::Ensemble(members)
            }
            ClassifierKind::Lr => ClassifierParams::Lr(
                LogisticRegressionParams::default()
                    .c(self.c)
                    .class_weight(self.class_weight)
                    .penalty(self.penalty.with_l1_ratio(self.l1_ratio.unwrap_or(0.5))),
            ),
            ClassifierKind::Svm => ClassifierParams::Svm(
                SvmParams::default()
                    .c(self.c)
                    .class_weight(self.class_weight)
                    .loss(self.svm_loss),
            ),
            ClassifierKind::Nb => ClassifierParams::Nb(
                NaiveBayesParams::default()
                    .alpha(self.nb_alpha)
                    .variant(self.nb_variant),
            ),
            ClassifierKind::Knn => ClassifierParams::Knn(
                KnnParams::default()
                    .k(self.knn_k)
                    .weighting(self.knn_weighting)
                    .class_weight(self.class_weight)
                    .smoothing(self.knn_smoothing),
            ),
            ClassifierKind::LinfaLr => {
                let p = LinfaLogisticParams::default()
                    .c(self.c)
                    .class_weight(self.class_weight);
                ClassifierParams::LinfaLr(match self.select_k {
                    Some(k) => p.select_k(k),
                    None => p,
                })
            }
            ClassifierKind::Dt => {
                let p = DecisionTreeParams::default()
                    .max_depth(self.dt_max_depth)
                    .min_samples_leaf(self.dt_min_samples_leaf)
                    .class_weight(self.class_weight);
                ClassifierParams::Dt(match self.select_k {
                    Some(k) => p.select_k(k),
                    None => p,
                })
            }
            ClassifierKind::Rf => {
                let p = RandomForestParams::default()
                    .n_trees(self.rf_trees)
                    .max_features(self.rf_max_features)
                    .sampling(self.rf_sampling)
                    .max_depth(self.dt_max_depth)
                    .min_samples_leaf(self.dt_min_samples_leaf)
                    .class_weight(self.class_weight);
                ClassifierParams::Rf(match self.select_k {
                    Some(k) => p.select_k(k),
                    None => p,
                })
            }
            ClassifierKind::FastText => {
                let weighting = self.ft_average;
                // Resolved here so that the model's manifest records the rate used.
                let lr = self.ft_lr.unwrap_or(default_learning_rate(weighting));
                ClassifierParams::FastText(
                    FastTextParams::default()
                        .dim(self.ft_dim)
                        .epochs(self.ft_epochs)
                        .weighting(weighting)
                        .learning_rate(lr)
                        .class_weight(self.class_weight),
                )
            }
            ClassifierKind::Cnn => ClassifierParams::Cnn(sequence_training!(
                self,
                CnnParams::default()
                    .filters(self.filters)
                    .widths(self.widths.clone())
            )),
            ClassifierKind::BiLstm => ClassifierParams::BiLstm(sequence_training!(
                self,
                BiLstmParams::default().hidden(self.hidden)
            )),
            // A classifier without flags of its own trains with its defaults.
            other => other
                .default_params()
                .ok_or_else(|| anyhow::anyhow!("no parameters for {}", other.name()))?,
        })
    }
}
