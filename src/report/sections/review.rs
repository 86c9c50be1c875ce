//! "Review queue": the highest-weighted pairs in the review band, side by side.

use std::fmt::Write;

use crate::comparison::Kind;
use crate::report::page::{escape, num};
use crate::report::pair::{record_label, shown, waterfall};
use crate::report::{ReportInput, MAX_REVIEW};
use crate::score::{probability, Decision};

pub fn section(s: &mut String, input: &ReportInput) {
    let mut rows: Vec<usize> = (0..input.scored.len())
        .filter(|&i| input.scored[i].decision == Decision::Review)
        .collect();
    rows.sort_by(|&x, &y| {
        let (a, b) = (&input.scored[x], &input.scored[y]);
        b.weight
            .total_cmp(&a.weight)
            .then((a.a, a.b).cmp(&(b.a, b.b)))
    });
    let total = rows.len();
    rows.truncate(MAX_REVIEW);
    let _ = write!(
        s,
        r#"<section id="review"><h2>Review queue</h2><p>{} pairs in the review band ({}; weight from {:.2} up to the match threshold {:.2}, and matches a constraint refused); the {} highest weights are shown side by side. Decide them in <code>review.csv</code> (<code>same</code> or <code>different</code>) and pass it back with <code>--decisions</code>.</p>"#,
        num(input.summary.review_pairs),
        input.summary.expected.map_or_else(
            || "fixed weights: no expected precision".to_string(),
            |e| format!(
                "{:.2} per 100 records, expected to be true pairs {:.0}% of the time",
                100.0 * e.review_share,
                100.0 * e.review_precision
            )
        ),
        input.summary.thresholds.review_weight,
        input.summary.thresholds.match_weight,
        rows.len()
    );
    if total == 0 {
        s.push_str(r#"<p class="muted">No pairs to review.</p>"#);
    }
    for (n, &e) in rows.iter().enumerate() {
        let p = &input.scored[e];
        let _ = write!(
            s,
            r#"<details class="pair"{}><summary>#{} · weight {:.2} · probability {:.4} · {} <b>{}</b> ~ {} <b>{}</b></summary>"#,
            if n < 5 { " open" } else { "" },
            n + 1,
            p.weight,
            probability(p.weight),
            record_label(input.ing, p.a),
            escape(&shown(input.ing, p.a, Kind::Name)),
            record_label(input.ing, p.b),
            escape(&shown(input.ing, p.b, Kind::Name)),
        );
        waterfall(s, input, p);
        s.push_str("</details>");
    }
    s.push_str("</section>");
}
