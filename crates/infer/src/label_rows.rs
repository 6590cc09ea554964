//! Reading the rows `secdisc label` writes (JSONL or CSV), validating every field: the
//! decoder beside [`crate::output`]'s encoder.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use secdisc_ingest::{CsvGuard, CsvLimits, CsvShapeError};
use serde_json::Value;

/// A labels file that cannot be read or that breaks the label-row format.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabelRowsError {
    /// The file (or standard input) could not be read as UTF-8 text.
    #[error("cannot read the labels file {name} (the output of `secdisc label`)")]
    Read {
        /// The file, or `<stdin>`.
        name: String,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A row breaks the format; the message starts with `FILE:LINE:` and names the field.
    #[error("{0}")]
    Invalid(String),
}

/// `bail!` of this module: a located [`LabelRowsError::Invalid`].
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err(LabelRowsError::Invalid(format!($($arg)*)))
    };
}

type Result<T> = std::result::Result<T, LabelRowsError>;

/// One row of a labels file.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelEntry {
    /// 1-based line of the row in its file.
    pub line: u64,
    /// The record id (or the input location for records that could not be read).
    pub id: String,
    /// What the model said; `None` when the row carries an error instead.
    pub outcome: Outcome,
}

/// A row's result.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Labelled: `security` and the probability of security.
    Labelled {
        /// `true` for `security`.
        security: bool,
        /// Probability of security in [0, 1].
        score: f64,
    },
    /// The record could not be labelled; the message says why.
    Failed(String),
}

/// Layout of a labels file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Jsonl,
    Csv,
}

/// Largest row (or CSV header) of a labels file, in bytes. `label` writes one row per record
/// and a record is at most 64 MiB by default, so a row longer than this is not label output.
pub const MAX_ROW_BYTES: usize = 64 << 20;

/// Read a labels file, or standard input for `-`. Every problem is an error naming the file,
/// the line and the field. The file is streamed: memory holds the decoded rows and one row
/// of at most [`MAX_ROW_BYTES`].
pub fn read(path: &Path) -> Result<(String, Vec<LabelEntry>)> {
    let (name, input): (String, Box<dyn Read>) = if path == Path::new("-") {
        ("<stdin>".to_string(), Box::new(std::io::stdin()))
    } else {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|source| LabelRowsError::Read {
            name: name.clone(),
            source,
        })?;
        (name, Box::new(file))
    };
    let mut input = BufReader::with_capacity(1 << 16, input);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let layout = match ext.as_deref() {
        Some("csv") => Layout::Csv,
        Some("jsonl" | "ndjson" | "json") => Layout::Jsonl,
        _ => match first_non_blank(&mut input) {
            Ok(Some(b'{')) => Layout::Jsonl,
            Ok(_) => Layout::Csv,
            Err(source) => return Err(LabelRowsError::Read { name, source }),
        },
    };
    let rows = match layout {
        Layout::Jsonl => read_jsonl(&name, input)?,
        Layout::Csv => read_csv(&name, input)?,
    };
    Ok((name, rows))
}

/// The first byte that is not white space, looking at the start of `input` only.
fn first_non_blank(input: &mut impl BufRead) -> std::io::Result<Option<u8>> {
    Ok(input
        .fill_buf()?
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace()))
}

/// Parse JSON lines; blank lines are skipped.
pub fn parse_jsonl(name: &str, text: &str) -> Result<Vec<LabelEntry>> {
    read_jsonl(name, text.as_bytes())
}

/// Stream JSON lines from `input`, each at most [`MAX_ROW_BYTES`].
fn read_jsonl(name: &str, input: impl BufRead) -> Result<Vec<LabelEntry>> {
    let mut rows = Vec::new();
    let mut input = input.take(0);
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        line_no += 1;
        input.set_limit(MAX_ROW_BYTES as u64 + 1);
        let n = input
            .read_until(b'\n', &mut buf)
            .map_err(|source| LabelRowsError::Read {
                name: name.to_string(),
                source,
            })?;
        if n == 0 {
            return Ok(rows);
        }
        if buf.len() > MAX_ROW_BYTES {
            bail!("{name}:{line_no}: the row is larger than {MAX_ROW_BYTES} bytes; expected a row of `secdisc label --format jsonl`");
        }
        let Ok(line) = std::str::from_utf8(&buf) else {
            bail!("{name}:{line_no}: the row is not UTF-8 text; expected a row of `secdisc label --format jsonl`");
        };
        let line = line.trim_end_matches(['\n', '\r']);
        if !line.trim().is_empty() {
            rows.push(jsonl_row(name, line_no, line)?);
        }
    }
}

