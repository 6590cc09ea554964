//! Jira's XML/RSS export (`<rss><channel><item>...`), streamed item by item.
//!
//! Each `<item>` gives a `jira_issue` record (`<summary>` and the HTML `<description>`) and one
//! `jira_comment` per `<comments><comment>`; `<labels><label>` are the tags.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::clean::Markup;
use crate::error::{IngestError, Result};
use crate::formats::jira;
use crate::parse::xml::{next_event, push_ref, LineCounter};
use crate::pipeline::Ctx;
use crate::post::{Kind, Post};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    None,
    Link,
    Description,
    Key,
    Summary,
    Title,
    Reporter,
    Created,
    Label,
    Comment,
}

#[derive(Default)]
struct Comment {
    id: String,
    author: Option<String>,
    created: Option<String>,
    body: String,
}

#[derive(Default)]
struct Item {
    line: u64,
    project: Option<String>,
    link: String,
    description: String,
    key: String,
    summary: String,
    title: String,
    reporter: String,
    created: String,
    labels: Vec<String>,
    comments: Vec<Comment>,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.0 == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

/// Read a Jira XML export.
pub(crate) fn parse(reader: impl BufRead, ctx: &mut Ctx) -> Result<()> {
    let mut xml = Reader::from_reader(LineCounter::new(reader));
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut item: Option<Item> = None;
    let mut field = Field::None;
    let mut root_seen = false;
    loop {
        let (event, line) = next_event(&mut xml, &mut buf, ctx.name)?;
        match event {
            Event::Start(e) => {
                let name = e.name().0.to_ascii_lowercase();
                if !root_seen {
                    root_seen = true;
                    if name != "rss" {
                        return Err(IngestError::Format {
                            file: ctx.name.to_string(),
                            message: format!("the root element is <{name}>, not <rss>: this is not a Jira XML export"),
                        });
                    }
                }
                if name == "item" && stack.last().map(String::as_str) == Some("channel") {
                    item = Some(Item {
                        line,
                        ..Item::default()
                    });
                } else if let Some(it) = item.as_mut() {
                    let parent = stack.last().map(String::as_str).unwrap_or("");
                    field = match (parent, name.as_str()) {
                        ("item", "link") => Field::Link,
                        ("item", "description") => Field::Description,
                        ("item", "key") => Field::Key,
                        ("item", "summary") => Field::Summary,
                        ("item", "title") => Field::Title,
                        ("item", "reporter") => Field::Reporter,
                        ("item", "created") => Field::Created,
                        ("labels", "label") => Field::Label,
                        ("comments", "comment") => {
                            it.comments.push(Comment {
                                id: attr(&e, "id").unwrap_or_default(),
                                author: attr(&e, "author"),
                                created: attr(&e, "created"),
                                body: String::new(),
                            });
                            Field::Comment
                        }
                        _ => Field::None,
                    };
                    if field == Field::Label {
                        it.labels.push(String::new());
                    }
                }
                stack.push(name);
            }
            Event::Empty(e) => {
                if let Some(it) = item.as_mut() {
                    if e.name().0.eq_ignore_ascii_case("project") {
                        it.project = attr(&e, "key");
                    }
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                field = Field::None;
                if name == "item" {
                    if let Some(it) = item.take() {
                        ctx.read_one();
                        ctx.emit_all(posts(it, ctx))?;
                    }
                }
            }
            Event::Text(t) => {
                if let Some(s) = target(&mut item, field) {
                    s.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(s) = target(&mut item, field) {
                    s.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(s) = target(&mut item, field) {
                    push_ref(&r, s);
                }
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(IngestError::Truncated {
                        pos: ctx.pos(line),
                        offset: xml.buffer_position(),
                        what: format!(
                            "the XML element <{open}> (the file ends before it is closed)"
                        ),
                    });
                }
                if !root_seen {
                    return Err(IngestError::Format {
                        file: ctx.name.to_string(),
                        message: "no XML element found; is this a Jira XML export?".to_string(),
                    });
                }
                return Ok(());
            }
            _ => {}
        }
    }
}

fn target(item: &mut Option<Item>, field: Field) -> Option<&mut String> {
    let it = item.as_mut()?;
    Some(match field {
        Field::None => return None,
        Field::Link => &mut it.link,
        Field::Description => &mut it.description,
        Field::Key => &mut it.key,
        Field::Summary => &mut it.summary,
        Field::Title => &mut it.title,
        Field::Reporter => &mut it.reporter,
        Field::Created => &mut it.created,
        Field::Label => it.labels.last_mut()?,
        Field::Comment => &mut it.comments.last_mut()?.body,
    })
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn posts(it: Item, ctx: &Ctx) -> Result<Vec<Post>> {
    let key = it.key.trim().to_string();
    if key.is_empty() {
        return Err(ctx.missing(it.line, "<key> (the issue key) in <item>"));
    }
    let project = it
        .project
        .clone()
        .unwrap_or_else(|| jira::project_of(&key).to_string());
    let source = jira::source(ctx, &project);
    let group = format!("jira:{key}");
    let link = non_empty(&it.link);
    let labels: Vec<String> = it.labels.iter().filter_map(|l| non_empty(l)).collect();
    let mut issue = Post::new(
        group.clone(),
        source.clone(),
        Kind::JiraIssue,
        group.clone(),
        it.description,
        Markup::Html,
    );
    // `<title>` is `[KEY] summary`; prefer `<summary>`.
    issue.title = non_empty(&it.summary).or_else(|| non_empty(&it.title));
    issue.author = non_empty(&it.reporter);
    issue.created_at = non_empty(&it.created);
    issue.url = link.clone();
    issue.tags = Some(labels.clone());
    let mut out = vec![issue];
    for (n, c) in it.comments.into_iter().enumerate() {
        let cid = non_empty(&c.id).unwrap_or_else(|| (n + 1).to_string());
        let mut p = Post::new(
            format!("{group}/comment/{cid}"),
            source.clone(),
            Kind::JiraComment,
            group.clone(),
            c.body,
            Markup::Html,
        );
        p.author = c.author;
        p.created_at = c.created;
        p.url = link.as_ref().map(|l| format!("{l}?focusedCommentId={cid}"));
        p.thread_tags = Some(labels.clone());
        out.push(p);
    }
    Ok(out)
}
