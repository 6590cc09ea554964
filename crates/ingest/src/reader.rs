//! Streaming reader for record files: CSV with a header, or JSON lines.
//!
//! This is what `train`, `evaluate` and `label` read. Columns (CSV) or keys (JSONL):
//! `text` (required), `label` (required for training), and optional `id`, `source`, `group`,
//! `kind`, `author`, `created_at`, `url`. Unknown columns and keys are ignored.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use crate::error::{IngestError, Position, Result};
use crate::parse::csv::{excerpt, line_of, CsvGuard, CsvLimits, CsvShapeError, LineIndex};
use crate::record::{Label, Record};

/// The layout of a record file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl RecordFormat {
    /// Every value, in help order.
    pub const ALL: [RecordFormat; 2] = [RecordFormat::Csv, RecordFormat::Jsonl];

    /// The short name users choose it by (`csv`).
    pub fn name(self) -> &'static str {
        match self {
            RecordFormat::Csv => "csv",
            RecordFormat::Jsonl => "jsonl",
        }
    }

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            RecordFormat::Csv => "Comma-separated values with a header",
            RecordFormat::Jsonl => "One JSON object per line",
        }
    }
}

impl RecordFormat {
    /// Guess from a file name: `.csv` is CSV; `.jsonl`, `.ndjson` and `.json` are JSON lines.
    pub fn from_path(path: &Path) -> Option<RecordFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(RecordFormat::Csv),
            "jsonl" | "ndjson" | "json" => Some(RecordFormat::Jsonl),
            _ => None,
        }
    }
}

/// What to do with the `label` column or key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelPolicy {
    /// Every record must carry a known label (training, evaluation).
    Required,
    /// Parse labels where present and non-empty; reject unknown values.
    Optional,
    /// Never look at labels (labelling new data).
    Ignore,
}

/// Options for [`RecordReader`].
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Force a format; `None` guesses from the file name, then from the first byte.
    pub format: Option<RecordFormat>,
    /// How labels are treated. Default: [`LabelPolicy::Optional`].
    pub labels: LabelPolicy,
    /// Largest accepted record in bytes. Default: 64 MiB.
    pub max_record_bytes: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            labels: LabelPolicy::Optional,
            max_record_bytes: 64 << 20,
        }
    }
}

/// A record together with the line it started on.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedRecord {
    /// 1-based line where the record starts in its file.
    pub line: u64,
    /// The record. `id` is the record's ordinal (`"1"`, `"2"`, ...) when the input had none.
    pub record: Record,
}

/// Column positions of a CSV header.
#[derive(Debug, Default)]
struct Columns {
    id: Option<usize>,
    source: Option<usize>,
    kind: Option<usize>,
    group: Option<usize>,
    author: Option<usize>,
    created_at: Option<usize>,
    url: Option<usize>,
    text: usize,
    label: Option<usize>,
}

enum Inner {
    Csv {
        reader: Box<csv::Reader<Box<dyn Read + Send>>>,
        columns: Columns,
        row: csv::ByteRecord,
        /// Byte offsets of newlines, to turn csv's byte positions into line numbers (csv's own
        /// line counter disagrees with the file when quoted fields span lines).
        lines: Arc<Mutex<LineIndex>>,
    },
    Jsonl {
        reader: BufReader<Box<dyn Read + Send>>,
        line: u64,
        buf: Vec<u8>,
    },
}

/// Streams [`LocatedRecord`]s from a CSV or JSONL file, validating as it goes.
///
/// Memory is bounded by the largest record. Each error names the file, the line and the field.
///
/// ```
/// use secdisc_ingest::{RecordReader, ReadOptions, LabelPolicy};
/// let data = "id,text,label\n1,\"JWT tokens are not validated\",1\n2,fix typo,0\n";
/// let opts = ReadOptions { labels: LabelPolicy::Required, ..ReadOptions::default() };
/// let reader = RecordReader::from_reader("inline.csv", Box::new(data.as_bytes()), &opts)?;
/// let records: Vec<_> = reader.collect::<Result<_, _>>()?;
/// assert_eq!(records.len(), 2);
/// assert!(records[0].record.label.unwrap().is_security());
/// # Ok::<(), secdisc_ingest::IngestError>(())
/// ```
pub struct RecordReader {
    name: String,
    inner: Inner,
    labels: LabelPolicy,
    max_record_bytes: usize,
    ordinal: u64,
    failed: bool,
}

