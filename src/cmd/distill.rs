//! `secdisc distill`: a sentence encoder distilled into a static token-embedding table.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use secdisc_encoder::{distill, DistillParams, EncoderParams, SentenceEncoder};

/// Flags of `secdisc distill`.
#[derive(Debug, clap::Args)]
pub struct DistillArgs {
    /// Encoder folder (config.json, tokenizer.json, model.safetensors), as fetched by
    /// scripts/fetch-encoder.sh.
    #[arg(long, env = "SECDISC_ENCODER", value_name = "DIR")]
    pub encoder: PathBuf,
    /// Where to write the table (JSON); `-` for stdout.
    #[arg(short, long, value_name = "TABLE")]
    pub output: PathBuf,
    /// Dimensions kept by PCA; the encoder's own (384 for all-MiniLM-L6-v2) keeps its vectors.
    #[arg(long, value_name = "N", default_value_t = secdisc_encoder::DEFAULT_DISTILL_DIM as u32,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub dim: u32,
}

/// Run `secdisc distill`: exit 0 when the table is written.
pub fn run(args: &DistillArgs) -> anyhow::Result<ExitCode> {
    let to_stdout = args.output == Path::new("-");
    if !to_stdout {
        super::dataset::check_outputs([&args.output], [&args.encoder])?;
    }
    let encoder = SentenceEncoder::load(&args.encoder, EncoderParams::default())?;
    let start = Instant::now();
    let bar = crate::progress::bar(0, "distilling");
    let table = distill(
        &encoder,
        DistillParams::default().dim(args.dim as usize),
        |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )?;
    bar.finish_and_clear();
    if to_stdout {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &table).context("cannot write the table to stdout")?;
        out.flush().context("cannot write the table to stdout")?;
    } else {
        table.save(&args.output)?;
    }
    eprintln!(
        "distilled {} tokens to {} dimensions in {:.1} s (encoder {}, table {})",
        table.tokenizer().vocab().len(),
        table.dim(),
        start.elapsed().as_secs_f64(),
        encoder.fingerprint(),
        table.fingerprint()
    );
    Ok(ExitCode::SUCCESS)
}
