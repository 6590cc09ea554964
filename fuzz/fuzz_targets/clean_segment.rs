//! Fuzz the cleaner (every markup) and the paragraph segmenter on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secdisc_ingest::{segment, Cleaner, Markup};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let markup = [
        Markup::Plain,
        Markup::Markdown,
        Markup::JiraWiki,
        Markup::Html,
    ][usize::from(pick & 3)];
    let cleaned = Cleaner::default().paragraphs(&text, markup);
    for p in &cleaned.paragraphs {
        assert!(!p.trim().is_empty(), "empty paragraph from {markup:?}");
    }
    let _ = segment(&text);
});
