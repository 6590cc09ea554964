//! Every format, on hand-written fixtures in `tests/fixtures/ingest/` at the workspace root.

use std::io::Write;
use std::path::PathBuf;

use secdisc_ingest::{
    DedupMode, ExportFormat, FieldMap, IngestParams, Inheritance, Kind, Label, LabelSource, Markup,
    Record, SecurityTags, Summary, Unit,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/ingest")
        .join(name)
}

fn run(params: IngestParams, files: &[&str]) -> (Vec<Record>, Summary) {
    let mut ingester = params.build().unwrap();
    let mut out: Vec<Record> = Vec::new();
    let paths: Vec<PathBuf> = files.iter().map(|f| fixture(f)).collect();
    ingester.ingest_paths(&paths, &mut out).unwrap();
    let summary = ingester.finish(&mut out).unwrap();
    (out, summary)
}

fn labelled() -> IngestParams {
    IngestParams::default()
        .labels(LabelSource::FromTags(SecurityTags::builtin()))
        .inherit(Inheritance::FromThread)
}

fn texts(records: &[Record]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r.text.as_deref().unwrap_or(""))
        .collect()
}

#[test]
fn github_issue_page_and_comments() {
    // Comments listed first: they are still read after the issue page and inherit its label.
    let (out, s) = run(
        labelled(),
        &[
            "github_issue_comments_sample.json",
            "github_issues_sample.json",
        ],
    );
    assert_eq!(s.records_in, 21);
    assert_eq!(s.records_by_kind["issue"], 15);
    assert_eq!(s.records_by_kind["comment"], 5);
    assert_eq!(s.records_dropped["bot"], 1);
    let first = &out[0];
    assert_eq!(first.id, "github:acme/storefront#101/p1");
    assert_eq!(first.source.as_deref(), Some("github/acme/storefront"));
    assert_eq!(first.kind.as_deref(), Some("issue"));
    assert_eq!(first.group.as_deref(), Some("github:acme/storefront#101"));
    assert_eq!(first.author.as_deref(), Some("ana-k"));
    assert_eq!(
        first.url.as_deref(),
        Some("https://github.com/acme/storefront/issues/101")
    );
    assert_eq!(first.label, Some(Label::Security));
    // Quoted reply dropped, signature dropped, slash commands dropped.
    let c7001: Vec<_> = out
        .iter()
        .filter(|r| r.id.contains("/comment/7001/"))
        .collect();
    assert_eq!(c7001.len(), 2);
    assert_eq!(
        c7001[1].text.as_deref(),
        Some("Inventory does, but with the wrong value.")
    );
    assert_eq!(c7001[0].label, Some(Label::Security));
    let c7005: Vec<_> = out
        .iter()
        .filter(|r| r.id.contains("/comment/7005/"))
        .collect();
    assert_eq!(texts(&c7005.into_iter().cloned().collect::<Vec<_>>()), vec![
        "Confirmed on staging: with two test accounts I could read each other's orders. Marking as critical."
    ]);
    assert!(!out.iter().any(|r| r.id.contains("/comment/7006/")));
    // Code and stack traces are placeholders; the list stays one paragraph; URLs are tokens.
    let i102: Vec<_> = out
        .iter()
        .filter(|r| r.group.as_deref() == Some("github:acme/storefront#102"))
        .collect();
    assert!(i102.iter().any(|r| r.text.as_deref()
        == Some("- create a new session\n- call POST /orders with an empty cart [CODE]")));
    assert!(out
        .iter()
        .any(|r| r.text.as_deref() == Some("See [URL] for the token exchange flow.")));
    // HTML comments from templates vanish.
    assert!(!out
        .iter()
        .any(|r| r.text.as_deref().unwrap_or("").contains("Please describe")));
    let security_issues: std::collections::BTreeSet<_> = out
        .iter()
        .filter(|r| r.kind.as_deref() == Some("issue") && r.label == Some(Label::Security))
        .map(|r| r.group.clone())
        .collect();
    assert_eq!(security_issues.len(), 6);
}

