//! Loading labelled training data for `train` and `evaluate`.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use secdisc_ingest::{LabelPolicy, ReadOptions, RecordFormat, RecordReader};

/// Input layout flag shared by every command that reads records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Comma-separated values with a header.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl InputFormat {
    /// The ingest crate's format.
    pub fn record_format(self) -> RecordFormat {
        match self {
            InputFormat::Csv => RecordFormat::Csv,
            InputFormat::Jsonl => RecordFormat::Jsonl,
        }
    }
}

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
}

impl Dataset {
    /// Security records.
    pub fn positives(&self) -> usize {
        self.labels.iter().filter(|&&l| l).count()
    }

    /// Groups as borrowed strings, as cross-validation wants them.
    pub fn group_refs(&self) -> Vec<Option<&str>> {
        self.groups.iter().map(|g| g.as_deref()).collect()
    }
}

/// Read and validate a labelled CSV/JSONL file (`-` for stdin). Every record needs a non-empty
/// `text` and a known `label`; the first bad record stops loading with its file, line and field.
pub fn load(path: &Path, format: Option<InputFormat>) -> anyhow::Result<Dataset> {
    let (display, bytes) = read_all(path)?;
    let opts = ReadOptions {
        format: format
            .map(InputFormat::record_format)
            .or_else(|| RecordFormat::from_path(path)),
        labels: LabelPolicy::Required,
        ..ReadOptions::default()
    };
    let sha256 = secdisc_train::sha256_hex(&bytes);
    let reader = RecordReader::from_reader(&display, Box::new(std::io::Cursor::new(bytes)), &opts)?;
    let mut data = Dataset {
        name: match path.file_name() {
            Some(n) if path != Path::new("-") => n.to_string_lossy().into_owned(),
            _ => "<stdin>".to_string(),
        },
        sha256,
        ids: Vec::new(),
        texts: Vec::new(),
        labels: Vec::new(),
        groups: Vec::new(),
        sources: Vec::new(),
    };
    for item in reader {
        let located = item?;
        let record = located.record;
        let text = match record.text {
            Some(t) if !t.trim().is_empty() => t,
            _ => bail!(
                "{display}:{}: record `{}` has an empty `text` field; remove the record or fill it in",
                located.line,
                record.id
            ),
        };
        // LabelPolicy::Required guarantees a label.
        let label = record
            .label
            .with_context(|| format!("{display}:{}: record has no label", located.line))?;
        data.ids.push(record.id);
        data.texts.push(text);
        data.labels.push(label.is_security());
        data.groups.push(record.group);
        data.sources.push(record.source);
    }
    if data.texts.is_empty() {
        bail!(
            "{display}: no records; a data file needs a header and at least one record per class"
        );
    }
    Ok(data)
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
    if secdisc_features::writes_in_place(path) {
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
