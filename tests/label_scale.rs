//! `secdisc label` at scale: exports as input, Parquet output, `--resume` after kills,
//! line-by-line streaming, and its bad-input paths.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{expect_code, repo, stdout, toy_csv, Dir};

fn trained(d: &Dir) {
    d.write("data.csv", toy_csv(60));
    expect_code(&d.sh("train data.csv -o m.json --min-df 1"), 0);
}

fn fixture(name: &str) -> String {
    repo()
        .join("tests/fixtures/ingest")
        .join(name)
        .display()
        .to_string()
}

fn ids(jsonl: &str) -> Vec<String> {
    jsonl
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON row");
            v["id"].as_str().expect("an id").to_string()
        })
        .collect()
}

#[test]
fn labelling_an_export_equals_ingest_then_label() {
    let d = Dir::new();
    // The shipped model reads whole posts cleaned as Markdown: exports are read in its unit,
    // and records are cleaned again when labelled, to the same text.
    let model = repo().join("models/default.json").display().to_string();
    export_equals_ingest_then_label(&d, &model, &["--unit", "comment"]);
    // A model that reads paragraphs; and one from before text preparation was recorded, which
    // reads exports as ingest does by default and records as given.
    d.write("data.csv", toy_csv(60));
    expect_code(
        &d.sh("train data.csv -o para.json --min-df 1 --unit paragraph"),
        0,
    );
    export_equals_ingest_then_label(&d, "para.json", &[]);
    let mut legacy: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path("para.json")).unwrap()).unwrap();
    legacy.as_object_mut().unwrap().remove("text_prep");
    d.write("legacy.json", serde_json::to_vec(&legacy).unwrap());
    export_equals_ingest_then_label(&d, "legacy.json", &[]);
}

fn export_equals_ingest_then_label(d: &Dir, model: &str, ingest_flags: &[&str]) {
    let se = repo().join("tests/fixtures/ingest/shop.stackexchange.com");
    let cases: Vec<Vec<String>> = vec![
        vec![fixture("github_issues_sample.json")],
        vec![fixture("gharchive_events.jsonl")],
        vec![fixture("jira_search_v2.json")],
        vec![fixture("jira_export.xml")],
        vec![fixture("jira_export.csv")],
        vec![fixture("sede_posts.csv")],
        // Comments first on the command line: read after the posts, as `ingest` does.
        vec![
            se.join("Comments.xml").display().to_string(),
            se.join("Posts.xml").display().to_string(),
        ],
    ];
    for inputs in cases {
        let mut ingest_args = vec!["ingest"];
        ingest_args.extend(inputs.iter().map(String::as_str));
        ingest_args.extend(ingest_flags);
        let records = d.run(&ingest_args);
        expect_code(&records, 0);
        assert!(!records.stdout.is_empty(), "{inputs:?}");
        let via_ingest = d.run_stdin(&["label", "-m", model, "-"], Some(&records.stdout));
        expect_code(&via_ingest, 0);
        let mut label_args = vec!["label", "-m", model];
        label_args.extend(inputs.iter().map(String::as_str));
        let direct = d.run(&label_args);
        expect_code(&direct, 0);
        assert_eq!(stdout(&direct), stdout(&via_ingest), "{inputs:?}");
        assert_eq!(
            ids(&stdout(&direct)),
            ids(&String::from_utf8_lossy(&records.stdout)),
            "{inputs:?}"
        );
        // The same export on stdin.
        let bytes = std::fs::read(&inputs[0]).unwrap();
        if inputs.len() == 1 {
            let piped = d.run_stdin(&["label", "-m", model, "-"], Some(&bytes));
            expect_code(&piped, 0);
            assert_eq!(
                ids(&stdout(&piped)).len(),
                ids(&stdout(&direct)).len(),
                "{inputs:?}"
            );
        }
    }
}

#[test]
fn several_inputs_are_labelled_in_order_and_ingest_flags_apply() {
    let d = Dir::new();
    trained(&d);
    d.write("a.jsonl", "{\"id\":\"a1\",\"text\":\"jwt\"}\n");
    d.write("b.csv", "id,text\nb1,css\nb2,jwt\n");
    let o = d.run(&[
        "label",
        "-m",
        "m.json",
        "a.jsonl",
        &fixture("github_issues_sample.json"),
        "b.csv",
        "--unit",
        "thread",
    ]);
    expect_code(&o, 0);
    let got = ids(&stdout(&o));
    assert_eq!(&got[..1], ["a1"]);
    assert_eq!(&got[got.len() - 2..], ["b1", "b2"]);
    let threads = &got[1..got.len() - 2];
    assert!(!threads.is_empty());
    assert!(threads.iter().all(|id| !id.contains("/p")), "{threads:?}");
}

