//! "Match weights": the histogram of the scored pairs' weights, with the thresholds marked.

use std::fmt::Write;

use crate::report::chart::{bar_chart, Bar, Rule};
use crate::report::page::num;
use crate::report::ReportInput;

pub fn section(s: &mut String, input: &ReportInput) {
    let sm = input.summary;
    let t = &sm.thresholds;
    let _ = write!(
        s,
        r#"<section id="weights"><h2>Match weights</h2><p>The distribution of match weights over the {} scored pairs at or above the floor ({:.2}); of {} candidate pairs. Dashed lines: the review threshold ({:.2}) and the match threshold ({:.2}).</p>"#,
        num(sm.pairs_written),
        t.pairs_floor,
        num(sm.candidate_pairs),
        t.review_weight,
        t.match_weight
    );
    if input.scored.is_empty() {
        s.push_str(r#"<p class="muted">No pairs were scored.</p></section>"#);
        return;
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in input.scored {
        lo = lo.min(p.weight);
        hi = hi.max(p.weight);
    }
    lo = lo.min(t.review_weight).min(t.match_weight);
    hi = hi.max(t.review_weight).max(t.match_weight);
    let mut width = 1.0f64;
    while (hi - lo) / width > 60.0 {
        width *= 2.0;
    }
    let start = (lo / width).floor() * width;
    let nbins = (((hi - start) / width).floor() as usize + 1).max(1);
    let mut counts = vec![0u64; nbins];
    for p in input.scored {
        let b = (((p.weight - start) / width).floor() as usize).min(nbins - 1);
        counts[b] += 1;
    }
    let bars: Vec<Bar> = counts
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let left = start + width * i as f64;
            Bar {
                label: format!("{left}"),
                value: v,
                class: if left >= t.match_weight {
                    "match"
                } else if left >= t.review_weight {
                    "review"
                } else {
                    "nonmatch"
                },
            }
        })
        .collect();
    let rules = [
        Rule {
            at: (t.review_weight - start) / width,
            label: format!("review {:.2}", t.review_weight),
            class: "review",
        },
        Rule {
            at: (t.match_weight - start) / width,
            label: format!("match {:.2}", t.match_weight),
            class: "match",
        },
    ];
    s.push_str(&bar_chart(
        "chart-weights",
        "Match weights of scored pairs",
        &bars,
        &rules,
        &format!("match weight (bins of {width})"),
    ));
    s.push_str("</section>");
}
