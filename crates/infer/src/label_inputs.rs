//! What the labeller reads: record files (CSV/JSONL, as `ingest` writes them) and tracker
//! exports (anything `secdisc-ingest` reads), turned into one ordered stream of [`InputItem`]s
//! on a reader thread. Nothing is dropped: a record that cannot be read, or an export unit that
//! is skipped, becomes an item that carries its error.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use secdisc_ingest::{
    ExportFormat, IngestError, IngestParams, Ingester, LabelPolicy, LocatedRecord, OpenedInput,
    ReadOptions, Record, RecordFormat, RecordReader, RecordSink,
};

use crate::{InputItem, Provenance};

/// How [`LabelInputs::open`] reads its inputs.
#[derive(Debug, Clone, Default)]
pub struct InputParams {
    /// Every input is a record file of this layout; nothing is sniffed, so a line-by-line
    /// producer on stdin is served at once. `None`: each input is classified by its first bytes.
    pub record_format: Option<RecordFormat>,
    /// How exports are read (format, unit, cleaning, record size limit; the limit holds for
    /// record files too). A forced format reads every input as that export. The error mode is
    /// ignored: a bad unit never stops labelling, it becomes an error item. Export units come
    /// out as [`InputItem::Prepared`]: set the unit and cleaning to the model's text
    /// preparation (`secdisc_model::ModelBundle::text_prep`) for them to be read as the model
    /// reads a text given whole.
    pub export: IngestParams,
}

/// One input, opened and classified.
enum Source {
    Records(RecordReader),
    Exports(Vec<OpenedInput>),
}

/// Inputs opened and classified, ready to be read on their own thread.
pub struct LabelInputs {
    sources: Vec<Source>,
    ingester: Option<Ingester>,
    /// Display names, for messages.
    pub names: Vec<String>,
}

/// An item with the provenance the Parquet output keeps.
pub type Item = (InputItem, Provenance);

impl LabelInputs {
    /// Open every input (so a missing file fails before any output) and decide for each whether
    /// it is a record file or an export. Exports are read together, as one ingest run, at the
    /// position of the first export.
    ///
    /// # Errors
    /// An input that cannot be opened, or export parameters that do not check.
    pub fn open(paths: &[PathBuf], params: &InputParams) -> Result<LabelInputs, IngestError> {
        let record_format = params.record_format;
        let read_opts = |path: &Path| ReadOptions {
            format: record_format.or_else(|| RecordFormat::from_path(path)),
            labels: LabelPolicy::Ignore,
            max_record_bytes: params.export.record_limit(),
        };
        let mut sources = Vec::new();
        let mut exports: Option<usize> = None;
        let mut names = Vec::new();
        for path in paths {
            if record_format.is_some() {
                let reader = RecordReader::open(path, &read_opts(path))?;
                names.push(reader.name().to_string());
                sources.push(Source::Records(reader));
                continue;
            }
            let opened = OpenedInput::open(path)?;
            names.push(opened.name().to_string());
            let is_export = params.export.forced_format().is_some()
                || match opened.format() {
                    Some(ExportFormat::Generic) => false,
                    Some(_) => true,
                    None => !opened.is_empty(),
                };
            if is_export {
                // Every export goes into one entry, at the position of the first.
                match exports.and_then(|i| sources.get_mut(i)) {
                    Some(Source::Exports(v)) => v.push(opened),
                    _ => {
                        exports = Some(sources.len());
                        sources.push(Source::Exports(vec![opened]));
                    }
                }
            } else {
                let name = opened.name().to_string();
                let reader = RecordReader::from_reader(
                    &name,
                    Box::new(opened.into_reader()),
                    &read_opts(path),
                )?;
                sources.push(Source::Records(reader));
            }
        }
        let ingester = match exports {
            Some(_) => Some(
                params
                    .export
                    .clone()
                    .errors(secdisc_ingest::ErrorMode::KeepGoing)
                    .build()?,
            ),
            None => None,
        };
        Ok(LabelInputs {
            sources,
            ingester,
            names,
        })
    }

