//! TF-IDF over word n-grams (and optional character n-grams), fitted once and stored.
//!
//! Fitting goes through a [`TokenizedCorpus`]: every document is analysed once into word ids,
//! and the vocabulary and IDF are then counted over any subset of rows. Cross-validation uses
//! this to refit the vocabulary on each training fold without re-tokenising, and
//! [`TfidfValidParams::fit`] is exactly `tokenize` followed by a fit over all rows.
//!
//! Values: `tf` is the count (or `1 + ln(count)` with sublinear TF), `idf = ln((1+n)/(1+df)) + 1`
//! (scikit-learn's smooth IDF), and each row is scaled to unit L2 norm.

use std::borrow::Cow;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::analyzer::{Analyzer, Stemming, StopWords};
use crate::error::{FeaturesError, Result};
use crate::sparse::{CsrMatrix, SparseRow};

/// Word id of a token that is not part of any kept term (breaks n-grams).
const UNKNOWN: u32 = u32::MAX;
/// Cache entry for a stop word (skipped entirely, like scikit-learn).
const STOP: u32 = u32::MAX - 1;
/// No feature for this word or gram.
const NO_FEATURE: u32 = u32::MAX;
/// Largest word n-gram: four 32-bit ids pack exactly into a `u128` key.
const MAX_NGRAM: usize = 4;
/// Rows per parallel work item; fixed so results never depend on the thread count.
const CHUNK_ROWS: usize = 256;
/// Entries kept in a featurizer's token cache before it is cleared.
const CACHE_LIMIT: usize = 1 << 20;

/// The parameters that decide how text becomes tokens and character grams: a
/// [`TokenizedCorpus`] serves only vectorizers that agree on them.
type Analysis = (Stemming, StopWords, Option<(usize, usize)>, CharCase);

impl TfidfParams {
    fn analysis(&self) -> Analysis {
        (
            self.stemming,
            self.stop_words,
            self.char_ngrams,
            self.char_case,
        )
    }
}

/// Letter case of the tokens that character n-grams are taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CharCase {
    /// The lower-cased token, as for words. The default.
    #[default]
    Lower,
    /// The token as written, so `JWT` and `jwt`, or a Title-Case heading, give different
    /// character n-grams. Word n-grams stay lower-case.
    Keep,
}

impl CharCase {
    fn is_lower(&self) -> bool {
        *self == CharCase::Lower
    }
}

/// Unchecked TF-IDF parameters. Build with the setters, then [`TfidfParams::check`].
///
/// ```
/// use secdisc_features::TfidfParams;
/// let docs = ["JWT signature is not verified", "fix typo in README", "verify the JWT audience"];
/// let vectorizer = TfidfParams::default().min_df(1).check()?.fit(&docs)?;
/// let one = vectorizer.transform_one(docs[0]);
/// let batch = vectorizer.transform(&docs);
/// assert_eq!(one.row(0), batch.row(0));
/// # Ok::<(), secdisc_features::FeaturesError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfidfParams {
    ngram_range: (usize, usize),
    char_ngrams: Option<(usize, usize)>,
    // Absent from model files written before it existed, and left out when lower-case so
    // those files and new ones with the default stay byte-identical.
    #[serde(default, skip_serializing_if = "CharCase::is_lower")]
    char_case: CharCase,
    min_df: usize,
    max_df: f64,
    max_features: Option<usize>,
    sublinear_tf: bool,
    stemming: Stemming,
    stop_words: StopWords,
}

impl Default for TfidfParams {
    fn default() -> Self {
        TfidfParams {
            ngram_range: (1, 2),
            char_ngrams: None,
            char_case: CharCase::Lower,
            min_df: 2,
            max_df: 1.0,
            max_features: None,
            sublinear_tf: true,
            stemming: Stemming::Snowball,
            stop_words: StopWords::English,
        }
    }
}

impl TfidfParams {
    /// Word n-gram lengths, inclusive. Default `(1, 2)`; at most 4.
    pub fn ngram_range(mut self, min: usize, max: usize) -> Self {
        self.ngram_range = (min, max);
        self
    }

    /// Character n-gram lengths within each token (padded with a space each side), or `None`
    /// for no character n-grams. Default `None`.
    pub fn char_ngrams(mut self, range: Option<(usize, usize)>) -> Self {
        self.char_ngrams = range;
        self
    }

    /// Letter case of the tokens character n-grams come from. Default [`CharCase::Lower`].
    pub fn char_case(mut self, case: CharCase) -> Self {
        self.char_case = case;
        self
    }

    /// Minimum number of documents a term must occur in. Default 2.
    pub fn min_df(mut self, min_df: usize) -> Self {
        self.min_df = min_df;
        self
    }

    /// Maximum fraction of documents a term may occur in. Default 1.0 (no limit).
    pub fn max_df(mut self, max_df: f64) -> Self {
        self.max_df = max_df;
        self
    }

    /// Keep only the most frequent terms (by total count over the corpus). Default `None`.
    pub fn max_features(mut self, max_features: Option<usize>) -> Self {
        self.max_features = max_features;
        self
    }

    /// Use `1 + ln(tf)` instead of raw counts. Default `true`.
    pub fn sublinear_tf(mut self, on: bool) -> Self {
        self.sublinear_tf = on;
        self
    }

