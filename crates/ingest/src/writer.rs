//! Writing records as JSON lines, to stdout or atomically to a file.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use secdisc_output::AtomicFile;

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
/// A file is written through [`secdisc_output::AtomicFile`]: a temporary file in the same
/// directory, synced and renamed into place by [`RecordWriter::finish`]; dropping the writer
/// without finishing removes the temporary file, so a half-written output is never presented
/// under the final name.
pub struct RecordWriter {
    out: BufWriter<Dest>,
    display: PathBuf,
    line: Vec<u8>,
}

/// Where the buffered bytes go.
enum Dest {
    Stdout(std::io::Stdout),
    File(AtomicFile),
}

impl Write for Dest {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Dest::Stdout(s) => s.write(buf),
            Dest::File(f) => f.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Dest::Stdout(s) => s.flush(),
            Dest::File(f) => f.flush(),
        }
    }
}

impl RecordWriter {
    /// Write to standard output (block-buffered).
    pub fn stdout() -> RecordWriter {
        RecordWriter {
            out: BufWriter::with_capacity(1 << 16, Dest::Stdout(std::io::stdout())),
            display: PathBuf::from("<stdout>"),
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
        let file = AtomicFile::create(path).map_err(|source| IngestError::Write {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(RecordWriter {
            out: BufWriter::with_capacity(1 << 16, Dest::File(file)),
            display: path.to_path_buf(),
            line: Vec::with_capacity(4096),
        })
    }

    /// Flush, and for a file sync it and rename it to its final name.
    ///
    /// # Errors
    /// [`IngestError::Write`] when flushing, syncing or renaming fails.
    pub fn finish(self) -> Result<()> {
        let err = |source| IngestError::Write {
            path: self.display.clone(),
            source,
        };
        let dest = self.out.into_inner().map_err(|e| err(e.into_error()))?;
        match dest {
            Dest::Stdout(mut s) => s.flush().map_err(err),
            Dest::File(f) => f.commit().map_err(err),
        }
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
