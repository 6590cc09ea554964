//! Cross-validation flags shared by `evaluate` and `compare`, and the tuning flags `train`
//! shares too.

use super::choice::choice;
use anyhow::bail;
use secdisc_ingest::RecordFormat;
use secdisc_train::{CvOptions, Search, Split, TuneMetric, TuneOptions, VectorizerGrid};

use std::path::PathBuf;

use super::dataset::{Dataset, Unlabelled};
use super::model_args::ModelArgs;

/// Split flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SplitArg {
    /// Stratified, shuffled k folds; threads (`group`) never straddle folds.
    Stratified,
    /// Train on every source but one, test on it; a row per source.
    LeaveOneSourceOut,
    /// Train on every DATA file but one, test on it; a row per file (cross-project
    /// evaluation when each file is a project).
    LeaveOneFileOut,
}

/// Flags that define the folds and the nested search.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Evaluation")]
pub struct CvArgs {
    /// Folds per repetition (at least 2).
    #[arg(long, short = 'k', default_value_t = 10,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..))]
    pub folds: usize,
    /// Repeat the k folds R times with seeds S, S+1, ... (at least 1).
    #[arg(long, default_value_t = 1, value_name = "R",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub repeats: usize,
    /// Seed for shuffling the folds.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// How test folds are formed.
    #[arg(long, value_enum, default_value_t = SplitArg::Stratified)]
    pub split: SplitArg,
    /// Input layout; guessed from the extension, then the first byte.
    #[arg(long, value_parser = choice(&RecordFormat::ALL, RecordFormat::name, RecordFormat::help))]
    pub input_format: Option<RecordFormat>,
    /// With a leave-one-out split: also train on this labelled file in every fold, and never
    /// test on it (for example `data/corpus.csv` beside the held-out projects). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub train_only: Vec<PathBuf>,
    /// With leave-one-source-out: use the first N `/`-separated parts of `source` (so
    /// `github/acme/api/issue` with N=1 is `github`); 0 uses the whole value.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub source_depth: usize,
    #[command(flatten)]
    pub tune: TuneArgs,
}

/// Flags of the nested hyperparameter search (`evaluate`, `compare` and `train`).
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Tuning (nested CV)")]
pub struct TuneArgs {
    /// Tune hyperparameters by nested CV: inside each training part of a cross-validation,
    /// and for `train` on all its data. `grid`, or `random:N` for N grid points drawn by the
    /// seed.
    #[arg(long, value_name = "SEARCH", num_args = 0..=1, default_missing_value = "grid", value_parser = parse_search)]
    pub tune: Option<Search>,
    /// Metric that ranks tuning candidates.
    #[arg(long, default_value = "f1", value_parser = choice(&TuneMetric::ALL, TuneMetric::name, TuneMetric::help))]
    pub tune_metric: TuneMetric,
    /// With --tune: also search these minimum document frequencies (for example 1,2), each
    /// inner fold fitting its own vectorizer.
    #[arg(long, value_name = "N,...", value_delimiter = ',', requires = "tune",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub tune_min_df: Vec<usize>,
    /// With --tune: also search these longest word n-grams (for example 1,2,3; 1 to 4).
    #[arg(long, value_name = "N,...", value_delimiter = ',', requires = "tune",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=4))]
    pub tune_ngram_max: Vec<usize>,
    /// With --tune and sentence vectors (--features tfidf+static|tfidf+encoder): also search
    /// these weights of the vectors against the TF-IDF part (for example 0.5,1,2).
    #[arg(long, value_name = "W,...", value_delimiter = ',', requires = "tune")]
    pub tune_dense_weight: Vec<f32>,
}

fn parse_search(s: &str) -> Result<Search, String> {
    match s.split_once(':') {
        None if s == "grid" => Ok(Search::Grid),
        Some(("random", n)) => match n.parse::<usize>() {
            Ok(n) if n > 0 => Ok(Search::Random(n)),
            _ => Err(format!("random:N needs a positive N, got {n:?}")),
        },
        _ => Err(format!("expected grid or random:N, got {s:?}")),
    }
}