    /// Stemming mode. Default [`Stemming::Snowball`].
    pub fn stemming(mut self, stemming: Stemming) -> Self {
        self.stemming = stemming;
        self
    }

    /// Stop-word mode. Default [`StopWords::English`].
    pub fn stop_words(mut self, stop_words: StopWords) -> Self {
        self.stop_words = stop_words;
        self
    }

    /// The word n-gram lengths set (checked or not).
    pub fn ngram_range_value(&self) -> (usize, usize) {
        self.ngram_range
    }

    /// The minimum document frequency set (checked or not).
    pub fn min_df_value(&self) -> usize {
        self.min_df
    }

    /// Validate into parameters that can fit.
    pub fn check(self) -> Result<TfidfValidParams> {
        let (min, max) = self.ngram_range;
        if min == 0 || min > max || max > MAX_NGRAM {
            return Err(FeaturesError::InvalidNgramRange { min, max });
        }
        if let Some((min, max)) = self.char_ngrams {
            if min == 0 || min > max || max > 8 {
                return Err(FeaturesError::InvalidCharNgramRange { min, max });
            }
        }
        if self.min_df == 0 {
            return Err(FeaturesError::InvalidMinDf);
        }
        if !(self.max_df > 0.0 && self.max_df <= 1.0) {
            return Err(FeaturesError::InvalidMaxDf(self.max_df));
        }
        if self.max_features == Some(0) {
            return Err(FeaturesError::InvalidMaxFeatures);
        }
        Ok(TfidfValidParams(self))
    }
}

/// Checked TF-IDF parameters; only [`TfidfParams::check`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct TfidfValidParams(TfidfParams);

/// Documents analysed once into word ids (and character-gram ids), ready for fitting on
/// any subset of rows. Made by [`TfidfValidParams::tokenize`].
#[derive(Debug, Clone)]
pub struct TokenizedCorpus {
    analysis: Analysis,
    words: Vec<Box<str>>,
    docs: Vec<Vec<u32>>,
    grams: Vec<Box<str>>,
    gram_docs: Vec<Vec<u32>>,
}

impl TokenizedCorpus {
    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether there are no documents.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Number of distinct terms (after stemming) over all documents.
    pub fn distinct_terms(&self) -> usize {
        self.words.len()
    }
}

#[derive(Default)]
struct Interner {
    map: FxHashMap<Box<str>, u32>,
    list: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.list.len() as u32;
        self.map.insert(s.into(), id);
        self.list.push(s.into());
        id
    }
}

/// Calls `emit` for each character n-gram of `token` padded with a space on both sides.
fn for_each_char_gram(
    token: &str,
    (min, max): (usize, usize),
    pad: &mut String,
    mut emit: impl FnMut(&str),
) {
    pad.clear();
    pad.push(' ');
    pad.push_str(token);
    pad.push(' ');
    let bounds: Vec<usize> = pad
        .char_indices()
        .map(|(i, _)| i)
        .chain([pad.len()])
        .collect();
    let chars = bounds.len() - 1;
    for n in min..=max {
        for start in 0..chars.saturating_sub(n - 1) {
            emit(&pad[bounds[start]..bounds[start + n]]);
        }
    }
}

#[inline]
fn pack(ids: &[u32]) -> u128 {
    ids.iter()
        .fold(0u128, |key, &id| (key << 32) | u128::from(id + 1))
}

impl TfidfValidParams {
    /// The parameters.
    pub fn params(&self) -> &TfidfParams {
        &self.0
    }

    fn analyzer(&self) -> Analyzer {
        Analyzer::new(self.0.stemming, self.0.stop_words)
    }

    /// Analyse every document once (in parallel) into a [`TokenizedCorpus`].
    pub fn tokenize<S: AsRef<str> + Sync>(&self, docs: &[S]) -> TokenizedCorpus {
        let analyzer = self.analyzer();
        let char_range = self.0.char_ngrams;
        let keep_case = self.0.char_case == CharCase::Keep;
        struct Local {
            words: Interner,
            grams: Interner,
            docs: Vec<Vec<u32>>,
            gram_docs: Vec<Vec<u32>>,
        }
        let locals: Vec<Local> = docs
            .par_chunks(CHUNK_ROWS)
            .map(|chunk| {
                let mut local = Local {
                    words: Interner::default(),
                    grams: Interner::default(),
                    docs: Vec::with_capacity(chunk.len()),
                    gram_docs: Vec::new(),
                };
                let mut surface: FxHashMap<Box<str>, u32> = FxHashMap::default();
                let (mut buf, mut pad) = (String::new(), String::new());
                for doc in chunk {
                    let mut ids = Vec::new();
                    let mut gram_ids = Vec::new();
                    let text = doc.as_ref();
                    analyzer.for_each_token(text, &mut buf, |token, span| {
                        let id = match surface.get(token) {
                            Some(&id) => id,
                            None => {
                                let id = match analyzer.normalize(token) {
                                    None => STOP,
                                    Some(term) => local.words.intern(&term),
                                };
                                surface.insert(token.into(), id);
                                id
                            }
                        };
                        if id == STOP {
                            return;
                        }
                        ids.push(id);
                        if let Some(range) = char_range {
                            let source = if keep_case { &text[span] } else { token };
                            for_each_char_gram(source, range, &mut pad, |g| {
                                gram_ids.push(local.grams.intern(g))
                            });
                        }
                    });
                    local.docs.push(ids);
                    local.gram_docs.push(gram_ids);
                }
                local
            })
            .collect();
        let mut words = Interner::default();
        let mut grams = Interner::default();
        let mut all_docs = Vec::with_capacity(docs.len());
        let mut all_gram_docs = Vec::with_capacity(docs.len());
        for local in locals {
            let word_map: Vec<u32> = local.words.list.iter().map(|w| words.intern(w)).collect();
            let gram_map: Vec<u32> = local.grams.list.iter().map(|g| grams.intern(g)).collect();
            all_docs.extend(local.docs.into_iter().map(|d| {
                d.into_iter()
                    .map(|i| word_map[i as usize])
                    .collect::<Vec<_>>()
            }));
            all_gram_docs.extend(local.gram_docs.into_iter().map(|d| {
                d.into_iter()
                    .map(|i| gram_map[i as usize])
                    .collect::<Vec<_>>()
            }));
        }
        TokenizedCorpus {
            analysis: self.0.analysis(),
            words: words.list,
            docs: all_docs,
            grams: grams.list,
            gram_docs: all_gram_docs,
        }
    }

