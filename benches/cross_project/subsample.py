#!/usr/bin/env python3
"""Keep every security record of a labelled CSV and a seeded sample of the others.

Usage: python benches/cross_project/subsample.py IN.csv OUT.csv --negatives N [--seed 42]

The cross-project runs in benches/cross_project/README.md use it on the two large conversation
sets (chromium_farsec, matomo_github_issues), as the issue's prototype did, so that the full
sentence encoder (about 14 texts/s on a 2-core machine) embeds each set in minutes. ROC AUC
does not depend on the share of negatives, so it stays comparable; F1 does, and is reported
for the sample. Rows keep their order and every column.
"""
import argparse
import csv
import random
import sys

POS = {"1", "1.0", "true", "security", "sec", "yes", "pos", "positive"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--negatives", type=int, required=True)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    csv.field_size_limit(sys.maxsize)
    with open(a.src, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames
        rows = list(reader)
    neg = [i for i, r in enumerate(rows) if r["label"].strip().lower() not in POS]
    keep_neg = set(random.Random(a.seed).sample(neg, min(a.negatives, len(neg))))
    kept = [r for i, r in enumerate(rows) if i in keep_neg or r["label"].strip().lower() in POS]
    with open(a.dst, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(kept)
    print(f"{a.src}: kept {len(kept)} of {len(rows)} rows "
          f"({len(kept) - len(keep_neg)} security, {len(keep_neg)} others)", file=sys.stderr)


if __name__ == "__main__":
    main()
