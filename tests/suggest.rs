//! `secdisc suggest`, and `train`/`evaluate` reading a labelled suggestion batch back.

use std::process::{Command, Stdio};

use crate::util::{expect_code, stdout, toy_csv, Dir};

/// A trained toy model plus an unlabelled pool of 40 records (some deliberately ambiguous).
fn setup(d: &Dir) {
    d.write("data.csv", toy_csv(60));
    expect_code(&d.sh("train data.csv -o m.json --min-df 1"), 0);
    let mut pool = String::from("id,source,text\n");
    let texts = [
        "The token is verified but the dashboard layout breaks",
        "Rotate the API key after the Kafka upgrade",
        "Helm chart values for TLS are ignored",
        "Typo in the README",
        "SQL injection through the sort parameter",
        "Consumer lag grows",
        "Enable mTLS for the payments service",
        "Bump the client library",
    ];
    for i in 0..40 {
        pool.push_str(&format!(
            "p{i:02},toy,\"{} ({i})\"\n",
            texts[i % texts.len()]
        ));
    }
    d.write("pool.csv", pool);
}

fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("csv row"))
        .collect()
}

#[test]
fn writes_n_unlabelled_rows_with_an_empty_label_a_score_and_a_reason() {
    let d = Dir::new();
    setup(&d);
    for strategy in ["uncertainty", "diversity", "mixed"] {
        let o = d.run(&[
            "suggest",
            "--model",
            "m.json",
            "pool.csv",
            "-n",
            "7",
            "--strategy",
            strategy,
        ]);
        let err = expect_code(&o, 0);
        assert!(err.contains("suggested 7 of 40"), "{err}");
        let out = stdout(&o);
        assert_eq!(
            out.lines().next(),
            Some("id,source,text,label,score,reason"),
            "{strategy}"
        );
        let rows = csv_rows(&out);
        assert_eq!(rows.len(), 7, "{strategy}");
        let mut ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 7, "{strategy}: no record twice");
        for r in &rows {
            assert_eq!(&r[3], "", "label left empty");
            let score: f64 = r[4].parse().expect("score");
            assert!((0.0..=1.0).contains(&score));
            assert!(r[5].starts_with(strategy), "{}", &r[5]);
        }
    }
}

#[test]
fn uncertainty_lists_the_records_nearest_the_threshold_first() {
    let d = Dir::new();
    setup(&d);
    let threshold = {
        let o = d.sh("inspect --json m.json");
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        v["threshold"].as_f64().unwrap()
    };
    let o = d.sh("suggest -m m.json pool.csv -n 40 --strategy uncertainty");
    expect_code(&o, 0);
    let margins: Vec<f64> = csv_rows(&stdout(&o))
        .iter()
        .map(|r| (r[4].parse::<f64>().unwrap() - threshold).abs())
        .collect();
    assert_eq!(margins.len(), 40);
    assert!(
        margins.windows(2).all(|w| w[0] <= w[1] + 1e-6),
        "{margins:?}"
    );
}

#[test]
fn same_seed_same_suggestions_whatever_the_thread_count() {
    let d = Dir::new();
    setup(&d);
    let run = |threads: &str, seed: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_secdisc"))
            .args([
                "suggest",
                "-m",
                "m.json",
                "pool.csv",
                "-n",
                "5",
                "--strategy",
                "mixed",
                "--seed",
                seed,
            ])
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(d.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run secdisc");
        expect_code(&o, 0);
        o.stdout
    };
    let one = run("1", "3");
    assert_eq!(one, run("2", "3"));
    assert_eq!(one, run("4", "3"));
    let diversity = |seed: &str| {
        let o = d.run(&[
            "suggest",
            "-m",
            "m.json",
            "pool.csv",
            "-n",
            "5",
            "--strategy",
            "diversity",
            "--seed",
            seed,
        ]);
        expect_code(&o, 0);
        o.stdout
    };
    assert_eq!(diversity("1"), diversity("1"));
}

#[test]
fn skips_labelled_and_empty_records_and_reads_jsonl_from_stdin() {
    let d = Dir::new();
    setup(&d);
    let pool = concat!(
        "{\"id\":\"a\",\"text\":\"Rotate the leaked key\",\"label\":1}\n",
        "{\"id\":\"b\",\"text\":\"Fix the css\",\"label\":\"\"}\n",
        "{\"id\":\"c\",\"text\":\"\"}\n",
        "{\"id\":\"d\",\"text\":\"Check the JWT signature\",\"group\":\"t9\"}\n",
    );
    let o = d.run_stdin(
        &["suggest", "-m", "m.json", "-", "-n", "10"],
        Some(pool.as_bytes()),
    );
    let err = expect_code(&o, 0);
    assert!(
        err.contains("suggested 2 of 2")
            && err.contains("1 already labelled")
            && err.contains("1 without text"),
        "{err}"
    );
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["b", "d"]);
    for r in &rows {
        assert_eq!(r["label"], "");
        assert!(r["score"].is_f64() && r["reason"].is_string());
    }
    let d_row = rows.iter().find(|r| r["id"] == "d").unwrap();
    assert_eq!(d_row["group"], "t9");
}

