//! Shared by the benchmark programs: pick a data set, read it, report peak memory.

use std::path::PathBuf;

/// `../shared/datasets/NAME/data.csv` when `SECDISC_SHARED` is set, else `data/corpus.csv`.
pub fn dataset(name: &str) -> PathBuf {
    match std::env::var_os("SECDISC_SHARED") {
        Some(dir) => PathBuf::from(dir)
            .join("datasets")
            .join(name)
            .join("data.csv"),
        None => {
            eprintln!(
                "SECDISC_SHARED is not set: benchmarking on data/corpus.csv instead of {name}"
            );
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/corpus.csv")
        }
    }
}

/// Texts and labels of a labelled CSV.
pub fn read(path: &std::path::Path) -> (Vec<String>, Vec<bool>, Vec<Option<String>>) {
    use secdisc_ingest::{LabelPolicy, ReadOptions, RecordReader};
    let opts = ReadOptions {
        labels: LabelPolicy::Required,
        ..ReadOptions::default()
    };
    let reader = RecordReader::open(path, &opts).unwrap_or_else(|e| panic!("{e}"));
    let (mut texts, mut labels, mut groups) = (Vec::new(), Vec::new(), Vec::new());
    for r in reader {
        let r = r.unwrap_or_else(|e| panic!("{e}")).record;
        texts.push(r.text.unwrap_or_default());
        labels.push(r.label.is_some_and(|l| l.is_security()));
        groups.push(r.group);
    }
    (texts, labels, groups)
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`), or 0 when unknown.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
