//! Parallel, order-preserving bulk labelling with bounded memory.

use std::io::Write;
use std::sync::mpsc::sync_channel;
use std::sync::Mutex;

use rayon::prelude::*;
use secdisc_features::Featurizer;
use secdisc_model::{Contribution, ModelBundle};

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
}

impl Default for LabelOptions {
    fn default() -> Self {
        LabelOptions {
            format: OutputFormat::Jsonl,
            top_terms: 5,
            batch_size: 8192,
            header: true,
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
/// let labeler = Labeler::new(&bundle);
/// let p = labeler.predict("The gateway forwards the JWT without checking its signature", 3);
/// println!("{} {:?}", p.score, p.terms);
/// # Ok::<(), secdisc_model::ModelError>(())
/// ```
pub struct Labeler<'m> {
    bundle: &'m ModelBundle,
    featurizers: Vec<Mutex<Featurizer<'m>>>,
}

const PIECE: usize = 256;

impl<'m> Labeler<'m> {
    /// A labeller with one reusable featurizer per rayon thread.
    pub fn new(bundle: &'m ModelBundle) -> Labeler<'m> {
        let n = rayon::current_num_threads().max(1) + 1;
        Labeler {
            bundle,
            featurizers: (0..n)
                .map(|_| {
                    // Rows carry their word sequence only for a model that reads it.
                    let f = bundle.vectorizer.featurizer();
                    Mutex::new(f.with_sequences(bundle.classifier.sequence_len()))
                })
                .collect(),
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

    fn predict_with(
        &self,
        f: &mut Featurizer<'m>,
        text: &str,
        k: usize,
        buf: &mut Vec<Contribution>,
    ) -> Prediction {
        let row = f.transform(text);
        let model = &self.bundle.classifier;
        let score = model.probability_and_contributions(row, k, buf);
        Prediction {
            score,
            is_security: score >= self.bundle.threshold,
            terms: buf
                .iter()
                .map(|c| {
                    self.bundle
                        .vectorizer
                        .feature_name(c.feature as usize)
                        .into_owned()
                })
                .collect(),
        }
    }

    /// Label one text, reporting its `k` strongest security terms.
    pub fn predict(&self, text: &str, k: usize) -> Prediction {
        let mut f = self.featurizer();
        self.predict_with(&mut f, text, k, &mut Vec::new())
    }

    /// Label one text and decompose its score into per-term contributions (see
    /// [`crate::explain_row`]); for a classifier that is not linear only the score is given.
    pub fn explain(&self, text: &str) -> Explanation {
        let mut f = self.featurizer();
        let row = f.transform(text);
        explain_row(self.bundle, row)
    }

    /// The output row of one item; counts it in `summary`.
    fn label_one<'a>(
        &self,
        f: &mut Featurizer<'m>,
        item: &'a InputItem,
        k: usize,
        contributions: &mut Vec<Contribution>,
        summary: &mut LabelSummary,
    ) -> LabelRow<'a> {
        summary.records += 1;
        match item {
            InputItem::Record {
                id,
                text: Some(text),
            } if !text.trim().is_empty() => {
                summary.text_bytes += text.len() as u64;
                let p = self.predict_with(f, text, k, contributions);
                summary.security += u64::from(p.is_security);
                LabelRow {
                    id,
                    label: Some(if p.is_security {
                        "security"
                    } else {
                        "non-security"
                    }),
                    score: Some(round6(p.score)),
                    terms: p.terms,
                    error: None,
                }
            }
            InputItem::Record { id, .. } => {
                summary.errors += 1;
                LabelRow::failed(id, "record has no text")
            }
            InputItem::Unreadable { id, error } => {
                summary.errors += 1;
                LabelRow::failed(id, error)
            }
        }
    }

    /// Encode one output row per item of `items` into `out`.
    fn label_batch(
        &self,
        items: &[InputItem],
        opts: &LabelOptions,
        out: &mut Vec<u8>,
    ) -> LabelSummary {
        let pieces: Vec<(Vec<u8>, LabelSummary)> = items
            .par_chunks(PIECE)
            .map(|piece| {
                let mut f = self.featurizer();
                let mut buf = Vec::new();
                let mut contributions = Vec::new();
                let mut summary = LabelSummary::default();
                for item in piece {
                    let row = self.label_one(
                        &mut f,
                        item,
                        opts.top_terms,
                        &mut contributions,
                        &mut summary,
                    );
                    opts.format.encode(&row, &mut buf);
                }
                (buf, summary)
            })
            .collect();
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
        let pieces: Vec<(Vec<LabelRow<'a>>, LabelSummary)> = items
            .par_chunks(PIECE)
            .map(|piece| {
                let mut f = self.featurizer();
                let mut contributions = Vec::new();
                let mut summary = LabelSummary::default();
                let rows = piece
                    .iter()
                    .map(|(item, _)| {
                        self.label_one(
                            &mut f,
                            item,
                            opts.top_terms,
                            &mut contributions,
                            &mut summary,
                        )
                    })
                    .collect();
                (rows, summary)
            })
            .collect();
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
