//! Helpers for CSV exports: the row loop with true line numbers, header lookup, UTF-8 fields
//! with positions, csv errors.
//!
//! csv's own line counter disagrees with the file after a quoted field that spans lines (how it
//! counts depends on LF or CRLF endings), so [`CsvGuard`] records where the newlines are and
//! [`line_of`] turns csv's byte positions into 1-based lines.
//!
//! Every CSV reader of the workspace reads through a [`CsvGuard`]: csv accepts a quote that is
//! never closed (the rest of the file becomes one field) and buffers a header of any size; the
//! guard turns both into errors that say where the quote or the row opens.

use std::io::Read;
use std::sync::{Arc, Mutex};

use crate::error::{IngestError, Position, Result};
use crate::pipeline::Ctx;

/// Most characters of input quoted in a message.
pub(crate) const MESSAGE_CHARS: usize = 100;

/// At most [`MESSAGE_CHARS`] characters of `s`, with `…` and the full length when cut: a header
/// that is really one huge JSON item, or binary, is not echoed whole.
pub(crate) fn excerpt(s: &str) -> String {
    match s.char_indices().nth(MESSAGE_CHARS) {
        Some((i, _)) => format!("{}… ({} bytes in all)", &s[..i], s.len()),
        None => s.to_string(),
    }
}

/// A CSV header: column names in order (repeated names allowed).
pub(crate) struct Header {
    names: Vec<String>,
}

impl Header {
    pub(crate) fn new(record: &csv::ByteRecord) -> Header {
        Header {
            names: record
                .iter()
                .map(|f| {
                    String::from_utf8_lossy(f)
                        .trim()
                        .trim_start_matches('\u{FEFF}')
                        .to_string()
                })
                .collect(),
        }
    }

    /// The first column called `name` (exact, then case-insensitive).
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .or_else(|| self.names.iter().position(|n| n.eq_ignore_ascii_case(name)))
    }

    /// Every column called `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<usize> {
        self.names
            .iter()
            .enumerate()
            .filter(|(_, n)| n.as_str() == name)
            .map(|(i, _)| i)
            .collect()
    }

    /// The names joined by commas, for messages (at most [`MESSAGE_CHARS`] characters).
    pub(crate) fn joined(&self) -> String {
        excerpt(&self.names.join(","))
    }
}

/// What [`CsvRows::next_row`] does with a row whose cells are all empty or white space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlankRows {
    /// Hand it out like any other row.
    Keep,
    /// Count it as not conversation and read on.
    NotConversation,
}

/// The data rows of a CSV export (header row, flexible row lengths), each with its true line.
pub(crate) struct CsvRows<R> {
    reader: csv::Reader<CsvGuard<R>>,
    lines: Arc<Mutex<LineIndex>>,
    header: Header,
    record: csv::ByteRecord,
    blank: BlankRows,
}

impl<R: Read> CsvRows<R> {
    /// Read the header row of `input`; `file` names the input in errors. The header may be at
    /// most `max_record_bytes` long; rows are not bounded here (the caller checks them), but a
    /// quoted field is ([`CsvGuard`]).
    ///
    /// # Errors
    /// [`IngestError::Csv`] when the header row cannot be read, [`IngestError::CsvShape`] when
    /// it is too large or a quote in it is never closed.
    pub(crate) fn open(
        input: R,
        file: &str,
        max_record_bytes: usize,
        blank: BlankRows,
    ) -> Result<Self> {
        let lines = Arc::new(Mutex::new(LineIndex::default()));
        let limits = CsvLimits {
            max_record_bytes,
            bound_rows: false,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(CsvGuard::with_lines(input, limits, Arc::clone(&lines)));
        let header = match reader.byte_headers() {
            Ok(h) => Header::new(h),
            Err(e) => return Err(csv_error(file, &e, &lines)),
        };
        Ok(CsvRows {
            reader,
            lines,
            header,
            record: csv::ByteRecord::new(),
            blank,
        })
    }

    /// The header row.
    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    /// The next row, counted as read ([`Ctx::read_one`]); `Ok(None)` at the end.
    ///
    /// A row csv cannot read goes to [`Ctx::skip`] and reading goes on, except after an I/O
    /// error, which ends the input. Blank rows are handled as the [`BlankRows`] given to
    /// [`CsvRows::open`] says.
    ///
    /// # Errors
    /// What [`Ctx::skip`] returns: the bad row in [`crate::ErrorMode::Stop`], write errors.
    pub(crate) fn next_row<'r, 'c: 'r>(&'r mut self, ctx: &mut Ctx<'c>) -> Result<Option<Row<'r>>> {
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => {
                    ctx.skip(csv_error(ctx.name, &e, &self.lines))?;
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        return Ok(None);
                    }
                    continue;
                }
            }
            ctx.read_one();
            if self.blank == BlankRows::NotConversation && is_blank(&self.record) {
                ctx.not_conversation();
                continue;
            }
            let line = self
                .record
                .position()
                .map_or(0, |p| line_of(&self.lines, p.byte()));
            return Ok(Some(Row {
                record: &self.record,
                file: ctx.name,
                line,
            }));
        }
    }
}

