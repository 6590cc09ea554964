//! Writing records as JSON lines, to stdout or atomically to a file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{IngestError, Result};
use crate::record::Record;

/// Where records go. Implemented by [`RecordWriter`] and by `Vec<Record>` (for tests and embedding).
pub trait RecordSink {
    /// Take one record.
    ///
    /// # Errors
    /// [`IngestError::Write`] when the output cannot be written.
    fn write_record(&mut self, record: &Record) -> Result<()>;

    /// A unit (or a whole input) was skipped after `err`; called only with
    /// [`crate::ErrorMode::KeepGoing`], before the skip is counted. Default: nothing (the
    /// [`crate::Summary`] counts it). `secdisc label` turns it into an output row with an error.
    ///
    /// # Errors
    /// [`IngestError::Write`] when the output cannot be written.
    fn skipped(&mut self, err: &IngestError) -> Result<()> {
        let _ = err;
        Ok(())
    }
}

impl RecordSink for Vec<Record> {
    fn write_record(&mut self, record: &Record) -> Result<()> {
        self.push(record.clone());
        Ok(())
    }
}

/// Writes one JSON object per line.
///
/// A file is written to a temporary file in the same directory and renamed into place by
/// [`RecordWriter::finish`]; dropping the writer without finishing removes the temporary file, so
/// a half-written output is never presented under the final name.
pub struct RecordWriter {
    out: BufWriter<Box<dyn Write + Send>>,
    display: PathBuf,
    temp: Option<(PathBuf, PathBuf)>,
    line: Vec<u8>,
}

impl RecordWriter {
    /// Write to standard output (block-buffered).
    pub fn stdout() -> RecordWriter {
        RecordWriter {
            out: BufWriter::with_capacity(1 << 16, Box::new(std::io::stdout())),
            display: PathBuf::from("<stdout>"),
            temp: None,
            line: Vec::with_capacity(4096),
        }
    }

    /// Write to `path` atomically (see the type docs); `-` means standard output. An existing
    /// path that is neither a regular file nor a directory (`/dev/null`, a FIFO) is written in
    /// place.
    ///
    /// # Errors
    /// [`IngestError::Write`] when the temporary file cannot be created.
    pub fn create(path: &Path) -> Result<RecordWriter> {
        if path == Path::new("-") {
            return Ok(Self::stdout());
        }
        let write_err = |source| IngestError::Write {
            path: path.to_path_buf(),
            source,
        };
        // A device or FIFO (`/dev/null`, `/dev/full`) is written in place: renaming a temporary
        // file over it would replace the device itself.
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            let file = File::options().write(true).open(path).map_err(write_err)?;
            return Ok(RecordWriter {
                out: BufWriter::with_capacity(1 << 16, Box::new(file)),
                display: path.to_path_buf(),
                temp: None,
                line: Vec::with_capacity(4096),
            });
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".to_string());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let temp = dir.join(format!(".{file_name}.{}.{nanos}.tmp", std::process::id()));
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(write_err)?;
        Ok(RecordWriter {
            out: BufWriter::with_capacity(1 << 16, Box::new(file)),
            display: path.to_path_buf(),
            temp: Some((temp, path.to_path_buf())),
            line: Vec::with_capacity(4096),
        })
    }

    /// Flush, and for a file rename the temporary file to its final name.
    ///
    /// # Errors
    /// [`IngestError::Write`] when flushing or renaming fails.
    pub fn finish(mut self) -> Result<()> {
        let display = self.display.clone();
        let err = |source| IngestError::Write {
            path: display.clone(),
            source,
        };
        self.out.flush().map_err(err)?;
        if let Some((temp, target)) = self.temp.take() {
            std::fs::rename(&temp, &target).map_err(|e| {
                let _ = std::fs::remove_file(&temp);
                err(e)
            })?;
        }
        Ok(())
    }
}

impl RecordSink for RecordWriter {
    fn write_record(&mut self, record: &Record) -> Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, record).map_err(|e| IngestError::Write {
            path: self.display.clone(),
            source: std::io::Error::other(e),
        })?;
        self.line.push(b'\n');
        self.out
            .write_all(&self.line)
            .map_err(|source| IngestError::Write {
                path: self.display.clone(),
                source,
            })
    }
}

impl Drop for RecordWriter {
    fn drop(&mut self) {
        if let Some((temp, _)) = self.temp.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str) -> Record {
        Record {
            id: id.into(),
            text: Some("t".into()),
            ..Record::default()
        }
    }

    #[test]
    fn file_appears_only_after_finish() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let mut w = RecordWriter::create(&path).unwrap();
        w.write_record(&rec("a")).unwrap();
        assert!(!path.exists());
        w.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"id\":\"a\",\"text\":\"t\"}\n"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn dropped_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        {
            let mut w = RecordWriter::create(&path).unwrap();
            w.write_record(&rec("a")).unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
