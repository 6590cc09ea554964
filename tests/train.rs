//! `secdisc train`.

use crate::util::{expect_code, stdout, toy_csv, Dir};

#[test]
fn trains_a_model_with_manifest_and_is_byte_reproducible() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(60));
    expect_code(&d.sh("train data.csv -o a.json --cv 3 --min-df 1"), 0);
    expect_code(&d.sh("train data.csv -o b.json --cv 3 --min-df 1"), 0);
    let a = std::fs::read(d.path("a.json")).unwrap();
    assert_eq!(a, std::fs::read(d.path("b.json")).unwrap());
    let v: serde_json::Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(v["format"], "secdisc-model");
    assert_eq!(v["format_version"], 2);
    let m = &v["manifest"];
    assert_eq!(m["training_data"]["rows"], 60);
    assert_eq!(m["training_data"]["positives"], 20);
    assert_eq!(m["training_data"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(m["cv"]["folds"], 3);
    assert!(m["cv"]["mean"]["f1"].as_f64().unwrap() > 0.9);
    assert_eq!(m["classifier"]["params"]["tfidf"]["min_df"], 1);
}

#[test]
fn reads_jsonl_training_data_from_stdin() {
    let d = Dir::new();
    let mut jsonl = String::new();
    for i in 0..30 {
        let (t, l) = if i % 2 == 0 {
            ("jwt signature not verified", "security")
        } else {
            ("css layout broken", "non-security")
        };
        jsonl.push_str(&format!(
            "{{\"id\":\"{i}\",\"text\":\"{t} {i}\",\"label\":\"{l}\"}}\n"
        ));
    }
    expect_code(
        &d.run_stdin(
            &["train", "-", "-o", "m.json", "--min-df", "1"],
            Some(jsonl.as_bytes()),
        ),
        0,
    );
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path("m.json")).unwrap()).unwrap();
    assert_eq!(v["manifest"]["training_data"]["name"], "<stdin>");
}

#[test]
fn failed_training_leaves_the_old_model_untouched() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    expect_code(&d.sh("train data.csv -o m.json --min-df 1"), 0);
    let before = std::fs::read(d.path("m.json")).unwrap();
    d.write("bad.csv", "text,label\nsome text,1\nother,2\n");
    let err = expect_code(&d.sh("train bad.csv -o m.json"), 1);
    assert!(err.contains("bad.csv:3"), "{err}");
    assert_eq!(std::fs::read(d.path("m.json")).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(d.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

/// The registry's smallest classifier (issue 11): no flags of its own, yet trainable,
/// comparable, tunable and listed in `--help`.
#[test]
fn centroid_from_the_registry_trains_labels_and_tunes() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(60));
    let o = d.sh("train data.csv -o m.json --classifier centroid --min-df 1");
    expect_code(&o, 0);
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path("m.json")).unwrap()).unwrap();
    assert_eq!(model["manifest"]["classifier"]["name"], "centroid");
    let o = d.sh("label -m m.json data.csv");
    expect_code(&o, 0);
    assert_eq!(stdout(&o).lines().count(), 60);
    let o = d.sh("compare data.csv --classifiers lr,centroid --folds 3 --tune --min-df 1 --json");
    expect_code(&o, 0);
    assert!(stdout(&o).contains("beta="), "{}", stdout(&o));
    let help = stdout(&d.sh("train --help"));
    assert!(
        help.contains("centroid:") && help.contains("Rocchio"),
        "{help}"
    );
}
