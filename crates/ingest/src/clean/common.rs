//! Rules shared by every markup: entities, URLs, signatures, stack traces and log dumps.

use memchr::memmem;

use super::{CodeMode, CODE, URL};

/// Decode one HTML entity at the start of `s` (which starts with `&`).
///
/// Returns the decoded text and the number of bytes consumed, or `None` when `s` does not start
/// with a known named entity or a valid numeric character reference.
pub(crate) fn decode_entity(s: &str) -> Option<(char, usize)> {
    let bytes = s.as_bytes();
    let end = bytes.iter().take(12).position(|&b| b == b';')?;
    let name = &s[1..end];
    let ch = if let Some(num) = name.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()?
        } else {
            num.parse::<u32>().ok()?
        };
        match char::from_u32(code) {
            Some('\0') | None => '\u{FFFD}',
            Some(c) => c,
        }
    } else {
        named_entity(name)?
    };
    Some((ch, end + 1))
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "times" => '×',
        "divide" => '÷',
        "middot" => '·',
        "bull" => '•',
        "deg" => '°',
        "plusmn" => '±',
        "euro" => '€',
        "pound" => '£',
        "yen" => '¥',
        "cent" => '¢',
        "sect" => '§',
        "para" => '¶',
        "larr" => '←',
        "rarr" => '→',
        "uarr" => '↑',
        "darr" => '↓',
        "harr" => '↔',
        "le" => '≤',
        "ge" => '≥',
        "ne" => '≠',
        "shy" | "zwj" | "zwnj" => '\u{AD}',
        _ => return None,
    })
}

/// Append `s` to `out`, decoding HTML entities; unknown entities are kept as typed.
pub(crate) fn push_decoded(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(i) = memchr::memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        match decode_entity(&rest[i..]) {
            Some((ch, len)) => {
                if ch != '\u{AD}' {
                    out.push(ch);
                }
                rest = &rest[i + len..];
            }
            None => {
                out.push('&');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
}

/// Byte index of the first ASCII-case-insensitive occurrence of `needle` in `hay` (`Some(0)` for
/// an empty needle).
pub(crate) fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    let Some(&first) = n.first() else {
        return Some(0);
    };
    let mut from = 0;
    while let Some(off) = memchr::memchr(first, &h[from..]) {
        let p = from + off;
        if h.len() - p >= n.len() && h[p..p + n.len()].eq_ignore_ascii_case(n) {
            return Some(p);
        }
        from = p + 1;
    }
    None
}

/// Append a code block that stands as its own paragraph (`<pre>`): the code placeholder between
/// blank lines, or only the blank lines when code is dropped.
pub(crate) fn push_code_paragraph(code: CodeMode, out: &mut String) {
    out.push_str("\n\n");
    if code == CodeMode::Placeholder {
        out.push(CODE);
    }
    out.push_str("\n\n");
}

/// `true` for a signature separator (`-- ` or `--` alone) or a mobile sign-off (`Sent from my ...`):
/// everything from this line on is dropped.
pub(crate) fn is_signature_start(line: &str) -> bool {
    let t = line.trim_end();
    t == "--" || t == "-- " || line.trim_start().starts_with("Sent from my ")
}

/// Replace every URL in `s` by the URL sentinel and append the result to `out`.
///
/// A URL starts at a word boundary with `scheme://` or `www.` and runs to white space, `<`, `>`,
/// `"`, `'` or a sentinel; trailing `.,;:!?*_` and unbalanced closing brackets are not part of it.
pub(crate) fn push_replacing_urls(s: &str, out: &mut String) {
    let b = s.as_bytes();
    if memmem::find(b, b"://").is_none() && memmem::find(b, b"www.").is_none() {
        out.push_str(s);
        return;
    }
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        if let Some(start) = url_start_at(s, i) {
            let end = url_end(s, i);
            if end > i {
                out.push_str(&s[last..start]);
                out.push(URL);
                last = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&s[last..]);
}

/// If a URL starts at byte `i` (at a `:` of `://`... handled by scanning the scheme backwards),
/// return its start. Only called at char boundaries of ASCII bytes.
fn url_start_at(s: &str, i: usize) -> Option<usize> {
    let b = s.as_bytes();
    let boundary = |j: usize| j == 0 || !(b[j - 1].is_ascii_alphanumeric() || b[j - 1] >= 0x80);
    if b[i..].starts_with(b"www.") || b[i..].starts_with(b"WWW.") {
        if boundary(i) && b.get(i + 4).is_some_and(|c| c.is_ascii_alphanumeric()) {
            return Some(i);
        }
        return None;
    }
    if !b[i].is_ascii_alphabetic() || !boundary(i) {
        return None;
    }
    let mut j = i;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'+' | b'.' | b'-')) {
        j += 1;
    }
    if j - i <= 16
        && b[j..].starts_with(b"://")
        && b.get(j + 3).is_some_and(|c| !c.is_ascii_whitespace())
    {
        Some(i)
    } else {
        None
    }
}

