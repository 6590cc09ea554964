//! `secdisc train`: fit TF-IDF + logistic regression on labelled data and write a model file.

use super::choice::choice;
use secdisc_ingest::RecordFormat;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use secdisc_model::{ClassifierInfo, CvSummary, Manifest, ModelBundle};
use secdisc_train::{
    cross_validate, fit_pipeline, CvOptions, FittedPipeline, PipelineSettings, TrainingRecipe,
};

use super::cv_args::TuneArgs;
use super::dataset;
use super::model_args::{classifier_parser, ModelArgs};
use secdisc_train::ClassifierKind;

/// Flags of `secdisc train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// Labelled CSV or JSONL files (`text`, `label`; optional `id`, `source`, `group`), or `-`
    /// for stdin; several files are read in order as one data set (for example the corpus and
    /// a batch from `secdisc suggest` that someone labelled).
    #[arg(required = true, value_name = "DATA")]
    pub data: Vec<PathBuf>,
    /// Leave out records whose `label` is empty instead of stopping at the first one.
    #[arg(long)]
    pub skip_unlabelled: bool,
    /// Where to write the model (written atomically: a crash leaves the old file or the new).
    #[arg(long, short = 'o', value_name = "MODEL")]
    pub output: PathBuf,
    /// Also cross-validate with K folds (at least 2) first and store the metrics in the
    /// model's manifest.
    #[arg(long, value_name = "K",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..))]
    pub cv: Option<usize>,
    /// Seed for cross-validation folds and any randomised solver.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Classifier.
    #[arg(long, value_parser = classifier_parser(), default_value = "lr")]
    pub classifier: ClassifierKind,
    /// Input layout; guessed from the extension, then the first byte.
    #[arg(long, value_parser = choice(&RecordFormat::ALL, RecordFormat::name, RecordFormat::help))]
    pub input_format: Option<RecordFormat>,
    #[command(flatten)]
    pub model: ModelArgs,
    // With --tune, the settings are chosen by nested CV on all the data before the final fit
    // (and `--cv K` repeats that search inside each of its folds).
    #[command(flatten)]
    pub tune: TuneArgs,
}

/// Run `secdisc train`.
pub fn run(args: &TrainArgs) -> anyhow::Result<ExitCode> {
    if args.output == std::path::Path::new("-") {
        crate::cli::usage("a model is written to a file, not standard output: name one, for example -o model.json");
    }
    args.model.check_flags();
    dataset::check_outputs(
        [&args.output],
        args.data.iter().chain(&args.model.static_table),
    )?;
    let mut data = dataset::load_many(
        &args.data,
        args.input_format,
        dataset::unlabelled(args.skip_unlabelled),
    )?;
    let prep = args.model.prep.prep();
    dataset::prepare(&mut data, &prep)?;
    let positives = data.positives();
    let tfidf = args.model.tfidf();
    let classifier = args.model.classifier(args.classifier)?;
    let tune = args.tune.options();
    let groups = data.group_refs();
    let dense = super::vectors::dense_features(&args.model, &data.texts)?;
    let input = data.cv_input(
        &groups,
        dense.as_ref().map(super::vectors::DenseFeatures::input),
    );
    let started = std::time::Instant::now();
    let cv = match args.cv {
        Some(k) => {
            let opts = CvOptions {
                folds: k,
                seed: args.seed,
                threshold: args.model.threshold,
                sampling: args.model.sampling,
                tune: tune.clone(),
                ..CvOptions::default()
            };
            let bar = crate::progress::bar(k as u64, "cross-validating");
            let report = cross_validate(&input, &tfidf, &classifier, &opts, &|| bar.inc(1))
                .with_context(|| {
                    format!(
                        "cannot cross-validate {}",
                        dataset::display_paths(&args.data)
                    )
                })?;
            bar.finish_and_clear();
            eprintln!(
                "secdisc: {k}-fold CV: F1 {:.3} ± {:.3}, ROC AUC {:.3} ± {:.3}",
                report.mean.f1, report.std.f1, report.mean.auc, report.std.auc
            );
            Some(CvSummary {
                folds: k,
                seed: args.seed,
                mean: report.mean,
                std: report.std,
            })
        }
        None => None,
    };
    let FittedPipeline {
        vectorizer,
        model,
        threshold,
        tuned,
    } = fit_pipeline(
        &input,
        &PipelineSettings {
            tfidf: tfidf.clone(),
            classifier: classifier.clone(),
            tune,
            threshold: args.model.threshold,
            sampling: args.model.sampling,
            seed: args.seed,
        },
    )
    .with_context(|| format!("cannot train on {}", dataset::display_paths(&args.data)))?;
    let mut dense = dense;
    let (tfidf, classifier, chosen) = match tuned {
        Some(t) => {
            eprintln!("secdisc: nested-CV search chose {}", t.label);
            // The model's vectors carry the weight the search chose.
            if let (Some(d), Some(w)) = (dense.as_mut(), t.dense_weight) {
                d.block.weight = w;
            }
            (t.tfidf, t.classifier, Some(t.label))
        }
        None => (tfidf, classifier, None),
    };
    let manifest = Manifest {
        secdisc_version: env!("CARGO_PKG_VERSION").to_string(),
        seed: args.seed,
        training_data: data.training_data(),
        classifier: ClassifierInfo {
            name: classifier.name().into(),
            params: TrainingRecipe {
                tfidf: tfidf.clone(),
                classifier: classifier.clone(),
                threshold_rule: args.model.threshold.to_string(),
                tuned: chosen,
                adapted_from: None,
            }
            .to_manifest_params(),
        },
        cv,
    };
    let n_features = vectorizer.n_features();
    let bundle = ModelBundle::with_dense(
        manifest,
        vectorizer,
        dense.map(|d| d.block),
        model,
        threshold,
    )?
    .with_text_prep(prep)?;
    bundle
        .save(&args.output)
        .with_context(|| format!("cannot write the model to {}", args.output.display()))?;
    eprintln!(
        "secdisc: trained {} on {} records ({positives} security), {n_features} features, threshold {threshold:.4}, in {:.2} s; wrote {}",
        classifier.name(),
        data.texts.len(),
        started.elapsed().as_secs_f64(),
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
