//! Why a model says what it says: per-term contributions to one score, and the terms a linear
//! model weighs most.
//!
//! For a linear classifier the decision value is `intercept + Σ weight × tf-idf value` over the
//! terms present in the text, so each term's share is exact. Signs are oriented so that a
//! positive number always pushes towards security (a Platt-scaled model whose slope came out
//! negative has every sign flipped). Classifiers that are not linear have no per-term
//! decomposition; [`Explanation::linear`] is then `None` and [`top_terms`] returns `None`.

use secdisc_features::{SparseRow, TfidfVectorizer};
use secdisc_model::{Calibration, ClassifierModel, LinearModel, ModelBundle};
use serde::Serialize;

/// One vocabulary term and its model weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermWeight {
    /// The term as the vectorizer names it (stemmed words; character n-grams in brackets).
    pub term: String,
    /// Weight, oriented so that positive pushes towards security.
    pub weight: f64,
}

/// How [`explain_row`] names the dense block's share of a decision (the sentence vector).
pub const SENTENCE_VECTOR: &str = "[sentence vector]";

/// How [`explain_row`] names a carried base model's share of an adapted model's decision.
pub const BASE_MODEL: &str = "[base model]";

/// The terms a linear model weighs most in each direction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopTerms {
    /// Largest positive weights, strongest first.
    pub security: Vec<TermWeight>,
    /// Most negative weights, strongest (most negative) first.
    pub non_security: Vec<TermWeight>,
}

/// One term present in a text and its share of the decision value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermContribution {
    /// The term: from [`crate::Labeler::explain`] the words as written in the text (`Rotate`),
    /// otherwise the vocabulary's term (`rotat`).
    pub term: String,
    /// The vocabulary's term when `term` shows the words as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stem: Option<String>,
    /// The feature (column) of a vocabulary term; `None` for the sentence-vector entry.
    #[serde(skip)]
    pub feature: Option<u32>,
    /// Its L2-normalised TF-IDF value in this text.
    pub tfidf: f64,
    /// Its model weight (oriented: positive pushes towards security).
    pub weight: f64,
    /// `weight × tfidf`.
    pub contribution: f64,
}

/// The additive decomposition of a linear decision value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinearExplanation {
    /// The intercept (oriented like the weights).
    pub intercept: f64,
    /// `intercept + Σ contribution` over all present terms: the (oriented) decision value.
    pub decision: f64,
    /// Every present term, largest `|contribution|` first; ties go to the term that comes first
    /// in the vocabulary.
    pub terms: Vec<TermContribution>,
}

/// The outcome of labelling one text, with its reasons when the model is linear.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Probability of security.
    pub score: f64,
    /// The model's threshold.
    pub threshold: f64,
    /// `score >= threshold`.
    pub is_security: bool,
    /// Per-term contributions; `None` when the classifier is not linear.
    pub linear: Option<LinearExplanation>,
}

/// `+1`, or `-1` when the probability falls as the decision value rises (a negative Platt slope).
fn orientation(classifier: &ClassifierModel) -> f64 {
    if let ClassifierModel::Linear {
        calibration: Calibration::Platt { a, .. },
        ..
    } = classifier
    {
        if *a < 0.0 {
            return -1.0;
        }
    }
    1.0
}

/// The oriented linear model of `classifier`, if it has one.
fn oriented(classifier: &ClassifierModel) -> Option<(&LinearModel, f64)> {
    classifier.linear().map(|m| (m, orientation(classifier)))
}

/// The `n` terms with the largest positive and the `n` with the most negative weights, or `None`
/// when the classifier is not linear. Zero weights are never listed; ties go to the term that
/// comes first in the vocabulary.
///
/// Only the vectorizer's terms are ranked: the columns of a dense block after them (sentence
/// vectors) are no terms.
///
/// Panics if the classifier has fewer features than the vectorizer (a [`ModelBundle`] never
/// does).
pub fn top_terms(
    vectorizer: &TfidfVectorizer,
    classifier: &ClassifierModel,
    n: usize,
) -> Option<TopTerms> {
    let (model, sign) = oriented(classifier)?;
    assert!(
        model.n_features() >= vectorizer.n_features(),
        "the classifier has fewer features than the vectorizer"
    );
    let mut order: Vec<(usize, f64)> = model.weights[..vectorizer.n_features()]
        .iter()
        .map(|w| sign * w)
        .enumerate()
        .filter(|(_, w)| *w != 0.0 && w.is_finite())
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let name = |&(i, weight): &(usize, f64)| TermWeight {
        term: vectorizer.feature_name(i).into_owned(),
        weight,
    };
    let security = order
        .iter()
        .take_while(|(_, w)| *w > 0.0)
        .take(n)
        .map(name)
        .collect();
    let mut negative: Vec<(usize, f64)> = order.iter().copied().filter(|(_, w)| *w < 0.0).collect();
    negative.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let non_security = negative.iter().take(n).map(name).collect();
    Some(TopTerms {
        security,
        non_security,
    })
}

