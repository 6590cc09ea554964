//! Bad input: truncated JSON and XML, the wrong format, missing fields, a huge record, invalid
//! UTF-8. Each gives a clear error with file and position; `KeepGoing` skips and counts.

use secdisc_ingest::{ErrorMode, ExportFormat, IngestError, IngestParams, Record, Summary};

fn ingest(
    params: IngestParams,
    name: &str,
    bytes: Vec<u8>,
) -> (Result<(), IngestError>, Vec<Record>, Summary) {
    let mut ingester = params.build().unwrap();
    let mut out: Vec<Record> = Vec::new();
    let result = ingester.ingest_reader(name, Box::new(std::io::Cursor::new(bytes)), &mut out);
    let summary = ingester.finish(&mut out).unwrap();
    (result, out, summary)
}

fn strict(name: &str, bytes: &[u8]) -> IngestError {
    ingest(IngestParams::default(), name, bytes.to_vec())
        .0
        .unwrap_err()
}

fn keep_going() -> IngestParams {
    IngestParams::default().errors(ErrorMode::KeepGoing)
}

const ISSUE: &str = r#"{"number": 1, "title": "Open redirect on login", "body": "The next parameter is not checked.", "html_url": "https://github.com/o/r/issues/1"}"#;

#[test]
fn truncated_json_array_names_file_and_line() {
    let text = format!("[\n{ISSUE},\n{{\"number\": 2, \"title\": \"cut");
    let err = strict("page.json", text.as_bytes());
    let msg = err.to_string();
    assert!(matches!(err, IngestError::Truncated { .. }), "{msg}");
    assert!(msg.starts_with("page.json:3:"), "{msg}");
    assert!(msg.contains("truncated"), "{msg}");
    let (result, out, summary) = ingest(keep_going(), "page.json", text.into_bytes());
    result.unwrap();
    assert_eq!(out.len(), 2, "the complete issue before the cut is kept");
    assert_eq!(summary.skipped, 1);
}

#[test]
fn truncated_xml_names_file_and_position() {
    let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<posts>\n  <row Id=\"1\" PostTypeId=\"1\" Title=\"Q\" Body=\"&lt;p&gt;Is TLS 1.0 still allowed?&lt;/p&gt;\" />\n  <row Id=\"2\" PostTypeId=\"2\" ParentId=\"1\" Bo";
    let err = strict("Posts.xml", xml.as_bytes());
    let msg = err.to_string();
    assert!(msg.starts_with("Posts.xml:"), "{msg}");
    assert!(
        matches!(err, IngestError::Xml { .. } | IngestError::Truncated { .. }),
        "{msg}"
    );
    let (result, out, summary) = ingest(keep_going(), "Posts.xml", xml.as_bytes().to_vec());
    result.unwrap();
    assert_eq!(out.len(), 2, "title and body of the complete question");
    assert_eq!(summary.skipped, 1);
    // A file whose root element is never closed is also truncated.
    let unclosed = "<posts>\n  <row Id=\"1\" PostTypeId=\"1\" Body=\"x y\" />\n";
    let err = strict("Posts.xml", unclosed.as_bytes());
    assert!(matches!(err, IngestError::Truncated { .. }), "{err}");
}

#[test]
fn wrong_format_is_refused() {
    let err = ingest(
        IngestParams::default().format(Some(ExportFormat::StackExchange)),
        "issues.json",
        format!("[{ISSUE}]").into_bytes(),
    )
    .0
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, IngestError::WrongFormat { .. }), "{msg}");
    assert!(
        msg.contains("the format stackexchange was asked for") && msg.contains("JSON (github)"),
        "{msg}"
    );
    let err = strict("mystery.xml", b"<html><body>hi</body></html>");
    assert!(err.to_string().contains("name its format"), "{err}");
}

