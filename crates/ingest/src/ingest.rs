//! The `ingest` driver: options, input ordering, format dispatch and the run's summary.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::clean::CleanParams;
use crate::dedup::{DedupMode, Deduper};
use crate::error::{IngestError, Result};
use crate::formats::detect::{detect, Detected};
use crate::formats::generic::FieldMap;
use crate::formats::ExportFormat;
use crate::input::{self, Input};

use crate::formats::stackexchange::SeThreads;
use crate::formats::{github, jira, jira_csv, jira_xml, sede, stackexchange};
use crate::labels::SecurityTags;
use crate::pipeline::{BotFilter, Ctx, ErrorMode, Inheritance, Pipeline, Unit};
use crate::summary::{InputSummary, Summary};
use crate::writer::RecordSink;

/// Where labels come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LabelSource {
    /// No labels (generic files' `label` column still counts).
    #[default]
    None,
    /// Tracker labels and Stack Exchange tags, judged by these [`SecurityTags`].
    FromTags(SecurityTags),
}

/// Options of an ingest run; [`IngestParams::build`] checks them and gives an [`Ingester`].
#[derive(Debug, Clone)]
pub struct IngestParams {
    format: Option<ExportFormat>,
    unit: Unit,
    dedup: DedupMode,
    clean: CleanParams,
    labels: LabelSource,
    inherit: Inheritance,
    bots: BotFilter,
    errors: ErrorMode,
    max_record_bytes: usize,
    source: Option<String>,
    fields: FieldMap,
}

impl Default for IngestParams {
    fn default() -> Self {
        IngestParams {
            format: None,
            unit: Unit::Paragraph,
            dedup: DedupMode::None,
            clean: CleanParams::default(),
            labels: LabelSource::None,
            inherit: Inheritance::None,
            bots: BotFilter::default(),
            errors: ErrorMode::Stop,
            max_record_bytes: 64 << 20,
            source: None,
            fields: FieldMap::default(),
        }
    }
}

impl IngestParams {
    /// The format forced on every input, if one is ([`IngestParams::format`]).
    pub fn forced_format(&self) -> Option<ExportFormat> {
        self.format
    }

    /// The largest accepted item in bytes ([`IngestParams::max_record_bytes`]).
    pub fn record_limit(&self) -> usize {
        self.max_record_bytes
    }

    /// Force a format for every input. Default: `None` (detected from each input's content).
    pub fn format(mut self, format: Option<ExportFormat>) -> Self {
        self.format = format;
        self
    }

    /// The output unit. Default: [`Unit::Paragraph`].
    pub fn unit(mut self, unit: Unit) -> Self {
        self.unit = unit;
        self
    }

    /// Duplicate removal. Default: [`DedupMode::None`].
    pub fn dedup(mut self, dedup: DedupMode) -> Self {
        self.dedup = dedup;
        self
    }

    /// Cleaning options. Default: [`CleanParams::default`] (`[CODE]` and `[URL]` placeholders).
    pub fn clean(mut self, clean: CleanParams) -> Self {
        self.clean = clean;
        self
    }

    /// Where labels come from. Default: [`LabelSource::None`].
    pub fn labels(mut self, labels: LabelSource) -> Self {
        self.labels = labels;
        self
    }

    /// Whether replies inherit their thread's label. Default: [`Inheritance::None`].
    pub fn inherit(mut self, inherit: Inheritance) -> Self {
        self.inherit = inherit;
        self
    }

    /// Bot accounts to drop. Default: [`BotFilter::default`] ([`crate::DEFAULT_BOTS`]).
    pub fn bots(mut self, bots: BotFilter) -> Self {
        self.bots = bots;
        self
    }

    /// What to do after a bad unit. Default: [`ErrorMode::Stop`].
    pub fn errors(mut self, errors: ErrorMode) -> Self {
        self.errors = errors;
        self
    }

    /// Largest accepted item (one JSON value, XML row or CSV row) in bytes. Default: 64 MiB.
    pub fn max_record_bytes(mut self, bytes: usize) -> Self {
        self.max_record_bytes = bytes;
        self
    }

    /// Override the `source` of every record (for Stack Exchange also the site in ids).
    /// Default: `None` (derived from the input).
    pub fn source(mut self, source: Option<String>) -> Self {
        self.source = source;
        self
    }

    /// Column mapping for generic files. Default: [`FieldMap::default`].
    pub fn fields(mut self, fields: FieldMap) -> Self {
        self.fields = fields;
        self
    }

    /// Check the options.
    ///
    /// # Errors
    /// [`IngestError::ZeroRecordLimit`], [`IngestError::NearDistanceOutOfRange`],
    /// [`IngestError::PlaceholderHasLineBreak`].
    pub fn build(self) -> Result<Ingester> {
        if self.max_record_bytes == 0 {
            return Err(IngestError::ZeroRecordLimit);
        }
        let dedup = Deduper::new(self.dedup)?;
        let cleaner = self.clean.build()?;
        let tags = match self.labels {
            LabelSource::None => None,
            LabelSource::FromTags(t) => Some(t),
        };
        Ok(Ingester {
            format: self.format,
            max_record_bytes: self.max_record_bytes,
            source: self.source,
            fields: self.fields,
            se_threads: SeThreads::default(),
            pipeline: Pipeline::new(
                cleaner,
                self.unit,
                dedup,
                tags,
                self.inherit,
                self.bots,
                self.errors,
            ),
        })
    }
}

