//! Self-contained HTML reports of `evaluate` and `compare` runs, and the security backlog of
//! `secdisc report` ([`backlog`], [`backlog_html`], [`backlog_md`], [`topics`]), and the model
//! description of `secdisc inspect` ([`Inspection`]).
//!
//! [`Report`] gathers what a page shows (borrowed from a `CvReport` or `CompareReport`, the
//! labels, and the top-weighted terms of models fitted on all the data); [`html::render`] turns
//! it into one HTML document with inline CSS and inline SVG charts ([`svg`]) drawn from
//! [`curves`]. Rendering is a pure function of the report, so the same report gives the same
//! page.

pub mod backlog;
pub mod backlog_html;
pub mod backlog_md;
pub mod bars;
pub mod curves;
pub mod explanation;
pub mod html;
pub mod inspection;
pub mod svg;
pub mod terminal;
#[cfg(test)]
mod testutil;
pub mod topics;

use std::borrow::Cow;

use secdisc_infer::TopTerms;
use secdisc_model::MetricSet;
use secdisc_train::{ClassifierCv, CompareReport, CvReport, FoldResult, PairTest};

pub use html::render;
pub use inspection::Inspection;

/// Which command made the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `secdisc evaluate`: one classifier.
    Evaluate,
    /// `secdisc compare`: several classifiers and pairwise tests.
    Compare,
}

/// The top-weighted terms of one classifier, or why there are none.
#[derive(Debug, Clone, PartialEq)]
pub enum Terms {
    /// Weights of a linear model fitted on all the data.
    Weights(TopTerms),
    /// The classifier is not linear, so it has no per-term weights.
    NotLinear,
    /// Fitting on all the data failed; the message says why.
    Failed(String),
}

/// One classifier's part of a report.
#[derive(Debug, Clone)]
pub struct ClassifierPart<'a> {
    /// Short name (`lr`, `svm`, `nb`).
    pub name: &'a str,
    /// Mean of each metric over folds.
    pub mean: &'a MetricSet,
    /// Population standard deviation over folds.
    pub std: &'a MetricSet,
    /// Every fold of every repetition.
    pub per_fold: &'a [FoldResult],
    /// Out-of-fold probability of security per record, first repetition.
    pub oof_scores: &'a [f64],
    /// Fit and predict seconds summed over folds (shown by `compare`).
    pub seconds: Option<(f64, f64)>,
    /// Top-weighted terms.
    pub terms: Terms,
}

/// Everything an HTML report shows.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The command.
    pub command: Command,
    /// Data set name (file name).
    pub dataset: &'a str,
    /// The data path as given on the command line, shown under the name when it differs.
    pub path: Option<&'a str>,
    /// Records.
    pub n: usize,
    /// Security records.
    pub positives: usize,
    /// Folds per repetition.
    pub folds: usize,
    /// Repetitions.
    pub repeats: usize,
    /// Seed of the first repetition.
    pub seed: u64,
    /// Threshold rule.
    pub threshold: &'a str,
    /// `true` = security, one per record, aligned with every `oof_scores`.
    pub labels: &'a [bool],
    /// Classifiers, in the order asked.
    pub classifiers: Vec<ClassifierPart<'a>>,
    /// Pairwise tests (empty for `evaluate`).
    pub tests: &'a [PairTest],
    /// secdisc version, for the footer.
    pub version: &'a str,
}

impl<'a> Report<'a> {
    /// The report of `secdisc evaluate` for classifier `name`.
    pub fn from_cv(
        r: &'a CvReport,
        name: &'a str,
        dataset: &'a str,
        labels: &'a [bool],
        terms: Terms,
    ) -> Report<'a> {
        Report {
            command: Command::Evaluate,
            dataset,
            path: None,
            n: r.n,
            positives: r.positives,
            folds: r.folds,
            repeats: r.repeats,
            seed: r.seed,
            threshold: &r.threshold,
            labels,
            classifiers: vec![ClassifierPart {
                name,
                mean: &r.mean,
                std: &r.std,
                per_fold: &r.per_fold,
                oof_scores: &r.oof_scores,
                seconds: None,
                terms,
            }],
            tests: &[],
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// Show `path` (the data path as given) under the data set name.
    pub fn with_path(mut self, path: &'a str) -> Report<'a> {
        self.path = Some(path);
        self
    }

    /// The report of `secdisc compare`; `terms` has one entry per classifier.
    pub fn from_compare(
        r: &'a CompareReport,
        dataset: &'a str,
        labels: &'a [bool],
        terms: Vec<Terms>,
    ) -> Report<'a> {
        assert_eq!(
            terms.len(),
            r.classifiers.len(),
            "terms for every classifier"
        );
        Report {
            command: Command::Compare,
            dataset,
            path: None,
            n: r.n,
            positives: r.positives,
            folds: r.folds,
            repeats: r.repeats,
            seed: r.seed,
            threshold: &r.threshold,
            labels,
            classifiers: r
                .classifiers
                .iter()
                .zip(terms)
                .map(|(c, terms)| part(c, terms))
                .collect(),
            tests: &r.tests,
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

fn part(c: &ClassifierCv, terms: Terms) -> ClassifierPart<'_> {
    ClassifierPart {
        name: &c.name,
        mean: &c.mean,
        std: &c.std,
        per_fold: &c.per_fold,
        oof_scores: &c.oof_scores,
        seconds: Some((c.fit_seconds, c.predict_seconds)),
        terms,
    }
}

/// Escape text for HTML and SVG text and attribute values.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// An integer with thousands separators: `12,345`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert!(matches!(escape("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1061), "1,061");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
