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
//!
//! `page` holds the page's frame (head, header, contents) and its text helpers, `chart` the SVG
//! bar chart, `pair` how one scored pair is shown, and `sections` one module per section, in
//! the page's order; the CSS and JavaScript are `style.css` and `script.js` beside them.

mod chart;
mod page;
mod pair;
mod sections;
#[cfg(test)]
mod tests;

use crate::ingest::Ingested;
use crate::qa::labels::Kept;
use crate::register::Register;
use crate::score::{Model, Scored};
use crate::summary::Summary;

pub use page::escape;
use sections::{
    changes, clusters, model, overlap, qa, quality, rejects, review, run, sources, warnings,
    weights,
};

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
    /// Every record's name for the model's name frequencies (`score::Comparable::names`).
    pub names: &'a [u64],
    pub reg: &'a Register,
    pub scored: &'a [Scored],
    pub model: &'a Model,
    /// The store's estimates from clerical samples, oldest first (`qa::labels::history`).
    pub qa: &'a [Kept],
}

impl<'a> ReportInput<'a> {
    /// A run's report input: its model is the summary's.
    pub fn of_run(
        summary: &'a Summary,
        ing: &'a Ingested,
        names: &'a [u64],
        reg: &'a Register,
        scored: &'a [Scored],
        qa: &'a [Kept],
    ) -> ReportInput<'a> {
        ReportInput {
            summary,
            ing,
            names,
            reg,
            scored,
            model: &summary.model.model,
            qa,
        }
    }
}

/// Renders the report.
pub fn render(input: &ReportInput) -> String {
    finish(input, &render_tail(input))
}

/// The report's sections after the run's: all but what depends on the write stage's seconds
/// and the run's peak memory, so that a run renders them while its files are written.
pub fn render_tail(input: &ReportInput) -> String {
    let mut s = String::with_capacity(256 * 1024);
    rejects::section(&mut s, input);
    quality::section(&mut s, input);
    sources::section(&mut s, input);
    overlap::section(&mut s, input);
    model::section(&mut s, input);
    weights::section(&mut s, input);
    clusters::section(&mut s, input);
    review::section(&mut s, input);
    qa::section(&mut s, input);
    warnings::section(&mut s, input);
    changes::section(&mut s, input);
    page::end(&mut s);
    s
}

/// A page of its own for the estimates from clerical samples (`padan qa estimate` writes it
/// beside the estimate; the next run's report has the same section).
pub fn qa_page(history: &[Kept]) -> String {
    let mut s = String::with_capacity(32 * 1024);
    let title = match history.last() {
        Some(k) => format!("padan — how good is generation {:06}", k.generation),
        None => "padan — how good is the register".to_string(),
    };
    page::start_bare(&mut s, &title);
    qa::section_of(&mut s, history);
    page::end(&mut s);
    s
}

/// The whole report: its head and the run's section, then `tail` (`render_tail`).
pub fn finish(input: &ReportInput, tail: &str) -> String {
    let mut s = String::with_capacity(tail.len() + 64 * 1024);
    page::start(&mut s, input);
    run::section(&mut s, input);
    s.push_str(tail);
    s
}
