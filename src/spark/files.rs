//! The work folder's Parquet files: written whole in batches, read whole, their columns taken
//! as the steps need them (Spark writes signed integers where padan writes unsigned ones).

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};

/// Writes `n` rows to `path` whole or not at all, `batch(range)` making the rows of `range`
/// (forms and hashes hardly compress; the files live for one run).
pub use crate::store::write_parquet as write;

pub fn damaged(path: &Path, e: PolarsError) -> Error {
    Error::Run(format!("{}: cannot read ({e})", path.display()))
}

/// The whole file.
pub fn read(path: &Path) -> Result<DataFrame> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    ParquetReader::new(f).finish().map_err(|e| damaged(path, e))
}

/// How many rows the file holds, from its footer.
pub fn rows(path: &Path) -> Result<u64> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let n = ParquetReader::new(f)
        .num_rows()
        .map_err(|e| damaged(path, e))?;
    Ok(n as u64)
}

/// Column `name` of `df` (read from `path`) as `dtype`, with no value missing.
fn column(path: &Path, df: &DataFrame, name: &str, dtype: DataType) -> Result<Series> {
    let c = df.column(name).map_err(|e| damaged(path, e))?;
    if c.null_count() > 0 {
        return Err(Error::Run(format!(
            "{}: the `{name}` column has empty cells",
            path.display()
        )));
    }
    c.as_materialized_series()
        .strict_cast(&dtype)
        .map_err(|e| damaged(path, e))
}

/// A column of numbers as `T` (Spark writes signed integers where padan's are unsigned).
pub fn numbers<T>(path: &Path, df: &DataFrame, name: &str) -> Result<Vec<T::Native>>
where
    T: PolarsNumericType,
{
    let s = column(path, df, name, T::get_static_dtype())?;
    let c: &ChunkedArray<T> = s.as_ref().as_ref();
    Ok(c.into_no_null_iter().collect())
}

/// A column of flags.
pub fn flags(path: &Path, df: &DataFrame, name: &str) -> Result<Vec<bool>> {
    let s = column(path, df, name, DataType::Boolean)?;
    let c = s.bool().map_err(|e| damaged(path, e))?;
    Ok(c.iter().map(|v| v.unwrap_or(false)).collect())
}

/// Column `name` of `df` (read from `path`) as bytes, one value per row.
pub fn binary<'a>(path: &Path, df: &'a DataFrame, name: &str) -> Result<Vec<&'a [u8]>> {
    let c = df.column(name).map_err(|e| damaged(path, e))?;
    let b = c.binary().map_err(|e| damaged(path, e))?;
    b.iter()
        .map(|v| {
            v.ok_or_else(|| Error::Run(format!("{}: a `{name}` cell is empty", path.display())))
        })
        .collect()
}

/// Every `*.ext` file in `dir` (Spark's own files, `_SUCCESS` and hidden ones, left out),
/// sorted by name.
pub fn parts(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = e.map_err(|e| Error::io(dir, e))?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !name.starts_with(['.', '_']) && name.ends_with(&format!(".{ext}")) {
            found.push(p);
        }
    }
    found.sort();
    Ok(found)
}
