//! Helpers for CSV exports: the row loop with true line numbers, header lookup, UTF-8 fields
//! with positions, csv errors.
//!
//! csv's own line counter disagrees with the file after a quoted field that spans lines (how it
//! counts depends on LF or CRLF endings), so [`NewlineCounter`] records where the newlines are and
//! [`line_of`] turns csv's byte positions into 1-based lines.

use std::io::Read;
use std::sync::{Arc, Mutex};

use crate::error::{IngestError, Position, Result};
use crate::pipeline::Ctx;

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

    /// The names joined by commas, for messages.
    pub(crate) fn joined(&self) -> String {
        self.names.join(",")
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
    reader: csv::Reader<NewlineCounter<R>>,
    lines: Arc<Mutex<LineIndex>>,
    header: Header,
    record: csv::ByteRecord,
    blank: BlankRows,
}

impl<R: Read> CsvRows<R> {
    /// Read the header row of `input`; `file` names the input in errors.
    ///
    /// # Errors
    /// [`IngestError::Csv`] when the header row cannot be read.
    pub(crate) fn open(input: R, file: &str, blank: BlankRows) -> Result<Self> {
        let lines = Arc::new(Mutex::new(LineIndex::default()));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(NewlineCounter::new(input, Arc::clone(&lines)));
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

/// A csv error as an [`IngestError::Csv`], at its true line.
fn csv_error(file: &str, e: &csv::Error, lines: &Mutex<LineIndex>) -> IngestError {
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

/// Records the offset of every newline read through it.
pub(crate) struct NewlineCounter<R> {
    inner: R,
    offset: u64,
    lines: Arc<Mutex<LineIndex>>,
}

impl<R> NewlineCounter<R> {
    /// Count the newlines of `inner` into `lines`.
    pub(crate) fn new(inner: R, lines: Arc<Mutex<LineIndex>>) -> Self {
        NewlineCounter {
            inner,
            offset: 0,
            lines,
        }
    }
}

impl<R: Read> Read for NewlineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut index) = self.lines.lock() {
            let base = self.offset;
            index
                .newlines
                .extend(memchr::memchr_iter(b'\n', &buf[..n]).map(|i| base + i as u64));
        }
        self.offset += n as u64;
        Ok(n)
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

    /// The line of every row [`CsvRows`] hands out, and the run's counters.
    fn row_lines(data: &str, blank: BlankRows) -> (Vec<u64>, crate::summary::Summary) {
        let mut pipe = Pipeline::new(
            Cleaner::default(),
            Unit::Paragraph,
            Deduper::new(DedupMode::None).unwrap(),
            None,
            Inheritance::None,
            BotFilter::default(),
            ErrorMode::KeepGoing,
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
        let mut rows = CsvRows::open(data.as_bytes(), "t.csv", blank).unwrap();
        let mut lines = Vec::new();
        while let Some(row) = rows.next_row(&mut ctx).unwrap() {
            lines.push(row.line);
        }
        (lines, pipe.summary)
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
}
