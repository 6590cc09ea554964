//! What the labeller consumes: one item per input record, readable or not.

/// One input record, as the labeller sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum InputItem {
    /// A record that was read: its id and its text (`None` when missing or empty), prepared by
    /// the labeller as the model says (`secdisc_model::ModelBundle::text_prep`).
    Record {
        /// The record's id.
        id: String,
        /// The text to label.
        text: Option<String>,
    },
    /// A text already prepared as the model reads it (a unit of an export that `ingest` read
    /// with the model's cleaning and unit): scored as it is, never cleaned again.
    Prepared {
        /// The unit's id.
        id: String,
        /// The prepared text.
        text: String,
    },
    /// A record that could not be read (malformed line, invalid UTF-8, ...). It still gets an
    /// output row, carrying `error`.
    Unreadable {
        /// The record's id if known, else its location such as `backlog.jsonl:17`.
        id: String,
        /// What was wrong.
        error: String,
    },
}

/// Where a record came from, when the input said: carried into the Parquet output's `source`,
/// `url` and `thread` columns (`thread` holds the record's `group`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// System and project, for example `github/matomo-org/matomo`.
    pub source: Option<String>,
    /// Link back to the record.
    pub url: Option<String>,
    /// The record's `group`: the thread (issue, ticket or question) it belongs to, as
    /// [`secdisc_ingest::Record::group`].
    pub group: Option<String>,
}

impl InputItem {
    /// The item's id (for an unreadable record, its location).
    pub fn id(&self) -> &str {
        match self {
            InputItem::Record { id, .. }
            | InputItem::Prepared { id, .. }
            | InputItem::Unreadable { id, .. } => id,
        }
    }
}
