//! The previous persons read back from a generation's `crosswalk.csv` and `register.csv`: what
//! a run falls back on when the previous generation's `link.bin` cannot be used.

use std::path::Path;

use crate::error::{Error, Result};
use crate::register::ids::Previous;
use crate::spreadsheet::raw_cell;

/// The previous persons from a generation's `crosswalk.csv` and `register.csv` (their cells as
/// `spreadsheet::safe_cell` wrote them), for a generation whose link state cannot be used;
/// `None` if it has no crosswalk.
pub fn previous_persons(dir: &Path) -> Result<Option<Previous>> {
    let cw = dir.join("crosswalk.csv");
    if !cw.is_file() {
        return Ok(None);
    }
    let bad = |p: &Path, e: String| {
        Error::Run(format!(
            "{}: cannot read the previous generation: {e}",
            p.display()
        ))
    };
    let mut prev = Previous::default();
    let mut r = csv::Reader::from_path(&cw).map_err(|e| bad(&cw, e.to_string()))?;
    let mut row = csv::StringRecord::new();
    while r
        .read_record(&mut row)
        .map_err(|e| bad(&cw, e.to_string()))?
    {
        prev.add(raw_cell(&row[0]), raw_cell(&row[1]), raw_cell(&row[2]));
    }
    let reg = dir.join("register.csv");
    if let Ok(mut r) = csv::Reader::from_path(&reg) {
        let h = r.headers().map_err(|e| bad(&reg, e.to_string()))?.clone();
        let (pid, first) = (
            h.iter().position(|c| c == "person_id"),
            h.iter().position(|c| c == "first_generation"),
        );
        if let (Some(pid), Some(first)) = (pid, first) {
            while r
                .read_record(&mut row)
                .map_err(|e| bad(&reg, e.to_string()))?
            {
                prev.set_first_generation_of_known(
                    raw_cell(&row[pid]),
                    row[first].parse().unwrap_or(0),
                );
            }
        }
    }
    Ok(Some(prev))
}
