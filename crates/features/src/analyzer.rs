//! From text to normalised terms: tokenize, drop stop words, stem.

use std::borrow::Cow;
use std::ops::Range;

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};

use crate::stopwords::is_stop_word;
use crate::tokenizer::for_each_token;

/// Whether terms are reduced to their stem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stemming {
    /// Snowball English stemmer (rust-stemmers) on purely alphabetic tokens. The default.
    Snowball,
    /// Keep tokens as they are (lower case).
    None,
}

/// Which stop words are removed before n-grams are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopWords {
    /// [`crate::ENGLISH_STOP_WORDS`]. The default.
    English,
    /// Keep every token.
    None,
}

/// Turns text into normalised terms. Cheap to clone; `Send + Sync`.
///
/// ```
/// use secdisc_features::{Analyzer, Stemming, StopWords};
/// let analyzer = Analyzer::new(Stemming::Snowball, StopWords::English);
/// assert_eq!(analyzer.terms("The tokens are not validated"), ["token", "not", "valid"]);
/// ```
#[derive(Clone)]
pub struct Analyzer {
    stemmer: Option<std::sync::Arc<Stemmer>>,
    stop_words: StopWords,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("stemming", &self.stemmer.is_some())
            .field("stop_words", &self.stop_words)
            .finish()
    }
}

impl Analyzer {
    /// An analyzer with the given stemming and stop-word modes.
    pub fn new(stemming: Stemming, stop_words: StopWords) -> Analyzer {
        let stemmer = match stemming {
            Stemming::Snowball => Some(std::sync::Arc::new(Stemmer::create(Algorithm::English))),
            Stemming::None => None,
        };
        Analyzer {
            stemmer,
            stop_words,
        }
    }

    /// Calls `emit(token, byte_range)` for each token the tokenizer keeps (see
    /// [`crate::for_each_token`]), before stop-word removal and stemming.
    pub fn for_each_token(
        &self,
        text: &str,
        buf: &mut String,
        emit: impl FnMut(&str, Range<usize>),
    ) {
        for_each_token(text, buf, emit)
    }

    /// The term for one lower-case token, or `None` when it is a stop word.
    pub fn normalize<'a>(&self, token: &'a str) -> Option<Cow<'a, str>> {
        if self.stop_words == StopWords::English && is_stop_word(token) {
            return None;
        }
        match &self.stemmer {
            Some(stemmer) if token.chars().all(char::is_alphabetic) => Some(stemmer.stem(token)),
            _ => Some(Cow::Borrowed(token)),
        }
    }

    /// All terms of `text`, in order. Allocates; the vectorizer uses a cached path instead.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut buf = String::new();
        let mut out = Vec::new();
        self.for_each_token(text, &mut buf, |token, _| {
            if let Some(term) = self.normalize(token) {
                out.push(term.into_owned());
            }
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_only_alphabetic_tokens() {
        let a = Analyzer::new(Stemming::Snowball, StopWords::None);
        assert_eq!(
            a.terms("Rotating keys tls1.3 passwords"),
            ["rotat", "key", "tls1.3", "password"]
        );
    }

    #[test]
    fn switches_off_stemming_and_stop_words() {
        let a = Analyzer::new(Stemming::None, StopWords::None);
        assert_eq!(a.terms("The Rotating keys"), ["the", "rotating", "keys"]);
    }
}
