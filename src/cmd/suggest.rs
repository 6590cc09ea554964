//! `secdisc suggest`: write the unlabelled records most worth labelling next.
//!
//! The output keeps the record columns `secdisc` reads (`id`, `source`, `kind`, `group`,
//! `author`, `created_at`, `url` when any picked record has them, then `text`), adds an empty
//! `label` for a person to fill in, and `score` (the model's probability) and `reason` (why the
//! record was picked). Once the labels are filled in, `secdisc train CORPUS BATCH -o MODEL`
//! reads it back; a label left empty stops training with the file and line. The next round
//! passes `--exclude` with the files labelled so far, so no record is suggested twice.

use super::choice::choice;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use secdisc_infer::{OutputFormat, Strategy, SuggestParams};
use secdisc_ingest::{LabelPolicy, ReadOptions, Record, RecordFormat, RecordReader};
use secdisc_model::ModelBundle;
use serde::Serialize;

use super::dataset;

/// Flags of `secdisc suggest`.
#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    /// Model file written by `secdisc train`.
    #[arg(long, short = 'm', value_name = "MODEL")]
    pub model: PathBuf,
    #[command(flatten)]
    pub encoder: super::vectors::EncoderArg,
    /// Pool of records: CSV or JSONL with `text` (and usually `id`), or `-` for stdin.
    /// Records that already carry a label, or have no text, are left out (counted on stderr).
    pub pool: PathBuf,
    /// How many records to suggest.
    #[arg(short = 'n', long = "count", default_value_t = 50, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub n: usize,
    /// How to rank the pool.
    #[arg(long, default_value = "uncertainty", value_parser = choice(&Strategy::ALL, Strategy::as_str, Strategy::help))]
    pub strategy: Strategy,
    /// `mixed` draws diversity among the FACTOR × n most uncertain records.
    #[arg(long, default_value_t = 5, value_name = "FACTOR")]
    pub mixed_factor: usize,
    /// Seed of the diversity draws; the same seed gives the same suggestions.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output file, or `-` for stdout (the default). A file is written atomically.
    #[arg(long, short = 'o', default_value = "-")]
    pub output: PathBuf,
    /// Output encoding (the record layouts `train` reads back); default: from the output's
    /// extension, else the pool's format.
    #[arg(long, value_parser = choice(&OutputFormat::ALL, OutputFormat::name, OutputFormat::help))]
    pub format: Option<OutputFormat>,
    /// Pool layout; guessed from the extension, then the first byte.
    #[arg(long, value_parser = choice(&RecordFormat::ALL, RecordFormat::name, RecordFormat::help))]
    pub input_format: Option<RecordFormat>,
    /// Leave out pool records whose id appears in FILE (CSV or JSONL, for example the training
    /// data and the batches labelled so far). Repeat for several files.
    #[arg(long, value_name = "FILE")]
    pub exclude: Vec<PathBuf>,
}

/// One output row: the record's columns, an empty label, the score and the reason.
#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    text: &'a str,
    label: &'static str,
    score: f64,
    reason: &'a str,
}

