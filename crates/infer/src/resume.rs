//! Continuing an interrupted `secdisc label --resume` run from the rows already written.
//!
//! With `--resume` rows go straight to `OUT.partial` (flushed after every batch) and the file is
//! renamed to `OUT` at the end. On the next run the rows already there are decoded one by one
//! with [`crate::label_rows`] and checked against the input ids, a torn last row is cut off, the
//! matching records are skipped and labelling appends the rest. Output is deterministic and in
//! input order, so the result is byte-identical to an uninterrupted run.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::input::InputItem;
use crate::label_rows::{self, CsvColumns, LabelRowsError, Outcome};
use crate::output::OutputFormat;
use secdisc_ingest::CsvShapeError;

/// Why an output file cannot be continued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// Reading, cutting or renaming the file failed.
    #[error("cannot {action} {path}")]
    Io {
        /// What was being done (`open`, `read`, `cut the torn last row of`, ...).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The file holds rows that are not this input's output, or is not label output at all;
    /// the message names the file and row and ends with what to do.
    #[error("{0}")]
    NotThisOutput(String),
}

/// The rows already in the output, checked against the input.
#[derive(Debug)]
pub struct Resumed {
    /// Complete rows kept.
    pub rows: u64,
    /// How many of the kept rows carry an `error` instead of a label.
    pub errors: u64,
    /// How many of the kept rows are labelled `security`.
    pub security: u64,
    /// The file to append to (`OUT.partial`), cut after its last complete row.
    pub file: File,
    /// The file's path.
    pub path: PathBuf,
    /// `true` when the file already holds the header.
    pub has_header: bool,
}

/// `OUT.partial`: where a resumable run writes until it finishes.
pub fn partial_path(out: &Path) -> PathBuf {
    let mut p = out.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}

/// `OUT.partial.run`: what made the rows of `OUT.partial` (the model's hash and the flags that
/// change rows), written when a resumable run starts and checked when another continues it.
pub fn run_key_path(out: &Path) -> PathBuf {
    let mut p = partial_path(out).into_os_string();
    p.push(".run");
    PathBuf::from(p)
}

