//! One scored pair as the report shows it: its records by label, their values masked, and its
//! waterfall of weights, for the clusters' edges and the review queue alike.

use std::fmt::Write;

use crate::comparison::{Kind, COMPARISONS};
use crate::ingest::Ingested;
use crate::mask::guard;
use crate::report::page::{escape, h, sign};
use crate::report::ReportInput;
use crate::score::Scored;

/// A record's value for one comparison as it came in (`Comparison::shown`), masked for
/// display (unescaped).
pub fn shown(ing: &Ingested, i: u32, kind: Kind) -> String {
    guard(&kind.comparison().shown(|f| ing.value(i as usize, f), true))
}

fn source_name(ing: &Ingested, i: u32) -> &str {
    &ing.sources[ing.records[i as usize].source as usize].name
}

/// `source:record_id`, guarded and escaped.
pub fn record_label(ing: &Ingested, i: u32) -> String {
    h(&format!(
        "{}:{}",
        source_name(ing, i),
        ing.records[i as usize].record_id
    ))
}

/// One edge's waterfall: the prior, then each comparison with a value on both sides.
pub fn waterfall(s: &mut String, input: &ReportInput, p: &Scored) {
    let w = input
        .model
        .field_weights(input.names[p.a as usize], &p.levels);
    let mut totals = vec![input.model.prior_weight];
    for x in w.iter() {
        totals.push(totals.last().copied().unwrap_or(0.0) + x);
    }
    let lo = totals.iter().copied().fold(0.0f64, f64::min);
    let hi = totals.iter().copied().fold(0.0f64, f64::max);
    let span = (hi - lo).max(1e-9);
    let bar = |from: f64, to: f64| {
        let (a, b) = (from.min(to), from.max(to));
        format!(
            r#"<span class="wf"><i class="{}" style="left:{:.1}%;width:{:.1}%"></i></span>"#,
            sign(to - from),
            (a - lo) / span * 100.0,
            ((b - a) / span * 100.0).max(0.5)
        )
    };
    let _ = write!(
        s,
        r#"<table class="waterfall side"><tr><th>comparison</th><th>level</th><th>{}</th><th>{}</th><th class="n">weight</th><th class="n">total</th><th></th></tr><tr><td>prior</td><td></td><td></td><td></td><td class="n">{:+.2}</td><td class="n">{:.2}</td><td>{}</td></tr>"#,
        record_label(input.ing, p.a),
        record_label(input.ing, p.b),
        input.model.prior_weight,
        input.model.prior_weight,
        bar(0.0, input.model.prior_weight)
    );
    let mut missing = Vec::new();
    for (k, c) in COMPARISONS.iter().enumerate() {
        let lv = p.levels[k] as usize;
        if lv == 0 {
            missing.push(c.name);
            continue;
        }
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td>{}</td><td class="l">{}</td><td class="r">{}</td><td class="n {}">{:+.2}</td><td class="n">{:.2}</td><td>{}</td></tr>"#,
            c.name,
            c.levels[lv].label,
            escape(&shown(input.ing, p.a, c.kind)),
            escape(&shown(input.ing, p.b, c.kind)),
            sign(w[k]),
            w[k],
            totals[k + 1],
            bar(totals[k], totals[k + 1])
        );
    }
    s.push_str("</table>");
    if !missing.is_empty() {
        let _ = write!(
            s,
            r#"<p class="muted">Missing on either side (weight 0): {}.</p>"#,
            missing.join(", ")
        );
    }
}
