#!/usr/bin/env python3
"""Peer baselines for secdisc: the same cross-validation folds, classic text classifiers.

Usage (from the repository root; run by hand, not in CI):

    python benches/peers/peers.py DATA.csv [--folds 10] [--seed 42] [--folds-file FOLDS.csv]
        [--models lr,svm,cnb,fasttext] [--json OUT.json] [--throughput] [--no-cv]

DATA.csv: header with `text,label` and optional `id,source,group` (any order, case-insensitive).
Labels use secdisc's spellings: 1/0, true/false, security/non-security (also yes/no, pos/neg, ...).

Folds: with --folds-file (CSV `row,id,fold` written by secdisc; row = 0-based record index in
DATA.csv in file order, fold = 0-based test fold) exactly those test folds are used; rows not
listed there are left out of both training and testing. Otherwise StratifiedKFold(folds,
shuffle=True, random_state=seed), or StratifiedGroupKFold with the same arguments when DATA.csv
has a `group` column (rows with an empty group are their own group).

Models (each refits its vectorizer on the training fold only):
  lr       TfidfVectorizer(ngram_range=(1,2), sublinear_tf=True, min_df=2)
           + LogisticRegression(solver="liblinear", class_weight="balanced")
  svm      same TF-IDF + LinearSVC(class_weight="balanced"); AUC/PR-AUC from decision_function
  cnb      same TF-IDF + ComplementNB()
  fasttext fastText supervised: lr=0.5, epoch=25, wordNgrams=2, dim=50, minCount=1,
           loss=softmax, bucket=2e6, thread=2, seed=seed; text with \\r and \\n replaced by
           spaces (no other preprocessing); P(security) for AUC/PR-AUC

Metrics per test fold, for the security (positive) class: precision, recall, F1 (from the
model's own predicted label), ROC AUC, G-mean = sqrt(TPR*TNR), MCC, PR-AUC (average precision).
The table shows mean and population std (ddof=0) over folds and the wall time per model
(vectorizing + fit + predict, summed over folds).

--throughput: fit each selected model once on all rows, then time "transform + predict_proba"
(fastText: predict) over all texts, best of 3, and print records/s and MB/s (MB = 10^6 bytes of
UTF-8 text). --no-cv skips the cross-validation.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MODEL_NAMES = ("lr", "svm", "cnb", "fasttext")
METRICS = ("precision", "recall", "f1", "roc_auc", "g_mean", "mcc", "pr_auc")

FASTTEXT_PARAMS = dict(lr=0.5, epoch=25, wordNgrams=2, dim=50, minCount=1, loss="softmax",
                       bucket=2_000_000, thread=2, verbose=0)

POS_LABELS = {"1", "1.0", "true", "security", "sec", "yes", "pos", "positive"}
NEG_LABELS = {"0", "0.0", "false", "non-security", "non_security", "nonsecurity", "non security",
              "no", "neg", "negative"}


# ----------------------------------------------------------------------------- data

def parse_label(value: str, line: int) -> int:
    v = value.strip().lower()
    if v in POS_LABELS:
        return 1
    if v in NEG_LABELS:
        return 0
    sys.exit(f"error: record {line}: unknown label value {value!r}; "
             "use 1/0, true/false or security/non-security")


def read_data(path: str) -> dict:
    csv.field_size_limit(sys.maxsize)
    texts, labels, ids, groups = [], [], [], []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            sys.exit(f"error: {path} is empty")
        col = {h: i for i, h in enumerate(header)}
        for need in ("text", "label"):
            if need not in col:
                sys.exit(f"error: {path}: header has no `{need}` column (header: {header})")
        ti, li = col["text"], col["label"]
        ii, gi = col.get("id"), col.get("group")
        for n, row in enumerate(reader):
            if not row:
                continue
            texts.append(row[ti])
            labels.append(parse_label(row[li], n))
            ids.append(row[ii] if ii is not None else str(n))
            if gi is not None:
                g = row[gi].strip()
                groups.append(g if g else f"\x00row{n}")
    return dict(texts=texts, y=np.array(labels, dtype=int), ids=ids,
                groups=groups if "group" in col else None, has_id="id" in col)


def dataset_name(path: str) -> str:
    p = Path(path)
    return p.parent.name if p.stem == "data" and p.parent.name else p.stem


def make_folds(data: dict, args) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return [(train_idx, test_idx)] in fold order."""
    n = len(data["texts"])
    if args.folds_file:
        fold_of = np.full(n, -1, dtype=int)
        with open(args.folds_file, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            fields = [h.strip().lower() for h in (reader.fieldnames or [])]
            if "row" not in fields or "fold" not in fields:
                sys.exit(f"error: {args.folds_file}: expected header `row,id,fold`, got {fields}")
            reader.fieldnames = fields
            for rec in reader:
                r, k = int(rec["row"]), int(rec["fold"])
                if not 0 <= r < n:
                    sys.exit(f"error: folds file row {r} out of range (DATA.csv has {n} records)")
                if fold_of[r] != -1:
                    sys.exit(f"error: folds file lists row {r} twice")
                if k < 0:
                    sys.exit(f"error: folds file row {r}: negative fold {k}")
                rid = (rec.get("id") or "").strip()
                if rid and data["has_id"] and rid != data["ids"][r]:
                    sys.exit(f"error: folds file row {r} has id {rid!r} but DATA.csv has "
                             f"{data['ids'][r]!r}: folds were written for another file")
                fold_of[r] = k
        missing = int((fold_of < 0).sum())
        if missing:
            print(f"note: {missing} records are not in the folds file; they are left out",
                  file=sys.stderr)
        ks = sorted(set(fold_of[fold_of >= 0].tolist()))
        if args.folds_given and len(ks) != args.folds:
            print(f"note: --folds {args.folds} ignored; the folds file has {len(ks)} folds",
                  file=sys.stderr)
        used = fold_of >= 0
        return [(np.flatnonzero(used & (fold_of != k)), np.flatnonzero(fold_of == k)) for k in ks]

    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
    y = data["y"]
    if data["groups"] is not None:
        skf = StratifiedGroupKFold(n_splits=args.folds, shuffle=True, random_state=args.seed)
        return list(skf.split(np.zeros(n), y, groups=data["groups"]))
    skf = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=args.seed)
    return list(skf.split(np.zeros(n), y))


