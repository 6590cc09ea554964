//! Embeddings per second for 200 developer-conversation paragraphs at max 128 tokens.
//!
//! ```text
//! export SECDISC_ENCODER=$(scripts/fetch-encoder.sh)
//! cargo run --release -p secdisc-encoder --example throughput [-- [BATCH_SIZE] [--dump FILE]]
//! ```
//!
//! `--dump FILE` also writes the timed run's texts and embeddings to FILE, one JSON object
//! `{"text": ..., "embedding": [...]}` a line, in text order (`benches/peers/onnx_encoder.py`
//! reads it so that ONNX Runtime embeds the same texts). `RAYON_NUM_THREADS` sets candle's
//! threads (default: all cores).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use secdisc_encoder::{EncoderParams, SentenceEncoder};

const SENTENCES: &[&str] = &[
    "The session cookie is set without the Secure and HttpOnly flags.",
    "Can someone review the pull request that bumps the logging library?",
    "We found that the upload endpoint accepts files with a path like ../../etc/passwd.",
    "The CI job fails on Windows because the temp directory has a space in it.",
    "Please rotate the AWS key that was committed in config/prod.yml last week.",
    "I refactored the parser so that it no longer allocates a string per token.",
    "An attacker could send a crafted XML document and read local files through XXE.",
    "The docs for the new flag are missing an example with multiple values.",
    "Is the CSRF token checked on the password change form, or only on login?",
    "Benchmarks show a 12% regression after switching the hash map implementation.",
    "The SQL query concatenates the user-supplied sort column into the ORDER BY clause.",
    "Let's release 2.3.1 on Friday once the translation updates are merged.",
];

fn paragraph(i: usize) -> String {
    // 3 to 9 sentences, picked by a fixed stride so that every run embeds the same texts.
    let count = 3 + i % 7;
    (0..count)
        .map(|k| SENTENCES[(i * 5 + k * 7) % SENTENCES.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() -> ExitCode {
    let Some(dir) = std::env::var_os("SECDISC_ENCODER").map(PathBuf::from) else {
        eprintln!("SECDISC_ENCODER is not set (run scripts/fetch-encoder.sh)");
        return ExitCode::from(2);
    };
    let mut batch_size = 32;
    let mut dump: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--dump" {
            let Some(path) = args.next() else {
                eprintln!("--dump needs a file");
                return ExitCode::from(2);
            };
            dump = Some(PathBuf::from(path));
        } else {
            match arg.parse::<usize>() {
                Ok(n) => batch_size = n,
                Err(err) => {
                    eprintln!("batch size: {err}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    let params = EncoderParams::default()
        .max_tokens(128)
        .batch_size(batch_size);
    let encoder = match SentenceEncoder::load(&dir, params) {
        Ok(encoder) => encoder,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    let paragraphs: Vec<String> = (0..200).map(paragraph).collect();
    let texts: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    let tokens: usize = texts
        .iter()
        .map(|t| encoder.count_tokens(t).unwrap_or(0))
        .sum();

    // One warm-up call, then the timed one.
    if let Err(err) = encoder.embed(&texts[..8]) {
        eprintln!("{err}");
        return ExitCode::FAILURE;
    }
    let start = Instant::now();
    let embeddings = match encoder.embed(&texts) {
        Ok(embeddings) => embeddings,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    if let Some(path) = dump {
        let lines: String = texts
            .iter()
            .zip(&embeddings)
            .map(|(text, embedding)| {
                serde_json::json!({ "text": text, "embedding": embedding }).to_string() + "\n"
            })
            .collect();
        if let Err(err) = std::fs::write(&path, lines) {
            eprintln!("{}: {err}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!(
        "{} paragraphs, {:.1} tokens each on average (max 128), batch size {batch_size}: \
         {seconds:.2} s, {:.1} embeddings/s",
        texts.len(),
        tokens as f64 / texts.len() as f64,
        texts.len() as f64 / seconds
    );
    ExitCode::SUCCESS
}
