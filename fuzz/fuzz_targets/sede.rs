//! Fuzz the Stack Exchange Data Explorer CSV parser of `secdisc ingest`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secdisc_ingest::ExportFormat;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::ingest(ExportFormat::Sede, "QueryResults.csv", data);
});
