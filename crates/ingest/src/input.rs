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
