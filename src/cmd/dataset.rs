//! Loading labelled training data for `train` and `evaluate`.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use secdisc_ingest::{IngestError, LabelPolicy, ReadOptions, RecordFormat, RecordReader};

/// A labelled data set held in memory.
pub struct Dataset {
    /// File name without directories (for the manifest).
    pub name: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// Record ids.
    pub ids: Vec<String>,
    /// Texts.
    pub texts: Vec<String>,
    /// `true` = security.
    pub labels: Vec<bool>,
    /// Threads.
    pub groups: Vec<Option<String>>,
    /// Sources (system/project), when the data has them.
    pub sources: Vec<Option<String>>,
    /// The input each record came from: an index into `files`.
    pub file_of: Vec<usize>,
    /// The inputs as given on the command line (`<stdin>` for `-`).
    pub files: Vec<String>,
    /// Inputs from this index on are training data only (`--train-only`): never tested.
    pub train_only_from: usize,
}

impl Dataset {
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

    /// Whether each record is training data only (from a `--train-only` file).
    pub fn train_only(&self) -> Vec<bool> {
        self.file_of
            .iter()
            .map(|&f| f >= self.train_only_from)
            .collect()
    }

    /// The records as cross-validation and training take them, with `groups` from
    /// [`Dataset::group_refs`] and the sentence vectors when the run has them.
    pub fn cv_input<'a>(
        &'a self,
        groups: &'a [Option<&'a str>],
        dense: Option<&'a super::vectors::DenseFeatures>,
    ) -> secdisc_train::CvInput<'a> {
        secdisc_train::CvInput {
            texts: &self.texts,
            labels: &self.labels,
            groups,
            dense: dense.map(super::vectors::DenseFeatures::input),
        }
    }

    /// Groups as borrowed strings, as cross-validation wants them.
    pub fn group_refs(&self) -> Vec<Option<&str>> {
        self.groups.iter().map(|g| g.as_deref()).collect()
    }
}

/// What to do with a record whose `label` is empty or missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlabelled {
    /// Stop with the file and line: someone forgot to fill the label in (the default).
    Reject,
    /// Leave the record out and count it on stderr (`--skip-unlabelled`).
    Skip,
}

impl Unlabelled {
    /// [`Unlabelled::Skip`] when `--skip-unlabelled` was given.
    pub fn from_flag(skip: bool) -> Unlabelled {
        if skip {
            Unlabelled::Skip
        } else {
            Unlabelled::Reject
        }
    }
}