/// Run `secdisc suggest`.
pub fn run(args: &SuggestArgs) -> anyhow::Result<ExitCode> {
    dataset::check_outputs(
        [&args.output],
        [&args.model, &args.pool].into_iter().chain(&args.exclude),
    )?;
    let params = SuggestParams::default()
        .n(args.n)
        .strategy(args.strategy)
        .seed(args.seed)
        .mixed_factor(args.mixed_factor)
        .check()?;
    let bundle = ModelBundle::load(&args.model)?;
    let read_format = args
        .input_format
        .or_else(|| RecordFormat::from_path(&args.pool));
    let opts = ReadOptions {
        format: read_format,
        labels: LabelPolicy::Optional,
        ..ReadOptions::default()
    };
    let excluded = excluded_ids(&args.exclude)?;
    let reader = RecordReader::open(&args.pool, &opts)?;
    let name = reader.name().to_string();
    let mut records: Vec<Record> = Vec::new();
    let (mut labelled, mut empty, mut skipped) = (0usize, 0usize, 0usize);
    for item in reader {
        let located = item.with_context(|| {
            format!("cannot read the pool {name}; fix the record or remove it, then rerun")
        })?;
        let record = located.record;
        if record.label.is_some() {
            labelled += 1;
        } else if excluded.contains(&record.id) {
            skipped += 1;
        } else if !matches!(record.text.as_deref(), Some(t) if !t.trim().is_empty()) {
            empty += 1;
        } else {
            records.push(record);
        }
    }
    if records.is_empty() {
        bail!(
            "{name}: no unlabelled records with text to suggest ({labelled} already labelled, {empty} without text, {skipped} excluded by id)"
        );
    }
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    let texts: Vec<String> = records
        .iter()
        .map(|r| r.text.clone().unwrap_or_default())
        .collect();
    let started = std::time::Instant::now();
    let vectors = super::vectors::for_model(&bundle, args.encoder.encoder.as_deref())?;
    let labeler = super::vectors::labeler(&bundle, &vectors)?;
    let picks = params.select(&labeler, &ids, &texts)?;
    let format = match args.format {
        Some(f) => f,
        None => match RecordFormat::from_path(&args.output)
            .or(read_format)
            .unwrap_or(RecordFormat::Jsonl)
        {
            RecordFormat::Csv => OutputFormat::Csv,
            RecordFormat::Jsonl => OutputFormat::Jsonl,
        },
    };
    let rows: Vec<Row<'_>> = picks
        .iter()
        .map(|p| {
            let r = &records[p.index];
            Row {
                id: &r.id,
                source: r.source.as_deref(),
                kind: r.kind.as_deref(),
                group: r.group.as_deref(),
                author: r.author.as_deref(),
                created_at: r.created_at.as_deref(),
                url: r.url.as_deref(),
                text: &texts[p.index],
                label: "",
                score: (p.score * 1e6).round() / 1e6,
                reason: &p.reason,
            }
        })
        .collect();
    let bytes = match format {
        OutputFormat::Jsonl => encode_jsonl(&rows)?,
        OutputFormat::Csv => encode_csv(&rows)?,
    };
    if args.output == Path::new("-") {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        out.write_all(&bytes)?;
        out.flush()?;
    } else {
        secdisc_output::write_atomically(&args.output, &bytes)
            .with_context(|| format!("cannot write {}", args.output.display()))?;
    }
    eprintln!(
        "secdisc: suggested {} of {} unlabelled records from {name} ({}, seed {}) in {:.2} s; \
         left out {labelled} already labelled, {empty} without text and {skipped} excluded by id; \
         fill in `label`, then \
         `secdisc train DATA... {} -o MODEL`",
        rows.len(),
        records.len(),
        args.strategy.as_str(),
        args.seed,
        started.elapsed().as_secs_f64(),
        if args.output == Path::new("-") {
            "BATCH".to_string()
        } else {
            args.output.display().to_string()
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Ids of every record in `files` (labels and text are not looked at).
fn excluded_ids(files: &[PathBuf]) -> anyhow::Result<HashSet<String>> {
    let mut ids = HashSet::new();
    for path in files {
        let opts = ReadOptions {
            labels: LabelPolicy::Ignore,
            ..ReadOptions::default()
        };
        let reader = RecordReader::open(path, &opts)?;
        for item in reader {
            let located = item.with_context(|| {
                format!("cannot read the ids to exclude from {}", path.display())
            })?;
            ids.insert(located.record.id);
        }
    }
    Ok(ids)
}

fn encode_jsonl(rows: &[Row<'_>]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    for row in rows {
        serde_json::to_writer(&mut out, row)?;
        out.push(b'\n');
    }
    Ok(out)
}

/// CSV with the optional record columns only when some row has them.
fn encode_csv(rows: &[Row<'_>]) -> anyhow::Result<Vec<u8>> {
    type Get = for<'r> fn(&'r Row<'_>) -> Option<&'r str>;
    let optional: [(&str, Get); 6] = [
        ("source", |r| r.source),
        ("kind", |r| r.kind),
        ("group", |r| r.group),
        ("author", |r| r.author),
        ("created_at", |r| r.created_at),
        ("url", |r| r.url),
    ];
    let present: Vec<(&str, Get)> = optional
        .into_iter()
        .filter(|(_, get)| rows.iter().any(|r| get(r).is_some()))
        .collect();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut header = vec!["id"];
    header.extend(present.iter().map(|(n, _)| *n));
    header.extend(["text", "label", "score", "reason"]);
    w.write_record(&header)?;
    for r in rows {
        let score = r.score.to_string();
        let mut fields = vec![r.id];
        fields.extend(present.iter().map(|(_, get)| get(r).unwrap_or("")));
        fields.extend([r.text, r.label, score.as_str(), r.reason]);
        w.write_record(&fields)?;
    }
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot encode CSV: {e}"))
}