#[test]
fn refuses_a_bad_pool_or_zero_records() {
    let d = Dir::new();
    setup(&d);
    d.write("bad.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n{broken\n");
    let err = expect_code(&d.sh("suggest -m m.json bad.jsonl"), 1);
    assert!(err.contains("bad.jsonl:2"), "{err}");
    let err = expect_code(&d.sh("suggest -m m.json pool.csv -n 0"), 2);
    assert!(err.contains("'0'") && err.contains("--count"), "{err}");
    d.write("labelled.csv", toy_csv(6));
    let err = expect_code(&d.sh("suggest -m m.json labelled.csv"), 1);
    assert!(err.contains("no unlabelled records"), "{err}");
}

#[test]
fn a_labelled_batch_trains_alongside_the_corpus_and_an_empty_label_names_file_and_line() {
    let d = Dir::new();
    setup(&d);
    expect_code(
        &d.sh("suggest -m m.json pool.csv -n 4 -o batch.csv --strategy uncertainty"),
        0,
    );
    // Nobody filled the labels in yet.
    let o = d.sh("train data.csv batch.csv -o m2.json --min-df 1");
    let err = expect_code(&o, 1);
    assert!(
        err.contains("batch.csv:2")
            && err.contains("`label` is empty")
            && err.contains("--skip-unlabelled"),
        "{err}"
    );
    assert!(!d.path("m2.json").exists());
    // Fill in three of the four; the fourth stays empty.
    let text = std::fs::read_to_string(d.path("batch.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr.headers().unwrap().clone();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).unwrap();
    for (i, r) in rdr.records().enumerate() {
        let mut r: Vec<String> = r.unwrap().iter().map(str::to_string).collect();
        if i < 3 {
            r[3] = if i % 2 == 0 { "security" } else { "0" }.to_string();
        }
        w.write_record(&r).unwrap();
    }
    d.write("batch.csv", w.into_inner().unwrap());
    let err = expect_code(&d.sh("train data.csv batch.csv -o m2.json --min-df 1"), 1);
    assert!(err.contains("batch.csv:5"), "{err}");
    let err = expect_code(
        &d.sh("train data.csv batch.csv -o m2.json --min-df 1 --skip-unlabelled"),
        0,
    );
    assert!(
        err.contains("skipped 1 records") && err.contains("on 63 records"),
        "{err}"
    );
    let o = d.sh("inspect --json m2.json");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["training_data"]["name"], "data.csv+batch.csv");
    assert_eq!(v["training_data"]["rows"], 63);
    // evaluate reads the same files the same way.
    let o = d.sh("evaluate data.csv batch.csv --skip-unlabelled --min-df 1 --json");
    expect_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["n"], 63);
}

#[test]
fn one_data_file_still_gives_the_same_model_and_stdin_only_once() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    expect_code(&d.sh("train data.csv -o a.json --min-df 1"), 0);
    let o = d.run_stdin(
        &["train", "-", "-o", "b.json", "--min-df", "1"],
        Some(toy_csv(30).as_bytes()),
    );
    expect_code(&o, 0);
    let a: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path("a.json")).unwrap()).unwrap();
    let b: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path("b.json")).unwrap()).unwrap();
    assert_eq!(
        a["manifest"]["training_data"]["sha256"],
        b["manifest"]["training_data"]["sha256"]
    );
    let err = expect_code(&d.sh("train - - -o c.json"), 1);
    assert!(err.contains("only once"), "{err}");
}

#[test]
fn exclude_leaves_out_ids_already_in_other_files() {
    let d = Dir::new();
    setup(&d);
    expect_code(&d.sh("suggest -m m.json pool.csv -n 30 -o first.csv"), 0);
    let o = d.sh("suggest -m m.json pool.csv -n 30 --exclude first.csv --exclude data.csv");
    let err = expect_code(&o, 0);
    assert!(
        err.contains("suggested 10 of 10") && err.contains("30 excluded by id"),
        "{err}"
    );
    let first: Vec<String> = csv_rows(&std::fs::read_to_string(d.path("first.csv")).unwrap())
        .iter()
        .map(|r| r[0].to_string())
        .collect();
    for r in csv_rows(&stdout(&o)) {
        assert!(
            !first.contains(&r[0].to_string()),
            "{} suggested twice",
            &r[0]
        );
    }
    let err = expect_code(&d.sh("suggest -m m.json pool.csv --exclude missing.csv"), 1);
    assert!(err.contains("missing.csv"), "{err}");
}