fn url_end(s: &str, start: usize) -> usize {
    let mut end = start;
    for (off, ch) in s[start..].char_indices() {
        if ch.is_whitespace() || matches!(ch, '<' | '>' | '"' | '\'' | '`' | CODE | URL) {
            break;
        }
        end = start + off + ch.len_utf8();
    }
    // Trim trailing punctuation and unbalanced closers.
    loop {
        let url = &s[start..end];
        let Some(last) = url.chars().last() else {
            break;
        };
        let trim = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '*' | '_' => true,
            ')' => url.matches('(').count() < url.matches(')').count(),
            ']' => url.matches('[').count() < url.matches(']').count(),
            '}' => url.matches('{').count() < url.matches('}').count(),
            _ => false,
        };
        if !trim {
            break;
        }
        end -= last.len_utf8();
    }
    // A bare scheme (`http://`) is not a URL.
    if s[start..end].ends_with("://") {
        return start;
    }
    end
}

/// `true` for a line that looks like a stack frame or a log line rather than prose.
///
/// Recognised: Java/JavaScript frames (`at pkg.Class.method(File.java:12)`), `... 12 more`,
/// `Caused by:`, `Exception in thread`, Python `Traceback (most recent call last):` and
/// `File "x.py", line 3`, Go `goroutine 1 [running]:` and `/path/x.go:12 +0x1d`, and log lines
/// that start with an ISO date-time, a `[12:00:01]` clock, a glog/klog header (`E0724 10:00:00`)
/// or a level word (`INFO`, `WARN`, `WARNING`, `ERROR`, `DEBUG`, `TRACE`, `FATAL`).
pub(crate) fn is_trace_line(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() {
        return false;
    }
    if let Some(rest) = t.strip_prefix("at ") {
        let Some(open) = rest.rfind('(') else {
            return false;
        };
        let Some(inside) = rest[open + 1..].strip_suffix(')') else {
            return false;
        };
        let has_line = inside
            .as_bytes()
            .windows(2)
            .any(|w| w[0] == b':' && w[1].is_ascii_digit());
        return has_line || matches!(inside, "Native Method" | "Unknown Source" | "<generated>");
    }
    if t.starts_with("Caused by:")
        || t.starts_with("Exception in thread ")
        || t.starts_with("Traceback (most recent call last)")
        || t.starts_with("goroutine ") && t.ends_with("]:")
    {
        return true;
    }
    if let Some(rest) = t.strip_prefix("... ") {
        return rest.ends_with(" more") && rest.as_bytes().first().is_some_and(u8::is_ascii_digit);
    }
    if t.starts_with("File \"") && t.contains("\", line ") {
        return true;
    }
    if t.contains(".go:") && t.contains(" +0x") {
        return true;
    }
    is_log_line(t)
}

