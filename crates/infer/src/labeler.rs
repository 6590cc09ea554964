//! Parallel, order-preserving bulk labelling with bounded memory.

use std::io::Write;
use std::sync::mpsc::sync_channel;
use std::sync::Mutex;

use rayon::prelude::*;
use secdisc_features::{Contribution, Featurizer, ModelBundle};

use crate::explain::{explain_row, Explanation};
use crate::input::InputItem;
use crate::output::{round6, LabelRow, OutputFormat};

/// Options for [`Labeler::label_stream`].
#[derive(Debug, Clone)]
pub struct LabelOptions {
    /// Output encoding. Default JSONL.
    pub format: OutputFormat,
    /// How many top terms to report per record. Default 5.
    pub top_terms: usize,
    /// Records read ahead and labelled together. Default 8192; memory is bounded by about three
    /// batches.
    pub batch_size: usize,
}

impl Default for LabelOptions {
    fn default() -> Self {
        LabelOptions {
            format: OutputFormat::Jsonl,
            top_terms: 5,
            batch_size: 8192,
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
/// use secdisc_features::ModelBundle;
/// use secdisc_infer::Labeler;
/// let bundle = ModelBundle::load(std::path::Path::new("models/default.json"))?;
/// let labeler = Labeler::new(&bundle);
/// let p = labeler.predict("The gateway forwards the JWT without checking its signature", 3);
/// println!("{} {:?}", p.score, p.terms);
/// # Ok::<(), secdisc_features::FeaturesError>(())
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
                    summary.records += 1;
                    let row = match item {
                        InputItem::Record {
                            id,
                            text: Some(text),
                        } if !text.trim().is_empty() => {
                            summary.text_bytes += text.len() as u64;
                            let p =
                                self.predict_with(&mut f, text, opts.top_terms, &mut contributions);
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
                    };
                    opts.format.encode(&row, &mut buf);
                }
                (buf, summary)
            })
            .collect();
        let mut total = LabelSummary::default();
        for (bytes, s) in pieces {
            out.extend_from_slice(&bytes);
            total.records += s.records;
            total.security += s.security;
            total.errors += s.errors;
            total.text_bytes += s.text_bytes;
        }
        total
    }

    /// Label every item of `items` and write exactly one row per item to `out`, in input
    /// order. Reading runs on its own thread, `batch_size` items ahead; labelling a batch runs
    /// on the rayon pool. `progress` is called with the running summary after each batch.
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
        if let Some(h) = opts.format.header() {
            out.write_all(h.as_bytes())?;
        }
        let batch_size = opts.batch_size.max(1);
        let (tx, rx) = sync_channel::<Vec<InputItem>>(1);
        let mut total = LabelSummary::default();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                let mut items = items;
                loop {
                    let batch: Vec<InputItem> = items.by_ref().take(batch_size).collect();
                    if batch.is_empty() || tx.send(batch).is_err() {
                        break;
                    }
                }
            });
            let mut buf = Vec::new();
            for batch in rx {
                buf.clear();
                let s = self.label_batch(&batch, opts, &mut buf);
                out.write_all(&buf)?;
                total.records += s.records;
                total.security += s.security;
                total.errors += s.errors;
                total.text_bytes += s.text_bytes;
                progress(&total);
            }
            // Dropping `rx` on an early return above stops the reader at its next send.
            Ok::<(), std::io::Error>(())
        })?;
        out.flush()?;
        Ok(total)
    }
}