/// One row with its position, handing out UTF-8 fields.
pub(crate) struct Row<'a> {
    pub record: &'a csv::ByteRecord,
    pub file: &'a str,
    pub line: u64,
}

impl Row<'_> {
    /// The field at `idx` as text; `Ok(None)` when the column is absent or the cell empty.
    pub(crate) fn get(
        &self,
        idx: Option<usize>,
        name: &str,
    ) -> Result<Option<String>, IngestError> {
        let Some(i) = idx else { return Ok(None) };
        let bytes = self.record.get(i).unwrap_or_default();
        match std::str::from_utf8(bytes) {
            Ok("") => Ok(None),
            Ok(s) => Ok(Some(s.to_string())),
            Err(e) => Err(IngestError::InvalidUtf8 {
                pos: Position {
                    file: self.file.to_string(),
                    line: self.line,
                },
                field: name.to_string(),
                offset: e.valid_up_to(),
            }),
        }
    }
}

/// `true` when every cell is empty or white space.
fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

/// A csv error as an [`IngestError::Csv`] at its true line, or as the
/// [`IngestError::CsvShape`] the guard found.
fn csv_error(file: &str, e: &csv::Error, lines: &Mutex<LineIndex>) -> IngestError {
    if let Some(shape) = CsvShapeError::from_csv(e) {
        return IngestError::csv_shape(file, shape.clone());
    }
    let line = e.position().map_or(0, |p| line_of(lines, p.byte()));
    IngestError::Csv {
        pos: Position {
            file: file.to_string(),
            line,
        },
        message: e.to_string(),
    }
}

/// Newline offsets not yet passed by the parser, plus how many were passed.
#[derive(Debug, Default)]
pub(crate) struct LineIndex {
    newlines: std::collections::VecDeque<u64>,
    passed: u64,
}

/// 1-based line of byte `offset`; forgets newlines before it (offsets only grow).
pub(crate) fn line_of(lines: &Mutex<LineIndex>, offset: u64) -> u64 {
    let Ok(mut index) = lines.lock() else {
        return 0;
    };
    // `<=`: with CRLF endings csv reports a record as starting on the LF it skipped.
    while index.newlines.front().is_some_and(|&n| n <= offset) {
        index.newlines.pop_front();
        index.passed += 1;
    }
    index.passed + 1
}

/// Most line breaks one quoted field may span before [`CsvGuard`] calls its quote unclosed.
///
/// The longest field in the data sets and exports we know spans about 1,900 line breaks (a
/// GitHub issue with a log pasted in); 10,000 leaves five times that, and still stops a stray
/// quote long before it swallows a large file.
pub const MAX_QUOTED_LINE_BREAKS: u64 = 10_000;

