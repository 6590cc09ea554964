//! What every export parser produces: one post (issue, comment, question, ...) before cleaning.

use crate::clean::Markup;
use crate::record::Label;

/// The kind of a post; its name is the record's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A GitHub issue or pull request (title and body).
    Issue,
    /// A GitHub issue or pull-request conversation comment.
    Comment,
    /// A GitHub pull-request review comment (on a diff line).
    ReviewComment,
    /// A Stack Exchange question.
    Question,
    /// A Stack Exchange answer.
    Answer,
    /// A comment on a Stack Exchange question or answer.
    PostComment,
    /// A Jira issue (summary and description).
    JiraIssue,
    /// A Jira comment.
    JiraComment,
    /// A row of a generic CSV/JSONL file.
    Generic,
}

impl Kind {
    /// The record `kind`: `issue`, `comment`, `review_comment`, `question`, `answer`,
    /// `post_comment`, `jira_issue`, `jira_comment` or `record`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Issue => "issue",
            Kind::Comment => "comment",
            Kind::ReviewComment => "review_comment",
            Kind::Question => "question",
            Kind::Answer => "answer",
            Kind::PostComment => "post_comment",
            Kind::JiraIssue => "jira_issue",
            Kind::JiraComment => "jira_comment",
            Kind::Generic => "record",
        }
    }

    /// `true` for the post that opens a thread (issue, question, Jira issue).
    pub fn starts_thread(self) -> bool {
        matches!(self, Kind::Issue | Kind::Question | Kind::JiraIssue)
    }
}

/// One post as read from an export, before cleaning.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Post {
    /// Stable id of the post, for example `github:o/r#12/comment/345`.
    pub id: String,
    /// System and project, for example `github/o/r`.
    pub source: String,
    pub kind: Kind,
    /// The thread id, for example `github:o/r#12`.
    pub group: String,
    pub author: Option<String>,
    /// The source itself says the author is a bot (GitHub `user.type == "Bot"`).
    pub author_is_bot: bool,
    pub created_at: Option<String>,
    pub url: Option<String>,
    /// Issue or question title (plain text), cleaned as the first paragraph.
    pub title: Option<String>,
    pub body: String,
    pub markup: Markup,
    /// The post's own tags or labels, when the source carries them.
    pub tags: Option<Vec<String>>,
    /// The thread's tags, when the source gives them with a reply (GH Archive, Jira).
    pub thread_tags: Option<Vec<String>>,
    /// A label given directly by the input (generic files).
    pub label: Option<Label>,
}

impl Post {
    /// A post with the given identity and body; everything else empty.
    pub(crate) fn new(
        id: String,
        source: String,
        kind: Kind,
        group: String,
        body: String,
        markup: Markup,
    ) -> Post {
        Post {
            id,
            source,
            kind,
            group,
            author: None,
            author_is_bot: false,
            created_at: None,
            url: None,
            title: None,
            body,
            markup,
            tags: None,
            thread_tags: None,
            label: None,
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;

    /// Parse a record kind name (see [`Kind::as_str`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const ALL: [Kind; 9] = [
            Kind::Issue,
            Kind::Comment,
            Kind::ReviewComment,
            Kind::Question,
            Kind::Answer,
            Kind::PostComment,
            Kind::JiraIssue,
            Kind::JiraComment,
            Kind::Generic,
        ];
        ALL.into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                let names: Vec<_> = ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown kind `{s}`; expected one of: {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in [
            "issue",
            "comment",
            "review_comment",
            "question",
            "answer",
            "post_comment",
            "jira_issue",
            "jira_comment",
            "record",
        ] {
            assert_eq!(k.parse::<Kind>().unwrap().as_str(), k);
        }
        assert!("thread".parse::<Kind>().is_err());
    }
}
