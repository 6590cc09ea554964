//! `evaluate --html` and `compare --html`: the page exists, is self-contained, and renders in
//! headless Chromium when it is installed.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{expect_code, toy_csv, Dir};

/// Reports on a toy data set: (evaluate page, compare page) as text.
fn reports(d: &Dir) -> (String, String) {
    d.write("toy data.csv", toy_csv(90));
    expect_code(
        &d.run(&[
            "evaluate",
            "toy data.csv",
            "--folds",
            "3",
            "--min-df",
            "1",
            "--html",
            "evaluate.html",
        ]),
        0,
    );
    expect_code(
        &d.run(&[
            "compare",
            "toy data.csv",
            "--classifiers",
            "lr,svm,nb",
            "--folds",
            "3",
            "--min-df",
            "1",
            "--html",
            "compare.html",
        ]),
        0,
    );
    let read = |name: &str| std::fs::read_to_string(d.path(name)).expect("report written");
    (read("evaluate.html"), read("compare.html"))
}

#[test]
fn html_reports_are_self_contained_and_show_every_section() {
    let d = Dir::new();
    let (evaluate, compare) = reports(&d);
    for (page, sections) in [
        (
            &evaluate,
            &[
                "Metrics",
                "Curves",
                "Confusion matrix",
                "Top-weighted terms",
                "Per-fold results",
            ][..],
        ),
        (
            &compare,
            &[
                "Metrics",
                "Pairwise tests",
                "Curves",
                "Confusion matrices",
                "Top-weighted terms",
                "Per-fold results",
            ][..],
        ),
    ] {
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<h1>toy data.csv</h1>"));
        for s in sections {
            assert!(page.contains(&format!("<h2>{s}</h2>")), "missing {s}");
        }
        for banned in ["<script", "src=", "<link", "@import", "url("] {
            assert!(!page.contains(banned), "page contains {banned}");
        }
        assert_eq!(
            page.matches("http").count(),
            page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
            "the only URL is the SVG namespace"
        );
        assert_eq!(page.matches("<svg").count(), 3);
        assert!(page.contains("towards security") && page.contains("towards non-security"));
    }
    assert!(compare.contains("lr − svm") && compare.contains("svm − nb"));
    assert_eq!(
        compare.matches("<polyline").count(),
        9,
        "3 charts × 3 classifiers"
    );
}

#[test]
fn html_to_a_missing_directory_fails_before_cross_validating() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    let e = expect_code(&d.sh("evaluate data.csv --html nowhere/r.html"), 1);
    assert!(e.contains("directory nowhere does not exist"), "{e}");
    let e = expect_code(&d.sh("compare data.csv --html nowhere/r.html"), 1);
    assert!(e.contains("directory nowhere does not exist"), "{e}");
}

pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Screenshot `page` with headless Chromium into `png`.
pub fn screenshot(d: &Dir, page: &Path, png: &Path) {
    let profile = tempfile::tempdir().expect("chromium profile dir");
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,2400")
        .arg(format!("file://{}", page.display()))
        .current_dir(d.dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run chromium");
    // A wedged browser must not hang the test suite.
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium took more than 120 s to screenshot {}",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "chromium failed on {}: {status}",
        page.display()
    );
}

#[test]
fn html_reports_render_in_headless_chromium() {
    if !on_path("chromium") {
        println!("SKIPPED: install Debian's chromium to run the HTML rendering test");
        return;
    }
    let d = Dir::new();
    reports(&d);
    for name in ["evaluate", "compare"] {
        let page = d.path(&format!("{name}.html"));
        let png = d.path(&format!("{name}.png"));
        screenshot(&d, &page, &png);
        let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        assert!(size > 20_000, "{name}.png is only {size} bytes");
        let bytes = std::fs::read(&png).expect("read screenshot");
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{name}.png is not a PNG"
        );
    }
}
