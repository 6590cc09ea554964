//! `secdisc bench`: a quick self-check of this machine's speed, stage by stage, on the shipped
//! corpus and model (or the user's): records/s and MB/s for reading, tokenizing, TF-IDF fitting,
//! transforming, training logistic regression and end-to-end labelling.
//!
//! The defaults are paths relative to the current directory (`data/corpus.csv`,
//! `models/default.json`), then relative to the checkout the binary was built from, so it runs
//! as is from any directory while that checkout exists; otherwise it says which flag to pass. A synthetic corpus would measure text that is not like the user's, so none is embedded.

use super::choice::choice;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use secdisc_infer::{InputItem, LabelOptions, Labeler};
use secdisc_ingest::{LabelPolicy, ReadOptions, RecordFormat, RecordReader};
use secdisc_model::ModelBundle;
use secdisc_train::{ClassifierParams, LogisticRegressionParams};
use serde::Serialize;

use super::output;

/// Shipped corpus, relative to the current directory.
const DEFAULT_DATA: &str = "data/corpus.csv";
/// Shipped model, relative to the current directory.
const DEFAULT_MODEL: &str = "models/default.json";

/// Flags of `secdisc bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Records to time (CSV or JSONL with `text`; `label` too for the training stage).
    #[arg(long, value_name = "FILE", default_value = DEFAULT_DATA)]
    pub data: PathBuf,
    /// Model for the labelling stage; its TF-IDF settings are used for the other stages.
    #[arg(long, short = 'm', value_name = "MODEL", default_value = DEFAULT_MODEL)]
    pub model: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Repeat each stage until it has run this many seconds in all (at least once, at most 1000
    /// times) and report the fastest run.
    #[arg(long, value_name = "SECS", default_value_t = 0.25, value_parser = seconds)]
    pub min_time: f64,
    /// Input layout; guessed from the extension, then the first byte.
    #[arg(long, value_parser = choice(&RecordFormat::ALL, RecordFormat::name, RecordFormat::help))]
    pub input_format: Option<RecordFormat>,
}

/// The whole report (`--json`).
#[derive(Debug, Serialize)]
pub struct BenchReport {
    /// Version of this binary.
    pub secdisc_version: String,
    /// Data file timed.
    pub data: String,
    /// Model file used for labelling.
    pub model: String,
    /// Records read.
    pub records: usize,
    /// Bytes of text in those records.
    pub text_bytes: usize,
    /// Bytes of the data file.
    pub file_bytes: u64,
    /// Threads of the rayon pool (tokenizing, TF-IDF, labelling run in parallel).
    pub threads: usize,
    /// One entry per stage, in pipeline order.
    pub stages: Vec<StageReport>,
    /// Wall time of the whole command.
    pub total_seconds: f64,
}

