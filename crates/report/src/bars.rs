//! Inline SVG bar charts for the backlog page: horizontal bars (per source, per topic) and
//! columns (per month). Pure functions of their input; all text is escaped.

use std::fmt::Write as _;

use super::escape;

/// One horizontal bar.
#[derive(Debug, Clone, PartialEq)]
pub struct HBar {
    /// Row label (shortened to fit; the full text is in a tooltip).
    pub label: String,
    /// Bar length as a fraction of the track, clamped to [0, 1].
    pub fraction: f64,
    /// Text right of the bar, such as `24% · 12 of 50`.
    pub value: String,
    /// Fill colour.
    pub color: &'static str,
}

const ROW: f64 = 26.0;
const LABEL_W: f64 = 190.0;
const VALUE_W: f64 = 118.0;

/// Shorten `s` to `max` characters with a trailing `…`.
pub fn ellipsize(s: &str, max: usize) -> String {
    match s.char_indices().nth(max.saturating_sub(1)) {
        Some((i, _)) if s.chars().count() > max => format!("{}…", &s[..i]),
        _ => s.to_string(),
    }
}

/// Horizontal bars, one row each, `width` px wide; `aria` labels the chart for screen readers.
pub fn hbars(rows: &[HBar], width: f64, aria: &str) -> String {
    let height = ROW * rows.len() as f64 + 6.0;
    let track = (width - LABEL_W - VALUE_W).max(40.0);
    let mut s = String::with_capacity(256 * rows.len() + 256);
    let _ = write!(
        s,
        "<svg class=\"chart bars\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        escape(aria)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = 3.0 + ROW * i as f64;
        let mid = y + ROW / 2.0;
        let w = (r.fraction.clamp(0.0, 1.0) * track).max(if r.fraction > 0.0 { 2.0 } else { 0.0 });
        let _ = write!(
            s,
            "<g><title>{full}: {value}</title><text class=\"label\" x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{short}</text><rect class=\"track\" x=\"{LABEL_W}\" y=\"{by:.1}\" width=\"{track:.1}\" height=\"14\" rx=\"3\"/><rect x=\"{LABEL_W}\" y=\"{by:.1}\" width=\"{w:.1}\" height=\"14\" rx=\"3\" fill=\"{color}\"/><text class=\"value\" x=\"{vx:.1}\" y=\"{ty:.1}\">{value}</text></g>",
            full = escape(&r.label),
            short = escape(&ellipsize(&r.label, 24)),
            value = escape(&r.value),
            lx = LABEL_W - 8.0,
            ty = mid + 4.0,
            by = mid - 7.0,
            vx = LABEL_W + track + 8.0,
            color = r.color,
        );
    }
    s.push_str("</svg>");
    s
}

/// One column of a column chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Label under the axis (`2024-03`).
    pub label: String,
    /// Column height as a fraction of the plot, clamped to [0, 1].
    pub fraction: f64,
    /// Tooltip text.
    pub tip: String,
}

/// Columns with a 0–`top_label` scale, `width` px wide; at most about 12 axis labels are drawn.
pub fn columns(cols: &[Column], width: f64, top_label: &str, color: &str, aria: &str) -> String {
    let (left, right, top, plot_h, bottom) = (44.0, 8.0, 10.0, 150.0, 34.0);
    let height = top + plot_h + bottom;
    let plot_w = width - left - right;
    let n = cols.len().max(1) as f64;
    let slot = plot_w / n;
    let bar = (slot * 0.72).max(1.0);
    let every = (cols.len() as f64 / 12.0).ceil().max(1.0) as usize;
    let mut s = String::with_capacity(200 * cols.len() + 512);
    let _ = write!(
        s,
        "<svg class=\"chart cols\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        escape(aria)
    );
    for (frac, label) in [(0.0, "0"), (0.5, ""), (1.0, top_label)] {
        let y = top + plot_h * (1.0 - frac);
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            width - right,
            left - 6.0,
            y + 4.0,
            escape(label)
        );
    }
    for (i, c) in cols.iter().enumerate() {
        let h = c.fraction.clamp(0.0, 1.0) * plot_h;
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" rx=\"2\" fill=\"{color}\"><title>{}</title></rect>",
            top + plot_h - h,
            escape(&c.tip)
        );
        if i % every == 0 {
            let _ = write!(
                s,
                "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                top + plot_h + 18.0,
                escape(&c.label)
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::check_well_formed;

    #[test]
    fn bars_are_well_formed_and_escape_labels() {
        let svg = hbars(
            &[
                HBar {
                    label: "<script>x</script> & a very long source name indeed".into(),
                    fraction: 0.5,
                    value: "50% · 1 of 2".into(),
                    color: "#c2550a",
                },
                HBar {
                    label: "b".into(),
                    fraction: 0.0,
                    value: "0%".into(),
                    color: "#c2550a",
                },
            ],
            560.0,
            "share",
        );
        check_well_formed(&svg).unwrap();
        assert!(!svg.contains("<script>"));
        assert_eq!(svg.matches("<g>").count(), 2);
        let svg = columns(
            &(0..30)
                .map(|i| Column {
                    label: format!("m{i}"),
                    fraction: i as f64 / 30.0,
                    tip: "t".into(),
                })
                .collect::<Vec<_>>(),
            560.0,
            "100%",
            "#c2550a",
            "per month",
        );
        check_well_formed(&svg).unwrap();
        assert_eq!(svg.matches("<rect").count(), 30);
        assert_eq!(svg.matches(">m").count(), 10, "every third label");
    }

    #[test]
    fn ellipsizes_by_characters() {
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abcd", 4), "abcd");
        assert_eq!(ellipsize("ééééé", 3), "éé…");
    }
}
