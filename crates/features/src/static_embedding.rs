//! [`StaticEmbedding`]: one stored vector per WordPiece token (distilled from a sentence
//! encoder, as model2vec does), so that a text is embedded by a weighted mean of its tokens'
//! vectors, with no neural network at run time.
//!
//! Stored compactly: each token's vector as `i8` with one `f32` scale per token (value =
//! `scale * i8`), 1 byte per value against 2 for `f16`, which is what lets a 30,522-token table
//! of 128 dimensions fit in about 5.8 MB of JSON. The arrays are base64 strings
//! ([`crate::base64`]), so the table can be a field of a JSON model file.

use std::cell::RefCell;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{FeaturesError, Result};
use crate::wordpiece::{WordPiece, WordPieceSettings};

/// Token vectors of a distilled encoder, and the tokenizer that finds a text's tokens.
///
/// ```
/// use secdisc_features::{StaticEmbedding, WordPiece, WordPieceSettings};
/// let vocab = ["[UNK]", "jwt", "leak", "##ed"].map(String::from).to_vec();
/// let wp = WordPiece::new(vocab, WordPieceSettings::default())?;
/// let vectors = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0];
/// let table = StaticEmbedding::from_f32(wp, 2, &vectors, None, "enc".into(), "fp".into())?;
/// let v = table.embed("JWT leaked");
/// assert!((v[0] - v[1] / 2.0).abs() < 1e-2 && (v[0] * v[0] + v[1] * v[1] - 1.0).abs() < 1e-5);
/// assert_eq!(table.embed("nothing known"), [0.0, 0.0]);
/// # Ok::<(), secdisc_features::FeaturesError>(())
/// ```
#[derive(Debug, Clone)]
pub struct StaticEmbedding {
    tokenizer: WordPiece,
    dim: usize,
    /// `vocab.len() * dim` quantized values, token by token.
    values: Vec<i8>,
    /// One scale per token.
    scales: Vec<f32>,
    weights: Option<Vec<f32>>,
    encoder_fingerprint: String,
    fingerprint: String,
    /// `scales[i] * weights[i]`: what row `i` is multiplied by when embedding.
    row_factors: Vec<f32>,
}

/// The stored form (a field of a model file, or a file of its own), as written.
#[derive(Serialize)]
struct StoredRef<'a> {
    /// Always [`QUANTIZATION`] for now.
    quantization: &'a str,
    dim: usize,
    encoder_fingerprint: &'a str,
    fingerprint: &'a str,
    wordpiece: &'a WordPieceSettings,
    vocab: &'a [String],
    #[serde(serialize_with = "crate::base64::f32s::serialize")]
    scales: &'a [f32],
    #[serde(serialize_with = "crate::base64::i8s::serialize")]
    values: &'a [i8],
    #[serde(serialize_with = "optional_f32s::serialize")]
    weights: Option<&'a [f32]>,
}

/// The stored form, as read.
#[derive(Deserialize)]
struct Stored {
    quantization: String,
    dim: usize,
    encoder_fingerprint: String,
    fingerprint: String,
    wordpiece: WordPieceSettings,
    vocab: Vec<String>,
    #[serde(with = "crate::base64::f32s")]
    scales: Vec<f32>,
    #[serde(with = "crate::base64::i8s")]
    values: Vec<i8>,
    #[serde(default, deserialize_with = "optional_f32s::deserialize")]
    weights: Option<Vec<f32>>,
}

/// Value = scale * i8, one scale per token.
const QUANTIZATION: &str = "i8-row-scaled";

