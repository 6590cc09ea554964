//! `secdisc label`: label every record of a file or stream with a trained model.

use super::choice::choice;
use crate::cli::usage;
use crate::interrupt::{signal_name, Interrupt};
use secdisc_ingest::RecordFormat;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use anyhow::{bail, Context};
use secdisc_infer::{LabelOptions, LabelSummary, OutputFormat};
use secdisc_ingest::IngestError;
use secdisc_model::ModelBundle;

use super::dataset;
use super::label_input::ExportArgs;

/// Output encoding flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormatArg {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header.
    Csv,
    /// Apache Parquet (needs `-o FILE`): row groups of --row-group-rows rows, `terms` a list.
    Parquet,
}

/// Flags of `secdisc label`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Inputs are record files (CSV or JSONL with a `text` column/key, as \
`secdisc ingest` writes them) or exports that `secdisc ingest` reads (GitHub REST and GH \
Archive JSON, Jira JSON/XML/CSV, Stack Exchange Posts.xml/Comments.xml, Data Explorer CSV), \
detected from the content; exports are cut into paragraphs as `ingest` does.\n\n\
Exit codes: 0 every record labelled, 1 some row carries an `error` or the input stopped \
early, 2 usage error."
)]
pub struct LabelArgs {
    /// Model file written by `secdisc train`.
    #[arg(long, short = 'm', value_name = "MODEL")]
    pub model: PathBuf,
    #[command(flatten)]
    pub encoder: super::vectors::EncoderArg,
    /// Inputs (record files or exports), `-` for stdin; labelled in the order given.
    #[arg(value_name = "INPUT", default_value = "-")]
    pub inputs: Vec<PathBuf>,
    /// Output file, or `-` for stdout (the default). A file is written atomically.
    #[arg(long, short = 'o', default_value = "-")]
    pub output: PathBuf,
    /// Output encoding.
    #[arg(long, value_enum, default_value_t = OutputFormatArg::Jsonl)]
    pub format: OutputFormatArg,
    /// How many of the terms that pushed each score up to report.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub top_terms: usize,
    #[command(flatten)]
    pub decision: super::decision_args::DecisionArgs,
    /// Read every input as a record file of this layout, without looking at its content
    /// (needed for a producer on stdin that waits for each row before sending the next record).
    #[arg(long, value_parser = choice(&RecordFormat::ALL, RecordFormat::name, RecordFormat::help))]
    pub input_format: Option<RecordFormat>,
    /// After labelling, also write the backlog page of `secdisc report` for these labels and
    /// this input to FILE (needs --output FILE and an input file).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Continue an interrupted run: rows go to `OUT.partial`, flushed after every batch, and
    /// are checked against the input ids on the next `--resume` run, which appends the rest.
    /// JSONL and CSV only.
    #[arg(long)]
    pub resume: bool,
    /// Parquet: rows per row group (memory holds about one).
    #[arg(long, value_name = "N", default_value_t = 65_536)]
    pub row_group_rows: usize,
    #[command(flatten)]
    pub export: ExportArgs,
}

