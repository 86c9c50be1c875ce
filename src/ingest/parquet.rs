//! Parquet exports via polars (eager): every column is read as text.

use std::fs::File;

use polars::prelude::*;

use super::{RawRow, Table};
use crate::config::SourceSpec;
use crate::error::{Error, Result};

pub fn open(spec: &SourceSpec) -> Result<Table> {
    let fail = |e: PolarsError| {
        Error::Run(format!(
            "{}: cannot read as parquet: {e}",
            spec.path.display()
        ))
    };
    let file = File::open(&spec.path).map_err(|e| Error::io(&spec.path, e))?;
    let df = ParquetReader::new(file).finish().map_err(fail)?;
    let headers: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut columns: Vec<Vec<Option<String>>> = Vec::with_capacity(df.width());
    for col in df.columns() {
        let s = col.cast(&DataType::String).map_err(fail)?;
        let ca = s.str().map_err(fail)?;
        columns.push(ca.iter().map(|v| v.map(str::to_string)).collect());
    }
    let height = df.height();
    let rows = (0..height).map(move |i| {
        Ok(RawRow {
            row: i as u64 + 1,
            cells: columns
                .iter_mut()
                .map(|c| c[i].take().unwrap_or_default())
                .collect::<Vec<_>>()
                .into(),
            problem: None,
        })
    });
    Ok(Table {
        headers,
        rows: Box::new(rows),
        raw_separator: ',',
    })
}