impl RecordReader {
    /// Open a path, or standard input for `-`.
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<RecordReader> {
        if path == Path::new("-") {
            let stdin: Box<dyn Read + Send> = Box::new(std::io::stdin());
            return Self::from_reader("<stdin>", stdin, opts);
        }
        let file = File::open(path).map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut opts = opts.clone();
        if opts.format.is_none() {
            opts.format = RecordFormat::from_path(path);
        }
        Self::from_reader(&path.display().to_string(), Box::new(file), &opts)
    }

    /// Read from any byte stream; `name` is used in error messages.
    pub fn from_reader(
        name: &str,
        input: Box<dyn Read + Send>,
        opts: &ReadOptions,
    ) -> Result<RecordReader> {
        let mut buffered = BufReader::with_capacity(1 << 16, input);
        let io_err = |source| IngestError::Io {
            path: name.into(),
            source,
        };
        // A gzip file is read decompressed, so every command takes `data.csv.gz` (only `label`
        // did, through its own opener).
        if buffered
            .fill_buf()
            .map_err(io_err)?
            .starts_with(&[0x1f, 0x8b])
        {
            let decoded: Box<dyn Read + Send> =
                Box::new(flate2::read::MultiGzDecoder::new(buffered));
            buffered = BufReader::with_capacity(1 << 16, decoded);
        }
        if let Some(e) = crate::input::utf16_error(name, buffered.fill_buf().map_err(io_err)?) {
            return Err(e);
        }
        // A UTF-8 byte order mark is dropped for both layouts (csv drops it, JSON lines did not).
        if buffered
            .fill_buf()
            .map_err(io_err)?
            .starts_with(b"\xEF\xBB\xBF")
        {
            buffered.consume(3);
        }
        // An empty input holds zero records whatever its format (a CSV file would otherwise need
        // a header): read it as JSON lines, which yields nothing.
        let empty = buffered.fill_buf().map_err(io_err)?.is_empty();
        let format = match opts.format {
            _ if empty => RecordFormat::Jsonl,
            Some(f) => f,
            None => sniff(&mut buffered).map_err(|source| IngestError::Io {
                path: name.into(),
                source,
            })?,
        };
        let inner = match format {
            RecordFormat::Jsonl => Inner::Jsonl {
                reader: buffered,
                line: 0,
                buf: Vec::new(),
            },
            RecordFormat::Csv => {
                let lines = Arc::new(Mutex::new(LineIndex::default()));
                let limits = CsvLimits {
                    max_record_bytes: opts.max_record_bytes,
                    bound_rows: true,
                };
                let boxed: Box<dyn Read + Send> =
                    Box::new(CsvGuard::with_lines(buffered, limits, Arc::clone(&lines)));
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(true)
                    .flexible(false)
                    .from_reader(boxed);
                let header = reader
                    .byte_headers()
                    .map_err(|e| csv_error(name, &e, &lines))?
                    .clone();
                let columns = map_columns(name, &header, opts.labels)?;
                Inner::Csv {
                    reader: Box::new(reader),
                    columns,
                    row: csv::ByteRecord::new(),
                    lines,
                }
            }
        };
        Ok(RecordReader {
            name: name.to_string(),
            inner,
            labels: opts.labels,
            max_record_bytes: opts.max_record_bytes,
            ordinal: 0,
            failed: false,
        })
    }

