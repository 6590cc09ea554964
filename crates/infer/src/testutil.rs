//! Fixtures shared by this crate's unit tests.

use secdisc_features::{TfidfParams, TfidfVectorizer};
use secdisc_model::{ClassifierInfo, Manifest, TrainingData};

/// A manifest for hand-made test models.
pub(crate) fn manifest() -> Manifest {
    Manifest {
        secdisc_version: "0".into(),
        seed: 0,
        training_data: TrainingData {
            name: "d".into(),
            sha256: "0".into(),
            rows: 2,
            positives: 1,
            negatives: 1,
        },
        classifier: ClassifierInfo {
            name: "lr".into(),
            params: serde_json::json!({}),
        },
        cv: None,
    }
}

/// A vectorizer fitted on `docs`, keeping every term.
pub(crate) fn vectorizer(docs: &[&str]) -> TfidfVectorizer {
    TfidfParams::default()
        .min_df(1)
        .check()
        .and_then(|p| p.fit(docs))
        .expect("the test documents have terms")
}
