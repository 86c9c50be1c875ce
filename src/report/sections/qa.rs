//! "How good is the register": the estimates from clerical samples (`padan qa`), the newest
//! with its strata and its precision–recall curve, and every generation's in a table.

use std::fmt::Write;

use crate::qa::estimate::Interval;
use crate::qa::labels::Kept;
use crate::report::chart::{line_chart, Line};
use crate::report::page::{h, num};
use crate::report::ReportInput;

pub fn section(s: &mut String, input: &ReportInput) {
    section_of(s, input.qa);
}

/// A share and its interval, as percentages.
fn share(i: &Interval) -> String {
    format!(
        "{:.2}% <span class=\"muted\">({:.2}–{:.2}%)</span>",
        100.0 * i.estimate,
        100.0 * i.low,
        100.0 * i.high
    )
}

/// A count and its interval.
fn count(i: &Interval) -> String {
    format!(
        "{} <span class=\"muted\">({}–{})</span>",
        num(i.estimate.round() as u64),
        num(i.low.round() as u64),
        num(i.high.round() as u64)
    )
}

/// The section for the estimates `history` (oldest first).
pub fn section_of(s: &mut String, history: &[Kept]) {
    s.push_str(r#"<section id="qa"><h2>How good is the register</h2>"#);
    let Some(k) = history.last() else {
        s.push_str(r#"<p class="muted" id="qa-none">No estimate from a clerical sample yet. Draw one with <code>padan qa sample --out DIR</code>, have its <code>qa.csv</code> labelled, and estimate with <code>padan qa estimate --out DIR --labels qa.csv</code>.</p></section>"#);
        return;
    };
    let e = &k.estimates;
    let l = &e.labels;
    let _ = write!(
        s,
        r#"<p>Estimated from {} labelled pairs of generation {:06} ({} <code>same</code>, {} <code>different</code>; {} <code>unsure</code> and {} not labelled, left out), weighed back to every pair the generation scored and every pair of one person; 95% intervals in brackets. Pairs never scored are outside the estimate: recall is relative to the pairs at or above the floor. Labels of {}, estimated {}.</p>"#,
        num(l.same + l.different),
        k.generation,
        num(l.same),
        num(l.different),
        num(l.unsure),
        num(l.unlabelled),
        h(&k.labels_file),
        h(&k.estimated_at)
    );
    s.push_str(r#"<table id="qa-estimates"><tr><th></th><th>precision</th><th>true pairs missed</th><th>recall</th></tr>"#);
    let _ = write!(
        s,
        r#"<tr><td>automatic matches (weight {:.2} and up)</td><td data-value="{:.6}">{}</td><td>{}</td><td>{}</td></tr>"#,
        k.match_weight,
        e.match_precision.estimate,
        share(&e.match_precision),
        count(&e.missed),
        share(&e.recall)
    );
    let _ = write!(
        s,
        r#"<tr><td>the register (records in one person)</td><td data-value="{:.6}">{}</td><td>{}</td><td>{}</td></tr></table>"#,
        e.register_precision.estimate,
        share(&e.register_precision),
        count(&e.register_missed),
        share(&e.register_recall)
    );
    if !e.curve.is_empty() {
        let xs: Vec<f64> = e.curve.iter().map(|p| p.threshold).collect();
        let lines = [
            Line {
                label: "precision".into(),
                class: "precision",
                points: e
                    .curve
                    .iter()
                    .map(|p| (p.precision.estimate, p.precision.low, p.precision.high))
                    .collect(),
            },
            Line {
                label: "recall".into(),
                class: "recall",
                points: e
                    .curve
                    .iter()
                    .map(|p| (p.recall.estimate, p.recall.low, p.recall.high))
                    .collect(),
            },
        ];
        s.push_str(&line_chart(
            "chart-qa-curve",
            "Estimated precision and recall of the pairs at or above each threshold",
            &xs,
            &lines,
            &[
                (k.match_weight, "match".into(), "match"),
                (k.review_weight, "review".into(), "review"),
            ],
            "threshold (match weight)",
        ));
    }
    s.push_str(r#"<h3>The sample</h3><table id="qa-strata"><tr><th>stratum</th><th>holds</th><th class="n">pairs</th><th class="n">drawn</th><th class="n">same</th><th class="n">different</th><th class="n">unsure</th></tr>"#);
    for st in &k.strata {
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            h(&st.name),
            h(&st.holds),
            num(st.population),
            num(st.sampled),
            num(st.same),
            num(st.different),
            num(st.unsure)
        );
    }
    s.push_str("</table>");
    s.push_str(r#"<h3>Every generation's estimate</h3><table id="qa-history"><tr><th>generation</th><th>estimated</th><th class="n">labels</th><th>precision of automatic matches</th><th>recall</th><th>precision of the register</th></tr>"#);
    for k in history.iter().rev() {
        let e = &k.estimates;
        let _ = write!(
            s,
            r#"<tr><td>{:06}</td><td>{}</td><td class="n">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            k.generation,
            h(&k.estimated_at),
            num(e.labels.same + e.labels.different),
            share(&e.match_precision),
            share(&e.recall),
            share(&e.register_precision)
        );
    }
    s.push_str("</table></section>");
}