    /// The name used in messages: the path or `<stdin>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn pos(&self, line: u64) -> Position {
        Position {
            file: self.name.clone(),
            line,
        }
    }

    fn next_csv(&mut self) -> Option<Result<LocatedRecord>> {
        let Inner::Csv {
            reader,
            columns,
            row,
            lines,
        } = &mut self.inner
        else {
            unreachable!("next_csv on a JSONL reader")
        };
        match reader.read_byte_record(row) {
            Ok(false) => return None,
            Ok(true) => {}
            Err(e) => return Some(Err(csv_error(&self.name, &e, lines))),
        }
        let line = row.position().map_or(0, |p| line_of(lines, p.byte()));
        if row.as_slice().len() > self.max_record_bytes {
            // The row was read whole (the guard bounds it): the next one can still be read.
            return Some(Err(IngestError::LineTooLarge {
                pos: self.pos(line),
                limit: self.max_record_bytes,
            }));
        }
        self.ordinal += 1;
        let pos = Position {
            file: self.name.clone(),
            line,
        };
        let field = |idx: Option<usize>, name: &str| -> Result<Option<String>> {
            let Some(i) = idx else { return Ok(None) };
            let bytes = row.get(i).unwrap_or_default();
            match std::str::from_utf8(bytes) {
                Ok("") => Ok(None),
                Ok(s) => Ok(Some(s.to_string())),
                Err(e) => Err(IngestError::InvalidUtf8 {
                    pos: pos.clone(),
                    field: name.to_string(),
                    offset: e.valid_up_to(),
                }),
            }
        };
        let build = || -> Result<Record> {
            Ok(Record {
                id: field(columns.id, "id")?.unwrap_or_else(|| self.ordinal.to_string()),
                source: field(columns.source, "source")?,
                kind: field(columns.kind, "kind")?,
                group: field(columns.group, "group")?,
                author: field(columns.author, "author")?,
                created_at: field(columns.created_at, "created_at")?,
                url: field(columns.url, "url")?,
                text: field(Some(columns.text), "text")?,
                label: match self.labels {
                    LabelPolicy::Ignore => None,
                    _ => parse_label(&pos, field(columns.label, "label")?.as_deref(), self.labels)?,
                },
            })
        };
        Some(build().map(|record| LocatedRecord { line, record }))
    }

    fn next_jsonl(&mut self) -> Option<Result<LocatedRecord>> {
        loop {
            let Inner::Jsonl { reader, line, buf } = &mut self.inner else {
                unreachable!("next_jsonl on a CSV reader")
            };
            buf.clear();
            *line += 1;
            let this_line = *line;
            match read_line_limited(reader, buf, self.max_record_bytes) {
                Ok(LineRead::Eof) => return None,
                Ok(LineRead::TooLong) => {
                    // The line was skipped to its end: the next one can be read.
                    return Some(Err(IngestError::LineTooLarge {
                        pos: self.pos(this_line),
                        limit: self.max_record_bytes,
                    }));
                }
                Ok(LineRead::Line) => {}
                Err(source) => {
                    return Some(Err(IngestError::Io {
                        path: self.name.clone().into(),
                        source,
                    }))
                }
            }
            let trimmed = buf.trim_ascii();
            if trimmed.is_empty() {
                continue;
            }
            let pos = Position {
                file: self.name.clone(),
                line: this_line,
            };
            if let Err(e) = std::str::from_utf8(trimmed) {
                return Some(Err(IngestError::InvalidUtf8 {
                    pos,
                    field: "(line)".into(),
                    offset: e.valid_up_to(),
                }));
            }
            // A record is an object; serde would also take an array as the fields in order.
            if trimmed.first() != Some(&b'{') {
                return Some(Err(IngestError::Json {
                    pos,
                    column: 1,
                    message: format!(
                        "expected a JSON object (one record a line), found `{}`",
                        excerpt(&String::from_utf8_lossy(&trimmed[..trimmed.len().min(200)]))
                    ),
                }));
            }
            let parsed: JsonRecord<'_> = match serde_json::from_slice(trimmed) {
                Ok(r) => r,
                Err(e) => {
                    return Some(Err(IngestError::Json {
                        pos,
                        column: e.column(),
                        message: e.to_string(),
                    }))
                }
            };
            self.ordinal += 1;
            let ordinal = self.ordinal;
            let labels = self.labels;
            let result = (|| -> Result<Record> {
                let label = match labels {
                    LabelPolicy::Ignore => None,
                    _ => {
                        let text = parsed.label.as_ref().and_then(JsonLabel::as_text);
                        parse_label(&pos, text.as_deref(), labels)?
                    }
                };
                let string =
                    |v: Option<Cow<'_, str>>| v.filter(|s| !s.is_empty()).map(Cow::into_owned);
                let id_text = |v: &Option<JsonId<'_>>, field: &str| match v {
                    Some(v) => v.text(&pos, field),
                    None => Ok(None),
                };
                Ok(Record {
                    id: id_text(&parsed.id, "id")?.unwrap_or_else(|| ordinal.to_string()),
                    source: string(parsed.source),
                    kind: string(parsed.kind),
                    group: id_text(&parsed.group, "group")?,
                    author: string(parsed.author),
                    created_at: string(parsed.created_at),
                    url: string(parsed.url),
                    text: string(parsed.text),
                    label,
                })
            })();
            return Some(result.map(|record| LocatedRecord {
                line: this_line,
                record,
            }));
        }
    }
}

