//! The backlog report of `secdisc report`: labelled paragraphs joined with their records,
//! grouped into threads, given topics and ranked.
//!
//! **Ranking.** A security paragraph's *priority* is its score times the severity weight of its
//! most severe topic ([`Topic::weight`]; [`NO_TOPIC_WEIGHT`] when the lexicon finds none).
//! Threads are ordered by their highest paragraph priority, then by their number of security
//! paragraphs, then by name. Inside a thread the paragraphs stay in conversation order (that is
//! the context a reader needs); [`Thread::ranked`] gives them by priority. Threads without a
//! security paragraph are only counted.

use std::collections::{BTreeMap, HashMap};

use secdisc_ingest::Record;
use serde::Serialize;

use super::topics::{topics_of, Topic, TopicHit, TopicMatcher, NO_TOPIC_WEIGHT};
use secdisc_infer::label_rows::{LabelEntry, Outcome};

/// One paragraph with its label, topics and provenance.
#[derive(Debug, Clone, Serialize)]
pub struct Paragraph {
    /// Record id.
    pub id: String,
    /// `true` when the model labelled it security.
    pub security: bool,
    /// Probability of security; `None` when it could not be labelled.
    pub score: Option<f64>,
    /// Score × severity weight for security paragraphs, 0 otherwise (rounded to 4 decimals).
    pub priority: f64,
    /// Security topics (security paragraphs only), in severity order.
    pub topics: Vec<Topic>,
    /// Author, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Creation time as the source gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Link back to the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Why the record could not be labelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The text.
    pub text: String,
    /// Lexicon matches in `text`, for highlighting.
    #[serde(skip)]
    pub hits: Vec<TopicHit>,
}

/// One thread (the records' `group`, or the record itself when it has none).
#[derive(Debug, Clone, Serialize)]
pub struct Thread {
    /// 1-based rank among threads with a security paragraph.
    pub rank: usize,
    /// Thread key.
    pub thread: String,
    /// Source of its first paragraph.
    pub source: String,
    /// Highest paragraph priority.
    pub priority: f64,
    /// Highest score of a security paragraph.
    pub max_score: f64,
    /// Security paragraphs.
    pub security: usize,
    /// Topics of its security paragraphs, in severity order.
    pub topics: Vec<Topic>,
    /// First URL among its paragraphs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Earliest date among its paragraphs (as given; compared as text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_date: Option<String>,
    /// Every paragraph, in input order.
    pub paragraphs: Vec<Paragraph>,
}

impl Thread {
    /// The security paragraphs, highest priority first (ties: input order).
    pub fn ranked(&self) -> Vec<&Paragraph> {
        let mut v: Vec<&Paragraph> = self.paragraphs.iter().filter(|p| p.security).collect();
        v.sort_by(|a, b| b.priority.total_cmp(&a.priority));
        v
    }
}

/// Paragraphs and security paragraphs in one slice of the data (a source or a month).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    /// Source name or `YYYY-MM`.
    pub name: String,
    /// Labelled paragraphs.
    pub paragraphs: usize,
    /// Of which security.
    pub security: usize,
}

/// Security paragraphs and threads per topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicCount {
    /// The topic; `None` for security paragraphs the lexicon gives no topic.
    pub topic: Option<Topic>,
    /// Security paragraphs with the topic.
    pub paragraphs: usize,
    /// Threads with at least one such paragraph.
    pub threads: usize,
}

/// A record that could not be labelled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// Record id, or the input location when the record could not be read.
    pub id: String,
    /// The labeller's message.
    pub error: String,
}

/// Everything the HTML, Markdown and JSON variants show.
#[derive(Debug, Clone, Serialize)]
pub struct Backlog {
    /// Labels file name.
    pub labels: String,
    /// Records file name.
    pub records: String,
    /// Labelled paragraphs (rows without an error).
    pub paragraphs: usize,
    /// Of which security.
    pub security: usize,
    /// Threads with at least one labelled paragraph.
    pub threads_total: usize,
    /// Records present in the records file but absent from the labels.
    pub unlabelled_records: usize,
    /// Records repeated with the same id and text (labelled, but shown once).
    pub duplicates: usize,
    /// Rows that carry an error.
    pub failures: Vec<Failure>,
    /// Per source, most paragraphs first.
    pub by_source: Vec<Share>,
    /// Per month (`YYYY-MM` of `created_at`), in time order; empty when no record has a date.
    pub by_month: Vec<Share>,
    /// Labelled paragraphs without a usable date.
    pub undated: usize,
    /// Per topic in severity order, then the paragraphs without a topic.
    pub by_topic: Vec<TopicCount>,
    /// Threads with a security paragraph, ranked.
    pub threads: Vec<Thread>,
}

