#!/usr/bin/env python3
"""Active-learning simulation: does labelling what `secdisc suggest` picks reach a given F1
with fewer labels than labelling random records?

For each seed: split the data by thread (`group`, else `id`) into a fixed held-out test part
and a pool; draw a small random seed set from the pool (both classes present); then, for each
strategy, repeat: train on the seed set plus every batch labelled so far (`secdisc train
seed.csv batch1.csv batch2.csv ... -o model.json`, the real workflow), label the test part
with `secdisc label` and compute F1 of the security class, then pick the next `--batch`
records (`secdisc suggest --strategy S --exclude` the files labelled so far, or a seeded random sample for `random`), "reveal"
their labels from the data set and write them as the next batch file. Stops at `--budget`
labels. The same split and seed set are shared by every strategy of a seed.

Writes, into --out: results.csv (strategy, seed, labels, f1), summary.md (labels needed to
reach each F1 target, per strategy, median over seeds) and curve.png (mean F1 per label count,
with min-max band over seeds). Needs matplotlib (`pip install -r requirements.txt`) for the
plot only; the rest is the standard library.

    SECDISC_SHARED=/work/shared python3 benches/active_learning/simulate.py \
        --data $SECDISC_SHARED/datasets/stackexchange_iot/data.csv \
        --secdisc target/release/secdisc
"""

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

csv.field_size_limit(1 << 30)


def read_data(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["label"] = int(r["label"])
        r["thread"] = r.get("group") or r["id"]
    return rows


def write_records(path, rows, with_label):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "text", "label"] if with_label else ["id", "text"])
        for r in rows:
            w.writerow([r["id"], r["text"], r["label"]] if with_label else [r["id"], r["text"]])


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return p.stdout


def f1_on(secdisc, model, test_csv, truth):
    out = run([secdisc, "label", "--model", model, test_csv, "--format", "csv", "--top-terms", "0"])
    tp = fp = fn = 0
    for row in csv.DictReader(out.splitlines()):
        pred = row["label"] == "security"
        actual = truth[row["id"]] == 1
        tp += pred and actual
        fp += pred and not actual
        fn += actual and not pred
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def split(rows, seed, test_frac):
    threads = sorted({r["thread"] for r in rows})
    random.Random(seed).shuffle(threads)
    test_threads = set(threads[: int(len(threads) * test_frac)])
    test = [r for r in rows if r["thread"] in test_threads]
    pool = [r for r in rows if r["thread"] not in test_threads]
    return test, pool


def seed_set(pool, seed, n):
    rng = random.Random(seed + 1000)
    while True:
        picked = rng.sample(pool, n)
        if 2 <= sum(r["label"] for r in picked) <= n - 2:
            return picked


def simulate(args, strategy, seed, test_csv, truth, pool, pool_csv, initial, workdir):
    by_id = {r["id"]: r for r in pool}
    labelled = {r["id"] for r in initial}
    files = [os.path.join(workdir, "seed.csv")]
    write_records(files[0], initial, True)
    model = os.path.join(workdir, "model.json")
    rng = random.Random(seed + 2000)
    curve = []
    for round_ in range(10_000):
        run([args.secdisc, "train", *files, "-o", model, "--seed", str(seed), *args.train_args.split()])
        curve.append((len(labelled), f1_on(args.secdisc, model, test_csv, truth)))
        if len(labelled) >= args.budget:
            return curve
        rest = [r for r in pool if r["id"] not in labelled]
        n = min(args.batch, args.budget - len(labelled), len(rest))
        if n == 0:
            return curve
        if strategy == "random":
            picked = [r["id"] for r in rng.sample(rest, n)]
        else:
            # The real workflow: the whole unlabelled pool, minus the files labelled so far.
            exclude = [a for f in files for a in ("--exclude", f)]
            out = run([args.secdisc, "suggest", "--model", model, pool_csv, "-n", str(n),
                       "--strategy", strategy, "--seed", str(seed * 1000 + round_), "--format", "csv",
                       *exclude])
            picked = [row["id"] for row in csv.DictReader(out.splitlines())]
        batch = [by_id[i] for i in picked]
        path = os.path.join(workdir, f"batch{round_ + 1}.csv")
        write_records(path, batch, True)  # the "person" fills in the true labels
        files.append(path)
        labelled.update(picked)
    return curve


