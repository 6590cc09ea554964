//! Helpers for streaming XML with quick-xml: line counting, the next event, entity references,
//! errors.

use std::io::{BufRead, Read};

use quick_xml::events::{BytesRef, Event};
use quick_xml::Reader;

use crate::error::{IngestError, Position, Result};

/// A [`BufRead`] that counts the line breaks consumed, so XML errors can name a line.
pub(crate) struct LineCounter<R> {
    inner: R,
    newlines: u64,
}

impl<R> LineCounter<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineCounter { inner, newlines: 0 }
    }

    /// 1-based line of the next unread byte.
    pub(crate) fn line(&self) -> u64 {
        self.newlines + 1
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            self.newlines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        }
        self.inner.consume(amt);
    }
}

/// The next event read into `buf` (cleared first), with the line the reader stands on after it.
///
/// # Errors
/// A quick-xml error as an [`IngestError::Xml`] naming `file`, the line and the byte offset.
pub(crate) fn next_event<'b, R: BufRead>(
    xml: &mut Reader<LineCounter<R>>,
    buf: &'b mut Vec<u8>,
    file: &str,
) -> Result<(Event<'b>, u64)> {
    buf.clear();
    let event = xml.read_event_into(buf);
    let line = xml.get_ref().line();
    match event {
        Ok(e) => Ok((e, line)),
        Err(e) => Err(xml_error(file, line, xml.error_position(), e)),
    }
}

/// Append the text of an entity or character reference (`&lt;`, `&#xA;`).
///
/// Unknown named entities are kept as typed (`&name;`).
pub(crate) fn push_ref(r: &BytesRef<'_>, out: &mut String) {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        out.push(c);
        return;
    }
    let name = r.xml10_content();
    match quick_xml::escape::resolve_predefined_entity(&name) {
        Some(s) => out.push_str(s),
        None => {
            out.push('&');
            out.push_str(&name);
            out.push(';');
        }
    }
}

/// A quick-xml error as an [`IngestError::Xml`], with line and byte offset.
pub(crate) fn xml_error(
    file: &str,
    line: u64,
    offset: u64,
    err: impl std::fmt::Display,
) -> IngestError {
    let message = err.to_string();
    if message.contains("utf-8") || message.contains("UTF-8") || message.contains("Utf8") {
        return IngestError::Xml {
            pos: Position {
                file: file.to_string(),
                line,
            },
            offset,
            message: format!("{message} (the file is not valid UTF-8; re-encode it as UTF-8)"),
        };
    }
    IngestError::Xml {
        pos: Position {
            file: file.to_string(),
            line,
        },
        offset,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_consumed_lines() {
        let mut r = LineCounter::new(&b"a\nb\nc"[..]);
        assert_eq!(r.line(), 1);
        r.fill_buf().unwrap();
        r.consume(2);
        assert_eq!(r.line(), 2);
        let mut rest = String::new();
        r.read_to_string(&mut rest).unwrap();
        assert_eq!(r.line(), 3);
    }
}
