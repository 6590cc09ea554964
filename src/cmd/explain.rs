//! `secdisc explain`: why a model scores a text as it does, term by term.

use super::choice::choice;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context};
use secdisc_infer::{Explanation, InputItem};
use secdisc_ingest::{IngestError, LabelPolicy, ReadOptions, RecordFormat, RecordReader};
use secdisc_model::ModelBundle;
use secdisc_report::explanation::{json_line, text_block};

/// Flags of `secdisc explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Model file written by `secdisc train`.
    #[arg(long, short = 'm', value_name = "MODEL")]
    pub model: PathBuf,
    #[command(flatten)]
    pub encoder: super::vectors::EncoderArg,
    /// The text to explain, or `-` to read it whole from stdin (or give --input).
    #[arg(required_unless_present = "input", conflicts_with = "input")]
    pub text: Option<String>,
    /// Explain every record of a CSV/JSONL file with a `text` column/key, or `-` for stdin.
    #[arg(long, short = 'i', value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Terms shown per text, largest contribution first; 0 shows every term present.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    /// Print one JSON object per text (JSON lines).
    #[arg(long)]
    pub json: bool,
    /// Input layout of --input; guessed from the extension, then the first byte.
    #[arg(long, value_parser = choice(&RecordFormat::ALL, RecordFormat::name, RecordFormat::help))]
    pub input_format: Option<RecordFormat>,
}

/// Run `secdisc explain`. Exit 0 when every text was explained, 1 when a record had no text or
/// could not be read (the others are still explained).
pub fn run(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let bundle = ModelBundle::load(&args.model)?;
    let classifier = bundle.manifest.classifier.name.clone();
    let vectors = super::vectors::for_model(&bundle, args.encoder.encoder.as_deref())?;
    let labeler = super::vectors::labeler(&bundle, &vectors)?;
    let render = |id: Option<&str>, e: &Explanation| {
        if args.json {
            json_line(id, e, args.top, &classifier)
        } else {
            text_block(id, e, args.top, &classifier, " (--top 0 shows all)")
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let Some(input) = &args.input else {
        // clap guarantees TEXT when --input is absent.
        let mut text = args.text.clone().unwrap_or_default();
        if text == "-" {
            text.clear();
            std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text)
                .context("cannot read the text to explain from stdin (UTF-8 expected)")?;
        }
        let text = text.as_str();
        if text.trim().is_empty() {
            bail!("the text to explain is empty; pass a text or --input FILE");
        }
        out.write_all(render(None, &labeler.explain(text)?).as_bytes())?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    };
    let opts = ReadOptions {
        format: args.input_format.or_else(|| RecordFormat::from_path(input)),
        labels: LabelPolicy::Ignore,
        ..ReadOptions::default()
    };
    let reader = RecordReader::open(input, &opts)?;
    let name = reader.name().to_string();
    let fatal: Arc<Mutex<Option<IngestError>>> = Arc::default();
    let (mut explained, mut errors) = (0usize, 0usize);
    for item in secdisc_infer::record_items(reader, Arc::clone(&fatal)) {
        let block = match &item {
            // Record files give records only (an export's prepared units go to `label`).
            InputItem::Record {
                id,
                text: Some(text),
            }
            | InputItem::Prepared { id, text }
                if !text.trim().is_empty() =>
            {
                explained += 1;
                render(Some(id), &labeler.explain(text)?)
            }
            InputItem::Record { id, .. } | InputItem::Prepared { id, .. } => {
                errors += 1;
                eprintln!("secdisc: {name}: record `{id}` has no text; skipped");
                continue;
            }
            InputItem::Unreadable { id, error } => {
                errors += 1;
                eprintln!("secdisc: {id}: {error}; skipped");
                continue;
            }
        };
        if !args.json && explained > 1 {
            out.write_all(b"\n")?;
        }
        out.write_all(block.as_bytes())?;
    }
    out.flush()?;
    if let Some(err) = fatal.lock().ok().and_then(|mut e| e.take()) {
        bail!("stopped reading {name}: {err}; the {explained} records before it were explained");
    }
    if errors > 0 {
        eprintln!(
            "secdisc: explained {explained} records from {name}; {errors} could not be explained"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
