//! Sentence vectors for models with a dense block: the pretrained encoder that `--encoder`
//! (or `SECDISC_ENCODER`) names, checked against the one the model was trained with.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;
use secdisc_encoder::{EmbeddingCache, EncoderParams, SentenceEncoder};
use secdisc_features::{DenseRows, StaticEmbedding};
use secdisc_infer::Labeler;
use secdisc_model::{DenseBlock, DenseSource, ModelBundle, SentenceVectors};
use secdisc_train::DenseInput;

use super::model_args::ModelArgs;

/// The encoder flag of the commands that score with a saved model.
#[derive(Debug, Clone, clap::Args)]
pub struct EncoderArg {
    /// Folder of the pretrained sentence encoder (`config.json`, `tokenizer.json`,
    /// `model.safetensors`; `scripts/fetch-encoder.sh` fetches all-MiniLM-L6-v2), needed only
    /// by models trained with `--features ...encoder`.
    #[arg(long, env = "SECDISC_ENCODER", value_name = "DIR")]
    pub encoder: Option<PathBuf>,
}

/// A loaded encoder as the source of a model's sentence vectors.
pub struct EncoderVectors(pub SentenceEncoder);

impl SentenceVectors for EncoderVectors {
    fn fingerprint(&self) -> &str {
        self.0.fingerprint()
    }

    fn dim(&self) -> usize {
        self.0.dim()
    }

    fn vectors(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        self.0.embed(texts).map_err(|e| e.to_string())
    }
}

/// Load the encoder in `dir` reading at most `max_tokens` tokens per text.
pub fn load_encoder(dir: &Path, max_tokens: usize) -> anyhow::Result<SentenceEncoder> {
    let params = EncoderParams::default().max_tokens(max_tokens);
    SentenceEncoder::load(dir, params)
        .with_context(|| format!("cannot load the sentence encoder in {}", dir.display()))
}

/// The encoder `bundle` reads its sentence vectors from, loaded from `dir`; `None` when the
/// model needs none.
pub fn for_model(
    bundle: &ModelBundle,
    dir: Option<&Path>,
) -> anyhow::Result<Option<EncoderVectors>> {
    let Some(block) = &bundle.dense else {
        return Ok(None);
    };
    let DenseSource::Encoder { max_tokens, .. } = &block.source else {
        return Ok(None);
    };
    let Some(dir) = dir else {
        anyhow::bail!(
            "the model reads sentence vectors from the encoder {}; pass its folder with --encoder DIR or SECDISC_ENCODER (scripts/fetch-encoder.sh fetches it)",
            block.fingerprint()
        );
    };
    let vectors = EncoderVectors(load_encoder(dir, *max_tokens)?);
    block.accepts(&vectors).with_context(|| {
        format!(
            "{} is another encoder than the model was trained with; pass the encoder the model names, or retrain the model with this one",
            dir.display()
        )
    })?;
    Ok(Some(vectors))
}

/// A labeller for `bundle`, reading sentence vectors from `vectors` when the model has an
/// encoder block.
pub fn labeler<'m>(
    bundle: &'m ModelBundle,
    vectors: &'m Option<EncoderVectors>,
) -> anyhow::Result<Labeler<'m>> {
    Ok(match vectors {
        Some(v) => Labeler::with_vectors(bundle, v)?,
        None => Labeler::new(bundle)?,
    })
}

/// The sentence vectors of a data set and the dense block a model trained on them records.
pub struct DenseFeatures {
    /// One vector per record.
    pub rows: DenseRows,
    /// What the model file records.
    pub block: DenseBlock,
}

impl DenseFeatures {
    /// As cross-validation and training take them.
    pub fn input(&self) -> DenseInput<'_> {
        DenseInput {
            rows: &self.rows,
            weight: self.block.weight,
            tfidf_weight: self.block.tfidf_weight,
        }
    }
}

/// Texts embedded per step (and appended to the cache), so a long run shows progress and a
/// killed one keeps what it embedded.
const EMBED_STEP: usize = 256;

