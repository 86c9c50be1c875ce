//! Report: `report.html`, the audit report of one run, for an analyst with a browser.
//!
//! Reads: the run's summary, ingested and normalised records, the register, the scored pairs
//! and the model. Writes: one self-contained HTML page (inline CSS, a few lines of inline
//! JavaScript, inline SVG charts; no network of any kind) that summarises rather than dumps:
//! lists are capped (largest and conflicting clusters, review pairs, reject examples) so the
//! page stays small for a million records. IC numbers, phones and other identifiers are masked
//! as `padan explain` masks them, birth dates shown as their year, addresses withheld
//! (`mask::value`), and every text is HTML-escaped. The page works without JavaScript: clusters
//! and pairs expand with `<details>`.

use std::collections::BTreeMap;
use std::fmt::Write;

use ahash::AHashMap;

use crate::field::Field;
use crate::ingest::Ingested;
use crate::mask::{self, guard};
use crate::register::Conflict;
use crate::register::Register;
use crate::score::{probability, Decision, Model, Scored, COMPARISONS};
use crate::summary::Summary;

/// Keeps the first `n` of `v` in the total order `cmp`, sorted.
fn first_in_order<T>(v: &mut Vec<T>, n: usize, cmp: impl Fn(&T, &T) -> std::cmp::Ordering) {
    if v.len() > n {
        if n == 0 {
            v.clear();
            return;
        }
        v.select_nth_unstable_by(n - 1, &cmp);
        v.truncate(n);
    }
    v.sort_unstable_by(cmp);
}

/// Largest first, then by id: a total order, so only the listed ones need sorting (sorting
/// every cluster with several records took about 0.5 s of the report at 1M people).
fn size_order(reg: &Register) -> impl Fn(&usize, &usize) -> std::cmp::Ordering + '_ {
    |&a: &usize, &b: &usize| {
        reg.persons[b]
            .records
            .len()
            .cmp(&reg.persons[a].records.len())
            .then(reg.persons[a].id.cmp(&reg.persons[b].id))
    }
}

/// The persons of several records listed as the largest clusters, in `size_order`.
fn largest_clusters(reg: &Register) -> Vec<usize> {
    // Only clusters at least as large as the `MAX_CLUSTERS`-th largest can be listed: the
    // others are left out before the ordering compares ids (at 1M people, half a million
    // clusters of a few records each, most of them tied by size).
    let mut of_size: BTreeMap<usize, usize> = BTreeMap::new();
    for p in &reg.persons {
        *of_size.entry(p.records.len()).or_default() += 1;
    }
    let mut at_least = 0;
    let least = of_size
        .iter()
        .rev()
        .find(|&(_, &n)| {
            at_least += n;
            at_least >= MAX_CLUSTERS
        })
        .map_or(0, |(&size, _)| size);
    let mut largest: Vec<usize> = (0..reg.persons.len())
        .filter(|&i| reg.persons[i].records.len() > 1.max(least.saturating_sub(1)))
        .collect();
    first_in_order(&mut largest, MAX_CLUSTERS, size_order(reg));
    largest
}

/// Largest clusters listed, and clusters with conflicts listed.
pub const MAX_CLUSTERS: usize = 30;
/// Records shown per listed cluster.
pub const MAX_CLUSTER_RECORDS: usize = 40;
/// Edges (with their waterfalls) shown per listed cluster.
pub const MAX_CLUSTER_EDGES: usize = 8;
/// Review pairs shown.
pub const MAX_REVIEW: usize = 200;
/// Reject examples shown per reason.
pub const MAX_REJECT_EXAMPLES: usize = 3;
/// Agencies shown in the overlap matrix (those with the most persons).
pub const MAX_MATRIX_SOURCES: usize = 40;
/// Birth dates further apart than this within one cluster are a conflict.
pub const DOB_SPREAD_DAYS: i64 = 366;

/// What the report is made from (all borrowed from the run).
pub struct ReportInput<'a> {
    pub summary: &'a Summary,
    pub ing: &'a Ingested,
    /// Every record's name for the model's name frequencies (`score::names`).
    pub names: &'a [u64],
    pub reg: &'a Register,
    pub scored: &'a [Scored],
    pub model: &'a Model,
}

impl<'a> ReportInput<'a> {
    /// A run's report input: its model is the summary's.
    pub fn of_run(
        summary: &'a Summary,
        ing: &'a Ingested,
        names: &'a [u64],
        reg: &'a Register,
        scored: &'a [Scored],
    ) -> ReportInput<'a> {
        ReportInput {
            summary,
            ing,
            names,
            reg,
            scored,
            model: &summary.model.model,
        }
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Free text, guarded and escaped.
fn h(s: &str) -> String {
    escape(&guard(s))
}

/// An integer with thousands separators.
fn num(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn sign(w: f64) -> &'static str {
    if w > 0.0 {
        "pos"
    } else if w < 0.0 {
        "neg"
    } else {
        "zero"
    }
}

/// A record's value for one comparison, as it came in, masked for display (unescaped).
fn shown(ing: &Ingested, i: u32, comparison: &str) -> String {
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
fn record_label(ing: &Ingested, i: u32) -> String {
    h(&format!(
        "{}:{}",
        source_name(ing, i),
        ing.records[i as usize].record_id
    ))
}

/// One bar of a chart.
struct Bar {
    label: String,
    value: u64,
    class: &'static str,
}

/// A vertical line on a chart, at a position in bar units (0 = left edge of the first bar).
struct Rule {
    at: f64,
    label: String,
    class: &'static str,
}

/// A vertical bar chart as inline SVG.
fn bar_chart(id: &str, title: &str, bars: &[Bar], rules: &[Rule], x_title: &str) -> String {
    let n = bars.len().max(1);
    let bw = if n <= 12 {
        40.0
    } else if n <= 30 {
        22.0
    } else {
        12.0
    };
    let (left, top, plot_h, bottom) = (56.0, 28.0, 160.0, 44.0);
    let width = left + bw * n as f64 + 20.0;
    let height = top + plot_h + bottom;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure class="chart"><svg id="{id}" role="img" aria-label="{t}" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}"><title>{t}</title>"#,
        t = escape(title)
    );
    let _ = write!(
        s,
        r#"<line class="axis" x1="{left}" y1="{y0}" x2="{x2:.1}" y2="{y0}"/><text class="tick" x="{lx}" y="{yt}" text-anchor="end">{m}</text><text class="tick" x="{lx}" y="{y0}" text-anchor="end">0</text>"#,
        y0 = top + plot_h,
        x2 = left + bw * n as f64,
        lx = left - 4.0,
        yt = top + 4.0,
        m = num(max as u64)
    );
    let label_every = n.div_ceil(15).max(1);
    for (i, b) in bars.iter().enumerate() {
        let x = left + bw * i as f64;
        let hgt = b.value as f64 / max * plot_h;
        let y = top + plot_h - hgt;
        let _ = write!(
            s,
            r#"<rect class="bar {c}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{hgt:.1}"><title>{l}: {v}</title></rect>"#,
            c = b.class,
            w = bw - 2.0,
            l = escape(&b.label),
            v = num(b.value)
        );
        if n <= 30 && b.value > 0 {
            let _ = write!(
                s,
                r#"<text class="val" x="{cx:.1}" y="{ty:.1}" text-anchor="middle">{v}</text>"#,
                cx = x + (bw - 2.0) / 2.0,
                ty = y - 3.0,
                v = num(b.value)
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                s,
                r#"<text class="tick" x="{cx:.1}" y="{ty:.1}" text-anchor="middle">{l}</text>"#,
                cx = x + (bw - 2.0) / 2.0,
                ty = top + plot_h + 14.0,
                l = escape(&b.label)
            );
        }
    }
    for r in rules {
        let x = left + bw * r.at.clamp(0.0, n as f64);
        let _ = write!(
            s,
            r#"<line class="rule {c}" x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{y2}"/><text class="rule-label {c}" x="{x:.1}" y="{ty}" text-anchor="middle">{l}</text>"#,
            c = r.class,
            y1 = top - 6.0,
            y2 = top + plot_h,
            ty = top - 10.0,
            l = escape(&r.label)
        );
    }
    let _ = write!(
        s,
        r#"<text class="axis-title" x="{cx:.1}" y="{ty}" text-anchor="middle">{xt}</text></svg></figure>"#,
        cx = left + bw * n as f64 / 2.0,
        ty = height - 8.0,
        xt = escape(x_title)
    );
    s
}

