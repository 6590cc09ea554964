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
///
/// Linear in `s` (up to a binary search per candidate start): a scheme is looked for over at
/// most 17 bytes, and the candidates that share a run of URL characters share one scan of it
/// ([`UrlRun`]).
pub(crate) fn push_replacing_urls(s: &str, out: &mut String) {
    let b = s.as_bytes();
    if memmem::find(b, b"://").is_none() && memmem::find(b, b"www.").is_none() {
        out.push_str(s);
        return;
    }
    replace_urls(s, out, &mut UrlRun::default());
}

/// [`push_replacing_urls`] with the run state given, so that tests can read its work count.
fn replace_urls(s: &str, out: &mut String, run: &mut UrlRun) {
    let b = s.as_bytes();
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        if let Some(start) = url_start_at(s, i) {
            let end = run.url_end(s, i);
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
    // A scheme is at most 16 bytes: looking further (`a.a.a.a...`) would make the scan of
    // every word boundary run to the end of the word.
    let mut j = i;
    while j < b.len()
        && j - i <= 16
        && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'+' | b'.' | b'-'))
    {
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

/// `true` for a character that ends a URL.
fn ends_url(ch: char) -> bool {
    ch.is_whitespace() || matches!(ch, '<' | '>' | '"' | '\'' | '`' | CODE | URL)
}

/// The bracket pairs whose unbalanced closers are trimmed off a URL's end.
const BRACKETS: [(u8, u8); 3] = [(b'(', b')'), (b'[', b']'), (b'{', b'}')];

/// Opening minus closing brackets of each pair in `bytes`.
fn bracket_balance(bytes: &[u8], balance: &mut [i64; 3]) {
    for &c in bytes {
        for (k, &(open, close)) in BRACKETS.iter().enumerate() {
            if c == open {
                balance[k] += 1;
            } else if c == close {
                balance[k] -= 1;
            }
        }
    }
}

/// One run of URL characters (from a candidate start to the first character that ends a URL),
/// shared by every candidate start inside it, so that finding the ends of all of them takes
/// one scan of the run: the bracket balance up to each start is carried forward, and the
/// trimmable end of the run (punctuation and closers) is walked once, keeping for each bracket
/// pair the closers whose balance exceeds that of every closer after them. A start's URL keeps
/// the last closer whose balance is at least the balance at the start; binary search finds it.
#[derive(Debug, Default)]
struct UrlRun {
    /// Where the run starts and ends (0, 0: no run yet).
    start: usize,
    end: usize,
    /// Bracket balance of `start..end`.
    balance_end: [i64; 3],
    /// Bracket balance of `start..cursor`.
    cursor: usize,
    balance_cursor: [i64; 3],
    /// The trimmable end, once walked.
    tail: Option<Tail>,
    /// Bytes looked at, to check that the work is linear.
    #[cfg(test)]
    steps: usize,
}

/// The end of a run made of trailing punctuation and closers.
#[derive(Debug)]
struct Tail {
    /// Where the trimmable end starts: the end of every URL that keeps none of its closers.
    start: usize,
    /// Per bracket pair, from the end backwards: (balance of `run.start..end`, `end`) for each
    /// closer at `end - 1` whose balance exceeds that of every closer after it.
    keep: [Vec<(i64, usize)>; 3],
}

impl UrlRun {
    /// End of the URL starting at `start` (a char boundary, not trimmable), or `start` when
    /// there is none. Starts must come in increasing order.
    fn url_end(&mut self, s: &str, start: usize) -> usize {
        let b = s.as_bytes();
        if start >= self.end || start < self.start {
            let end = s[start..]
                .char_indices()
                .find(|&(_, ch)| ends_url(ch))
                .map_or(s.len(), |(off, _)| start + off);
            let mut balance_end = [0; 3];
            bracket_balance(&b[start..end], &mut balance_end);
            *self = UrlRun {
                start,
                end,
                balance_end,
                cursor: start,
                balance_cursor: [0; 3],
                tail: None,
                #[cfg(test)]
                steps: self.steps + 2 * (end - start),
            };
        }
        bracket_balance(&b[self.cursor..start], &mut self.balance_cursor);
        #[cfg(test)]
        {
            self.steps += start - self.cursor;
        }
        self.cursor = start;
        if self.tail.is_none() {
            self.tail = Some(self.walk_tail(s));
        }
        let Some(tail) = &self.tail else {
            return start;
        };
        // A closer at `e - 1` is unbalanced in `start..e` (and trimmed) when there are fewer
        // openers than closers there, that is when the balance of `run.start..e` is below the
        // balance at `start`.
        let at_start = self.balance_cursor;
        let mut end = tail.start;
        for (keep, &at) in tail.keep.iter().zip(&at_start) {
            let i = keep.partition_point(|&(balance, _)| balance < at);
            if let Some(&(_, e)) = keep.get(i) {
                end = end.max(e);
            }
        }
        // A bare scheme (`http://`) is not a URL.
        if end <= start || s[start..end].ends_with("://") {
            return start;
        }
        end
    }

    /// Walk the trimmable end of the run backwards.
    fn walk_tail(&mut self, s: &str) -> Tail {
        let mut end = self.end;
        let mut balance = self.balance_end;
        let mut keep: [Vec<(i64, usize)>; 3] = Default::default();
        while let Some(last) = s[self.start..end].chars().next_back() {
            let pair = match last {
                '.' | ',' | ';' | ':' | '!' | '?' | '*' | '_' => None,
                ')' => Some(0),
                ']' => Some(1),
                '}' => Some(2),
                _ => break,
            };
            if let Some(k) = pair {
                if keep[k].last().map_or(true, |&(best, _)| balance[k] > best) {
                    keep[k].push((balance[k], end));
                }
                balance[k] += 1;
            }
            end -= 1;
            #[cfg(test)]
            {
                self.steps += 1;
            }
        }
        Tail { start: end, keep }
    }
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

/// The URL replacement as it was before it was made linear (issue 13 item 5), kept as the
/// reference the linear one must match byte for byte.
#[cfg(test)]
mod quadratic {
    use super::{CODE, URL};
    use memchr::memmem;

    pub(super) fn push_replacing_urls_quadratic(s: &str, out: &mut String) {
        let b = s.as_bytes();
        if memmem::find(b, b"://").is_none() && memmem::find(b, b"www.").is_none() {
            out.push_str(s);
            return;
        }
        let mut last = 0;
        let mut i = 0;
        while i < b.len() {
            if let Some(start) = url_start_at_unbounded(s, i) {
                let end = url_end_quadratic(s, i);
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

    // If a URL starts at byte `i` (at a `:` of `://`... handled by scanning the scheme backwards),
    // return its start. Only called at char boundaries of ASCII bytes.
    fn url_start_at_unbounded(s: &str, i: usize) -> Option<usize> {
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

    fn url_end_quadratic(s: &str, start: usize) -> usize {
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

    /// The URL replacement of `s` and the work its runs took.
    fn urls_and_steps(s: &str) -> (String, usize) {
        let mut out = String::new();
        let mut run = UrlRun::default();
        if memmem::find(s.as_bytes(), b"://").is_none()
            && memmem::find(s.as_bytes(), b"www.").is_none()
        {
            return (s.to_string(), 0);
        }
        replace_urls(s, &mut out, &mut run);
        (out, run.steps)
    }

    /// Shapes that made the URL scan quadratic (issue 13 item 5), `n` repeats each.
    fn adversarial(n: usize) -> Vec<(&'static str, String)> {
        vec![
            ("scheme prefixes", "http://".repeat(n)),
            (
                "closers after a URL",
                format!("http://x.org/{}", ")".repeat(n)),
            ),
            (
                "closers between schemes",
                format!("{}{}", ")http://".repeat(n), ")".repeat(n)),
            ),
            (
                "openers between schemes",
                format!("{}{}", "(http://".repeat(n), ")".repeat(n)),
            ),
            (
                "punctuation after schemes",
                format!("{}{}", "http://".repeat(n), ".,;".repeat(n)),
            ),
            ("long words", format!("http://x {}", "a.".repeat(n))),
            ("www", "www.www.".repeat(n)),
            (
                "mixed brackets",
                format!("a https://x/{}", "([{)]}".repeat(n)),
            ),
        ]
    }

    #[test]
    fn url_replacement_matches_the_quadratic_reference() {
        let mut cases: Vec<String> = [
            "see https://x.org/a?b=1.",
            "(see http://x.org/a_(b))",
            "[http://a.b/c]] and {http://x/{y}}}.",
            "http://http://x.org)",
            "a http:// b ftp://x,y. www.a.b!",
            "ünï http://ü.org/ä(ö)). x",
            "x://y://z://",
            "http://a) (http://b) http://c(d)e)",
            "mailto://a:b@c:8080/p?q=(1)#f_",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (_, s) in adversarial(40) {
            cases.push(s);
        }
        // Every string of up to 5 tokens from a small alphabet of URL pieces.
        let pieces = ["http://", "x", "(", ")", "]", ".", " ", "www.", "a://"];
        let mut strings = vec![String::new()];
        for _ in 0..5 {
            strings = strings
                .iter()
                .flat_map(|s| pieces.iter().map(move |p| format!("{s}{p}")))
                .collect();
            cases.extend(strings.iter().cloned());
        }
        for s in &cases {
            let mut expected = String::new();
            quadratic::push_replacing_urls_quadratic(s, &mut expected);
            assert_eq!(urls_and_steps(s).0, expected, "{s:?}");
        }
    }

    #[test]
    fn url_replacement_work_is_linear_in_the_input() {
        for n in [1_000, 8_000] {
            for (shape, s) in adversarial(n) {
                let (_, steps) = urls_and_steps(&s);
                assert!(
                    steps <= 4 * s.len(),
                    "{shape} x{n}: {steps} steps for {} bytes",
                    s.len()
                );
            }
        }
    }

    /// Byte-identical to the reference on real text: every file under `SECDISC_URL_CORPUS`
    /// (for example the shared exports and data sets), whole and line by line.
    #[test]
    #[ignore = "reads a corpus named by SECDISC_URL_CORPUS"]
    fn url_replacement_matches_the_reference_on_a_corpus() {
        let Ok(root) = std::env::var("SECDISC_URL_CORPUS") else {
            return;
        };
        let mut dirs = vec![std::path::PathBuf::from(root)];
        let (mut files, mut urls) = (0, 0);
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                for s in std::iter::once(text.as_str()).chain(text.lines()) {
                    let mut expected = String::new();
                    quadratic::push_replacing_urls_quadratic(s, &mut expected);
                    let got = urls_and_steps(s).0;
                    assert!(got == expected, "{}: differs", path.display());
                    urls += got.matches(URL).count();
                }
                files += 1;
            }
        }
        eprintln!("{files} files, {urls} URLs replaced, identical");
    }

    /// Before/after timings on the shapes of issue 13 item 5 (run with `--release`).
    #[test]
    #[ignore = "timing; run with --release --ignored --nocapture"]
    fn url_replacement_timings_before_and_after() {
        let shapes = [
            ("http:// x 40,000", "http://".repeat(40_000)),
            (
                "URL then 40,000 )",
                format!("http://x.org/{}", ")".repeat(40_000)),
            ),
        ];
        for (name, s) in shapes {
            let t = std::time::Instant::now();
            let mut before = String::new();
            quadratic::push_replacing_urls_quadratic(&s, &mut before);
            let old = t.elapsed();
            let t = std::time::Instant::now();
            let (after, _) = urls_and_steps(&s);
            let new = t.elapsed();
            assert_eq!(before, after);
            eprintln!("{name}: before {old:.2?}, after {new:.2?}");
        }
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
