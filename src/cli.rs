//! Command-line definition and dispatch.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::cmd;

/// Find security discussions in developer conversations.
#[derive(Debug, Parser)]
#[command(name = "secdisc", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Threads for labelling, training and cross-validation (default: the number of CPUs, or
    /// RAYON_NUM_THREADS when set). Results do not depend on it.
    #[arg(long, global = true, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    threads: Option<usize>,
    /// No progress bars.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
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
    /// Print a shell completion script, e.g. `secdisc completions bash > /etc/bash_completion.d/secdisc`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff) for secdisc or one of its commands, e.g. `secdisc man label | man -l -`.
    Man {
        /// The command to document; none for the overview page.
        command: Option<String>,
    },
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
    if cli.quiet {
        crate::progress::set_quiet();
    }
    if let Some(threads) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start {threads} threads: {e}"))?;
    }
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
        Command::Completions { shell } => {
            let mut command = Cli::command();
            // Into memory first: clap_complete panics when its writer fails (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "secdisc", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)
                .map_err(|e| anyhow::anyhow!("cannot write the completion script: {e}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { command } => man(command.as_deref()),
    }
}

/// Write the man page of `secdisc` or of `secdisc COMMAND` to stdout.
fn man(name: Option<&str>) -> anyhow::Result<ExitCode> {
    let top = Cli::command();
    let page = match name {
        None => top,
        Some(name) => {
            let Some(sub) = top.find_subcommand(name) else {
                let names: Vec<&str> = top.get_subcommands().map(|c| c.get_name()).collect();
                usage(format!(
                    "no command `{name}`; man pages exist for: {}",
                    names.join(", ")
                ));
            };
            sub.clone().name(format!("secdisc-{name}"))
        }
    };
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(|e| anyhow::anyhow!("cannot write the man page: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
