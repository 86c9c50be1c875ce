//! The page's frame and text helpers: the head with its CSS, the header of figures, the
//! contents, the closing script, and how text and numbers are written into HTML.

use std::fmt::Write;

use crate::mask::guard;
use crate::report::ReportInput;

// Files of their own, so that they read and diff as CSS and JavaScript; the page puts each on
// its own lines, after a newline, so that its source reads as well.
const CSS: &str = include_str!("style.css");
const JS: &str = include_str!("script.js");

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Free text, guarded and escaped.
pub fn h(s: &str) -> String {
    escape(&guard(s))
}

/// An integer with thousands separators.
pub fn num(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The CSS class of a weight by its sign.
pub fn sign(w: f64) -> &'static str {
    if w > 0.0 {
        "pos"
    } else if w < 0.0 {
        "neg"
    } else {
        "zero"
    }
}

/// The page up to its first section: head, header, contents and the expand/collapse buttons.
pub fn start(s: &mut String, input: &ReportInput) {
    let sm = input.summary;
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(
        s,
        "<title>padan report — generation {}</title><style>\n{CSS}</style></head><body>",
        sm.generation
    );
    header(s, input);
    s.push_str("<main>");
    toc(s);
    s.push_str(r#"<div id="tools" hidden><button type="button" id="expand-all">Expand all</button><button type="button" id="collapse-all">Collapse all</button></div>"#);
}

/// A page of one section (`report::qa_page`) up to it: head and header.
pub fn start_bare(s: &mut String, title: &str) {
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(
        s,
        "<title>{t}</title><style>\n{CSS}</style></head><body><header><h1>{t}</h1></header><main>",
        t = escape(title)
    );
}

/// The page after its last section.
pub fn end(s: &mut String) {
    let _ = writeln!(s, "</main><script>\n{JS}</script></body></html>");
}

fn fact(s: &mut String, id: &str, label: &str, v: u64) {
    let _ = write!(
        s,
        r#"<div><dt>{label}</dt><dd id="{id}" data-value="{v}">{}</dd></div>"#,
        num(v)
    );
}

fn header(s: &mut String, input: &ReportInput) {
    let sm = input.summary;
    let _ = write!(
        s,
        r#"<header><h1>padan audit report — generation {g}</h1><p>padan {v} · configuration <code>{c}</code> · model {m}</p><dl class="facts">"#,
        g = sm.generation,
        v = escape(sm.padan_version),
        c = h(&sm.config),
        m = match input.model.kind {
            crate::score::ModelKind::Em => "estimated (EM)",
            crate::score::ModelKind::Fixed => "fixed weights",
        }
    );
    fact(s, "records_in", "rows in", sm.records_in);
    fact(
        s,
        "records_accepted",
        "records accepted",
        sm.records_accepted,
    );
    fact(s, "records_rejected", "rows rejected", sm.records_rejected);
    fact(s, "persons", "persons out", sm.persons);
    fact(s, "records_merged", "records merged", sm.records_merged);
    fact(s, "candidate_pairs", "candidate pairs", sm.candidate_pairs);
    fact(s, "match_pairs", "match pairs", sm.match_pairs);
    fact(s, "review_pairs", "pairs to review", sm.review_pairs);
    fact(s, "warnings", "warnings", sm.warnings.len() as u64);
    s.push_str("</dl></header>");
}

fn toc(s: &mut String) {
    s.push_str(r#"<nav class="toc"><h2>Contents</h2><ol>"#);
    for (id, t) in [
        ("run", "The run"),
        ("rejects", "Rejected rows"),
        ("quality", "Data quality"),
        ("sources", "Records per source"),
        ("overlap", "Cross-agency overlap"),
        ("model", "The model"),
        ("weights", "Match weights"),
        ("clusters", "Clusters"),
        ("review", "Review queue"),
        ("qa", "How good is the register"),
        ("warnings", "Warnings"),
        ("changes", "Changes since the previous generation"),
    ] {
        let _ = write!(s, r##"<li><a href="#{id}">{t}</a></li>"##);
    }
    s.push_str("</ol></nav>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_and_numbers() {
        assert_eq!(
            escape(r#"D'Cruz & <b>"Lim"</b>"#),
            "D&#39;Cruz &amp; &lt;b&gt;&quot;Lim&quot;&lt;/b&gt;"
        );
        assert_eq!(num(1234567), "1,234,567");
        assert_eq!(num(12), "12");
    }
}
