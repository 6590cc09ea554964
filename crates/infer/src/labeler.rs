//! Parallel, order-preserving bulk labelling with bounded memory.

use std::borrow::Cow;
use std::io::Write;
use std::sync::mpsc::sync_channel;
use std::sync::Mutex;

use rayon::prelude::*;
use secdisc_features::{append_dense, push_sparse, Featurizer, SparseRow};
use secdisc_ingest::TextPreparer;
use secdisc_model::{Contribution, ModelBundle, ModelError, SentenceVectors};

use crate::decision::{Decision, Verdict};
use crate::explain::{explain_row, Explanation};
use crate::input::{InputItem, Provenance};
use crate::output::{round6, LabelRow, OutputFormat};

/// Options for [`Labeler::label_stream`].
#[derive(Debug, Clone)]
pub struct LabelOptions {
    /// Output encoding. Default JSONL.
    pub format: OutputFormat,
    /// How many top terms to report per record. Default 5.
    pub top_terms: usize,
    /// Most records read ahead and labelled together. Default 8192; memory is bounded by about
    /// three batches.
    pub batch_size: usize,
    /// Write the format's header line (CSV) first. Default `true`; `false` when appending to
    /// an output that has it.
    pub header: bool,
    /// Threshold and abstain band chosen at labelling time. Default `None`: the model's
    /// threshold, no band.
    pub decision: Option<Decision>,
}

impl Default for LabelOptions {
    fn default() -> Self {
        LabelOptions {
            format: OutputFormat::Jsonl,
            top_terms: 5,
            batch_size: 8192,
            header: true,
            decision: None,
        }
    }
}

/// Counts of a labelling run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabelSummary {
    /// Output rows written (always equal to the input records seen).
    pub records: u64,
    /// Rows labelled security.
    pub security: u64,
    /// Rows labelled uncertain (scores in the abstain band).
    pub uncertain: u64,
    /// Rows carrying an error.
    pub errors: u64,
    /// Bytes of text labelled.
    pub text_bytes: u64,
}

/// The outcome of labelling one text.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Probability of security.
    pub score: f64,
    /// `score >= threshold`.
    pub is_security: bool,
    /// Top contributing terms, strongest first.
    pub terms: Vec<String>,
}

/// Labels texts with a loaded model.
///
/// ```no_run
/// use secdisc_model::ModelBundle;
/// use secdisc_infer::Labeler;
/// let bundle = ModelBundle::load(std::path::Path::new("models/default.json"))?;
/// let labeler = Labeler::new(&bundle)?;
/// let p = labeler.predict("The gateway forwards the JWT without checking its signature", 3)?;
/// println!("{} {:?}", p.score, p.terms);
/// # Ok::<(), secdisc_model::ModelError>(())
/// ```
pub struct Labeler<'m> {
    bundle: &'m ModelBundle,
    /// The model's text preparation, applied to every text before it is scored.
    prep: TextPreparer,
    featurizers: Vec<Mutex<Featurizer<'m>>>,
    /// Sentence vectors for the model's dense block, when it has one.
    vectors: Option<&'m dyn SentenceVectors>,
}

/// Buffers for a row with its dense block appended.
#[derive(Default)]
struct RowScratch {
    indices: Vec<u32>,
    values: Vec<f32>,
}

const PIECE: usize = 256;

/// A text's sentence vector, or why it could not be computed (the text's row then says so).
type VectorResult = Result<Vec<f32>, String>;

impl<'m> Labeler<'m> {
    /// A labeller with one reusable featurizer per rayon thread.
    ///
    /// # Errors
    /// [`ModelError::EncoderRequired`] when the model reads sentence vectors from an encoder
    /// (use [`Labeler::with_vectors`]).
    pub fn new(bundle: &'m ModelBundle) -> Result<Labeler<'m>, ModelError> {
        match &bundle.dense {
            Some(block) if block.needs_encoder() => Err(ModelError::EncoderRequired {
                fingerprint: block.fingerprint().to_string(),
            }),
            Some(block) => Labeler::build(bundle, block.carried_vectors()),
            None => Labeler::build(bundle, None),
        }
    }

    /// A labeller for a model whose dense block reads sentence vectors from `vectors` (an
    /// encoder loaded by the caller).
    ///
    /// # Errors
    /// [`ModelError::WrongEncoder`] when `vectors` is not the source the model was trained
    /// with; a model without an encoder block ignores `vectors`.
    pub fn with_vectors(
        bundle: &'m ModelBundle,
        vectors: &'m dyn SentenceVectors,
    ) -> Result<Labeler<'m>, ModelError> {
        match &bundle.dense {
            Some(block) if block.needs_encoder() => {
                block.accepts(vectors)?;
                Labeler::build(bundle, Some(vectors))
            }
            _ => Labeler::new(bundle),
        }
    }

