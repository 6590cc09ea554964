//! `secdisc compare`, classifier and threshold flags, and determinism across thread counts.

#[cfg(not(feature = "deep"))]
use crate::util::stderr;
use crate::util::{expect_code, stdout, toy_csv, Dir};

#[test]
fn compares_classifiers_on_identical_folds_with_tests() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(120));
    let o = d.sh("compare data.csv --classifiers lr,svm,nb --folds 4 --min-df 1");
    expect_code(&o, 0);
    let out = stdout(&o);
    for needle in [
        "lr ",
        "svm ",
        "nb ",
        "pairwise tests over 4 folds",
        "lr-svm",
        "svm-nb",
        "wilcoxon p",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    let o = d.sh("compare data.csv --classifiers lr,nb --folds 4 --repeats 2 --json --min-df 1");
    expect_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["classifiers"].as_array().unwrap().len(), 2);
    assert_eq!(v["classifiers"][0]["per_fold"].as_array().unwrap().len(), 8);
    assert_eq!(v["tests"].as_array().unwrap().len(), 2);
    // Identical folds: every classifier sees the same test sizes in the same order.
    let sizes = |c: usize| -> Vec<u64> {
        v["classifiers"][c]["per_fold"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["test"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(sizes(0), sizes(1));
}

#[test]
fn compare_rejects_unknown_or_single_classifiers() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    let e = expect_code(&d.sh("compare data.csv --classifiers lr,xgboost"), 1);
    assert!(e.contains("unknown classifier \"xgboost\""), "{e}");
    let e = expect_code(&d.sh("compare data.csv --classifiers lr"), 1);
    assert!(e.contains("at least two classifiers"), "{e}");
}

#[test]
fn every_classifier_and_threshold_rule_trains_and_labels() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(90));
    // Texts as in the training data (a threshold tuned on near-certain out-of-fold scores of a
    // toy set can sit above a paraphrase's score, which is right for that rule).
    d.write("in.csv", "id,text\na,Rotate the leaked API key and move it into Vault (case 3)\nb,Typo in the README installation section (case 4)\n");
    #[allow(unused_mut)]
    let mut cases = vec![
        ("lr", "max-f1"),
        ("svm", "recall:0.9"),
        ("nb", "precision:0.8"),
        ("svm", "0.4"),
        ("ensemble", "max-f1"),
        ("knn", "max-f1"),
        ("knn", "0.5"),
        ("linfa-lr", "max-f1"),
        ("dt", "fixed:0.5"),
        ("rf", "recall:0.9"),
        ("fasttext", "max-f1"),
        ("fasttext", "0.5"),
    ];
    #[cfg(feature = "deep")]
    cases.extend([("cnn", "max-f1"), ("bilstm", "0.5")]);
    for (classifier, rule) in cases {
        let o = d.run(&[
            "train",
            "data.csv",
            "-o",
            "m.json",
            "--classifier",
            classifier,
            "--threshold",
            rule,
            "--min-df",
            "1",
            // Only cnn and bilstm read these: the toy set is too small for their defaults.
            "--epochs",
            "30",
            "--learning-rate",
            "0.01",
        ]);
        expect_code(&o, 0);
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.path("m.json")).unwrap()).unwrap();
        assert_eq!(v["manifest"]["classifier"]["name"], classifier);
        let out = stdout(&d.sh("label -m m.json in.csv"));
        let rows: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows[0]["label"], "security", "{classifier} {rule}: {out}");
        assert_eq!(
            rows[1]["label"], "non-security",
            "{classifier} {rule}: {out}"
        );
    }
    let e = expect_code(&d.sh("train data.csv -o m.json --threshold recall:1.5"), 2);
    assert!(e.contains("invalid threshold rule"), "{e}");
}

