//! Read developer conversations into secdisc records.
//!
//! Two jobs live here, both without any machine learning:
//! - [`RecordReader`] streams labelled or unlabelled record files (CSV with a header, or JSON
//!   lines) with field-level validation, for `train`, `evaluate` and `label`;
//! - [`Ingester`] turns tracker exports (GitHub, Jira, Stack Exchange, or generic CSV/JSON with
//!   mapped columns) into paragraph [`Record`]s for `ingest`: it detects each input's
//!   [`ExportFormat`], cleans the text ([`Cleaner`]: code, quotes, markup, URLs, signatures),
//!   splits it into paragraphs ([`segment`]), labels units from tags ([`SecurityTags`]), removes
//!   duplicates ([`Deduper`]) and reports a [`Summary`].
//!
//! ```
//! use secdisc_ingest::{Label, RecordReader, ReadOptions};
//! let data = "{\"id\": \"a\", \"text\": \"rotate the signing key\", \"label\": \"security\"}\n";
//! let mut reader = RecordReader::from_reader("inline", Box::new(data.as_bytes()), &ReadOptions::default())?;
//! let first = reader.next().unwrap()?;
//! assert_eq!(first.record.label, Some(Label::Security));
//! # Ok::<(), secdisc_ingest::IngestError>(())
//! ```
//!
//! ```
//! use secdisc_ingest::{IngestParams, LabelSource, Label, Record, SecurityTags};
//! let rows = "Id,PostTypeId,Body,Title,Tags\n\
//!             \"1\",\"1\",\"<p>Is <code>md5</code> fine for passwords?</p>\",\"Hashing\",\"<security><php>\"\n";
//! let mut ingester = IngestParams::default()
//!     .labels(LabelSource::FromTags(SecurityTags::builtin()))
//!     .build()?;
//! let mut out: Vec<Record> = Vec::new();
//! ingester.ingest_reader("QueryResults.csv", Box::new(rows.as_bytes()), &mut out)?;
//! assert_eq!(out[1].text.as_deref(), Some("Is md5 fine for passwords?"));
//! assert_eq!(out[1].label, Some(Label::Security));
//! # Ok::<(), secdisc_ingest::IngestError>(())
//! ```
#![deny(missing_docs)]

mod clean;
mod dedup;
mod error;
mod formats;
mod ingest;
mod input;
mod labels;
mod parse;
mod pipeline;
mod post;
mod prep;
mod reader;
mod record;
mod summary;
mod writer;

pub use clean::segment::{segment, Segmented};
pub use clean::{CleanParams, Cleaner, CodeMode, Markup};
pub use dedup::{DedupMode, Deduper};
pub use error::{IngestError, Position, Result};
pub use formats::generic::FieldMap;
pub use formats::ExportFormat;
pub use ingest::{IngestParams, Ingester, LabelSource, OpenedInput};
pub use labels::{SecurityTags, TagRule, BUILTIN_SECURITY_TAGS};
pub use parse::csv::{CsvGuard, CsvLimits, CsvShapeError, MAX_QUOTED_LINE_BREAKS};
pub use pipeline::{BotFilter, ErrorMode, Inheritance, Unit, DEFAULT_BOTS};
pub use post::Kind;
pub use prep::{TextPrep, TextPreparer};
pub use reader::{LabelPolicy, LocatedRecord, ReadOptions, RecordFormat, RecordReader};
pub use record::{Label, Record};
pub use summary::{DropReason, InputSummary, LabelCounts, Summary, MAX_SKIPPED_EXAMPLES};
pub use writer::{RecordSink, RecordWriter};
