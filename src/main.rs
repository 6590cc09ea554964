//! `secdisc`: find security discussions in developer conversations.
//!
//! The binary only parses flags, wires the library crates together and picks exit codes.

mod cli;
mod cmd;
mod progress;
mod report;
mod serve;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("secdisc: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// A closed stdout (for example `secdisc label ... | head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
