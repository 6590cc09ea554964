//! Markdown (GitHub-flavoured, with embedded HTML) to neutral text.

use super::common::{find_ci, push_code_paragraph, push_decoded};
use super::html;
use super::{CodeMode, CODE};
use crate::clean::segment::strip_list_marker;

/// Clean Markdown `text` into neutral lines appended to `out`.
pub(crate) fn clean(text: &str, code: CodeMode, out: &mut String) {
    let pre = html_spans(text, code);
    let mut lines = pre.split('\n').peekable();
    let mut prev_blank = true;
    let mut in_list = false;
    let mut fence: Option<(u8, usize)> = None;
    let mut last_line_start = out.len();
    while let Some(raw) = lines.next() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some((ch, len)) = fence {
            let t = line.trim();
            if t.len() >= len && t.bytes().all(|b| b == ch) {
                fence = None;
            }
            continue;
        }
        let (indent, t) = indentation(line);
        if t.is_empty() {
            out.push('\n');
            prev_blank = true;
            continue;
        }
        if indent <= 3 {
            if let Some(f) = fence_open(t) {
                fence = Some(f);
                push_code(code, out);
                prev_blank = false;
                continue;
            }
        }
        if indent >= 4 && prev_blank && !in_list {
            // Indented code block: this line and the following indented or blank lines.
            while let Some(next) = lines.peek() {
                let (ind, nt) = indentation(next);
                if nt.is_empty() || ind >= 4 {
                    lines.next();
                } else {
                    break;
                }
            }
            push_code(code, out);
            out.push('\n');
            prev_blank = true;
            continue;
        }
        if t.starts_with('>') {
            // A quoted reply; also drop the `On ..., X wrote:` line introducing it.
            let last = out[last_line_start..].trim_end();
            if last.starts_with("On ") && last.ends_with("wrote:") {
                out.truncate(last_line_start);
            }
            prev_blank = false;
            continue;
        }
        if is_slash_command(t) || is_link_definition(t) {
            continue;
        }
        if is_rule(t) {
            out.push('\n');
            prev_blank = true;
            continue;
        }
        prev_blank = false;
        last_line_start = out.len();
        if let Some(rest) = heading(t) {
            out.push('\n');
            inline(rest, out);
            out.push_str("\n\n");
            in_list = false;
            continue;
        }
        if let Some(rest) = list_item(t) {
            in_list = true;
            out.push_str("- ");
            inline(rest, out);
            out.push('\n');
            continue;
        }
        if indent == 0 {
            in_list = false;
        }
        if t.starts_with('|') {
            if t.bytes()
                .all(|b| matches!(b, b'|' | b':' | b'-' | b' ' | b'\t'))
            {
                continue;
            }
            let cells = t.replace('|', " ");
            inline(&cells, out);
            out.push('\n');
            continue;
        }
        inline(t, out);
        out.push('\n');
    }
}

fn push_code(code: CodeMode, out: &mut String) {
    if code == CodeMode::Placeholder {
        out.push(CODE);
        out.push('\n');
    }
}

/// Leading indentation in columns (a tab counts 4) and the rest of the line.
fn indentation(line: &str) -> (usize, &str) {
    let mut cols = 0;
    for (i, b) in line.bytes().enumerate() {
        match b {
            b' ' => cols += 1,
            b'\t' => cols += 4,
            _ => return (cols, line[i..].trim_end()),
        }
    }
    (cols, "")
}

fn fence_open(t: &str) -> Option<(u8, usize)> {
    let ch = *t.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = t.bytes().take_while(|&b| b == ch).count();
    if len < 3 || (ch == b'`' && t[len..].contains('`')) {
        return None;
    }
    Some((ch, len))
}

fn is_rule(t: &str) -> bool {
    let mut chars = t.bytes().filter(|b| *b != b' ');
    let Some(first) = chars.next() else {
        return false;
    };
    matches!(first, b'-' | b'*' | b'_' | b'=')
        && t.bytes().filter(|b| *b != b' ').count() >= 3
        && chars.all(|b| b == first)
}

fn heading(t: &str) -> Option<&str> {
    let hashes = t.bytes().take_while(|&b| b == b'#').count();
    if (1..=6).contains(&hashes) && t[hashes..].starts_with([' ', '\t']) {
        Some(t[hashes..].trim().trim_end_matches('#').trim_end())
    } else {
        None
    }
}