/// What a [`CsvGuard`] refuses: a CSV input whose quoting or size cannot be trusted. The
/// message leaves out the position; [`CsvShapeError::line`] gives the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvShapeError {
    /// A quoted field opens and the input ends before it closes.
    #[error("a quoted field opens here and is never closed (the rest of the file, {lines} lines, would be one field); close the quote or escape it as \"\"")]
    UnclosedQuote {
        /// Line where the quote opens.
        line: u64,
        /// Lines from there to the end of the input.
        lines: u64,
    },
    /// A quoted field spans more than [`MAX_QUOTED_LINE_BREAKS`] line breaks.
    #[error("a quoted field opens here and is still open after {limit} line breaks (the rows after it would be one field); close the quote or escape it as \"\"")]
    QuoteSpansTooManyLines {
        /// Line where the quote opens.
        line: u64,
        /// The bound, [`MAX_QUOTED_LINE_BREAKS`].
        limit: u64,
    },
    /// A quoted field is still open when its record passes the size limit.
    #[error("a quoted field opens here and is still open after {limit} bytes (the record size limit); close the quote or escape it as \"\", or raise the limit")]
    QuotedFieldTooLarge {
        /// Line where the quote opens.
        line: u64,
        /// The record size limit in bytes.
        limit: usize,
    },
    /// A quoted field spans line breaks, closes, and text follows its closing quote (`"a\nb"c`):
    /// csv keeps reading it as one field, so a stray quote silently merges rows.
    #[error("a quoted field opens here and text follows its closing quote on line {at_line} (the rows between would be one field); double a quote inside a quoted field (\"\"), or quote the field that starts with one")]
    TextAfterClosingQuote {
        /// Line where the quote opens.
        line: u64,
        /// Line of the text after the closing quote.
        at_line: u64,
    },
    /// The header row is larger than the record size limit.
    #[error("the CSV header is larger than the limit of {limit} bytes; is this a CSV file?")]
    HeaderTooLarge {
        /// Line where the header starts.
        line: u64,
        /// The record size limit in bytes.
        limit: usize,
    },
    /// A data row is larger than the record size limit.
    #[error("record is larger than the limit of {limit} bytes")]
    RecordTooLarge {
        /// Line where the record starts.
        line: u64,
        /// The record size limit in bytes.
        limit: usize,
    },
}

impl CsvShapeError {
    /// The 1-based line the problem is reported at (where the quote or the record opens).
    pub fn line(&self) -> u64 {
        match *self {
            CsvShapeError::UnclosedQuote { line, .. }
            | CsvShapeError::QuoteSpansTooManyLines { line, .. }
            | CsvShapeError::QuotedFieldTooLarge { line, .. }
            | CsvShapeError::HeaderTooLarge { line, .. }
            | CsvShapeError::RecordTooLarge { line, .. }
            | CsvShapeError::TextAfterClosingQuote { line, .. } => line,
        }
    }

    /// The guard's finding behind a csv error, if that is what stopped the csv reader.
    pub fn from_csv(e: &csv::Error) -> Option<&CsvShapeError> {
        match e.kind() {
            csv::ErrorKind::Io(io) => io.get_ref()?.downcast_ref::<CsvShapeError>(),
            _ => None,
        }
    }
}

/// The limits a [`CsvGuard`] enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvLimits {
    /// Largest header row, and largest data row when `bound_rows` is set, in bytes as they are
    /// in the file (quotes and delimiters included). A quoted field still open past it is
    /// reported as such, with the line where it opens.
    pub max_record_bytes: usize,
    /// `true`: a data row over `max_record_bytes` stops the input. `false`: only the header
    /// and open quotes are bounded; the caller checks data rows itself.
    pub bound_rows: bool,
}

/// Where the guard's copy of the csv state machine is (csv-core's NFA for the default dialect:
/// `,` delimiter, `"` quote, doubled quotes, CR, LF or CRLF ends a row, no comments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    QuoteInQuoted,
}

/// A reader under a csv reader that follows csv's quoting byte by byte, so that what csv
/// accepts silently becomes an error naming the line:
///
/// - a quoted field still open at the end of the input (csv would make the rest of the file one
///   field): [`CsvShapeError::UnclosedQuote`];
/// - text right after the closing quote of a field that spans line breaks (csv keeps it as part
///   of the field, so a stray quote at the start of a field merges the rows up to the next
///   quote; `"x"tail` on one line is let through):
///   [`CsvShapeError::TextAfterClosingQuote`];
/// - a quoted field spanning more than [`MAX_QUOTED_LINE_BREAKS`] line breaks:
///   [`CsvShapeError::QuoteSpansTooManyLines`];
/// - a header (or, with [`CsvLimits::bound_rows`], a row) over the size limit, found before csv
///   buffers more than the limit: [`CsvShapeError::HeaderTooLarge`],
///   [`CsvShapeError::RecordTooLarge`], [`CsvShapeError::QuotedFieldTooLarge`].
///
/// The bytes before the problem are passed on, so the rows before it read as usual; the
/// problem then comes as an I/O error (kind `InvalidData`) whose inner error is the
/// [`CsvShapeError`] ([`CsvShapeError::from_csv`] finds it), and every later read repeats it.
/// It also records where the newlines are, for the crate's line numbers.
///
/// ```
/// use secdisc_ingest::{CsvGuard, CsvLimits, CsvShapeError};
/// let data = "id,text\n1,fine\n2,\"opens\n3,never closes\n";
/// let limits = CsvLimits { max_record_bytes: 1 << 20, bound_rows: true };
/// let mut reader = csv::Reader::from_reader(CsvGuard::new(data.as_bytes(), limits));
/// let mut rows = reader.records();
/// assert_eq!(&rows.next().unwrap()?[1], "fine");
/// let err = rows.next().unwrap().unwrap_err();
/// assert_eq!(
///     CsvShapeError::from_csv(&err),
///     Some(&CsvShapeError::UnclosedQuote { line: 3, lines: 2 })
/// );
/// # Ok::<(), csv::Error>(())
/// ```
pub struct CsvGuard<R> {
    inner: R,
    limits: CsvLimits,
    offset: u64,
    lines: Option<Arc<Mutex<LineIndex>>>,
    state: QuoteState,
    /// 1-based line of the next byte.
    line: u64,
    /// Whether the last byte passed on was a `\n`.
    after_newline: bool,
    record_start: u64,
    record_line: u64,
    records: u64,
    quote_line: u64,
    quote_breaks: u64,
    failed: Option<CsvShapeError>,
}

