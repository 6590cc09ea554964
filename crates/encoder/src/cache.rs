//! [`EmbeddingCache`]: embeddings kept on disk, so that each text is embedded once per encoder.
//!
//! The cache directory holds one file per encoder and `max_tokens`, named
//! `{fingerprint}-max{max_tokens}-dim{dim}.emb`. The file is a sequence of records, appended to
//! and never rewritten: the SHA-256 of the text's UTF-8 bytes (32 bytes), then the embedding as
//! `dim` little-endian `f32`. There is no header. A trailing partial record, left by a run that
//! was killed while writing, is ignored and cut off when the file is opened. One process at a
//! time may write to a cache file.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::embed::Embed;
use crate::error::{EncoderError, Result};

const KEY_LEN: usize = 32;
type Key = [u8; KEY_LEN];

/// Embeddings of one encoder (fingerprint and `max_tokens`), loaded from and appended to a file.
///
/// ```no_run
/// use std::path::Path;
/// use secdisc_encoder::{EmbeddingCache, EncoderParams, SentenceEncoder};
///
/// let encoder = SentenceEncoder::load(Path::new("encoders/all-minilm-l6-v2"), EncoderParams::default())?;
/// let mut cache = EmbeddingCache::open(Path::new("cache/embeddings"), &encoder)?;
/// let vectors = cache.embed_cached(&encoder, &["rotate the leaked API key"])?;
/// assert_eq!(vectors[0].len(), encoder.dim());
/// # Ok::<(), secdisc_encoder::EncoderError>(())
/// ```
#[derive(Debug)]
pub struct EmbeddingCache {
    path: PathBuf,
    fingerprint: String,
    max_tokens: usize,
    dim: usize,
    vectors: HashMap<Key, Vec<f32>>,
    file: File,
    file_len: u64,
    hits: usize,
    misses: usize,
}

