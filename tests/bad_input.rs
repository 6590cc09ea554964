//! Every kind of bad input gets a clear error naming the file, line and field, and a
//! non-zero exit; nothing half-written is left behind.

use crate::util::{expect_code, stdout, toy_csv, Dir};

fn train_err(d: &Dir, file: &str, contents: &[u8]) -> String {
    d.write(file, contents);
    expect_code(&d.run(&["train", file, "-o", "m.json"]), 1)
}

#[test]
fn malformed_csv_names_file_and_line() {
    let d = Dir::new();
    let e = train_err(&d, "d.csv", b"text,label\n\"a\nb\",1\nx,1,extra\n");
    assert!(
        e.contains("d.csv:4") && e.contains("3 fields but the header has 2"),
        "{e}"
    );
    assert!(!d.path("m.json").exists());
}

#[test]
fn malformed_jsonl_names_file_line_and_column() {
    let d = Dir::new();
    let e = train_err(
        &d,
        "d.jsonl",
        b"{\"text\":\"a\",\"label\":1}\n{\"text\":\"b\",\"label\":\n",
    );
    assert!(e.contains("d.jsonl:2: malformed JSON (column"), "{e}");
}

#[test]
fn missing_columns_are_named() {
    let d = Dir::new();
    let e = train_err(&d, "d.csv", b"id,body,label\n1,x,1\n");
    assert!(e.contains("missing column `text`"), "{e}");
    let e = train_err(&d, "d.csv", b"id,text\n1,x\n");
    assert!(e.contains("missing column `label`"), "{e}");
}

#[test]
fn unknown_label_value_is_named() {
    let d = Dir::new();
    let e = train_err(&d, "d.csv", b"text,label\na,1\nb,perhaps\n");
    assert!(
        e.contains("d.csv:3: field `label`") && e.contains("\"perhaps\""),
        "{e}"
    );
}

#[test]
fn empty_text_in_training_data_is_named() {
    let d = Dir::new();
    let e = train_err(&d, "d.csv", b"id,text,label\nr1,a,1\nr2,,0\n");
    assert!(
        e.contains("d.csv:3: record `r2` has an empty `text`"),
        "{e}"
    );
}

#[test]
fn one_class_or_too_few_positives_for_the_folds() {
    let d = Dir::new();
    let e = train_err(
        &d,
        "d.csv",
        b"text,label\njwt leak,0\ncss bug,0\ncss fix,0\n",
    );
    assert!(e.contains("0 security and 3 non-security"), "{e}");
    d.write(
        "few.csv",
        b"text,label\njwt leak,1\njwt leak again,1\ncss,0\ncss bug,0\ncss fix,0\ncss x,0\n",
    );
    let e = expect_code(&d.sh("evaluate few.csv --folds 5"), 1);
    assert!(
        e.contains("2 security records cannot fill 5 folds; use 2 folds or fewer")
            && e.contains("lower --folds (evaluate, compare) or --cv (train)"),
        "{e}"
    );
    // Issue 13 item 10: one record of a class cannot be helped by fewer folds (the advice was
    // "use 1 folds or fewer", which is then refused).
    d.write(
        "one.csv",
        b"text,label\njwt leak,1\ncss,0\ncss bug,0\ncss fix,0\n",
    );
    let e = expect_code(&d.sh("evaluate one.csv --folds 2"), 1);
    assert!(
        e.contains("folds need at least 2 records of each class: add data")
            && !e.contains("or fewer")
            && !e.contains("lower --folds"),
        "{e}"
    );
}

#[test]
fn invalid_utf8_is_located() {
    let d = Dir::new();
    let e = train_err(&d, "d.csv", b"text,label\nok,1\nbad \xff byte,0\n");
    assert!(
        e.contains("d.csv:3: field `text` is not valid UTF-8"),
        "{e}"
    );
}

