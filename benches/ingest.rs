//! Ingest throughput: a synthetic Stack Exchange `Posts.xml` and a GitHub issue-list JSON array,
//! generated in a temporary directory, ingested with default options (paragraph units).
//!
//! Run: `cargo bench --bench ingest` (size per file in MB: `SECDISC_BENCH_MB`, default 200).
//! Prints MB/s per format and the peak resident memory (VmHWM) after each run; memory must stay
//! flat as the input grows, so a smaller file is ingested first for comparison.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use secdisc_ingest::{IngestParams, Record, RecordSink};

/// Serialises every record like the real writer does, but keeps only a byte count.
struct CountingSink {
    records: u64,
    bytes: u64,
    buf: Vec<u8>,
}

impl RecordSink for CountingSink {
    fn write_record(&mut self, record: &Record) -> secdisc_ingest::Result<()> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, record).expect("serialise");
        self.records += 1;
        self.bytes += self.buf.len() as u64 + 1;
        Ok(())
    }
}

const PARAS: [&str; 6] = [
    "Our services authenticate with a shared API key that never rotates &amp; every team can read it.",
    "We could switch to mutual TLS with short-lived certificates issued by the mesh, which also gives each workload an identity.",
    "The gateway forwards the bearer token to every upstream service without checking the audience claim.",
    "Latency went up after the last release; the discount engine runs twice per request.",
    "Is there a way to keep the <code>orders</code> schema migration from blocking reads?",
    "See https://example.org/docs/guide for the details and the rollout plan.",
];

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\n', "&#xA;")
}

fn write_posts_xml(path: &Path, target: u64) -> u64 {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).expect("create"));
    let mut written = 0u64;
    let head = "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<posts>\n";
    w.write_all(head.as_bytes()).unwrap();
    written += head.len() as u64;
    let mut id = 1u64;
    while written < target {
        let n = (id % 4 + 2) as usize;
        let mut body = String::new();
        for k in 0..n {
            body.push_str("<p>");
            body.push_str(PARAS[(id as usize + k) % PARAS.len()]);
            body.push_str(" Item ");
            body.push_str(&id.to_string());
            body.push_str(".</p>\n\n");
        }
        if matches!(id % 3, 0) {
            body.push_str("<pre><code>kubectl get pods -n shop\n</code></pre>\n");
        }
        let row = if id % 3 == 1 {
            format!(
                "  <row Id=\"{id}\" PostTypeId=\"1\" CreationDate=\"2024-01-01T00:00:00.000\" Score=\"1\" ViewCount=\"10\" Body=\"{}\" OwnerUserId=\"7\" Title=\"Question number {id} about services\" Tags=\"&lt;security&gt;&lt;microservices&gt;\" AnswerCount=\"2\" CommentCount=\"0\" ContentLicense=\"CC BY-SA 4.0\" />\n",
                escape_attr(&body)
            )
        } else {
            format!(
                "  <row Id=\"{id}\" PostTypeId=\"2\" ParentId=\"{}\" CreationDate=\"2024-01-01T00:00:00.000\" Score=\"1\" Body=\"{}\" OwnerUserId=\"8\" CommentCount=\"0\" ContentLicense=\"CC BY-SA 4.0\" />\n",
                id - id % 3 + 1,
                escape_attr(&body)
            )
        };
        w.write_all(row.as_bytes()).unwrap();
        written += row.len() as u64;
        id += 1;
    }
    w.write_all(b"</posts>\n").unwrap();
    w.flush().unwrap();
    written + 9
}