/// One Parquet row: id, label, score, terms, error, url.
#[cfg(feature = "parquet")]
type ParquetRow = (
    String,
    Option<String>,
    Option<f64>,
    Vec<String>,
    Option<String>,
    Option<String>,
);

#[cfg(feature = "parquet")]
fn read_parquet(path: &Path) -> Vec<ParquetRow> {
    use arrow_array::{Array, Float64Array, ListArray, StringArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let file = std::fs::File::open(path).expect("parquet file");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet footer")
        .build()
        .expect("reader");
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.expect("batch");
        let s = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap_or_else(|| panic!("column {name}"))
                .as_any()
                .downcast_ref::<StringArray>()
                .expect("strings")
                .clone()
        };
        let (id, label, error, url) = (s("id"), s("label"), s("error"), s("url"));
        let score = batch
            .column_by_name("score")
            .unwrap()
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap()
            .clone();
        let terms = batch
            .column_by_name("terms")
            .unwrap()
            .as_any()
            .downcast_ref::<ListArray>()
            .unwrap()
            .clone();
        let opt = |a: &StringArray, i: usize| (!a.is_null(i)).then(|| a.value(i).to_string());
        for i in 0..batch.num_rows() {
            let t = terms.value(i);
            let t = t.as_any().downcast_ref::<StringArray>().unwrap();
            rows.push((
                id.value(i).to_string(),
                opt(&label, i),
                (!score.is_null(i)).then(|| score.value(i)),
                (0..t.len()).map(|j| t.value(j).to_string()).collect(),
                opt(&error, i),
                opt(&url, i),
            ));
        }
    }
    rows
}

#[test]
#[cfg(feature = "parquet")]
fn parquet_output_reads_back_as_the_jsonl_rows() {
    let d = Dir::new();
    trained(&d);
    let mut input = String::new();
    for i in 0..5000 {
        if i % 997 == 5 {
            input.push_str(&format!("{{\"id\":\"r{i}\",\"text\":\"\"}}\n"));
        } else {
            input.push_str(&format!(
                "{{\"id\":\"r{i}\",\"url\":\"https://x/{i}\",\"text\":\"jwt signature not verified {i}\"}}\n"
            ));
        }
    }
    d.write("in.jsonl", &input);
    let jsonl = d.sh("label -m m.json in.jsonl");
    expect_code(&jsonl, 1);
    let o = d.sh("label -m m.json in.jsonl --format parquet -o out.parquet --row-group-rows 1000");
    expect_code(&o, 1);
    let rows = read_parquet(&d.path("out.parquet"));
    let expected: Vec<serde_json::Value> = stdout(&jsonl)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), expected.len());
    for (i, (row, want)) in rows.iter().zip(&expected).enumerate() {
        assert_eq!(row.0, want["id"].as_str().unwrap());
        assert_eq!(row.1.as_deref(), want["label"].as_str());
        assert_eq!(row.2, want["score"].as_f64());
        let terms: Vec<String> = want["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        assert_eq!(row.3, terms);
        assert_eq!(row.4.as_deref(), want["error"].as_str());
        if row.4.is_none() {
            assert_eq!(row.5.as_deref(), Some(format!("https://x/{i}").as_str()));
        }
    }
    let parquet_meta = {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let f = std::fs::File::open(d.path("out.parquet")).unwrap();
        SerializedFileReader::new(f)
            .unwrap()
            .metadata()
            .num_row_groups()
    };
    assert_eq!(parquet_meta, 5);
}

#[test]
fn parquet_on_stdout_and_resume_of_parquet_are_usage_errors() {
    let d = Dir::new();
    trained(&d);
    d.write("in.csv", "id,text\n1,hello\n");
    let e = expect_code(&d.sh("label -m m.json in.csv --format parquet"), 2);
    assert!(e.contains("needs an output file"), "{e}");
    let e = expect_code(
        &d.sh("label -m m.json in.csv --format parquet -o o.parquet --resume"),
        2,
    );
    assert!(
        e.contains("--resume works with --format jsonl or csv"),
        "{e}"
    );
    let e = expect_code(&d.sh("label -m m.json in.csv --resume"), 2);
    assert!(e.contains("--resume needs an output file"), "{e}");
}