    /// Whether any input is a tracker export (read through `ingest`) rather than a record file.
    pub fn has_exports(&self) -> bool {
        self.ingester.is_some()
    }

    /// Start reading on a thread. Items arrive on the receiver in input order; the thread's
    /// result is the error that stopped reading early (an unreadable file, an oversized record),
    /// if any. Dropping the receiver stops the thread.
    ///
    /// Once `stop` is set (by a signal handler) the thread sends nothing more and ends, as if
    /// the input had ended there.
    pub fn spawn(self, stop: Arc<AtomicBool>) -> (Receiver<Item>, JoinHandle<Option<IngestError>>) {
        let (tx, rx) = sync_channel::<Item>(1024);
        let handle = std::thread::spawn(move || self.run(tx, &stop));
        (rx, handle)
    }

    fn run(self, tx: SyncSender<Item>, stop: &AtomicBool) -> Option<IngestError> {
        let LabelInputs {
            sources,
            mut ingester,
            ..
        } = self;
        for source in sources {
            match source {
                Source::Records(reader) => {
                    if let Some(fatal) = send_records(reader, &tx, stop) {
                        return Some(fatal);
                    }
                }
                Source::Exports(opened) => {
                    let Some(mut ing) = ingester.take() else {
                        continue;
                    };
                    let mut sink = ItemSink { tx: &tx, stop };
                    // Bad units and unreadable inputs come back through `ItemSink::skipped`;
                    // only a stopped receiver ends the run early, and then nobody listens.
                    // Every export is in this one entry, so what is held to the end (threads)
                    // is emitted here, before the inputs that follow.
                    if ing.ingest_opened(opened, &mut sink).is_err()
                        || ing.finish(&mut sink).is_err()
                    {
                        return None;
                    }
                }
            }
        }
        None
    }
}

/// One item read from a record file as a labeller item: the record, or an error row for a
/// record-level error (an oversized record among them: it is skipped to its end). An error that
/// stops the reader ([`IngestError::ends_input`]: I/O, a CSV quote never closed or a quoted field
/// over the limit) is returned.
fn reader_item(
    name: &str,
    item: secdisc_ingest::Result<LocatedRecord>,
) -> Result<Item, IngestError> {
    match item {
        Ok(located) => Ok(record_item(located.record)),
        Err(e) if e.ends_input() => Err(e),
        Err(e) => Ok((
            InputItem::Unreadable {
                id: error_location(name, &e),
                error: e.to_string(),
            },
            Provenance::default(),
        )),
    }
}

/// Send a record file's records; record-level errors become error rows, an error that stops
/// the reader (I/O, an oversized record) is returned.
fn send_records(
    reader: RecordReader,
    tx: &SyncSender<Item>,
    stop: &AtomicBool,
) -> Option<IngestError> {
    let name = reader.name().to_string();
    for item in reader {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        match reader_item(&name, item) {
            Ok(item) => {
                if tx.send(item).is_err() {
                    return None;
                }
            }
            Err(fatal) => return Some(fatal),
        }
    }
    None
}

/// A record file as labeller items, for callers that read it on their own thread (`explain`).
/// Record-level read errors become error rows; an error that stops the reader is kept in
/// `fatal` and ends the stream.
pub fn record_items(
    reader: RecordReader,
    fatal: Arc<Mutex<Option<IngestError>>>,
) -> impl Iterator<Item = InputItem> + Send {
    let name = reader.name().to_string();
    reader.map_while(move |item| match reader_item(&name, item) {
        Ok((item, _)) => Some(item),
        Err(e) => {
            if let Ok(mut slot) = fatal.lock() {
                *slot = Some(e);
            }
            None
        }
    })
}

fn record_item(r: Record) -> Item {
    (
        InputItem::Record {
            id: r.id,
            text: r.text,
        },
        Provenance {
            source: r.source,
            url: r.url,
            group: r.group,
        },
    )
}

