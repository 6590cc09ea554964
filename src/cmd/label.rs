//! `secdisc label`: label every record of a file or stream with a trained model.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context};
use secdisc_features::ModelBundle;
use secdisc_infer::{InputItem, LabelOptions, LabelSummary, Labeler, OutputFormat};
use secdisc_ingest::{IngestError, LabelPolicy, ReadOptions, RecordFormat, RecordReader};

use super::dataset::{self, InputFormat};

/// Output encoding flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormatArg {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header.
    Csv,
}

/// Flags of `secdisc label`.
#[derive(Debug, clap::Args)]
pub struct LabelArgs {
    /// Model file written by `secdisc train`.
    #[arg(long, short = 'm', value_name = "MODEL")]
    pub model: PathBuf,
    /// Records to label: CSV or JSONL with a `text` column/key (and usually `id`), or `-`.
    pub input: PathBuf,
    /// Output file, or `-` for stdout (the default). A file is written atomically.
    #[arg(long, short = 'o', default_value = "-")]
    pub output: PathBuf,
    /// Output encoding.
    #[arg(long, value_enum, default_value_t = OutputFormatArg::Jsonl)]
    pub format: OutputFormatArg,
    /// How many of the terms that pushed each score up to report.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub top_terms: usize,
    /// Input layout; guessed from the extension, then the first byte.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// After labelling, also write the backlog page of `secdisc report` for these labels and
    /// this input to FILE (needs --output FILE and an input file).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// Run `secdisc label`. Exit 0 when every record was labelled, 1 when any row carries an
/// error (all other rows are still written) or the input could not be read to its end.
pub fn run(args: &LabelArgs) -> anyhow::Result<ExitCode> {
    dataset::check_output_dir(&args.output)?;
    if let Some(report) = &args.report {
        super::report::check_label_report(&args.input, &args.output, report)?;
    }
    let bundle = ModelBundle::load(&args.model)?;
    let opts = ReadOptions {
        format: args
            .input_format
            .map(InputFormat::record_format)
            .or_else(|| RecordFormat::from_path(&args.input)),
        labels: LabelPolicy::Ignore,
        ..ReadOptions::default()
    };
    let reader = RecordReader::open(&args.input, &opts)?;
    let name = reader.name().to_string();
    let fatal: Arc<Mutex<Option<IngestError>>> = Arc::default();
    let items = to_items(reader, Arc::clone(&fatal));
    let label_opts = LabelOptions {
        format: match args.format {
            OutputFormatArg::Jsonl => OutputFormat::Jsonl,
            OutputFormatArg::Csv => OutputFormat::Csv,
        },
        top_terms: args.top_terms,
        ..LabelOptions::default()
    };
    let labeler = Labeler::new(&bundle);
    let started = std::time::Instant::now();
    let bar = crate::progress::counter("labelling");
    let mut progress = |s: &LabelSummary| bar.set_position(s.records);
    let summary = if args.output == Path::new("-") {
        let stdout = std::io::stdout();
        let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
        labeler.label_stream(items, &mut out, &label_opts, &mut progress)?
    } else {
        write_file(
            &args.output,
            |out| labeler.label_stream(items, out, &label_opts, &mut progress),
            &fatal,
        )?
    };
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "secdisc: labelled {} records from {name}: {} security, {} errors; {:.0} records/s, {:.1} MB/s of text",
        summary.records,
        summary.security,
        summary.errors,
        summary.records as f64 / secs.max(1e-9),
        summary.text_bytes as f64 / 1e6 / secs.max(1e-9)
    );
    if let Some(err) = fatal.lock().ok().and_then(|mut e| e.take()) {
        bail!(
            "stopped reading {name}: {err}; the {} rows before it were written",
            summary.records
        );
    }
    if let Some(report) = &args.report {
        super::report::after_label(&args.input, args.input_format, &args.output, report)?;
    }
    if summary.errors > 0 {
        eprintln!(
            "secdisc: {} records could not be labelled; their rows carry an `error` field",
            summary.errors
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Records as labeller items. Record-level read errors become error rows; an error that stops
/// the reader (I/O, an oversized record) is kept in `fatal` and ends the stream.
pub(super) fn to_items(
    reader: RecordReader,
    fatal: Arc<Mutex<Option<IngestError>>>,
) -> impl Iterator<Item = InputItem> + Send {
    let name = reader.name().to_string();
    reader.map_while(move |item| match item {
        Ok(located) => Some(InputItem::Record {
            id: located.record.id,
            text: located.record.text,
        }),
        Err(e @ (IngestError::Io { .. } | IngestError::RecordTooLarge { .. })) => {
            if let Ok(mut slot) = fatal.lock() {
                *slot = Some(e);
            }
            None
        }
        Err(e) => Some(InputItem::Unreadable {
            id: error_location(&name, &e),
            error: e.to_string(),
        }),
    })
}

fn error_location(name: &str, e: &IngestError) -> String {
    match e {
        IngestError::Csv { pos, .. }
        | IngestError::Json { pos, .. }
        | IngestError::BadField { pos, .. }
        | IngestError::MissingField { pos, .. }
        | IngestError::InvalidUtf8 { pos, .. } => pos.to_string(),
        _ => name.to_string(),
    }
}

/// Write through a temporary file next to `path`, renamed into place only on success. When the
/// input stopped early, the rows so far are kept as `PATH.partial` instead.
fn write_file(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<LabelSummary>,
    fatal: &Mutex<Option<IngestError>>,
) -> anyhow::Result<LabelSummary> {
    if secdisc_features::writes_in_place(path) {
        // A device or FIFO (`/dev/null`, `/dev/full`): renaming over it would replace it.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        let summary = body(&mut out).with_context(|| format!("cannot write {}", path.display()))?;
        out.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
        return Ok(summary);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".secdisc-label-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    let mut out = BufWriter::with_capacity(1 << 16, tmp.as_file());
    let summary = body(&mut out).with_context(|| format!("cannot write {}", path.display()))?;
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    drop(out);
    secdisc_features::publish(tmp.as_file())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let stopped_early = fatal.lock().map(|f| f.is_some()).unwrap_or(true);
    let target = if stopped_early {
        let mut p = path.as_os_str().to_owned();
        p.push(".partial");
        PathBuf::from(p)
    } else {
        path.to_path_buf()
    };
    tmp.persist(&target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    if stopped_early {
        eprintln!(
            "secdisc: input stopped early; rows so far are in {}",
            target.display()
        );
    }
    Ok(summary)
}