#[test]
fn review_comments_group_by_pull_request() {
    let (out, _) = run(IngestParams::default(), &["github_review_comments.json"]);
    assert_eq!(
        out[0].id,
        "github:acme/storefront#106/review_comment/8001/p1"
    );
    assert_eq!(out[0].kind.as_deref(), Some("review_comment"));
    assert_eq!(out[0].group.as_deref(), Some("github:acme/storefront#106"));
}

#[test]
fn gharchive_events_plain_and_gzipped() {
    let (plain, s) = run(labelled(), &["gharchive_events.jsonl"]);
    assert_eq!(s.records_in, 7);
    assert_eq!(s.records_dropped["not_conversation"], 1);
    assert_eq!(s.records_dropped["bot"], 1);
    assert_eq!(
        plain
            .iter()
            .filter(|r| r.id == "github:acme/storefront#201/p1")
            .count(),
        1,
        "repeated IssuesEvent read once"
    );
    let comment = plain
        .iter()
        .find(|r| r.id.contains("/comment/9001/"))
        .unwrap();
    assert_eq!(
        comment.label,
        Some(Label::Security),
        "label from the event's issue"
    );
    let review = plain
        .iter()
        .find(|r| r.id.contains("/review_comment/9002/"))
        .unwrap();
    assert_eq!(review.group.as_deref(), Some("github:acme/storefront#202"));

    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("2024-05-01-10.json.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&std::fs::read(fixture("gharchive_events.jsonl")).unwrap())
        .unwrap();
    enc.finish().unwrap();
    let mut ingester = labelled().build().unwrap();
    let mut zipped: Vec<Record> = Vec::new();
    ingester.ingest_path(&gz, &mut zipped).unwrap();
    assert_eq!(zipped, plain);
}

#[test]
fn jira_search_v2_wiki() {
    let (out, s) = run(labelled(), &["jira_search_v2.json"]);
    assert_eq!(s.records_by_kind["jira_issue"], 2);
    assert_eq!(s.records_by_kind["jira_comment"], 2);
    assert_eq!(
        texts(&out[..5]),
        vec![
            "Broker accepts unauthenticated producers on the internal listener",
            "The internal listener has no SASL configured, so any pod in the namespace can publish to the orders topic. [CODE]",
            "Proposal",
            "- enable SASL/SCRAM on INTERNAL\n- add ACLs per service account",
            "See the hardening guide.",
        ]
    );
    assert_eq!(
        out[0].url.as_deref(),
        Some("https://jira.example.org/browse/SHOP-12")
    );
    let c = out
        .iter()
        .find(|r| r.id == "jira:SHOP-12/comment/501/p1")
        .unwrap();
    assert_eq!(
        c.text.as_deref(),
        Some("Including the batch jobs, which run third-party code. Raising priority.")
    );
    assert_eq!(c.label, Some(Label::Security));
    assert_eq!(out.last().unwrap().label, Some(Label::NonSecurity));
}

#[test]
fn jira_v3_adf_grouped_by_key() {
    let (out, s) = run(IngestParams::default(), &["jira_comments_v3_adf.json"]);
    assert_eq!(s.records_by_kind["jira_comment"], 1);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].id, "jira:SHOP-21/comment/601/p1");
    assert_eq!(
        out[0].text.as_deref(),
        Some("The reset link is valid for 30 days; it should expire after one hour and after first use. [CODE]")
    );
    assert_eq!(
        out[0].url.as_deref(),
        Some("https://example.atlassian.net/browse/SHOP-21?focusedCommentId=601")
    );
}

#[test]
fn jira_xml_rss() {
    let (out, s) = run(labelled(), &["jira_export.xml"]);
    assert_eq!(s.records_in, 2);
    assert_eq!(out[1].text.as_deref(), Some("The shared orders database password has not changed since 2021 and is known to former contractors."));
    assert_eq!(out[0].label, Some(Label::Security));
    assert_eq!(
        out.last().unwrap().text.as_deref(),
        Some("Write down the rollback steps & who to call.")
    );
    assert_eq!(out.last().unwrap().label, Some(Label::NonSecurity));
    assert!(out
        .iter()
        .any(|r| r.id == "jira:OPS-2/comment/30010/p1" && r.label == Some(Label::Security)));
}

