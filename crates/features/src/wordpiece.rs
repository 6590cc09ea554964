//! [`WordPiece`]: BERT's tokenizer (uncased all-MiniLM-L6-v2 and friends) in plain Rust, giving
//! the same ids as the `tokenizers` library for a `tokenizer.json` with a `BertNormalizer`, a
//! `BertPreTokenizer` and a `WordPiece` model.
//!
//! Steps, as in `tokenizers`: added tokens (`[CLS]`, ...) written literally in the text are
//! split out first and kept whole; the rest is normalised (drop NUL, U+FFFD and control
//! characters, turn whitespace into spaces, put spaces around CJK ideographs, NFD and drop
//! non-spacing marks, lower-case), split on whitespace and around each punctuation character,
//! and each word becomes the longest vocabulary prefix, then the longest `##` continuation, and
//! so on; a word with a part that matches nothing, or of over `max_input_chars_per_word`
//! characters, is one `[UNK]`. Character classes come from the `unicode_categories` tables that
//! `tokenizers` itself uses, so both agree on every character.
//!
//! For speed (the static table embeds a text in about the time TF-IDF takes): ASCII text is
//! normalised and split through a table of its 128 characters, tokens of up to 15 bytes are
//! looked up as two integers, and each thread keeps the ids of the words that are not one token.

use std::cell::RefCell;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use unicode_categories::UnicodeCategories;
use unicode_normalization::UnicodeNormalization;

use crate::error::{FeaturesError, Result};

/// How a [`WordPiece`] normalises and splits text; the defaults are BERT uncased's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordPieceSettings {
    /// Drop control characters and turn whitespace into spaces (default true).
    pub clean_text: bool,
    /// Put spaces around CJK ideographs, so each is a word (default true).
    pub handle_chinese_chars: bool,
    /// Decompose (NFD) and drop non-spacing marks: `é` becomes `e` (default true).
    pub strip_accents: bool,
    /// Lower-case (default true).
    pub lowercase: bool,
    /// The token for unknown words (default `[UNK]`).
    pub unk_token: String,
    /// Prefix of tokens that continue a word (default `##`).
    pub continuing_subword_prefix: String,
    /// Words of more characters than this are one unknown token (default 100).
    pub max_input_chars_per_word: usize,
    /// Tokens matched literally in the raw text before anything else, such as `[CLS]`
    /// (default none).
    pub added_tokens: Vec<String>,
}

impl Default for WordPieceSettings {
    fn default() -> Self {
        Self {
            clean_text: true,
            handle_chinese_chars: true,
            strip_accents: true,
            lowercase: true,
            unk_token: "[UNK]".to_string(),
            continuing_subword_prefix: "##".to_string(),
            max_input_chars_per_word: 100,
            added_tokens: Vec::new(),
        }
    }
}

/// A BERT WordPiece tokenizer: text to vocabulary ids, without `[CLS]`/`[SEP]`.
///
/// ```
/// use secdisc_features::{WordPiece, WordPieceSettings};
/// let vocab = ["[UNK]", "fix", "x", "##ss", "in", "cafe", "."];
/// let vocab = vocab.iter().map(|t| t.to_string()).collect();
/// let wp = WordPiece::new(vocab, WordPieceSettings::default())?;
/// let mut ids = Vec::new();
/// wp.tokenize_ids("Fix XSS in Café.", &mut ids);
/// assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
/// # Ok::<(), secdisc_features::FeaturesError>(())
/// ```
#[derive(Debug, Clone)]
pub struct WordPiece {
    vocab: Vec<String>,
    settings: WordPieceSettings,
    /// Tokens that start a word.
    starts: TokenMap,
    /// Tokens that continue a word, keyed without their prefix.
    continuations: TokenMap,
    /// Added tokens and their ids, longest first.
    added: Vec<(String, u32)>,
    /// The first byte of each added token (few: `[` for BERT's), to skip other positions fast.
    added_first_bytes: Vec<u8>,
    unk_id: u32,
    /// Longest start or continuation token, in bytes: longer candidates are not looked up.
    max_piece_bytes: usize,
    /// What each ASCII character is to normalisation and splitting, by code.
    ascii: [Ascii; 128],
    /// What normalisation makes of each ASCII character, by code: itself, lower-cased, a
    /// space, or [`DROPPED`].
    ascii_normalized: [u8; 128],
    /// Tells this tokenizer's entries in a thread's [`WordCache`] from another's (clones share
    /// it: they split alike).
    cache_owner: u64,
}

