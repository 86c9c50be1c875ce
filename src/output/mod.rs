//! The files of a generation a user reads (README.md, What a run writes), each written into a
//! `store::Generation`, one file of this module per output:
//!
//! - `crosswalk.rs`: `crosswalk.csv`, every record and its person;
//! - `register.rs`: `register.csv` and `register.parquet`, one row per person;
//! - `pairs.rs`: `pairs.parquet`, the scored pairs;
//! - `review.rs`: `review.csv`, the pairs for an analyst to decide;
//! - `rejects.rs`: `rejects.csv`, the rows that could not be used;
//! - `changes.rs`: `changes.csv`, what happened to each person since the previous generation;
//! - `summary.json` is written here (`summary`), from the summary the pipeline makes.
//!
//! This file holds what they share: creating a CSV file and naming its errors, writing a
//! Parquet file in batches, and each record's person id (`RecordPersons`). The CSV files an
//! analyst opens go through `spreadsheet::safe_row`. A new output gets a file of its own here,
//! a re-export below, and a call in the pipeline's write stage.

mod changes;
mod crosswalk;
mod pairs;
mod register;
mod rejects;
mod review;

pub use changes::changes;
pub use crosswalk::crosswalk;
pub use pairs::pairs;
pub use register::register;
pub use rejects::rejects;
pub use review::review;

use std::io::Write;

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::register::Register;
use crate::store::{Generation, OutFile};

fn csv_writer(g: &Generation, name: &str) -> Result<csv::Writer<OutFile>> {
    Ok(csv::WriterBuilder::new().from_writer(g.create(name)?))
}

fn finish_csv(w: csv::Writer<OutFile>) -> Result<()> {
    let f = w
        .into_inner()
        .map_err(|e| Error::Run(format!("writing a CSV file: {}", e.error())))?;
    f.finish()
}

fn csv_err(name: &str) -> impl Fn(csv::Error) -> Error + '_ {
    move |e| Error::Run(format!("writing {name}: {e}"))
}

/// Rows per row group (polars' default) and per batch built in memory.
const PARQUET_BATCH: usize = 512 * 512;

/// zstd at level 1, not polars' default 3: the parquet files take markedly less CPU to encode
/// and come out no larger.
fn compression() -> ParquetCompression {
    let level =
        polars::polars_utils::compression::ZstdLevel::try_new(1).expect("1 is a valid zstd level");
    ParquetCompression::Zstd(Some(level))
}

/// Writes a parquet file of `rows` rows one row group at a time: `batch(range)` builds the
/// DataFrame of those rows. The next batch is built while polars encodes the last, so at most
/// two batches of copied values are in memory at once.
fn write_parquet_batched(
    g: &Generation,
    name: &str,
    rows: usize,
    batch: &(dyn Fn(std::ops::Range<usize>) -> Result<DataFrame> + Sync),
) -> Result<()> {
    let mut f = g.create(name)?;
    let err = |e: PolarsError| Error::Run(format!("writing {name}: {e}"));
    {
        let range = |start: usize| start..(start + PARQUET_BATCH).min(rows);
        let mut df = batch(range(0))?;
        let mut w = ParquetWriter::new(&mut f)
            .with_compression(compression())
            .batched(df.schema())
            .map_err(err)?;
        let mut start = PARQUET_BATCH;
        loop {
            let (written, next) = rayon::join(
                || w.write_batch(&df),
                || (start < rows).then(|| batch(range(start))),
            );
            written.map_err(err)?;
            match next {
                Some(next) => df = next?,
                None => break,
            }
            start += PARQUET_BATCH;
        }
        w.finish().map_err(err)?;
    }
    f.finish()
}

fn polars_err(name: &str) -> impl Fn(PolarsError) -> Error + '_ {
    move |e| Error::Run(format!("building {name}: {e}"))
}

/// A column of `values[k]` for each index `k` of `at`: gathered from a column of the values,
/// not built from text per row, for columns of few distinct values.
fn gathered(name: PlSmallStr, values: &[&str], at: &[IdxSize]) -> Column {
    StringChunked::from_slice(name, values)
        .take(at)
        .expect("each index is one of the values'")
        .into_column()
}

/// Each record's person id, for the files that name it per record.
///
/// Each record's person's id is held as its number when it is an id `register::person_id`
/// makes (nearly all are), 8 bytes per record side by side, made in parallel, and written out
/// as text when asked for. Reaching each record's person's id as text when writing (24 bytes a
/// person, out of the cache on a large register) would cost a cache miss or two per record on
/// the writer's thread, and reaching it through the register a page walk too.
pub struct RecordPersons<'a> {
    /// Per record: its person's id's number, or `u64::MAX` for an id of another shape, read
    /// as text.
    numbers: Vec<u64>,
    persons: &'a [crate::register::Person],
    person_of: &'a [u32],
}

/// A person id as `RecordPersons` gives it.
pub enum PersonId<'a> {
    Made([u8; crate::register::MADE_ID_LEN]),
    Text(&'a str),
}