    /// The model this labeller applies.
    pub fn bundle(&self) -> &'m ModelBundle {
        self.bundle
    }

    fn build(
        bundle: &'m ModelBundle,
        vectors: Option<&'m dyn SentenceVectors>,
    ) -> Result<Labeler<'m>, ModelError> {
        let n = rayon::current_num_threads().max(1) + 1;
        Ok(Labeler {
            vectors,
            bundle,
            prep: bundle
                .text_prep()
                .build()
                .map_err(ModelError::InvalidTextPrep)?,
            featurizers: (0..n)
                .map(|_| {
                    // Rows carry their word sequence only for a model that reads it.
                    let f = bundle.vectorizer.featurizer();
                    Mutex::new(f.with_sequences(bundle.classifier.sequence_len()))
                })
                .collect(),
        })
    }

    /// The texts the model scores for a post with an optional `title` and its `body`, prepared
    /// as the model says ([`ModelBundle::text_prep`]): one text, or one per paragraph.
    pub fn prepare(&self, title: Option<&str>, body: &str) -> Vec<String> {
        self.prep.texts(title, body)
    }

    /// `text` prepared, borrowed when the model reads texts as given.
    fn prepared<'t>(&self, text: &'t str) -> Vec<Cow<'t, str>> {
        if self.prep.is_as_given() {
            vec![Cow::Borrowed(text)]
        } else {
            self.prep
                .texts(None, text)
                .into_iter()
                .map(Cow::Owned)
                .collect()
        }
    }

    /// The texts an item is scored on: its text prepared, an export unit as it is; `None` for
    /// an item without text or one that could not be read.
    fn item_texts<'a>(&self, item: &'a InputItem) -> Option<Vec<Cow<'a, str>>> {
        match item {
            InputItem::Record {
                text: Some(text), ..
            } if !text.trim().is_empty() => Some(self.prepared(text)),
            InputItem::Prepared { text, .. } if !text.trim().is_empty() => {
                Some(vec![Cow::Borrowed(text.as_str())])
            }
            _ => None,
        }
    }

    fn featurizer(&self) -> std::sync::MutexGuard<'_, Featurizer<'m>> {
        let slot = rayon::current_thread_index()
            .map_or(self.featurizers.len() - 1, |i| i % self.featurizers.len());
        // A poisoned lock only means another thread panicked mid-transform; the featurizer's
        // buffers are cleared on every call, so it is still usable.
        self.featurizers[slot]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The row of `text`: its TF-IDF features, then `dense` (weighted) when the model has a
    /// dense block.
    fn row<'r>(
        &self,
        f: &'r mut Featurizer<'m>,
        text: &str,
        dense: Option<&[f32]>,
        scratch: &'r mut RowScratch,
    ) -> SparseRow<'r> {
        let row = f.transform(text);
        let (Some(block), Some(vector)) = (&self.bundle.dense, dense) else {
            return row;
        };
        scratch.indices.clear();
        scratch.values.clear();
        push_sparse(
            &mut scratch.indices,
            &mut scratch.values,
            row,
            block.tfidf_weight,
        );
        append_dense(
            &mut scratch.indices,
            &mut scratch.values,
            self.bundle.vectorizer.n_features(),
            vector,
            block.weight,
        );
        SparseRow {
            indices: &scratch.indices,
            values: &scratch.values,
            sequence: row.sequence,
        }
    }

    fn predict_with(
        &self,
        f: &mut Featurizer<'m>,
        text: &str,
        dense: Option<&[f32]>,
        k: usize,
        buf: &mut Vec<Contribution>,
        scratch: &mut RowScratch,
    ) -> Prediction {
        let words = self.bundle.vectorizer.n_features();
        let row = self.row(f, text, dense, scratch);
        // Terms are words: the dense block's columns, after them, never are.
        let score = self
            .bundle
            .classifier
            .probability_and_contributions(row, words, k, buf);
        Prediction {
            score,
            is_security: score >= self.bundle.threshold,
            // The words as written in the text (`Rotate`, `never checks`); the vocabulary's
            // stem only for what has no words (character n-grams).
            terms: buf
                .iter()
                .map(|c| {
                    f.as_written(text, c.feature).unwrap_or_else(|| {
                        self.bundle
                            .vectorizer
                            .feature_name(c.feature as usize)
                            .into_owned()
                    })
                })
                .collect(),
        }
    }

    /// The prediction of the best of `texts` (a text's paragraphs, or the text alone): the
    /// highest score, the first of equals, with its index. `vectors` holds each text's sentence
    /// vector or why it could not be computed, which is then the error. `None` for no texts.
    #[allow(clippy::too_many_arguments)]
    fn best_prediction<S: AsRef<str>>(
        &self,
        f: &mut Featurizer<'m>,
        texts: &[S],
        vectors: Option<&[VectorResult]>,
        k: usize,
        buf: &mut Vec<Contribution>,
        scratch: &mut RowScratch,
    ) -> Result<Option<(usize, Prediction)>, String> {
        let mut best: Option<(usize, Prediction)> = None;
        for (i, text) in texts.iter().enumerate() {
            let vector = match vectors.map(|v| &v[i]) {
                None => None,
                Some(Ok(vector)) => Some(vector.as_slice()),
                Some(Err(message)) => return Err(message.clone()),
            };
            let p = self.predict_with(f, text.as_ref(), vector, k, buf, scratch);
            if best.as_ref().map_or(true, |(_, b)| p.score > b.score) {
                best = Some((i, p));
            }
        }
        Ok(best)
    }

    /// The sentence vectors of `texts` when the model has a dense block.
    ///
    /// A source that answers with another number of vectors, or vectors of another width than
    /// the block, is an error here rather than a row of the wrong width further on.
    fn dense_vectors(&self, texts: &[&str]) -> Result<Option<Vec<Vec<f32>>>, ModelError> {
        let (Some(source), Some(block)) = (self.vectors, &self.bundle.dense) else {
            return Ok(None);
        };
        let vectors = source
            .vectors(texts)
            .map_err(|message| ModelError::Vectors { message })?;
        if vectors.len() != texts.len() || vectors.iter().any(|v| v.len() != block.dim) {
            return Err(ModelError::Vectors {
                message: format!(
                    "the source gave {} vectors for {} texts (each must have {} values)",
                    vectors.len(),
                    texts.len(),
                    block.dim
                ),
            });
        }
        Ok(Some(vectors))
    }

    /// [`Labeler::dense_vectors`] as one result per text, the shape
    /// [`Labeler::best_prediction`] takes.
    fn vector_results(&self, texts: &[&str]) -> Result<Option<Vec<VectorResult>>, ModelError> {
        Ok(self
            .dense_vectors(texts)?
            .map(|v| v.into_iter().map(Ok).collect()))
    }

    /// Label one text, reporting its `k` strongest security terms. The text is prepared as
    /// the model says; when that splits it into paragraphs, the paragraph with the highest
    /// score speaks for it.
    ///
    /// # Errors
    /// [`ModelError::Vectors`] when the model's sentence vectors cannot be computed.
    pub fn predict(&self, text: &str, k: usize) -> Result<Prediction, ModelError> {
        self.predict_prepared(&self.prepared(text), k)
    }

    /// [`Labeler::predict`] of texts already prepared (for example by [`Labeler::prepare`]):
    /// the one with the highest score, the first of equals.
    ///
    /// # Errors
    /// [`ModelError::Vectors`] when the model's sentence vectors cannot be computed.
    pub fn predict_prepared<S: AsRef<str>>(
        &self,
        texts: &[S],
        k: usize,
    ) -> Result<Prediction, ModelError> {
        let refs: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        let vectors = self.vector_results(&refs)?;
        let mut f = self.featurizer();
        let (mut buf, mut scratch) = (Vec::new(), RowScratch::default());
        let best = self
            .best_prediction(&mut f, &refs, vectors.as_deref(), k, &mut buf, &mut scratch)
            .map_err(|message| ModelError::Vectors { message })?;
        Ok(match best {
            Some((_, p)) => p,
            None => self.predict_with(&mut f, "", None, k, &mut buf, &mut scratch),
        })
    }

    /// The probability of security of each text, in order, each prepared as the model says
    /// (the highest paragraph's when it is split); sentence vectors computed in batches.
    ///
    /// # Errors
    /// [`ModelError::Vectors`] when the model's sentence vectors cannot be computed.
    pub fn scores(&self, texts: &[&str]) -> Result<Vec<f64>, ModelError> {
        let pieces: Vec<Result<Vec<f64>, ModelError>> = texts
            .par_chunks(PIECE)
            .map(|piece| {
                let prepared: Vec<Vec<Cow<'_, str>>> =
                    piece.iter().map(|t| self.prepared(t)).collect();
                let flat: Vec<&str> = prepared.iter().flatten().map(AsRef::as_ref).collect();
                let dense = self.dense_vectors(&flat)?;
                let mut f = self.featurizer();
                let mut scratch = RowScratch::default();
                let mut next = 0;
                Ok(prepared
                    .iter()
                    .map(|texts| {
                        let mut best = f64::NEG_INFINITY;
                        for text in texts {
                            let vector = dense.as_ref().map(|d| d[next].as_slice());
                            next += 1;
                            let row = self.row(&mut f, text, vector, &mut scratch);
                            best = best.max(self.bundle.classifier.probability(row));
                        }
                        best
                    })
                    .collect())
            })
            .collect();
        let mut out = Vec::with_capacity(texts.len());
        for p in pieces {
            out.extend(p?);
        }
        Ok(out)
    }

    /// Label one text and decompose its score into per-term contributions (see
    /// [`crate::explain_row`]), each term shown as written in the prepared text; for a
    /// classifier that is not linear only the score is given. The text is prepared as the
    /// model says; when that splits it into paragraphs, the paragraph with the highest score is
    /// explained (as [`Labeler::predict`] scores it).
    ///
    /// # Errors
    /// [`ModelError::Vectors`] when the model's sentence vectors cannot be computed.
    pub fn explain(&self, text: &str) -> Result<Explanation, ModelError> {
        let prepared = self.prepared(text);
        let refs: Vec<&str> = prepared.iter().map(AsRef::as_ref).collect();
        let vectors = self.vector_results(&refs)?;
        let mut f = self.featurizer();
        let mut scratch = RowScratch::default();
        let i = if refs.len() > 1 {
            self.best_prediction(
                &mut f,
                &refs,
                vectors.as_deref(),
                0,
                &mut Vec::new(),
                &mut scratch,
            )
            .map_err(|message| ModelError::Vectors { message })?
            .map_or(0, |(i, _)| i)
        } else {
            0
        };
        let text = refs.get(i).copied().unwrap_or("");
        let vector = match vectors.as_deref().map(|v| &v[i]) {
            Some(Ok(v)) => Some(v.as_slice()),
            _ => None,
        };
        let row = self.row(&mut f, text, vector, &mut scratch);
        let mut explanation = explain_row(self.bundle, row);
        // The words as written in the text; the vocabulary's term stays in `stem`.
        for term in explanation.linear.iter_mut().flat_map(|l| &mut l.terms) {
            if let Some(written) = term.feature.and_then(|i| f.as_written(text, i)) {
                term.stem = Some(std::mem::replace(&mut term.term, written));
            }
        }
        Ok(explanation)
    }

    /// The decision rows are labelled by: `chosen`, or the model's threshold.
    pub fn decision(&self, chosen: Option<Decision>) -> Decision {
        chosen.unwrap_or_else(|| Decision::of_model(self.bundle.threshold))
    }

    /// The output row of one item, scored on `texts` (its prepared texts, with their sentence
    /// vectors in `vectors`); counts it in `summary`. With several texts (paragraphs) the
    /// highest score speaks for the item.
    #[allow(clippy::too_many_arguments)]
    fn label_one<'a>(
        &self,
        f: &mut Featurizer<'m>,
        item: &'a InputItem,
        texts: Option<&[Cow<'_, str>]>,
        vectors: Option<&[VectorResult]>,
        k: usize,
        decision: &Decision,
        contributions: &mut Vec<Contribution>,
        scratch: &mut RowScratch,
        summary: &mut LabelSummary,
    ) -> LabelRow<'a> {
        summary.records += 1;
        let id = item.id();
        let texts = match (item, texts) {
            (InputItem::Unreadable { error, .. }, _) => {
                summary.errors += 1;
                return LabelRow::failed(id, error);
            }
            (_, None) => {
                summary.errors += 1;
                return LabelRow::failed(id, "record has no text");
            }
            (
                InputItem::Record { text: Some(t), .. } | InputItem::Prepared { text: t, .. },
                Some(texts),
            ) => {
                summary.text_bytes += t.len() as u64;
                texts
            }
            (_, Some(texts)) => texts,
        };
        let p = match self.best_prediction(f, texts, vectors, k, contributions, scratch) {
            Ok(Some((_, p))) => p,
            Ok(None) => {
                summary.errors += 1;
                return LabelRow::failed(id, "record has no text");
            }
            Err(message) => {
                summary.errors += 1;
                return LabelRow::failed(id, message);
            }
        };
        let verdict = decision.verdict(p.score);
        summary.security += u64::from(verdict == Verdict::Security);
        summary.uncertain += u64::from(verdict == Verdict::Uncertain);
        LabelRow {
            id,
            label: Some(verdict.as_str()),
            score: Some(round6(p.score)),
            terms: p.terms,
            error: None,
        }
    }

    /// The sentence vectors of `texts` (the prepared texts of one piece, in order), computed
    /// together; `None` when the model reads none.
    fn piece_vectors(&self, texts: &[&str]) -> Option<Vec<VectorResult>> {
        if self.vectors.is_none() || self.bundle.dense.is_none() {
            return None;
        }
        match self.dense_vectors(texts) {
            Ok(Some(v)) => Some(v.into_iter().map(Ok).collect()),
            Ok(None) => None,
            // One text spoilt the batch: embed them one by one, so only that one fails.
            Err(_) => Some(
                texts
                    .iter()
                    .map(|t| match self.dense_vectors(&[t]) {
                        Ok(Some(mut v)) => Ok(v.remove(0)),
                        Ok(None) => Err("no sentence vector".to_string()),
                        Err(e) => Err(e.to_string()),
                    })
                    .collect(),
            ),
        }
    }

    /// Label `items` in pieces on the rayon pool, folding each piece's rows into an `O` with
    /// `fold` (encoded bytes, or the rows themselves); the pieces come back in input order with
    /// their counts.
    fn in_pieces<'a, T: Sync, O: Default + Send>(
        &self,
        items: &'a [T],
        item: impl Fn(&'a T) -> &'a InputItem + Sync,
        opts: &LabelOptions,
        fold: impl Fn(&mut O, LabelRow<'a>) + Sync,
    ) -> Vec<(O, LabelSummary)> {
        let decision = self.decision(opts.decision);
        let top_terms = opts.top_terms;
        items
            .par_chunks(PIECE)
            .map(|piece| {
                let prepared: Vec<Option<Vec<Cow<'a, str>>>> =
                    piece.iter().map(|t| self.item_texts(item(t))).collect();
                let flat: Vec<&str> = prepared
                    .iter()
                    .flatten()
                    .flatten()
                    .map(AsRef::as_ref)
                    .collect();
                let dense = self.piece_vectors(&flat);
                let mut next = 0;
                let mut f = self.featurizer();
                let mut contributions = Vec::new();
                let mut scratch = RowScratch::default();
                let mut summary = LabelSummary::default();
                let mut out = O::default();
                for (t, texts) in piece.iter().zip(&prepared) {
                    let n = texts.as_ref().map_or(0, Vec::len);
                    let vectors = dense.as_ref().map(|d| &d[next..next + n]);
                    next += n;
                    let row = self.label_one(
                        &mut f,
                        item(t),
                        texts.as_deref(),
                        vectors,
                        top_terms,
                        &decision,
                        &mut contributions,
                        &mut scratch,
                        &mut summary,
                    );
                    fold(&mut out, row);
                }
                (out, summary)
            })
            .collect()
    }

    /// Encode one output row per item of `items` into `out`.
    fn label_batch(
        &self,
        items: &[InputItem],
        opts: &LabelOptions,
        out: &mut Vec<u8>,
    ) -> LabelSummary {
        let pieces = self.in_pieces(
            items,
            |i| i,
            opts,
            |buf: &mut Vec<u8>, row| opts.format.encode(&row, buf),
        );
        let mut total = LabelSummary::default();
        for (bytes, s) in pieces {
            out.extend_from_slice(&bytes);
            total.add(&s);
        }
        total
    }

    /// The rows of one batch, in order.
    fn label_rows<'a>(
        &self,
        items: &'a [(InputItem, Provenance)],
        opts: &LabelOptions,
    ) -> (Vec<LabelRow<'a>>, LabelSummary) {
        let pieces = self.in_pieces(
            items,
            |(i, _)| i,
            opts,
            |rows: &mut Vec<LabelRow<'a>>, row| rows.push(row),
        );
        let mut total = LabelSummary::default();
        let mut rows = Vec::with_capacity(items.len());
        for (r, s) in pieces {
            rows.extend(r);
            total.add(&s);
        }
        (rows, total)
    }

    /// Label every item of `items` and write exactly one row per item to `out`, in input
    /// order. Reading runs on its own thread, up to `batch_size` items ahead; labelling a batch
    /// runs on the rayon pool. A batch is whatever the reader has ready, at most `batch_size`
    /// items, so a producer that sends one record and waits for its row is served at once.
    /// `out` is flushed after every batch, so a pipe consumer sees each row as soon as it is
    /// labelled and a file holds every finished batch. `progress` is called with the running
    /// summary after each batch.
    ///
    /// Errors are write errors only: unreadable or empty records become rows with `error`.
    pub fn label_stream<I>(
        &self,
        items: I,
        out: &mut dyn Write,
        opts: &LabelOptions,
        progress: &mut dyn FnMut(&LabelSummary),
    ) -> std::io::Result<LabelSummary>
    where
        I: Iterator<Item = InputItem> + Send,
    {
        if let Some(h) = opts.format.header().filter(|_| opts.header) {
            out.write_all(h.as_bytes())?;
        }
        let mut buf = Vec::new();
        let total = in_batches(items, opts.batch_size, progress, |batch| {
            buf.clear();
            let s = self.label_batch(batch, opts, &mut buf);
            out.write_all(&buf)?;
            out.flush()?;
            Ok(s)
        })?;
        out.flush()?;
        Ok(total)
    }

    /// As [`Labeler::label_stream`], but hands each batch of rows, with the items they came
    /// from (and their [`Provenance`]), to `sink` instead of encoding them as bytes: this is how
    /// columnar outputs such as Parquet are written. `opts.format` is not used.
    ///
    /// # Errors
    /// Whatever `sink` returns.
    pub fn label_stream_rows<I>(
        &self,
        items: I,
        sink: &mut dyn RowSink,
        opts: &LabelOptions,
        progress: &mut dyn FnMut(&LabelSummary),
    ) -> std::io::Result<LabelSummary>
    where
        I: Iterator<Item = (InputItem, Provenance)> + Send,
    {
        in_batches(items, opts.batch_size, progress, |batch| {
            let (rows, s) = self.label_rows(batch, opts);
            sink.write_rows(batch, &rows)?;
            Ok(s)
        })
    }
}

