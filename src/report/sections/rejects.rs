//! "Rejected rows": how many per reason, with a few masked examples of each.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::ingest::Reject;
use crate::mask;
use crate::report::page::{escape, h, num};
use crate::report::{ReportInput, MAX_REJECT_EXAMPLES};

pub fn section(s: &mut String, input: &ReportInput) {
    let sm = input.summary;
    let _ = write!(
        s,
        r#"<section id="rejects"><h2>Rejected rows</h2><p>{} rows could not be used; every one is in <code>rejects.csv</code> with its raw text. The examples below are masked: each word shows only its first letter, and no digit is shown.</p>"#,
        num(sm.records_rejected)
    );
    if sm.rejects_by_reason.is_empty() {
        s.push_str(r#"<p class="muted">None.</p></section>"#);
        return;
    }
    let mut examples: BTreeMap<&str, Vec<&Reject>> = BTreeMap::new();
    for r in &input.ing.rejects {
        let kind = r.reason.split(':').next().unwrap_or(&r.reason).trim();
        let v = examples.entry(kind).or_default();
        if v.len() < MAX_REJECT_EXAMPLES {
            v.push(r);
        }
    }
    s.push_str(r#"<table id="rejects-by-reason"><tr><th>reason</th><th class="n">rows</th><th>examples (source, row, record id, reason, masked raw)</th></tr>"#);
    for (reason, n) in &sm.rejects_by_reason {
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td class="n" data-value="{n}">{}</td><td>"#,
            h(reason),
            num(*n)
        );
        for r in examples.get(reason.as_str()).into_iter().flatten() {
            let _ = write!(
                s,
                r#"<div class="example">{} row {} · id <code>{}</code> · {} · <code>{}</code></div>"#,
                h(&r.source),
                r.row,
                h(&r.record_id),
                h(&r.reason),
                escape(&mask::raw(&r.raw))
            );
        }
        s.push_str("</td></tr>");
    }
    s.push_str("</table></section>");
}
