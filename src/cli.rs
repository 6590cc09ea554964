//! Command-line definition and dispatch.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cmd;

/// Find security discussions in developer conversations.
#[derive(Debug, Parser)]
#[command(name = "secdisc", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Turn GitHub, Jira or Stack Exchange exports into paragraph records (JSONL).
    Ingest(cmd::ingest::IngestArgs),
}

/// Parse the command line and run the chosen command.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Ingest(args) => cmd::ingest::run(&args),
    }
}