/// The id of an input item: its output row's `id`.
fn item_id(item: &InputItem) -> &str {
    item.id()
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> ResumeError + 'a {
    move |source| ResumeError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Check the rows already written for `out` against the next items of `items` (consuming
/// them) and open `OUT.partial` to append the rest.
///
/// The rows are read from `OUT.partial`, else from a finished `OUT` (so that resuming a finished
/// run checks it and changes nothing), else there are none. Every row is decoded and checked
/// before anything is moved or cut: a file that is not this input's output is left as it was.
///
/// # Errors
/// [`ResumeError::NotThisOutput`] when a row's id is not the next input id, when the output
/// has more rows than the input has records, or when a complete line is not a row of
/// `format`; [`ResumeError::Io`] on I/O errors.
pub fn resume<I: Iterator<Item = InputItem>>(
    out: &Path,
    format: OutputFormat,
    run_key: &str,
    items: &mut I,
) -> Result<Resumed, ResumeError> {
    let path = partial_path(out);
    let key_path = run_key_path(out);
    // Rows of another model or other flags must not be continued: their scores would differ.
    if path.exists() {
        match std::fs::read_to_string(&key_path) {
            Ok(written) if written != run_key => {
                return Err(ResumeError::NotThisOutput(format!(
                    "{} was written by another model or with other flags than this run ({} has `{}`, this run `{}`); rerun with the same model and flags, or {WHAT_TO_DO}",
                    path.display(),
                    key_path.display(),
                    written.trim(),
                    run_key
                )))
            }
            // A partial output left by a run without --resume has no key; its ids are checked.
            _ => {}
        }
    }
    // Only a finished output file is read back; never a directory or a device (the caller
    // refuses those, and this must not move one even if a caller forgets).
    let source = if path.exists() {
        Some(path.as_path())
    } else if out.is_file() {
        Some(out)
    } else {
        None
    };
    let checked = match source {
        Some(source) => check(source, format, items)?,
        None => Checked::default(),
    };
    if source == Some(out) {
        std::fs::rename(out, &path).map_err(io("move the finished output back to", &path))?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io("open", &path))?;
    file.set_len(checked.kept)
        .map_err(io("cut the torn last row of", &path))?;
    file.seek(SeekFrom::End(0)).map_err(io("open", &path))?;
    std::fs::write(&key_path, run_key).map_err(io("write", &key_path))?;
    Ok(Resumed {
        rows: checked.rows,
        errors: checked.errors,
        security: checked.security,
        file,
        path,
        has_header: checked.has_header,
    })
}

/// What the complete rows of a file hold.
#[derive(Debug, Default)]
struct Checked {
    rows: u64,
    errors: u64,
    security: u64,
    /// Bytes of complete rows (and header).
    kept: u64,
    has_header: bool,
}

impl Checked {
    fn count(&mut self, outcome: &Outcome) {
        self.rows += 1;
        match outcome {
            Outcome::Failed(_) => self.errors += 1,
            Outcome::Labelled { security: true, .. } => self.security += 1,
            Outcome::Labelled { .. } => {}
        }
    }
}

/// Decode and check the complete rows of `source` (up to its last `\n`).
fn check<I: Iterator<Item = InputItem>>(
    source: &Path,
    format: OutputFormat,
    items: &mut I,
) -> Result<Checked, ResumeError> {
    let mut file = File::open(source).map_err(io("open", source))?;
    let end = match last_newline(&mut file).map_err(io("read", source))? {
        Some(n) => n + 1,
        None => 0,
    };
    file.seek(SeekFrom::Start(0)).map_err(io("read", source))?;
    let complete = BufReader::with_capacity(1 << 16, file.take(end));
    let name = source.display().to_string();
    match format {
        OutputFormat::Jsonl => check_jsonl(complete, &name, items),
        OutputFormat::Csv => check_csv(complete, &name, items, format),
    }
}

/// Byte offset of the last `\n` of `file`, reading backwards.
fn last_newline(file: &mut File) -> std::io::Result<Option<u64>> {
    let len = file.seek(SeekFrom::End(0))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut end = len;
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(Some(start + i as u64));
        }
        end = start;
    }
    Ok(None)
}

/// What to do when a file cannot be continued.
const WHAT_TO_DO: &str = "delete the file or write to another file";

fn not_label_output(e: LabelRowsError) -> ResumeError {
    ResumeError::NotThisOutput(format!("{e}; {WHAT_TO_DO}"))
}

fn check_next<I: Iterator<Item = InputItem>>(
    items: &mut I,
    name: &str,
    row: u64,
    id: &str,
) -> Result<(), ResumeError> {
    let next = items.next();
    match next.as_ref().map(item_id) {
        Some(expected) if expected == id => Ok(()),
        Some(expected) => Err(ResumeError::NotThisOutput(format!(
            "{name}: row {row} has id `{id}` but input record {row} is `{expected}`: this file is not the output of this input; {WHAT_TO_DO}"
        ))),
        None => Err(ResumeError::NotThisOutput(format!(
            "{name}: row {row} (id `{id}`) has no input record: the input has only {} records; {WHAT_TO_DO}",
            row - 1
        ))),
    }
}

fn check_jsonl<I: Iterator<Item = InputItem>>(
    mut r: impl BufRead,
    name: &str,
    items: &mut I,
) -> Result<Checked, ResumeError> {
    let mut checked = Checked::default();
    let mut line = String::new();
    loop {
        line.clear();
        let n = r.read_line(&mut line).map_err(|e| {
            ResumeError::NotThisOutput(format!(
                "{name}:{}: not a row of `secdisc label --format jsonl` ({e}); {WHAT_TO_DO}",
                checked.rows + 1
            ))
        })?;
        if n == 0 {
            return Ok(checked);
        }
        let row = label_rows::jsonl_row(name, checked.rows + 1, line.trim_end_matches('\n'))
            .map_err(not_label_output)?;
        check_next(items, name, checked.rows + 1, &row.id)?;
        checked.count(&row.outcome);
        checked.kept += n as u64;
    }
}