thread_local! {
    /// Token ids of the text being embedded, kept between calls.
    static IDS: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

impl StaticEmbedding {
    /// A table from full-precision vectors: `vectors` holds `dim` floats for each token of
    /// `tokenizer`'s vocabulary, in id order; each row is quantized to `i8` with its own scale.
    /// `weights` (one per token) scale each token's contribution to a text; `None` weighs all
    /// alike. `encoder_fingerprint` identifies the encoder distilled, `fingerprint` the encoder
    /// and the distill settings.
    ///
    /// # Errors
    /// [`FeaturesError::InvalidStaticEmbedding`] if the sizes disagree or a value is not finite.
    pub fn from_f32(
        tokenizer: WordPiece,
        dim: usize,
        vectors: &[f32],
        weights: Option<Vec<f32>>,
        encoder_fingerprint: String,
        fingerprint: String,
    ) -> Result<Self> {
        let n = tokenizer.vocab().len();
        if dim == 0 || vectors.len() != n * dim {
            return Err(FeaturesError::InvalidStaticEmbedding(format!(
                "{} values for {n} tokens of dimension {dim}",
                vectors.len()
            )));
        }
        if let Some(bad) = vectors.iter().position(|v| !v.is_finite()) {
            return Err(FeaturesError::InvalidStaticEmbedding(format!(
                "value {bad} is {}",
                vectors[bad]
            )));
        }
        let mut values = Vec::with_capacity(vectors.len());
        let mut scales = Vec::with_capacity(n);
        for row in vectors.chunks_exact(dim) {
            let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let scale = max / 127.0;
            scales.push(scale);
            values.extend(row.iter().map(|&v| {
                if scale > 0.0 {
                    (v / scale).round().clamp(-127.0, 127.0) as i8
                } else {
                    0
                }
            }));
        }
        Self::from_parts(
            tokenizer,
            dim,
            values,
            scales,
            weights,
            encoder_fingerprint,
            fingerprint,
        )
    }

    fn from_parts(
        tokenizer: WordPiece,
        dim: usize,
        values: Vec<i8>,
        scales: Vec<f32>,
        weights: Option<Vec<f32>>,
        encoder_fingerprint: String,
        fingerprint: String,
    ) -> Result<Self> {
        let mut table = Self {
            tokenizer,
            dim,
            values,
            scales,
            weights,
            encoder_fingerprint,
            fingerprint,
            row_factors: Vec::new(),
        };
        table.check()?;
        table.row_factors = match &table.weights {
            Some(w) => table.scales.iter().zip(w).map(|(s, w)| s * w).collect(),
            None => table.scales.clone(),
        };
        Ok(table)
    }

    /// Checks that the parts agree: `dim` above 0, `dim` values and one scale (and one weight,
    /// if any) per token, every scale and weight finite.
    ///
    /// # Errors
    /// [`FeaturesError::InvalidStaticEmbedding`] saying which part is wrong.
    pub fn check(&self) -> Result<()> {
        let invalid = |reason: String| Err(FeaturesError::InvalidStaticEmbedding(reason));
        let n = self.tokenizer.vocab().len();
        if self.dim == 0 {
            return invalid("dim is 0".to_string());
        }
        if self.values.len() != n * self.dim {
            return invalid(format!(
                "{} values for {n} tokens of dimension {}",
                self.values.len(),
                self.dim
            ));
        }
        if self.scales.len() != n {
            return invalid(format!("{} scales for {n} tokens", self.scales.len()));
        }
        if let Some(bad) = self.scales.iter().position(|s| !s.is_finite()) {
            return invalid(format!("scale of token {bad} is {}", self.scales[bad]));
        }
        if let Some(weights) = &self.weights {
            if weights.len() != n {
                return invalid(format!("{} weights for {n} tokens", weights.len()));
            }
            if let Some(bad) = weights.iter().position(|w| !w.is_finite()) {
                return invalid(format!("weight of token {bad} is {}", weights[bad]));
            }
        }
        Ok(())
    }

    /// Embeds `text` into `out` (cleared first): the weighted mean of its tokens' vectors,
    /// scaled to unit length; all zeros when no token of the text has a non-zero vector.
    /// Allocates nothing once `out` and this thread's token buffer have grown.
    pub fn embed_into(&self, text: &str, out: &mut Vec<f32>) {
        out.clear();
        out.resize(self.dim, 0.0);
        IDS.with(|ids| {
            let mut owned = Vec::new();
            let mut guard = ids.try_borrow_mut();
            let ids = match guard.as_deref_mut() {
                Ok(ids) => ids,
                Err(_) => &mut owned,
            };
            ids.clear();
            self.tokenizer.tokenize_ids(text, ids);
            for &id in ids.iter() {
                let id = id as usize;
                let factor = self.row_factors[id];
                if factor == 0.0 {
                    continue;
                }
                let row = &self.values[id * self.dim..(id + 1) * self.dim];
                for (o, &q) in out.iter_mut().zip(row) {
                    *o += factor * f32::from(q);
                }
            }
        });
        let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 && norm.is_finite() {
            for x in out.iter_mut() {
                *x /= norm;
            }
        } else {
            out.fill(0.0);
        }
    }

    /// [`embed_into`](Self::embed_into) a new vector.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.dim);
        self.embed_into(text, &mut out);
        out
    }

    /// Length of the vectors.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Identifies the encoder and the distill settings the table came from.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Fingerprint of the encoder the table was distilled from.
    pub fn encoder_fingerprint(&self) -> &str {
        &self.encoder_fingerprint
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &WordPiece {
        &self.tokenizer
    }

    /// Per-token weights, if any.
    pub fn weights(&self) -> Option<&[f32]> {
        self.weights.as_deref()
    }

    /// Token `id`'s vector, dequantized (unweighted); `None` past the vocabulary.
    pub fn token_vector(&self, id: u32) -> Option<Vec<f32>> {
        let id = id as usize;
        let row = self.values.get(id * self.dim..(id + 1) * self.dim)?;
        Some(
            row.iter()
                .map(|&q| self.scales[id] * f32::from(q))
                .collect(),
        )
    }

    /// Reads a table written by [`save`](Self::save), and checks it.
    ///
    /// # Errors
    /// [`FeaturesError::StaticEmbeddingIo`] if the file cannot be read,
    /// [`FeaturesError::StaticEmbeddingFile`] if it is not a valid table.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| FeaturesError::StaticEmbeddingIo {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| FeaturesError::StaticEmbeddingFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }

    /// Writes the table as JSON, atomically (the old file or the new one, never half).
    ///
    /// # Errors
    /// [`FeaturesError::StaticEmbeddingIo`] if it cannot be written.
    pub fn save(&self, path: &Path) -> Result<()> {
        let io = |source| FeaturesError::StaticEmbeddingIo {
            path: path.to_path_buf(),
            source,
        };
        let bytes = serde_json::to_vec(self).map_err(|e| io(std::io::Error::other(e)))?;
        secdisc_output::write_atomically(path, &bytes).map_err(io)
    }
}

impl Serialize for StaticEmbedding {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        StoredRef {
            quantization: QUANTIZATION,
            dim: self.dim,
            encoder_fingerprint: &self.encoder_fingerprint,
            fingerprint: &self.fingerprint,
            wordpiece: self.tokenizer.settings(),
            vocab: self.tokenizer.vocab(),
            scales: &self.scales,
            values: &self.values,
            weights: self.weights.as_deref(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for StaticEmbedding {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let stored = Stored::deserialize(d)?;
        if stored.quantization != QUANTIZATION {
            return Err(D::Error::custom(format!(
                "quantization {:?} is not {QUANTIZATION:?}",
                stored.quantization
            )));
        }
        let tokenizer = WordPiece::new(stored.vocab, stored.wordpiece).map_err(D::Error::custom)?;
        Self::from_parts(
            tokenizer,
            stored.dim,
            stored.values,
            stored.scales,
            stored.weights,
            stored.encoder_fingerprint,
            stored.fingerprint,
        )
        .map_err(D::Error::custom)
    }
}

/// `Option<Vec<f32>>` as `null` or one base64 string.
mod optional_f32s {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        values: &Option<&[f32]>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match values {
            Some(values) => s.serialize_some(&crate::base64::encode_f32s(values)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<f32>>, D::Error> {
        let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
        text.map(|t| crate::base64::decode_f32s(&t).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> WordPiece {
        let vocab = ["[UNK]", "jwt", "leak", "##ed", "bump", "."];
        WordPiece::new(
            vocab.map(String::from).to_vec(),
            WordPieceSettings::default(),
        )
        .unwrap()
    }

    /// Rows: [UNK] zero, jwt (1,0,0), leak (0,2,0), ##ed (0,0,1), bump (-1,-1,0), `.` zero.
    fn table(weights: Option<Vec<f32>>) -> StaticEmbedding {
        let vectors = [
            0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 1.0, -1.0, -1.0, 0.0, 0.0, 0.0,
            0.0,
        ];
        StaticEmbedding::from_f32(tokenizer(), 3, &vectors, weights, "enc".into(), "fp".into())
            .unwrap()
    }

    fn assert_close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-2, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn embeds_the_normalised_weighted_mean() {
        let t = table(None);
        // jwt + leak + ##ed = (1, 2, 1) / sqrt(6)
        let s = 6f32.sqrt();
        assert_close(&t.embed("JWT leaked."), &[1.0 / s, 2.0 / s, 1.0 / s]);
        assert_eq!(t.embed("unknown words"), [0.0; 3]);
        assert_eq!(t.embed(""), [0.0; 3]);
        let weighted = table(Some(vec![0.0, 2.0, 1.0, 0.0, 1.0, 1.0]));
        // 2 * jwt + leak = (2, 2, 0)
        let h = 0.5f32.sqrt();
        assert_close(&weighted.embed("jwt leaked"), &[h, h, 0.0]);
        // The buffer is reused: same result, no leftovers.
        let mut out = vec![9.0; 10];
        weighted.embed_into("jwt leaked", &mut out);
        assert_close(&out, &[h, h, 0.0]);
    }

    #[test]
    fn quantizes_each_row_with_its_own_scale() {
        let t = table(None);
        assert_close(&t.token_vector(2).unwrap(), &[0.0, 2.0, 0.0]);
        assert_close(&t.token_vector(4).unwrap(), &[-1.0, -1.0, 0.0]);
        assert!(t.token_vector(6).is_none());
    }

    #[test]
    fn round_trips_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.json");
        let t = table(Some(vec![1.0, 2.0, 1.0, 0.5, 1.0, 0.0]));
        t.save(&path).unwrap();
        let back = StaticEmbedding::load(&path).unwrap();
        assert_eq!(back.dim(), 3);
        assert_eq!(back.fingerprint(), "fp");
        assert_eq!(back.encoder_fingerprint(), "enc");
        assert_eq!(back.weights(), t.weights());
        for text in ["jwt leaked", "bump.", "x"] {
            assert_eq!(back.embed(text), t.embed(text));
        }
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(&t).unwrap()
        );
        let unweighted = table(None);
        let json = serde_json::to_string(&unweighted).unwrap();
        let back: StaticEmbedding = serde_json::from_str(&json).unwrap();
        assert!(back.weights().is_none());
    }

    #[test]
    fn broken_files_are_reported_with_their_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.json");
        let err = StaticEmbedding::load(&path).unwrap_err();
        assert!(
            matches!(err, FeaturesError::StaticEmbeddingIo { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("table.json"), "{err}");

        let mut json = serde_json::to_value(table(None)).unwrap();
        json["dim"] = 4.into();
        std::fs::write(&path, json.to_string()).unwrap();
        let err = StaticEmbedding::load(&path).unwrap_err();
        assert!(
            matches!(err, FeaturesError::StaticEmbeddingFile { .. }),
            "{err}"
        );
        let message = err.to_string();
        assert!(
            message.contains("table.json") && message.contains("18 values"),
            "{message}"
        );
        assert!(
            message.contains("secdisc distill") && !message.contains("--"),
            "{message}"
        );

        json["dim"] = 3.into();
        json["scales"] = crate::base64::encode_f32s(&[1.0, f32::NAN, 1.0, 1.0, 1.0, 1.0]).into();
        std::fs::write(&path, json.to_string()).unwrap();
        let err = StaticEmbedding::load(&path).unwrap_err();
        assert!(err.to_string().contains("NaN"), "{err}");

        std::fs::write(&path, "{}").unwrap();
        assert!(StaticEmbedding::load(&path).is_err());
    }

    #[test]
    fn rejects_mismatched_sizes_and_non_finite_values() {
        let err =
            StaticEmbedding::from_f32(tokenizer(), 3, &[0.0; 17], None, "e".into(), "f".into())
                .unwrap_err();
        assert!(err.to_string().contains("17 values"), "{err}");
        let mut vectors = [0.0; 18];
        vectors[4] = f32::INFINITY;
        assert!(
            StaticEmbedding::from_f32(tokenizer(), 3, &vectors, None, "e".into(), "f".into())
                .is_err()
        );
        let err = StaticEmbedding::from_f32(
            tokenizer(),
            3,
            &[0.0; 18],
            Some(vec![1.0; 5]),
            "e".into(),
            "f".into(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("5 weights"), "{err}");
    }

    #[test]
    fn is_send_and_sync() {
        fn check<T: Send + Sync + Clone>() {}
        check::<StaticEmbedding>();
        check::<WordPiece>();
    }
}
