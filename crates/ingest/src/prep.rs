//! How a model reads a text: the cleaning and the unit it was trained with, carried in the model
//! file so that every way of labelling (`label` on record files or on exports, `serve`,
//! `explain`) and training itself prepare a text the same way.
//!
//! A text given whole (a record's `text`, a request's `text` and `title`) is cleaned as
//! [`TextPrep::markup`] says, exactly as `ingest` cleans a post of that markup, and becomes one
//! text per [`TextPrep::unit`]: for [`Unit::Paragraph`] each paragraph, otherwise the paragraphs
//! joined by blank lines (as `ingest --unit comment` writes a post). An export is read by
//! `ingest` with the same cleaning and unit, so its units are already prepared.
//!
//! ```
//! use secdisc_ingest::{TextPrep, Unit};
//! let prep = TextPrep::default().build()?;
//! let body = "The JWT is never verified.\n\n```\nlet t = decode(token);\n```\n\nSee https://example.com/1";
//! assert_eq!(
//!     prep.texts(Some("Token check"), body),
//!     vec!["Token check\n\nThe JWT is never verified. [CODE]\n\nSee [URL]"]
//! );
//! let by_paragraph = TextPrep { unit: Unit::Paragraph, ..TextPrep::default() }.build()?;
//! assert_eq!(by_paragraph.texts(None, body).len(), 2);
//! # Ok::<(), secdisc_ingest::IngestError>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::clean::{CleanParams, Cleaner, CodeMode, Markup};
use crate::error::Result;
use crate::pipeline::Unit;

/// The text preparation a model was trained with. [`TextPrep::default`] is how `ingest` reads
/// GitHub Markdown by default, with whole posts as units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextPrep {
    /// The markup of a text given whole; `None` reads texts as given (no cleaning, no
    /// splitting: how models made before text preparation was recorded read them).
    pub markup: Option<Markup>,
    /// What happens to code blocks, stack traces and log dumps.
    pub code: CodeMode,
    /// The token that stands for a code block.
    pub code_token: String,
    /// The token that stands for a URL.
    pub url_token: String,
    /// What one scored text holds: a paragraph, or a whole post (`comment`; `thread` reads a
    /// text given whole as one post too).
    pub unit: Unit,
}

impl Default for TextPrep {
    fn default() -> Self {
        let clean = CleanParams::default();
        TextPrep {
            markup: Some(Markup::Markdown),
            code: clean.code_mode(),
            code_token: clean.code_token_str().to_string(),
            url_token: clean.url_token_str().to_string(),
            unit: Unit::Comment,
        }
    }
}

impl TextPrep {
    /// Texts read as given: no cleaning, whole texts.
    pub fn as_given() -> TextPrep {
        TextPrep {
            markup: None,
            ..TextPrep::default()
        }
    }

    /// The cleaning options, for `ingest` to read exports the same way.
    pub fn clean_params(&self) -> CleanParams {
        CleanParams::default()
            .code(self.code)
            .code_token(self.code_token.clone())
            .url_token(self.url_token.clone())
    }

    /// Check the options (the tokens) and build the preparer.
    ///
    /// # Errors
    /// [`crate::IngestError::PlaceholderHasLineBreak`] when a token holds a line break.
    pub fn build(&self) -> Result<TextPreparer> {
        Ok(TextPreparer {
            cleaner: self.clean_params().build()?,
            markup: self.markup,
            unit: self.unit,
        })
    }

    /// For messages: `cleaned as markdown, one text per comment`, or `texts as given`.
    pub fn describe(&self) -> String {
        match self.markup {
            Some(m) => format!(
                "cleaned as {}, one text per {}",
                m.as_str(),
                self.unit.as_str()
            ),
            None => "texts as given".to_string(),
        }
    }
}

/// A checked [`TextPrep`], ready to prepare texts.
#[derive(Debug, Clone)]
pub struct TextPreparer {
    cleaner: Cleaner,
    markup: Option<Markup>,
    unit: Unit,
}

impl TextPreparer {
    /// The texts a model scores for a post with an optional `title` and its `body`: cleaned and
    /// split as a post of this markup is by `ingest` (the title is a first paragraph, cleaned as
    /// plain text), then one text per paragraph or one for the whole post. A post whose
    /// cleaning leaves nothing (only code, only a link) is read as given, so that every text
    /// has a score.
    pub fn texts(&self, title: Option<&str>, body: &str) -> Vec<String> {
        let title = title.map(str::trim).filter(|t| !t.is_empty());
        let given = || match title {
            Some(t) => vec![format!("{t}\n\n{body}")],
            None => vec![body.to_string()],
        };
        let Some(markup) = self.markup else {
            return given();
        };
        let mut paragraphs = Vec::new();
        if let Some(t) = title {
            paragraphs.extend(self.cleaner.paragraphs(t, Markup::Plain).paragraphs);
        }
        paragraphs.extend(self.cleaner.paragraphs(body, markup).paragraphs);
        if paragraphs.is_empty() {
            return given();
        }
        match self.unit {
            Unit::Paragraph => paragraphs,
            Unit::Comment | Unit::Thread => vec![paragraphs.join("\n\n")],
        }
    }

    /// [`TextPreparer::texts`] joined into one text: what training reads for a record, whose
    /// label is the record's whatever the unit.
    pub fn whole(&self, body: &str) -> String {
        self.texts(None, body).join("\n\n")
    }

    /// Whether texts are split into paragraphs (each scored on its own).
    pub fn splits(&self) -> bool {
        self.markup.is_some() && self.unit == Unit::Paragraph
    }

    /// Whether texts are read as given.
    pub fn is_as_given(&self) -> bool {
        self.markup.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_given_keeps_the_text_and_nothing_left_falls_back_to_it() {
        let prep = TextPrep::as_given().build().unwrap();
        assert_eq!(prep.texts(None, "  a  `b` "), vec!["  a  `b` "]);
        let prep = TextPrep::default().build().unwrap();
        // Only code: cleaning leaves no prose, so the text is read as given.
        let only_code = "```\nx = 1\n```";
        assert_eq!(prep.texts(None, only_code), vec![only_code]);
    }

    #[test]
    fn cleaning_twice_is_cleaning_once() {
        let prep = TextPrep::default().build().unwrap();
        let raw = "Use <b>bcrypt</b>, not md5: https://x.y/z\n\n> quoted\n\n- one\n- two\n\n```\ncode\n```";
        let once = prep.whole(raw);
        assert_eq!(prep.whole(&once), once);
        let by_paragraph = TextPrep {
            unit: Unit::Paragraph,
            ..TextPrep::default()
        }
        .build()
        .unwrap();
        for p in by_paragraph.texts(None, raw) {
            assert_eq!(by_paragraph.texts(None, &p), vec![p.clone()]);
        }
    }

    #[test]
    fn serialises_with_the_names_users_choose() {
        let json = serde_json::to_string(&TextPrep::default()).unwrap();
        assert_eq!(
            json,
            r#"{"markup":"markdown","code":"placeholder","code_token":"[CODE]","url_token":"[URL]","unit":"comment"}"#
        );
        let back: TextPrep = serde_json::from_str(&json).unwrap();
        assert_eq!(back, TextPrep::default());
        let bad = TextPrep {
            code_token: "a\nb".into(),
            ..TextPrep::default()
        };
        assert!(bad.build().is_err());
    }
}
