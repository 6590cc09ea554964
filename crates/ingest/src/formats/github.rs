//! GitHub: REST issue lists (pull requests included), issue comments, pull-request review
//! comments, and GH Archive / Events API events, as JSON arrays or JSON lines.
//!
//! Records: `issue` (`github:O/R#N`, title and body), `comment` (`github:O/R#N/comment/ID`) and
//! `review_comment` (`github:O/R#N/review_comment/ID`), all grouped by `github:O/R#N`, source
//! `github/O/R`. Issue labels are the tags for `--label-from-tags`.

use std::collections::HashSet;
use std::io::BufRead;

use serde_json::Value;

use crate::clean::Markup;
use crate::error::Result;
use crate::parse::json::{id_at, str_at};
use crate::parse::json_split::{JsonSplitter, ParsedItem, SplitMode};
use crate::pipeline::Ctx;
use crate::post::{Kind, Post};

/// Read a GitHub JSON input.
pub(crate) fn parse(reader: impl BufRead, split: SplitMode, ctx: &mut Ctx) -> Result<()> {
    let mut splitter = JsonSplitter::new(reader, ctx.name, split, ctx.max_record_bytes);
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(ParsedItem { value, line, .. }) = splitter.next_value(ctx)? {
        let is_event = value.get("payload").is_some();
        match posts(&value, line, ctx) {
            Ok(Some(posts)) => {
                for post in posts {
                    // Events repeat an issue (opened, labeled, closed): keep its first version.
                    // Only event issues are remembered, so REST pages stream in flat memory.
                    if is_event && post.kind == Kind::Issue && !seen.insert(post.id.clone()) {
                        continue;
                    }
                    ctx.emit(post)?;
                }
            }
            Ok(None) => ctx.not_conversation(),
            Err(e) => ctx.skip(e)?,
        }
    }
    Ok(())
}

/// The posts in one item; `None` for an event that is not conversation.
fn posts(v: &Value, line: u64, ctx: &Ctx) -> Result<Option<Vec<Post>>> {
    if !v.is_object() {
        return Err(ctx.missing(line, "issue, comment or event object"));
    }
    if let (Some(kind), Some(payload)) = (str_at(v, &["type"]), v.get("payload")) {
        let repo = str_at(v, &["repo", "name"]).map(str::to_string);
        return event(kind, payload, repo, line, ctx);
    }
    if v.get("diff_hunk").is_some() || v.get("pull_request_review_id").is_some() {
        return Ok(Some(vec![comment(
            v,
            None,
            None,
            Kind::ReviewComment,
            line,
            ctx,
        )?]));
    }
    if v.get("issue_url").is_some() {
        return Ok(Some(vec![comment(
            v,
            None,
            None,
            Kind::Comment,
            line,
            ctx,
        )?]));
    }
    if v.get("number").is_some() {
        return Ok(Some(vec![issue(v, None, line, ctx)?]));
    }
    Err(ctx.missing(
        line,
        "number (issue), issue_url (comment), diff_hunk (review comment) or type+payload (event)",
    ))
}

fn event(
    kind: &str,
    payload: &Value,
    repo: Option<String>,
    line: u64,
    ctx: &Ctx,
) -> Result<Option<Vec<Post>>> {
    // The payload member holding the thread, and for comment events the comment's kind.
    let (thread, comment_kind) = match kind {
        "IssuesEvent" => ("issue", None),
        "PullRequestEvent" => ("pull_request", None),
        "IssueCommentEvent" => ("issue", Some(Kind::Comment)),
        "PullRequestReviewCommentEvent" => ("pull_request", Some(Kind::ReviewComment)),
        _ => return Ok(None),
    };
    let member = |name: &str| {
        payload
            .get(name)
            .ok_or_else(|| ctx.missing(line, &format!("payload.{name}")))
    };
    let post = match comment_kind {
        None => issue(member(thread)?, repo.as_deref(), line, ctx)?,
        Some(comment_kind) => {
            let thread_v = payload.get(thread);
            let number = thread_v.and_then(|t| id_at(t, &["number"]));
            let c = member("comment")?;
            let mut post = comment(c, repo.as_deref(), number, comment_kind, line, ctx)?;
            post.thread_tags = thread_v.and_then(labels);
            post
        }
    };
    Ok(Some(vec![post]))
}