#[test]
fn jira_csv_repeated_columns() {
    let (out, s) = run(labelled(), &["jira_export.csv"]);
    assert_eq!(s.records_in, 3);
    assert_eq!(s.records_by_kind["jira_comment"], 2);
    let c1 = out
        .iter()
        .find(|r| r.id == "jira:OPS-7/comment/1/p1")
        .unwrap();
    assert_eq!(c1.author.as_deref(), Some("fatima"));
    assert_eq!(c1.created_at.as_deref(), Some("01/Mar/24 11:00 AM"));
    assert_eq!(
        c1.text.as_deref(),
        Some("Confirmed, restricting it to the VPN range; also adding rate limiting.")
    );
    assert_eq!(c1.label, Some(Label::Security));
}

#[test]
fn stackexchange_dump_posts_then_comments() {
    let (out, s) = run(
        labelled(),
        &[
            "shop.stackexchange.com/Comments.xml",
            "shop.stackexchange.com/Posts.xml",
        ],
    );
    assert_eq!(s.records_dropped["not_conversation"], 1, "tag wiki row");
    let ids: Vec<_> = out.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "stackexchange:shop.stackexchange.com/q/1/p1",
            "stackexchange:shop.stackexchange.com/q/1/p2",
            "stackexchange:shop.stackexchange.com/q/1/p3",
            "stackexchange:shop.stackexchange.com/a/2/p1",
            "stackexchange:shop.stackexchange.com/a/2/p2",
            "stackexchange:shop.stackexchange.com/q/3/p1",
            "stackexchange:shop.stackexchange.com/q/3/p2",
            "stackexchange:shop.stackexchange.com/c/21/p1",
            "stackexchange:shop.stackexchange.com/c/22/p1",
        ]
    );
    assert_eq!(out[3].text.as_deref(), Some("Use mutual TLS with short-lived certificates, and give each service its own identity. [CODE]"));
    assert_eq!(
        out[3].group.as_deref(),
        Some("stackexchange:shop.stackexchange.com/q/1")
    );
    assert_eq!(out[3].label, Some(Label::Security));
    assert_eq!(
        out[5].label,
        Some(Label::NonSecurity),
        "`|a|b|` tags parsed"
    );
    assert_eq!(
        out[7].group.as_deref(),
        Some("stackexchange:shop.stackexchange.com/q/1"),
        "comment on an answer finds its question"
    );
    assert_eq!(out[7].label, Some(Label::Security));
    assert_eq!(
        out[0].url.as_deref(),
        Some("https://shop.stackexchange.com/q/1")
    );
}

#[test]
fn stackexchange_from_stdin_like_reader_streams() {
    let xml = std::fs::read(fixture("shop.stackexchange.com/Posts.xml")).unwrap();
    let mut ingester = IngestParams::default()
        .source(Some("shop.stackexchange.com".into()))
        .build()
        .unwrap();
    let mut out: Vec<Record> = Vec::new();
    ingester
        .ingest_reader("<stdin>", Box::new(std::io::Cursor::new(xml)), &mut out)
        .unwrap();
    assert_eq!(out[0].id, "stackexchange:shop.stackexchange.com/q/1/p1");
}

#[test]
fn sede_posts_and_comments() {
    let (out, _) = run(
        labelled().source(Some("stackoverflow.com".into())),
        &["sede_posts.csv"],
    );
    assert_eq!(
        out[1].text.as_deref(),
        Some("Is it safe to store JWTs in localStorage?")
    );
    assert_eq!(out[3].id, "stackexchange:stackoverflow.com/a/502/p1");
    assert_eq!(out[3].label, Some(Label::Security));
    assert_eq!(out.last().unwrap().label, Some(Label::NonSecurity));
    let (out, s) = run(IngestParams::default(), &["sede_comments.csv"]);
    assert_eq!(s.paragraphs_dropped["no_prose"], 1, "`+1` has no prose");
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].group.as_deref(),
        Some("stackexchange:stackoverflow.com/q/501")
    );
}

