//! Labelled data sets: one or several record files read into memory, validated record by
//! record, with the name and SHA-256 a model's manifest records of them.

use std::io::Read;
use std::path::{Path, PathBuf};

use secdisc_ingest::{IngestError, LabelPolicy, ReadOptions, RecordFormat, RecordReader};

use crate::cv::{CvInput, DenseInput};

/// Why a data set cannot be loaded; every message names the file (and line where there is one).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// Standard input was named more than once.
    #[error("standard input (`-`) can be given only once")]
    StdinTwice,
    /// The file could not be opened or read.
    #[error("cannot read data file {name}")]
    Read {
        /// The file, or `<stdin>`.
        name: String,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A record is not valid (the reader's error names file, line and field).
    #[error(transparent)]
    Record(#[from] IngestError),
    /// A record's label is empty and unlabelled records are rejected.
    #[error("{pos}: the record's `label` is empty; fill it in (security/non-security or 1/0) or skip unlabelled records")]
    EmptyLabel {
        /// `FILE:LINE`.
        pos: String,
    },
    /// A record has no text.
    #[error(
        "{name}:{line}: record `{id}` has an empty `text` field; remove the record or fill it in"
    )]
    EmptyText {
        /// The file.
        name: String,
        /// 1-based line.
        line: u64,
        /// The record's id.
        id: String,
    },
    /// A file holds no labelled record.
    #[error(
        "{name}: no labelled records; a data file needs a header and at least one labelled record"
    )]
    NoRecords {
        /// The file.
        name: String,
    },
}

/// What to do with a record whose `label` is empty or missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unlabelled {
    /// Stop with the file and line: someone forgot to fill the label in (the default).
    #[default]
    Reject,
    /// Leave the record out and count it ([`Dataset::skipped_unlabelled`]).
    Skip,
}

/// One input of a [`Dataset`], as a report names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DataFile {
    /// The path as given (`<stdin>` for `-`).
    pub path: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Records read from it.
    pub records: usize,
    /// Of which security.
    pub security: usize,
}

/// A labelled data set held in memory.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// File name without directories (for the manifest); several files joined by `+`.
    pub name: String,
    /// SHA-256 of the file's bytes (of all files' bytes in order, for several).
    pub sha256: String,
    /// Record ids.
    pub ids: Vec<String>,
    /// Texts.
    pub texts: Vec<String>,
    /// `true` = security.
    pub labels: Vec<bool>,
    /// Each record's `group` (its thread), when the data has one.
    pub groups: Vec<Option<String>>,
    /// Sources (system/project), when the data has them.
    pub sources: Vec<Option<String>>,
    /// The input each record came from: an index into `files`.
    pub file_of: Vec<usize>,
    /// The inputs as given (`<stdin>` for `-`).
    pub files: Vec<String>,
    /// SHA-256 of each input's bytes, as `files`.
    pub file_sha256: Vec<String>,
    /// Inputs from this index on are training data only (never tested); `None`: none are.
    pub train_only_from: Option<usize>,
    /// Records left out because their label was empty ([`Unlabelled::Skip`]).
    pub skipped_unlabelled: usize,
}

