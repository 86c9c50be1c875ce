//! The files of a generation a user reads (README.md, What a run writes): `crosswalk.csv`,
//! `register.csv` and `register.parquet`, `pairs.parquet`, `review.csv`, `rejects.csv`,
//! `changes.csv` and `summary.json`, each written into a `store::Generation`. The CSV files an
//! analyst opens go through `spreadsheet::safe_row`.

use std::io::Write;

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::field::Field;
use crate::ingest::Ingested;
use crate::register::Register;
use crate::score::{probability, Decision, Model, Scored, COMPARISONS};
use crate::spreadsheet::safe_row;
use crate::store::link::Unusable;
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

/// The golden values (`Golden::values`) are columns 1 to 8, in that order.
const REGISTER_COLUMNS: [&str; 12] = [
    "person_id",
    "full_name",
    "ic",
    "old_ic",
    "dob",
    "sex",
    "address",
    "postcode",
    "phone",
    "n_records",
    "sources",
    "first_generation",
];

/// `register.csv` and `register.parquet`: one row per person, ordered by person id.
///
/// With `previous` (the previous generation's `register.csv`), the row of a person whose golden
/// record was kept (`Register::kept`) is copied as the bytes it was, not formatted again: its
/// id, golden values, records, sources and first generation are all the previous person's, and
/// formatting every row again would be a large part of a nightly run's CPU.
pub fn register(g: &Generation, reg: &Register, previous: Option<&PreviousRows>) -> Result<()> {
    let order = crate::register::order_by_id(&reg.persons);
    let sources = SourceLists::of(reg, &order);
    let mut f = Summed::create(g, "register.csv")?;
    let mut rows = RowFormat::new();
    f.put(rows.header()?)?;
    // Per person, its previous person's row, when it has one to copy.
    let mut copied_from = vec![u32::MAX; reg.persons.len()];
    if previous.is_some() {
        for &(p, q) in &reg.kept {
            copied_from[p as usize] = q;
        }
    }
    // Adjacent copied rows are written as one slice.
    let mut run = 0..0;
    let mut released = 0;
    for (&i, &list) in order.iter().zip(&sources.of) {
        let sources = sources.lists[list as usize].as_str();
        let p = &reg.persons[i];
        let row = previous
            .zip(Some(copied_from[i]).filter(|&q| q != u32::MAX))
            .and_then(|(prev, q)| prev.row_of(q as usize, &p.id));
        match row {
            Some(r) if r.start == run.end => run.end = r.end,
            _ => {
                if let Some(prev) = previous.filter(|_| !run.is_empty()) {
                    f.put(&prev.bytes[run.clone()])?;
                    released = prev.release(released, run.end);
                }
                match row {
                    Some(r) => run = r,
                    None => {
                        run = 0..0;
                        f.put(rows.row(p, sources)?)?;
                    }
                }
            }
        }
    }
    if let Some(prev) = previous.filter(|_| !run.is_empty()) {
        f.put(&prev.bytes[run])?;
    }
    f.finish(g)?;

    // In batches, as pairs.parquet: the whole register as one frame would copy every value.
    write_parquet_batched(g, "register.parquet", order.len(), &|range| {
        register_batch(reg, &order[range.clone()], &sources, &sources.of[range])
    })
}

/// The persons' sources, each distinct list joined (`jkm;akpk`) once for both files: few
/// lists recur over a whole register, so joining each person's would repeat the same work.
struct SourceLists {
    lists: Vec<String>,
    /// Per person, in the order given: its list's index in `lists`.
    of: Vec<IdxSize>,
}

impl SourceLists {
    fn of(reg: &Register, order: &[usize]) -> SourceLists {
        type Index<'a> = ahash::AHashMap<&'a [crate::normalise::Text], IdxSize>;
        // Interned a piece of the persons at a time in parallel (reaching each person's list
        // is a cache miss), then the pieces' lists are numbered as they come.
        let pieces: Vec<(Vec<&[crate::normalise::Text]>, Vec<IdxSize>)> = order
            .par_chunks(1 << 16)
            .map(|piece| {
                let (mut index, mut lists) = (Index::default(), Vec::new());
                let of = piece
                    .iter()
                    .map(|&i| {
                        let sources = reg.persons[i].sources.as_slice();
                        *index.entry(sources).or_insert_with(|| {
                            lists.push(sources);
                            (lists.len() - 1) as IdxSize
                        })
                    })
                    .collect();
                (lists, of)
            })
            .collect();
        let (mut index, mut lists) = (Index::default(), Vec::new());
        let mut of = Vec::with_capacity(order.len());
        for (piece_lists, piece_of) in pieces {
            let number: Vec<IdxSize> = piece_lists
                .into_iter()
                .map(|sources| {
                    *index.entry(sources).or_insert_with(|| {
                        lists.push(sources.join(";"));
                        (lists.len() - 1) as IdxSize
                    })
                })
                .collect();
            of.extend(piece_of.into_iter().map(|k| number[k as usize]));
        }
        SourceLists { lists, of }
    }
}

