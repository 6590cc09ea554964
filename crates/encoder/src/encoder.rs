//! [`SentenceEncoder`]: a BERT-family model and its tokenizer, loaded from a local directory,
//! that embeds texts by mean pooling over real tokens followed by L2 normalisation.

use std::fmt;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use sha2::{Digest, Sha256};
use tokenizers::{Tokenizer, TruncationParams};

use crate::embed::Embed;
use crate::error::{EncoderError, Result};
use crate::params::{EncoderParams, EncoderValidParams};

/// The model's configuration (Hugging Face `BertConfig` JSON).
pub const CONFIG_FILE: &str = "config.json";
/// The tokenizer, in the tokenizers library's JSON format.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// The model's weights.
pub const WEIGHTS_FILE: &str = "model.safetensors";

/// A pretrained BERT-family sentence encoder (such as all-MiniLM-L6-v2) on the CPU.
///
/// Embeds each text as sentence-transformers does: tokenize (truncating to `max_tokens`), run
/// the model, average the last hidden states over the text's real tokens (`[CLS]` and `[SEP]`
/// included, padding excluded), and scale the mean to unit length.
pub struct SentenceEncoder {
    model: BertModel,
    tokenizer: Tokenizer,
    params: EncoderValidParams,
    dim: usize,
    pad_id: u32,
    fingerprint: String,
    dir: PathBuf,
    device: Device,
    /// The bytes of `tokenizer.json`, for distilling.
    tokenizer_json: Vec<u8>,
}

impl SentenceEncoder {
    /// Loads the encoder in `dir`, which must hold [`CONFIG_FILE`], [`TOKENIZER_FILE`] and
    /// [`WEIGHTS_FILE`]. Reads nothing else and downloads nothing.
    ///
    /// # Errors
    /// Invalid `params` (see [`EncoderParams::check_ref`]); [`EncoderError::MissingDir`] or
    /// [`EncoderError::MissingFile`]; [`EncoderError::Io`] for an unreadable file;
    /// [`EncoderError::Config`], [`EncoderError::InvalidConfig`], [`EncoderError::Tokenizer`] or [`EncoderError::Weights`] for a
    /// file that is not what it should be; [`EncoderError::MaxTokensOverModelLimit`] and
    /// [`EncoderError::VocabMismatch`] when the files disagree with each other or with `params`.
    pub fn load(dir: &Path, params: EncoderParams) -> Result<Self> {
        let params = params.check()?;
        if !dir.is_dir() {
            return Err(EncoderError::MissingDir {
                path: dir.to_path_buf(),
            });
        }
        let config_path = dir.join(CONFIG_FILE);
        let tokenizer_path = dir.join(TOKENIZER_FILE);
        let weights_path = dir.join(WEIGHTS_FILE);
        for path in [&config_path, &tokenizer_path, &weights_path] {
            if !path.is_file() {
                return Err(EncoderError::MissingFile { path: path.clone() });
            }
        }
        let config_bytes = read(&config_path)?;
        let tokenizer_bytes = read(&tokenizer_path)?;
        let weights_bytes = read(&weights_path)?;
        let fingerprint = fingerprint(&[
            (CONFIG_FILE, &config_bytes),
            (TOKENIZER_FILE, &tokenizer_bytes),
            (WEIGHTS_FILE, &weights_bytes),
        ]);

        let config: Config =
            serde_json::from_slice(&config_bytes).map_err(|source| EncoderError::Config {
                path: config_path.clone(),
                source,
            })?;
        let pad_id = match u32::try_from(config.pad_token_id) {
            Ok(id) if config.pad_token_id < config.vocab_size => id,
            _ => {
                return Err(EncoderError::InvalidConfig {
                    path: config_path,
                    reason: format!(
                        "pad_token_id {} is not below vocab_size {}",
                        config.pad_token_id, config.vocab_size
                    ),
                })
            }
        };
        if params.max_tokens() > config.max_position_embeddings {
            return Err(EncoderError::MaxTokensOverModelLimit {
                max_tokens: params.max_tokens(),
                max_position_embeddings: config.max_position_embeddings,
                path: config_path,
            });
        }

        let tokenizer =
            load_tokenizer(&tokenizer_bytes, params.max_tokens()).map_err(|source| {
                EncoderError::Tokenizer {
                    path: tokenizer_path.clone(),
                    source,
                }
            })?;
        let tokenizer_vocab = tokenizer.get_vocab_size(true);
        if tokenizer_vocab > config.vocab_size {
            return Err(EncoderError::VocabMismatch {
                tokenizer: tokenizer_path,
                tokenizer_vocab,
                config: config_path,
                config_vocab: config.vocab_size,
            });
        }

        let device = Device::Cpu;
        let model = VarBuilder::from_buffered_safetensors(weights_bytes, DType::F32, &device)
            .and_then(|vb| BertModel::load(vb, &config))
            .map_err(|source| EncoderError::Weights {
                path: weights_path,
                source: Box::new(source),
            })?;
        Ok(Self {
            model,
            tokenizer,
            params,
            dim: config.hidden_size,
            pad_id,
            fingerprint,
            dir: dir.to_path_buf(),
            device,
            tokenizer_json: tokenizer_bytes,
        })
    }