fn check_csv<I: Iterator<Item = InputItem>>(
    r: impl BufRead,
    name: &str,
    items: &mut I,
    format: OutputFormat,
) -> Result<Checked, ResumeError> {
    let header = format.header().unwrap_or_default();
    let wanted: Vec<&str> = header.trim_end().split(',').collect();
    let mut reader = label_rows::guarded_csv(r, false);
    let mut record = csv::StringRecord::new();
    let mut columns = None;
    let mut checked = Checked::default();
    loop {
        let more = match reader.read_record(&mut record) {
            Ok(more) => more,
            // A row torn inside a quoted field that spans lines: cut it like any torn row.
            Err(e)
                if matches!(
                    CsvShapeError::from_csv(&e),
                    Some(CsvShapeError::UnclosedQuote { .. })
                ) =>
            {
                return Ok(checked)
            }
            Err(e) => {
                let e = match CsvShapeError::from_csv(&e) {
                    Some(shape) => format!("line {}: {shape}", shape.line()),
                    None => e.to_string(),
                };
                return Err(ResumeError::NotThisOutput(format!(
                    "{name}: not the output of `secdisc label --format csv` ({e}); {WHAT_TO_DO}"
                )));
            }
        };
        if !more {
            return Ok(checked);
        }
        let line = record.position().map_or(0, |p| p.line());
        match &columns {
            None => {
                if record.iter().ne(wanted.iter().copied()) {
                    return Err(ResumeError::NotThisOutput(format!(
                        "{name}: the first line is not the header `{}`; {WHAT_TO_DO}",
                        header.trim_end()
                    )));
                }
                columns = Some(CsvColumns::from_header(name, &record).map_err(not_label_output)?);
                checked.has_header = true;
            }
            Some(columns) => {
                let row = columns.row(name, line, &record).map_err(not_label_output)?;
                check_next(items, name, checked.rows + 1, &row.id)?;
                checked.count(&row.outcome);
            }
        }
        checked.kept = reader.position().byte();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(ids: &[&str]) -> Vec<InputItem> {
        ids.iter()
            .map(|id| InputItem::Record {
                id: id.to_string(),
                text: Some("t".into()),
            })
            .collect()
    }

    const A: &str = "{\"id\":\"a\",\"label\":\"security\",\"score\":0.9,\"terms\":[]}\n";
    const B: &str =
        "{\"id\":\"b\",\"label\":null,\"score\":null,\"terms\":[],\"error\":\"no text\"}\n";

    #[test]
    fn cuts_a_torn_row_and_consumes_the_matching_records() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.jsonl");
        std::fs::write(partial_path(&out), format!("{A}{B}{{\"id\":\"c\",\"la")).unwrap();
        let mut it = items(&["a", "b", "c", "d"]).into_iter();
        let r = resume(&out, OutputFormat::Jsonl, "key", &mut it).unwrap();
        assert_eq!((r.rows, r.errors, r.security), (2, 1, 1));
        assert_eq!(std::fs::read_to_string(&r.path).unwrap(), format!("{A}{B}"));
        assert_eq!(it.next().map(|i| item_id(&i).to_string()), Some("c".into()));
    }

    #[test]
    fn refuses_rows_of_another_input() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.csv");
        std::fs::write(
            partial_path(&out),
            "id,label,score,terms,error\na,security,0.9,jwt,\nx,security,0.9,jwt,\n",
        )
        .unwrap();
        let mut it = items(&["a", "b"]).into_iter();
        let e = resume(&out, OutputFormat::Csv, "key", &mut it)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 2 has id `x` but input record 2 is `b`"),
            "{e}"
        );
        let mut short = items(&["a"]).into_iter();
        let e = resume(&out, OutputFormat::Csv, "key", &mut short)
            .unwrap_err()
            .to_string();
        assert!(e.contains("the input has only 1 records"), "{e}");
    }

    #[test]
    fn a_row_that_is_not_label_output_is_refused_with_its_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.jsonl");
        std::fs::write(
            partial_path(&out),
            "{\"id\":\"a\",\"label\":\"security\"}\n",
        )
        .unwrap();
        let e = resume(
            &out,
            OutputFormat::Jsonl,
            "key",
            &mut items(&["a"]).into_iter(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("o.jsonl.partial:1: field `score` is missing"),
            "{e}"
        );
        assert!(e.ends_with(WHAT_TO_DO), "{e}");
    }

    #[test]
    fn a_finished_output_of_another_input_is_neither_moved_nor_changed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.jsonl");
        std::fs::write(&out, "not label output\n").unwrap();
        let e = resume(
            &out,
            OutputFormat::Jsonl,
            "key",
            &mut items(&["a"]).into_iter(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not a JSON object"), "{e}");
        assert_eq!(std::fs::read(&out).unwrap(), b"not label output\n");
        assert!(!partial_path(&out).exists());
        // A finished output of this input is moved back and continued (nothing left to add).
        std::fs::write(&out, A).unwrap();
        let r = resume(
            &out,
            OutputFormat::Jsonl,
            "key",
            &mut items(&["a"]).into_iter(),
        )
        .unwrap();
        assert_eq!((r.rows, r.path.clone()), (1, partial_path(&out)));
        assert!(!out.exists());
    }

    #[test]
    fn rows_of_another_model_or_flags_are_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.jsonl");
        std::fs::write(partial_path(&out), A).unwrap();
        let r = resume(
            &out,
            OutputFormat::Jsonl,
            "model 1",
            &mut items(&["a"]).into_iter(),
        );
        assert_eq!(r.unwrap().rows, 1);
        assert_eq!(
            std::fs::read_to_string(run_key_path(&out)).unwrap(),
            "model 1"
        );
        let e = resume(
            &out,
            OutputFormat::Jsonl,
            "model 2",
            &mut items(&["a"]).into_iter(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("written by another model or with other flags"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(partial_path(&out)).unwrap(), A);
    }

    #[test]
    fn a_csv_header_alone_or_torn_is_kept_or_cut() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.csv");
        std::fs::write(partial_path(&out), "id,label,sc").unwrap();
        let r = resume(
            &out,
            OutputFormat::Csv,
            "key",
            &mut items(&["a"]).into_iter(),
        )
        .unwrap();
        assert_eq!((r.rows, r.has_header), (0, false));
        assert_eq!(std::fs::read(&r.path).unwrap(), b"");
        std::fs::write(partial_path(&out), "id,label,score,terms,error\n").unwrap();
        let r = resume(
            &out,
            OutputFormat::Csv,
            "key",
            &mut items(&["a"]).into_iter(),
        )
        .unwrap();
        assert_eq!((r.rows, r.has_header), (0, true));
    }

    #[test]
    fn a_csv_row_torn_inside_a_quoted_field_is_cut_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.csv");
        let kept = "id,label,score,terms,error\na,security,0.9,jwt,\n";
        // Killed after the first line of row b's two-line error message.
        std::fs::write(partial_path(&out), format!("{kept}b,,,,\"line one\nline")).unwrap();
        let r = resume(
            &out,
            OutputFormat::Csv,
            "key",
            &mut items(&["a", "b"]).into_iter(),
        )
        .unwrap();
        assert_eq!((r.rows, r.errors, r.has_header), (1, 0, true));
        assert_eq!(std::fs::read(&r.path).unwrap(), kept.as_bytes());
    }
}
