#!/usr/bin/env python3
"""Leave-one-data-set-out adaptation simulation: how many labels of a new project, picked by
`secdisc suggest`, does `secdisc adapt` need to get close to a model trained on that project?

For each held-out set H: a base model is trained without H (`secdisc train` on the other sets
plus --corpus, with --recipe); H's own 10-fold AUC (`secdisc evaluate H --folds 10` with the
same recipe) sets the target, --target-frac of it (0.95). For each seed, H is split by thread
(`group`, else `id`) into a fixed test part (--test-frac) and a pool; then, per strategy,
rounds of --batch records are picked from the pool (`secdisc suggest --model CURRENT POOL
--strategy S --exclude` every batch so far, the first batch from the base model: the real
workflow, or at random with `--first random`; a seeded random sample for `random`), their true labels are "revealed", and `secdisc adapt
--model BASE batch1.csv ... -o adapted.json` builds the current model, which is scored with
`secdisc evaluate --model adapted.json TEST --json` (ROC AUC, and F1 at the model's own
threshold). `adapt` chooses its threshold on inner folds (5) of the labels, which need records
of both classes in every fold: while the minority class of the labels has fewer than 5 records,
--folds is lowered to that count, and while it has fewer than 2 the base model is used as it is
(and picks the next batch). For reference, per seed and at --scratch-at label counts, the same
labels alone train a model from scratch (`secdisc train` with --recipe), and the whole pool is
used both ways (adapt and train).

The two large sets (chromium_farsec, matomo_github_issues) are subsampled with
benches/cross_project/subsample.py (every security record, --negatives others, seed 42), for
the base models' training data and for H alike, as in benches/cross_project/README.md.

Writes, into --out: PREFIX_results.csv (one row per set, seed, strategy, model [base, adapted
or scratch], labels: AUC, F1 and the base log-odds weight `adapt` reported),
PREFIX_summary.md and PREFIX_curve.png (needs matplotlib, `pip install -r requirements.txt`;
the rest is the standard library). PREFIX is `cross_project` unless --prefix says otherwise.

    SECDISC_SHARED=../shared python3 benches/active_learning/cross_project.py \
        --secdisc target/release/secdisc --seeds 5
"""

import argparse
import csv
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simulate import read_data, split  # noqa: E402  (same folder)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SETS = ["stackexchange_iot", "stackexchange_stackoverflow", "chromium_farsec", "matomo_github_issues"]
BIG = {"chromium_farsec", "matomo_github_issues"}
SHORT = {"stackexchange_iot": "iot", "stackexchange_stackoverflow": "stackoverflow",
         "chromium_farsec": "chromium", "matomo_github_issues": "matomo"}
DEFAULT_RECIPE = ("--features tfidf+static --static encoders/minilm-static-128.json "
                  "--dense-weight 0.5")


def run(cmd, check=True):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return p


def write_rows(path, rows, with_label):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "group", "text", "label"] if with_label else ["id", "group", "text"])
        for r in rows:
            cells = [r["id"], r["thread"], r["text"]]
            w.writerow(cells + [r["label"]] if with_label else cells)


def score(args, model, test_csv):
    """ROC AUC and F1 (at the model's threshold) of a saved model on the labelled test file."""
    out = run([args.secdisc, "evaluate", "--model", model, test_csv, "--json"]).stdout
    m = json.loads(out)["mean"]
    return m["auc"], m["f1"]