    /// Fit vocabulary and IDF on `docs`.
    pub fn fit<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<TfidfVectorizer> {
        let corpus = self.tokenize(docs);
        let rows: Vec<usize> = (0..corpus.len()).collect();
        self.fit_tokenized(&corpus, &rows)
    }

    /// Fit vocabulary and IDF on the given rows of a corpus tokenized with these parameters.
    ///
    /// Panics if `corpus` was tokenized with different stemming, stop words or character
    /// n-grams, or if a row index is out of range: both are programming errors.
    pub fn fit_tokenized(
        &self,
        corpus: &TokenizedCorpus,
        rows: &[usize],
    ) -> Result<TfidfVectorizer> {
        let p = &self.0;
        assert_eq!(
            corpus.analysis,
            p.analysis(),
            "corpus tokenized with other analysis parameters"
        );
        if rows.is_empty() {
            return Err(FeaturesError::NoDocuments);
        }
        let (nmin, nmax) = p.ngram_range;
        // Document frequency and total count per word n-gram key and per char-gram id.
        type Counts = FxHashMap<u128, (u32, u64)>;
        let count_keys = |keys: &mut Vec<u128>, map: &mut Counts| {
            keys.sort_unstable();
            let mut i = 0;
            while i < keys.len() {
                let mut j = i + 1;
                while j < keys.len() && keys[j] == keys[i] {
                    j += 1;
                }
                let entry = map.entry(keys[i]).or_insert((0, 0));
                entry.0 += 1;
                entry.1 += (j - i) as u64;
                i = j;
            }
            keys.clear();
        };
        let merge = |mut a: (Counts, Counts), b: (Counts, Counts)| {
            for (dst, src) in [(&mut a.0, b.0), (&mut a.1, b.1)] {
                if dst.len() < src.len() {
                    // Merge the smaller map into the larger one.
                    let small = std::mem::replace(dst, src);
                    for (k, (df, tf)) in small {
                        let e = dst.entry(k).or_insert((0, 0));
                        e.0 += df;
                        e.1 += tf;
                    }
                } else {
                    for (k, (df, tf)) in src {
                        let e = dst.entry(k).or_insert((0, 0));
                        e.0 += df;
                        e.1 += tf;
                    }
                }
            }
            a
        };
        let (word_counts, gram_counts) = rows
            .par_chunks(CHUNK_ROWS)
            .fold(
                || (Counts::default(), Counts::default()),
                |(mut words, mut grams), chunk| {
                    let mut keys = Vec::new();
                    for &r in chunk {
                        let doc = &corpus.docs[r];
                        for n in nmin..=nmax {
                            keys.extend(doc.windows(n).map(pack));
                        }
                        count_keys(&mut keys, &mut words);
                        keys.extend(corpus.gram_docs[r].iter().map(|&g| u128::from(g)));
                        count_keys(&mut keys, &mut grams);
                    }
                    (words, grams)
                },
            )
            .reduce(|| (Counts::default(), Counts::default()), merge);

        let n_docs = rows.len();
        let max_df_count = p.max_df * n_docs as f64;
        let passes = |df: u32| df as usize >= p.min_df && f64::from(df) <= max_df_count;
        let word_term = |key: u128| -> String {
            let mut ids = Vec::with_capacity(MAX_NGRAM);
            let mut k = key;
            while k != 0 {
                ids.push((k & 0xffff_ffff) as u32 - 1);
                k >>= 32;
            }
            ids.reverse();
            let parts: Vec<&str> = ids.iter().map(|&i| &*corpus.words[i as usize]).collect();
            parts.join(" ")
        };
        // (is_char, term, df, total count)
        let mut kept: Vec<(bool, String, u32, u64)> = word_counts
            .into_iter()
            .filter(|&(_, (df, _))| passes(df))
            .map(|(k, (df, tf))| (false, word_term(k), df, tf))
            .chain(
                gram_counts
                    .into_iter()
                    .filter(|&(_, (df, _))| passes(df))
                    .map(|(k, (df, tf))| (true, corpus.grams[k as usize].to_string(), df, tf)),
            )
            .collect();
        if let Some(limit) = p.max_features {
            if kept.len() > limit {
                kept.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| (a.0, &a.1).cmp(&(b.0, &b.1))));
                kept.truncate(limit);
            }
        }
        if kept.is_empty() {
            return Err(FeaturesError::EmptyVocabulary {
                min_df: p.min_df,
                max_df: p.max_df,
                docs: n_docs,
            });
        }
        kept.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let idf_of = |df: u32| (((1 + n_docs) as f64 / (1.0 + f64::from(df))).ln() + 1.0) as f32;
        let idf = kept.iter().map(|k| idf_of(k.2)).collect();
        let split = kept.partition_point(|k| !k.0);
        let mut terms: Vec<String> = Vec::with_capacity(kept.len());
        terms.extend(kept.into_iter().map(|k| k.1));
        let char_terms = terms.split_off(split);
        Ok(TfidfVectorizer::from_parts(
            self.0.clone(),
            terms,
            char_terms,
            idf,
        ))
    }
}

