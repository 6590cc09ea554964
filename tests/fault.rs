//! Fault injection (issue 6): a killed `train`, read-only and full output locations.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use secdisc_train::SplitMix64;

use crate::util::{expect_code, toy_csv, Dir};

fn train_cmd(d: &Dir, classifier: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_secdisc"));
    cmd.args([
        "train",
        "data.csv",
        "-o",
        "m.json",
        "--min-df",
        "1",
        "--classifier",
        classifier,
    ])
    .current_dir(d.dir.path())
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    cmd
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// SIGKILL `train` at seeded random moments while it replaces an existing model: the model file
/// is always the complete old model or the complete new one (the save is a synced temporary
/// file renamed into place). A kill can leave a hidden `.secdisc-*.tmp` file, never a partial
/// model under the real name.
#[test]
fn killed_train_leaves_the_old_or_the_new_model() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(3000));
    // The old model (small, lr) and the new one (kNN stores its rows: about half a megabyte).
    let run = |classifier: &str| {
        let status = train_cmd(&d, classifier).status().unwrap();
        assert!(status.success());
        std::fs::read(d.path("m.json")).unwrap()
    };
    let old = run("lr");
    let started = Instant::now();
    let new = run("knn");
    let full_run = started.elapsed();
    assert_ne!(old, new);

    let mut rng = SplitMix64::new(6);
    let (mut saw_old, mut saw_new, mut left_temps) = (0, 0, 0);
    for _ in 0..10 {
        std::fs::write(d.path("m.json"), &old).unwrap();
        for t in temp_files(d.dir.path()) {
            std::fs::remove_file(d.dir.path().join(t)).unwrap();
        }
        // Anywhere from 30% to 110% of a full run, so that some kills land while the model is
        // being written and some after it is done.
        let fraction = 0.3 + 0.8 * (rng.next_u64() % 1000) as f64 / 1000.0;
        let delay = full_run.mul_f64(fraction);
        let mut child = train_cmd(&d, "knn").spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let now = std::fs::read(d.path("m.json")).unwrap();
        if now == old {
            saw_old += 1;
        } else if now == new {
            saw_new += 1;
        } else {
            panic!(
                "model is neither old nor new after a kill at {delay:?} ({} bytes)",
                now.len()
            );
        }
        let temps = temp_files(d.dir.path());
        assert!(
            temps.iter().all(|t| t.starts_with(".secdisc-")),
            "{temps:?}"
        );
        left_temps += temps.len();
    }
    eprintln!(
        "killed train 10 times (full run {full_run:?}): old model {saw_old}, new model {saw_new}, \
         temporary files left by a kill {left_temps}"
    );
}

/// A directory that cannot be written, or `None` (with a SKIPPED line) when there is none:
/// a 0555 directory, unless permissions do not apply (root), then `/sys` (sysfs refuses new
/// files even to root).
fn read_only_dir(d: &Dir) -> Option<PathBuf> {
    let dir = d.path("ro");
    std::fs::create_dir(&dir).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let refused = |dir: &Path| std::fs::write(dir.join(".probe"), b"x").is_err();
    if refused(&dir) {
        return Some(dir);
    }
    let _ = std::fs::remove_file(dir.join(".probe"));
    let sys = PathBuf::from("/sys");
    if sys.is_dir() && refused(&sys) {
        return Some(sys);
    }
    eprintln!("SKIPPED: no read-only directory here (running as root without a read-only /sys)");
    None
}

fn outputs_fail(d: &Dir, out_dir: &Path, what: &str, expect: &[&str]) {
    let o = |name: &str| out_dir.join(name).display().to_string();
    let (model, labels, ingested, oof, html) = (
        o("m.json"),
        o("out.jsonl"),
        o("in.jsonl"),
        o("oof.csv"),
        o("r.html"),
    );
    let fixture = crate::util::repo().join("tests/fixtures/ingest/github_issues_sample.json");
    let runs: [(&str, Vec<&str>, &str); 5] = [
        (
            "train -o",
            vec!["train", "data.csv", "-o", &model, "--min-df", "1"],
            &model,
        ),
        (
            "label -o",
            vec!["label", "-m", "good.json", "data.csv", "-o", &labels],
            &labels,
        ),
        (
            "ingest -o",
            vec!["ingest", fixture.to_str().unwrap(), "-o", &ingested],
            &ingested,
        ),
        (
            "evaluate --oof",
            vec!["evaluate", "data.csv", "--folds", "3", "--oof", &oof],
            &oof,
        ),
        (
            "evaluate --html",
            vec!["evaluate", "data.csv", "--folds", "3", "--html", &html],
            &html,
        ),
    ];
    for (name, args, target) in runs {
        let e = expect_code(&d.run(&args), 1);
        assert!(
            e.contains(target),
            "{what} {name}: message names no path: {e}"
        );
        assert!(
            expect.iter().any(|x| e.contains(x)),
            "{what} {name}: expected one of {expect:?} in: {e}"
        );
        assert!(!e.contains("panicked"), "{e}");
    }
}