#[test]
fn truncated_foreign_and_missing_models() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    expect_code(&d.sh("train data.csv -o m.json --min-df 1"), 0);
    let bytes = std::fs::read(d.path("m.json")).unwrap();
    d.write("cut.json", &bytes[..bytes.len() / 3]);
    d.write("in.csv", "id,text\n1,hello\n");
    let e = expect_code(&d.sh("label -m cut.json in.csv"), 1);
    assert!(
        e.contains("damaged model file") && e.contains("truncated"),
        "{e}"
    );
    let e = expect_code(&d.sh("label -m data.csv in.csv"), 1);
    assert!(e.contains("not a secdisc model file"), "{e}");
    let e = expect_code(&d.sh("label -m nope.json in.csv"), 1);
    assert!(e.contains("nope.json"), "{e}");
    let newer = String::from_utf8(bytes).unwrap().replacen(
        "\"format_version\":2",
        "\"format_version\":7",
        1,
    );
    d.write("new.json", newer);
    let e = expect_code(&d.sh("label -m new.json in.csv"), 1);
    assert!(
        e.contains("format version 7") && e.contains("retrain"),
        "{e}"
    );
}

#[test]
fn unwritable_output_is_an_error_before_any_work() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    let e = expect_code(&d.sh("train data.csv -o no/such/dir/m.json"), 1);
    assert!(
        e.contains("no/such/dir") && e.contains("does not exist"),
        "{e}"
    );
    expect_code(&d.sh("train data.csv -o m.json --min-df 1"), 0);
    d.write("in.csv", "id,text\n1,hello\n");
    let e = expect_code(&d.sh("label -m m.json in.csv -o missing/out.jsonl"), 1);
    assert!(e.contains("missing/out.jsonl"), "{e}");
}

#[test]
fn a_directory_as_output_is_refused_and_left_alone() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    expect_code(&d.sh("train data.csv -o m.json --min-df 1"), 0);
    d.write("in.csv", "id,text\n1,hello\n");
    std::fs::create_dir(d.path("outdir")).unwrap();
    d.write("outdir/keep.txt", "mine");
    for args in [
        &["train", "data.csv", "-o", "outdir", "--min-df", "1"][..],
        &["label", "-m", "m.json", "in.csv", "-o", "outdir"][..],
        // --resume once renamed the directory to `outdir.partial` to continue from it.
        &[
            "label", "-m", "m.json", "in.csv", "-o", "outdir", "--resume",
        ][..],
    ] {
        let e = expect_code(&d.run(args), 1);
        assert!(e.contains("outdir: it is a directory"), "{args:?}: {e}");
        assert!(!d.path("outdir.partial").exists(), "{args:?}");
        assert_eq!(
            std::fs::read_to_string(d.path("outdir/keep.txt")).unwrap(),
            "mine"
        );
    }
}

#[test]
fn usage_errors_exit_with_2() {
    let d = Dir::new();
    expect_code(&d.sh("train"), 2);
    expect_code(&d.sh("evaluate x.csv --folds many"), 2);
    expect_code(&d.sh("label x.csv --format xml"), 2);
    expect_code(&d.sh("frobnicate"), 2);
}

#[test]
fn bad_parameters_are_explained() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    let e = expect_code(&d.sh("train data.csv -o m.json --ngram-max 9"), 1);
    assert!(e.contains("n-gram range 1..=9"), "{e}");
    let e = expect_code(&d.sh("train data.csv -o m.json --threshold 2"), 2);
    assert!(
        e.contains("--threshold") && e.contains("invalid threshold rule"),
        "{e}"
    );
    let e = expect_code(&d.sh("train data.csv -o m.json --c 0"), 1);
    assert!(e.contains("C must be a positive"), "{e}");
}

#[test]
fn zero_folds_or_repeats_are_named() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    // Flag values out of range are usage errors (exit 2), found by benches/fault/adversarial.py
    // (they were data errors, exit 1).
    let e = expect_code(&d.sh("evaluate data.csv --repeats 0"), 2);
    assert!(e.contains("--repeats") && e.contains("1.."), "{e}");
    for (flag, cmd) in [
        ("--folds", "evaluate data.csv --folds 1"),
        ("--folds", "compare data.csv --folds 0"),
        ("--cv", "train data.csv -o m.json --cv 1"),
    ] {
        let e = expect_code(&d.sh(cmd), 2);
        assert!(e.contains(flag) && e.contains("2.."), "{cmd}: {e}");
    }
}

