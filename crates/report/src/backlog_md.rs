//! The backlog as Markdown, for tickets: the same summary tables, the top threads with their
//! security paragraphs quoted, and a table of the remaining threads. `<`, `>` and `&` are
//! written as entities so no renderer treats paragraph text as markup.

use std::fmt::Write as _;

use super::backlog::{Backlog, Share, Thread};
use super::backlog_html::PageOptions;
use super::bars::ellipsize;
use super::thousands;
use super::topics::Topic;

/// Escape text for Markdown prose: HTML-significant characters become entities, and the
/// characters that start emphasis, links or code are backslash-escaped.
pub fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// One table cell: escaped, on one line.
fn cell(s: &str) -> String {
    escape_md(&s.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn pct(part: usize, whole: usize) -> f64 {
    100.0 * part as f64 / whole.max(1) as f64
}

fn topics(ts: &[Topic]) -> String {
    if ts.is_empty() {
        "no topic found".into()
    } else {
        ts.iter().map(|t| t.slug()).collect::<Vec<_>>().join(", ")
    }
}

fn share_table(s: &mut String, what: &str, rows: &[Share]) {
    let _ = writeln!(
        s,
        "| {what} | paragraphs | security | share |\n|---|---:|---:|---:|"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.1}% |",
            cell(&r.name),
            thousands(r.paragraphs),
            thousands(r.security),
            pct(r.security, r.paragraphs)
        );
    }
    s.push('\n');
}

/// The whole document.
pub fn render(b: &Backlog, opts: &PageOptions) -> String {
    let mut s = String::with_capacity(16 * 1024);
    let _ = writeln!(s, "# Security backlog: {}\n", cell(&b.records));
    let _ = writeln!(
        s,
        "**{}** labelled paragraphs, **{}** security ({:.1}%), in **{}** of {} threads. Labels: `{}`; records: `{}`.{}\n",
        thousands(b.paragraphs),
        thousands(b.security),
        pct(b.security, b.paragraphs),
        thousands(b.threads.len()),
        thousands(b.threads_total),
        b.labels.replace('`', "'"),
        b.records.replace('`', "'"),
        if b.failures.is_empty() {
            String::new()
        } else {
            format!(" {} rows could not be labelled.", thousands(b.failures.len()))
        }
    );
    s.push_str("## Summary\n\n");
    s.push_str("| topic | security paragraphs | threads |\n|---|---:|---:|\n");
    for t in &b.by_topic {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            t.topic
                .map_or("no topic found", Topic::title)
                .replace('&', "&amp;"),
            thousands(t.paragraphs),
            thousands(t.threads)
        );
    }
    s.push('\n');
    share_table(&mut s, "source", &b.by_source);
    if !b.by_month.is_empty() {
        share_table(&mut s, "month", &b.by_month);
    }
    let shown = b.threads.len().min(opts.top);
    let _ = writeln!(s, "## Threads to review first\n");
    if b.threads.is_empty() {
        s.push_str("The model labelled no paragraph security.\n\n");
    }
    for t in b.threads.iter().take(shown) {
        thread(&mut s, t);
    }
    let rest = &b.threads[shown..];
    if !rest.is_empty() {
        let rows = rest.len().min(opts.table_rows);
        let _ = writeln!(
            s,
            "## More threads\n\n{} more threads with a security paragraph{}.\n\n| # | thread | source | priority | top score | security | topics | excerpt |\n|---:|---|---|---:|---:|---:|---|---|",
            thousands(rest.len()),
            if rows < rest.len() {
                format!(" (first {} listed; `--json` has them all)", thousands(rows))
            } else {
                String::new()
            }
        );
        for t in rest.iter().take(rows) {
            let name = match &t.url {
                Some(u) => format!(
                    "[{}](<{}>)",
                    cell(&t.thread),
                    u.replace(['<', '>', ' '], "")
                ),
                None => cell(&t.thread),
            };
            let excerpt = t
                .ranked()
                .first()
                .map(|p| ellipsize(&cell(&p.text), 100))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "| {} | {name} | {} | {:.2} | {:.2} | {} / {} | {} | {excerpt} |",
                t.rank,
                cell(&t.source),
                t.priority,
                t.max_score,
                t.security,
                t.paragraphs.len(),
                topics(&t.topics)
            );
        }
        s.push('\n');
    }
    s.push_str("Priority = score × weight of the most severe topic (secrets, injection 1.0; authentication, access control 0.95; dependencies 0.9; crypto/TLS 0.85; hardening, privacy 0.8; logging/audit 0.7; none 0.6).\n");
    s
}

fn thread(s: &mut String, t: &Thread) {
    let _ = writeln!(
        s,
        "### {}. {} ({})\n\npriority **{:.2}** · {} of {} paragraphs security · topics: {}{}\n",
        t.rank,
        cell(&t.thread),
        cell(&t.source),
        t.priority,
        t.security,
        t.paragraphs.len(),
        topics(&t.topics),
        match &t.url {
            Some(u) => format!(" · [open thread](<{}>)", u.replace(['<', '>', ' '], "")),
            None => String::new(),
        }
    );
    for p in t.paragraphs.iter().filter(|p| p.security) {
        let _ = writeln!(
            s,
            "> **{:.2}** · {} · `{}`{}\n>",
            p.score.unwrap_or(0.0),
            topics(&p.topics),
            p.id.replace('`', "'"),
            match &p.url {
                Some(u) => format!(" · [source](<{}>)", u.replace(['<', '>', ' '], "")),
                None => String::new(),
            }
        );
        let text = ellipsize(p.text.trim(), 1200);
        for line in text.lines() {
            let _ = writeln!(s, "> {}", escape_md(line));
        }
        s.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_markdown() {
        assert_eq!(
            escape_md("<script>a|b</script> *x* [l](u) & `c`"),
            "&lt;script&gt;a\\|b&lt;/script&gt; \\*x\\* \\[l\\](u) &amp; \\`c\\`"
        );
        assert_eq!(cell("a\n|b"), "a \\|b");
    }
}
