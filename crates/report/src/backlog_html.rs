//! The backlog page: one self-contained HTML document (inline CSS and SVG, no scripts, nothing
//! fetched) for a security lead. Summary figures and charts first, then the top threads in
//! full with their security paragraphs highlighted, then a table of the remaining threads.

use std::fmt::Write as _;

use super::backlog::{Backlog, Paragraph, Share, Thread};
use super::bars::{columns, ellipsize, hbars, Column, HBar};
use super::topics::{Topic, TopicHit, MIN_HITS, NO_TOPIC_WEIGHT};
use super::{escape, thousands};

/// How the page is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageOptions {
    /// Threads shown in full; the rest go into the table.
    pub top: usize,
    /// Rows of the table of remaining threads (the JSON has them all).
    pub table_rows: usize,
}

impl Default for PageOptions {
    fn default() -> Self {
        PageOptions {
            top: 25,
            table_rows: 1000,
        }
    }
}

/// Threads this long or shorter are shown whole; longer ones keep the security paragraphs and
/// their neighbours and fold the rest.
const SHOW_WHOLE: usize = 8;
/// Characters of a security paragraph shown before it is cut.
const SECURITY_CHARS: usize = 1600;
/// Characters of a context paragraph shown before it is cut.
const CONTEXT_CHARS: usize = 420;
/// Rows of the per-source chart; the rest are summed into "other sources".
const SOURCE_ROWS: usize = 12;

const ACCENT: &str = "#c2550a";

/// Background and text colour of a topic chip; the order follows severity, from red to grey.
fn chip_colors(t: Topic) -> (&'static str, &'static str) {
    match t {
        Topic::Secrets => ("#fde2e1", "#8c1d18"),
        Topic::Injection => ("#fde2e1", "#8c1d18"),
        Topic::Authentication => ("#ffe8d2", "#7a3a00"),
        Topic::AccessControl => ("#ffe8d2", "#7a3a00"),
        Topic::Dependencies => ("#fff1c2", "#6b4e00"),
        Topic::CryptoTls => ("#e6f0ff", "#1f4f8f"),
        Topic::Hardening => ("#e6f0ff", "#1f4f8f"),
        Topic::Privacy => ("#efe6ff", "#55308c"),
        Topic::AuditLogging => ("#e8eef2", "#3d4b57"),
    }
}

/// Colour of a topic's bar in the topic chart.
fn topic_bar(t: Option<Topic>) -> &'static str {
    match t {
        Some(Topic::Secrets | Topic::Injection) => "#b42318",
        Some(Topic::Authentication | Topic::AccessControl) => ACCENT,
        Some(Topic::Dependencies) => "#9a6a00",
        Some(Topic::CryptoTls | Topic::Hardening) => "#2f6db0",
        Some(Topic::Privacy) => "#6e46b0",
        Some(Topic::AuditLogging) => "#5b6b78",
        None => "#9aa4ae",
    }
}

