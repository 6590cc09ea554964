//! `secdisc serve`: label records over HTTP for bots that triage new issues as they arrive.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use secdisc_model::{ModelBundle, SentenceVectors};

use super::inspect::Inspection;
use crate::serve::{self, ServeConfig};

/// Flags of `secdisc serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Model file written by `secdisc train`.
    #[arg(long, short = 'm', value_name = "MODEL")]
    pub model: PathBuf,
    #[command(flatten)]
    pub encoder: super::vectors::EncoderArg,
    /// Address to listen on; port 0 picks a free port (the bound address is printed on stderr).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub addr: String,
    /// Threads that label requests (1 to 1024); default: the number of CPUs.
    #[arg(long, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub workers: Option<usize>,
    /// Requests allowed to wait for a worker; beyond that the server answers 503.
    #[arg(long, default_value_t = 64, value_name = "N")]
    pub max_queue: usize,
    /// Largest request body accepted; larger bodies get 413.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    pub max_body_bytes: usize,
    /// How many of the terms that pushed each score up to report.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub top_terms: usize,
    /// Keep connections open between requests (HTTP keep-alive). Off by default: the server
    /// answers `Connection: close`, so a client waiting for a connection slot never queues
    /// behind other clients' long-lived connections.
    #[arg(long)]
    pub keep_alive: bool,
}

/// Run `secdisc serve` until SIGINT or SIGTERM; exit 0 after finishing requests in progress.
pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let workers = args.workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
    });
    if args.max_body_bytes == 0 {
        bail!("--max-body-bytes 0 would refuse every request; use at least 1024");
    }
    let bundle = ModelBundle::load(&args.model)?;
    let vectors = super::vectors::for_model(&bundle, args.encoder.encoder.as_deref())?;
    // Checked once here, so that every worker's labeller can be built.
    super::vectors::labeler(&bundle, &vectors)?;
    let model_json = serde_json::to_vec(&Inspection::new(
        args.model.display().to_string(),
        &bundle,
        20,
    ))?;
    let config = ServeConfig {
        addr: args.addr.clone(),
        workers,
        max_queue: args.max_queue,
        max_body_bytes: args.max_body_bytes,
        top_terms: args.top_terms,
        keep_alive: args.keep_alive,
    };
    let vectors = vectors.as_ref().map(|v| v as &dyn SentenceVectors);
    serve::run(&bundle, vectors, model_json, &config)?;
    Ok(ExitCode::SUCCESS)
}
