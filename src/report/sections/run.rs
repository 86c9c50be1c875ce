//! "The run": its counts, how it linked, seconds per stage, files, blocking, and the analysts'
//! decisions.

use std::fmt::Write;

use crate::report::page::{escape, h, num};
use crate::report::ReportInput;

pub fn section(s: &mut String, input: &ReportInput) {
    let sm = input.summary;
    s.push_str(r#"<section id="run"><h2>The run</h2><table id="run-counts">"#);
    let rows: [(&str, u64); 12] = [
        ("rows in", sm.records_in),
        ("records accepted", sm.records_accepted),
        ("rows rejected", sm.records_rejected),
        ("persons out", sm.persons),
        (
            "persons with several records",
            sm.persons_with_several_records,
        ),
        ("records merged", sm.records_merged),
        ("candidate pairs", sm.candidate_pairs),
        ("pairs at or above the floor", sm.pairs_written),
        ("match pairs", sm.match_pairs),
        ("review pairs", sm.review_pairs),
        (
            "match pairs refused by a constraint",
            sm.refused_match_pairs,
        ),
        ("threads", sm.threads as u64),
    ];
    for (l, v) in rows {
        let _ = write!(
            s,
            r#"<tr><th>{l}</th><td class="n" data-value="{v}">{}</td></tr>"#,
            num(v)
        );
    }
    if let Some(m) = sm.peak_memory_bytes {
        let _ = write!(
            s,
            r#"<tr><th>peak memory</th><td class="n">{:.1} MiB</td></tr>"#,
            m as f64 / (1024.0 * 1024.0)
        );
    }
    let t = &sm.thresholds;
    let _ = write!(
        s,
        r#"<tr><th>thresholds (match / review / floor)</th><td class="n">{:.2} / {:.2} / {:.2}</td></tr></table>"#,
        t.match_weight, t.review_weight, t.pairs_floor
    );
    if let Some(e) = &sm.expected {
        let _ = write!(
            s,
            r#"<h3>What the model expects</h3><table id="expected"><tr><th>precision of automatic matches (target {:.4}{})</th><td class="n">{:.5}</td></tr><tr><th>recall of automatic matches, of the true pairs among the scored ones</th><td class="n">{:.5}</td></tr><tr><th>precision of the review band</th><td class="n">{:.3}</td></tr><tr><th>review pairs per record</th><td class="n">{:.4}</td></tr></table><p class="muted">The model's own probabilities, not a measurement: where its fields' evidence is not independent it can be too sure or too cautious; padan eval against a truth file measures.</p>"#,
            e.target_precision,
            if e.target_met { ", met" } else { ", not met" },
            e.match_precision,
            e.match_recall,
            e.review_precision,
            e.review_share
        );
    }
    let l = &sm.linking;
    let _ = write!(
        s,
        r#"<h3>Linking</h3><p id="linking">Linked <b>{}</b>: {}.</p><table id="linking-counts">"#,
        l.mode.label(),
        escape(&l.reason)
    );
    for (label, v) in [
        (
            "records unchanged since the previous generation",
            l.records_unchanged,
        ),
        ("records changed", l.records_changed),
        ("records new", l.records_new),
        ("previous records gone", l.records_removed),
        ("pairs compared", l.pairs_compared),
        ("pairs kept from the previous generation", l.pairs_reused),
    ] {
        let _ = write!(
            s,
            r#"<tr><th>{label}</th><td class="n" data-value="{v}">{}</td></tr>"#,
            num(v)
        );
    }
    s.push_str("</table>");

    s.push_str(r#"<h3>Seconds per stage</h3><table id="stage-seconds"><tr><th>stage</th><th class="n">seconds</th></tr>"#);
    for (stage, secs) in &sm.stage_seconds {
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td class="n">{secs:.2}</td></tr>"#,
            escape(stage)
        );
    }
    s.push_str("</table>");

    s.push_str(r#"<h3>Files</h3><table id="files"><tr><th>source</th><th>path</th><th class="n">rows</th><th class="n">records</th><th class="n">rejected</th></tr>"#);
    for f in &sm.files {
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td><code>{}</code></td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            h(&f.source),
            h(&f.path),
            num(f.rows),
            num(f.records),
            num(f.rejected)
        );
    }
    s.push_str("</table>");

    s.push_str(r#"<h3>Blocking</h3><table id="blocking"><tr><th>rule</th><th class="n">blocks</th><th class="n">pairs proposed</th><th class="n">large blocks (windowed)</th><th class="n">records in them</th></tr>"#);
    for r in &sm.blocking {
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            h(&r.rule),
            num(r.blocks),
            num(r.pairs),
            num(r.windowed_blocks),
            num(r.windowed_records)
        );
    }
    s.push_str("</table>");

    s.push_str(r#"<h3>Analysts' decisions</h3>"#);
    match &sm.decisions {
        Some(d) => {
            let _ = write!(
                s,
                r#"<table id="decisions"><tr><th>file</th><td><code>{}</code></td></tr><tr><th>kept by the store from earlier runs</th><td class="n">{}</td></tr><tr><th>applied as same</th><td class="n">{}</td></tr><tr><th>applied as different</th><td class="n">{}</td></tr><tr><th>kept, records absent this run</th><td class="n">{}</td></tr><tr><th>cleared</th><td class="n">{}</td></tr><tr><th>undecided</th><td class="n">{}</td></tr><tr><th>ignored</th><td class="n">{}</td></tr></table>"#,
                h(d.file.as_deref().unwrap_or("(none this run)")),
                num(d.stored),
                num(d.applied_same),
                num(d.applied_different),
                num(d.kept_not_applied),
                num(d.cleared),
                num(d.undecided),
                num(d.ignored)
            );
        }
        None => s.push_str(r#"<p class="muted" id="decisions">No analyst's decisions: none kept by the store, no file given.</p>"#),
    }
    s.push_str("</section>");
}
