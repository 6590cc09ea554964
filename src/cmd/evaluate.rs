//! `secdisc evaluate`: stratified group k-fold cross-validation with a report; with `--test`,
//! fit on the data and score another file; with `--model`, score a saved model on labelled
//! data ([`super::evaluate_saved`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use secdisc_train::{cross_validate, CvInput, Split};

use super::cv_args::CvArgs;
use super::dataset;
use super::html_report;
use super::model_args::{classifier_parser, ModelArgs};
use super::output;
use super::run_info::RunInfo;
use secdisc_report::{Report, Terms};
use secdisc_train::ClassifierKind;

/// Flags of `secdisc evaluate`.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// Labelled CSV or JSONL files (`text`, `label`; optional `id`, `source`, `group`), or `-`
    /// for stdin; several files are read in order as one data set (for example the corpus and
    /// a batch from `secdisc suggest` that someone labelled). With --model: the labelled data
    /// to score.
    #[arg(required = true, value_name = "DATA")]
    pub data: Vec<PathBuf>,
    /// Cross-project evaluation: fit on all of DATA, then score this labelled file (the same
    /// metrics and reports as cross-validation, one row named after the file). The threshold
    /// is chosen on inner folds of DATA.
    #[arg(long, value_name = "TEST", conflicts_with_all = ["split", "saved_model"])]
    pub test: Option<PathBuf>,
    /// Score this saved model (from `secdisc train -o`) on DATA instead of fitting one, at the
    /// model's own threshold (what fastText's `test` does).
    #[arg(long = "model", short = 'm', value_name = "MODEL", id = "saved_model",
          conflicts_with_all = ["split", "tune", "folds_out"])]
    pub saved_model: Option<PathBuf>,
    /// Leave out records whose `label` is empty instead of stopping at the first one.
    #[arg(long)]
    pub skip_unlabelled: bool,
    /// Classifier.
    #[arg(long, value_parser = classifier_parser(), default_value = "lr")]
    pub classifier: ClassifierKind,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write out-of-fold predictions (`id,fold,label,score`) as CSV to FILE.
    #[arg(long, value_name = "FILE")]
    pub oof: Option<PathBuf>,
    /// Write a self-contained HTML report (metrics, curves, calibration, confusion matrix,
    /// top-weighted terms, folds) to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the fold of every record (`row,id,fold`, 0-based) as CSV to FILE, for peers.
    #[arg(long, value_name = "FILE")]
    pub folds_out: Option<PathBuf>,
    #[command(flatten)]
    pub cv: CvArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Run `secdisc evaluate`.
