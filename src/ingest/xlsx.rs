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
                    let col = crate::mask::guard(headers.get(c).map_or("?", |s| s.as_str()));
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
            cells: cells.into(),
            problem,
        }));
    }
    Ok(Table {
        headers,
        rows: Box::new(data.into_iter()),
        raw_separator: ',',
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// The demo's `aim.xlsx`: sheet `Peserta` then `Nota`.
    fn spec(sheet: Option<&str>) -> Result<Table> {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let sheet = sheet.map_or(String::new(), |s| format!("sheet = \"{s}\"\n"));
        let text = format!(
            "[[source]]\nname = \"aim\"\npath = \"aim.xlsx\"\nid = \"ID_PESERTA\"\n{sheet}"
        );
        let c = Config::parse(&text, &demo.join("test.toml")).unwrap();
        open(&c.sources[0])
    }

    #[test]
    fn the_first_sheet_is_read_with_numbers_and_dates_as_text() {
        let t = spec(None).unwrap();
        assert_eq!(t.headers[0], "ID_PESERTA");
        let ic = t.headers.iter().position(|h| h == "KP_BARU").unwrap();
        let dob = t.headers.iter().position(|h| h == "TARIKH_LAHIR").unwrap();
        let rows: Vec<RawRow> = t.rows.map(|r| r.unwrap()).collect();
        assert_eq!(rows[0].row, 2);
        for r in &rows {
            let ic = &r.cells[ic];
            assert!(
                ic.is_empty() || ic.bytes().all(|b| b.is_ascii_digit()),
                "{ic}"
            );
            let d = &r.cells[dob];
            assert!(
                d.is_empty() || chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok(),
                "{d}"
            );
        }
        // Leading zeros lost by number cells stay lost here; the IC normaliser restores them.
        assert!(rows.iter().any(|r| r.cells[ic].len() == 11));
    }

    #[test]
    fn a_named_sheet_is_read_and_a_missing_one_is_a_config_error() {
        let t = spec(Some("Nota")).unwrap();
        assert_ne!(t.headers[0], "ID_PESERTA");
        let err = spec(Some("Sheet9")).err().unwrap();
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(
            msg.contains("Sheet9") && msg.contains("Peserta, Nota"),
            "{msg}"
        );
    }
}
