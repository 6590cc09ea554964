//! Apply a trained secdisc model to records: fast, in parallel, in input order, with exactly
//! one output row per input record.
//!
//! This crate reads the model format from `secdisc-model` and never links training code.
//! [`Labeler::label_stream`] pulls [`InputItem`]s from any iterator on a reader thread,
//! labels batches on the rayon pool and writes JSONL or CSV rows ([`OutputFormat`]). A record
//! without text, or one that could not be read, still gets a row, with an `error` field.
//! [`Labeler::explain`] decomposes one score into per-term contributions, and [`top_terms`]
//! lists the terms a linear model weighs most in each direction. [`SuggestParams`] picks the
//! unlabelled records most worth labelling next (active learning).
//!
//! ```
//! use secdisc_infer::{InputItem, LabelOptions, Labeler};
//! # use secdisc_features::*;
//! # use secdisc_model::*;
//! # let docs = ["jwt not verified", "fix css"];
//! # let vectorizer = TfidfParams::default().min_df(1).check()?.fit(&docs)?;
//! # let classifier = ClassifierModel::logistic(LinearModel { weights: vec![1.0; vectorizer.n_features()], intercept: -0.5 });
//! # let manifest = Manifest { secdisc_version: "0".into(), seed: 0,
//! #     training_data: TrainingData { name: "d".into(), sha256: "0".into(), rows: 2, positives: 1, negatives: 1 },
//! #     classifier: ClassifierInfo { name: "lr".into(), params: serde_json::json!({}) }, cv: None };
//! # let bundle = ModelBundle::new(manifest, vectorizer, classifier, 0.5)?;
//! let labeler = Labeler::new(&bundle)?;
//! let items = vec![
//!     InputItem::Record { id: "1".into(), text: Some("jwt not verified".into()) },
//!     InputItem::Record { id: "2".into(), text: None },
//! ];
//! let mut out = Vec::new();
//! let summary = labeler.label_stream(items.into_iter(), &mut out, &LabelOptions::default(), &mut |_| {})?;
//! assert_eq!((summary.records, summary.errors), (2, 1));
//! assert_eq!(String::from_utf8(out).unwrap().lines().count(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod decision;
mod explain;
mod input;
mod label_inputs;
pub mod label_rows;
mod labeler;
mod output;
#[cfg(feature = "parquet")]
mod parquet_sink;
pub mod resume;
mod suggest;
#[cfg(test)]
mod testutil;

pub use decision::{Decision, DecisionError, DecisionOverride, Verdict};
pub use explain::{
    explain_row, top_terms, Explanation, LinearExplanation, TermContribution, TermWeight, TopTerms,
};
pub use input::{InputItem, Provenance};
pub use label_inputs::{error_location, record_items, InputParams, Item, LabelInputs};
pub use labeler::{LabelOptions, LabelSummary, Labeler, Prediction, RowSink};
pub use output::{LabelRow, OutputFormat};
#[cfg(feature = "parquet")]
pub use parquet_sink::{ParquetSink, PARQUET_COLUMNS};
pub use suggest::{Strategy, SuggestError, SuggestParams, SuggestValidParams, Suggestion};
