//! Inline SVG line charts on the unit square: axes with ticks and grid, one line per series, an
//! optional reference line, and a legend under the plot.

use std::fmt::Write as _;

use super::escape;

/// A reference line drawn dashed in grey behind the series.
#[derive(Debug, Clone, PartialEq)]
pub enum Reference {
    /// `y = x` (chance for ROC, perfect calibration for a reliability diagram).
    Diagonal(String),
    /// `y = value` (the no-skill precision of a PR curve).
    Horizontal(f64, String),
}

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<'a> {
    /// Legend text.
    pub label: String,
    /// Stroke colour (CSS colour).
    pub color: &'a str,
    /// Dash pattern (`stroke-dasharray`), empty for a solid line.
    pub dash: &'a str,
    /// Points in data coordinates, both in `[0, 1]`, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Draw a marker at every point, with this tooltip for each.
    pub markers: Option<Vec<String>>,
}

/// A line chart whose axes both run from 0 to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart<'a> {
    /// Accessible name of the image.
    pub title: &'a str,
    /// Horizontal axis label.
    pub x_label: &'a str,
    /// Vertical axis label.
    pub y_label: &'a str,
    /// The lines.
    pub series: Vec<Series<'a>>,
    /// A reference line.
    pub reference: Option<Reference>,
}

const PLOT: f64 = 300.0;
const LEFT: f64 = 56.0;
const TOP: f64 = 12.0;
const RIGHT: f64 = 14.0;
const AXIS_SPACE: f64 = 48.0;
const LEGEND_ROW: f64 = 22.0;
const TICKS: [f64; 6] = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];

fn px(x: f64) -> f64 {
    LEFT + x.clamp(0.0, 1.0) * PLOT
}

fn py(y: f64) -> f64 {
    TOP + (1.0 - y.clamp(0.0, 1.0)) * PLOT
}

