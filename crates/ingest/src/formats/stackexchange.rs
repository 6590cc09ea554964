//! Stack Exchange data dump XML (`Posts.xml`, `Comments.xml`), streamed row by row in constant
//! memory.
//!
//! Records: `question` (`stackexchange:SITE/q/ID`, title and HTML body), `answer`
//! (`stackexchange:SITE/a/ID`) and `post_comment` (`stackexchange:SITE/c/ID`), grouped by
//! `stackexchange:SITE/q/QID`. Tags (`<a><b>` or `|a|b|`) are the tags for
//! `--label-from-tags`. SITE is the dump's directory name (for example `iot.stackexchange.com`)
//! or `--source`. Other tables (`PostHistory.xml`, `Tags.xml`, ...) are read and yield nothing.
//!
//! A comment's thread is known when the posts of the same run were read first (inputs are
//! ordered so); that index keeps 8 bytes per answer. Otherwise a comment on an answer is grouped
//! by `stackexchange:SITE/a/ID`.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::clean::Markup;
use crate::error::{IngestError, Result};
use crate::labels::split_se_tags;
use crate::parse::xml::{next_event, xml_error, LineCounter};
use crate::pipeline::Ctx;
use crate::post::{Kind, Post};

/// Answer-to-question index built from posts, used to group comments.
#[derive(Debug, Default)]
pub(crate) struct SeThreads {
    /// Build the index while reading posts.
    pub enabled: bool,
    answers: Vec<(u32, u32)>,
    sorted: bool,
    posts_seen: bool,
}

/// The thread of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ThreadOf {
    /// The post is (or belongs to) this question.
    Question(u64),
    /// The post is an answer whose question is unknown.
    Answer(u64),
}

impl SeThreads {
    fn add_answer(&mut self, id: u64, parent: u64) {
        self.posts_seen = true;
        if let (Ok(a), Ok(q)) = (u32::try_from(id), u32::try_from(parent)) {
            if self.answers.last().is_some_and(|&(last, _)| last > a) {
                self.sorted = false;
            } else if self.answers.is_empty() {
                self.sorted = true;
            }
            self.answers.push((a, q));
        }
    }

    fn saw_question(&mut self) {
        self.posts_seen = true;
    }

    /// The thread of `post` when the index knows it (posts were read), `None` otherwise.
    pub(crate) fn thread_of(&mut self, post: u64) -> Option<ThreadOf> {
        if !self.posts_seen {
            return None;
        }
        if !self.sorted {
            self.answers.sort_unstable();
            self.sorted = true;
        }
        let key = u32::try_from(post).ok()?;
        match self.answers.binary_search_by_key(&key, |&(a, _)| a) {
            Ok(i) => Some(ThreadOf::Question(u64::from(self.answers[i].1))),
            Err(_) => Some(ThreadOf::Question(post)),
        }
    }
}

/// The site name used in ids: `--source` (without a `stackexchange/` prefix), else the directory
/// name when it looks like a domain, else `stackexchange`.
pub(crate) fn site(ctx: &Ctx) -> String {
    if let Some(s) = ctx.source {
        return s.strip_prefix("stackexchange/").unwrap_or(s).to_string();
    }
    match ctx.dir_name {
        Some(d) if d.contains('.') => d.to_string(),
        _ => "stackexchange".to_string(),
    }
}

/// Build the ids, group and URL of a Stack Exchange post or comment.
pub(crate) struct SiteIds {
    site: String,
    web: bool,
}

impl SiteIds {
    pub(crate) fn new(site: String) -> Self {
        let web = site.contains('.');
        SiteIds { site, web }
    }

    pub(crate) fn source(&self) -> String {
        format!("stackexchange/{}", self.site)
    }

    pub(crate) fn id(&self, letter: char, n: u64) -> String {
        format!("stackexchange:{}/{letter}/{n}", self.site)
    }

    pub(crate) fn group(&self, thread: ThreadOf) -> String {
        match thread {
            ThreadOf::Question(q) => self.id('q', q),
            ThreadOf::Answer(a) => self.id('a', a),
        }
    }

    pub(crate) fn url(&self, letter: char, n: u64) -> Option<String> {
        if !self.web {
            return None;
        }
        Some(match letter {
            'c' => format!("https://{}/posts/comments/{n}", self.site),
            _ => format!("https://{}/{letter}/{n}", self.site),
        })
    }
}

/// The attributes of one `<row>` that matter.
#[derive(Default)]
struct Row {
    id: Option<String>,
    post_type: Option<String>,
    parent: Option<String>,
    post_id: Option<String>,
    created: Option<String>,
    body: Option<String>,
    text: Option<String>,
    title: Option<String>,
    tags: Option<String>,
    owner_id: Option<String>,
    owner_name: Option<String>,
    user_id: Option<String>,
    user_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Posts,
    Comments,
    Other,
}

fn read_row(e: &BytesStart<'_>) -> std::result::Result<Row, String> {
    let mut row = Row::default();
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    for a in attrs {
        let a = a.map_err(|e| e.to_string())?;
        let slot = match a.key.0 {
            "Id" => &mut row.id,
            "PostTypeId" => &mut row.post_type,
            "ParentId" => &mut row.parent,
            "PostId" => &mut row.post_id,
            "CreationDate" => &mut row.created,
            "Body" => &mut row.body,
            "Text" => &mut row.text,
            "Title" => &mut row.title,
            "Tags" => &mut row.tags,
            "OwnerUserId" => &mut row.owner_id,
            "OwnerDisplayName" => &mut row.owner_name,
            "UserId" => &mut row.user_id,
            "UserDisplayName" => &mut row.user_name,
            _ => continue,
        };
        let v = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?;
        *slot = Some(v.into_owned());
    }
    Ok(row)
}