/// Takes batches of labelled rows: [`Labeler::label_stream_rows`] calls it once per batch.
pub trait RowSink {
    /// Write `rows`; `rows[i]` is the row of `items[i]`.
    ///
    /// # Errors
    /// Write errors.
    fn write_rows(
        &mut self,
        items: &[(InputItem, Provenance)],
        rows: &[LabelRow<'_>],
    ) -> std::io::Result<()>;
}

impl LabelSummary {
    fn add(&mut self, s: &LabelSummary) {
        self.records += s.records;
        self.security += s.security;
        self.uncertain += s.uncertain;
        self.errors += s.errors;
        self.text_bytes += s.text_bytes;
    }
}

/// Read `items` on a scoped thread into a channel of `batch_size` items and call `work` on each
/// batch: the first item waited for, then every item already waiting, up to `batch_size`.
fn in_batches<T, I>(
    items: I,
    batch_size: usize,
    progress: &mut dyn FnMut(&LabelSummary),
    mut work: impl FnMut(&[T]) -> std::io::Result<LabelSummary>,
) -> std::io::Result<LabelSummary>
where
    T: Send,
    I: Iterator<Item = T> + Send,
{
    let batch_size = batch_size.max(1);
    let (tx, rx) = sync_channel::<T>(batch_size);
    let mut total = LabelSummary::default();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for item in items {
                if tx.send(item).is_err() {
                    break;
                }
            }
        });
        // Owned by this closure: an early return drops it, which stops the reader thread at its
        // next send (the scope waits for that thread before returning).
        let rx = rx;
        let mut batch: Vec<T> = Vec::with_capacity(batch_size);
        while let Ok(first) = rx.recv() {
            batch.clear();
            batch.push(first);
            while batch.len() < batch_size {
                match rx.try_recv() {
                    Ok(item) => batch.push(item),
                    Err(_) => break,
                }
            }
            let s = work(&batch)?;
            total.add(&s);
            progress(&total);
        }
        Ok::<(), std::io::Error>(())
    })?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secdisc_model::{ClassifierModel, DenseBlock, DenseSource, LinearModel};

    /// A source whose vector says "security" for texts with `token`, whatever the words.
    struct Fake(&'static str);

    impl SentenceVectors for Fake {
        fn fingerprint(&self) -> &str {
            self.0
        }

        fn dim(&self) -> usize {
            2
        }

        fn vectors(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
            if texts.iter().any(|t| t.contains("explode")) {
                return Err("the fake cannot embed this".into());
            }
            Ok(texts
                .iter()
                .map(|t| {
                    if t.contains("token") {
                        vec![1.0, 0.0]
                    } else {
                        vec![0.0, 1.0]
                    }
                })
                .collect())
        }
    }

    /// Words weigh nothing; the first vector dimension decides.
    fn bundle() -> ModelBundle {
        let docs = ["token leak", "css fix", "explode now"];
        let vectorizer = crate::testutil::vectorizer(&docs);
        let mut weights = vec![0.0; vectorizer.n_features()];
        weights.extend([4.0, -4.0]);
        let classifier = ClassifierModel::logistic(LinearModel {
            weights,
            intercept: 0.0,
        });
        let manifest = crate::testutil::manifest();
        let block = DenseBlock {
            source: DenseSource::Encoder {
                fingerprint: "fake".into(),
                max_tokens: 128,
            },
            dim: 2,
            weight: 1.0,
            tfidf_weight: 1.0,
        };
        ModelBundle::with_dense(manifest, vectorizer, Some(block), classifier, 0.5).unwrap()
    }

    #[test]
    fn a_dense_block_scores_with_its_encoder_and_refuses_others() {
        let bundle = bundle();
        assert!(matches!(
            Labeler::new(&bundle),
            Err(ModelError::EncoderRequired { .. })
        ));
        let other = Fake("other");
        assert!(matches!(
            Labeler::with_vectors(&bundle, &other),
            Err(ModelError::WrongEncoder { .. })
        ));
        let fake = Fake("fake");
        let labeler = Labeler::with_vectors(&bundle, &fake).unwrap();
        let p = labeler.predict("a token in the header", 3).unwrap();
        assert!(p.is_security && p.score > 0.95, "{p:?}");
        assert!(p.terms.iter().all(|t| !t.starts_with('[')), "{:?}", p.terms);
        let q = labeler.predict("css fix", 3).unwrap();
        assert!(!q.is_security, "{q:?}");
        let scores = labeler.scores(&["token", "css", "token again"]).unwrap();
        assert!(
            scores[0] > 0.95 && scores[1] < 0.05 && scores[2] > 0.95,
            "{scores:?}"
        );
        let e = labeler.explain("token").unwrap();
        let linear = e.linear.unwrap();
        assert!(linear
            .terms
            .iter()
            .any(|t| t.term == crate::explain::SENTENCE_VECTOR && t.contribution > 3.9));
    }

    /// A source that answers with vectors of the wrong width.
    struct Narrow;

    impl SentenceVectors for Narrow {
        fn fingerprint(&self) -> &str {
            "fake"
        }

        fn dim(&self) -> usize {
            2
        }

        fn vectors(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
            Ok(texts.iter().map(|_| vec![1.0]).collect())
        }
    }

    #[test]
    fn a_source_of_the_wrong_width_is_an_error_not_a_panic() {
        let bundle = bundle();
        let narrow = Narrow;
        let labeler = Labeler::with_vectors(&bundle, &narrow).unwrap();
        let e = labeler.predict("token", 1).unwrap_err();
        assert!(e.to_string().contains("each must have 2 values"), "{e}");
        assert!(labeler.scores(&["token", "css"]).is_err());
    }

    #[test]
    fn a_source_that_fails_gives_error_rows_and_keeps_the_others() {
        let bundle = bundle();
        let fake = Fake("fake");
        let labeler = Labeler::with_vectors(&bundle, &fake).unwrap();
        let items = vec![
            InputItem::Record {
                id: "1".into(),
                text: Some("token".into()),
            },
            InputItem::Record {
                id: "2".into(),
                text: Some("explode".into()),
            },
        ];
        let mut out = Vec::new();
        let opts = LabelOptions::default();
        let summary = labeler
            .label_stream(items.into_iter(), &mut out, &opts, &mut |_| {})
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(summary.records, 2);
        assert_eq!(text.lines().count(), 2, "one row per record: {text}");
        let rows: Vec<&str> = text.lines().collect();
        assert!(rows[0].contains("\"security\""), "{text}");
        assert!(
            rows[1].contains("cannot compute sentence vectors"),
            "{text}"
        );
        assert_eq!(summary.errors, 1);
        assert!(labeler.predict("explode", 1).is_err());
    }

    /// Issue 14 item 3: rows and explanations show the words as written, not stems.
    #[test]
    fn terms_are_the_words_as_written() {
        let docs = [
            "Rotating the leaked keys never checks signatures",
            "fix the css",
        ];
        let vectorizer = crate::testutil::vectorizer(&docs);
        let weights: Vec<f64> = (0..vectorizer.n_features())
            .map(|i| {
                if vectorizer.feature_name(i).contains("css") {
                    -1.0
                } else {
                    1.0 + i as f64 * 0.01
                }
            })
            .collect();
        let classifier = ClassifierModel::logistic(LinearModel {
            weights,
            intercept: 0.0,
        });
        let bundle =
            ModelBundle::new(crate::testutil::manifest(), vectorizer, classifier, 0.5).unwrap();
        let labeler = Labeler::new(&bundle).unwrap();
        let text = "We never check SIGNATURES; Rotating the leaked Keys is overdue";
        let p = labeler.predict(text, 20).unwrap();
        for written in ["SIGNATURES", "Rotating", "leaked", "Keys", "never"] {
            assert!(
                p.terms.iter().any(|t| t == written),
                "{written}: {:?}",
                p.terms
            );
        }
        for stem in ["signatur", "rotat", "leak", "key"] {
            assert!(!p.terms.iter().any(|t| t == stem), "{stem}: {:?}", p.terms);
        }
        // A bigram's words, each as written, joined by a space.
        assert!(
            p.terms
                .iter()
                .any(|t| t == "Rotating leaked" || t == "leaked Keys"),
            "{:?}",
            p.terms
        );
        let e = labeler.explain(text).unwrap();
        let terms = &e.linear.unwrap().terms;
        let rotating = terms.iter().find(|t| t.term == "Rotating").unwrap();
        assert_eq!(rotating.stem.as_deref(), Some("rotat"));
    }
}
