//! Labelling throughput: train on a data set, then label its texts repeated to about 1 GB of
//! records streamed through `Labeler::label_stream` into a sink (JSONL encoding included).
//! Prints records/s, MB/s and peak RSS at two input sizes (flat memory shows as equal RSS).
//!
//! `cargo bench --bench label` (set `SECDISC_SHARED=../shared` for the matomo issues).

#[path = "common.rs"]
mod common;

use std::time::Instant;

use secdisc_infer::{InputItem, LabelOptions, Labeler};

fn main() {
    let path = common::dataset("matomo_github_issues");
    let (texts, labels, _) = common::read(&path);
    let bundle = common::bundle(&texts, &labels);
    let labeler = Labeler::new(&bundle).expect("a TF-IDF model needs no encoder");
    let mean_bytes = texts.iter().map(String::len).sum::<usize>() as f64 / texts.len() as f64;
    println!(
        "data: {} ({} texts, {:.0} bytes each on average), {} threads",
        path.display(),
        texts.len(),
        mean_bytes,
        rayon::current_num_threads()
    );
    for repeats in [10usize, 60] {
        let n = texts.len() * repeats;
        let items = (0..n).map(|i| InputItem::Record {
            id: i.to_string(),
            text: Some(texts[i % texts.len()].clone()),
        });
        let started = Instant::now();
        let summary = labeler
            .label_stream(
                items,
                &mut std::io::sink(),
                &LabelOptions::default(),
                &mut |_| {},
            )
            .expect("label");
        let secs = started.elapsed().as_secs_f64();
        println!(
            "label {:>9} records ({:>6.0} MB): {:>9.0} records/s, {:>6.1} MB/s, peak RSS {:.0} MiB",
            summary.records,
            summary.text_bytes as f64 / 1e6,
            summary.records as f64 / secs,
            summary.text_bytes as f64 / 1e6 / secs,
            common::peak_rss_mib()
        );
    }
}