/// Lookup tables derived from the stored terms.
#[derive(Debug, Clone, Default)]
struct Lookup {
    word_ids: FxHashMap<Box<str>, u32>,
    unigram: Vec<u32>,
    ngrams: FxHashMap<u128, u32>,
    grams: FxHashMap<Box<str>, u32>,
}

/// A fitted TF-IDF vectorizer: vocabulary, IDF and the parameters it was fitted with.
///
/// Serialises as `{params, terms, char_terms, idf}`; lookup tables are rebuilt on load.
#[derive(Debug, Clone)]
pub struct TfidfVectorizer {
    params: TfidfParams,
    terms: Vec<String>,
    char_terms: Vec<String>,
    idf: Vec<f32>,
    analyzer: Analyzer,
    lookup: Lookup,
}

#[derive(Serialize)]
struct VectorizerRef<'a> {
    params: &'a TfidfParams,
    terms: &'a [String],
    char_terms: &'a [String],
    idf: &'a [f32],
}

#[derive(Deserialize)]
struct VectorizerData {
    params: TfidfParams,
    terms: Vec<String>,
    char_terms: Vec<String>,
    idf: Vec<f32>,
}

impl Serialize for TfidfVectorizer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        VectorizerRef {
            params: &self.params,
            terms: &self.terms,
            char_terms: &self.char_terms,
            idf: &self.idf,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for TfidfVectorizer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let data = VectorizerData::deserialize(d)?;
        let params = data.params.check().map_err(D::Error::custom)?.0;
        if data.terms.len() + data.char_terms.len() != data.idf.len() {
            return Err(D::Error::custom(format!(
                "vectorizer has {} terms but {} IDF values",
                data.terms.len() + data.char_terms.len(),
                data.idf.len()
            )));
        }
        if let Some(bad) = data.idf.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
            return Err(D::Error::custom(format!(
                "IDF value {bad} is not a positive number"
            )));
        }
        let (nmin, nmax) = params.ngram_range;
        if let Some(t) = data.terms.iter().find(|t| {
            let n = t.split(' ').count();
            n < nmin || n > nmax || t.split(' ').any(str::is_empty)
        }) {
            return Err(D::Error::custom(format!(
                "term {t:?} does not fit the n-gram range"
            )));
        }
        // A term listed twice would map to one column and leave the other unreachable.
        for list in [&data.terms, &data.char_terms] {
            let mut seen = std::collections::HashSet::with_capacity(list.len());
            if let Some(t) = list.iter().find(|t| !seen.insert(t.as_str())) {
                return Err(D::Error::custom(format!(
                    "term {:?} is listed twice in the vocabulary",
                    t.chars().take(60).collect::<String>()
                )));
            }
        }
        Ok(TfidfVectorizer::from_parts(
            params,
            data.terms,
            data.char_terms,
            data.idf,
        ))
    }
}

impl TfidfVectorizer {
    fn from_parts(
        params: TfidfParams,
        terms: Vec<String>,
        char_terms: Vec<String>,
        idf: Vec<f32>,
    ) -> Self {
        let mut lookup = Lookup::default();
        let mut words = Interner::default();
        let mut ids = Vec::with_capacity(MAX_NGRAM);
        for (f, term) in terms.iter().enumerate() {
            ids.clear();
            ids.extend(term.split(' ').map(|w| words.intern(w)));
            if lookup.unigram.len() < words.list.len() {
                lookup.unigram.resize(words.list.len(), NO_FEATURE);
            }
            if ids.len() == 1 {
                lookup.unigram[ids[0] as usize] = f as u32;
            } else {
                lookup.ngrams.insert(pack(&ids), f as u32);
            }
        }
        lookup.word_ids = words.map;
        let offset = terms.len();
        lookup.grams = char_terms
            .iter()
            .enumerate()
            .map(|(i, g)| (g.as_str().into(), (offset + i) as u32))
            .collect();
        let analyzer = Analyzer::new(params.stemming, params.stop_words);
        TfidfVectorizer {
            params,
            terms,
            char_terms,
            idf,
            analyzer,
            lookup,
        }
    }

    /// The parameters this vectorizer was fitted with.
    pub fn params(&self) -> &TfidfParams {
        &self.params
    }

    /// Number of features (columns of the output).
    pub fn n_features(&self) -> usize {
        self.idf.len()
    }

