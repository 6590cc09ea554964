//! Static distillation (model2vec's recipe): every vocabulary token goes through the encoder on
//! its own (`[CLS] token [SEP]`; by default the token's own hidden state, which kept the
//! encoder's similarities better than model2vec's mean over the three positions), PCA brings
//! the vectors down to `dim`, each token gets a weight, and the result is a quantized
//! [`StaticEmbedding`] that embeds texts with no neural network.
//!
//! Weights: special tokens (`[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`, `[unusedN]`) weigh 0.
//! [`TokenWeighting::Sif`] follows model2vec: it takes the vocabulary order as a frequency rank
//! (BERT's vocabulary puts frequent words first after its single characters), assumes Zipf's law
//! `p(rank) ∝ 1 / rank` and weighs `a / (a + p)`, so frequent tokens count less, as smooth
//! inverse frequency does. A token that is one character, neither letter nor digit
//! (punctuation, symbols), weighs `punctuation_weight` times that.

use sha2::{Digest, Sha256};

use secdisc_features::{StaticEmbedding, WordPiece};

use crate::encoder::SentenceEncoder;
use crate::error::{EncoderError, Result};

/// Default for [`DistillParams::dim`]: 128, which keeps a 30,522-token table near 5.8 MB.
pub const DEFAULT_DISTILL_DIM: usize = 128;
/// Default for [`DistillParams::batch_size`].
pub const DEFAULT_DISTILL_BATCH_SIZE: usize = 256;
/// Default SIF coefficient `a` of [`TokenWeighting::Sif`]: 1e-5, which kept all-MiniLM-L6-v2's
/// text similarities best on `data/corpus.csv` (model2vec uses 1e-4).
pub const DEFAULT_SIF_COEFFICIENT: f32 = 1e-5;

/// How much each token counts in a text's mean.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum TokenWeighting {
    /// Every token alike.
    Uniform,
    /// Smooth inverse frequency with Zipf's law over the vocabulary order: `a / (a + p(rank))`.
    Sif {
        /// The coefficient `a`; smaller down-weighs frequent tokens more.
        coefficient: f32,
    },
}

/// Which hidden states of `[CLS] token [SEP]` make a token's vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DistillPooling {
    /// The mean over all three positions, as sentence-transformers pools a text (model2vec's
    /// choice); `[CLS]` and `[SEP]` then make up two thirds of every token's vector.
    Mean,
    /// The token's own position only.
    Token,
}

/// Settings of [`distill`]; not yet checked.
///
/// ```
/// use secdisc_encoder::{DistillParams, TokenWeighting};
/// let params = DistillParams::default().dim(64).weighting(TokenWeighting::Uniform).check()?;
/// assert_eq!(params.dim(), 64);
/// # Ok::<(), secdisc_encoder::EncoderError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistillParams(DistillValidParams);

/// Checked [`DistillParams`]: `dim >= 1`, `batch_size >= 1`, a finite positive SIF coefficient
/// and a finite `punctuation_weight >= 0`. Whether `dim` fits the encoder is checked by
/// [`distill`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistillValidParams {
    dim: usize,
    batch_size: usize,
    weighting: TokenWeighting,
    punctuation_weight: f32,
    pooling: DistillPooling,
}

impl Default for DistillParams {
    fn default() -> Self {
        Self(DistillValidParams {
            dim: DEFAULT_DISTILL_DIM,
            batch_size: DEFAULT_DISTILL_BATCH_SIZE,
            weighting: TokenWeighting::Sif {
                coefficient: DEFAULT_SIF_COEFFICIENT,
            },
            punctuation_weight: 1.0,
            pooling: DistillPooling::Token,
        })
    }
}

impl DistillParams {
    /// Length of the vectors after PCA; at most the encoder's, which keeps the encoder's
    /// vectors as they are (no PCA). Default 128.
    pub fn dim(mut self, dim: usize) -> Self {
        self.0.dim = dim;
        self
    }

