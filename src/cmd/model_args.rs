//! Feature and classifier flags shared by `train` and `evaluate`.

use anyhow::bail;
use secdisc_features::{Stemming, StopWords, TfidfParams};
use secdisc_train::{ClassWeight, LogisticRegressionParams};

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
    /// Inverse regularisation strength of logistic regression.
    #[arg(long = "c", default_value_t = 1.0, value_name = "C")]
    pub c: f64,
    /// Class weighting.
    #[arg(long, value_enum, default_value_t = ClassWeightArg::Balanced)]
    pub class_weight: ClassWeightArg,
    /// Probability at or above which a record is labelled security.
    #[arg(long, default_value_t = 0.5, value_name = "P")]
    pub threshold: f64,
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

    /// Logistic regression parameters (unchecked).
    pub fn logistic(&self) -> LogisticRegressionParams {
        LogisticRegressionParams::default()
            .c(self.c)
            .class_weight(match self.class_weight {
                ClassWeightArg::Balanced => ClassWeight::Balanced,
                ClassWeightArg::Uniform => ClassWeight::Uniform,
            })
    }

    /// The threshold, checked to be a probability.
    pub fn threshold(&self) -> anyhow::Result<f64> {
        if !(0.0..=1.0).contains(&self.threshold) {
            bail!(
                "--threshold must be between 0 and 1, got {}",
                self.threshold
            );
        }
        Ok(self.threshold)
    }
}