/// Token ids by token: tokens of up to [`PACKED_BYTES`] bytes packed into two integers each (a
/// lookup is then one cheap hash and two integer comparisons), longer ones as strings.
#[derive(Debug, Clone, Default)]
struct TokenMap {
    short: FxHashMap<[u64; 2], u32>,
    long: FxHashMap<Box<str>, u32>,
}

/// Longest token that [`pack`] packs.
const PACKED_BYTES: usize = 15;

/// `bytes` as two integers (its 16 bytes little-endian: its bytes, zeros, its length last)
/// when it has at most [`PACKED_BYTES`] bytes: different strings give different keys. Read with
/// overlapping fixed-size loads: copying into a buffer and reading it back stalls the lookup.
#[inline]
fn pack(bytes: &[u8]) -> Option<[u64; 2]> {
    let len = bytes.len();
    let (lo, hi) = match len {
        0 => (0, 0),
        1..=3 => {
            let at = |i: usize| u64::from(bytes[i]) << (8 * i);
            (at(0) | at(len / 2) | at(len - 1), 0)
        }
        4..=8 => {
            let word = |i: usize| {
                let mut four = [0u8; 4];
                four.copy_from_slice(&bytes[i..i + 4]);
                u64::from(u32::from_le_bytes(four))
            };
            (word(0) | word(len - 4) << (8 * (len - 4)), 0)
        }
        9..=PACKED_BYTES => {
            let word = |i: usize| {
                let mut eight = [0u8; 8];
                eight.copy_from_slice(&bytes[i..i + 8]);
                u64::from_le_bytes(eight)
            };
            (word(0), word(len - 8) >> (8 * (16 - len)))
        }
        _ => return None,
    };
    Some([lo, hi | (len as u64) << 56])
}

impl TokenMap {
    fn insert(&mut self, token: &str, id: u32) {
        match pack(token.as_bytes()) {
            Some(key) => self.short.insert(key, id),
            None => self.long.insert(token.into(), id),
        };
    }

    #[inline]
    fn get(&self, token: &str) -> Option<u32> {
        match pack(token.as_bytes()) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(token).copied(),
        }
    }
}

/// An ASCII character as [`WordPiece`] treats it, settings applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ascii {
    /// Part of a word, written as this byte (lower-cased if the settings say so).
    Word(u8),
    /// Punctuation: a word of its own.
    Punctuation,
    /// Whitespace: ends a word.
    Space,
    /// Dropped by normalisation (NUL and controls, with `clean_text`).
    Dropped,
}

/// Marks a dropped character in [`WordPiece::ascii_normalized`]: NUL, which is dropped itself
/// whenever anything is (with `clean_text`).
const DROPPED: u8 = 0;

/// Words that are not one vocabulary token (several pieces, or unknown) and their ids, as
/// last split on this thread: such a word costs many lookups, and the same ones recur.
#[derive(Default)]
struct WordCache {
    /// The [`WordPiece::cache_owner`] of the entries.
    owner: u64,
    words: FxHashMap<Box<str>, Box<[u32]>>,
}

/// Most words a thread's [`WordCache`] holds; it starts again empty when full.
const WORD_CACHE_LIMIT: usize = 1 << 15;

/// Longest word a [`WordCache`] keeps, in bytes (longer ones are rare, and seldom recur).
const WORD_CACHE_MAX_BYTES: usize = 64;

