//! Fuzz the Stack Exchange dump parser (`Posts.xml`, `Comments.xml`) of `secdisc ingest`.
//! The first byte picks the file name, since the table is told by its rows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secdisc_ingest::ExportFormat;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let name = if pick & 1 == 0 {
        "security.stackexchange.com/Posts.xml"
    } else {
        "security.stackexchange.com/Comments.xml"
    };
    common::ingest(ExportFormat::StackExchange, name, rest);
});