impl<R> CsvGuard<R> {
    /// Guard `inner` with `limits`.
    pub fn new(inner: R, limits: CsvLimits) -> Self {
        CsvGuard {
            inner,
            limits,
            offset: 0,
            lines: None,
            state: QuoteState::StartRecord,
            line: 1,
            after_newline: false,
            record_start: 0,
            record_line: 1,
            records: 0,
            quote_line: 0,
            quote_breaks: 0,
            failed: None,
        }
    }

    /// Guard `inner` and count its newlines into `lines`.
    pub(crate) fn with_lines(inner: R, limits: CsvLimits, lines: Arc<Mutex<LineIndex>>) -> Self {
        let mut guard = CsvGuard::new(inner, limits);
        guard.lines = Some(lines);
        guard
    }

    /// Follow `bytes`; the number that can be passed on, and the problem found at that point.
    fn scan(&mut self, bytes: &[u8]) -> (usize, Option<CsvShapeError>) {
        use QuoteState::*;
        let limit = self.limits.max_record_bytes as u64;
        // csv drops a UTF-8 byte order mark at the very start (when it arrives whole).
        let bom = if self.offset == 0 && bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        for (i, &b) in bytes.iter().enumerate().skip(bom) {
            let at = self.offset + i as u64;
            if self.state == StartRecord && b != b'\n' && b != b'\r' {
                self.state = StartField;
                self.record_start = at;
                self.record_line = self.line;
                self.records += 1;
            }
            if self.state != StartRecord && at - self.record_start >= limit {
                let header = self.records == 1;
                if matches!(self.state, InQuoted) {
                    return (
                        i,
                        Some(CsvShapeError::QuotedFieldTooLarge {
                            line: self.quote_line,
                            limit: self.limits.max_record_bytes,
                        }),
                    );
                }
                if header || self.limits.bound_rows {
                    let (line, limit) = (self.record_line, self.limits.max_record_bytes);
                    let e = if header {
                        CsvShapeError::HeaderTooLarge { line, limit }
                    } else {
                        CsvShapeError::RecordTooLarge { line, limit }
                    };
                    return (i, Some(e));
                }
            }
            let ends_row = b == b'\n' || b == b'\r';
            self.state = match self.state {
                StartRecord => StartRecord,
                StartField if b == b'"' => {
                    self.quote_line = self.line;
                    self.quote_breaks = 0;
                    InQuoted
                }
                // A doubled quote inside a quoted field is one literal quote: still quoted.
                QuoteInQuoted if b == b'"' => InQuoted,
                StartField | InField | QuoteInQuoted if b == b',' => StartField,
                StartField | InField | QuoteInQuoted if ends_row => StartRecord,
                // Text after a closing quote is kept by csv as part of the field; harmless on
                // one line (`"x"tail`), but after a quoted line break it means a stray quote
                // has merged rows.
                QuoteInQuoted if self.quote_breaks > 0 => {
                    return (
                        i,
                        Some(CsvShapeError::TextAfterClosingQuote {
                            line: self.quote_line,
                            at_line: self.line,
                        }),
                    )
                }
                StartField | InField | QuoteInQuoted => InField,
                InQuoted if b == b'"' => QuoteInQuoted,
                InQuoted if b == b'\n' => {
                    self.quote_breaks += 1;
                    if self.quote_breaks > MAX_QUOTED_LINE_BREAKS {
                        return (
                            i,
                            Some(CsvShapeError::QuoteSpansTooManyLines {
                                line: self.quote_line,
                                limit: MAX_QUOTED_LINE_BREAKS,
                            }),
                        );
                    }
                    InQuoted
                }
                InQuoted => InQuoted,
            };
            if b == b'\n' {
                self.line += 1;
            }
        }
        (bytes.len(), None)
    }

