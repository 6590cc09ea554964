//! What `secdisc inspect` reports about a model file: where it came from, how it was trained,
//! its vocabulary and sentence-vector block, and the terms it weighs most; as a terminal page
//! ([`Inspection::render`]) or JSON (its `Serialize` shape).

use std::fmt::Write as _;

use secdisc_infer::TopTerms;
use secdisc_model::{CvSummary, ModelBundle, TrainingData};
use secdisc_train::TrainingRecipe;
use serde::Serialize;
use serde_json::Value;

/// Everything `inspect` reports; also its JSON shape.
#[derive(Debug, Serialize)]
pub struct Inspection<'a> {
    /// The model file as given.
    pub path: String,
    /// secdisc version that wrote the file.
    pub secdisc_version: &'a str,
    /// The file's `format` field.
    pub format: &'a str,
    /// The file's format version.
    pub format_version: u32,
    /// The classifier: name, parameters and fitted kind.
    pub classifier: ClassifierSummary<'a>,
    /// A record is security when its probability is at least this.
    pub threshold: f64,
    /// The rule that chose the threshold, when the manifest records it.
    pub threshold_rule: Option<String>,
    /// What a nested-CV search chose at training time (shown in the terminal layout; in
    /// JSON it is `classifier.params.tuned`).
    #[serde(skip)]
    pub tuned: Option<String>,
    /// Training seed.
    pub seed: u64,
    /// The training data.
    pub training_data: &'a TrainingData,
    /// Cross-validation run at training time, if any.
    pub cv: Option<&'a CvSummary>,
    /// How a text is cleaned and split before it is scored; `null` for a model that records
    /// none (it reads texts as given).
    pub text_prep: Option<&'a secdisc_ingest::TextPrep>,
    /// Vocabulary size and the TF-IDF parameters (n-grams, document frequencies, analysis).
    pub vocabulary: Vocabulary,
    /// The sentence-vector block appended to each row, when the model has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentence_vectors: Option<SentenceVectorSummary>,
    /// The most heavily weighted terms per class; `None` for a classifier that is not linear.
    pub top_terms: Option<TopTerms>,
}

/// The classifier part of an [`Inspection`].
#[derive(Debug, Serialize)]
pub struct ClassifierSummary<'a> {
    /// Short name.
    pub name: &'a str,
    /// Parameters as stored in the manifest.
    pub params: &'a Value,
    /// The fitted model's kind (for example `linear`).
    pub kind: Value,
    /// How decision values become probabilities, when the model records it.
    pub calibration: Option<Value>,
    /// Whether per-term weights exist.
    pub linear: bool,
}

/// The sentence-vector part of an [`Inspection`].
#[derive(Debug, Serialize)]
pub struct SentenceVectorSummary {
    /// `encoder` (given at run time) or `base model` (carried, from `secdisc adapt`).
    pub source: &'static str,
    /// The fingerprint of the source the model was trained with.
    pub fingerprint: String,
    /// Values per vector.
    pub dim: usize,
    /// Weight of the vectors.
    pub weight: f32,
    /// Weight of the TF-IDF part (0: vectors alone).
    pub tfidf_weight: f32,
}

/// The vocabulary part of an [`Inspection`].
#[derive(Debug, Serialize)]
pub struct Vocabulary {
    /// Number of features.
    pub size: usize,
    /// TF-IDF parameters as stored.
    pub tfidf: Value,
}

