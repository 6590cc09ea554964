//! Cleaning time per MB on adversarial shapes, at 1x and 8x size: a cleaner that is linear in
//! its input takes about the same time per MB at both sizes (a ratio near 1); a quadratic one
//! takes about 8 times as long per MB at 8x.
//!
//! Run: `cargo bench -p secdisc-ingest --bench clean` (1x size in KiB: `SECDISC_BENCH_KIB`,
//! default 256). Each shape is one text (one post body) cleaned with default options
//! (`Cleaner::paragraphs`) as Markdown, HTML and Jira wiki markup; the best of 3 runs is kept.

use std::time::Instant;

use secdisc_ingest::{Cleaner, Markup};

/// The adversarial shapes of issue 13 item 5 and their neighbours, each `repeat` times.
fn shapes(repeat: usize) -> Vec<(&'static str, String)> {
    let n = repeat;
    vec![
        ("scheme prefixes", "http://".repeat(n)),
        (
            "URL then closers",
            format!("http://x.org/{}", ")".repeat(n * 7)),
        ),
        ("closers between schemes", ")http://".repeat(n)),
        ("brackets", "([{".repeat(n * 2) + &")]}".repeat(n * 2)),
        ("quotes", "\"'`".repeat(n * 2)),
        ("quote lines", "> a\n".repeat(n * 2)),
        ("code fences", "```\n".repeat(n * 2)),
        ("inline code", "`a".repeat(n * 4)),
        ("HTML tags", "<a href=\"".repeat(n)),
        ("HTML open tags", "<p><pre><code>".repeat(n / 2)),
        ("entities", "&amp;&#x41;&bogus;".repeat(n / 2)),
        ("wiki macros", "{code}{quote}{noformat}".repeat(n / 3)),
        (
            "prose with URLs",
            "See https://example.org/a_(b) and www.example.com, then retry.\n\n".repeat(n / 9),
        ),
    ]
}

/// Seconds for the fastest of `runs` cleanings of `text`.
fn best_secs(cleaner: &Cleaner, text: &str, markup: Markup, runs: usize) -> f64 {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            let out = cleaner.paragraphs(text, markup);
            std::hint::black_box(out);
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let kib: usize = std::env::var("SECDISC_BENCH_KIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let cleaner = Cleaner::default();
    // About `kib` KiB of text per shape at 1x (7 bytes a repeat for the scheme prefixes).
    let repeat = kib * 1024 / 7;
    let one = shapes(repeat);
    let eight = shapes(repeat * 8);
    println!(
        "{:<24} {:<9} {:>10} {:>10} {:>7}",
        "shape", "markup", "1x ms/MB", "8x ms/MB", "ratio"
    );
    let mut worst: f64 = 0.0;
    for ((name, small), (_, large)) in one.iter().zip(&eight) {
        for (markup, label) in [
            (Markup::Markdown, "markdown"),
            (Markup::Html, "html"),
            (Markup::JiraWiki, "jira-wiki"),
        ] {
            let per_mb =
                |text: &str| best_secs(&cleaner, text, markup, 3) * 1e3 / (text.len() as f64 / 1e6);
            let (a, b) = (per_mb(small), per_mb(large));
            worst = worst.max(b / a);
            println!("{name:<24} {label:<9} {a:>10.1} {b:>10.1} {:>7.2}", b / a);
        }
    }
    println!("worst 8x/1x ratio: {worst:.2} (linear: about 1; quadratic: about 8)");
}