/// The content of a list item line (`-`, `*`, `+`, `1.`, `1)`; task boxes removed), if it is one.
pub(crate) fn list_item(t: &str) -> Option<&str> {
    let rest = strip_list_marker(t)?.trim_start();
    for box_ in ["[ ] ", "[x] ", "[X] "] {
        if let Some(r) = rest.strip_prefix(box_) {
            return Some(r);
        }
    }
    Some(rest)
}

/// A line that is only a bot command such as `/lgtm`, `/retest` or `/assign @someone`.
fn is_slash_command(t: &str) -> bool {
    let Some(rest) = t.strip_prefix('/') else {
        return false;
    };
    let word_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        .count();
    word_len > 0
        && rest.as_bytes()[0].is_ascii_lowercase()
        && (word_len == rest.len() || rest.as_bytes()[word_len] == b' ')
}

/// `[label]: http://...` reference definitions.
fn is_link_definition(t: &str) -> bool {
    t.starts_with('[') && t.find("]:").is_some_and(|i| !t[..i].contains(']'))
}

/// Replace multi-line HTML constructs first: comments vanish, `<pre>` becomes a code block,
/// `<blockquote>` and `<details>`'s `<summary>` markers vanish.
fn html_spans(text: &str, code: CodeMode) -> std::borrow::Cow<'_, str> {
    if !text.contains('<') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = memchr::memchr(b'<', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("<!--") {
            rest = match tail.find("-->") {
                Some(j) => &tail[j + 3..],
                None => "",
            };
            continue;
        }
        let lower_prefix: String = tail
            .chars()
            .take(12)
            .collect::<String>()
            .to_ascii_lowercase();
        if lower_prefix.starts_with("<pre") && tag_name_ends(&lower_prefix, 4) {
            rest = after_close(tail, "</pre>");
            push_code_paragraph(code, &mut out);
            continue;
        }
        if lower_prefix.starts_with("<blockquote") && tag_name_ends(&lower_prefix, 11) {
            rest = after_close(tail, "</blockquote>");
            out.push_str("\n\n");
            continue;
        }
        out.push('<');
        rest = &tail[1..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

fn tag_name_ends(lower: &str, at: usize) -> bool {
    matches!(
        lower.as_bytes().get(at),
        Some(b'>' | b' ' | b'\t' | b'\n' | b'/') | None
    )
}

/// The text after the first case-insensitive `close` in `s`, or `""` when there is none.
fn after_close<'a>(s: &'a str, close: &str) -> &'a str {
    match find_ci(s, close) {
        Some(j) => &s[j + close.len()..],
        None => "",
    }
}

/// How far inline constructs (code spans, links) may reach, so odd input stays linear.
const SCAN_LIMIT: usize = 4096;

