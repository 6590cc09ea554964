//! Loading labelled data for `train`, `evaluate`, `compare` and `adapt` (the library's
//! [`Dataset`]), and checking output paths early.

use std::path::{Path, PathBuf};

use secdisc_ingest::RecordFormat;
pub use secdisc_train::dataset::{file_labels, Dataset, Unlabelled};

/// [`Unlabelled::Skip`] when `--skip-unlabelled` was given.
pub fn unlabelled(skip_unlabelled: bool) -> Unlabelled {
    if skip_unlabelled {
        Unlabelled::Skip
    } else {
        Unlabelled::Reject
    }
}

/// Data files as shown in messages: `a.csv`, or `a.csv + b.csv`.
pub fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ")
}

/// [`Dataset::load`], saying on stderr how many unlabelled records were left out.
pub fn load_many(
    paths: &[PathBuf],
    format: Option<RecordFormat>,
    unlabelled: Unlabelled,
) -> anyhow::Result<Dataset> {
    let data = Dataset::load(paths, format, unlabelled)?;
    if data.skipped_unlabelled > 0 {
        eprintln!(
            "secdisc: skipped {} records with an empty label (--skip-unlabelled)",
            data.skipped_unlabelled
        );
    }
    Ok(data)
}

/// Prepare every text of `data` as a model with `prep` reads it (cleaned, paragraphs joined:
/// a record keeps its one label whatever the unit), in parallel.
pub fn prepare(data: &mut Dataset, prep: &secdisc_ingest::TextPrep) -> anyhow::Result<()> {
    if prep.markup.is_none() {
        return Ok(());
    }
    let preparer = prep.build()?;
    use rayon::prelude::*;
    data.texts
        .par_iter_mut()
        .for_each(|t| *t = preparer.whole(t));
    Ok(())
}

/// Check every output before the run starts: its folder takes new files, it is not a folder,
/// and it is none of `inputs` (compared as files, whatever their names); see
/// [`secdisc_output::check_output`].
pub fn check_outputs<'a>(
    outputs: impl IntoIterator<Item = &'a PathBuf>,
    inputs: impl IntoIterator<Item = &'a PathBuf>,
) -> anyhow::Result<()> {
    let inputs: Vec<&Path> = inputs.into_iter().map(PathBuf::as_path).collect();
    for out in outputs {
        secdisc_output::check_output(out, &inputs)?;
    }
    Ok(())
}
