//! Spreadsheets (xlsx, xlsm, xls, ods) via calamine: the first sheet unless `sheet` is given.
//!
//! Numbers that are whole are written without a decimal point or exponent (an IC stored as a
//! number cell reads `850312145567`, not `8.50312145567e11`); date cells become `YYYY-MM-DD`.

use calamine::{open_workbook_auto, Data, Reader};

use super::{RawRow, Table};
use crate::config::SourceSpec;
use crate::error::{Error, Result};

/// A cell as text; `Err` for a cell holding a spreadsheet error (`#N/A`, `#VALUE!`…).
pub fn cell_text(d: &Data) -> std::result::Result<String, String> {
    Ok(match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => {
                t.date().format("%Y-%m-%d").to_string()
            }
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(format!("{e:?}")),
    })
}

pub fn open(spec: &SourceSpec) -> Result<Table> {
    let mut wb = open_workbook_auto(&spec.path).map_err(|e| {
        Error::Run(format!(
            "{}: cannot open as a spreadsheet: {e}",
            spec.path.display()
        ))
    })?;
    let names = wb.sheet_names();
    let sheet = match &spec.sheet {
        Some(s) if names.contains(s) => s.clone(),
        Some(s) => {
            return Err(Error::Config(format!(
                "source `{}` ({}): no sheet named `{s}`; the workbook has: {}",
                spec.name,
                spec.path.display(),
                names.join(", ")
            )))
        }
        None => names.first().cloned().ok_or_else(|| {
            Error::Config(format!(
                "source `{}` ({}): the workbook has no sheets",
                spec.name,
                spec.path.display()
            ))
        })?,
    };
    let range = wb.worksheet_range(&sheet).map_err(|e| {
        Error::Run(format!(
            "{}: cannot read sheet `{sheet}`: {e}",
            spec.path.display()
        ))
    })?;
    let first_row = range.start().map_or(0, |(r, _)| r as u64);
    let mut rows = range.rows();
    let headers: Vec<String> = match rows.next() {
        Some(h) => h
            .iter()
            .map(|c| cell_text(c).unwrap_or_default().trim().to_string())
            .collect(),
        None => {
            return Err(Error::Config(format!(
                "source `{}` ({}): sheet `{sheet}` is empty",
                spec.name,
                spec.path.display()
            )))
        }
    };
    let mut data = Vec::new();
    for (i, r) in rows.enumerate() {
        let mut problem = None;
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, d)| {
                cell_text(d).unwrap_or_else(|e| {
                    let col = headers.get(c).map_or("?", |s| s.as_str());
                    problem
                        .get_or_insert_with(|| format!("spreadsheet error {e} in column `{col}`"));
                    String::new()
                })
            })
            .collect();
        // Every row of a range is as wide as the range. A blank row holds no record and is
        // skipped, as the CSV reader skips empty lines.
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        data.push(Ok(RawRow {
            // Spreadsheet row numbers are 1-based and the header is the range's first row.
            row: first_row + i as u64 + 2,
            cells,
            problem,
        }));
    }
    Ok(Table {
        headers,
        rows: Box::new(data.into_iter()),
        raw_separator: ',',
    })
}
