//! Cross-validation time: `secdisc evaluate --folds 10` end to end on a data set, as the
//! library runs it (tokenise once, per-fold vocabulary, IDF and L-BFGS fits).
//!
//! `cargo bench --bench evaluate` (set `SECDISC_SHARED=../shared` for the matomo issues).

#[path = "common.rs"]
mod common;

use std::time::Instant;

use secdisc_features::TfidfParams;
use secdisc_train::{
    cross_validate, ClassifierParams, CvInput, CvOptions, LogisticRegressionParams,
};

fn main() {
    let path = common::dataset("matomo_github_issues");
    let started = Instant::now();
    let (texts, labels, groups) = common::read(&path);
    let groups: Vec<Option<&str>> = groups.iter().map(|g| g.as_deref()).collect();
    let input = CvInput {
        texts: &texts,
        labels: &labels,
        groups: &groups,
        dense: None,
    };
    let lr = ClassifierParams::Lr(LogisticRegressionParams::default());
    let opts = CvOptions {
        folds: 10,
        seed: 42,
        ..CvOptions::default()
    };
    let report = cross_validate(&input, &TfidfParams::default(), &lr, &opts, &|| {}).expect("cv");
    println!(
        "evaluate {} ({} records): 10 folds in {:.2} s; F1 {:.3} ± {:.3}, ROC AUC {:.3} ± {:.3}; peak RSS {:.0} MiB",
        path.display(),
        texts.len(),
        started.elapsed().as_secs_f64(),
        report.mean.f1,
        report.std.f1,
        report.mean.auc,
        report.std.auc,
        common::peak_rss_mib()
    );
}