pub fn run(args: &EvaluateArgs) -> anyhow::Result<ExitCode> {
    let command_started = std::time::Instant::now();
    args.model.check_flags();
    {
        let outputs = [&args.oof, &args.folds_out, &args.html]
            .into_iter()
            .flatten();
        let inputs = (args.data.iter().chain(&args.cv.train_only))
            .chain(&args.test)
            .chain(&args.saved_model)
            .chain(&args.model.static_table);
        dataset::check_outputs(outputs, inputs)?;
    }
    let unlabelled = dataset::unlabelled(args.skip_unlabelled);
    if let Some(model) = &args.saved_model {
        return super::evaluate_saved::run(args, model, command_started);
    }
    // With --test, TEST is read as one more file of the same data set and marked as the
    // holdout.
    let mut paths = args.data.clone();
    paths.extend(args.test.iter().cloned());
    let mut data = args.cv.load(&paths, args.cv.input_format, unlabelled)?;
    dataset::prepare(&mut data, &args.model.prep.prep())?;
    let holdout = args
        .test
        .as_deref()
        .map(|test| holdout(&mut data, args.data.len(), test));
    let groups = data.group_refs();
    let dense = super::vectors::dense_features(&args.model, &data.texts)?;
    let input = data.cv_input(
        &groups,
        dense.as_ref().map(super::vectors::DenseFeatures::input),
    );
    let started = std::time::Instant::now();
    let mut opts = args.cv.options(&data, &args.model)?;
    if let Some(split) = holdout {
        opts.split = split;
    }
    let (folds, repeats) = opts.shape();
    let classifier = args.model.classifier(args.classifier)?;
    let bar = crate::progress::bar((folds * repeats) as u64, "cross-validating");
    let report = cross_validate(&input, &args.model.tfidf(), &classifier, &opts, &|| {
        bar.inc(1)
    })
    .with_context(|| {
        format!(
            "cannot cross-validate {}",
            dataset::display_paths(&args.data)
        )
    })?;
    bar.finish_and_clear();
    eprintln!(
        "secdisc: {} folds x {} repeats over {} records in {:.2} s",
        folds,
        repeats,
        data.texts.len(),
        started.elapsed().as_secs_f64()
    );
    // Every record, or with --test those that were scored.
    let scored = |i: usize| match &opts.split {
        Split::Holdout { test, .. } => test[i],
        Split::Predefined { names, fold_of } => fold_of[i] < names.len(),
        Split::Stratified => true,
    };
    if let Some(path) = &args.oof {
        let rows = data
            .ids
            .iter()
            .enumerate()
            .filter(|(i, _)| scored(*i))
            .map(|(i, id)| {
                [
                    id.clone(),
                    report.fold_of[i].to_string(),
                    u8::from(data.labels[i]).to_string(),
                    report.oof_scores[i].to_string(),
                ]
            });
        output::write_csv(path, &["id", "fold", "label", "score"], rows)?;
    }
    if let Some(path) = &args.folds_out {
        let rows = data
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| [i.to_string(), id.clone(), report.fold_of[i].to_string()]);
        output::write_csv(path, &["row", "id", "fold"], rows)?;
    }
    if let Some(path) = &args.html {
        // The terms of a model fitted on the training records only.
        let keep: Vec<usize> = (0..data.texts.len())
            .filter(|&i| !scored(i) || args.test.is_none())
            .collect();
        let texts: Vec<String> = keep.iter().map(|&i| data.texts[i].clone()).collect();
        let labels: Vec<bool> = keep.iter().map(|&i| data.labels[i]).collect();
        let groups: Vec<Option<&str>> = keep.iter().map(|&i| groups[i]).collect();
        let training = CvInput {
            texts: &texts,
            labels: &labels,
            groups: &groups,
            dense: None,
        };
        let terms = html_report::top_terms(
            &training,
            &args.model,
            std::slice::from_ref(&classifier),
            args.cv.seed,
        );
        let terms = terms.into_iter().next().unwrap_or(Terms::NotLinear);
        let data_path = dataset::display_paths(&args.data);
        // The curves are drawn from the scored records only (not the training-only ones).
        let keep: Vec<usize> = (0..data.labels.len()).filter(|&i| scored(i)).collect();
        let mut shown = report.clone();
        shown.oof_scores = keep.iter().map(|&i| report.oof_scores[i]).collect();
        shown.fold_of = keep.iter().map(|&i| report.fold_of[i]).collect();
        let labels: Vec<bool> = keep.iter().map(|&i| data.labels[i]).collect();
        let page = secdisc_report::render(
            &Report::from_cv(&shown, classifier.name(), &data.name, &labels, terms)
                .with_path(&data_path),
        );
        html_report::write(path, &page)?;
    }
    let prep = args.model.prep.prep();
    let run = RunInfo::new(&data, Some(args.cv.seed), command_started)
        .with_features(&prep, &args.model.tfidf())
        .with_classifier(&classifier);
    output::print_report(&report, Some(&run), args.json, || {
        secdisc_report::terminal::cv_report(&report, &data.name)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The holdout split of `data`, whose file `test_file` (an index into its files) is `test`,
/// and the data set's name for the report (`DATA on TEST`).
fn holdout(data: &mut dataset::Dataset, test_file: usize, test: &Path) -> Split {
    let name = |p: &Path| match p.file_name() {
        Some(n) if p != Path::new("-") => n.to_string_lossy().into_owned(),
        _ => "<stdin>".to_string(),
    };
    let test_name = name(test);
    let trained: Vec<String> = data.files[..test_file]
        .iter()
        .map(|f| name(Path::new(f)))
        .collect();
    data.name = format!("{} on {test_name}", trained.join("+"));
    Split::Holdout {
        name: test_name,
        test: data.file_of.iter().map(|&f| f == test_file).collect(),
    }
}
