//! Paragraph splitting of cleaned (neutral) text.
//!
//! Neutral text is what the cleaners produce: lines, blank lines between blocks, list items, and
//! private-use sentinels for code blocks and URLs. The rules:
//! - a blank line (only white space) ends a paragraph;
//! - a line starting with `- `, `* `, `+ `, `• ` or `1. `/`1) ` is a list item; its marker becomes
//!   `- ` and it stays on its own line; a plain line after an item continues that item;
//! - consecutive plain lines join with one space; runs of white space collapse to one space;
//! - a paragraph that ends with a list item and the next one that starts with an item are one
//!   list (loose lists stay together);
//! - a paragraph holding only code placeholders joins the paragraph before it (or the next one,
//!   when it comes first);
//! - a paragraph without a letter outside placeholders is dropped and counted.
//!
//! Segmenting is idempotent: re-segmenting the paragraphs joined by blank lines gives them back.

use crate::clean::{CODE, URL};

/// Paragraphs cut from one text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segmented {
    /// The paragraphs, in order; list items are separated by `\n`, everything else by spaces.
    pub paragraphs: Vec<String>,
    /// Paragraphs dropped because no prose (no letter) was left in them.
    pub dropped_no_prose: usize,
}

/// Split already-clean text into paragraphs with the rules of this module.
///
/// ```
/// let s = secdisc_ingest::segment("First  line\nsame paragraph.\n\n- a\n\n- b\n\n1234");
/// assert_eq!(s.paragraphs, vec!["First line same paragraph.", "- a\n- b"]);
/// assert_eq!(s.dropped_no_prose, 1);
/// ```
pub fn segment(text: &str) -> Segmented {
    segment_neutral(text, "[CODE]", "[URL]")
}

enum Line {
    Text(String),
    Item(String),
}

impl Line {
    fn content_mut(&mut self) -> &mut String {
        match self {
            Line::Text(s) | Line::Item(s) => s,
        }
    }
}

/// Segment neutral text, rendering sentinels as the given tokens.
pub(crate) fn segment_neutral(text: &str, code_token: &str, url_token: &str) -> Segmented {
    let mut blocks: Vec<Vec<Line>> = Vec::new();
    let mut current: Vec<Line> = Vec::new();
    for raw in text.split('\n') {
        let t = raw.trim();
        if t.is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
            continue;
        }
        if let Some(item) = item_content(t) {
            let mut s = String::with_capacity(item.len());
            push_collapsed(item, &mut s);
            current.push(Line::Item(s));
        } else {
            match current.last_mut() {
                Some(last) => {
                    let s = last.content_mut();
                    if !s.is_empty() {
                        s.push(' ');
                    }
                    push_collapsed(t, s);
                }
                None => {
                    let mut s = String::with_capacity(t.len());
                    push_collapsed(t, &mut s);
                    current.push(Line::Text(s));
                }
            }
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }

    // Loose lists: merge a block starting with an item into a block ending with one.
    let mut merged: Vec<Vec<Line>> = Vec::with_capacity(blocks.len());
    for block in blocks {
        let starts_item = matches!(block.first(), Some(Line::Item(_)));
        match merged.last_mut() {
            Some(prev) if starts_item && matches!(prev.last(), Some(Line::Item(_))) => {
                prev.extend(block)
            }
            _ => merged.push(block),
        }
    }

    let mut out = Segmented::default();
    let mut kept: Vec<Vec<Line>> = Vec::with_capacity(merged.len());
    let mut pending_code = 0usize;
    for mut block in merged {
        if is_only_code(&block) {
            let n: usize = block
                .iter_mut()
                .map(|l| l.content_mut().matches(CODE).count())
                .sum();
            match kept.last_mut().and_then(|b| b.last_mut()) {
                Some(last) => {
                    let s = last.content_mut();
                    for _ in 0..n {
                        s.push(' ');
                        s.push(CODE);
                    }
                }
                None => pending_code += n,
            }
            continue;
        }
        if !has_prose(&block) {
            out.dropped_no_prose += 1;
            continue;
        }
        if pending_code > 0 {
            if let Some(first) = block.first_mut() {
                let s = first.content_mut();
                let mut prefixed = String::with_capacity(s.len() + 4 * pending_code);
                for _ in 0..pending_code {
                    prefixed.push(CODE);
                    prefixed.push(' ');
                }
                prefixed.push_str(s);
                *s = prefixed;
            }
            pending_code = 0;
        }
        kept.push(block);
    }
    if pending_code > 0 {
        out.dropped_no_prose += 1;
    }
    out.paragraphs = kept
        .into_iter()
        .map(|block| render(block, code_token, url_token))
        .collect();
    out
}

