//! Read developer conversations into secdisc records.
//!
//! Two jobs live here, both without any machine learning:
//! - [`RecordReader`] streams labelled or unlabelled record files (CSV with a header, or JSON
//!   lines) with field-level validation, for `train`, `evaluate` and `label`;
//! - export parsers (GitHub, Jira, Stack Exchange) turn tracker exports into paragraph
//!   [`Record`]s for `ingest`.
//!
//! ```
//! use secdisc_ingest::{Label, RecordReader, ReadOptions};
//! let data = "{\"id\": \"a\", \"text\": \"rotate the signing key\", \"label\": \"security\"}\n";
//! let mut reader = RecordReader::from_reader("inline", Box::new(data.as_bytes()), &ReadOptions::default())?;
//! let first = reader.next().unwrap()?;
//! assert_eq!(first.record.label, Some(Label::Security));
//! # Ok::<(), secdisc_ingest::IngestError>(())
//! ```
#![deny(missing_docs)]

mod error;
mod reader;
mod record;

pub use error::{IngestError, Position, Result};
pub use reader::{LabelPolicy, LocatedRecord, ReadOptions, RecordFormat, RecordReader};
pub use record::{Label, Record};