/// Where an error happened, used as the id of its error row: `FILE:LINE` or the file.
pub fn error_location(name: &str, e: &IngestError) -> String {
    match e {
        IngestError::Csv { pos, .. }
        | IngestError::Json { pos, .. }
        | IngestError::BadField { pos, .. }
        | IngestError::MissingField { pos, .. }
        | IngestError::InvalidUtf8 { pos, .. }
        | IngestError::LineTooLarge { pos, .. } => pos.to_string(),
        IngestError::Io { path, .. } => path.display().to_string(),
        IngestError::MissingColumn { file, .. }
        | IngestError::Format { file, .. }
        | IngestError::WrongFormat { file, .. } => file.clone(),
        // Other errors start with their location (`FILE:LINE: ...`) when they have one.
        _ => match e.to_string().split_once(": ") {
            Some((loc, _)) if !loc.is_empty() && !loc.contains(' ') => loc.to_string(),
            _ => name.to_string(),
        },
    }
}

/// Ingest's records and skipped units, as labeller items.
struct ItemSink<'a> {
    tx: &'a SyncSender<Item>,
    stop: &'a AtomicBool,
}

impl ItemSink<'_> {
    fn send(&mut self, item: Item) -> secdisc_ingest::Result<()> {
        let stopped = self.stop.load(Ordering::Relaxed);
        if stopped {
            return Err(IngestError::Write {
                path: PathBuf::from("<labeller>"),
                source: std::io::Error::other("stopped by a signal"),
            });
        }
        self.tx.send(item).map_err(|_| IngestError::Write {
            path: PathBuf::from("<labeller>"),
            source: std::io::Error::other("the labeller stopped"),
        })
    }
}

impl RecordSink for ItemSink<'_> {
    fn write_record(&mut self, record: &Record) -> secdisc_ingest::Result<()> {
        // Ingest cleaned and cut the unit as `InputParams::export` says: scored as it is.
        let (item, provenance) = record_item(record.clone());
        let item = match item {
            InputItem::Record {
                id,
                text: Some(text),
            } => InputItem::Prepared { id, text },
            other => other,
        };
        self.send((item, provenance))
    }

    fn skipped(&mut self, err: &IngestError) -> secdisc_ingest::Result<()> {
        self.send((
            InputItem::Unreadable {
                id: error_location("<export>", err),
                error: err.to_string(),
            },
            Provenance::default(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(paths: &[PathBuf]) -> Vec<InputItem> {
        let params = InputParams {
            export: IngestParams::default().max_record_bytes(1 << 20),
            ..InputParams::default()
        };
        let inputs = LabelInputs::open(paths, &params).expect("open");
        assert!(!inputs.has_exports());
        let (rx, handle) = inputs.spawn(Arc::new(AtomicBool::new(false)));
        let items = rx.into_iter().map(|(item, _)| item).collect();
        assert!(handle.join().expect("reader thread").is_none());
        items
    }

    #[test]
    fn record_files_stream_in_order_and_a_bad_line_is_an_error_item() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.jsonl");
        let b = dir.path().join("b.csv");
        std::fs::write(
            &a,
            "{\"id\":\"1\",\"text\":\"jwt\"}\n{not json\n{\"id\":\"3\",\"text\":\"css\"}\n",
        )
        .expect("write");
        std::fs::write(&b, "id,text\n4,tls\n").expect("write");
        let items = read_all(&[a, b]);
        let ids: Vec<&str> = items.iter().map(InputItem::id).collect();
        assert_eq!(ids.len(), 4, "{items:?}");
        assert_eq!((ids[0], ids[2], ids[3]), ("1", "3", "4"));
        assert!(ids[1].ends_with("a.jsonl:2"), "{}", ids[1]);
        assert!(matches!(items[1], InputItem::Unreadable { .. }));
    }

    #[test]
    fn a_missing_input_fails_before_anything_is_read() {
        let err = LabelInputs::open(
            &[PathBuf::from("/nonexistent/x.jsonl")],
            &InputParams::default(),
        );
        assert!(err.is_err());
    }
}
