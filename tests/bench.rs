//! `secdisc bench`: every stage runs and is reported; the defaults and their errors. No timing
//! assertions (speed is measured by the benchmarks, not by tests).

use std::process::{Command, Output, Stdio};

use crate::util::{expect_code, repo, stdout, toy_csv, Dir};

const STAGES: [&str; 6] = [
    "read",
    "tokenize",
    "tfidf_fit",
    "transform",
    "train_lr",
    "label",
];

/// Run `secdisc ARGS` from the repository root, where the default paths resolve.
fn run_in_repo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secdisc"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::null())
        .output()
        .expect("run secdisc")
}

fn stages(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .collect()
}

#[test]
fn bench_prints_every_stage_on_the_shipped_corpus_and_model() {
    let o = run_in_repo(&["bench", "--min-time", "0"]);
    expect_code(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("data/corpus.csv (1061 records"), "{out}");
    assert!(out.contains("models/default.json"), "{out}");
    for stage in STAGES {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(stage))
            .unwrap_or_else(|| panic!("no {stage} line in\n{out}"));
        assert!(!line.contains("skipped"), "{line}");
        // stage, runs, seconds, records/s, MB/s, description.
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert!(fields.len() > 5, "{line}");
        for f in &fields[1..5] {
            assert!(f.parse::<f64>().is_ok(), "{f} in {line}");
        }
    }
}

#[test]
fn bench_json_has_the_rates_of_every_stage() {
    let o = run_in_repo(&["bench", "--json", "--min-time", "0"]);
    expect_code(&o, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(report["records"], 1061);
    assert_eq!(report["data"], "data/corpus.csv");
    assert_eq!(report["model"], "models/default.json");
    assert!(report["threads"].as_u64().unwrap() >= 1);
    assert!(report["text_bytes"].as_u64().unwrap() > 100_000);
    let st = stages(&report);
    let names: Vec<&str> = st.iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(names, STAGES);
    for s in st {
        assert!(s.get("skipped").is_none(), "{s}");
        assert_eq!(s["records"], 1061, "{s}");
        assert!(s["runs"].as_u64().unwrap() >= 1, "{s}");
        for field in ["seconds", "records_per_second", "mb_per_second"] {
            let v = s[field]
                .as_f64()
                .unwrap_or_else(|| panic!("{field} in {s}"));
            assert!(v.is_finite() && v > 0.0, "{field} in {s}");
        }
    }
    let file_bytes = std::fs::metadata(repo().join("data/corpus.csv"))
        .unwrap()
        .len();
    assert_eq!(report["file_bytes"], file_bytes);
    assert_eq!(report["stages"][0]["bytes"], file_bytes);
}

/// Issue 14 item 8: `bench` runs from any directory, on the files of the checkout it was built
/// from (it used to need the repository root); a file given by flag must exist.
#[test]
fn bench_runs_from_any_directory() {
    let d = Dir::new();
    let o = d.sh("bench --min-time 0 --json");
    expect_code(&o, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(!stages(&report).is_empty());
    let err = expect_code(&d.sh("bench --data nope.csv"), 1);
    assert!(err.contains("nope.csv not found"), "{err}");
    assert!(err.contains("--data FILE"), "{err}");
}

#[test]
fn bench_times_a_users_labelled_file() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(60));
    let model = repo().join("models/default.json");
    let model = model.to_str().unwrap();
    let o = d.run(&[
        "bench",
        "--data",
        "data.csv",
        "--model",
        model,
        "--json",
        "--min-time",
        "0",
    ]);
    expect_code(&o, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["records"], 60);
    assert!(stages(&report).iter().all(|s| s.get("skipped").is_none()));
}

#[test]
fn bench_skips_training_on_unlabelled_records_and_times_the_rest() {
    let d = Dir::new();
    let mut input = String::new();
    for i in 0..40 {
        input.push_str(&format!(
            "{{\"id\":\"r{i}\",\"text\":\"rotate the leaked api key {i} and check the token audience\"}}\n"
        ));
    }
    d.write("backlog.jsonl", &input);
    let model = repo().join("models/default.json");
    let model = model.to_str().unwrap();
    let args = [
        "bench",
        "--data",
        "backlog.jsonl",
        "--model",
        model,
        "--min-time",
        "0",
    ];
    let o = d.run(&args);
    expect_code(&o, 0);
    assert!(
        stdout(&o).contains("train_lr   skipped: some records have no label"),
        "{}",
        stdout(&o)
    );
    let o = d.run(&[&args[..], &["--json"]].concat());
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for s in stages(&report) {
        let skipped = s.get("skipped").is_some();
        assert_eq!(skipped, s["stage"] == "train_lr", "{s}");
    }
}

#[test]
fn bench_rejects_a_negative_min_time() {
    let err = expect_code(&run_in_repo(&["bench", "--min-time=-1"]), 2);
    assert!(
        err.contains("expected a number of seconds from 0 to 3600"),
        "{err}"
    );
}
