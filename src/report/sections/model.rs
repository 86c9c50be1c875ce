//! "The model": how the weights were set, and each comparison level's m, u and weight.

use std::fmt::Write;

use crate::report::page::{num, sign};
use crate::report::ReportInput;
use crate::score::COMPARISONS;

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(x) => format!("{x:.digits$}"),
        None => "—".to_string(),
    }
}

pub fn section(s: &mut String, input: &ReportInput) {
    let m = input.model;
    s.push_str(r#"<section id="model"><h2>The model</h2>"#);
    match &m.params {
        Some(p) => {
            let _ = write!(
                s,
                "<p>Weights estimated by EM: u from {} random pairs, m by EM on each blocking rule's pairs; {} iterations, {}. Share of true matches among candidate pairs λ = {:.4}; prior weight {:.2}. The name weight is adjusted for the name's frequency, and household comparisons (postcode, address, phone, household id) count their strongest agreement once.</p>",
                num(m.u_sample_pairs),
                p.iterations,
                if p.converged { "converged" } else { "<span class=\"warn\">not converged</span>" },
                p.lambda,
                m.prior_weight
            );
        }
        None => {
            let _ = write!(
                s,
                "<p>Fixed, hand-set weights (log2 Bayes factors); prior weight {:.2}.</p>",
                m.prior_weight
            );
        }
    }
    if m.home_weights.is_some() {
        s.push_str("<p>Two records of one home (a close or similar address, a phone or a household id in common) have their name, birth date and sex weighed by the <i>one home</i> column: against how alike two different people of one home are, learnt from the pairs sharing a phone whose valid MyKads differ.</p>");
    }
    let home_th = if m.home_weights.is_some() {
        r#"<th class="n">one home</th>"#
    } else {
        ""
    };
    let _ = write!(
        s,
        r#"<table id="model-table"><tr><th>comparison</th><th>level</th><th class="n">m</th><th class="n">u</th><th class="n">match weight</th>{home_th}<th class="n">fixed weight</th></tr>"#
    );
    for (k, c) in COMPARISONS.iter().enumerate() {
        for (l, level) in c.levels.iter().enumerate() {
            let (mv, uv) = match (&m.params, l) {
                (Some(p), l) if l > 0 => (
                    p.m.get(k).and_then(|v| v.get(l)).copied(),
                    p.u.get(k).and_then(|v| v.get(l)).copied(),
                ),
                _ => (None, None),
            };
            let w = m
                .weights
                .get(k)
                .and_then(|v| v.get(l))
                .copied()
                .unwrap_or(0.0);
            let first = if l == 0 {
                format!(r#"<th rowspan="{}">{}</th>"#, c.levels.len(), c.name)
            } else {
                String::new()
            };
            let home = match m.home_weights.as_ref().and_then(|h| h.get(k)?.get(l)) {
                Some(&h) => format!(r#"<td class="n {}">{h:+.2}</td>"#, sign(h)),
                None => String::new(),
            };
            let _ = write!(
                s,
                r#"<tr>{first}<td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n {}">{w:+.2}</td>{home}<td class="n">{:+.1}</td></tr>"#,
                level.label,
                fmt_opt(mv, 4),
                fmt_opt(uv, 5),
                sign(w),
                level.weight
            );
        }
    }
    s.push_str("</table></section>");
}
