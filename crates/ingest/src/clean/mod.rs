//! Text cleaning: markup-aware removal of everything that is not prose, then paragraph splitting.
//!
//! Each markup has its own cleaner ([`Markup`]); all of them produce the same neutral text
//! (lines, blank lines between blocks, `- ` list items, one placeholder line per code block), which
//! a shared pass and then the segmenter ([`crate::clean::segment`]) turn into paragraphs.
//!
//! Rules, in the order they apply (each one is a documented way prose can disappear):
//! - code: fenced and indented Markdown code, `{code}`/`{noformat}`, `<pre>` and runs of two or more
//!   stack-trace or log lines become the code placeholder (or vanish with [`CodeMode::Drop`]);
//! - quotes: Markdown `>` lines (and the `On ... wrote:` line before them), `{quote}`, `bq.`,
//!   `<blockquote>` are dropped;
//! - markup: HTML tags and comments, Markdown images and link targets (the link text stays), Jira
//!   image embeds and link targets are dropped; entities are decoded;
//! - URLs become the URL placeholder;
//! - a signature (`-- ` line or `Sent from my ...`) and everything after it is dropped;
//! - Markdown only: a line holding only a slash command (`/lgtm`, `/assign @x`) is dropped;
//! - list markers become `- `; white space inside a line collapses to one space;
//! - a paragraph without any letter (outside placeholders) is dropped.

mod common;
mod html;
mod markdown;
pub(crate) mod segment;
mod wiki;

use crate::clean::segment::{segment_neutral, Segmented};
use crate::error::{IngestError, Result};

/// Private-use sentinel for a code block in neutral text; rendered as the code token.
pub(crate) const CODE: char = '\u{E000}';
/// Private-use sentinel for a URL in neutral text; rendered as the URL token.
pub(crate) const URL: char = '\u{E001}';

/// The markup a text is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Markup {
    /// No markup: only the shared rules apply (URLs, signatures, stack traces, lists).
    Plain,
    /// GitHub-flavoured Markdown, with embedded HTML (GitHub, Stack Exchange comments).
    Markdown,
    /// Jira wiki markup (Jira REST v2 strings, Jira CSV).
    JiraWiki,
    /// HTML (Stack Exchange bodies, Jira XML export).
    Html,
}

impl Markup {
    /// `plain`, `markdown`, `jira-wiki` or `html`.
    pub fn as_str(self) -> &'static str {
        match self {
            Markup::Plain => "plain",
            Markup::Markdown => "markdown",
            Markup::JiraWiki => "jira-wiki",
            Markup::Html => "html",
        }
    }
}

impl std::str::FromStr for Markup {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        [
            Markup::Plain,
            Markup::Markdown,
            Markup::JiraWiki,
            Markup::Html,
        ]
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| format!("unknown markup `{s}`; expected plain, markdown, jira-wiki or html"))
    }
}

/// What to do with code blocks, stack traces and log dumps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodeMode {
    /// Replace each block with the code token, attached to the paragraph before it.
    Placeholder,
    /// Remove each block.
    Drop,
}

impl CodeMode {
    /// Every value, in help order.
    pub const ALL: [CodeMode; 2] = [CodeMode::Placeholder, CodeMode::Drop];

    /// The short name users choose it by (`placeholder`).
    pub fn name(self) -> &'static str {
        match self {
            CodeMode::Placeholder => "placeholder",
            CodeMode::Drop => "drop",
        }
    }

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            CodeMode::Placeholder => "Replace each with the code token",
            CodeMode::Drop => "Remove each",
        }
    }
}

/// Options for [`Cleaner`]; [`CleanParams::build`] checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanParams {
    code: CodeMode,
    code_token: String,
    url_token: String,
}

impl Default for CleanParams {
    fn default() -> Self {
        CleanParams {
            code: CodeMode::Placeholder,
            code_token: "[CODE]".to_string(),
            url_token: "[URL]".to_string(),
        }
    }
}

impl CleanParams {
    /// What happens to code blocks (see [`CleanParams::code`]).
    pub fn code_mode(&self) -> CodeMode {
        self.code
    }

    /// The token that stands for a code block.
    pub fn code_token_str(&self) -> &str {
        &self.code_token
    }

