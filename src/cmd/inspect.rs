//! `secdisc inspect`: what a model file is, where it came from, and what it weighs most.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use secdisc_model::ModelBundle;
use secdisc_report::Inspection;

/// Flags of `secdisc inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Model file written by `secdisc train`.
    pub model: PathBuf,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
    /// Terms listed per class (linear models only).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
}

/// Run `secdisc inspect`.
pub fn run(args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let bundle = ModelBundle::load(&args.model)?;
    let inspection = Inspection::new(args.model.display().to_string(), &bundle, args.top);
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&inspection)?;
        s.push('\n');
        s
    } else {
        inspection.render()
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
