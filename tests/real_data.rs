//! Real public data sets from `../shared/datasets` (run when `SECDISC_SHARED` points there;
//! `.ci/run` sets it). Each skips loudly without it, so a fresh clone passes `cargo test`.

use std::path::PathBuf;

use crate::util::{expect_code, stdout, Dir};

fn shared() -> Option<PathBuf> {
    match std::env::var_os("SECDISC_SHARED") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            eprintln!("SKIPPED: set SECDISC_SHARED=../shared to run the real-data tests");
            None
        }
    }
}

/// Floors well below the measured means (README results table), so that a real regression
/// fails but fold noise does not.
#[test]
fn cross_validation_quality_on_every_public_set() {
    let Some(shared) = shared() else { return };
    let d = Dir::new();
    for (name, min_f1, min_auc) in [
        ("matomo_github_issues", 0.34, 0.92),
        ("stackexchange_iot", 0.42, 0.72),
        ("stackexchange_stackoverflow", 0.68, 0.93),
        ("requirements_promise_secreq", 0.84, 0.95),
        ("requirements_pure", 0.64, 0.92),
        ("chromium_farsec", 0.28, 0.90),
    ] {
        let data = shared.join("datasets").join(name).join("data.csv");
        let o = d.run(&[
            "evaluate",
            data.to_str().unwrap(),
            "--folds",
            "5",
            "--seed",
            "1",
            "--json",
        ]);
        expect_code(&o, 0);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let (f1, auc) = (
            v["mean"]["f1"].as_f64().unwrap(),
            v["mean"]["auc"].as_f64().unwrap(),
        );
        assert!(
            f1 >= min_f1 && auc >= min_auc,
            "{name}: F1 {f1:.3} (floor {min_f1}), AUC {auc:.3} (floor {min_auc})"
        );
    }
}

#[test]
fn labels_every_matomo_issue_exactly_once_in_order() {
    let Some(shared) = shared() else { return };
    let d = Dir::new();
    let data = shared.join("datasets/matomo_github_issues/data.csv");
    let model = crate::util::repo().join("models/default.json");
    let o = d.run(&[
        "label",
        "-m",
        model.to_str().unwrap(),
        data.to_str().unwrap(),
        "--format",
        "csv",
        "-o",
        "out.csv",
    ]);
    expect_code(&o, 0);
    let mut input = csv::Reader::from_path(&data).unwrap();
    let ids_in: Vec<String> = input.records().map(|r| r.unwrap()[0].to_string()).collect();
    let mut output = csv::Reader::from_path(d.path("out.csv")).unwrap();
    let ids_out: Vec<String> = output
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    assert_eq!(ids_in.len(), 18_956);
    assert_eq!(ids_in, ids_out);
}

/// Cross-project (issue 12): train on one Stack Exchange set and the corpus, score the other.
#[test]
fn leave_one_file_out_scores_each_held_out_set() {
    let Some(shared) = shared() else { return };
    let d = Dir::new();
    let iot = shared.join("datasets/stackexchange_iot/data.csv");
    let so = shared.join("datasets/stackexchange_stackoverflow/data.csv");
    let corpus = crate::util::repo().join("data/corpus.csv");
    let o = d.run(&[
        "evaluate",
        iot.to_str().unwrap(),
        so.to_str().unwrap(),
        "--train-only",
        corpus.to_str().unwrap(),
        "--split",
        "leave-one-file-out",
        "--json",
    ]);
    expect_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let folds = v["per_fold"].as_array().unwrap();
    assert_eq!(folds.len(), 2);
    assert_eq!(
        v["n"],
        2433 + 2460,
        "the corpus is trained on, never scored"
    );
    for f in folds {
        let auc = f["auc"].as_f64().unwrap();
        assert!(auc > 0.65, "{}: AUC {auc}", f["name"]);
    }
}
