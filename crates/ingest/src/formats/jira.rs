//! Jira REST JSON: search results (`{"issues": [...]}`), bare arrays of issues, and comments
//! grouped by issue key (`{"KEY-1": [comments]}`); bodies as v2 wiki-markup strings or v3
//! Atlassian Document Format.
//!
//! Records: `jira_issue` (`jira:KEY`, summary and description) and `jira_comment`
//! (`jira:KEY/comment/ID`), grouped by `jira:KEY`, source `jira/PROJECT`. The issue's `labels`
//! are the tags for `--label-from-tags`.

use std::io::BufRead;

use serde_json::Value;

use crate::clean::Markup;
use crate::error::Result;
use crate::formats::adf;
use crate::formats::detect::is_jira_key;
use crate::parse::json::{id_at, str_at};
use crate::parse::json_split::{JsonSplitter, ParsedItem, SplitMode};
use crate::pipeline::Ctx;
use crate::post::{Kind, Post};

/// Read a Jira JSON input.
pub(crate) fn parse(reader: impl BufRead, split: SplitMode, ctx: &mut Ctx) -> Result<()> {
    let mut splitter = JsonSplitter::new(reader, ctx.name, split, ctx.max_record_bytes);
    while let Some(ParsedItem {
        key, value, line, ..
    }) = splitter.next_value(ctx)?
    {
        let result = match key.as_deref() {
            Some(k) if is_jira_key(k) => comment(&value, k, None, line, ctx).map(|p| vec![p]),
            Some("issues") | None => issue(&value, line, ctx),
            // Other wrapper members (`expand`, `total`, `names`, `schema`) are not conversation.
            Some(_) => {
                ctx.not_conversation();
                continue;
            }
        };
        ctx.emit_all(result)?;
    }
    Ok(())
}

/// The body of a description or comment: a wiki string (v2) or an ADF document (v3).
fn body(v: Option<&Value>) -> (String, Markup) {
    match v {
        Some(Value::String(s)) => (s.clone(), Markup::JiraWiki),
        Some(doc @ Value::Object(_)) => (adf::to_markdown(doc), Markup::Markdown),
        _ => (String::new(), Markup::JiraWiki),
    }
}

/// `https://host/jira` from `https://host/jira/rest/api/2/issue/123`.
fn base_url(self_url: &str) -> Option<&str> {
    self_url.find("/rest/api/").map(|i| &self_url[..i])
}

fn person(v: &Value) -> Option<String> {
    str_at(v, &["displayName"])
        .or_else(|| str_at(v, &["name"]))
        .or_else(|| str_at(v, &["accountId"]))
        .map(str::to_string)
}

/// Source name: `--source`, else `jira/PROJECT`.
pub(crate) fn source(ctx: &Ctx, project: &str) -> String {
    ctx.source
        .map(str::to_string)
        .unwrap_or_else(|| format!("jira/{project}"))
}

/// The project of an issue key: `KAFKA` of `KAFKA-19818`.
pub(crate) fn project_of(key: &str) -> &str {
    key.rsplit_once('-').map_or(key, |(p, _)| p)
}

fn issue(v: &Value, line: u64, ctx: &Ctx) -> Result<Vec<Post>> {
    let key = str_at(v, &["key"]).ok_or_else(|| ctx.missing(line, "key"))?;
    let fields = v.get("fields").ok_or_else(|| ctx.missing(line, "fields"))?;
    let project = str_at(fields, &["project", "key"]).unwrap_or_else(|| project_of(key));
    let group = format!("jira:{key}");
    let (text, markup) = body(fields.get("description"));
    let mut post = Post::new(
        group.clone(),
        source(ctx, project),
        Kind::JiraIssue,
        group.clone(),
        text,
        markup,
    );
    post.title = str_at(fields, &["summary"]).map(str::to_string);
    post.author = fields
        .get("reporter")
        .and_then(person)
        .or_else(|| fields.get("creator").and_then(person));
    post.created_at = str_at(fields, &["created"]).map(str::to_string);
    let base = str_at(v, &["self"]).and_then(base_url);
    post.url = base.map(|b| format!("{b}/browse/{key}"));
    let labels: Option<Vec<String>> = fields.get("labels").and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|l| l.as_str().map(str::to_string))
            .collect()
    });
    post.tags = labels.clone();
    let mut posts = vec![post];
    let comments = fields
        .pointer("/comment/comments")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for c in comments {
        posts.push(comment(c, key, labels.clone(), line, ctx)?);
    }
    Ok(posts)
}

fn comment(
    v: &Value,
    key: &str,
    thread_tags: Option<Vec<String>>,
    line: u64,
    ctx: &Ctx,
) -> Result<Post> {
    let id = id_at(v, &["id"]).ok_or_else(|| ctx.missing(line, "comment id"))?;
    let group = format!("jira:{key}");
    let (text, markup) = body(v.get("body"));
    let mut post = Post::new(
        format!("{group}/comment/{id}"),
        source(ctx, project_of(key)),
        Kind::JiraComment,
        group,
        text,
        markup,
    );
    post.author = v.get("author").and_then(person);
    post.created_at = str_at(v, &["created"]).map(str::to_string);
    post.url = str_at(v, &["self"])
        .and_then(base_url)
        .map(|b| format!("{b}/browse/{key}?focusedCommentId={id}"));
    post.thread_tags = thread_tags;
    Ok(post)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_projects() {
        assert_eq!(
            base_url("https://issues.apache.org/jira/rest/api/2/issue/1"),
            Some("https://issues.apache.org/jira")
        );
        assert_eq!(project_of("KAFKA-19818"), "KAFKA");
    }
}