fn render(block: Vec<Line>, code_token: &str, url_token: &str) -> String {
    let mut s = String::new();
    for (i, line) in block.into_iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        let (prefix, content) = match line {
            Line::Text(c) => ("", c),
            Line::Item(c) => ("- ", c),
        };
        s.push_str(prefix);
        if content.contains([CODE, URL]) {
            for ch in content.chars() {
                match ch {
                    CODE => s.push_str(code_token),
                    URL => s.push_str(url_token),
                    c => s.push(c),
                }
            }
        } else {
            s.push_str(&content);
        }
    }
    s
}

fn is_only_code(block: &[Line]) -> bool {
    let mut any_code = false;
    for line in block {
        let (Line::Text(s) | Line::Item(s)) = line;
        for c in s.chars() {
            if c == CODE {
                any_code = true;
            } else if !c.is_whitespace() {
                return false;
            }
        }
        if matches!(line, Line::Item(_)) {
            return false;
        }
    }
    any_code
}

fn has_prose(block: &[Line]) -> bool {
    block.iter().any(|l| {
        let (Line::Text(s) | Line::Item(s)) = l;
        s.chars()
            .any(|c| c.is_alphabetic() && c != CODE && c != URL)
    })
}

/// The content of a list item line (already trimmed), if it is one.
fn item_content(t: &str) -> Option<&str> {
    let b = t.as_bytes();
    // A bare marker is an empty item, so that a line continuing it renders back as an item.
    if matches!(t, "-" | "*" | "+" | "•") {
        return Some("");
    }
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if (1..=9).contains(&digits) && digits + 1 == b.len() && matches!(b[digits], b'.' | b')') {
        return Some("");
    }
    let rest = strip_list_marker(t).or_else(|| t.strip_prefix("• "))?;
    Some(rest.trim())
}

/// What follows a `- `, `* `, `+ `, `1. ` or `1) ` list marker (one to nine digits) at the start of
/// `t`, or `None` when `t` does not start with one.
pub(crate) fn strip_list_marker(t: &str) -> Option<&str> {
    // Any white space may follow the marker (not only ' '), because `push_collapsed` turns
    // every white space into ' ': otherwise "*\u{2000}x" would become a list item only after
    // a first pass, and segmenting would not be idempotent.
    let after_space = |i: usize| -> Option<&str> {
        let c = t[i..].chars().next().filter(|c| c.is_whitespace())?;
        Some(&t[i + c.len_utf8()..])
    };
    let b = t.as_bytes();
    if matches!(b.first(), Some(b'-' | b'*' | b'+')) {
        return after_space(1);
    }
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if (1..=9).contains(&digits) && matches!(b.get(digits), Some(b'.' | b')')) {
        return after_space(digits + 1);
    }
    None
}

/// Append `t` with every run of white space collapsed to one space.
fn push_collapsed(t: &str, out: &mut String) {
    let mut space = false;
    for c in t.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_markers_accept_any_white_space_so_segmenting_is_idempotent() {
        // Found by the property test `segmenting_is_idempotent` (proptest regression file).
        assert_eq!(strip_list_marker("*\u{2000}x"), Some("x"));
        assert_eq!(strip_list_marker("2.\tx"), Some("x"));
        assert_eq!(strip_list_marker("*x"), None);
        let once = segment("*\u{2000}𐔀").paragraphs;
        assert_eq!(segment(&once.join("\n\n")).paragraphs, once);
    }

    #[test]
    fn splits_on_blank_lines_and_collapses_space() {
        let s = segment("a  b\nc\n \t\nd");
        assert_eq!(s.paragraphs, vec!["a b c", "d"]);
    }

    #[test]
    fn keeps_loose_list_together_and_continues_items() {
        let s = segment("Intro\n* one\ncontinued\n\n2) two\n\nAfter");
        assert_eq!(s.paragraphs, vec!["Intro\n- one continued\n- two", "After"]);
    }

    #[test]
    fn code_only_paragraph_attaches_to_neighbour() {
        let s = segment_neutral("\u{E000}\n\nfirst\n\n\u{E000}\n\nsecond", "[C]", "[U]");
        assert_eq!(s.paragraphs, vec!["[C] first [C]", "second"]);
    }

    #[test]
    fn url_only_and_digit_only_paragraphs_are_dropped() {
        let s = segment_neutral("\u{E001}\n\n42 17\n\nok", "[C]", "[U]");
        assert_eq!(s.paragraphs, vec!["ok"]);
        assert_eq!(s.dropped_no_prose, 2);
    }

    #[test]
    fn lone_code_counts_as_dropped() {
        let s = segment_neutral("\u{E000}", "[C]", "[U]");
        assert!(s.paragraphs.is_empty());
        assert_eq!(s.dropped_no_prose, 1);
    }

    #[test]
    fn is_idempotent_on_examples() {
        for text in ["a\n- b\nc\n\n- d", "x\n\n\u{E000}\n\n1. y", "- \n-\n* *"] {
            let once = segment(text).paragraphs;
            let twice = segment(&once.join("\n\n")).paragraphs;
            assert_eq!(once, twice, "{text:?}");
        }
    }
}