/// A column of `values[k]` for each index `k` of `at`: gathered from a column of the values,
/// not built from text per row, for columns of few distinct values.
fn gathered(name: PlSmallStr, values: &[&str], at: &[IdxSize]) -> Column {
    StringChunked::from_slice(name, values)
        .take(at)
        .expect("each index is one of the values'")
        .into_column()
}

/// A file written with its checksum beside it (`NAME.xxh3`: `sum_line` of the xxh3-64 of its
/// bytes), so that a later run can tell the file is still the one written before copying
/// from it. Hashed and written a megabyte at a time, as `link.bin` is (`link::Hashing`).
struct Summed {
    w: crate::store::link::Hashing<OutFile>,
    path: std::path::PathBuf,
    name: &'static str,
}

impl Summed {
    fn create(g: &Generation, name: &'static str) -> Result<Summed> {
        let f = g.create(name)?;
        Ok(Summed {
            path: f.path().to_path_buf(),
            w: crate::store::link::Hashing::new(f),
            name,
        })
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.w.put(bytes).map_err(|e| Error::io(&self.path, e))
    }

    fn finish(self, g: &Generation) -> Result<()> {
        let (f, digest) = self
            .w
            .finish_apart()
            .map_err(|e| Error::io(&self.path, e))?;
        f.finish()?;
        let mut sum = g.create(&sum_file(self.name))?;
        sum.write_all(sum_line(digest).as_bytes())
            .map_err(|e| Error::io(sum.path(), e))?;
        sum.finish()
    }
}

/// A checksum file's text: the checksum, then `CELLS`.
fn sum_line(digest: u64) -> String {
    format!("{digest:016x} {CELLS}\n")
}

/// Said after the checksum: the file's cells are written by `safe_cell`. A file whose checksum
/// does not say so was written by an older padan, with its cells as they came: its rows are
/// not copied.
const CELLS: &str = "cells=safe";

/// The checksum file beside `name` (`Summed`).
fn sum_file(name: &str) -> String {
    format!("{name}.xxh3")
}

/// Formats `register.csv`'s rows one at a time, as its writer always has: into a buffer that
/// is started afresh past 1 MB (a `csv::Writer` cannot clear its output).
struct RowFormat {
    w: csv::Writer<Vec<u8>>,
    /// Where the next row starts in `w`'s output.
    at: usize,
}

impl RowFormat {
    fn new() -> RowFormat {
        RowFormat {
            w: csv::WriterBuilder::new().from_writer(Vec::new()),
            at: 0,
        }
    }

    /// Formats one row with `write`; returns its bytes.
    fn format(
        &mut self,
        write: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> csv::Result<()>,
    ) -> Result<&[u8]> {
        if self.at > 1 << 20 {
            *self = RowFormat::new();
        }
        let err = csv_err("register.csv");
        write(&mut self.w).map_err(&err)?;
        self.w.flush().map_err(|e| err(e.into()))?;
        let start = std::mem::replace(&mut self.at, self.w.get_ref().len());
        Ok(&self.w.get_ref()[start..])
    }

    fn header(&mut self) -> Result<&[u8]> {
        self.format(|w| w.write_record(REGISTER_COLUMNS))
    }

    /// Person `p`'s row, with its sources joined.
    fn row(&mut self, p: &crate::register::Person, sources: &str) -> Result<&[u8]> {
        let golden = p.golden.values().map(|v| v.as_deref().unwrap_or_default());
        self.format(|w| {
            safe_row(
                w,
                std::iter::once(p.id.as_str()).chain(golden).chain([
                    p.records.len().to_string().as_str(),
                    sources,
                    p.first_generation.to_string().as_str(),
                ]),
            )
        })
    }
}

/// How many kept persons' rows `PreviousRows::open` formats again to compare.
const ROWS_CHECKED: usize = 64;

/// The previous generation's `register.csv`, mapped, with where each of its rows starts.
pub struct PreviousRows {
    bytes: memmap2::Mmap,
    /// Where each row starts, then where the last ends.
    starts: Vec<usize>,
}

