#!/usr/bin/env python3
"""Side-by-side table of secdisc and its peers on identical folds.

Usage:
  secdisc evaluate DATA --folds 10 --seed 42 --folds-out FOLDS.csv
  python benches/peers/peers.py DATA --folds-file FOLDS.csv --json PEERS.json
  secdisc compare DATA --classifiers lr,svm,nb --folds 10 --seed 42 --json > SECDISC.json
  python benches/peers/table.py NAME PEERS.json SECDISC.json [NAME PEERS.json SECDISC.json ...]

Prints a Markdown row per data set: the best peer and the best secdisc model by mean F1, their
F1 and ROC AUC, and the F1 difference in points. `secdisc compare` and `evaluate` with the same
--folds and --seed use the same folds, which is what --folds-out exported.
"""
import json
import sys


def best(models):
    name = max(models, key=lambda m: models[m]["mean"]["f1"])
    mean = dict(models[name]["mean"])
    # peers.py names it roc_auc, secdisc auc.
    mean.setdefault("auc", mean.get("roc_auc"))
    return name, mean


def main(argv):
    if len(argv) % 3 != 0 or not argv:
        sys.exit(__doc__)
    print("| data set | best peer | F1 | ROC AUC | best secdisc | F1 | ROC AUC | ΔF1 (points) | ΔAUC |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|")
    for i in range(0, len(argv), 3):
        name, peers_path, ours_path = argv[i : i + 3]
        peers = json.load(open(peers_path))["models"]
        ours = {c["name"]: {"mean": c["mean"]} for c in json.load(open(ours_path))["classifiers"]}
        pn, pm = best(peers)
        on, om = best(ours)
        print(
            f"| {name} | {pn} | {pm['f1']:.3f} | {pm['auc']:.3f} | {on} | {om['f1']:.3f} | {om['auc']:.3f} "
            f"| {100 * (om['f1'] - pm['f1']):+.1f} | {om['auc'] - pm['auc']:+.3f} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
