//! Cross-project evaluation: `evaluate --test`, `evaluate --model` and
//! `--split leave-one-file-out` (issue 12).

use crate::util::{expect_code, fold_names, stdout, toy_csv, Dir};

/// `toy_csv(n)` with ids prefixed, so two files do not share ids.
fn project(prefix: &str, n: usize) -> String {
    toy_csv(n).replace("\nr", &format!("\n{prefix}r"))
}

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).expect("JSON report")
}

#[test]
fn test_flag_fits_on_data_and_scores_only_the_test_file() {
    let d = Dir::new();
    d.write("a.csv", project("a", 60));
    d.write("b.csv", project("b", 30));
    let args = [
        "evaluate", "a.csv", "--test", "b.csv", "--min-df", "1", "--json", "--oof", "oof.csv",
    ];
    let o = d.run(&args);
    expect_code(&o, 0);
    let v = json(&o);
    assert_eq!(v["n"], 30, "the report counts the test records only");
    assert_eq!(v["positives"], 10);
    let folds = v["per_fold"].as_array().unwrap();
    assert_eq!(folds.len(), 1);
    assert_eq!(folds[0]["name"], "b.csv");
    assert_eq!(folds[0]["train"], 60);
    assert_eq!(folds[0]["test"], 30);
    // Separable toy data: the unseen file is labelled well.
    assert!(v["mean"]["auc"].as_f64().unwrap() > 0.9, "{v}");
    let oof = std::fs::read_to_string(d.path("oof.csv")).unwrap();
    assert_eq!(
        oof.lines().count(),
        31,
        "header and one row per test record"
    );
    assert!(oof.lines().skip(1).all(|l| l.starts_with('b')), "{oof}");
    // Reproducible to the byte.
    assert_eq!(
        crate::util::results_only(&o.stdout),
        crate::util::results_only(&d.run(&args).stdout)
    );
}

#[test]
fn test_flag_refuses_a_split_and_a_saved_model() {
    let d = Dir::new();
    d.write("a.csv", project("a", 30));
    d.write("b.csv", project("b", 30));
    let o = d.sh("evaluate a.csv --test b.csv --split leave-one-file-out");
    expect_code(&o, 2);
    let o = d.sh("evaluate a.csv --test b.csv --model m.json");
    expect_code(&o, 2);
}

#[test]
fn model_flag_scores_a_saved_model_like_label_does() {
    let d = Dir::new();
    d.write("a.csv", project("a", 60));
    d.write("b.csv", project("b", 30));
    expect_code(&d.sh("train a.csv -o m.json --min-df 1"), 0);
    let o = d.sh("evaluate --model m.json b.csv --json --oof oof.csv");
    expect_code(&o, 0);
    let v = json(&o);
    assert_eq!(v["n"], 30);
    assert_eq!(v["per_fold"][0]["name"], "b.csv");
    assert!(v["mean"]["auc"].as_f64().unwrap() > 0.9, "{v}");
    // The scores are the ones `label` gives on the same records.
    let labelled = d.sh("label -m m.json b.csv");
    expect_code(&labelled, 0);
    let oof = std::fs::read_to_string(d.path("oof.csv")).unwrap();
    for (row, line) in oof.lines().skip(1).zip(stdout(&labelled).lines()) {
        let score: f64 = row.rsplit(',').next().unwrap().parse().unwrap();
        let label: serde_json::Value = serde_json::from_str(line).unwrap();
        let expected = label["score"].as_f64().unwrap();
        assert!((score - expected).abs() < 1e-4, "{row} vs {line}");
    }
    // The terminal report names the model's threshold.
    let text = d.sh("evaluate -m m.json b.csv");
    assert!(stdout(&text).contains("(the model's)"), "{}", stdout(&text));
}

#[test]
fn model_flag_with_a_file_that_is_no_model_fails_with_a_hint() {
    let d = Dir::new();
    d.write("b.csv", project("b", 30));
    let o = d.sh("evaluate --model b.csv b.csv");
    let err = expect_code(&o, 1);
    assert!(err.contains("not a secdisc model file"), "{err}");
    assert!(err.contains("secdisc train -o"), "{err}");
}

#[test]
fn leave_one_file_out_gives_a_row_per_file_for_evaluate_and_compare() {
    let d = Dir::new();
    std::fs::create_dir_all(d.path("x")).unwrap();
    std::fs::create_dir_all(d.path("y")).unwrap();
    std::fs::create_dir_all(d.path("z")).unwrap();
    d.write("x/data.csv", project("x", 30));
    d.write("y/data.csv", project("y", 30));
    d.write("z/data.csv", project("z", 30));
    let files = ["x/data.csv", "y/data.csv", "z/data.csv"];
    let mut args = vec!["evaluate"];
    args.extend(files);
    args.extend(["--split", "leave-one-file-out", "--min-df", "1", "--json"]);
    let o = d.run(&args);
    expect_code(&o, 0);
    let v = json(&o);
    assert_eq!(fold_names(&v), ["x/data.csv", "y/data.csv", "z/data.csv"]);
    for f in v["per_fold"].as_array().unwrap() {
        assert_eq!(f["train"], 60);
        assert_eq!(f["test"], 30);
    }
    let mut args = vec!["compare"];
    args.extend(files);
    args.extend([
        "--classifiers",
        "lr,nb",
        "--split",
        "leave-one-file-out",
        "--min-df",
        "1",
        "--json",
    ]);
    let o = d.run(&args);
    expect_code(&o, 0);
    let text = stdout(&o);
    assert!(text.contains("y/data.csv"), "{text}");
}

#[test]
fn leave_one_file_out_needs_two_files() {
    let d = Dir::new();
    d.write("a.csv", project("a", 30));
    let o = d.sh("evaluate a.csv --split leave-one-file-out");
    let err = expect_code(&o, 2);
    assert!(err.contains("at least two DATA files"), "{err}");
}
