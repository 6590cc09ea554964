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
    /// Train a model on labelled records and write it to a file.
    Train(cmd::train::TrainArgs),
    /// Cross-validate on labelled records: precision, recall, F1, ROC AUC, G-mean, MCC, PR-AUC.
    Evaluate(cmd::evaluate::EvaluateArgs),
    /// Compare classifiers on identical folds, with Wilcoxon and corrected t-tests.
    Compare(cmd::compare::CompareArgs),
    /// Label every record of a CSV/JSONL file or stream with a trained model.
    Label(cmd::label::LabelArgs),
    /// Turn GitHub, Jira or Stack Exchange exports into paragraph records (JSONL).
    Ingest(Box<cmd::ingest::IngestArgs>),
    /// Show a model file's manifest, parameters, vocabulary and top-weighted terms.
    Inspect(cmd::inspect::InspectArgs),
    /// Explain a score: every present term's contribution (weight × TF-IDF value).
    Explain(cmd::explain::ExplainArgs),
    /// Turn `label` output and its records into a ranked security backlog (HTML, Markdown, JSON).
    Report(cmd::report::ReportArgs),
    /// Time each stage (read, tokenize, TF-IDF, train, label) on this machine: records/s, MB/s.
    Bench(cmd::bench::BenchArgs),
    /// Pick the unlabelled records most worth labelling next (active learning).
    Suggest(cmd::suggest::SuggestArgs),
    /// Serve a model over HTTP: POST /label, GET /health, GET /model.
    Serve(cmd::serve::ServeArgs),
    /// Adapt a trained model to a new project from a few hundred of its labels.
    Adapt(cmd::adapt::AdaptArgs),
    /// Distil a sentence encoder into a static token-embedding table (no encoder at run time).
    Distill(cmd::distill::DistillArgs),
}

/// Stop with a usage error (exit status 2, clap's format): a flag combination or count of
/// arguments that no input can make right. The one way commands report such errors after
/// parsing; data errors are `anyhow` errors (status 1).
pub fn usage(msg: impl std::fmt::Display) -> ! {
    clap::Error::raw(clap::error::ErrorKind::ArgumentConflict, format!("{msg}\n")).exit()
}

/// Parse the command line and run the chosen command.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Train(args) => cmd::train::run(&args),
        Command::Evaluate(args) => cmd::evaluate::run(&args),
        Command::Compare(args) => cmd::compare::run(&args),
        Command::Label(args) => cmd::label::run(&args),
        Command::Ingest(args) => cmd::ingest::run(&args),
        Command::Inspect(args) => cmd::inspect::run(&args),
        Command::Explain(args) => cmd::explain::run(&args),
        Command::Report(args) => cmd::report::run(&args),
        Command::Bench(args) => cmd::bench::run(&args),
        Command::Suggest(args) => cmd::suggest::run(&args),
        Command::Serve(args) => cmd::serve::run(&args),
        Command::Adapt(args) => cmd::adapt::run(&args),
        Command::Distill(args) => cmd::distill::run(&args),
    }
}