impl PreviousRows {
    /// Opens the `register.csv` at `path` of a generation of `persons` persons, for the rows
    /// of `reg`'s kept persons. Refused (with why) unless it has this padan's header and one
    /// row per person, and the rows of kept persons spread over the register are what this
    /// padan writes for them now: a file written by other code, or changed since, is not
    /// copied from.
    pub fn open(
        path: &std::path::Path,
        persons: usize,
        reg: &Register,
    ) -> std::result::Result<PreviousRows, Unusable> {
        let damaged = |why: String| Unusable::Damaged(why);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let sum = match std::fs::read_to_string(path.with_file_name(sum_file(name))) {
            Ok(sum) => sum,
            // Written by an older padan: its rows are formatted again.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unusable::Missing),
            Err(e) => return Err(damaged(format!("its checksum cannot be read: {e}"))),
        };
        if !sum.trim_end().ends_with(CELLS) {
            return Err(Unusable::Missing);
        }
        let file = std::fs::File::open(path).map_err(|e| damaged(e.to_string()))?;
        // SAFETY: the store's files are written once, then only read or removed (the store is
        // locked while a run reads it); the bytes are only read through slices and checked.
        // The checksum is of the bytes as they are now: the rows are copied from the same
        // mapping later, which nothing changes meanwhile but a hand at the locked store.
        let bytes = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| damaged(e.to_string()))?;
        let mut rows = RowFormat::new();
        let header = rows.header().map_err(|e| damaged(e.to_string()))?;
        if !bytes.starts_with(header) {
            return Err(damaged(
                "its header is not the one this padan writes".into(),
            ));
        }
        // Checked and its rows found a piece at a time, each piece's pages handed back once
        // read (they are read again as rows are copied), so that the whole file is never
        // counted in the run's memory at once.
        const PIECE: usize = 16 << 20;
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        let mut scan = RowScan::new(header.len());
        for at in (0..bytes.len()).step_by(PIECE) {
            let end = (at + PIECE).min(bytes.len());
            h.update(&bytes[at..end]);
            scan.read(&bytes, at.max(header.len())..end);
            crate::store::stored::release_pages(&bytes, at, end);
        }
        if sum.trim() != sum_line(h.digest()).trim() {
            return Err(damaged("it changed after it was written".into()));
        }
        let starts = scan
            .finish(bytes.len())
            .ok_or_else(|| damaged("its last row is cut short".into()))?;
        if starts.len() != persons + 1 {
            return Err(damaged(format!(
                "it has {} rows for {persons} persons",
                starts.len() - 1
            )));
        }
        let prev = PreviousRows { bytes, starts };
        let step = reg.kept.len().div_ceil(ROWS_CHECKED).max(1);
        for &(p, q) in reg.kept.iter().step_by(step) {
            let p = &reg.persons[p as usize];
            let row = rows
                .row(p, &p.sources.join(";"))
                .map_err(|e| damaged(e.to_string()))?;
            // A row that does not name its person (an id written quoted, say) is formatted
            // when the register is written, not copied: not a reason to refuse the rest.
            let differs = prev
                .row_of(q as usize, &p.id)
                .is_some_and(|r| prev.bytes[r] != *row);
            if differs {
                return Err(damaged(format!(
                    "person {}'s row differs from what this padan writes for it",
                    p.id
                )));
            }
        }
        Ok(prev)
    }

    /// Where row `q` is, when it is the row of the person with id `id`.
    fn row_of(&self, q: usize, id: &str) -> Option<std::ops::Range<usize>> {
        let (start, end) = (*self.starts.get(q)?, *self.starts.get(q + 1)?);
        let row = &self.bytes[start..end];
        let named = row.starts_with(id.as_bytes()) && row.get(id.len()) == Some(&b',');
        named.then_some(start..end)
    }

    /// Hands back to the kernel the pages of the rows copied, `from..to` (bytes), so that the
    /// file's pages do not stay counted in the run's memory; returns where it stopped.
    fn release(&self, from: usize, to: usize) -> usize {
        const PAGE: usize = 4096;
        // In steps of 16 MB, whole pages only.
        const STEP: usize = 4096 * PAGE;
        let (start, end) = (from.next_multiple_of(PAGE), to / PAGE * PAGE);
        if end < start + STEP {
            return from;
        }
        crate::store::stored::release_pages(&self.bytes, start, end);
        end
    }
}

/// Where each row of a CSV text starts, read a piece at a time: a row ends at a newline
/// outside quotes (a field that holds a quote or a newline is quoted, and a quote in it
/// doubled, so counting quotes tells inside from outside).
struct RowScan {
    starts: Vec<usize>,
    quoted: bool,
}

impl RowScan {
    /// Rows from `from` on.
    fn new(from: usize) -> RowScan {
        RowScan {
            starts: vec![from],
            quoted: false,
        }
    }

    /// Reads `bytes[range]`, the piece after the last read.
    fn read(&mut self, bytes: &[u8], range: std::ops::Range<usize>) {
        let from = range.start;
        for k in memchr::memchr2_iter(b'"', b'\n', &bytes[range]) {
            if bytes[from + k] == b'"' {
                self.quoted = !self.quoted;
            } else if !self.quoted {
                self.starts.push(from + k + 1);
            }
        }
    }

    /// Where each row starts, then where the last ends, once a text of `len` bytes is read;
    /// `None` when it does not end with a row's end.
    fn finish(self, len: usize) -> Option<Vec<usize>> {
        (!self.quoted && self.starts.last() == Some(&len)).then_some(self.starts)
    }
}

