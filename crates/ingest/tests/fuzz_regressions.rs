//! Inputs the fuzzers (fuzz/) found problems with, kept as regression tests (issue 6).
//! Each runs with errors skipped (`--keep-going`), the mode the fuzz targets use, and must
//! finish quickly without panicking.

use std::sync::mpsc;
use std::time::Duration;

use secdisc_ingest::{
    ErrorMode, ExportFormat, IngestParams, LabelSource, Record, SecurityTags, Summary,
};

/// Ingest `bytes` as `format`, skipping errors, on a thread that must finish within 20 s
/// (a hang fails the test instead of stalling the suite).
fn ingest_keep_going(format: ExportFormat, name: &str, bytes: &[u8]) -> (Vec<Record>, Summary) {
    let (tx, rx) = mpsc::channel();
    let (name, bytes) = (name.to_string(), bytes.to_vec());
    std::thread::spawn(move || {
        let mut ingester = IngestParams::default()
            .format(Some(format))
            .labels(LabelSource::FromTags(SecurityTags::builtin()))
            .errors(ErrorMode::KeepGoing)
            .max_record_bytes(1 << 16)
            .build()
            .unwrap();
        let mut out: Vec<Record> = Vec::new();
        ingester
            .ingest_reader(&name, Box::new(std::io::Cursor::new(bytes)), &mut out)
            .unwrap();
        let summary = ingester.finish(&mut out).unwrap();
        let _ = tx.send((out, summary));
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("ingest did not finish within 20 s (hang)")
}

/// A stray `}` or `,` where an array item belongs was captured as an empty item, which failed
/// to parse, was skipped, and was captured again: an endless loop with `--keep-going`.
#[test]
fn stray_closing_brace_in_an_array_does_not_hang() {
    for input in [
        &b"[}]"[..],
        b"[{\"number\": 1, \"title\": \"a\", \"body\": \"b\"}, }]",
        b"[1, } , ]",
        b"[}",
    ] {
        let (_, summary) = ingest_keep_going(ExportFormat::GitHub, "issues.json", input);
        assert!(summary.skipped >= 1, "{:?}", String::from_utf8_lossy(input));
    }
    let jira = b"{\"issues\": [{\"key\": \"SHOP-1\", \"fields\": {\"summary\": \"x\"}}, }]}";
    let (_, summary) = ingest_keep_going(ExportFormat::JiraJson, "search.json", jira);
    assert!(summary.skipped >= 1);
}
