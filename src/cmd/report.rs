//! `secdisc report`: turn the rows of `secdisc label` and the records they were made from into
//! a backlog a security lead reads (HTML, Markdown, JSON or a text summary).

use super::choice::choice;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use secdisc_ingest::{LabelPolicy, ReadOptions, RecordFormat, RecordReader};
use secdisc_output::write_atomically;

use super::dataset;
use super::output;
use secdisc_infer::label_rows;
use secdisc_report::backlog::{self, Backlog};
use secdisc_report::backlog_html::{self, PageOptions};
use secdisc_report::backlog_md;

/// Flags of `secdisc report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Rows written by `secdisc label` (JSONL or CSV: id, label, score, error), or `-` for stdin.
    pub labels: PathBuf,
    /// The records those labels were made from (the file `secdisc label` read): CSV or JSONL
    /// with `id` and `text`, and `group`, `source`, `url`, `created_at`, `author` when known.
    /// Joined to the labels by `id`.
    #[arg(long, short = 'r', value_name = "RECORDS")]
    pub records: PathBuf,
    /// Write the self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the same content as Markdown (for tickets) to FILE.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Print the report as JSON on stdout (every thread with a security paragraph, with its
    /// paragraphs) instead of the text summary.
    #[arg(long)]
    pub json: bool,
    /// Threads shown in full on the page and in the Markdown; the rest are listed in a table.
    #[arg(long, default_value_t = 25, value_name = "N")]
    pub top: usize,
    /// Rows of the table of remaining threads.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub table_rows: usize,
    /// Layout of RECORDS; guessed from the extension, then the first byte.
    #[arg(long, value_parser = choice(&RecordFormat::ALL, RecordFormat::name, RecordFormat::help))]
    pub input_format: Option<RecordFormat>,
}

/// Run `secdisc report`. Exit 0 when every label row carries a score, 1 when some rows carry
/// an error (the report is still written and lists them).
pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    if args.labels == Path::new("-") && args.records == Path::new("-") {
        bail!(
            "the labels and the records cannot both come from standard input; pass --records FILE"
        );
    }
    {
        let outputs = [&args.html, &args.markdown].into_iter().flatten();
        dataset::check_outputs(outputs, [&args.labels, &args.records])?;
    }
    let report = load(&args.labels, &args.records, args.input_format)?;
    let opts = PageOptions {
        top: args.top,
        table_rows: args.table_rows,
    };
    write_outputs(
        &report,
        args.html.as_deref(),
        args.markdown.as_deref(),
        &opts,
    )?;
    output::print_report(&report, None, args.json, || {
        summary(&report, opts.top.min(10))
    })?;
    Ok(exit_code(&report))
}

fn exit_code(report: &Backlog) -> ExitCode {
    if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "secdisc: {} label rows carry an error; they are listed in the report",
            report.failures.len()
        );
        ExitCode::FAILURE
    }
}

/// Read and join the labels and the records.
pub fn load(
    labels: &Path,
    records: &Path,
    format: Option<RecordFormat>,
) -> anyhow::Result<Backlog> {
    let (labels_name, rows) = label_rows::read(labels)?;
    let opts = ReadOptions {
        format: format.or_else(|| RecordFormat::from_path(records)),
        labels: LabelPolicy::Ignore,
        ..ReadOptions::default()
    };
    let reader = RecordReader::open(records, &opts)
        .with_context(|| format!("cannot read the records {}", records.display()))?;
    let records_name = reader.name().to_string();
    let mut recs = Vec::new();
    for item in reader {
        match item {
            Ok(located) => recs.push((located.line, located.record)),
            Err(e) if e.ends_input() => {
                return Err(e).with_context(|| {
                    format!(
                        "cannot read the records in {records_name} to join them with the labels"
                    )
                })
            }
            // `secdisc label` gave this record an error row (its location as id); the report
            // lists that row under "Not labelled".
            Err(e) => eprintln!("secdisc: skipping an unreadable record: {e}"),
        }
    }
    Ok(backlog::build(&labels_name, &rows, &records_name, recs)?)
}

/// Write the HTML and Markdown variants that were asked for.
pub fn write_outputs(
    report: &Backlog,
    html: Option<&Path>,
    markdown: Option<&Path>,
    opts: &PageOptions,
) -> anyhow::Result<()> {
    if let Some(path) = html {
        let page = backlog_html::render(report, opts);
        write_atomically(path, page.as_bytes())
            .with_context(|| format!("cannot write the HTML report to {}", path.display()))?;
        eprintln!("secdisc: wrote the backlog page to {}", path.display());
    }
    if let Some(path) = markdown {
        let md = backlog_md::render(report, opts);
        write_atomically(path, md.as_bytes())
            .with_context(|| format!("cannot write the Markdown report to {}", path.display()))?;
        eprintln!("secdisc: wrote the Markdown backlog to {}", path.display());
    }
    Ok(())
}

/// The text summary: counts and the first `n` threads.
fn summary(b: &Backlog, n: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} paragraphs, {} security ({:.1}%), in {} of {} threads",
        b.paragraphs,
        b.security,
        100.0 * b.security as f64 / b.paragraphs.max(1) as f64,
        b.threads.len(),
        b.threads_total
    );
    if b.threads.is_empty() {
        return s;
    }
    let _ = writeln!(
        s,
        "\n{:>4}  {:>8}  {:>5}  {:>8}  thread (topics)",
        "rank", "priority", "score", "security"
    );
    for t in b.threads.iter().take(n) {
        let topics: Vec<&str> = t.topics.iter().map(|t| t.slug()).collect();
        let _ = writeln!(
            s,
            "{:>4}  {:>8.2}  {:>5.2}  {:>8}  {} ({})",
            t.rank,
            t.priority,
            t.max_score,
            format!("{}/{}", t.security, t.paragraphs.len()),
            t.thread,
            topics.join(", ")
        );
    }
    if b.threads.len() > n {
        let _ = writeln!(
            s,
            "... and {} more threads (--html, --markdown or --json for all)",
            b.threads.len() - n
        );
    }
    s
}

/// Before `secdisc label --report FILE` labels anything: the report re-reads the input and the
/// labels, so both must be files, and the report another file than the labels.
pub fn check_label_report(input: &Path, output: &Path, report: &Path) -> anyhow::Result<()> {
    if input == Path::new("-") {
        crate::cli::usage("--report needs the input as a file, not standard input; or pipe the labels into `secdisc report - --records FILE`");
    }
    if output == Path::new("-") {
        crate::cli::usage("--report needs the labels written to a file: add --output FILE");
    }
    if report == output {
        crate::cli::usage(format!(
            "--report and --output name the same file {}; write the report to another file",
            report.display()
        ));
    }
    // `label` checks the report path itself, with its other outputs.
    Ok(())
}

/// After `secdisc label --report FILE`: write the HTML backlog of `labels` and `input`.
pub fn after_label(
    input: &Path,
    format: Option<RecordFormat>,
    labels: &Path,
    report: &Path,
) -> anyhow::Result<()> {
    let backlog = load(labels, input, format)?;
    write_outputs(&backlog, Some(report), None, &PageOptions::default())
}