impl Iterator for RecordReader {
    type Item = Result<LocatedRecord>;

    /// The next record. After an error for which [`IngestError::ends_input`] holds (I/O, an
    /// oversized record or header, a CSV quote never closed) the reader stops (yields `None`),
    /// because the stream position can no longer be trusted; record-level errors
    /// (a malformed JSON line, a CSV row with the wrong number of fields, a bad label, invalid
    /// UTF-8 in a field) let reading continue with the next record.
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = match self.inner {
            Inner::Csv { .. } => self.next_csv(),
            Inner::Jsonl { .. } => self.next_jsonl(),
        };
        if let Some(Err(e)) = &item {
            if e.ends_input() {
                self.failed = true;
            }
        }
        item
    }
}

/// An `id` or `group` as written in the JSON line: a string, or a number kept digit for digit
/// (a large numeric id went through `f64` and came out as `1.2345678901234568e+29`).
#[derive(Deserialize)]
#[serde(transparent)]
struct JsonId<'a>(#[serde(borrow)] &'a serde_json::value::RawValue);

impl JsonId<'_> {
    /// The text of the id (`None` for `null` or an empty string), or an error for other types.
    fn text(&self, pos: &Position, field: &str) -> Result<Option<String>> {
        let raw = self.0.get();
        let bad = |message: String| IngestError::BadField {
            pos: pos.clone(),
            field: field.to_string(),
            message,
        };
        match raw.as_bytes().first() {
            Some(b'"') => {
                let s: Cow<'_, str> = serde_json::from_str(raw).map_err(|e| bad(e.to_string()))?;
                Ok(Some(s.into_owned()).filter(|s| !s.is_empty()))
            }
            Some(b'-' | b'0'..=b'9') => Ok(Some(raw.to_string())),
            Some(b'n') => Ok(None),
            _ => Err(bad(format!(
                "must be a string or a number, found `{}`",
                excerpt(raw)
            ))),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum JsonLabel<'a> {
    Bool(bool),
    Number(serde_json::Number),
    #[serde(borrow)]
    Text(Cow<'a, str>),
}

impl JsonLabel<'_> {
    fn as_text(&self) -> Option<Cow<'_, str>> {
        match self {
            JsonLabel::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            JsonLabel::Number(n) => Some(Cow::Owned(n.to_string())),
            JsonLabel::Text(s) if s.trim().is_empty() => None,
            JsonLabel::Text(s) => Some(Cow::Borrowed(s)),
        }
    }
}

#[derive(Deserialize)]
struct JsonRecord<'a> {
    #[serde(borrow, default)]
    id: Option<JsonId<'a>>,
    #[serde(borrow, default)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    group: Option<JsonId<'a>>,
    #[serde(borrow, default)]
    author: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    created_at: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    label: Option<JsonLabel<'a>>,
}

fn parse_label(pos: &Position, value: Option<&str>, policy: LabelPolicy) -> Result<Option<Label>> {
    match value {
        None if policy == LabelPolicy::Required => Err(IngestError::MissingField {
            pos: pos.clone(),
            field: "label".into(),
        }),
        None => Ok(None),
        Some(v) => match Label::parse(v) {
            Some(l) => Ok(Some(l)),
            None => Err(IngestError::BadField {
                pos: pos.clone(),
                field: "label".into(),
                message: format!(
                    "unknown label value {v:?}; use 1/0, true/false or security/non-security"
                ),
            }),
        },
    }
}