/// Decode one JSON line (line `line_no` of `name`) of `secdisc label --format jsonl`.
pub fn jsonl_row(name: &str, line_no: u64, line: &str) -> Result<LabelEntry> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        LabelRowsError::Invalid(format!(
            "{name}:{line_no}: not a JSON object ({e}); expected a row of `secdisc label --format jsonl`"
        ))
    })?;
    let Value::Object(obj) = value else {
        bail!(
            "{name}:{line_no}: expected a JSON object, found `{}`",
            short(line)
        );
    };
    let field = |key: &str| obj.get(key).filter(|v| !v.is_null());
    let id = match field("id") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            bail!("{name}:{line_no}: field `id` must be a non-empty string, found {other}")
        }
        None => bail!("{name}:{line_no}: field `id` is missing"),
    };
    let error = match field("error") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::String(_)) | None => None,
        Some(other) => bail!("{name}:{line_no}: field `error` must be a string, found {other}"),
    };
    let label = match field("label") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => bail!("{name}:{line_no}: field `label` must be a string, found {other}"),
        None => None,
    };
    let score = match field("score") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(other) => bail!("{name}:{line_no}: field `score` must be a number, found {other}"),
        None => None,
    };
    entry(name, line_no, id, label, score, error)
}

/// Parse CSV with a header that has at least `id`, `label` and `score`.
pub fn parse_csv(name: &str, text: &str) -> Result<Vec<LabelEntry>> {
    read_csv(name, text.as_bytes())
}

/// A csv reader over `input` behind the guard every CSV reader uses
/// ([`secdisc_ingest::CsvGuard`]): a quote never closed, or a header or row over
/// [`MAX_ROW_BYTES`], is an error instead of one field holding the rest of the file.
pub fn guarded_csv<R: Read>(input: R, has_headers: bool) -> csv::Reader<CsvGuard<R>> {
    let limits = CsvLimits {
        max_record_bytes: MAX_ROW_BYTES,
        bound_rows: true,
    };
    csv::ReaderBuilder::new()
        .has_headers(has_headers)
        .flexible(false)
        .from_reader(CsvGuard::new(input, limits))
}

/// A csv error of `name` as a located message; `what` says what was being read.
fn csv_message(name: &str, e: &csv::Error, what: &str) -> LabelRowsError {
    if let Some(shape) = CsvShapeError::from_csv(e) {
        return LabelRowsError::Invalid(format!("{name}:{}: {shape}", shape.line()));
    }
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    LabelRowsError::Invalid(format!("{name}:{line}: {what}: {e}"))
}

/// Stream CSV rows from `input`.
fn read_csv(name: &str, input: impl Read) -> Result<Vec<LabelEntry>> {
    let mut reader = guarded_csv(input, true);
    let header = reader
        .headers()
        .map_err(|e| csv_message(name, &e, "cannot read the CSV header"))?
        .clone();
    let columns = CsvColumns::from_header(name, &header)?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_message(name, &e, "unreadable CSV row"))?;
        let line_no = record.position().map(|p| p.line()).unwrap_or(0);
        rows.push(columns.row(name, line_no, &record)?);
    }
    Ok(rows)
}

/// Where the fields of a CSV labels file are, from its header.
#[derive(Debug, Clone, Copy)]
pub struct CsvColumns {
    id: usize,
    label: Option<usize>,
    score: usize,
    error: Option<usize>,
}

impl CsvColumns {
    /// Find the columns in `header` (line 1 of `name`); `id` and `score` are required.
    pub fn from_header(name: &str, header: &csv::StringRecord) -> Result<Self> {
        let col = |key: &str| header.iter().position(|h| h.trim() == key);
        let Some(id) = col("id") else {
            bail!("{name}:1: the header has no `id` column; expected `secdisc label --format csv` output (id,label,score,terms,error)");
        };
        let Some(score) = col("score") else {
            bail!("{name}:1: the header has no `score` column; expected `secdisc label --format csv` output (id,label,score,terms,error)");
        };
        Ok(Self {
            id,
            label: col("label"),
            score,
            error: col("error"),
        })
    }

    /// Decode one CSV record (line `line_no` of `name`).
    pub fn row(&self, name: &str, line_no: u64, record: &csv::StringRecord) -> Result<LabelEntry> {
        let get = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let id = match get(Some(self.id)) {
            Some(id) => id.to_string(),
            None => bail!("{name}:{line_no}: field `id` is empty"),
        };
        let score = match get(Some(self.score)) {
            Some(s) => Some(s.parse::<f64>().map_err(|_| {
                LabelRowsError::Invalid(format!(
                    "{name}:{line_no}: field `score` must be a number, found `{}`",
                    short(s)
                ))
            })?),
            None => None,
        };
        let error = get(self.error).map(str::to_string);
        entry(name, line_no, id, get(self.label), score, error)
    }
}

