//! The flags of `secdisc label` that say how exports are read; the reading itself is
//! [`secdisc_infer::LabelInputs`].

use super::choice::choice;
use secdisc_infer::InputParams;
use secdisc_ingest::{CodeMode, ExportFormat, IngestParams, RecordFormat, TextPrep, Unit};

use super::ingest::BotArgs;

/// How `label` reads exports: the `ingest` flags that make sense when labelling. Cleaning and
/// unit come from the model (as it reads every text), unless given here.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Exports (as `secdisc ingest`)")]
pub struct ExportArgs {
    /// Read every export input as this format instead of detecting it (github, jira-json,
    /// jira-xml, jira-csv, stackexchange, sede).
    #[arg(long, value_name = "FORMAT", value_parser = parse_export_format)]
    pub export_format: Option<ExportFormat>,
    /// What one labelled record of an export holds [default: the model's unit, as
    /// `inspect` shows it; `paragraph` for a model that records none].
    #[arg(long, value_parser = choice(&Unit::ALL, Unit::as_str, Unit::help))]
    pub unit: Option<Unit>,
    /// Replace code blocks, stack traces and log dumps with a token, or drop them [default:
    /// as the model reads texts].
    #[arg(long, value_parser = choice(&CodeMode::ALL, CodeMode::name, CodeMode::help))]
    pub code: Option<CodeMode>,
    /// The token that replaces a code block [default: the model's].
    #[arg(long, value_name = "TOKEN")]
    pub code_token: Option<String>,
    /// The token that replaces a URL [default: the model's].
    #[arg(long, value_name = "TOKEN")]
    pub url_token: Option<String>,
    #[command(flatten)]
    pub bots: BotArgs,
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
    /// How exports are prepared: the model's text preparation `prep`, with any of `--unit`,
    /// `--code`, `--code-token`, `--url-token` given instead. A model that reads texts as given
    /// (made before text preparation was recorded) gets `ingest`'s defaults.
    pub fn export_prep(&self, prep: &TextPrep) -> TextPrep {
        let base = if prep.markup.is_some() {
            prep.clone()
        } else {
            TextPrep {
                unit: Unit::Paragraph,
                ..TextPrep::default()
            }
        };
        TextPrep {
            unit: self.unit.unwrap_or(base.unit),
            code: self.code.unwrap_or(base.code),
            code_token: self.code_token.clone().unwrap_or(base.code_token),
            url_token: self.url_token.clone().unwrap_or(base.url_token),
            markup: base.markup,
        }
    }

    /// How to read the inputs: record files of `record_format` (or sniffed), exports as
    /// `ingest` reads them with `prep`'s cleaning and unit (a bad unit becomes an error row).
    pub fn input_params(
        &self,
        record_format: Option<RecordFormat>,
        prep: &TextPrep,
    ) -> InputParams {
        InputParams {
            record_format,
            export: IngestParams::default()
                .format(self.export_format)
                .unit(prep.unit)
                .clean(prep.clean_params())
                .bots(self.bots.filter())
                .max_record_bytes(self.max_record_bytes)
                .source(self.source.clone()),
        }
    }
}
