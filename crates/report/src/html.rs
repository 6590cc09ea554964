//! The HTML page: one self-contained document (inline CSS and SVG, no scripts, no fonts or
//! anything else fetched) that reads well at 1280 px wide.

use std::fmt::Write as _;

use secdisc_infer::TermWeight;
use secdisc_model::MetricSet;
use secdisc_train::metrics::Confusion;

use super::curves::{area, precision_recall, reliability, roc, Bin};
use super::svg::{line_chart, Chart, Reference, Series};
use super::{escape, thousands, ClassifierPart, Command, Report, Terms};

/// Okabe–Ito hues, distinguishable with the common colour-vision deficiencies; its orange and
/// sky blue are darkened so every line keeps at least 3:1 contrast with the white background.
const PALETTE: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#9A6A00", "#2B7FB8",
];
/// Dash patterns, a second cue besides colour.
const DASHES: [&str; 4] = ["", "7 4", "2 3", "10 3 2 3"];

/// Bins of the reliability diagram.
const BINS: usize = 10;

/// A metric's column title and how to read it from a [`MetricSet`].
type MetricColumn = (&'static str, fn(&MetricSet) -> f64);

const METRICS: [MetricColumn; 7] = [
    ("Precision", |m| m.precision),
    ("Recall", |m| m.recall),
    ("F1", |m| m.f1),
    ("ROC AUC", |m| m.auc),
    ("G-mean", |m| m.gmean),
    ("MCC", |m| m.mcc),
    ("PR AUC", |m| m.pr_auc),
];

const CSS: &str = r#"
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa; --sig: #fff1e0; --sig-line: #e69f00; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 36px 40px 56px; }
.eyebrow { margin: 0; font-size: 12px; font-weight: 600; letter-spacing: .08em; text-transform: uppercase; color: var(--muted); }
h1 { margin: 2px 0 0; font-size: 30px; line-height: 1.2; font-weight: 700; overflow-wrap: anywhere; }
h2 { margin: 40px 0 6px; padding-bottom: 6px; font-size: 20px; border-bottom: 1px solid var(--line); }
h3 { margin: 20px 0 8px; font-size: 16px; }
p.note { margin: 0 0 14px; color: var(--muted); font-size: 14px; max-width: 80ch; }
p.path { margin: 4px 0 0; color: var(--muted); font-size: 14px; overflow-wrap: anywhere; }
.facts { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 12px; margin: 22px 0 0; }
.facts div { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.facts dt { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.facts dd { margin: 2px 0 0; font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.facts dd small { font-size: 13px; font-weight: 400; color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; text-align: right; border-bottom: 1px solid var(--line); white-space: nowrap; }
thead th { font-size: 13px; font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line); }
th:first-child, td:first-child, .l { text-align: left; }
tbody th { font-weight: 600; }
.sd { color: var(--muted); font-size: 12px; }
td.best .m { font-weight: 700; }
.swatch { display: inline-block; width: 18px; height: 4px; border-radius: 2px; margin: 0 8px 3px 0; vertical-align: middle; }
tr.sig td, tr.sig th { background: var(--sig); }
tr.sig td:first-child, tr.sig th:first-child { box-shadow: inset 4px 0 0 var(--sig-line); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #8a4b00; color: #fff; }
.muted { color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 20px; }
figure { margin: 0; padding: 12px 14px 8px; border: 1px solid var(--line); border-radius: 8px; background: #fff; }
figcaption { font-weight: 600; font-size: 15px; margin-bottom: 2px; }
figcaption small { display: block; font-weight: 400; font-size: 13px; color: var(--muted); }
svg.chart { display: block; height: auto; font-size: 12px; }
svg.chart .grid line { stroke: #e6eaef; stroke-width: 1; }
svg.chart .frame { fill: none; stroke: #8c959f; stroke-width: 1; }
svg.chart .ticks text { fill: var(--muted); font-size: 11px; }
svg.chart .axis-label { fill: var(--fg); font-size: 12.5px; }
svg.chart .series { fill: none; stroke-width: 2.2; stroke-linejoin: round; stroke-linecap: round; }
svg.chart .swatch { stroke-width: 3; }
svg.chart .reference { stroke: #8c959f; stroke-width: 1.4; stroke-dasharray: 5 4; }
svg.chart .legend { fill: var(--fg); font-size: 12.5px; }
svg.chart .legend.muted { fill: var(--muted); }
.matrices { display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr)); gap: 20px; }
table.cm { width: auto; font-size: 13px; }
table.cm th, table.cm td { border: 0; padding: 4px 6px; }
table.cm thead th { font-size: 12px; text-align: center; border: 0; }
table.cm tbody th { font-size: 12px; font-weight: 600; color: var(--muted); text-align: right; }
table.cm td.cell { width: 92px; height: 64px; text-align: center; border-radius: 6px; font-size: 18px; font-weight: 700; line-height: 1.15; }
table.cm td.cell small { display: block; font-size: 12px; font-weight: 400; }
.axis-note { font-size: 12px; color: var(--muted); margin: 4px 0 0; }
.terms { display: grid; gap: 18px 28px; }
.terms h3 { margin: 0 0 8px; font-size: 15px; }
.terms h3 .dir { font-weight: 400; color: var(--muted); }
ol.bars { list-style: none; margin: 0; padding: 0; }
ol.bars li { display: grid; grid-template-columns: minmax(0, 9.5em) minmax(0, 1fr) 4.2em; align-items: center; gap: 8px; font-size: 13px; line-height: 22px; }
ol.bars .term { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", "Liberation Mono", Menlo, monospace; font-size: 12.5px; }
ol.bars .track { height: 12px; background: var(--panel); border-radius: 3px; overflow: hidden; }
ol.bars .bar { display: block; height: 100%; border-radius: 3px; }
ol.bars.pos .bar { background: #c2550a; }
ol.bars.neg .bar { background: #3b6ea5; }
ol.bars .w { text-align: right; font-variant-numeric: tabular-nums; color: var(--muted); font-size: 12px; }
footer { margin-top: 44px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
code { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", "Liberation Mono", Menlo, monospace; font-size: .92em; }
"#;

fn fixed(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        "–".to_string()
    }
}

fn seconds(x: f64) -> String {
    if x.is_finite() && x < 0.005 {
        "&lt;0.01".to_string()
    } else {
        fixed(x, 2)
    }
}

fn p_value(p: f64) -> String {
    if !p.is_finite() {
        "–".to_string()
    } else if p < 1e-4 {
        "&lt;0.0001".to_string()
    } else {
        format!("{p:.4}")
    }
}

fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

fn dash(i: usize) -> &'static str {
    DASHES[i % DASHES.len()]
}

/// The whole page.
pub fn render(r: &Report<'_>) -> String {
    let mut s = String::with_capacity(64 * 1024);
    let what = match r.command {
        Command::Evaluate => "cross-validation",
        Command::Compare => "classifier comparison",
    };
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    let _ = writeln!(s, "<title>{} · secdisc {what}</title>", escape(r.dataset));
    let _ = writeln!(s, "<style>{CSS}</style>\n</head>\n<body>\n<main>");
    header(&mut s, r, what);
    metrics(&mut s, r);
    if r.command == Command::Compare {
        tests(&mut s, r);
    }
    curves(&mut s, r);
    confusion(&mut s, r);
    terms(&mut s, r);
    per_fold(&mut s, r);
    let _ = writeln!(
        s,
        "<footer>Made by secdisc {} (<code>secdisc {}</code>). Curves and calibration use the out-of-fold scores of the first repetition; the tables use every fold of every repetition.</footer>",
        escape(r.version),
        match r.command {
            Command::Evaluate => "evaluate",
            Command::Compare => "compare",
        }
    );
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn header(s: &mut String, r: &Report<'_>, what: &str) {
    let pct = 100.0 * r.positives as f64 / r.n.max(1) as f64;
    let names: Vec<&str> = r.classifiers.iter().map(|c| c.name).collect();
    let _ = writeln!(
        s,
        "<header>\n<p class=\"eyebrow\">secdisc {what} · data set</p>\n<h1>{}</h1>",
        escape(r.dataset)
    );
    if let Some(path) = r.path.filter(|p| *p != r.dataset) {
        let _ = writeln!(s, "<p class=\"path\"><code>{}</code></p>", escape(path));
    }
    s.push_str("<dl class=\"facts\">\n");
    let mut fact = |label: &str, value: String| {
        let _ = writeln!(s, "<div><dt>{label}</dt><dd>{value}</dd></div>");
    };
    fact("Records", thousands(r.n));
    fact(
        "Security",
        format!("{} <small>({pct:.1}%)</small>", thousands(r.positives)),
    );
    fact(
        "Folds × repeats",
        format!(
            "{} × {} <small>({} folds)</small>",
            r.folds,
            r.repeats,
            r.folds * r.repeats
        ),
    );
    fact("Seed", r.seed.to_string());
    fact("Threshold rule", escape(r.threshold).into_owned());
    fact(
        if names.len() == 1 {
            "Classifier"
        } else {
            "Classifiers"
        },
        escape(&names.join(", ")).into_owned(),
    );
    s.push_str("</dl>\n</header>\n");
}

fn metrics(s: &mut String, r: &Report<'_>) {
    let k = r.folds * r.repeats;
    let _ = writeln!(
        s,
        "<section>\n<h2>Metrics</h2>\n<p class=\"note\">Security class, mean ± standard deviation over {k} folds{}.</p>",
        if r.classifiers.len() > 1 {
            "; the best mean in each column is bold"
        } else {
            ""
        }
    );
    s.push_str("<table class=\"metrics\">\n<thead><tr><th scope=\"col\">Classifier</th>");
    for (name, _) in METRICS {
        let _ = write!(s, "<th scope=\"col\">{name}</th>");
    }
    let timed = r.classifiers.iter().any(|c| c.seconds.is_some());
    if timed {
        s.push_str("<th scope=\"col\">Fit (s)</th><th scope=\"col\">Predict (s)</th>");
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    let best: Vec<f64> = METRICS
        .iter()
        .map(|(_, f)| {
            r.classifiers
                .iter()
                .map(|c| f(c.mean))
                .filter(|v| v.is_finite())
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    for (i, c) in r.classifiers.iter().enumerate() {
        let _ = write!(
            s,
            "<tr><th scope=\"row\"><span class=\"swatch\" style=\"background:{}\"></span>{}</th>",
            color(i),
            escape(c.name)
        );
        for ((_, f), &b) in METRICS.iter().zip(&best) {
            let m = f(c.mean);
            let class = if r.classifiers.len() > 1 && m == b {
                " class=\"best\""
            } else {
                ""
            };
            let _ = write!(
                s,
                "<td{class}><span class=\"m\">{}</span> <span class=\"sd\">± {}</span></td>",
                fixed(m, 3),
                fixed(f(c.std), 3)
            );
        }
        if timed {
            match c.seconds {
                Some((fit, predict)) => {
                    let _ = write!(s, "<td>{}</td><td>{}</td>", seconds(fit), seconds(predict));
                }
                None => s.push_str("<td>–</td><td>–</td>"),
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n</section>\n");
}

fn tests(s: &mut String, r: &Report<'_>) {
    let _ = writeln!(
        s,
        "<section>\n<h2>Pairwise tests</h2>\n<p class=\"note\">Wilcoxon signed-rank and Nadeau–Bengio corrected resampled t-tests on the {} per-fold scores, Holm-corrected within each metric. A highlighted row is significant: both corrected p-values are below {}.</p>",
        r.folds * r.repeats,
        secdisc_train::ALPHA
    );
    s.push_str("<table class=\"tests\">\n<thead><tr><th scope=\"col\">Metric</th><th scope=\"col\" class=\"l\">Pair</th><th scope=\"col\">Mean difference</th><th scope=\"col\">Wilcoxon p</th><th scope=\"col\">Holm</th><th scope=\"col\">t</th><th scope=\"col\">t-test p</th><th scope=\"col\">Holm</th><th scope=\"col\">Result</th></tr></thead>\n<tbody>\n");
    for t in r.tests {
        let metric = match t.metric {
            "f1" => "F1",
            "auc" => "ROC AUC",
            other => other,
        };
        let (class, result) = if t.significant {
            (" class=\"sig\"", "<span class=\"badge\">significant</span>")
        } else {
            ("", "<span class=\"muted\">not significant</span>")
        };
        let diff = if t.mean_difference.is_finite() {
            format!("{:+.4}", t.mean_difference)
        } else {
            "–".into()
        };
        let _ = writeln!(
            s,
            "<tr{class}><td>{}</td><td class=\"l\">{} − {}</td><td>{diff}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{result}</td></tr>",
            escape(metric),
            escape(&t.a),
            escape(&t.b),
            p_value(t.wilcoxon_p),
            p_value(t.wilcoxon_p_holm),
            fixed(t.t, 3),
            p_value(t.t_p),
            p_value(t.t_p_holm),
        );
    }
    s.push_str("</tbody>\n</table>\n</section>\n");
}

fn brier(scores: &[f64], labels: &[bool]) -> f64 {
    let (sum, n) = scores
        .iter()
        .zip(labels)
        .filter(|(s, _)| s.is_finite())
        .fold((0.0, 0usize), |(sum, n), (&s, &l)| {
            let d = s - f64::from(u8::from(l));
            (sum + d * d, n + 1)
        });
    sum / n as f64
}

fn curves(s: &mut String, r: &Report<'_>) {
    let prevalence = r.positives as f64 / r.n.max(1) as f64;
    let mut roc_series = Vec::new();
    let mut pr_series = Vec::new();
    let mut cal_series = Vec::new();
    for (i, c) in r.classifiers.iter().enumerate() {
        let roc_points = roc(c.oof_scores, r.labels);
        let pr_points = precision_recall(c.oof_scores, r.labels);
        roc_series.push(Series {
            label: format!("{}  ·  AUC {}", c.name, fixed(area(&roc_points), 3)),
            color: color(i),
            dash: dash(i),
            points: roc_points,
            markers: None,
        });
        pr_series.push(Series {
            label: format!("{}  ·  AP {}", c.name, fixed(area(&pr_points), 3)),
            color: color(i),
            dash: dash(i),
            points: pr_points,
            markers: None,
        });
        // The operating point: what the classifier did at each fold's chosen threshold, from
        // the confusion matrix summed over the folds (issue 14: show it on the curves).
        let m = pooled(c.per_fold);
        let rate = |a: usize, b: usize| a as f64 / (a + b).max(1) as f64;
        let (fpr, tpr, precision) = (rate(m.fp, m.tn), rate(m.tp, m.fn_), rate(m.tp, m.fp));
        let point = |what: &str, (x, y): (f64, f64), (x_name, y_name): (&str, &str)| {
            Series {
            label: format!(
                "{} at its thresholds  ·  {what}",
                c.name
            ),
            color: color(i),
            dash: "",
            points: vec![(x, y)],
            markers: Some(vec![format!(
                "{}: operating point at each fold's threshold ({}): {x_name} {x:.3}, {y_name} {y:.3}",
                c.name, r.threshold
            )]),
        }
        };
        roc_series.push(point(
            &format!("FPR {}, TPR {}", fixed(fpr, 3), fixed(tpr, 3)),
            (fpr, tpr),
            ("false positive rate", "true positive rate"),
        ));
        pr_series.push(point(
            &format!(
                "recall {}, precision {}",
                fixed(tpr, 3),
                fixed(precision, 3)
            ),
            (tpr, precision),
            ("recall", "precision"),
        ));
        let bins: Vec<Bin> = reliability(c.oof_scores, r.labels, BINS)
            .into_iter()
            .filter(|b| b.count > 0)
            .collect();
        cal_series.push(Series {
            label: format!(
                "{}  ·  Brier {}",
                c.name,
                fixed(brier(c.oof_scores, r.labels), 3)
            ),
            color: color(i),
            dash: dash(i),
            points: bins.iter().map(|b| (b.mean_predicted, b.observed)).collect(),
            markers: Some(
                bins.iter()
                    .map(|b| {
                        format!(
                            "{}: scores {:.1}–{:.1}, {} records, mean predicted {:.3}, observed {:.3}",
                            c.name, b.lo, b.hi, b.count, b.mean_predicted, b.observed
                        )
                    })
                    .collect(),
            ),
        });
    }
    s.push_str("<section>\n<h2>Curves</h2>\n<p class=\"note\">From the out-of-fold probability of every record in the first repetition (each record scored by the model that did not see it), pooled over folds. AUC and average precision (AP) in the legends are of these pooled scores, so they differ slightly from the per-fold means above.</p>\n<div class=\"charts\">\n");
    let figure = |s: &mut String, caption: &str, sub: &str, chart: &Chart<'_>| {
        let _ = writeln!(
            s,
            "<figure><figcaption>{caption}<small>{sub}</small></figcaption>{}</figure>",
            line_chart(chart)
        );
    };
    figure(
        s,
        "ROC curve",
        "True positive rate against false positive rate",
        &Chart {
            title: "ROC curves",
            x_label: "False positive rate",
            y_label: "True positive rate",
            series: roc_series,
            reference: Some(Reference::Diagonal("chance".into())),
        },
    );
    figure(
        s,
        "Precision–recall curve",
        "Precision against recall, security class",
        &Chart {
            title: "Precision-recall curves",
            x_label: "Recall",
            y_label: "Precision",
            series: pr_series,
            reference: Some(Reference::Horizontal(
                prevalence,
                format!("no skill (precision {prevalence:.3})"),
            )),
        },
    );
    figure(
        s,
        "Calibration",
        &format!("Observed against predicted, {BINS} equal-width bins"),
        &Chart {
            title: "Reliability diagram",
            x_label: "Mean predicted probability",
            y_label: "Observed frequency of security",
            series: cal_series,
            reference: Some(Reference::Diagonal("perfectly calibrated".into())),
        },
    );
    s.push_str("</div>\n</section>\n");
}

/// WCAG relative luminance of an sRGB colour.
fn luminance(rgb: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])
}

/// WCAG contrast ratio of two luminances.
fn contrast(a: f64, b: f64) -> f64 {
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

const DARK_TEXT: ([u8; 3], &str) = ([0, 0, 0], "#000000");
const LIGHT_TEXT: ([u8; 3], &str) = ([0xff, 0xff, 0xff], "#ffffff");

/// Background and text colour of a confusion-matrix cell whose row share is `share`: a pale
/// blue-grey to a deep blue, with whichever text colour contrasts more (always above 4.5:1).
fn cell_colors(share: f64) -> (String, &'static str) {
    let t = if share.is_finite() {
        share.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (a, b) = ([241.0, 245.0, 249.0], [8.0, 69.0, 128.0]);
    let bg: [u8; 3] = std::array::from_fn(|i| (a[i] + (b[i] - a[i]) * t).round() as u8);
    let l = luminance(bg);
    let text = if contrast(l, luminance(DARK_TEXT.0)) >= contrast(l, luminance(LIGHT_TEXT.0)) {
        DARK_TEXT.1
    } else {
        LIGHT_TEXT.1
    };
    (format!("#{:02x}{:02x}{:02x}", bg[0], bg[1], bg[2]), text)
}

fn pooled(per_fold: &[super::FoldResult]) -> Confusion {
    per_fold
        .iter()
        .fold(Confusion::default(), |acc, f| acc + f.confusion)
}

fn confusion(s: &mut String, r: &Report<'_>) {
    let _ = writeln!(
        s,
        "<section>\n<h2>{}</h2>\n<p class=\"note\">Summed over all {} folds at each fold's threshold. Rows are the true class, columns the prediction; shading and percentages are shares of the row.</p>\n<div class=\"matrices\">",
        if r.classifiers.len() == 1 {
            "Confusion matrix"
        } else {
            "Confusion matrices"
        },
        r.folds * r.repeats
    );
    for c in &r.classifiers {
        let m = pooled(c.per_fold);
        let rows = [("non-security", [m.tn, m.fp]), ("security", [m.fn_, m.tp])];
        let _ = write!(
            s,
            "<figure><figcaption>{}</figcaption><table class=\"cm\"><thead><tr><th></th><th scope=\"col\">predicted<br/>non-security</th><th scope=\"col\">predicted<br/>security</th></tr></thead><tbody>",
            escape(c.name)
        );
        for (name, counts) in rows {
            let total: usize = counts.iter().sum();
            let _ = write!(s, "<tr><th scope=\"row\">true<br/>{name}</th>");
            for count in counts {
                let share = count as f64 / total.max(1) as f64;
                let (bg, fg) = cell_colors(share);
                let _ = write!(
                    s,
                    "<td class=\"cell\" style=\"background:{bg};color:{fg}\">{}<small>{:.1}%</small></td>",
                    thousands(count),
                    100.0 * share
                );
            }
            s.push_str("</tr>");
        }
        s.push_str("</tbody></table></figure>\n");
    }
    s.push_str("</div>\n</section>\n");
}

fn bar_list(s: &mut String, list: &[TermWeight], scale: f64, class: &str) {
    if list.is_empty() {
        s.push_str("<p class=\"note\">No term has a weight in this direction.</p>");
        return;
    }
    let _ = write!(s, "<ol class=\"bars {class}\">");
    for t in list {
        let width = 100.0 * t.weight.abs() / scale;
        let _ = write!(
            s,
            "<li><span class=\"term\" title=\"{term}\">{term}</span><span class=\"track\"><span class=\"bar\" style=\"width:{width:.1}%\"></span></span><span class=\"w\">{:+.3}</span></li>",
            t.weight,
            term = escape(&t.term),
        );
    }
    s.push_str("</ol>");
}

fn terms_cell(s: &mut String, c: &ClassifierPart<'_>, security: bool, label: bool) {
    let dir = if security {
        "towards security"
    } else {
        "towards non-security"
    };
    s.push_str("<div>");
    let _ = write!(
        s,
        "<h3>{}<span class=\"dir\">{}{dir}</span></h3>",
        if label { escape(c.name) } else { "".into() },
        if label { " · " } else { "" }
    );
    match &c.terms {
        Terms::Weights(top) => {
            let scale = top
                .security
                .iter()
                .chain(&top.non_security)
                .map(|t| t.weight.abs())
                .fold(0.0, f64::max)
                .max(f64::MIN_POSITIVE);
            if security {
                bar_list(s, &top.security, scale, "pos");
            } else {
                bar_list(s, &top.non_security, scale, "neg");
            }
        }
        Terms::NotLinear => {
            let _ = write!(
                s,
                "<p class=\"note\"><code>{}</code> is not a linear classifier, so it has no per-term weights.</p>",
                escape(c.name)
            );
        }
        Terms::Failed(why) => {
            let _ = write!(
                s,
                "<p class=\"note\">Could not fit <code>{}</code> on all the data: {}</p>",
                escape(c.name),
                escape(why)
            );
        }
    }
    s.push_str("</div>\n");
}

fn terms(s: &mut String, r: &Report<'_>) {
    let n = r
        .classifiers
        .iter()
        .filter_map(|c| match &c.terms {
            Terms::Weights(t) => Some(t.security.len().max(t.non_security.len())),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        s,
        "<section>\n<h2>Top-weighted terms</h2>\n<p class=\"note\">The {n} terms pushing hardest towards each class in a model fitted on all {} records with the same flags. Bar length is proportional to the weight, on one scale per classifier. Terms are stemmed; <code>[…]</code> marks a character n-gram.</p>",
        thousands(r.n)
    );
    if r.classifiers.len() == 1 || r.classifiers.len() > 4 {
        // One row per classifier: its two lists side by side.
        s.push_str(
            "<div class=\"terms\" style=\"grid-template-columns:repeat(2,minmax(0,1fr))\">\n",
        );
        let label = r.classifiers.len() > 1;
        for c in &r.classifiers {
            terms_cell(s, c, true, label);
            terms_cell(s, c, false, label);
        }
    } else {
        // One column per classifier: the security lists, then the non-security lists.
        let _ = writeln!(
            s,
            "<div class=\"terms\" style=\"grid-template-columns:repeat({},minmax(0,1fr))\">",
            r.classifiers.len()
        );
        for security in [true, false] {
            for c in &r.classifiers {
                terms_cell(s, c, security, true);
            }
        }
    }
    s.push_str("</div>\n</section>\n");
}

fn per_fold(s: &mut String, r: &Report<'_>) {
    s.push_str("<section>\n<h2>Per-fold results</h2>\n<p class=\"note\">Each fold's model is fitted on the other folds (vocabulary, IDF and classifier) and scored on this one at the threshold chosen on its training part.</p>\n");
    for c in &r.classifiers {
        if r.classifiers.len() > 1 {
            let _ = writeln!(s, "<h3>{}</h3>", escape(c.name));
        }
        s.push_str("<table class=\"folds\">\n<thead><tr><th scope=\"col\">Fold</th><th scope=\"col\">Train</th><th scope=\"col\">Test</th><th scope=\"col\">Security</th><th scope=\"col\">Features</th><th scope=\"col\">Threshold</th>");
        for (name, _) in METRICS {
            let _ = write!(s, "<th scope=\"col\">{name}</th>");
        }
        let tuned = c.per_fold.iter().any(|f| f.chosen.is_some());
        if tuned {
            s.push_str("<th scope=\"col\">Chosen</th>");
        }
        s.push_str("</tr></thead>\n<tbody>\n");
        for f in c.per_fold {
            let fold = match &f.name {
                Some(name) => escape(name).to_string(),
                None if r.repeats > 1 => format!("{}.{}", f.repeat, f.fold),
                None => f.fold.to_string(),
            };
            let _ = write!(
                s,
                "<tr><td>{fold}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                thousands(f.train),
                thousands(f.test),
                thousands(f.test_positives),
                thousands(f.features),
                fixed(f.threshold, 3)
            );
            for (_, metric) in METRICS {
                let _ = write!(s, "<td>{}</td>", fixed(metric(&f.metrics), 3));
            }
            if tuned {
                let _ = write!(s, "<td>{}</td>", escape(f.chosen.as_deref().unwrap_or("")));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
    }
    s.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::check_well_formed;
    use secdisc_infer::TopTerms;
    use secdisc_train::{ClassifierCv, CompareReport, CvReport, FoldResult, PairTest};

    fn fold(repeat: usize, fold: usize, f1: f64) -> FoldResult {
        FoldResult {
            name: None,
            repeat,
            fold,
            train: 8,
            test: 4,
            test_positives: 2,
            features: 1234,
            threshold: 0.5,
            chosen: None,
            metrics: MetricSet {
                precision: 0.5,
                recall: 0.75,
                f1,
                auc: 0.875,
                gmean: 0.6,
                mcc: 0.4,
                pr_auc: 0.8,
            },
            confusion: Confusion {
                tp: 1,
                fp: 1,
                tn: 1,
                fn_: 1,
            },
        }
    }

    fn labels() -> Vec<bool> {
        (0..12).map(|i| i % 3 == 0).collect()
    }

    fn scores(shift: f64) -> Vec<f64> {
        (0..12)
            .map(|i| {
                let base = if i % 3 == 0 { 0.7 } else { 0.3 };
                (base + shift + 0.04 * f64::from(i % 5) - 0.08).clamp(0.0, 1.0)
            })
            .collect()
    }

    fn top() -> TopTerms {
        TopTerms {
            security: vec![
                TermWeight {
                    term: "jwt <script>".into(),
                    weight: 2.0,
                },
                TermWeight {
                    term: "token".into(),
                    weight: 1.0,
                },
            ],
            non_security: vec![TermWeight {
                term: "css & \"layout\"".into(),
                weight: -0.5,
            }],
        }
    }

    fn cv_report() -> CvReport {
        CvReport {
            folds: 3,
            repeats: 1,
            seed: 42,
            n: 12,
            positives: 4,
            threshold: "fixed:0.5".into(),
            mean: MetricSet {
                f1: 0.6543,
                ..MetricSet::default()
            },
            std: MetricSet {
                f1: 0.0321,
                ..MetricSet::default()
            },
            per_fold: (1..=3).map(|f| fold(1, f, 0.6)).collect(),
            oof_scores: scores(0.0),
            fold_of: (0..12).map(|i| i % 3).collect(),
        }
    }

    fn compare_report() -> CompareReport {
        let cv = |name: &str, shift: f64, f1: f64| ClassifierCv {
            name: name.into(),
            mean: MetricSet {
                f1,
                auc: 0.9,
                ..MetricSet::default()
            },
            std: MetricSet::default(),
            per_fold: (1..=2)
                .flat_map(|r| (1..=3).map(move |f| fold(r, f, f1)))
                .collect(),
            oof_scores: scores(shift),
            fit_seconds: 1.25,
            predict_seconds: 0.5,
        };
        let test = |a: &str, b: &str, significant: bool| PairTest {
            metric: "f1",
            a: a.into(),
            b: b.into(),
            mean_difference: 0.0123,
            wilcoxon_p: 0.00001,
            wilcoxon_p_holm: 0.00002,
            t: 3.5,
            t_p: 0.01,
            t_p_holm: if significant { 0.02 } else { 0.2 },
            significant,
        };
        CompareReport {
            folds: 3,
            repeats: 2,
            seed: 7,
            n: 12,
            positives: 4,
            threshold: "max-f1".into(),
            classifiers: vec![cv("lr", 0.0, 0.71), cv("nb<x>", 0.1, 0.65)],
            tests: vec![test("lr", "nb<x>", true)],
        }
    }

    #[test]
    fn evaluate_page_is_well_formed_and_shows_every_part() {
        let cv = cv_report();
        let labels = labels();
        let page = render(
            &Report::from_cv(
                &cv,
                "lr",
                "data <&> \"set\".csv",
                &labels,
                Terms::Weights(top()),
            )
            .with_path("dir/data <&> \"set\".csv"),
        );
        check_well_formed(&page).unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"));
        for needle in [
            "<h1>data &lt;&amp;&gt; &quot;set&quot;.csv</h1>",
            "<code>dir/data &lt;&amp;&gt; &quot;set&quot;.csv</code>",
            "0.654",
            "± 0.032",
            "fixed:0.5",
            "3 × 1",
            "33.3%",
            "jwt &lt;script&gt;",
            "css &amp; &quot;layout&quot;",
            "width:100.0%",
            "width:25.0%",
            "ROC curve",
            "Calibration",
            "perfectly calibrated",
            "Per-fold results",
            "1,234",
        ] {
            assert!(page.contains(needle), "missing {needle:?}");
        }
        assert!(!page.contains("jwt <script>"));
        assert!(!page.contains("Pairwise tests"));
        assert_eq!(page.matches("<svg").count(), 3);
        // No scripts, no external resources.
        for banned in ["<script", "src=", "<link", "@import", "url("] {
            assert!(!page.contains(banned), "page contains {banned}");
        }
    }

    #[test]
    fn compare_page_marks_significant_tests_and_the_best_means() {
        let cmp = compare_report();
        let labels = labels();
        let page = render(&Report::from_compare(
            &cmp,
            "d.csv",
            &labels,
            vec![Terms::Weights(top()), Terms::NotLinear],
        ));
        check_well_formed(&page).unwrap();
        for needle in [
            "Pairwise tests",
            "<tr class=\"sig\">",
            "lr − nb&lt;x&gt;",
            "&lt;0.0001",
            "+0.0123",
            "class=\"best\"><span class=\"m\">0.710</span>",
            "is not a linear classifier",
        ] {
            assert!(page.contains(needle), "missing {needle:?}");
        }
        assert!(page.contains("<td>2.3</td>"), "repeat.fold labels");
        // One ROC, PR and calibration line per classifier, plus a swatch each in the legends.
        assert_eq!(page.matches("<polyline").count(), 6);
        // Each classifier's operating point on the ROC and PR curves (issue 14 item 2).
        assert_eq!(page.matches("operating point at each fold").count(), 4);
        assert!(page.contains("at its thresholds  ·  FPR "), "ROC legend");
        assert!(page.contains("AUC ") && page.contains("AP ") && page.contains("Brier "));
        let nt = render(&Report::from_compare(
            &cmp,
            "d.csv",
            &labels,
            vec![Terms::NotLinear, Terms::Failed("boom <b>".into())],
        ));
        check_well_formed(&nt).unwrap();
        assert!(nt.contains("boom &lt;b&gt;"));
    }

    #[test]
    fn confusion_cells_get_darker_with_their_share_and_keep_contrast() {
        let (light, dark_text) = cell_colors(0.1);
        let (dark, white_text) = cell_colors(0.9);
        assert_eq!(dark_text, "#000000");
        assert_eq!(white_text, "#ffffff");
        assert!(light > dark, "{light} vs {dark}");
        assert_eq!(cell_colors(f64::NAN).0, "#f1f5f9");
        for i in 0..=100 {
            let (bg, text) = cell_colors(f64::from(i) / 100.0);
            let rgb = |hex: &str| -> [u8; 3] {
                std::array::from_fn(|k| u8::from_str_radix(&hex[1 + 2 * k..3 + 2 * k], 16).unwrap())
            };
            let ratio = contrast(luminance(rgb(&bg)), luminance(rgb(text)));
            assert!(ratio >= 4.5, "{bg} with {text}: {ratio:.2}");
        }
    }
}
