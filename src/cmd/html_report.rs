//! `--html FILE` of `evaluate` and `compare`: the top-weighted terms of each classifier fitted
//! on all the data, and writing the page.

use std::path::Path;

use anyhow::Context;
use secdisc_features::{write_atomically, TfidfParams};
use secdisc_train::{fit_pipeline, ClassifierParams, CvInput, Sampling, ThresholdRule};

use crate::report::Terms;

/// Terms listed per class.
pub const TOP_TERMS: usize = 20;

/// Fit every classifier on all of `input` (as `secdisc train` would) and take its top-weighted
/// terms; a classifier that is not linear gets [`Terms::NotLinear`], one that fails to fit
/// [`Terms::Failed`] (the report still renders).
pub fn top_terms(
    input: &CvInput<'_>,
    tfidf: &TfidfParams,
    classifiers: &[ClassifierParams],
    rule: ThresholdRule,
    sampling: Sampling,
    seed: u64,
) -> Vec<Terms> {
    classifiers
        .iter()
        .map(
            |classifier| match fit_pipeline(input, tfidf, classifier, rule, sampling, seed) {
                Ok((vectorizer, model, _)) => {
                    match secdisc_infer::top_terms(&vectorizer, &model, TOP_TERMS) {
                        Some(top) => Terms::Weights(top),
                        None => Terms::NotLinear,
                    }
                }
                Err(e) => Terms::Failed(e.to_string()),
            },
        )
        .collect()
}

/// Write `page` to `path` atomically and say where it went.
pub fn write(path: &Path, page: &str) -> anyhow::Result<()> {
    write_atomically(path, page.as_bytes())
        .with_context(|| format!("cannot write the HTML report to {}", path.display()))?;
    eprintln!("secdisc: wrote the HTML report to {}", path.display());
    Ok(())
}