fn map_columns(name: &str, header: &csv::ByteRecord, labels: LabelPolicy) -> Result<Columns> {
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = String::from_utf8_lossy(h);
            let h = if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                &h
            };
            h.trim().to_ascii_lowercase()
        })
        .collect();
    let find = |col: &str| names.iter().position(|n| n == col);
    let missing = |col: &str| IngestError::MissingColumn {
        file: name.to_string(),
        column: col.to_string(),
        found: excerpt(&names.join(",")),
    };
    let text = find("text").ok_or_else(|| missing("text"))?;
    let label = find("label");
    if label.is_none() && labels == LabelPolicy::Required {
        return Err(missing("label"));
    }
    Ok(Columns {
        id: find("id"),
        source: find("source"),
        kind: find("kind"),
        group: find("group"),
        author: find("author"),
        created_at: find("created_at"),
        url: find("url"),
        text,
        label,
    })
}

fn csv_error(name: &str, e: &csv::Error, lines: &Mutex<LineIndex>) -> IngestError {
    if let Some(shape) = CsvShapeError::from_csv(e) {
        return IngestError::csv_shape(name, shape.clone());
    }
    if let csv::ErrorKind::Io(io) = e.kind() {
        return IngestError::Io {
            path: name.into(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        };
    }
    let line = e.position().map_or(0, |p| line_of(lines, p.byte()));
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("record has {len} fields but the header has {expected_len}; check quoting"),
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    };
    IngestError::Csv {
        pos: Position {
            file: name.to_string(),
            line,
        },
        message,
    }
}

/// Guess CSV or JSONL from the first non-blank byte: `{` means JSON lines, and so does `[` (a
/// JSON array is no record file, but read as CSV it would become one huge header).
fn sniff(reader: &mut BufReader<Box<dyn Read + Send>>) -> std::io::Result<RecordFormat> {
    let buf = reader.fill_buf()?;
    let first = buf
        .iter()
        .copied()
        .find(|b| !(b.is_ascii_whitespace() || *b == 0xEF || *b == 0xBB || *b == 0xBF));
    Ok(if matches!(first, Some(b'{' | b'[')) {
        RecordFormat::Jsonl
    } else {
        RecordFormat::Csv
    })
}

enum LineRead {
    Line,
    Eof,
    TooLong,
}