impl<'a> Inspection<'a> {
    /// Gather the facts of `bundle`, loaded from `path`.
    pub fn new(path: String, bundle: &'a ModelBundle, top: usize) -> Inspection<'a> {
        let m = &bundle.manifest;
        let recipe = TrainingRecipe::from_manifest_params(&m.classifier.params);
        // Only the small fields of the fitted classifier: never its weights.
        let (kind, calibration) = match serde_json::to_value(&bundle.classifier) {
            Ok(Value::Object(mut o)) => (
                o.remove("kind").unwrap_or(Value::Null),
                o.remove("calibration"),
            ),
            _ => (Value::Null, None),
        };
        Inspection {
            path,
            secdisc_version: &m.secdisc_version,
            format: &bundle.format,
            format_version: bundle.format_version,
            classifier: ClassifierSummary {
                name: &m.classifier.name,
                params: &m.classifier.params,
                kind,
                calibration,
                linear: bundle.classifier.linear().is_some(),
            },
            threshold: bundle.threshold,
            threshold_rule: recipe.as_ref().map(|r| r.threshold_rule.clone()),
            tuned: recipe.and_then(|r| r.tuned),
            seed: m.seed,
            training_data: &m.training_data,
            cv: m.cv.as_ref(),
            text_prep: bundle.text_prep.as_ref(),
            vocabulary: Vocabulary {
                size: bundle.vectorizer.n_features(),
                tfidf: serde_json::to_value(bundle.vectorizer.params()).unwrap_or(Value::Null),
            },
            sentence_vectors: bundle.dense.as_ref().map(|d| SentenceVectorSummary {
                source: match d.source {
                    secdisc_model::DenseSource::Encoder { .. } => "encoder",
                    secdisc_model::DenseSource::Static { .. } => "static",
                    secdisc_model::DenseSource::Model { .. } => "base model",
                },
                fingerprint: d.fingerprint().to_string(),
                dim: d.dim,
                weight: d.weight,
                tfidf_weight: d.tfidf_weight,
            }),
            top_terms: secdisc_infer::top_terms(&bundle.vectorizer, &bundle.classifier, top),
        }
    }

    /// The terminal layout.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let row = |s: &mut String, key: &str, value: &str| {
            let _ = writeln!(s, "{key:<15} {value}");
        };
        row(&mut s, "model", &self.path);
        row(
            &mut s,
            "written by",
            &format!(
                "secdisc {} (format {} v{})",
                self.secdisc_version, self.format, self.format_version
            ),
        );
        let c = &self.classifier;
        let classifier_params = match c.params.get("classifier") {
            Some(p) => p.get("params").unwrap_or(p),
            None => c.params,
        };
        row(
            &mut s,
            "classifier",
            &format!("{}  {}", c.name, flatten(classifier_params)),
        );
        let mut kind = scalar(&c.kind);
        if let Some(cal) = &c.calibration {
            let mut rest = cal.clone();
            let name = match &mut rest {
                Value::Object(o) => o.remove("kind").map_or("".into(), |k| scalar(&k)),
                _ => String::new(),
            };
            let _ = write!(kind, ", {name} calibration");
            if rest.as_object().is_some_and(|o| !o.is_empty()) {
                let _ = write!(kind, " ({})", flatten(&rest));
            }
        }
        row(&mut s, "model kind", &kind);
        if let Some(tuned) = &self.tuned {
            row(&mut s, "tuned", &format!("{tuned} (chosen by nested CV)"));
        }
        row(
            &mut s,
            "threshold",
            &match &self.threshold_rule {
                Some(rule) => format!("{:.4} (rule {rule})", self.threshold),
                None => format!("{:.4}", self.threshold),
            },
        );
        row(&mut s, "seed", &self.seed.to_string());
        let d = self.training_data;
        row(
            &mut s,
            "training data",
            &format!(
                "{}: {} records, {} security, {} non-security",
                d.name, d.rows, d.positives, d.negatives
            ),
        );
        row(&mut s, "", &format!("sha256 {}", d.sha256));
        let prep = match self.text_prep {
            Some(p) if p.markup.is_some() => format!(
                "{}; code as {} ({}), URLs as {}",
                p.describe(),
                p.code.name(),
                p.code_token,
                p.url_token
            ),
            Some(p) => p.describe(),
            None => "none recorded: texts as given (exports cleaned by ingest)".to_string(),
        };
        row(&mut s, "text prep.", &prep);
        row(
            &mut s,
            "vocabulary",
            &format!("{} features", self.vocabulary.size),
        );
        if let Some(v) = &self.sentence_vectors {
            row(
                &mut s,
                "sentence vec.",
                &format!(
                    "{} {}, {} dimensions, weight {} (TF-IDF weight {})",
                    v.source, v.fingerprint, v.dim, v.weight, v.tfidf_weight
                ),
            );
        }
        let t = &self.vocabulary.tfidf;
        let range = |v: &Value| match v.as_array().map(Vec::as_slice) {
            Some([a, b]) => format!("{a}-{b}"),
            _ => "off".to_string(),
        };
        row(
            &mut s,
            "n-grams",
            &format!(
                "words {}, characters {}{}",
                range(&t["ngram_range"]),
                range(&t["char_ngrams"]),
                if t["char_case"] == "keep" {
                    " (case kept)"
                } else {
                    ""
                }
            ),
        );
        let mut tfidf = t.clone();
        if let Value::Object(o) = &mut tfidf {
            o.remove("ngram_range");
            o.remove("char_ngrams");
            o.remove("char_case");
        }
        row(&mut s, "tf-idf", &flatten(&tfidf));
        match self.cv {
            Some(cv) => {
                row(
                    &mut s,
                    "cv",
                    &format!("{} folds, seed {}", cv.folds, cv.seed),
                );
                let (m, d) = (&cv.mean, &cv.std);
                for (name, a, b) in [
                    ("precision", m.precision, d.precision),
                    ("recall", m.recall, d.recall),
                    ("f1", m.f1, d.f1),
                    ("roc_auc", m.auc, d.auc),
                    ("g_mean", m.gmean, d.gmean),
                    ("mcc", m.mcc, d.mcc),
                    ("pr_auc", m.pr_auc, d.pr_auc),
                ] {
                    row(&mut s, "", &format!("{name:<10} {a:.3} ± {b:.3}"));
                }
            }
            None => row(&mut s, "cv", "not run at training time (train --cv K)"),
        }
        match &self.top_terms {
            Some(top) => {
                for (title, list) in [
                    ("towards security", &top.security),
                    ("towards non-security", &top.non_security),
                ] {
                    let _ = writeln!(s, "\ntop {} terms {title}:", list.len());
                    for t in list {
                        let _ = writeln!(s, "  {:>+9.4}  {}", t.weight, t.term);
                    }
                }
            }
            None => {
                let _ = writeln!(
                    s,
                    "\nthe {} classifier is not linear: it has no per-term weights",
                    c.name
                );
            }
        }
        s
    }
}

/// A JSON scalar without quotes.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "none".to_string(),
        other => other.to_string(),
    }
}

/// `k=v, k.sub=v` for an object; the scalar itself otherwise.
fn flatten(v: &Value) -> String {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, v) in o {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            other if prefix.is_empty() => out.push(scalar(other)),
            other => out.push(format!("{prefix}={}", scalar(other))),
        }
    }
    let mut parts = Vec::new();
    walk("", v, &mut parts);
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_nested_parameters() {
        let v = json!({"c": 1.0, "class_weight": "balanced", "loss": {"kind": "hinge"}, "x": null});
        assert_eq!(
            flatten(&v),
            "c=1.0, class_weight=balanced, loss.kind=hinge, x=none"
        );
        assert_eq!(flatten(&json!("lr")), "lr");
    }
}