/// This thread's buffers, kept between calls.
#[derive(Default)]
struct Scratch {
    /// The normalised text of the call in progress.
    normalized: String,
    cache: WordCache,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Source of [`WordPiece::cache_owner`]s.
static NEXT_CACHE_OWNER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl WordPiece {
    /// A tokenizer over `vocab` (token `i` has id `i`) with `settings`.
    ///
    /// # Errors
    /// [`FeaturesError::InvalidWordPiece`] if the vocabulary lacks the unknown token or an
    /// added token, repeats a token, or holds more than `u32::MAX` tokens.
    pub fn new(vocab: Vec<String>, settings: WordPieceSettings) -> Result<Self> {
        let invalid = |reason: String| FeaturesError::InvalidWordPiece(reason);
        if u32::try_from(vocab.len()).is_err() {
            return Err(invalid(format!("{} tokens is too many", vocab.len())));
        }
        let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
        for (id, token) in vocab.iter().enumerate() {
            if ids.insert(token, id as u32).is_some() {
                return Err(invalid(format!("token {token:?} appears twice")));
            }
        }
        let id_of = |token: &str| {
            ids.get(token)
                .copied()
                .ok_or_else(|| invalid(format!("token {token:?} is not in the vocabulary")))
        };
        let unk_id = id_of(&settings.unk_token)?;
        let mut added = settings
            .added_tokens
            .iter()
            .filter(|t| !t.is_empty())
            .map(|t| Ok((t.clone(), id_of(t)?)))
            .collect::<Result<Vec<_>>>()?;
        added.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        let prefix = settings.continuing_subword_prefix.as_str();
        let mut starts = TokenMap::default();
        let mut continuations = TokenMap::default();
        let mut max_piece_bytes = 0;
        for (id, token) in vocab.iter().enumerate() {
            starts.insert(token, id as u32);
            max_piece_bytes = max_piece_bytes.max(token.len());
            if let Some(rest) = token.strip_prefix(prefix).filter(|_| !prefix.is_empty()) {
                continuations.insert(rest, id as u32);
            }
        }
        let mut added_first_bytes: Vec<u8> = added.iter().map(|(t, _)| t.as_bytes()[0]).collect();
        added_first_bytes.sort_unstable();
        added_first_bytes.dedup();
        let ascii: [Ascii; 128] = std::array::from_fn(|code| ascii_class(code as u8, &settings));
        let ascii_normalized = std::array::from_fn(|code| match ascii[code] {
            Ascii::Word(b) => b,
            Ascii::Punctuation => code as u8,
            Ascii::Space => b' ',
            Ascii::Dropped => DROPPED,
        });
        Ok(Self {
            vocab,
            settings,
            starts,
            continuations,
            added,
            added_first_bytes,
            unk_id,
            max_piece_bytes,
            ascii,
            ascii_normalized,
            cache_owner: NEXT_CACHE_OWNER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The tokenizer a `tokenizer.json` of the `tokenizers` library describes.
    ///
    /// # Errors
    /// [`FeaturesError::InvalidWordPiece`] if it is not JSON, or not a `WordPiece` model with
    /// a `BertNormalizer` and a `BertPreTokenizer` (or none), or its vocabulary is invalid.
    pub fn from_tokenizer_json(bytes: &[u8]) -> Result<Self> {
        let invalid = |reason: String| FeaturesError::InvalidWordPiece(reason);
        let json: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| invalid(format!("not JSON: {e}")))?;
        let model = &json["model"];
        if model["type"] != "WordPiece" {
            return Err(invalid(format!(
                "model type {} is not WordPiece",
                model["type"]
            )));
        }
        let mut settings = WordPieceSettings::default();
        if let Some(unk) = model["unk_token"].as_str() {
            settings.unk_token = unk.to_string();
        }
        if let Some(prefix) = model["continuing_subword_prefix"].as_str() {
            settings.continuing_subword_prefix = prefix.to_string();
        }
        if let Some(max) = model["max_input_chars_per_word"].as_u64() {
            settings.max_input_chars_per_word = usize::try_from(max).unwrap_or(usize::MAX);
        }
        let normalizer = &json["normalizer"];
        match normalizer["type"].as_str() {
            Some("BertNormalizer") => {
                let flag =
                    |name: &str, default: bool| normalizer[name].as_bool().unwrap_or(default);
                settings.clean_text = flag("clean_text", true);
                settings.handle_chinese_chars = flag("handle_chinese_chars", true);
                settings.lowercase = flag("lowercase", true);
                settings.strip_accents = flag("strip_accents", settings.lowercase);
            }
            other => {
                return Err(invalid(format!(
                    "normalizer {other:?} is not BertNormalizer"
                )))
            }
        }
        match json["pre_tokenizer"]["type"].as_str() {
            Some("BertPreTokenizer") => {}
            other => {
                return Err(invalid(format!(
                    "pre-tokenizer {other:?} is not BertPreTokenizer"
                )))
            }
        }
        let entries = model["vocab"]
            .as_object()
            .ok_or_else(|| invalid("model.vocab is not an object".to_string()))?;
        let mut vocab = vec![None; entries.len()];
        for (token, id) in entries {
            let slot = id
                .as_u64()
                .and_then(|id| usize::try_from(id).ok())
                .and_then(|id| vocab.get_mut(id))
                .ok_or_else(|| invalid(format!("token {token:?} has id {id}, out of range")))?;
            *slot = Some(token.clone());
        }
        let vocab = vocab
            .into_iter()
            .enumerate()
            .map(|(id, token)| token.ok_or_else(|| invalid(format!("no token has id {id}"))))
            .collect::<Result<Vec<_>>>()?;
        if let Some(added) = json["added_tokens"].as_array() {
            settings.added_tokens = added
                .iter()
                .filter_map(|t| t["content"].as_str())
                .filter(|t| entries.contains_key(*t))
                .map(str::to_string)
                .collect();
        }
        Self::new(vocab, settings)
    }

    /// The vocabulary: token `i` has id `i`.
    pub fn vocab(&self) -> &[String] {
        &self.vocab
    }

    /// The settings it was built with.
    pub fn settings(&self) -> &WordPieceSettings {
        &self.settings
    }

    /// Id of the unknown token.
    pub fn unk_id(&self) -> u32 {
        self.unk_id
    }

    /// Appends the ids of `text`'s tokens to `out` (no `[CLS]` or `[SEP]`, no truncation).
    pub fn tokenize_ids(&self, text: &str, out: &mut Vec<u32>) {
        SCRATCH.with(|scratch| {
            // A re-entrant call (not expected) gets its own buffers.
            let mut owned = Scratch::default();
            let mut guard = scratch.try_borrow_mut();
            let scratch = match guard.as_deref_mut() {
                Ok(scratch) => scratch,
                Err(_) => &mut owned,
            };
            if scratch.cache.owner != self.cache_owner {
                scratch.cache.words.clear();
                scratch.cache.owner = self.cache_owner;
            }
            let mut rest = text;
            while !rest.is_empty() {
                let (before, added, after) = self.split_added(rest);
                if before.is_ascii() {
                    self.tokenize_ascii(before, scratch, out);
                } else {
                    self.tokenize_plain(before, scratch, out);
                }
                match added {
                    Some(id) => out.push(id),
                    None => break,
                }
                rest = after;
            }
        });
    }

    /// The text before the first added token, that token's id, and the text after it.
    fn split_added<'t>(&self, text: &'t str) -> (&'t str, Option<u32>, &'t str) {
        if self.added.is_empty() {
            return (text, None, "");
        }
        // Only positions holding the first byte of some added token can start one; a UTF-8
        // leading byte never occurs inside a character, so each such position is a boundary.
        let mut from = 0;
        while let Some(start) = self.next_added_first_byte(text, from) {
            let tail = &text[start..];
            for (token, id) in &self.added {
                if tail.starts_with(token.as_str()) {
                    return (&text[..start], Some(*id), &tail[token.len()..]);
                }
            }
            from = start + 1;
        }
        (text, None, "")
    }

    /// The first position from `from` on that holds the first byte of an added token.
    #[inline]
    fn next_added_first_byte(&self, text: &str, from: usize) -> Option<usize> {
        let bytes = text.as_bytes().get(from..)?;
        match self.added_first_bytes.as_slice() {
            // One ASCII byte (`[` for BERT's): a character search, which scans fast.
            &[byte] if byte.is_ascii() => text[from..].find(char::from(byte)),
            firsts => bytes.iter().position(|b| firsts.contains(b)),
        }
        .map(|i| from + i)
    }

    /// [`Self::tokenize_plain`] for ASCII `text` (no CJK, no accents, one byte to at most one
    /// byte), by the table of [`Ascii`] classes.
    fn tokenize_ascii(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<u32>) {
        let mut bytes = std::mem::take(&mut scratch.normalized).into_bytes();
        bytes.clear();
        // Byte for byte (a loop without branches), then out with the dropped ones if any.
        let mut dropped = false;
        bytes.extend(text.bytes().map(|b| {
            let normalized = self.ascii_normalized[usize::from(b & 0x7f)];
            dropped |= normalized == DROPPED;
            normalized
        }));
        // Without `clean_text` nothing is dropped, and NUL stays.
        if dropped && self.settings.clean_text {
            bytes.retain(|&b| b != DROPPED);
        }
        // ASCII in, ASCII out: this never fails, and checking ASCII is cheap.
        let buf = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let mut start = None;
        for (i, &b) in buf.as_bytes().iter().enumerate() {
            match self.ascii[usize::from(b & 0x7f)] {
                Ascii::Word(_) => {
                    start.get_or_insert(i);
                }
                Ascii::Space | Ascii::Dropped => {
                    if let Some(s) = start.take() {
                        self.word_ids(&buf[s..i], &mut scratch.cache, out);
                    }
                }
                Ascii::Punctuation => {
                    if let Some(s) = start.take() {
                        self.word_ids(&buf[s..i], &mut scratch.cache, out);
                    }
                    self.word_ids(&buf[i..i + 1], &mut scratch.cache, out);
                }
            }
        }
        if let Some(s) = start {
            self.word_ids(&buf[s..], &mut scratch.cache, out);
        }
        scratch.normalized = buf;
    }

    fn tokenize_plain(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<u32>) {
        let buf = &mut scratch.normalized;
        buf.clear();
        self.normalize(text, buf);
        let cache = &mut scratch.cache;
        let mut start = None;
        for (i, c) in buf.char_indices() {
            if c.is_whitespace() {
                if let Some(s) = start.take() {
                    self.word_ids(&buf[s..i], cache, out);
                }
            } else if is_punctuation(c) {
                if let Some(s) = start.take() {
                    self.word_ids(&buf[s..i], cache, out);
                }
                self.word_ids(&buf[i..i + c.len_utf8()], cache, out);
            } else if start.is_none() {
                start = Some(i);
            }
        }
        if let Some(s) = start {
            self.word_ids(&buf[s..], cache, out);
        }
    }

    /// Appends `text` normalised as `BertNormalizer` does to `out`.
    fn normalize(&self, text: &str, out: &mut String) {
        let s = &self.settings;
        let cleaned = text.chars().filter_map(|c| {
            if !s.clean_text {
                return Some(c);
            }
            if c == '\0' || c == '\u{fffd}' || is_control(c) {
                None
            } else if is_whitespace(c) {
                Some(' ')
            } else {
                Some(c)
            }
        });
        let spaced = cleaned.flat_map(|c| {
            let pad = s.handle_chinese_chars && is_chinese_char(c);
            let (before, after) = if pad {
                (Some(' '), Some(' '))
            } else {
                (None, None)
            };
            before.into_iter().chain(Some(c)).chain(after)
        });
        let lower = |c: char| -> Lower {
            if s.lowercase {
                Lower::Many(c.to_lowercase())
            } else {
                Lower::One(Some(c))
            }
        };
        if s.strip_accents {
            out.extend(
                spaced
                    .nfd()
                    .filter(|c| !c.is_mark_nonspacing())
                    .flat_map(lower),
            );
        } else {
            out.extend(spaced.flat_map(lower));
        }
    }

    /// Appends the ids of one pre-tokenized word: one lookup for a word that is a token, else
    /// the ids `cache` keeps for it, else [`Self::split_word`] (whose ids `cache` then keeps).
    fn word_ids(&self, word: &str, cache: &mut WordCache, out: &mut Vec<u32>) {
        // No more bytes than `max_input_chars_per_word` is no more characters either.
        if word.len() <= self.max_piece_bytes
            && word.len() <= self.settings.max_input_chars_per_word
        {
            if let Some(id) = self.starts.get(word) {
                out.push(id);
                return;
            }
        }
        if let Some(ids) = cache.words.get(word) {
            out.extend_from_slice(ids);
            return;
        }
        let mark = out.len();
        self.split_word(word, out);
        if word.len() > WORD_CACHE_MAX_BYTES {
            return;
        }
        if cache.words.len() >= WORD_CACHE_LIMIT {
            cache.words.clear();
        }
        cache.words.insert(word.into(), out[mark..].into());
    }

    /// Appends the ids of one pre-tokenized word: the longest token that starts it, then the
    /// longest continuation, and so on; `[UNK]` alone if some part matches nothing.
    fn split_word(&self, word: &str, out: &mut Vec<u32>) {
        // A word has at most as many characters as bytes: count them only when it may be long.
        if word.len() > self.settings.max_input_chars_per_word
            && word.chars().count() > self.settings.max_input_chars_per_word
        {
            out.push(self.unk_id);
            return;
        }
        let mark = out.len();
        let mut start = 0;
        while start < word.len() {
            let table = if start == 0 {
                &self.starts
            } else {
                &self.continuations
            };
            let mut end = word.len().min(start + self.max_piece_bytes);
            while !word.is_char_boundary(end) {
                end -= 1;
            }
            let mut found = None;
            while end > start {
                if let Some(id) = table.get(&word[start..end]) {
                    found = Some(id);
                    break;
                }
                end -= word[start..end]
                    .chars()
                    .next_back()
                    .map_or(1, char::len_utf8);
            }
            match found {
                Some(id) => out.push(id),
                None => {
                    out.truncate(mark);
                    out.push(self.unk_id);
                    return;
                }
            }
            start = end;
        }
    }
}

/// `char::to_lowercase` or the character as it is, as one iterator type.
enum Lower {
    Many(std::char::ToLowercase),
    One(Option<char>),
}

impl Iterator for Lower {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        match self {
            Lower::Many(it) => it.next(),
            Lower::One(c) => c.take(),
        }
    }
}

/// What ASCII `code` is to a [`WordPiece`] with `settings`: dropped (NUL and controls, with
/// `clean_text`; as in `tokenizers`, this comes first, so vertical tab and form feed are dropped,
/// not spaces), whitespace (in normalisation and in splitting alike), punctuation, or part of a
/// word.
fn ascii_class(code: u8, settings: &WordPieceSettings) -> Ascii {
    let c = char::from(code);
    if settings.clean_text && (c == '\0' || is_control(c)) {
        Ascii::Dropped
    } else if c.is_whitespace() || (settings.clean_text && is_whitespace(c)) {
        Ascii::Space
    } else if is_punctuation(c) {
        Ascii::Punctuation
    } else if settings.lowercase {
        Ascii::Word(code.to_ascii_lowercase())
    } else {
        Ascii::Word(code)
    }
}

/// Whitespace for `BertNormalizer`: tab, newline, carriage return and Unicode `White_Space`.
fn is_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

/// Control for `BertNormalizer`: categories Cc, Cf and Co, except tab, newline and return.
fn is_control(c: char) -> bool {
    if c.is_ascii() {
        // ASCII's C* characters are exactly its controls (Cc); the table lookup is the slow path.
        return c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r');
    }
    c.is_other()
}

/// ASCII punctuation (which includes `$`, `+`, `<`, `^`, `` ` ``, `|`, `~`) and Unicode P*.
fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        // Every ASCII P* character is ASCII punctuation; skip the table for ASCII.
        return c.is_ascii_punctuation();
    }
    c.is_punctuation()
}

