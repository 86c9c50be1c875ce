//! "Data quality": the groups of identical records too large to be one person's.

use std::fmt::Write;

use crate::quality::SUSPECT_REPEATS;
use crate::report::page::{h, num};
use crate::report::ReportInput;

pub fn section(s: &mut String, input: &ReportInput) {
    let q = &input.summary.data_quality;
    let _ = write!(
        s,
        r#"<section id="quality"><h2>Data quality</h2><p>Records whose values are identical, {} or more times over, are suspect: no person has that many records. They are linked like any other record, but the model counts each group once.</p>"#,
        SUSPECT_REPEATS
    );
    if q.suspect_groups == 0 {
        s.push_str(r#"<p class="muted">No suspect records.</p></section>"#);
        return;
    }
    let _ = write!(
        s,
        r#"<p id="suspects">{} suspect records in {} group{}.</p><table id="suspect-groups"><tr><th class="n">records</th><th>sources</th><th>first</th><th>name (masked)</th></tr>"#,
        num(q.suspect_records),
        num(q.suspect_groups),
        if q.suspect_groups == 1 { "" } else { "s" }
    );
    for g in &q.largest_groups {
        let sources: Vec<String> = g
            .sources
            .iter()
            .map(|(name, n)| format!("{} {}", h(name), num(*n)))
            .collect();
        let _ = write!(
            s,
            r#"<tr><td class="n" data-value="{}">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>"#,
            g.records,
            num(g.records),
            sources.join(", "),
            h(&g.first),
            h(&g.name)
        );
    }
    s.push_str("</table></section>");
}
