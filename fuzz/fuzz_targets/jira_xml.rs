//! Fuzz the Jira XML/RSS parser of `secdisc ingest`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secdisc_ingest::ExportFormat;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::ingest(ExportFormat::JiraXml, "SearchRequest.xml", data);
});