/// One stage's timing.
#[derive(Debug, Serialize)]
pub struct StageReport {
    /// `read`, `tokenize`, `tfidf_fit`, `transform`, `train_lr` or `label`.
    pub stage: &'static str,
    /// What the stage does.
    pub what: &'static str,
    /// Runs made; 0 when skipped.
    pub runs: usize,
    /// Fastest run, seconds.
    pub seconds: f64,
    /// Records per run.
    pub records: usize,
    /// Bytes per run (of the file for `read`, of text otherwise).
    pub bytes: u64,
    /// Records per second of the fastest run.
    pub records_per_second: f64,
    /// 10^6 bytes per second of the fastest run.
    pub mb_per_second: f64,
    /// Why the stage did not run, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// Run `secdisc bench`.
pub fn run(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let min_time = Duration::from_secs_f64(args.min_time);
    let data = require(&args.data, DEFAULT_DATA, "--data FILE")?;
    let data = data.as_path();
    let model_path = require(&args.model, DEFAULT_MODEL, "--model MODEL")?;
    let model_path = model_path.as_path();
    let bundle = ModelBundle::load(model_path)?;
    let file_bytes = std::fs::metadata(data)
        .with_context(|| format!("cannot read {}", data.display()))?
        .len();

    let mut stages = Vec::new();
    let (read, records) = time(min_time, || read_records(data, args.input_format))?;
    let texts: Vec<String> = records.iter().map(|r| r.0.clone()).collect();
    let text_bytes: usize = texts.iter().map(String::len).sum();
    let n = texts.len();
    stages.push(read.report("read", "parse the data file into records", n, file_bytes));

    let tfidf = bundle
        .vectorizer
        .params()
        .clone()
        .check()
        .context("the model's TF-IDF parameters are invalid")?;
    let tb = text_bytes as u64;
    let (t, corpus) = time(min_time, || Ok(tfidf.tokenize(&texts)))?;
    stages.push(t.report("tokenize", "texts to analysed terms", n, tb));
    let rows: Vec<usize> = (0..n).collect();
    let (t, vectorizer) = time(min_time, || Ok(tfidf.fit_tokenized(&corpus, &rows)?))?;
    stages.push(t.report("tfidf_fit", "vocabulary and IDF from the terms", n, tb));
    let (t, x) = time(min_time, || Ok(vectorizer.transform(&texts)))?;
    stages.push(t.report("transform", "texts to TF-IDF rows", n, tb));

    stages.push(train_stage(&records, &x, min_time, tb)?);
    drop((corpus, vectorizer));

    let labeler = Labeler::new(&bundle)?;
    let (t, _) = time(min_time, || {
        let items = texts.iter().enumerate().map(|(i, t)| InputItem::Record {
            id: i.to_string(),
            text: Some(t.clone()),
        });
        Ok(labeler.label_stream(
            items,
            &mut std::io::sink(),
            &LabelOptions::default(),
            &mut |_| {},
        )?)
    })?;
    stages.push(t.report(
        "label",
        "featurize, score, top terms, JSONL rows (the model)",
        n,
        tb,
    ));

    let report = BenchReport {
        secdisc_version: env!("CARGO_PKG_VERSION").to_string(),
        data: data.display().to_string(),
        model: model_path.display().to_string(),
        records: n,
        text_bytes,
        file_bytes,
        threads: rayon::current_num_threads(),
        stages,
        total_seconds: started.elapsed().as_secs_f64(),
    };
    output::print_report(&report, None, args.json, || render(&report))?;
    Ok(ExitCode::SUCCESS)
}

/// A number of seconds, finite and at least 0 (a usage error otherwise).
/// The longest `--min-time`: an hour per stage is more than any timing needs, and a bound keeps
/// the value a `Duration` can hold (`1e20` panicked).
const MAX_MIN_TIME: f64 = 3600.0;

fn seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=MAX_MIN_TIME).contains(&v) => Ok(v),
        _ => Err(format!(
            "expected a number of seconds from 0 to {MAX_MIN_TIME}, got `{s}`"
        )),
    }
}

/// `path` if it exists, else an error that says how to point at one.
fn require(path: &Path, default: &str, flag: &str) -> anyhow::Result<PathBuf> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    if path == Path::new(default) {
        // From another directory: the checkout this binary was built from, if it is still there
        // (issue 14 item 8: `bench` runs from any directory).
        let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join(default);
        if built_from.is_file() {
            return Ok(built_from);
        }
        bail!(
            "{default} not found in the current directory {} nor in the checkout this secdisc was built from: `secdisc bench` defaults to the \
             files shipped in the secdisc repository; run it from the repository root or pass {flag}",
            std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|_| "(unknown)".into())
        );
    }
    bail!(
        "{} not found; pass an existing file to {flag}",
        path.display()
    )
}

/// Text and label (when present) of every record that has text.
fn read_records(
    path: &Path,
    format: Option<RecordFormat>,
) -> anyhow::Result<Vec<(String, Option<bool>)>> {
    let opts = ReadOptions {
        format: format.or_else(|| RecordFormat::from_path(path)),
        labels: LabelPolicy::Optional,
        ..ReadOptions::default()
    };
    let mut out = Vec::new();
    for item in RecordReader::open(path, &opts)? {
        let record = item?.record;
        if let Some(text) = record.text.filter(|t| !t.trim().is_empty()) {
            out.push((text, record.label.map(|l| l.is_security())));
        }
    }
    if out.is_empty() {
        bail!(
            "{}: no records with text; `secdisc bench` needs a CSV or JSONL file with a `text` column",
            path.display()
        );
    }
    Ok(out)
}