/// One batch of `register.parquet`: the persons at `order`, with their sources' lists.
fn register_batch(
    reg: &Register,
    order: &[usize],
    sources: &SourceLists,
    lists: &[IdxSize],
) -> Result<DataFrame> {
    let ps: Vec<_> = order.iter().map(|&i| &reg.persons[i]).collect();
    let text = |f: &dyn Fn(&crate::register::Person) -> Option<&str>| -> Vec<Option<&str>> {
        ps.iter().map(|p| f(p)).collect()
    };
    let mut cols = vec![Column::new(
        "person_id".into(),
        text(&|p| Some(p.id.as_str())),
    )];
    // The golden values, in `REGISTER_COLUMNS` order.
    for (k, &name) in REGISTER_COLUMNS[1..9].iter().enumerate() {
        cols.push(Column::new(
            name.into(),
            text(&|p| p.golden.values()[k].as_deref()),
        ));
    }
    cols.extend([
        Column::new(
            "n_records".into(),
            ps.iter()
                .map(|p| p.records.len() as u32)
                .collect::<Vec<_>>(),
        ),
        gathered(
            "sources".into(),
            &sources.lists.iter().map(String::as_str).collect::<Vec<_>>(),
            lists,
        ),
        Column::new(
            "first_generation".into(),
            ps.iter().map(|p| p.first_generation).collect::<Vec<_>>(),
        ),
    ]);
    DataFrame::new_infer_height(cols).map_err(polars_err("register.parquet"))
}

/// `pairs.parquet`: every scored pair at or above the floor, strongest first.
pub fn pairs(
    g: &Generation,
    ing: &Ingested,
    names: &[u64],
    persons: &RecordPersons,
    scored: &[Scored],
    model: &Model,
) -> Result<()> {
    write_parquet_batched(g, "pairs.parquet", scored.len(), &|range| {
        pairs_batch(ing, names, persons, &scored[range], model)
    })
}

/// One batch of `pairs.parquet`.
fn pairs_batch(
    ing: &Ingested,
    names: &[u64],
    persons: &RecordPersons,
    scored: &[Scored],
    model: &Model,
) -> Result<DataFrame> {
    let rid = |i: u32| ing.records[i as usize].record_id.as_str();
    // Each column is built on its own, in parallel: the file is the write stage's longest, and
    // the other files are done before it.
    type Build<'a> = Box<dyn Fn() -> Column + Sync + 'a>;
    fn text<'a>(
        name: &'static str,
        scored: &'a [Scored],
        f: impl Fn(&Scored) -> &'a str + Sync + 'a,
    ) -> Build<'a> {
        Box::new(move || Column::new(name.into(), scored.iter().map(&f).collect::<Vec<_>>()))
    }
    fn ids<'a>(
        name: &'static str,
        scored: &'a [Scored],
        persons: &'a RecordPersons<'a>,
        side: fn(&Scored) -> u32,
    ) -> Build<'a> {
        Box::new(move || {
            // The pairs' records are in no order: their numbers are read ahead in a loop of
            // their own (the text is then written from them in order).
            let numbers: Vec<u64> = scored
                .iter()
                .map(|p| persons.numbers[side(p) as usize])
                .collect();
            let ids = numbers
                .iter()
                .zip(scored)
                .map(|(&n, p)| persons.id_of(n, side(p)));
            StringChunked::from_iter_values(name.into(), ids).into_column()
        })
    }
    // A column of few distinct values (`values`), as the value at each pair's index: gathered
    // from a column of those values, not built from every pair's text (a string per pair,
    // for tens of millions of pairs).
    fn few<'a>(
        name: PlSmallStr,
        values: &'a [&'a str],
        scored: &'a [Scored],
        at: impl Fn(&Scored) -> usize + Sync + 'a,
    ) -> Build<'a> {
        Box::new(move || {
            let at: Vec<IdxSize> = scored.iter().map(|p| at(p) as IdxSize).collect();
            gathered(name.clone(), values, &at)
        })
    }
    let sources: Vec<&str> = ing.sources.iter().map(|s| s.name.as_str()).collect();
    let sources = &sources;
    let source = move |i: u32| ing.records[i as usize].source as usize;
    const DECISIONS: [Decision; 3] = [Decision::Match, Decision::Review, Decision::NonMatch];
    let decisions = DECISIONS.map(Decision::label);
    let decisions = &decisions;
    let labels: Vec<Vec<&str>> = COMPARISONS
        .iter()
        .map(|c| c.levels.iter().map(|l| l.label).collect())
        .collect();
    let mut builds: Vec<Build> = vec![
        few("source_l".into(), sources, scored, move |p| source(p.a)),
        text("record_id_l", scored, move |p| rid(p.a)),
        few("source_r".into(), sources, scored, move |p| source(p.b)),
        text("record_id_r", scored, move |p| rid(p.b)),
        Box::new(|| {
            Column::new(
                "match_weight".into(),
                scored.iter().map(|p| p.weight).collect::<Vec<_>>(),
            )
        }),
        Box::new(|| {
            Column::new(
                "match_probability".into(),
                scored
                    .iter()
                    .map(|p| probability(p.weight))
                    .collect::<Vec<_>>(),
            )
        }),
        few("decision".into(), decisions, scored, |p| {
            DECISIONS
                .iter()
                .position(|&d| d == p.decision)
                .expect("every decision")
        }),
        ids("person_id_l", scored, persons, |p| p.a),
        ids("person_id_r", scored, persons, |p| p.b),
    ];
    let before_levels = builds.len();
    for (k, (c, labels)) in COMPARISONS.iter().zip(&labels).enumerate() {
        builds.push(few(
            format!("{}_level", c.name).into(),
            labels,
            scored,
            move |p| p.levels[k] as usize,
        ));
    }
    // Each comparison's weights, a column each, made in one pass over the pairs (the pairs'
    // weights side by side, then copied out per column, would cost a second pass and twice
    // the memory fresh from the kernel).
    let weights = || {
        let mut cols: Vec<Vec<f64>> = COMPARISONS
            .iter()
            .map(|_| Vec::with_capacity(scored.len()))
            .collect();
        for p in scored {
            let w = model.field_weights(names[p.a as usize], &p.levels);
            for (col, w) in cols.iter_mut().zip(w) {
                col.push(w);
            }
        }
        cols
    };
    let (mut built, weights): (Vec<Column>, _) =
        rayon::join(|| builds.par_iter().map(|b| b()).collect(), weights);
    // Each comparison's level, then its weight.
    let levels = built.split_off(before_levels);
    let mut cols = built;
    for ((level, c), w) in levels.into_iter().zip(COMPARISONS.iter()).zip(weights) {
        cols.push(level);
        cols.push(Column::new(format!("{}_weight", c.name).into(), w));
    }
    cols.push(Column::new(
        "prior_weight".into(),
        vec![model.prior_weight; scored.len()],
    ));
    DataFrame::new_infer_height(cols).map_err(polars_err("pairs.parquet"))
}