/// Issue 13: an output that is one of the run's inputs (under any name) is refused before
/// anything is written, for every command and output flag; the input keeps its bytes.
#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let d = Dir::new();
    d.write("c.csv", toy_csv(40));
    expect_code(&d.sh("train c.csv -o m.json --min-df 1"), 0);
    d.write(
        "b.jsonl",
        "{\"id\":\"a\",\"text\":\"rotate the jwt key\"}\n",
    );
    d.write("g.json", "[{\"number\":1,\"title\":\"t\",\"body\":\"b\",\"html_url\":\"https://github.com/o/r/issues/1\",\"user\":{\"login\":\"u\"},\"created_at\":\"2020-01-01T00:00:00Z\"}]");
    let cases: &[&[&str]] = &[
        &["label", "-m", "m.json", "b.jsonl", "-o", "b.jsonl"],
        &["label", "-m", "m.json", "b.jsonl", "-o", "./b.jsonl"],
        &["label", "-m", "m.json", "b.jsonl", "-o", "m.json"],
        &[
            "label", "-m", "m.json", "b.jsonl", "-o", "l.jsonl", "--report", "b.jsonl",
        ],
        &["ingest", "g.json", "-o", "g.json"],
        &["train", "c.csv", "-o", "c.csv"],
        &["evaluate", "c.csv", "--oof", "c.csv"],
        &["evaluate", "c.csv", "--folds-out", "c.csv"],
        &["suggest", "-m", "m.json", "b.jsonl", "-o", "b.jsonl"],
        &["adapt", "-m", "m.json", "c.csv", "-o", "m.json"],
    ];
    let before: Vec<Vec<u8>> = ["b.jsonl", "m.json", "g.json", "c.csv"]
        .iter()
        .map(|f| std::fs::read(d.path(f)).unwrap())
        .collect();
    for args in cases {
        let e = expect_code(&d.run(args), 1);
        assert!(e.contains("same file as the input"), "{args:?}: {e}");
    }
    let after: Vec<Vec<u8>> = ["b.jsonl", "m.json", "g.json", "c.csv"]
        .iter()
        .map(|f| std::fs::read(d.path(f)).unwrap())
        .collect();
    assert!(before == after, "an input changed");
}

/// 1,000 rows of `id,label,text` whose row 10 (line 11) starts its text with a quote that never
/// closes: csv alone reads 9 rows and then one record holding the rest of the file.
fn unclosed_quote_csv() -> String {
    let mut s = String::from("id,label,text\n");
    for i in 1..=1000 {
        let (text, label) = if i % 3 == 0 {
            (
                "The gateway forwards the JWT without verifying its signature",
                1,
            )
        } else {
            ("The dashboard layout breaks on small screens", 0)
        };
        let q = if i == 10 { "\"" } else { "" };
        s.push_str(&format!("r{i},{label},{q}{text} (case {i})\n"));
    }
    s
}

/// Issue 13 item 1: an unterminated quote swallowed the rest of the file with exit 0
/// (`train` on 11 records, `label` writing 11 rows for 1,000).
#[test]
fn an_unclosed_csv_quote_is_an_error_naming_where_it_opens() {
    let d = Dir::new();
    d.write("data.csv", unclosed_quote_csv());
    let opens = "data.csv:11: a quoted field opens here and is never closed (the rest of the file, 991 lines, would be one field)";
    for cmd in [
        "train data.csv -o m.json --min-df 1",
        "evaluate data.csv --folds 2 --min-df 1",
    ] {
        let e = expect_code(&d.sh(cmd), 1);
        assert!(e.contains(opens), "{cmd}: {e}");
    }
    assert!(!d.path("m.json").exists());
    d.write("good.csv", toy_csv(30));
    expect_code(&d.sh("train good.csv -o m.json --min-df 1"), 0);
    for cmd in [
        "label -m m.json data.csv -o out.jsonl",
        "suggest -m m.json data.csv -n 5",
        "explain --model m.json --input data.csv --json",
        "ingest data.csv --format generic -o rec.jsonl",
    ] {
        let e = expect_code(&d.sh(cmd), 1);
        assert!(e.contains(opens), "{cmd}: {e}");
    }
    // The same cut in the label rows that `report` reads.
    let mut rows = String::from("id,label,score,terms,error\n");
    for i in 1..=20 {
        let q = if i == 5 { "\"" } else { "" };
        rows.push_str(&format!("r{i},security,0.9,{q}jwt,\n"));
    }
    d.write("labels.csv", rows);
    let e = expect_code(&d.sh("report labels.csv -r good.csv"), 1);
    assert!(
        e.contains("labels.csv:6: a quoted field opens here and is never closed"),
        "{e}"
    );
    // Exports: a SEDE and a Jira CSV export cut inside their last post.
    d.write(
        "QueryResults.csv",
        "Id,PostTypeId,Body,Title,Tags\n1,1,\"<p>Use TLS</p>\",TLS,<tls>\n2,1,\"<p>The token is lea",
    );
    let e = expect_code(&d.sh("ingest QueryResults.csv -o se.jsonl"), 1);
    assert!(
        e.contains("QueryResults.csv:3: a quoted field opens here and is never closed (the rest of the file, 1 lines"),
        "{e}"
    );
    d.write(
        "jira.csv",
        "Issue key,Summary,Description\nAB-1,Login,\"Passwords are logged\nin plain text\"\nAB-2,Cut,\"half a descr",
    );
    let e = expect_code(&d.sh("ingest jira.csv -o j.jsonl"), 1);
    assert!(e.contains("jira.csv:4: a quoted field opens here"), "{e}");
}

