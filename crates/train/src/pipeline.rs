//! The production fit: what `secdisc train` ships, on every record.

use secdisc_features::{TfidfParams, TfidfVectorizer};
use secdisc_model::ClassifierModel;

use crate::classifier::ClassifierParams;
use crate::cv::inner::{choose_threshold, fit_sampled, TrainingPart};
use crate::cv::search::{
    fit_matrices, tune_classifier, tune_jointly, vectorizer_candidates, JointSearch, OuterMatrices,
};
use crate::cv::CvInput;
use crate::error::Result;
use crate::sampling::Sampling;
use crate::threshold::ThresholdRule;
use crate::tune::TuneOptions;

/// Everything [`fit_pipeline`] needs besides the data: the recipe of a model.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineSettings {
    /// TF-IDF parameters (the starting point when `tune` searches the vectorizer).
    pub tfidf: TfidfParams,
    /// The classifier (the starting point when `tune` searches its grid).
    pub classifier: ClassifierParams,
    /// Nested-CV search of the settings before the final fit; `None` fits them as given.
    pub tune: Option<TuneOptions>,
    /// How the threshold is chosen, on inner out-of-fold predictions.
    pub threshold: ThresholdRule,
    /// Resampling of the training rows.
    pub sampling: Sampling,
    /// Seed of every random choice.
    pub seed: u64,
}

/// Settings chosen by the search of [`fit_pipeline`].
#[derive(Debug, Clone, PartialEq)]
pub struct TunedSettings {
    /// What was chosen, for example `min_df=1 ngrams=1-2 c=3`.
    pub label: String,
    /// The TF-IDF parameters the pipeline was fitted with.
    pub tfidf: TfidfParams,
    /// The classifier parameters the pipeline was fitted with.
    pub classifier: ClassifierParams,
    /// The weight of the sentence vectors the pipeline was fitted with, when rows have them:
    /// the model's dense block must carry this weight.
    pub dense_weight: Option<f32>,
}

/// What [`fit_pipeline`] fitted.
pub struct FittedPipeline {
    /// The vectorizer, fitted on every record.
    pub vectorizer: TfidfVectorizer,
    /// The classifier, fitted on every record.
    pub model: ClassifierModel,
    /// The threshold chosen by the rule on inner out-of-fold predictions.
    pub threshold: f64,
    /// The settings the search chose, when there was one.
    pub tuned: Option<TunedSettings>,
}

/// Fit the vectorizer and the classifier on every record, and choose the threshold by the
/// settings' rule on inner out-of-fold predictions: what `secdisc train` ships. With `tune`, the settings are
/// first chosen by nested CV on all the records (every candidate of `classifier`'s grid, and
/// of `tune`'s vectorizer grid, scored on `tune.inner_folds` folds, as inside each training
/// part of [`crate::cross_validate_many`], which estimates how well this procedure does). The text is
/// tokenized once for the search and the final fit.
pub fn fit_pipeline(input: &CvInput<'_>, settings: &PipelineSettings) -> Result<FittedPipeline> {
    let PipelineSettings {
        tfidf,
        classifier,
        tune,
        threshold: rule,
        sampling,
        seed,
    } = settings;
    let (tune, rule, sampling, seed) = (tune.as_ref(), *rule, *sampling, *seed);
    let n = input.labels.len();
    assert_eq!(input.texts.len(), n, "one text per label");
    assert_eq!(input.groups.len(), n, "one group per label");
    classifier.check()?;
    let valid = tfidf.clone().check()?;
    let corpus = valid.tokenize(input.texts);
    let vectorizers = vectorizer_candidates(tune, &valid, input.dense.as_ref())?;
    let search = JointSearch {
        corpus: &corpus,
        vectorizers: &vectorizers,
        sequences: classifier.sequence_len(),
        dense: input.dense,
    };
    let rows: Vec<usize> = (0..n).collect();
    let part = TrainingPart {
        y: input.labels,
        groups: input.groups,
        blocks: None,
        rule,
        sampling,
        seed,
    };
    // Without a vectorizer grid, the search runs on the matrix the model is then fitted on.
    let (v, tuned, fitted) = match tune {
        Some(t) if !t.vectorizer.is_empty() => {
            let (v, label, params) = tune_jointly(&search, &rows, &part, classifier, t)?;
            (v, Some((label, params)), None)
        }
        Some(t) => {
            let m = fit_matrices(&search, 0, &rows, &[])?;
            let chosen = tune_classifier(&m.x_train, &part, classifier, t)?;
            (0, Some(chosen), Some(m))
        }
        None => (0, None, None),
    };
    let OuterMatrices {
        vectorizer,
        x_train: x,
        ..
    } = match fitted {
        Some(m) => m,
        None => fit_matrices(&search, v, &rows, &[])?,
    };
    let classifier = tuned.as_ref().map_or(classifier, |(_, params)| params);
    let model = fit_sampled(classifier, &x, input.labels, sampling, seed)?;
    let threshold = choose_threshold(
        &x,
        input.labels,
        input.groups,
        classifier,
        rule,
        sampling,
        5,
        seed,
    )?;
    let tuned = tuned.map(|(label, params)| TunedSettings {
        label,
        tfidf: vectorizers[v].tfidf.params().clone(),
        classifier: params,
        dense_weight: vectorizers[v].dense_weight,
    });
    Ok(FittedPipeline {
        vectorizer,
        model,
        threshold,
        tuned,
    })
}

/// The settings a trained model records in its manifest (`manifest.classifier.params`): written
/// by `secdisc train`, read back by `secdisc inspect`. Its one owner, so the keys are written and
/// read in one place.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainingRecipe {
    /// The vectorizer's parameters.
    pub tfidf: TfidfParams,
    /// The classifier with its parameters (after any tuning).
    pub classifier: ClassifierParams,
    /// The threshold rule, as `ThresholdRule` prints it (`fixed:0.5`, `max-f1`).
    pub threshold_rule: String,
    /// What a nested-CV search chose (`min_df=1 c=3`); absent when nothing was tuned, so
    /// untuned model files keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuned: Option<String>,
    /// The base model this one was adapted from (`secdisc adapt`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adapted_from: Option<AdaptedFrom>,
}

/// Where an adapted model came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdaptedFrom {
    /// The base model file's name.
    pub model: String,
    /// SHA-256 of the base model file.
    pub sha256: String,
    /// The weight the fit gave the base model's log-odds.
    pub base_weight: f64,
}

impl TrainingRecipe {
    /// As stored in a manifest (a JSON object).
    pub fn to_manifest_params(&self) -> serde_json::Value {
        // Plain structs of strings and finite numbers always serialise.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Read back from a manifest; `None` for a manifest this secdisc did not write (an older
    /// release, another layout).
    pub fn from_manifest_params(params: &serde_json::Value) -> Option<TrainingRecipe> {
        serde_json::from_value(params.clone()).ok()
    }
}
