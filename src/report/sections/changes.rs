//! "Changes since the previous generation": persons by kind of change.

use std::fmt::Write;

use crate::report::page::{h, num};
use crate::report::ReportInput;

pub fn section(s: &mut String, input: &ReportInput) {
    let c = &input.summary.changes;
    s.push_str(r#"<section id="changes"><h2>Changes since the previous generation</h2>"#);
    if c.is_empty() {
        s.push_str(r#"<p class="muted" id="changes-none">No change of persons since the previous generation.</p>"#);
    } else {
        s.push_str(r#"<p>Persons by change; one row per changed person is in <code>changes.csv</code>.</p><table id="changes-by-kind"><tr><th>change</th><th class="n">persons</th></tr>"#);
        for (kind, n) in c {
            let _ = write!(
                s,
                r#"<tr><td>{}</td><td class="n" data-value="{n}">{}</td></tr>"#,
                h(kind),
                num(*n)
            );
        }
        s.push_str("</table>");
    }
    s.push_str("</section>");
}
