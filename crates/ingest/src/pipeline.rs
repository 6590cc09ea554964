//! From posts to output units: bot filter, cleaning, segmentation, unit, label, dedup, sink.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::clean::{Cleaner, Markup};
use crate::dedup::Deduper;
use crate::error::{IngestError, Position, Result};
use crate::labels::SecurityTags;
use crate::post::Post;

use crate::record::{Label, Record};
use crate::summary::{DropReason, Summary};
use crate::writer::RecordSink;

/// What one output record holds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// One paragraph (the default: a security discussion is a paragraph).
    #[default]
    Paragraph,
    /// One whole post (issue body, comment, question, answer), its paragraphs joined by blank lines.
    Comment,
    /// One whole thread (issue or question with all replies), emitted at the end of the run.
    Thread,
}

impl Unit {
    /// Every value, in help order.
    pub const ALL: [Unit; 3] = [Unit::Paragraph, Unit::Comment, Unit::Thread];

    /// One line saying what it does, for help texts (no final full stop, as clap prints them).
    pub fn help(self) -> &'static str {
        match self {
            Unit::Paragraph => "One record per paragraph",
            Unit::Comment => "One record per issue, comment, question or answer",
            Unit::Thread => "One record per thread (issue or question with its replies)",
        }
    }
}

impl Unit {
    /// `paragraph`, `comment` or `thread`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Paragraph => "paragraph",
            Unit::Comment => "comment",
            Unit::Thread => "thread",
        }
    }
}

/// Whether replies get their thread's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Inheritance {
    /// Only thread starters (issues, questions, Jira issues) are labelled from tags.
    #[default]
    None,
    /// Comments and answers take the label of their thread.
    FromThread,
}

/// What to do after a bad unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ErrorMode {
    /// Stop at the first error.
    #[default]
    Stop,
    /// Skip the bad unit (or the rest of a file that cannot be resynchronised), count it and go on.
    KeepGoing,
}

/// Accounts whose posts are dropped as bots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotFilter {
    names: HashSet<String>,
}

/// Bot accounts dropped by default (besides every login ending in `[bot]`).
pub const DEFAULT_BOTS: &[&str] = &[
    "k8s-ci-robot",
    "k8s-merge-robot",
    "k8s-github-robot",
    "k8s-bot",
    "k8s-triage-robot",
    "fejta-bot",
    "istio-testing",
    "istio-policy-bot",
    "codecov-io",
    "codecov-commenter",
    "coveralls",
    "sonarcloud",
    "stale",
    "claassistant",
    "cla-bot",
    "googlebot",
    "mergify",
    "hibernate-github-bot",
    "asfgit",
    "hudson",
    "hadoopqa",
    "genericqa",
];

