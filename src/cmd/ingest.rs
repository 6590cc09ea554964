//! `secdisc ingest` (being written).

use std::process::ExitCode;

/// Flags of `secdisc ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {}

/// Run `secdisc ingest`.
pub fn run(_args: &IngestArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("ingest is not wired yet")
}