const CSS: &str = r#"
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa; --sig: #fff6ec; --accent: #c2550a; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 36px 40px 56px; }
a { color: #0a58ca; text-decoration: none; }
a:hover { text-decoration: underline; }
.eyebrow { margin: 0; font-size: 12px; font-weight: 600; letter-spacing: .08em; text-transform: uppercase; color: var(--muted); }
h1 { margin: 2px 0 0; font-size: 30px; line-height: 1.2; font-weight: 700; overflow-wrap: anywhere; }
h2 { margin: 40px 0 6px; padding-bottom: 6px; font-size: 20px; border-bottom: 1px solid var(--line); }
p.note { margin: 0 0 14px; color: var(--muted); font-size: 14px; max-width: 90ch; }
p.path { margin: 4px 0 0; color: var(--muted); font-size: 14px; overflow-wrap: anywhere; }
.facts { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 12px; margin: 22px 0 0; }
.facts div { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.facts dt { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.facts dd { margin: 2px 0 0; font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.facts dd small { font-size: 13px; font-weight: 400; color: var(--muted); }
.facts div.hot { background: var(--sig); border-color: #f0c9a4; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 20px; }
.charts figure.wide { grid-column: 1 / -1; }
figure { margin: 0; padding: 12px 14px 10px; border: 1px solid var(--line); border-radius: 8px; }
figcaption { font-weight: 600; font-size: 15px; margin-bottom: 6px; }
figcaption small { display: block; font-weight: 400; font-size: 13px; color: var(--muted); }
svg.chart { display: block; height: auto; font-size: 12px; }
svg.chart .label { fill: var(--fg); font-size: 12.5px; }
svg.chart .value, svg.chart .tick { fill: var(--muted); font-size: 11.5px; font-variant-numeric: tabular-nums; }
svg.chart .track { fill: #eef1f4; }
svg.chart .grid { stroke: #e6eaef; stroke-width: 1; }
.thread { border: 1px solid var(--line); border-radius: 10px; margin: 18px 0; overflow: hidden; }
.thread > header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; padding: 10px 16px; background: var(--panel); border-bottom: 1px solid var(--line); }
.rank { display: inline-flex; align-items: center; justify-content: center; min-width: 30px; height: 30px; padding: 0 6px; border-radius: 15px; background: #1f2328; color: #fff; font-weight: 700; font-size: 14px; }
.thread h3 { margin: 0; font-size: 16px; overflow-wrap: anywhere; }
.thread .src { color: var(--muted); font-size: 13px; }
.thread .spacer { flex: 1; }
.prio { font-size: 13px; color: var(--muted); font-variant-numeric: tabular-nums; }
.prio b { color: var(--fg); font-size: 15px; }
.chips { display: inline-flex; flex-wrap: wrap; gap: 4px; }
.chip { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.chip.none { background: #eef1f4; color: var(--muted); font-weight: 400; }
ol.paras { list-style: none; margin: 0; padding: 0; }
ol.paras > li { padding: 10px 16px 10px 20px; border-top: 1px solid #eaeef2; }
ol.paras > li:first-child { border-top: 0; }
li.para.sec { background: var(--sig); box-shadow: inset 4px 0 0 var(--accent); }
li.para.ctx .text { color: var(--muted); font-size: 13.5px; }
li.para.err { box-shadow: inset 4px 0 0 #8c959f; }
.pmeta { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; font-size: 12.5px; color: var(--muted); margin-bottom: 4px; }
.pmeta code { font-size: 12px; }
.meter { display: inline-flex; align-items: center; gap: 6px; font-weight: 700; color: var(--fg); font-variant-numeric: tabular-nums; }
.meter .track { display: inline-block; width: 64px; height: 8px; border-radius: 4px; background: #eadfd5; overflow: hidden; }
.meter .fill { display: block; height: 100%; background: var(--accent); }
li.para.ctx .meter { color: var(--muted); font-weight: 400; }
li.para.ctx .meter .track { background: #eef1f4; }
li.para.ctx .meter .fill { background: #9aa4ae; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
mark { background: #ffd8a8; color: inherit; border-radius: 2px; padding: 0 1px; }
.cut { color: var(--muted); font-style: italic; }
details.fold > summary { cursor: pointer; padding: 6px 16px 6px 20px; font-size: 13px; color: var(--muted); background: #fbfcfd; border-top: 1px solid #eaeef2; list-style-position: inside; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; text-align: left; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 12.5px; font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line); white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; }
table.threads { table-layout: fixed; }
table.threads td { overflow-wrap: anywhere; }
table.threads .chip { white-space: normal; }
td.excerpt { color: var(--muted); }
table.lex td { font-size: 13px; }
footer { margin-top: 44px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
code { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", "Liberation Mono", Menlo, monospace; font-size: .92em; }
@media (max-width: 800px) { main { padding: 20px 16px; } .facts { grid-template-columns: repeat(2, minmax(0, 1fr)); } .charts { grid-template-columns: 1fr; } }
"#;

fn pct(part: usize, whole: usize) -> f64 {
    100.0 * part as f64 / whole.max(1) as f64
}

/// The whole page.
pub fn render(b: &Backlog, opts: &PageOptions) -> String {
    let mut s = String::with_capacity(64 * 1024 + 4 * 1024 * b.threads.len().min(opts.top));
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    let _ = writeln!(
        s,
        "<title>{} · secdisc security backlog</title>",
        escape(&b.labels)
    );
    let _ = writeln!(s, "<style>{CSS}</style>\n</head>\n<body>\n<main>");
    header(&mut s, b);
    summary(&mut s, b);
    top_threads(&mut s, b, opts);
    other_threads(&mut s, b, opts);
    failures(&mut s, b);
    method(&mut s);
    let _ = writeln!(
        s,
        "<footer>Made by secdisc {} (<code>secdisc report</code>) from the labels in <code>{}</code> and the records in <code>{}</code>. Scores are the model's probability of security; topics come from a word list, not from the model.</footer>",
        env!("CARGO_PKG_VERSION"),
        escape(&b.labels),
        escape(&b.records)
    );
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn header(s: &mut String, b: &Backlog) {
    let _ = writeln!(
        s,
        "<header>\n<p class=\"eyebrow\">secdisc · security backlog</p>\n<h1>{}</h1>\n<p class=\"path\">labels <code>{}</code> · records <code>{}</code>{}</p>",
        escape(&b.records),
        escape(&b.labels),
        escape(&b.records),
        if b.duplicates > 0 {
            format!(
                " · {} records repeated with the same id and text are shown once",
                thousands(b.duplicates)
            )
        } else {
            String::new()
        }
    );
    s.push_str("<dl class=\"facts\">\n");
    let mut fact = |class: &str, label: &str, value: String| {
        let _ = writeln!(
            s,
            "<div class=\"{class}\"><dt>{label}</dt><dd>{value}</dd></div>"
        );
    };
    fact("", "Paragraphs", thousands(b.paragraphs));
    fact(
        "hot",
        "Security",
        format!(
            "{} <small>({:.1}%)</small>",
            thousands(b.security),
            pct(b.security, b.paragraphs)
        ),
    );
    fact(
        "hot",
        "Threads to review",
        format!(
            "{} <small>of {}</small>",
            thousands(b.threads.len()),
            thousands(b.threads_total)
        ),
    );
    fact("", "Sources", thousands(b.by_source.len()));
    fact(
        "",
        "Not labelled",
        format!(
            "{} <small>errors{}</small>",
            thousands(b.failures.len()),
            if b.unlabelled_records > 0 {
                format!(
                    ", {} records without a label row",
                    thousands(b.unlabelled_records)
                )
            } else {
                String::new()
            }
        ),
    );
    s.push_str("</dl>\n</header>\n");
}

fn share_bar(r: &Share) -> HBar {
    HBar {
        label: r.name.clone(),
        fraction: r.security as f64 / r.paragraphs.max(1) as f64,
        value: format!(
            "{:.0}% · {} of {}",
            pct(r.security, r.paragraphs),
            thousands(r.security),
            thousands(r.paragraphs)
        ),
        color: ACCENT,
    }
}

fn summary(s: &mut String, b: &Backlog) {
    s.push_str("<section>\n<h2>Summary</h2>\n<div class=\"charts\">\n");
    // Per topic.
    let max = b
        .by_topic
        .iter()
        .map(|t| t.paragraphs)
        .max()
        .unwrap_or(0)
        .max(1);
    let rows: Vec<HBar> = b
        .by_topic
        .iter()
        .map(|t| HBar {
            label: t.topic.map_or("no topic found", Topic::title).to_string(),
            fraction: t.paragraphs as f64 / max as f64,
            value: format!(
                "{} in {} threads",
                thousands(t.paragraphs),
                thousands(t.threads)
            ),
            color: topic_bar(t.topic),
        })
        .collect();
    let _ = writeln!(
        s,
        "<figure><figcaption>Security paragraphs per topic<small>Most severe first; a paragraph can have several topics.</small></figcaption>{}</figure>",
        hbars(&rows, 560.0, "Security paragraphs per topic")
    );
    // Per source.
    let listed = if b.by_source.len() > SOURCE_ROWS + 1 {
        SOURCE_ROWS
    } else {
        b.by_source.len()
    };
    let mut rows: Vec<HBar> = b.by_source.iter().take(listed).map(share_bar).collect();
    if b.by_source.len() > listed {
        let rest = &b.by_source[listed..];
        rows.push(share_bar(&Share {
            name: format!("{} other sources", rest.len()),
            paragraphs: rest.iter().map(|r| r.paragraphs).sum(),
            security: rest.iter().map(|r| r.security).sum(),
        }));
    }
    let _ = writeln!(
        s,
        "<figure><figcaption>Security share per source<small>Share of labelled paragraphs the model calls security; largest sources first.</small></figcaption>{}</figure>",
        hbars(&rows, 560.0, "Security share per source")
    );
    // Per month.
    if b.by_month.is_empty() {
        s.push_str("<figure class=\"wide\"><figcaption>Security share per month</figcaption><p class=\"note\">No record has a <code>created_at</code> date, so there is no timeline. <code>secdisc ingest</code> keeps the dates of GitHub, Jira and Stack Exchange exports.</p></figure>\n");
    } else {
        let top = b
            .by_month
            .iter()
            .map(|m| m.security as f64 / m.paragraphs.max(1) as f64)
            .fold(0.0, f64::max);
        let top = nice_top(top);
        let months = with_gaps(&b.by_month);
        let cols: Vec<Column> = months
            .iter()
            .map(|m| Column {
                label: m.name.clone(),
                fraction: m.security as f64 / m.paragraphs.max(1) as f64 / top,
                tip: if m.paragraphs == 0 {
                    format!("{}: no paragraphs", m.name)
                } else {
                    format!(
                        "{}: {:.0}% security ({} of {})",
                        m.name,
                        pct(m.security, m.paragraphs),
                        m.security,
                        m.paragraphs
                    )
                },
            })
            .collect();
        let _ = writeln!(
            s,
            "<figure class=\"wide\"><figcaption>Security share per month<small>{} months with paragraphs, from {} to {}{}; hover a column for counts.</small></figcaption>{}</figure>",
            b.by_month.len(),
            escape(&b.by_month[0].name),
            escape(&b.by_month[b.by_month.len() - 1].name),
            if b.undated > 0 {
                format!("; {} paragraphs without a date are left out", thousands(b.undated))
            } else {
                String::new()
            },
            columns(&cols, 1110.0, &format!("{:.0}%", top * 100.0), ACCENT, "Security share per month")
        );
    }
    s.push_str("</div>\n</section>\n");
}

/// Longest span of months drawn with empty months filled in; longer timelines show only the
/// months that have paragraphs.
const MAX_FILLED_MONTHS: usize = 240;

/// `months` (sorted `YYYY-MM`) with the missing months between the first and the last added as
/// empty, unless that would make more than [`MAX_FILLED_MONTHS`] columns.
fn with_gaps(months: &[Share]) -> Vec<Share> {
    let parse = |m: &str| -> Option<usize> {
        let y: usize = m.get(..4)?.parse().ok()?;
        let mo: usize = m.get(5..7)?.parse().ok()?;
        Some(y * 12 + mo - 1)
    };
    let (Some(first), Some(last)) = (
        months.first().and_then(|m| parse(&m.name)),
        months.last().and_then(|m| parse(&m.name)),
    ) else {
        return months.to_vec();
    };
    if last < first || last - first >= MAX_FILLED_MONTHS {
        return months.to_vec();
    }
    let mut out = Vec::with_capacity(last - first + 1);
    let mut it = months.iter().peekable();
    for k in first..=last {
        let name = format!("{:04}-{:02}", k / 12, k % 12 + 1);
        match it.peek() {
            Some(m) if m.name == name => out.push((*it.next().expect("peeked")).clone()),
            _ => out.push(Share {
                name,
                paragraphs: 0,
                security: 0,
            }),
        }
    }
    out
}

/// The smallest of 10%, 20%, 25%, 50%, 100% at or above `x`.
fn nice_top(x: f64) -> f64 {
    [0.1, 0.2, 0.25, 0.5, 1.0]
        .into_iter()
        .find(|t| x <= *t)
        .unwrap_or(1.0)
}

fn chips(s: &mut String, topics: &[Topic]) {
    s.push_str("<span class=\"chips\">");
    if topics.is_empty() {
        s.push_str("<span class=\"chip none\">no topic found</span>");
    }
    for &t in topics {
        let (bg, fg) = chip_colors(t);
        let _ = write!(
            s,
            "<span class=\"chip\" style=\"background:{bg};color:{fg}\">{}</span>",
            escape(t.title())
        );
    }
    s.push_str("</span>");
}

fn link(s: &mut String, url: Option<&str>, text: &str) {
    if let Some(u) = url {
        let _ = write!(
            s,
            "<a href=\"{}\" rel=\"noopener noreferrer\">{text}</a>",
            escape(u)
        );
    }
}

fn top_threads(s: &mut String, b: &Backlog, opts: &PageOptions) {
    let shown = b.threads.len().min(opts.top);
    let _ = writeln!(
        s,
        "<section>\n<h2>Threads to review first</h2>\n<p class=\"note\">The {} highest-priority threads of {}, in full. Security paragraphs are highlighted with their score and topics; the words that set a topic are marked. Other paragraphs are shown for context{}.</p>",
        thousands(shown),
        thousands(b.threads.len()),
        format_args!(
            "; in threads over {SHOW_WHOLE} paragraphs, those more than one step away from a security paragraph are folded"
        )
    );
    if b.threads.is_empty() {
        s.push_str("<p class=\"note\">The model labelled no paragraph security.</p>\n");
    }
    for t in b.threads.iter().take(opts.top) {
        thread(s, t);
    }
    s.push_str("</section>\n");
}

fn thread(s: &mut String, t: &Thread) {
    let _ = write!(
        s,
        "<article class=\"thread\">\n<header><span class=\"rank\">{}</span><h3>{}</h3><span class=\"src\">{}</span>",
        t.rank,
        escape(&t.thread),
        escape(&t.source)
    );
    chips(s, &t.topics);
    let _ = write!(
        s,
        "<span class=\"spacer\"></span><span class=\"prio\">priority <b>{:.2}</b> · {} of {} paragraphs security",
        t.priority,
        t.security,
        t.paragraphs.len()
    );
    if let Some(d) = &t.first_date {
        let _ = write!(s, " · {}", escape(d.get(..10).unwrap_or(d)));
    }
    s.push_str("</span>");
    link(s, t.url.as_deref(), "open thread ↗");
    s.push_str("</header>\n<ol class=\"paras\">\n");
    let n = t.paragraphs.len();
    let keep: Vec<bool> = (0..n)
        .map(|i| {
            n <= SHOW_WHOLE
                || t.paragraphs[i].security
                || (i > 0 && t.paragraphs[i - 1].security)
                || (i + 1 < n && t.paragraphs[i + 1].security)
        })
        .collect();
    let mut i = 0;
    while i < n {
        if keep[i] {
            paragraph(s, &t.paragraphs[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < n && !keep[i] {
            i += 1;
        }
        let _ = write!(
            s,
            "<li class=\"folded\" style=\"padding:0\"><details class=\"fold\"><summary>{} more paragraph{} of context</summary><ol class=\"paras\">",
            i - start,
            if i - start == 1 { "" } else { "s" }
        );
        for p in &t.paragraphs[start..i] {
            paragraph(s, p);
        }
        s.push_str("</ol></details></li>\n");
    }
    s.push_str("</ol>\n</article>\n");
}

fn paragraph(s: &mut String, p: &Paragraph) {
    let class = if p.error.is_some() {
        "err"
    } else if p.security {
        "sec"
    } else {
        "ctx"
    };
    let _ = write!(s, "<li class=\"para {class}\"><div class=\"pmeta\">");
    match p.score {
        Some(score) => {
            let _ = write!(
                s,
                "<span class=\"meter\" title=\"probability of security\"><span class=\"track\"><span class=\"fill\" style=\"width:{:.0}%\"></span></span>{score:.2}</span>",
                score * 100.0
            );
        }
        None => s.push_str("<span class=\"meter\">not labelled</span>"),
    }
    if p.security {
        chips(s, &p.topics);
        let _ = write!(s, "<span>priority {:.2}</span>", p.priority);
    }
    let _ = write!(s, "<code>{}</code>", escape(&p.id));
    if let Some(a) = &p.author {
        let _ = write!(s, "<span>{}</span>", escape(a));
    }
    if let Some(d) = &p.created_at {
        let _ = write!(s, "<span>{}</span>", escape(d.get(..10).unwrap_or(d)));
    }
    link(s, p.url.as_deref(), "source ↗");
    s.push_str("</div>");
    if let Some(e) = &p.error {
        let _ = write!(
            s,
            "<div class=\"text cut\">could not be labelled: {}</div>",
            escape(e)
        );
    }
    let limit = if p.security {
        SECURITY_CHARS
    } else {
        CONTEXT_CHARS
    };
    s.push_str("<div class=\"text\">");
    highlighted(s, &p.text, &p.hits, limit);
    s.push_str("</div></li>\n");
}

/// Write `text` escaped, with `<mark>` around lexicon matches, cut after `limit` characters.
fn highlighted(s: &mut String, text: &str, hits: &[TopicHit], limit: usize) {
    let cut = text.char_indices().nth(limit).map(|(i, _)| i);
    let end = cut.unwrap_or(text.len());
    let mut at = 0;
    // Hits are sorted by start; overlapping ones merge into one mark.
    let mut spans: Vec<(usize, usize, Vec<Topic>)> = Vec::new();
    for h in hits {
        match spans.last_mut() {
            Some(last) if h.range.start < last.1 => {
                last.1 = last.1.max(h.range.end);
                if !last.2.contains(&h.topic) {
                    last.2.push(h.topic);
                }
            }
            _ => spans.push((h.range.start, h.range.end, vec![h.topic])),
        }
    }
    for (start, stop, topics) in spans {
        if start >= end {
            break;
        }
        let stop = stop.min(end);
        s.push_str(&escape(&text[at..start]));
        let titles: Vec<&str> = topics.iter().map(|t| t.title()).collect();
        let _ = write!(
            s,
            "<mark title=\"{}\">{}</mark>",
            escape(&titles.join(", ")),
            escape(&text[start..stop])
        );
        at = stop;
    }
    s.push_str(&escape(&text[at..end]));
    if cut.is_some() {
        let _ = write!(
            s,
            "<span class=\"cut\"> … ({} more characters)</span>",
            thousands(text[end..].chars().count())
        );
    }
}

fn other_threads(s: &mut String, b: &Backlog, opts: &PageOptions) {
    let rest = &b.threads[b.threads.len().min(opts.top)..];
    if rest.is_empty() {
        return;
    }
    let rows = rest.len().min(opts.table_rows);
    let _ = writeln!(
        s,
        "<section>\n<h2>More threads</h2>\n<p class=\"note\">The other {} threads with a security paragraph, by priority{}. The excerpt is the highest-priority paragraph.</p>",
        thousands(rest.len()),
        if rows < rest.len() {
            format!("; the first {} are listed, <code>--json</code> has them all", thousands(rows))
        } else {
            String::new()
        }
    );
    s.push_str("<table class=\"threads\">\n<colgroup><col style=\"width:3.5em\"/><col style=\"width:14%\"/><col style=\"width:14%\"/><col style=\"width:5.5em\"/><col style=\"width:6em\"/><col style=\"width:5.5em\"/><col style=\"width:19%\"/><col/></colgroup>\n<thead><tr><th class=\"num\">#</th><th>Thread</th><th>Source</th><th class=\"num\">Priority</th><th class=\"num\">Top score</th><th class=\"num\">Security</th><th>Topics</th><th>Excerpt</th></tr></thead>\n<tbody>\n");
    for t in rest.iter().take(rows) {
        let _ = write!(s, "<tr><td class=\"num\">{}</td><td>", t.rank);
        match &t.url {
            Some(u) => {
                let _ = write!(
                    s,
                    "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
                    escape(u),
                    escape(&t.thread)
                );
            }
            None => s.push_str(&escape(&t.thread)),
        }
        let _ = write!(
            s,
            "</td><td>{}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{} / {}</td><td>",
            escape(&t.source).replace('/', "/<wbr/>"),
            t.priority,
            t.max_score,
            t.security,
            t.paragraphs.len()
        );
        chips(s, &t.topics);
        let excerpt = t
            .ranked()
            .first()
            .map(|p| {
                ellipsize(
                    &p.text.split_whitespace().collect::<Vec<_>>().join(" "),
                    140,
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "</td><td class=\"excerpt\">{}</td></tr>",
            escape(&excerpt)
        );
    }
    s.push_str("</tbody>\n</table>\n</section>\n");
}

fn failures(s: &mut String, b: &Backlog) {
    if b.failures.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<section>\n<h2>Not labelled</h2>\n<p class=\"note\">{} rows of the labels file carry an error instead of a score; fix the input and label them again.</p>\n<table><thead><tr><th>Record</th><th>Error</th></tr></thead><tbody>",
        thousands(b.failures.len())
    );
    for f in b.failures.iter().take(200) {
        let _ = writeln!(
            s,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            escape(&f.id),
            escape(&f.error)
        );
    }
    s.push_str("</tbody></table>\n</section>\n");
}

fn method(s: &mut String) {
    let _ = writeln!(
        s,
        "<section>\n<h2>How this page ranks</h2>\n<p class=\"note\">A security paragraph's priority is its score times the weight of its most severe topic ({NO_TOPIC_WEIGHT} when no topic is found). A thread's priority is that of its highest paragraph; ties go to the thread with more security paragraphs. Topics come from a stemmed word and phrase list (a topic needs {MIN_HITS} match); on 63 hand-labelled security paragraphs it was not tuned on, micro precision is 0.62 and recall 0.77, so expect some extra topics and some missed ones.</p>\n<table class=\"lex\"><thead><tr><th>Severity</th><th>Topic</th><th class=\"num\">Weight</th></tr></thead><tbody>"
    );
    for (i, t) in Topic::ALL.iter().enumerate() {
        let _ = write!(s, "<tr><td>{}</td><td>", i + 1);
        chips(s, &[*t]);
        let _ = writeln!(s, "</td><td class=\"num\">{:.2}</td></tr>", t.weight());
    }
    s.push_str("</tbody></table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backlog::build;
    use crate::testutil::check_well_formed;
    use secdisc_infer::label_rows::{LabelEntry, Outcome};
    use secdisc_ingest::Record;

    fn backlog(n_threads: usize, per_thread: usize) -> Backlog {
        let mut records = Vec::new();
        let mut labels = Vec::new();
        for t in 0..n_threads {
            for p in 0..per_thread {
                let id = format!("t{t}-p{p}");
                let security = p == 1;
                records.push((
                    0,
                    Record {
                        id: id.clone(),
                        group: Some(format!("t{t}")),
                        source: Some(format!("src{}", t % 3)),
                        created_at: Some(format!("2024-0{}-01", 1 + t % 9)),
                        url: Some(format!("https://example.invalid/{id}?a=1&b=2")),
                        text: Some(if security {
                            "The JWT <script>alert(1)</script> is not verified & the password leaked".into()
                        } else {
                            "Layout \"fix\" for <b>mobile</b>".into()
                        }),
                        ..Record::default()
                    },
                ));
                labels.push(LabelEntry {
                    line: labels.len() as u64 + 1,
                    id,
                    outcome: Outcome::Labelled {
                        security,
                        score: if security {
                            0.5 + t as f64 / 100.0
                        } else {
                            0.1
                        },
                    },
                });
            }
        }
        build("labels.jsonl", &labels, "records.jsonl", records).unwrap()
    }

    #[test]
    fn page_is_well_formed_escaped_and_ranked() {
        let b = backlog(30, 12);
        let page = render(
            &b,
            &PageOptions {
                top: 5,
                table_rows: 10,
            },
        );
        check_well_formed(&page).unwrap();
        assert!(!page.contains("<script>"), "paragraph text is escaped");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("href=\"https://example.invalid/t29-p1?a=1&amp;b=2\""));
        assert_eq!(page.matches("<article class=\"thread\">").count(), 5);
        // The highest score is the last thread.
        let first = page.find("<h3>t29</h3>").unwrap();
        assert!(first < page.find("<h3>t28</h3>").unwrap());
        // 12 paragraphs: p0..p2 kept around the security p1, p3..p11 folded.
        assert!(page.contains("9 more paragraphs of context"));
        assert!(page.contains("the first 10 are listed"));
        assert!(page.contains("<mark title=\"Authentication\">JWT</mark>"));
        for banned in ["<script", "src=", "<link", "@import", "url("] {
            assert!(!page.contains(banned), "page contains {banned}");
        }
        assert_eq!(page.matches("<svg").count(), 3);
    }

    #[test]
    fn month_gaps_are_filled_within_twenty_years() {
        let m = |name: &str, n| Share {
            name: name.into(),
            paragraphs: n,
            security: 0,
        };
        let filled = with_gaps(&[m("2023-11", 2), m("2024-02", 3)]);
        let names: Vec<&str> = filled.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["2023-11", "2023-12", "2024-01", "2024-02"]);
        assert_eq!(filled[3].paragraphs, 3);
        assert_eq!(with_gaps(&[m("1990-01", 1), m("2024-01", 1)]).len(), 2);
    }

    #[test]
    fn marks_merge_overlaps_and_stop_at_the_cut() {
        let hits = [
            TopicHit {
                topic: Topic::Secrets,
                range: 0..6,
            },
            TopicHit {
                topic: Topic::Authentication,
                range: 4..9,
            },
            TopicHit {
                topic: Topic::Privacy,
                range: 20..25,
            },
        ];
        let mut s = String::new();
        highlighted(&mut s, "abcdefghij <k> lmnopqrstuvwxyz", &hits, 12);
        assert_eq!(
            s,
            "<mark title=\"Secrets &amp; credentials, Authentication\">abcdefghi</mark>j &lt;<span class=\"cut\"> … (18 more characters)</span>"
        );
    }
}
