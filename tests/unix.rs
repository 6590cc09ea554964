//! Issue 14 item 8 (in part): secdisc behaves like a Unix tool: shell completions and man pages
//! generated from its flags, `--threads N` that changes nothing but speed, `-q`, and `explain -`
//! reading stdin.

use crate::util::{expect_code, repo, stdout, toy_csv, Dir};

#[test]
fn completions_and_man_pages_come_from_the_flags() {
    let d = Dir::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = d.sh(&format!("completions {shell}"));
        expect_code(&o, 0);
        let script = stdout(&o);
        assert!(script.contains("secdisc"), "{shell}");
        // Every command and a command's own flag are completed.
        assert!(
            script.contains("label") && script.contains("abstain"),
            "{shell}"
        );
    }
    let e = expect_code(&d.sh("completions tcsh"), 2);
    assert!(e.contains("possible values"), "{e}");
    let page = stdout(&d.sh("man"));
    assert!(
        page.contains(".TH secdisc 1") && page.contains("label"),
        "{page}"
    );
    let page = stdout(&d.sh("man label"));
    assert!(
        page.contains(".TH secdisc-label 1") && page.contains("abstain"),
        "{page}"
    );
    let e = expect_code(&d.sh("man nope"), 2);
    assert!(e.contains("man pages exist for: train"), "{e}");
}

#[test]
fn threads_change_nothing_but_speed_and_quiet_is_accepted_everywhere() {
    let d = Dir::new();
    d.write("c.csv", toy_csv(60));
    let e = expect_code(&d.sh("--threads 0 train c.csv -o m.json"), 2);
    assert!(e.contains("--threads"), "{e}");
    expect_code(&d.sh("train c.csv -o m1.json --min-df 1 --threads 1 -q"), 0);
    expect_code(&d.sh("-q --threads 2 train c.csv -o m2.json --min-df 1"), 0);
    assert_eq!(
        std::fs::read(d.path("m1.json")).unwrap(),
        std::fs::read(d.path("m2.json")).unwrap()
    );
    // The results carry no timings; what differs between the runs is only in `run` (the
    // command line, the thread count and the wall time), so the rest compares whole.
    let report = |threads: &str| {
        let out = stdout(&d.sh(&format!(
            "evaluate c.csv --folds 3 --min-df 1 --json --threads {threads}"
        )));
        let mut v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let run = v.as_object_mut().unwrap().remove("run").unwrap();
        (serde_json::to_string(&v).unwrap(), run)
    };
    let ((one, run1), (two, run2)) = (report("1"), report("2"));
    assert!(one.contains("per_fold"), "{one}");
    assert_eq!(one, two);
    assert_eq!(
        (run1["threads"].as_u64(), run2["threads"].as_u64()),
        (Some(1), Some(2))
    );
}

/// Issue 14 item 5: a `--json` report explains itself: version, command line, every data file
/// with its SHA-256 and counts, seed, text preparation, features, classifiers and parameters,
/// and the wall time apart from the results.
#[test]
fn json_reports_say_what_made_them() {
    let d = Dir::new();
    d.write("a.csv", toy_csv(30));
    d.write("b.csv", toy_csv(45));
    for cmd in [
        "evaluate a.csv b.csv --folds 3 --min-df 1 --json --seed 7",
        "compare a.csv b.csv --folds 3 --min-df 1 --json --seed 7 --classifiers lr,nb",
    ] {
        let out = stdout(&d.sh(cmd));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let run = &v["run"];
        assert_eq!(run["secdisc_version"], env!("CARGO_PKG_VERSION"), "{cmd}");
        let args: Vec<&str> = run["command_line"]
            .as_array()
            .unwrap()
            .iter()
            .skip(1)
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(args.join(" "), cmd);
        let data = run["data"].as_array().unwrap();
        assert_eq!(data.len(), 2, "{cmd}");
        assert_eq!(data[0]["path"], "a.csv");
        assert_eq!(
            (data[0]["records"].as_u64(), data[1]["records"].as_u64()),
            (Some(30), Some(45))
        );
        assert_eq!(data[0]["security"].as_u64(), Some(10));
        assert_eq!(data[0]["sha256"].as_str().map(str::len), Some(64));
        assert_ne!(data[0]["sha256"], data[1]["sha256"]);
        assert_eq!(run["seed"].as_u64(), Some(7));
        assert_eq!(run["text_prep"]["markup"], "markdown");
        assert_eq!(run["features"]["min_df"].as_u64(), Some(1));
        let names: Vec<&str> = run["classifiers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        let want: &[&str] = if cmd.starts_with("compare") {
            &["lr", "nb"]
        } else {
            &["lr"]
        };
        assert_eq!(names, want, "{cmd}");
        assert!(run["seconds"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn explain_dash_reads_the_text_from_stdin() {
    let d = Dir::new();
    let model = repo().join("models/default.json");
    let model = model.to_str().unwrap();
    let text = "The gateway forwards the JWT without verifying its signature";
    let direct = d.run(&["explain", "-m", model, text]);
    expect_code(&direct, 0);
    let piped = d.run_stdin(&["explain", "-m", model, "-"], Some(text.as_bytes()));
    expect_code(&piped, 0);
    assert_eq!(stdout(&direct), stdout(&piped));
    let e = expect_code(
        &d.run_stdin(&["explain", "-m", model, "-"], Some(b"  \n")),
        1,
    );
    assert!(e.contains("empty"), "{e}");
}