/// Issue 13 item 6: a CSV header had no size limit (`label -m M /dev/zero` reached 8 GB).
#[test]
fn an_endless_csv_header_stops_at_the_record_limit() {
    let d = Dir::new();
    d.write("good.csv", toy_csv(30));
    expect_code(&d.sh("train good.csv -o m.json --min-df 1"), 0);
    d.write("wide.csv", format!("{}\nx\n", "a".repeat(5000)));
    for cmd in [
        "label -m m.json wide.csv --max-record-bytes 1000",
        "ingest wide.csv --format generic --max-record-bytes 1000 -o r.jsonl",
        "ingest wide.csv --format sede --max-record-bytes 1000 -o r.jsonl",
        "ingest wide.csv --format jira-csv --max-record-bytes 1000 -o r.jsonl",
    ] {
        let e = expect_code(&d.sh(cmd), 1);
        assert!(
            e.contains("wide.csv:1: the CSV header is larger than the limit of 1000 bytes"),
            "{cmd}: {e}"
        );
        assert!(e.len() < 1000, "the header is not echoed: {e}");
    }
    #[cfg(unix)]
    {
        let e = expect_code(
            &d.sh("label -m m.json /dev/zero --max-record-bytes 100000"),
            1,
        );
        assert!(
            e.contains("the CSV header is larger than the limit of 100000 bytes"),
            "{e}"
        );
    }
}

/// Issue 13 item 9: flag values that panicked (`bench --min-time 1e20` in a Duration conversion,
/// `serve --workers 100000` in a thread spawn after printing "listening") are usage errors.
#[test]
fn out_of_range_times_and_thread_counts_are_usage_errors() {
    let d = Dir::new();
    let e = expect_code(&d.sh("bench --min-time 1e20"), 2);
    assert!(e.contains("from 0 to 3600"), "{e}");
    for workers in ["0", "100000"] {
        let e = expect_code(
            &d.sh(&format!(
                "serve -m m.json --workers {workers} --addr 127.0.0.1:0"
            )),
            2,
        );
        assert!(e.contains("--workers"), "{workers}: {e}");
        assert!(!e.contains("listening"), "{workers}: {e}");
    }
}