class Adapter:
    """`secdisc adapt`, lowering --folds to the minority class's count when it is under 5."""

    def __init__(self, args, base):
        self.args, self.base, self.notes = args, base, []
        self.base_weight = float("nan")  # of the last successful fit, from adapt's stderr

    def __call__(self, files, labelled_rows, out):
        pos = sum(r["label"] for r in labelled_rows)
        minority = min(pos, len(labelled_rows) - pos)
        folds = min(5, minority)
        while folds >= 2:
            p = run([self.args.secdisc, "adapt", "--model", self.base, *files, "-o", out,
                     "--folds", str(folds), "--seed", "42", *self.args.adapt_args.split()], check=False)
            if p.returncode == 0:
                m = re.search(r"base log-odds weight (-?[0-9.]+)", p.stderr)
                self.base_weight = float(m.group(1)) if m else float("nan")
                return folds
            self.notes.append(f"{len(labelled_rows)} labels ({pos} security), --folds {folds}: "
                              f"{p.stderr.strip().splitlines()[-1]}")
            folds -= 1
        return 0


def train_scratch(args, files, out):
    p = run([args.secdisc, "train", *files, "-o", out, "--seed", "42", *args.recipe.split()], check=False)
    return p.returncode == 0


def simulate(args, name, seed, strategy, pool, pool_csv, test_csv, base, base_score, adapter, workdir):
    by_id = {r["id"]: r for r in pool}
    rng = random.Random(seed * 7919 + 17)
    files, labelled, rows = [], set(), []
    current = base
    scratch_at = {int(x) for x in args.scratch_at.split(",") if x}
    nan = float("nan")
    out = [(name, seed, strategy, "base", 0, 0, *base_score, nan)]
    for round_ in range(10_000):
        rest = [r for r in pool if r["id"] not in labelled]
        n = min(args.batch, args.budget - len(labelled), len(rest))
        if n <= 0:
            break
        if strategy == "random" or (round_ == 0 and args.first == "random"):
            picked = [r["id"] for r in rng.sample(rest, n)]
        else:
            exclude = [a for f in files for a in ("--exclude", f)]
            p = run([args.secdisc, "suggest", "--model", current, pool_csv, "-n", str(n),
                     "--strategy", strategy, "--seed", str(seed * 1000 + round_), "--format", "csv",
                     *exclude])
            picked = [row["id"] for row in csv.DictReader(p.stdout.splitlines())]
        batch = [by_id[i] for i in picked]
        path = os.path.join(workdir, f"batch{round_ + 1}.csv")
        write_rows(path, batch, True)  # the "person" fills in the true labels
        files.append(path)
        labelled.update(picked)
        rows += batch
        pos = sum(r["label"] for r in rows)
        model = os.path.join(workdir, "adapted.json")
        if adapter(files, rows, model):
            current = model
            auc, f1 = score(args, model, test_csv)
            out.append((name, seed, strategy, "adapted", len(rows), pos, auc, f1, adapter.base_weight))
        else:  # too few of one class to adapt: keep the base model
            current = base
            out.append((name, seed, strategy, "base", len(rows), pos, *base_score, nan))
        if len(rows) in scratch_at:
            m = os.path.join(workdir, "scratch.json")
            if train_scratch(args, files, m):
                out.append((name, seed, strategy, "scratch", len(rows), pos, *score(args, m, test_csv), nan))
            else:
                out.append((name, seed, strategy, "scratch", len(rows), pos, nan, nan, nan))
    return out


def first_reaching(points, target):
    for n, auc in sorted(points):
        if auc >= target:
            return n
    return math.inf


def first_staying(points, target):
    """The label count from which the AUC stays at or above target up to the budget."""
    best = math.inf
    for n, auc in sorted(points, reverse=True):
        if auc < target:
            break
        best = n
    return best


def fmt_needed(values, budget):
    med = statistics.median_low(values)
    return f">{budget}" if med == math.inf else str(med)


