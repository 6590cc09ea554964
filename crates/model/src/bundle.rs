//! The model file: vectorizer + classifier + threshold + manifest, in one JSON document.
//!
//! It lives in this crate because both `train` (writes) and `infer` (reads) reach it.
//! Saving is atomic (temporary file in the same directory, fsync, rename), so a crash leaves
//! either the old file or the new one, never a partial one. Loading checks the format name and
//! version before anything else and says what to do on a mismatch.

use secdisc_ingest::TextPrep;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::classifier::ClassifierModel;
use crate::dense::DenseBlock;
use crate::error::{ModelError, Result};
use secdisc_features::TfidfVectorizer;

/// The `format` field of every model file.
pub const MODEL_FORMAT: &str = "secdisc-model";
/// The model format version this build writes and reads.
/// Version 2: `classifier` is a tagged [`ClassifierModel`] (version 1 stored bare weights).
pub const MODEL_FORMAT_VERSION: u32 = 2;

/// Metrics for the security class, as stored in a manifest and reported by `evaluate`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricSet {
    /// TP / (TP + FP); 0 when nothing is predicted positive.
    pub precision: f64,
    /// TP / (TP + FN).
    pub recall: f64,
    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub f1: f64,
    /// Area under the ROC curve (ties count half).
    pub auc: f64,
    /// sqrt(TPR × TNR).
    pub gmean: f64,
    /// Matthews correlation coefficient; 0 when undefined.
    pub mcc: f64,
    /// Area under the precision-recall curve (average precision).
    pub pr_auc: f64,
}

/// Cross-validation results stored with a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvSummary {
    /// Number of folds.
    pub folds: usize,
    /// Seed used to shuffle the folds.
    pub seed: u64,
    /// Mean over folds.
    pub mean: MetricSet,
    /// Population standard deviation over folds.
    pub std: MetricSet,
}

/// What the model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingData {
    /// File name as given on the command line (no directories, so models are reproducible
    /// across machines).
    pub name: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
    /// Records used.
    pub rows: usize,
    /// Security records.
    pub positives: usize,
    /// Non-security records.
    pub negatives: usize,
}

/// Which classifier produced the weights, and with which parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifierInfo {
    /// Short name, for example `lr`.
    pub name: String,
    /// All parameters as given to the trainer (a JSON object).
    pub params: serde_json::Value,
}

/// Provenance of a model. Contains no timestamps, so the same data, parameters and seed give
/// a byte-identical file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// secdisc version that wrote the file.
    pub secdisc_version: String,
    /// Seed used by training (cross-validation shuffling and any randomised solver).
    pub seed: u64,
    /// The training data.
    pub training_data: TrainingData,
    /// The classifier and its parameters.
    pub classifier: ClassifierInfo,
    /// Cross-validation on the training data, when it was run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<CvSummary>,
}

/// Everything needed to label text: written by `secdisc train`, read by `label`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelBundle {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// [`MODEL_FORMAT_VERSION`] when written by this build.
    pub format_version: u32,
    /// Provenance.
    pub manifest: Manifest,
    /// How a text is cleaned and split before it is scored (and was before training); absent
    /// in files written before it was recorded, which read texts as given
    /// ([`ModelBundle::text_prep`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_prep: Option<TextPrep>,
    /// Text to features.
    pub vectorizer: TfidfVectorizer,
    /// Sentence vectors appended to each TF-IDF row, when the model reads them; absent (and
    /// not written) for TF-IDF-only models, whose files keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dense: Option<DenseBlock>,
    /// Features to score.
    pub classifier: ClassifierModel,
    /// A record is `security` when its probability is at least this.
    pub threshold: f64,
}

#[derive(Deserialize)]
struct Probe {
    format: Option<String>,
    format_version: Option<u32>,
    manifest: Option<ProbeManifest>,
}

#[derive(Deserialize)]
struct ProbeManifest {
    secdisc_version: Option<String>,
}

impl ModelBundle {
    /// Assemble a bundle, checking that the classifier fits the vectorizer.
    pub fn new(
        manifest: Manifest,
        vectorizer: TfidfVectorizer,
        classifier: ClassifierModel,
        threshold: f64,
    ) -> Result<ModelBundle> {
        ModelBundle::with_dense(manifest, vectorizer, None, classifier, threshold)
    }

