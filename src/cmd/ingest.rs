//! `secdisc ingest`: turn GitHub, Jira and Stack Exchange exports into paragraph records.
//!
//! Only flag parsing, wiring and exit codes live here; the work is in `secdisc_ingest`.

use super::choice::choice;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;
use secdisc_ingest::{
    BotFilter, CleanParams, CodeMode, DedupMode, ErrorMode, ExportFormat, FieldMap, IngestParams,
    Inheritance, Kind, LabelSource, Markup, RecordSink, RecordWriter, SecurityTags, Summary, Unit,
};

/// Duplicate removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DedupArg {
    /// Keep duplicates.
    None,
    /// Drop units with the same words as an earlier unit.
    Exact,
    /// Drop units whose SimHash is within --near-distance bits of an earlier unit's.
    Near,
}

/// Flags of `secdisc ingest`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Formats are detected from the content: GitHub REST issue lists, comments, \
review comments and GH Archive events (JSON array or lines, .gz ok); Jira REST JSON (v2/v3), XML \
and CSV exports; Stack Exchange Posts.xml/Comments.xml and Data Explorer CSV; generic CSV/JSON \
with --text-field and friends.\n\nExit codes: 0 ok, 1 data error or skipped units (see \
--allow-skips), 2 usage error."
)]
pub struct IngestArgs {
    /// Export files to read; `-` reads standard input (e.g. `7z x -so dump.7z Posts.xml | secdisc ingest -`).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Where to write JSON lines; `-` is standard output. Files are written atomically.
    #[arg(short, long, value_name = "OUT", default_value = "-")]
    pub output: PathBuf,

    /// Read every input as this format instead of detecting it.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub format: Option<ExportFormat>,

    /// What one output record holds.
    #[arg(long, default_value = "paragraph", value_parser = choice(&Unit::ALL, Unit::as_str, Unit::help))]
    pub unit: Unit,

    /// Remove duplicate units so copies cannot leak between folds.
    #[arg(long, value_enum, default_value_t = DedupArg::None)]
    pub dedup: DedupArg,

    /// Largest SimHash distance (bits of 64, 0-3) that --dedup near merges.
    #[arg(long, value_name = "BITS", default_value_t = 3)]
    pub near_distance: u32,

    #[command(flatten)]
    pub clean: CleanArgs,
    #[command(flatten)]
    pub bots: BotArgs,

    /// Label units from tracker labels / Stack Exchange tags (built-in security tag list, or --security-tags).
    #[arg(long)]
    pub label_from_tags: bool,

    /// A file of security tags, one per line (`#` comments), replacing the built-in list.
    #[arg(long, value_name = "FILE", requires = "label_from_tags")]
    pub security_tags: Option<PathBuf>,

    /// Another tag that marks a security discussion (repeatable).
    #[arg(long, value_name = "TAG", requires = "label_from_tags")]
    pub security_tag: Vec<String>,

    /// Give comments and answers their thread's label.
    #[arg(long, requires = "label_from_tags")]
    pub inherit_labels: bool,

    /// Set the `source` of every record (for Stack Exchange: the site used in ids and URLs).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,

    /// Skip bad units (and unreadable inputs), count them and report them at the end.
    #[arg(long)]
    pub keep_going: bool,

    /// With --keep-going, exit 0 even when units were skipped.
    #[arg(long, requires = "keep_going")]
    pub allow_skips: bool,

    /// Largest accepted item (JSON value, XML row, CSV row) in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_record_bytes: usize,

    /// Generic files: the text column or dotted JSON key.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "text",
        help_heading = "Generic CSV/JSON columns"
    )]
    pub text_field: String,

    /// Generic files: a title column, cleaned as the first paragraph.
    #[arg(long, value_name = "NAME", help_heading = "Generic CSV/JSON columns")]
    pub title_field: Option<String>,

    /// Generic files: the id column [default: id].
    #[arg(long, value_name = "NAME", help_heading = "Generic CSV/JSON columns")]
    pub id_field: Option<String>,

    /// Generic files: the thread column [default: group].
    #[arg(long, value_name = "NAME", help_heading = "Generic CSV/JSON columns")]
    pub group_field: Option<String>,

    /// Generic files: the author column [default: author].
    #[arg(long, value_name = "NAME", help_heading = "Generic CSV/JSON columns")]
    pub author_field: Option<String>,

    /// Generic files: the creation-time column [default: created_at].
    #[arg(long, value_name = "NAME", help_heading = "Generic CSV/JSON columns")]
    pub created_field: Option<String>,

    /// Generic files: the URL column [default: url].
    #[arg(long, value_name = "NAME", help_heading = "Generic CSV/JSON columns")]
    pub url_field: Option<String>,

    /// Generic files: the label column [default: label].
    #[arg(long, value_name = "NAME", help_heading = "Generic CSV/JSON columns")]
    pub label_field: Option<String>,

    /// Generic files: the record kind (issue, comment, question, answer, ..., record).
    #[arg(long, value_name = "KIND", default_value = "record", value_parser = parse_kind, help_heading = "Generic CSV/JSON columns")]
    pub kind: Kind,

    /// Generic files: the markup of the text (plain, markdown, jira-wiki, html).
    #[arg(long, value_name = "MARKUP", default_value = "markdown", value_parser = parse_markup, help_heading = "Generic CSV/JSON columns")]
    pub markup: Markup,

    /// Print the summary as JSON on stderr instead of text.
    #[arg(long)]
    pub json: bool,

    /// Also write the summary as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<ExportFormat, String> {
    s.parse()
}

fn parse_kind(s: &str) -> Result<Kind, String> {
    s.parse()
}

fn parse_markup(s: &str) -> Result<Markup, String> {
    s.parse()
}

