//! `secdisc label`.

use crate::util::{expect_code, repo, stderr, stdout, toy_csv, Dir};

fn trained(d: &Dir) {
    d.write("data.csv", toy_csv(60));
    expect_code(&d.sh("train data.csv -o m.json --min-df 1"), 0);
}

#[test]
fn one_row_per_record_in_input_order_with_errors_for_empty_text() {
    let d = Dir::new();
    trained(&d);
    let mut input = String::new();
    for i in 0..20_000 {
        match i % 1000 {
            7 => input.push_str(&format!("{{\"id\":\"r{i}\",\"text\":\"\"}}\n")),
            8 => input.push_str(&format!("{{\"id\":\"r{i}\"}}\n")),
            9 => input.push_str("{\"id\": broken json\n"),
            _ => input.push_str(&format!(
                "{{\"id\":\"r{i}\",\"text\":\"jwt signature not verified {i}\"}}\n"
            )),
        }
    }
    d.write("in.jsonl", &input);
    let o = d.sh("label --model m.json in.jsonl");
    let err = expect_code(&o, 1);
    assert!(err.contains("60 errors"), "{err}");
    let out = stdout(&o);
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 20_000);
    for (i, row) in rows.iter().enumerate() {
        match i % 1000 {
            7 | 8 => {
                assert_eq!(row["id"], format!("r{i}"));
                assert_eq!(row["error"], "record has no text");
            }
            9 => {
                assert_eq!(row["id"], format!("in.jsonl:{}", i + 1));
                assert!(row["error"].as_str().unwrap().contains("malformed JSON"));
            }
            _ => {
                assert_eq!(row["id"], format!("r{i}"));
                assert_eq!(row["label"], "security");
                assert!(row["score"].as_f64().unwrap() > 0.5);
                assert!(row.get("error").is_none());
            }
        }
    }
}

#[test]
fn labelling_one_record_alone_gives_the_same_row_as_in_a_batch() {
    let d = Dir::new();
    trained(&d);
    let records =
        "id,text\na,Rotate the leaked API key\nb,Typo in README\nc,\"Enable mTLS, then rotate\"\n";
    d.write("in.csv", records);
    let batch = stdout(&d.sh("label -m m.json in.csv"));
    let lines: Vec<&str> = batch.lines().collect();
    for (i, line) in records.lines().skip(1).enumerate() {
        d.write("one.csv", format!("id,text\n{line}\n"));
        assert_eq!(
            stdout(&d.sh("label -m m.json one.csv")).trim_end(),
            lines[i]
        );
    }
}

#[test]
fn csv_output_to_a_file_and_stdin_input() {
    let d = Dir::new();
    trained(&d);
    let o = d.run_stdin(
        &[
            "label", "-m", "m.json", "-", "--format", "csv", "-o", "out.csv",
        ],
        Some(b"id,text\nx,jwt token not verified\n"),
    );
    expect_code(&o, 0);
    let out = std::fs::read_to_string(d.path("out.csv")).unwrap();
    assert!(
        out.starts_with("id,label,score,terms,error\nx,security,"),
        "{out}"
    );
}

#[test]
fn shipped_model_labels_the_shipped_backlog() {
    let d = Dir::new();
    let model = repo().join("models/default.json");
    let backlog = repo().join("data/backlog.jsonl");
    let o = d.run(&[
        "label",
        "--model",
        model.to_str().unwrap(),
        backlog.to_str().unwrap(),
    ]);
    expect_code(&o, 0);
    let n_in = std::fs::read_to_string(&backlog)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    let out = stdout(&o);
    assert_eq!(out.lines().count(), n_in);
    assert!(out.contains("\"label\":\"security\"") && out.contains("\"label\":\"non-security\""));
}

/// The README's main command: a tracker export through `ingest` into `label`, with the
/// shipped model; every paragraph gets exactly one row, in order.
#[test]
fn readme_journey_export_to_labelled_paragraphs() {
    let d = Dir::new();
    let fixtures = repo().join("tests/fixtures/ingest");
    let issues = fixtures.join("github_issues_sample.json");
    let comments = fixtures.join("github_issue_comments_sample.json");
    let ingested = d.run(&[
        "ingest",
        issues.to_str().unwrap(),
        comments.to_str().unwrap(),
    ]);
    expect_code(&ingested, 0);
    let model = repo().join("models/default.json");
    let labelled = d.run_stdin(
        &["label", "--model", model.to_str().unwrap(), "-"],
        Some(&ingested.stdout),
    );
    expect_code(&labelled, 0);
    let ids_in: Vec<String> = stdout(&ingested)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let rows: Vec<serde_json::Value> = stdout(&labelled)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(ids_in.len() > 20, "{} paragraphs", ids_in.len());
    assert_eq!(
        rows.iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>(),
        ids_in
    );
    assert!(
        rows.iter().any(|r| r["label"] == "security")
            && rows.iter().any(|r| r["label"] == "non-security")
    );
}

/// Issue 14 item 2: the threshold and an abstain band are chosen when labelling; `uncertain`
/// rows read back in `report` and `--resume`; bad values are usage errors.
#[test]
fn threshold_and_abstain_band_decide_at_labelling_time() {
    let d = Dir::new();
    let model = crate::util::repo().join("models/default.json");
    let model = model.to_str().unwrap();
    d.write(
        "t.jsonl",
        "{\"id\":\"a\",\"text\":\"Rotate the leaked API key and verify the JWT signature\"}\n\
         {\"id\":\"b\",\"text\":\"Typo in the README\"}\n",
    );
    let labels = |extra: &str| -> Vec<String> {
        let o = d.sh(&format!("label -m {model} t.jsonl {extra}"));
        expect_code(&o, 0);
        stdout(&o)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["label"].to_string())
            .collect()
    };
    assert_eq!(labels(""), ["\"security\"", "\"non-security\""]);
    assert_eq!(labels("--threshold 0"), ["\"security\"", "\"security\""]);
    assert_eq!(
        labels("--threshold 1"),
        ["\"non-security\"", "\"non-security\""]
    );
    assert_eq!(labels("--abstain 0-1"), ["\"uncertain\"", "\"uncertain\""]);
    let o = d.sh(&format!(
        "label -m {model} t.jsonl --abstain 0.0-0.5 -o l.jsonl"
    ));
    expect_code(&o, 0);
    assert!(
        stderr(&o).contains("1 security, 1 uncertain"),
        "{}",
        stderr(&o)
    );
    // The rows read back: the backlog report, and --resume of a finished file.
    expect_code(&d.sh("report --records t.jsonl l.jsonl --json"), 0);
    let finished = std::fs::read(d.path("l.jsonl")).unwrap();
    let o = d.sh(&format!(
        "label -m {model} t.jsonl --abstain 0.0-0.5 -o l.jsonl --resume"
    ));
    expect_code(&o, 0);
    assert_eq!(std::fs::read(d.path("l.jsonl")).unwrap(), finished);
    for bad in [
        "--threshold 1.5",
        "--threshold=-0.1",
        "--abstain 0.7-0.3",
        "--abstain 0.5",
    ] {
        let e = expect_code(&d.sh(&format!("label -m {model} t.jsonl {bad}")), 2);
        assert!(
            e.contains(bad.split([' ', '=']).next().unwrap()),
            "{bad}: {e}"
        );
    }
}
