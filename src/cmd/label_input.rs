//! The flags of `secdisc label` that say how exports are read; the reading itself is
//! [`secdisc_infer::LabelInputs`].

use super::choice::choice;
use secdisc_infer::InputParams;
use secdisc_ingest::{ExportFormat, IngestParams, RecordFormat, Unit};

use super::ingest::CleanArgs;

/// How `label` reads exports: the `ingest` flags that make sense when labelling.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Exports (as `secdisc ingest`)")]
pub struct ExportArgs {
    /// Read every export input as this format instead of detecting it (github, jira-json,
    /// jira-xml, jira-csv, stackexchange, sede).
    #[arg(long, value_name = "FORMAT", value_parser = parse_export_format)]
    pub export_format: Option<ExportFormat>,
    /// What one labelled record of an export holds.
    #[arg(long, default_value = "paragraph", value_parser = choice(&Unit::ALL, Unit::as_str, Unit::help))]
    pub unit: Unit,
    #[command(flatten)]
    pub clean: CleanArgs,
    /// Set the `source` of every export record (for Stack Exchange: the site used in ids).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Largest accepted item (JSON value, XML row, CSV row or record line) in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_record_bytes: usize,
}

fn parse_export_format(s: &str) -> Result<ExportFormat, String> {
    s.parse()
}

impl ExportArgs {
    /// How to read the inputs: record files of `record_format` (or sniffed), exports as
    /// `ingest` would read them with these flags (a bad unit becomes an error row).
    pub fn input_params(&self, record_format: Option<RecordFormat>) -> InputParams {
        InputParams {
            record_format,
            export: IngestParams::default()
                .unit(self.unit)
                .clean(self.clean.params())
                .bots(self.clean.bots())
                .max_record_bytes(self.max_record_bytes)
                .source(self.source.clone()),
            export_format: self.export_format,
            max_record_bytes: self.max_record_bytes,
        }
    }
}