impl Default for BotFilter {
    fn default() -> Self {
        BotFilter {
            names: DEFAULT_BOTS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl BotFilter {
    /// No named bots (`[bot]` accounts and sources' own bot flags still count).
    pub fn empty() -> Self {
        BotFilter {
            names: HashSet::new(),
        }
    }

    /// Add an account name (compared case-insensitively).
    pub fn with(mut self, name: &str) -> Self {
        self.names.insert(name.trim().to_lowercase());
        self
    }

    /// `true` when `author` is a bot.
    pub fn is_bot(&self, author: &str) -> bool {
        let a = author.trim();
        a.ends_with("[bot]") || self.names.contains(&a.to_lowercase())
    }
}

struct Thread {
    record: Record,
    paragraphs: Vec<String>,
}

/// The configured path from posts to records, with the run's counters.
pub(crate) struct Pipeline {
    pub cleaner: Cleaner,
    pub unit: Unit,
    pub dedup: Deduper,
    pub tags: Option<SecurityTags>,
    pub inherit: Inheritance,
    pub bots: BotFilter,
    pub errors: ErrorMode,
    pub summary: Summary,
    thread_labels: HashMap<String, Label>,
    threads: Vec<Thread>,
    thread_index: HashMap<String, usize>,
}

impl Pipeline {
    pub(crate) fn new(
        cleaner: Cleaner,
        unit: Unit,
        dedup: Deduper,
        tags: Option<SecurityTags>,
        inherit: Inheritance,
        bots: BotFilter,
        errors: ErrorMode,
    ) -> Pipeline {
        Pipeline {
            cleaner,
            unit,
            dedup,
            tags,
            inherit,
            bots,
            errors,
            summary: Summary {
                unit: unit.as_str().to_string(),
                ..Summary::default()
            },
            thread_labels: HashMap::new(),
            threads: Vec::new(),
            thread_index: HashMap::new(),
        }
    }

    /// Count one input item read.
    pub(crate) fn read_one(&mut self) {
        self.summary.records_in += 1;
        if let Some(i) = self.summary.inputs.last_mut() {
            i.records_in += 1;
        }
    }

    /// Count an item that is not conversation.
    pub(crate) fn not_conversation(&mut self) {
        Summary::add(
            &mut self.summary.records_dropped,
            DropReason::NotConversation,
            1,
        );
    }

    /// As [`Pipeline::skip`], telling `sink` first when the unit is skipped.
    pub(crate) fn skip_into(&mut self, err: IngestError, sink: &mut dyn RecordSink) -> Result<()> {
        if self.errors == ErrorMode::KeepGoing && !matches!(err, IngestError::Write { .. }) {
            sink.skipped(&err)?;
        }
        self.skip(err)
    }

    /// A bad unit: an error in [`ErrorMode::Stop`], counted in [`ErrorMode::KeepGoing`].
    pub(crate) fn skip(&mut self, err: IngestError) -> Result<()> {
        match (self.errors, &err) {
            (_, IngestError::Write { .. }) | (ErrorMode::Stop, _) => Err(err),
            (ErrorMode::KeepGoing, _) => {
                self.summary.record_skip(err.to_string());
                Ok(())
            }
        }
    }

    fn label_for(&mut self, post: &Post) -> Option<Label> {
        if post.label.is_some() {
            return post.label;
        }
        let tags = self.tags.as_ref()?;
        let own = post
            .tags
            .as_ref()
            .map(|t| tags.label(t.iter().map(String::as_str)));
        if post.kind.starts_thread() {
            if let (Some(l), Inheritance::FromThread) = (own, self.inherit) {
                self.thread_labels.insert(post.group.clone(), l);
            }
            return own;
        }
        if self.inherit == Inheritance::None {
            return None;
        }
        own.or_else(|| {
            post.thread_tags
                .as_ref()
                .map(|t| tags.label(t.iter().map(String::as_str)))
        })
        .or_else(|| self.thread_labels.get(&post.group).copied())
    }

    /// Turn one post into units and send them to `sink`.
    pub(crate) fn post(&mut self, post: Post, sink: &mut dyn RecordSink) -> Result<()> {
        if post.author_is_bot || post.author.as_deref().is_some_and(|a| self.bots.is_bot(a)) {
            Summary::add(&mut self.summary.records_dropped, DropReason::Bot, 1);
            return Ok(());
        }
        let title = post
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        if title.is_none() && post.body.trim().is_empty() {
            Summary::add(&mut self.summary.records_dropped, DropReason::NoText, 1);
            return Ok(());
        }
        *self
            .summary
            .records_by_kind
            .entry(post.kind.as_str().to_string())
            .or_default() += 1;
        let mut paragraphs = Vec::new();
        let mut no_prose = 0;
        if let Some(t) = title {
            let seg = self.cleaner.paragraphs(t, Markup::Plain);
            no_prose += seg.dropped_no_prose;
            paragraphs.extend(seg.paragraphs);
        }
        let seg = self.cleaner.paragraphs(&post.body, post.markup);
        no_prose += seg.dropped_no_prose;
        paragraphs.extend(seg.paragraphs);
        Summary::add(
            &mut self.summary.paragraphs_dropped,
            DropReason::NoProse,
            no_prose as u64,
        );
        let label = self.label_for(&post);
        let base = Record {
            id: post.id,
            source: Some(post.source),
            kind: Some(post.kind.as_str().to_string()),
            group: Some(post.group),
            author: post.author,
            created_at: post.created_at,
            url: post.url,
            text: None,
            label,
        };
        match self.unit {
            Unit::Paragraph => {
                // One record reused for every paragraph: only `id` and `text` change.
                let mut r = base;
                let stem = std::mem::take(&mut r.id);
                for (k, p) in paragraphs.into_iter().enumerate() {
                    r.id.clear();
                    let _ = write!(r.id, "{stem}/p{}", k + 1);
                    r.text = Some(p);
                    self.emit(&r, sink)?;
                }
            }
            Unit::Comment => {
                if paragraphs.is_empty() {
                    Summary::add(&mut self.summary.units_dropped, DropReason::NoProse, 1);
                } else {
                    let mut r = base;
                    r.text = Some(paragraphs.join("\n\n"));
                    self.emit(&r, sink)?;
                }
            }
            Unit::Thread => {
                let group = base.group.clone().unwrap_or_default();
                let starts = post.kind.starts_thread();
                match self.thread_index.get(&group) {
                    Some(&i) => {
                        let t = &mut self.threads[i];
                        if starts {
                            // The starter may arrive after replies (separate files): it defines
                            // the thread's metadata and goes first.
                            let mut r = base;
                            r.id = group;
                            if r.label.is_none() {
                                r.label = t.record.label;
                            }
                            t.record = r;
                            let mut ps = paragraphs;
                            ps.append(&mut t.paragraphs);
                            t.paragraphs = ps;
                        } else {
                            if t.record.label.is_none() {
                                t.record.label = base.label;
                            }
                            t.paragraphs.extend(paragraphs);
                        }
                    }
                    None => {
                        let mut r = base;
                        r.id = group.clone();
                        self.thread_index.insert(group, self.threads.len());
                        self.threads.push(Thread {
                            record: r,
                            paragraphs,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    fn emit(&mut self, record: &Record, sink: &mut dyn RecordSink) -> Result<()> {
        let text = record.text.as_deref().unwrap_or("");
        if self.dedup.is_duplicate(text) {
            Summary::add(&mut self.summary.units_dropped, DropReason::Duplicate, 1);
            return Ok(());
        }
        self.summary.units_out += 1;
        self.summary.count_label(record.label);
        sink.write_record(record)
    }

    /// Emit what is held back until the end (threads).
    pub(crate) fn finish(&mut self, sink: &mut dyn RecordSink) -> Result<()> {
        let threads = std::mem::take(&mut self.threads);
        self.thread_index.clear();
        for t in threads {
            if t.paragraphs.is_empty() {
                Summary::add(&mut self.summary.units_dropped, DropReason::NoProse, 1);
                continue;
            }
            let mut r = t.record;
            r.kind = Some("thread".to_string());
            r.text = Some(t.paragraphs.join("\n\n"));
            self.emit(&r, sink)?;
        }
        Ok(())
    }
}

/// What a parser works with while reading one input.
pub(crate) struct Ctx<'a> {
    /// The input's name for messages.
    pub name: &'a str,
    /// The directory holding the input (a Stack Exchange dump's site name).
    pub dir_name: Option<&'a str>,
    /// `--source`, overriding the source (and the Stack Exchange site).
    pub source: Option<&'a str>,
    /// Largest accepted item in bytes.
    pub max_record_bytes: usize,
    /// Column mapping for generic files.
    pub fields: &'a crate::formats::generic::FieldMap,
    /// Stack Exchange answer-to-question index, when comments need it.
    pub se_threads: &'a mut crate::formats::stackexchange::SeThreads,
    pub pipe: &'a mut Pipeline,
    pub sink: &'a mut dyn RecordSink,
}

impl Ctx<'_> {
    /// A position in this input.
    pub(crate) fn pos(&self, line: u64) -> Position {
        Position {
            file: self.name.to_string(),
            line,
        }
    }

    /// Send a post down the pipeline.
    pub(crate) fn emit(&mut self, post: Post) -> Result<()> {
        self.pipe.post(post, self.sink)
    }

    /// Send the posts made from one item down the pipeline, or skip the item when they could not
    /// be made (see [`Pipeline::skip`]).
    pub(crate) fn emit_all(&mut self, posts: Result<Vec<Post>>) -> Result<()> {
        match posts {
            Ok(posts) => {
                for post in posts {
                    self.emit(post)?;
                }
                Ok(())
            }
            Err(e) => self.skip(e),
        }
    }

    /// A bad unit (see [`Pipeline::skip`]).
    pub(crate) fn skip(&mut self, err: IngestError) -> Result<()> {
        self.pipe.skip_into(err, self.sink)
    }

    /// Count one item read.
    pub(crate) fn read_one(&mut self) {
        self.pipe.read_one();
    }

    /// Count an item that is not conversation.
    pub(crate) fn not_conversation(&mut self) {
        self.pipe.not_conversation();
    }

    /// A JSON parse error at `line` (the item's first line) as an [`IngestError::Json`].
    pub(crate) fn json_error(&self, item_line: u64, e: &serde_json::Error) -> IngestError {
        IngestError::Json {
            pos: self.pos(item_line + (e.line() as u64).saturating_sub(1)),
            column: e.column(),
            message: e.to_string(),
        }
    }

    /// A missing field at `line`.
    pub(crate) fn missing(&self, line: u64, field: &str) -> IngestError {
        IngestError::MissingField {
            pos: self.pos(line),
            field: field.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clean::Cleaner;
    use crate::dedup::DedupMode;
    use crate::post::Kind;

    fn pipeline(unit: Unit, inherit: Inheritance) -> Pipeline {
        Pipeline::new(
            Cleaner::default(),
            unit,
            Deduper::new(DedupMode::Exact).unwrap(),
            Some(SecurityTags::builtin()),
            inherit,
            BotFilter::default(),
            ErrorMode::Stop,
        )
    }

    fn issue() -> Post {
        let mut p = Post::new(
            "gh:o/r#1".into(),
            "github/o/r".into(),
            Kind::Issue,
            "gh:o/r#1".into(),
            "First para.\n\nSecond para.\n\nFirst para.".into(),
            Markup::Markdown,
        );
        p.title = Some("Token leak".into());
        p.tags = Some(vec!["c: Security".into()]);
        p
    }

    fn comment(author: &str) -> Post {
        let mut p = Post::new(
            "gh:o/r#1/comment/9".into(),
            "github/o/r".into(),
            Kind::Comment,
            "gh:o/r#1".into(),
            "Fixed in the next release.".into(),
            Markup::Markdown,
        );
        p.author = Some(author.into());
        p
    }

    #[test]
    fn paragraphs_get_numbered_ids_labels_and_dedup() {
        let mut p = pipeline(Unit::Paragraph, Inheritance::FromThread);
        let mut out: Vec<Record> = Vec::new();
        p.post(issue(), &mut out).unwrap();
        p.post(comment("alice"), &mut out).unwrap();
        p.post(comment("dependabot[bot]"), &mut out).unwrap();
        let ids: Vec<_> = out.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "gh:o/r#1/p1",
                "gh:o/r#1/p2",
                "gh:o/r#1/p3",
                "gh:o/r#1/comment/9/p1"
            ]
        );
        assert!(out.iter().all(|r| r.label == Some(Label::Security)));
        assert_eq!(p.summary.units_dropped["duplicate"], 1);
        assert_eq!(p.summary.records_dropped["bot"], 1);
    }

    #[test]
    fn replies_are_unlabelled_without_inheritance() {
        let mut p = pipeline(Unit::Comment, Inheritance::None);
        let mut out: Vec<Record> = Vec::new();
        p.post(issue(), &mut out).unwrap();
        p.post(comment("alice"), &mut out).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].text.as_deref(),
            Some("Token leak\n\nFirst para.\n\nSecond para.\n\nFirst para.")
        );
        assert_eq!(out[1].label, None);
    }

    #[test]
    fn threads_collect_replies_even_before_the_starter() {
        let mut p = pipeline(Unit::Thread, Inheritance::FromThread);
        let mut out: Vec<Record> = Vec::new();
        p.post(comment("alice"), &mut out).unwrap();
        p.post(issue(), &mut out).unwrap();
        assert!(out.is_empty());
        p.finish(&mut out).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].id, "gh:o/r#1");
        assert_eq!(out[0].kind.as_deref(), Some("thread"));
        assert!(out[0].text.as_deref().unwrap().starts_with("Token leak"));
        assert!(out[0]
            .text
            .as_deref()
            .unwrap()
            .ends_with("Fixed in the next release."));
        assert_eq!(out[0].label, Some(Label::Security));
    }

    #[test]
    fn keep_going_counts_instead_of_failing() {
        let mut p = pipeline(Unit::Paragraph, Inheritance::None);
        assert!(p.skip(IngestError::ZeroRecordLimit).is_err());
        p.errors = ErrorMode::KeepGoing;
        p.skip(IngestError::ZeroRecordLimit).unwrap();
        assert_eq!(p.summary.skipped, 1);
    }
}
