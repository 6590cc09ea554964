//! How `train`, `evaluate` and `compare` prepare texts: the flags of a model's
//! [`TextPrep`], which the model file records so that every way of labelling reads a text alike.

use super::choice::choice;
use secdisc_ingest::{Markup, TextPrep, Unit};

/// Flags of the text preparation a model is trained with and labels by.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Text preparation (recorded in the model)")]
pub struct TextPrepArgs {
    /// The markup of the texts, cleaned as `ingest` cleans it (code, quotes, markup, URLs,
    /// signatures), or `none` to read texts as given. HTML inside Markdown is cleaned too.
    #[arg(long, value_name = "MARKUP", default_value = "markdown", value_parser = parse_markup)]
    pub markup: MarkupChoice,
    /// What one scored text holds: the whole text (`comment`), or each paragraph on its own
    /// (`paragraph`: a text's score is its best paragraph's). Training always reads whole texts.
    #[arg(long, default_value = "comment", value_parser = choice(&Unit::ALL, Unit::as_str, Unit::help))]
    pub unit: Unit,
    #[command(flatten)]
    pub clean: super::ingest::CleanArgs,
}

/// `--markup`: a markup, or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkupChoice(pub Option<Markup>);

fn parse_markup(s: &str) -> Result<MarkupChoice, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(MarkupChoice(None));
    }
    s.parse::<Markup>()
        .map(|m| MarkupChoice(Some(m)))
        .map_err(|e| format!("{e}, or none"))
}

impl TextPrepArgs {
    /// The text preparation these flags describe.
    pub fn prep(&self) -> TextPrep {
        TextPrep {
            markup: self.markup.0,
            code: self.clean.code,
            code_token: self.clean.code_token.clone(),
            url_token: self.clean.url_token.clone(),
            unit: self.unit,
        }
    }
}