/// Logistic regression (default parameters) on all rows, or a skipped stage when the data is
/// not fully labelled with both classes.
fn train_stage(
    records: &[(String, Option<bool>)],
    x: &secdisc_features::CsrMatrix,
    min_time: Duration,
    text_bytes: u64,
) -> anyhow::Result<StageReport> {
    const WHAT: &str = "fit logistic regression on the TF-IDF rows";
    let labels: Option<Vec<bool>> = records.iter().map(|r| r.1).collect();
    let skip = match &labels {
        None => Some("some records have no label".to_string()),
        Some(l) if !l.contains(&true) || !l.contains(&false) => {
            Some("the labels are all of one class".to_string())
        }
        Some(_) => None,
    };
    let (Some(labels), None) = (labels, &skip) else {
        return Ok(StageReport {
            stage: "train_lr",
            what: WHAT,
            runs: 0,
            seconds: 0.0,
            records: records.len(),
            bytes: text_bytes,
            records_per_second: 0.0,
            mb_per_second: 0.0,
            skipped: skip,
        });
    };
    let lr = ClassifierParams::Lr(LogisticRegressionParams::default());
    let (t, _) = time(min_time, || Ok(lr.fit(x, &labels, 42)?))?;
    Ok(t.report("train_lr", WHAT, records.len(), text_bytes))
}

/// Runs and fastest run of a timed stage.
struct Timing {
    runs: usize,
    best: f64,
}

impl Timing {
    fn report(
        &self,
        stage: &'static str,
        what: &'static str,
        records: usize,
        bytes: u64,
    ) -> StageReport {
        let secs = self.best.max(1e-9);
        StageReport {
            stage,
            what,
            runs: self.runs,
            seconds: self.best,
            records,
            bytes,
            records_per_second: records as f64 / secs,
            mb_per_second: bytes as f64 / 1e6 / secs,
            skipped: None,
        }
    }
}

/// Run `f` until `min_time` has passed in all (at least once, at most 1000 times); the fastest
/// run and the last result.
fn time<T>(
    min_time: Duration,
    mut f: impl FnMut() -> anyhow::Result<T>,
) -> anyhow::Result<(Timing, T)> {
    let started = Instant::now();
    let mut best = f64::INFINITY;
    let mut runs = 0;
    loop {
        let t = Instant::now();
        let out = f()?;
        best = best.min(t.elapsed().as_secs_f64());
        runs += 1;
        if runs >= 1000 || started.elapsed() >= min_time {
            return Ok((Timing { runs, best }, out));
        }
    }
}

fn render(r: &BenchReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "secdisc {} bench: {} ({} records, {:.2} MB of text), model {}, {} threads",
        r.secdisc_version,
        r.data,
        r.records,
        r.text_bytes as f64 / 1e6,
        r.model,
        r.threads
    );
    let _ = writeln!(
        s,
        "{:<10} {:>5} {:>10} {:>12} {:>8}  what",
        "stage", "runs", "best s", "records/s", "MB/s"
    );
    for st in &r.stages {
        match &st.skipped {
            Some(why) => {
                let _ = writeln!(s, "{:<10} skipped: {why}", st.stage);
            }
            None => {
                let _ = writeln!(
                    s,
                    "{:<10} {:>5} {:>10.4} {:>12.0} {:>8.1}  {}",
                    st.stage, st.runs, st.seconds, st.records_per_second, st.mb_per_second, st.what
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "total {:.1} s; MB/s counts the file for `read`, the texts otherwise; best of the runs",
        r.total_seconds
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_runs_at_least_once_and_at_most_a_thousand_times() {
        let mut calls = 0;
        let (t, _) = time(Duration::ZERO, || {
            calls += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!((t.runs, calls), (1, 1));
        let (t, _) = time(Duration::from_secs(3600), || Ok(())).unwrap();
        assert_eq!(t.runs, 1000);
    }

    #[test]
    fn seconds_are_finite_and_not_negative() {
        assert_eq!(seconds("0"), Ok(0.0));
        assert_eq!(seconds("1.5"), Ok(1.5));
        for bad in ["-1", "NaN", "inf", "soon", "1e20", "3601"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn report_divides_by_the_fastest_run() {
        let t = Timing { runs: 3, best: 0.5 };
        let r = t.report("read", "x", 100, 2_000_000);
        assert_eq!(r.records_per_second, 200.0);
        assert_eq!(r.mb_per_second, 4.0);
    }
}
