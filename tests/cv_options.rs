//! Leave-one-source-out, nested tuning and sampling flags of `evaluate` and `compare`.

use crate::util::{expect_code, fold_names, stdout, Dir};

/// Records from three sources, each with security and other texts.
fn sourced_csv() -> String {
    let mut s = String::from("id,source,group,text,label\n");
    for (i, source) in [
        "github/acme/api/issue",
        "jira/PAY",
        "stackoverflow/question",
    ]
    .iter()
    .enumerate()
    {
        for j in 0..30 {
            let (text, label) = if j % 3 == 0 {
                (
                    "the JWT signature is not verified and the API key leaked",
                    1,
                )
            } else {
                ("the CSS layout breaks and the build is flaky", 0)
            };
            s.push_str(&format!(
                "{i}-{j},{source},t{i}-{},\"{text} {j}\",{label}\n",
                j / 2
            ));
        }
    }
    s
}

#[test]
fn leave_one_source_out_reports_a_row_per_source() {
    let d = Dir::new();
    d.write("data.csv", sourced_csv());
    let o =
        d.sh("evaluate data.csv --split leave-one-source-out --source-depth 1 --json --min-df 1");
    expect_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(fold_names(&v), ["github", "jira", "stackoverflow"]);
    assert_eq!(v["folds"], 3);
    d.write("nosource.csv", "text,label\na b,1\nc d,0\na c,1\nd b,0\n");
    let e = expect_code(
        &d.sh("evaluate nosource.csv --split leave-one-source-out"),
        1,
    );
    assert!(e.contains("needs a `source` column"), "{e}");
}

#[test]
fn nested_tuning_reports_the_chosen_parameters_per_fold() {
    let d = Dir::new();
    d.write("data.csv", sourced_csv());
    let o = d.sh("evaluate data.csv --folds 3 --tune random:2 --classifier svm --json --min-df 1");
    expect_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for f in v["per_fold"].as_array().unwrap() {
        assert!(f["chosen"].as_str().unwrap().starts_with("c="), "{f}");
    }
    let o = d.sh("compare data.csv --classifiers lr,nb --folds 3 --tune --min-df 1");
    expect_code(&o, 0);
    let e = expect_code(&d.sh("evaluate data.csv --tune random:0"), 2);
    assert!(e.contains("positive N"), "{e}");
}

#[test]
fn tuning_can_search_the_vectorizer_settings() {
    let d = Dir::new();
    d.write("data.csv", sourced_csv());
    let o = d.sh("evaluate data.csv --folds 3 --tune --tune-min-df 2,1,2 --tune-ngram-max 1,3 --classifier svm --json");
    expect_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for f in v["per_fold"].as_array().unwrap() {
        let chosen = f["chosen"].as_str().unwrap();
        let words: Vec<&str> = chosen.split(' ').collect();
        assert_eq!(words.len(), 3, "{chosen}");
        assert!(["min_df=1", "min_df=2"].contains(&words[0]), "{chosen}");
        assert!(["ngrams=1-1", "ngrams=1-3"].contains(&words[1]), "{chosen}");
        assert!(words[2].starts_with("c="), "{chosen}");
    }
    // The vectorizer search needs --tune, and its values are checked by clap.
    for bad in [
        &["--tune-min-df", "1"][..],
        &["--tune", "--tune-min-df", "0"],
        &["--tune", "--tune-ngram-max", "5"],
        &["--tune", "--tune-ngram-max", "x"],
    ] {
        let mut args = vec!["evaluate", "data.csv"];
        args.extend_from_slice(bad);
        expect_code(&d.run(&args), 2);
    }
    // Without a vectorizer search, an ensemble has nothing to tune.
    let e = expect_code(
        &d.sh("compare data.csv --classifiers lr,ensemble --folds 3 --tune"),
        1,
    );
    assert!(e.contains("no grid of its own"), "{e}");
}

