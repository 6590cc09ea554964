//! `secdisc compare`: several classifiers on identical folds, with significance tests.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use secdisc_train::{compare, ClassifierKind, CompareReport};

use super::cv_args::CvArgs;
use super::dataset;
use super::html_report;
use super::model_args::ModelArgs;
use super::output;
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
    let data = args.cv.load(
        &args.data,
        args.cv.input_format,
        dataset::unlabelled(args.skip_unlabelled),
    )?;
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
    output::print_report(&report, args.json, || render(&report, &data.name))?;
    Ok(ExitCode::SUCCESS)
}

/// The terminal report: one row per classifier (mean ± std of every metric, fit and predict
/// seconds summed over folds), then the pairwise tests.
pub fn render(r: &CompareReport, name: &str) -> String {
    let mut s = String::new();
    let pct = 100.0 * r.positives as f64 / r.n as f64;
    let _ = writeln!(
        s,
        "{name}: {} records, {} security ({pct:.1}%); {} folds x {} repeats, seed {}, threshold {}\n",
        r.n, r.positives, r.folds, r.repeats, r.seed, r.threshold
    );
    // Columns as wide as the longest classifier name (`fasttext`) and pair name.
    let nw = r
        .classifiers
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0)
        .max(6);
    let pw = r
        .tests
        .iter()
        .map(|t| t.a.len() + t.b.len() + 1)
        .max()
        .unwrap_or(0)
        .max(11);
    let _ = writeln!(
        s,
        "{:<nw$} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13} {:>8} {:>8}",
        "model",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "g_mean",
        "mcc",
        "pr_auc",
        "fit s",
        "pred s"
    );
    for c in &r.classifiers {
        let (m, d) = (&c.mean, &c.std);
        let cell = |a: f64, b: f64| format!("{a:.3} ± {b:.3}");
        let _ = writeln!(
            s,
            "{:<nw$} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13} {:>8.2} {:>8.2}",
            c.name,
            cell(m.precision, d.precision),
            cell(m.recall, d.recall),
            cell(m.f1, d.f1),
            cell(m.auc, d.auc),
            cell(m.gmean, d.gmean),
            cell(m.mcc, d.mcc),
            cell(m.pr_auc, d.pr_auc),
            c.fit_seconds,
            c.predict_seconds
        );
    }
    let _ = writeln!(
        s,
        "\npairwise tests over {} folds (Holm-corrected within each metric; * = both tests below 0.05):",
        r.folds * r.repeats
    );
    let _ = writeln!(
        s,
        "{:<7} {:<pw$} {:>10} {:>12} {:>12} {:>8} {:>12} {:>12}",
        "metric", "pair", "mean diff", "wilcoxon p", "holm", "t", "t-test p", "holm"
    );
    for t in &r.tests {
        let _ = writeln!(
            s,
            "{:<7} {:<pw$} {:>+10.4} {:>12.4} {:>12.4} {:>8.3} {:>12.4} {:>12.4}{}",
            t.metric,
            format!("{}-{}", t.a, t.b),
            t.mean_difference,
            t.wilcoxon_p,
            t.wilcoxon_p_holm,
            t.t,
            t.t_p,
            t.t_p_holm,
            if t.significant { " *" } else { "" }
        );
    }
    s
}