    /// The problem at the end of the input, if any.
    fn at_end(&self) -> Option<CsvShapeError> {
        (self.state == QuoteState::InQuoted).then(|| {
            let last_line = if self.after_newline {
                self.line - 1
            } else {
                self.line
            };
            CsvShapeError::UnclosedQuote {
                line: self.quote_line,
                lines: last_line.saturating_sub(self.quote_line) + 1,
            }
        })
    }
}

fn shape_io_error(e: CsvShapeError) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, e)
}

impl<R: Read> Read for CsvGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(e) = &self.failed {
            return Err(shape_io_error(e.clone()));
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            if let Some(e) = self.at_end() {
                self.failed = Some(e.clone());
                return Err(shape_io_error(e));
            }
            return Ok(0);
        }
        let (keep, problem) = self.scan(&buf[..n]);
        if let Some(lines) = &self.lines {
            if let Ok(mut index) = lines.lock() {
                let base = self.offset;
                index
                    .newlines
                    .extend(memchr::memchr_iter(b'\n', &buf[..keep]).map(|i| base + i as u64));
            }
        }
        if keep > 0 {
            self.after_newline = buf[keep - 1] == b'\n';
        }
        self.offset += keep as u64;
        if let Some(e) = problem {
            self.failed = Some(e.clone());
            if keep == 0 {
                return Err(shape_io_error(e));
            }
        }
        Ok(keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clean::Cleaner;
    use crate::dedup::{DedupMode, Deduper};
    use crate::formats::generic::FieldMap;
    use crate::formats::stackexchange::SeThreads;
    use crate::pipeline::{BotFilter, ErrorMode, Inheritance, Pipeline, Unit};
    use crate::record::Record;

    /// The line of every row [`CsvRows`] hands out, the error that stopped reading (in `mode`
    /// [`ErrorMode::Stop`]), and the run's counters.
    fn read_rows(
        data: &str,
        blank: BlankRows,
        mode: ErrorMode,
    ) -> (Vec<u64>, Option<String>, crate::summary::Summary) {
        let mut pipe = Pipeline::new(
            Cleaner::default(),
            Unit::Paragraph,
            Deduper::new(DedupMode::None).unwrap(),
            None,
            Inheritance::None,
            BotFilter::default(),
            mode,
        );
        let fields = FieldMap::default();
        let mut se_threads = SeThreads::default();
        let mut sink: Vec<Record> = Vec::new();
        let mut ctx = Ctx {
            name: "t.csv",
            dir_name: None,
            source: None,
            max_record_bytes: 1 << 20,
            fields: &fields,
            se_threads: &mut se_threads,
            pipe: &mut pipe,
            sink: &mut sink,
        };
        let mut rows = CsvRows::open(data.as_bytes(), "t.csv", 1 << 20, blank).unwrap();
        let mut lines = Vec::new();
        let error = loop {
            match rows.next_row(&mut ctx) {
                Ok(Some(row)) => lines.push(row.line),
                Ok(None) => break None,
                Err(e) => break Some(e.to_string()),
            }
        };
        (lines, error, pipe.summary)
    }

    /// The line of every row [`CsvRows`] hands out, and the run's counters.
    fn row_lines(data: &str, blank: BlankRows) -> (Vec<u64>, crate::summary::Summary) {
        let (lines, error, summary) = read_rows(data, blank, ErrorMode::KeepGoing);
        assert_eq!(error, None);
        (lines, summary)
    }

    #[test]
    fn rows_after_multiline_quoted_fields_carry_their_true_line() {
        // `~` is a line break inside a quoted field.
        let data = "a,b\n1,\"x~y\"\n2,z\n3,\"p~~q\"\n4,r\n";
        for (row_end, field_break) in [("\n", "\n"), ("\r\n", "\r\n"), ("\r\n", "\n")] {
            let text = data.replace('\n', row_end).replace('~', field_break);
            let (lines, _) = row_lines(&text, BlankRows::Keep);
            assert_eq!(lines, vec![2, 4, 5, 8], "{row_end:?} {field_break:?}");
        }
    }

    #[test]
    fn blank_rows_are_kept_or_counted_as_not_conversation() {
        let data = "a,b\n1,x\n , \n2,y\n";
        let (lines, summary) = row_lines(data, BlankRows::Keep);
        assert_eq!(lines, vec![2, 3, 4]);
        assert_eq!(summary.records_in, 3);
        let (lines, summary) = row_lines(data, BlankRows::NotConversation);
        assert_eq!(lines, vec![2, 4]);
        assert_eq!(summary.records_in, 3);
        assert_eq!(summary.records_dropped["not_conversation"], 1);
    }

    #[test]
    fn line_of_counts_newlines_at_or_before_the_offset() {
        let lines = Mutex::new(LineIndex {
            newlines: [3, 4, 9].into_iter().collect(),
            passed: 0,
        });
        assert_eq!(line_of(&lines, 0), 1);
        assert_eq!(line_of(&lines, 4), 3, "CRLF: a record reported at its LF");
        assert_eq!(line_of(&lines, 5), 3);
        assert_eq!(line_of(&lines, 10), 4);
    }

    /// What a guarded csv reader makes of `data`: the rows read, then the guard's finding.
    fn guarded(data: &[u8], limits: CsvLimits) -> (Vec<Vec<String>>, Option<CsvShapeError>) {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(CsvGuard::new(data, limits));
        let mut rows = Vec::new();
        for row in reader.byte_records() {
            match row {
                Ok(r) => rows.push(
                    r.iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect(),
                ),
                Err(e) => return (rows, CsvShapeError::from_csv(&e).cloned()),
            }
        }
        (rows, None)
    }

    const BIG: CsvLimits = CsvLimits {
        max_record_bytes: 1 << 20,
        bound_rows: true,
    };

    #[test]
    fn an_unclosed_quote_is_reported_where_it_opens() {
        // 1,000 rows, row 10 (line 11) starts its text with a quote that never closes.
        let mut data = String::from("id,label,text\n");
        for i in 1..=1000 {
            let q = if i == 10 { "\"" } else { "" };
            data.push_str(&format!("{i},1,{q}text of row {i}\n"));
        }
        let (rows, e) = guarded(data.as_bytes(), BIG);
        assert_eq!(rows.len(), 10, "header and rows 1-9");
        assert_eq!(
            e,
            Some(CsvShapeError::UnclosedQuote {
                line: 11,
                lines: 991
            })
        );
        let msg = e.unwrap().to_string();
        assert!(msg.contains("the rest of the file, 991 lines"), "{msg}");
        // Without a final newline, and with CRLF.
        let (_, e) = guarded(b"a,b\r\n1,\"x\r\ny", BIG);
        assert_eq!(e, Some(CsvShapeError::UnclosedQuote { line: 2, lines: 2 }));
    }

    #[test]
    fn quotes_that_close_or_are_literal_pass() {
        let ok: [&[u8]; 8] = [
            // Doubled quotes inside a field over several lines, one line starting with them
            // (the shape of stackexchange_stackoverflow's last record, once misread).
            b"a,b\n1,\"x \"\"y\"\" z\n\"\"w\"\"\n\",2\n",
            b"a,b\n1,\"x\ny\"\n",
            b"a,b\n1,\"say \"\"hi\"\"\"\n",
            b"a,b\n1,x\"y\n2,\"\"\n",
            b"a,b\n1,\"x\"tail\"more\n",
            b"a,b\n1,\"x\"",
            b"\xEF\xBB\xBF\"a\",b\n1,2",
            b"\n\n",
        ];
        for data in ok {
            let (_, e) = guarded(data, BIG);
            assert_eq!(e, None, "{:?}", String::from_utf8_lossy(data));
        }
        // csv drops a BOM at the start, so a quote after it opens a field.
        let (rows, e) = guarded(b"\xEF\xBB\xBF\"a,b\n1,2\n", BIG);
        assert_eq!(
            (rows.len(), e),
            (0, Some(CsvShapeError::UnclosedQuote { line: 1, lines: 2 }))
        );
    }

    /// Found by benches/fault/adversarial.py: a stray quote at the start of row 10's text
    /// closed at the next row's quote, merging two rows into one with exit 0.
    #[test]
    fn text_after_a_quote_that_spans_lines_is_an_error() {
        let data = b"id,text,label\n9,fine,1\n10,\"stray quote,1\n11,\"quoted\",0\n12,after,1\n";
        let (rows, e) = guarded(data, BIG);
        assert_eq!(rows.len(), 2, "header and row 9");
        assert_eq!(
            e,
            Some(CsvShapeError::TextAfterClosingQuote {
                line: 3,
                at_line: 4
            })
        );
        assert!(e.unwrap().to_string().contains("double a quote"));
    }

    #[test]
    fn a_quote_spanning_too_many_line_breaks_is_stopped_early() {
        let mut data = String::from("a,b\n1,\"open\n");
        for i in 0..MAX_QUOTED_LINE_BREAKS + 5 {
            data.push_str(&format!("{i},x\n"));
        }
        data.push_str("end\"\n");
        let (rows, e) = guarded(data.as_bytes(), BIG);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            e,
            Some(CsvShapeError::QuoteSpansTooManyLines {
                line: 2,
                limit: MAX_QUOTED_LINE_BREAKS
            })
        );
        // Just under the bound reads as one (long) field.
        let mut data = String::from("a,b\n1,\"open\n");
        for _ in 1..MAX_QUOTED_LINE_BREAKS {
            data.push_str("x\n");
        }
        data.push_str("end\"\n");
        let (rows, e) = guarded(data.as_bytes(), BIG);
        assert_eq!((rows.len(), e), (2, None));
    }

    /// A reader that yields `n` zero bytes in small pieces, counting what was taken from it.
    struct Zeros {
        left: usize,
        taken: usize,
    }

    impl Read for Zeros {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.left).min(4096);
            buf[..n].fill(0);
            self.left -= n;
            self.taken += n;
            Ok(n)
        }
    }

    #[test]
    fn a_header_over_the_limit_stops_before_it_is_buffered() {
        let limits = CsvLimits {
            max_record_bytes: 1000,
            bound_rows: false,
        };
        let mut zeros = Zeros {
            left: usize::MAX,
            taken: 0,
        };
        let mut reader = csv::Reader::from_reader(CsvGuard::new(&mut zeros, limits));
        let e = reader.byte_headers().unwrap_err();
        assert_eq!(
            CsvShapeError::from_csv(&e),
            Some(&CsvShapeError::HeaderTooLarge {
                line: 1,
                limit: 1000
            })
        );
        drop(reader);
        assert!(zeros.taken < 20_000, "read {} bytes", zeros.taken);
        // Rows are bounded only when asked; a quoted field always is.
        let data = format!("a\n{}\n\"{}\n", "x".repeat(2000), "y".repeat(2000));
        let (rows, e) = guarded(data.as_bytes(), limits);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            e,
            Some(CsvShapeError::QuotedFieldTooLarge {
                line: 3,
                limit: 1000
            })
        );
        let (rows, e) = guarded(
            data.as_bytes(),
            CsvLimits {
                bound_rows: true,
                ..limits
            },
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(
            e,
            Some(CsvShapeError::RecordTooLarge {
                line: 2,
                limit: 1000
            })
        );
    }

    #[test]
    fn export_rows_before_an_unclosed_quote_are_read_and_the_quote_is_an_error() {
        let mut pipe_lines = row_lines_result("a,b\n1,x\n2,\"cut\nmid field");
        let e = pipe_lines.1.take().expect("an error");
        assert_eq!(pipe_lines.0, vec![2]);
        assert!(
            e.starts_with("t.csv:3: a quoted field opens here and is never closed"),
            "{e}"
        );
    }

    /// Like [`row_lines`] in stop mode: the lines read and the error that stopped reading.
    fn row_lines_result(data: &str) -> (Vec<u64>, Option<String>) {
        let (lines, error, _) = read_rows(data, BlankRows::Keep, ErrorMode::Stop);
        (lines, error)
    }

    #[test]
    fn long_headers_are_cut_in_messages() {
        assert_eq!(excerpt("id,text"), "id,text");
        let long = "é".repeat(150);
        assert_eq!(
            excerpt(&long),
            format!("{}… (300 bytes in all)", "é".repeat(100))
        );
    }
}