fn write_github_json(path: &Path, target: u64) -> u64 {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).expect("create"));
    let mut written = 1u64;
    w.write_all(b"[").unwrap();
    let mut n = 1u64;
    while written < target {
        let mut body = String::new();
        for k in 0..(n % 4 + 2) as usize {
            body.push_str(PARAS[(n as usize + k) % PARAS.len()]);
            body.push_str("\r\n\r\n");
        }
        body.push_str("```\r\nERROR connection refused\r\n```\r\n");
        let issue = serde_json::json!({
            "url": format!("https://api.github.com/repos/acme/shop/issues/{n}"),
            "repository_url": "https://api.github.com/repos/acme/shop",
            "labels_url": format!("https://api.github.com/repos/acme/shop/issues/{n}/labels{{/name}}"),
            "comments_url": format!("https://api.github.com/repos/acme/shop/issues/{n}/comments"),
            "html_url": format!("https://github.com/acme/shop/issues/{n}"),
            "id": 1_000_000 + n, "node_id": "I_kwDOAbc", "number": n,
            "title": format!("Issue {n}: tokens and services"),
            "user": {"login": "dev", "id": 7, "avatar_url": "https://avatars.example/u/7", "type": "User", "site_admin": false},
            "labels": [{"id": 1, "name": if matches!(n % 5, 0) { "c: Security" } else { "c: Bug" }, "color": "d73a4a", "default": false}],
            "state": "open", "locked": false, "assignee": null, "assignees": [], "milestone": null, "comments": 3,
            "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z", "closed_at": null,
            "author_association": "MEMBER", "body": body,
            "reactions": {"url": "https://api.github.com/x", "total_count": 0, "+1": 0, "-1": 0},
            "timeline_url": format!("https://api.github.com/repos/acme/shop/issues/{n}/timeline"),
            "performed_via_github_app": null, "state_reason": null
        });
        let text = serde_json::to_string(&issue).unwrap();
        if n > 1 {
            w.write_all(b",").unwrap();
            written += 1;
        }
        w.write_all(text.as_bytes()).unwrap();
        written += text.len() as u64;
        n += 1;
    }
    w.write_all(b"]").unwrap();
    w.flush().unwrap();
    written + 1
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn run(label: &str, path: &Path, bytes: u64, target_mb_s: f64) {
    let mut ingester = IngestParams::default().build().expect("params");
    let mut sink = CountingSink {
        records: 0,
        bytes: 0,
        buf: Vec::with_capacity(4096),
    };
    let start = Instant::now();
    ingester.ingest_path(path, &mut sink).expect("ingest");
    let summary = ingester.finish(&mut sink).expect("finish");
    let secs = start.elapsed().as_secs_f64();
    let mb = bytes as f64 / 1e6;
    let rate = mb / secs;
    println!(
        "{label:<28} {mb:>8.1} MB in {secs:>6.2} s = {rate:>7.1} MB/s (target {target_mb_s} MB/s: {}), {} items -> {} records ({:.1} MB JSONL), peak RSS {:.1} MB",
        if rate >= target_mb_s { "met" } else { "MISSED" },
        summary.records_in,
        sink.records,
        sink.bytes as f64 / 1e6,
        peak_rss_mb()
    );
}

fn main() {
    let mb: u64 = std::env::var("SECDISC_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("tempdir");
    println!(
        "generating inputs of {mb} MB (and a {} MB warm-up) in {}",
        mb / 4,
        dir.path().display()
    );
    let small_xml = dir.path().join("small-Posts.xml");
    let xml = dir.path().join("Posts.xml");
    let small_json = dir.path().join("small-issues.json");
    let json = dir.path().join("issues.json");
    let small_xml_bytes = write_posts_xml(&small_xml, mb * 1_000_000 / 4);
    let xml_bytes = write_posts_xml(&xml, mb * 1_000_000);
    let small_json_bytes = write_github_json(&small_json, mb * 1_000_000 / 4);
    let json_bytes = write_github_json(&json, mb * 1_000_000);
    println!("peak RSS after generation: {:.1} MB", peak_rss_mb());
    run(
        "stackexchange Posts.xml 1/4",
        &small_xml,
        small_xml_bytes,
        100.0,
    );
    run("stackexchange Posts.xml", &xml, xml_bytes, 100.0);
    run(
        "github issues JSON 1/4",
        &small_json,
        small_json_bytes,
        50.0,
    );
    run("github issues JSON", &json, json_bytes, 50.0);
}
