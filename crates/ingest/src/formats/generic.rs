//! Generic CSV (with a header) or JSON (lines or arrays) with mapped columns.
//!
//! Columns (CSV) or dotted key paths (JSON, for example `user.login`) come from [`FieldMap`]; its
//! defaults match the record files `train` reads (`id`, `text`, `label`, ...). Records get the
//! mapped `kind` (default `record`), id `SOURCE:N` (the 1-based row) when no id column is
//! mapped, and group = id when no group column is mapped.

use std::io::BufRead;

use crate::clean::Markup;
use crate::error::{IngestError, Result};
use crate::parse::csv::{BlankRows, CsvRows};
use crate::parse::json::{dotted, scalar_text};
use crate::parse::json_split::{JsonSplitter, ParsedItem, SplitMode};
use crate::pipeline::Ctx;
use crate::post::{Kind, Post};
use crate::record::Label;

/// Which columns or keys hold what, for generic files.
///
/// ```
/// use secdisc_ingest::{FieldMap, Kind, Markup};
/// let map = FieldMap::default()
///     .text("comment_body")
///     .group("issue_number")
///     .author("author")
///     .kind(Kind::Comment)
///     .markup(Markup::Markdown);
/// assert_eq!(map.text_field(), "comment_body");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    text: String,
    title: Option<String>,
    id: Option<String>,
    group: Option<String>,
    author: Option<String>,
    created_at: Option<String>,
    url: Option<String>,
    label: Option<String>,
    kind: Kind,
    markup: Markup,
}

impl Default for FieldMap {
    fn default() -> Self {
        FieldMap {
            text: "text".to_string(),
            title: Some("title".to_string()),
            id: Some("id".to_string()),
            group: Some("group".to_string()),
            author: Some("author".to_string()),
            created_at: Some("created_at".to_string()),
            url: Some("url".to_string()),
            label: Some("label".to_string()),
            kind: Kind::Generic,
            markup: Markup::Markdown,
        }
    }
}

impl FieldMap {
    /// The text column (required in every row). Default: `text`.
    pub fn text(mut self, name: impl Into<String>) -> Self {
        self.text = name.into();
        self
    }

    /// A title column, cleaned as a first paragraph. Default: `title` (used when present).
    pub fn title(mut self, name: impl Into<String>) -> Self {
        self.title = Some(name.into());
        self
    }

    /// The id column. Default: `id` (used when present).
    pub fn id(mut self, name: impl Into<String>) -> Self {
        self.id = Some(name.into());
        self
    }

    /// The thread column. Default: `group` (used when present).
    pub fn group(mut self, name: impl Into<String>) -> Self {
        self.group = Some(name.into());
        self
    }

    /// The author column. Default: `author` (used when present).
    pub fn author(mut self, name: impl Into<String>) -> Self {
        self.author = Some(name.into());
        self
    }

    /// The creation-time column. Default: `created_at` (used when present).
    pub fn created_at(mut self, name: impl Into<String>) -> Self {
        self.created_at = Some(name.into());
        self
    }

    /// The URL column. Default: `url` (used when present).
    pub fn url(mut self, name: impl Into<String>) -> Self {
        self.url = Some(name.into());
        self
    }

    /// The label column (spellings of [`Label::parse`]). Default: `label` (used when present).
    pub fn label(mut self, name: impl Into<String>) -> Self {
        self.label = Some(name.into());
        self
    }

    /// The kind given to every record. Default: [`Kind::Generic`] (`record`).
    pub fn kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }

    /// The markup of the text. Default: [`Markup::Markdown`].
    pub fn markup(mut self, markup: Markup) -> Self {
        self.markup = markup;
        self
    }

    /// The text column's name.
    pub fn text_field(&self) -> &str {
        &self.text
    }
}

/// Source name: `--source`, else `generic/FILE-STEM`.
fn source(ctx: &Ctx) -> String {
    if let Some(s) = ctx.source {
        return s.to_string();
    }
    let stem = std::path::Path::new(ctx.name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "stdin".to_string());
    format!("generic/{}", stem.trim_matches(['<', '>']))
}

struct Fields {
    text: Option<String>,
    title: Option<String>,
    id: Option<String>,
    group: Option<String>,
    author: Option<String>,
    created_at: Option<String>,
    url: Option<String>,
    label: Option<String>,
}