/// Read one line (without keeping more than `limit` bytes). On `TooLong` the rest of the
/// line is left unread.
fn read_line_limited<R: BufRead>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<LineRead> {
    let mut read_any = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(if read_any {
                LineRead::Line
            } else {
                LineRead::Eof
            });
        }
        read_any = true;
        match memchr::memchr(b'\n', available) {
            Some(i) => {
                buf.extend_from_slice(&available[..i]);
                reader.consume(i + 1);
                return Ok(if buf.len() > limit {
                    LineRead::TooLong
                } else {
                    LineRead::Line
                });
            }
            None => {
                let n = available.len();
                buf.extend_from_slice(available);
                reader.consume(n);
                if buf.len() > limit {
                    // Skip the rest of the line without holding it, so reading goes on after it.
                    buf.clear();
                    loop {
                        let available = reader.fill_buf()?;
                        if available.is_empty() {
                            return Ok(LineRead::TooLong);
                        }
                        match memchr::memchr(b'\n', available) {
                            Some(i) => {
                                reader.consume(i + 1);
                                return Ok(LineRead::TooLong);
                            }
                            None => {
                                let n = available.len();
                                reader.consume(n);
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn read(
        data: &[u8],
        format: Option<RecordFormat>,
        labels: LabelPolicy,
    ) -> Vec<Result<LocatedRecord>> {
        let opts = ReadOptions {
            format,
            labels,
            ..ReadOptions::default()
        };
        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(data.to_vec()));
        match RecordReader::from_reader("t", input, &opts) {
            Ok(r) => r.collect(),
            Err(e) => vec![Err(e)],
        }
    }

    #[test]
    fn reads_csv_with_optional_columns_and_multiline_text() {
        let data = b"id,source,group,text,label\r\na,gh,g1,\"line one\nline two\",1\r\nb,gh,g1,plain,false\r\n";
        let out = read(data, None, LabelPolicy::Required);
        let recs: Vec<_> = out.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].record.text.as_deref(), Some("line one\nline two"));
        assert_eq!(recs[0].record.group.as_deref(), Some("g1"));
        assert_eq!(recs[1].line, 4);
        assert_eq!(recs[1].record.label, Some(Label::NonSecurity));
    }

    #[test]
    fn csv_without_text_column_names_the_column() {
        let out = read(
            b"id,body,label\n1,x,1\n",
            Some(RecordFormat::Csv),
            LabelPolicy::Required,
        );
        let msg = out[0].as_ref().unwrap_err().to_string();
        assert!(msg.contains("missing column `text`"), "{msg}");
        assert!(msg.contains("id,body,label"), "{msg}");
    }

    #[test]
    fn csv_without_label_column_is_fine_when_labels_are_ignored() {
        let out = read(b"text\nhello\n", None, LabelPolicy::Ignore);
        assert_eq!(out.len(), 1);
        let rec = out[0].as_ref().unwrap();
        assert_eq!(rec.record.id, "1");
        assert!(matches!(
            &read(b"text\nhello\n", None, LabelPolicy::Required)[0],
            Err(IngestError::MissingColumn { .. })
        ));
    }

    #[test]
    fn unknown_label_names_line_and_field() {
        let out = read(
            b"text,label\nok,1\nbad,maybe\n",
            None,
            LabelPolicy::Required,
        );
        let err = out[1].as_ref().unwrap_err().to_string();
        assert!(err.starts_with("t:3: field `label`"), "{err}");
        assert!(err.contains("maybe"), "{err}");
    }

    #[test]
    fn ragged_csv_row_reports_line_and_reading_continues() {
        let out = read(
            b"text,label\nok,1\nx,1,extra\nlater,0\n",
            None,
            LabelPolicy::Required,
        );
        assert_eq!(out.len(), 3);
        assert_eq!(
            out[2].as_ref().unwrap().record.text.as_deref(),
            Some("later")
        );
        let err = out[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("t:3"), "{err}");
        assert!(err.contains("3 fields but the header has 2"), "{err}");
    }

    #[test]
    fn invalid_utf8_in_csv_field_is_located() {
        let out = read(b"text,label\nab\xffcd,1\n", None, LabelPolicy::Required);
        let err = out[0].as_ref().unwrap_err().to_string();
        assert!(
            err.contains("t:2: field `text` is not valid UTF-8 (byte offset 2"),
            "{err}"
        );
    }

    #[test]
    fn reads_jsonl_with_mixed_label_and_id_types() {
        let data = br#"{"id": 7, "text": "a", "label": 1}

{"id": "x", "text": "b", "label": true, "extra": [1,2]}
{"text": "c", "label": "non-security"}
"#;
        let recs: Vec<_> = read(data, None, LabelPolicy::Required)
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0].record.id, "7");
        assert_eq!(recs[1].line, 3);
        assert_eq!(recs[2].record.id, "3");
        assert_eq!(recs[2].record.label, Some(Label::NonSecurity));
    }

    #[test]
    fn truncated_jsonl_reports_line_and_column() {
        let out = read(
            b"{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\", \"lab",
            None,
            LabelPolicy::Required,
        );
        let err = out[1].as_ref().unwrap_err().to_string();
        assert!(err.starts_with("t:2: malformed JSON"), "{err}");
    }

    #[test]
    fn missing_text_is_none_not_an_error() {
        let recs = read(
            b"{\"id\":\"a\"}\n{\"id\":\"b\",\"text\":\"\"}\n",
            None,
            LabelPolicy::Ignore,
        );
        assert!(recs
            .iter()
            .all(|r| r.as_ref().unwrap().record.text.is_none()));
    }

    /// Issue 13 item 10: ids were read through `f64` (`1.2345678901234568e+29`).
    #[test]
    fn numeric_ids_are_kept_as_written() {
        let recs = read(
            b"{\"id\": 123456789012345678901234567890, \"group\": 42, \"text\": \"a\"}\n{\"id\": 7, \"text\": \"b\"}\n{\"id\": true, \"text\": \"c\"}\n[\"d\"]\n",
            None,
            LabelPolicy::Ignore,
        );
        assert_eq!(
            recs[0].as_ref().unwrap().record.id,
            "123456789012345678901234567890"
        );
        assert_eq!(
            recs[0].as_ref().unwrap().record.group.as_deref(),
            Some("42")
        );
        assert_eq!(recs[1].as_ref().unwrap().record.id, "7");
        let e = recs[2].as_ref().unwrap_err().to_string();
        assert!(
            e.contains("field `id`: must be a string or a number"),
            "{e}"
        );
        let e = recs[3].as_ref().unwrap_err().to_string();
        assert!(e.contains("expected a JSON object"), "{e}");
    }

    #[test]
    fn oversized_jsonl_line_is_rejected_without_buffering_it_all() {
        let mut data = b"{\"text\": \"".to_vec();
        data.extend(std::iter::repeat_n(b'a', 1000));
        data.extend_from_slice(b"\"}\n{\"id\": \"next\", \"text\": \"x\"}\n");
        let opts = ReadOptions {
            max_record_bytes: 100,
            ..ReadOptions::default()
        };
        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(data));
        let out: Vec<_> = RecordReader::from_reader("t", input, &opts)
            .unwrap()
            .collect();
        // The long line is skipped to its end and reported; the next one is read (issue 13).
        assert_eq!(out.len(), 2);
        assert!(
            matches!(&out[0], Err(e @ IngestError::LineTooLarge { .. }) if !e.ends_input()),
            "{:?}",
            out[0]
        );
        assert_eq!(out[1].as_ref().unwrap().record.id, "next");
    }
}