/// `O/R` from an API or web URL (`.../repos/O/R/...` or `https://github.com/O/R/...`).
pub(crate) fn repo_from_url(url: &str) -> Option<String> {
    let rest = if let Some(i) = url.find("/repos/") {
        &url[i + 7..]
    } else if let Some(i) = url.find("github.com/") {
        &url[i + 11..]
    } else {
        return None;
    };
    let mut parts = rest.split('/');
    let owner = parts.next().filter(|s| !s.is_empty())?;
    let name = parts.next().filter(|s| !s.is_empty())?;
    Some(format!("{owner}/{name}"))
}

/// The issue or pull-request number at the end of `.../issues/N` or `.../pulls/N`.
fn number_from_url(url: &str) -> Option<String> {
    let last = url.trim_end_matches('/').rsplit('/').next()?;
    (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())).then(|| last.to_string())
}

fn labels(v: &Value) -> Option<Vec<String>> {
    let arr = v.get("labels")?.as_array()?;
    Some(
        arr.iter()
            .filter_map(|l| match l {
                Value::String(s) => Some(s.clone()),
                Value::Object(_) => str_at(l, &["name"]).map(str::to_string),
                _ => None,
            })
            .collect(),
    )
}

fn source(ctx: &Ctx, repo: &str) -> String {
    ctx.source
        .map(str::to_string)
        .unwrap_or_else(|| format!("github/{repo}"))
}

fn author(v: &Value) -> (Option<String>, bool) {
    let login = str_at(v, &["user", "login"]).map(str::to_string);
    let bot = str_at(v, &["user", "type"]) == Some("Bot");
    (login, bot)
}

fn issue(v: &Value, repo: Option<&str>, line: u64, ctx: &Ctx) -> Result<Post> {
    let number = id_at(v, &["number"]).ok_or_else(|| ctx.missing(line, "number"))?;
    let repo = repo
        .map(str::to_string)
        .or_else(|| str_at(v, &["repository_url"]).and_then(repo_from_url))
        .or_else(|| str_at(v, &["html_url"]).and_then(repo_from_url))
        .or_else(|| str_at(v, &["url"]).and_then(repo_from_url))
        .ok_or_else(|| ctx.missing(line, "repository_url or html_url"))?;
    let id = format!("github:{repo}#{number}");
    let body = str_at(v, &["body"]).unwrap_or("").to_string();
    let mut post = Post::new(
        id.clone(),
        source(ctx, &repo),
        Kind::Issue,
        id,
        body,
        Markup::Markdown,
    );
    (post.author, post.author_is_bot) = author(v);
    post.created_at = str_at(v, &["created_at"]).map(str::to_string);
    post.url = str_at(v, &["html_url"]).map(str::to_string);
    post.title = str_at(v, &["title"]).map(str::to_string);
    post.tags = labels(v);
    Ok(post)
}

fn comment(
    v: &Value,
    repo: Option<&str>,
    number: Option<String>,
    kind: Kind,
    line: u64,
    ctx: &Ctx,
) -> Result<Post> {
    let cid = id_at(v, &["id"]).ok_or_else(|| ctx.missing(line, "id"))?;
    let thread_url = str_at(v, &["issue_url"]).or_else(|| str_at(v, &["pull_request_url"]));
    let number = number
        .or_else(|| thread_url.and_then(number_from_url))
        .ok_or_else(|| ctx.missing(line, "issue_url or pull_request_url"))?;
    let repo = repo
        .map(str::to_string)
        .or_else(|| thread_url.and_then(repo_from_url))
        .or_else(|| str_at(v, &["html_url"]).and_then(repo_from_url))
        .ok_or_else(|| ctx.missing(line, "issue_url or html_url"))?;
    let group = format!("github:{repo}#{number}");
    let id = format!("{group}/{}/{cid}", kind.as_str());
    let body = str_at(v, &["body"]).unwrap_or("").to_string();
    let mut post = Post::new(id, source(ctx, &repo), kind, group, body, Markup::Markdown);
    (post.author, post.author_is_bot) = author(v);
    post.created_at = str_at(v, &["created_at"]).map(str::to_string);
    post.url = str_at(v, &["html_url"]).map(str::to_string);
    Ok(post)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_and_number_from_urls() {
        assert_eq!(
            repo_from_url("https://api.github.com/repos/matomo-org/matomo/issues/19802").as_deref(),
            Some("matomo-org/matomo")
        );
        assert_eq!(
            repo_from_url("https://github.com/o/r/pull/3").as_deref(),
            Some("o/r")
        );
        assert_eq!(
            number_from_url("https://api.github.com/repos/o/r/pulls/49520").as_deref(),
            Some("49520")
        );
        assert_eq!(number_from_url("https://x/issues/abc"), None);
    }
}
