//! A strict little checker for the markup the report writes: every element closed in order
//! (or self-closed with `/>`), attribute values quoted, only known entities, no raw `<` or `>`
//! in text, and `<style>` contents kept free of `</`.

/// Check `markup`; the error names the problem and its byte offset.
pub fn check_well_formed(markup: &str) -> Result<(), String> {
    let b = markup.as_bytes();
    let mut stack: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'<' => {
                if markup[i..].starts_with("<!--") {
                    let end = markup[i..].find("-->").ok_or("unclosed comment")?;
                    i += end + 3;
                    continue;
                }
                if markup[i..].starts_with("<!DOCTYPE html>") {
                    if i != 0 {
                        return Err(format!("DOCTYPE not at the start (offset {i})"));
                    }
                    i += "<!DOCTYPE html>".len();
                    continue;
                }
                let end = tag_end(markup, i)?;
                let tag = &markup[i + 1..end];
                if let Some(name) = tag.strip_prefix('/') {
                    match stack.pop() {
                        Some(open) if open == name => {}
                        other => {
                            return Err(format!(
                                "</{name}> at offset {i} closes {other:?}; open: {stack:?}"
                            ))
                        }
                    }
                    i = end + 1;
                    continue;
                }
                let self_closing = tag.ends_with('/');
                let body = tag.trim_end_matches('/');
                let name_end = body
                    .find(|c: char| c.is_ascii_whitespace())
                    .unwrap_or(body.len());
                let name = &body[..name_end];
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    return Err(format!("bad tag name {name:?} at offset {i}"));
                }
                check_attributes(&body[name_end..], i)?;
                i = end + 1;
                if self_closing {
                    continue;
                }
                if name == "style" {
                    let close = markup[i..].find("</").ok_or("unclosed <style>")?;
                    if !markup[i + close..].starts_with("</style>") {
                        return Err(format!("`</` inside <style> at offset {}", i + close));
                    }
                    i += close + "</style>".len();
                    continue;
                }
                stack.push(name);
                continue;
            }
            b'>' => {
                return Err(format!(
                    "raw `>` in text at offset {i}: {:?}",
                    markup.get(i.saturating_sub(40)..=i).unwrap_or_default()
                ))
            }
            b'&' => {
                i = entity_end(markup, i)?;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed elements at the end: {stack:?}"))
    }
}

/// The offset of the `>` that ends the tag starting at `start`, skipping quoted values.
fn tag_end(markup: &str, start: usize) -> Result<usize, String> {
    let mut quote = None;
    for (k, c) in markup[start + 1..].char_indices() {
        match (quote, c) {
            (None, '"') => quote = Some('"'),
            (Some('"'), '"') => quote = None,
            (None, '<') => return Err(format!("`<` inside the tag at offset {start}")),
            (None, '>') => return Ok(start + 1 + k),
            _ => {}
        }
    }
    Err(format!("unterminated tag at offset {start}"))
}

fn check_attributes(attrs: &str, at: usize) -> Result<(), String> {
    let mut rest = attrs.trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| format!("attribute without a value at offset {at}: {rest:?}"))?;
        let name = &rest[..eq];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("bad attribute name {name:?} at offset {at}"));
        }
        let value = rest[eq + 1..]
            .strip_prefix('"')
            .ok_or_else(|| format!("unquoted value of {name} at offset {at}"))?;
        let close = value
            .find('"')
            .ok_or_else(|| format!("unterminated value of {name} at offset {at}"))?;
        let v = &value[..close];
        if v.contains('<') || v.contains('>') {
            return Err(format!("unescaped `<` or `>` in {name} at offset {at}"));
        }
        let mut k = 0;
        while let Some(amp) = v[k..].find('&') {
            k = entity_end(v, k + amp)?;
        }
        rest = value[close + 1..].trim_start();
    }
    Ok(())
}

/// The offset just past the entity starting at `start`, or an error for an unknown one.
fn entity_end(s: &str, start: usize) -> Result<usize, String> {
    for entity in ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"] {
        if s[start..].starts_with(entity) {
            return Ok(start + entity.len());
        }
    }
    Err(format!(
        "bare `&` or unknown entity at offset {start}: {:?}",
        &s[start..(start + 8).min(s.len())]
    ))
}

#[test]
fn the_checker_catches_what_it_should() {
    assert!(check_well_formed(
        r#"<!DOCTYPE html><p class="a">x &amp; y<br/></p><style>a > b {}</style>"#
    )
    .is_ok());
    for bad in [
        "<p><b></p></b>",
        "<p>",
        "</p>",
        "<p>a > b</p>",
        "<p>a & b</p>",
        "<p class=a>x</p>",
        r#"<p title="a<b">x</p>"#,
        "<p>&nbsp;</p>",
        "<p x>y</p>",
    ] {
        assert!(check_well_formed(bad).is_err(), "accepted {bad}");
    }
}
