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
    // The report carries no timings, so the bytes compare whole.
    let one = stdout(&d.sh("evaluate c.csv --folds 3 --min-df 1 --json --threads 1"));
    let two = stdout(&d.sh("evaluate c.csv --folds 3 --min-df 1 --json --threads 2"));
    assert!(one.contains("per_fold"), "{one}");
    assert_eq!(one, two);
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