    /// IDF per feature.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// Human-readable name of feature `i`: the (stemmed) words of a word n-gram separated by
    /// spaces, or a character n-gram in brackets, for example `[jwt]`.
    pub fn feature_name(&self, i: usize) -> Cow<'_, str> {
        if i < self.terms.len() {
            Cow::Borrowed(&self.terms[i])
        } else {
            Cow::Owned(format!("[{}]", self.char_terms[i - self.terms.len()]))
        }
    }

    /// A reusable transformer that caches token lookups; one per thread.
    pub fn featurizer(&self) -> Featurizer<'_> {
        Featurizer {
            vectorizer: self,
            cache: FxHashMap::default(),
            ids: Vec::new(),
            spans: Vec::new(),
            gram_features: Vec::new(),
            features: Vec::new(),
            indices: Vec::new(),
            values: Vec::new(),
            buf: String::new(),
            weights: Vec::new(),
            pad: String::new(),
            max_sequence: None,
            sequence: Vec::new(),
        }
    }

    /// Transform one document into a one-row matrix. Equal to its row of [`Self::transform`].
    pub fn transform_one(&self, text: &str) -> CsrMatrix {
        let mut f = self.featurizer();
        let row = f.transform(text);
        let mut m = CsrMatrix::new(self.n_features());
        m.push_row(row.indices, row.values);
        m
    }

    /// Transform documents in parallel; row `i` is document `i`.
    pub fn transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> CsrMatrix {
        self.transform_with(docs, None)
    }

    /// [`Self::transform`], and with `sequences = Some(max_len)` also each document's word
    /// sequence of at most `max_len` ids (see [`Featurizer::with_sequences`]).
    pub fn transform_with<S: AsRef<str> + Sync>(
        &self,
        docs: &[S],
        sequences: Option<usize>,
    ) -> CsrMatrix {
        let parts: Vec<CsrMatrix> = docs
            .par_chunks(CHUNK_ROWS)
            .map_init(
                || self.featurizer().with_sequences(sequences),
                |f, chunk| {
                    let mut m = self.empty_matrix(sequences);
                    for doc in chunk {
                        m.push(f.transform(doc.as_ref()));
                    }
                    m
                },
            )
            .collect();
        concat(self.empty_matrix(sequences), parts)
    }

    fn empty_matrix(&self, sequences: Option<usize>) -> CsrMatrix {
        match sequences {
            Some(_) => CsrMatrix::with_sequences(self.n_features()),
            None => CsrMatrix::new(self.n_features()),
        }
    }

    /// Transform rows of a corpus tokenized with this vectorizer's parameters (panics otherwise);
    /// row `i` of the result is `rows[i]`. Equal to transforming the original texts.
    pub fn transform_tokenized(&self, corpus: &TokenizedCorpus, rows: &[usize]) -> CsrMatrix {
        self.transform_tokenized_with(corpus, rows, None)
    }

    /// [`Self::transform_tokenized`], and with `sequences = Some(max_len)` also each row's
    /// word sequence, as [`Self::transform_with`].
    pub fn transform_tokenized_with(
        &self,
        corpus: &TokenizedCorpus,
        rows: &[usize],
        sequences: Option<usize>,
    ) -> CsrMatrix {
        let p = &self.params;
        assert_eq!(
            corpus.analysis,
            p.analysis(),
            "corpus tokenized with other analysis parameters"
        );
        let word_map: Vec<u32> = corpus
            .words
            .iter()
            .map(|w| self.lookup.word_ids.get(w).copied().unwrap_or(UNKNOWN))
            .collect();
        let gram_map: Vec<u32> = corpus
            .grams
            .iter()
            .map(|g| self.lookup.grams.get(g).copied().unwrap_or(NO_FEATURE))
            .collect();
        let parts: Vec<CsrMatrix> = rows
            .par_chunks(CHUNK_ROWS)
            .map(|chunk| {
                let mut f = self.featurizer().with_sequences(sequences);
                let mut m = self.empty_matrix(sequences);
                for &r in chunk {
                    f.ids.clear();
                    f.ids
                        .extend(corpus.docs[r].iter().map(|&i| word_map[i as usize]));
                    f.gram_features.clear();
                    f.gram_features.extend(
                        corpus.gram_docs[r]
                            .iter()
                            .map(|&g| gram_map[g as usize])
                            .filter(|&g| g != NO_FEATURE),
                    );
                    m.push(f.build_row());
                }
                m
            })
            .collect();
        concat(self.empty_matrix(sequences), parts)
    }
}

fn concat(mut out: CsrMatrix, parts: Vec<CsrMatrix>) -> CsrMatrix {
    let rows = parts.iter().map(CsrMatrix::n_rows).sum();
    let nnz = parts.iter().map(CsrMatrix::nnz).sum();
    out.reserve(rows, nnz);
    for part in &parts {
        out.append(part);
    }
    out
}

/// Transforms documents one at a time, reusing buffers and a token cache.
/// Made by [`TfidfVectorizer::featurizer`]; keep one per thread.
pub struct Featurizer<'v> {
    vectorizer: &'v TfidfVectorizer,
    cache: FxHashMap<Box<str>, u32>,
    ids: Vec<u32>,
    /// Byte range in the text of each entry of `ids`, for [`Featurizer::as_written`].
    spans: Vec<(u32, u32)>,
    gram_features: Vec<u32>,
    features: Vec<u32>,
    indices: Vec<u32>,
    values: Vec<f32>,
    /// Unnormalised TF-IDF weights of the row being built (reused, like every buffer here).
    weights: Vec<f64>,
    buf: String,
    pad: String,
    /// Longest word sequence to record, `None` for none.
    max_sequence: Option<usize>,
    /// Word-unigram feature ids of the row being built, in text order.
    sequence: Vec<u32>,
}

