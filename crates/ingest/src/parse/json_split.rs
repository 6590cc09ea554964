//! Streaming split of JSON input into items, in constant memory per item.
//!
//! Handles JSON lines, a top-level array, several concatenated arrays, and (in
//! [`SplitMode::Members`]) a top-level object whose members are arrays of items, such as Jira's
//! `{"issues": [...]}` or `{"KEY-1": [comments...]}`. Each item's bytes are handed out whole, with
//! the line and byte offset where it starts, so a bad item can be reported precisely and skipped.
//! [`JsonSplitter::next_value`] is the item loop every JSON export reader shares: it parses each
//! item and reports bad ones.

use std::io::BufRead;

use serde_json::Value;

use crate::error::{IngestError, Position, Result};
use crate::pipeline::Ctx;

/// How top-level objects are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SplitMode {
    /// A top-level object is one item; a top-level array's elements are items.
    Elements,
    /// A top-level object's members are walked: an array value yields its elements (with the
    /// member name as key), any other value is yielded as one item with its key.
    Members,
}

/// One item: its raw JSON text and where it starts.
pub(crate) struct RawItem<'a> {
    /// The member name in [`SplitMode::Members`].
    pub key: Option<&'a str>,
    /// The item's JSON text (valid UTF-8; not yet parsed).
    pub json: &'a str,
    /// 1-based line of the item's first byte.
    pub line: u64,
}

/// One item parsed by [`JsonSplitter::next_value`].
pub(crate) struct ParsedItem {
    /// The member name in [`SplitMode::Members`].
    pub key: Option<String>,
    /// The item's value.
    pub value: Value,
    /// 1-based line of the item's first byte.
    pub line: u64,
    /// 1-based number of the item among those read from this input, counting the ones that
    /// failed to parse.
    pub ordinal: u64,
}

fn io_error(name: &str, source: std::io::Error) -> IngestError {
    IngestError::Io {
        path: name.into(),
        source,
    }
}

/// Where an item sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    TopArray,
    Object,
    MemberArray,
}

/// A streaming splitter over a [`BufRead`].
pub(crate) struct JsonSplitter<R> {
    reader: R,
    name: String,
    mode: SplitMode,
    max_item_bytes: usize,
    level: Level,
    buf: Vec<u8>,
    key: String,
    keyed: bool,
    line: u64,
    offset: u64,
    item_start: (u64, u64),
    /// Start of the enclosing top-level array or object, for truncation messages.
    container: (u64, u64),
    /// The input is JSON lines: top-level items have each fit on one line so far.
    line_mode: bool,
    top_items: u64,
    done: bool,
    /// Items counted as read by [`JsonSplitter::next_value`].
    items_read: u64,
}

impl<R: BufRead> JsonSplitter<R> {
    /// Split `reader`; `name` is used in messages; items above `max_item_bytes` are errors.
    pub(crate) fn new(reader: R, name: &str, mode: SplitMode, max_item_bytes: usize) -> Self {
        JsonSplitter {
            reader,
            name: name.to_string(),
            mode,
            max_item_bytes,
            level: Level::Top,
            buf: Vec::new(),
            key: String::new(),
            keyed: false,
            line: 1,
            offset: 0,
            item_start: (1, 0),
            container: (1, 0),
            line_mode: false,
            top_items: 0,
            done: false,
            items_read: 0,
        }
    }

