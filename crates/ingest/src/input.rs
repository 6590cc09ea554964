//! Opening inputs: files or stdin, gzip by content, UTF-8 byte-order mark removed.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

use crate::error::{IngestError, Result};

/// How many bytes are looked at to detect the format.
pub(crate) const SNIFF_BYTES: usize = 64 << 10;

/// An opened input with its first bytes available for detection.
pub(crate) struct Input {
    /// The path as given, or `<stdin>`.
    pub name: String,
    /// The name of the directory holding the file (a Stack Exchange dump's site name).
    pub dir_name: Option<String>,
    /// The first bytes of the decoded content (at most [`SNIFF_BYTES`]).
    pub head: Vec<u8>,
    /// The whole decoded content, starting with `head`.
    pub reader: Box<dyn BufRead + Send>,
}

/// Open `path` (`-` is standard input), decompressing gzip and dropping a UTF-8 BOM.
pub(crate) fn open(path: &Path) -> Result<Input> {
    if path == Path::new("-") {
        return from_reader("<stdin>", None, Box::new(std::io::stdin()));
    }
    let file = File::open(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let dir_name = path.canonicalize().ok().and_then(|p| {
        p.parent()
            .and_then(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned())
    });
    from_reader(&path.display().to_string(), dir_name, Box::new(file))
}

/// Wrap any byte stream; `name` is used in messages.
pub(crate) fn from_reader(
    name: &str,
    dir_name: Option<String>,
    raw: Box<dyn Read + Send>,
) -> Result<Input> {
    let io_err = |source| IngestError::Io {
        path: name.into(),
        source,
    };
    let (head, rest) = read_head(raw).map_err(io_err)?;
    let (head, rest) = if head.starts_with(&[0x1f, 0x8b]) {
        let gz: Box<dyn Read + Send> = Box::new(flate2::read::MultiGzDecoder::new(
            Cursor::new(head).chain(rest),
        ));
        read_head(gz).map_err(io_err)?
    } else {
        (head, rest)
    };
    if let Some(e) = utf16_error(name, &head) {
        return Err(e);
    }
    let head = match head.strip_prefix(b"\xEF\xBB\xBF") {
        Some(h) => h.to_vec(),
        None => head,
    };
    let reader: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(
        1 << 18,
        Cursor::new(head.clone()).chain(rest),
    ));
    Ok(Input {
        name: name.to_string(),
        dir_name,
        head,
        reader,
    })
}

/// The error for an input that is UTF-16 rather than UTF-8, judged from its first bytes: a
/// UTF-16 byte order mark, or ASCII text with a zero byte at every other position. Read as
/// UTF-8 such a file gives "missing column text" or garbage records.
pub(crate) fn utf16_error(name: &str, head: &[u8]) -> Option<IngestError> {
    let which = if head.starts_with(b"\xFF\xFE") {
        "UTF-16LE"
    } else if head.starts_with(b"\xFE\xFF") {
        "UTF-16BE"
    } else {
        let sample = &head[..head.len().min(64) & !1];
        let zero_at = |parity: usize| {
            sample.len() >= 8
                && sample
                    .iter()
                    .enumerate()
                    .all(|(i, &b)| (b == 0) == (i % 2 == parity))
        };
        if zero_at(1) {
            "UTF-16LE"
        } else if zero_at(0) {
            "UTF-16BE"
        } else {
            return None;
        }
    };
    Some(IngestError::Format {
        file: name.to_string(),
        message: format!(
            "the file is {which}, not UTF-8; convert it first, e.g. `iconv -f UTF-16 -t UTF-8 {name} > converted.csv`"
        ),
    })
}

fn read_head(mut r: Box<dyn Read + Send>) -> std::io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut head = vec![0u8; SNIFF_BYTES];
    let mut filled = 0;
    while filled < head.len() {
        match r.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(filled);
    Ok((head, r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Issue 13 item 10: a UTF-16 file got "missing column text" instead of an encoding hint.
    #[test]
    fn refuses_utf16_with_a_hint() {
        let text = "id,text,label\n1,jwt,1\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (bytes, which) in [
            ([&[0xFF, 0xFE][..], &le].concat(), "UTF-16LE"),
            ([&[0xFE, 0xFF][..], &be].concat(), "UTF-16BE"),
            (le, "UTF-16LE"),
            (be, "UTF-16BE"),
        ] {
            let e = from_reader("x.csv", None, Box::new(Cursor::new(bytes)))
                .err()
                .expect("refused")
                .to_string();
            assert!(e.contains(which) && e.contains("iconv"), "{e}");
        }
        assert!(utf16_error("x", b"id,text\n1,a\n").is_none());
        assert!(utf16_error("x", b"\0\0\0\0").is_none());
    }

    #[test]
    fn decompresses_gzip_and_strips_bom() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"\xEF\xBB\xBF[1, 2]").unwrap();
        let gz = enc.finish().unwrap();
        let mut input = from_reader("x.gz", None, Box::new(Cursor::new(gz))).unwrap();
        assert_eq!(input.head, b"[1, 2]");
        let mut all = String::new();
        input.reader.read_to_string(&mut all).unwrap();
        assert_eq!(all, "[1, 2]");
    }
}
