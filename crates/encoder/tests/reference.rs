//! Checks the encoder against pinned reference embeddings of all-MiniLM-L6-v2.
//!
//! `data/minilm_reference.jsonl` holds one JSON object per text: `text`, `tokens` (token count,
//! `[CLS]` and `[SEP]` included, after truncation to 128) and `embedding` (384 floats, rounded to
//! 7 decimals). They come from an independent float32 numpy implementation of BERT with mean
//! pooling and L2 norm (the team's shared `minilm_reference.py`, max_tokens 128), run on the
//! encoder that `scripts/fetch-encoder.sh` fetches. The first text's vector matches the one
//! published for all-MiniLM-L6-v2 (0.0676569, 0.0634959, ...); one text is cut at 128 tokens and
//! one is mostly not ASCII.
//!
//! To regenerate, feed the `text` fields one per line on stdin:
//! `python3 minilm_reference.py "$SECDISC_ENCODER" < texts.txt > tests/data/minilm_reference.jsonl`.
//!
//! Needs the real encoder: set `SECDISC_ENCODER` to its directory. Without it the test passes
//! after saying so on stderr.

use std::path::PathBuf;

use secdisc_encoder::{EmbeddingCache, EncoderParams, SentenceEncoder};

const TOLERANCE: f32 = 1e-4;

struct Reference {
    text: String,
    tokens: usize,
    embedding: Vec<f32>,
}

fn references() -> Vec<Reference> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/minilm_reference.jsonl");
    let data = std::fs::read_to_string(&path).unwrap();
    data.lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            Reference {
                text: value["text"].as_str().unwrap().to_string(),
                tokens: value["tokens"].as_u64().unwrap() as usize,
                embedding: value["embedding"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap() as f32)
                    .collect(),
            }
        })
        .collect()
}

fn encoder_dir() -> Option<PathBuf> {
    match std::env::var_os("SECDISC_ENCODER") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => {
            eprintln!("SKIPPED: SECDISC_ENCODER is not set (run scripts/fetch-encoder.sh)");
            None
        }
    }
}

#[test]
fn reference_data_is_well_formed() {
    let references = references();
    assert_eq!(references.len(), 5);
    assert!(references.iter().all(|r| r.embedding.len() == 384));
    assert_eq!(references[0].text, "This is an example sentence");
    assert_eq!(&references[0].embedding[..2], &[0.0676569, 0.0634959]);
    assert!(references.iter().any(|r| r.tokens == 128));
    assert!(references.iter().any(|r| !r.text.is_ascii()));
}

#[test]
fn matches_reference_embeddings() {
    let Some(dir) = encoder_dir() else { return };
    // A batch size of 2 puts texts of different lengths in one padded batch.
    let encoder = SentenceEncoder::load(&dir, EncoderParams::default().batch_size(2)).unwrap();
    assert_eq!(encoder.dim(), 384);
    let references = references();
    let texts: Vec<&str> = references.iter().map(|r| r.text.as_str()).collect();
    let vectors = encoder.embed(&texts).unwrap();
    let mut max_diff = 0f32;
    for (reference, vector) in references.iter().zip(&vectors) {
        assert_eq!(
            encoder.count_tokens(&reference.text).unwrap(),
            reference.tokens,
            "token count of {:?}",
            reference.text
        );
        assert_eq!(vector.len(), reference.embedding.len());
        for (dim, (got, want)) in vector.iter().zip(&reference.embedding).enumerate() {
            let diff = (got - want).abs();
            max_diff = max_diff.max(diff);
            assert!(
                diff <= TOLERANCE,
                "{:?}: dimension {dim} is {got}, reference {want}",
                reference.text
            );
        }
    }
    eprintln!("max abs difference to the reference embeddings: {max_diff:e}");
}

#[test]
fn same_vectors_one_by_one_and_batched() {
    let Some(dir) = encoder_dir() else { return };
    let encoder = SentenceEncoder::load(&dir, EncoderParams::default()).unwrap();
    let references = references();
    let texts: Vec<&str> = references.iter().map(|r| r.text.as_str()).collect();
    let batched = encoder.embed(&texts).unwrap();
    for (text, vector) in texts.iter().zip(&batched) {
        let alone = encoder.embed(&[text]).unwrap().remove(0);
        let diff = alone
            .iter()
            .zip(vector)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(diff <= 1e-5, "{text:?}: batched and alone differ by {diff}");
    }
}

#[test]
fn embedding_cache_serves_the_reference_vectors() {
    let Some(dir) = encoder_dir() else { return };
    let encoder = SentenceEncoder::load(&dir, EncoderParams::default()).unwrap();
    let references = references();
    let texts: Vec<&str> = references.iter().map(|r| r.text.as_str()).collect();
    let cache_dir = tempfile::tempdir().unwrap();
    let first = {
        let mut cache = EmbeddingCache::open(cache_dir.path(), &encoder).unwrap();
        cache.embed_cached(&encoder, &texts).unwrap()
    };
    let mut cache = EmbeddingCache::open(cache_dir.path(), &encoder).unwrap();
    assert_eq!(cache.embed_cached(&encoder, &texts).unwrap(), first);
    assert_eq!((cache.hits(), cache.misses()), (texts.len(), 0));
    for (reference, vector) in references.iter().zip(&first) {
        for (got, want) in vector.iter().zip(&reference.embedding) {
            assert!((got - want).abs() <= TOLERANCE, "{:?}", reference.text);
        }
    }
}
