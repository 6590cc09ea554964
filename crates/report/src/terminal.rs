//! The terminal pages of `evaluate` and `compare`: plain text in fixed columns, for a person at
//! a terminal (their `--json` is the reports' own `Serialize` shape).

use std::fmt::Write as _;

use secdisc_train::metrics::{f_score, Confusion};
use secdisc_train::{CompareReport, CvReport, FoldResult};

/// The first line of both pages: the data, its classes and how it was split.
fn header(
    name: &str,
    n: usize,
    positives: usize,
    (folds, repeats): (usize, usize),
    seed: u64,
    threshold: &str,
) -> String {
    let pct = 100.0 * positives as f64 / n as f64;
    format!(
        "{name}: {n} records, {positives} security ({pct:.1}%); {folds} folds x {repeats} repeats, seed {seed}, threshold {threshold}\n\n"
    )
}

/// The terminal report: scikit-learn's classification-report layout (averaged over folds),
/// then every security-class metric as mean ± std, the folds, and the pooled confusion matrix.
pub fn cv_report(r: &CvReport, name: &str) -> String {
    let mut s = header(
        name,
        r.n,
        r.positives,
        (r.folds, r.repeats),
        r.seed,
        &r.threshold,
    );
    // Per-class precision/recall/F1 averaged over folds, as scikit-learn reports a fold.
    let k = r.per_fold.len() as f64;
    let mean =
        |f: &dyn Fn(&Confusion) -> f64| r.per_fold.iter().map(|x| f(&x.confusion)).sum::<f64>() / k;
    let neg_p = mean(&|c| c.negative_predictive_value());
    let neg_r = mean(&|c| c.specificity());
    let neg_f = mean(&|c| f_score(c.negative_predictive_value(), c.specificity()));
    let (pos_p, pos_r, pos_f) = (r.mean.precision, r.mean.recall, r.mean.f1);
    let accuracy = mean(&|c| (c.tp + c.tn) as f64 / (c.tp + c.tn + c.fp + c.fn_) as f64);
    let (n_neg, n_pos) = ((r.n - r.positives) as f64, r.positives as f64);
    let _ = writeln!(
        s,
        "{:>14} {:>9} {:>9} {:>9} {:>9}\n",
        "", "precision", "recall", "f1-score", "support"
    );
    let _ = writeln!(
        s,
        "{:>14} {neg_p:>9.3} {neg_r:>9.3} {neg_f:>9.3} {:>9}",
        "non-security",
        r.n - r.positives
    );
    let _ = writeln!(
        s,
        "{:>14} {pos_p:>9.3} {pos_r:>9.3} {pos_f:>9.3} {:>9}\n",
        "security", r.positives
    );
    let _ = writeln!(
        s,
        "{:>14} {:>9} {:>9} {accuracy:>9.3} {:>9}",
        "accuracy", "", "", r.n
    );
    let _ = writeln!(
        s,
        "{:>14} {:>9.3} {:>9.3} {:>9.3} {:>9}",
        "macro avg",
        (neg_p + pos_p) / 2.0,
        (neg_r + pos_r) / 2.0,
        (neg_f + pos_f) / 2.0,
        r.n
    );
    let w = |a: f64, b: f64| (a * n_neg + b * n_pos) / (n_neg + n_pos);
    let _ = writeln!(
        s,
        "{:>14} {:>9.3} {:>9.3} {:>9.3} {:>9}\n",
        "weighted avg",
        w(neg_p, pos_p),
        w(neg_r, pos_r),
        w(neg_f, pos_f),
        r.n
    );
    let _ = writeln!(
        s,
        "security class, mean ± std over {} folds:",
        r.per_fold.len()
    );
    for (name, m, d) in [
        ("precision", r.mean.precision, r.std.precision),
        ("recall", r.mean.recall, r.std.recall),
        ("f1", r.mean.f1, r.std.f1),
        ("roc_auc", r.mean.auc, r.std.auc),
        ("g_mean", r.mean.gmean, r.std.gmean),
        ("mcc", r.mean.mcc, r.std.mcc),
        ("pr_auc", r.mean.pr_auc, r.std.pr_auc),
    ] {
        let _ = writeln!(s, "  {name:<10} {m:.3} ± {d:.3}");
    }
    let label = |f: &FoldResult| {
        f.name
            .clone()
            .unwrap_or_else(|| format!("{}.{}", f.repeat, f.fold))
    };
    let width = r
        .per_fold
        .iter()
        .map(|f| label(f).len())
        .max()
        .unwrap_or(4)
        .max(4);
    let tuned = r.per_fold.iter().any(|f| f.chosen.is_some());
    let _ = writeln!(
        s,
        "\n{:>width$} {:>6} {:>5} {:>4} {:>8} {:>9} {:>9} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}{}",
        "fold",
        "train",
        "test",
        "pos",
        "features",
        "threshold",
        "precision",
        "recall",
        "f1",
        "auc",
        "gmean",
        "mcc",
        "pr_auc",
        if tuned { "  chosen" } else { "" }
    );
    for f in &r.per_fold {
        let m = &f.metrics;
        let _ = writeln!(
            s,
            "{:>width$} {:>6} {:>5} {:>4} {:>8} {:>9.3} {:>9.3} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>6.3}{}",
            label(f),
            f.train,
            f.test,
            f.test_positives,
            f.features,
            f.threshold,
            m.precision,
            m.recall,
            m.f1,
            m.auc,
            m.gmean,
            m.mcc,
            m.pr_auc,
            f.chosen.as_deref().map(|c| format!("  {c}")).unwrap_or_default()
        );
    }
    let c = r.pooled_confusion();
    let _ = writeln!(
        s,
        "\nconfusion matrix (all folds): rows true, columns predicted"
    );
    let _ = writeln!(s, "{:>14} {:>12} {:>9}", "", "non-security", "security");
    let _ = writeln!(s, "{:>14} {:>12} {:>9}", "non-security", c.tn, c.fp);
    let _ = writeln!(s, "{:>14} {:>12} {:>9}", "security", c.fn_, c.tp);
    s
}