    /// Tokens per forward pass. Default 256.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.0.batch_size = batch_size;
        self
    }

    /// How tokens are weighted. Default [`TokenWeighting::Sif`] with coefficient 1e-5.
    pub fn weighting(mut self, weighting: TokenWeighting) -> Self {
        self.0.weighting = weighting;
        self
    }

    /// Factor on the weight of a token that is one punctuation character. Default 1 (0.3 and 0
    /// changed nothing measurable once SIF weighs frequent tokens down).
    pub fn punctuation_weight(mut self, weight: f32) -> Self {
        self.0.punctuation_weight = weight;
        self
    }

    /// Which hidden states make a token's vector. Default [`DistillPooling::Token`], which
    /// kept the encoder's text similarities better than the mean on `data/corpus.csv`.
    pub fn pooling(mut self, pooling: DistillPooling) -> Self {
        self.0.pooling = pooling;
        self
    }

    /// Checks the parameters by reference.
    ///
    /// # Errors
    /// [`EncoderError::InvalidDistillParams`] naming the parameter.
    pub fn check_ref(&self) -> Result<&DistillValidParams> {
        let p = &self.0;
        let invalid = |reason: String| Err(EncoderError::InvalidDistillParams { reason });
        if p.dim == 0 {
            return invalid("dim is 0, it must be at least 1".to_string());
        }
        if p.batch_size == 0 {
            return invalid("batch_size is 0, it must be at least 1".to_string());
        }
        if let TokenWeighting::Sif { coefficient } = p.weighting {
            if !(coefficient.is_finite() && coefficient > 0.0) {
                return invalid(format!(
                    "SIF coefficient is {coefficient}, it must be above 0"
                ));
            }
        }
        if !(p.punctuation_weight.is_finite() && p.punctuation_weight >= 0.0) {
            return invalid(format!(
                "punctuation_weight is {}, it must be 0 or more",
                p.punctuation_weight
            ));
        }
        Ok(p)
    }

    /// Checks the parameters; see [`check_ref`](Self::check_ref) for the errors.
    pub fn check(self) -> Result<DistillValidParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl DistillValidParams {
    /// Length of the vectors after PCA.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Tokens per forward pass.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// How tokens are weighted.
    pub fn weighting(&self) -> TokenWeighting {
        self.weighting
    }

    /// Factor on the weight of a single punctuation character.
    pub fn punctuation_weight(&self) -> f32 {
        self.punctuation_weight
    }

    /// Which hidden states make a token's vector.
    pub fn pooling(&self) -> DistillPooling {
        self.pooling
    }
}

/// Distils `encoder` into a static table (see the module docs); `progress(done, total)` is called
/// after each batch of tokens.
///
/// # Errors
/// Invalid `params`; [`EncoderError::DistillDimTooLarge`] if `dim` exceeds the encoder's;
/// [`EncoderError::DistillTokenizer`] if its `tokenizer.json` is not a BERT WordPiece one;
/// [`EncoderError::Forward`] if the model fails.
pub fn distill(
    encoder: &SentenceEncoder,
    params: DistillParams,
    mut progress: impl FnMut(usize, usize),
) -> Result<StaticEmbedding> {
    let params = params.check()?;
    if params.dim > encoder.dim() {
        return Err(EncoderError::DistillDimTooLarge {
            dim: params.dim,
            encoder_dim: encoder.dim(),
        });
    }
    let tokenizer_error = |source| EncoderError::DistillTokenizer {
        path: encoder.dir().join(crate::TOKENIZER_FILE),
        source,
    };
    let tokenizer =
        WordPiece::from_tokenizer_json(encoder.tokenizer_json()).map_err(tokenizer_error)?;
    let vocab = tokenizer.vocab();
    let id_of = |token: &str| {
        vocab
            .iter()
            .position(|t| t == token)
            .map(|id| id as u32)
            .ok_or_else(|| {
                tokenizer_error(secdisc_features::FeaturesError::InvalidWordPiece(format!(
                    "no {token} token"
                )))
            })
    };
    let (cls, sep) = (id_of("[CLS]")?, id_of("[SEP]")?);

    let hidden = encoder.dim();
    let n = vocab.len();
    let mut raw = Vec::with_capacity(n * hidden);
    let ids: Vec<u32> = (0..n as u32).collect();
    for chunk in ids.chunks(params.batch_size) {
        let sequences: Vec<[u32; 3]> = chunk.iter().map(|&id| [cls, id, sep]).collect();
        let batch: Vec<&[u32]> = sequences.iter().map(|s| s.as_slice()).collect();
        let vectors = match params.pooling {
            DistillPooling::Mean => encoder.pool_batch(&batch),
            DistillPooling::Token => encoder.hidden_at(&batch, 1),
        }
        .map_err(|source| EncoderError::Forward {
            source: Box::new(source),
        })?;
        for vector in vectors {
            raw.extend(vector);
        }
        progress(raw.len() / hidden, n);
    }
    // At the encoder's own dimension the vectors stay in its space, uncentred, so that static
    // and full embeddings can be compared directly.
    let projected = if params.dim == hidden {
        raw
    } else {
        pca(&raw, hidden, params.dim)
    };
    let weights = token_weights(vocab, &params);
    StaticEmbedding::from_f32(
        tokenizer,
        params.dim,
        &projected,
        Some(weights),
        encoder.fingerprint().to_string(),
        distill_fingerprint(encoder.fingerprint(), &params),
    )
    .map_err(|source| EncoderError::DistillTable { source })
}