/// Every command's output to a read-only location: exit 1 and a message naming the path and
/// saying why, before any work.
#[test]
fn read_only_output_is_reported_by_every_writer() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    expect_code(&d.sh("train data.csv -o good.json --min-df 1"), 0);
    let Some(ro) = read_only_dir(&d) else {
        return;
    };
    outputs_fail(
        &d,
        &ro,
        "read-only",
        &["permission denied", "Permission denied", "read-only"],
    );
}

/// Every command's output to a full device (`/dev/full`): exit 1 with "No space left on
/// device", and the device is written in place, never replaced by a renamed file.
#[test]
fn full_output_device_is_reported_by_every_writer() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("SKIPPED: no /dev/full here");
        return;
    }
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    expect_code(&d.sh("train data.csv -o good.json --min-df 1"), 0);
    let fixture = crate::util::repo().join("tests/fixtures/ingest/github_issues_sample.json");
    let runs: [Vec<&str>; 5] = [
        vec!["train", "data.csv", "-o", "/dev/full", "--min-df", "1"],
        vec!["label", "-m", "good.json", "data.csv", "-o", "/dev/full"],
        vec!["ingest", fixture.to_str().unwrap(), "-o", "/dev/full"],
        vec!["evaluate", "data.csv", "--folds", "3", "--oof", "/dev/full"],
        vec![
            "evaluate",
            "data.csv",
            "--folds",
            "3",
            "--html",
            "/dev/full",
        ],
    ];
    for args in runs {
        let e = expect_code(&d.run(&args), 1);
        assert!(
            e.contains("/dev/full") && e.contains("No space left on device"),
            "{args:?}: {e}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            let kind = std::fs::metadata(full).unwrap().file_type();
            assert!(kind.is_char_device(), "{args:?} replaced /dev/full");
        }
    }
}

/// A path whose directory component is a file: named as "not a directory", exit 1.
#[test]
fn output_under_a_file_is_not_a_directory() {
    let d = Dir::new();
    d.write("data.csv", toy_csv(30));
    let e = expect_code(&d.sh("train data.csv -o data.csv/m.json --min-df 1"), 1);
    assert!(e.contains("data.csv is not a directory"), "{e}");
}

/// Issue 13 item 10: SIGTERM or SIGINT to `label -o FILE` left a hidden temporary file the size
/// of the output. Now the rows so far are kept as `FILE.partial`, the exit status is 128 + the
/// signal, and `--resume` finishes the job with the same bytes as an uninterrupted run. The
/// input comes through a pipe, so the signal arrives while `label` is surely still running.
#[test]
fn a_signal_to_label_keeps_the_rows_so_far_for_resume() {
    use std::io::Write;
    let d = Dir::new();
    let model = crate::util::repo().join("models/default.json");
    let model = model.to_str().unwrap();
    let lines: Vec<String> = (0..4000)
        .map(|i| {
            let text = if i % 3 == 0 {
                "Rotate the leaked API key"
            } else {
                "Typo in the README"
            };
            format!("{{\"id\":\"r{i}\",\"text\":\"{text} {i}\"}}\n")
        })
        .collect();
    d.write("all.jsonl", lines.concat());
    expect_code(
        &d.sh(&format!("label -m {model} all.jsonl -o ref.jsonl")),
        0,
    );
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_secdisc"))
            .args(["label", "-m", model, "-", "-o", "out.jsonl"])
            .current_dir(d.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(lines[..2500].concat().as_bytes()).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let pid = child.id().to_string();
        assert!(Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap()
            .success());
        std::thread::sleep(std::time::Duration::from_millis(300));
        // The reader was waiting for more input; the end of input lets it see the signal.
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{log}");
        assert!(log.contains(&format!("stopped by SIG{signal}")), "{log}");
        assert!(temp_files(d.dir.path()).is_empty(), "{log}");
        assert!(!d.path("out.jsonl").exists());
        let kept = std::fs::read_to_string(d.path("out.jsonl.partial")).unwrap();
        assert!(kept.lines().count() <= 2500, "{log}");
        // --resume appends the rest: the same bytes as the uninterrupted run.
        expect_code(
            &d.sh(&format!("label -m {model} all.jsonl -o out.jsonl --resume")),
            0,
        );
        assert_eq!(
            std::fs::read(d.path("out.jsonl")).unwrap(),
            std::fs::read(d.path("ref.jsonl")).unwrap()
        );
        std::fs::remove_file(d.path("out.jsonl")).unwrap();
    }
}
