//! `secdisc label --resume`: continue an interrupted run from the rows already written.
//!
//! With `--resume` rows go straight to `OUT.partial` (flushed after every batch) and the file is
//! renamed to `OUT` at the end. After a crash or a kill, the rows in `OUT.partial` are checked
//! against the input ids one by one, a torn last row is cut off, the matching records are
//! skipped and labelling appends the rest. Output is deterministic and in input order, so the
//! result is byte-identical to an uninterrupted run.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use secdisc_infer::{InputItem, OutputFormat};

/// The rows already in the output, checked against the input.
pub struct Resumed {
    /// Complete rows kept.
    pub rows: u64,
    /// The file to append to (`OUT.partial`), cut after its last complete row.
    pub file: File,
    /// The file's path.
    pub path: PathBuf,
    /// `true` when the file already holds the header.
    pub has_header: bool,
}

/// `OUT.partial`.
pub fn partial_path(out: &Path) -> PathBuf {
    let mut p = out.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}

/// The id of an input item: its output row's `id`.
fn item_id(item: &InputItem) -> &str {
    match item {
        InputItem::Record { id, .. } | InputItem::Unreadable { id, .. } => id,
    }
}

/// Open `OUT.partial` for appending (created when missing; a finished `OUT` is moved back to it
/// so that resuming a finished run checks it and changes nothing), check each of its rows
/// against the next item of `items` and consume those items.
///
/// # Errors
/// When a row's id is not the next input id, when the output has more rows than the input
/// has records, when a complete line is not a row of `format`, or on I/O errors.
pub fn resume<I: Iterator<Item = InputItem>>(
    out: &Path,
    format: OutputFormat,
    items: &mut I,
) -> anyhow::Result<Resumed> {
    let path = partial_path(out);
    // Only a finished output file is moved back; never a directory or a device (the caller
    // refuses those, and this must not rename one even if a caller forgets).
    if !path.exists() && out.is_file() {
        std::fs::rename(out, &path)
            .with_context(|| format!("cannot move {} to {}", out.display(), path.display()))?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {} to resume", path.display()))?;
    let end = match last_newline(&mut file)? {
        Some(n) => n + 1,
        None => 0,
    };
    file.seek(SeekFrom::Start(0))?;
    let complete = BufReader::with_capacity(1 << 16, (&file).take(end));
    let (rows, kept, has_header) = match format {
        OutputFormat::Jsonl => check_jsonl(complete, &path, items)?,
        OutputFormat::Csv => check_csv(complete, &path, items, format)?,
    };
    file.set_len(kept)
        .with_context(|| format!("cannot cut the torn last row of {}", path.display()))?;
    file.seek(SeekFrom::End(0))?;
    Ok(Resumed {
        rows,
        file,
        path,
        has_header,
    })
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

fn mismatch(path: &Path, row: u64, found: &str, expected: Option<&str>) -> anyhow::Error {
    match expected {
        Some(e) => anyhow::anyhow!(
            "{}: row {row} has id `{found}` but input record {row} is `{e}`: this file is not the output of this input; delete it or write to another file",
            path.display()
        ),
        None => anyhow::anyhow!(
            "{}: row {row} (id `{found}`) has no input record: the input has only {} records; delete the file or write to another file",
            path.display(),
            row - 1
        ),
    }
}

fn check_next<I: Iterator<Item = InputItem>>(
    items: &mut I,
    path: &Path,
    row: u64,
    id: &str,
) -> anyhow::Result<()> {
    let next = items.next();
    let expected = next.as_ref().map(item_id);
    if expected != Some(id) {
        return Err(mismatch(path, row, id, expected));
    }
    Ok(())
}

fn check_jsonl<I: Iterator<Item = InputItem>>(
    mut r: impl BufRead,
    path: &Path,
    items: &mut I,
) -> anyhow::Result<(u64, u64, bool)> {
    #[derive(serde::Deserialize)]
    struct Row {
        id: String,
    }
    let (mut rows, mut kept) = (0u64, 0u64);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        rows += 1;
        let row: Row = serde_json::from_slice(&line).map_err(|e| {
            anyhow::anyhow!(
                "{}:{rows}: not a row of `secdisc label --format jsonl` ({e}); delete the file or write to another file",
                path.display()
            )
        })?;
        check_next(items, path, rows, &row.id)?;
        kept += n as u64;
    }
    Ok((rows, kept, false))
}

fn check_csv<I: Iterator<Item = InputItem>>(
    r: impl BufRead,
    path: &Path,
    items: &mut I,
    format: OutputFormat,
) -> anyhow::Result<(u64, u64, bool)> {
    let header = format.header().unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(r);
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut kept, mut has_header) = (0u64, 0u64, false);
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| {
            anyhow::anyhow!(
                "{}: not the output of `secdisc label --format csv` ({e}); delete the file or write to another file",
                path.display()
            )
        })?;
        if !more {
            break;
        }
        if !has_header {
            let found: Vec<&[u8]> = record.iter().collect();
            let wanted: Vec<&[u8]> = header.trim_end().split(',').map(str::as_bytes).collect();
            if found != wanted {
                bail!(
                    "{}: the first line is not the header `{}`; delete the file or write to another file",
                    path.display(),
                    header.trim_end()
                );
            }
            has_header = true;
        } else {
            rows += 1;
            let id = String::from_utf8_lossy(record.get(0).unwrap_or_default());
            check_next(items, path, rows, &id)?;
        }
        kept = reader.position().byte();
    }
    Ok((rows, kept, has_header))
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

    #[test]
    fn cuts_a_torn_row_and_consumes_the_matching_records() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.jsonl");
        std::fs::write(
            partial_path(&out),
            "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\",\"la",
        )
        .unwrap();
        let mut it = items(&["a", "b", "c", "d"]).into_iter();
        let r = resume(&out, OutputFormat::Jsonl, &mut it).unwrap();
        assert_eq!(r.rows, 2);
        assert_eq!(
            std::fs::read_to_string(&r.path).unwrap(),
            "{\"id\":\"a\"}\n{\"id\":\"b\"}\n"
        );
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
        let e = resume(&out, OutputFormat::Csv, &mut it)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("row 2 has id `x` but input record 2 is `b`"),
            "{e}"
        );
        let mut short = items(&["a"]).into_iter();
        let e = resume(&out, OutputFormat::Csv, &mut short)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("the input has only 1 records"), "{e}");
    }

    #[test]
    fn a_csv_header_alone_or_torn_is_kept_or_cut() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.csv");
        std::fs::write(partial_path(&out), "id,label,sc").unwrap();
        let r = resume(&out, OutputFormat::Csv, &mut items(&["a"]).into_iter()).unwrap();
        assert_eq!((r.rows, r.has_header), (0, false));
        assert_eq!(std::fs::read(&r.path).unwrap(), b"");
        std::fs::write(partial_path(&out), "id,label,score,terms,error\n").unwrap();
        let r = resume(&out, OutputFormat::Csv, &mut items(&["a"]).into_iter()).unwrap();
        assert_eq!((r.rows, r.has_header), (0, true));
    }
}