    /// `true` once the input is exhausted or a structural error ended it.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    fn pos(&self, line: u64) -> Position {
        Position {
            file: self.name.clone(),
            line,
        }
    }

    fn consume(&mut self, n: usize, newlines: u64) {
        self.reader.consume(n);
        self.offset += n as u64;
        self.line += newlines;
    }

    /// Skip white space (and commas when asked); return the next byte without consuming it.
    fn peek_significant(&mut self, skip_commas: bool) -> Result<Option<u8>> {
        loop {
            let chunk = self
                .reader
                .fill_buf()
                .map_err(|e| io_error(&self.name, e))?;
            if chunk.is_empty() {
                return Ok(None);
            }
            let mut nl = 0;
            let mut i = 0;
            while i < chunk.len() {
                match chunk[i] {
                    b'\n' => nl += 1,
                    b' ' | b'\t' | b'\r' => {}
                    b',' if skip_commas => {}
                    _ => break,
                }
                i += 1;
            }
            let found = chunk.get(i).copied();
            self.consume(i, nl);
            if found.is_some() {
                return Ok(found);
            }
        }
    }

    fn unexpected(&self, byte: u8, expected: &str) -> IngestError {
        IngestError::Json {
            pos: self.pos(self.line),
            column: 0,
            message: format!(
                "unexpected `{}` at byte {}, expected {expected}",
                (byte as char).escape_default(),
                self.offset
            ),
        }
    }

    fn truncated(&self, what: &str, at: (u64, u64)) -> IngestError {
        IngestError::Truncated {
            pos: self.pos(at.0),
            offset: at.1,
            what: what.to_string(),
        }
    }

    /// The next item, `Ok(None)` at the end.
    ///
    /// After an error, [`JsonSplitter::is_done`] tells whether the input can go on (a bad JSON
    /// line, invalid UTF-8 inside one item) or not (truncation, broken structure, an oversized
    /// item inside an array).
    pub(crate) fn next_item(&mut self) -> Result<Option<RawItem<'_>>> {
        if self.done {
            return Ok(None);
        }
        match self.advance() {
            Ok(true) => {}
            Ok(false) => {
                self.done = true;
                return Ok(None);
            }
            Err((e, fatal)) => {
                self.done |= fatal;
                return Err(e);
            }
        }
        let json = match std::str::from_utf8(&self.buf) {
            Ok(j) => j,
            Err(e) => {
                let upto = &self.buf[..e.valid_up_to()];
                let lines = memchr::memchr_iter(b'\n', upto).count() as u64;
                let line_start = upto.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
                return Err(IngestError::InvalidUtf8 {
                    pos: self.pos(self.item_start.0 + lines),
                    field: format!("(JSON text, column {})", e.valid_up_to() - line_start + 1),
                    offset: e.valid_up_to(),
                });
            }
        };
        Ok(Some(RawItem {
            key: self.keyed.then_some(self.key.as_str()),
            json,
            line: self.item_start.0,
        }))
    }

    /// The next item, parsed and counted as read ([`Ctx::read_one`]); `Ok(None)` at the end.
    ///
    /// A bad item (malformed JSON, invalid UTF-8, too large) goes to [`Ctx::skip`] and reading
    /// goes on with the next one, unless the input cannot be resynchronised
    /// ([`JsonSplitter::is_done`]).
    ///
    /// # Errors
    /// What [`Ctx::skip`] returns: the bad item in [`crate::ErrorMode::Stop`], write errors.
    pub(crate) fn next_value(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<ParsedItem>> {
        loop {
            let (key, line, parsed) = match self.next_item() {
                Ok(Some(item)) => (
                    item.key.map(str::to_string),
                    item.line,
                    serde_json::from_str::<Value>(item.json),
                ),
                Ok(None) => return Ok(None),
                Err(e) => {
                    ctx.skip(e)?;
                    if self.is_done() {
                        return Ok(None);
                    }
                    continue;
                }
            };
            ctx.read_one();
            self.items_read += 1;
            match parsed {
                Ok(value) => {
                    return Ok(Some(ParsedItem {
                        key,
                        value,
                        line,
                        ordinal: self.items_read,
                    }))
                }
                Err(e) => ctx.skip(ctx.json_error(line, &e))?,
            }
        }
    }

    /// Move to the next item and capture it into `buf`. `Ok(false)` at the end.
    fn advance(&mut self) -> Result<bool, (IngestError, bool)> {
        let fatal = |e| (e, true);
        self.keyed = false;
        loop {
            match self.level {
                Level::Top => {
                    let Some(b) = self.peek_significant(false).map_err(fatal)? else {
                        return Ok(false);
                    };
                    match b {
                        b'[' => {
                            self.container = (self.line, self.offset);
                            self.consume(1, 0);
                            self.level = Level::TopArray;
                        }
                        b'{' if self.mode == SplitMode::Members => {
                            self.container = (self.line, self.offset);
                            self.consume(1, 0);
                            self.level = Level::Object;
                        }
                        _ => {
                            self.capture(true)?;
                            self.top_items += 1;
                            return Ok(true);
                        }
                    }
                }
                Level::TopArray | Level::MemberArray => {
                    let Some(b) = self.peek_significant(true).map_err(fatal)? else {
                        return Err(fatal(self.truncated("a JSON array", self.container)));
                    };
                    if b == b']' {
                        self.consume(1, 0);
                        self.level = if self.level == Level::TopArray {
                            Level::Top
                        } else {
                            Level::Object
                        };
                        continue;
                    }
                    self.keyed = self.level == Level::MemberArray;
                    self.capture(false)?;
                    return Ok(true);
                }
                Level::Object => {
                    let Some(b) = self.peek_significant(true).map_err(fatal)? else {
                        return Err(fatal(self.truncated("a JSON object", self.container)));
                    };
                    match b {
                        b'}' => {
                            self.consume(1, 0);
                            self.level = Level::Top;
                        }
                        b'"' => {
                            self.capture(false)?;
                            self.key =
                                serde_json::from_slice::<String>(&self.buf).map_err(|e| {
                                    fatal(IngestError::Json {
                                        pos: self.pos(self.item_start.0),
                                        column: e.column(),
                                        message: format!("bad member name: {e}"),
                                    })
                                })?;
                            match self.peek_significant(false).map_err(fatal)? {
                                Some(b':') => self.consume(1, 0),
                                Some(other) => return Err(fatal(self.unexpected(other, "`:`"))),
                                None => {
                                    return Err(fatal(
                                        self.truncated("a JSON object", self.container),
                                    ))
                                }
                            }
                            match self.peek_significant(false).map_err(fatal)? {
                                Some(b'[') => {
                                    self.consume(1, 0);
                                    self.level = Level::MemberArray;
                                }
                                Some(_) => {
                                    self.capture(false)?;
                                    self.keyed = true;
                                    return Ok(true);
                                }
                                None => {
                                    return Err(fatal(
                                        self.truncated("a JSON object", self.container),
                                    ))
                                }
                            }
                        }
                        other => return Err(fatal(self.unexpected(other, "a member name or `}`"))),
                    }
                }
            }
        }
    }

    /// Capture one value starting at the next byte into `buf`.
    ///
    /// `top`: the value is a top-level item, so in JSON lines a line break ends it even when it is
    /// incomplete (the parser then reports that line and the next line starts afresh).
    fn capture(&mut self, top: bool) -> Result<(), (IngestError, bool)> {
        self.buf.clear();
        self.item_start = (self.line, self.offset);
        let line_mode = top && self.line_mode;
        let mut depth: u32 = 0;
        let mut in_str = false;
        let mut esc = false;
        let mut started = false;
        let mut scalar = false;
        let mut oversized = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) => return Err((io_error(&self.name, e), true)),
            };
            if chunk.is_empty() {
                if scalar || (line_mode && started) {
                    break;
                }
                let what = if in_str {
                    "a JSON string"
                } else {
                    "a JSON value"
                };
                return Err((self.truncated(what, self.item_start), true));
            }
            let mut i = 0;
            let mut nl = 0u64;
            let mut end = None;
            while i < chunk.len() {
                if esc {
                    esc = false;
                    i += 1;
                    continue;
                }
                if in_str {
                    match memchr::memchr3(b'"', b'\\', b'\n', &chunk[i..]) {
                        None => i = chunk.len(),
                        Some(k) => {
                            i += k;
                            match chunk[i] {
                                b'\\' => {
                                    esc = true;
                                    i += 1;
                                }
                                b'"' => {
                                    in_str = false;
                                    i += 1;
                                    if depth == 0 {
                                        end = Some(i);
                                        break;
                                    }
                                }
                                _ => {
                                    if line_mode {
                                        end = Some(i);
                                        break;
                                    }
                                    nl += 1;
                                    i += 1;
                                }
                            }
                        }
                    }
                    continue;
                }
                let c = chunk[i];
                if !started {
                    started = true;
                    match c {
                        b'{' | b'[' => depth = 1,
                        b'"' => in_str = true,
                        _ => scalar = true,
                    }
                    if !scalar {
                        i += 1;
                        continue;
                    }
                }
                if scalar {
                    let stop = if top {
                        c == b'\n'
                    } else {
                        matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
                    };
                    // A value cannot be empty: a stray `}` where an array item belongs is taken
                    // as a (bad) item, so reading always moves on (an empty capture made
                    // `ErrorMode::KeepGoing` report the same error forever; issue 6, found by fuzzing).
                    let empty = i == 0 && self.buf.is_empty();
                    if stop && !empty {
                        end = Some(i);
                        break;
                    }
                    i += 1;
                    continue;
                }
                match c {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    b'\n' => {
                        if line_mode {
                            end = Some(i);
                            break;
                        }
                        nl += 1;
                    }
                    _ => {}
                }
                i += 1;
            }
            let take = end.unwrap_or(chunk.len());
            if !oversized {
                if self.buf.len() + take > self.max_item_bytes {
                    oversized = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(&chunk[..take]);
                }
            }
            self.consume(take, nl);
            if end.is_some() {
                break;
            }
            if oversized && !line_mode {
                break;
            }
        }
        if oversized {
            let err = IngestError::RecordTooLarge {
                pos: self.pos(self.item_start.0),
                limit: self.max_item_bytes,
            };
            // In JSON lines the rest of the line was consumed: the next line can go on.
            return Err((err, !line_mode));
        }
        if top {
            self.note_top_item_end().map_err(|e| (e, true))?;
        }
        Ok(())
    }

    /// After a top-level item: JSON lines if it was on one line and a line break follows.
    fn note_top_item_end(&mut self) -> Result<()> {
        let one_line = self.line == self.item_start.0;
        let chunk = self
            .reader
            .fill_buf()
            .map_err(|e| io_error(&self.name, e))?;
        let next = chunk.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\r'));
        let newline_follows = matches!(next, Some(b'\n') | None);
        if self.top_items == 0 {
            self.line_mode = one_line && newline_follows;
        } else {
            self.line_mode &= one_line;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One split result: key, JSON text and line, or the error message.
    type Split = std::result::Result<(Option<String>, String, u64), String>;

    fn split(input: &str, mode: SplitMode) -> Vec<Split> {
        let mut s = JsonSplitter::new(input.as_bytes(), "t.json", mode, 1 << 20);
        let mut out = Vec::new();
        loop {
            match s.next_item() {
                Ok(Some(item)) => out.push(Ok((
                    item.key.map(str::to_string),
                    item.json.to_string(),
                    item.line,
                ))),
                Ok(None) => break,
                Err(e) => {
                    out.push(Err(e.to_string()));
                    if s.is_done() {
                        break;
                    }
                }
            }
        }
        out
    }

    #[test]
    fn splits_arrays_lines_and_nested_strings() {
        let got = split(
            "[\n {\"a\": \"x]}\\\"\"},\n {\"b\": [1, {\"c\": 2}]}\n]\n[3]",
            SplitMode::Elements,
        );
        let items: Vec<_> = got.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(items[0].1, "{\"a\": \"x]}\\\"\"}");
        assert_eq!(items[0].2, 2);
        assert_eq!(items[1].1, "{\"b\": [1, {\"c\": 2}]}");
        assert_eq!(items[2].1, "3");
        let lines = split("{\"a\":1}\n{\"b\":2}\n", SplitMode::Elements);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].as_ref().unwrap().2, 2);
    }

    #[test]
    fn walks_members() {
        let got = split(
            "{\"total\": 2, \"issues\": [{\"k\":1},{\"k\":2}], \"X-1\": []}",
            SplitMode::Members,
        );
        let items: Vec<_> = got.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].0.as_deref(), Some("total"));
        assert_eq!(items[0].1, "2");
        assert_eq!(items[2].0.as_deref(), Some("issues"));
        assert_eq!(items[2].1, "{\"k\":2}");
    }

    #[test]
    fn truncated_array_is_fatal_with_position() {
        let got = split("[\n{\"a\": 1},\n{\"b\": \"unfinished", SplitMode::Elements);
        assert!(got[0].is_ok());
        let err = got[1].as_ref().unwrap_err();
        assert!(
            err.contains("t.json:3") && err.contains("truncated"),
            "{err}"
        );
    }

    #[test]
    fn broken_json_line_is_recoverable() {
        let got = split("{\"a\":1}\n{\"b\": \"cut\n{\"c\":3}\n", SplitMode::Elements);
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].as_ref().unwrap().1, "{\"b\": \"cut");
        assert_eq!(got[2].as_ref().unwrap().1, "{\"c\":3}");
        assert_eq!(got[2].as_ref().unwrap().2, 3);
    }

    #[test]
    fn oversized_line_is_skipped_in_json_lines() {
        let big = format!(
            "{{\"a\":1}}\n{{\"x\":\"{}\"}}\n{{\"c\":3}}\n",
            "y".repeat(100)
        );
        let mut s = JsonSplitter::new(big.as_bytes(), "t", SplitMode::Elements, 50);
        assert!(s.next_item().unwrap().is_some());
        assert!(matches!(
            s.next_item(),
            Err(IngestError::RecordTooLarge { .. })
        ));
        assert!(!s.is_done());
        assert_eq!(s.next_item().unwrap().unwrap().json, "{\"c\":3}");
    }

    #[test]
    fn invalid_utf8_names_line() {
        let bytes = b"[{\"a\": \"ok\"},\n{\"a\": \"\xff\"}]".to_vec();
        let mut s = JsonSplitter::new(&bytes[..], "t", SplitMode::Elements, 1 << 20);
        assert!(s.next_item().unwrap().is_some());
        let err = s.next_item().err().unwrap();
        assert!(
            matches!(err, IngestError::InvalidUtf8 { ref pos, .. } if pos.line == 2),
            "{err}"
        );
        assert!(!s.is_done());
        assert!(s.next_item().unwrap().is_none());
    }
}
