//! `secdisc evaluate`.

use crate::util::{expect_code, stdout, toy_csv, Dir};

#[test]
fn prints_a_classification_report() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(90));
    let o = d.sh("evaluate data.csv --folds 5 --seed 3 --min-df 1");
    expect_code(&o, 0);
    let out = stdout(&o);
    for needle in [
        "precision    recall  f1-score   support",
        "non-security",
        "security",
        "macro avg",
        "roc_auc",
        "g_mean",
        "confusion matrix",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn json_report_has_the_documented_shape_and_is_reproducible() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(90));
    let args = [
        "evaluate", "data.csv", "--folds", "3", "--seed", "9", "--json", "--min-df", "1",
    ];
    let a = d.run(&args);
    expect_code(&a, 0);
    assert_eq!(
        crate::util::results_only(&a.stdout),
        crate::util::results_only(&d.run(&args).stdout)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    assert_eq!(v["folds"], 3);
    assert_eq!(v["seed"], 9);
    assert_eq!(v["n"], 90);
    assert_eq!(v["positives"], 30);
    for k in ["precision", "recall", "f1", "auc", "gmean", "mcc", "pr_auc"] {
        assert!(v["mean"][k].is_number() && v["std"][k].is_number(), "{k}");
    }
    assert_eq!(v["per_fold"].as_array().unwrap().len(), 3);
}

#[test]
fn writes_out_of_fold_predictions_and_folds_keeping_threads_whole() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(60));
    expect_code(
        &d.sh("evaluate data.csv --folds 4 --oof oof.csv --folds-out folds.csv --min-df 1"),
        0,
    );
    let oof = std::fs::read_to_string(d.path("oof.csv")).unwrap();
    let lines: Vec<&str> = oof.lines().collect();
    assert_eq!(lines[0], "id,fold,label,score");
    assert_eq!(lines.len(), 61);
    let folds = std::fs::read_to_string(d.path("folds.csv")).unwrap();
    let fold_of: Vec<String> = folds
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    // toy_csv puts three consecutive records in each thread.
    for chunk in fold_of.chunks(3) {
        assert!(chunk.iter().all(|f| f == &chunk[0]), "{chunk:?}");
    }
}

#[test]
fn ids_with_commas_and_quotes_are_quoted_in_side_files() {
    let d = Dir::new();
    let mut csv = toy_csv(30);
    csv = csv.replacen("r0,", "\"r,0 \"\"x\"\"\",", 1);
    d.write("data.csv", csv);
    expect_code(
        &d.sh("evaluate data.csv --folds 3 --oof oof.csv --min-df 1"),
        0,
    );
    let mut reader = csv::Reader::from_path(d.path("oof.csv")).unwrap();
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[0], "r,0 \"x\"");
    assert_eq!(reader.records().count(), 29);
}