fn build(f: Fields, ordinal: u64, line: u64, src: &str, ctx: &mut Ctx) -> Result<()> {
    let map = ctx.fields;
    let text = f.text.ok_or_else(|| ctx.missing(line, &map.text))?;
    let label = match f.label.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => Some(Label::parse(l).ok_or_else(|| IngestError::BadField {
            pos: ctx.pos(line),
            field: map.label.clone().unwrap_or_default(),
            message: format!("unknown label `{l}`; use security/non-security, 1/0 or true/false"),
        })?),
    };
    let id = match f.id {
        Some(id) => format!("{src}:{id}"),
        None => format!("{src}:{ordinal}"),
    };
    let group = f
        .group
        .map(|g| format!("{src}:{g}"))
        .unwrap_or_else(|| id.clone());
    let mut post = Post::new(id, src.to_string(), map.kind, group, text, map.markup);
    post.title = f.title;
    post.author = f.author;
    post.created_at = f.created_at;
    post.url = f.url;
    post.label = label;
    ctx.emit(post)
}

/// Read a generic CSV input.
pub(crate) fn parse_csv(input: impl std::io::Read, ctx: &mut Ctx) -> Result<()> {
    let mut rows = CsvRows::open(input, ctx.name, ctx.max_record_bytes, BlankRows::Keep)?;
    let header = rows.header();
    let map = ctx.fields.clone();
    let text = header
        .find(&map.text)
        .ok_or_else(|| IngestError::MissingColumn {
            file: ctx.name.to_string(),
            column: map.text.clone(),
            found: header.joined(),
        })?;
    let col = |name: &Option<String>| name.as_deref().and_then(|n| header.find(n));
    let (title, id, group, author, created, url, label) = (
        col(&map.title),
        col(&map.id),
        col(&map.group),
        col(&map.author),
        col(&map.created_at),
        col(&map.url),
        col(&map.label),
    );
    let src = source(ctx);
    let mut ordinal = 0;
    while let Some(row) = rows.next_row(ctx)? {
        ordinal += 1;
        if row.record.as_slice().len() > ctx.max_record_bytes {
            let err = IngestError::RecordTooLarge {
                pos: ctx.pos(row.line),
                limit: ctx.max_record_bytes,
            };
            ctx.skip(err)?;
            continue;
        }
        let fields = (|| -> Result<Fields> {
            Ok(Fields {
                text: Some(row.get(Some(text), &map.text)?.unwrap_or_default()),
                title: row.get(title, "title")?,
                id: row.get(id, "id")?,
                group: row.get(group, "group")?,
                author: row.get(author, "author")?,
                created_at: row.get(created, "created_at")?,
                url: row.get(url, "url")?,
                label: row.get(label, "label")?,
            })
        })();
        let line = row.line;
        let result = fields.and_then(|f| build(f, ordinal, line, &src, ctx));
        if let Err(e) = result {
            ctx.skip(e)?;
        }
    }
    Ok(())
}

/// Read a generic JSON input (JSON lines or arrays of objects).
pub(crate) fn parse_json(input: impl BufRead, ctx: &mut Ctx) -> Result<()> {
    let mut splitter =
        JsonSplitter::new(input, ctx.name, SplitMode::Elements, ctx.max_record_bytes);
    let map = ctx.fields.clone();
    let src = source(ctx);
    while let Some(ParsedItem {
        value,
        line,
        ordinal,
        ..
    }) = splitter.next_value(ctx)?
    {
        let get = |name: &Option<String>| {
            name.as_deref()
                .and_then(|n| dotted(&value, n))
                .and_then(scalar_text)
        };
        let fields = Fields {
            text: dotted(&value, &map.text).and_then(scalar_text),
            title: get(&map.title),
            id: get(&map.id),
            group: get(&map.group),
            author: get(&map.author),
            created_at: get(&map.created_at),
            url: get(&map.url),
            label: get(&map.label),
        };
        if fields.text.is_none() {
            let found = match &value {
                serde_json::Value::Object(o) if !o.is_empty() => {
                    o.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
                }
                serde_json::Value::Object(_) => "none".to_string(),
                _ => "not an object".to_string(),
            };
            let e = IngestError::MissingTextField {
                pos: ctx.pos(line),
                field: map.text.clone(),
                found,
            };
            ctx.skip(e)?;
            continue;
        }
        if let Err(e) = build(fields, ordinal, line, &src, ctx) {
            ctx.skip(e)?;
        }
    }
    Ok(())
}
