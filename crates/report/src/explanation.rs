//! How `secdisc explain` shows one explanation: a terminal block or a JSON line.

use std::fmt::Write as _;

use secdisc_infer::{Explanation, TermContribution};
use serde::Serialize;

/// One explained text as `--json` prints it.
#[derive(Debug, Serialize)]
struct JsonRow<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    score: f64,
    label: &'static str,
    threshold: f64,
    /// `intercept + Σ contribution`; null when the classifier is not linear.
    decision: Option<f64>,
    intercept: Option<f64>,
    /// Terms present in the text; null when the classifier is not linear.
    terms: Option<&'a [TermContribution]>,
    /// Terms present in total (`terms` holds the first `--top`).
    terms_total: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

fn label(e: &Explanation) -> &'static str {
    if e.is_security {
        "security"
    } else {
        "non-security"
    }
}

fn not_linear(classifier: &str) -> String {
    format!("per-term contributions are not available: the {classifier} classifier is not linear")
}

fn shown(top: usize, total: usize) -> usize {
    if top == 0 {
        total
    } else {
        top.min(total)
    }
}

/// The JSON line of one explanation: score, label, threshold, decision value, intercept, the
/// first `top` terms (0: all) and how many there are; a note instead of terms when the
/// `classifier` (its name) is not linear.
pub fn json_line(id: Option<&str>, e: &Explanation, top: usize, classifier: &str) -> String {
    let row = JsonRow {
        id,
        score: e.score,
        label: label(e),
        threshold: e.threshold,
        decision: e.linear.as_ref().map(|l| l.decision),
        intercept: e.linear.as_ref().map(|l| l.intercept),
        terms: e
            .linear
            .as_ref()
            .map(|l| &l.terms[..shown(top, l.terms.len())]),
        terms_total: e.linear.as_ref().map(|l| l.terms.len()),
        note: e.linear.is_none().then(|| not_linear(classifier)),
    };
    // A struct of strings and numbers always serialises (non-finite numbers become null).
    let mut s = serde_json::to_string(&row).unwrap_or_default();
    s.push('\n');
    s
}

/// The terminal layout of one explanation: its label and score, then a table of the first `top`
/// terms (0: all); `more` is appended to the line that counts the terms left out.
pub fn text_block(
    id: Option<&str>,
    e: &Explanation,
    top: usize,
    classifier: &str,
    more: &str,
) -> String {
    let mut s = String::new();
    if let Some(id) = id {
        let _ = write!(s, "{id}: ");
    }
    let _ = writeln!(
        s,
        "{} (score {:.4}, threshold {:.4})",
        label(e),
        e.score,
        e.threshold
    );
    let Some(lin) = &e.linear else {
        let _ = writeln!(s, "  {}", not_linear(classifier));
        return s;
    };
    let _ = writeln!(
        s,
        "  decision value {:+.4} = intercept {:+.4} + {} term contributions (positive = towards security)",
        lin.decision,
        lin.intercept,
        lin.terms.len()
    );
    let n = shown(top, lin.terms.len());
    if n > 0 {
        let _ = writeln!(
            s,
            "  {:>9}  {:<24} {:>7} {:>9}",
            "contrib", "term", "tf-idf", "weight"
        );
    }
    for t in &lin.terms[..n] {
        let _ = writeln!(
            s,
            "  {:>+9.4}  {:<24} {:>7.4} {:>+9.4}",
            t.contribution, t.term, t.tfidf, t.weight
        );
    }
    if n < lin.terms.len() {
        let _ = writeln!(s, "  ... {} more terms{more}", lin.terms.len() - n);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use secdisc_infer::LinearExplanation;
    use secdisc_infer::TermContribution;

    fn explanation(linear: bool) -> Explanation {
        Explanation {
            score: 0.75,
            threshold: 0.5,
            is_security: true,
            linear: linear.then(|| LinearExplanation {
                intercept: -0.5,
                decision: 1.0,
                terms: vec![
                    TermContribution {
                        term: "jwt".into(),
                        stem: None,
                        feature: None,
                        tfidf: 0.5,
                        weight: 2.0,
                        contribution: 1.0,
                    },
                    TermContribution {
                        term: "css".into(),
                        stem: None,
                        feature: None,
                        tfidf: 0.5,
                        weight: 1.0,
                        contribution: 0.5,
                    },
                ],
            }),
        }
    }

    #[test]
    fn text_layout_lists_the_top_terms_and_says_how_many_are_left() {
        let s = text_block(Some("r1"), &explanation(true), 1, "lr", " (hint)");
        assert!(
            s.starts_with("r1: security (score 0.7500, threshold 0.5000)"),
            "{s}"
        );
        assert!(
            s.contains("intercept -0.5000 + 2 term contributions"),
            "{s}"
        );
        assert!(s.contains("+1.0000  jwt"), "{s}");
        assert!(!s.contains("css"), "{s}");
        assert!(s.contains("1 more terms (hint)"), "{s}");
        let all = text_block(None, &explanation(true), 0, "lr", "");
        assert!(all.contains("css") && !all.contains("more terms"), "{all}");
        let nl = text_block(None, &explanation(false), 5, "forest", "");
        assert!(
            nl.contains("not available: the forest classifier is not linear"),
            "{nl}"
        );
    }

    #[test]
    fn json_line_truncates_terms_and_keeps_the_total() {
        let v: serde_json::Value =
            serde_json::from_str(&json_line(Some("a"), &explanation(true), 1, "lr")).unwrap();
        assert_eq!(v["terms"].as_array().unwrap().len(), 1);
        assert_eq!(v["terms_total"], 2);
        assert_eq!(v["label"], "security");
        assert!(v.get("note").is_none());
        let v: serde_json::Value =
            serde_json::from_str(&json_line(None, &explanation(false), 1, "knn")).unwrap();
        assert!(v["terms"].is_null() && v["intercept"].is_null());
        assert!(v["note"].as_str().unwrap().contains("knn"));
        assert!(v.get("id").is_none());
    }
}
