//! Property tests of the tokenizer, the analyzer and TF-IDF.

use proptest::prelude::*;
use secdisc_features::{for_each_token, Analyzer, Stemming, StopWords, TfidfParams};

fn tokens(text: &str) -> Vec<String> {
    let mut buf = String::new();
    let mut out = Vec::new();
    for_each_token(text, &mut buf, |t, _| out.push(t.to_string()));
    out
}

/// Text mixing security identifiers, separators that join (`.`, `-` before a digit), `_`,
/// hex strings, upper case and characters whose lower case is longer or not a letter
/// (`İ` lower-cases to `i` plus a combining dot, `Ⱥ` from two bytes to three).
fn tricky_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[A-Za-z0-9_.\\- ]{1,12}",
        Just("TLS1.3".to_string()),
        Just("CVE-2021-44228".to_string()),
        Just("0x7fff".to_string()),
        Just("deadbeef1".to_string()),
        Just("İSTANBUL".to_string()),
        Just("ȺȺȺȺȺȺȺȺȺȺȺȺȺȺȺȺ".to_string()),
        Just("ΣΟΦΟΣ".to_string()),
        Just("ǅemal".to_string()),
        Just("ﬁx ﬀ".to_string()),
        Just("Straße ẞ".to_string()),
        Just("__init__".to_string()),
        Just("a١٢٣".to_string()),
        "\\PC{1,6}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), tricky_text()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Ranges are ascending, disjoint, on char boundaries, and every token obeys the drop rules
    /// of the module documentation (2+ characters, at most 40 bytes, a letter, lower case).
    #[test]
    fn tokens_are_lowercase_spans_of_the_text(text in any_text()) {
        let mut buf = String::new();
        let mut last_end = 0;
        for_each_token(&text, &mut buf, |t, range| {
            assert!(range.start >= last_end && range.start < range.end && range.end <= text.len());
            assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
            last_end = range.end;
            assert_eq!(t, t.to_lowercase(), "token {t:?} is not lower case");
            assert!(t.len() <= 40, "token {t:?} is over 40 bytes");
            assert!(t.chars().nth(1).is_some(), "token {t:?} is under two characters");
            assert!(t.chars().any(char::is_alphabetic), "token {t:?} has no letter");
        });
    }

    /// Tokenising the tokens joined by spaces gives the same tokens: a token is a fixed point.
    #[test]
    fn tokenizing_is_idempotent(text in any_text()) {
        let once = tokens(&text);
        let twice = tokens(&once.join(" "));
        prop_assert_eq!(once, twice);
    }

    /// Analysed terms of the joined terms without stemming are the same terms (stemming is not
    /// idempotent in Snowball, so it is left out); stop words never come out.
    #[test]
    fn analyzer_without_stemming_is_idempotent(text in any_text()) {
        let a = Analyzer::new(Stemming::None, StopWords::English);
        let once = a.terms(&text);
        for t in &once {
            prop_assert!(!secdisc_features::is_stop_word(t));
        }
        prop_assert_eq!(a.terms(&once.join(" ")), once);
    }
}

const WORDS: [&str; 16] = [
    "jwt",
    "token",
    "signing",
    "key",
    "rotate",
    "xss",
    "csrf",
    "readme",
    "typo",
    "layout",
    "kafka",
    "the",
    "tls1.3",
    "sha-256",
    "İstanbul",
    "vault",
];

fn docs() -> impl Strategy<Value = Vec<String>> {
    let word = prop_oneof![
        4 => prop::sample::select(&WORDS[..]).prop_map(str::to_string),
        1 => "\\PC{0,8}",
    ];
    let doc = prop::collection::vec(word, 0..12).prop_map(|w| w.join(" "));
    prop::collection::vec(doc, 1..24)
}

fn params() -> impl Strategy<Value = TfidfParams> {
    (
        1usize..=2,
        0usize..=2,
        prop::option::of((1usize..=3, 0usize..=2)),
        1usize..=2,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(1usize..20),
    )
        .prop_map(
            |(min, extra, chars, min_df, sublinear, stem, stop, max_features)| {
                TfidfParams::default()
                    .ngram_range(min, min + extra)
                    .char_ngrams(chars.map(|(a, b)| (a, a + b)))
                    .min_df(min_df)
                    .sublinear_tf(sublinear)
                    .stemming(if stem {
                        Stemming::Snowball
                    } else {
                        Stemming::None
                    })
                    .stop_words(if stop {
                        StopWords::English
                    } else {
                        StopWords::None
                    })
                    .max_features(max_features)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Every row of the batch transform has unit L2 norm or is empty, with ascending indices
    /// below the number of features; `transform_one`, a reused featurizer and the tokenized
    /// path all give exactly the batch row.
    #[test]
    fn tfidf_rows_are_unit_or_empty_and_paths_agree(docs in docs(), params in params()) {
        let valid = params.check().unwrap();
        let v = match valid.fit(&docs) {
            Ok(v) => v,
            // An empty vocabulary is an error by design; nothing else to check then.
            Err(_) => return Ok(()),
        };
        let batch = v.transform(&docs);
        prop_assert_eq!(batch.n_rows(), docs.len());
        batch.check().unwrap();
        let mut featurizer = v.featurizer();
        let corpus = valid.tokenize(&docs);
        let all: Vec<usize> = (0..docs.len()).collect();
        let tokenized = v.transform_tokenized(&corpus, &all);
        for (i, doc) in docs.iter().enumerate() {
            let row = batch.row(i);
            prop_assert!(row.indices.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(row.indices.iter().all(|&c| (c as usize) < v.n_features()));
            prop_assert!(row.values.iter().all(|x| x.is_finite() && *x > 0.0));
            if row.nnz() > 0 {
                let norm: f64 = row.values.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt();
                prop_assert!((norm - 1.0).abs() < 1e-5, "row {} has norm {}", i, norm);
            }
            let one = v.transform_one(doc);
            prop_assert_eq!(one.row(0), row);
            prop_assert_eq!(featurizer.transform(doc), row);
            prop_assert_eq!(tokenized.row(i), row);
        }
    }
}