/// The terminal report: one row per classifier (mean ± std of every metric, fit and predict
/// seconds summed over folds), then the pairwise tests.
pub fn compare_report(r: &CompareReport, name: &str) -> String {
    let mut s = header(
        name,
        r.n,
        r.positives,
        (r.folds, r.repeats),
        r.seed,
        &r.threshold,
    );
    // Columns as wide as the longest classifier name (`fasttext`) and pair name.
    let nw = r
        .classifiers
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0)
        .max(6);
    let pw = r
        .tests
        .iter()
        .map(|t| t.a.len() + t.b.len() + 1)
        .max()
        .unwrap_or(0)
        .max(11);
    let _ = writeln!(
        s,
        "{:<nw$} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13} {:>8} {:>8}",
        "model",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "g_mean",
        "mcc",
        "pr_auc",
        "fit s",
        "pred s"
    );
    for c in &r.classifiers {
        let (m, d) = (&c.mean, &c.std);
        let cell = |a: f64, b: f64| format!("{a:.3} ± {b:.3}");
        let _ = writeln!(
            s,
            "{:<nw$} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13} {:>8.2} {:>8.2}",
            c.name,
            cell(m.precision, d.precision),
            cell(m.recall, d.recall),
            cell(m.f1, d.f1),
            cell(m.auc, d.auc),
            cell(m.gmean, d.gmean),
            cell(m.mcc, d.mcc),
            cell(m.pr_auc, d.pr_auc),
            c.fit_seconds,
            c.predict_seconds
        );
    }
    let _ = writeln!(
        s,
        "\npairwise tests over {} folds (Holm-corrected within each metric; * = both tests below 0.05):",
        r.folds * r.repeats
    );
    let _ = writeln!(
        s,
        "{:<7} {:<pw$} {:>10} {:>12} {:>12} {:>8} {:>12} {:>12}",
        "metric", "pair", "mean diff", "wilcoxon p", "holm", "t", "t-test p", "holm"
    );
    for t in &r.tests {
        let _ = writeln!(
            s,
            "{:<7} {:<pw$} {:>+10.4} {:>12.4} {:>12.4} {:>8.3} {:>12.4} {:>12.4}{}",
            t.metric,
            format!("{}-{}", t.a, t.b),
            t.mean_difference,
            t.wilcoxon_p,
            t.wilcoxon_p_holm,
            t.t,
            t.t_p,
            t.t_p_holm,
            if t.significant { " *" } else { "" }
        );
    }
    s
}