/// Pixel points of `points`, dropping points within half a pixel of the last kept one (the
/// first and last are always kept), so curves over many thousands of records stay small.
pub fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (i, &(x, y)) in points.iter().enumerate() {
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        let p = (round1(px(x)), round1(py(y)));
        let last = i + 1 == points.len();
        match out.last() {
            Some(q) if !last && (p.0 - q.0).abs() < 0.5 && (p.1 - q.1).abs() < 0.5 => {}
            Some(q) if last && *q == p => {}
            _ => out.push(p),
        }
    }
    out
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Render `chart` as an `<svg>` element that scales to its container's width.
pub fn line_chart(chart: &Chart<'_>) -> String {
    let legend_rows = chart.series.len() + usize::from(chart.reference.is_some());
    let width = LEFT + PLOT + RIGHT;
    let height = TOP + PLOT + AXIS_SPACE + legend_rows as f64 * LEGEND_ROW + 4.0;
    let mut s = String::with_capacity(8192);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{}" class="chart">"#,
        escape(chart.title)
    );
    let _ = write!(s, "<title>{}</title>", escape(chart.title));
    // Grid and ticks.
    s.push_str(r#"<g class="grid">"#);
    for t in TICKS {
        let (x, y) = (px(t), py(t));
        let _ = write!(
            s,
            r#"<line x1="{x}" y1="{TOP}" x2="{x}" y2="{}"/><line x1="{LEFT}" y1="{y}" x2="{}" y2="{y}"/>"#,
            TOP + PLOT,
            LEFT + PLOT
        );
    }
    s.push_str("</g>");
    let _ = write!(
        s,
        r#"<rect class="frame" x="{LEFT}" y="{TOP}" width="{PLOT}" height="{PLOT}"/>"#
    );
    s.push_str(r#"<g class="ticks">"#);
    for t in TICKS {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{t:.1}</text><text x="{}" y="{}" text-anchor="end">{t:.1}</text>"#,
            px(t),
            TOP + PLOT + 18.0,
            LEFT - 8.0,
            py(t) + 4.0
        );
    }
    s.push_str("</g>");
    let _ = write!(
        s,
        r#"<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text>"#,
        LEFT + PLOT / 2.0,
        TOP + PLOT + 38.0,
        escape(chart.x_label)
    );
    let _ = write!(
        s,
        r#"<text class="axis-label" transform="translate(16 {}) rotate(-90)" text-anchor="middle">{}</text>"#,
        TOP + PLOT / 2.0,
        escape(chart.y_label)
    );
    // Reference line.
    let reference_label = match &chart.reference {
        Some(Reference::Diagonal(label)) => {
            let _ = write!(
                s,
                r#"<line class="reference" x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
                px(0.0),
                py(0.0),
                px(1.0),
                py(1.0)
            );
            Some(label)
        }
        Some(Reference::Horizontal(v, label)) => {
            let _ = write!(
                s,
                r#"<line class="reference" x1="{}" y1="{y}" x2="{}" y2="{y}"/>"#,
                px(0.0),
                px(1.0),
                y = round1(py(*v))
            );
            Some(label)
        }
        None => None,
    };
    // Series.
    for series in &chart.series {
        let points = thin(&series.points);
        if points.is_empty() {
            continue;
        }
        let mut coords = String::with_capacity(points.len() * 12);
        for (i, (x, y)) in points.iter().enumerate() {
            if i > 0 {
                coords.push(' ');
            }
            let _ = write!(coords, "{x},{y}");
        }
        let dash = if series.dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{}""#, escape(series.dash))
        };
        // A lone point with a marker is just the marker.
        if !(points.len() == 1 && series.markers.is_some()) {
            let _ = write!(
                s,
                r#"<polyline class="series" points="{coords}" stroke="{}"{dash}/>"#,
                escape(series.color)
            );
        }
        if let Some(tips) = &series.markers {
            for (&(x, y), tip) in series.points.iter().zip(tips) {
                if !(x.is_finite() && y.is_finite()) {
                    continue;
                }
                // A lone point (an operating point) is drawn larger, ringed in white.
                let (r, ring) = if series.points.len() == 1 {
                    ("6", r##" stroke="#fff" stroke-width="2""##)
                } else {
                    ("3.5", "")
                };
                let _ = write!(
                    s,
                    r#"<circle cx="{}" cy="{}" r="{r}" fill="{}"{ring}><title>{}</title></circle>"#,
                    round1(px(x)),
                    round1(py(y)),
                    escape(series.color),
                    escape(tip)
                );
            }
        }
    }
    // Legend.
    let mut y = TOP + PLOT + AXIS_SPACE + 14.0;
    let legend_x = LEFT;
    for series in &chart.series {
        let dash = if series.dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{}""#, escape(series.dash))
        };
        let _ = write!(
            s,
            r#"<line class="swatch" x1="{legend_x}" y1="{}" x2="{}" y2="{}" stroke="{}"{dash}/><text class="legend" x="{}" y="{}">{}</text>"#,
            y - 4.0,
            legend_x + 26.0,
            y - 4.0,
            escape(series.color),
            legend_x + 34.0,
            y,
            escape(&series.label)
        );
        y += LEGEND_ROW;
    }
    if let Some(label) = reference_label {
        let _ = write!(
            s,
            r#"<line class="reference" x1="{legend_x}" y1="{}" x2="{}" y2="{}"/><text class="legend muted" x="{}" y="{}">{}</text>"#,
            y - 4.0,
            legend_x + 26.0,
            y - 4.0,
            legend_x + 34.0,
            y,
            escape(label)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::check_well_formed;

    fn chart() -> Chart<'static> {
        Chart {
            title: "ROC <curve> & co",
            x_label: "False positive rate",
            y_label: "True positive rate",
            series: vec![
                Series {
                    label: "lr \"AUC\" 0.943".into(),
                    color: "#0072B2",
                    dash: "",
                    points: vec![(0.0, 0.0), (0.1, 0.5), (0.4, 0.9), (1.0, 1.0)],
                    markers: None,
                },
                Series {
                    label: "nb".into(),
                    color: "#D55E00",
                    dash: "6 3",
                    points: vec![(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)],
                    markers: Some(vec!["a<b".into(), "b".into(), "c".into()]),
                },
            ],
            reference: Some(Reference::Diagonal("chance".into())),
        }
    }

    #[test]
    fn renders_well_formed_escaped_svg_with_ticks_and_legend() {
        let svg = line_chart(&chart());
        check_well_formed(&svg).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("ROC &lt;curve&gt; &amp; co"));
        assert!(svg.contains("lr &quot;AUC&quot; 0.943"));
        assert!(svg.contains("<title>a&lt;b</title>"));
        for tick in ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"] {
            assert!(svg.contains(&format!(">{tick}</text>")), "tick {tick}");
        }
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains(r#"stroke-dasharray="6 3""#));
        assert!(svg.contains(">chance</text>"));
    }

    #[test]
    fn thinning_keeps_ends_and_order_and_drops_subpixel_steps() {
        let points: Vec<(f64, f64)> = (0..=10_000)
            .map(|i| {
                let t = f64::from(i) / 10_000.0;
                (t, t.sqrt())
            })
            .collect();
        let kept = thin(&points);
        assert!(kept.len() < 1200, "{} points kept", kept.len());
        assert_eq!(kept.first(), Some(&(px(0.0), py(0.0))));
        assert_eq!(kept.last(), Some(&(px(1.0), py(1.0))));
        // x grows and pixel y shrinks (up the page) along a monotone curve.
        assert!(kept
            .windows(2)
            .all(|w| w[1].0 >= w[0].0 && w[1].1 <= w[0].1));
    }
}
