//! `secdisc`: find security discussions in developer conversations.
//!
//! The binary only parses flags, wires the library crates together and picks exit codes.

mod cli;
mod cmd;
mod hints;
mod interrupt;
mod progress;

mod serve;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("secdisc: error: {}", message(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error chain joined by `: `, skipping a cause whose text the message already ends with
/// (library errors such as `cannot write PATH: No space left on device` show their source
/// themselves, which `{:#}` would repeat).
fn message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.is_empty() {
            out = text;
        } else if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    if let Some(hint) = hints::for_error(err) {
        out.push_str("; ");
        out.push_str(&hint);
    }
    out
}

/// A closed stdout (for example `secdisc label ... | head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
