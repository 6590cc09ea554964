//! Property tests of the cleaner and segmenter.

use proptest::prelude::*;
use secdisc_ingest::{segment, Cleaner, Markup};

const MARKUPS: [Markup; 4] = [
    Markup::Plain,
    Markup::Markdown,
    Markup::JiraWiki,
    Markup::Html,
];

/// Lines of plain words: lower-case letters and digits with `.,;:?'"` punctuation, no leading
/// spaces, each starting with a letter other than `b` and `h`, blank lines between some of
/// them. Nothing in it triggers a documented removal rule (no `/`, `-`, `>`, `<`, `&`, `` ` ``,
/// `[`, `*`, `#`, `|`, `{`, `!`, `w`, upper case, and no line can start with the Jira markers
/// `h1.`–`h6.` or `bq.`, which a `b` or `h` followed by a word could form), so every
/// letter and digit must survive, except in blocks without a letter (the no-prose rule).
fn prose() -> impl Strategy<Value = String> {
    let word = "[a-vx-z0-9]{1,8}[.,;:?'\"]?";
    // A line starts with a letter, so it is never a numbered list item (`1. `), and not with
    // `b` or `h`, so never a Jira quote or heading marker.
    let line = ("[ac-gi-vx-z]", prop::collection::vec(word, 1..8))
        .prop_map(|(first, w)| format!("{first}{}", w.join(" ")));
    let block = prop::collection::vec(line, 1..4).prop_map(|l| l.join("\n"));
    prop::collection::vec(block, 1..5).prop_map(|b| b.join("\n\n"))
}

fn alnum(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The letters and digits the rules allow to survive: those of blank-line blocks with a letter
/// (HTML ignores blank lines, so there the whole text is one block).
fn expected(text: &str, markup: Markup) -> String {
    let blocks: Vec<&str> = if markup == Markup::Html {
        vec![text]
    } else {
        text.split("\n\n").collect()
    };
    blocks
        .into_iter()
        .filter(|b| b.chars().any(char::is_alphabetic))
        .map(alnum)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let cleaner = Cleaner::default();
        for m in MARKUPS {
            let out = cleaner.paragraphs(&text, m);
            for p in &out.paragraphs {
                prop_assert!(!p.trim().is_empty());
            }
        }
        let _ = segment(&text);
    }

    #[test]
    fn markup_heavy_text_never_panics(text in "[<>&;#*_`~\\[\\](){}|!/\\\\:. a-z0-9\n-]{0,400}") {
        let cleaner = Cleaner::default();
        for m in MARKUPS {
            let _ = cleaner.paragraphs(&text, m);
        }
    }

    #[test]
    fn segmenting_is_idempotent(text in any::<String>()) {
        let once = segment(&text).paragraphs;
        let twice = segment(&once.join("\n\n")).paragraphs;
        prop_assert_eq!(&once, &twice);
        // Also after cleaning: cleaned paragraphs re-cleaned as plain text come back unchanged.
        for m in MARKUPS {
            let cleaner = Cleaner::default();
            let cleaned = cleaner.paragraphs(&text, m).paragraphs;
            let again = cleaner.paragraphs(&cleaned.join("\n\n"), Markup::Plain).paragraphs;
            prop_assert_eq!(&cleaned, &again, "markup {:?}", m);
        }
    }

    #[test]
    fn no_prose_character_is_lost(text in prose()) {
        let cleaner = Cleaner::default();
        for m in MARKUPS {
            let out = cleaner.paragraphs(&text, m).paragraphs.join("\n\n");
            prop_assert_eq!(alnum(&out), expected(&text, m), "markup {:?}", m);
        }
    }
}