impl EmbeddingCache {
    /// Opens (creating it and `dir` if needed) the cache file for `encoder` in `dir` and loads
    /// its embeddings.
    ///
    /// # Errors
    /// [`EncoderError::Io`] if the directory or file cannot be created, read or cut back;
    /// [`EncoderError::EmbedderOutput`] if the encoder's fingerprint is not a plain alphanumeric
    /// string (it becomes part of a file name).
    pub fn open(dir: &Path, encoder: &impl Embed) -> Result<Self> {
        let fingerprint = encoder.fingerprint();
        if fingerprint.is_empty() || !fingerprint.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(EncoderError::EmbedderOutput {
                expected: "an alphanumeric fingerprint".to_string(),
                got: format!("{fingerprint:?}"),
            });
        }
        let (max_tokens, dim) = (encoder.max_tokens(), encoder.dim());
        std::fs::create_dir_all(dir).map_err(|source| EncoderError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(format!("{fingerprint}-max{max_tokens}-dim{dim}.emb"));
        let io_error = |source| EncoderError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io_error)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_error)?;

        let record_len = KEY_LEN + 4 * dim;
        let whole = bytes.len() - bytes.len() % record_len;
        let mut vectors = HashMap::with_capacity(whole / record_len);
        for record in bytes[..whole].chunks_exact(record_len) {
            let (key, floats) = record.split_at(KEY_LEN);
            let mut k = [0u8; KEY_LEN];
            k.copy_from_slice(key);
            let vector = floats
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            vectors.insert(k, vector);
        }
        if whole < bytes.len() {
            // A torn record from a killed run: drop it so that new records stay aligned.
            file.set_len(whole as u64).map_err(io_error)?;
        }
        Ok(Self {
            fingerprint: fingerprint.to_string(),
            max_tokens,
            dim,
            vectors,
            file,
            file_len: whole as u64,
            hits: 0,
            misses: 0,
            path,
        })
    }

    /// Embeddings of `texts` in input order: cached ones from memory, the others (each distinct
    /// text once) from `encoder` in one call, then appended to the file.
    ///
    /// # Errors
    /// [`EncoderError::CacheEncoderMismatch`] if `encoder` is not the one the cache was opened
    /// for; whatever `encoder.embed` returns; [`EncoderError::EmbedderOutput`] if it returns
    /// the wrong number or length of vectors; [`EncoderError::Io`] if appending fails (the
    /// file is then cut back to its last whole record).
    pub fn embed_cached(&mut self, encoder: &impl Embed, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if encoder.fingerprint() != self.fingerprint
            || encoder.max_tokens() != self.max_tokens
            || encoder.dim() != self.dim
        {
            return Err(EncoderError::CacheEncoderMismatch {
                path: self.path.clone(),
                cached: self.fingerprint.clone(),
                cached_max_tokens: self.max_tokens,
                given: encoder.fingerprint().to_string(),
                given_max_tokens: encoder.max_tokens(),
            });
        }
        let keys: Vec<Key> = texts.iter().map(|text| text_key(text)).collect();
        let mut seen = HashSet::new();
        let (miss_keys, miss_texts): (Vec<Key>, Vec<&str>) = keys
            .iter()
            .zip(texts)
            .filter(|(key, _)| !self.vectors.contains_key(*key) && seen.insert(**key))
            .map(|(key, text)| (*key, *text))
            .unzip();
        if !miss_texts.is_empty() {
            let embedded = encoder.embed(&miss_texts)?;
            if embedded.len() != miss_texts.len() || embedded.iter().any(|v| v.len() != self.dim) {
                return Err(EncoderError::EmbedderOutput {
                    expected: format!("{} vectors of {} floats", miss_texts.len(), self.dim),
                    got: format!(
                        "{} vectors of lengths {:?}",
                        embedded.len(),
                        embedded.iter().map(Vec::len).collect::<Vec<_>>()
                    ),
                });
            }
            self.append(&miss_keys, &embedded)?;
            self.vectors.extend(miss_keys.into_iter().zip(embedded));
        }
        self.misses += miss_texts.len();
        self.hits += texts.len() - miss_texts.len();
        Ok(keys.iter().map(|key| self.vectors[key].clone()).collect())
    }

    /// Texts served from the cache so far, a repeat within one call included.
    pub fn hits(&self) -> usize {
        self.hits
    }

    /// Distinct texts that had to be embedded so far.
    pub fn misses(&self) -> usize {
        self.misses
    }

    /// Number of embeddings in the cache.
    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    /// Whether the cache holds no embedding.
    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends whole records in one write; on failure cuts the file back to where it was.
    fn append(&mut self, keys: &[Key], vectors: &[Vec<f32>]) -> Result<()> {
        let mut buf = Vec::with_capacity(keys.len() * (KEY_LEN + 4 * self.dim));
        for (key, vector) in keys.iter().zip(vectors) {
            buf.extend_from_slice(key);
            for x in vector {
                buf.extend_from_slice(&x.to_le_bytes());
            }
        }
        match self.file.write_all(&buf) {
            Ok(()) => {
                self.file_len += buf.len() as u64;
                Ok(())
            }
            Err(source) => {
                // Best effort: a torn tail left here is also dropped by the next `open`.
                let _ = self.file.set_len(self.file_len);
                Err(EncoderError::Io {
                    path: self.path.clone(),
                    source,
                })
            }
        }
    }
}

