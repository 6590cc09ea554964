//! The record: one unit of text (a paragraph, comment or thread) with its provenance.

use serde::{Deserialize, Serialize};

/// Whether a record is a security discussion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Label {
    /// A paragraph carrying a design decision, challenge or solution about security.
    Security,
    /// Anything else.
    NonSecurity,
}

impl Label {
    /// Parse the spellings accepted in data files: `1`/`0`, `true`/`false`,
    /// `security`/`non-security` (also `non_security`, `nonsecurity`, `yes`/`no`, `pos`/`neg`),
    /// case-insensitive, surrounding white space ignored. Returns `None` for anything else.
    pub fn parse(value: &str) -> Option<Label> {
        let v = value.trim();
        let lower = v.to_ascii_lowercase();
        match lower.as_str() {
            "1" | "1.0" | "true" | "security" | "sec" | "yes" | "pos" | "positive" => {
                Some(Label::Security)
            }
            "0" | "0.0" | "false" | "non-security" | "non_security" | "nonsecurity"
            | "non security" | "no" | "neg" | "negative" => Some(Label::NonSecurity),
            _ => None,
        }
    }

    /// `true` for [`Label::Security`].
    pub fn is_security(self) -> bool {
        self == Label::Security
    }

    /// The canonical spelling: `security` or `non-security`.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Security => "security",
            Label::NonSecurity => "non-security",
        }
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One unit of text with its provenance, as read from a record file or produced by an export parser.
///
/// Only `id` and `text` matter to every command; the rest is carried through when known.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Stable, traceable identifier, for example `github:matomo-org/matomo#19802/comment/123/p2`.
    pub id: String,
    /// System and project the text came from, for example `github/matomo-org/matomo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What the unit is: `issue`, `comment`, `review_comment`, `question`, `answer`,
    /// `post_comment`, `jira_issue`, `jira_comment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The thread (issue, ticket or question id); group-aware cross-validation keys on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Author login or display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Creation time as given by the source (usually RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Link back to the source, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The text; `None` when the input had no text for this record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The label, when the input carried one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_label_spelling() {
        for s in ["1", "true", "TRUE", " security ", "Security"] {
            assert_eq!(Label::parse(s), Some(Label::Security), "{s}");
        }
        for s in ["0", "false", "non-security", "NON_SECURITY", "nonsecurity"] {
            assert_eq!(Label::parse(s), Some(Label::NonSecurity), "{s}");
        }
        for s in ["", "2", "maybe", "-1"] {
            assert_eq!(Label::parse(s), None, "{s}");
        }
    }
}