/// Build the library's parameters from the flags.
fn params(args: &IngestArgs) -> anyhow::Result<IngestParams> {
    let labels = if args.label_from_tags {
        let mut tags = match &args.security_tags {
            Some(path) => SecurityTags::from_file(path)?,
            None => SecurityTags::builtin(),
        };
        for t in &args.security_tag {
            tags = tags.with_tag(t);
        }
        LabelSource::FromTags(tags)
    } else {
        LabelSource::None
    };
    let bots = args.bots.filter();
    let mut fields = FieldMap::default()
        .text(&args.text_field)
        .kind(args.kind)
        .markup(args.markup);
    let optional = [
        (
            &args.title_field,
            FieldMap::title as fn(FieldMap, String) -> FieldMap,
        ),
        (&args.id_field, FieldMap::id),
        (&args.group_field, FieldMap::group),
        (&args.author_field, FieldMap::author),
        (&args.created_field, FieldMap::created_at),
        (&args.url_field, FieldMap::url),
        (&args.label_field, FieldMap::label),
    ];
    for (value, set) in optional {
        if let Some(v) = value {
            fields = set(fields, v.clone());
        }
    }
    Ok(IngestParams::default()
        .format(args.format)
        .unit(args.unit)
        .dedup(match args.dedup {
            DedupArg::None => DedupMode::None,
            DedupArg::Exact => DedupMode::Exact,
            DedupArg::Near => DedupMode::Near {
                max_distance: args.near_distance,
            },
        })
        .clean(args.clean.params())
        .labels(labels)
        .inherit(if args.inherit_labels {
            Inheritance::FromThread
        } else {
            Inheritance::None
        })
        .bots(bots)
        .errors(if args.keep_going {
            ErrorMode::KeepGoing
        } else {
            ErrorMode::Stop
        })
        .max_record_bytes(args.max_record_bytes)
        .source(args.source.clone())
        .fields(fields))
}

fn report(args: &IngestArgs, summary: &Summary) -> anyhow::Result<()> {
    if args.json {
        eprintln!("{}", summary.to_json());
    } else {
        eprint!("{}", summary.to_text());
    }
    if let Some(path) = &args.summary {
        secdisc_output::write_atomically(path, summary.to_json().as_bytes())
            .with_context(|| format!("cannot write the summary to {}", path.display()))?;
    }
    Ok(())
}

/// Run `secdisc ingest`.
pub fn run(args: &IngestArgs) -> anyhow::Result<ExitCode> {
    let mut ingester = params(args)?.build()?;
    let outputs = [&args.output].into_iter().chain(&args.summary);
    super::dataset::check_outputs(outputs, &args.inputs)?;
    let writer = RecordWriter::create(&args.output)?;
    // A counter on stderr (a terminal only; `-q` hides it): big dumps take minutes.
    let mut out = Counted {
        inner: writer,
        bar: crate::progress::counter("ingesting"),
    };
    ingester.ingest_paths(&args.inputs, &mut out)?;
    let summary = ingester.finish(&mut out)?;
    out.bar.finish_and_clear();
    out.inner.finish()?;
    report(args, &summary)?;
    if summary.skipped > 0 && !args.allow_skips {
        eprintln!(
            "secdisc: error: {} unit(s) skipped after errors (listed above); the output holds everything else. Fix the input, or pass --allow-skips to accept this",
            summary.skipped
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// A record sink that counts what passes through it on a progress counter.
struct Counted<S> {
    inner: S,
    bar: indicatif::ProgressBar,
}

impl<S: RecordSink> RecordSink for Counted<S> {
    fn write_record(&mut self, record: &secdisc_ingest::Record) -> secdisc_ingest::Result<()> {
        self.bar.inc(1);
        self.inner.write_record(record)
    }

    fn skipped(&mut self, err: &secdisc_ingest::IngestError) -> secdisc_ingest::Result<()> {
        self.inner.skipped(err)
    }
}

/// Flags of the cleaning of code blocks and URLs (shared by `ingest` and the commands that
/// train a model, which records them).
#[derive(Debug, Clone, clap::Args)]
pub struct CleanArgs {
    /// Replace code blocks, stack traces and log dumps with a token, or drop them.
    #[arg(long, default_value = "placeholder", value_parser = choice(&CodeMode::ALL, CodeMode::name, CodeMode::help))]
    pub code: CodeMode,
    /// The token that replaces a code block.
    #[arg(long, value_name = "TOKEN", default_value = "[CODE]")]
    pub code_token: String,
    /// The token that replaces a URL.
    #[arg(long, value_name = "TOKEN", default_value = "[URL]")]
    pub url_token: String,
}

/// Flags that drop bot posts (shared by `ingest` and `label`).
#[derive(Debug, Clone, clap::Args)]
pub struct BotArgs {
    /// Another bot account whose posts are dropped (repeatable; `[bot]` accounts always are).
    #[arg(long, value_name = "NAME")]
    pub bot: Vec<String>,
    /// Do not use the built-in list of bot accounts.
    #[arg(long)]
    pub no_default_bots: bool,
}

impl CleanArgs {
    /// The cleaning of `--code`, `--code-token` and `--url-token`.
    pub fn params(&self) -> CleanParams {
        CleanParams::default()
            .code(self.code)
            .code_token(&self.code_token)
            .url_token(&self.url_token)
    }
}

impl BotArgs {
    /// The bot filter of `--no-default-bots` and `--bot NAME...`.
    pub fn filter(&self) -> BotFilter {
        let start = if self.no_default_bots {
            BotFilter::empty()
        } else {
            BotFilter::default()
        };
        self.bot.iter().fold(start, |filter, b| filter.with(b))
    }
}
