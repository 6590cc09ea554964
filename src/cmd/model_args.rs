//! Feature and classifier flags shared by `train` and `evaluate`.

use secdisc_features::{BagWeighting, Stemming, StopWords, TfidfParams};
use secdisc_train::{
    default_learning_rate, ClassWeight, ClassifierKind, ClassifierParams, FastTextParams,
    LogisticRegressionParams, NaiveBayesParams, NaiveBayesVariant, SvmLoss, SvmParams,
    ThresholdRule,
};

/// Classifier flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClassifierArg {
    /// Sparse L2 logistic regression (L-BFGS).
    Lr,
    /// Linear SVM (dual coordinate descent) with Platt-scaled probabilities.
    Svm,
    /// Naive Bayes (complement by default; see --nb-variant).
    Nb,
    /// fastText-style embedding bag trained by SGD (see --ft-*).
    #[value(name = "fasttext")]
    FastText,
}

impl ClassifierArg {
    /// The library's kind.
    pub fn kind(self) -> ClassifierKind {
        match self {
            ClassifierArg::Lr => ClassifierKind::Lr,
            ClassifierArg::Svm => ClassifierKind::Svm,
            ClassifierArg::Nb => ClassifierKind::Nb,
            ClassifierArg::FastText => ClassifierKind::FastText,
        }
    }
}

/// SVM loss flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SvmLossArg {
    /// max(0, 1 - z).
    Hinge,
    /// max(0, 1 - z)^2.
    SquaredHinge,
}

/// Naive Bayes variant flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NbVariantArg {
    /// Complement NB (no class prior).
    Complement,
    /// Multinomial NB.
    Multinomial,
}

/// fastText weighting flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FtAverageArg {
    /// The mean of the row's feature embeddings (fastText's average).
    Uniform,
    /// The embeddings weighted by the row's (L2-normalised) TF-IDF values.
    Tfidf,
}

/// Class weighting flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClassWeightArg {
    /// n / (2 · n_class) per class.
    Balanced,
    /// Every record weighs 1.
    Uniform,
}

/// Flags that define the features and the classifier.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// Longest word n-gram (1 to 4).
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub ngram_max: usize,
    /// Character n-grams within tokens, as MIN-MAX (for example 3-5); off by default.
    #[arg(long, value_name = "MIN-MAX", value_parser = parse_range)]
    pub char_ngrams: Option<(usize, usize)>,
    /// Minimum number of documents a term must appear in.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub min_df: usize,
    /// Maximum fraction of documents a term may appear in.
    #[arg(long, default_value_t = 1.0, value_name = "FRACTION")]
    pub max_df: f64,
    /// Keep only the N most frequent terms.
    #[arg(long, value_name = "N")]
    pub max_features: Option<usize>,
    /// Do not stem (Snowball English stemming is on by default).
    #[arg(long)]
    pub no_stem: bool,
    /// Keep English stop words.
    #[arg(long)]
    pub no_stop_words: bool,
    /// Use raw term counts instead of 1 + ln(count).
    #[arg(long)]
    pub no_sublinear_tf: bool,
    /// Inverse regularisation strength (logistic regression and SVM).
    #[arg(long = "c", default_value_t = 1.0, value_name = "C")]
    pub c: f64,
    /// Class weighting (logistic regression, SVM and fastText).
    #[arg(long, value_enum, default_value_t = ClassWeightArg::Balanced)]
    pub class_weight: ClassWeightArg,
    /// SVM loss.
    #[arg(long, value_enum, default_value_t = SvmLossArg::SquaredHinge)]
    pub svm_loss: SvmLossArg,
    /// Naive Bayes variant.
    #[arg(long, value_enum, default_value_t = NbVariantArg::Complement)]
    pub nb_variant: NbVariantArg,
    /// Naive Bayes additive smoothing.
    #[arg(long, default_value_t = 0.01, value_name = "ALPHA")]
    pub nb_alpha: f64,
    /// fastText embedding dimension (1 to 1024).
    #[arg(long, default_value_t = 50, value_name = "DIM")]
    pub ft_dim: usize,
    /// fastText passes over the training data.
    #[arg(long, default_value_t = 25, value_name = "N")]
    pub ft_epochs: usize,
    /// fastText initial SGD learning rate, decayed linearly to 0 [default: 0.2 with
    /// --ft-average tfidf, 1.0 with uniform].
    #[arg(long, value_name = "LR")]
    pub ft_lr: Option<f64>,
    /// How fastText combines a row's feature embeddings.
    #[arg(long, value_enum, default_value_t = FtAverageArg::Tfidf)]
    pub ft_average: FtAverageArg,
    /// Decision threshold: fixed:T, max-f1, recall:R or precision:P. All but fixed are chosen
    /// on inner out-of-fold predictions of the training data (never the test fold).
    #[arg(long, default_value = "fixed:0.5", value_name = "RULE", value_parser = parse_rule)]
    pub threshold: ThresholdRule,
}

fn parse_rule(s: &str) -> Result<ThresholdRule, String> {
    // A bare probability is accepted as fixed:P.
    if let Ok(p) = s.trim().parse::<f64>() {
        return format!("fixed:{p}")
            .parse()
            .map_err(|e: secdisc_train::TrainError| e.to_string());
    }
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

impl ModelArgs {
    /// TF-IDF parameters (unchecked; fitting checks them).
    pub fn tfidf(&self) -> TfidfParams {
        TfidfParams::default()
            .ngram_range(1, self.ngram_max)
            .char_ngrams(self.char_ngrams)
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

    fn class_weight(&self) -> ClassWeight {
        match self.class_weight {
            ClassWeightArg::Balanced => ClassWeight::Balanced,
            ClassWeightArg::Uniform => ClassWeight::Uniform,
        }
    }

    /// Parameters of classifier `kind` from these flags (checked when fitting).
    pub fn classifier(&self, kind: ClassifierKind) -> ClassifierParams {
        match kind {
            ClassifierKind::Lr => ClassifierParams::Lr(
                LogisticRegressionParams::default()
                    .c(self.c)
                    .class_weight(self.class_weight()),
            ),
            ClassifierKind::Svm => ClassifierParams::Svm(
                SvmParams::default()
                    .c(self.c)
                    .class_weight(self.class_weight())
                    .loss(match self.svm_loss {
                        SvmLossArg::Hinge => SvmLoss::Hinge,
                        SvmLossArg::SquaredHinge => SvmLoss::SquaredHinge,
                    }),
            ),
            ClassifierKind::Nb => {
                ClassifierParams::Nb(NaiveBayesParams::default().alpha(self.nb_alpha).variant(
                    match self.nb_variant {
                        NbVariantArg::Complement => NaiveBayesVariant::Complement,
                        NbVariantArg::Multinomial => NaiveBayesVariant::Multinomial,
                    },
                ))
            }
            ClassifierKind::FastText => {
                let weighting = match self.ft_average {
                    FtAverageArg::Uniform => BagWeighting::Uniform,
                    FtAverageArg::Tfidf => BagWeighting::Tfidf,
                };
                // Resolved here so that the model's manifest records the rate used.
                let lr = self.ft_lr.unwrap_or(default_learning_rate(weighting));
                ClassifierParams::FastText(
                    FastTextParams::default()
                        .dim(self.ft_dim)
                        .epochs(self.ft_epochs)
                        .weighting(weighting)
                        .learning_rate(lr)
                        .class_weight(self.class_weight()),
                )
            }
        }
    }
}
