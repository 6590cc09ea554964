//! Helpers for CSV exports: header lookup, UTF-8 fields with positions, csv errors.

use crate::error::{IngestError, Position};

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

    /// `true` when every cell is empty or white space.
    pub(crate) fn is_blank(&self) -> bool {
        self.record
            .iter()
            .all(|f| f.iter().all(u8::is_ascii_whitespace))
    }
}

/// A csv error as an [`IngestError::Csv`].
pub(crate) fn csv_error(file: &str, e: &csv::Error) -> IngestError {
    let line = e.position().map_or(0, |p| p.line());
    IngestError::Csv {
        pos: Position {
            file: file.to_string(),
            line,
        },
        message: e.to_string(),
    }
}

/// A reader for an export: header row, flexible row lengths.
pub(crate) fn reader<R: std::io::Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input)
}
