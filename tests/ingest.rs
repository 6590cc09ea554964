//! `secdisc ingest`.

use crate::util::{expect_code, repo, stdout, Dir};

fn fixture(name: &str) -> String {
    repo()
        .join("tests/fixtures/ingest")
        .join(name)
        .display()
        .to_string()
}

fn records(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).expect("one JSON record per line"))
        .collect()
}

#[test]
fn readme_sample_ingests_to_labelled_paragraphs_on_stdout() {
    let d = Dir::new();
    let o = d.run(&[
        "ingest",
        &fixture("github_issues_sample.json"),
        &fixture("github_issue_comments_sample.json"),
        "--label-from-tags",
        "--inherit-labels",
    ]);
    let err = expect_code(&o, 0);
    assert!(
        err.contains("2 input(s), 21 items read, 51 paragraph units out"),
        "{err}"
    );
    assert!(err.contains("records dropped: bot 1"), "{err}");
    let rows = records(&stdout(&o));
    assert_eq!(rows.len(), 51);
    assert_eq!(rows[0]["id"], "github:acme/storefront#101/p1");
    assert_eq!(rows[0]["label"], "security");
    for r in &rows {
        for key in ["id", "source", "kind", "group", "text", "label"] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
    }
}

#[test]
fn output_file_is_written_atomically_and_not_left_on_failure() {
    let d = Dir::new();
    let o = d.run(&["ingest", &fixture("jira_export.xml"), "-o", "out.jsonl"]);
    expect_code(&o, 0);
    assert!(stdout(&o).is_empty());
    let written = std::fs::read_to_string(d.path("out.jsonl")).unwrap();
    assert_eq!(records(&written).len(), 6);

    d.write("cut.json", "[{\"number\": 1, \"html_url\": \"https://github.com/o/r/issues/1\", \"body\": \"fine\"},\n{\"number\": 2, \"bo");
    let o = d.sh("ingest cut.json -o bad.jsonl");
    let err = expect_code(&o, 1);
    assert!(
        err.contains("cut.json:2") && err.contains("truncated"),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(d.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("bad"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn reads_stdin_and_prints_json_summary() {
    let d = Dir::new();
    let xml = std::fs::read(fixture("shop.stackexchange.com/Posts.xml")).unwrap();
    let o = d.run_stdin(
        &[
            "ingest",
            "-",
            "--source",
            "shop.stackexchange.com",
            "--json",
            "--summary",
            "s.json",
        ],
        Some(&xml),
    );
    let err = expect_code(&o, 0);
    let summary: serde_json::Value =
        serde_json::from_str(&err).expect("--json prints one JSON object");
    assert_eq!(summary["units_out"], 7);
    assert_eq!(summary["records_by_kind"]["question"], 2);
    assert_eq!(summary["inputs"][0]["name"], "<stdin>");
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path("s.json")).unwrap()).unwrap();
    assert_eq!(file, summary);
    assert_eq!(
        records(&stdout(&o))[0]["id"],
        "stackexchange:shop.stackexchange.com/q/1/p1"
    );
}

#[test]
fn keep_going_reports_skips_and_fails_unless_allowed() {
    let d = Dir::new();
    d.write(
        "page.json",
        "[{\"number\": 1, \"html_url\": \"https://github.com/o/r/issues/1\", \"body\": \"Tokens leak.\"},\n {\"title\": \"no number\"}]",
    );
    let o = d.sh("ingest page.json");
    let err = expect_code(&o, 1);
    assert!(
        err.contains("page.json:2") && err.contains("number"),
        "{err}"
    );
    let o = d.sh("ingest page.json --keep-going");
    let err = expect_code(&o, 1);
    assert!(err.contains("skipped after errors: 1"), "{err}");
    assert!(err.contains("--allow-skips"), "{err}");
    assert_eq!(records(&stdout(&o)).len(), 1);
    let o = d.sh("ingest page.json --keep-going --allow-skips");
    expect_code(&o, 0);
}

#[test]
fn usage_errors_exit_2_and_data_errors_exit_1() {
    let d = Dir::new();
    expect_code(&d.sh("ingest x.json --format yaml"), 2);
    expect_code(&d.sh("ingest x.json --allow-skips"), 2);
    expect_code(&d.sh("ingest"), 2);
    let o = d.run(&["ingest", &fixture("jira_export.csv"), "--format", "github"]);
    let err = expect_code(&o, 1);
    assert!(
        err.contains("--format github") && err.contains("CSV"),
        "{err}"
    );
    let err = expect_code(&d.sh("ingest missing.json"), 1);
    assert!(err.contains("missing.json"), "{err}");
}

#[test]
fn units_dedup_and_code_flags() {
    let d = Dir::new();
    let issues = fixture("github_issues_sample.json");
    let o = d.run(&[
        "ingest", &issues, &issues, "--dedup", "exact", "--unit", "comment", "--code", "drop",
        "--json",
    ]);
    let err = expect_code(&o, 0);
    let summary: serde_json::Value = serde_json::from_str(&err).unwrap();
    assert_eq!(summary["units_out"], 15);
    assert_eq!(summary["units_dropped"]["duplicate"], 15);
    assert!(!stdout(&o).contains("[CODE]"));
}

/// Library errors state the facts; the binary adds the flag that fixes them (issue 11).
#[test]
fn a_missing_text_field_is_answered_with_the_flag_that_names_it() {
    let d = Dir::new();
    d.write(
        "comments.json",
        b"[\n{\"issue_number\": 7, \"comment_body\": \"tokens leak\", \"author\": \"a\"}\n]",
    );
    let err = expect_code(&d.sh("ingest comments.json"), 1);
    assert!(
        err.contains("author, comment_body, issue_number") && err.contains("--text-field"),
        "{err}"
    );
}
