//! Writing command results: reports on stdout, CSV side files atomically.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use secdisc_output::write_atomically;
use serde::Serialize;

/// Print `report` on stdout: pretty JSON when `json` (with `run`, what made it, as its last
/// field), else the text `render` makes.
pub fn print_report<T: Serialize>(
    report: &T,
    run: Option<&super::run_info::RunInfo>,
    json: bool,
    render: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    let text = if json {
        let mut s = match run {
            Some(run) => serde_json::to_string_pretty(&super::run_info::WithRun::new(report, run))?,
            None => serde_json::to_string_pretty(report)?,
        };
        s.push('\n');
        s
    } else {
        render()
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// Write a CSV file atomically: `header`, then `rows` (quoted as RFC 4180 needs).
pub fn write_csv<R, I>(path: &Path, header: &[&str], rows: I) -> anyhow::Result<()>
where
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
    I: IntoIterator<Item = R>,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(row)?;
    }
    let bytes = w.into_inner().context("cannot buffer CSV")?;
    write_atomically(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
