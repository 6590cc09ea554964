//! Jira's CSV export ("Export Excel CSV (all fields)"): one row per issue, repeated `Labels` and
//! `Comment` columns, comment cells written `date;author;body`.
//!
//! Records and ids are those of [`crate::formats::jira`]; comments without ids are numbered
//! `jira:KEY/comment/1`, `/2`, ... in column order. Rows whose cells are all empty are skipped.

use std::io::Read;

use crate::clean::Markup;
use crate::error::{IngestError, Result};
use crate::formats::jira;
use crate::parse::csv::{BlankRows, CsvRows};
use crate::pipeline::Ctx;
use crate::post::{Kind, Post};

/// Read a Jira CSV export.
pub(crate) fn parse(input: impl Read, ctx: &mut Ctx) -> Result<()> {
    let mut rows = CsvRows::open(
        input,
        ctx.name,
        ctx.max_record_bytes,
        BlankRows::NotConversation,
    )?;
    let header = rows.header();
    let key_col = header
        .find("Issue key")
        .ok_or_else(|| IngestError::MissingColumn {
            file: ctx.name.to_string(),
            column: "Issue key".to_string(),
            found: header.joined(),
        })?;
    let summary = header.find("Summary");
    let description = header.find("Description");
    let reporter = header.find("Reporter").or_else(|| header.find("Creator"));
    let created = header.find("Created");
    let project = header.find("Project key");
    let labels = header.all("Labels");
    let comments = header.all("Comment");
    while let Some(row) = rows.next_row(ctx)? {
        let result = (|| -> Result<Vec<Post>> {
            let key = row
                .get(Some(key_col), "Issue key")?
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .ok_or_else(|| ctx.missing(row.line, "Issue key"))?;
            let proj = row
                .get(project, "Project key")?
                .unwrap_or_else(|| jira::project_of(&key).to_string());
            let source = jira::source(ctx, &proj);
            let group = format!("jira:{key}");
            let mut tags = Vec::new();
            for &i in &labels {
                if let Some(l) = row.get(Some(i), "Labels")? {
                    tags.extend(l.split_whitespace().map(str::to_string));
                }
            }
            let body = row.get(description, "Description")?.unwrap_or_default();
            let mut issue = Post::new(
                group.clone(),
                source.clone(),
                Kind::JiraIssue,
                group.clone(),
                body,
                Markup::JiraWiki,
            );
            issue.title = row.get(summary, "Summary")?;
            issue.author = row.get(reporter, "Reporter")?;
            issue.created_at = row.get(created, "Created")?;
            issue.tags = Some(tags.clone());
            let mut posts = vec![issue];
            let mut n = 0;
            for &i in &comments {
                let Some(cell) = row.get(Some(i), "Comment")? else {
                    continue;
                };
                n += 1;
                let (date, author, text) = split_comment(&cell);
                let mut p = Post::new(
                    format!("{group}/comment/{n}"),
                    source.clone(),
                    Kind::JiraComment,
                    group.clone(),
                    text.to_string(),
                    Markup::JiraWiki,
                );
                p.created_at = date.map(str::to_string);
                p.author = author.map(str::to_string);
                p.thread_tags = Some(tags.clone());
                posts.push(p);
            }
            Ok(posts)
        })();
        ctx.emit_all(result)?;
    }
    Ok(())
}

fn nonempty(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

/// Split a comment cell `date;author;body` (the body may contain `;`). A cell without two `;`
/// is all body.
fn split_comment(cell: &str) -> (Option<&str>, Option<&str>, &str) {
    let mut parts = cell.splitn(3, ';');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(d), Some(a), Some(body)) => {
            let date_like = d.bytes().any(|b| b.is_ascii_digit()) && d.len() <= 40;
            if date_like {
                (nonempty(d), nonempty(a), body)
            } else {
                (None, None, cell)
            }
        }
        _ => (None, None, cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_comment_cells() {
        assert_eq!(
            split_comment("16/Feb/17 3:29 PM;jdoe;Use TLS; not plain text"),
            (
                Some("16/Feb/17 3:29 PM"),
                Some("jdoe"),
                "Use TLS; not plain text"
            )
        );
        assert_eq!(
            split_comment("16/Feb/17 3:29 PM;;Anonymous"),
            (Some("16/Feb/17 3:29 PM"), None, "Anonymous")
        );
        assert_eq!(
            split_comment("just text; with; semicolons"),
            (None, None, "just text; with; semicolons")
        );
    }
}
