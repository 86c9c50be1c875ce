//! Analysts' decisions: pairs of records marked `same` or `different`.
//!
//! Reads: a CSV with columns `source_l,record_id_l,source_r,record_id_r,decision` (as in
//! `review.csv`, whose other columns are ignored; a UTF-8 BOM is accepted). Writes: must-link
//! and cannot-link pairs of record indices, and a warning for each line that names an unknown
//! record or holds another word than `same` or `different` (a blank decision is skipped: the
//! analyst has not decided yet). A bad line never stops a run.

use std::path::Path;

use ahash::AHashMap;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::ingest::Ingested;

#[derive(Debug, Default, Serialize)]
pub struct Decisions {
    #[serde(skip)]
    pub same: Vec<(u32, u32)>,
    #[serde(skip)]
    pub different: Vec<(u32, u32)>,
    pub file: String,
    pub applied_same: u64,
    pub applied_different: u64,
    pub undecided: u64,
    pub ignored: u64,
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Reads a decisions file against the ingested records.
pub fn read(path: &Path, ing: &Ingested) -> Result<Decisions> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = r
        .headers()
        .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?
        .clone();
    let col = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
            Error::Config(format!(
                "{}: no `{name}` column; a decisions file has source_l,record_id_l,source_r,record_id_r,decision",
                path.display()
            ))
        })
    };
    let cols = [
        col("source_l")?,
        col("record_id_l")?,
        col("source_r")?,
        col("record_id_r")?,
        col("decision")?,
    ];
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
    let mut d = Decisions {
        file: path.display().to_string(),
        ..Default::default()
    };
    for (n, row) in r.records().enumerate() {
        let line = n + 2;
        let row = row.map_err(|e| Error::Run(format!("{}: line {line}: {e}", path.display())))?;
        let get = |i: usize| row.get(cols[i]).unwrap_or("").trim();
        let decision = get(4).to_ascii_lowercase();
        if decision.is_empty() {
            d.undecided += 1;
            continue;
        }
        let a = index.get(&(get(0), get(1)));
        let b = index.get(&(get(2), get(3)));
        match (a, b, decision.as_str()) {
            (Some(&a), Some(&b), "same") => {
                d.same.push((a, b));
                d.applied_same += 1;
            }
            (Some(&a), Some(&b), "different") => {
                d.different.push((a, b));
                d.applied_different += 1;
            }
            (Some(_), Some(_), other) => {
                d.ignored += 1;
                d.warnings.push(format!(
                    "{}: line {line}: decision `{other}` is neither `same` nor `different`; ignored",
                    path.display()
                ));
            }
            _ => {
                d.ignored += 1;
                let missing = if a.is_none() {
                    (get(0), get(1))
                } else {
                    (get(2), get(3))
                };
                d.warnings.push(format!(
                    "{}: line {line}: no record {}:{} in this run; decision ignored",
                    path.display(),
                    missing.0,
                    missing.1
                ));
            }
        }
    }
    Ok(d)
}