def labels_to_reach(curve, target):
    for n, f1 in curve:
        if f1 >= target:
            return n
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--secdisc", default="target/release/secdisc")
    ap.add_argument("--strategies", default="random,uncertainty,diversity,mixed")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--init", type=int, default=20, help="random seed-set size")
    ap.add_argument("--batch", type=int, default=20, help="labels per round")
    ap.add_argument("--budget", type=int, default=400, help="stop at this many labels")
    ap.add_argument("--test-frac", type=float, default=0.3)
    ap.add_argument("--targets", default="0.5,0.55,0.6,0.65")
    ap.add_argument("--train-args", default="--min-df 1")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    strategies = args.strategies.split(",")
    rows = read_data(args.data)
    results = []
    reference = []
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, args.seeds + 1):
            test, pool = split(rows, seed, args.test_frac)
            test_csv = os.path.join(tmp, f"test{seed}.csv")
            write_records(test_csv, test, False)
            truth = {r["id"]: r["label"] for r in test}
            initial = seed_set(pool, seed, args.init)
            pool_csv = os.path.join(tmp, f"pool{seed}.csv")
            write_records(pool_csv, pool, False)
            full = os.path.join(tmp, f"full{seed}.csv")
            write_records(full, pool, True)
            model = os.path.join(tmp, f"full{seed}.json")
            run([args.secdisc, "train", full, "-o", model, "--seed", str(seed), *args.train_args.split()])
            reference.append((len(pool), f1_on(args.secdisc, model, test_csv, truth)))
            for s in strategies:
                workdir = os.path.join(tmp, f"{s}-{seed}")
                os.mkdir(workdir)
                curve = simulate(args, s, seed, test_csv, truth, pool, pool_csv, initial, workdir)
                results += [(s, seed, n, f1) for n, f1 in curve]
                print(f"seed {seed} {s:<11} final F1 {curve[-1][1]:.3f} at {curve[-1][0]} labels "
                      f"({time.time() - started:.0f} s)", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["strategy", "seed", "labels", "f1"])
        w.writerows([(s, seed, n, f"{f1:.4f}") for s, seed, n, f1 in results])
    targets = [float(t) for t in args.targets.split(",")]
    lines = [
        f"Data: {os.path.basename(os.path.dirname(args.data))}; {args.seeds} seeds; test part "
        f"{args.test_frac:.0%} of threads; random seed set of {args.init}, batches of {args.batch}, "
        f"budget {args.budget}; train args `{args.train_args}`.",
        "",
        "Labels needed to reach F1 (median over seeds, lower middle for an even count; `>B` = "
        "not reached within the budget by the median seed):",
        "",
        "| strategy | " + " | ".join(f"F1 {t:g}" for t in targets) + f" | F1 at {args.budget} (mean) |",
        "|---" * (len(targets) + 2) + "|",
    ]
    for s in strategies:
        cells = []
        for t in targets:
            needed = [labels_to_reach([(n, f) for s2, sd, n, f in results if s2 == s and sd == seed], t)
                      for seed in range(1, args.seeds + 1)]
            # Not reached counts as infinitely many labels; the median is the middle seed's.
            med = statistics.median_low([n if n is not None else float("inf") for n in needed])
            cells.append(f">{args.budget}" if med == float("inf") else str(med))
        final = [f for s2, _, n, f in results if s2 == s and n == max(
            n2 for s3, _, n2, _ in results if s3 == s)]
        lines.append(f"| {s} | " + " | ".join(cells) + f" | {statistics.mean(final):.3f} |")
    ref_f1 = statistics.mean(f for _, f in reference)
    lines += ["", f"Reference: trained on the whole pool (~{reference[0][0]} labels), mean F1 {ref_f1:.3f}.",
              f"Wall time {time.time() - started:.0f} s."]
    summary = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(summary)
    print(summary)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot (pip install -r requirements.txt)", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for s in strategies:
        xs = sorted({n for s2, _, n, _ in results if s2 == s})
        by_n = [[f for s2, _, n, f in results if s2 == s and n == x] for x in xs]
        ax.plot(xs, [statistics.mean(v) for v in by_n], label=s, marker="." if s != "random" else None,
                linestyle="--" if s == "random" else "-")
        ax.fill_between(xs, [min(v) for v in by_n], [max(v) for v in by_n], alpha=0.12)
    ax.axhline(ref_f1, color="grey", linewidth=0.8, linestyle=":", label=f"whole pool ({reference[0][0]} labels)")
    ax.set_xlabel("labelled records")
    ax.set_ylabel("F1 (security) on held-out test part")
    ax.set_title(f"secdisc suggest vs random, {os.path.basename(os.path.dirname(args.data))}, "
                 f"{args.seeds} seeds (band: min-max)")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "curve.png"), dpi=110)


if __name__ == "__main__":
    main()