/// Explain the score of one TF-IDF `row` of `bundle`'s vectorizer.
pub fn explain_row(bundle: &ModelBundle, row: SparseRow<'_>) -> Explanation {
    let score = bundle.classifier.probability(row);
    let words = bundle.vectorizer.n_features();
    let linear = oriented(&bundle.classifier).map(|(model, sign)| {
        // The dense block's columns make one entry: the sentence vector's share.
        let vector: f64 = row
            .indices
            .iter()
            .zip(row.values)
            .filter(|(&i, _)| i as usize >= words)
            .map(|(&i, &v)| sign * model.weights[i as usize] * f64::from(v))
            .sum();
        let mut terms: Vec<(usize, TermContribution)> = row
            .indices
            .iter()
            .zip(row.values)
            .filter(|(&i, _)| (i as usize) < words)
            .map(|(&i, &v)| {
                let weight = sign * model.weights[i as usize];
                let tfidf = f64::from(v);
                (
                    i as usize,
                    TermContribution {
                        term: bundle.vectorizer.feature_name(i as usize).into_owned(),
                        stem: None,
                        feature: Some(i),
                        tfidf,
                        weight,
                        contribution: weight * tfidf,
                    },
                )
            })
            .collect();
        if let Some(block) = &bundle.dense {
            terms.push((
                words,
                TermContribution {
                    term: match block.source {
                        secdisc_model::DenseSource::Model { .. } => BASE_MODEL,
                        secdisc_model::DenseSource::Encoder { .. }
                        | secdisc_model::DenseSource::Static { .. } => SENTENCE_VECTOR,
                    }
                    .to_string(),
                    stem: None,
                    feature: None,
                    tfidf: f64::from(block.weight),
                    weight: vector / f64::from(block.weight),
                    contribution: vector,
                },
            ));
        }
        terms.sort_by(|a, b| {
            b.1.contribution
                .abs()
                .total_cmp(&a.1.contribution.abs())
                .then(a.0.cmp(&b.0))
        });
        let intercept = sign * model.intercept;
        LinearExplanation {
            intercept,
            decision: intercept + terms.iter().map(|t| t.1.contribution).sum::<f64>(),
            terms: terms.into_iter().map(|t| t.1).collect(),
        }
    });
    Explanation {
        score,
        threshold: bundle.threshold,
        is_security: score >= bundle.threshold,
        linear,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secdisc_features::TfidfParams;

    fn bundle(calibration: Calibration) -> ModelBundle {
        let docs = ["jwt token leak", "css layout fix", "jwt layout"];
        let vectorizer = TfidfParams::default()
            .min_df(1)
            .ngram_range(1, 1)
            .check()
            .unwrap()
            .fit(&docs)
            .unwrap();
        let weights: Vec<f64> = (0..vectorizer.n_features())
            .map(|i| match &*vectorizer.feature_name(i) {
                "jwt" => 2.0,
                "token" => 1.0,
                "leak" => 0.5,
                "css" => -1.5,
                "layout" => -0.25,
                _ => 0.0,
            })
            .collect();
        let classifier = ClassifierModel::Linear {
            model: LinearModel {
                weights,
                intercept: -0.5,
            },
            calibration,
        };
        let manifest = crate::testutil::manifest();
        ModelBundle::new(manifest, vectorizer, classifier, 0.5).unwrap()
    }

    fn names(terms: &[TermWeight]) -> Vec<&str> {
        terms.iter().map(|t| t.term.as_str()).collect()
    }

    #[test]
    fn top_terms_lists_each_direction_strongest_first_without_zeros() {
        let b = bundle(Calibration::Logistic);
        let top = top_terms(&b.vectorizer, &b.classifier, 2).unwrap();
        assert_eq!(names(&top.security), ["jwt", "token"]);
        assert_eq!(names(&top.non_security), ["css", "layout"]);
        let all = top_terms(&b.vectorizer, &b.classifier, 100).unwrap();
        assert_eq!(names(&all.security), ["jwt", "token", "leak"]);
        assert_eq!(names(&all.non_security), ["css", "layout"], "fix weighs 0");
        assert_eq!(all.non_security[0].weight, -1.5);
    }

    #[test]
    fn contributions_add_up_to_the_decision_value_and_sort_by_magnitude() {
        let b = bundle(Calibration::Logistic);
        let mut f = b.vectorizer.featurizer();
        let row = f.transform("the css for the jwt token");
        let decision = b.classifier.decision(row);
        let e = explain_row(&b, row);
        let lin = e.linear.unwrap();
        assert!((lin.decision - decision).abs() < 1e-12);
        assert_eq!(lin.intercept, -0.5);
        let terms: Vec<&str> = lin.terms.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(terms, ["jwt", "css", "token"]);
        for t in &lin.terms {
            assert_eq!(t.contribution, t.weight * t.tfidf);
        }
        assert_eq!(e.is_security, e.score >= 0.5);
        assert!((e.score - secdisc_model::sigmoid(decision)).abs() < 1e-12);
    }

    #[test]
    fn negative_platt_slope_flips_every_sign() {
        let b = bundle(Calibration::Platt { a: -1.0, b: 0.0 });
        let top = top_terms(&b.vectorizer, &b.classifier, 1).unwrap();
        assert_eq!(names(&top.security), ["css"]);
        assert_eq!(names(&top.non_security), ["jwt"]);
        let mut f = b.vectorizer.featurizer();
        let row = f.transform("jwt");
        let lin = explain_row(&b, row).linear.unwrap();
        assert_eq!(lin.intercept, 0.5);
        assert!(lin.terms[0].contribution < 0.0);
        assert!((lin.decision + b.classifier.decision(row)).abs() < 1e-12);
    }
}
