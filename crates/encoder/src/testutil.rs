//! Test fixtures: a deterministic fake [`Embed`] and a tiny random BERT encoder on disk, so that
//! tests need no real encoder.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use sha2::{Digest, Sha256};

use crate::embed::Embed;
use crate::error::Result;

/// Embeds a text as floats derived from its SHA-256; counts the texts it was asked for.
pub(crate) struct FakeEmbedder {
    dim: usize,
    returned_dim: usize,
    fingerprint: String,
    max_tokens: usize,
    embedded: Cell<usize>,
}

impl FakeEmbedder {
    pub(crate) fn new(dim: usize) -> Self {
        Self {
            dim,
            returned_dim: dim,
            fingerprint: "cafe".to_string(),
            max_tokens: 128,
            embedded: Cell::new(0),
        }
    }

    pub(crate) fn with_fingerprint(mut self, fingerprint: &str) -> Self {
        self.fingerprint = fingerprint.to_string();
        self
    }

    pub(crate) fn with_max_tokens(mut self, max_tokens: usize) -> Self {
        self.max_tokens = max_tokens;
        self
    }

    /// Claims `dim` but returns vectors of `returned_dim` floats.
    pub(crate) fn returning_dim(mut self, returned_dim: usize) -> Self {
        self.returned_dim = returned_dim;
        self
    }

    /// Texts embedded so far.
    pub(crate) fn embedded(&self) -> usize {
        self.embedded.get()
    }
}

impl Embed for FakeEmbedder {
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        self.embedded.set(self.embedded.get() + texts.len());
        Ok(texts
            .iter()
            .map(|text| {
                let hash = Sha256::digest(text.as_bytes());
                (0..self.returned_dim)
                    .map(|i| f32::from(hash[i % 32]) / 255.0 + i as f32)
                    .collect()
            })
            .collect())
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    fn max_tokens(&self) -> usize {
        self.max_tokens
    }
}

/// Vocabulary of the tiny encoder; the first five are the special tokens.
pub(crate) const TINY_VOCAB: &[&str] = &[
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "password", "was", "leaked", "in", "a",
    "commit", "token", "bump", "version", "to", "fix", "x", "##ss", "login", "form", "##s", ".",
];
/// `hidden_size` of the tiny encoder.
pub(crate) const TINY_DIM: usize = 8;
/// `max_position_embeddings` of the tiny encoder.
pub(crate) const TINY_MAX_POSITIONS: usize = 16;
const TINY_HEADS: usize = 2;
const TINY_LAYERS: usize = 2;
const TINY_INTERMEDIATE: usize = 16;

pub(crate) fn tiny_config() -> serde_json::Value {
    serde_json::json!({
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": TINY_DIM,
        "initializer_range": 0.02,
        "intermediate_size": TINY_INTERMEDIATE,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": TINY_MAX_POSITIONS,
        "model_type": "bert",
        "num_attention_heads": TINY_HEADS,
        "num_hidden_layers": TINY_LAYERS,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "type_vocab_size": 2,
        "vocab_size": TINY_VOCAB.len()
    })
}

/// A WordPiece tokenizer.json laid out like all-MiniLM-L6-v2's, padding and truncation included
/// (the encoder must override both).
pub(crate) fn tiny_tokenizer() -> serde_json::Value {
    let special = |id: usize| {
        serde_json::json!({"id": id, "special": true, "content": TINY_VOCAB[id], "single_word": false,
            "lstrip": false, "rstrip": false, "normalized": false})
    };
    let vocab: serde_json::Map<String, serde_json::Value> = TINY_VOCAB
        .iter()
        .enumerate()
        .map(|(id, token)| (token.to_string(), serde_json::json!(id)))
        .collect();
    serde_json::json!({
        "version": "1.0",
        "truncation": {"max_length": TINY_MAX_POSITIONS, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": TINY_MAX_POSITIONS}, "direction": "Right",
            "pad_to_multiple_of": null, "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
        "added_tokens": (0..5).map(special).collect::<Vec<_>>(),
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
            "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100, "vocab": vocab}
    })
}

/// Random BERT weights for the tiny config, from a fixed-seed linear congruential generator.
pub(crate) fn tiny_weights() -> HashMap<String, Tensor> {
    let mut state: u64 = 0x5eed_d15c;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    };
    let mut tensor = |shape: &[usize], base: f32| {
        let n = shape.iter().product();
        let values: Vec<f32> = (0..n).map(|_| base + next()).collect();
        Tensor::from_vec(values, shape, &Device::Cpu).unwrap()
    };
    let (v, h, i) = (TINY_VOCAB.len(), TINY_DIM, TINY_INTERMEDIATE);
    let mut weights = HashMap::new();
    let mut add = |name: String, t: Tensor| {
        weights.insert(name, t);
    };
    add(
        "embeddings.word_embeddings.weight".into(),
        tensor(&[v, h], 0.0),
    );
    add(
        "embeddings.position_embeddings.weight".into(),
        tensor(&[TINY_MAX_POSITIONS, h], 0.0),
    );
    add(
        "embeddings.token_type_embeddings.weight".into(),
        tensor(&[2, h], 0.0),
    );
    add("embeddings.LayerNorm.weight".into(), tensor(&[h], 1.0));
    add("embeddings.LayerNorm.bias".into(), tensor(&[h], 0.0));
    for layer in 0..TINY_LAYERS {
        let p = format!("encoder.layer.{layer}.");
        for name in ["query", "key", "value"] {
            add(
                format!("{p}attention.self.{name}.weight"),
                tensor(&[h, h], 0.0),
            );
            add(format!("{p}attention.self.{name}.bias"), tensor(&[h], 0.0));
        }
        add(
            format!("{p}attention.output.dense.weight"),
            tensor(&[h, h], 0.0),
        );
        add(format!("{p}attention.output.dense.bias"), tensor(&[h], 0.0));
        add(
            format!("{p}attention.output.LayerNorm.weight"),
            tensor(&[h], 1.0),
        );
        add(
            format!("{p}attention.output.LayerNorm.bias"),
            tensor(&[h], 0.0),
        );
        add(
            format!("{p}intermediate.dense.weight"),
            tensor(&[i, h], 0.0),
        );
        add(format!("{p}intermediate.dense.bias"), tensor(&[i], 0.0));
        add(format!("{p}output.dense.weight"), tensor(&[h, i], 0.0));
        add(format!("{p}output.dense.bias"), tensor(&[h], 0.0));
        add(format!("{p}output.LayerNorm.weight"), tensor(&[h], 1.0));
        add(format!("{p}output.LayerNorm.bias"), tensor(&[h], 0.0));
    }
    weights
}

pub(crate) fn write_weights(dir: &Path, weights: &HashMap<String, Tensor>) {
    candle_core::safetensors::save(weights, dir.join(crate::WEIGHTS_FILE)).unwrap();
}

/// Writes config.json, tokenizer.json and model.safetensors of the tiny encoder into `dir`.
pub(crate) fn write_tiny_encoder(dir: &Path) {
    std::fs::write(dir.join(crate::CONFIG_FILE), tiny_config().to_string()).unwrap();
    std::fs::write(
        dir.join(crate::TOKENIZER_FILE),
        tiny_tokenizer().to_string(),
    )
    .unwrap();
    write_weights(dir, &tiny_weights());
}
