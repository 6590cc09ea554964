//! Output rows and their JSONL / CSV encodings.

use std::borrow::Cow;

use serde::Serialize;

/// Output encodings of `secdisc label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON object per line: `{"id","label","score","terms"}` plus `"error"` on failure.
    Jsonl,
    /// `id,label,score,terms,error` with a header; terms joined by `; `.
    Csv,
}

impl OutputFormat {
    /// Every value, in help order.
    pub const ALL: [OutputFormat; 2] = [OutputFormat::Jsonl, OutputFormat::Csv];

    /// The short name users choose it by (`jsonl`).
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Csv => "csv",
        }
    }

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            OutputFormat::Jsonl => "One JSON object per line",
            OutputFormat::Csv => "CSV with a header",
        }
    }
}

/// One output row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelRow<'a> {
    /// The record's id.
    pub id: &'a str,
    /// `security` or `non-security`; `None` when the record could not be labelled.
    pub label: Option<&'static str>,
    /// Probability of security, rounded to 6 decimals.
    pub score: Option<f64>,
    /// Terms that pushed the score towards security most, strongest first.
    pub terms: Vec<String>,
    /// Why the record could not be labelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Cow<'a, str>>,
}

impl<'a> LabelRow<'a> {
    /// The row of a record that could not be labelled.
    pub fn failed(id: &'a str, error: impl Into<Cow<'a, str>>) -> LabelRow<'a> {
        LabelRow {
            id,
            label: None,
            score: None,
            terms: Vec::new(),
            error: Some(error.into()),
        }
    }
}

impl OutputFormat {
    /// The header line, if the format has one.
    pub fn header(self) -> Option<&'static str> {
        match self {
            OutputFormat::Jsonl => None,
            OutputFormat::Csv => Some("id,label,score,terms,error\n"),
        }
    }

    /// Append the encoding of `row` (with its line terminator) to `out`.
    pub fn encode(self, row: &LabelRow<'_>, out: &mut Vec<u8>) {
        match self {
            OutputFormat::Jsonl => {
                // Serialising a struct of strings and finite numbers into a Vec cannot fail.
                serde_json::to_writer(&mut *out, row).expect("label row serialises");
                out.push(b'\n');
            }
            OutputFormat::Csv => {
                let score = row.score.map(|s| s.to_string()).unwrap_or_default();
                let terms = row.terms.join("; ");
                let fields = [
                    row.id,
                    row.label.unwrap_or(""),
                    &score,
                    &terms,
                    row.error.as_deref().unwrap_or(""),
                ];
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .terminator(csv::Terminator::Any(b'\n'))
                    .from_writer(&mut *out);
                // Writing to a Vec cannot fail.
                w.write_record(fields).expect("csv row into memory");
                w.flush().expect("csv flush into memory");
            }
        }
    }
}

/// Round to 6 decimals so output is short and stable.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_both_formats() {
        let row = LabelRow {
            id: "a,1",
            label: Some("security"),
            score: Some(0.25),
            terms: vec!["jwt".into(), "token".into()],
            error: None,
        };
        let mut out = Vec::new();
        OutputFormat::Jsonl.encode(&row, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"id\":\"a,1\",\"label\":\"security\",\"score\":0.25,\"terms\":[\"jwt\",\"token\"]}\n"
        );
        let mut out = Vec::new();
        OutputFormat::Csv.encode(&row, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a,1\",security,0.25,jwt; token,\n"
        );
        let bad = LabelRow::failed("x", "no text");
        let mut out = Vec::new();
        OutputFormat::Jsonl.encode(&bad, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"id\":\"x\",\"label\":null,\"score\":null,\"terms\":[],\"error\":\"no text\"}\n"
        );
    }
}