#[test]
fn missing_required_fields_are_bad_units() {
    let text = format!("[\n{ISSUE},\n{{\"title\": \"no number or url\", \"body\": \"x\"}},\n{{\"number\": 3, \"body\": \"no repository\"}}\n]");
    let err = strict("page.json", text.as_bytes());
    assert!(
        matches!(err, IngestError::MissingField { ref pos, .. } if pos.line == 3),
        "{err}"
    );
    let (result, out, summary) = ingest(keep_going(), "page.json", text.into_bytes());
    result.unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(summary.skipped, 2);
    assert!(
        summary.skipped_examples[1].starts_with("page.json:4:"),
        "{:?}",
        summary.skipped_examples
    );
    // Stack Exchange rows and Jira issues too.
    let err = strict(
        "Posts.xml",
        b"<posts>\n<row PostTypeId=\"1\" Body=\"no id\" />\n</posts>",
    );
    assert!(
        matches!(err, IngestError::MissingField { ref field, .. } if field == "Id"),
        "{err}"
    );
    let err = strict(
        "search.json",
        br#"{"issues": [{"fields": {"summary": "no key"}}]}"#,
    );
    assert!(
        matches!(err, IngestError::MissingField { ref field, .. } if field == "key"),
        "{err}"
    );
}

#[test]
fn a_single_100_mb_record_is_refused_then_skipped() {
    let big = "a ".repeat(50 << 20);
    let mut text = String::with_capacity(big.len() + 512);
    text.push_str(ISSUE);
    text.push('\n');
    text.push_str(r#"{"number": 2, "html_url": "https://github.com/o/r/issues/2", "body": ""#);
    text.push_str(&big);
    text.push_str("\"}\n");
    text.push_str(
        &ISSUE
            .replace("\"number\": 1", "\"number\": 3")
            .replace("issues/1", "issues/3"),
    );
    text.push('\n');
    drop(big);
    let err = strict("events.jsonl", text.as_bytes());
    assert!(
        matches!(err, IngestError::RecordTooLarge { ref pos, limit } if pos.line == 2 && limit == 64 << 20),
        "{err}"
    );
    let (result, out, summary) = ingest(keep_going(), "events.jsonl", text.into_bytes());
    result.unwrap();
    assert_eq!(out.len(), 4, "issues 1 and 3 remain");
    assert_eq!(summary.skipped, 1);
}

#[test]
fn invalid_utf8_names_file_and_line() {
    let mut json = format!("[{ISSUE},\n").into_bytes();
    json.extend_from_slice(b"{\"number\": 2, \"html_url\": \"https://github.com/o/r/issues/2\", \"body\": \"bad \xff byte\"}]");
    let err = strict("page.json", &json);
    assert!(
        matches!(err, IngestError::InvalidUtf8 { ref pos, .. } if pos.line == 2),
        "{err}"
    );
    assert!(err.to_string().contains("re-encode"), "{err}");
    let (result, out, summary) = ingest(keep_going(), "page.json", json);
    result.unwrap();
    assert_eq!((out.len(), summary.skipped), (2, 1));

    let xml = b"<posts>\n<row Id=\"1\" PostTypeId=\"1\" Body=\"caf\xe9\" />\n</posts>";
    let err = strict("Posts.xml", xml);
    assert!(err.to_string().starts_with("Posts.xml:"), "{err}");
    assert!(err.to_string().contains("UTF-8"), "{err}");

    let csv = b"Id,PostTypeId,Body,Title,Tags\n1,1,ok body,ok,<a>\n2,1,\xff\xfe,bad,<a>\n";
    let err = strict("QueryResults.csv", csv);
    assert!(
        matches!(err, IngestError::InvalidUtf8 { ref pos, ref field, .. } if pos.line == 3 && field == "Body"),
        "{err}"
    );
}

#[test]
fn broken_json_line_is_skipped_and_the_rest_read() {
    let text = format!("{ISSUE}\n{{\"number\": 2, \"html_url\": \"https://github.com/o/r/issues/2\", \"body\": \"cut\n{}\n", ISSUE.replace("\"number\": 1", "\"number\": 3").replace("issues/1", "issues/3"));
    let err = strict("events.jsonl", text.as_bytes());
    assert!(
        matches!(err, IngestError::Json { ref pos, .. } if pos.line == 2),
        "{err}"
    );
    let (result, out, summary) = ingest(keep_going(), "events.jsonl", text.into_bytes());
    result.unwrap();
    assert_eq!((out.len(), summary.skipped), (4, 1));
}

#[test]
fn empty_input_and_zero_limit() {
    let err = strict("empty.json", b"");
    assert!(err.to_string().contains("empty"), "{err}");
    assert!(matches!(
        IngestParams::default().max_record_bytes(0).build().err(),
        Some(IngestError::ZeroRecordLimit)
    ));
}

/// CSV exports: a quoted field spanning lines pushes every later row down; errors must name the
/// row's real line whatever the line ends (LF, CRLF, or CRLF rows with LF inside fields).
#[test]
fn csv_errors_after_multiline_quoted_fields_name_the_true_line() {
    // `~` stands for a line break inside a quoted field. Each input has two bad rows.
    let cases: [(&str, &str, u64, u64); 3] = [
        (
            "jira.csv",
            "Issue key,Summary,Description\nKAFKA-1,Leak,\"first~second~third\"\n,No key,x\nKAFKA-2,More,\"a~~b\"\n ,No key either,y\n",
            5,
            9,
        ),
        (
            "QueryResults.csv",
            "Id,PostTypeId,Body,Title,Tags\n1,1,\"<p>a</p>~<p>b</p>\",T,<security>\nx,1,body,T2,<a>\n3,1,\"c~~d\",T3,<a>\ny,1,body,T4,<a>\n",
            4,
            8,
        ),
        (
            "records.csv",
            "id,text,label\n1,\"a~b\",security\n2,c,maybe\n3,\"d~~e\",0\n4,f,perhaps\n",
            4,
            8,
        ),
    ];
    for (name, text, first, second) in cases {
        for (row_end, field_break) in [("\n", "\n"), ("\r\n", "\r\n"), ("\r\n", "\n")] {
            let data = text.replace('\n', row_end).replace('~', field_break);
            let what =
                format!("{name} with rows ending {row_end:?}, fields breaking {field_break:?}");
            let err = strict(name, data.as_bytes());
            assert!(
                err.to_string().starts_with(&format!("{name}:{first}:")),
                "{what}: {err}"
            );
            let (result, _, summary) = ingest(keep_going(), name, data.into_bytes());
            result.unwrap();
            assert_eq!(summary.skipped, 2, "{what}");
            assert!(
                summary.skipped_examples[0].starts_with(&format!("{name}:{first}:"))
                    && summary.skipped_examples[1].starts_with(&format!("{name}:{second}:")),
                "{what}: {:?}",
                summary.skipped_examples
            );
        }
    }
}

/// Generic files number records by their place in the input (`SOURCE:N`): an item that fails to
/// parse still takes its number, so the ids of the records after it do not shift.
#[test]
fn generic_ids_keep_counting_past_a_broken_item() {
    let jsonl = "{\"text\": \"Rotate the signing key.\"}\n{\"text\": \"cut\n{\"text\": \"Pin the TLS certificate.\"}\n";
    let (result, out, summary) = ingest(keep_going(), "records.jsonl", jsonl.as_bytes().to_vec());
    result.unwrap();
    assert_eq!(summary.skipped, 1);
    let ids: Vec<&str> = out.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["generic/records:1/p1", "generic/records:3/p1"],
        "{out:?}"
    );
}

#[test]
fn generic_json_without_the_text_field_lists_its_keys() {
    // The shape of a flattened comment dump: the text sits under `comment_body`.
    let text = b"[\n{\"issue_number\": 7, \"comment_body\": \"tokens leak\", \"author\": \"a\"}\n]";
    let err = strict("comments.json", text);
    let msg = err.to_string();
    assert!(
        matches!(err, IngestError::MissingTextField { ref pos, .. } if pos.line == 2),
        "{msg}"
    );
    assert!(
        msg.contains("author, comment_body, issue_number") && !msg.contains("--"),
        "{msg}"
    );
}
