//! Parquet output: one row per record in row groups, so memory stays flat however long the
//! input.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{Float64Builder, ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::input::{InputItem, Provenance};
use crate::labeler::RowSink;
use crate::output::LabelRow;

/// The columns of the Parquet output, in order: `id` (string), `label` (string, null on
/// error), `score` (double, null on error), `terms` (list of strings, strongest first),
/// `error` (string, null when labelled), `source`, `url`, `thread` (strings, null when the input
/// did not say).
pub const PARQUET_COLUMNS: [&str; 8] = [
    "id", "label", "score", "terms", "error", "source", "url", "thread",
];

/// Writes labelled rows as Parquet (Snappy-compressed), a row group every `rows_per_group`
/// rows. Call [`ParquetSink::finish`] to write the footer: a file without it is unreadable.
///
/// ```
/// use secdisc_infer::{InputItem, LabelRow, ParquetSink, Provenance, RowSink};
/// let mut sink = ParquetSink::new(Vec::new(), 1024)?;
/// let items = vec![(InputItem::Record { id: "a".into(), text: None }, Provenance::default())];
/// sink.write_rows(&items, &[LabelRow::failed("a", "record has no text")])?;
/// let bytes = sink.finish()?;
/// assert_eq!(&bytes[..4], b"PAR1");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ParquetSink<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
}

fn schema() -> SchemaRef {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("id", false),
        text("label", true),
        Field::new("score", DataType::Float64, true),
        Field::new(
            "terms",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ),
        text("error", true),
        text("source", true),
        text("url", true),
        text("thread", true),
    ]))
}

impl<W: Write + Send> ParquetSink<W> {
    /// A sink writing to `out`, `rows_per_group` rows per row group (at least 1).
    ///
    /// # Errors
    /// When the header cannot be written.
    pub fn new(out: W, rows_per_group: usize) -> std::io::Result<ParquetSink<W>> {
        let schema = schema();
        let props = WriterProperties::builder()
            .set_max_row_group_size(rows_per_group.max(1))
            .set_compression(Compression::SNAPPY)
            .build();
        let writer = ArrowWriter::try_new(out, Arc::clone(&schema), Some(props))
            .map_err(std::io::Error::other)?;
        Ok(ParquetSink { writer, schema })
    }

    /// Write the last row group and the footer, and give back the output.
    ///
    /// # Errors
    /// Write errors.
    pub fn finish(self) -> std::io::Result<W> {
        self.writer.into_inner().map_err(std::io::Error::other)
    }
}

impl<W: Write + Send> RowSink for ParquetSink<W> {
    fn write_rows(
        &mut self,
        items: &[(InputItem, Provenance)],
        rows: &[LabelRow<'_>],
    ) -> std::io::Result<()> {
        let n = rows.len();
        let mut id = StringBuilder::with_capacity(n, n * 32);
        let mut label = StringBuilder::with_capacity(n, n * 12);
        let mut score = Float64Builder::with_capacity(n);
        let mut terms = ListBuilder::new(StringBuilder::new());
        let mut error = StringBuilder::new();
        let mut source = StringBuilder::new();
        let mut url = StringBuilder::new();
        let mut thread = StringBuilder::new();
        for (row, (_, prov)) in rows.iter().zip(items) {
            id.append_value(row.id);
            label.append_option(row.label);
            score.append_option(row.score);
            for t in &row.terms {
                terms.values().append_value(t);
            }
            terms.append(true);
            error.append_option(row.error.as_deref());
            source.append_option(prov.source.as_deref());
            url.append_option(prov.url.as_deref());
            thread.append_option(prov.group.as_deref());
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id.finish()),
            Arc::new(label.finish()),
            Arc::new(score.finish()),
            Arc::new(terms.finish()),
            Arc::new(error.finish()),
            Arc::new(source.finish()),
            Arc::new(url.finish()),
            Arc::new(thread.finish()),
        ];
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), columns)
            .map_err(std::io::Error::other)?;
        self.writer.write(&batch).map_err(std::io::Error::other)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    #[test]
    fn writes_row_groups_readable_back() {
        let items: Vec<(InputItem, Provenance)> = (0..10)
            .map(|i| {
                (
                    InputItem::Record {
                        id: format!("r{i}"),
                        text: Some("x".into()),
                    },
                    Provenance {
                        url: Some(format!("https://x/{i}")),
                        ..Provenance::default()
                    },
                )
            })
            .collect();
        let rows: Vec<LabelRow<'_>> = (0..10)
            .map(|i| LabelRow {
                id: ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"][i],
                label: Some("security"),
                score: Some(0.5),
                terms: vec!["jwt".into()],
                error: None,
            })
            .collect();
        let file = tempfile::tempfile().unwrap();
        let mut sink = ParquetSink::new(file.try_clone().unwrap(), 4).unwrap();
        sink.write_rows(&items, &rows).unwrap();
        sink.finish().unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        let meta = reader.metadata();
        assert_eq!(meta.file_metadata().num_rows(), 10);
        assert_eq!(meta.num_row_groups(), 3);
        let names: Vec<&str> = meta
            .file_metadata()
            .schema_descr()
            .root_schema()
            .get_fields()
            .iter()
            .map(|f| f.name())
            .collect();
        assert_eq!(names, PARQUET_COLUMNS);
    }
}