# ----------------------------------------------------------------------------- models

def tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)


class SkModel:
    """TF-IDF + a scikit-learn classifier; score() is P(security) or the SVM margin."""

    def __init__(self, name: str, seed: int):
        from sklearn.linear_model import LogisticRegression
        from sklearn.naive_bayes import ComplementNB
        from sklearn.svm import LinearSVC
        self.name = name
        self.vec = tfidf()
        if name == "lr":
            self.clf = LogisticRegression(solver="liblinear", class_weight="balanced")
        elif name == "svm":
            self.clf = LinearSVC(class_weight="balanced", random_state=seed)
        elif name == "cnb":
            self.clf = ComplementNB()
        else:
            raise ValueError(name)

    def fit(self, texts, y):
        self.clf.fit(self.vec.fit_transform(texts), y)
        return self

    def predict(self, texts):
        """(predicted label 0/1, score for the security class)."""
        X = self.vec.transform(texts)
        pred = self.clf.predict(X)
        if self.name == "svm":
            score = self.clf.decision_function(X)
        else:
            pos = list(self.clf.classes_).index(1)
            score = self.clf.predict_proba(X)[:, pos]
        return np.asarray(pred, dtype=int), np.asarray(score, dtype=float)

    def score_only(self, texts):
        X = self.vec.transform(texts)
        if self.name == "svm":
            return self.clf.decision_function(X)
        return self.clf.predict_proba(X)


