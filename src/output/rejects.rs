//! `rejects.csv`: every row of an export that could not be used, with its source, row, record
//! id, reason and raw text.

use super::{csv_err, csv_writer, finish_csv};
use crate::error::Result;
use crate::ingest::Ingested;
use crate::spreadsheet::safe_row;
use crate::store::Generation;

/// `rejects.csv`: every row that could not be used, with its reason.
pub fn rejects(g: &Generation, ing: &Ingested) -> Result<()> {
    let name = "rejects.csv";
    let mut w = csv_writer(g, name)?;
    w.write_record(["source", "row", "record_id", "reason", "raw"])
        .map_err(csv_err(name))?;
    for r in &ing.rejects {
        safe_row(
            &mut w,
            [
                r.source.as_str(),
                r.row.to_string().as_str(),
                r.record_id.as_str(),
                r.reason.as_str(),
                r.raw.as_str(),
            ],
        )
        .map_err(csv_err(name))?;
    }
    finish_csv(w)
}
