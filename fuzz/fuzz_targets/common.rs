//! Shared driver: run one export format over the fuzz input, with errors skipped so that the
//! parser keeps going after a bad item (more code reached per input).

use secdisc_ingest::{ErrorMode, ExportFormat, IngestParams, LabelSource, Record, SecurityTags};

/// Ingest `data` as `format` under the file name `name`, then flush held threads.
/// Errors are fine; panics, hangs and runaway memory are what the fuzzer looks for.
pub fn ingest(format: ExportFormat, name: &str, data: &[u8]) {
    let Ok(mut ingester) = IngestParams::default()
        .format(Some(format))
        .labels(LabelSource::FromTags(SecurityTags::builtin()))
        .errors(ErrorMode::KeepGoing)
        .max_record_bytes(1 << 16)
        .build()
    else {
        return;
    };
    let mut out: Vec<Record> = Vec::new();
    let _ = ingester.ingest_reader(
        name,
        Box::new(std::io::Cursor::new(data.to_vec())),
        &mut out,
    );
    let _ = ingester.finish(&mut out);
}
