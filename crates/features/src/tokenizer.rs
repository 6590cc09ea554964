//! Splitting text into lower-case word tokens that keep security identifiers whole.
//!
//! A token is a run of letters, digits and `_`. A `.` or `-` followed by a digit joins, so
//! `tls1.3`, `x.509`, `sha-256` and `cve-2021-44228` stay one token while `well-known` and
//! `end.` split. Dropped: tokens under two characters, tokens without a letter (`2021`, `3.4.1`),
//! hexadecimal strings of seven or more characters with a digit (commit hashes, `0x7fff`), and
//! tokens over 40 bytes or of 20+ bytes with 3+ digits (base64 blobs, keys, JWT fragments).

use std::ops::Range;

/// Longest token kept, in bytes.
const MAX_TOKEN_BYTES: usize = 40;

/// Calls `emit(token, byte_range)` for each kept token of `text`, lower-cased into `buf`.
///
/// `byte_range` points into `text`, so callers can highlight the span a term came from.
/// ASCII text takes a fast path; other text is lower-cased with Unicode rules.
///
/// ```
/// let mut buf = String::new();
/// let mut seen = Vec::new();
/// secdisc_features::for_each_token("Upgrade to TLS1.3 for CVE-2021-44228, see a3f9c2e1", &mut buf, |t, _| seen.push(t.to_string()));
/// assert_eq!(seen, ["upgrade", "to", "tls1.3", "for", "cve-2021-44228", "see"]);
/// ```
pub fn for_each_token(text: &str, buf: &mut String, mut emit: impl FnMut(&str, Range<usize>)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let (c, len) = char_at(text, i);
        if !is_word_char(c) {
            i += len;
            continue;
        }
        let start = i;
        i += len;
        loop {
            while i < bytes.len() {
                let (c, len) = char_at(text, i);
                if !is_word_char(c) {
                    break;
                }
                i += len;
            }
            if i + 1 < bytes.len()
                && matches!(bytes[i], b'.' | b'-')
                && bytes[i + 1].is_ascii_digit()
            {
                i += 1;
                continue;
            }
            break;
        }
        let raw = &text[start..i];
        // Underscores at either end go; so does a `.` or `-` left at the start after them
        // (`_-0a` is the token `0a`, as tokenising `-0a` again would give).
        let trimmed = raw
            .trim_start_matches(['_', '.', '-'])
            .trim_end_matches('_');
        if trimmed.is_empty() {
            continue;
        }
        let offset = start + (raw.len() - raw.trim_start_matches(['_', '.', '-']).len());
        buf.clear();
        lowercase_into(trimmed, buf);
        // The rules judge the lower-cased token, which is what comes out: lower case can be
        // longer (`Ⱥ` is two bytes, `ⱥ` three), so a token is kept only if it passes as emitted.
        if keep(buf) {
            emit(buf, offset..offset + trimmed.len());
        }
    }
}

#[inline]
fn char_at(text: &str, i: usize) -> (char, usize) {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        return (b as char, 1);
    }
    // `i` is always on a char boundary: we only advance by whole chars or ASCII bytes.
    let c = text[i..].chars().next().unwrap_or('\u{fffd}');
    (c, c.len_utf8())
}

#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        c.is_alphanumeric()
    }
}

/// Lower-cases `token` into `buf`. Characters whose lower case adds marks that are not word
/// characters (`İ` becomes `i` and a combining dot) keep only the word characters, so that an
/// emitted token is always one token again.
fn lowercase_into(token: &str, buf: &mut String) {
    if token.is_ascii() {
        buf.extend(token.bytes().map(|b| b.to_ascii_lowercase() as char));
    } else {
        for c in token.chars() {
            if c == '.' || c == '-' {
                buf.push(c);
            } else {
                buf.extend(c.to_lowercase().filter(|&l| is_word_char(l)));
            }
        }
    }
}

