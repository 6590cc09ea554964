//! The export formats `ingest` reads: one module per format (GitHub, Jira REST, Jira XML and
//! CSV, Atlassian document format, Stack Exchange dumps and Data Explorer CSV, generic mapped
//! fields), [`detect`] to tell them apart, and [`ExportFormat`] to name them.

pub(crate) mod adf;
pub(crate) mod detect;
pub(crate) mod generic;
pub(crate) mod github;
pub(crate) mod jira;
pub(crate) mod jira_csv;
pub(crate) mod jira_xml;
pub(crate) mod sede;
pub(crate) mod stackexchange;

use std::fmt;
use std::str::FromStr;

/// An export format. Detected from the content; `--format` overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// GitHub REST issue lists (pull requests included), issue comments, pull-request review
    /// comments, and GH Archive / Events API events; JSON arrays or JSON lines.
    GitHub,
    /// Jira REST search results (v2 wiki strings or v3 Atlassian Document Format), a bare array
    /// of issues, or comments grouped by issue key (`{"KEY-1": [comments]}`).
    JiraJson,
    /// Jira's XML/RSS export (`<rss><channel><item>`).
    JiraXml,
    /// Jira's CSV export (repeated `Comment` and `Labels` columns).
    JiraCsv,
    /// Stack Exchange data dump XML: `Posts.xml` and `Comments.xml` (`PostHistory.xml`, `Tags.xml`
    /// and other tables are read and yield nothing).
    StackExchange,
    /// Stack Exchange Data Explorer CSV exports (posts or comments).
    Sede,
    /// Any CSV (with a header) or JSON lines / JSON array, with columns mapped by [`crate::FieldMap`].
    Generic,
}

impl ExportFormat {
    /// Every format, in `--format` order.
    pub const ALL: [ExportFormat; 7] = [
        ExportFormat::GitHub,
        ExportFormat::JiraJson,
        ExportFormat::JiraXml,
        ExportFormat::JiraCsv,
        ExportFormat::StackExchange,
        ExportFormat::Sede,
        ExportFormat::Generic,
    ];

    /// The `--format` name: `github`, `jira-json`, `jira-xml`, `jira-csv`, `stackexchange`,
    /// `sede`, `generic`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::GitHub => "github",
            ExportFormat::JiraJson => "jira-json",
            ExportFormat::JiraXml => "jira-xml",
            ExportFormat::JiraCsv => "jira-csv",
            ExportFormat::StackExchange => "stackexchange",
            ExportFormat::Sede => "sede",
            ExportFormat::Generic => "generic",
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let names: Vec<_> = ExportFormat::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown format `{s}`; expected one of: {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in ExportFormat::ALL {
            assert_eq!(f.as_str().parse::<ExportFormat>().unwrap(), f);
        }
        assert!("xml"
            .parse::<ExportFormat>()
            .unwrap_err()
            .contains("jira-xml"));
    }
}