    /// The token that stands for a URL.
    pub fn url_token_str(&self) -> &str {
        &self.url_token
    }

    /// What happens to code blocks. Default: [`CodeMode::Placeholder`].
    pub fn code(mut self, code: CodeMode) -> Self {
        self.code = code;
        self
    }

    /// The token that stands for a code block. Default: `[CODE]`.
    pub fn code_token(mut self, token: impl Into<String>) -> Self {
        self.code_token = token.into();
        self
    }

    /// The token that stands for a URL. Default: `[URL]`.
    pub fn url_token(mut self, token: impl Into<String>) -> Self {
        self.url_token = token.into();
        self
    }

    /// Check the options.
    ///
    /// # Errors
    /// [`IngestError::PlaceholderHasLineBreak`] when a token contains `\n` or `\r`.
    pub fn build(self) -> Result<Cleaner> {
        for (which, token) in [("code", &self.code_token), ("url", &self.url_token)] {
            if token.contains(['\n', '\r']) {
                return Err(IngestError::PlaceholderHasLineBreak {
                    which,
                    token: token.clone(),
                });
            }
        }
        Ok(Cleaner { params: self })
    }
}

/// Turns a text in some [`Markup`] into prose paragraphs.
///
/// ```
/// use secdisc_ingest::{CleanParams, Markup};
/// let cleaner = CleanParams::default().build()?;
/// let text = "Tokens leak into logs, see https://example.com/x.\n\n```\nlog.info(token)\n```\n\n> quoted\n";
/// let out = cleaner.paragraphs(text, Markup::Markdown);
/// assert_eq!(out.paragraphs, vec!["Tokens leak into logs, see [URL]. [CODE]"]);
/// # Ok::<(), secdisc_ingest::IngestError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Cleaner {
    params: CleanParams,
}

impl Cleaner {
    /// The options this cleaner was built with.
    pub fn params(&self) -> &CleanParams {
        &self.params
    }

    /// Clean `text` and return its neutral form: lines, blank lines between blocks, sentinels
    /// for code and URLs. Exposed to the crate for the segmenter's tests.
    pub(crate) fn neutral(&self, text: &str, markup: Markup) -> String {
        let mut input = String::new();
        let text = if text.contains([CODE, URL]) {
            input.extend(
                text.chars()
                    .map(|c| if c == CODE || c == URL { ' ' } else { c }),
            );
            input.as_str()
        } else {
            text
        };
        let code = self.params.code;
        let mut mid = String::with_capacity(text.len() + 16);
        match markup {
            Markup::Plain => mid.push_str(text),
            Markup::Markdown => markdown::clean(text, code, &mut mid),
            Markup::JiraWiki => wiki::clean(text, code, &mut mid),
            Markup::Html => html::clean(text, code, &mut mid),
        }
        let mut out = String::with_capacity(mid.len() + 2);
        common::finish(&mid, code, &mut out);
        out
    }

    /// Clean `text` and split it into paragraphs (see the module docs for every rule).
    pub fn paragraphs(&self, text: &str, markup: Markup) -> Segmented {
        let neutral = self.neutral(text, markup);
        segment_neutral(&neutral, &self.params.code_token, &self.params.url_token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_multiline_tokens() {
        let err = CleanParams::default()
            .code_token("a\nb")
            .build()
            .unwrap_err();
        assert!(matches!(
            err,
            IngestError::PlaceholderHasLineBreak { which: "code", .. }
        ));
    }

    #[test]
    fn drop_mode_removes_code_entirely() {
        let c = CleanParams::default().code(CodeMode::Drop).build().unwrap();
        let out = c.paragraphs("Before\n```\nx\n```\nAfter", Markup::Markdown);
        assert_eq!(out.paragraphs, vec!["Before After"]);
    }

    #[test]
    fn strips_sentinels_present_in_input() {
        let c = Cleaner::default();
        let out = c.paragraphs("a\u{E000}b", Markup::Plain);
        assert_eq!(out.paragraphs, vec!["a b"]);
    }

    #[test]
    fn custom_tokens_render() {
        let c = CleanParams::default().url_token("<url>").build().unwrap();
        let out = c.paragraphs("see http://a.b/c now", Markup::Plain);
        assert_eq!(out.paragraphs, vec!["see <url> now"]);
    }
}
