//! The end-of-run report: records in, units out, dropped by reason, skipped errors.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::record::Label;

/// Why a record or unit did not make it to the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DropReason {
    /// A record written by a bot (`[bot]` accounts, GitHub `type: Bot`, the configured list).
    Bot,
    /// An input item that is not conversation: GH Archive events other than issues, comments and
    /// pull requests, Stack Exchange tag wikis and other post types, `PostHistory.xml` and
    /// `Tags.xml` rows, wrapper fields such as `startAt`.
    NotConversation,
    /// A record with neither title nor body.
    NoText,
    /// A paragraph with no prose left after cleaning.
    NoProse,
    /// A unit removed by `--dedup`.
    Duplicate,
}

impl DropReason {
    /// The name used in the summary: `bot`, `not_conversation`, `no_text`, `no_prose`, `duplicate`.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Bot => "bot",
            DropReason::NotConversation => "not_conversation",
            DropReason::NoText => "no_text",
            DropReason::NoProse => "no_prose",
            DropReason::Duplicate => "duplicate",
        }
    }
}

/// What one input contributed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InputSummary {
    /// The path as given, or `<stdin>`.
    pub name: String,
    /// The format it was read as, for example `github` or `stackexchange`.
    pub format: String,
    /// Items read from it (issues, comments, posts, events, rows).
    pub records_in: u64,
    /// Errors skipped in it ([`ErrorMode::KeepGoing`](crate::ErrorMode::KeepGoing)).
    pub skipped: u64,
}

/// Counts of output units by label.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LabelCounts {
    /// Units labelled security.
    pub security: u64,
    /// Units labelled non-security.
    pub non_security: u64,
    /// Units without a label.
    pub unlabelled: u64,
}

/// The report of one run; printed as text or JSON on stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// One entry per input, in the order read.
    pub inputs: Vec<InputSummary>,
    /// Items read from all inputs (issues, comments, posts, events, rows).
    pub records_in: u64,
    /// Accepted records by kind (`issue`, `comment`, `question`, ...), before cleaning.
    pub records_by_kind: BTreeMap<String, u64>,
    /// The output unit: `paragraph`, `comment` or `thread`.
    pub unit: String,
    /// Units written.
    pub units_out: u64,
    /// Output units by label.
    pub labels: LabelCounts,
    /// Input items dropped whole, by reason (`bot`, `not_conversation`, `no_text`).
    pub records_dropped: BTreeMap<String, u64>,
    /// Paragraphs dropped inside records (`no_prose`).
    pub paragraphs_dropped: BTreeMap<String, u64>,
    /// Output units dropped (`duplicate`: merged by `--dedup`; `no_prose`: a comment or thread with
    /// nothing left).
    pub units_dropped: BTreeMap<String, u64>,
    /// Errors skipped ([`ErrorMode::KeepGoing`](crate::ErrorMode::KeepGoing)).
    pub skipped: u64,
    /// The first skipped errors (at most 20), as messages with file and position.
    pub skipped_examples: Vec<String>,
}

/// How many skipped-error messages are kept for the report.
pub const MAX_SKIPPED_EXAMPLES: usize = 20;

impl Summary {
    pub(crate) fn add(map: &mut BTreeMap<String, u64>, reason: DropReason, n: u64) {
        if n > 0 {
            *map.entry(reason.as_str().to_string()).or_default() += n;
        }
    }

    pub(crate) fn count_label(&mut self, label: Option<Label>) {
        match label {
            Some(Label::Security) => self.labels.security += 1,
            Some(Label::NonSecurity) => self.labels.non_security += 1,
            None => self.labels.unlabelled += 1,
        }
    }

    pub(crate) fn record_skip(&mut self, message: String) {
        self.skipped += 1;
        if let Some(input) = self.inputs.last_mut() {
            input.skipped += 1;
        }
        if self.skipped_examples.len() < MAX_SKIPPED_EXAMPLES {
            self.skipped_examples.push(message);
        }
    }

    /// A human-readable multi-line report.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let kinds = join_counts(&self.records_by_kind);
        let _ = writeln!(
            s,
            "ingest: {} input(s), {} items read, {} {} units out",
            self.inputs.len(),
            self.records_in,
            self.units_out,
            self.unit
        );
        let _ = writeln!(
            s,
            "  records by kind: {}",
            if kinds.is_empty() {
                "none".to_string()
            } else {
                kinds
            }
        );
        for input in &self.inputs {
            let _ = writeln!(
                s,
                "  {}: {} items as {}{}",
                input.name,
                input.records_in,
                input.format,
                if input.skipped > 0 {
                    format!(", {} skipped", input.skipped)
                } else {
                    String::new()
                }
            );
        }
        let _ = writeln!(
            s,
            "  labels: {} security, {} non-security, {} unlabelled",
            self.labels.security, self.labels.non_security, self.labels.unlabelled
        );
        for (what, map) in [
            ("records dropped", &self.records_dropped),
            ("paragraphs dropped", &self.paragraphs_dropped),
            ("units dropped", &self.units_dropped),
        ] {
            if !map.is_empty() {
                let _ = writeln!(s, "  {what}: {}", join_counts(map));
            }
        }
        if self.skipped > 0 {
            let _ = writeln!(s, "  skipped after errors: {}", self.skipped);
            for m in &self.skipped_examples {
                let _ = writeln!(s, "    {m}");
            }
            if self.skipped as usize > self.skipped_examples.len() {
                let _ = writeln!(
                    s,
                    "    ... and {} more",
                    self.skipped as usize - self.skipped_examples.len()
                );
            }
        }
        s
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

fn join_counts(map: &BTreeMap<String, u64>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_report_lists_reasons_and_skips() {
        let mut s = Summary {
            unit: "paragraph".into(),
            ..Summary::default()
        };
        s.inputs.push(InputSummary {
            name: "a.json".into(),
            format: "github".into(),
            ..Default::default()
        });
        Summary::add(&mut s.records_dropped, DropReason::Bot, 2);
        Summary::add(&mut s.units_dropped, DropReason::Duplicate, 0);
        s.record_skip("a.json:3: bad".into());
        let text = s.to_text();
        assert!(text.contains("records dropped: bot 2"), "{text}");
        assert!(!text.contains("units dropped"), "{text}");
        assert!(text.contains("a.json:3: bad"), "{text}");
        assert!(text.contains("1 skipped"), "{text}");
        let json: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
        assert_eq!(json["skipped"], 1);
    }
}