/// The CJK ideograph blocks BERT puts spaces around.
fn is_chinese_char(c: char) -> bool {
    matches!(
        c as u32,
        0x4E00..=0x9FFF
            | 0x3400..=0x4DBF
            | 0x20000..=0x2A6DF
            | 0x2A700..=0x2B73F
            | 0x2B740..=0x2B81F
            | 0x2B920..=0x2CEAF
            | 0xF900..=0xFAFF
            | 0x2F800..=0x2FA1F
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOCAB: &[&str] = &[
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "jwt", "is", "not", "valid", "##ated", "x",
        "##ss", "cafe", "!", ".", "(", ")", "漢", "字", "un", "##known", "i", "\u{307}",
    ];

    fn tiny() -> WordPiece {
        let settings = WordPieceSettings {
            added_tokens: vec!["[CLS]".into(), "[SEP]".into()],
            ..WordPieceSettings::default()
        };
        WordPiece::new(VOCAB.iter().map(|t| t.to_string()).collect(), settings).unwrap()
    }

    fn tokens(wp: &WordPiece, text: &str) -> Vec<&'static str> {
        let mut ids = Vec::new();
        wp.tokenize_ids(text, &mut ids);
        ids.iter().map(|&id| VOCAB[id as usize]).collect()
    }

    #[test]
    fn splits_words_pieces_and_punctuation() {
        let wp = tiny();
        assert_eq!(
            tokens(&wp, "The JWT is not validated!"),
            ["the", "jwt", "is", "not", "valid", "##ated", "!"]
        );
        assert_eq!(
            tokens(&wp, "(XSS)..."),
            ["(", "x", "##ss", ")", ".", ".", "."]
        );
        assert_eq!(tokens(&wp, "unknown"), ["un", "##known"]);
        assert_eq!(tokens(&wp, ""), Vec::<&str>::new());
        assert_eq!(tokens(&wp, " \t\n "), Vec::<&str>::new());
    }

    #[test]
    fn unknown_words_are_one_unk() {
        let wp = tiny();
        // "validx": "valid" then no "##x": the whole word is [UNK].
        assert_eq!(tokens(&wp, "validx the"), ["[UNK]", "the"]);
        let long = "x".repeat(101);
        assert_eq!(tokens(&wp, &long), ["[UNK]"]);
        assert_eq!(tokens(&wp, "😀"), ["[UNK]"]);
    }

    #[test]
    fn normalizes_like_bert() {
        let wp = tiny();
        assert_eq!(tokens(&wp, "CAFÉ café"), ["cafe", "cafe"]);
        assert_eq!(tokens(&wp, "漢字"), ["漢", "字"]);
        assert_eq!(tokens(&wp, "the \u{0}\u{7}jwt\u{200b}"), ["the", "jwt"]);
        assert_eq!(tokens(&wp, "the\u{a0}jwt"), ["the", "jwt"]);
        // İ decomposes to I + combining dot above, and the dot goes with the accents.
        assert_eq!(tokens(&wp, "İ"), ["i"]);
    }

    #[test]
    fn added_tokens_are_matched_before_normalizing() {
        let wp = tiny();
        assert_eq!(
            tokens(&wp, "the[CLS]jwt [SEP]"),
            ["the", "[CLS]", "jwt", "[SEP]"]
        );
        assert_eq!(tokens(&wp, "[cls]"), ["[UNK]", "[UNK]", "[UNK]"]);
    }

    #[test]
    fn reads_a_tokenizer_json() {
        let vocab: serde_json::Map<String, serde_json::Value> = VOCAB
            .iter()
            .enumerate()
            .map(|(id, t)| (t.to_string(), serde_json::json!(id)))
            .collect();
        let json = serde_json::json!({
            "added_tokens": [{"content": "[CLS]"}, {"content": "[SEP]"}],
            "normalizer": {"type": "BertNormalizer", "clean_text": true,
                "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
            "pre_tokenizer": {"type": "BertPreTokenizer"},
            "model": {"type": "WordPiece", "unk_token": "[UNK]",
                "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                "vocab": vocab}
        });
        let wp = WordPiece::from_tokenizer_json(json.to_string().as_bytes()).unwrap();
        assert_eq!(wp.vocab().len(), VOCAB.len());
        assert_eq!(wp.settings(), tiny().settings());
        assert_eq!(
            tokens(&wp, "[CLS] Café XSS"),
            ["[CLS]", "cafe", "x", "##ss"]
        );

        let mut other = json.clone();
        other["model"]["type"] = "BPE".into();
        let err = WordPiece::from_tokenizer_json(other.to_string().as_bytes()).unwrap_err();
        assert!(err.to_string().contains("BPE"), "{err}");
        assert!(WordPiece::from_tokenizer_json(b"{ nope").is_err());
    }

    #[test]
    fn packed_keys_tell_every_short_string_apart() {
        let mut seen = std::collections::HashMap::new();
        let alphabet = [b'a', b'b', 0, 0xff];
        // Every string of up to 4 bytes over the alphabet, and longer ones of each length.
        let mut strings: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..4 {
            let longer: Vec<Vec<u8>> = strings
                .iter()
                .filter(|s| s.len() == strings.last().map_or(0, Vec::len))
                .flat_map(|s| {
                    alphabet.iter().map(move |&b| {
                        let mut s = s.clone();
                        s.push(b);
                        s
                    })
                })
                .collect();
            strings.extend(longer);
        }
        for len in 5..=PACKED_BYTES {
            for flip in 0..len {
                let mut s: Vec<u8> = (0..len as u8).map(|i| b'a' + i).collect();
                strings.push(s.clone());
                s[flip] = b'z';
                strings.push(s.clone());
                s[flip] = 0;
                strings.push(s);
            }
        }
        for s in &strings {
            let key = pack(s).unwrap();
            if let Some(other) = seen.insert(key, s.clone()) {
                assert_eq!(&other, s, "{other:?} and {s:?} share a key");
            }
        }
        assert!(pack(&[b'a'; PACKED_BYTES + 1]).is_none());
    }

    #[test]
    fn ascii_text_splits_as_any_text_does() {
        let wp = tiny();
        // The same words with a non-ASCII word after them go the general way.
        for text in [
            "The JWT is not validated! (XSS)...",
            "the\u{1}jwt \u{b}is\u{c}not\u{7f}valid\0ated",
            "  \t\r\n unknown [cls] x~ss$ ",
            "thejwtisnotvalidatedandthisisalongwordthatisnotatoken isnot",
        ] {
            let mut ascii = tokens(&wp, text);
            ascii.push("cafe");
            assert_eq!(tokens(&wp, &format!("{text} café")), ascii, "{text:?}");
        }
        // A second pass (words now in this thread's cache) gives the same ids.
        assert_eq!(
            tokens(&wp, "validated validx"),
            ["valid", "##ated", "[UNK]"]
        );
        assert_eq!(
            tokens(&wp, "validated validx"),
            ["valid", "##ated", "[UNK]"]
        );
    }

    #[test]
    fn settings_apply_to_ascii_text() {
        let vocab = ["[UNK]", "a\u{0}b", "A", "a", "b", "\u{1}"];
        let settings = WordPieceSettings {
            clean_text: false,
            lowercase: false,
            ..WordPieceSettings::default()
        };
        let wp = WordPiece::new(vocab.map(String::from).to_vec(), settings).unwrap();
        let mut ids = Vec::new();
        wp.tokenize_ids("a\u{0}b A \u{1}", &mut ids);
        assert_eq!(ids, [1, 2, 5]);
    }

    #[test]
    fn tokenizers_on_one_thread_keep_their_words_apart() {
        let new = |vocab: [&str; 3]| {
            WordPiece::new(
                vocab.map(String::from).to_vec(),
                WordPieceSettings::default(),
            )
            .unwrap()
        };
        let (one, two) = (new(["[UNK]", "a", "##b"]), new(["[UNK]", "##b", "a"]));
        for _ in 0..2 {
            for (wp, expected) in [(&one, [1, 2, 1, 2]), (&two, [2, 1, 2, 1])] {
                let mut ids = Vec::new();
                wp.tokenize_ids("a\u{0}b AB", &mut ids);
                assert_eq!(ids, expected);
            }
        }
    }

    #[test]
    fn rejects_an_inconsistent_vocabulary() {
        let vocab = |v: &[&str]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        let settings = WordPieceSettings::default();
        assert!(WordPiece::new(vocab(&["a", "b"]), settings.clone()).is_err());
        assert!(WordPiece::new(vocab(&["[UNK]", "a", "a"]), settings.clone()).is_err());
        assert!(WordPiece::new(vocab(&["[UNK]", "a"]), settings).is_ok());
    }
}
