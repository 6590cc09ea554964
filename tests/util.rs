//! Shared helpers for the end-to-end tests: run the real binary in a temporary directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary working directory for one test.
pub struct Dir {
    pub dir: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, contents).expect("write fixture");
        p
    }

    /// Run `secdisc ARGS` in this directory.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_stdin(args, None)
    }

    /// Run `secdisc` with the words of `line` as arguments (for arguments without spaces;
    /// `run` takes any).
    pub fn sh(&self, line: &str) -> Output {
        self.run(&line.split_whitespace().collect::<Vec<_>>())
    }

    /// Run `secdisc ARGS` with environment variables set (`Some`) or removed (`None`).
    pub fn run_env(&self, args: &[&str], env: &[(&str, Option<&str>)]) -> Output {
        self.run_with(args, None, env)
    }

    /// Run `secdisc ARGS` with `stdin` piped in.
    pub fn run_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        self.run_with(args, stdin, &[])
    }

    fn run_with(
        &self,
        args: &[&str],
        stdin: Option<&[u8]>,
        env: &[(&str, Option<&str>)],
    ) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_secdisc"));
        for (key, value) in env {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        cmd.args(args)
            .current_dir(self.dir.path())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn secdisc");
        if let Some(bytes) = stdin {
            let written = child.stdin.take().expect("stdin").write_all(bytes);
            // A command that refuses its arguments exits without reading stdin; the test then
            // checks its exit code and message, so a closed pipe here is not a failure.
            if let Err(e) = written {
                assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
            }
        }
        child.wait_with_output().expect("wait for secdisc")
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Assert exit code `code` and return stderr.
#[track_caller]
pub fn expect_code(o: &Output, code: i32) -> String {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
    stderr(o)
}

/// The `name` of every fold of an `evaluate --json` report, in order.
pub fn fold_names(report: &serde_json::Value) -> Vec<&str> {
    report["per_fold"]
        .as_array()
        .expect("per_fold is an array")
        .iter()
        .map(|f| f["name"].as_str().expect("a named fold"))
        .collect()
}

/// A small separable labelled CSV: `n` records, every third security, threads of three.
pub fn toy_csv(n: usize) -> String {
    let sec = [
        "The gateway forwards the JWT without verifying its signature",
        "Rotate the leaked API key and move it into Vault",
        "Enable mTLS between the order service and payments",
        "The sort parameter is concatenated into SQL, that is an injection",
    ];
    let other = [
        "The dashboard layout breaks on small screens",
        "Bump the Kafka client and rerun the flaky integration test",
        "Consumer lag grows when the batch size is too small",
        "Typo in the README installation section",
        "Helm chart values for replicas are ignored",
    ];
    let mut s = String::from("id,source,group,text,label\n");
    for i in 0..n {
        let (text, label) = if i % 3 == 0 {
            (sec[i % 4], 1)
        } else {
            (other[i % 5], 0)
        };
        s.push_str(&format!(
            "r{i},toy,t{},\"{text} (case {i})\",{label}\n",
            i / 3
        ));
    }
    s
}

/// The repository root (for the shipped model and data).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A `--json` report without its `run` object (command line, threads, wall time): the results
/// alone, which the same data, flags and seed reproduce byte for byte.
pub fn results_only(json: &[u8]) -> String {
    let mut v: serde_json::Value = serde_json::from_slice(json).expect("a JSON report");
    let run = v.as_object_mut().and_then(|m| m.remove("run"));
    assert!(run.is_some(), "the report has a run object");
    serde_json::to_string_pretty(&v).expect("JSON")
}
