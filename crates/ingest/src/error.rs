//! The one error type of this crate.

use std::path::PathBuf;

/// Where in an input a problem was found: the file (or `<stdin>`) and the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// File path as given by the user, or `<stdin>`.
    pub file: String,
    /// 1-based line number of the start of the record; 0 when unknown.
    pub line: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}", self.file, self.line)
        }
    }
}

/// Everything that can go wrong while reading records.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A CSV file lacks a column that this command needs.
    #[error("{file}: missing column `{column}` in the CSV header (found: {found}); rename the column or pass a file with `{column}`")]
    MissingColumn {
        /// File name.
        file: String,
        /// The missing column.
        column: String,
        /// The header that was found, comma-separated.
        found: String,
    },
    /// A record lacks a field that this command needs.
    #[error("{pos}: record has no `{field}` field")]
    MissingField {
        /// Where.
        pos: Position,
        /// The missing field.
        field: String,
    },
    /// A generic JSON record lacks the text field; `found` lists the keys it does have, so the
    /// user can name the right one.
    #[error("{pos}: record has no `{field}` field (its keys: {found}); name the field that holds the text")]
    MissingTextField {
        /// Where.
        pos: Position,
        /// The text field that was looked for.
        field: String,
        /// The record's top-level keys, comma-separated.
        found: String,
    },
    /// A field value could not be understood.
    #[error("{pos}: field `{field}`: {message}")]
    BadField {
        /// Where.
        pos: Position,
        /// The field.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The CSV layer could not parse a record.
    #[error("{pos}: malformed CSV: {message}")]
    Csv {
        /// Where.
        pos: Position,
        /// What the CSV parser said.
        message: String,
    },
    /// A CSV input whose quoting or size cannot be trusted (a quote never closed, a header over
    /// the size limit); `pos` is where the quote or row opens. Reading stops here.
    #[error("{pos}: {problem}")]
    CsvShape {
        /// Where the quote or row opens.
        pos: Position,
        /// What is wrong.
        problem: crate::parse::csv::CsvShapeError,
    },
    /// A JSON line could not be parsed.
    #[error("{pos}: malformed JSON (column {column}): {message}")]
    Json {
        /// Where.
        pos: Position,
        /// 1-based column in the line.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// Bytes that are not UTF-8.
    #[error("{pos}: field `{field}` is not valid UTF-8 (byte offset {offset} in the field); re-encode the file as UTF-8")]
    InvalidUtf8 {
        /// Where.
        pos: Position,
        /// The field.
        field: String,
        /// Byte offset of the first bad byte inside the field.
        offset: usize,
    },
    /// A single record exceeds the configured size limit.
    #[error("{pos}: record is larger than the limit of {limit} bytes")]
    RecordTooLarge {
        /// Where.
        pos: Position,
        /// The limit in bytes.
        limit: usize,
    },
    /// A line of a JSON-lines file exceeds the size limit: it was skipped to its end, and the
    /// lines after it can still be read.
    #[error("{pos}: record is larger than the limit of {limit} bytes; skipped")]
    LineTooLarge {
        /// Where.
        pos: Position,
        /// The limit in bytes.
        limit: usize,
    },
    /// The input format could not be determined or is not supported here.
    #[error("{file}: {message}")]
    Format {
        /// File name.
        file: String,
        /// Explanation and what to do.
        message: String,
    },
    /// The content matches no export format that can be told from it alone.
    #[error("{file}: cannot tell which export this is ({family} content that is neither a Jira RSS export nor a Stack Exchange dump table); name its format")]
    UndetectedFormat {
        /// File name.
        file: String,
        /// What the content looks like: `JSON`, `XML`, `CSV` or `empty input`.
        family: &'static str,
    },
    /// Malformed XML.
    #[error("{pos}: malformed XML at byte {offset}: {message}; check that the file is a complete export (re-export it if it was cut off) or keep going past the rest of this file")]
    Xml {
        /// Where.
        pos: Position,
        /// Byte offset into the (decompressed) input.
        offset: u64,
        /// What the XML parser said.
        message: String,
    },
    /// The input ends in the middle of a value: the file was cut off.
    #[error("{pos}: input ends inside {what} that starts here (byte {offset}); the file looks truncated: re-export or re-download it")]
    Truncated {
        /// Where the unfinished value starts.
        pos: Position,
        /// Byte offset of the unfinished value.
        offset: u64,
        /// What is unfinished, for example `a JSON array`.
        what: String,
    },
    /// The format asked for is not what the content looks like.
    #[error("{file}: the format {expected} was asked for but the content looks like {found}")]
    WrongFormat {
        /// File name.
        file: String,
        /// The format that was asked for.
        expected: String,
        /// What the content looks like.
        found: String,
    },
    /// A placeholder token contains a line break, which would split paragraphs.
    #[error("the {which} placeholder {token:?} contains a line break; pass a single-line token")]
    PlaceholderHasLineBreak {
        /// Which placeholder: `code` or `url`.
        which: &'static str,
        /// The token given.
        token: String,
    },
    /// The near-duplicate distance is outside 0..=3.
    #[error("near-duplicate distance {value} is out of range; pass 0 to 3 differing bits (of 64)")]
    NearDistanceOutOfRange {
        /// The distance given.
        value: u32,
    },
    /// The record size limit is zero.
    #[error("the record size limit is 0 bytes; pass a positive limit")]
    ZeroRecordLimit,
    /// A tag list file could not be read.
    #[error("cannot read tag list {path}: {source}")]
    TagList {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Writing the output failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The output path or `<stdout>`.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl IngestError {
    /// A guard finding as an error of `file`: a row over the size limit as
    /// [`IngestError::RecordTooLarge`], anything else as [`IngestError::CsvShape`].
    pub(crate) fn csv_shape(file: &str, problem: crate::parse::csv::CsvShapeError) -> IngestError {
        let pos = Position {
            file: file.to_string(),
            line: problem.line(),
        };
        match problem {
            crate::parse::csv::CsvShapeError::RecordTooLarge { limit, .. } => {
                IngestError::RecordTooLarge { pos, limit }
            }
            problem => IngestError::CsvShape { pos, problem },
        }
    }

    /// `true` for the errors after which a record reader cannot go on (the position in the
    /// stream is lost): I/O errors, an oversized record, a CSV quote never closed.
    pub fn ends_input(&self) -> bool {
        matches!(
            self,
            IngestError::Io { .. }
                | IngestError::RecordTooLarge { .. }
                | IngestError::CsvShape { .. }
        )
    }
}

/// Result alias for this crate.
pub type Result<T, E = IngestError> = std::result::Result<T, E>;