/// The sentence vectors of `texts` when `model`'s `--features` asks for them (`None` for
/// TF-IDF alone), through the embedding cache unless it is turned off.
pub fn dense_features(
    model: &ModelArgs,
    texts: &[String],
) -> anyhow::Result<Option<DenseFeatures>> {
    if !model.feature_set.uses_encoder() && !model.feature_set.uses_static() {
        return Ok(None);
    }
    if !(model.dense_weight.is_finite() && model.dense_weight > 0.0) {
        crate::cli::usage(format!(
            "--dense-weight must be a positive number, got {}",
            model.dense_weight
        ));
    }
    if model.feature_set.uses_static() {
        return static_features(model, texts).map(Some);
    }
    let Some(dir) = model.encoder.encoder.as_deref() else {
        crate::cli::usage(format!("--features {} needs the encoder: pass --encoder DIR or set SECDISC_ENCODER (scripts/fetch-encoder.sh fetches all-MiniLM-L6-v2)",
            clap::ValueEnum::to_possible_value(&model.feature_set).map_or_else(String::new, |v| v.get_name().to_string())));
    };
    let encoder = load_encoder(dir, model.max_tokens)?;
    let mut cache = match cache_dir(model) {
        Some(cache_dir) => Some(EmbeddingCache::open(&cache_dir, &encoder).with_context(|| {
            format!("cannot open the embedding cache in {}", cache_dir.display())
        })?),
        None => None,
    };
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let bar = crate::progress::bar(texts.len() as u64, "embedding");
    let mut values = Vec::with_capacity(texts.len() * encoder.dim());
    for step in refs.chunks(EMBED_STEP) {
        let vectors = match &mut cache {
            Some(c) => c.embed_cached(&encoder, step),
            None => encoder.embed(step),
        }
        .context("cannot embed the texts")?;
        for v in vectors {
            values.extend_from_slice(&v);
        }
        bar.inc(step.len() as u64);
    }
    bar.finish_and_clear();
    if let Some(c) = &cache {
        eprintln!(
            "secdisc: sentence vectors: {} from the cache, {} embedded ({})",
            c.hits(),
            c.misses(),
            c.path().display()
        );
    }
    let dim = encoder.dim();
    Ok(Some(DenseFeatures {
        rows: DenseRows::new(dim, values)?,
        block: DenseBlock {
            source: DenseSource::Encoder {
                fingerprint: encoder.fingerprint().to_string(),
                max_tokens: model.max_tokens,
            },
            dim,
            weight: model.dense_weight,
            tfidf_weight: model.feature_set.tfidf_weight(),
        },
    }))
}

/// The vectors of `texts` from the `--static` table, which the model will carry.
fn static_features(model: &ModelArgs, texts: &[String]) -> anyhow::Result<DenseFeatures> {
    let Some(path) = &model.static_table else {
        crate::cli::usage("--features tfidf+static needs a table: pass --static TABLE (make one with `secdisc distill -o TABLE`)");
    };
    let table = StaticEmbedding::load(path)?;
    let dim = table.dim();
    let vectors: Vec<Vec<f32>> = texts.par_iter().map(|t| table.embed(t)).collect();
    let values = vectors.into_iter().flatten().collect();
    Ok(DenseFeatures {
        rows: DenseRows::new(dim, values)?,
        block: DenseBlock {
            source: DenseSource::Static {
                table: Box::new(table),
            },
            dim,
            weight: model.dense_weight,
            tfidf_weight: model.feature_set.tfidf_weight(),
        },
    })
}

/// The embedding cache folder: `--embedding-cache`, `$SECDISC_CACHE`, else
/// `~/.cache/secdisc`; `None` with `--no-embedding-cache` or without a home folder.
fn cache_dir(model: &ModelArgs) -> Option<PathBuf> {
    if model.no_embedding_cache {
        return None;
    }
    if let Some(dir) = &model.embedding_cache {
        return Some(dir.clone());
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("secdisc"))
}