fn entry(
    name: &str,
    line: u64,
    id: String,
    label: Option<&str>,
    score: Option<f64>,
    error: Option<String>,
) -> Result<LabelEntry> {
    if let Some(error) = error {
        return Ok(LabelEntry {
            line,
            id,
            outcome: Outcome::Failed(error),
        });
    }
    let Some(score) = score else {
        bail!("{name}:{line}: field `score` is missing (id `{id}`); a row without a score must carry an `error`");
    };
    if !(0.0..=1.0).contains(&score) {
        bail!("{name}:{line}: field `score` is {score}, outside [0, 1] (id `{id}`)");
    }
    let Some(label) = label else {
        bail!("{name}:{line}: field `label` is missing (id `{id}`)");
    };
    // `uncertain` rows (the abstain band of `label --abstain`) are not security: a person decides.
    let security = match crate::Verdict::parse(label) {
        Some(verdict) => verdict == crate::Verdict::Security,
        None => match secdisc_ingest::Label::parse(label) {
            Some(parsed) => parsed.is_security(),
            None => bail!(
                "{name}:{line}: field `label` is `{}` (id `{id}`); expected `security`, `non-security` or `uncertain`",
                short(label)
            ),
        },
    };
    Ok(LabelEntry {
        line,
        id,
        outcome: Outcome::Labelled { security, score },
    })
}

/// At most 60 characters of `s`, for messages.
fn short(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(r: Result<Vec<LabelEntry>>) -> String {
        format!("{:#}", r.expect_err("should fail"))
    }

    #[test]
    fn reads_both_encodings_of_label_output() {
        let jsonl = "{\"id\":\"a\",\"label\":\"security\",\"score\":0.9,\"terms\":[\"jwt\"]}\n\n{\"id\":\"b\",\"label\":null,\"score\":null,\"terms\":[],\"error\":\"no text\"}\n";
        let rows = parse_jsonl("l.jsonl", jsonl).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].outcome,
            Outcome::Labelled {
                security: true,
                score: 0.9
            }
        );
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].outcome, Outcome::Failed("no text".into()));
        let csv = "id,label,score,terms,error\na,non-security,0.1,css,\nb,,,,no text\n";
        let rows = parse_csv("l.csv", csv).unwrap();
        assert_eq!(
            rows[0].outcome,
            Outcome::Labelled {
                security: false,
                score: 0.1
            }
        );
        assert_eq!(
            (rows[1].line, rows[1].outcome.clone()),
            (3, Outcome::Failed("no text".into()))
        );
    }

    #[test]
    fn bad_rows_name_file_line_and_field() {
        let e = err(parse_jsonl("l.jsonl", "{\"id\":\"a\",\"label\":\"security\",\"score\":0.5}\n{\"id\":\"b\",\"label\":\"security\"}\n"));
        assert!(e.contains("l.jsonl:2: field `score` is missing"), "{e}");
        let e = err(parse_jsonl(
            "l.jsonl",
            "{\"label\":\"security\",\"score\":0.5}\n",
        ));
        assert!(e.contains("l.jsonl:1: field `id` is missing"), "{e}");
        let e = err(parse_jsonl(
            "l.jsonl",
            "{\"id\":\"a\",\"label\":\"security\",\"score\":0.5}\n{\"id\": oops\n",
        ));
        assert!(e.starts_with("l.jsonl:2: not a JSON object"), "{e}");
        let e = err(parse_jsonl(
            "l.jsonl",
            "{\"id\":\"a\",\"label\":\"maybe\",\"score\":0.5}\n",
        ));
        assert!(e.contains("field `label` is `maybe`"), "{e}");
        let e = err(parse_jsonl(
            "l.jsonl",
            "{\"id\":\"a\",\"label\":\"security\",\"score\":\"high\"}\n",
        ));
        assert!(e.contains("field `score` must be a number"), "{e}");
        let e = err(parse_csv("l.csv", "id,label,score\na,security,1.5\n"));
        assert!(
            e.contains("l.csv:2: field `score` is 1.5, outside [0, 1]"),
            "{e}"
        );
        let e = err(parse_csv("l.csv", "id,label\na,security\n"));
        assert!(
            e.contains("l.csv:1: the header has no `score` column"),
            "{e}"
        );
        let e = err(parse_csv("l.csv", "id,label,score\n,security,0.5\n"));
        assert!(e.contains("l.csv:2: field `id` is empty"), "{e}");
    }

    #[test]
    fn an_unclosed_quote_or_an_endless_header_is_an_error() {
        let mut csv = String::from("id,label,score,terms,error\n");
        for i in 1..=20 {
            let q = if i == 5 { "\"" } else { "" };
            csv.push_str(&format!("{i},security,0.9,{q}jwt,\n"));
        }
        let e = err(parse_csv("l.csv", &csv));
        assert!(
            e.starts_with(
                "l.csv:6: a quoted field opens here and is never closed (the rest of the file, 16 lines"
            ),
            "{e}"
        );
        let e = err(read_csv("zero", std::io::repeat(0)));
        assert!(
            e.starts_with("zero:1: the CSV header is larger than the limit"),
            "{e}"
        );
        let e = err(read_jsonl("zero", BufReader::new(std::io::repeat(b'{'))));
        assert!(e.starts_with("zero:1: the row is larger than"), "{e}");
    }
}