/// An input opened for reading, its first bytes looked at: gzip is decompressed and a UTF-8
/// byte-order mark dropped, as `ingest` does. Lets a caller choose between [`Ingester`] (an
/// export) and [`crate::RecordReader`] (a record file) before reading, even on standard input.
///
/// ```
/// use secdisc_ingest::{ExportFormat, OpenedInput};
/// let rows = "<?xml version=\"1.0\"?><posts><row Id=\"1\" PostTypeId=\"1\" Body=\"x\"/></posts>";
/// let input = OpenedInput::from_reader("Posts.xml", Box::new(rows.as_bytes()))?;
/// assert_eq!(input.format(), Some(ExportFormat::StackExchange));
/// # Ok::<(), secdisc_ingest::IngestError>(())
/// ```
pub struct OpenedInput {
    input: Input,
    detected: Detected,
}

impl OpenedInput {
    /// Open `path` (`-` is standard input).
    ///
    /// # Errors
    /// [`IngestError::Io`] when it cannot be opened or its first bytes cannot be read.
    pub fn open(path: &Path) -> Result<OpenedInput> {
        let input = input::open(path)?;
        let detected = detect(&input.head);
        Ok(OpenedInput { input, detected })
    }

    /// Wrap any byte stream; `name` is used in ids of generic files and in messages.
    ///
    /// # Errors
    /// [`IngestError::Io`] when its first bytes cannot be read.
    pub fn from_reader(name: &str, reader: Box<dyn Read + Send>) -> Result<OpenedInput> {
        let input = input::from_reader(name, None, reader)?;
        let detected = detect(&input.head);
        Ok(OpenedInput { input, detected })
    }

    /// The name used in messages: the path as given, or `<stdin>`.
    pub fn name(&self) -> &str {
        &self.input.name
    }

    /// The format the content looks like: an export, [`ExportFormat::Generic`] for any other
    /// CSV or JSON (such as the record files `ingest` writes), `None` when empty or unknown.
    pub fn format(&self) -> Option<ExportFormat> {
        self.detected.format
    }

    /// `true` when the input holds nothing but white space.
    pub fn is_empty(&self) -> bool {
        self.detected.family == "empty input"
    }

    /// The whole decoded content, from its first byte.
    pub fn into_reader(self) -> Box<dyn std::io::BufRead + Send> {
        self.input.reader
    }
}

/// Runs ingestion over inputs and writes records to a [`RecordSink`].
///
/// ```
/// use secdisc_ingest::{IngestParams, Record};
/// let page = r#"[{"number": 7, "title": "Add mTLS between services", "body": "Plain HTTP leaks tokens.",
///   "html_url": "https://github.com/acme/shop/issues/7", "user": {"login": "ann"}, "labels": []}]"#;
/// let mut ingester = IngestParams::default().build()?;
/// let mut out: Vec<Record> = Vec::new();
/// ingester.ingest_reader("page.json", Box::new(page.as_bytes()), &mut out)?;
/// let summary = ingester.finish(&mut out)?;
/// assert_eq!(out[1].id, "github:acme/shop#7/p2");
/// assert_eq!(out[1].text.as_deref(), Some("Plain HTTP leaks tokens."));
/// assert_eq!(summary.units_out, 2);
/// # Ok::<(), secdisc_ingest::IngestError>(())
/// ```
pub struct Ingester {
    format: Option<ExportFormat>,
    max_record_bytes: usize,
    source: Option<String>,
    fields: FieldMap,
    se_threads: SeThreads,
    pipeline: Pipeline,
}

impl Ingester {
    /// The counters so far.
    pub fn summary(&self) -> &Summary {
        &self.pipeline.summary
    }

    /// Ingest several paths (`-` is standard input). Inputs holding only replies (comment files)
    /// are read after the others, so that comments find their thread's label and, for Stack
    /// Exchange, their question.
    ///
    /// # Errors
    /// The first error, unless errors are skipped ([`ErrorMode::KeepGoing`]); write errors always.
    pub fn ingest_paths(&mut self, paths: &[PathBuf], sink: &mut dyn RecordSink) -> Result<()> {
        let mut opened: Vec<OpenedInput> = Vec::with_capacity(paths.len());
        for path in paths {
            match OpenedInput::open(path) {
                Ok(i) => opened.push(i),
                Err(e) => {
                    self.pipeline.summary.inputs.push(InputSummary {
                        name: path.display().to_string(),
                        format: "unreadable".to_string(),
                        ..InputSummary::default()
                    });
                    self.pipeline.skip_into(e, sink)?;
                }
            }
        }
        self.ingest_opened(opened, sink)
    }

