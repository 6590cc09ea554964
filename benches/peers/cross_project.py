#!/usr/bin/env python3
"""Cross-project peer for secdisc: leave one data set out, scikit-learn's TF-IDF + logistic regression.

Usage (from the repository root; run by hand, not in CI):

    python benches/peers/cross_project.py DATA.csv... [--train-only FILE.csv]... [--json OUT.json]

For each DATA file: fit on every other DATA file plus the --train-only files, score the held-out
file whole. The recipe is peers.py's `lr`: TfidfVectorizer(ngram_range=(1,2), sublinear_tf=True,
min_df=2) + LogisticRegression(solver="liblinear", class_weight="balanced"); F1 from the model's
own predicted label, ROC AUC from predict_proba. It is what
`secdisc evaluate DATA... --train-only FILE --split leave-one-file-out` measures, so the two
print the same rows.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import dataset_name, read_data  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="+")
    ap.add_argument("--train-only", action="append", default=[])
    ap.add_argument("--json")
    args = ap.parse_args()
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score, roc_auc_score

    sets = [(dataset_name(p), read_data(p)) for p in args.data]
    extra = [read_data(p) for p in args.train_only]
    rows = []
    for k, (name, held) in enumerate(sets):
        train = [d for j, (_, d) in enumerate(sets) if j != k] + extra
        texts = [t for d in train for t in d["texts"]]
        y = np.concatenate([d["y"] for d in train])
        started = time.perf_counter()
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        x = vec.fit_transform(texts)
        clf = LogisticRegression(solver="liblinear", class_weight="balanced").fit(x, y)
        xt = vec.transform(held["texts"])
        p = clf.predict_proba(xt)[:, 1]
        pred = clf.predict(xt)
        seconds = time.perf_counter() - started
        row = dict(held_out=name, train=len(texts), test=len(held["texts"]),
                   f1=float(f1_score(held["y"], pred)), auc=float(roc_auc_score(held["y"], p)),
                   seconds=seconds)
        rows.append(row)
        print(f"{name:32} train {row['train']:6} test {row['test']:6}  "
              f"F1 {row['f1']:.3f}  AUC {row['auc']:.3f}  {seconds:.1f} s", file=sys.stderr)
    mean = dict(f1=float(np.mean([r["f1"] for r in rows])),
                auc=float(np.mean([r["auc"] for r in rows])))
    print(f"{'mean':32} {'':26}F1 {mean['f1']:.3f}  AUC {mean['auc']:.3f}", file=sys.stderr)
    out = dict(model="sklearn tfidf(1-2)+lr(liblinear, balanced)", rows=rows, mean=mean)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")
    else:
        print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
