//! Fuzz the record readers: `RecordReader` (CSV and JSON lines, as `train`/`evaluate`/`label`
//! read them) and the generic CSV/JSON mapping of `ingest`. The first byte picks the mode.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secdisc_ingest::{ExportFormat, LabelPolicy, ReadOptions, RecordFormat, RecordReader};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    if pick & 4 != 0 {
        let name = if pick & 1 == 0 {
            "rows.csv"
        } else {
            "rows.jsonl"
        };
        common::ingest(ExportFormat::Generic, name, rest);
        return;
    }
    let opts = ReadOptions {
        format: match pick & 3 {
            0 => Some(RecordFormat::Csv),
            1 => Some(RecordFormat::Jsonl),
            _ => None,
        },
        labels: match (pick >> 3) % 3 {
            0 => LabelPolicy::Required,
            1 => LabelPolicy::Optional,
            _ => LabelPolicy::Ignore,
        },
        max_record_bytes: 1 << 16,
    };
    let Ok(reader) =
        RecordReader::from_reader("fuzz", Box::new(std::io::Cursor::new(rest.to_vec())), &opts)
    else {
        return;
    };
    // Stop at the first error, as the commands do; the reader must not loop forever after one.
    for (n, item) in reader.enumerate() {
        if item.is_err() || n > 100_000 {
            break;
        }
    }
});