def ft_clean(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


class FastTextModel:
    """fastText supervised classifier (labels __label__1 / __label__0)."""

    def __init__(self, seed: int):
        import fasttext  # noqa: F401  (import error surfaces here, not mid-run)
        self.seed = seed
        self.model = None

    def fit(self, texts, y):
        import fasttext
        fd, path = tempfile.mkstemp(prefix="peers-ft-", suffix=".txt")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                for t, lab in zip(texts, y):
                    f.write(f"__label__{int(lab)} {ft_clean(t)}\n")
            self.model = fasttext.train_supervised(input=path, seed=self.seed, **FASTTEXT_PARAMS)
        finally:
            os.unlink(path)
        return self

    def _predict_raw(self, texts):
        """[(prob, label), ...] per text, all labels, from the C++ binding directly.

        fasttext-wheel 0.9.2 on NumPy 2: FastText.predict(str) fails (np.array(copy=False)),
        and predict(list) -> multilinePredict returns every label of a row with the same,
        wrong probability. The per-line binding returns plain (prob, label) tuples and is
        correct; it costs about the same.
        """
        f = self.model.f
        return [f.predict(ft_clean(t) + "\n", -1, 0.0, "strict") for t in texts]

    def predict(self, texts):
        pred = np.zeros(len(texts), dtype=int)
        score = np.zeros(len(texts), dtype=float)
        for i, preds in enumerate(self._predict_raw(texts)):
            if not preds:  # text with no tokens: no prediction, fall back to 0
                continue
            pred[i] = 1 if preds[0][1] == "__label__1" else 0
            for p, lab in preds:
                if lab == "__label__1":
                    score[i] = p
        return pred, score

    def score_only(self, texts):
        return self._predict_raw(texts)


def make_model(name: str, seed: int):
    return FastTextModel(seed) if name == "fasttext" else SkModel(name, seed)


# ----------------------------------------------------------------------------- metrics

def fold_metrics(y_true: np.ndarray, pred: np.ndarray, score: np.ndarray) -> dict:
    from sklearn.metrics import (average_precision_score, f1_score, matthews_corrcoef,
                                 precision_score, recall_score, roc_auc_score)
    tp = int(((pred == 1) & (y_true == 1)).sum())
    tn = int(((pred == 0) & (y_true == 0)).sum())
    fp = int(((pred == 1) & (y_true == 0)).sum())
    fn = int(((pred == 0) & (y_true == 1)).sum())
    both = 0 < y_true.sum() < len(y_true)
    tpr = tp / (tp + fn) if tp + fn else float("nan")
    tnr = tn / (tn + fp) if tn + fp else float("nan")
    return dict(
        precision=float(precision_score(y_true, pred, zero_division=0)),
        recall=float(recall_score(y_true, pred, zero_division=0)),
        f1=float(f1_score(y_true, pred, zero_division=0)),
        roc_auc=float(roc_auc_score(y_true, score)) if both else float("nan"),
        g_mean=math.sqrt(tpr * tnr) if both else float("nan"),
        mcc=float(matthews_corrcoef(y_true, pred)),
        pr_auc=float(average_precision_score(y_true, score)) if y_true.sum() else float("nan"),
        tp=tp, fp=fp, tn=tn, fn=fn,
    )


def summarize(per_fold: list[dict]) -> tuple[dict, dict]:
    mean, std = {}, {}
    for m in METRICS:
        v = np.array([f[m] for f in per_fold], dtype=float)
        ok = v[~np.isnan(v)]
        mean[m] = float(ok.mean()) if len(ok) else None
        std[m] = float(ok.std(ddof=0)) if len(ok) else None
    return mean, std


# ----------------------------------------------------------------------------- runs

def run_cv(data: dict, folds, models: list[str], seed: int) -> dict:
    texts, y = data["texts"], data["y"]
    out = {}
    for name in models:
        per_fold, seconds = [], 0.0
        for k, (tr, te) in enumerate(folds):
            t0 = time.perf_counter()
            model = make_model(name, seed).fit([texts[i] for i in tr], y[tr])
            pred, score = model.predict([texts[i] for i in te])
            dt = time.perf_counter() - t0
            seconds += dt
            m = fold_metrics(y[te], pred, score)
            m.update(fold=k, n_train=int(len(tr)), n_test=int(len(te)),
                     positives_test=int(y[te].sum()), seconds=dt)
            per_fold.append(m)
            print(f"  {name:8s} fold {k:2d}: F1 {m['f1']:.3f}  AUC {m['roc_auc']:.3f}  "
                  f"PR-AUC {m['pr_auc']:.3f}  {dt:6.1f}s", file=sys.stderr, flush=True)
        mean, std = summarize(per_fold)
        out[name] = dict(mean=mean, std=std, per_fold=per_fold, seconds=seconds)
    return out


def run_throughput(data: dict, models: list[str], seed: int, repeats: int = 3) -> dict:
    texts, y = data["texts"], data["y"]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    out = {}
    for name in models:
        t0 = time.perf_counter()
        model = make_model(name, seed).fit(texts, y)
        fit_s = time.perf_counter() - t0
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            model.score_only(texts)
            best = min(best, time.perf_counter() - t0)
        out[name] = dict(fit_seconds=fit_s, predict_seconds=best, records=len(texts), mb=mb,
                         records_per_s=len(texts) / best, mb_per_s=mb / best)
        print(f"  {name:8s} throughput: {len(texts) / best:,.0f} records/s", file=sys.stderr,
              flush=True)
    return out


def fmt(mean, std):
    return "    n/a      " if mean is None else f"{mean:.3f}±{std:.3f}"


def print_cv_table(res: dict, total: float):
    heads = ["model", "precision", "recall", "F1", "ROC-AUC", "G-mean", "MCC", "PR-AUC", "time s"]
    print("| " + " | ".join(heads) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(heads) - 1)) + "|")
    for name, r in res.items():
        cells = [name] + [fmt(r["mean"][m], r["std"][m]) for m in METRICS] + [f"{r['seconds']:.1f}"]
        print("| " + " | ".join(cells) + " |")
    print(f"\ntotal time: {total:.1f} s (mean±population std over folds)")


