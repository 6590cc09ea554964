//! `secdisc serve`: label records over HTTP for bots that triage new issues as they arrive.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use secdisc_model::{ModelBundle, SentenceVectors};

use crate::serve::{self, ServeConfig};
use secdisc_report::Inspection;

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
    /// The server's decision; a request's `threshold` and `abstain` fields override it.
    #[command(flatten)]
    pub decision: super::decision_args::DecisionArgs,
    /// Keep connections open between requests (HTTP keep-alive). Off by default: the server
    /// answers `Connection: close` and closes the connection.
    #[arg(long)]
    pub keep_alive: bool,
    /// Open connections allowed (1 to 65536); a connection beyond them gets 503 and is closed.
    #[arg(long, default_value_t = 512, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65536))]
    pub max_connections: usize,
    /// Largest request line plus headers (1024 to 1048576); larger ones get 431. At most
    /// 100 headers are accepted.
    #[arg(long, default_value_t = 16 << 10, value_name = "BYTES",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1024..=1 << 20))]
    pub max_header_bytes: usize,
    /// Seconds a client has to send a request's headers, from connecting or from the previous
    /// answer (so idle keep-alive connections close after it too).
    #[arg(long, default_value_t = 10, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Seconds a client has to send a request's body once its headers are in; then 408.
    #[arg(long, default_value_t = 30, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout: u64,
    /// Seconds to wait for requests in progress after SIGINT/SIGTERM before closing them.
    #[arg(long, default_value_t = 30, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub shutdown_grace: u64,
    /// Print no access-log line per request on stderr.
    #[arg(long)]
    pub no_access_log: bool,
}

/// Run `secdisc serve` until SIGINT or SIGTERM; exit 0 after finishing requests in progress.
pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let workers = args.workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
    });
    if args.max_body_bytes == 0 {
        crate::cli::usage("--max-body-bytes 0 would refuse every request; use at least 1024");
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
        max_connections: args.max_connections,
        max_header_bytes: args.max_header_bytes,
        header_timeout: Duration::from_secs(args.header_timeout),
        body_timeout: Duration::from_secs(args.body_timeout),
        shutdown_grace: Duration::from_secs(args.shutdown_grace),
        access_log: !args.no_access_log,
        decision: args.decision.choice(),
    };
    let vectors = vectors.as_ref().map(|v| v as &dyn SentenceVectors);
    serve::run(&bundle, vectors, model_json, &config)?;
    Ok(ExitCode::SUCCESS)
}