impl Dataset {
    /// Read several labelled files (at most one `-`) into one data set, in order. With one file
    /// the name and hash are that file's; with several, the name joins the file names with `+`
    /// (with folders where names repeat) and the hash covers their bytes in order. Every
    /// record is validated; an empty label is an error naming the file and line unless
    /// `unlabelled` is [`Unlabelled::Skip`]. `format`: the files' layout, else from each name.
    pub fn load(
        paths: &[PathBuf],
        format: Option<RecordFormat>,
        unlabelled: Unlabelled,
    ) -> Result<Dataset, DatasetError> {
        if paths.iter().filter(|p| *p == Path::new("-")).count() > 1 {
            return Err(DatasetError::StdinTwice);
        }
        let mut data = Dataset::default();
        let mut names = Vec::new();
        let mut all_bytes = Vec::new();
        for path in paths {
            let (display, bytes) = read_all(path)?;
            let file_hash = crate::sha256_hex(&bytes);
            if paths.len() == 1 {
                data.sha256.clone_from(&file_hash);
            } else {
                all_bytes.extend_from_slice(&bytes);
            }
            data.file_sha256.push(file_hash);
            let before = data.texts.len();
            data.read_file(path, &display, bytes, format, unlabelled)?;
            data.file_of.resize(data.texts.len(), data.files.len());
            data.files.push(display.clone());
            if data.texts.len() == before {
                return Err(DatasetError::NoRecords { name: display });
            }
            names.push(match path.file_name() {
                Some(n) if path != Path::new("-") => n.to_string_lossy().into_owned(),
                _ => "<stdin>".to_string(),
            });
        }
        if paths.len() > 1 {
            data.sha256 = crate::sha256_hex(&all_bytes);
        }
        // Files of the same name (`chromium_farsec/data.csv`, `matomo_github_issues/data.csv`)
        // are told apart by their folders; other names stay bare, so models keep their bytes.
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() < names.len() {
            names = file_labels(&data.files);
        }
        data.name = names.join("+");
        Ok(data)
    }

    /// Each input as given, with its SHA-256, records and security records, in order.
    pub fn file_summaries(&self) -> Vec<DataFile> {
        self.files
            .iter()
            .zip(&self.file_sha256)
            .enumerate()
            .map(|(i, (path, sha256))| {
                let (mut records, mut security) = (0, 0);
                for (&f, &label) in self.file_of.iter().zip(&self.labels) {
                    if f == i {
                        records += 1;
                        security += usize::from(label);
                    }
                }
                DataFile {
                    path: path.clone(),
                    sha256: sha256.clone(),
                    records,
                    security,
                }
            })
            .collect()
    }

    /// Security records.
    pub fn positives(&self) -> usize {
        self.labels.iter().filter(|&&l| l).count()
    }

    /// What a model trained on this data records of it.
    pub fn training_data(&self) -> secdisc_model::TrainingData {
        let positives = self.positives();
        secdisc_model::TrainingData {
            name: self.name.clone(),
            sha256: self.sha256.clone(),
            rows: self.texts.len(),
            positives,
            negatives: self.texts.len() - positives,
        }
    }

    /// Whether each record is training data only (from a file at or after `train_only_from`).
    pub fn train_only(&self) -> Vec<bool> {
        let from = self.train_only_from.unwrap_or(usize::MAX);
        self.file_of.iter().map(|&f| f >= from).collect()
    }

    /// The records as cross-validation and training take them, with `groups` from
    /// [`Dataset::group_refs`] and the sentence vectors when the run has them.
    pub fn cv_input<'a>(
        &'a self,
        groups: &'a [Option<&'a str>],
        dense: Option<DenseInput<'a>>,
    ) -> CvInput<'a> {
        CvInput {
            texts: &self.texts,
            labels: &self.labels,
            groups,
            dense,
        }
    }

    /// Groups as borrowed strings, as cross-validation wants them.
    pub fn group_refs(&self) -> Vec<Option<&str>> {
        self.groups.iter().map(|g| g.as_deref()).collect()
    }

    /// Append the records of one file.
    fn read_file(
        &mut self,
        path: &Path,
        display: &str,
        bytes: Vec<u8>,
        format: Option<RecordFormat>,
        unlabelled: Unlabelled,
    ) -> Result<(), DatasetError> {
        let opts = ReadOptions {
            format: format.or_else(|| RecordFormat::from_path(path)),
            labels: match unlabelled {
                Unlabelled::Reject => LabelPolicy::Required,
                Unlabelled::Skip => LabelPolicy::Optional,
            },
            ..ReadOptions::default()
        };
        let reader =
            RecordReader::from_reader(display, Box::new(std::io::Cursor::new(bytes)), &opts)?;
        for item in reader {
            let located = match item {
                Ok(l) => l,
                Err(IngestError::MissingField { pos, field }) if field == "label" => {
                    return Err(DatasetError::EmptyLabel {
                        pos: pos.to_string(),
                    })
                }
                Err(e) => return Err(e.into()),
            };
            let record = located.record;
            let text = match record.text {
                Some(t) if !t.trim().is_empty() => t,
                _ => {
                    return Err(DatasetError::EmptyText {
                        name: display.to_string(),
                        line: located.line,
                        id: record.id,
                    })
                }
            };
            let Some(label) = record.label else {
                // Only reachable with LabelPolicy::Optional, that is Unlabelled::Skip.
                self.skipped_unlabelled += 1;
                continue;
            };
            self.ids.push(record.id);
            self.texts.push(text);
            self.labels.push(label.is_security());
            self.groups.push(record.group);
            self.sources.push(record.source);
        }
        Ok(())
    }
}

