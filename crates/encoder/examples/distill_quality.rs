//! How close a distilled static table comes to the full encoder, how big it is and how fast it
//! embeds. Needs the real encoder:
//!
//! ```sh
//! SECDISC_ENCODER=encoders/all-minilm-l6-v2 cargo run --release -p secdisc-encoder \
//!     --example distill_quality -- data/corpus.csv [CACHE_DIR]
//! ```
//!
//! Distils four tables (384 dimensions without PCA and 128 with it, each with the mean over
//! `[CLS] token [SEP]` and with the token's own hidden state; cached as JSON in `CACHE_DIR`,
//! default `/tmp`), then re-weights each with every weighting variant. Prints, per variant, the
//! mean cosine similarity between the static and the encoder's embedding over the first 500
//! texts (only where both live in the encoder's space: 384 dimensions, no PCA) and the Pearson
//! correlation between their pairwise cosine similarities (any dimension); on stderr the
//! distill times, the 128-dimension table's size and its embedding speed over the whole file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use secdisc_encoder::{
    distill, token_weights, DistillParams, DistillPooling, EncoderParams, SentenceEncoder,
    TokenWeighting,
};
use secdisc_features::StaticEmbedding;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let corpus = args.get(1).map_or("data/corpus.csv", String::as_str);
    let cache_dir = PathBuf::from(args.get(2).map_or("/tmp", String::as_str));
    let dir = std::env::var_os("SECDISC_ENCODER").ok_or("set SECDISC_ENCODER")?;
    let encoder = SentenceEncoder::load(Path::new(&dir), EncoderParams::default())?;

    let get = |name: &str,
               params: DistillParams|
     -> Result<StaticEmbedding, Box<dyn std::error::Error>> {
        let path = cache_dir.join(name);
        if path.exists() {
            return Ok(StaticEmbedding::load(&path)?);
        }
        let start = Instant::now();
        let table = distill(&encoder, params, |_, _| {})?;
        eprintln!(
            "distilled {} tokens to {} dimensions in {:.1} s",
            table.tokenizer().vocab().len(),
            table.dim(),
            start.elapsed().as_secs_f64()
        );
        table.save(&path)?;
        Ok(table)
    };
    let raw = get(
        "distill-raw.json",
        DistillParams::default()
            .dim(encoder.dim())
            .weighting(TokenWeighting::Uniform),
    )?;
    let raw_token = get(
        "distill-raw-token.json",
        DistillParams::default()
            .dim(encoder.dim())
            .weighting(TokenWeighting::Uniform)
            .pooling(DistillPooling::Token),
    )?;
    let token_128 = get(
        "distill-token-128.json",
        DistillParams::default().pooling(DistillPooling::Token),
    )?;
    let default = get("distill-default.json", DistillParams::default())?;
    eprintln!(
        "128-dimension table: {} bytes of JSON",
        serde_json::to_vec(&token_128)?.len()
    );

    let mut reader = csv::Reader::from_path(corpus)?;
    let column = reader
        .headers()?
        .iter()
        .position(|h| h == "text")
        .ok_or("no text column")?;
    let texts: Vec<String> = reader
        .records()
        .map(|r| r.map(|r| r[column].to_string()))
        .collect::<Result<_, _>>()?;
    speed(&token_128, &texts);
    let sample: Vec<&str> = texts.iter().take(500).map(String::as_str).collect();
    let start = Instant::now();
    let reference = encoder.embed(&sample)?;
    eprintln!(
        "encoder: {} texts in {:.1} s",
        sample.len(),
        start.elapsed().as_secs_f64()
    );
    let reference_sims = pairwise(&reference);

    let variants = [
        ("uniform", TokenWeighting::Uniform, 1.0),
        ("uniform, punct 0.3", TokenWeighting::Uniform, 0.3),
        ("sif 1e-3", TokenWeighting::Sif { coefficient: 1e-3 }, 1.0),
        ("sif 1e-4", TokenWeighting::Sif { coefficient: 1e-4 }, 1.0),
        ("sif 1e-5", TokenWeighting::Sif { coefficient: 1e-5 }, 1.0),
        ("sif 1e-6", TokenWeighting::Sif { coefficient: 1e-6 }, 1.0),
        ("sif 1e-7", TokenWeighting::Sif { coefficient: 1e-7 }, 1.0),
        (
            "sif 1e-4, punct 0.3",
            TokenWeighting::Sif { coefficient: 1e-4 },
            0.3,
        ),
        (
            "sif 1e-4, punct 0",
            TokenWeighting::Sif { coefficient: 1e-4 },
            0.0,
        ),
    ];
    println!("| table | weighting | mean cosine to encoder | Pearson r of pairwise cosines |");
    println!("|---|---|---|---|");
    for (label, base) in [
        ("384, no PCA, mean", &raw),
        ("128, PCA, mean", &default),
        ("384, no PCA, token", &raw_token),
        ("128, PCA, token", &token_128),
    ] {
        let dim = base.dim();
        let vocab = base.tokenizer().vocab().to_vec();
        let vectors: Vec<f32> = (0..vocab.len() as u32)
            .flat_map(|id| base.token_vector(id).unwrap_or_default())
            .collect();
        for (name, weighting, punctuation) in variants {
            let params = DistillParams::default()
                .dim(dim)
                .weighting(weighting)
                .punctuation_weight(punctuation)
                .check()?;
            let table = StaticEmbedding::from_f32(
                base.tokenizer().clone(),
                dim,
                &vectors,
                Some(token_weights(&vocab, &params)),
                "x".into(),
                "x".into(),
            )?;
            let embedded: Vec<Vec<f32>> = sample.iter().map(|t| table.embed(t)).collect();
            let cosine = if dim == encoder.dim() {
                format!("{:.4}", mean_cosine(&embedded, &reference))
            } else {
                "-".to_string()
            };
            let r = pearson(&pairwise(&embedded), &reference_sims);
            println!("| {label} | {name} | {cosine} | {r:.4} |");
        }
    }
    Ok(())
}

fn pairwise(vectors: &[Vec<f32>]) -> Vec<f64> {
    let mut out = Vec::new();
    for i in 0..vectors.len() {
        for j in i + 1..vectors.len() {
            out.push(f64::from(
                vectors[i]
                    .iter()
                    .zip(&vectors[j])
                    .map(|(a, b)| a * b)
                    .sum::<f32>(),
            ));
        }
    }
    out
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

fn mean_cosine(embedded: &[Vec<f32>], reference: &[Vec<f32>]) -> f64 {
    let total: f64 = embedded
        .iter()
        .zip(reference)
        .map(|(v, r)| f64::from(v.iter().zip(r).map(|(a, b)| a * b).sum::<f32>()))
        .sum();
    total / embedded.len() as f64
}

fn speed(table: &StaticEmbedding, texts: &[String]) {
    if texts.is_empty() {
        return;
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut out = Vec::new();
    let mut sink = 0f32;
    let rounds = 20;
    let start = Instant::now();
    for _ in 0..rounds {
        for text in texts {
            table.embed_into(text, &mut out);
            sink += out[0];
        }
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "embed speed: {:.0} texts/s, {:.1} MB/s ({} texts, {} bytes, {rounds} rounds; {sink})",
        (texts.len() * rounds) as f64 / secs,
        (bytes * rounds) as f64 / secs / 1e6,
        texts.len(),
        bytes
    );
}
