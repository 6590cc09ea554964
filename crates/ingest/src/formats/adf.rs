//! Atlassian Document Format (Jira Cloud REST v3 bodies) to Markdown, which is then cleaned as
//! Markdown.
//!
//! Paragraphs and headings become blocks, `codeBlock` a fenced block, `blockquote` a `>` quote,
//! list items `- ` lines, table rows `|` lines, `hardBreak` a line break; text keeps its link
//! (`[text](href)`) and code marks; `inlineCard` and `blockCard` become their URL, `mention` and
//! `emoji` their text; media vanish.

use serde_json::Value;

/// Render an ADF document (or any ADF node) as Markdown.
pub(crate) fn to_markdown(doc: &Value) -> String {
    let mut out = String::new();
    block(doc, &mut out, "");
    out
}

fn children(node: &Value) -> &[Value] {
    node.get("content")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn block(node: &Value, out: &mut String, prefix: &str) {
    let kind = node.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "paragraph" | "heading" => {
            out.push_str(prefix);
            if kind == "heading" {
                out.push_str("## ");
            }
            let mut line = String::new();
            for c in children(node) {
                inline(c, &mut line);
            }
            out.push_str(&line.replace('\n', &format!("\n{prefix}")));
            out.push_str("\n\n");
        }
        "codeBlock" => {
            out.push_str("```\n");
            for c in children(node) {
                if let Some(t) = c.get("text").and_then(Value::as_str) {
                    out.push_str(t);
                }
            }
            out.push_str("\n```\n\n");
        }
        "blockquote" => {
            for c in children(node) {
                block(c, out, "> ");
            }
        }
        "bulletList" | "orderedList" => {
            for item in children(node) {
                let mut inner = String::new();
                for c in children(item) {
                    block(c, &mut inner, "");
                }
                for (i, l) in inner.lines().filter(|l| !l.trim().is_empty()).enumerate() {
                    out.push_str(prefix);
                    out.push_str(if i == 0 { "- " } else { "  " });
                    out.push_str(l.trim_start_matches("- "));
                    out.push('\n');
                }
            }
            out.push('\n');
        }
        "table" => {
            for row in children(node) {
                out.push('|');
                for cell in children(row) {
                    let mut inner = String::new();
                    for c in children(cell) {
                        block(c, &mut inner, "");
                    }
                    out.push(' ');
                    out.push_str(&inner.split_whitespace().collect::<Vec<_>>().join(" "));
                    out.push_str(" |");
                }
                out.push('\n');
            }
            out.push('\n');
        }
        "rule" => out.push_str("\n---\n\n"),
        "mediaSingle" | "mediaGroup" | "media" => {}
        "blockCard" | "embedCard" => {
            if let Some(url) = node.pointer("/attrs/url").and_then(Value::as_str) {
                out.push_str(url);
                out.push_str("\n\n");
            }
        }
        "text" | "mention" | "emoji" | "inlineCard" | "hardBreak" | "date" | "status" => {
            let mut line = String::new();
            inline(node, &mut line);
            out.push_str(&line);
            out.push_str("\n\n");
        }
        // doc, panel, expand, nestedExpand, layoutSection, layoutColumn, and unknown containers.
        _ => {
            for c in children(node) {
                block(c, out, prefix);
            }
        }
    }
}

fn inline(node: &Value, out: &mut String) {
    let kind = node.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "text" => {
            let text = node.get("text").and_then(Value::as_str).unwrap_or("");
            let marks = node.get("marks").and_then(Value::as_array);
            let href = marks.and_then(|ms| {
                ms.iter()
                    .find(|m| m.get("type").and_then(Value::as_str) == Some("link"))
                    .and_then(|m| m.pointer("/attrs/href").and_then(Value::as_str))
            });
            let code = marks.is_some_and(|ms| {
                ms.iter()
                    .any(|m| m.get("type").and_then(Value::as_str) == Some("code"))
            });
            match (href, code) {
                (Some(h), _) if h != text => {
                    out.push('[');
                    out.push_str(text);
                    out.push_str("](");
                    out.push_str(h);
                    out.push(')');
                }
                (_, true) => {
                    out.push('`');
                    out.push_str(text);
                    out.push('`');
                }
                _ => out.push_str(text),
            }
        }
        "hardBreak" => out.push('\n'),
        "mention" | "emoji" | "status" => {
            let t = node
                .pointer("/attrs/text")
                .or_else(|| node.pointer("/attrs/shortName"))
                .and_then(Value::as_str)
                .unwrap_or("");
            out.push_str(t);
        }
        "inlineCard" => {
            if let Some(url) = node.pointer("/attrs/url").and_then(Value::as_str) {
                out.push_str(url);
            }
        }
        "date" => {
            if let Some(ts) = node.pointer("/attrs/timestamp").and_then(Value::as_str) {
                out.push_str(ts);
            }
        }
        _ => {
            for c in children(node) {
                inline(c, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clean::{Cleaner, Markup};

    #[test]
    fn renders_blocks_and_marks() {
        let doc: Value = serde_json::from_str(
            r#"{"type":"doc","version":1,"content":[
              {"type":"paragraph","content":[{"type":"text","text":"Session ids are "},
                 {"type":"text","text":"predictable","marks":[{"type":"strong"}]},
                 {"type":"text","text":", see "},
                 {"type":"text","text":"the report","marks":[{"type":"link","attrs":{"href":"https://x.y/r"}}]},
                 {"type":"text","text":" by "},{"type":"mention","attrs":{"id":"1","text":"@Ann"}}]},
              {"type":"codeBlock","attrs":{"language":"java"},"content":[{"type":"text","text":"new Random()"}]},
              {"type":"blockquote","content":[{"type":"paragraph","content":[{"type":"text","text":"old words"}]}]},
              {"type":"bulletList","content":[
                 {"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"use SecureRandom"}]}]},
                 {"type":"listItem","content":[{"type":"paragraph","content":[{"type":"inlineCard","attrs":{"url":"https://x.y/z"}}]}]}]}
            ]}"#,
        )
        .unwrap();
        let md = to_markdown(&doc);
        let paras = Cleaner::default()
            .paragraphs(&md, Markup::Markdown)
            .paragraphs;
        assert_eq!(
            paras,
            vec![
                "Session ids are predictable, see the report by @Ann [CODE]",
                "- use SecureRandom\n- [URL]"
            ]
        );
    }
}