fn is_log_line(t: &str) -> bool {
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    // 2017-07-24T10:00:06 or 2017-07-24 10:00:06 or 2017/07/24 10:00:06
    if b.len() >= 16
        && digits(0..4)
        && matches!(b[4], b'-' | b'/')
        && digits(5..7)
        && matches!(b[7], b'-' | b'/')
        && digits(8..10)
        && matches!(b[10], b'T' | b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
    {
        return true;
    }
    // [12:00:01] or [2017-...]
    if b.len() >= 10 && b[0] == b'[' && digits(1..3) && (b[3] == b':' || digits(3..5)) {
        return true;
    }
    // klog: E0724 10:00:00.123
    if b.len() >= 14
        && matches!(b[0], b'I' | b'W' | b'E' | b'F')
        && digits(1..5)
        && b[5] == b' '
        && digits(6..8)
        && b[8] == b':'
    {
        return true;
    }
    let word: &str = t
        .trim_start_matches('[')
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    let after = t.trim_start_matches('[').get(word.len()..).unwrap_or("");
    matches!(
        word,
        "INFO" | "WARN" | "WARNING" | "ERROR" | "DEBUG" | "TRACE" | "FATAL"
    ) && (after.starts_with(']') || after.starts_with(':') || after.starts_with(' '))
}

/// `true` for an exception header that usually precedes a frame run, e.g.
/// `java.lang.NullPointerException: boom` or `ValueError: bad`.
fn is_exception_header(line: &str) -> bool {
    let t = line.trim();
    let head = t.split([':', ' ']).next().unwrap_or("");
    (head.ends_with("Exception") || head.ends_with("Error"))
        && !head.is_empty()
        && !head.contains('(')
}

/// The shared final pass over a dialect cleaner's output.
///
/// Cuts at a signature, replaces runs of two or more stack-trace or log lines (with the
/// exception header line just before them) by one code placeholder line (or nothing when code is
/// dropped), and replaces URLs.
pub(crate) fn finish(mid: &str, code: CodeMode, out: &mut String) {
    let lines: Vec<&str> = mid.split('\n').collect();
    let mut trace = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        if is_trace_line(lines[i]) {
            let start = i;
            while i < lines.len() && is_trace_line(lines[i]) {
                i += 1;
            }
            if i - start >= 2 {
                trace[start..i].iter_mut().for_each(|t| *t = true);
                if start > 0 && is_exception_header(lines[start - 1]) {
                    trace[start - 1] = true;
                }
            }
        } else {
            i += 1;
        }
    }
    let mut in_trace = false;
    for (line, is_trace) in lines.iter().zip(trace) {
        if is_trace {
            if !in_trace && code == CodeMode::Placeholder {
                out.push(CODE);
                out.push('\n');
            }
            in_trace = true;
            continue;
        }
        in_trace = false;
        if is_signature_start(line) {
            break;
        }
        push_replacing_urls(line, out);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(s: &str) -> String {
        let mut out = String::new();
        push_replacing_urls(s, &mut out);
        out.replace(URL, "[URL]")
    }

    #[test]
    fn replaces_urls_but_not_trailing_punctuation() {
        assert_eq!(urls("see https://x.org/a?b=1."), "see [URL].");
        assert_eq!(urls("(see http://x.org/a_(b))"), "(see [URL])");
        assert_eq!(urls("go to www.example.com, then"), "go to [URL], then");
        assert_eq!(urls("no url: http:// here"), "no url: http:// here");
        assert_eq!(urls("awww.no"), "awww.no");
    }

    #[test]
    fn decodes_named_and_numeric_entities() {
        let mut out = String::new();
        push_decoded("a &amp; b &lt;p&gt; &#xA;&#39; &bogus; &", &mut out);
        assert_eq!(out, "a & b <p> \n' &bogus; &");
    }

    #[test]
    fn recognises_frames_and_logs() {
        assert!(is_trace_line("\tat org.apache.kafka.Foo.bar(Foo.java:12)"));
        assert!(is_trace_line("2017-07-24 10:00:06,123 INFO started"));
        assert!(is_trace_line("E0724 10:00:00.123 1 server.go:12] boom"));
        assert!(is_trace_line("[ERROR] build failed"));
        assert!(!is_trace_line("at least one reviewer (maybe two)"));
        assert!(!is_trace_line("Errors happen"));
    }

    #[test]
    fn replaces_trace_runs_with_one_placeholder() {
        let mid = "It fails:\njava.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\nany idea?\n";
        let mut out = String::new();
        finish(mid, CodeMode::Placeholder, &mut out);
        assert_eq!(
            out.replace(CODE, "[CODE]"),
            "It fails:\n[CODE]\nany idea?\n\n"
        );
    }

    #[test]
    fn cuts_at_signature() {
        let mut out = String::new();
        finish(
            "Thanks\n-- \nJane Doe\nACME",
            CodeMode::Placeholder,
            &mut out,
        );
        assert_eq!(out, "Thanks\n");
    }
}
