//! `--html FILE` of `evaluate` and `compare`: the top-weighted terms of each classifier fitted
//! on all the data, and writing the page.

use std::path::Path;

use anyhow::Context;
use secdisc_output::write_atomically;
use secdisc_train::{fit_sampled, ClassifierParams, CvInput};

use super::model_args::ModelArgs;

use secdisc_report::Terms;

/// Terms listed per class.
pub const TOP_TERMS: usize = 20;

/// Fit every classifier on all of `input` with the run's flags and take its top-weighted terms;
/// a classifier that is not linear gets [`Terms::NotLinear`], one that fails to fit
/// [`Terms::Failed`] (the report still renders). The vectorizer is fitted once for all of
/// them, and no threshold is searched: the terms do not depend on it.
pub fn top_terms(
    input: &CvInput<'_>,
    model: &ModelArgs,
    classifiers: &[ClassifierParams],
    seed: u64,
) -> Vec<Terms> {
    let fitted = model.tfidf().check().and_then(|p| p.fit(input.texts));
    let vectorizer = match fitted {
        Ok(v) => v,
        Err(e) => {
            return classifiers
                .iter()
                .map(|_| Terms::Failed(e.to_string()))
                .collect()
        }
    };
    let sequences = classifiers
        .iter()
        .filter_map(ClassifierParams::sequence_len)
        .max();
    let x = vectorizer.transform_with(input.texts, sequences);
    classifiers
        .iter()
        .map(
            |classifier| match fit_sampled(classifier, &x, input.labels, model.sampling, seed) {
                Ok(fitted) => match secdisc_infer::top_terms(&vectorizer, &fitted, TOP_TERMS) {
                    Some(top) => Terms::Weights(top),
                    None => Terms::NotLinear,
                },
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