impl Featurizer<'_> {
    /// Also record each document's word sequence in [`SparseRow::sequence`]: the feature ids
    /// of its word unigrams in text order (after stop-word removal and stemming, repeats kept,
    /// words outside the vocabulary skipped), the first `max_len` of them. `None` (the
    /// default) records nothing. The TF-IDF part of the row is the same either way.
    ///
    /// The sequence classifiers ([`crate::TextCnnModel`], [`crate::BiLstmModel`]) read it;
    /// [`crate::ClassifierModel::sequence_len`] says how long a model wants it.
    pub fn with_sequences(mut self, max_len: Option<usize>) -> Self {
        self.max_sequence = max_len;
        self
    }

    /// The TF-IDF row of `text`, valid until the next call.
    pub fn transform(&mut self, text: &str) -> SparseRow<'_> {
        let v = self.vectorizer;
        self.ids.clear();
        self.spans.clear();
        self.gram_features.clear();
        let char_range = v.params.char_ngrams;
        let keep_case = v.params.char_case == CharCase::Keep;
        let (cache, ids, spans, grams, pad) = (
            &mut self.cache,
            &mut self.ids,
            &mut self.spans,
            &mut self.gram_features,
            &mut self.pad,
        );
        v.analyzer
            .for_each_token(text, &mut self.buf, |token, span| {
                let id = match cache.get(token) {
                    Some(&id) => id,
                    None => {
                        let id = match v.analyzer.normalize(token) {
                            None => STOP,
                            Some(term) => v.lookup.word_ids.get(&*term).copied().unwrap_or(UNKNOWN),
                        };
                        if cache.len() >= CACHE_LIMIT {
                            cache.clear();
                        }
                        cache.insert(token.into(), id);
                        id
                    }
                };
                if id == STOP {
                    return;
                }
                ids.push(id);
                // Texts over 4 GiB are not labelled whole; the cast only affects `as_written`.
                spans.push((span.start as u32, span.end as u32));
                if let Some(range) = char_range {
                    let source = if keep_case { &text[span] } else { token };
                    for_each_char_gram(source, range, pad, |g| {
                        if let Some(&f) = v.lookup.grams.get(g) {
                            grams.push(f);
                        }
                    });
                }
            });
        self.build_row()
    }

    /// The words behind `feature` as they are written in `text`, which must be the text of the
    /// last [`Featurizer::transform`]: the first occurrence of a word unigram (`Rotate` for the
    /// stem `rotat`), the words of a word n-gram joined by a space (`never checks`). `None` for
    /// a character n-gram or a feature absent from the text.
    ///
    /// ```
    /// use secdisc_features::TfidfParams;
    /// let v = TfidfParams::default().min_df(1).check()?.fit(&["Rotating keys never checks"])?;
    /// let mut f = v.featurizer();
    /// let text = "Rotating keys never checks";
    /// let row = f.transform(text);
    /// let features: Vec<u32> = row.indices.to_vec();
    /// let written: Vec<String> = features
    ///     .iter()
    ///     .filter_map(|&i| f.as_written(text, i))
    ///     .collect();
    /// assert!(written.contains(&"Rotating".to_string()), "{written:?}");
    /// assert!(written.contains(&"never checks".to_string()), "{written:?}");
    /// # Ok::<(), secdisc_features::FeaturesError>(())
    /// ```
    pub fn as_written(&self, text: &str, feature: u32) -> Option<String> {
        let v = self.vectorizer;
        // `get`: a text other than the last one transformed gives `None` or other words, never
        // a panic.
        let word = |i: usize| {
            let &(a, b) = self.spans.get(i)?;
            text.get(a as usize..b as usize)
        };
        if let Some(i) = self
            .ids
            .iter()
            .position(|&id| v.lookup.unigram.get(id as usize) == Some(&feature))
        {
            return word(i).map(str::to_string);
        }
        let (nmin, nmax) = v.params.ngram_range;
        for n in nmin.max(2)..=nmax {
            for (start, w) in self.ids.windows(n).enumerate() {
                if w.contains(&UNKNOWN) || v.lookup.ngrams.get(&pack(w)) != Some(&feature) {
                    continue;
                }
                let words: Option<Vec<&str>> = (start..start + n).map(word).collect();
                return words.map(|w| w.join(" "));
            }
        }
        None
    }

    /// Turn `self.ids` (lookup word ids) and `self.gram_features` into a weighted row.
    fn build_row(&mut self) -> SparseRow<'_> {
        let v = self.vectorizer;
        let (nmin, nmax) = v.params.ngram_range;
        self.sequence.clear();
        if let Some(max_len) = self.max_sequence {
            let unigrams = self.ids.iter().filter_map(|&id| {
                let f = *v.lookup.unigram.get(id as usize)?;
                (f != NO_FEATURE).then_some(f)
            });
            self.sequence.extend(unigrams.take(max_len));
        }
        self.features.clear();
        for n in nmin..=nmax {
            if n == 1 {
                self.features.extend(self.ids.iter().filter_map(|&id| {
                    let f = *v.lookup.unigram.get(id as usize)?;
                    (f != NO_FEATURE).then_some(f)
                }));
            } else {
                for w in self.ids.windows(n) {
                    if w.contains(&UNKNOWN) {
                        continue;
                    }
                    if let Some(&f) = v.lookup.ngrams.get(&pack(w)) {
                        self.features.push(f);
                    }
                }
            }
        }
        self.features.extend_from_slice(&self.gram_features);
        self.features.sort_unstable();
        self.indices.clear();
        self.values.clear();
        let weights = &mut self.weights;
        weights.clear();
        let mut i = 0;
        let feats = &self.features;
        while i < feats.len() {
            let mut j = i + 1;
            while j < feats.len() && feats[j] == feats[i] {
                j += 1;
            }
            let count = (j - i) as f64;
            let tf = if v.params.sublinear_tf {
                1.0 + count.ln()
            } else {
                count
            };
            self.indices.push(feats[i]);
            weights.push(tf * f64::from(v.idf[feats[i] as usize]));
            i = j;
        }
        let norm = weights.iter().map(|w| w * w).sum::<f64>().sqrt();
        self.values.extend(
            weights
                .iter()
                .map(|w| if norm > 0.0 { (w / norm) as f32 } else { 0.0 }),
        );
        SparseRow {
            indices: &self.indices,
            values: &self.values,
            sequence: &self.sequence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCS: &[&str] = &[
        "The JWT signature is not verified by the gateway",
        "Rotate the signing key and verify the JWT audience",
        "Fix the typo in the README",
        "The README build badge is broken",
        "Gateway returns 502 when the upstream times out",
        "Store the API key in Vault, not in the config map",
    ];

    fn fitted(params: TfidfParams) -> TfidfVectorizer {
        params.check().unwrap().fit(DOCS).unwrap()
    }

    #[test]
    fn one_document_alone_equals_its_batch_row() {
        for params in [
            TfidfParams::default().min_df(1),
            TfidfParams::default()
                .min_df(1)
                .ngram_range(1, 3)
                .char_ngrams(Some((2, 4))),
            TfidfParams::default()
                .min_df(2)
                .sublinear_tf(false)
                .stemming(Stemming::None),
        ] {
            let v = fitted(params);
            let batch = v.transform(DOCS);
            for (i, doc) in DOCS.iter().enumerate() {
                assert_eq!(v.transform_one(doc).row(0), batch.row(i), "doc {i}");
            }
        }
    }

    #[test]
    fn tokenized_transform_equals_text_transform_on_a_fold() {
        let params = TfidfParams::default()
            .min_df(1)
            .char_ngrams(Some((3, 3)))
            .check()
            .unwrap();
        let corpus = params.tokenize(DOCS);
        let train = [0, 2, 4, 5];
        let v = params.fit_tokenized(&corpus, &train).unwrap();
        let texts: Vec<&str> = train.iter().map(|&i| DOCS[i]).collect();
        assert_eq!(v.terms, params.fit(&texts).unwrap().terms);
        let all: Vec<usize> = (0..DOCS.len()).collect();
        assert_eq!(v.transform_tokenized(&corpus, &all), v.transform(DOCS));
    }

    #[test]
    fn rows_are_unit_length_and_idf_is_smooth() {
        let v = fitted(TfidfParams::default().min_df(1));
        let m = v.transform(DOCS);
        for row in m.rows() {
            let norm: f64 = row.values.iter().map(|&x| f64::from(x).powi(2)).sum();
            assert!((norm - 1.0).abs() < 1e-6);
        }
        // "jwt" is in 2 of 6 documents: ln(7/3) + 1.
        let jwt = v.terms.iter().position(|t| t == "jwt").unwrap();
        assert!((f64::from(v.idf[jwt]) - ((7.0f64 / 3.0).ln() + 1.0)).abs() < 1e-6);
    }

    #[test]
    fn vocabulary_is_sorted_and_respects_df_limits() {
        let v = fitted(TfidfParams::default().min_df(2));
        assert!(v.terms.windows(2).all(|w| w[0] < w[1]));
        assert!(v.terms.contains(&"jwt".to_string()) && v.terms.contains(&"readm".to_string()));
        assert!(!v.terms.contains(&"typo".to_string()));
        let capped = fitted(TfidfParams::default().min_df(1).max_features(Some(3)));
        assert_eq!(capped.n_features(), 3);
        let no_common = fitted(TfidfParams::default().min_df(1).max_df(0.2));
        assert!(!no_common.terms.contains(&"jwt".to_string()));
    }

    #[test]
    fn stop_words_do_not_break_bigrams_but_unknown_words_do() {
        let v = fitted(TfidfParams::default().min_df(1));
        assert!(
            v.terms.contains(&"signatur not".to_string())
                || v.terms.contains(&"signatur verifi".to_string())
        );
        // "README" is known, "zebra" is not: "readm zebra" cannot become a bigram with a neighbour.
        let row = v.transform_one("zebra README zebra build");
        let names: Vec<_> = row
            .row(0)
            .indices
            .iter()
            .map(|&i| v.feature_name(i as usize))
            .collect();
        assert!(names.contains(&Cow::Borrowed("readm")));
        assert!(!names.iter().any(|n| n == "readm build"));
    }

    #[test]
    fn serde_round_trip_rebuilds_lookups() {
        let v = fitted(TfidfParams::default().min_df(1).char_ngrams(Some((3, 4))));
        let json = serde_json::to_string(&v).unwrap();
        let back: TfidfVectorizer = serde_json::from_str(&json).unwrap();
        assert_eq!(back.transform(DOCS), v.transform(DOCS));
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    fn char_grams_can_keep_the_case_of_the_text() {
        let docs = ["Verify The JWT Audience", "verify the jwt audience", "JWT"];
        let lower = TfidfParams::default().min_df(1).char_ngrams(Some((3, 3)));
        let keep = lower.clone().char_case(CharCase::Keep);
        let v = lower.check().unwrap().fit(&docs).unwrap();
        let m = v.transform(&docs);
        assert_eq!(m.row(0), m.row(1), "lower-cased grams ignore case");
        let v = keep.clone().check().unwrap().fit(&docs).unwrap();
        let m = v.transform(&docs);
        assert_ne!(m.row(0), m.row(1));
        let names: Vec<String> = (0..v.n_features())
            .map(|i| v.feature_name(i).into_owned())
            .collect();
        assert!(names.iter().any(|n| n.contains("JWT")), "{names:?}");
        assert!(names.iter().any(|n| n.contains("jwt")), "{names:?}");
        // Words stay lower-case either way, and one text's row equals its batch row.
        assert!(names.iter().any(|n| n == "verifi"), "{names:?}");
        for (i, doc) in docs.iter().enumerate() {
            assert_eq!(v.transform_one(doc).row(0), m.row(i));
        }
        // The setting is stored only when it differs from the default, so older model files
        // and new default ones stay byte-identical; it survives a round trip.
        let json = serde_json::to_string(&v).unwrap();
        assert!(json.contains(r#""char_case":"keep""#), "{json}");
        let back: TfidfVectorizer = serde_json::from_str(&json).unwrap();
        assert_eq!(back.transform(&docs), m);
        let plain = serde_json::to_string(&TfidfParams::default()).unwrap();
        assert!(!plain.contains("char_case"), "{plain}");
        let old: TfidfParams = serde_json::from_str(&plain).unwrap();
        assert_eq!(old, TfidfParams::default());
    }

    #[test]
    fn invalid_params_are_rejected_with_their_values() {
        let e = TfidfParams::default()
            .ngram_range(3, 2)
            .check()
            .unwrap_err();
        assert!(matches!(
            e,
            FeaturesError::InvalidNgramRange { min: 3, max: 2 }
        ));
        assert!(TfidfParams::default().ngram_range(1, 5).check().is_err());
        assert!(TfidfParams::default().max_df(0.0).check().is_err());
        assert!(TfidfParams::default().min_df(0).check().is_err());
        assert!(TfidfParams::default()
            .char_ngrams(Some((0, 2)))
            .check()
            .is_err());
    }

    #[test]
    fn empty_vocabulary_is_an_error() {
        let e = TfidfParams::default()
            .min_df(5)
            .check()
            .unwrap()
            .fit(&["a b", "c d"])
            .unwrap_err();
        assert!(matches!(e, FeaturesError::EmptyVocabulary { .. }));
    }

    #[test]
    fn sequences_are_in_order_truncated_and_leave_the_tfidf_part_alone() {
        let v = fitted(TfidfParams::default().min_df(1).ngram_range(1, 2));
        let id = |t: &str| v.terms.iter().position(|x| x == t).unwrap() as u32;
        let doc = "Store the key; sign the key, then cache it in Vault";
        let mut f = v.featurizer().with_sequences(Some(100));
        let row = f.transform(doc);
        let names: Vec<_> = row
            .sequence
            .iter()
            .map(|&i| v.feature_name(i as usize))
            .collect();
        // "cache" is not in the vocabulary; stop words are gone; repeats stay.
        assert_eq!(names, ["store", "key", "sign", "key", "vault"]);
        assert_eq!(row.sequence[0], id("store"));
        let with = row.indices.to_vec();
        assert_eq!(v.featurizer().transform(doc).indices, &with[..]);
        assert!(v.featurizer().transform(doc).sequence.is_empty());
        let mut short = v.featurizer().with_sequences(Some(2));
        assert_eq!(short.transform(doc).sequence, &[id("store"), id("key")]);
        // Batch, tokenized and one-at-a-time transforms agree, sequences included.
        let params = TfidfParams::default().min_df(1).check().unwrap();
        let corpus = params.tokenize(DOCS);
        let all: Vec<usize> = (0..DOCS.len()).collect();
        let v = params.fit_tokenized(&corpus, &all).unwrap();
        let batch = v.transform_with(DOCS, Some(4));
        assert!(batch.has_sequences() && batch.check().is_ok());
        assert_eq!(v.transform_tokenized_with(&corpus, &all, Some(4)), batch);
        let mut f = v.featurizer().with_sequences(Some(4));
        for (i, doc) in DOCS.iter().enumerate() {
            assert_eq!(f.transform(doc), batch.row(i), "doc {i}");
            assert!(batch.row(i).sequence.len() <= 4);
        }
        assert!(batch.rows().any(|r| r.sequence.len() == 4));
        assert_eq!(batch.without_sequences(), v.transform(DOCS));
    }
}
