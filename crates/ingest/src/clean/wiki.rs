//! Jira wiki markup to neutral text.

use super::common::find_ci;
use super::markdown::floor_boundary;
use super::{CodeMode, CODE};

/// How far `{...}` macros and `[...]` links may reach.
const SCAN_LIMIT: usize = 4096;

/// Clean Jira wiki `text` into neutral lines appended to `out`.
///
/// `{code}`/`{noformat}` blocks become code lines, `{quote}` blocks and `bq.` lines vanish,
/// `{panel}`/`{color}`/`{anchor}` markers vanish and keep their content, `h1.`..`h6.` headings are
/// their own paragraph, `*`/`#`/`-` list items become `- ` items, table pipes become spaces,
/// `[text|target]` keeps the text, `[~user]` keeps the user, `!embed.png!` vanishes, `{{mono}}`
/// keeps its text.
pub(crate) fn clean(text: &str, code: CodeMode, out: &mut String) {
    let blocks = macros(text, code);
    for raw in blocks.split('\n') {
        let line = raw.trim_end_matches('\r');
        let t = line.trim();
        if t.is_empty() {
            out.push('\n');
            continue;
        }
        if t.starts_with("bq. ") || t == "bq." {
            continue;
        }
        if t.bytes().all(|b| b == b'-') && t.len() >= 4 {
            out.push('\n');
            continue;
        }
        let b = t.as_bytes();
        if b.len() >= 3 && b[0] == b'h' && (b'1'..=b'6').contains(&b[1]) && b[2] == b'.' {
            out.push('\n');
            inline(t[3..].trim(), out);
            out.push_str("\n\n");
            continue;
        }
        let markers = b
            .iter()
            .take_while(|c| matches!(c, b'*' | b'#' | b'-'))
            .count();
        if markers > 0 && b.get(markers) == Some(&b' ') && !(markers >= 2 && b[0] == b'-') {
            out.push_str("- ");
            inline(t[markers + 1..].trim_start(), out);
            out.push('\n');
            continue;
        }
        if t.starts_with('|') {
            let cells = t.replace('|', " ");
            inline(&cells, out);
            out.push('\n');
            continue;
        }
        inline(t, out);
        out.push('\n');
    }
}

/// Resolve block macros: `{code}`, `{noformat}`, `{quote}` and marker-only macros.
fn macros(text: &str, code: CodeMode) -> std::borrow::Cow<'_, str> {
    if !text.contains('{') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = memchr::memchr(b'{', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some((name, open_len)) = macro_at(tail) else {
            out.push('{');
            rest = &tail[1..];
            continue;
        };
        match name.as_str() {
            "code" | "noformat" | "quote" => {
                let close = format!("{{{name}}}");
                let body = &tail[open_len..];
                rest = match find_ci(body, &close) {
                    Some(k) => &body[k + close.len()..],
                    None => "",
                };
                out.push('\n');
                if name != "quote" && code == CodeMode::Placeholder {
                    out.push(CODE);
                    out.push('\n');
                }
            }
            "panel" | "color" | "anchor" | "toc" | "section" | "column" | "status" | "info"
            | "note" | "warning" | "tip" | "expand" => {
                rest = &tail[open_len..];
            }
            _ => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// A macro tag `{name}` or `{name:params}` at the start of `s`: its lowercase name and length.
fn macro_at(s: &str) -> Option<(String, usize)> {
    let window = &s[..floor_boundary(s, SCAN_LIMIT)];
    let end = window.find('}')?;
    let inner = &s[1..end];
    let name = inner.split([':', '|']).next().unwrap_or("");
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    Some((name.to_ascii_lowercase(), end + 1))
}

/// Inline wiki markup: links, mentions, embeds and monospace.
fn inline(s: &str, out: &mut String) {
    let b = s.as_bytes();
    let mut i = 0;
    let mut plain = 0;
    while i < b.len() {
        match b[i] {
            b'[' => {
                let window = &s[i..floor_boundary(s, i + SCAN_LIMIT)];
                if let Some(end) = window.find(']') {
                    let inner = &s[i + 1..i + end];
                    if let Some(text) = link_text(inner) {
                        out.push_str(&s[plain..i]);
                        out.push_str(&text);
                        i += end + 1;
                        plain = i;
                        continue;
                    }
                }
                i += 1;
            }
            b'!' => {
                let rest = &s[i + 1..];
                let end = rest.find(|c: char| c == '!' || c.is_whitespace());
                match end {
                    Some(e) if e > 0 && rest.as_bytes()[e] == b'!' && rest[..e].contains('.') => {
                        out.push_str(&s[plain..i]);
                        i += e + 2;
                        plain = i;
                    }
                    _ => i += 1,
                }
            }
            c @ (b'{' | b'}') if b.get(i + 1) == Some(&c) => {
                out.push_str(&s[plain..i]);
                i += 2;
                plain = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&s[plain..]);
}

/// What a `[...]` link shows: its text, the user of a mention, the name of an attachment, or the
/// target itself when it has no text (the URL rule then replaces it). `None` when not a link.
fn link_text(inner: &str) -> Option<String> {
    if inner.is_empty() || inner.contains('[') {
        return None;
    }
    if let Some(user) = inner.strip_prefix('~') {
        return Some(match user.strip_prefix("accountid:") {
            Some(_) => "@user".to_string(),
            None => format!("@{user}"),
        });
    }
    if let Some(file) = inner.strip_prefix('^') {
        return Some(file.to_string());
    }
    if let Some((text, _target)) = inner.split_once('|') {
        return Some(text.to_string());
    }
    if inner.contains("://") || inner.starts_with("mailto:") {
        return Some(inner.to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::clean::{Cleaner, Markup};

    fn paras(s: &str) -> Vec<String> {
        Cleaner::default()
            .paragraphs(s, Markup::JiraWiki)
            .paragraphs
    }

    #[test]
    fn code_and_noformat_blocks_become_placeholders() {
        let s = "The broker logs the password:\n{code:java}\nlog.info(cfg);\n{code}\n{noformat}x{noformat}\n\nh3. Fix\nMask it.";
        assert_eq!(
            paras(s),
            vec![
                "The broker logs the password: [CODE] [CODE]",
                "Fix",
                "Mask it."
            ]
        );
    }

    #[test]
    fn quotes_vanish_links_keep_text() {
        let s = "{quote}old{quote}\nbq. also old\nSee [the KIP|https://cwiki.apache.org/x] by [~jdoe] and [http://a.b/c], {{ssl.enabled}} !shot.png|thumbnail!";
        assert_eq!(
            paras(s),
            vec!["See the KIP by @jdoe and [URL], ssl.enabled"]
        );
    }

    #[test]
    fn lists_and_tables() {
        let s = "Tasks:\n* rotate keys\n** nested one\n# numbered\n||h1||h2||\n|a|b|";
        assert_eq!(
            paras(s),
            vec!["Tasks:\n- rotate keys\n- nested one\n- numbered h1 h2 a b"]
        );
    }

    #[test]
    fn color_markers_vanish() {
        assert_eq!(paras("{color:red}Danger{color} zone"), vec!["Danger zone"]);
    }
}