impl AsRef<str> for PersonId<'_> {
    fn as_ref(&self) -> &str {
        match self {
            // A made id is ASCII by construction.
            PersonId::Made(b) => std::str::from_utf8(b).expect("a made id is ASCII"),
            PersonId::Text(t) => t,
        }
    }
}

impl<'a> RecordPersons<'a> {
    pub fn of(reg: &'a Register) -> RecordPersons<'a> {
        let number = |id: &str| {
            (id.len() == crate::register::MADE_ID_LEN)
                .then(|| crate::register::id_number(id))
                .flatten()
                .unwrap_or(u64::MAX)
        };
        let per_person: Vec<u64> = reg.persons.par_iter().map(|p| number(&p.id)).collect();
        RecordPersons {
            numbers: reg
                .person_of
                .par_iter()
                .map(|&p| per_person[p as usize])
                .collect(),
            persons: &reg.persons,
            person_of: &reg.person_of,
        }
    }

    /// Record `i`'s person id.
    pub fn id(&self, i: u32) -> PersonId<'a> {
        self.id_of(self.numbers[i as usize], i)
    }

    /// Record `i`'s person id, given what `numbers` holds for it (read ahead by a caller
    /// reaching many records out of order: a loop that only reads overlaps the cache misses).
    fn id_of(&self, number: u64, i: u32) -> PersonId<'a> {
        match number {
            u64::MAX => PersonId::Text(&self.persons[self.person_of[i as usize] as usize].id),
            n => PersonId::Made(crate::register::made_id(n)),
        }
    }
}

/// `summary.json`: the run's summary (`crate::summary`), generic so that this module need not
/// know its fields.
pub fn summary<T: serde::Serialize>(g: &Generation, summary: &T) -> Result<()> {
    let mut f = g.create("summary.json")?;
    serde_json::to_writer_pretty(&mut f, summary)
        .map_err(|e| Error::Run(format!("writing summary.json: {e}")))?;
    f.write_all(b"\n").map_err(|e| Error::io(f.path(), e))?;
    f.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::{person_id, Person};

    /// A register of persons with the ids `ids` and no records.
    pub(super) fn register_of(ids: &[&str]) -> Register {
        Register {
            persons: ids
                .iter()
                .map(|&id| Person {
                    id: id.into(),
                    ..Default::default()
                })
                .collect(),
            person_of: Vec::new(),
        }
    }

    #[test]
    fn each_record_is_given_its_persons_id_made_carried_or_foreign() {
        // Made ids are held as numbers and written again; ids of other shapes (a made id given
        // a suffix in a later generation, an uppercase one, one from elsewhere) as they are.
        let made = person_id("jkm", "1").to_string();
        let ids = [
            made.as_str(),
            "P0123456789abcdef-2",
            "P0123456789ABCDEF",
            "legacy-7",
            "Pffffffffffffffff",
            "P0000000000000000",
        ];
        let mut reg = register_of(&ids);
        // Records point at persons out of order, some at the same person.
        reg.person_of = vec![3, 0, 5, 1, 2, 4, 0, 3];
        let persons = RecordPersons::of(&reg);
        for (i, &p) in reg.person_of.iter().enumerate() {
            assert_eq!(persons.id(i as u32).as_ref(), ids[p as usize], "record {i}");
        }
    }

    /// A parquet file of a generation, read whole.
    pub(super) fn read_parquet(path: &std::path::Path) -> DataFrame {
        ParquetReader::new(std::fs::File::open(path).unwrap())
            .finish()
            .unwrap()
    }

    /// A string column's values, none missing.
    pub(super) fn texts(df: &DataFrame, name: &str) -> Vec<String> {
        let c = df.column(name).unwrap().str().unwrap();
        c.iter().map(|v| v.unwrap().to_string()).collect()
    }

    #[test]
    fn batched_parquet_holds_every_row_once_in_order() {
        // Batches are built while the last is encoded: sizes that end on a batch boundary,
        // just past one, and within the first.
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::begin(dir.path()).unwrap();
        let sizes = [0, 7, PARQUET_BATCH, 2 * PARQUET_BATCH + 1];
        for (k, &rows) in sizes.iter().enumerate() {
            let name = format!("t{k}.parquet");
            write_parquet_batched(&g, &name, rows, &|r| {
                DataFrame::new_infer_height(vec![Column::new(
                    "i".into(),
                    r.map(|i| i as u32).collect::<Vec<u32>>(),
                )])
                .map_err(polars_err("test"))
            })
            .unwrap();
        }
        let done = g.commit().unwrap();
        for (k, &rows) in sizes.iter().enumerate() {
            let df = read_parquet(&done.join(format!("t{k}.parquet")));
            let got: Vec<u32> = df
                .column("i")
                .unwrap()
                .u32()
                .unwrap()
                .into_no_null_iter()
                .collect();
            assert_eq!(got, (0..rows as u32).collect::<Vec<_>>(), "{rows} rows");
        }
    }
}
