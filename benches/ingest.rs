//! Ingest throughput: a synthetic Stack Exchange `Posts.xml` and a GitHub issue-list JSON array,
//! generated in a temporary directory, ingested with default options (paragraph units).
//!
//! Run: `cargo bench --bench ingest` (size per file in MB: `SECDISC_BENCH_MB`,
//! default 50; the README's figures use 200).
//! Prints MB/s per format and the peak resident memory (VmHWM) after each run; memory must stay
//! flat as the input grows, so a smaller file is ingested first for comparison.

#[path = "common.rs"]
mod common;

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
        "{label:<28} {mb:>8.1} MB in {secs:>6.2} s = {rate:>7.1} MB/s (target {target_mb_s} MB/s: {}), {} items -> {} records ({:.1} MB JSONL), peak RSS {:.1} MiB",
        if rate >= target_mb_s { "met" } else { "MISSED" },
        summary.records_in,
        sink.records,
        sink.bytes as f64 / 1e6,
        common::peak_rss_mib()
    );
}

fn main() {
    let mb: u64 = std::env::var("SECDISC_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
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
    let small_xml_bytes = common::write_posts_xml(&small_xml, mb * 1_000_000 / 4);
    let xml_bytes = common::write_posts_xml(&xml, mb * 1_000_000);
    let small_json_bytes = common::write_github_json(&small_json, mb * 1_000_000 / 4);
    let json_bytes = common::write_github_json(&json, mb * 1_000_000);
    println!(
        "peak RSS after generation: {:.1} MiB",
        common::peak_rss_mib()
    );
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
