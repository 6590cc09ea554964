#!/usr/bin/env python3
"""Labelling throughput side by side: secdisc label, fastText predict, scikit-learn.

Usage:
    python benches/peers/label_throughput.py DATA.csv [--replicate 5] [--model MODEL]
        [--secdisc target/release/secdisc] [--models lr,fasttext] [--repeats 3]

DATA.csv: `id,source,text,label` (e.g. $SECDISC_SHARED/datasets/matomo_github_issues/data.csv).

Every contestant labels the same texts: DATA.csv's rows repeated --replicate times.
- scikit-learn: TfidfVectorizer(ngram_range=(1,2), sublinear_tf=True, min_df=2) +
  LogisticRegression(liblinear, balanced), fitted once on DATA.csv (not timed), then
  `transform + predict_proba` over all texts (peers.py's model);
- fastText (fasttext-wheel): trained once on DATA.csv (not timed), then the per-line `predict`
  over all texts (peers.py's model and parameters, 2 threads for training);
- secdisc: a model trained on DATA.csv with `secdisc train` (default classifier, not timed),
  then `secdisc label --model M --top-terms 5 REPLICATED.jsonl -o /dev/null` as a subprocess:
  the time includes reading and parsing the JSONL file, writing the rows and process start-up.
Best of --repeats wall times. records/s and MB/s (10^6 bytes of UTF-8 text).

Peers run in this process on one core (fastText predict and scikit-learn transform are
single-threaded); secdisc uses every core (rayon). The table says how many cores each used.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers  # noqa: E402  (reuse the exact peer models)


def best_time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("--replicate", type=int, default=5)
    ap.add_argument("--secdisc", default="target/release/secdisc")
    ap.add_argument("--model", help="secdisc model (default: train one on DATA.csv)")
    ap.add_argument("--models", default="lr,fasttext")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    data = peers.read_data(args.data)
    texts = data["texts"] * args.replicate
    n = len(texts)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"data: {args.data} x{args.replicate} = {n} texts, {mb:.1f} MB; {os.cpu_count()} cores")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "texts.jsonl"
        with open(jsonl, "w", encoding="utf-8") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": str(i), "text": t}) + "\n")
        model = args.model
        if model is None:
            model = str(Path(tmp) / "model.json")
            subprocess.run([args.secdisc, "train", args.data, "-o", model], check=True,
                           stderr=subprocess.DEVNULL)

        def run_secdisc():
            subprocess.run([args.secdisc, "label", "--model", model, str(jsonl), "-o", "/dev/null"],
                           check=True, stderr=subprocess.DEVNULL)

        secs = best_time(run_secdisc, args.repeats)
        results["secdisc label"] = dict(seconds=secs, cores=os.cpu_count())
        for name in args.models.split(","):
            m = peers.make_model(name, 42).fit(data["texts"], data["y"])
            secs = best_time(lambda: m.score_only(texts), args.repeats)
            label = "fastText predict" if name == "fasttext" else f"scikit-learn {name}"
            results[label] = dict(seconds=secs, cores=1)
    base = results["secdisc label"]["seconds"]
    print(f"{'':18} {'records/s':>10} {'MB/s':>7} {'cores':>5} {'secdisc is':>11}")
    for name, r in results.items():
        r.update(records=n, mb=mb, records_per_s=n / r["seconds"], mb_per_s=mb / r["seconds"])
        ratio = r["seconds"] / base
        print(f"{name:18} {r['records_per_s']:>10.0f} {r['mb_per_s']:>7.2f} {r['cores']:>5} "
              f"{ratio:>10.1f}x")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
