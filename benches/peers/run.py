#!/usr/bin/env python3
"""secdisc and its peers on exactly the same folds, in one command, side by side.

Usage (from anywhere; paths are resolved against the current directory):

    python benches/peers/run.py DATA.csv [--folds 10] [--seed 42] [--classifiers lr,svm,nb,ensemble]
        [--models lr,svm,cnb,fasttext] [--secdisc PATH] [--out DIR] [-- SECDISC FLAGS...]

Steps:
  1. `secdisc evaluate DATA --classifier C --folds K --seed S --json [FLAGS]` for every secdisc
     classifier C, each timed (wall clock of the whole process: reading, tokenizing, K fits and
     predictions); the first run also writes the folds (`--folds-out DIR/folds.csv`).
  2. `peers.py DATA --folds-file DIR/folds.csv --json DIR/peers.json --models M`: scikit-learn
     (LR, LinearSVC, ComplementNB on TF-IDF 1-2 grams) and fastText on exactly those folds; its
     time is vectorize + fit + predict summed over folds (data loading excluded).
  3. Prints a Markdown table: one row per model of either side, mean ± std over folds of
     precision, recall, F1, ROC AUC and G-mean for the security class, and seconds; then the
     best-of-each-side row of `table.py` (the README's quality table format).

Everything is kept in DIR (default: a new temporary directory): folds.csv, secdisc-C.json,
secdisc.json (the classifiers merged, the input `table.py` reads), peers.json, table.md.
FLAGS after `--` go to every `secdisc evaluate` (e.g. `-- --tune --tune-min-df 1,2`);
flags that change the folds (`--split`, `--source-depth`, `--repeats`) are the caller's to keep
consistent: only the first repetition's folds are written for the peers.

`--secdisc` defaults to target/release/secdisc of this repository, built with
`cargo build --release` when it is missing. DATA must be CSV (peers.py reads CSV only).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PEER_SIDE = {"lr": "scikit-learn", "svm": "scikit-learn", "cnb": "scikit-learn",
             "fasttext": "fastText"}


def log(msg: str) -> None:
    print(f"run.py: {msg}", file=sys.stderr, flush=True)


def secdisc_binary(path: str | None) -> Path:
    if path:
        p = Path(path)
        if not p.is_file():
            sys.exit(f"run.py: error: --secdisc {p} does not exist")
        return p
    p = REPO / "target" / "release" / "secdisc"
    if not p.is_file():
        log(f"{p} is missing; building it with `cargo build --release`")
        subprocess.run(["cargo", "build", "--release", "--bin", "secdisc"], cwd=REPO, check=True)
    return p


def run_evaluate(secdisc: Path, data: str, classifier: str, args, extra: list[str],
                 folds_out: Path | None) -> tuple[dict, float]:
    cmd = [str(secdisc), "evaluate", data, "--classifier", classifier, "--folds", str(args.folds),
           "--seed", str(args.seed), "--json", *extra]
    if folds_out is not None:
        cmd += ["--folds-out", str(folds_out)]
    log(" ".join(cmd))
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"run.py: error: secdisc evaluate --classifier {classifier} exited "
                 f"{done.returncode} (its message is above)")
    return json.loads(done.stdout), seconds


def cell(mean: dict, std: dict, key: str) -> str:
    m, s = mean.get(key), std.get(key)
    if m is None:
        return "n/a"
    return f"{m:.3f} ± {s:.3f}" if s is not None else f"{m:.3f}"


def table(ours: list[dict], peers: dict, data: str, n: int, positives: int, folds: int,
          seed: int) -> str:
    lines = [
        f"{Path(data).name}: {n} records, {positives} security; {folds} folds written by "
        f"secdisc (seed {seed}), the same folds for every row",
        "",
        "| side | model | precision | recall | F1 | ROC AUC | G-mean | seconds |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in ours:
        m, s = c["mean"], c["std"]
        lines.append(
            f"| secdisc | {c['name']} | {cell(m, s, 'precision')} | {cell(m, s, 'recall')} "
            f"| {cell(m, s, 'f1')} | {cell(m, s, 'auc')} | {cell(m, s, 'gmean')} "
            f"| {c['seconds']:.2f} |")
    for name, r in peers.items():
        m, s = r["mean"], r["std"]
        lines.append(
            f"| {PEER_SIDE.get(name, 'peer')} | {name} | {cell(m, s, 'precision')} "
            f"| {cell(m, s, 'recall')} | {cell(m, s, 'f1')} | {cell(m, s, 'roc_auc')} "
            f"| {cell(m, s, 'g_mean')} | {r['seconds']:.2f} |")
    lines += [
        "",
        "seconds: secdisc = wall clock of `secdisc evaluate` (whole process: read, tokenize, "
        "every fold's fit and prediction); peers = vectorize + fit + predict summed over folds "
        "(reading the data excluded).",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", help="labelled CSV: text,label[,id,source,group]")
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--classifiers", default="lr,svm,nb,ensemble",
                    help="secdisc classifiers (default lr,svm,nb,ensemble)")
    ap.add_argument("--models", default="lr,svm,cnb,fasttext",
                    help="peers.py models (default lr,svm,cnb,fasttext)")
    ap.add_argument("--secdisc", help="secdisc binary (default target/release/secdisc)")
    ap.add_argument("--out", help="directory for every intermediate file (default: a temp dir)")
    args = ap.parse_args(argv)
    if not Path(args.data).is_file():
        ap.error(f"{args.data} does not exist")
    if not args.data.lower().endswith(".csv"):
        ap.error(f"{args.data}: peers.py reads CSV only; convert the data to CSV first")
    classifiers = [c.strip() for c in args.classifiers.split(",") if c.strip()]
    if not classifiers:
        ap.error("--classifiers is empty")

    secdisc = secdisc_binary(args.secdisc)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="secdisc-peers-"))
    out.mkdir(parents=True, exist_ok=True)
    folds_csv = out / "folds.csv"

    ours, head = [], None
    for i, c in enumerate(classifiers):
        report, seconds = run_evaluate(secdisc, args.data, c, args, extra,
                                       folds_csv if i == 0 else None)
        (out / f"secdisc-{c}.json").write_text(json.dumps(report, indent=1) + "\n")
        head = head or report
        ours.append({"name": c, "mean": report["mean"], "std": report["std"],
                     "seconds": seconds})
    merged = out / "secdisc.json"
    merged.write_text(json.dumps({"classifiers": ours}, indent=1) + "\n")

    peers_json = out / "peers.json"
    cmd = [sys.executable, str(HERE / "peers.py"), args.data, "--folds-file", str(folds_csv),
           "--models", args.models, "--seed", str(args.seed), "--json", str(peers_json)]
    log(" ".join(cmd))
    # peers.py prints its own table on stdout; keep ours the only stdout.
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    peers = json.loads(peers_json.read_text())

    text = table(ours, peers["models"], args.data, head["n"], head["positives"], head["folds"],
                 args.seed)
    best = subprocess.run([sys.executable, str(HERE / "table.py"),
                           peers.get("dataset") or Path(args.data).stem, str(peers_json),
                           str(merged)],
                          stdout=subprocess.PIPE, text=True, check=True).stdout
    text += "\nBest of each side by mean F1 (`table.py`):\n\n" + best
    (out / "table.md").write_text(text)
    print(text, end="")
    log(f"intermediate files in {out}")


if __name__ == "__main__":
    main()