impl Conflict {
    fn any(&self) -> bool {
        self.valid_ics > 1 || self.mixed_sex || self.dob_spread_days > DOB_SPREAD_DAYS
    }

    fn describe(&self) -> String {
        let mut v = Vec::new();
        if self.valid_ics > 1 {
            v.push(format!("{} valid ICs", self.valid_ics));
        }
        if self.mixed_sex {
            v.push("mixed sexes".to_string());
        }
        if self.dob_spread_days > DOB_SPREAD_DAYS {
            v.push(format!("birth dates {} days apart", self.dob_spread_days));
        }
        v.join(", ")
    }
}

const CSS: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
main{max-width:1200px;margin:0 auto;padding:16px 24px 48px}
header{background:#1f3a5f;color:#fff;padding:16px 24px}
header h1{margin:0 0 8px;font-size:22px}
dl.facts{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0}
dl.facts div{min-width:110px}dl.facts dt{font-size:12px;opacity:.8}dl.facts dd{margin:0;font-size:20px;font-weight:600}
section{background:#fff;border:1px solid #d9dee5;border-radius:6px;padding:8px 18px 16px;margin:16px 0}
h2{font-size:18px;margin:10px 0}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #d9dee5;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
table.matrix td{text-align:right;min-width:44px}table.matrix td.diag{font-weight:700}
.pos{color:#146c2e;fill:#3a8d55}.neg{color:#a61b1b;fill:#c8553d}.zero{color:#7b8794;fill:#9aa5b1}
.bar.match{fill:#3a8d55}.bar.review{fill:#e0a526}.bar.nonmatch{fill:#9aa5b1}.bar.plain{fill:#3d6fb6}
.axis{stroke:#52606d}.tick,.val{font-size:10px;fill:#3e4c59}.axis-title{font-size:11px;fill:#3e4c59}
.rule{stroke-width:2;stroke-dasharray:4 3}.rule.match{stroke:#146c2e}.rule.review{stroke:#b7791f}
.rule-label{font-size:10px;font-weight:600}.rule-label.match{fill:#146c2e}.rule-label.review{fill:#b7791f}
figure.chart{margin:8px 0;overflow-x:auto}
details{border:1px solid #d9dee5;border-radius:4px;margin:6px 0;padding:2px 8px;background:#fcfcfd}
details>summary{cursor:pointer;padding:3px 0}details[open]>summary{border-bottom:1px solid #eef1f5;margin-bottom:6px}
.wf{display:inline-block;position:relative;width:160px;height:10px;background:#f0f2f5}
.wf i{position:absolute;top:0;height:10px}.wf i.pos{background:#3a8d55}.wf i.neg{background:#c8553d}.wf i.zero{background:#9aa5b1}
.muted{color:#7b8794}.warn{color:#8a4b00}code{font-size:12px}
nav.toc ol{columns:2;margin:4px 0}
#tools{margin:8px 0}#tools button{margin-right:6px}
.side td.l,.side td.r{min-width:180px}.diff{background:#fff4e5}
"#;

const JS: &str = r#"
(function(){var t=document.getElementById('tools');if(!t)return;t.hidden=false;
function all(o){var d=document.querySelectorAll('details');for(var i=0;i<d.length;i++){d[i].open=o;}}
document.getElementById('expand-all').addEventListener('click',function(){all(true);});
document.getElementById('collapse-all').addEventListener('click',function(){all(false);});})();
"#;

/// Renders the report.
pub fn render(input: &ReportInput) -> String {
    finish(input, &render_tail(input))
}

/// The report's sections after the run's: all but what depends on the write stage's seconds
/// and the run's peak memory, so that a run renders them while its files are written.
pub fn render_tail(input: &ReportInput) -> String {
    let mut s = String::with_capacity(256 * 1024);
    rejects_section(&mut s, input);
    quality_section(&mut s, input);
    sources_section(&mut s, input);
    overlap_section(&mut s, input);
    model_section(&mut s, input);
    weights_section(&mut s, input);
    clusters_section(&mut s, input);
    review_section(&mut s, input);
    warnings_section(&mut s, input);
    changes_section(&mut s, input);
    let _ = writeln!(s, "</main><script>{JS}</script></body></html>");
    s
}

/// The whole report: its head and the run's section, then `tail` (`render_tail`).
pub fn finish(input: &ReportInput, tail: &str) -> String {
    let mut s = String::with_capacity(tail.len() + 64 * 1024);
    let sm = input.summary;
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(
        s,
        "<title>padan report — generation {}</title><style>{CSS}</style></head><body>",
        sm.generation
    );
    header(&mut s, input);
    s.push_str("<main>");
    toc(&mut s);
    s.push_str(r#"<div id="tools" hidden><button type="button" id="expand-all">Expand all</button><button type="button" id="collapse-all">Collapse all</button></div>"#);
    run_section(&mut s, input);
    s.push_str(tail);
    s
}

fn fact(s: &mut String, id: &str, label: &str, v: u64) {
    let _ = write!(
        s,
        r#"<div><dt>{label}</dt><dd id="{id}" data-value="{v}">{}</dd></div>"#,
        num(v)
    );
}

fn header(s: &mut String, input: &ReportInput) {
    let sm = input.summary;
    let _ = write!(
        s,
        r#"<header><h1>padan audit report — generation {g}</h1><p>padan {v} · configuration <code>{c}</code> · model {m}</p><dl class="facts">"#,
        g = sm.generation,
        v = escape(sm.padan_version),
        c = h(&sm.config),
        m = match input.model.kind {
            crate::score::ModelKind::Em => "estimated (EM)",
            crate::score::ModelKind::Fixed => "fixed weights",
        }
    );
    fact(s, "records_in", "rows in", sm.records_in);
    fact(
        s,
        "records_accepted",
        "records accepted",
        sm.records_accepted,
    );
    fact(s, "records_rejected", "rows rejected", sm.records_rejected);
    fact(s, "persons", "persons out", sm.persons);
    fact(s, "records_merged", "records merged", sm.records_merged);
    fact(s, "candidate_pairs", "candidate pairs", sm.candidate_pairs);
    fact(s, "match_pairs", "match pairs", sm.match_pairs);
    fact(s, "review_pairs", "pairs to review", sm.review_pairs);
    fact(s, "warnings", "warnings", sm.warnings.len() as u64);
    s.push_str("</dl></header>");
}

fn toc(s: &mut String) {
    s.push_str(r#"<nav class="toc"><h2>Contents</h2><ol>"#);
    for (id, t) in [
        ("run", "The run"),
        ("rejects", "Rejected rows"),
        ("quality", "Data quality"),
        ("sources", "Records per source"),
        ("overlap", "Cross-agency overlap"),
        ("model", "The model"),
        ("weights", "Match weights"),
        ("clusters", "Clusters"),
        ("review", "Review queue"),
        ("warnings", "Warnings"),
        ("changes", "Changes since the previous generation"),
    ] {
        let _ = write!(s, r##"<li><a href="#{id}">{t}</a></li>"##);
    }
    s.push_str("</ol></nav>");
}

fn run_section(s: &mut String, input: &ReportInput) {
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
        (
            "persons whose golden records were kept",
            l.golden_records_kept,
        ),
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

fn rejects_section(s: &mut String, input: &ReportInput) {
    let sm = input.summary;
    let _ = write!(
        s,
        r#"<section id="rejects"><h2>Rejected rows</h2><p>{} rows could not be used; every one is in <code>rejects.csv</code> with its raw text. The examples below are masked: each word shows only its first letter, and no digit is shown.</p>"#,
        num(sm.records_rejected)
    );
    if sm.rejects_by_reason.is_empty() {
        s.push_str(r#"<p class="muted">None.</p></section>"#);
        return;
    }
    let mut examples: BTreeMap<&str, Vec<&crate::ingest::Reject>> = BTreeMap::new();
    for r in &input.ing.rejects {
        let kind = r.reason.split(':').next().unwrap_or(&r.reason).trim();
        let v = examples.entry(kind).or_default();
        if v.len() < MAX_REJECT_EXAMPLES {
            v.push(r);
        }
    }
    s.push_str(r#"<table id="rejects-by-reason"><tr><th>reason</th><th class="n">rows</th><th>examples (source, row, record id, reason, masked raw)</th></tr>"#);
    for (reason, n) in &sm.rejects_by_reason {
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td class="n" data-value="{n}">{}</td><td>"#,
            h(reason),
            num(*n)
        );
        for r in examples.get(reason.as_str()).into_iter().flatten() {
            let _ = write!(
                s,
                r#"<div class="example">{} row {} · id <code>{}</code> · {} · <code>{}</code></div>"#,
                h(&r.source),
                r.row,
                h(&r.record_id),
                h(&r.reason),
                escape(&mask::raw(&r.raw))
            );
        }
        s.push_str("</td></tr>");
    }
    s.push_str("</table></section>");
}

fn quality_section(s: &mut String, input: &ReportInput) {
    let q = &input.summary.data_quality;
    let _ = write!(
        s,
        r#"<section id="quality"><h2>Data quality</h2><p>Records whose values are identical, {} or more times over, are suspect: no person has that many records. They are linked like any other record, but the model counts each group once.</p>"#,
        crate::quality::SUSPECT_REPEATS
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

fn sources_section(s: &mut String, input: &ReportInput) {
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

/// Per pair of agencies `(a, b)` (of `k`, numbered per record by `agency`), the persons with
/// records of both (`a == b`: of `a`), at `a * k + b`; and per number of agencies, the persons
/// with records of that many.
fn overlap_counts(
    reg: &crate::register::Register,
    agency: &[u32],
    k: usize,
) -> (Vec<u64>, Vec<u64>) {
    use rayon::prelude::*;
    if k > 64 || reg.person_of.len() != agency.len() {
        // With many agencies (a `source` column of thousands of values) the persons are
        // counted in one piece, from their records; so is a register that does not give each
        // record's person.
        return overlap_counts_of_lists(reg, agency, k);
    }
    // Each person's agencies as the bits of one number, set from the records in their order:
    // the persons' record lists, each reached out of order, are not read (at 1M people
    // reading them took 0.56 s of CPU).
    let mut masks = vec![0u64; reg.persons.len()];
    for (&p, &a) in reg.person_of.iter().zip(agency) {
        masks[p as usize] |= 1 << a;
    }
    let zeros = || (vec![0u64; k * k], vec![0u64; k + 1]);
    masks
        .par_iter()
        .fold(
            || (zeros(), Vec::with_capacity(k)),
            |((mut both, mut by_count), mut ix), &m| {
                ix.clear();
                let mut rest = m;
                while rest != 0 {
                    ix.push(rest.trailing_zeros() as usize);
                    rest &= rest - 1;
                }
                count_overlap(&mut both, &mut by_count, k, &ix);
                ((both, by_count), ix)
            },
        )
        .map(|(counts, _)| counts)
        .reduce(zeros, |(mut both, mut by_count), (b, c)| {
            both.iter_mut().zip(b).for_each(|(x, y)| *x += y);
            by_count.iter_mut().zip(c).for_each(|(x, y)| *x += y);
            (both, by_count)
        })
}

/// `overlap_counts` from each person's list of records.
fn overlap_counts_of_lists(
    reg: &crate::register::Register,
    agency: &[u32],
    k: usize,
) -> (Vec<u64>, Vec<u64>) {
    let (mut both, mut by_count) = (vec![0u64; k * k], vec![0u64; k + 1]);
    let mut ix = Vec::with_capacity(k);
    for p in &reg.persons {
        ix.clear();
        ix.extend(p.records.iter().map(|&i| agency[i as usize] as usize));
        ix.sort_unstable();
        ix.dedup();
        count_overlap(&mut both, &mut by_count, k, &ix);
    }
    (both, by_count)
}

/// Counts one person with records of the agencies `ix` (distinct, ascending).
fn count_overlap(both: &mut [u64], by_count: &mut [u64], k: usize, ix: &[usize]) {
    by_count[ix.len()] += 1;
    for &a in ix {
        for &b in ix {
            both[a * k + b] += 1;
        }
    }
}

fn overlap_section(s: &mut String, input: &ReportInput) {
    use rayon::prelude::*;
    let reg = input.reg;
    // Through the records' source numbers rather than the persons' source names: hashing
    // every person's names took most of the report's time at 1M people. A person's sources
    // are its records' sources' names, distinct.
    let ing = input.ing;
    let mut names: Vec<&str> = ing.sources.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let name_of: Vec<usize> = ing
        .sources
        .iter()
        .map(|s| {
            names
                .binary_search(&s.name.as_str())
                .expect("every source's name is listed")
        })
        .collect();
    let k = names.len();
    // Each record's agency by number, read in record order once: the persons then jump
    // around a small array instead of the records (at 1M people the jumps took 0.7 s).
    let agency: Vec<u32> = ing
        .records
        .par_iter()
        .map(|r| name_of[r.source as usize] as u32)
        .collect();
    let (both, by_count) = overlap_counts(reg, &agency, k);
    let mut by_count = by_count;
    // A source all of whose rows were rejected has no persons: it is not an agency here.
    let present: Vec<usize> = (0..k).filter(|&a| both[a * k + a] > 0).collect();
    by_count.truncate(present.len() + 1);
    s.push_str(r#"<section id="overlap"><h2>Cross-agency overlap</h2><p>How many persons appear in both agency A (row) and agency B (column); the diagonal is each agency's persons.</p>"#);
    let mut shown = present.clone();
    shown.sort_by_key(|&a| std::cmp::Reverse(both[a * k + a]));
    shown.truncate(MAX_MATRIX_SOURCES);
    shown.sort_unstable();
    if present.len() > MAX_MATRIX_SOURCES {
        let _ = write!(
            s,
            r#"<p class="muted">{} agencies; the {MAX_MATRIX_SOURCES} with the most persons are shown.</p>"#,
            present.len()
        );
    }
    let max_off = shown
        .iter()
        .flat_map(|&a| shown.iter().map(move |&b| (a, b)))
        .filter(|(a, b)| a != b)
        .map(|(a, b)| both[a * k + b])
        .max()
        .unwrap_or(0)
        .max(1);
    s.push_str(r#"<table class="matrix" id="overlap-matrix"><tr><th></th>"#);
    for &b in &shown {
        let _ = write!(s, "<th>{}</th>", h(names[b]));
    }
    s.push_str("</tr>");
    for &a in &shown {
        let _ = write!(s, "<tr><th>{}</th>", h(names[a]));
        for &b in &shown {
            let v = both[a * k + b];
            if a == b {
                let _ = write!(s, r#"<td class="diag" data-value="{v}">{}</td>"#, num(v));
            } else {
                let alpha = 0.08 + 0.6 * v as f64 / max_off as f64;
                let _ = write!(
                    s,
                    r#"<td data-value="{v}" style="background:rgba(61,111,182,{alpha:.2})">{}</td>"#,
                    num(v)
                );
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</table><h3>Persons by number of agencies</h3>");
    s.push_str(r#"<table id="agencies-per-person"><tr><th class="n">agencies</th><th class="n">persons</th></tr>"#);
    for (n, &v) in by_count.iter().enumerate().skip(1) {
        let _ = write!(
            s,
            r#"<tr><td class="n">{n}</td><td class="n" data-value="{v}">{}</td></tr>"#,
            num(v)
        );
    }
    s.push_str("</table>");
    let bars: Vec<Bar> = by_count
        .iter()
        .enumerate()
        .skip(1)
        .map(|(n, &v)| Bar {
            label: n.to_string(),
            value: v,
            class: "plain",
        })
        .collect();
    s.push_str(&bar_chart(
        "chart-agencies",
        "Persons by number of agencies",
        &bars,
        &[],
        "agencies a person appears in",
    ));
    s.push_str("</section>");
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(x) => format!("{x:.digits$}"),
        None => "—".to_string(),
    }
}

fn model_section(s: &mut String, input: &ReportInput) {
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
    s.push_str(r#"<table id="model-table"><tr><th>comparison</th><th>level</th><th class="n">m</th><th class="n">u</th><th class="n">match weight</th><th class="n">fixed weight</th></tr>"#);
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
            let _ = write!(
                s,
                r#"<tr>{first}<td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n {}">{w:+.2}</td><td class="n">{:+.1}</td></tr>"#,
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

fn weights_section(s: &mut String, input: &ReportInput) {
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

/// One edge's waterfall: the prior, then each comparison with a value on both sides.
fn waterfall(s: &mut String, input: &ReportInput, p: &Scored) {
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

fn cluster_details(
    s: &mut String,
    input: &ReportInput,
    person: usize,
    conflict: &Conflict,
    edges: &[usize],
) {
    let p = &input.reg.persons[person];
    let c = conflict.describe();
    let _ = write!(
        s,
        r#"<details class="cluster" data-person="{}"><summary><code>{}</code> · {} records · {} · {}{}</summary>"#,
        escape(&p.id),
        escape(&p.id),
        p.records.len(),
        h(p.golden.full_name.as_deref().unwrap_or("(no name)")),
        h(&p.sources.join(", ")),
        if c.is_empty() {
            String::new()
        } else {
            format!(r#" · <span class="warn">{}</span>"#, escape(&c))
        }
    );
    s.push_str(r#"<table class="records"><tr><th>record</th><th>name</th><th>IC</th><th>other id</th><th>birth date</th><th>sex</th><th>postcode</th><th>phone</th></tr>"#);
    for &i in p.records.iter().take(MAX_CLUSTER_RECORDS) {
        let _ = write!(s, "<tr><td>{}</td>", record_label(input.ing, i));
        for f in ["name", "ic", "other_id", "dob", "sex", "postcode", "phone"] {
            let _ = write!(s, "<td>{}</td>", escape(&shown(input.ing, i, f)));
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>");
    if p.records.len() > MAX_CLUSTER_RECORDS {
        let _ = write!(
            s,
            r#"<p class="muted">{} more records (see <code>crosswalk.csv</code>).</p>"#,
            p.records.len() - MAX_CLUSTER_RECORDS
        );
    }
    let _ = write!(
        s,
        "<h3>Edges within the cluster ({} scored pairs; match edges first, strongest first)</h3>",
        edges.len()
    );
    for &e in edges.iter().take(MAX_CLUSTER_EDGES) {
        let sp = &input.scored[e];
        let _ = write!(
            s,
            r#"<details class="edge"><summary>{} ~ {}: {} · weight {:.2} · probability {:.4}</summary>"#,
            record_label(input.ing, sp.a),
            record_label(input.ing, sp.b),
            sp.decision.label(),
            sp.weight,
            probability(sp.weight)
        );
        waterfall(s, input, sp);
        s.push_str("</details>");
    }
    if edges.len() > MAX_CLUSTER_EDGES {
        let _ = write!(
            s,
            r#"<p class="muted">{} more pairs: <code>padan explain --person {}</code>.</p>"#,
            edges.len() - MAX_CLUSTER_EDGES,
            escape(&p.id)
        );
    }
    s.push_str("</details>");
}

fn clusters_section(s: &mut String, input: &ReportInput) {
    let reg = input.reg;
    let max_size = reg
        .persons
        .iter()
        .map(|p| p.records.len())
        .max()
        .unwrap_or(0);
    const EXACT: usize = 15;
    let mut sizes = vec![0u64; max_size.min(EXACT + 1) + 1];
    let mut conflicts: Vec<(usize, Conflict)> = Vec::new();
    let (mut n_ic, mut n_sex, mut n_dob) = (0u64, 0u64, 0u64);
    for (i, p) in reg.persons.iter().enumerate() {
        sizes[p.records.len().min(EXACT + 1)] += 1;
        let c = p.golden.conflict;
        if c.any() {
            n_ic += (c.valid_ics > 1) as u64;
            n_sex += c.mixed_sex as u64;
            n_dob += (c.dob_spread_days > DOB_SPREAD_DAYS) as u64;
            conflicts.push((i, c));
        }
    }
    s.push_str(r#"<section id="clusters"><h2>Clusters</h2><h3>Cluster sizes</h3><table id="cluster-sizes"><tr><th class="n">records</th><th class="n">persons</th></tr>"#);
    let bars: Vec<Bar> = sizes
        .iter()
        .enumerate()
        .skip(1)
        .map(|(n, &v)| Bar {
            label: if n > EXACT {
                format!("{}+", EXACT + 1)
            } else {
                n.to_string()
            },
            value: v,
            class: "plain",
        })
        .collect();
    for b in &bars {
        let _ = write!(
            s,
            r#"<tr><td class="n">{}</td><td class="n" data-value="{}">{}</td></tr>"#,
            b.label,
            b.value,
            num(b.value)
        );
    }
    s.push_str("</table>");
    s.push_str(&bar_chart(
        "chart-cluster-sizes",
        "Persons by number of records",
        &bars,
        &[],
        "records per person",
    ));

    let by_size = size_order(reg);
    let largest = largest_clusters(reg);
    let n_conflicts = conflicts.len();
    first_in_order(&mut conflicts, MAX_CLUSTERS, |(a, _), (b, _)| by_size(a, b));

    // The edges of the listed clusters, in one pass over the pairs.
    let mut edges: AHashMap<u32, Vec<usize>> = AHashMap::new();
    for &i in largest.iter().chain(conflicts.iter().map(|(i, _)| i)) {
        edges.entry(i as u32).or_default();
    }
    for (e, p) in input.scored.iter().enumerate() {
        let pa = reg.person_of[p.a as usize];
        if pa == reg.person_of[p.b as usize] {
            if let Some(v) = edges.get_mut(&pa) {
                v.push(e);
            }
        }
    }
    for v in edges.values_mut() {
        v.sort_by(|&x, &y| {
            let (x, y) = (&input.scored[x], &input.scored[y]);
            (x.decision != Decision::Match)
                .cmp(&(y.decision != Decision::Match))
                .then(y.weight.total_cmp(&x.weight))
        });
    }

    let _ = write!(
        s,
        r#"<h3 id="largest-clusters">Largest clusters (top {} of {} persons with several records)</h3>"#,
        largest.len(),
        num(input.summary.persons_with_several_records)
    );
    for &i in &largest {
        let c = reg.persons[i].golden.conflict;
        cluster_details(s, input, i, &c, &edges[&(i as u32)]);
    }
    let _ = write!(
        s,
        r#"<h3 id="conflict-clusters">Clusters with conflicts ({} clusters: {} with two valid ICs, {} with mixed sexes, {} with birth dates more than {} days apart; the largest {} shown)</h3>"#,
        num(n_conflicts as u64),
        num(n_ic),
        num(n_sex),
        num(n_dob),
        DOB_SPREAD_DAYS,
        conflicts.len()
    );
    if conflicts.is_empty() {
        s.push_str(r#"<p class="muted">None.</p>"#);
    }
    for (i, c) in &conflicts {
        cluster_details(s, input, *i, c, &edges[&(*i as u32)]);
    }
    s.push_str("</section>");
}

fn review_section(s: &mut String, input: &ReportInput) {
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
        r#"<section id="review"><h2>Review queue</h2><p>{} pairs in the review band (weight from {:.2} up to the match threshold {:.2}, and matches a constraint refused); the {} highest weights are shown side by side. Decide them in <code>review.csv</code> (<code>same</code> or <code>different</code>) and pass it back with <code>--decisions</code>.</p>"#,
        num(input.summary.review_pairs),
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
            escape(&shown(input.ing, p.a, "name")),
            record_label(input.ing, p.b),
            escape(&shown(input.ing, p.b, "name")),
        );
        waterfall(s, input, p);
        s.push_str("</details>");
    }
    s.push_str("</section>");
}

fn changes_section(s: &mut String, input: &ReportInput) {
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

fn warnings_section(s: &mut String, input: &ReportInput) {
    let sm = input.summary;
    let _ = write!(
        s,
        r#"<section id="warnings"><h2>Warnings ({})</h2>"#,
        sm.warnings.len()
    );
    if sm.warnings.is_empty() {
        s.push_str(r#"<p class="muted">None.</p>"#);
    } else {
        s.push_str(r#"<ul id="warning-list">"#);
        for w in &sm.warnings {
            let _ = write!(s, r#"<li class="warn">{}</li>"#, h(w));
        }
        s.push_str("</ul>");
    }
    if !sm.large_blocks.is_empty() {
        s.push_str(r#"<h3>Largest blocks (each record compared with its nearest neighbours only)</h3><table id="large-blocks"><tr><th>rule</th><th>key</th><th class="n">records</th></tr>"#);
        for o in sm.large_blocks.iter().take(100) {
            let _ = write!(
                s,
                r#"<tr><td>{}</td><td><code>{}</code></td><td class="n">{}</td></tr>"#,
                h(&o.rule),
                h(&o.key),
                num(o.size)
            );
        }
        s.push_str("</table>");
    }
    s.push_str("</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_counts_from_agency_bits_equal_those_from_record_lists() {
        use crate::register::{Person, Register};
        // Persons of one to four records over agencies, some repeated within a person; the
        // records of a person are spread (not adjacent), as after sorting by id.
        let records_of: Vec<Vec<u32>> = (0..200u32)
            .map(|p| (0..1 + p % 4).map(|j| j * 200 + p).collect())
            .collect();
        let n_records = 800;
        let mut person_of = vec![u32::MAX; n_records];
        for (p, recs) in records_of.iter().enumerate() {
            for &r in recs {
                person_of[r as usize] = p as u32;
            }
        }
        let used: Vec<usize> = (0..n_records)
            .filter(|&r| person_of[r] != u32::MAX)
            .collect();
        let reg = Register {
            persons: records_of
                .into_iter()
                .map(|records| Person {
                    records,
                    ..Default::default()
                })
                .collect(),
            person_of: used.iter().map(|&r| person_of[r]).collect(),
            kept: Vec::new(),
        };
        // Records renumbered densely, as a run numbers them.
        let reg = {
            let new_of = |r: u32| used.binary_search(&(r as usize)).unwrap() as u32;
            let persons = reg
                .persons
                .into_iter()
                .map(|p| Person {
                    records: p.records.into_iter().map(new_of).collect(),
                    ..p
                })
                .collect();
            Register { persons, ..reg }
        };
        for k in [1usize, 3, 64] {
            let agency: Vec<u32> = (0..reg.person_of.len() as u32)
                .map(|r| (r * 7 + r / 3) % k as u32)
                .collect();
            let (both, by_count) = overlap_counts(&reg, &agency, k);
            assert_eq!(
                (both.clone(), by_count.clone()),
                overlap_counts_of_lists(&reg, &agency, k),
                "{k} agencies"
            );
            assert_eq!(by_count.iter().sum::<u64>(), reg.persons.len() as u64);
            let with = |a: usize| {
                reg.persons
                    .iter()
                    .filter(|p| p.records.iter().any(|&r| agency[r as usize] as usize == a))
                    .count() as u64
            };
            for a in 0..k {
                assert_eq!(both[a * k + a], with(a), "agency {a} of {k}");
            }
        }
        // A register that does not give each record's person: counted from the lists.
        let bare = Register {
            persons: reg.persons.clone(),
            ..Default::default()
        };
        let agency: Vec<u32> = (0..reg.person_of.len() as u32).map(|r| r % 5).collect();
        assert_eq!(
            overlap_counts(&bare, &agency, 5),
            overlap_counts_of_lists(&reg, &agency, 5)
        );
        // More agencies than bits: counted from the lists.
        let agency: Vec<u32> = (0..reg.person_of.len() as u32).map(|r| r % 100).collect();
        assert_eq!(
            overlap_counts(&reg, &agency, 100),
            overlap_counts_of_lists(&reg, &agency, 100)
        );
    }

    #[test]
    fn the_largest_clusters_listed_are_those_a_whole_sort_puts_first() {
        use crate::register::Person;
        // Many clusters tied at each size, sizes 1 to 6, ids out of order.
        for n in [0usize, 5, 40, 400] {
            let reg = Register {
                persons: (0..n)
                    .map(|i| Person {
                        id: format!("P{:03}", (i * 37) % 1000).into(),
                        records: vec![0; 1 + (i * 7) % 6],
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            };
            let mut want: Vec<usize> = (0..n)
                .filter(|&i| reg.persons[i].records.len() > 1)
                .collect();
            want.sort_by(size_order(&reg));
            want.truncate(MAX_CLUSTERS);
            assert_eq!(largest_clusters(&reg), want, "{n} persons");
        }
    }

    #[test]
    fn the_first_in_order_are_those_a_whole_sort_puts_first() {
        // Many ties on the first key, broken by the second, as sizes and ids are.
        let v: Vec<(u32, u32)> = (0..500u32).map(|i| ((i * 7919) % 13, i)).collect();
        let cmp = |a: &(u32, u32), b: &(u32, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        for n in [0, 1, 30, 499, 500, 600] {
            let mut whole = v.clone();
            whole.sort_by(cmp);
            whole.truncate(n);
            let mut first = v.clone();
            first_in_order(&mut first, n, cmp);
            assert_eq!(first, whole, "{n}");
        }
    }

    use std::path::Path;

    use crate::config::Config;
    use crate::ingest::Record;
    use crate::mask::is_digit;
    use crate::normalise::NormRecord;
    use crate::register::Person;
    use crate::{block, cluster, ingest, normalise, pipeline, register, score};

    struct Run {
        summary: Summary,
        ing: Ingested,
        norm: Vec<NormRecord>,
        names: Vec<u64>,
        reg: Register,
        scored: Vec<Scored>,
        model: Model,
    }

    impl Run {
        fn input(&self) -> ReportInput<'_> {
            ReportInput {
                summary: &self.summary,
                ing: &self.ing,
                names: &self.names,
                reg: &self.reg,
                scored: &self.scored,
                model: &self.model,
            }
        }
    }

    /// The demo run: its summary from `pipeline::run`, and the stages again for the rest.
    fn demo() -> Run {
        let dir = tempfile::tempdir().unwrap();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/padan.toml");
        let mut config = Config::load(&path).unwrap();
        config.out = dir.path().join("out");
        let (summary, _) = pipeline::run(&config).unwrap();
        let ing = ingest::read_all(&config).unwrap();
        let (norm, _) =
            normalise::all(&ing, chrono::Local::now().date_naive(), &Default::default());
        let links = normalise::linkable::all(&norm);
        let blocking = block::candidates(&links, config.block.limits());
        let packed = score::pack_all(&norm);
        let names = score::names(&packed);
        let levels = score::levels_all(&links, &packed, &blocking.pairs, &Default::default());
        let em = config.score.em && norm.len() >= score::EM_MIN_RECORDS;
        let model = if em {
            let samples: Vec<_> = block::RULES
                .iter()
                .zip(&blocking.samples)
                .map(|(r, pairs)| {
                    (
                        r.uses,
                        score::levels_all(&links, &packed, pairs, &Default::default()).to_vec(),
                    )
                })
                .collect();
            Model::fit(&links, &packed, &blocking.pairs, &levels, &samples, &[])
        } else {
            Model::fixed()
        };
        let thresholds = config.score.thresholds(em);
        let mut scored = score::score_all(&names, &blocking.pairs, &levels, &model, &thresholds);
        scored.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then((a.a, a.b).cmp(&(b.a, b.b)))
        });
        let constraints = crate::pipeline::constraints(&config, &ing, &links);
        let clustering = cluster::constrained(norm.len(), &scored, &constraints);
        for &i in &clustering.refused {
            scored[i].decision = Decision::Review;
        }
        let reg = register::build(&ing, &norm, &clustering.labels, None);
        assert_eq!(reg.persons.len() as u64, summary.persons);
        assert_eq!(scored.len() as u64, summary.pairs_written);
        Run {
            summary,
            ing,
            norm,
            names,
            reg,
            scored,
            model,
        }
    }

    /// The page with every person id (`P` and 16 hex digits) taken out: hex ids may hold
    /// digit runs.
    fn without_ids(page: &str) -> String {
        let b = page.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'P'
                && i + 17 <= b.len()
                && b[i + 1..i + 17].iter().all(|c| c.is_ascii_hexdigit())
            {
                out.push(b'P');
                i += 17;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    fn longest_digit_run(s: &str) -> usize {
        let (mut best, mut cur) = (0, 0);
        for c in s.chars() {
            if is_digit(c) {
                cur += 1;
                best = best.max(cur);
            } else {
                cur = 0;
            }
        }
        best
    }

    /// `data-value` of the element with this id.
    fn value_of(page: &str, id: &str) -> u64 {
        let at = page.find(&format!(r#"id="{id}" data-value=""#)).unwrap();
        let rest = &page[at + id.len() + 18..];
        rest[..rest.find('"').unwrap()].parse().unwrap()
    }

    #[test]
    fn no_birth_date_shows_whole_beside_a_masked_ic() {
        let run = demo();
        let page = render(&run.input());
        let mut shown_years = 0;
        for (i, r) in run.norm.iter().enumerate() {
            if let Some(d) = r.dob {
                assert!(!page.contains(&d.to_string()), "birth date of record {i}");
            }
            let raw = run.ing.value(i, Field::Dob).unwrap_or("");
            if raw.chars().filter(char::is_ascii_digit).count() >= 6 {
                assert!(!page.contains(raw), "raw birth date of record {i}: {raw}");
                shown_years += page.contains(&escape(&mask::value("dob", raw))) as usize;
            }
        }
        assert!(shown_years > 0, "birth dates are shown, as their year");
        // The rejected rows' examples: the masked raw text (each example's last `<code>`)
        // shows no digit, so not a row's IC, phone and birth date side by side.
        let rejects = &page[page.find(r#"id="rejects""#).unwrap()..];
        let rejects = &rejects[..rejects.find("</section>").unwrap()];
        let mut examples = 0;
        for ex in rejects.split(r#"<div class="example">"#).skip(1) {
            let ex = &ex[..ex.find("</div>").unwrap()];
            let code = &ex[ex.rfind("<code>").unwrap() + 6..ex.rfind("</code>").unwrap()];
            assert!(!code.chars().any(is_digit), "{code}");
            examples += 1;
        }
        assert!(examples > 0);
    }

    #[test]
    fn demo_report_has_every_section_and_the_summary_numbers() {
        let mut run = demo();
        // A hostile name on a record of the largest cluster.
        let largest = run
            .reg
            .persons
            .iter()
            .max_by_key(|p| (p.records.len(), std::cmp::Reverse(p.id.clone())))
            .unwrap();
        let r0 = largest.records[0] as usize;
        run.ing.records[r0].set(Field::FullName, "D'Cruz & <script>alert(1)</script>");
        let page = render(&run.input());
        if let Some(out) = std::env::var_os("PADAN_REPORT_OUT") {
            std::fs::write(out, &page).unwrap();
        }
        let sm = &run.summary;

        for id in [
            r#"id="run""#,
            r#"id="rejects""#,
            r#"id="rejects-by-reason""#,
            r#"id="records-by-source""#,
            r#"id="overlap-matrix""#,
            r#"id="agencies-per-person""#,
            r#"id="chart-agencies""#,
            r#"id="model-table""#,
            r#"id="chart-weights""#,
            r#"class="rule match""#,
            r#"class="rule review""#,
            r#"id="cluster-sizes""#,
            r#"id="chart-cluster-sizes""#,
            r#"id="largest-clusters""#,
            r#"id="conflict-clusters""#,
            r#"<details class="cluster""#,
            r#"<details class="edge""#,
            r#"class="waterfall side""#,
            r#"id="review""#,
            r#"<details class="pair""#,
            r#"id="warnings""#,
            r#"id="changes""#,
            r#"id="stage-seconds""#,
            r#"<nav class="toc">"#,
        ] {
            assert!(page.contains(id), "missing {id}");
        }
        for (id, v) in [
            ("records_in", sm.records_in),
            ("records_accepted", sm.records_accepted),
            ("records_rejected", sm.records_rejected),
            ("persons", sm.persons),
            ("records_merged", sm.records_merged),
            ("candidate_pairs", sm.candidate_pairs),
            ("match_pairs", sm.match_pairs),
            ("review_pairs", sm.review_pairs),
            ("warnings", sm.warnings.len() as u64),
        ] {
            assert_eq!(value_of(&page, id), v, "{id}");
        }
        for (reason, n) in &sm.rejects_by_reason {
            assert!(
                page.contains(&format!(
                    r#"<td>{}</td><td class="n" data-value="{n}">"#,
                    h(reason)
                )),
                "reject reason {reason}"
            );
        }
        for (src, n) in &sm.records_by_source {
            assert!(
                page.contains(&format!(
                    r#"<td>{}</td><td class="n" data-value="{n}">"#,
                    h(src)
                )),
                "source {src}"
            );
            // The diagonal of the overlap matrix: persons with a record of the source.
            let persons = run
                .reg
                .persons
                .iter()
                .filter(|p| p.sources.iter().any(|s| s == src))
                .count();
            assert!(page.contains(&format!(r#"<td class="diag" data-value="{persons}">"#)));
        }
        // Persons by number of agencies add up to the persons.
        let sec = &page[page.find(r#"id="agencies-per-person""#).unwrap()..];
        let sec = &sec[..sec.find("</table>").unwrap()];
        let total: u64 = sec
            .split(r#"data-value=""#)
            .skip(1)
            .map(|x| x[..x.find('"').unwrap()].parse::<u64>().unwrap())
            .sum();
        assert_eq!(total, sm.persons);
        // One row per possible number of agencies: up to the agencies that have persons.
        let agencies: std::collections::BTreeSet<&str> = run
            .reg
            .persons
            .iter()
            .flat_map(|p| p.sources.iter().map(|s| s.as_str()))
            .collect();
        assert_eq!(sec.matches("<tr><td").count(), agencies.len());
        // Every comparison level is in the model table.
        for c in COMPARISONS.iter() {
            for l in c.levels {
                assert!(page.contains(&format!("<td>{}</td>", l.label)));
            }
        }

        // Self-contained, escaped, masked.
        for bad in [
            "http://", "https://", "//cdn", "<link", "src=", "@import", "url(",
        ] {
            assert!(!page.contains(bad), "found {bad}");
        }
        assert!(page.contains("D&#39;Cruz &amp; &lt;script&gt;"));
        assert!(!page.contains("<script>alert"));
        assert_eq!(page.matches("<script>").count(), 1);
        let stripped = without_ids(&page);
        assert!(
            longest_digit_run(&stripped) < 12,
            "a 12-digit run in the page"
        );
        for (i, r) in run.norm.iter().enumerate() {
            if let Some(ic) = &r.ic {
                assert!(!stripped.contains(ic.digits.as_str()), "IC of record {i}");
                if let Some(raw) = run.ing.value(i, Field::Ic) {
                    if raw.chars().filter(|c| c.is_ascii_digit()).count() >= 9 {
                        assert!(!stripped.contains(raw), "raw IC of record {i}");
                    }
                }
            }
        }
        assert!(page.contains("******-**-"), "masked ICs are shown");
    }

    /// A headless Chromium, if one can be had: `PADAN_CHROMIUM`, else `chromium`,
    /// `chromium-browser` or `google-chrome` on the PATH.
    fn chromium() -> Option<String> {
        let candidates = std::env::var("PADAN_CHROMIUM")
            .ok()
            .into_iter()
            .chain(["chromium", "chromium-browser", "google-chrome"].map(String::from));
        candidates.into_iter().find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    }

    /// Checks run inside the page in the browser; the result lands in `data-test` on `body`.
    const BROWSER_CHECKS: &str = r#"<script>
window.addEventListener('load', function () {
  var r = [];
  function ok(name, v) { r.push(name + '=' + (v ? 1 : 0)); }
  var m = document.getElementById('overlap-matrix');
  ok('matrix', m && m.getBoundingClientRect().height > 20 && m.querySelectorAll('td').length > 0);
  var h = document.getElementById('chart-weights');
  ok('histogram', h && h.getBoundingClientRect().width > 50 && h.querySelectorAll('rect.bar').length > 0
     && h.querySelectorAll('line.rule').length === 2);
  var d = document.querySelector('details.cluster');
  var closed = d && !d.open;
  d.querySelector('summary').click();
  ok('expand', closed && d.open && d.querySelector('table.records').getBoundingClientRect().height > 0);
  ok('tools', !document.getElementById('tools').hidden);
  document.getElementById('expand-all').click();
  ok('expand_all', Array.prototype.every.call(document.querySelectorAll('details'), function (x) { return x.open; }));
  document.body.setAttribute('data-test', r.join(' '));
});
</script></body>"#;

    #[test]
    fn the_report_works_in_a_real_browser() {
        let Some(browser) = chromium() else {
            eprintln!(
                "SKIPPED the_report_works_in_a_real_browser: no Chromium found (install Debian's `chromium`, or set PADAN_CHROMIUM)"
            );
            return;
        };
        let run = demo();
        let page = render(&run.input());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.html");
        std::fs::write(&file, page.replace("</body>", BROWSER_CHECKS)).unwrap();
        let url = format!("file://{}", file.display());
        let chrome = |extra: &[String]| {
            let out = std::process::Command::new(&browser)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--enable-logging=stderr",
                    "--v=0",
                    "--window-size=1280,2000",
                ])
                .arg(format!(
                    "--user-data-dir={}",
                    dir.path().join("profile").display()
                ))
                .args(extra)
                .arg(&url)
                .output()
                .unwrap();
            assert!(out.status.success(), "{browser} failed: {:?}", out.status);
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let (dom, log) = chrome(&["--dump-dom".to_string()]);
        let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
        assert!(console.is_empty(), "console messages: {console:#?}");
        assert!(
            dom.contains(r#"data-test="matrix=1 histogram=1 expand=1 tools=1 expand_all=1""#),
            "in-page checks failed: {:?}",
            dom.find("data-test=")
                .map(|i| &dom[i..(i + 120).min(dom.len())])
        );
        let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-screenshot.png");
        std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
        chrome(&[format!("--screenshot={}", shot.display())]);
        let png = std::fs::read(&shot).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
        eprintln!("screenshot of the report: {}", shot.display());
    }

    /// A synthetic run of `n` persons of two records each, every pair in review.
    fn large(n: usize) -> Run {
        let ing = Ingested {
            sources: (0..3)
                .map(|i| crate::ingest::SourceInfo {
                    name: format!("agency{i}"),
                    spec: i,
                    priority: i as i64,
                    dates: vec![],
                })
                .collect(),
            records: (0..2 * n)
                .map(|i| {
                    let mut r = Record::new((i % 3) as u16, i as u64 + 2, format!("R{i}"));
                    r.set(Field::FullName, &format!("PERSON {i}"));
                    r.set(
                        Field::Ic,
                        &format!("{:06}14{:04}", 850101 + i % 28, i % 10000),
                    );
                    r
                })
                .collect(),
            ..Default::default()
        };
        let norm = vec![NormRecord::default(); 2 * n];
        let names = vec![0u64; 2 * n];
        let persons: Vec<Person> = (0..n)
            .map(|p| {
                let records = vec![2 * p as u32, 2 * p as u32 + 1];
                let mut sources: Vec<crate::normalise::Text> = records
                    .iter()
                    .map(|&i| {
                        ing.sources[ing.records[i as usize].source as usize]
                            .name
                            .as_str()
                            .into()
                    })
                    .collect();
                sources.sort_unstable();
                sources.dedup();
                Person {
                    id: register::person_id("agency0", &format!("R{}", 2 * p)),
                    records,
                    sources,
                    ..Default::default()
                }
            })
            .collect();
        let reg = Register {
            person_of: (0..2 * n as u32).map(|i| i / 2).collect(),
            persons,
            kept: Vec::new(),
        };
        let scored: Vec<Scored> = (0..n as u32)
            .map(|p| Scored {
                a: 2 * p,
                b: 2 * p + 1,
                weight: 5.0 + (p % 100) as f64 / 100.0,
                levels: [7, 4, 0, 0, 0, 0, 0, 0, 0],
                decision: Decision::Review,
            })
            .collect();
        let model = Model::fixed();
        let summary = Summary {
            padan_version: "test",
            generation: 7,
            config: "padan.toml".into(),
            records_in: 2 * n as u64,
            records_accepted: 2 * n as u64,
            records_rejected: 0,
            rejects_by_reason: Default::default(),
            files: vec![],
            records_by_source: Default::default(),
            persons: n as u64,
            persons_with_several_records: n as u64,
            records_merged: n as u64,
            candidate_pairs: n as u64,
            pairs_written: n as u64,
            match_pairs: 0,
            review_pairs: n as u64,
            refused_match_pairs: 0,
            data_quality: Default::default(),
            linking: Default::default(),
            changes: [("new", n as u64)].into_iter().collect(),
            decisions: None,
            blocking: vec![],
            large_blocks: vec![],
            thresholds: crate::config::Thresholds {
                match_weight: 9.0,
                review_weight: 4.0,
                pairs_floor: -2.0,
            },
            model: crate::summary::ModelSummary {
                comparisons: &COMPARISONS,
                model: model.clone(),
            },
            stage_seconds: Default::default(),
            peak_memory_bytes: None,
            stage_peak_memory_bytes: Default::default(),
            threads: 1,
            warnings: vec!["key 850312145567 too big".into()],
        };
        Run {
            summary,
            ing,
            norm,
            names,
            reg,
            scored,
            model,
        }
    }

    #[test]
    fn the_page_stays_small_for_large_inputs() {
        let run = large(200_000);
        let page = render(&run.input());
        eprintln!("report of 400,000 records: {} bytes", page.len());
        assert!(page.len() < 3_000_000, "{} bytes", page.len());
        assert_eq!(page.matches(r#"<details class="pair""#).count(), MAX_REVIEW);
        assert_eq!(
            page.matches(r#"<details class="cluster""#).count(),
            MAX_CLUSTERS
        );
        assert_eq!(value_of(&page, "review_pairs"), 200_000);
        assert!(
            page.contains(r#"<tr><td>new</td><td class="n" data-value="200000">200,000</td></tr>"#)
        );
        let stripped = without_ids(&page);
        assert!(longest_digit_run(&stripped) < 12);
        assert!(!stripped.contains("850312145567"));
        // Highest weight first.
        let review = &page[page.find(r#"<section id="review">"#).unwrap()..];
        let weights: Vec<f64> = review
            .split("</b></summary>")
            .filter_map(|x| x.split(" · weight ").nth(1))
            .map(|x| x[..x.find(' ').unwrap()].parse().unwrap())
            .collect();
        assert_eq!(weights.len(), MAX_REVIEW);
        assert!(weights.windows(2).all(|w| w[0] >= w[1]));
        assert_eq!(weights[0], 5.99);
    }

    #[test]
    fn an_empty_run_renders() {
        let run = large(0);
        let page = render(&run.input());
        assert_eq!(value_of(&page, "persons"), 0);
        assert!(page.contains("No pairs were scored."));
        assert!(page.contains("No pairs to review."));
        assert!(page.ends_with("</html>\n"));
    }

    #[test]
    fn escape_and_numbers() {
        assert_eq!(
            escape(r#"D'Cruz & <b>"Lim"</b>"#),
            "D&#39;Cruz &amp; &lt;b&gt;&quot;Lim&quot;&lt;/b&gt;"
        );
        assert_eq!(num(1234567), "1,234,567");
        assert_eq!(num(12), "12");
    }
}
