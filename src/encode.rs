//! `padan encode`: an agency's exports ingested and normalised exactly as `padan run` does,
//! then written as encodings only (`normalise::encoded`), for a linking unit that must not see
//! names, ID numbers or addresses.
//!
//! Reads: the agency's configuration and exports, and the shared secret. Writes: one parquet
//! file, a row per record: its source and record id and row (to map results back), the
//! encoding version, the secret's key check value, the encoding (`encoding`: what linking
//! reads) and the record-level Bloom filter (`record_bloom`); and beside it, when rows were
//! rejected, `FILE.rejects.csv` (as `rejects.csv`, for the agency's own eyes).

use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

use crate::config::{Config, Format};
use crate::error::{Error, Result};
use crate::ingest::{self, encoded as cols};
use crate::normalise::encoded::{self, Secret};
use crate::normalise::Linkable;
use crate::store;

/// What an encoding wrote.
pub struct Encoded {
    pub records: u64,
    pub rejected: u64,
    pub rejects_file: Option<PathBuf>,
    pub warnings: Vec<String>,
}

/// Encodes the exports `config` names with `secret` into `out`.
pub fn encode(config: &Config, secret: &Secret, out: &Path) -> Result<Encoded> {
    if let Some(s) = config.sources.iter().find(|s| s.format == Format::Encoded) {
        return Err(Error::Config(format!(
            "source `{}` is encoded already; `padan encode` reads plaintext exports",
            s.name
        )));
    }
    let ing = ingest::read_all(config)?;
    let today = chrono::Local::now().date_naive();
    let (records, _) = crate::normalise::all(&ing, today, &Default::default());
    let n = ing.records.len();
    let check = secret.check_value();
    let batch = |range: std::ops::Range<usize>| -> PolarsResult<DataFrame> {
        let made: Vec<(Vec<u8>, Vec<u8>)> = records[range.clone()]
            .par_iter()
            .map(|r| {
                let e = encoded::encode(secret, r, &Linkable::of(r));
                let bloom: Vec<u8> = e
                    .record_bloom
                    .iter()
                    .flat_map(|w| w.to_le_bytes())
                    .collect();
                (encoded::to_bytes(&e.encoded, &e.linkable), bloom)
            })
            .collect();
        let recs = &ing.records[range];
        DataFrame::new_infer_height(vec![
            Column::new(
                cols::SOURCE.into(),
                recs.iter()
                    .map(|r| ing.sources[r.source as usize].name.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                cols::RECORD_ID.into(),
                recs.iter()
                    .map(|r| r.record_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                cols::ROW.into(),
                recs.iter().map(|r| r.row).collect::<Vec<_>>(),
            ),
            Column::new(cols::VERSION.into(), vec![encoded::VERSION; recs.len()]),
            Column::new(cols::KEY_CHECK.into(), vec![check.as_str(); recs.len()]),
            Column::new(
                cols::ENCODING.into(),
                made.iter().map(|m| m.0.as_slice()).collect::<Vec<_>>(),
            ),
            Column::new(
                cols::RECORD_BLOOM.into(),
                made.iter().map(|m| m.1.as_slice()).collect::<Vec<_>>(),
            ),
        ])
    };
    store::write_parquet(out, n, batch)?;
    drop(records);
    let mut done = Encoded {
        records: n as u64,
        rejected: ing.rejects.len() as u64,
        rejects_file: None,
        warnings: Vec::new(),
    };
    if !ing.rejects.is_empty() {
        let path = PathBuf::from(format!("{}.rejects.csv", out.display()));
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| Error::Run(format!("{}: {e}", path.display()));
        w.write_record(["source", "row", "record_id", "reason", "raw"])
            .map_err(fail)?;
        for r in &ing.rejects {
            crate::spreadsheet::safe_row(
                &mut w,
                [
                    &r.source,
                    &r.row.to_string(),
                    &r.record_id,
                    &r.reason,
                    &r.raw,
                ]
                .map(String::as_str),
            )
            .map_err(fail)?;
        }
        let body = w
            .into_inner()
            .map_err(|e| Error::Run(format!("{}: {}", path.display(), e.error())))?;
        store::write_whole(&path, &body)?;
        done.rejects_file = Some(path);
    }
    Ok(done)
}
