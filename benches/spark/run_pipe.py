#!/usr/bin/env python3
"""Run `secdisc label` under PySpark's RDD.pipe (local mode) and check rows in = rows out.

Usage:
    python benches/spark/run_pipe.py [--secdisc target/release/secdisc]
        [--model models/default.json] [--data DATA.csv] [--partitions 4] [--replicate 1]

Without --data, DATA.csv is $SECDISC_SHARED/datasets/matomo_github_issues/data.csv. Each record
becomes one JSON line `{"id", "text"}`; the RDD is piped, partition by partition, through

    secdisc label --model MODEL --input-format jsonl -

and the script checks that every partition gives back exactly one row per input line, in the
same order (ids equal), and prints the counts. Exit 0 when they match, 1 otherwise.
Not run in CI: needs `pip install pyspark` and a Java runtime.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shlex
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--secdisc", default="target/release/secdisc")
    ap.add_argument("--model", default="models/default.json")
    ap.add_argument("--data")
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--replicate", type=int, default=1)
    args = ap.parse_args()
    data = args.data or os.path.join(os.environ.get("SECDISC_SHARED", "/work/shared"),
                                     "datasets/matomo_github_issues/data.csv")
    csv.field_size_limit(1 << 30)
    with open(data, newline="", encoding="utf-8") as f:
        rows = [(r["id"], r["text"]) for r in csv.DictReader(f)]
    lines = [json.dumps({"id": f"{i}-{rid}", "text": text})
             for i in range(args.replicate) for rid, text in rows]

    from pyspark import SparkConf, SparkContext
    conf = SparkConf().setMaster("local[2]").setAppName("secdisc-label-pipe")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    try:
        cmd = " ".join(shlex.quote(a) for a in [
            os.path.abspath(args.secdisc), "label", "--model", os.path.abspath(args.model),
            "--input-format", "jsonl", "-"])
        rdd = sc.parallelize(lines, args.partitions)
        t0 = time.perf_counter()
        # glom keeps each partition's rows together so that order can be checked per partition.
        pairs = rdd.glom().zip(rdd.pipe(cmd).glom()).collect()
        secs = time.perf_counter() - t0
    finally:
        sc.stop()
    n_in = sum(len(i) for i, _ in pairs)
    n_out = sum(len(o) for _, o in pairs)
    mismatched = 0
    security = 0
    for ins, outs in pairs:
        out_rows = [json.loads(o) for o in outs]
        security += sum(r.get("label") == "security" for r in out_rows)
        in_ids = [json.loads(i)["id"] for i in ins]
        mismatched += sum(a != b.get("id") for a, b in zip(in_ids, out_rows))
        mismatched += abs(len(in_ids) - len(out_rows))
    print(f"command: {cmd}")
    print(f"partitions: {len(pairs)}; rows in: {n_in}; rows out: {n_out}; "
          f"ids matching in order: {n_in - mismatched}/{n_in}; security: {security}; "
          f"{secs:.1f} s (Spark local[2], including JVM work)")
    ok = n_in == n_out and mismatched == 0
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