fn text_key(text: &str) -> Key {
    Sha256::digest(text.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::FakeEmbedder;

    fn texts() -> Vec<&'static str> {
        vec![
            "leaked token",
            "bump version",
            "leaked token",
            "XSS in the login form",
        ]
    }

    #[test]
    fn embeds_only_misses_and_keeps_order() {
        let dir = tempfile::tempdir().unwrap();
        let fake = FakeEmbedder::new(4);
        let expected = FakeEmbedder::new(4);
        let mut cache = EmbeddingCache::open(dir.path(), &fake).unwrap();
        let first = cache.embed_cached(&fake, &texts()).unwrap();
        assert_eq!(first, expected.embed(&texts()).unwrap());
        assert_eq!((cache.misses(), cache.hits()), (3, 1));
        assert_eq!(fake.embedded(), 3);

        let second = cache
            .embed_cached(&fake, &["bump version", "new text"])
            .unwrap();
        assert_eq!(
            second,
            expected.embed(&["bump version", "new text"]).unwrap()
        );
        assert_eq!((cache.misses(), cache.hits()), (4, 2));
        assert_eq!(fake.embedded(), 4);
        assert_eq!(cache.len(), 4);
    }

    #[test]
    fn reopened_cache_embeds_nothing_again() {
        let dir = tempfile::tempdir().unwrap();
        let fake = FakeEmbedder::new(3);
        let first = {
            let mut cache = EmbeddingCache::open(dir.path(), &fake).unwrap();
            cache.embed_cached(&fake, &texts()).unwrap()
        };
        let fresh = FakeEmbedder::new(3);
        let mut cache = EmbeddingCache::open(dir.path(), &fresh).unwrap();
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.embed_cached(&fresh, &texts()).unwrap(), first);
        assert_eq!(fresh.embedded(), 0);
        assert_eq!((cache.misses(), cache.hits()), (0, 4));
    }

    #[test]
    fn ignores_and_cuts_a_torn_trailing_record() {
        let dir = tempfile::tempdir().unwrap();
        let fake = FakeEmbedder::new(2);
        let path = {
            let mut cache = EmbeddingCache::open(dir.path(), &fake).unwrap();
            cache.embed_cached(&fake, &["a", "b"]).unwrap();
            cache.path().to_path_buf()
        };
        let whole = std::fs::metadata(&path).unwrap().len();
        assert_eq!(whole, 2 * (32 + 8));
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[7u8; 13]).unwrap();
        drop(file);

        let mut cache = EmbeddingCache::open(dir.path(), &fake).unwrap();
        assert_eq!(cache.len(), 2);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), whole);
        let got = cache.embed_cached(&fake, &["c", "a"]).unwrap();
        assert_eq!(got, fake.embed(&["c", "a"]).unwrap());
        drop(cache);
        let cache = EmbeddingCache::open(dir.path(), &fake).unwrap();
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn separate_files_per_fingerprint_and_max_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let a = FakeEmbedder::new(2);
        let b = FakeEmbedder::new(2).with_fingerprint("beef");
        let c = FakeEmbedder::new(2).with_max_tokens(64);
        let mut cache_a = EmbeddingCache::open(dir.path(), &a).unwrap();
        cache_a.embed_cached(&a, &["x"]).unwrap();
        for other in [&b, &c] {
            let cache = EmbeddingCache::open(dir.path(), other).unwrap();
            assert!(cache.is_empty());
            assert_ne!(cache.path(), cache_a.path());
        }
    }

    #[test]
    fn refuses_another_encoder() {
        let dir = tempfile::tempdir().unwrap();
        let a = FakeEmbedder::new(2);
        let b = FakeEmbedder::new(2).with_fingerprint("beef");
        let mut cache = EmbeddingCache::open(dir.path(), &a).unwrap();
        let err = cache.embed_cached(&b, &["x"]).unwrap_err();
        assert!(
            matches!(err, EncoderError::CacheEncoderMismatch { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("beef"), "{err}");
    }

    #[test]
    fn rejects_wrong_embedder_output_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let liar = FakeEmbedder::new(2).returning_dim(3);
        let mut cache = EmbeddingCache::open(dir.path(), &liar).unwrap();
        let err = cache.embed_cached(&liar, &["x"]).unwrap_err();
        assert!(matches!(err, EncoderError::EmbedderOutput { .. }), "{err}");
        assert_eq!(std::fs::metadata(cache.path()).unwrap().len(), 0);
        assert!(cache.is_empty());
    }

    #[test]
    fn rejects_a_fingerprint_that_is_no_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let bad = FakeEmbedder::new(2).with_fingerprint("../x");
        let err = EmbeddingCache::open(dir.path(), &bad).unwrap_err();
        assert!(matches!(err, EncoderError::EmbedderOutput { .. }), "{err}");
    }

    #[test]
    fn empty_input_gives_empty_output() {
        let dir = tempfile::tempdir().unwrap();
        let fake = FakeEmbedder::new(2);
        let mut cache = EmbeddingCache::open(dir.path(), &fake).unwrap();
        assert!(cache.embed_cached(&fake, &[]).unwrap().is_empty());
        assert_eq!(fake.embedded(), 0);
    }

    #[test]
    fn autotraits() {
        fn has_autotraits<T: Send + Sync + Sized + Unpin>() {}
        has_autotraits::<EmbeddingCache>();
    }
}
