//! CSV cells safe to open in a spreadsheet, and read back as they were.
//!
//! A spreadsheet that opens a CSV file takes a cell starting with `=`, `+`, `-` or `@` (or a
//! tab or carriage return) for a formula; OWASP's advice is to write such a cell with a `'` in
//! front (docs/privacy.md). Every CSV file padan writes for analysts goes through `safe_cell`,
//! and every reader of those files through `raw_cell`.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// A text cell of a CSV an analyst may open in a spreadsheet, made safe to open there: a value
/// a spreadsheet would take for a formula (one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return, or with spaces before one of those) is written with a `'` in front, and so
/// is a value starting with `'`, so that `raw_cell` gives every value back as it was. A plain
/// number (`-12`, `+60123456789`) is no formula and is written as it is.
pub fn safe_cell(v: &str) -> std::borrow::Cow<'_, str> {
    let first = v.trim_start_matches(' ').chars().next();
    let formula = matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')) && !plain_number(v);
    if formula || v.starts_with('\'') {
        format!("'{v}").into()
    } else {
        v.into()
    }
}

/// The value a cell written by `safe_cell` stands for: one leading `'` taken off. padan reads
/// its own CSVs (and an analyst's copy of `review.csv`) back through it.
pub fn raw_cell(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

/// Writes one row of cells through `safe_cell`. The numbers padan writes (weights, row
/// numbers, counts) are plain numbers, written as they are.
pub fn safe_row<'a, W: Write>(
    w: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = &'a str>,
) -> csv::Result<()> {
    for c in cells {
        w.write_field(safe_cell(c).as_bytes())?;
    }
    w.write_record(None::<&[u8]>)
}

/// A sign, digits, and maybe a point and more digits.
fn plain_number(v: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let v = v.strip_prefix(['+', '-']).unwrap_or(v);
    match v.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(v),
    }
}

/// A CSV file an analyst filled in (`review.csv`, `qa.csv`, a decisions file) and perhaps saved
/// from a spreadsheet: its header and its rows with their line numbers, a UTF-8 BOM, bytes that
/// are not UTF-8 and rows of unequal length accepted. A row that cannot be read is an error
/// naming the file and line.
pub fn read_filled(path: &Path) -> Result<(csv::StringRecord, Vec<(usize, csv::StringRecord)>)> {
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
    let rows = r
        .records()
        .enumerate()
        .map(|(n, row)| {
            row.map(|row| (n + 2, row))
                .map_err(|e| Error::Config(format!("{}: line {}: {e}", path.display(), n + 2)))
        })
        .collect::<Result<_>>()?;
    Ok((headers, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_with_a_quote_and_read_back_raw() {
        let cases = [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+A1", "'+A1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("\tAHMAD", "'\tAHMAD"),
            ("  =1+1", "'  =1+1"),
            ("-", "'-"),
            ("'quoted", "''quoted"),
            ("''", "'''"),
            // Plain numbers and other text: as they are.
            ("-12", "-12"),
            ("+60123456789", "+60123456789"),
            ("-3.250", "-3.250"),
            ("AHMAD = ALI", "AHMAD = ALI"),
            ("", ""),
        ];
        let mut w = csv::Writer::from_writer(Vec::new());
        for (raw, cell) in cases {
            assert_eq!(safe_cell(raw), cell, "{raw:?}");
            assert_eq!(raw_cell(cell), raw, "{raw:?}");
            safe_row(&mut w, [raw, "7", raw]).unwrap();
        }
        // Through a CSV file and back.
        let bytes = w.into_inner().unwrap();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&bytes[..]);
        let back: Vec<Vec<String>> = r
            .records()
            .map(|rec| {
                rec.unwrap()
                    .iter()
                    .map(|c| raw_cell(c).to_string())
                    .collect()
            })
            .collect();
        let want: Vec<Vec<String>> = cases
            .iter()
            .map(|(raw, _)| vec![raw.to_string(), "7".into(), raw.to_string()])
            .collect();
        assert_eq!(back, want);
    }
}
