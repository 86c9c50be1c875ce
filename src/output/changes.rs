//! `changes.csv`: what happened to each person since the previous generation (made by
//! `register::ids`).

use super::{csv_err, csv_writer, finish_csv};
use crate::error::Result;
use crate::spreadsheet::safe_row;
use crate::store::Generation;

/// `changes.csv`: what happened to each person since the previous generation.
pub fn changes(g: &Generation, changes: &[crate::register::ids::Change]) -> Result<()> {
    let name = "changes.csv";
    let mut w = csv_writer(g, name)?;
    w.write_record(["person_id", "change", "detail"])
        .map_err(csv_err(name))?;
    for c in changes {
        safe_row(&mut w, [c.person_id.as_str(), c.change, c.detail.as_str()])
            .map_err(csv_err(name))?;
    }
    finish_csv(w)
}