fn number(v: &Option<String>, field: &str, line: u64, ctx: &Ctx) -> Result<u64> {
    let s = v.as_deref().ok_or_else(|| ctx.missing(line, field))?;
    s.trim().parse::<u64>().map_err(|_| IngestError::BadField {
        pos: ctx.pos(line),
        field: field.to_string(),
        message: format!("`{s}` is not a number"),
    })
}

/// Read a Stack Exchange dump table.
pub(crate) fn parse(reader: impl BufRead, ctx: &mut Ctx) -> Result<()> {
    let ids = SiteIds::new(site(ctx));
    let mut xml = Reader::from_reader(LineCounter::new(reader));
    let mut buf = Vec::with_capacity(1 << 16);
    let mut table: Option<Table> = None;
    let mut depth = 0usize;
    let mut root = String::new();
    loop {
        let (event, line) = next_event(&mut xml, &mut buf, ctx.name)?;
        match event {
            Event::Start(e) | Event::Empty(e) if depth == 1 && e.name().0 == "row" => {
                ctx.read_one();
                if buf_len(&e) > ctx.max_record_bytes {
                    ctx.skip(IngestError::RecordTooLarge {
                        pos: ctx.pos(line),
                        limit: ctx.max_record_bytes,
                    })?;
                    continue;
                }
                let row = match read_row(&e) {
                    Ok(r) => r,
                    Err(message) => {
                        ctx.skip(xml_error(ctx.name, line, xml.buffer_position(), message))?;
                        continue;
                    }
                };
                let result = match table {
                    Some(Table::Posts) => post_row(row, line, &ids, ctx),
                    Some(Table::Comments) => comment_row(row, line, &ids, ctx),
                    _ => {
                        ctx.not_conversation();
                        Ok(())
                    }
                };
                if let Err(e) = result {
                    ctx.skip(e)?;
                }
            }
            Event::Start(e) => {
                if depth == 0 {
                    root = e.name().0.to_ascii_lowercase();
                    table = Some(match root.as_str() {
                        "posts" => Table::Posts,
                        "comments" => Table::Comments,
                        _ => Table::Other,
                    });
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => {
                if depth > 0 {
                    return Err(IngestError::Truncated {
                        pos: ctx.pos(line),
                        offset: xml.buffer_position(),
                        what: format!(
                            "the XML element <{root}> (the file ends before it is closed)"
                        ),
                    });
                }
                if table.is_none() {
                    return Err(IngestError::Format {
                        file: ctx.name.to_string(),
                        message: "no XML element found; is this a Stack Exchange dump file?"
                            .to_string(),
                    });
                }
                return Ok(());
            }
            _ => {}
        }
    }
}

fn buf_len(e: &BytesStart<'_>) -> usize {
    e.attributes_raw().len()
}

fn author(name: Option<String>, id: Option<String>) -> Option<String> {
    name.filter(|n| !n.is_empty())
        .or(id.map(|i| format!("user:{i}")))
}

fn post_row(row: Row, line: u64, ids: &SiteIds, ctx: &mut Ctx) -> Result<()> {
    let id = number(&row.id, "Id", line, ctx)?;
    let kind = match row.post_type.as_deref() {
        Some("1") => Kind::Question,
        Some("2") => Kind::Answer,
        Some(_) => {
            ctx.not_conversation();
            return Ok(());
        }
        None => return Err(ctx.missing(line, "PostTypeId")),
    };
    let (letter, group) = if kind == Kind::Question {
        ctx.se_threads.saw_question();
        ('q', ids.id('q', id))
    } else {
        let parent = number(&row.parent, "ParentId", line, ctx)?;
        if ctx.se_threads.enabled {
            ctx.se_threads.add_answer(id, parent);
        }
        ('a', ids.id('q', parent))
    };
    let mut post = Post::new(
        ids.id(letter, id),
        ids.source(),
        kind,
        group,
        row.body.unwrap_or_default(),
        Markup::Html,
    );
    post.title = row.title;
    post.tags = row
        .tags
        .map(|t| split_se_tags(&t).map(str::to_string).collect());
    post.author = author(row.owner_name, row.owner_id);
    post.created_at = row.created;
    post.url = ids.url(letter, id);
    ctx.emit(post)
}

fn comment_row(row: Row, line: u64, ids: &SiteIds, ctx: &mut Ctx) -> Result<()> {
    let id = number(&row.id, "Id", line, ctx)?;
    let post_id = number(&row.post_id, "PostId", line, ctx)?;
    let group = match ctx.se_threads.thread_of(post_id) {
        Some(thread) => ids.group(thread),
        // Without the posts we cannot tell questions from answers: group by the post itself.
        None => format!("stackexchange:{}/post/{post_id}", ids.site),
    };
    let mut post = Post::new(
        ids.id('c', id),
        ids.source(),
        Kind::PostComment,
        group,
        row.text.unwrap_or_default(),
        Markup::Markdown,
    );
    post.author = author(row.user_name, row.user_id);
    post.created_at = row.created;
    post.url = ids.url('c', id);
    ctx.emit(post)
}
