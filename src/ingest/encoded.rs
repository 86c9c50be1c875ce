//! Encoded exports (`format = "encoded"`, written by `padan encode`): each row an agency's
//! record id and row and the record's encodings, nothing in clear. The encodings are read as
//! bytes here and decoded by the normalise stage (`normalise::encoded`).

use std::fs::File;

use ahash::AHashMap;
use polars::prelude::*;

use super::{FileStats, Ingested, Record, Reject, SourceInfo};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::mask;

/// The encoded file's columns.
pub const SOURCE: &str = "source";
pub const RECORD_ID: &str = "record_id";
pub const ROW: &str = "row";
pub const VERSION: &str = "encoding_version";
pub const KEY_CHECK: &str = "key_check";
pub const ENCODING: &str = "encoding";
pub const RECORD_BLOOM: &str = "record_bloom";

/// What the encoded sources hold besides their records: each record's encoding, and each
/// source's key check value.
#[derive(Debug, Default)]
pub struct Encodings {
    /// Every record's encoding, one after another in record order, and where each ends.
    bytes: Vec<u8>,
    ends: Vec<usize>,
    /// Per source (as `Ingested::sources`), the key check values its files carry.
    pub key_checks: Vec<String>,
}

impl Encodings {
    /// Record `i`'s encoding.
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// Reads every source of `config`, all of them encoded; `version`: the encoding version this
/// padan reads (a file of another is refused, exit 2).
pub fn read(config: &Config, version: u32) -> Result<(Ingested, Encodings)> {
    let mut ing = Ingested::default();
    let mut enc = Encodings::default();
    let mut sources: AHashMap<String, u16> = AHashMap::new();
    let mut seen: Vec<AHashMap<String, u64>> = Vec::new();
    for (si, spec) in config.sources.iter().enumerate() {
        let path = &spec.path;
        let fail = |e: PolarsError| {
            Error::Run(format!(
                "{}: cannot read as an encoded file: {e}",
                path.display()
            ))
        };
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut reader = ParquetReader::new(file);
        let schema = reader.schema().map_err(fail)?;
        let wanted = [SOURCE, RECORD_ID, ROW, VERSION, KEY_CHECK, ENCODING];
        if let Some(c) = wanted[1..].iter().find(|c| !schema.contains(c)) {
            return Err(Error::Config(format!(
                "{}: no `{c}` column; is this a file written by `padan encode`?",
                path.display()
            )));
        }
        // The record-level filter is for other linkers: not read.
        let columns: Vec<String> = wanted
            .iter()
            .filter(|c| schema.contains(c))
            .map(|c| c.to_string())
            .collect();
        let df = reader.with_columns(Some(columns)).finish().map_err(fail)?;
        let text = |name: &str| -> Result<Vec<String>> {
            let c = df
                .column(name)
                .map_err(fail)?
                .cast(&DataType::String)
                .map_err(fail)?;
            Ok(c.str()
                .map_err(fail)?
                .iter()
                .map(|v| v.unwrap_or("").to_string())
                .collect())
        };
        let (ids, checks, versions) = (text(RECORD_ID)?, text(KEY_CHECK)?, text(VERSION)?);
        let names = if df.column(SOURCE).is_ok() {
            text(SOURCE)?
        } else {
            vec![String::new(); df.height()]
        };
        let rows: Vec<u64> = {
            let c = df
                .column(ROW)
                .map_err(fail)?
                .cast(&DataType::UInt64)
                .map_err(fail)?;
            c.u64()
                .map_err(fail)?
                .iter()
                .map(|v| v.unwrap_or(0))
                .collect()
        };
        let col = df.column(ENCODING).map_err(fail)?;
        let blobs = col.binary().map_err(fail)?;
        // Grown once, not by doubling: it holds every encoding of the run.
        enc.bytes
            .reserve(blobs.iter().map(|b| b.map_or(0, <[u8]>::len)).sum());
        enc.ends.reserve(blobs.len());
        ing.records.reserve(blobs.len());
        if let Some(v) = versions.iter().find(|v| **v != version.to_string()) {
            return Err(Error::Config(format!(
                "{}: encoded by a padan whose encoding version is {}; this padan reads version {version}: encode the export again with this version",
                path.display(),
                mask::guard(v)
            )));
        }
        let mut stats = FileStats {
            source: spec.name.clone(),
            path: path.display().to_string(),
            ..Default::default()
        };
        for (i, blob) in blobs.iter().enumerate() {
            stats.rows += 1;
            let name = if names[i].is_empty() {
                &spec.name
            } else {
                &names[i]
            };
            let src = *sources.entry(name.clone()).or_insert_with(|| {
                ing.sources.push(SourceInfo {
                    name: name.clone(),
                    spec: si,
                    priority: spec.priority,
                    dates: Vec::new(),
                });
                enc.key_checks.push(String::new());
                seen.push(AHashMap::new());
                (ing.sources.len() - 1) as u16
            });
            let row = rows[i];
            let reject = |reason: String| Reject {
                source: name.clone(),
                row,
                record_id: ids[i].clone(),
                reason,
                raw: String::new(),
            };
            let blob = match blob {
                Some(b) if !ids[i].is_empty() => b,
                Some(_) => {
                    ing.rejects.push(reject("missing record id".into()));
                    stats.rejected += 1;
                    continue;
                }
                None => {
                    ing.rejects.push(reject("missing encoding".into()));
                    stats.rejected += 1;
                    continue;
                }
            };
            if let Some(first) = seen[src as usize].get(&ids[i]) {
                ing.rejects.push(reject(super::duplicate(*first)));
                stats.rejected += 1;
                continue;
            }
            seen[src as usize].insert(ids[i].clone(), row);
            let check = &mut enc.key_checks[src as usize];
            if check.is_empty() {
                *check = checks[i].clone();
            }
            ing.records.push(Record::new(src, row, ids[i].clone()));
            enc.bytes.extend_from_slice(blob);
            enc.ends.push(enc.bytes.len());
            stats.records += 1;
        }
        ing.files.push(stats);
    }
    Ok((ing, enc))
}