    /// Assemble a bundle whose rows may carry a dense block after the TF-IDF columns,
    /// checking that the classifier fits both.
    pub fn with_dense(
        manifest: Manifest,
        vectorizer: TfidfVectorizer,
        dense: Option<DenseBlock>,
        classifier: ClassifierModel,
        threshold: f64,
    ) -> Result<ModelBundle> {
        let bundle = ModelBundle {
            format: MODEL_FORMAT.to_string(),
            format_version: MODEL_FORMAT_VERSION,
            manifest,
            text_prep: None,
            vectorizer,
            dense,
            classifier,
            threshold,
        };
        bundle.validate()?;
        Ok(bundle)
    }

    /// The same model, recording that texts are prepared as `prep` (checked).
    ///
    /// # Errors
    /// [`ModelError::InvalidTextPrep`] when `prep` does not check (a token with a line break).
    pub fn with_text_prep(mut self, prep: TextPrep) -> Result<ModelBundle> {
        self.text_prep = Some(prep);
        self.validate()?;
        Ok(self)
    }

    /// How texts are prepared for this model: as recorded, or as given for a file that
    /// records nothing.
    pub fn text_prep(&self) -> TextPrep {
        self.text_prep.clone().unwrap_or_else(TextPrep::as_given)
    }

    /// The log-odds of security `ln(p / (1 - p))` of each text (p clamped to [1e-6, 1 - 1e-6]),
    /// for a model that carries everything it scores with.
    ///
    /// # Errors
    /// [`ModelError::EncoderRequired`] for a model whose dense block reads an encoder given at
    /// run time; [`ModelError::Vectors`] when a carried source fails.
    pub fn log_odds(&self, texts: &[&str]) -> Result<Vec<f32>> {
        let mut x = self
            .vectorizer
            .transform_with(texts, self.classifier.sequence_len());
        if let Some(block) = &self.dense {
            let source = block
                .carried_vectors()
                .ok_or_else(|| ModelError::EncoderRequired {
                    fingerprint: block.fingerprint().to_string(),
                })?;
            let vectors = source
                .vectors(texts)
                .map_err(|message| ModelError::Vectors { message })?;
            let values = vectors.into_iter().flatten().collect();
            let rows = secdisc_features::DenseRows::new(block.dim, values)?;
            x = x.with_dense(&rows, block.tfidf_weight, block.weight)?;
        }
        Ok(x.rows()
            .map(|row| {
                let p = self.classifier.probability(row).clamp(1e-6, 1.0 - 1e-6);
                (p / (1.0 - p)).ln() as f32
            })
            .collect())
    }