/// `n` JSONL records, a few without text or malformed, so error rows take part.
fn big_input(n: usize) -> String {
    let mut s = String::with_capacity(n * 60);
    for i in 0..n {
        match i % 5003 {
            17 => s.push_str(&format!("{{\"id\":\"r{i}\"}}\n")),
            18 => s.push_str("{\"id\": broken\n"),
            _ => s.push_str(&format!(
                "{{\"id\":\"r{i}\",\"text\":\"rotate the leaked api key {i} and fix css {}\"}}\n",
                i % 7
            )),
        }
    }
    s
}

fn label_cmd(d: &Dir, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_secdisc"));
    cmd.args(args)
        .current_dir(d.dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// Start `args`, wait until `partial` has grown past `min_bytes`, then SIGKILL it. Returns
/// `false` when the run finished before that.
fn kill_after(d: &Dir, args: &[&str], partial: &Path, min_bytes: u64) -> bool {
    let mut child = label_cmd(d, args).spawn().expect("spawn secdisc");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().expect("poll").is_some() {
            return false;
        }
        if len(partial) > min_bytes {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
            return true;
        }
        assert!(Instant::now() < deadline, "no output after 120 s");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn reference(d: &Dir, input: &str, format: &str) -> Vec<u8> {
    let o = d.run(&[
        "label", "-m", "m.json", input, "--format", format, "-o", "ref.out",
    ]);
    expect_code(&o, 1);
    std::fs::read(d.path("ref.out")).unwrap()
}

#[test]
fn resume_after_a_kill_gives_the_bytes_of_an_uninterrupted_run() {
    let d = Dir::new();
    trained(&d);
    d.write("in.jsonl", big_input(60_000));
    for format in ["jsonl", "csv"] {
        let want = reference(&d, "in.jsonl", format);
        let out = d.path("out");
        let partial = d.path("out.partial");
        let args = [
            "label", "-m", "m.json", "in.jsonl", "--format", format, "-o", "out", "--resume",
        ];
        assert!(
            kill_after(&d, &args, &partial, 1),
            "{format}: the run finished before it could be killed"
        );
        assert!(!out.exists());
        let before = len(&partial);
        let o = d.run(&args);
        let err = expect_code(&o, 1);
        assert!(err.contains("resuming after the"), "{format}: {err}");
        assert!(!partial.exists());
        let got = std::fs::read(&out).unwrap();
        assert!(before > 0 && before < got.len() as u64);
        assert!(
            got == want,
            "{format}: resumed output differs from an uninterrupted run"
        );
        // Resuming a finished run checks it and changes nothing; its error rows (the input has
        // some) still make the exit code 1, as they did for the run that wrote them.
        let o = d.run(&args);
        expect_code(&o, 1);
        assert!(std::fs::read(&out).unwrap() == want);
        std::fs::remove_file(&out).unwrap();
    }
}

/// Issue 6, fault injection for label: kill at seeded random points, resume each time, and
/// check that no row is lost or duplicated.
#[test]
fn repeated_kills_and_resumes_lose_and_duplicate_nothing() {
    let d = Dir::new();
    trained(&d);
    let n = 100_000;
    d.write("in.jsonl", big_input(n));
    let want = reference(&d, "in.jsonl", "jsonl");
    let total = want.len() as u64;
    let partial = d.path("out.jsonl.partial");
    let args = [
        "label",
        "-m",
        "m.json",
        "in.jsonl",
        "-o",
        "out.jsonl",
        "--resume",
    ];
    let mut seed: u64 = 0x5eed_1abe;
    let mut kills = 0;
    for _ in 0..5 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let fraction = 0.05 + 0.15 * ((seed >> 33) as f64 / (1u64 << 31) as f64);
        let target = len(&partial) + (fraction * total as f64) as u64;
        if kill_after(&d, &args, &partial, target) {
            kills += 1;
        }
    }
    assert!(
        kills >= 3,
        "only {kills} of 5 runs were killed before finishing"
    );
    expect_code(&d.run(&args), 1);
    let got = std::fs::read_to_string(d.path("out.jsonl")).unwrap();
    let got_ids = ids(&got);
    assert_eq!(got_ids.len(), n);
    let mut seen = std::collections::HashSet::new();
    assert!(
        got_ids.iter().all(|id| seen.insert(id.clone())),
        "duplicated id"
    );
    assert!(got.as_bytes() == want.as_slice());
}

#[test]
fn resume_refuses_the_output_of_another_input() {
    let d = Dir::new();
    trained(&d);
    d.write(
        "a.jsonl",
        "{\"id\":\"a\",\"text\":\"jwt\"}\n{\"id\":\"b\",\"text\":\"css\"}\n",
    );
    d.write("c.jsonl", "{\"id\":\"c\",\"text\":\"jwt\"}\n");
    let row_a = "{\"id\":\"a\",\"label\":\"security\",\"score\":0.9,\"terms\":[]}\n";
    d.write("out.jsonl.partial", row_a);
    let e = expect_code(&d.sh("label -m m.json c.jsonl -o out.jsonl --resume"), 1);
    assert!(
        e.contains("row 1 has id `a` but input record 1 is `c`"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(d.path("out.jsonl.partial")).unwrap(),
        row_a
    );
    expect_code(&d.sh("label -m m.json a.jsonl -o out.jsonl --resume"), 0);
    assert_eq!(
        ids(&std::fs::read_to_string(d.path("out.jsonl")).unwrap()),
        ["a", "b"]
    );
}

/// Issue 13: error rows written before a kill count in the exit code of the run that resumes.
#[test]
fn resume_exits_non_zero_for_error_rows_of_the_interrupted_run() {
    let d = Dir::new();
    trained(&d);
    d.write(
        "a.jsonl",
        "{\"id\":\"a\",\"text\":\"jwt\"}\n{\"id\":\"b\",\"text\":\"css\"}\n",
    );
    d.write(
        "out.jsonl.partial",
        "{\"id\":\"a\",\"label\":null,\"score\":null,\"terms\":[],\"error\":\"record too large\"}\n",
    );
    let args = [
        "label",
        "-m",
        "m.json",
        "a.jsonl",
        "-o",
        "out.jsonl",
        "--resume",
    ];
    let e = expect_code(&d.run(&args), 1);
    assert!(e.contains("1 records could not be labelled"), "{e}");
    assert_eq!(
        ids(&std::fs::read_to_string(d.path("out.jsonl")).unwrap()),
        ["a", "b"]
    );
    // Resuming the finished file again changes nothing and still reports the error row.
    let before = std::fs::read(d.path("out.jsonl")).unwrap();
    expect_code(&d.run(&args), 1);
    assert_eq!(std::fs::read(d.path("out.jsonl")).unwrap(), before);
}

/// A producer that writes one record and waits for its row before writing the next must be
/// served (no deadlock on batching or buffering).
#[test]
fn streams_line_for_line_on_stdin_and_stdout() {
    let d = Dir::new();
    trained(&d);
    let mut child = Command::new(env!("CARGO_BIN_EXE_secdisc"))
        .args(["label", "-m", "m.json", "--input-format", "jsonl", "-"])
        .current_dir(d.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn secdisc");
    let mut stdin = child.stdin.take().unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in out.lines() {
            if tx.send(line.expect("a row")).is_err() {
                break;
            }
        }
    });
    for i in 0..3 {
        writeln!(stdin, "{{\"id\":\"s{i}\",\"text\":\"jwt not verified\"}}").unwrap();
        stdin.flush().unwrap();
        let row = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("a row for each record before the next is sent");
        assert!(row.contains(&format!("\"id\":\"s{i}\"")), "{row}");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn bad_exports_give_error_rows_and_exit_1() {
    let d = Dir::new();
    trained(&d);
    // A truncated GitHub export: the complete issues get rows, the cut gets an error row.
    let whole = std::fs::read_to_string(fixture("github_issues_sample.json")).unwrap();
    let cut = &whole[..whole.len() * 2 / 3];
    d.write("cut.json", cut);
    let full = d.run(&[
        "label",
        "-m",
        "m.json",
        &fixture("github_issues_sample.json"),
    ]);
    expect_code(&full, 0);
    let o = d.sh("label -m m.json cut.json");
    let err = expect_code(&o, 1);
    assert!(err.contains("could not be labelled"), "{err}");
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (bad, good): (Vec<_>, Vec<_>) = rows.iter().partition(|r| r.get("error").is_some());
    assert_eq!(bad.len(), 1, "{rows:?}");
    assert!(
        bad[0]["id"].as_str().unwrap().starts_with("cut.json"),
        "{bad:?}"
    );
    assert!(!good.is_empty() && good.len() < ids(&stdout(&full)).len());
    // A record file with a wrong column name: stops before any output, naming the column.
    d.write("wrong.csv", "id,body\n1,jwt\n");
    let o = d.sh("label -m m.json wrong.csv");
    let e = expect_code(&o, 1);
    assert!(e.contains("wrong.csv: missing column `text`"), "{e}");
    assert!(o.stdout.is_empty());
    // An export whose format cannot be told: an error row saying what to pass.
    d.write(
        "odd.xml",
        "<?xml version=\"1.0\"?><catalog><book/></catalog>",
    );
    let o = d.sh("label -m m.json odd.xml --format csv");
    expect_code(&o, 1);
    assert!(
        stdout(&o).contains("cannot tell which export"),
        "{}",
        stdout(&o)
    );
    // The same with Parquet output: the error row is there too.
    #[cfg(feature = "parquet")]
    {
        let o = d.sh("label -m m.json cut.json --format parquet -o cut.parquet");
        expect_code(&o, 1);
        let rows = read_parquet(&d.path("cut.parquet"));
        assert_eq!(rows.len(), bad.len() + good.len());
        assert_eq!(rows.iter().filter(|r| r.4.is_some()).count(), 1);
    }
}

#[test]
fn a_full_disk_is_a_clear_error() {
    if !Path::new("/dev/full").exists() {
        println!("SKIPPED: no /dev/full");
        return;
    }
    let d = Dir::new();
    trained(&d);
    d.write("in.jsonl", big_input(20_000));
    for format in ["jsonl", "csv", "parquet"] {
        let e = expect_code(
            &d.run(&[
                "label",
                "-m",
                "m.json",
                "in.jsonl",
                "--format",
                format,
                "-o",
                "/dev/full",
            ]),
            1,
        );
        assert!(
            e.contains("cannot write /dev/full") && e.contains("No space left on device"),
            "{format}: {e}"
        );
    }
    // stdout redirected to /dev/full.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = label_cmd(&d, &["label", "-m", "m.json", "in.jsonl"])
        .stdout(full)
        .output()
        .unwrap();
    let e = expect_code(&o, 1);
    assert!(e.contains("No space left on device"), "{e}");
    assert!(Path::new("/dev/full")
        .metadata()
        .map(|m| !m.is_file())
        .unwrap_or(false));
}

/// Issue 13 item 3: a partial output is continued only with the model and flags that wrote it.
#[test]
fn resume_refuses_rows_of_another_model_or_flags() {
    let d = Dir::new();
    d.write("c.csv", toy_csv(40));
    expect_code(&d.sh("train c.csv -o m1.json --min-df 1"), 0);
    expect_code(&d.sh("train c.csv -o m2.json --min-df 1 --c 5"), 0);
    // Three records, then a quote that never closes: the input stops, the rows stay partial.
    d.write(
        "in.csv",
        "id,text\na,rotate the jwt key\nb,css layout\nc,token leak\nd,\"never closed\n",
    );
    let run = |model: &str, extra: &str| {
        d.sh(&format!(
            "label -m {model} in.csv -o out.jsonl --resume{extra}"
        ))
    };
    let e = expect_code(&run("m1.json", ""), 1);
    assert!(e.contains("rows so far are in out.jsonl.partial"), "{e}");
    let partial = std::fs::read(d.path("out.jsonl.partial")).unwrap();
    for (model, extra) in [("m2.json", ""), ("m1.json", " --top-terms 1")] {
        let e = expect_code(&run(model, extra), 1);
        assert!(
            e.contains("was written by another model or with other flags"),
            "{model}{extra}: {e}"
        );
        assert_eq!(std::fs::read(d.path("out.jsonl.partial")).unwrap(), partial);
    }
    let e = expect_code(&run("m1.json", ""), 1);
    assert!(e.contains("resuming after the 3 rows"), "{e}");
}

/// Issue 14 item 9: built without the `parquet` feature, `--format parquet` says how to get it.
#[test]
#[cfg(not(feature = "parquet"))]
fn parquet_without_the_feature_is_a_usage_error() {
    let d = Dir::new();
    d.write("in.jsonl", "{\"id\":\"a\",\"text\":\"jwt\"}\n");
    let model = repo().join("models/default.json");
    let e = expect_code(
        &d.sh(&format!(
            "label -m {} in.jsonl --format parquet -o out.parquet",
            model.display()
        )),
        2,
    );
    assert!(e.contains("--features parquet"), "{e}");
    assert!(!d.path("out.parquet").exists());
}