/// Data files as shown in messages: `a.csv`, or `a.csv + b.csv`.
pub fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Read several labelled files (at most one `-`) into one data set, in order. With one file
/// the name and hash are that file's, so a model trained on it is byte-identical to before;
/// with several, the name joins the file names with `+` and the hash covers their bytes in
/// order. Every record is validated as in [`load`]; an empty label is an error naming the
/// file and line unless `unlabelled` is [`Unlabelled::Skip`].
pub fn load_many(
    paths: &[PathBuf],
    format: Option<RecordFormat>,
    unlabelled: Unlabelled,
) -> anyhow::Result<Dataset> {
    if paths.iter().filter(|p| *p == Path::new("-")).count() > 1 {
        bail!("standard input (`-`) can be given only once");
    }
    let mut data = Dataset {
        name: String::new(),
        sha256: String::new(),
        ids: Vec::new(),
        texts: Vec::new(),
        labels: Vec::new(),
        groups: Vec::new(),
        sources: Vec::new(),
        file_of: Vec::new(),
        files: Vec::new(),
        train_only_from: usize::MAX,
    };
    let mut names = Vec::new();
    let mut all_bytes = Vec::new();
    let mut skipped = 0usize;
    for path in paths {
        let (display, bytes) = read_all(path)?;
        if paths.len() == 1 {
            data.sha256 = secdisc_train::sha256_hex(&bytes);
        } else {
            all_bytes.extend_from_slice(&bytes);
        }
        let before = data.texts.len();
        skipped += read_into(&mut data, path, &display, bytes, format, unlabelled)?;
        data.file_of.resize(data.texts.len(), data.files.len());
        data.files.push(display.clone());
        if data.texts.len() == before {
            bail!(
                "{display}: no labelled records; a data file needs a header and at least one labelled record"
            );
        }
        names.push(match path.file_name() {
            Some(n) if path != Path::new("-") => n.to_string_lossy().into_owned(),
            _ => "<stdin>".to_string(),
        });
    }
    if paths.len() > 1 {
        data.sha256 = secdisc_train::sha256_hex(&all_bytes);
    }
    // Files of the same name (`chromium_farsec/data.csv`, `matomo_github_issues/data.csv`) are
    // told apart by their folders; other names stay bare, so models keep their bytes.
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() < names.len() {
        names = file_labels(&data.files);
    }
    data.name = names.join("+");
    if skipped > 0 {
        eprintln!("secdisc: skipped {skipped} records with an empty label (--skip-unlabelled)");
    }
    Ok(data)
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

/// Append the records of one file to `data`; returns how many unlabelled records were skipped.
fn read_into(
    data: &mut Dataset,
    path: &Path,
    display: &str,
    bytes: Vec<u8>,
    format: Option<RecordFormat>,
    unlabelled: Unlabelled,
) -> anyhow::Result<usize> {
    let opts = ReadOptions {
        format: format.or_else(|| RecordFormat::from_path(path)),
        labels: match unlabelled {
            Unlabelled::Reject => LabelPolicy::Required,
            Unlabelled::Skip => LabelPolicy::Optional,
        },
        ..ReadOptions::default()
    };
    let reader = RecordReader::from_reader(display, Box::new(std::io::Cursor::new(bytes)), &opts)?;
    let mut skipped = 0;
    for item in reader {
        let located = match item {
            Ok(l) => l,
            Err(IngestError::MissingField { pos, field }) if field == "label" => bail!(
                "{pos}: the record's `label` is empty; fill it in (security/non-security or 1/0) \
                 or pass --skip-unlabelled to leave such records out"
            ),
            Err(e) => return Err(e.into()),
        };
        let record = located.record;
        let text = match record.text {
            Some(t) if !t.trim().is_empty() => t,
            _ => bail!(
                "{display}:{}: record `{}` has an empty `text` field; remove the record or fill it in",
                located.line,
                record.id
            ),
        };
        let Some(label) = record.label else {
            // Only reachable with LabelPolicy::Optional, that is Unlabelled::Skip.
            skipped += 1;
            continue;
        };
        data.ids.push(record.id);
        data.texts.push(text);
        data.labels.push(label.is_security());
        data.groups.push(record.group);
        data.sources.push(record.source);
    }
    Ok(skipped)
}

fn read_all(path: &Path) -> anyhow::Result<(String, Vec<u8>)> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        Ok(("<stdin>".to_string(), bytes))
    } else {
        let display = path.display().to_string();
        let mut file = std::fs::File::open(path)
            .with_context(|| format!("cannot open data file {display}"))?;
        file.read_to_end(&mut bytes)
            .with_context(|| format!("cannot read data file {display}"))?;
        Ok((display, bytes))
    }
}

/// Where `-o` writes, checked early so a long run does not fail at the end.
pub fn check_output_dir(path: &Path) -> anyhow::Result<()> {
    if path == Path::new("-") {
        return Ok(());
    }
    let dir: PathBuf = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        if dir.exists() {
            bail!(
                "cannot write {}: {} is not a directory",
                path.display(),
                dir.display()
            );
        }
        bail!(
            "cannot write {}: directory {} does not exist",
            path.display(),
            dir.display()
        );
    }
    if path.is_dir() {
        bail!(
            "cannot write {}: it is a directory; name a file inside it",
            path.display()
        );
    }
    if secdisc_output::writes_in_place(path) {
        return Ok(());
    }
    // Outputs are written as a temporary file next to `path`, renamed at the end: make sure
    // one can be created now rather than after a long run.
    if let Err(e) = tempfile::Builder::new()
        .prefix(".secdisc-probe-")
        .tempfile_in(&dir)
    {
        bail!(
            "cannot write {}: cannot create files in {} ({}); choose another -o location",
            path.display(),
            dir.display(),
            std::io::Error::from(e.kind())
        );
    }
    Ok(())
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
}