impl CvArgs {
    /// Load DATA and then the --train-only files as one data set.
    pub fn load(
        &self,
        data: &[PathBuf],
        format: Option<RecordFormat>,
        unlabelled: Unlabelled,
    ) -> anyhow::Result<Dataset> {
        if !self.train_only.is_empty() && self.split == SplitArg::Stratified {
            crate::cli::usage("--train-only needs --split leave-one-file-out or leave-one-source-out (or use evaluate --test)")
        }
        let mut paths = data.to_vec();
        paths.extend(self.train_only.iter().cloned());
        let mut loaded = super::dataset::load_many(&paths, format, unlabelled)?;
        loaded.train_only_from = Some(data.len());
        Ok(loaded)
    }

    /// Options for the CV engine over `data`.
    pub fn options(&self, data: &Dataset, model: &ModelArgs) -> anyhow::Result<CvOptions> {
        let split = match self.split {
            SplitArg::Stratified => Split::Stratified,
            SplitArg::LeaveOneSourceOut => {
                let keys: Vec<Option<String>> = data
                    .sources
                    .iter()
                    .map(|s| s.as_deref().map(|s| truncate_source(s, self.source_depth)))
                    .collect();
                if keys.iter().all(Option::is_none) {
                    bail!(
                        "--split leave-one-source-out needs a `source` column or key in the data"
                    );
                }
                let refs: Vec<Option<&str>> = keys.iter().map(|k| k.as_deref()).collect();
                Split::leave_one_out_training(&refs, &data.train_only())?
            }
            SplitArg::LeaveOneFileOut => {
                if data
                    .files
                    .len()
                    .min(data.train_only_from.unwrap_or(usize::MAX))
                    < 2
                {
                    // A usage error (status 2): the count of DATA arguments is wrong.
                    crate::cli::usage(format!(
                        "--split leave-one-file-out needs at least two DATA files, got {}",
                        data.files
                            .len()
                            .min(data.train_only_from.unwrap_or(usize::MAX))
                    ))
                }
                let names = super::dataset::file_labels(&data.files);
                let refs: Vec<Option<&str>> = data
                    .file_of
                    .iter()
                    .map(|&f| Some(names[f].as_str()))
                    .collect();
                Split::leave_one_out_training(&refs, &data.train_only())?
            }
        };
        Ok(CvOptions {
            folds: self.folds,
            repeats: self.repeats,
            seed: self.seed,
            threshold: model.threshold,
            sampling: model.sampling,
            split,
            tune: self.tune.options(),
            ..CvOptions::default()
        })
    }
}

impl TuneArgs {
    /// The search, or `None` without `--tune`.
    pub fn options(&self) -> Option<TuneOptions> {
        self.tune.map(|search| TuneOptions {
            search,
            metric: self.tune_metric,
            vectorizer: VectorizerGrid {
                min_df: dedup(&self.tune_min_df),
                ngram_max: dedup(&self.tune_ngram_max),
                dense_weight: {
                    let mut w = self.tune_dense_weight.clone();
                    w.sort_by(f32::total_cmp);
                    w.dedup();
                    w
                },
            },
            ..TuneOptions::default()
        })
    }
}

/// `values` sorted, each once: a repeated value would only repeat its candidates.
fn dedup(values: &[usize]) -> Vec<usize> {
    let mut v = values.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

fn truncate_source(source: &str, depth: usize) -> String {
    if depth == 0 {
        return source.to_string();
    }
    source.split('/').take(depth).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_search_and_truncates_sources() {
        assert_eq!(parse_search("grid"), Ok(Search::Grid));
        assert_eq!(parse_search("random:4"), Ok(Search::Random(4)));
        assert!(parse_search("random:0").is_err() && parse_search("bayes").is_err());
        assert_eq!(truncate_source("github/acme/api/issue", 1), "github");
        assert_eq!(
            truncate_source("github/acme/api/issue", 0),
            "github/acme/api/issue"
        );
    }
}
