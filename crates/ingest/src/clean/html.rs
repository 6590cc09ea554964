//! HTML to neutral text.

use super::common::{find_ci, push_code_paragraph, push_decoded};
use super::CodeMode;

/// How far a tag may reach before `<` is taken as plain text.
const TAG_LIMIT: usize = 4096;

/// Clean HTML `text` into neutral lines appended to `out`.
///
/// Block elements end paragraphs, `<li>` starts a `- ` item, `<br>` ends a line, `<pre>` becomes a
/// code block, `<blockquote>`, `<script>`, `<style>` and comments vanish, other tags vanish and
/// keep their text; entities are decoded; line breaks inside text are spaces.
pub(crate) fn clean(text: &str, code: CodeMode, out: &mut String) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let Some(off) = memchr::memchr(b'<', &b[i..]) else {
            push_text(&text[i..], out);
            break;
        };
        let j = i + off;
        push_text(&text[i..j], out);
        let tail = &text[j..];
        if tail.starts_with("<!--") {
            i = match tail.find("-->") {
                Some(k) => j + k + 3,
                None => b.len(),
            };
            continue;
        }
        let Some(end) = tag_end(text, j) else {
            out.push('<');
            i = j + 1;
            continue;
        };
        let closing = b.get(j + 1) == Some(&b'/');
        let name_start = j + 1 + usize::from(closing);
        let name_len = b[name_start..end]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        let name = &text[name_start..name_start + name_len];
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        i = end;
        if !closing && (is("pre") || is("script") || is("style") || is("textarea")) {
            let close = format!("</{}", name.to_ascii_lowercase());
            i = match find_ci(&text[end..], &close) {
                Some(k) => tag_end(text, end + k).unwrap_or(end + k + close.len()),
                None => b.len(),
            };
            if is("pre") {
                push_code_paragraph(code, out);
            }
            continue;
        }
        if !closing && is("blockquote") {
            i = skip_nested(text, end, "blockquote");
            out.push_str("\n\n");
            continue;
        }
        if is("li") {
            out.push_str(if closing { "\n" } else { "\n- " });
        } else if is("br") {
            out.push('\n');
        } else if is("td") || is("th") {
            out.push(' ');
        } else if is_block(name) {
            out.push_str("\n\n");
        }
    }
}

fn is_block(name: &str) -> bool {
    const BLOCKS: [&str; 26] = [
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr", "hr", "section",
        "article", "header", "footer", "dl", "dt", "dd", "details", "summary", "figure", "thead",
        "tbody", "center",
    ];
    BLOCKS.iter().any(|b| name.eq_ignore_ascii_case(b))
}

/// Append a text run: entities decoded, line breaks as spaces.
fn push_text(s: &str, out: &mut String) {
    if memchr::memchr2(b'\n', b'\r', s.as_bytes()).is_none() {
        push_decoded(s, out);
    } else {
        let start = out.len();
        push_decoded(s, out);
        let replaced = out[start..].replace(['\n', '\r'], " ");
        out.truncate(start);
        out.push_str(&replaced);
    }
}

/// End (exclusive) of the tag starting at byte `i` (a `<`), or `None` when `<` starts no tag.
pub(crate) fn tag_end(s: &str, i: usize) -> Option<usize> {
    let b = s.as_bytes();
    let first = *b.get(i + 1)?;
    let ok = first.is_ascii_alphabetic()
        || (first == b'/' && b.get(i + 2).is_some_and(u8::is_ascii_alphabetic))
        || first == b'!';
    if !ok {
        return None;
    }
    let mut quote = 0u8;
    for (k, &c) in b[i + 1..].iter().enumerate().take(TAG_LIMIT) {
        match c {
            b'"' | b'\'' if quote == 0 => quote = c,
            c2 if c2 == quote => quote = 0,
            b'>' if quote == 0 => return Some(i + 1 + k + 1),
            b'<' if quote == 0 => return None,
            _ => {}
        }
    }
    None
}

/// Skip past the `</name>` that closes an element opened just before `from`, counting nesting.
fn skip_nested(s: &str, from: usize, name: &str) -> usize {
    let open = format!("<{name}");
    let close = format!("</{name}");
    let mut depth = 1usize;
    let mut pos = from;
    loop {
        let next_close = match find_ci(&s[pos..], &close) {
            Some(k) => pos + k,
            None => return s.len(),
        };
        match find_ci(&s[pos..next_close], &open) {
            Some(k) => {
                depth += 1;
                pos = pos + k + open.len();
            }
            None => {
                depth -= 1;
                pos = tag_end(s, next_close).unwrap_or(next_close + close.len());
                if depth == 0 {
                    return pos;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::clean::{Cleaner, Markup};

    fn paras(s: &str) -> Vec<String> {
        Cleaner::default().paragraphs(s, Markup::Html).paragraphs
    }

    #[test]
    fn splits_on_blocks_and_keeps_inline_text() {
        let s = "<p>Use <code>bcrypt</code> for <a href=\"https://x.y\">passwords</a>.</p>\n\n<p>Second &amp; last.</p>";
        assert_eq!(
            paras(s),
            vec!["Use bcrypt for passwords.", "Second & last."]
        );
    }

    #[test]
    fn pre_becomes_placeholder_and_blockquote_vanishes() {
        let s = "<p>Error:</p><pre><code>at x(y)\n</code></pre><blockquote><p>a <blockquote>b</blockquote> c</p></blockquote><p>Fix it.</p>";
        assert_eq!(paras(s), vec!["Error: [CODE]", "Fix it."]);
    }

    #[test]
    fn list_items_stay_together() {
        let s =
            "<p>Options:</p><ul><li>TLS everywhere</li><li>mTLS <ul><li>inner</li></ul></li></ul>";
        assert_eq!(
            paras(s),
            vec!["Options:", "- TLS everywhere\n- mTLS\n- inner"]
        );
    }

    #[test]
    fn stray_angle_brackets_are_text() {
        assert_eq!(
            paras("<p>if a < b and b > c</p>"),
            vec!["if a < b and b > c"]
        );
    }
}