def summarise(args, results, own, refs, notes, wall):
    strategies = args.strategies.split(",")
    seeds = range(1, args.seeds + 1)
    sets = [s for s in args.sets.split(",")]
    checkpoints = [n for n in (100, 200, 300) if n <= args.budget]

    def curve(h, seed, s):
        return [(n, auc) for h2, sd, s2, kind, n, _, auc, _, _ in results
                if h2 == h and sd == seed and s2 == s and kind != "scratch"]

    def mean_at(h, s, n, kind=("adapted", "base"), metric=6):
        v = [r[metric] for r in results if r[0] == h and r[2] == s and r[4] == n and r[3] in kind
             and not math.isnan(r[metric])]
        return statistics.mean(v) if v else float("nan")

    lines = [
        f"Leave-one-data-set-out adaptation; {args.seeds} seeds; test part {args.test_frac:.0%} of "
        f"H's threads; batches of {args.batch} up to {args.budget} labels, the first "
        f"{'suggested from the base model' if args.first == 'suggest' else 'random'}; recipe `{args.recipe}`; "
        f"`secdisc adapt` with its defaults (`--c 1`, `--threshold max-f1`, 5 inner folds, fewer "
        f"while the minority class has fewer than 5 labels).",
        "",
        f"Labels needed to reach {args.target_frac:.0%} of H's own 10-fold AUC on H's test part "
        f"(median over seeds, lower middle for an even count; `>{args.budget}`: the median seed "
        f"does not reach it within the budget; 0: the base model already does; *to stay*: from that "
        f"count on, every later round up to the budget stays at or above it), and mean AUC of the "
        f"adapted model at {', '.join(map(str, checkpoints))} labels:",
        "",
        "| held-out H | own 10-fold AUC | target | base AUC (0 labels) | strategy | labels to target "
        "| labels to stay | " + " | ".join(f"AUC @{n}" for n in checkpoints) + " |",
        "|---|---:|---:|---:|---|---:|---:|" + "---:|" * len(checkpoints),
    ]
    for h in sets:
        target = own[h] * args.target_frac
        base_auc = statistics.mean(r[6] for r in results if r[0] == h and r[4] == 0)
        for i, s in enumerate(strategies):
            needed = [first_reaching(curve(h, seed, s), target) for seed in seeds]
            stays = [first_staying(curve(h, seed, s), target) for seed in seeds]
            head = (f"| {SHORT[h]} | {own[h]:.3f} | {target:.3f} | {base_auc:.3f} " if i == 0
                    else "| | | | ")
            lines.append(head + f"| {s} | {fmt_needed(needed, args.budget)} | {fmt_needed(stays, args.budget)} | "
                         + " | ".join(f"{mean_at(h, s, n):.3f}" for n in checkpoints) + " |")
    scratch_ns = sorted({r[4] for r in results if r[3] == "scratch"})
    lines += [
        "",
        "The same picked labels alone, trained from scratch (`secdisc train` with the recipe), mean "
        "AUC over seeds; and F1 (security class) of the adapted model at its own threshold at "
        f"{args.budget} labels (F1 of the subsample for chromium and matomo); and how many of the "
        "adapted models (every round, every seed) gave the base model's log-odds a negative weight "
        "(`adapt`'s stderr), which turns the base model's ranking upside down:",
        "",
        "| H | strategy | " + " | ".join(f"alone @{n}" for n in scratch_ns)
        + f" | adapted @{args.budget} | adapted F1 @{args.budget} | fits with base weight < 0 |",
        "|---|---|" + "---:|" * (len(scratch_ns) + 3),
    ]
    for h in sets:
        for i, s in enumerate(strategies):
            cells = [f"{mean_at(h, s, n, ('scratch',)):.3f}" for n in scratch_ns]
            fits = [r[8] for r in results if r[0] == h and r[2] == s and r[3] == "adapted"]
            neg = sum(w < 0 for w in fits)
            lines.append(f"| {SHORT[h] if i == 0 else ''} | {s} | " + " | ".join(cells)
                         + f" | {mean_at(h, s, args.budget):.3f} | {mean_at(h, s, args.budget, metric=7):.3f} "
                         f"| {neg}/{len(fits)} |")
    lines += [
        "",
        "The whole pool (every pool record labelled), mean over seeds: AUC adapted from the base "
        "(`adapt`) and trained from scratch (`train` with the recipe); the base model's F1 at its "
        "threshold 0.5; the base weight `adapt` fitted on the whole pool:",
        "",
        "| H | pool records | whole pool adapted | whole pool trained | base F1 | whole-pool base weight |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for h in sets:
        r = refs[h]
        base_f1 = statistics.mean(x[7] for x in results if x[0] == h and x[4] == 0)
        lines.append(f"| {SHORT[h]} | {round(statistics.mean(x[0] for x in r))} | "
                     f"{statistics.mean(x[1] for x in r):.3f} | {statistics.mean(x[2] for x in r):.3f} | "
                     f"{base_f1:.3f} | {statistics.mean(x[3] for x in r):.2f} |")
    if notes:
        lines += ["", f"`adapt` refused {len(notes)} times at its first --folds try (lowered and "
                  f"retried; examples):", ""]
        lines += [f"- {n}" for n in sorted(set(notes))[:6]]
    lines += ["", f"Wall time {wall:.0f} s."]
    return "\n".join(lines) + "\n"


def plot(args, results, own, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot (pip install -r requirements.txt)", file=sys.stderr)
        return
    sets = args.sets.split(",")
    strategies = args.strategies.split(",")
    cols = 2 if len(sets) > 1 else 1
    rows_n = math.ceil(len(sets) / cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(6 * cols, 4.2 * rows_n), squeeze=False)
    for ax, h in zip(axes.flat, sets):
        for s in strategies:
            pts = [r for r in results if r[0] == h and r[2] == s and r[3] != "scratch"]
            xs = sorted({r[4] for r in pts})
            by_n = [[r[6] for r in pts if r[4] == x] for x in xs]
            line, = ax.plot(xs, [statistics.mean(v) for v in by_n], label=f"{s} (adapt)",
                            linestyle="--" if s == "random" else "-", marker=None if s == "random" else ".")
            ax.fill_between(xs, [min(v) for v in by_n], [max(v) for v in by_n], alpha=0.1,
                            color=line.get_color())
            sc = [r for r in results if r[0] == h and r[2] == s and r[3] == "scratch" and not math.isnan(r[6])]
            sx = sorted({r[4] for r in sc})
            if sx:
                ax.plot(sx, [statistics.mean(r[6] for r in sc if r[4] == x) for x in sx], linestyle="none",
                        marker="x", color=line.get_color(), label=f"{s} labels alone")
        ax.axhline(own[h] * args.target_frac, color="black", linestyle="--", linewidth=0.9,
                   label=f"{args.target_frac:.0%} of own 10-fold AUC")
        ax.axhline(own[h], color="grey", linestyle=":", linewidth=0.9, label="own 10-fold AUC")
        ax.set_title(f"held out: {SHORT[h]}")
        lo, hi = ax.get_ylim()
        ax.set_ylim(max(lo, 0.4), min(hi, 1.0))  # collapsed fits (AUC near 0.1) would flatten the rest
        ax.set_xlabel("labels of H (picked, revealed)")
        ax.set_ylabel("ROC AUC on H's test part")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(sets):]:
        ax.axis("off")
    axes.flat[0].legend(loc="lower right", fontsize=7)
    fig.suptitle(f"secdisc adapt from a base trained without H: suggest vs random, {args.seeds} seeds "
                 "(band: min-max over seeds; axis cut at 0.4)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("SECDISC_SHARED", os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "data", "corpus.csv"))
    ap.add_argument("--secdisc", default=os.path.join(ROOT, "target", "release", "secdisc"))
    ap.add_argument("--sets", default=",".join(SETS), help="held-out sets, comma-separated")
    ap.add_argument("--strategies", default="random,uncertainty,mixed,diversity")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=25, help="labels per round")
    ap.add_argument("--budget", type=int, default=300, help="stop at this many labels")
    ap.add_argument("--test-frac", type=float, default=0.3)
    ap.add_argument("--negatives", type=int, default=1500, help="subsample of chromium and matomo")
    ap.add_argument("--target-frac", type=float, default=0.95)
    ap.add_argument("--scratch-at", default="100,200,300", help="label counts to also train from scratch")
    ap.add_argument("--recipe", default=DEFAULT_RECIPE, help="features of the base, own-AUC and scratch models")
    ap.add_argument("--first", choices=["suggest", "random"], default="suggest",
                    help="first batch: suggested from the base model (the real workflow) or random")
    ap.add_argument("--adapt-args", default="", help="extra flags of secdisc adapt")
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--prefix", default="cross_project", help="output file names' prefix")
    args = ap.parse_args()
    os.chdir(ROOT)  # the recipe's paths (encoders/...) are relative to the repository
    args.secdisc = os.path.abspath(args.secdisc)
    all_sets = SETS
    held = args.sets.split(",")
    started = time.time()
    results, own, refs, notes = [], {}, {}, []
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for s in all_sets:
            src = os.path.join(args.shared, "datasets", s, "data.csv")
            if s in BIG:
                dst = os.path.join(tmp, f"{s}.csv")
                run([sys.executable, os.path.join(ROOT, "benches", "cross_project", "subsample.py"),
                     src, dst, "--negatives", str(args.negatives)])
                src = dst
            files[s] = src
        for h in held:
            base = os.path.join(tmp, f"base-{h}.json")
            others = [files[s] for s in all_sets if s != h]
            run([args.secdisc, "train", *others, args.corpus, "-o", base, *args.recipe.split()])
            ev = run([args.secdisc, "evaluate", files[h], "--folds", "10", "--json", *args.recipe.split()])
            own[h] = json.loads(ev.stdout)["mean"]["auc"]
            rows = read_data(files[h])
            refs[h] = []
            adapter = Adapter(args, base)
            for seed in range(1, args.seeds + 1):
                test, pool = split(rows, seed, args.test_frac)
                d = os.path.join(tmp, f"{h}-{seed}")
                os.mkdir(d)
                test_csv, pool_csv, full_csv = (os.path.join(d, n) for n in ("test.csv", "pool.csv", "full.csv"))
                write_rows(test_csv, test, True)
                write_rows(pool_csv, pool, False)
                write_rows(full_csv, pool, True)
                base_score = score(args, base, test_csv)
                m = os.path.join(d, "full.json")
                adapter([full_csv], pool, m)
                full_adapted, full_weight = score(args, m, test_csv)[0], adapter.base_weight
                train_scratch(args, [full_csv], m)
                refs[h].append((len(pool), full_adapted, score(args, m, test_csv)[0], full_weight))
                for s in args.strategies.split(","):
                    w = os.path.join(d, s)
                    os.mkdir(w)
                    res = simulate(args, h, seed, s, pool, pool_csv, test_csv, base, base_score, adapter, w)
                    results += res
                    last = [r for r in res if r[3] != "scratch"][-1]
                    print(f"{SHORT[h]} seed {seed} {s:<11} AUC {base_score[0]:.3f} -> {last[6]:.3f} at "
                          f"{last[4]} labels ({time.time() - started:.0f} s)", file=sys.stderr)
            notes += adapter.notes
    wall = time.time() - started
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, f"{args.prefix}_results.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["heldout", "seed", "strategy", "model", "labels", "positives", "auc", "f1", "base_weight"])
        w.writerows([(h, sd, s, k, n, p, f"{a:.4f}", f"{f1:.4f}", "" if math.isnan(bw) else f"{bw:.3f}")
                     for h, sd, s, k, n, p, a, f1, bw in results])
    summary = summarise(args, results, own, refs, notes, wall)
    with open(os.path.join(args.out, f"{args.prefix}_summary.md"), "w") as f:
        f.write(summary)
    print(summary)
    plot(args, results, own, os.path.join(args.out, f"{args.prefix}_curve.png"))


if __name__ == "__main__":
    main()