#[test]
fn sampling_changes_training_rows_only() {
    let d = Dir::new();
    d.write("data.csv", sourced_csv());
    for sampling in ["none", "over", "under"] {
        let o = d.run(&[
            "evaluate",
            "data.csv",
            "--folds",
            "3",
            "--sampling",
            sampling,
            "--json",
            "--min-df",
            "1",
        ]);
        expect_code(&o, 0);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        // Test parts are never resampled: they always add up to every record once.
        let tested: u64 = v["per_fold"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["test"].as_u64().unwrap())
            .sum();
        assert_eq!(tested, 90, "{sampling}");
    }
    expect_code(
        &d.sh("train data.csv -o m.json --sampling under --min-df 1"),
        0,
    );
}

#[test]
fn l1_penalty_gives_sparse_weights_and_bad_ratios_are_refused() {
    let d = Dir::new();
    d.write("data.csv", sourced_csv());
    expect_code(
        &d.sh("train data.csv -o l1.json --penalty l1 --c 0.5 --min-df 1"),
        0,
    );
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path("l1.json")).unwrap()).unwrap();
    let weights = v["classifier"]["model"]["weights"].as_array().unwrap();
    let zeros = weights.iter().filter(|w| w.as_f64() == Some(0.0)).count();
    assert!(
        zeros > 0 && zeros < weights.len(),
        "{zeros} of {}",
        weights.len()
    );
    let e = expect_code(
        &d.sh("train data.csv -o m.json --penalty elasticnet --l1-ratio 1.0"),
        1,
    );
    assert!(e.contains("l1_ratio must be between 0 and 1"), "{e}");
    assert!(e.contains("--penalty l1 or l2"), "{e}");
}

#[test]
fn character_grams_can_keep_the_case_of_the_text() {
    let d = Dir::new();
    d.write("data.csv", sourced_csv());
    let e = expect_code(&d.sh("train data.csv -o m.json --char-keep-case"), 2);
    assert!(e.contains("--char-ngrams"), "{e}");
    let o = d.sh("train data.csv -o m.json --char-ngrams 2-4 --char-keep-case --min-df 1");
    expect_code(&o, 0);
    let o = d.sh("inspect m.json");
    expect_code(&o, 0);
    assert!(
        stdout(&o).contains("words 1-2, characters 2-4 (case kept)"),
        "{}",
        stdout(&o)
    );
    let o = d.sh("label -m m.json data.csv");
    expect_code(&o, 0);
}

#[test]
fn train_can_tune_its_settings_before_the_final_fit() {
    let d = Dir::new();
    d.write("data.csv", sourced_csv());
    let o = d.sh("train data.csv -o tuned.json --classifier svm --tune --tune-min-df 1,3 --cv 3");
    expect_code(&o, 0);
    let e = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(e.contains("search chose min_df="), "{e}");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path("tuned.json")).unwrap()).unwrap();
    let params = &m["manifest"]["classifier"]["params"];
    let tuned = params["tuned"].as_str().unwrap();
    // The model is fitted with what the search chose.
    let (min_df, c) = tuned
        .strip_prefix("min_df=")
        .and_then(|r| r.split_once(" c="))
        .unwrap();
    assert_eq!(params["tfidf"]["min_df"].to_string(), min_df, "{params}");
    assert_eq!(
        params["classifier"]["params"]["c"].as_f64().unwrap(),
        c.parse::<f64>().unwrap(),
        "{params}"
    );
    assert!(m["manifest"]["cv"]["folds"].as_u64() == Some(3), "{m}");
    let o = d.sh("inspect tuned.json");
    assert!(
        stdout(&o).contains(&format!("tuned           {tuned}")),
        "{}",
        stdout(&o)
    );
    // Without --tune nothing is added to the model file.
    expect_code(&d.sh("train data.csv -o plain.json"), 0);
    let plain = std::fs::read_to_string(d.path("plain.json")).unwrap();
    assert!(!plain.contains("\"tuned\""), "{plain}");
    expect_code(&d.sh("train data.csv -o x.json --tune-min-df 1"), 2);
}
