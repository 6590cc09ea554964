//! `secdisc explain`: why a model scores a text as it does, term by term.

use super::choice::choice;
use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context};
use secdisc_infer::{Explanation, InputItem, TermContribution};
use secdisc_ingest::{IngestError, LabelPolicy, ReadOptions, RecordFormat, RecordReader};
use secdisc_model::ModelBundle;
use serde::Serialize;

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

/// One explained text as `--json` prints it.
#[derive(Debug, Serialize)]
struct JsonRow<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    score: f64,
    label: &'static str,
    threshold: f64,
    /// `intercept + Σ contribution`; null when the classifier is not linear.
    decision: Option<f64>,
    intercept: Option<f64>,
    /// Terms present in the text; null when the classifier is not linear.
    terms: Option<&'a [TermContribution]>,
    /// Terms present in total (`terms` holds the first `--top`).
    terms_total: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

fn label(e: &Explanation) -> &'static str {
    if e.is_security {
        "security"
    } else {
        "non-security"
    }
}

fn not_linear(classifier: &str) -> String {
    format!("per-term contributions are not available: the {classifier} classifier is not linear")
}

fn shown(top: usize, total: usize) -> usize {
    if top == 0 {
        total
    } else {
        top.min(total)
    }
}

/// The JSON line of one explanation.
fn json_line(id: Option<&str>, e: &Explanation, top: usize, classifier: &str) -> String {
    let row = JsonRow {
        id,
        score: e.score,
        label: label(e),
        threshold: e.threshold,
        decision: e.linear.as_ref().map(|l| l.decision),
        intercept: e.linear.as_ref().map(|l| l.intercept),
        terms: e
            .linear
            .as_ref()
            .map(|l| &l.terms[..shown(top, l.terms.len())]),
        terms_total: e.linear.as_ref().map(|l| l.terms.len()),
        note: e.linear.is_none().then(|| not_linear(classifier)),
    };
    // A struct of strings and numbers always serialises (non-finite numbers become null).
    let mut s = serde_json::to_string(&row).unwrap_or_default();
    s.push('\n');
    s
}

/// The terminal layout of one explanation.
fn text_block(id: Option<&str>, e: &Explanation, top: usize, classifier: &str) -> String {
    let mut s = String::new();
    if let Some(id) = id {
        let _ = write!(s, "{id}: ");
    }
    let _ = writeln!(
        s,
        "{} (score {:.4}, threshold {:.4})",
        label(e),
        e.score,
        e.threshold
    );
    let Some(lin) = &e.linear else {
        let _ = writeln!(s, "  {}", not_linear(classifier));
        return s;
    };
    let _ = writeln!(
        s,
        "  decision value {:+.4} = intercept {:+.4} + {} term contributions (positive = towards security)",
        lin.decision,
        lin.intercept,
        lin.terms.len()
    );
    let n = shown(top, lin.terms.len());
    if n > 0 {
        let _ = writeln!(
            s,
            "  {:>9}  {:<24} {:>7} {:>9}",
            "contrib", "term", "tf-idf", "weight"
        );
    }
    for t in &lin.terms[..n] {
        let _ = writeln!(
            s,
            "  {:>+9.4}  {:<24} {:>7.4} {:>+9.4}",
            t.contribution, t.term, t.tfidf, t.weight
        );
    }
    if n < lin.terms.len() {
        let _ = writeln!(
            s,
            "  ... {} more terms (--top 0 shows all)",
            lin.terms.len() - n
        );
    }
    s
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
            text_block(id, e, args.top, &classifier)
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
            InputItem::Record {
                id,
                text: Some(text),
            } if !text.trim().is_empty() => {
                explained += 1;
                render(Some(id), &labeler.explain(text)?)
            }
            InputItem::Record { id, .. } => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use secdisc_infer::LinearExplanation;

    fn explanation(linear: bool) -> Explanation {
        Explanation {
            score: 0.75,
            threshold: 0.5,
            is_security: true,
            linear: linear.then(|| LinearExplanation {
                intercept: -0.5,
                decision: 1.0,
                terms: vec![
                    TermContribution {
                        term: "jwt".into(),
                        stem: None,
                        feature: None,
                        tfidf: 0.5,
                        weight: 2.0,
                        contribution: 1.0,
                    },
                    TermContribution {
                        term: "css".into(),
                        stem: None,
                        feature: None,
                        tfidf: 0.5,
                        weight: 1.0,
                        contribution: 0.5,
                    },
                ],
            }),
        }
    }

    #[test]
    fn text_layout_lists_the_top_terms_and_says_how_many_are_left() {
        let s = text_block(Some("r1"), &explanation(true), 1, "lr");
        assert!(
            s.starts_with("r1: security (score 0.7500, threshold 0.5000)"),
            "{s}"
        );
        assert!(
            s.contains("intercept -0.5000 + 2 term contributions"),
            "{s}"
        );
        assert!(s.contains("+1.0000  jwt"), "{s}");
        assert!(!s.contains("css"), "{s}");
        assert!(s.contains("1 more terms"), "{s}");
        let all = text_block(None, &explanation(true), 0, "lr");
        assert!(all.contains("css") && !all.contains("more terms"), "{all}");
        let nl = text_block(None, &explanation(false), 5, "forest");
        assert!(
            nl.contains("not available: the forest classifier is not linear"),
            "{nl}"
        );
    }

    #[test]
    fn json_line_truncates_terms_and_keeps_the_total() {
        let v: serde_json::Value =
            serde_json::from_str(&json_line(Some("a"), &explanation(true), 1, "lr")).unwrap();
        assert_eq!(v["terms"].as_array().unwrap().len(), 1);
        assert_eq!(v["terms_total"], 2);
        assert_eq!(v["label"], "security");
        assert!(v.get("note").is_none());
        let v: serde_json::Value =
            serde_json::from_str(&json_line(None, &explanation(false), 1, "knn")).unwrap();
        assert!(v["terms"].is_null() && v["intercept"].is_null());
        assert!(v["note"].as_str().unwrap().contains("knn"));
        assert!(v.get("id").is_none());
    }
}
