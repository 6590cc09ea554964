//! What every `--json` report of `evaluate`, `compare` and `bench` says about the run that made
//! it (issue 14 item 5): the secdisc version, the command line, the data files with their
//! SHA-256 and counts, the seed, the text preparation, features and classifiers, and the wall
//! time, kept apart from the results so that two runs' results can be compared as they are.

use secdisc_train::dataset::{DataFile, Dataset};
use serde::Serialize;
use serde_json::Value;

/// The `run` object of a `--json` report.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// The secdisc version that ran.
    pub secdisc_version: &'static str,
    /// The arguments as given, the program first.
    pub command_line: Vec<String>,
    /// The labelled inputs, in order.
    pub data: Vec<DataFile>,
    /// The seed of folds and fitting.
    pub seed: Option<u64>,
    /// Worker threads (`--threads`, else one per core).
    pub threads: usize,
    /// How texts were prepared before features (see `train --markup`).
    pub text_prep: Option<Value>,
    /// The TF-IDF parameters.
    pub features: Option<Value>,
    /// Each classifier's name and parameters, in report order.
    pub classifiers: Vec<Value>,
    /// Wall seconds of the whole command so far; the only field that differs between two runs
    /// of the same command on the same data.
    pub seconds: f64,
}

impl RunInfo {
    /// The run over `data`, started at `started`.
    pub fn new(data: &Dataset, seed: Option<u64>, started: std::time::Instant) -> RunInfo {
        RunInfo {
            secdisc_version: env!("CARGO_PKG_VERSION"),
            command_line: std::env::args().collect(),
            data: data.file_summaries(),
            seed,
            threads: rayon::current_num_threads(),
            text_prep: None,
            features: None,
            classifiers: Vec::new(),
            seconds: started.elapsed().as_secs_f64(),
        }
    }

    /// With the text preparation and TF-IDF parameters used.
    pub fn with_features(mut self, prep: &impl Serialize, tfidf: &impl Serialize) -> RunInfo {
        self.text_prep = serde_json::to_value(prep).ok();
        self.features = serde_json::to_value(tfidf).ok();
        self
    }

    /// With a classifier (name and parameters as its serialisation gives them).
    pub fn with_classifier(mut self, params: &impl Serialize) -> RunInfo {
        if let Ok(v) = serde_json::to_value(params) {
            self.classifiers.push(v);
        }
        self
    }
}

/// A report with its `run` object after its own fields.
#[derive(Serialize)]
pub struct WithRun<'a, T: Serialize> {
    #[serde(flatten)]
    report: &'a T,
    run: &'a RunInfo,
}

impl<'a, T: Serialize> WithRun<'a, T> {
    /// `report` with `run`.
    pub fn new(report: &'a T, run: &'a RunInfo) -> Self {
        WithRun { report, run }
    }
}
