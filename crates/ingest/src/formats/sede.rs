//! Stack Exchange Data Explorer CSV exports: posts (`Id, PostTypeId, ..., Body, Title, Tags`,
//! or just `Title, Body, Tags, Id`) and comments (`CommentId, ..., PostId, Text, PostTypeId`).
//!
//! Records and ids are those of [`crate::formats::stackexchange`]. The site is `--source`, else the host
//! of a `Comment Link`/`Post Link` cell, else `stackexchange`.

use std::io::Read;

use crate::clean::Markup;
use crate::error::{IngestError, Result};
use crate::formats::stackexchange::{site, SiteIds, ThreadOf};
use crate::labels::split_se_tags;
use crate::parse::csv::{BlankRows, CsvRows, Row};
use crate::pipeline::Ctx;
use crate::post::{Kind, Post};

struct Cols {
    id: Option<usize>,
    post_type: Option<usize>,
    parent: Option<usize>,
    created: Option<usize>,
    body: Option<usize>,
    title: Option<usize>,
    tags: Option<usize>,
    owner_id: Option<usize>,
    owner_name: Option<usize>,
    comment_id: Option<usize>,
    post_id: Option<usize>,
    text: Option<usize>,
    commenter_id: Option<usize>,
    commenter_name: Option<usize>,
    comment_created: Option<usize>,
    link: Option<usize>,
}

fn host(link: &str) -> Option<String> {
    let rest = link.split_once("://")?.1;
    let host = rest.split('/').next()?;
    (!host.is_empty()).then(|| host.to_string())
}

/// Read a SEDE CSV export.
pub(crate) fn parse(input: impl Read, ctx: &mut Ctx) -> Result<()> {
    let mut rows = CsvRows::open(
        input,
        ctx.name,
        ctx.max_record_bytes,
        BlankRows::NotConversation,
    )?;
    let header = rows.header();
    let c = Cols {
        id: header.find("Id"),
        post_type: header.find("PostTypeId"),
        parent: header.find("ParentId"),
        created: header.find("CreationDate"),
        body: header.find("Body"),
        title: header.find("Title"),
        tags: header.find("Tags"),
        owner_id: header.find("OwnerUserId"),
        owner_name: header.find("OwnerDisplayName"),
        comment_id: header.find("CommentId"),
        post_id: header.find("PostId"),
        text: header.find("Text"),
        commenter_id: header.find("CommenterId").or_else(|| header.find("UserId")),
        commenter_name: header
            .find("CommenterName")
            .or_else(|| header.find("UserDisplayName")),
        comment_created: header.find("CommentCreationDate"),
        link: header
            .find("Comment Link")
            .or_else(|| header.find("Post Link")),
    };
    let comments = c.comment_id.is_some();
    if !comments && c.body.is_none() {
        return Err(IngestError::MissingColumn {
            file: ctx.name.to_string(),
            column: "Body".to_string(),
            found: header.joined(),
        });
    }
    let mut ids: Option<SiteIds> = None;
    while let Some(row) = rows.next_row(ctx)? {
        if ids.is_none() {
            let from_link = if ctx.source.is_none() {
                row.get(c.link, "link")
                    .ok()
                    .flatten()
                    .as_deref()
                    .and_then(host)
            } else {
                None
            };
            ids = Some(SiteIds::new(from_link.unwrap_or_else(|| site(ctx))));
        }
        let Some(site_ids) = ids.as_ref() else {
            continue;
        };
        let result = if comments {
            comment(&row, &c, site_ids, ctx)
        } else {
            post(&row, &c, site_ids, ctx)
        };
        if let Err(e) = result {
            ctx.skip(e)?;
        }
    }
    Ok(())
}

fn number(row: &Row, idx: Option<usize>, name: &str, ctx: &Ctx) -> Result<Option<u64>> {
    match row.get(idx, name)? {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| IngestError::BadField {
                pos: ctx.pos(row.line),
                field: name.to_string(),
                message: format!("`{s}` is not a number"),
            }),
    }
}

fn post(row: &Row, c: &Cols, ids: &SiteIds, ctx: &mut Ctx) -> Result<()> {
    let id = number(row, c.id, "Id", ctx)?.ok_or_else(|| ctx.missing(row.line, "Id"))?;
    let kind = match row.get(c.post_type, "PostTypeId")?.as_deref() {
        None | Some("1") => Kind::Question,
        Some("2") => Kind::Answer,
        Some(_) => {
            ctx.not_conversation();
            return Ok(());
        }
    };
    let (letter, group) = if kind == Kind::Question {
        ('q', ids.id('q', id))
    } else {
        let parent = number(row, c.parent, "ParentId", ctx)?
            .ok_or_else(|| ctx.missing(row.line, "ParentId"))?;
        ('a', ids.id('q', parent))
    };
    let body = row.get(c.body, "Body")?.unwrap_or_default();
    let mut p = Post::new(
        ids.id(letter, id),
        ids.source(),
        kind,
        group,
        body,
        Markup::Html,
    );
    p.title = row.get(c.title, "Title")?;
    p.tags = row
        .get(c.tags, "Tags")?
        .map(|t| split_se_tags(&t).map(str::to_string).collect())
        .or_else(|| (kind == Kind::Question && c.tags.is_some()).then(Vec::new));
    p.author = row.get(c.owner_name, "OwnerDisplayName")?.or(row
        .get(c.owner_id, "OwnerUserId")?
        .map(|i| format!("user:{i}")));
    p.created_at = row.get(c.created, "CreationDate")?;
    p.url = ids.url(letter, id);
    ctx.emit(p)
}

fn comment(row: &Row, c: &Cols, ids: &SiteIds, ctx: &mut Ctx) -> Result<()> {
    let id = number(row, c.comment_id, "CommentId", ctx)?
        .ok_or_else(|| ctx.missing(row.line, "CommentId"))?;
    let post_id =
        number(row, c.post_id, "PostId", ctx)?.ok_or_else(|| ctx.missing(row.line, "PostId"))?;
    let thread = match ctx.se_threads.thread_of(post_id) {
        Some(t) => t,
        None => match row.get(c.post_type, "PostTypeId")?.as_deref() {
            Some("1") => ThreadOf::Question(post_id),
            _ => ThreadOf::Answer(post_id),
        },
    };
    let text = row.get(c.text, "Text")?.unwrap_or_default();
    let mut p = Post::new(
        ids.id('c', id),
        ids.source(),
        Kind::PostComment,
        ids.group(thread),
        text,
        Markup::Markdown,
    );
    p.author = row.get(c.commenter_name, "CommenterName")?.or(row
        .get(c.commenter_id, "CommenterId")?
        .map(|i| format!("user:{i}")));
    p.created_at = row
        .get(c.comment_created, "CommentCreationDate")?
        .or(row.get(c.created, "CreationDate")?);
    p.url = ids.url('c', id);
    ctx.emit(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_of_links() {
        assert_eq!(
            host("https://stackoverflow.com/posts/comments/1").as_deref(),
            Some("stackoverflow.com")
        );
        assert_eq!(host("nope"), None);
    }
}
