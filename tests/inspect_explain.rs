//! `secdisc inspect` and `secdisc explain`.

use crate::util::{expect_code, repo, stdout, toy_csv, Dir};

fn trained(d: &Dir, classifier: &str) {
    d.write("data.csv", toy_csv(60));
    expect_code(
        &d.run(&[
            "train",
            "data.csv",
            "-o",
            "m.json",
            "--min-df",
            "1",
            "--cv",
            "3",
            "--classifier",
            classifier,
        ]),
        0,
    );
}

#[test]
fn inspect_prints_the_manifest_and_the_top_terms() {
    let d = Dir::new();
    trained(&d, "lr");
    let o = d.sh("inspect m.json --top 5");
    expect_code(&o, 0);
    let out = stdout(&o);
    for needle in [
        "model           m.json",
        "written by      secdisc 0.1.0 (format secdisc-model v2)",
        "classifier      lr  c=1.0, class_weight=balanced",
        "model kind      linear, logistic calibration",
        "threshold       0.5000 (rule fixed:0.5)",
        "seed            42",
        "data.csv: 60 records, 20 security, 40 non-security",
        "sha256 ",
        "words 1-2, characters off",
        "min_df=1",
        "cv              3 folds, seed 42",
        "f1 ",
        "top 5 terms towards security:",
        "top 5 terms towards non-security:",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    let security = out
        .split("towards security:\n")
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .unwrap();
    let weights: Vec<f64> = security
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(weights.len(), 5);
    assert!(
        weights.windows(2).all(|w| w[0] >= w[1]) && weights[4] > 0.0,
        "{weights:?}"
    );
}

#[test]
fn inspect_json_has_the_same_facts() {
    let d = Dir::new();
    trained(&d, "svm");
    let o = d.sh("inspect m.json --json --top 3");
    expect_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["format"], "secdisc-model");
    assert_eq!(v["format_version"], 2);
    assert_eq!(v["secdisc_version"], "0.1.0");
    assert_eq!(v["classifier"]["name"], "svm");
    assert_eq!(v["classifier"]["kind"], "linear");
    assert_eq!(v["classifier"]["calibration"]["kind"], "platt");
    assert_eq!(v["classifier"]["linear"], true);
    assert_eq!(v["training_data"]["rows"], 60);
    assert_eq!(v["training_data"]["positives"], 20);
    assert_eq!(v["training_data"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(v["seed"], 42);
    assert_eq!(v["threshold_rule"], "fixed:0.5");
    assert!(v["cv"]["mean"]["f1"].is_number());
    assert!(v["vocabulary"]["size"].as_u64().unwrap() > 10);
    assert_eq!(
        v["vocabulary"]["tfidf"]["ngram_range"],
        serde_json::json!([1, 2])
    );
    let top = &v["top_terms"];
    assert_eq!(top["security"].as_array().unwrap().len(), 3);
    assert_eq!(top["non_security"].as_array().unwrap().len(), 3);
    assert!(top["security"][0]["weight"].as_f64().unwrap() > 0.0);
    assert!(top["non_security"][0]["weight"].as_f64().unwrap() < 0.0);
    // The weights are not dumped.
    assert!(stdout(&o).len() < 10_000);
}

#[test]
fn inspect_reads_the_shipped_model_and_rejects_other_files() {
    let d = Dir::new();
    let model = repo().join("models/default.json");
    let o = d.run(&["inspect", model.to_str().unwrap()]);
    expect_code(&o, 0);
    assert!(
        stdout(&o).contains("78114 records, 2907 security"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("sentence vec.   static"),
        "{}",
        stdout(&o)
    );
    d.write("data.csv", toy_csv(6));
    let e = expect_code(&d.sh("inspect data.csv"), 1);
    assert!(e.contains("data.csv"), "{e}");
    let e = expect_code(&d.sh("inspect missing.json"), 1);
    assert!(e.contains("missing.json"), "{e}");
}

#[test]
fn explain_decomposes_the_score_into_term_contributions() {
    let d = Dir::new();
    trained(&d, "lr");
    let text = "The gateway forwards the JWT without verifying its signature";
    let o = d.run(&["explain", "--model", "m.json", text, "--json", "--top", "0"]);
    expect_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["label"], "security");
    let score = v["score"].as_f64().unwrap();
    let terms = v["terms"].as_array().unwrap();
    assert_eq!(terms.len() as u64, v["terms_total"].as_u64().unwrap());
    let names: Vec<&str> = terms.iter().map(|t| t["term"].as_str().unwrap()).collect();
    // Words as written in the text, the vocabulary's stem beside (issue 14 item 3).
    assert!(names.contains(&"JWT"), "{names:?}");
    let verifying = terms.iter().find(|t| t["term"] == "verifying").unwrap();
    assert_eq!(verifying["stem"], "verifi");
    let sum: f64 = terms
        .iter()
        .map(|t| t["contribution"].as_f64().unwrap())
        .sum();
    let decision = v["decision"].as_f64().unwrap();
    assert!((v["intercept"].as_f64().unwrap() + sum - decision).abs() < 1e-9);
    // Logistic regression: the score is the sigmoid of the decision value.
    assert!((score - 1.0 / (1.0 + (-decision).exp())).abs() < 1e-9);
    let magnitudes: Vec<f64> = terms
        .iter()
        .map(|t| t["contribution"].as_f64().unwrap().abs())
        .collect();
    assert!(
        magnitudes.windows(2).all(|w| w[0] >= w[1]),
        "{magnitudes:?}"
    );
    for t in terms {
        let (w, x, c) = (
            t["weight"].as_f64().unwrap(),
            t["tfidf"].as_f64().unwrap(),
            t["contribution"].as_f64().unwrap(),
        );
        assert!((w * x - c).abs() < 1e-12);
    }
    // The same score as `label` gives.
    d.write(
        "one.jsonl",
        format!("{{\"id\":\"a\",\"text\":\"{text}\"}}\n"),
    );
    let l = d.sh("label --model m.json one.jsonl");
    let row: serde_json::Value = serde_json::from_str(stdout(&l).trim()).unwrap();
    assert!((row["score"].as_f64().unwrap() - score).abs() < 1e-6);

    let o = d.run(&["explain", "-m", "m.json", text, "--top", "2"]);
    expect_code(&o, 0);
    let out = stdout(&o);
    assert!(out.starts_with("security (score "), "{out}");
    assert!(
        out.contains("decision value ") && out.contains("= intercept "),
        "{out}"
    );
    assert!(out.contains(" more terms (--top 0 shows all)"), "{out}");
}

#[test]
fn explain_reads_every_record_of_a_file_or_stdin_and_reports_bad_ones() {
    let d = Dir::new();
    trained(&d, "nb");
    d.write(
        "in.csv",
        "id,text\nr1,Rotate the leaked API key\nr2,\nr3,The dashboard layout breaks\n",
    );
    let o = d.sh("explain --model m.json --input in.csv --json");
    let err = expect_code(&o, 1);
    assert!(err.contains("record `r2` has no text"), "{err}");
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["id"].as_str(), rows[1]["id"].as_str()),
        (Some("r1"), Some("r3"))
    );
    assert_eq!(rows[0]["label"], "security");
    assert_eq!(rows[1]["label"], "non-security");
    assert!(
        rows[0]["terms"].as_array().unwrap().len() <= 10,
        "--top defaults to 10"
    );

    let jsonl = "{\"id\":\"s1\",\"text\":\"Enable mTLS between services\"}\n";
    let o = d.run_stdin(
        &["explain", "-m", "m.json", "-i", "-"],
        Some(jsonl.as_bytes()),
    );
    expect_code(&o, 0);
    assert!(stdout(&o).starts_with("s1: "), "{}", stdout(&o));
}

#[test]
fn explain_needs_exactly_one_of_text_and_input() {
    let d = Dir::new();
    trained(&d, "lr");
    expect_code(&d.sh("explain --model m.json"), 2);
    expect_code(
        &d.run(&[
            "explain",
            "--model",
            "m.json",
            "some text",
            "--input",
            "x.csv",
        ]),
        2,
    );
    let e = expect_code(&d.run(&["explain", "--model", "m.json", "  "]), 1);
    assert!(e.contains("empty"), "{e}");
}