/// Label rows that do not belong to the records they are joined with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BacklogError {
    /// An id has more label rows than records.
    #[error("{labels}:{line}: id `{id}` is labelled {labelled} times but occurs {occurs} times in {records}; were the labels made from another file?")]
    LabelledTooOften {
        /// The labels file.
        labels: String,
        /// 1-based line of the extra row.
        line: u64,
        /// The id.
        id: String,
        /// Label rows seen so far for it.
        labelled: usize,
        /// The records file.
        records: String,
        /// Records with this id.
        occurs: usize,
    },
    /// A labelled id is not among the records.
    #[error("{labels}:{line}: id `{id}` is not in {records}; pass the records file that `secdisc label` read")]
    UnknownId {
        /// The labels file.
        labels: String,
        /// 1-based line of the row.
        line: u64,
        /// The id.
        id: String,
        /// The records file.
        records: String,
    },
}

/// Join `labels` (rows of `labels_name`) with `records` (of `records_name`) by id.
///
/// Errors, each naming the labels file and line: a labelled id that is not among the records,
/// or one labelled more often than it occurs there. Error rows whose id is not a record id (unreadable
/// input lines) are kept as failures.
pub fn build(
    labels_name: &str,
    labels: &[LabelEntry],
    records_name: &str,
    records: Vec<(u64, Record)>,
) -> Result<Backlog, BacklogError> {
    // Every occurrence of each id, in file order: an id can repeat when the same thread came
    // from two exports, and `secdisc label` keeps one row per record in input order, so the
    // k-th label row of an id belongs to its k-th record.
    let mut index: HashMap<&str, Vec<usize>> = HashMap::with_capacity(records.len());
    for (i, (_, r)) in records.iter().enumerate() {
        index.entry(r.id.as_str()).or_default().push(i);
    }
    let mut used: HashMap<&str, usize> = HashMap::new();
    let mut outcome: Vec<Option<&LabelEntry>> = vec![None; records.len()];
    let mut failures = Vec::new();
    for entry in labels {
        match index.get(entry.id.as_str()) {
            Some(places) => {
                let k = used.entry(entry.id.as_str()).or_insert(0);
                let Some(&i) = places.get(*k) else {
                    return Err(BacklogError::LabelledTooOften {
                        labels: labels_name.to_string(),
                        line: entry.line,
                        id: entry.id.clone(),
                        labelled: *k + 1,
                        records: records_name.to_string(),
                        occurs: places.len(),
                    });
                };
                *k += 1;
                outcome[i] = Some(entry);
            }
            None => match &entry.outcome {
                Outcome::Failed(error) => failures.push(Failure {
                    id: entry.id.clone(),
                    error: error.clone(),
                }),
                Outcome::Labelled { .. } => {
                    return Err(BacklogError::UnknownId {
                        labels: labels_name.to_string(),
                        line: entry.line,
                        id: entry.id.clone(),
                        records: records_name.to_string(),
                    })
                }
            },
        }
    }
    // A repeated record with the same text is shown once.
    let mut seen: HashMap<(&str, Option<&str>), ()> = HashMap::new();
    let duplicate: Vec<bool> = records
        .iter()
        .map(|(_, r)| {
            seen.insert((r.id.as_str(), r.text.as_deref()), ())
                .is_some()
        })
        .collect();
    let duplicates = duplicate
        .iter()
        .zip(&outcome)
        .filter(|(d, o)| **d && o.is_some())
        .count();
    let matcher = TopicMatcher::new();
    let mut unlabelled = 0;
    // Threads in order of first appearance.
    let mut thread_index: HashMap<String, usize> = HashMap::new();
    let mut threads: Vec<(String, String, Vec<Paragraph>)> = Vec::new();
    let mut sources: BTreeMap<String, Share> = BTreeMap::new();
    let mut months: BTreeMap<String, Share> = BTreeMap::new();
    let mut undated = 0;
    let (mut paragraphs, mut security_total) = (0, 0);
    for (((_, record), entry), dup) in records.into_iter().zip(outcome).zip(duplicate) {
        let Some(entry) = entry else {
            unlabelled += 1;
            continue;
        };
        if dup {
            continue;
        }
        let (security, score, error) = match &entry.outcome {
            Outcome::Labelled { security, score } => (*security, Some(*score), None),
            Outcome::Failed(e) => {
                failures.push(Failure {
                    id: record.id.clone(),
                    error: e.clone(),
                });
                (false, None, Some(e.clone()))
            }
        };
        let text = record.text.unwrap_or_default();
        let source = record.source.clone().unwrap_or_else(|| "unknown".into());
        if score.is_some() {
            paragraphs += 1;
            security_total += usize::from(security);
            let s = sources.entry(source.clone()).or_insert_with(|| Share {
                name: source.clone(),
                paragraphs: 0,
                security: 0,
            });
            s.paragraphs += 1;
            s.security += usize::from(security);
            match record.created_at.as_deref().and_then(month) {
                Some(m) => {
                    let s = months.entry(m.to_string()).or_insert_with(|| Share {
                        name: m.to_string(),
                        paragraphs: 0,
                        security: 0,
                    });
                    s.paragraphs += 1;
                    s.security += usize::from(security);
                }
                None => undated += 1,
            }
        }
        let hits = if security {
            matcher.hits(&text)
        } else {
            Vec::new()
        };
        let topics = topics_of(&hits);
        let weight = topics
            .iter()
            .map(|t| t.weight())
            .fold(NO_TOPIC_WEIGHT, f64::max);
        let priority = if security {
            round4(score.unwrap_or(0.0) * weight)
        } else {
            0.0
        };
        let key = record.group.clone().unwrap_or_else(|| record.id.clone());
        let p = Paragraph {
            id: record.id,
            security,
            score,
            priority,
            topics,
            author: record.author,
            created_at: record.created_at,
            url: record.url.filter(|u| is_web_link(u)),
            error,
            text,
            hits,
        };
        let t = *thread_index.entry(key.clone()).or_insert_with(|| {
            threads.push((key, source, Vec::new()));
            threads.len() - 1
        });
        threads[t].2.push(p);
    }
    let threads_total = threads
        .iter()
        .filter(|t| t.2.iter().any(|p| p.score.is_some()))
        .count();
    let mut ranked: Vec<Thread> = threads
        .into_iter()
        .filter(|t| t.2.iter().any(|p| p.security))
        .map(|(thread, source, paragraphs)| {
            let sec = || paragraphs.iter().filter(|p| p.security);
            let mut topics: Vec<Topic> = sec().flat_map(|p| p.topics.iter().copied()).collect();
            topics.sort();
            topics.dedup();
            Thread {
                rank: 0,
                source,
                priority: sec().map(|p| p.priority).fold(0.0, f64::max),
                max_score: sec().filter_map(|p| p.score).fold(0.0, f64::max),
                security: sec().count(),
                topics,
                url: paragraphs.iter().find_map(|p| p.url.clone()),
                first_date: paragraphs.iter().filter_map(|p| p.created_at.clone()).min(),
                thread,
                paragraphs,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.priority
            .total_cmp(&a.priority)
            .then(b.security.cmp(&a.security))
            .then_with(|| a.thread.cmp(&b.thread))
    });
    for (i, t) in ranked.iter_mut().enumerate() {
        t.rank = i + 1;
    }
    let mut by_topic: Vec<TopicCount> = Topic::ALL
        .iter()
        .map(|&t| count_topic(&ranked, Some(t)))
        .collect();
    by_topic.push(count_topic(&ranked, None));
    let mut by_source: Vec<Share> = sources.into_values().collect();
    by_source.sort_by(|a, b| {
        b.paragraphs
            .cmp(&a.paragraphs)
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(Backlog {
        labels: labels_name.to_string(),
        records: records_name.to_string(),
        paragraphs,
        security: security_total,
        threads_total,
        unlabelled_records: unlabelled,
        duplicates,
        failures,
        by_source,
        by_month: months.into_values().collect(),
        undated,
        by_topic,
        threads: ranked,
    })
}

fn count_topic(threads: &[Thread], topic: Option<Topic>) -> TopicCount {
    let has = |p: &Paragraph| match topic {
        Some(t) => p.topics.contains(&t),
        None => p.topics.is_empty(),
    };
    let mut c = TopicCount {
        topic,
        paragraphs: 0,
        threads: 0,
    };
    for t in threads {
        let n = t.paragraphs.iter().filter(|p| p.security && has(p)).count();
        c.paragraphs += n;
        c.threads += usize::from(n > 0);
    }
    c
}

/// `YYYY-MM` of a date that starts `YYYY-MM` (RFC 3339, ISO 8601, Jira's and SEDE's formats).
pub fn month(date: &str) -> Option<&str> {
    let m = date.trim().get(..7)?;
    let b = m.as_bytes();
    let ok = b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..].iter().all(u8::is_ascii_digit)
        && (b"01".as_slice()..=b"12".as_slice()).contains(&&b[5..]);
    ok.then_some(m)
}

/// Only `http(s)://` links are shown; anything else (`javascript:`, relative paths) is dropped.
pub fn is_web_link(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, group: &str, text: &str, date: Option<&str>) -> (u64, Record) {
        (
            0,
            Record {
                id: id.into(),
                group: Some(group.into()),
                source: Some(format!("src-{}", &group[..1])),
                text: Some(text.into()),
                created_at: date.map(str::to_string),
                url: Some(format!("https://example.invalid/{id}")),
                ..Record::default()
            },
        )
    }

    fn lab(line: u64, id: &str, security: bool, score: f64) -> LabelEntry {
        LabelEntry {
            line,
            id: id.into(),
            outcome: Outcome::Labelled { security, score },
        }
    }

    #[test]
    fn ranks_threads_by_priority_and_keeps_conversation_order() {
        let records = vec![
            rec("a1", "a", "The CSS grid breaks", Some("2024-01-03")),
            rec("a2", "a", "We log every request", Some("2024-01-05")),
            rec(
                "b1",
                "b",
                "The leaked password is in git history",
                Some("2024-02-01"),
            ),
            rec("b2", "b", "thanks", None),
        ];
        let labels = vec![
            lab(1, "a1", false, 0.1),
            lab(2, "a2", true, 0.95),
            lab(3, "b1", true, 0.8),
            lab(4, "b2", false, 0.2),
        ];
        let b = build("l.jsonl", &labels, "r.jsonl", records).unwrap();
        assert_eq!((b.paragraphs, b.security, b.threads_total), (4, 2, 2));
        // 0.95 × 0.7 (logging) < 0.8 × 1.0 (secrets).
        assert_eq!(b.threads[0].thread, "b");
        assert_eq!(b.threads[0].priority, 0.8);
        assert_eq!(b.threads[1].priority, 0.665);
        let ids: Vec<&str> = b.threads[1]
            .paragraphs
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        assert_eq!(ids, ["a1", "a2"]);
        assert_eq!(b.threads[1].first_date.as_deref(), Some("2024-01-03"));
        assert_eq!(
            b.by_month,
            [
                Share {
                    name: "2024-01".into(),
                    paragraphs: 2,
                    security: 1
                },
                Share {
                    name: "2024-02".into(),
                    paragraphs: 1,
                    security: 1
                },
            ]
        );
        assert_eq!(b.undated, 1);
        let secrets = &b.by_topic[0];
        assert_eq!(
            (secrets.topic, secrets.paragraphs, secrets.threads),
            (Some(Topic::Secrets), 1, 1)
        );
    }

    #[test]
    fn mismatched_ids_are_errors_naming_the_line() {
        let records = vec![rec("a1", "a", "x", None)];
        let e = build(
            "l.jsonl",
            &[lab(7, "zz", true, 0.9)],
            "r.jsonl",
            records.clone(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("l.jsonl:7: id `zz` is not in r.jsonl"), "{e}");
        let e = build(
            "l.jsonl",
            &[lab(1, "a1", true, 0.9), lab(2, "a1", true, 0.9)],
            "r.jsonl",
            records.clone(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("l.jsonl:2: id `a1` is labelled 2 times but occurs 1 times in r.jsonl"),
            "{e}"
        );
        let failed = LabelEntry {
            line: 3,
            id: "r.jsonl:9".into(),
            outcome: Outcome::Failed("bad JSON".into()),
        };
        let b = build("l.jsonl", &[failed], "r.jsonl", records).unwrap();
        assert_eq!(b.failures.len(), 1);
        assert_eq!(b.unlabelled_records, 1);
    }

    #[test]
    fn a_record_repeated_by_two_exports_is_joined_in_order_and_shown_once() {
        let records = vec![
            rec("a1", "a", "same", None),
            rec("b1", "b", "other", None),
            rec("a1", "a", "same", None),
        ];
        let labels = [
            lab(1, "a1", true, 0.9),
            lab(2, "b1", false, 0.1),
            lab(3, "a1", true, 0.9),
        ];
        let b = build("l.jsonl", &labels, "r.jsonl", records).unwrap();
        assert_eq!((b.paragraphs, b.duplicates), (2, 1));
        assert_eq!(b.threads[0].paragraphs.len(), 1);
    }

    #[test]
    fn months_and_links_are_checked() {
        assert_eq!(month("2024-03-02T09:12:44Z"), Some("2024-03"));
        assert_eq!(month("2024-13-01"), None);
        assert_eq!(month("1710000000"), None);
        assert_eq!(month("Mar 2024"), None);
        assert!(is_web_link("https://x.example/a"));
        assert!(!is_web_link("javascript:alert(1)"));
    }
}
