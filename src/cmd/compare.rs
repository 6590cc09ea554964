//! `secdisc compare`: several classifiers on identical folds, with significance tests.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use secdisc_train::{compare, ClassifierKind};

use super::cv_args::CvArgs;
use super::dataset;
use super::html_report;
use super::model_args::ModelArgs;
use super::output;
use super::run_info::RunInfo;
use secdisc_report::Report;

/// Flags of `secdisc compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Labelled CSV or JSONL files (`text`, `label`; optional `id`, `source`, `group`), or `-`
    /// for stdin; several files are read in order as one data set, as in `evaluate`.
    #[arg(required = true, value_name = "DATA")]
    pub data: Vec<PathBuf>,
    /// Leave out records whose `label` is empty instead of stopping at the first one.
    #[arg(long)]
    pub skip_unlabelled: bool,
    /// Comma-separated classifiers: lr, svm, nb, knn, linfa-lr, dt, rf, fasttext, ensemble.
    #[arg(
        long,
        default_value = "lr,svm,nb",
        value_delimiter = ',',
        value_name = "NAMES"
    )]
    pub classifiers: Vec<String>,
    /// Print the report as JSON (without timings, so equal seeds give equal output).
    #[arg(long)]
    pub json: bool,
    /// Write a self-contained HTML report (metrics, pairwise tests, curves, calibration,
    /// confusion matrices, top-weighted terms, folds) to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub cv: CvArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Run `secdisc compare`.
pub fn run(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let command_started = std::time::Instant::now();
    args.model.check_flags();
    let mut kinds = Vec::new();
    for name in &args.classifiers {
        let kind: ClassifierKind = name.parse()?;
        if kinds.contains(&kind) {
            bail!("classifier {name:?} is listed twice in --classifiers");
        }
        kinds.push(kind);
    }
    if kinds.len() < 2 {
        bail!(
            "compare needs at least two classifiers, got {:?}; use `secdisc evaluate` for one",
            args.classifiers
        );
    }
    {
        let inputs = args.data.iter().chain(&args.cv.train_only);
        dataset::check_outputs(&args.html, inputs.chain(&args.model.static_table))?;
    }
    let classifiers = kinds
        .iter()
        .map(|&k| args.model.classifier(k))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut data = args.cv.load(
        &args.data,
        args.cv.input_format,
        dataset::unlabelled(args.skip_unlabelled),
    )?;
    dataset::prepare(&mut data, &args.model.prep.prep())?;
    let groups = data.group_refs();
    let dense = super::vectors::dense_features(&args.model, &data.texts)?;
    let input = data.cv_input(
        &groups,
        dense.as_ref().map(super::vectors::DenseFeatures::input),
    );
    let opts = args.cv.options(&data, &args.model)?;
    let (folds, repeats) = opts.shape();
    let started = std::time::Instant::now();
    let bar = crate::progress::bar((folds * repeats) as u64, "comparing");
    let report = compare(&input, &args.model.tfidf(), &classifiers, &opts, &|| {
        bar.inc(1)
    })
    .with_context(|| format!("cannot compare on {}", dataset::display_paths(&args.data)))?;
    bar.finish_and_clear();
    eprintln!(
        "secdisc: {} classifiers x {} folds x {} repeats over {} records in {:.2} s",
        classifiers.len(),
        folds,
        repeats,
        data.texts.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &args.html {
        let terms = html_report::top_terms(&input, &args.model, &classifiers, args.cv.seed);
        let data_path = dataset::display_paths(&args.data);
        let page = secdisc_report::render(
            &Report::from_compare(&report, &data.name, &data.labels, terms).with_path(&data_path),
        );
        html_report::write(path, &page)?;
    }
    let run = classifiers.iter().fold(
        RunInfo::new(&data, Some(args.cv.seed), command_started)
            .with_features(&args.model.prep.prep(), &args.model.tfidf()),
        |run, c| run.with_classifier(c),
    );
    output::print_report(&report, Some(&run), args.json, || {
        secdisc_report::terminal::compare_report(&report, &data.name)
    })?;
    Ok(ExitCode::SUCCESS)
}
