//! Detecting the export format from the first bytes of an input.

use crate::formats::ExportFormat;
use crate::parse::json_split::SplitMode;

/// What the first bytes say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Detected {
    /// The format, or `None` when the content matches nothing.
    pub format: Option<ExportFormat>,
    /// The broad family: `JSON`, `XML`, `CSV` or `empty input`, for messages.
    pub family: &'static str,
    /// How to split JSON.
    pub split: SplitMode,
    /// This input holds replies whose threads come from other inputs (comments files): read it
    /// after the others.
    pub replies_only: bool,
    /// A Stack Exchange `Comments.xml`.
    pub se_comments: bool,
}

/// Detect the format of an input from its first bytes (BOM already removed).
pub(crate) fn detect(head: &[u8]) -> Detected {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start();
    let mut d = Detected {
        format: None,
        family: "CSV",
        split: SplitMode::Elements,
        replies_only: false,
        se_comments: false,
    };
    if t.is_empty() {
        d.family = "empty input";
        return d;
    }
    if t.starts_with('<') {
        d.family = "XML";
        match xml_root(t).as_deref() {
            Some("rss") => d.format = Some(ExportFormat::JiraXml),
            Some("posts" | "posthistory" | "tags" | "users" | "badges" | "votes" | "postlinks") => {
                d.format = Some(ExportFormat::StackExchange)
            }
            Some("comments") => {
                d.format = Some(ExportFormat::StackExchange);
                d.replies_only = true;
                d.se_comments = true;
            }
            _ => {}
        }
        return d;
    }
    if t.starts_with('{') || t.starts_with('[') {
        d.family = "JSON";
        let compact: String = t
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(4096)
            .collect();
        if t.starts_with('{') && (is_jira_wrapper(&compact) || first_key_is_jira_key(&compact)) {
            d.split = SplitMode::Members;
            d.format = Some(ExportFormat::JiraJson);
            if first_key_is_jira_key(&compact) {
                d.replies_only = true;
            }
            return d;
        }
        if t.contains("\"fields\"") && t.contains("\"key\"") && t.contains("\"self\"") {
            d.format = Some(ExportFormat::JiraJson);
        } else if t.contains("\"payload\"") && t.contains("\"actor\"") {
            d.format = Some(ExportFormat::GitHub);
        } else if t.contains("\"html_url\"")
            && (t.contains("\"issue_url\"")
                || t.contains("\"pull_request_url\"")
                || t.contains("\"number\""))
        {
            d.format = Some(ExportFormat::GitHub);
            let issue_url = t
                .find("\"issue_url\"")
                .or_else(|| t.find("\"pull_request_url\""));
            let title = t.find("\"title\"");
            d.replies_only = match (issue_url, title) {
                (Some(c), Some(ti)) => c < ti,
                (Some(_), None) => true,
                _ => false,
            };
        } else {
            d.format = Some(ExportFormat::Generic);
        }
        return d;
    }
    let header = t.lines().next().unwrap_or("");
    let cols: Vec<String> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_string())
        .collect();
    let has = |name: &str| cols.iter().any(|c| c == name);
    if has("Issue key") && has("Summary") {
        d.format = Some(ExportFormat::JiraCsv);
    } else if has("PostTypeId") || has("CommentId") || (has("Body") && has("Tags") && has("Title"))
    {
        d.format = Some(ExportFormat::Sede);
        d.replies_only = has("CommentId");
    } else {
        d.format = Some(ExportFormat::Generic);
    }
    d
}

/// The lower-cased name of the first element, skipping declarations, comments and doctypes.
fn xml_root(t: &str) -> Option<String> {
    let mut rest = t;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>")? + 2..];
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->")? + 3..];
        } else if let Some(r) = rest.strip_prefix("<!") {
            rest = &r[r.find('>')? + 1..];
        } else if let Some(r) = rest.strip_prefix('<') {
            let name: String = r
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
                .collect();
            return Some(name.to_ascii_lowercase());
        } else {
            return None;
        }
    }
}

/// `{"expand":..., "issues": [` and friends: a Jira search result.
fn is_jira_wrapper(compact: &str) -> bool {
    const KEYS: [&str; 6] = [
        "\"expand\":",
        "\"startAt\":",
        "\"maxResults\":",
        "\"total\":",
        "\"issues\":",
        "\"names\":",
    ];
    KEYS.iter().any(|k| compact.starts_with(&format!("{{{k}")))
}

/// `{"HHH-123": [` : comments grouped by issue key.
fn first_key_is_jira_key(compact: &str) -> bool {
    let Some(rest) = compact.strip_prefix("{\"") else {
        return false;
    };
    let Some(end) = rest.find('"') else {
        return false;
    };
    is_jira_key(&rest[..end]) && rest[end + 1..].starts_with(":[")
}

/// `PROJ-123`: upper-case letters, digits or `_`, a dash, digits.
pub(crate) fn is_jira_key(s: &str) -> bool {
    let Some((proj, num)) = s.rsplit_once('-') else {
        return false;
    };
    !proj.is_empty()
        && proj.as_bytes()[0].is_ascii_uppercase()
        && proj
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !num.is_empty()
        && num.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> Option<ExportFormat> {
        detect(s.as_bytes()).format
    }

    #[test]
    fn detects_each_format() {
        assert_eq!(
            fmt("<?xml version=\"1.0\"?>\n<posts>\n<row/>"),
            Some(ExportFormat::StackExchange)
        );
        assert!(detect(b"<comments><row/>").se_comments);
        assert_eq!(
            fmt("<!-- RSS generated by JIRA -->\n<rss version=\"0.92\">"),
            Some(ExportFormat::JiraXml)
        );
        assert_eq!(
            fmt("{\"expand\":\"schema\",\"issues\":[]}"),
            Some(ExportFormat::JiraJson)
        );
        assert_eq!(detect(b"{\n \"HHH-1\": [ ]}").split, SplitMode::Members);
        assert_eq!(
            fmt("[{\"self\":\"x\",\"key\":\"A-1\",\"fields\":{}}]"),
            Some(ExportFormat::JiraJson)
        );
        assert_eq!(
            fmt("{\"id\":\"1\",\"type\":\"IssuesEvent\",\"actor\":{},\"payload\":{}}"),
            Some(ExportFormat::GitHub)
        );
        let comments = detect(b"[{\"url\":\"u\",\"html_url\":\"h\",\"issue_url\":\"i\",\"id\":1}]");
        assert_eq!(comments.format, Some(ExportFormat::GitHub));
        assert!(comments.replies_only);
        assert!(
            !detect(b"[{\"url\":\"u\",\"html_url\":\"h\",\"number\":1,\"title\":\"t\"}]")
                .replies_only
        );
        assert_eq!(
            fmt("Summary,Issue key,Issue id\n"),
            Some(ExportFormat::JiraCsv)
        );
        assert_eq!(
            fmt("\"Id\",\"PostTypeId\",\"Body\"\n"),
            Some(ExportFormat::Sede)
        );
        assert_eq!(fmt("id,text,label\n"), Some(ExportFormat::Generic));
        assert_eq!(
            fmt("[{\"issue_number\": 1, \"comment_body\": \"x\"}]"),
            Some(ExportFormat::Generic)
        );
        assert_eq!(fmt("<html>"), None);
        assert_eq!(detect(b"  ").family, "empty input");
    }

    #[test]
    fn jira_keys() {
        assert!(is_jira_key("KAFKA-19818"));
        assert!(is_jira_key("HHH-1"));
        assert!(!is_jira_key("kafka-1"));
        assert!(!is_jira_key("A-"));
    }
}