    /// Embeds `texts`: one unit-length vector of [`dim`](Self::dim) floats per text, in input
    /// order. Texts are sorted by token count and cut into batches of `batch_size`, so that
    /// each batch pads little; the result does not depend on how texts are batched (up to float
    /// rounding).
    ///
    /// # Errors
    /// [`EncoderError::Tokenize`] or [`EncoderError::Forward`] if the tokenizer or the model
    /// fails (not expected for a model that loaded).
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let ids = texts
            .iter()
            .enumerate()
            .map(|(index, text)| {
                self.token_ids(text)
                    .map_err(|source| EncoderError::Tokenize { index, source })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(self.params.batch_size()) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            let vectors = self
                .embed_batch(&batch)
                .map_err(|source| EncoderError::Forward {
                    source: Box::new(source),
                })?;
            for (&i, vector) in chunk.iter().zip(vectors) {
                out[i] = vector;
            }
        }
        Ok(out)
    }

    /// Number of tokens the model sees for `text`: `[CLS]` and `[SEP]` included, at most
    /// `max_tokens`.
    ///
    /// # Errors
    /// [`EncoderError::Tokenize`] if the tokenizer fails.
    pub fn count_tokens(&self, text: &str) -> Result<usize> {
        self.token_ids(text)
            .map(|ids| ids.len())
            .map_err(|source| EncoderError::Tokenize { index: 0, source })
    }

    /// Length of the embeddings (the model's `hidden_size`; 384 for all-MiniLM-L6-v2).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Lowercase hex SHA-256 identifying the encoder's files: over config.json, tokenizer.json
    /// and model.safetensors in that order, each as its file name, its length in bytes (u64
    /// little-endian) and its bytes. Record it with anything built on the embeddings, and
    /// refuse an encoder whose fingerprint differs.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Checks that this is the encoder with fingerprint `expected`, as recorded by whatever was
    /// built on its embeddings.
    ///
    /// # Errors
    /// [`EncoderError::FingerprintMismatch`] with both fingerprints if it is another one.
    pub fn ensure_fingerprint(&self, expected: &str) -> Result<()> {
        if self.fingerprint == expected {
            Ok(())
        } else {
            Err(EncoderError::FingerprintMismatch {
                dir: self.dir.clone(),
                expected: expected.to_string(),
                found: self.fingerprint.clone(),
            })
        }
    }

    /// The directory the encoder was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The checked parameters the encoder was loaded with.
    pub fn params(&self) -> &EncoderValidParams {
        &self.params
    }

    fn token_ids(&self, text: &str) -> std::result::Result<Vec<u32>, tokenizers::Error> {
        Ok(self.tokenizer.encode(text, true)?.get_ids().to_vec())
    }

    /// The bytes of the `tokenizer.json` the encoder was loaded with.
    pub(crate) fn tokenizer_json(&self) -> &[u8] {
        &self.tokenizer_json
    }