/// The weight of each token of `vocab` under `params` (see the module docs).
pub fn token_weights(vocab: &[String], params: &DistillValidParams) -> Vec<f32> {
    let regular: Vec<bool> = vocab.iter().map(|t| !is_special(t)).collect();
    let total = regular.iter().filter(|&&r| r).count();
    // Zipf: p(rank) = (1 / rank) / H, ranks from 1 over the regular tokens in vocabulary order.
    let harmonic: f64 = (1..=total).map(|r| 1.0 / r as f64).sum();
    let mut rank = 0usize;
    vocab
        .iter()
        .zip(&regular)
        .map(|(token, &regular)| {
            if !regular {
                return 0.0;
            }
            rank += 1;
            let base = match params.weighting {
                TokenWeighting::Uniform => 1.0,
                TokenWeighting::Sif { coefficient } => {
                    let a = f64::from(coefficient);
                    let p = 1.0 / rank as f64 / harmonic;
                    (a / (a + p)) as f32
                }
            };
            let mut chars = token.chars();
            let punctuation =
                matches!((chars.next(), chars.next()), (Some(c), None) if !c.is_alphanumeric());
            if punctuation {
                base * params.punctuation_weight
            } else {
                base
            }
        })
        .collect()
}

/// `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`, `[unused7]`: bracketed tokens of BERT.
fn is_special(token: &str) -> bool {
    token.len() > 2 && token.starts_with('[') && token.ends_with(']')
}