/// The fields shown side by side in `review.csv`.
const REVIEW_FIELDS: [(&str, &[Field]); 8] = [
    ("name", &[Field::FullName, Field::GivenName, Field::Surname]),
    ("ic", &[Field::Ic, Field::OldIc]),
    ("dob", &[Field::Dob]),
    ("sex", &[Field::Sex]),
    ("address", &[Field::Address, Field::Postcode]),
    ("phone", &[Field::Phone]),
    ("other_id", &[Field::Passport, Field::NationalId]),
    ("household_id", &[Field::HouseholdId]),
];

/// `review.csv`: the pairs in the review band, strongest first, with both records' values as
/// they came in and an empty `decision` column for an analyst (`same` or `different`).
pub fn review(g: &Generation, ing: &Ingested, scored: &[Scored], bom: bool) -> Result<()> {
    let name = "review.csv";
    let mut f = g.create(name)?;
    if bom {
        f.write_all("\u{FEFF}".as_bytes())
            .map_err(|e| Error::io(f.path(), e))?;
    }
    let mut w = csv::WriterBuilder::new().from_writer(f);
    let mut header: Vec<String> = ["source_l", "record_id_l", "source_r", "record_id_r"]
        .map(String::from)
        .to_vec();
    header.push("match_weight".into());
    header.push("match_probability".into());
    for c in &COMPARISONS {
        header.push(format!("{}_level", c.name));
    }
    for (f, _) in REVIEW_FIELDS {
        header.push(format!("{f}_l"));
        header.push(format!("{f}_r"));
    }
    header.push("decision".into());
    w.write_record(&header).map_err(csv_err(name))?;
    let mut rows: Vec<&Scored> = scored
        .iter()
        .filter(|p| p.decision == Decision::Review)
        .collect();
    rows.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then((a.a, a.b).cmp(&(b.a, b.b)))
    });
    let joined = |i: u32, fs: &[Field]| {
        fs.iter()
            .filter_map(|&f| ing.value(i as usize, f))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    for p in rows {
        let mut rec: Vec<String> = Vec::with_capacity(header.len());
        for i in [p.a, p.b] {
            let r = &ing.records[i as usize];
            rec.push(ing.sources[r.source as usize].name.clone());
            rec.push(r.record_id.clone());
        }
        rec.push(format!("{:.3}", p.weight));
        rec.push(format!("{:.6}", probability(p.weight)));
        for (k, c) in COMPARISONS.iter().enumerate() {
            rec.push(c.levels[p.levels[k] as usize].label.to_string());
        }
        for (_, fs) in REVIEW_FIELDS {
            rec.push(joined(p.a, fs));
            rec.push(joined(p.b, fs));
        }
        rec.push(String::new());
        safe_row(&mut w, rec.iter().map(String::as_str)).map_err(csv_err(name))?;
    }
    finish_csv(w)
}

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