#[test]
fn generic_csv_and_json_with_mapped_columns() {
    let (out, _) = run(IngestParams::default(), &["generic_records.csv"]);
    assert_eq!(out[0].label, Some(Label::Security));
    assert_eq!(out[0].id, "generic/generic_records:r1/p1");
    let fields = FieldMap::default()
        .text("comment_body")
        .group("issue_number")
        .kind(Kind::Comment)
        .markup(Markup::Plain);
    let (out, s) = run(
        IngestParams::default()
            .fields(fields)
            .source(Some("github/acme/hooks".into())),
        &["generic_flat_comments.json"],
    );
    assert_eq!(s.records_by_kind["comment"], 3);
    assert_eq!(out.len(), 2, "the URL-only comment has no prose");
    assert_eq!(out[0].group.as_deref(), Some("github/acme/hooks:7"));
    assert_eq!(out[0].author.as_deref(), Some("ann"));
}

#[test]
fn units_comment_and_thread() {
    let (out, s) = run(
        labelled().unit(Unit::Comment),
        &[
            "github_issues_sample.json",
            "github_issue_comments_sample.json",
        ],
    );
    assert_eq!(
        out.len(),
        19,
        "15 issues, 5 comments, one of them only slash commands"
    );
    assert_eq!(s.units_dropped["no_prose"], 1);
    assert!(out[0]
        .text
        .as_deref()
        .unwrap()
        .starts_with("Gateway forwards user JWT"));
    let (out, _) = run(
        labelled().unit(Unit::Thread),
        &[
            "github_issues_sample.json",
            "github_issue_comments_sample.json",
        ],
    );
    assert_eq!(out.len(), 15);
    assert_eq!(out[0].id, "github:acme/storefront#101");
    assert_eq!(out[0].kind.as_deref(), Some("thread"));
    assert!(out[0]
        .text
        .as_deref()
        .unwrap()
        .ends_with("Inventory does, but with the wrong value."));
}

#[test]
fn dedup_reports_merged_units() {
    let twice = ["github_issues_sample.json", "github_issues_sample.json"];
    let (once, _) = run(IngestParams::default(), &twice[..1]);
    let (out, s) = run(IngestParams::default().dedup(DedupMode::Exact), &twice);
    assert_eq!(out.len(), once.len());
    assert_eq!(s.units_dropped["duplicate"], once.len() as u64);
    let (out, _) = run(
        IngestParams::default().dedup(DedupMode::Near { max_distance: 3 }),
        &twice,
    );
    assert_eq!(out.len(), once.len());
}

#[test]
fn tag_list_file_replaces_builtin_list() {
    let tags = SecurityTags::from_file(&fixture("security_tags.txt")).unwrap();
    let (out, _) = run(
        IngestParams::default()
            .labels(LabelSource::FromTags(tags))
            .source(Some("so".into())),
        &["sede_posts.csv"],
    );
    assert_eq!(out[0].label, Some(Label::Security), "`jwt` is in the list");
}

#[test]
fn forced_format_is_checked() {
    let mut ingester = IngestParams::default()
        .format(Some(ExportFormat::JiraXml))
        .build()
        .unwrap();
    let mut out: Vec<Record> = Vec::new();
    let err = ingester
        .ingest_path(&fixture("github_issues_sample.json"), &mut out)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the format jira-xml was asked for"),
        "{err}"
    );
    let mut ingester = IngestParams::default()
        .format(Some(ExportFormat::GitHub))
        .build()
        .unwrap();
    ingester
        .ingest_path(&fixture("github_issues_sample.json"), &mut out)
        .unwrap();
}