/// The largest char boundary of `s` at or below `i`.
pub(crate) fn floor_boundary(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    let mut i = i;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Inline Markdown: code spans keep their text, images vanish, links keep their text, autolinks
/// keep the address (the URL rule replaces it), HTML tags vanish, `**`/`__`/`~~` vanish, escapes
/// and entities are resolved.
pub(crate) fn inline(s: &str, out: &mut String) {
    let b = s.as_bytes();
    let mut i = 0;
    let mut plain_start = 0;
    macro_rules! flush {
        () => {
            push_decoded(&s[plain_start..i], out)
        };
    }
    while i < b.len() {
        match b[i] {
            b'`' => {
                let run = b[i..].iter().take_while(|&&c| c == b'`').count();
                let ticks = &s[i..i + run];
                let window = &s[i + run..floor_boundary(s, i + run + SCAN_LIMIT)];
                if let Some(j) = window.find(ticks) {
                    flush!();
                    out.push_str(s[i + run..i + run + j].trim());
                    i += run + j + run;
                    plain_start = i;
                } else {
                    i += run;
                }
            }
            b'!' if b.get(i + 1) == Some(&b'[') => {
                if let Some((_, end)) = link_at(s, i + 1) {
                    flush!();
                    i = end;
                    plain_start = i;
                } else {
                    i += 1;
                }
            }
            b'[' => {
                if let Some((text, end)) = link_at(s, i) {
                    flush!();
                    inline(text, out);
                    i = end;
                    plain_start = i;
                } else {
                    i += 1;
                }
            }
            b'<' => {
                if let Some(end) = html::tag_end(s, i) {
                    flush!();
                    let inner = &s[i + 1..end - 1];
                    if inner.contains("://") && !inner.contains(' ') {
                        out.push_str(inner);
                    } else if inner.eq_ignore_ascii_case("br") || inner.eq_ignore_ascii_case("br/")
                    {
                        out.push(' ');
                    }
                    i = end;
                    plain_start = i;
                } else {
                    i += 1;
                }
            }
            b'*' | b'_' | b'~' if b.get(i + 1) == Some(&b[i]) => {
                flush!();
                let run = b[i..].iter().take_while(|&&c| c == b[i]).count();
                i += run;
                plain_start = i;
            }
            b'\\' if b.get(i + 1).is_some_and(u8::is_ascii_punctuation) => {
                flush!();
                out.push(b[i + 1] as char);
                i += 2;
                plain_start = i;
            }
            _ => i += 1,
        }
    }
    flush!();
}

/// A Markdown link `[text](target)` or `[text][ref]` starting at `i`: its text and end.
fn link_at(s: &str, i: usize) -> Option<(&str, usize)> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut j = i;
    let close = loop {
        if j - i > SCAN_LIMIT {
            return None;
        }
        match b.get(j)? {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    break j;
                }
            }
            b'\\' => j += 1,
            _ => {}
        }
        j += 1;
    };
    let text = &s[i + 1..close];
    match b.get(close + 1) {
        Some(b'(') => {
            let mut depth = 0usize;
            let mut k = close + 1;
            loop {
                if k - close > SCAN_LIMIT {
                    return None;
                }
                match b.get(k)? {
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some((text, k + 1));
                        }
                    }
                    b'\n' => return None,
                    _ => {}
                }
                k += 1;
            }
        }
        Some(b'[') => {
            let window = &s[close + 1..floor_boundary(s, close + 1 + SCAN_LIMIT)];
            let end = window.find(']')? + close + 2;
            Some((text, end))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::clean::{CleanParams, Cleaner, Markup};

    fn paras(s: &str) -> Vec<String> {
        Cleaner::default()
            .paragraphs(s, Markup::Markdown)
            .paragraphs
    }

    #[test]
    fn keeps_link_text_and_drops_targets_and_images() {
        assert_eq!(
            paras("See [the docs](https://a.b/c) and ![shot](x.png) **now**"),
            vec!["See the docs and now"]
        );
    }

    #[test]
    fn fenced_and_indented_code_become_placeholders() {
        let s = "Config:\n```yaml\nkey: value\n```\nthen\n\n    indented code\n\nEnd of story.";
        assert_eq!(
            paras(s),
            vec!["Config: [CODE] then [CODE]", "End of story."]
        );
    }

    #[test]
    fn drops_quotes_with_their_intro_and_html_comments() {
        let s = "<!-- template: describe the bug -->\nOn Mon, Bob wrote:\n> old text\n\nMy answer.";
        assert_eq!(paras(s), vec!["My answer."]);
    }

    #[test]
    fn keeps_list_items_together() {
        let s = "Steps:\n\n1. open the port\n2. send `GET /admin`\n\n- [x] third\n\nDone now.";
        assert_eq!(
            paras(s),
            vec![
                "Steps:",
                "- open the port\n- send GET /admin\n- third",
                "Done now."
            ]
        );
    }

    #[test]
    fn drops_slash_commands_headings_markers_and_tables() {
        let s = "/lgtm\n/assign @x\n## Security impact\nAn attacker can read `/etc/passwd`.\n\n| a | b |\n|---|---|\n| cell one | cell two |";
        assert_eq!(
            paras(s),
            vec![
                "Security impact",
                "An attacker can read /etc/passwd.",
                "a b cell one cell two"
            ]
        );
    }

    #[test]
    fn pre_and_blockquote_html_blocks() {
        let s =
            "Look:\n<pre>\nsecret\n</pre>\n<blockquote>quoted\ntext</blockquote>\nafter &amp; done";
        assert_eq!(paras(s), vec!["Look: [CODE]", "after & done"]);
    }

    #[test]
    fn unterminated_fence_swallows_rest() {
        let c = CleanParams::default().build().unwrap();
        let out = c.paragraphs("Text\n```\nnever closed\nmore", Markup::Markdown);
        assert_eq!(out.paragraphs, vec!["Text [CODE]"]);
    }
}