/// `summary.json`.
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

    #[test]
    fn the_golden_values_are_the_register_columns_in_order() {
        let t = |s: &str| Some(crate::normalise::Text::from(s));
        let g = crate::register::Golden {
            full_name: t("full_name"),
            ic: t("ic"),
            old_ic: t("old_ic"),
            dob: t("dob"),
            sex: t("sex"),
            address: t("address"),
            postcode: t("postcode"),
            phone: t("phone"),
            ..Default::default()
        };
        let values: Vec<_> = g.values().iter().map(|v| v.as_deref().unwrap()).collect();
        assert_eq!(values, REGISTER_COLUMNS[1..9]);
    }

    fn register_of(ids: &[&str]) -> Register {
        Register {
            persons: ids
                .iter()
                .map(|&id| Person {
                    id: id.into(),
                    ..Default::default()
                })
                .collect(),
            person_of: Vec::new(),
            kept: Vec::new(),
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
    fn read_parquet(path: &std::path::Path) -> DataFrame {
        ParquetReader::new(std::fs::File::open(path).unwrap())
            .finish()
            .unwrap()
    }

    /// A string column's values, none missing.
    fn texts(df: &DataFrame, name: &str) -> Vec<String> {
        let c = df.column(name).unwrap().str().unwrap();
        c.iter().map(|v| v.unwrap().to_string()).collect()
    }

    fn ids_in_order(reg: &Register) -> Vec<String> {
        crate::register::order_by_id(&reg.persons)
            .into_iter()
            .map(|i| reg.persons[i].id.to_string())
            .collect()
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

    #[test]
    fn persons_are_written_in_the_order_of_their_ids_made_or_carried() {
        let made: Vec<String> = (0..500)
            .map(|i| person_id("jkm", &i.to_string()).to_string())
            .collect();
        let mut want = made.clone();
        want.sort();
        let reg = register_of(&made.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(ids_in_order(&reg), want);
        // An id carried from an older store, of another shape: sorted as text, with the rest.
        let mut mixed = made.clone();
        mixed.insert(250, "P17é".into());
        mixed.insert(10, "A1".into());
        let mut want = mixed.clone();
        want.sort();
        let reg = register_of(&mixed.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(ids_in_order(&reg), want);
    }

    /// `n` persons with names (some that need quoting), sources and records, in id order.
    fn register_of_people(n: usize) -> Register {
        let t = |s: String| Some(crate::normalise::Text::from(s));
        let mut persons: Vec<Person> = (0..n)
            .map(|i| Person {
                id: person_id("jkm", &i.to_string()),
                records: vec![i as u32],
                golden: crate::register::Golden {
                    full_name: t(if i % 7 == 0 {
                        format!("AHMAD \"MAT\", {i}\nBIN ALI")
                    } else {
                        format!("AHMAD {i}")
                    }),
                    dob: t("1980-01-02".into()),
                    ..Default::default()
                },
                sources: vec!["jkm".into(), "akpk".into()],
                first_generation: 1,
            })
            .collect();
        persons.sort_by(|a, b| a.id.cmp(&b.id));
        Register {
            person_of: (0..n as u32).collect(),
            persons,
            kept: Vec::new(),
        }
    }

    /// Writes `reg`'s register (copying from `previous`) into a new generation of `root`.
    fn write_register(
        root: &std::path::Path,
        reg: &Register,
        previous: Option<&PreviousRows>,
    ) -> std::path::PathBuf {
        let g = Generation::begin(root).unwrap();
        register(&g, reg, previous).unwrap();
        g.commit().unwrap()
    }

    /// `reg` with one person more (sorted in among the rest), every other person kept from
    /// the previous register `before` (same id, same place there).
    fn next_of(before: &Register) -> Register {
        let mut reg = register_of_people(before.persons.len());
        reg.persons.push(Person {
            id: person_id("aim", "new"),
            golden: crate::register::Golden {
                full_name: Some("SITI BINTI ABU".into()),
                ..Default::default()
            },
            first_generation: 2,
            ..Default::default()
        });
        reg.persons.sort_by(|a, b| a.id.cmp(&b.id));
        reg.kept = (0..reg.persons.len())
            .filter_map(|p| {
                let q = before
                    .persons
                    .iter()
                    .position(|b| b.id == reg.persons[p].id)?;
                Some((p as u32, q as u32))
            })
            .collect();
        reg
    }

    #[test]
    fn kept_persons_rows_are_copied_from_the_previous_register() {
        let dir = tempfile::tempdir().unwrap();
        let before = register_of_people(300);
        let first = write_register(dir.path(), &before, None);
        let csv = first.join("register.csv");
        // The checksum beside the file is its bytes'.
        let bytes = std::fs::read(&csv).unwrap();
        let sum = std::fs::read_to_string(first.join("register.csv.xxh3")).unwrap();
        assert_eq!(sum, sum_line(xxhash_rust::xxh3::xxh3_64(&bytes)));

        let reg = next_of(&before);
        assert_eq!(reg.kept.len(), 300);
        let fresh = write_register(dir.path(), &reg, None);
        let prev = PreviousRows::open(&csv, 300, &reg).unwrap();
        let copied = write_register(dir.path(), &reg, Some(&prev));
        let read = |d: &std::path::Path| std::fs::read(d.join("register.csv")).unwrap();
        assert_eq!(read(&copied), read(&fresh));
        assert_eq!(prev.starts.len(), 301);

        // The rows are the previous file's bytes, not formatted again: a row changed there
        // (and its checksum made to match) comes through, except where it no longer names its
        // person, which is formatted afresh.
        let checked: Vec<u32> = reg
            .kept
            .iter()
            .step_by(reg.kept.len().div_ceil(ROWS_CHECKED))
            .map(|k| k.1)
            .collect();
        let (changed, renamed) = {
            let mut free = (0..300u32).filter(|q| !checked.contains(q));
            (free.next().unwrap() as usize, free.next().unwrap() as usize)
        };
        let mut edited = bytes.clone();
        let at = |q: usize| prev.starts[q] + before.persons[q].id.len() + 1;
        edited[at(changed)..at(changed) + 5].copy_from_slice(b"ZAHID");
        edited[prev.starts[renamed]] = b'Q';
        drop(prev);
        std::fs::write(&csv, &edited).unwrap();
        std::fs::write(
            first.join("register.csv.xxh3"),
            sum_line(xxhash_rust::xxh3::xxh3_64(&edited)),
        )
        .unwrap();
        let prev = PreviousRows::open(&csv, 300, &reg).unwrap();
        let out = String::from_utf8(read(&write_register(dir.path(), &reg, Some(&prev)))).unwrap();
        let want = String::from_utf8(read(&fresh)).unwrap();
        let name = before.persons[changed].golden.full_name.clone().unwrap();
        assert!(!name.starts_with("ZAHID"));
        assert_eq!(
            out,
            want.replacen(
                &format!("{},{}", before.persons[changed].id, &name[..5]),
                &format!("{},ZAHID", before.persons[changed].id),
                1
            )
        );
    }

    #[test]
    fn a_previous_register_that_cannot_be_trusted_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let before = register_of_people(100);
        let first = write_register(dir.path(), &before, None);
        let csv = first.join("register.csv");
        let sum = first.join("register.csv.xxh3");
        let reg = next_of(&before);
        let bytes = std::fs::read(&csv).unwrap();
        let refused = |persons: usize, reg: &Register| match PreviousRows::open(&csv, persons, reg)
        {
            Err(Unusable::Damaged(why)) => why,
            Err(Unusable::Missing) => "missing".into(),
            Ok(_) => "opened".into(),
        };
        assert_eq!(refused(100, &reg), "opened");
        assert!(
            refused(101, &reg).contains("101 persons"),
            "{}",
            refused(101, &reg)
        );
        // Rows a later padan would write otherwise (here, another first generation).
        let mut other = next_of(&before);
        for p in &mut other.persons {
            p.first_generation = 3;
        }
        assert!(refused(100, &other).contains("differs from what this padan writes"));
        // Changed after it was written.
        let mut edited = bytes.clone();
        let k = edited.len() - 3;
        edited[k] = b'X';
        std::fs::write(&csv, &edited).unwrap();
        assert!(refused(100, &reg).contains("changed after it was written"));
        // Another header, or a last row cut short, with a checksum that matches.
        let with_sum = |b: &[u8]| {
            std::fs::write(&csv, b).unwrap();
            std::fs::write(&sum, sum_line(xxhash_rust::xxh3::xxh3_64(b))).unwrap();
        };
        with_sum(&[b"id", &bytes[9..]].concat());
        assert!(refused(100, &reg).contains("header"));
        with_sum(&bytes[..bytes.len() - 1]);
        assert!(refused(100, &reg).contains("cut short"));
        // A checksum without `CELLS`: written by an older padan, whose cells may hold a
        // formula: not copied from.
        with_sum(&bytes);
        assert_eq!(refused(100, &reg), "opened");
        std::fs::write(
            &sum,
            format!("{:016x}\n", xxhash_rust::xxh3::xxh3_64(&bytes)),
        )
        .unwrap();
        assert_eq!(refused(100, &reg), "missing");
        // No checksum: written by an older padan.
        std::fs::remove_file(&sum).unwrap();
        assert_eq!(refused(100, &reg), "missing");
    }

    /// `RowScan` over `bytes` from `from`, in pieces of 3 bytes.
    fn row_starts(bytes: &[u8], from: usize) -> Option<Vec<usize>> {
        let mut scan = RowScan::new(from);
        for at in (from..bytes.len()).step_by(3) {
            scan.read(bytes, at..(at + 3).min(bytes.len()));
        }
        scan.finish(bytes.len())
    }

    #[test]
    fn rows_end_at_newlines_outside_quotes() {
        let text = b"h1,h2\na,\"b\nc\"\n\"x\"\"\ny\",z\n\n";
        assert_eq!(row_starts(text, 6), Some(vec![6, 14, 24, 25]));
        assert_eq!(row_starts(text, text.len()), Some(vec![25]));
        // Cut short after a field, and within quotes just past a newline.
        assert_eq!(row_starts(&text[..23], 6), None);
        assert_eq!(row_starts(&text[..19], 6), None);
    }

    #[test]
    fn pairs_name_each_pairs_sources_decision_and_levels() {
        use crate::ingest::{Record, SourceInfo};
        let mut ing = Ingested::default();
        for (k, name) in ["jkm", "aim", "akpk"].iter().enumerate() {
            ing.sources.push(SourceInfo {
                name: name.to_string(),
                spec: k,
                priority: 0,
                dates: vec![],
            });
        }
        for k in 0..6u32 {
            ing.records
                .push(Record::new((k % 3) as u16, k as u64 + 2, format!("r{k}")));
        }
        let reg = Register {
            persons: (0..6)
                .map(|k| Person {
                    id: format!("P{k}").into(),
                    records: vec![k],
                    ..Default::default()
                })
                .collect(),
            person_of: (0..6).collect(),
            kept: Vec::new(),
        };
        let decisions = [Decision::Review, Decision::NonMatch, Decision::Match];
        let scored: Vec<Scored> = (0..6u32)
            .map(|k| Scored {
                a: k,
                b: (k + 1) % 6,
                weight: k as f64,
                levels: std::array::from_fn(|c| {
                    ((k as usize + c) % COMPARISONS[c].levels.len()) as u8
                }),
                decision: decisions[k as usize % 3],
            })
            .collect();
        let model = Model::fixed();
        let df = pairs_batch(&ing, &[0; 6], &RecordPersons::of(&reg), &scored, &model).unwrap();
        let text = |name: &str| texts(&df, name);
        let source = |i: u32| {
            ing.sources[ing.records[i as usize].source as usize]
                .name
                .clone()
        };
        assert_eq!(
            text("source_l"),
            scored.iter().map(|p| source(p.a)).collect::<Vec<_>>()
        );
        assert_eq!(
            text("source_r"),
            scored.iter().map(|p| source(p.b)).collect::<Vec<_>>()
        );
        assert_eq!(text("person_id_r"), ["P1", "P2", "P3", "P4", "P5", "P0"]);
        assert_eq!(
            text("decision"),
            scored
                .iter()
                .map(|p| p.decision.label())
                .collect::<Vec<_>>()
        );
        for (k, c) in COMPARISONS.iter().enumerate() {
            let want: Vec<_> = scored
                .iter()
                .map(|p| c.levels[p.levels[k] as usize].label)
                .collect();
            assert_eq!(text(&format!("{}_level", c.name)), want, "{}", c.name);
        }
    }

    #[test]
    fn both_register_files_name_each_persons_sources() {
        let dir = tempfile::tempdir().unwrap();
        // Past one piece of the persons interned at a time, each piece meeting the lists in
        // another order.
        let mut reg = register_of_people(70_000);
        let lists: [&[&str]; 4] = [&["jkm"], &["aim", "jkm"], &[], &["jkm", "aim"]];
        for (k, p) in reg.persons.iter_mut().enumerate() {
            p.sources = lists[(k * 7 + k / 65_536) % 4]
                .iter()
                .map(|&s| s.into())
                .collect();
        }
        let want: Vec<String> = reg.persons.iter().map(|p| p.sources.join(";")).collect();
        let done = write_register(dir.path(), &reg, None);
        let mut csv = csv::Reader::from_path(done.join("register.csv")).unwrap();
        let got: Vec<String> = csv.records().map(|r| r.unwrap()[10].to_string()).collect();
        assert_eq!(got, want);
        let got = texts(&read_parquet(&done.join("register.parquet")), "sources");
        assert_eq!(got, want);
    }

    #[test]
    fn a_kept_person_whose_id_is_written_quoted_is_formatted_not_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut before = register_of_people(10);
        // Still in id order: the comma sorts before any hex digit.
        before.persons[3].id = format!("{},x", before.persons[3].id).into();
        let first = write_register(dir.path(), &before, None);
        let mut reg = register_of_people(10);
        reg.persons[3].id = before.persons[3].id.clone();
        reg.kept = (0..10).map(|k| (k, k)).collect();
        let fresh = write_register(dir.path(), &reg, None);
        let prev = PreviousRows::open(&first.join("register.csv"), 10, &reg).unwrap();
        assert_eq!(prev.row_of(3, &reg.persons[3].id), None);
        let copied = write_register(dir.path(), &reg, Some(&prev));
        let read = |d: &std::path::Path| std::fs::read(d.join("register.csv")).unwrap();
        assert_eq!(read(&copied), read(&fresh));
    }
}