    /// Forward pass on one batch, then mean pooling over the real tokens and L2 normalisation.
    fn embed_batch(&self, batch: &[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> {
        let mut vectors = self.pool_batch(batch)?;
        for vector in &mut vectors {
            l2_normalize(vector);
        }
        Ok(vectors)
    }

    /// Forward pass on one batch of token ids (special tokens included), then mean pooling
    /// over the real tokens; not normalised.
    pub(crate) fn pool_batch(&self, batch: &[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> {
        let rows = batch.len();
        let width = batch.iter().map(|ids| ids.len()).max().unwrap_or(0);
        if rows == 0 || width == 0 {
            return Ok(vec![vec![0.0; self.dim]; rows]);
        }
        let mut input = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for ids in batch {
            input.extend_from_slice(ids);
            input.resize(input.len() + width - ids.len(), self.pad_id);
            mask.resize(mask.len() + ids.len(), 1f32);
            mask.resize(mask.len() + width - ids.len(), 0f32);
        }
        let input = Tensor::from_vec(input, (rows, width), &self.device)?;
        let token_types = input.zeros_like()?;
        let mask = Tensor::from_vec(mask, (rows, width), &self.device)?;
        let hidden = self.model.forward(&input, &token_types, Some(&mask))?;
        let summed = hidden.broadcast_mul(&mask.unsqueeze(2)?)?.sum(1)?;
        let mean = summed.broadcast_div(&mask.sum_keepdim(1)?)?;
        mean.to_vec2::<f32>()
    }

    /// Forward pass on one batch of equally long token-id sequences (special tokens included);
    /// the last hidden state at `position` of each.
    pub(crate) fn hidden_at(
        &self,
        batch: &[&[u32]],
        position: usize,
    ) -> candle_core::Result<Vec<Vec<f32>>> {
        let rows = batch.len();
        let width = batch.first().map_or(0, |ids| ids.len());
        if rows == 0 || position >= width || batch.iter().any(|ids| ids.len() != width) {
            return Err(candle_core::Error::Msg(format!(
                "hidden_at needs {rows} sequences of one length above {position}"
            )));
        }
        let input: Vec<u32> = batch.iter().flat_map(|ids| ids.iter().copied()).collect();
        let input = Tensor::from_vec(input, (rows, width), &self.device)?;
        let token_types = input.zeros_like()?;
        let mask = Tensor::ones((rows, width), DType::F32, &self.device)?;
        let hidden = self.model.forward(&input, &token_types, Some(&mask))?;
        hidden.narrow(1, position, 1)?.squeeze(1)?.to_vec2::<f32>()
    }
}

impl Embed for SentenceEncoder {
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        SentenceEncoder::embed(self, texts)
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    fn max_tokens(&self) -> usize {
        self.params.max_tokens()
    }
}

impl fmt::Debug for SentenceEncoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentenceEncoder")
            .field("dim", &self.dim)
            .field("params", &self.params)
            .field("fingerprint", &self.fingerprint)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| EncoderError::Io {
        path: PathBuf::from(path),
        source,
    })
}

/// The tokenizer without its own padding (batches are padded here) and truncating to
/// `max_tokens`, special tokens included.
fn load_tokenizer(
    bytes: &[u8],
    max_tokens: usize,
) -> std::result::Result<Tokenizer, tokenizers::Error> {
    let mut tokenizer = Tokenizer::from_bytes(bytes)?;
    tokenizer.with_padding(None);
    tokenizer.with_truncation(Some(TruncationParams {
        max_length: max_tokens,
        ..TruncationParams::default()
    }))?;
    Ok(tokenizer)
}

fn fingerprint(files: &[(&str, &[u8])]) -> String {
    let mut hasher = Sha256::new();
    for (name, bytes) in files {
        hasher.update(name.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Scales `vector` to unit length; leaves an all-zero vector as it is.
fn l2_normalize(vector: &mut [f32]) {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in vector {
            *x /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{
        tiny_config, tiny_weights, write_tiny_encoder, write_weights, TINY_DIM, TINY_MAX_POSITIONS,
    };
    use candle_core::Tensor;

    fn tiny_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_encoder(dir.path());
        dir
    }

    fn load(dir: &Path) -> Result<SentenceEncoder> {
        SentenceEncoder::load(dir, EncoderParams::default().max_tokens(12).batch_size(2))
    }

    /// The error message names `file` and says how to fix it.
    fn assert_names_file(err: &EncoderError, file: &Path) {
        let message = err.to_string();
        assert!(message.contains(&file.display().to_string()), "{message}");
        assert!(message.contains("scripts/fetch-encoder.sh"), "{message}");
        assert!(!message.contains("--"), "{message}");
    }

    const TEXTS: &[&str] = &[
        "The password was leaked in a commit.",
        "bump version",
        "",
        "fix XSS in the login form, the token leaked in a commit. the password was leaked",
        "unknown words ünïcödé 漢字",
    ];

    #[test]
    fn embeds_unit_vectors_in_input_order() {
        let dir = tiny_dir();
        let encoder = load(dir.path()).unwrap();
        assert_eq!(encoder.dim(), TINY_DIM);
        let batched = encoder.embed(TEXTS).unwrap();
        assert_eq!(batched.len(), TEXTS.len());
        for (text, vector) in TEXTS.iter().zip(&batched) {
            let norm: f32 = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5, "{text:?}: norm {norm}");
            // Alone (no padding, batch of one) it gets the same vector.
            let alone = encoder.embed(&[text]).unwrap().remove(0);
            for (a, b) in alone.iter().zip(vector) {
                assert!((a - b).abs() < 1e-5, "{text:?}: {alone:?} vs {vector:?}");
            }
        }
        assert_ne!(batched[0], batched[1]);
        assert!(encoder.embed(&[]).unwrap().is_empty());
    }

    #[test]
    fn counts_special_tokens_and_truncates_to_max_tokens() {
        let dir = tiny_dir();
        let encoder = load(dir.path()).unwrap();
        assert_eq!(encoder.count_tokens("").unwrap(), 2);
        // [CLS] fix x ##ss [SEP]
        assert_eq!(encoder.count_tokens("fix XSS").unwrap(), 5);
        assert_eq!(encoder.count_tokens(TEXTS[3]).unwrap(), 12);
    }

    #[test]
    fn fingerprint_is_stable_and_follows_every_file() {
        let dir = tiny_dir();
        let first = load(dir.path()).unwrap().fingerprint().to_string();
        assert_eq!(first.len(), 64);
        assert!(first
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(load(dir.path()).unwrap().fingerprint(), first);

        let mut weights = tiny_weights();
        let bias = weights["embeddings.LayerNorm.bias"].clone();
        weights.insert("embeddings.LayerNorm.bias".into(), (bias + 0.5).unwrap());
        write_weights(dir.path(), &weights);
        let changed = load(dir.path()).unwrap();
        assert_ne!(changed.fingerprint(), first);
        assert!(changed.ensure_fingerprint(changed.fingerprint()).is_ok());
        let err = changed.ensure_fingerprint(&first).unwrap_err();
        assert!(
            matches!(err, EncoderError::FingerprintMismatch { .. }),
            "{err}"
        );
        assert!(err.to_string().contains(&first), "{err}");
    }

    #[test]
    fn missing_dir_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let err = load(&missing).unwrap_err();
        assert!(matches!(err, EncoderError::MissingDir { .. }), "{err}");
        assert_names_file(&err, &missing);
    }

    #[test]
    fn each_missing_file_is_reported() {
        for file in [CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE] {
            let dir = tiny_dir();
            std::fs::remove_file(dir.path().join(file)).unwrap();
            let err = load(dir.path()).unwrap_err();
            assert!(matches!(err, EncoderError::MissingFile { .. }), "{err}");
            assert_names_file(&err, &dir.path().join(file));
        }
    }

    #[test]
    fn garbage_config_is_reported() {
        let dir = tiny_dir();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, "{ not json").unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(matches!(err, EncoderError::Config { .. }), "{err}");
        assert_names_file(&err, &path);

        let mut config = tiny_config();
        config["hidden_act"] = "swish".into();
        std::fs::write(&path, config.to_string()).unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(matches!(err, EncoderError::Config { .. }), "{err}");
    }

    #[test]
    fn out_of_range_pad_token_is_reported() {
        let dir = tiny_dir();
        let path = dir.path().join(CONFIG_FILE);
        let mut config = tiny_config();
        config["pad_token_id"] = 1000.into();
        std::fs::write(&path, config.to_string()).unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(matches!(err, EncoderError::InvalidConfig { .. }), "{err}");
        assert_names_file(&err, &path);
    }

    #[test]
    fn max_tokens_over_the_models_positions_is_reported() {
        let dir = tiny_dir();
        let params = EncoderParams::default().max_tokens(TINY_MAX_POSITIONS + 1);
        let err = SentenceEncoder::load(dir.path(), params).unwrap_err();
        assert!(
            matches!(
                err,
                EncoderError::MaxTokensOverModelLimit {
                    max_tokens: 17,
                    max_position_embeddings: 16,
                    ..
                }
            ),
            "{err}"
        );
        let params = EncoderParams::default().max_tokens(TINY_MAX_POSITIONS);
        assert!(SentenceEncoder::load(dir.path(), params).is_ok());
    }

    #[test]
    fn invalid_params_are_reported_before_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let err =
            SentenceEncoder::load(dir.path(), EncoderParams::default().batch_size(0)).unwrap_err();
        assert!(matches!(err, EncoderError::ZeroBatchSize), "{err}");
    }

    #[test]
    fn garbage_tokenizer_is_reported() {
        let dir = tiny_dir();
        let path = dir.path().join(TOKENIZER_FILE);
        std::fs::write(&path, b"\x00\x01 garbage").unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(matches!(err, EncoderError::Tokenizer { .. }), "{err}");
        assert_names_file(&err, &path);
    }

    #[test]
    fn tokenizer_larger_than_the_model_vocabulary_is_reported() {
        let dir = tiny_dir();
        let mut config = tiny_config();
        config["vocab_size"] = 10.into();
        std::fs::write(dir.path().join(CONFIG_FILE), config.to_string()).unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(matches!(err, EncoderError::VocabMismatch { .. }), "{err}");
        assert_names_file(&err, &dir.path().join(TOKENIZER_FILE));
    }

    #[test]
    fn garbage_weights_are_reported() {
        let dir = tiny_dir();
        let path = dir.path().join(WEIGHTS_FILE);
        std::fs::write(&path, b"definitely not safetensors").unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(matches!(err, EncoderError::Weights { .. }), "{err}");
        assert_names_file(&err, &path);
    }

    #[test]
    fn missing_tensor_is_reported_with_its_name() {
        let dir = tiny_dir();
        let mut weights = tiny_weights();
        weights.remove("encoder.layer.1.output.dense.weight");
        write_weights(dir.path(), &weights);
        let err = load(dir.path()).unwrap_err();
        assert!(matches!(err, EncoderError::Weights { .. }), "{err}");
        assert_names_file(&err, &dir.path().join(WEIGHTS_FILE));
        assert!(err.to_string().contains("output.dense.weight"), "{err}");
    }

    #[test]
    fn tensor_of_the_wrong_shape_is_reported() {
        let dir = tiny_dir();
        let mut weights = tiny_weights();
        let wrong = Tensor::zeros((3, TINY_DIM), candle_core::DType::F32, &Device::Cpu).unwrap();
        weights.insert("embeddings.word_embeddings.weight".into(), wrong);
        write_weights(dir.path(), &weights);
        let err = load(dir.path()).unwrap_err();
        assert!(matches!(err, EncoderError::Weights { .. }), "{err}");
        assert_names_file(&err, &dir.path().join(WEIGHTS_FILE));
        assert!(err.to_string().contains("word_embeddings"), "{err}");
    }

    #[test]
    fn embedding_cache_returns_the_encoders_vectors() {
        let dir = tiny_dir();
        let cache_dir = tempfile::tempdir().unwrap();
        let encoder = load(dir.path()).unwrap();
        let direct = encoder.embed(TEXTS).unwrap();
        let mut cache = crate::EmbeddingCache::open(cache_dir.path(), &encoder).unwrap();
        assert_eq!(cache.embed_cached(&encoder, TEXTS).unwrap(), direct);
        drop(cache);
        let mut cache = crate::EmbeddingCache::open(cache_dir.path(), &encoder).unwrap();
        assert_eq!(cache.embed_cached(&encoder, TEXTS).unwrap(), direct);
        assert_eq!((cache.hits(), cache.misses()), (TEXTS.len(), 0));
    }

    #[test]
    fn autotraits() {
        fn has_autotraits<T: Send + Sync + Sized + Unpin>() {}
        has_autotraits::<SentenceEncoder>();
    }
}