/// Issue 13 item 10: flags that were silently ignored or misused are usage errors (status 2):
/// `train -o -` wrote a file named `-`, `label --report` without `-o` exited 1, and
/// `--l1-ratio` without the elastic net did nothing.
#[test]
fn misused_flags_are_usage_errors() {
    let d = Dir::new();
    d.write("c.csv", toy_csv(30));
    let e = expect_code(&d.sh("train c.csv -o - --min-df 1"), 2);
    assert!(e.contains("not standard output"), "{e}");
    assert!(!d.path("-").exists());
    expect_code(&d.sh("train c.csv -o m.json --min-df 1"), 0);
    let e = expect_code(&d.sh("adapt -m m.json c.csv -o -"), 2);
    assert!(e.contains("not standard output"), "{e}");
    let e = expect_code(&d.sh("label -m m.json c.csv --report r.html"), 2);
    assert!(e.contains("add --output FILE"), "{e}");
    for cmd in [
        "train c.csv -o n.json",
        "evaluate c.csv",
        "compare c.csv --classifiers lr,nb",
    ] {
        let e = expect_code(&d.sh(&format!("{cmd} --l1-ratio 0.3")), 2);
        assert!(
            e.contains("--l1-ratio mixes the elastic net only"),
            "{cmd}: {e}"
        );
    }
    expect_code(
        &d.sh("train c.csv -o n.json --min-df 1 --penalty elasticnet --l1-ratio 0.3"),
        0,
    );
    // Flag values checked by the binary rather than clap: usage errors too (they exited 1).
    for (cmd, says) in [
        (
            "train c.csv -o s.json --features tfidf+static",
            "pass --static TABLE",
        ),
        (
            "train c.csv -o s.json --features encoder",
            "pass --encoder DIR",
        ),
        (
            "train c.csv -o s.json --features tfidf+static --static t.json --dense-weight 0",
            "--dense-weight must be a positive number",
        ),
        (
            "train c.csv -o s.json --classifier ensemble --ensemble-members lr,ensemble",
            "cannot contain ensemble",
        ),
        (
            "train c.csv -o s.json --classifier ensemble --ensemble-members lr,foo",
            "unknown classifier \"foo\"",
        ),
        (
            "serve -m m.json --max-body-bytes 0",
            "would refuse every request",
        ),
    ] {
        let args: Vec<&str> = cmd.split_whitespace().collect();
        let e = expect_code(&d.run_env(&args, &[("SECDISC_ENCODER", None)]), 2);
        assert!(e.contains(says), "{cmd}: {e}");
        assert!(!d.path("s.json").exists(), "{cmd}");
    }
}

/// Issue 13 item 7 and 10: counts in a model file drove allocations (kNN `k` = 10^18 panicked
/// with a capacity overflow, `n_cols` = 10^15 aborted); a threshold of 1.5 and a vocabulary term
/// listed twice were accepted. Each is now refused on load or harmless.
#[test]
fn model_file_counts_and_values_are_checked_on_load() {
    let d = Dir::new();
    d.write("c.csv", toy_csv(40));
    expect_code(
        &d.sh("train c.csv -o knn.json --classifier knn --min-df 1"),
        0,
    );
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path("knn.json")).unwrap()).unwrap();
    let variant = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut m = model.clone();
        edit(&mut m);
        d.write(name, serde_json::to_vec(&m).unwrap());
    };
    variant("k.json", &|m| {
        m["classifier"]["voting"]["k"] = serde_json::json!(1_000_000_000_000_000_000u64)
    });
    variant("ncols.json", &|m| {
        m["classifier"]["rows"]["n_cols"] = serde_json::json!(1_000_000_000_000_000u64)
    });
    variant("thr.json", &|m| m["threshold"] = serde_json::json!(1.5));
    variant("dup.json", &|m| {
        let first = m["vectorizer"]["terms"][0].clone();
        m["vectorizer"]["terms"][1] = first;
    });
    // A k beyond the training rows votes with every row.
    expect_code(&d.sh("label -m k.json c.csv -o /dev/null"), 0);
    let e = expect_code(&d.sh("label -m ncols.json c.csv"), 1);
    assert!(e.contains("model expects 1000000000000000 features"), "{e}");
    let e = expect_code(&d.sh("label -m thr.json c.csv"), 1);
    assert!(e.contains("threshold 1.5 is not a probability"), "{e}");
    let e = expect_code(&d.sh("label -m dup.json c.csv"), 1);
    assert!(e.contains("is listed twice in the vocabulary"), "{e}");
}