    /// Columns of a row: the TF-IDF features, then the dense block's.
    pub fn n_features(&self) -> usize {
        self.vectorizer.n_features() + self.dense.as_ref().map_or(0, |d| d.dim)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(ModelError::InvalidClassifier {
                reason: format!(
                    "threshold {} is not a probability in [0, 1]",
                    self.threshold
                ),
            });
        }
        self.classifier
            .validate()
            .map_err(|reason| ModelError::InvalidClassifier { reason })?;
        if self.classifier.n_features() != self.n_features() {
            return Err(ModelError::DimensionMismatch {
                expected: self.classifier.n_features(),
                found: self.n_features(),
            });
        }
        if let Some(block) = &self.dense {
            block.validate()?;
        }
        if let Some(prep) = &self.text_prep {
            prep.build().map_err(ModelError::InvalidTextPrep)?;
        }
        Ok(())
    }

    /// The model as JSON bytes (what [`ModelBundle::save`] writes).
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain structs of strings and finite numbers cannot fail.
        serde_json::to_vec(self).expect("model bundle serialises")
    }

    /// Write atomically to `path`: a temporary file in the same directory, synced, then
    /// renamed over `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        secdisc_output::write_atomically(path, &self.to_json()).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Read and check a model file.
    pub fn load(path: &Path) -> Result<ModelBundle> {
        Self::from_json(path, &Self::read_bytes(path)?)
    }

    /// The bytes of a model file, for a caller that also needs them (to hash the model) before
    /// [`ModelBundle::from_json`]; read errors as [`ModelBundle::load`] gives them.
    pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
        std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Parse and check model bytes; `path` is used in messages.
    pub fn from_json(path: &Path, bytes: &[u8]) -> Result<ModelBundle> {
        // An editor that saved the file may have put a UTF-8 byte order mark first.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let looks_like_model = bytes.len() > 9
            && bytes.starts_with(b"{")
            && memmem(&bytes[..bytes.len().min(256)], MODEL_FORMAT.as_bytes());
        let probe: Probe = match serde_json::from_slice(bytes) {
            Ok(p) => p,
            Err(e) if looks_like_model => {
                return Err(ModelError::CorruptModel {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })
            }
            Err(e) => {
                return Err(ModelError::NotAModel {
                    path: path.to_path_buf(),
                    reason: if bytes.is_empty() {
                        "the file is empty".into()
                    } else {
                        format!("not a JSON model: {e}")
                    },
                })
            }
        };
        if probe.format.as_deref() != Some(MODEL_FORMAT) {
            return Err(ModelError::NotAModel {
                path: path.to_path_buf(),
                reason: format!(
                    "its `format` field is {:?}, not {MODEL_FORMAT:?}",
                    probe.format
                ),
            });
        }
        let found = probe.format_version.unwrap_or(0);
        if found != MODEL_FORMAT_VERSION {
            return Err(ModelError::FormatVersion {
                path: path.to_path_buf(),
                found,
                expected: MODEL_FORMAT_VERSION,
                ours: env!("CARGO_PKG_VERSION").to_string(),
                written_by: probe
                    .manifest
                    .and_then(|m| m.secdisc_version)
                    .unwrap_or_else(|| "unknown".into()),
            });
        }
        let bundle: ModelBundle =
            serde_json::from_slice(bytes).map_err(|e| ModelError::CorruptModel {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        bundle.validate().map_err(|e| match e {
            ModelError::InvalidClassifier { reason } => ModelError::CorruptModel {
                path: path.to_path_buf(),
                reason,
            },
            ModelError::InvalidTextPrep(e) => ModelError::CorruptModel {
                path: path.to_path_buf(),
                reason: format!("text_prep: {e}"),
            },
            other => other,
        })?;
        Ok(bundle)
    }
}

fn memmem(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secdisc_features::TfidfParams;

    fn bundle() -> ModelBundle {
        let docs = [
            "rotate the jwt signing key",
            "fix typo in readme",
            "jwt key leak",
        ];
        let vectorizer = TfidfParams::default()
            .min_df(1)
            .check()
            .unwrap()
            .fit(&docs)
            .unwrap();
        let classifier = ClassifierModel::logistic(crate::linear::LinearModel {
            weights: vec![0.5; vectorizer.n_features()],
            intercept: -0.25,
        });
        let manifest = Manifest {
            secdisc_version: "0.1.0".into(),
            seed: 7,
            training_data: TrainingData {
                name: "d.csv".into(),
                sha256: "00".into(),
                rows: 3,
                positives: 2,
                negatives: 1,
            },
            classifier: ClassifierInfo {
                name: "lr".into(),
                params: serde_json::json!({"c": 1.0}),
            },
            cv: None,
        };
        ModelBundle::new(manifest, vectorizer, classifier, 0.5).unwrap()
    }

    #[test]
    fn the_text_preparation_is_kept_and_checked_on_load() {
        let plain = bundle();
        assert_eq!(plain.text_prep(), TextPrep::as_given());
        // A file without the field keeps its bytes.
        assert!(!String::from_utf8(plain.to_json())
            .unwrap()
            .contains("text_prep"));
        let prepared = plain.with_text_prep(TextPrep::default()).unwrap();
        let bytes = prepared.to_json();
        let back = ModelBundle::from_json(Path::new("m.json"), &bytes).unwrap();
        assert_eq!(back.text_prep(), TextPrep::default());
        let bad = String::from_utf8(bytes)
            .unwrap()
            .replace("\"code_token\":\"[CODE]\"", "\"code_token\":\"a\\nb\"");
        let err = ModelBundle::from_json(Path::new("m.json"), bad.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, ModelError::CorruptModel { reason, .. } if reason.starts_with("text_prep")),
            "{err}"
        );
    }

    #[test]
    fn a_dense_block_must_fit_its_source_and_a_carried_base_is_checked() {
        use crate::dense::{DenseBlock, DenseSource};
        let base = bundle();
        let block = |dim: usize, weight: f32| DenseBlock {
            source: DenseSource::Model {
                model: Box::new(base.clone()),
            },
            dim,
            weight,
            tfidf_weight: 1.0,
        };
        let with = |block: DenseBlock| {
            let b = bundle();
            let mut weights = vec![0.5; b.vectorizer.n_features()];
            weights.extend(vec![1.0; block.dim]);
            let classifier = ClassifierModel::logistic(crate::linear::LinearModel {
                weights,
                intercept: 0.0,
            });
            ModelBundle::with_dense(b.manifest, b.vectorizer, Some(block), classifier, 0.5)
        };
        assert!(with(block(1, 10.0)).is_ok());
        // A carried base gives one value; a block that says two is refused, not mis-scored.
        let e = with(block(2, 10.0)).unwrap_err().to_string();
        assert!(
            e.contains("says 2 dimensions but its source gives 1"),
            "{e}"
        );
        assert!(with(block(1, f32::NAN)).is_err());
        // A damaged base inside is refused too.
        let mut broken = base.clone();
        if let ClassifierModel::Linear { model, .. } = &mut broken.classifier {
            model.weights.pop();
        }
        let mut inner = block(1, 10.0);
        inner.source = DenseSource::Model {
            model: Box::new(broken),
        };
        assert!(matches!(
            with(inner),
            Err(ModelError::DimensionMismatch { .. })
        ));
    }

    #[test]
    fn save_load_round_trip_is_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        let b = bundle();
        b.save(&path).unwrap();
        let back = ModelBundle::load(&path).unwrap();
        assert_eq!(back.to_json(), b.to_json());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn issue6_weights_load_back_exactly() {
        // Found by the round-trip property in crates/train/tests/props.rs: without serde_json's
        // `float_roundtrip` this weight came back one ulp off (…168 as …167).
        let mut b = bundle();
        let weights = [-0.09379660274826168, 0.20295895997615815, 1e-300, -2.5e-7];
        let n = b.vectorizer.n_features();
        b.classifier = ClassifierModel::logistic(crate::linear::LinearModel {
            weights: weights.iter().copied().cycle().take(n).collect(),
            intercept: -0.12967360320540686,
        });
        let back = ModelBundle::from_json(Path::new("m.json"), &b.to_json()).unwrap();
        assert_eq!(back.classifier, b.classifier);
    }

    #[test]
    fn rejects_truncated_foreign_and_future_files() {
        let p = Path::new("m.json");
        let json = bundle().to_json();
        let e = ModelBundle::from_json(p, &json[..json.len() / 2]).unwrap_err();
        assert!(matches!(e, ModelError::CorruptModel { .. }), "{e}");
        let e = ModelBundle::from_json(p, b"id,text,label\n1,a,1\n").unwrap_err();
        assert!(matches!(e, ModelError::NotAModel { .. }), "{e}");
        let e = ModelBundle::from_json(p, b"{\"format\":\"other\"}").unwrap_err();
        assert!(matches!(e, ModelError::NotAModel { .. }), "{e}");
        let e = ModelBundle::from_json(p, b"").unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
        let future = String::from_utf8(json).unwrap().replacen(
            "\"format_version\":2",
            "\"format_version\":99",
            1,
        );
        let e = ModelBundle::from_json(p, future.as_bytes()).unwrap_err();
        assert!(
            e.to_string().contains("version 99") && e.to_string().contains("retrain"),
            "{e}"
        );
    }

    #[test]
    fn rejects_mismatched_dimensions() {
        let mut b = bundle();
        if let ClassifierModel::Linear { model, .. } = &mut b.classifier {
            model.weights.pop();
        }
        let json = serde_json::to_vec(&b).unwrap();
        let e = ModelBundle::from_json(Path::new("m"), &json).unwrap_err();
        assert!(matches!(e, ModelError::DimensionMismatch { .. }), "{e}");
    }

    #[test]
    fn failed_save_leaves_nothing_behind() {
        let e = bundle()
            .save(Path::new("/nonexistent-dir/m.json"))
            .unwrap_err();
        assert!(e.to_string().contains("/nonexistent-dir/m.json"), "{e}");
    }
}