def print_throughput_table(res: dict):
    print("| model | fit on all s | transform+predict s (best of 3) | records/s | MB/s |")
    print("|---|---:|---:|---:|---:|")
    for name, r in res.items():
        print(f"| {name} | {r['fit_seconds']:.2f} | {r['predict_seconds']:.3f} | "
              f"{r['records_per_s']:,.0f} | {r['mb_per_s']:.2f} |")


def json_safe(o):
    """NaN -> null, NumPy scalars -> Python numbers."""
    if isinstance(o, dict):
        return {k: json_safe(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [json_safe(v) for v in o]
    if hasattr(o, "item"):
        o = o.item()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", help="CSV with header text,label[,id,source,group]")
    ap.add_argument("--folds", type=int, default=None, help="number of folds (default 10)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--folds-file", help="CSV row,id,fold written by secdisc")
    ap.add_argument("--models", default="lr,svm,cnb,fasttext")
    ap.add_argument("--json", help="write results here")
    ap.add_argument("--throughput", action="store_true",
                    help="also time transform+predict on all texts after fitting on all")
    ap.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    args = ap.parse_args(argv)
    args.folds_given = args.folds is not None
    if args.folds is None:
        args.folds = 10
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    bad = [m for m in models if m not in MODEL_NAMES]
    if bad or not models:
        ap.error(f"unknown model(s) {bad}; choose from {','.join(MODEL_NAMES)}")
    if args.no_cv and not args.throughput:
        ap.error("--no-cv without --throughput does nothing")

    t_start = time.perf_counter()
    data = read_data(args.data)
    n, pos = len(data["y"]), int(data["y"].sum())
    name = dataset_name(args.data)
    import sklearn
    print(f"dataset {name}: n={n}, positives={pos} ({100 * pos / max(n, 1):.2f}%), "
          f"sklearn {sklearn.__version__}, numpy {np.__version__}")
    result = dict(dataset=name, n=n, positives=pos, folds=None, seed=args.seed, models={})

    if not args.no_cv:
        folds = make_folds(data, args)
        result["folds"] = len(folds)
        src = (f"folds file {args.folds_file}" if args.folds_file else
               f"{'StratifiedGroupKFold' if data['groups'] is not None else 'StratifiedKFold'}"
               f"(n_splits={args.folds}, shuffle=True, random_state={args.seed})")
        print(f"{len(folds)} folds from {src}; models: {','.join(models)}")
        t0 = time.perf_counter()
        result["models"] = run_cv(data, folds, models, args.seed)
        print()
        print_cv_table(result["models"], time.perf_counter() - t0)

    if args.throughput:
        print(f"\nthroughput: fit on all {n} records, then transform+predict all "
              f"({sum(len(t.encode('utf-8')) for t in data['texts']) / 1e6:.2f} MB), best of 3")
        result["throughput"] = run_throughput(data, models, args.seed)
        print_throughput_table(result["throughput"])

    result["total_seconds"] = time.perf_counter() - t_start
    print(f"\nwall time, whole run: {result['total_seconds']:.1f} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(json_safe(result), f, indent=1, allow_nan=False)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
