//! Analysts' decisions: pairs of records marked `same` or `different`, kept in the store.
//!
//! Reads: the decisions the store kept (the current generation's `decisions.csv`), then, if
//! given, a CSV from an analyst with columns `source_l,record_id_l,source_r,record_id_r,decision`
//! (as in `review.csv`, whose other columns are ignored; a UTF-8 BOM is accepted), or a labelled
//! `qa.csv` (its `label` column, `unsure` left undecided). A new
//! decision replaces a kept one on the same pair; `clear` removes it; a blank decision is
//! skipped (the analyst has not decided yet). Writes: must-link and cannot-link pairs of
//! record indices, the merged decisions for the new generation to keep, and a warning for each
//! line of the analyst's file that names an unknown record or holds another word. A bad line
//! never stops a run. A kept decision whose records are absent from a run stays kept (the
//! records may come back) but does not apply.

use std::collections::BTreeMap;
use std::path::Path;

use ahash::AHashMap;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::ingest::Ingested;
use crate::spreadsheet::{raw_cell, read_filled, safe_row};

/// The file in each generation that keeps the decisions in force.
pub const STORED: &str = "decisions.csv";

/// A record named by its source and id.
type Key = (String, String);

#[derive(Debug, Default, Serialize)]
pub struct Decisions {
    #[serde(skip)]
    pub same: Vec<(u32, u32)>,
    #[serde(skip)]
    pub different: Vec<(u32, u32)>,
    /// The analyst's file read by this run, if any.
    pub file: Option<String>,
    /// Decisions kept by the store from earlier runs (before this run's file was applied).
    pub stored: u64,
    pub applied_same: u64,
    pub applied_different: u64,
    /// Kept decisions whose records are not all in this run (not applied, still kept).
    pub kept_not_applied: u64,
    pub cleared: u64,
    pub undecided: u64,
    pub ignored: u64,
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// The decisions in force after this run, for the new generation to keep.
    #[serde(skip)]
    pub book: BTreeMap<(Key, Key), String>,
}

/// The rows of a decisions file: line number, left record, right record, decision (trimmed,
/// lower-case).
fn rows(path: &Path) -> Result<Vec<(usize, Key, Key, String)>> {
    let (headers, rows) = read_filled(path)?;
    let col = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
            Error::Config(format!(
                "{}: no `{name}` column; a decisions file has source_l,record_id_l,source_r,record_id_r,decision",
                path.display()
            ))
        })
    };
    // A labelled `qa.csv` (`padan qa`) holds its decisions as `label`.
    let decision = match col("decision") {
        Err(_) if headers.iter().any(|h| h.trim() == "label") => col("label")?,
        found => found?,
    };
    let cols = [
        col("source_l")?,
        col("record_id_l")?,
        col("source_r")?,
        col("record_id_r")?,
        decision,
    ];
    let mut out = Vec::new();
    for (line, row) in rows {
        let get = |i: usize| row.get(cols[i]).unwrap_or("").trim();
        // A record as padan wrote it in `review.csv` or `decisions.csv`: `raw_cell` gives back
        // an id written with a `'` in front.
        let key = |i: usize| {
            (
                raw_cell(get(i)).to_string(),
                raw_cell(get(i + 1)).to_string(),
            )
        };
        out.push((line, key(0), key(2), get(4).to_ascii_lowercase()));
    }
    Ok(out)
}

/// A pair in one order whichever way it was written.
fn canonical(a: Key, b: Key) -> (Key, Key) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// The decisions in force for this run: those the store kept (in `previous`, the previous
/// generation's folder, if it has the file) updated by the analyst's `file`, resolved against
/// the ingested records. `None` when there are neither.
pub fn load(
    previous: Option<&Path>,
    file: Option<&Path>,
    ing: &Ingested,
) -> Result<Option<Decisions>> {
    let stored = previous.map(|dir| dir.join(STORED)).filter(|p| p.is_file());
    if stored.is_none() && file.is_none() {
        return Ok(None);
    }
    let mut index: AHashMap<(&str, &str), u32> = AHashMap::with_capacity(ing.records.len());
    for (i, rec) in ing.records.iter().enumerate() {
        index.insert(
            (
                ing.sources[rec.source as usize].name.as_str(),
                rec.record_id.as_str(),
            ),
            i as u32,
        );
    }
    let find = |k: &Key| index.get(&(k.0.as_str(), k.1.as_str())).copied();
    let mut d = Decisions {
        file: file.map(|p| p.display().to_string()),
        ..Default::default()
    };
    if let Some(stored) = &stored {
        for (_, a, b, decision) in rows(stored)? {
            if decision == "same" || decision == "different" {
                d.book.insert(canonical(a, b), decision);
            }
        }
        d.stored = d.book.len() as u64;
    }
    if let Some(path) = file {
        for (line, a, b, decision) in rows(path)? {
            let at = || format!("{}: line {line}", path.display());
            match decision.as_str() {
                // A clerk's `unsure` (`qa.csv`) decides nothing.
                "" | "unsure" => d.undecided += 1,
                "clear" => {
                    if d.book.remove(&canonical(a, b)).is_some() {
                        d.cleared += 1;
                    }
                }
                "same" | "different" => match (find(&a), find(&b)) {
                    (Some(_), Some(_)) => {
                        d.book.insert(canonical(a, b), decision);
                    }
                    (x, _) => {
                        d.ignored += 1;
                        let missing = if x.is_none() { &a } else { &b };
                        // Some agencies use the IC as their record id.
                        d.warnings.push(format!(
                            "{}: no record {}:{} in this run; decision ignored",
                            at(),
                            missing.0,
                            crate::mask::guard(&missing.1)
                        ));
                    }
                },
                other => {
                    d.ignored += 1;
                    d.warnings.push(format!(
                        "{}: decision `{other}` is neither `same`, `different` nor `clear`; ignored",
                        at()
                    ));
                }
            }
        }
    }
    for ((a, b), decision) in &d.book {
        match (find(a), find(b)) {
            (Some(x), Some(y)) if decision == "same" => {
                d.same.push((x, y));
                d.applied_same += 1;
            }
            (Some(x), Some(y)) => {
                d.different.push((x, y));
                d.applied_different += 1;
            }
            _ => d.kept_not_applied += 1,
        }
    }
    Ok(Some(d))
}

/// Writes the decisions in force as CSV (`source_l,record_id_l,source_r,record_id_r,decision`),
/// each cell through `spreadsheet::safe_cell`.
pub fn write<W: std::io::Write>(d: &Decisions, w: W) -> csv::Result<W> {
    let mut w = csv::Writer::from_writer(w);
    w.write_record([
        "source_l",
        "record_id_l",
        "source_r",
        "record_id_r",
        "decision",
    ])?;
    for ((a, b), decision) in &d.book {
        safe_row(
            &mut w,
            [&a.0, &a.1, &b.0, &b.1, decision].map(String::as_str),
        )?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