/// Issue 13 item 4: a record over `--max-record-bytes` stopped `label` (3 records in, 1 row
/// out); it now gets an error row like any unreadable record, and the rest are labelled.
#[test]
fn an_oversized_record_gets_its_own_error_row() {
    let d = Dir::new();
    d.write("c.csv", toy_csv(30));
    expect_code(&d.sh("train c.csv -o m.json --min-df 1"), 0);
    let big = "x ".repeat(2000);
    d.write(
        "in.jsonl",
        format!("{{\"id\":\"a\",\"text\":\"jwt\"}}\n{{\"id\":\"b\",\"text\":\"{big}\"}}\n{{\"id\":\"c\",\"text\":\"css\"}}\n"),
    );
    // (A CSV row over the limit still stops the input at its line: the guard that bounds memory
    // does not resynchronise after it.)
    let (input, line) = ("in.jsonl", 2);
    let o = d.sh(&format!("label -m m.json {input} --max-record-bytes 1000"));
    let e = expect_code(&o, 1);
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3, "{input}: {e}");
    assert_eq!(rows[0]["id"], "a");
    assert_eq!(rows[1]["id"], format!("{input}:{line}"));
    assert!(
        rows[1]["error"]
            .as_str()
            .unwrap()
            .contains("larger than the limit of 1000 bytes"),
        "{input}: {}",
        rows[1]
    );
    assert_eq!(rows[2]["id"], "c");
}

/// Issue 13 item 10: empty input is zero records, exit 0, whatever its format (empty stdin was
/// read as a CSV without a header: "missing column `text`", exit 1).
#[test]
fn empty_input_is_zero_records() {
    let d = Dir::new();
    d.write("c.csv", toy_csv(30));
    expect_code(&d.sh("train c.csv -o m.json --min-df 1"), 0);
    d.write("empty.csv", "");
    d.write("empty.jsonl", "");
    for args in [
        vec!["label", "-m", "m.json", "-"],
        vec!["label", "-m", "m.json", "empty.csv"],
        vec!["label", "-m", "m.json", "empty.jsonl"],
        vec!["label", "-m", "m.json", "--input-format", "csv", "-"],
    ] {
        let o = d.run_stdin(&args, Some(b""));
        expect_code(&o, 0);
        assert_eq!(stdout(&o), "", "{args:?}");
    }
    // Training still needs data.
    let e = expect_code(&d.sh("train empty.csv -o n.json"), 1);
    assert!(e.contains("no labelled records"), "{e}");
}

/// Issue 13 item 10: a model file saved with a UTF-8 byte order mark was "not a secdisc model
/// file"; it loads as the same model.
#[test]
fn a_model_file_with_a_byte_order_mark_loads() {
    let d = Dir::new();
    d.write("c.csv", toy_csv(30));
    expect_code(&d.sh("train c.csv -o m.json --min-df 1"), 0);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(std::fs::read(d.path("m.json")).unwrap());
    d.write("bom.json", bom);
    let plain = d.sh("label -m m.json c.csv");
    let with_bom = d.sh("label -m bom.json c.csv");
    expect_code(&with_bom, 0);
    assert_eq!(stdout(&plain), stdout(&with_bom));
}

/// Issue 13 item 10: gzip record files worked for `label` only, and a UTF-8 byte order mark was
/// refused by `train` and by `--input-format jsonl`; every reader of record files takes both.
#[test]
fn gzip_and_a_byte_order_mark_are_read_by_every_record_reader() {
    use std::io::Write;
    let d = Dir::new();
    let csv = toy_csv(30);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(csv.as_bytes()).unwrap();
    d.write("c.csv.gz", gz.finish().unwrap());
    d.write("c.csv", &csv);
    expect_code(&d.sh("train c.csv.gz -o gz.json --min-df 1"), 0);
    expect_code(&d.sh("train c.csv -o plain.json --min-df 1"), 0);
    let rows = |m: &str| stdout(&d.sh(&format!("label -m {m} c.csv")));
    assert_eq!(rows("gz.json"), rows("plain.json"));
    let jsonl = "\u{feff}{\"id\":\"a\",\"text\":\"rotate the jwt key\",\"label\":\"security\"}\n{\"id\":\"b\",\"text\":\"css layout\",\"label\":\"non-security\"}\n";
    d.write("bom.jsonl", jsonl);
    let o = d.sh("label -m plain.json bom.jsonl --input-format jsonl");
    expect_code(&o, 0);
    assert_eq!(stdout(&o).lines().count(), 2);
    expect_code(
        &d.sh("evaluate bom.jsonl c.csv --split leave-one-file-out --min-df 1"),
        0,
    );
}
