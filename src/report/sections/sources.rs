//! "Records per source": a table and a chart of the records each source gave.

use std::fmt::Write;

use crate::mask::guard;
use crate::report::chart::{bar_chart, Bar};
use crate::report::page::{h, num};
use crate::report::ReportInput;

pub fn section(s: &mut String, input: &ReportInput) {
    let sm = input.summary;
    s.push_str(r#"<section id="sources"><h2>Records per source</h2><table id="records-by-source"><tr><th>source</th><th class="n">records</th></tr>"#);
    for (src, n) in &sm.records_by_source {
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td class="n" data-value="{n}">{}</td></tr>"#,
            h(src),
            num(*n)
        );
    }
    s.push_str("</table>");
    let bars: Vec<Bar> = sm
        .records_by_source
        .iter()
        .map(|(k, &v)| Bar {
            label: guard(k),
            value: v,
            class: "plain",
        })
        .collect();
    s.push_str(&bar_chart(
        "chart-sources",
        "Records per source",
        &bars,
        &[],
        "source",
    ));
    s.push_str("</section>");
}