#[cfg(test)]
mod line_number_tests {
    use super::*;

    #[test]
    fn lines_count_newlines_inside_quoted_fields_for_records_and_errors() {
        let data = b"text,label\n\"a\nb\",1\nok,0\nx,1,extra\nlast,1\n";
        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(data.to_vec()));
        let out: Vec<_> = RecordReader::from_reader("t", input, &ReadOptions::default())
            .unwrap()
            .collect();
        assert_eq!(out[1].as_ref().unwrap().line, 4);
        assert!(
            out[2].as_ref().unwrap_err().to_string().starts_with("t:5:"),
            "{:?}",
            out[2]
        );
        assert_eq!(out[3].as_ref().unwrap().line, 6);
    }

    #[test]
    fn an_unclosed_quote_is_an_error_where_it_opens_not_a_short_file() {
        // Issue 13 item 1: 1,000 rows, row 10 starts its text with `"`; csv alone reads 9
        // rows and then one record holding the rest of the file.
        let mut data = String::from("id,label,text\n");
        for i in 1..=1000 {
            let q = if i == 10 { "\"" } else { "" };
            data.push_str(&format!("{i},1,{q}text {i}\n"));
        }
        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(data.into_bytes()));
        let out: Vec<_> = RecordReader::from_reader("data.csv", input, &ReadOptions::default())
            .unwrap()
            .collect();
        assert_eq!(out.len(), 10, "9 records, then the error");
        assert!(out[..9].iter().all(Result::is_ok));
        let e = out[9].as_ref().unwrap_err();
        assert!(e.ends_input());
        assert_eq!(
            e.to_string(),
            "data.csv:11: a quoted field opens here and is never closed (the rest of the file, \
             991 lines, would be one field); close the quote or escape it as \"\""
        );
    }

    #[test]
    fn an_endless_csv_header_stops_at_the_record_limit() {
        let opts = ReadOptions {
            max_record_bytes: 1 << 16,
            ..ReadOptions::default()
        };
        let input: Box<dyn Read + Send> = Box::new(std::io::repeat(0));
        let e = RecordReader::from_reader("zero", input, &opts)
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "zero:1: the CSV header is larger than the limit of 65536 bytes; is this a CSV file?"
        );
    }

    #[test]
    fn a_json_array_read_as_csv_is_not_echoed_whole() {
        // What `label` made of a JSON array of one huge item: a CSV header of one column.
        let data = format!("[{{\"body\": \"{}\"}}]\n", "x".repeat(100_000));
        use super::tests::read;
        let out = read(
            data.as_bytes(),
            Some(RecordFormat::Csv),
            LabelPolicy::Ignore,
        );
        let msg = out[0].as_ref().unwrap_err().to_string();
        assert!(msg.contains("missing column `text`"), "{msg}");
        assert!(msg.len() < 400, "{} bytes: {}", msg.len(), &msg[..400]);
        // Guessed, a JSON array is JSON, not a CSV header.
        let out = read(data.as_bytes(), None, LabelPolicy::Ignore);
        let msg = out[0].as_ref().unwrap_err().to_string();
        assert!(msg.starts_with("t:1: malformed JSON"), "{}", &msg[..200]);
        assert!(msg.len() < 400, "{} bytes", msg.len());
    }
}
