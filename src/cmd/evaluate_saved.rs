//! `secdisc evaluate --model MODEL DATA`: score a saved model on labelled data at its own
//! threshold, with the metrics and reports of cross-validation (one row, named after the data).

use std::path::Path;
use std::process::ExitCode;

use secdisc_model::ModelBundle;
use secdisc_report::{Report, Terms};
use secdisc_train::metrics::{evaluate, mean_std};
use secdisc_train::{CvReport, FoldResult};

use super::dataset;
use super::evaluate::EvaluateArgs;
use super::html_report;
use super::output;

/// Run `secdisc evaluate --model MODEL DATA`.
pub fn run(
    args: &EvaluateArgs,
    model: &Path,
    command_started: std::time::Instant,
) -> anyhow::Result<ExitCode> {
    let bundle = ModelBundle::load(model)?;
    let data = dataset::load_many(
        &args.data,
        args.cv.input_format,
        dataset::unlabelled(args.skip_unlabelled),
    )?;
    let started = std::time::Instant::now();
    let vectors = super::vectors::for_model(&bundle, args.model.encoder.encoder.as_deref())?;
    let labeler = super::vectors::labeler(&bundle, &vectors)?;
    let texts: Vec<&str> = data.texts.iter().map(String::as_str).collect();
    let scores = labeler.scores(&texts)?;
    eprintln!(
        "secdisc: scored {} records with {} in {:.2} s",
        data.texts.len(),
        model.display(),
        started.elapsed().as_secs_f64()
    );
    let report = saved_model_report(&bundle, &data, &scores);
    if let Some(path) = &args.oof {
        let rows = data.ids.iter().enumerate().map(|(i, id)| {
            [
                id.clone(),
                "0".to_string(),
                u8::from(data.labels[i]).to_string(),
                scores[i].to_string(),
            ]
        });
        output::write_csv(path, &["id", "fold", "label", "score"], rows)?;
    }
    if let Some(path) = &args.html {
        let terms = match secdisc_infer::top_terms(
            &bundle.vectorizer,
            &bundle.classifier,
            html_report::TOP_TERMS,
        ) {
            Some(top) => Terms::Weights(top),
            None => Terms::NotLinear,
        };
        let data_path = dataset::display_paths(&args.data);
        let name = bundle.manifest.classifier.name.clone();
        let page = secdisc_report::render(
            &Report::from_cv(&report, &name, &data.name, &data.labels, terms).with_path(&data_path),
        );
        html_report::write(path, &page)?;
    }
    let run = super::run_info::RunInfo::new(&data, None, command_started)
        .with_features(&bundle.text_prep(), bundle.vectorizer.params())
        .with_classifier(&bundle.manifest.classifier);
    output::print_report(&report, Some(&run), args.json, || {
        secdisc_report::terminal::cv_report(&report, &data.name)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The report of one saved model over `data`: a single "fold" holding every record.
fn saved_model_report(bundle: &ModelBundle, data: &dataset::Dataset, scores: &[f64]) -> CvReport {
    let (metrics, confusion) = evaluate(scores, &data.labels, bundle.threshold);
    let (mean, std) = mean_std(std::slice::from_ref(&metrics));
    let positives = data.positives();
    CvReport {
        folds: 1,
        repeats: 1,
        seed: bundle.manifest.seed,
        n: data.texts.len(),
        positives,
        threshold: format!("fixed:{} (the model's)", bundle.threshold),
        mean,
        std,
        per_fold: vec![FoldResult {
            name: Some(data.name.clone()),
            repeat: 1,
            fold: 1,
            train: 0,
            test: data.texts.len(),
            test_positives: positives,
            features: bundle.vectorizer.n_features(),
            threshold: bundle.threshold,
            chosen: None,
            metrics,
            confusion,
        }],
        oof_scores: scores.to_vec(),
        fold_of: vec![0; data.texts.len()],
    }
}