/// A distinct row label per input file: its name, or with the folders that tell apart
/// files of the same name (`chromium/data.csv`, `matomo/data.csv`).
pub fn file_labels(files: &[String]) -> Vec<String> {
    let parts: Vec<Vec<&str>> = files
        .iter()
        .map(|f| f.split('/').filter(|p| !p.is_empty()).rev().collect())
        .collect();
    let longest = parts.iter().map(Vec::len).max().unwrap_or(1).max(1);
    for depth in 1..=longest {
        let labels: Vec<String> = parts
            .iter()
            .map(|p| {
                let mut l: Vec<&str> = p.iter().take(depth).copied().collect();
                l.reverse();
                l.join("/")
            })
            .collect();
        let mut sorted = labels.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() == labels.len() {
            return labels;
        }
    }
    // The same path twice: number them.
    files
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{}#{}", f, i + 1))
        .collect()
}

/// The bytes of `path`, or of standard input for `-`, with the name messages use.
fn read_all(path: &Path) -> Result<(String, Vec<u8>), DatasetError> {
    let mut bytes = Vec::new();
    let name = if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let read = if path == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes))
    };
    match read {
        Ok(_) => Ok((name, bytes)),
        Err(source) => Err(DatasetError::Read { name, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_labels_are_the_shortest_distinct_suffixes() {
        let files = ["a/chromium/data.csv", "b/matomo/data.csv"].map(String::from);
        assert_eq!(
            file_labels(&files),
            ["chromium/data.csv", "matomo/data.csv"]
        );
        let files = ["x/one.csv", "two.csv"].map(String::from);
        assert_eq!(file_labels(&files), ["one.csv", "two.csv"]);
        let files = ["same.csv", "same.csv"].map(String::from);
        assert_eq!(file_labels(&files), ["same.csv#1", "same.csv#2"]);
    }

    #[test]
    fn loads_several_files_and_names_every_bad_record() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.jsonl");
        std::fs::write(&a, "id,text,label\n1,jwt rotation,security\n2,css,\n").unwrap();
        std::fs::write(
            &b,
            "{\"id\":\"3\",\"text\":\"tls\",\"label\":1,\"group\":\"t\"}\n",
        )
        .unwrap();
        let paths = [a.clone(), b.clone()];
        let e = Dataset::load(&paths, None, Unlabelled::Reject).unwrap_err();
        assert!(matches!(e, DatasetError::EmptyLabel { .. }), "{e}");
        assert!(e.to_string().contains("a.csv:3"), "{e}");
        let data = Dataset::load(&paths, None, Unlabelled::Skip).unwrap();
        assert_eq!((data.texts.len(), data.skipped_unlabelled), (2, 1));
        assert_eq!(data.name, "a.csv+b.jsonl");
        assert_eq!(data.groups, [None, Some("t".to_string())]);
        assert_eq!(data.file_of, [0, 1]);
        assert_eq!(data.train_only(), [false, false]);
        std::fs::write(&a, "id,text,label\n1,  ,security\n").unwrap();
        let e = Dataset::load(&[a], None, Unlabelled::Reject).unwrap_err();
        assert!(
            e.to_string()
                .contains("record `1` has an empty `text` field"),
            "{e}"
        );
        let e =
            Dataset::load(&[dir.path().join("none.csv")], None, Unlabelled::Reject).unwrap_err();
        assert!(e.to_string().contains("none.csv"), "{e}");
    }
}
