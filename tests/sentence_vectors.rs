//! `--features tfidf+encoder` and `--encoder` (issue 12). The tests that run the real encoder
//! skip loudly unless `SECDISC_ENCODER` names its folder (`scripts/fetch-encoder.sh`).

use crate::util::{expect_code, stdout, toy_csv, Dir};

fn encoder() -> Option<String> {
    match std::env::var("SECDISC_ENCODER") {
        Ok(dir) if !dir.is_empty() => Some(dir),
        _ => {
            eprintln!("SKIPPED: SECDISC_ENCODER is not set (run scripts/fetch-encoder.sh)");
            None
        }
    }
}

#[test]
fn the_encoder_block_without_an_encoder_is_refused_with_what_to_do() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    let train = [
        "train",
        "data.csv",
        "-o",
        "m.json",
        "--features",
        "tfidf+encoder",
    ];
    // No encoder named is a usage error (2); a folder that is not an encoder, a data error (1).
    let cases: [(&[&str], &[&str], i32); 2] = [
        (&[], &["--encoder DIR", "SECDISC_ENCODER"], 2),
        (
            &["--encoder", "no-such-folder"],
            &["no-such-folder", "fetch-encoder.sh"],
            1,
        ),
    ];
    for (extra, needles, code) in cases {
        let args: Vec<&str> = train.iter().chain(extra).copied().collect();
        let err = expect_code(&d.run_env(&args, &[("SECDISC_ENCODER", None)]), code);
        assert!(needles.iter().all(|n| err.contains(n)), "{err}");
        assert!(!d.path("m.json").exists());
    }
}

#[test]
fn train_only_needs_a_leave_one_out_split() {
    let d = Dir::new();
    d.write("a.csv", toy_csv(30));
    d.write("b.csv", toy_csv(30));
    let o = d.sh("evaluate a.csv --train-only b.csv");
    let err = expect_code(&o, 2);
    assert!(err.contains("--train-only needs --split"), "{err}");
}

#[test]
fn a_model_with_sentence_vectors_trains_labels_and_refuses_another_encoder() {
    let Some(dir) = encoder() else { return };
    let d = Dir::new();
    d.write("data.csv", toy_csv(45));
    let cache = d.path("cache");
    let cache = cache.to_str().unwrap();
    let train = [
        "train",
        "data.csv",
        "-o",
        "m.json",
        "--features",
        "tfidf+encoder",
        "--encoder",
        &dir,
        "--embedding-cache",
        cache,
        "--min-df",
        "1",
    ];
    let first = d.run(&train);
    let err = expect_code(&first, 0);
    assert!(err.contains("0 from the cache, 45 embedded"), "{err}");
    let model = std::fs::read(d.path("m.json")).unwrap();
    let second = d.run(&train);
    let err = expect_code(&second, 0);
    assert!(err.contains("45 from the cache, 0 embedded"), "{err}");
    assert_eq!(
        model,
        std::fs::read(d.path("m.json")).unwrap(),
        "same bytes from the cache"
    );
    let o = d.run_env(
        &["label", "-m", "m.json", "data.csv", "--encoder", &dir],
        &[("SECDISC_ENCODER", None)],
    );
    expect_code(&o, 0);
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 45);
    // The toy data is separable: the model labels its own training data right.
    let right = rows
        .iter()
        .enumerate()
        .filter(|(i, r)| (r["label"] == "security") == (i % 3 == 0))
        .count();
    assert!(right >= 43, "{right} of 45");
    let o = d.run_env(
        &["label", "-m", "m.json", "data.csv"],
        &[("SECDISC_ENCODER", None)],
    );
    let err = expect_code(&o, 1);
    assert!(err.contains("--encoder DIR"), "{err}");
    let o = d.run(&[
        "explain",
        "-m",
        "m.json",
        "--encoder",
        &dir,
        "rotate the leaked key",
    ]);
    assert!(stdout(&o).contains("[sentence vector]"), "{}", stdout(&o));
}

/// A tiny static table: `key`, `token` and `leak` point one way, everything else the other.
fn tiny_table(path: &std::path::Path) {
    use secdisc_features::{StaticEmbedding, WordPiece, WordPieceSettings};
    let vocab = [
        "[UNK]", "[CLS]", "[SEP]", "key", "token", "leak", "layout", "page", "test",
    ];
    let vocab: Vec<String> = vocab.iter().map(|s| s.to_string()).collect();
    let mut vectors = Vec::new();
    for word in &vocab {
        vectors.extend_from_slice(match word.as_str() {
            "key" | "token" | "leak" => &[1.0f32, 0.0],
            _ => &[0.0, 1.0],
        });
    }
    let wp = WordPiece::new(vocab, WordPieceSettings::default()).unwrap();
    let table =
        StaticEmbedding::from_f32(wp, 2, &vectors, None, "enc".into(), "tiny".into()).unwrap();
    table.save(path).unwrap();
}

#[test]
fn a_static_table_travels_in_the_model_and_needs_no_encoder() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(45));
    tiny_table(&d.path("table.json"));
    let o = d.run_env(
        &[
            "train",
            "data.csv",
            "-o",
            "m.json",
            "--features",
            "tfidf+static",
            "--static",
            "table.json",
            "--min-df",
            "1",
        ],
        &[("SECDISC_ENCODER", None)],
    );
    expect_code(&o, 0);
    std::fs::remove_file(d.path("table.json")).unwrap();
    let o = d.run_env(
        &["label", "-m", "m.json", "data.csv"],
        &[("SECDISC_ENCODER", None)],
    );
    expect_code(&o, 0);
    assert_eq!(stdout(&o).lines().count(), 45);
    let o = d.run(&["explain", "-m", "m.json", "rotate the leaked key"]);
    assert!(stdout(&o).contains("[sentence vector]"), "{}", stdout(&o));
    let o = d.sh("inspect m.json");
    assert!(
        stdout(&o).contains("static tiny, 2 dimensions"),
        "{}",
        stdout(&o)
    );
    let err = expect_code(&d.sh("train data.csv -o n.json --features tfidf+static"), 2);
    assert!(err.contains("--static TABLE"), "{err}");
}

/// Issue 12: `--tune` searches the sentence vectors' weight; `train` records the chosen weight
/// in the model's dense block, and a weight grid without vectors is refused.
#[test]
fn tune_searches_the_dense_weight_and_train_keeps_the_choice() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(60));
    tiny_table(&d.path("table.json"));
    let common =
        "--features tfidf+static --static table.json --min-df 1 --tune --tune-dense-weight 0.25,4";
    let o = d.sh(&format!("evaluate data.csv --folds 3 --json {common}"));
    expect_code(&o, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let text = report.to_string();
    assert!(
        text.contains("dense_weight=0.25") || text.contains("dense_weight=4"),
        "{text}"
    );
    let o = d.sh(&format!("train data.csv -o m.json {common}"));
    let err = expect_code(&o, 0);
    let chosen = if err.contains("dense_weight=0.25") {
        0.25
    } else {
        4.0
    };
    assert!(
        err.contains("search chose") && err.contains("dense_weight="),
        "{err}"
    );
    let o = d.sh("inspect m.json --json");
    let model: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let text = model.to_string();
    assert!(
        text.contains(&format!("\"weight\":{chosen}")),
        "chosen {chosen}: {text}"
    );
    let e = expect_code(
        &d.sh("evaluate data.csv --folds 3 --tune --tune-dense-weight 1,2"),
        1,
    );
    assert!(e.contains("needs rows with sentence vectors"), "{e}");
    assert!(e.contains("--features"), "{e}");
}
