//! One scored pair as the report shows it: its records by label, their values masked, and its
//! waterfall of weights, for the clusters' edges and the review queue alike.

use std::fmt::Write;

use crate::field::Field;
use crate::ingest::Ingested;
use crate::mask::{self, guard};
use crate::report::page::{escape, h, sign};
use crate::report::ReportInput;
use crate::score::{Scored, COMPARISONS};

/// A record's value for one comparison, as it came in, masked for display (unescaped).
pub fn shown(ing: &Ingested, i: u32, comparison: &str) -> String {
    let get = |f: Field| ing.value(i as usize, f).unwrap_or("");
    let first = |fs: &[Field]| {
        fs.iter()
            .map(|&f| get(f))
            .find(|v| !v.is_empty())
            .unwrap_or("")
    };
    let v = match comparison {
        "name" => {
            if !get(Field::FullName).is_empty() {
                get(Field::FullName).to_string()
            } else {
                [get(Field::GivenName), get(Field::Surname)]
                    .iter()
                    .filter(|v| !v.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        }
        "ic" => get(Field::Ic).to_string(),
        "other_id" => first(&[Field::OldIc, Field::Passport, Field::NationalId]).to_string(),
        "dob" => get(Field::Dob).to_string(),
        "sex" => get(Field::Sex).to_string(),
        "postcode" => get(Field::Postcode).to_string(),
        "address" => get(Field::Address).to_string(),
        "phone" => get(Field::Phone).to_string(),
        "household_id" => get(Field::HouseholdId).to_string(),
        _ => String::new(),
    };
    guard(&mask::value(comparison, &v))
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
            escape(&shown(input.ing, p.a, c.name)),
            escape(&shown(input.ing, p.b, c.name)),
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
