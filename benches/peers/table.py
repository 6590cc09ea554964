#!/usr/bin/env python3
"""Side-by-side table of secdisc and its peers on identical folds.

Usage:
  secdisc evaluate DATA --folds 10 --seed 42 --folds-out FOLDS.csv
  python benches/peers/peers.py DATA --folds-file FOLDS.csv --json PEERS.json
  secdisc compare DATA --classifiers lr,svm,nb --folds 10 --seed 42 --json > SECDISC.json
  python benches/peers/table.py NAME PEERS.json SECDISC.json [NAME PEERS.json SECDISC.json ...]

Prints a Markdown row per data set: the best peer and the best secdisc model by mean F1, their
F1 and ROC AUC, the highest ROC AUC of any peer model, the F1 difference in points and the AUC
difference of secdisc's best-F1 model against that highest peer AUC. The last two columns judge
issue 4's goal (F1 at least 3 points above the best peer's, with an AUC no lower than any peer
model's; unrounded means): the secdisc model with the highest F1 among those whose AUC is no
lower (with its F1 / AUC / ΔF1), and whether its ΔF1 reaches 3 points. `secdisc compare` and `evaluate` with the same --folds and --seed use
the same folds, which is what --folds-out exported.
"""
import json
import sys

GOAL_POINTS = 3.0


def auc(mean):
    # peers.py names it roc_auc, secdisc auc.
    return mean["auc"] if "auc" in mean else mean["roc_auc"]


def best(models):
    name = max(models, key=lambda m: models[m]["mean"]["f1"])
    return name, models[name]["mean"]


def main(argv):
    if len(argv) % 3 != 0 or not argv:
        sys.exit(__doc__)
    print(
        "| data set | best peer | F1 | ROC AUC | highest peer AUC | best secdisc | F1 | ROC AUC "
        "| ΔF1 (points) | ΔAUC | best secdisc with AUC no lower: F1 / AUC / ΔF1 | goal met |"
    )
    print("|---|---|---:|---:|---:|---|---:|---:|---:|---:|---|---|")
    for i in range(0, len(argv), 3):
        name, peers_path, ours_path = argv[i : i + 3]
        with open(peers_path) as f:
            peers = json.load(f)["models"]
        with open(ours_path) as f:
            ours = {c["name"]: {"mean": c["mean"]} for c in json.load(f)["classifiers"]}
        pn, pm = best(peers)
        top_auc = max(auc(m["mean"]) for m in peers.values())
        on, om = best(ours)
        d_f1 = 100 * (om["f1"] - pm["f1"])
        d_auc = auc(om) - top_auc
        fair = {m: v for m, v in ours.items() if auc(v["mean"]) >= top_auc}
        if fair:
            fn, fm = best(fair)
            f_d_f1 = 100 * (fm["f1"] - pm["f1"])
            fair_cell = f"{fn}: {fm['f1']:.3f} / {auc(fm):.3f} / {f_d_f1:+.1f}"
            met = "yes" if f_d_f1 >= GOAL_POINTS else "no"
        else:
            fair_cell = "none"
            met = "no"
        print(
            f"| {name} | {pn} | {pm['f1']:.3f} | {auc(pm):.3f} | {top_auc:.3f} | {on} | {om['f1']:.3f} "
            f"| {auc(om):.3f} | {d_f1:+.1f} | {d_auc:+.3f} | {fair_cell} | {met} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
