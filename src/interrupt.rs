//! Stopping a long-running command cleanly on SIGINT and SIGTERM.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::Context;

/// SIGINT and SIGTERM while `label` writes a file: the reader stops, the rows so far are kept as
/// `OUT.partial` (what `--resume` continues) instead of a hidden temporary file, and the exit
/// status is 128 + the signal. A second signal ends the process at once.
pub struct Interrupt {
    /// Set by the first signal: readers stop sending.
    pub stop: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

impl Interrupt {
    /// Install the handlers when `handle` is true (a file output); otherwise signals keep their
    /// default action (nothing is half-written on stdout that a handler could save).
    pub fn install(handle: bool) -> anyhow::Result<Interrupt> {
        let interrupt = Interrupt {
            stop: Arc::new(AtomicBool::new(false)),
            signal: Arc::new(AtomicUsize::new(0)),
        };
        if handle {
            use signal_hook::consts::{SIGINT, SIGTERM};
            for signal in [SIGINT, SIGTERM] {
                // Registered first, so it sees `stop` as the previous signal left it.
                signal_hook::flag::register_conditional_shutdown(
                    signal,
                    128 + signal,
                    Arc::clone(&interrupt.stop),
                )
                .context("cannot install a signal handler")?;
                signal_hook::flag::register_usize(
                    signal,
                    Arc::clone(&interrupt.signal),
                    signal as usize,
                )
                .context("cannot install a signal handler")?;
                signal_hook::flag::register(signal, Arc::clone(&interrupt.stop))
                    .context("cannot install a signal handler")?;
            }
        }
        Ok(interrupt)
    }

    /// The signal that stopped the run, if one did.
    pub fn signal(&self) -> Option<i32> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            s => i32::try_from(s).ok(),
        }
    }
}

/// `SIGINT`, `SIGTERM` or `a signal`, for messages.
pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        signal_hook::consts::SIGINT => "SIGINT",
        signal_hook::consts::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}
