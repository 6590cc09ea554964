//! `secdisc adapt --model BASE LABELS -o MODEL`: a model for a new project from a base model
//! and a few hundred of the project's labels (see `secdisc_train::adapt`).

use super::choice::choice;
use secdisc_ingest::RecordFormat;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use secdisc_model::{
    ClassifierInfo, ClassifierModel, DenseBlock, DenseSource, Manifest, ModelBundle,
};
use secdisc_train::{
    adapt, AdaptParams, AdaptedFrom, ClassifierParams, LogisticRegressionParams, ThresholdRule,
    TrainingRecipe, BASE_COLUMN_WEIGHT,
};

use super::dataset;
use super::model_args::parse_rule;

/// Flags of `secdisc adapt`.
#[derive(Debug, clap::Args)]
pub struct AdaptArgs {
    /// The base model (from `secdisc train`, for example `models/default.json`): any
    /// classifier, carried inside the adapted model.
    #[arg(long, short = 'm', value_name = "MODEL")]
    pub model: PathBuf,
    /// Labelled records of the new project (CSV or JSONL with `text` and `label`; `group`
    /// keeps threads together in the inner folds), or `-` for stdin.
    #[arg(required = true, value_name = "LABELS")]
    pub labels: Vec<PathBuf>,
    /// Where to write the adapted model (atomically).
    #[arg(long, short = 'o', value_name = "MODEL")]
    pub output: PathBuf,
    /// Inverse regularisation of the project's own term weights: larger lets its labels move
    /// the model further from the base.
    #[arg(long = "c", default_value_t = 1.0, value_name = "C")]
    pub c: f64,
    /// Threshold rule, chosen on out-of-fold predictions of the labels.
    #[arg(long, default_value = "max-f1", value_name = "RULE", value_parser = parse_rule)]
    pub threshold: ThresholdRule,
    /// Inner folds for the threshold.
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub folds: usize,
    /// Seed of the inner folds.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Input layout; guessed from the extension, then the first byte.
    #[arg(long, value_parser = choice(&RecordFormat::ALL, RecordFormat::name, RecordFormat::help))]
    pub input_format: Option<RecordFormat>,
}

/// Run `secdisc adapt`.
pub fn run(args: &AdaptArgs) -> anyhow::Result<ExitCode> {
    if args.output == std::path::Path::new("-") {
        crate::cli::usage("a model is written to a file, not standard output: name one, for example -o adapted.json");
    }
    dataset::check_outputs([&args.output], args.labels.iter().chain([&args.model]))?;
    let base_bytes = std::fs::read(&args.model)
        .with_context(|| format!("cannot read the base model {}", args.model.display()))?;
    let bundle = ModelBundle::load(&args.model)?;
    if bundle.dense.as_ref().is_some_and(|d| d.needs_encoder()) {
        bail!(
            "{}: the model reads sentence vectors from an encoder given at run time, which an adapted model cannot carry; adapt a model that carries everything it scores with",
            args.model.display()
        );
    }
    let mut data =
        dataset::load_many(&args.labels, args.input_format, dataset::Unlabelled::Reject)?;
    // The labels are read as the base reads a text; the adapted model reads them so too.
    let prep = bundle.text_prep.clone();
    if let Some(prep) = &prep {
        dataset::prepare(&mut data, prep)?;
    }
    let texts: Vec<&str> = data.texts.iter().map(String::as_str).collect();
    let base_log_odds = bundle.log_odds(&texts)?;
    // The project's own vocabulary, with the base model's TF-IDF settings.
    let vectorizer = bundle
        .vectorizer
        .params()
        .clone()
        .check()
        .and_then(|p| p.fit(&texts))
        .with_context(|| format!("cannot fit a vocabulary on {}", data.name))?;
    let x = vectorizer.transform(&texts);
    let lr = LogisticRegressionParams::default().c(args.c);
    let params = AdaptParams {
        lr: lr.clone(),
        threshold: args.threshold,
        inner_folds: args.folds,
        seed: args.seed,
    };
    let adapted = adapt(
        &x,
        &base_log_odds,
        &data.labels,
        &data.group_refs(),
        &params,
    )
    .with_context(|| format!("cannot adapt to {}", dataset::display_paths(&args.labels)))?;
    let positives = data.positives();
    let base_name = args
        .model
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let manifest = Manifest {
        secdisc_version: env!("CARGO_PKG_VERSION").to_string(),
        seed: args.seed,
        training_data: data.training_data(),
        classifier: ClassifierInfo {
            name: "lr".into(),
            params: TrainingRecipe {
                tfidf: vectorizer.params().clone(),
                classifier: ClassifierParams::Lr(lr),
                threshold_rule: args.threshold.to_string(),
                tuned: None,
                adapted_from: Some(AdaptedFrom {
                    model: base_name.clone(),
                    sha256: secdisc_train::sha256_hex(&base_bytes),
                    base_weight: adapted.base_weight,
                }),
            }
            .to_manifest_params(),
        },
        cv: None,
    };
    let base = DenseBlock {
        source: DenseSource::Model {
            model: Box::new(bundle),
        },
        dim: 1,
        weight: BASE_COLUMN_WEIGHT,
        tfidf_weight: 1.0,
    };
    let out = ModelBundle::with_dense(
        manifest,
        vectorizer,
        Some(base),
        ClassifierModel::Linear {
            model: adapted.model,
            calibration: secdisc_model::Calibration::Logistic,
        },
        adapted.threshold,
    )?;
    let out = match prep {
        Some(prep) => out.with_text_prep(prep)?,
        None => out,
    };
    out.save(&args.output)
        .with_context(|| format!("cannot write the model to {}", args.output.display()))?;
    eprintln!(
        "secdisc: adapted {base_name} to {} labelled records ({positives} security): base log-odds weight {:.3}, threshold {:.4} ({}); wrote {}",
        data.texts.len(),
        adapted.base_weight,
        adapted.threshold,
        args.threshold,
        args.output.display()
    );
    if adapted.base_weight < 0.0 {
        // Measured in benches/active_learning (cross_project_summary.md): labels picked only
        // near the base model's threshold can make the fit turn the base ranking around.
        eprintln!(
            "secdisc: warning: the labels gave the base model's log-odds a negative weight, so the adapted model ranks against the base; labels picked only near its threshold (suggest --strategy uncertainty) do this: add a batch of randomly chosen records and adapt again"
        );
    }
    Ok(ExitCode::SUCCESS)
}