/// Run `secdisc label`. Exit 0 when every record was labelled, 1 when any row carries an
/// error (all other rows are still written) or the input could not be read to its end.
pub fn run(args: &LabelArgs) -> anyhow::Result<ExitCode> {
    let to_stdout = args.output == Path::new("-");
    if args.format == OutputFormatArg::Parquet && to_stdout {
        usage("--format parquet needs an output file (-o FILE): Parquet is written with a footer at the end and cannot be streamed to stdout; use --format jsonl or csv for pipes");
    }
    if args.resume && to_stdout {
        usage("--resume needs an output file (-o FILE) to continue from");
    }
    if args.resume && secdisc_output::writes_in_place(&args.output) {
        usage("--resume needs a regular output file, not a device or pipe");
    }
    if args.resume && args.format == OutputFormatArg::Parquet {
        usage("--resume works with --format jsonl or csv: a Parquet file is unreadable until its footer is written at the end, so an interrupted one cannot be continued; write JSONL with --resume, or rerun the Parquet output from the start");
    }
    if args.inputs.iter().filter(|p| *p == Path::new("-")).count() > 1 {
        usage("standard input (`-`) can be read only once");
    }
    dataset::check_outputs(
        [&args.output].into_iter().chain(&args.report),
        args.inputs.iter().chain([&args.model]),
    )?;
    if let Some(report) = &args.report {
        let [input] = args.inputs.as_slice() else {
            usage("--report needs exactly one input file (the records the report joins the labels with)");
        };
        super::report::check_label_report(input, &args.output, report)?;
    }
    // Read once: the bytes are parsed here and hashed into a resumable run's key.
    let model_bytes = ModelBundle::read_bytes(&args.model)?;
    let bundle = ModelBundle::from_json(&args.model, &model_bytes)?;
    let export_prep = args.export.export_prep(&bundle.text_prep());
    let inputs = secdisc_infer::LabelInputs::open(
        &args.inputs,
        &args.export.input_params(args.input_format, &export_prep),
    )?;
    if inputs.has_exports() {
        match &bundle.text_prep {
            Some(prep) if *prep != export_prep => eprintln!(
                "secdisc: note: the model reads a text {}; exports are read {} as asked, so their rows differ from `serve` and record files on the same text",
                prep.describe(),
                export_prep.describe()
            ),
            None => eprintln!(
                "secdisc: note: the model records no text preparation (it was made by an older secdisc): exports are cleaned and cut into paragraphs, record files are read as given; retrain it for every input to be read alike"
            ),
            Some(_) => {}
        }
    }
    if args.report.is_some() && inputs.has_exports() {
        usage("--report joins the labels with a records file, and this input is an export: run `secdisc ingest EXPORT -o records.jsonl` first, then `secdisc label records.jsonl -o labels.jsonl --report FILE`");
    }
    let name = inputs.names.join(", ");
    let vectors = super::vectors::for_model(&bundle, args.encoder.encoder.as_deref())?;
    let labeler = super::vectors::labeler(&bundle, &vectors)?;
    let mut label_opts = LabelOptions {
        format: match args.format {
            OutputFormatArg::Csv => OutputFormat::Csv,
            OutputFormatArg::Jsonl | OutputFormatArg::Parquet => OutputFormat::Jsonl,
        },
        top_terms: args.top_terms,
        decision: args.decision.decision(bundle.threshold),
        ..LabelOptions::default()
    };
    let started = std::time::Instant::now();
    let bar = crate::progress::counter("labelling");
    let mut progress = |s: &LabelSummary| bar.set_position(s.records);
    let interrupt = Interrupt::install(!to_stdout)?;
    let (rx, reader) = inputs.spawn(Arc::clone(&interrupt.stop));
    let mut fatal = None;
    let mut join = |reader: std::thread::JoinHandle<Option<IngestError>>| {
        fatal = reader.join().unwrap_or(None);
        fatal.is_some() || interrupt.stop.load(Ordering::SeqCst)
    };
    // Rows of an earlier, interrupted run that `--resume` kept: (rows, security, errors).
    let mut kept = (0, 0, 0);
    let summary = if args.format == OutputFormatArg::Parquet {
        #[cfg(feature = "parquet")]
        {
            write_file(
                &args.output,
                |file| {
                    let mut sink = secdisc_infer::ParquetSink::new(file, args.row_group_rows)?;
                    let s = labeler.label_stream_rows(
                        rx.into_iter(),
                        &mut sink,
                        &label_opts,
                        &mut progress,
                    )?;
                    sink.finish()?;
                    Ok(s)
                },
                || join(reader),
            )?
        }
        #[cfg(not(feature = "parquet"))]
        usage("this secdisc was built without Parquet output (cargo feature `parquet`, on by default); rebuild it with `--features parquet`, or use --format jsonl or csv")
    } else if to_stdout {
        let stdout = std::io::stdout();
        let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
        let s = labeler
            .label_stream(
                rx.into_iter().map(|(i, _)| i),
                &mut out,
                &label_opts,
                &mut progress,
            )
            .context("cannot write to standard output")?;
        join(reader);
        s
    } else if args.resume {
        let mut items = rx.into_iter().map(|(i, _)| i);
        let resumed = secdisc_infer::resume::resume(
            &args.output,
            label_opts.format,
            &run_key(args, &model_bytes),
            &mut items,
        )?;
        kept = (resumed.rows, resumed.security, resumed.errors);
        label_opts.header = !resumed.has_header;
        if resumed.rows > 0 {
            eprintln!(
                "secdisc: resuming after the {} rows in {} ({} of them errors)",
                resumed.rows,
                resumed.path.display(),
                resumed.errors
            );
        }
        let mut out = BufWriter::with_capacity(1 << 16, &resumed.file);
        let s = labeler
            .label_stream(items, &mut out, &label_opts, &mut progress)
            .with_context(|| format!("cannot write {}", resumed.path.display()))?;
        drop(out);
        resumed
            .file
            .sync_all()
            .with_context(|| format!("cannot write {}", resumed.path.display()))?;
        if join(reader) {
            eprintln!(
                "secdisc: input stopped early; rows so far are in {}: fix the input and rerun with --resume",
                resumed.path.display()
            );
        } else {
            std::fs::rename(&resumed.path, &args.output).with_context(|| {
                format!(
                    "cannot rename {} to {}",
                    resumed.path.display(),
                    args.output.display()
                )
            })?;
            // The finished file is checked by its ids alone when resumed again.
            let key = secdisc_infer::resume::run_key_path(&args.output);
            std::fs::remove_file(&key)
                .with_context(|| format!("cannot remove {}", key.display()))?;
        }
        s
    } else {
        write_file(
            &args.output,
            |file| {
                let mut out = BufWriter::with_capacity(1 << 16, file);
                let s = labeler.label_stream(
                    rx.into_iter().map(|(i, _)| i),
                    &mut out,
                    &label_opts,
                    &mut progress,
                )?;
                out.flush()?;
                Ok(s)
            },
            || join(reader),
        )?
    };
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let (kept_rows, kept_security, kept_errors) = kept;
    let resumed = if kept_rows > 0 {
        format!(" (after {kept_rows} rows already written: {kept_security} security, {kept_errors} errors)")
    } else {
        String::new()
    };
    let uncertain = if label_opts.decision.is_some_and(|d| d.abstain().is_some()) {
        format!(", {} uncertain", summary.uncertain)
    } else {
        String::new()
    };
    eprintln!(
        "secdisc: labelled {} records{resumed} from {name}: {} security{uncertain}, {} errors; {:.0} records/s, {:.1} MB/s of text",
        summary.records,
        summary.security,
        summary.errors,
        summary.records as f64 / secs.max(1e-9),
        summary.text_bytes as f64 / 1e6 / secs.max(1e-9)
    );
    if let Some(signal) = interrupt.signal() {
        eprintln!(
            "secdisc: error: stopped by {} after {} records; run the same command with --resume to continue from the rows kept",
            signal_name(signal),
            summary.records + kept_rows
        );
        return Ok(ExitCode::from(128 + signal as u8));
    }
    if let Some(err) = fatal {
        bail!(
            "stopped reading {name}: {err}; the {} rows before it were written",
            summary.records + kept_rows
        );
    }
    if let (Some(report), [input]) = (&args.report, args.inputs.as_slice()) {
        super::report::after_label(input, args.input_format, &args.output, report)?;
    }
    // Error rows kept from an interrupted run count as much as this run's: the file holds them.
    let errors = summary.errors + kept_errors;
    if errors > 0 {
        eprintln!(
            "secdisc: {errors} records could not be labelled; their rows carry an `error` field"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// What makes a resumable run's rows: the model file's SHA-256 and the flags that change rows.
/// A partial output is continued only by a run with the same key.
fn run_key(args: &LabelArgs, model: &[u8]) -> String {
    format!(
        "model sha256 {}; format {:?}, top terms {}, input format {:?}, {:?}{}",
        secdisc_train::sha256_hex(model),
        args.format,
        args.top_terms,
        args.input_format,
        args.export,
        // Only when given, so that runs without these flags keep their earlier key.
        match (args.decision.threshold, args.decision.abstain) {
            (None, None) => String::new(),
            (t, a) => format!(", threshold {t:?}, abstain {a:?}"),
        }
    )
}

/// Write through a temporary file next to `path`, renamed into place only on success. When the
/// input stopped early (`stopped_early` is called after `body`), the rows so far are kept as
/// `PATH.partial` instead.
fn write_file(
    path: &Path,
    body: impl FnOnce(&std::fs::File) -> std::io::Result<LabelSummary>,
    stopped_early: impl FnOnce() -> bool,
) -> anyhow::Result<LabelSummary> {
    let out = secdisc_output::AtomicFile::create(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let summary = body(out.file()).with_context(|| format!("cannot write {}", path.display()))?;
    // A device or FIFO (`/dev/null`) is written in place: there is nothing to keep aside.
    let stopped_early = stopped_early() && !out.is_in_place();
    let target = if stopped_early {
        secdisc_infer::resume::partial_path(path)
    } else {
        path.to_path_buf()
    };
    out.commit_as(&target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    if stopped_early {
        eprintln!(
            "secdisc: input stopped early; rows so far are in {}",
            target.display()
        );
    }
    Ok(summary)
}