/// The drop rules of the module documentation.
fn keep(token: &str) -> bool {
    let len = token.len();
    if len > MAX_TOKEN_BYTES || token.chars().nth(1).is_none() {
        return false;
    }
    let mut letters = 0;
    let mut digits = 0;
    let mut all_hex = true;
    for c in token.chars() {
        if c.is_ascii_digit() {
            digits += 1;
        } else if c.is_alphabetic() {
            letters += 1;
        }
        all_hex &= c.is_ascii_hexdigit();
    }
    if letters == 0 {
        return false;
    }
    if digits > 0 && len >= 7 && all_hex {
        return false;
    }
    if len > 2
        && (token.starts_with("0x") || token.starts_with("0X"))
        && token[2..].chars().all(|c| c.is_ascii_hexdigit())
    {
        return false;
    }
    !(len >= 20 && digits >= 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        let mut buf = String::new();
        let mut out = Vec::new();
        for_each_token(text, &mut buf, |t, _| out.push(t.to_string()));
        out
    }

    #[test]
    fn keeps_security_identifiers_whole() {
        assert_eq!(
            tokens("OAuth2 x509 SHA256 TLS1.3 CVE-2021-44228 CSRF x.509 sha-256 client_secret"),
            [
                "oauth2",
                "x509",
                "sha256",
                "tls1.3",
                "cve-2021-44228",
                "csrf",
                "x.509",
                "sha-256",
                "client_secret"
            ]
        );
    }

    #[test]
    fn drops_numbers_hashes_and_blobs() {
        assert_eq!(
            tokens("in 2021 v3.4.1 3.4.1 commit 3f9a2c1d9e 0xdeadbeef eyJhbGciOiJIUzI1NiJ9x1y2 a"),
            ["in", "v3.4.1", "commit"]
        );
    }

    #[test]
    fn splits_on_punctuation_that_does_not_join() {
        assert_eq!(
            tokens("well-known end. __init__ a_b"),
            ["well", "known", "end", "init", "a_b"]
        );
    }

    #[test]
    fn lowercases_unicode_and_reports_byte_ranges() {
        let text = "Ünïcode ÄPI-Schlüssel";
        let mut buf = String::new();
        let mut out = Vec::new();
        for_each_token(text, &mut buf, |t, r| {
            out.push((t.to_string(), text[r].to_string()))
        });
        assert_eq!(
            out,
            [
                ("ünïcode".to_string(), "Ünïcode".to_string()),
                ("äpi".to_string(), "ÄPI".to_string()),
                ("schlüssel".to_string(), "Schlüssel".to_string())
            ]
        );
    }

    // Regressions found by the property tests in tests/props.rs (issue 6): every emitted token
    // must be a token again, under the documented limits.

    #[test]
    fn issue6_lowercase_that_grows_past_the_limit_is_dropped() {
        // 16 × `Ⱥ` is 32 bytes; lower-cased (`ⱥ`, three bytes each) it is 48, over the limit.
        assert_eq!(tokens(&"Ⱥ".repeat(16)), Vec::<String>::new());
        assert_eq!(tokens(&"Ⱥ".repeat(13)), ["ⱥ".repeat(13)]);
    }

    #[test]
    fn issue6_dotted_capital_i_lowercases_to_one_token() {
        // `İ` lower-cases to `i` plus U+0307, which is not a word character.
        assert_eq!(tokens("İSTANBUL"), ["istanbul"]);
        assert_eq!(tokens(&tokens("İSTANBUL").join(" ")), ["istanbul"]);
    }

    #[test]
    fn issue6_leading_separator_after_underscores_is_trimmed() {
        assert_eq!(tokens("_-0a"), ["0a"]);
        assert_eq!(tokens("__.5ab_"), ["5ab"]);
        let text = "x _-0a";
        let mut ranges = Vec::new();
        for_each_token(text, &mut String::new(), |_, r| ranges.push(r));
        assert_eq!(&text[ranges[0].clone()], "0a");
    }
}