    /// Ingest inputs opened with [`OpenedInput::open`], ordered as [`Ingester::ingest_paths`]
    /// orders them (replies-only inputs last).
    ///
    /// # Errors
    /// As [`Ingester::ingest_paths`].
    pub fn ingest_opened(
        &mut self,
        mut opened: Vec<OpenedInput>,
        sink: &mut dyn RecordSink,
    ) -> Result<()> {
        self.se_threads.enabled |= opened.iter().any(|o| o.detected.se_comments);
        opened.sort_by_key(|o| o.detected.replies_only);
        for o in opened {
            self.run_input(o.input, o.detected, sink)?;
        }
        Ok(())
    }

    /// Ingest one path (`-` is standard input).
    ///
    /// # Errors
    /// As [`Ingester::ingest_paths`].
    pub fn ingest_path(&mut self, path: &Path, sink: &mut dyn RecordSink) -> Result<()> {
        self.ingest_paths(&[path.to_path_buf()], sink)
    }

    /// Ingest any byte stream; `name` is used in ids of generic files and in messages.
    ///
    /// # Errors
    /// As [`Ingester::ingest_paths`].
    pub fn ingest_reader(
        &mut self,
        name: &str,
        reader: Box<dyn Read + Send>,
        sink: &mut dyn RecordSink,
    ) -> Result<()> {
        match input::from_reader(name, None, reader) {
            Ok(i) => {
                let d = detect(&i.head);
                self.run_input(i, d, sink)
            }
            Err(e) => self.pipeline.skip_into(e, sink),
        }
    }

    /// Emit what is held until the end (threads) and return the summary.
    ///
    /// # Errors
    /// Write errors.
    pub fn finish(mut self, sink: &mut dyn RecordSink) -> Result<Summary> {
        self.pipeline.finish(sink)?;
        Ok(self.pipeline.summary)
    }

    fn choose_format(&self, input: &Input, d: &Detected) -> Result<ExportFormat> {
        let family_of = |f: ExportFormat| match f {
            ExportFormat::GitHub | ExportFormat::JiraJson => "JSON",
            ExportFormat::JiraXml | ExportFormat::StackExchange => "XML",
            ExportFormat::JiraCsv | ExportFormat::Sede => "CSV",
            ExportFormat::Generic => "JSON or CSV",
        };
        if d.family == "empty input" {
            return Err(IngestError::Format {
                file: input.name.clone(),
                message: "the input is empty; pass a non-empty export".to_string(),
            });
        }
        match (self.format, d.format) {
            (Some(forced), detected) => {
                let family_ok = family_of(forced).contains(d.family);
                let specific_conflict =
                    matches!(detected, Some(f) if f != forced && f != ExportFormat::Generic);
                if !family_ok || specific_conflict {
                    let found = match detected {
                        Some(f) if f != ExportFormat::Generic => format!("{} ({f})", d.family),
                        _ => d.family.to_string(),
                    };
                    return Err(IngestError::WrongFormat {
                        file: input.name.clone(),
                        expected: forced.as_str().to_string(),
                        found,
                    });
                }
                Ok(forced)
            }
            (None, Some(f)) => Ok(f),
            (None, None) => Err(IngestError::UndetectedFormat {
                file: input.name.clone(),
                family: d.family,
            }),
        }
    }

    fn run_input(&mut self, input: Input, d: Detected, sink: &mut dyn RecordSink) -> Result<()> {
        let format = match self.choose_format(&input, &d) {
            Ok(f) => f,
            Err(e) => {
                self.pipeline.summary.inputs.push(InputSummary {
                    name: input.name.clone(),
                    format: "unknown".to_string(),
                    ..InputSummary::default()
                });
                return self.pipeline.skip_into(e, sink);
            }
        };
        self.pipeline.summary.inputs.push(InputSummary {
            name: input.name.clone(),
            format: format.as_str().to_string(),
            ..InputSummary::default()
        });
        let Input {
            name,
            dir_name,
            reader,
            ..
        } = input;
        let mut ctx = Ctx {
            name: &name,
            dir_name: dir_name.as_deref(),
            source: self.source.as_deref(),
            max_record_bytes: self.max_record_bytes,
            fields: &self.fields,
            se_threads: &mut self.se_threads,
            pipe: &mut self.pipeline,
            sink,
        };
        let result = match format {
            ExportFormat::GitHub => github::parse(reader, d.split, &mut ctx),
            ExportFormat::JiraJson => jira::parse(reader, d.split, &mut ctx),
            ExportFormat::JiraXml => jira_xml::parse(reader, &mut ctx),
            ExportFormat::JiraCsv => jira_csv::parse(reader, &mut ctx),
            ExportFormat::StackExchange => stackexchange::parse(reader, &mut ctx),
            ExportFormat::Sede => sede::parse(reader, &mut ctx),
            ExportFormat::Generic if d.family == "JSON" => {
                crate::formats::generic::parse_json(reader, &mut ctx)
            }
            ExportFormat::Generic => crate::formats::generic::parse_csv(reader, &mut ctx),
        };
        match result {
            Ok(()) => Ok(()),
            // A fatal error in this input: in ErrorMode::KeepGoing, count it and go on with the next.
            Err(e) => self.pipeline.skip_into(e, sink),
        }
    }
}
