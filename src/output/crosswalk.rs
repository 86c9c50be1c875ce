//! `crosswalk.csv`: every ingested record once, in input order, with its source, record id and
//! person id. The next run falls back on it for the previous persons when `link.bin` cannot be
//! used (`store::previous_persons`).

use super::{csv_err, csv_writer, finish_csv, RecordPersons};
use crate::error::Result;
use crate::ingest::Ingested;
use crate::spreadsheet::safe_row;
use crate::store::Generation;

/// `crosswalk.csv`: every ingested record once, in input order.
pub fn crosswalk(g: &Generation, ing: &Ingested, persons: &RecordPersons) -> Result<()> {
    let name = "crosswalk.csv";
    let mut w = csv_writer(g, name)?;
    w.write_record(["source", "record_id", "person_id"])
        .map_err(csv_err(name))?;
    for (i, r) in ing.records.iter().enumerate() {
        safe_row(
            &mut w,
            [
                ing.sources[r.source as usize].name.as_str(),
                r.record_id.as_str(),
                persons.id(i as u32).as_ref(),
            ],
        )
        .map_err(csv_err(name))?;
    }
    finish_csv(w)
}
