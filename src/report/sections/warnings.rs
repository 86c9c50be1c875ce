//! "Warnings": the run's warnings, and the largest blocks compared only in part.

use std::fmt::Write;

use crate::report::page::{h, num};
use crate::report::ReportInput;

pub fn section(s: &mut String, input: &ReportInput) {
    let sm = input.summary;
    let _ = write!(
        s,
        r#"<section id="warnings"><h2>Warnings ({})</h2>"#,
        sm.warnings.len()
    );
    if sm.warnings.is_empty() {
        s.push_str(r#"<p class="muted">None.</p>"#);
    } else {
        s.push_str(r#"<ul id="warning-list">"#);
        for w in &sm.warnings {
            let _ = write!(s, r#"<li class="warn">{}</li>"#, h(w));
        }
        s.push_str("</ul>");
    }
    if !sm.large_blocks.is_empty() {
        s.push_str(r#"<h3>Largest blocks (each record compared with its nearest neighbours only)</h3><table id="large-blocks"><tr><th>rule</th><th>key</th><th class="n">records</th></tr>"#);
        for o in sm.large_blocks.iter().take(100) {
            let _ = write!(
                s,
                r#"<tr><td>{}</td><td><code>{}</code></td><td class="n">{}</td></tr>"#,
                h(&o.rule),
                h(&o.key),
                num(o.size)
            );
        }
        s.push_str("</table>");
    }
    s.push_str("</section>");
}