#[test]
fn same_seed_gives_identical_models_and_reports_across_thread_counts() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(150));
    let run = |threads: &str, args: &[&str]| -> Vec<u8> {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_secdisc"))
            .args(args)
            .current_dir(d.dir.path())
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    #[allow(unused_mut)]
    let mut classifiers = vec![
        "lr", "svm", "nb", "knn", "linfa-lr", "dt", "rf", "fasttext", "ensemble",
    ];
    #[cfg(feature = "deep")]
    classifiers.extend(["cnn", "bilstm"]);
    for classifier in classifiers {
        let train = |out: &str| {
            vec![
                "train",
                "data.csv",
                "-o",
                out,
                "--cv",
                "3",
                "--classifier",
                classifier,
                "--threshold",
                "max-f1",
                "--min-df",
                "1",
            ]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
        };
        let t1: Vec<String> = train("one.json");
        let t2: Vec<String> = train("two.json");
        run("1", &t1.iter().map(String::as_str).collect::<Vec<_>>());
        run("2", &t2.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            std::fs::read(d.path("one.json")).unwrap(),
            std::fs::read(d.path("two.json")).unwrap(),
            "{classifier}"
        );
    }
    let args = [
        "compare",
        "data.csv",
        "--folds",
        "3",
        "--repeats",
        "2",
        "--threshold",
        "max-f1",
        "--json",
        "--min-df",
        "1",
    ];
    assert_eq!(
        crate::util::results_only(&run("1", &args)),
        crate::util::results_only(&run("2", &args))
    );
    let args = [
        "compare",
        "data.csv",
        "--classifiers",
        "lr,fasttext",
        "--folds",
        "3",
        "--json",
        "--min-df",
        "1",
    ];
    assert_eq!(
        crate::util::results_only(&run("1", &args)),
        crate::util::results_only(&run("2", &args))
    );
    let args = [
        "compare",
        "data.csv",
        "--classifiers",
        "lr,svm,ensemble",
        "--folds",
        "3",
        "--json",
        "--tune",
        "--tune-min-df",
        "1,2",
        "--tune-ngram-max",
        "1,2",
    ];
    assert_eq!(
        crate::util::results_only(&run("1", &args)),
        crate::util::results_only(&run("2", &args))
    );
    #[cfg(feature = "deep")]
    {
        let args = [
            "compare",
            "data.csv",
            "--classifiers",
            "cnn,bilstm",
            "--folds",
            "3",
            "--json",
            "--min-df",
            "1",
            "--epochs",
            "2",
        ];
        assert_eq!(
            crate::util::results_only(&run("1", &args)),
            crate::util::results_only(&run("2", &args))
        );
    }
}

/// Without the `deep` feature the sequence classifiers cannot be trained; asking for one is a
/// clear error, not a panic.
#[cfg(not(feature = "deep"))]
#[test]
fn sequence_classifiers_need_the_deep_feature_to_train() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    for args in [
        &["train", "data.csv", "-o", "m.json", "--classifier", "cnn"][..],
        &["evaluate", "data.csv", "--classifier", "bilstm"][..],
        &["compare", "data.csv", "--classifiers", "lr,cnn"][..],
    ] {
        let o = d.run(args);
        // 1 like every other failed command; a panic would exit 101.
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let e = stderr(&o);
        assert!(
            e.contains("--features deep") && !e.contains("panicked"),
            "{e}"
        );
    }
    assert!(!d.path("m.json").exists());
}

#[test]
fn several_data_files_compare_as_their_concatenation() {
    let d = Dir::new();
    let all = toy_csv(120);
    let mut lines = all.lines();
    let header = lines.next().expect("toy_csv has a header");
    let rows: Vec<&str> = lines.collect();
    let (first, second) = rows.split_at(70);
    d.write("all.csv", &all);
    d.write("a.csv", format!("{header}\n{}\n", first.join("\n")));
    d.write("b.csv", format!("{header}\n{}\n", second.join("\n")));
    let args = |data: &[&str]| {
        let mut v: Vec<String> = vec!["compare".into()];
        v.extend(data.iter().map(|s| s.to_string()));
        v.extend(
            [
                "--classifiers",
                "lr,nb",
                "--folds",
                "3",
                "--min-df",
                "1",
                "--json",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        v
    };
    let run = |data: &[&str]| {
        let a = args(data);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = d.run(&refs);
        expect_code(&o, 0);
        let mut v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON report");
        // The data set's name, and the run that made the report, are the fields allowed to
        // differ.
        v.as_object_mut()
            .map(|m| (m.remove("data"), m.remove("run")));
        v
    };
    assert_eq!(run(&["all.csv"]), run(&["a.csv", "b.csv"]));
}