/// SHA-256 over the encoder's fingerprint and the settings that shape the table.
fn distill_fingerprint(encoder: &str, params: &DistillValidParams) -> String {
    let settings = format!(
        "secdisc-distill-1 dim={} weighting={:?} punctuation_weight={} pooling={:?}",
        params.dim, params.weighting, params.punctuation_weight, params.pooling
    );
    let mut hasher = Sha256::new();
    hasher.update(encoder.as_bytes());
    hasher.update(b"\n");
    hasher.update(settings.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Rows of `data` (`cols` floats each) centred and projected on their `dim` principal
/// components, largest variance first: `rows * dim` floats.
fn pca(data: &[f32], cols: usize, dim: usize) -> Vec<f32> {
    let rows = data.len() / cols;
    let mut mean = vec![0f64; cols];
    for row in data.chunks_exact(cols) {
        for (m, &x) in mean.iter_mut().zip(row) {
            *m += f64::from(x);
        }
    }
    for m in &mut mean {
        *m /= rows.max(1) as f64;
    }
    let mut cov = vec![0f64; cols * cols];
    let mut centred = vec![0f64; cols];
    for row in data.chunks_exact(cols) {
        for ((c, &x), m) in centred.iter_mut().zip(row).zip(&mean) {
            *c = f64::from(x) - m;
        }
        for i in 0..cols {
            let ci = centred[i];
            let line = &mut cov[i * cols..(i + 1) * cols];
            for j in i..cols {
                line[j] += ci * centred[j];
            }
        }
    }
    for i in 0..cols {
        for j in 0..i {
            cov[i * cols + j] = cov[j * cols + i];
        }
    }
    let (values, vectors) = jacobi_eigen(cov, cols);
    let mut order: Vec<usize> = (0..cols).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let components: Vec<Vec<f64>> = order[..dim]
        .iter()
        .map(|&k| {
            let mut v: Vec<f64> = (0..cols).map(|i| vectors[i * cols + k]).collect();
            // Sign fixed so the largest coordinate is positive: the same table on every run.
            let (big, _) = v.iter().enumerate().fold((0, 0f64), |(bi, bv), (i, &x)| {
                if x.abs() > bv {
                    (i, x.abs())
                } else {
                    (bi, bv)
                }
            });
            if v[big] < 0.0 {
                v.iter_mut().for_each(|x| *x = -*x);
            }
            v
        })
        .collect();
    let mut out = Vec::with_capacity(rows * dim);
    for row in data.chunks_exact(cols) {
        for (c, (&x, m)) in centred.iter_mut().zip(row.iter().zip(&mean)) {
            *c = f64::from(x) - m;
        }
        for component in &components {
            let dot: f64 = component.iter().zip(&centred).map(|(a, b)| a * b).sum();
            out.push(dot as f32);
        }
    }
    out
}

/// Eigenvalues and eigenvectors (columns of the returned `n * n` row-major matrix) of the
/// symmetric matrix `a`, by cyclic Jacobi rotations.
fn jacobi_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0f64; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = a
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-12 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // Rows and columns p and q of a; columns p and q of v.
                for k in 0..n {
                    let akp = a[k * n + p];
                    let akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let apk = a[p * n + k];
                    let aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let values = (0..n).map(|i| a[i * n + i]).collect();
    (values, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{write_tiny_encoder, TINY_DIM, TINY_VOCAB};
    use crate::EncoderParams;

    #[test]
    fn jacobi_finds_the_eigenpairs() {
        let n = 4;
        let a = vec![
            4.0, 1.0, 0.5, 0.0, 1.0, 3.0, 0.2, 0.1, 0.5, 0.2, 2.0, 0.3, 0.0, 0.1, 0.3, 1.0,
        ];
        let (values, vectors) = jacobi_eigen(a.clone(), n);
        for k in 0..n {
            for i in 0..n {
                let av: f64 = (0..n).map(|j| a[i * n + j] * vectors[j * n + k]).sum();
                assert!((av - values[k] * vectors[i * n + k]).abs() < 1e-9);
            }
        }
        let trace: f64 = values.iter().sum();
        assert!((trace - 10.0).abs() < 1e-9);
    }

    #[test]
    fn pca_keeps_the_direction_of_largest_variance() {
        // Points along (1, 1, 0) with a little noise in z.
        let data: Vec<f32> = (0..20)
            .flat_map(|i| {
                let t = i as f32 - 10.0;
                [t, t, if i % 2 == 0 { 0.1 } else { -0.1 }]
            })
            .collect();
        let out = pca(&data, 3, 1);
        assert_eq!(out.len(), 20);
        for (i, &x) in out.iter().enumerate() {
            let t = i as f32 - 9.5;
            assert!((x.abs() - t.abs() * 2f32.sqrt()).abs() < 1e-3, "{i}: {x}");
        }
    }

    #[test]
    fn weights_specials_zero_and_frequent_tokens_less() {
        let vocab: Vec<String> = ["[PAD]", "[unused0]", "the", ".", "password", "##ss"]
            .map(String::from)
            .to_vec();
        let sif = DistillParams::default()
            .punctuation_weight(0.5)
            .check()
            .unwrap();
        let w = token_weights(&vocab, &sif);
        assert_eq!(&w[..2], &[0.0, 0.0]);
        assert!(w[2] < w[4] && w[4] < w[5], "{w:?}");
        let uniform = DistillParams::default()
            .weighting(TokenWeighting::Uniform)
            .punctuation_weight(0.5)
            .check()
            .unwrap();
        assert_eq!(
            token_weights(&vocab, &uniform),
            [0.0, 0.0, 1.0, 0.5, 1.0, 1.0]
        );
    }

    #[test]
    fn invalid_params_are_named() {
        for (params, name) in [
            (DistillParams::default().dim(0), "dim"),
            (DistillParams::default().batch_size(0), "batch_size"),
            (
                DistillParams::default().punctuation_weight(-1.0),
                "punctuation_weight",
            ),
            (
                DistillParams::default().weighting(TokenWeighting::Sif { coefficient: 0.0 }),
                "SIF",
            ),
        ] {
            let err = params.check().unwrap_err();
            assert!(err.to_string().contains(name), "{err}");
            assert!(!err.to_string().contains("--"), "{err}");
        }
    }

    #[test]
    fn distils_the_tiny_encoder() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_encoder(dir.path());
        let encoder =
            SentenceEncoder::load(dir.path(), EncoderParams::default().max_tokens(12)).unwrap();
        let params = DistillParams::default().dim(4).batch_size(5);
        let mut calls = 0;
        let table = distill(&encoder, params, |done, total| {
            calls += 1;
            assert_eq!(total, TINY_VOCAB.len());
            assert!(done <= total);
        })
        .unwrap();
        assert_eq!(calls, TINY_VOCAB.len().div_ceil(5));
        assert_eq!(table.dim(), 4);
        assert_eq!(table.encoder_fingerprint(), encoder.fingerprint());
        assert_eq!(table.tokenizer().vocab().len(), TINY_VOCAB.len());
        let v = table.embed("The password was leaked in a commit.");
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
        assert_ne!(table.embed("bump version"), v);
        assert_eq!(table.embed("[PAD]"), [0.0; 4]);
        // Same encoder and settings: same table and fingerprint.
        let again = distill(&encoder, params, |_, _| {}).unwrap();
        assert_eq!(again.fingerprint(), table.fingerprint());
        assert_eq!(again.embed("fix xss"), table.embed("fix xss"));
        let other = distill(&encoder, params.dim(3), |_, _| {}).unwrap();
        assert_ne!(other.fingerprint(), table.fingerprint());

        let err = distill(&encoder, params.dim(TINY_DIM + 1), |_, _| {}).unwrap_err();
        assert!(
            matches!(err, EncoderError::DistillDimTooLarge { .. }),
            "{err}"
        );
    }
}
