//! Ingest: every agency export becomes canonical records, or rejects with a reason.
//!
//! Reads: the files named in the configuration (CSV/TSV in UTF-8, windows-1252 or latin-1;
//! xlsx; parquet). Writes: `Ingested` — the records in file order, the rejected rows, and
//! per-file counts.
//! Invariants: every data row of every file ends as exactly one `Record` or one `Reject`
//! (nothing is silently dropped); record ids are unique within a source; all files are opened
//! and their columns checked before any row is read, so a mapping mistake costs no time.

pub mod delimited;
pub mod encoded;
pub mod parquet;
pub mod xlsx;

use ahash::AHashMap;
use serde::Serialize;

use crate::config::{ColumnMap, Config, Format, SourceSpec};
use crate::error::{Error, Result};
use crate::field::{Field, N_FIELDS};
use crate::mask;

/// One data row as read from a file, before mapping.
#[derive(Clone, Debug)]
pub struct RawRow {
    /// Line (CSV, xlsx: as an editor or spreadsheet shows it, the header being row 1) or 1-based
    /// row index (parquet).
    pub row: u64,
    /// The cells, end to end in one string (one allocation per row, not one per cell).
    pub cells: csv::StringRecord,
    /// Set when the row could not be decoded; the row is then rejected with this reason.
    pub problem: Option<String>,
}

/// A table opened for reading: its header and its rows.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Box<dyn Iterator<Item = Result<RawRow>> + Send>,
    /// Used to rebuild a row's raw text for `rejects.csv`.
    pub raw_separator: char,
}

/// One ingested record. Field values are trimmed and never empty.
///
/// The values sit end to end in one string, in `Field::ALL` order, each field a span of it:
/// one allocation per record rather than one per value. Once normalised, the run moves the
/// values to disk (`Ingested::spill`); they are then read through `Ingested::value`.
#[derive(Clone, Debug)]
pub struct Record {
    /// Index into `Ingested::sources`.
    pub source: u16,
    pub row: u64,
    pub record_id: String,
    text: Box<str>,
    /// Per field, in `Field::ALL` order, where its value ends in `text` (it starts where the
    /// previous field's ends).
    ends: [u32; N_FIELDS],
}

impl Record {
    pub fn new(source: u16, row: u64, record_id: String) -> Record {
        Record {
            source,
            row,
            record_id,
            text: Box::default(),
            ends: [0; N_FIELDS],
        }
    }

    /// A record whose fields' values are written by `values`: each field's value, trimmed,
    /// appended to the string it is given (nothing when missing), in `Field::ALL` order.
    fn build(
        row: u64,
        record_id: String,
        buf: &mut String,
        mut values: impl FnMut(Field, &mut String),
    ) -> Record {
        buf.clear();
        let mut ends = [0; N_FIELDS];
        for f in Field::ALL {
            let start = buf.len();
            values(f, buf);
            debug_assert_eq!(buf[start..].trim().len(), buf.len() - start, "untrimmed");
            ends[f.index()] = buf.len() as u32;
        }
        Record {
            source: 0,
            row,
            record_id,
            text: buf.as_str().into(),
            ends,
        }
    }

    /// Where field `f`'s value lies in the record's text.
    fn span(&self, f: Field) -> std::ops::Range<usize> {
        let i = f.index();
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        start as usize..self.ends[i] as usize
    }

    /// A hash of the record's values (not its row), the same whenever its content is: what
    /// tells an incremental run that a record has not changed.
    ///
    /// Each value present, with its field's number and its length before it, hashed in one
    /// call over those bytes laid end to end (what a streaming hash fed value by value gives,
    /// as stores already hold, at a fraction of the calls).
    pub fn content_hash(&self) -> u64 {
        thread_local!(static BYTES: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) });
        BYTES.with_borrow_mut(|b| {
            b.clear();
            for f in Field::ALL {
                if let Some(v) = self.get(f) {
                    b.push(f.index() as u8);
                    b.extend_from_slice(&(v.len() as u64).to_le_bytes());
                    b.extend_from_slice(v.as_bytes());
                }
            }
            xxhash_rust::xxh3::xxh3_64(b)
        })
    }

    /// A field's value. Panics once the values have been spilled (`Ingested::spill`): read
    /// them through `Ingested::value` then.
    pub fn get(&self, f: Field) -> Option<&str> {
        let span = self.span(f);
        (!span.is_empty()).then(|| &self.text[span])
    }

    /// Sets a field; blank values are stored as missing.
    pub fn set(&mut self, f: Field, v: &str) {
        let v = v.trim();
        let span = self.span(f);
        let mut text = String::from(std::mem::take(&mut self.text));
        text.replace_range(span.clone(), v);
        self.text = text.into_boxed_str();
        let delta = v.len() as i64 - span.len() as i64;
        for e in &mut self.ends[f.index()..] {
            *e = (*e as i64 + delta) as u32;
        }
    }

    fn has_identifying_field(&self) -> bool {
        Field::ALL
            .iter()
            .any(|f| f.is_identifying() && self.get(*f).is_some())
    }
}

/// A row that could not be used (`rejects.csv`).
#[derive(Clone, Debug, Serialize)]
pub struct Reject {
    pub source: String,
    pub row: u64,
    pub record_id: String,
    pub reason: String,
    pub raw: String,
}

/// A source as it appears in the outputs. A file with a `source` column can hold several.
#[derive(Clone, Debug)]
pub struct SourceInfo {
    pub name: String,
    /// Index of the `[[source]]` table it came from.
    pub spec: usize,
    pub priority: i64,
    pub dates: Vec<String>,
}

/// Counts for one configured file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FileStats {
    pub source: String,
    pub path: String,
    pub rows: u64,
    pub records: u64,
    pub rejected: u64,
}

/// Everything ingest produces.
#[derive(Debug, Default)]
pub struct Ingested {
    pub sources: Vec<SourceInfo>,
    pub records: Vec<Record>,
    pub rejects: Vec<Reject>,
    pub files: Vec<FileStats>,
    /// The records' values, once moved to disk by `spill`.
    pub(crate) spilled: Option<Spilled>,
}

/// The records' values in an unnamed temporary file, mapped read-only.
#[derive(Debug)]
pub(crate) struct Spilled {
    map: memmap2::Mmap,
    /// Where each record's text starts in `map`.
    starts: Vec<u64>,
}

impl Ingested {
    /// Moves the records' values out of memory, into an unnamed temporary file in `dir` that
    /// is mapped back read-only: after normalising, only the review file and the report read
    /// them, for a few records, so their memory need not count in the run's peak.
    /// The file has no name, so nothing is left behind however the run ends.
    pub fn spill(&mut self, dir: &std::path::Path) -> Result<()> {
        use std::io::Write;
        let total: usize = self.records.iter().map(|r| r.text.len()).sum();
        if self.spilled.is_some() || total == 0 {
            return Ok(());
        }
        let io = |e| Error::io(dir, e);
        let file = tempfile::tempfile_in(dir).map_err(io)?;
        let mut starts = Vec::with_capacity(self.records.len());
        let mut w = std::io::BufWriter::with_capacity(1 << 20, &file);
        let mut at = 0u64;
        for r in &self.records {
            starts.push(at);
            w.write_all(r.text.as_bytes()).map_err(io)?;
            at += r.text.len() as u64;
        }
        w.flush().map_err(io)?;
        drop(w);
        // SAFETY: the file has no name and only this process holds it, so nothing else can
        // change or truncate it while it is mapped.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        self.spilled = Some(Spilled { map, starts });
        {
            use rayon::prelude::*;
            self.records
                .par_iter_mut()
                .for_each(|r| r.text = Box::default());
        }
        Ok(())
    }

    /// Record `i`'s value of field `f`, whether or not the values were spilled.
    pub fn value(&self, i: usize, f: Field) -> Option<&str> {
        let r = &self.records[i];
        let Some(s) = &self.spilled else {
            return r.get(f);
        };
        let span = r.span(f);
        if span.is_empty() {
            return None;
        }
        let start = s.starts[i] as usize;
        let bytes = &s.map[start + span.start..start + span.end];
        Some(std::str::from_utf8(bytes).expect("the spilled values are the UTF-8 written"))
    }
}

/// Opens a source's file with its reader.
pub fn open(spec: &SourceSpec) -> Result<Table> {
    match spec.format {
        Format::Csv | Format::Tsv => delimited::open(spec),
        Format::Xlsx => xlsx::open(spec),
        Format::Parquet => parquet::open(spec),
        Format::Encoded => Err(Error::Config(format!(
            "source `{}`: an encoded export is linked only with other encoded exports (format = \"encoded\" on every [[source]])",
            spec.name
        ))),
    }
}

/// Which column feeds what, checked against a file's header.
#[derive(Debug)]
pub struct Plan {
    id: usize,
    source: Option<usize>,
    fields: Vec<(Field, Vec<usize>)>,
}

/// The column named `want`: the one so named, else the one whose name matches it ignoring
/// case and surrounding space. Two such columns are an error: which one is meant cannot be
/// told. Other columns may share a name (blank header cells are common in spreadsheet
/// exports): they are not read.
fn find_column(spec: &SourceSpec, headers: &[String], want: &str) -> Result<Option<usize>> {
    let named = |i: &usize| headers[*i] == want;
    let like = |i: &usize| headers[*i].trim().eq_ignore_ascii_case(want.trim());
    let exact = (0..headers.len()).any(|i| named(&i));
    let found: Vec<usize> = (0..headers.len())
        .filter(|i| if exact { named(i) } else { like(i) })
        .collect();
    match found[..] {
        [] => Ok(None),
        [i] => Ok(Some(i)),
        [a, b, ..] => Err(Error::Config(format!(
            "source `{}` ({}): columns {} and {} of the header are both named `{}`{}: rename or remove one (padan cannot tell which to read)",
            spec.name,
            spec.path.display(),
            a + 1,
            b + 1,
            want,
            if exact { "" } else { " (ignoring case)" }
        ))),
    }
}

fn plan(spec: &SourceSpec, headers: &[String]) -> Result<Plan> {
    // The header's cells, masked when they look like a row of data.
    let (cells, data) = mask::header(headers);
    let listing = if data {
        format!("the first line looks like data, not a header: does the file have a header line? It reads (masked): {cells}")
    } else {
        format!("the file has: {cells}")
    };
    let missing = |col: &str, role: &str| {
        Error::Config(format!(
            "source `{}` ({}): column `{col}` (for {role}) is not in the file; {listing}",
            spec.name,
            spec.path.display(),
        ))
    };
    let id = find_column(spec, headers, &spec.id)?.ok_or_else(|| missing(&spec.id, "`id`"))?;
    let mut fields = Vec::new();
    match &spec.columns {
        ColumnMap::Explicit(map) => {
            for (f, cols) in map {
                let idx = cols
                    .iter()
                    .map(|c| find_column(spec, headers, c)?.ok_or_else(|| missing(c, f.name())))
                    .collect::<Result<Vec<_>>>()?;
                fields.push((*f, idx));
            }
        }
        ColumnMap::Canonical => {
            for f in Field::ALL {
                if let Some(i) = find_column(spec, headers, f.name())? {
                    fields.push((f, vec![i]));
                }
            }
            if !fields.iter().any(|(f, _)| f.is_identifying()) {
                return Err(Error::Config(format!(
                    "source `{}` ({}): no [source.columns] table and no column named like a canonical identifying field (full_name, given_name, surname, ic, old_ic, passport, national_id); {listing}{}",
                    spec.name,
                    spec.path.display(),
                    if data { "" } else { "; add a [source.columns] table" }
                )));
            }
        }
    }
    let source = match spec.columns {
        ColumnMap::Canonical => find_column(spec, headers, "source")?,
        ColumnMap::Explicit(_) => None,
    };
    Ok(Plan { id, source, fields })
}

/// Every source opened, its header read and its mapping checked; no row read yet.
pub struct Opened(Vec<(Table, Plan)>);

impl Opened {
    /// Whether some file has a `source` column (its rows may name other files' sources).
    pub fn names_sources(&self) -> bool {
        self.0.iter().any(|(_, plan)| plan.source.is_some())
    }
}

/// Opens every configured source and checks its mapping against its header. Fails (exit 2) if
/// a mapping names a column a file lacks; fails (exit 1) if a file cannot be read at all.
pub fn open_all(config: &Config) -> Result<Opened> {
    let mut opened = Vec::with_capacity(config.sources.len());
    for spec in &config.sources {
        let table = open(spec)?;
        let plan = plan(spec, &table.headers)?;
        opened.push((table, plan));
    }
    Ok(Opened(opened))
}

/// Reads every configured source (`open_all`, then `read`).
pub fn read_all(config: &Config) -> Result<Ingested> {
    read(config, open_all(config)?)
}

/// A row mapped where its file was parsed: all but what needs the rows of other files (the
/// source's number, and whether the id was seen in another file).
struct Mapped {
    row: u64,
    /// The `source` column's value, when the file has one.
    source: Option<String>,
    /// The record (its `source` not yet set), or the row's record id and why it is rejected.
    outcome: std::result::Result<Record, (String, String)>,
    /// The row as read (for `rejects.csv`): kept for rejected rows, and for every row when a
    /// duplicate can only be told once every file is read.
    raw: Option<String>,
}

/// The record ids a source has taken, each with the row that took it first.
///
/// Held by a hash of the id, with where that first id can be read back (`id_at`), rather
/// than by a copy of every id: copying every id costs more than hashing it.
struct SeenIds {
    hash: fn(&str) -> u64,
    by_hash: AHashMap<u64, (u64, usize)>,
    /// Ids whose hash an earlier, different id has (a 64-bit collision: in practice never).
    others: AHashMap<String, u64>,
}

impl Default for SeenIds {
    fn default() -> SeenIds {
        SeenIds {
            hash: |id| xxhash_rust::xxh3::xxh3_64(id.as_bytes()),
            by_hash: AHashMap::new(),
            others: AHashMap::new(),
        }
    }
}

impl SeenIds {
    /// The row that first took `id`, if one did. `id_at(at)`: the id taken at `at`.
    fn first<'a>(&self, id: &str, id_at: impl Fn(usize) -> &'a str) -> Option<u64> {
        match self.by_hash.get(&(self.hash)(id)) {
            Some(&(row, at)) if id_at(at) == id => Some(row),
            Some(_) => self.others.get(id).copied(),
            None => None,
        }
    }

    /// Records that `row` takes `id` (which `first` found untaken), readable at `at`.
    fn take<'a>(&mut self, id: &str, row: u64, at: usize, id_at: impl Fn(usize) -> &'a str) {
        use std::collections::hash_map::Entry;
        match self.by_hash.entry((self.hash)(id)) {
            Entry::Vacant(v) => {
                v.insert((row, at));
            }
            Entry::Occupied(o) => {
                debug_assert_ne!(id_at(o.get().1), id, "an id taken twice");
                self.others.entry(id.to_string()).or_insert(row);
            }
        }
    }
}

/// Why a row whose record id its source already has is rejected.
fn duplicate(first_row: u64) -> String {
    format!("duplicate record id: first seen on row {first_row} of this source")
}

/// Why a row with a cell over `max` characters is rejected (the first such cell's).
fn too_long(cells: &csv::StringRecord, headers: &[String], max: usize) -> Option<String> {
    // A row of at most `max` bytes has no cell over `max` characters.
    if cells.as_slice().len() <= max {
        return None;
    }
    let (i, n) = cells
        .iter()
        .map(|c| c.chars().count())
        .enumerate()
        .find(|&(_, n)| n > max)?;
    Some(format!(
        "field too long (column `{}`): {n} characters where at most {max} are read ([run] max_field_chars)",
        mask::guard(&headers[i])
    ))
}

/// Maps one file's rows to records or reasons. `check_ids`: the file is its source's only
/// file, so duplicate ids are found here. `max_chars`: the longest cell read.
fn map_rows(
    rows: impl Iterator<Item = Result<RawRow>>,
    plan: &Plan,
    spec: &SourceSpec,
    headers: &[String],
    sep: char,
    check_ids: bool,
    max_chars: usize,
) -> Result<Vec<Vec<Mapped>>> {
    let sep = sep.to_string();
    let mut seen = SeenIds::default();
    // In chunks of a fixed size rather than one growing vector: each time it grew, a vector
    // of every row so far was copied into new memory the kernel had to clear first, a large
    // part of ingest's CPU.
    const CHUNK: usize = 1 << 16;
    let mut out: Vec<Vec<Mapped>> = Vec::new();
    fn id_at<'a>(out: &'a [Vec<Mapped>]) -> impl Fn(usize) -> &'a str + 'a {
        |at| match &out[at / CHUNK][at % CHUNK].outcome {
            Ok(r) => r.record_id.as_str(),
            Err((id, _)) => id.as_str(),
        }
    }
    let mut rows_so_far = 0usize;
    let mut by_field: [Option<&[usize]>; N_FIELDS] = [None; N_FIELDS];
    for (f, cols) in &plan.fields {
        by_field[f.index()] = Some(&cols[..]);
    }
    let mut buf = String::new();
    for row in rows {
        let row = row?;
        let source = plan
            .source
            .and_then(|c| row.cells.get(c))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let record_id = row
            .cells
            .get(plan.id)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let reason = if let Some(p) = &row.problem {
            Some(p.clone())
        } else if row.cells.len() != headers.len() {
            Some(format!(
                "ragged row: {} fields where the header has {}",
                row.cells.len(),
                headers.len()
            ))
        } else if record_id == headers[plan.id].trim()
            && row
                .cells
                .iter()
                .zip(headers)
                .all(|(c, h)| c.trim() == h.trim())
        {
            Some("repeated header line: the row repeats the header (two exports joined into one file?)".to_string())
        } else if record_id.is_empty() {
            Some(format!("missing record id (column `{}`)", spec.id))
        } else if let Some(reason) = too_long(&row.cells, headers, max_chars) {
            Some(reason)
        } else if let Some(c) = record_id.chars().find(|c| c.is_control()) {
            Some(format!(
                "control character in record id (column `{}`): U+{:04X}",
                spec.id, c as u32
            ))
        } else if check_ids {
            seen.first(&record_id, id_at(&out)).map(duplicate)
        } else {
            None
        };
        let outcome = match reason {
            Some(r) => Err((record_id, r)),
            None => {
                let r = Record::build(row.row, record_id, &mut buf, |f, out| {
                    let Some(cols) = by_field[f.index()] else {
                        return;
                    };
                    // Several columns feeding one field are joined by a space.
                    let mut first = true;
                    for v in cols.iter().map(|&c| row.cells[c].trim()) {
                        if !v.is_empty() {
                            if !first {
                                out.push(' ');
                            }
                            out.push_str(v);
                            first = false;
                        }
                    }
                });
                if r.has_identifying_field() {
                    if check_ids {
                        seen.take(&r.record_id, row.row, rows_so_far, id_at(&out));
                    }
                    Ok(r)
                } else {
                    let reason = "no usable identifying field: name, IC, old IC, passport and national id are all empty";
                    Err((r.record_id, reason.to_string()))
                }
            }
        };
        let raw = (outcome.is_err() || !check_ids)
            .then(|| row.cells.iter().collect::<Vec<_>>().join(&sep));
        // The first chunk grows as a small file needs; the next ones are made whole.
        match out.last() {
            None => out.push(Vec::new()),
            Some(c) if c.len() == CHUNK => out.push(Vec::with_capacity(CHUNK)),
            Some(_) => {}
        }
        out.last_mut().expect("a chunk").push(Mapped {
            row: row.row,
            source,
            outcome,
            raw,
        });
        rows_so_far += 1;
    }
    Ok(out)
}

/// Reads the rows of opened sources.
pub fn read(config: &Config, opened: Opened) -> Result<Ingested> {
    use rayon::prelude::*;
    let opened = opened.0;
    let mut out = Ingested::default();
    let mut index: AHashMap<String, u16> = AHashMap::new();
    let mut seen: Vec<SeenIds> = Vec::new();
    // A file with a `source` column can name another file's source: duplicate ids are then
    // found only once every file is read, in configuration order.
    let ids_per_file = opened.iter().all(|(_, plan)| plan.source.is_none());
    // Files are parsed and their rows mapped side by side; the rows are then taken in
    // configuration order, so that source numbering, duplicate checks and row numbers do not
    // depend on timing.
    let mapped: Vec<Result<Vec<Vec<Mapped>>>> = opened
        .into_par_iter()
        .enumerate()
        .map(|(si, (t, plan))| {
            map_rows(
                t.rows,
                &plan,
                &config.sources[si],
                &t.headers,
                t.raw_separator,
                ids_per_file,
                config.max_field_chars,
            )
        })
        .collect();
    let mapped = mapped.into_iter().collect::<Result<Vec<_>>>()?;
    out.records
        .reserve_exact(mapped.iter().flatten().map(Vec::len).sum());
    for (si, rows) in mapped.into_iter().enumerate() {
        // Each chunk freed once taken.
        let rows = rows.into_iter().flatten();
        let spec = &config.sources[si];
        let mut stats = FileStats {
            source: spec.name.clone(),
            path: spec.path.display().to_string(),
            ..Default::default()
        };
        // The number of the file's own source, once it has a row of it.
        let mut own: Option<u16> = None;
        for m in rows {
            stats.rows += 1;
            let known = match &m.source {
                None => own.or_else(|| index.get(&spec.name).copied()),
                Some(name) => index.get(name).copied(),
            };
            let src = match known {
                Some(i) => i,
                None => {
                    if out.sources.len() >= u16::MAX as usize {
                        return Err(Error::Run(format!(
                            "{}: more than {} distinct values in the `source` column",
                            spec.path.display(),
                            u16::MAX
                        )));
                    }
                    let i = out.sources.len() as u16;
                    let source_name = m.source.clone().unwrap_or_else(|| spec.name.clone());
                    out.sources.push(SourceInfo {
                        name: source_name.clone(),
                        spec: si,
                        priority: spec.priority,
                        dates: spec.dates.clone(),
                    });
                    seen.push(SeenIds::default());
                    index.insert(source_name, i);
                    i
                }
            };
            if m.source.is_none() {
                own = Some(src);
            }
            let records = &out.records;
            let id_at = |at: usize| records[at].record_id.as_str();
            let outcome = match m.outcome {
                Ok(r) if !ids_per_file => match seen[src as usize].first(&r.record_id, id_at) {
                    Some(first) => Err((r.record_id, duplicate(first))),
                    None => {
                        seen[src as usize].take(&r.record_id, m.row, records.len(), id_at);
                        Ok(r)
                    }
                },
                o => o,
            };
            match outcome {
                Ok(mut r) => {
                    r.source = src;
                    stats.records += 1;
                    out.records.push(r);
                }
                Err((record_id, reason)) => {
                    stats.rejected += 1;
                    out.rejects.push(Reject {
                        source: out.sources[src as usize].name.clone(),
                        row: m.row,
                        record_id,
                        reason,
                        raw: m.raw.unwrap_or_default(),
                    });
                }
            }
        }
        out.files.push(stats);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config_for(dir: &Path, file: &str, body: &str, toml_extra: &str) -> Config {
        std::fs::write(dir.join(file), body).unwrap();
        let text = format!("[[source]]\nname = \"jkm\"\npath = \"{file}\"\n{toml_extra}");
        Config::parse(&text, &dir.join("padan.toml")).unwrap()
    }

    fn values(ing: &Ingested) -> Vec<Vec<Option<String>>> {
        (0..ing.records.len())
            .map(|i| {
                Field::ALL
                    .iter()
                    .map(|&f| ing.value(i, f).map(str::to_string))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_field_set_again_or_out_of_order_keeps_the_others() {
        let mut r = Record::new(0, 2, "1".into());
        r.set(Field::Phone, " 0123456789 ");
        r.set(Field::FullName, "ALI BIN ABU");
        r.set(Field::Address, "12 JALAN MAWAR");
        r.set(Field::FullName, "ALI");
        r.set(Field::Address, "");
        assert_eq!(r.get(Field::FullName), Some("ALI"));
        assert_eq!(r.get(Field::Address), None);
        assert_eq!(r.get(Field::Phone), Some("0123456789"));
        assert_eq!(r.get(Field::Ic), None);
    }

    #[test]
    fn duplicates_are_found_across_the_chunks_rows_are_held_in() {
        // More rows than one chunk of `map_rows` holds: a late row repeats an id of the first
        // chunk, another one of the second; every other row is a record, in order.
        let dir = tempfile::tempdir().unwrap();
        let n = 140_000;
        // A rejected row first: rows are counted whether they are records or not.
        let mut body = String::from("record_id,full_name\nragged\n");
        for i in 0..n {
            body.push_str(&format!("{i},NAME {i}\n"));
        }
        body.push_str("3,AGAIN\n70000,AGAIN\n");
        let config = config_for(dir.path(), "a.csv", &body, "");
        let ing = read_all(&config).unwrap();
        assert_eq!(ing.records.len(), n);
        assert!(ing
            .records
            .iter()
            .enumerate()
            .all(|(i, r)| r.record_id == i.to_string()));
        let rejects: Vec<_> = ing
            .rejects
            .iter()
            .map(|r| (r.row, r.reason.as_str()))
            .collect();
        assert_eq!(
            rejects,
            [
                (2, "ragged row: 1 fields where the header has 2"),
                (
                    n as u64 + 3,
                    "duplicate record id: first seen on row 6 of this source"
                ),
                (
                    n as u64 + 4,
                    "duplicate record id: first seen on row 70003 of this source"
                ),
            ]
        );
    }

    #[test]
    fn ids_whose_hashes_collide_are_still_told_apart() {
        for hash in [(|_: &str| 7) as fn(&str) -> u64, SeenIds::default().hash] {
            let mut seen = SeenIds {
                hash,
                ..Default::default()
            };
            let ids = ["A1", "B2", "C3"];
            let id_at = |at: usize| ids[at];
            for (at, id) in ids.iter().enumerate() {
                assert_eq!(seen.first(id, id_at), None, "{id}");
                seen.take(id, 10 + at as u64, at, id_at);
            }
            assert_eq!(seen.first("A1", id_at), Some(10));
            assert_eq!(seen.first("B2", id_at), Some(11));
            assert_eq!(seen.first("C3", id_at), Some(12));
            assert_eq!(seen.first("D4", id_at), None);
        }
    }

    #[test]
    fn content_hash_is_the_streaming_hash_stores_hold() {
        // Stores written before hold hashes made value by value with a streaming hash: the
        // one-call hash must give the same, or every record would look changed.
        let streaming = |r: &Record| {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            for f in Field::ALL {
                if let Some(v) = r.get(f) {
                    h.update(&[f.index() as u8]);
                    h.update(&(v.len() as u64).to_le_bytes());
                    h.update(v.as_bytes());
                }
            }
            h.digest()
        };
        let mut r = Record::new(0, 1, "1".into());
        assert_eq!(r.content_hash(), streaming(&r));
        r.set(Field::FullName, "ALI BIN ABU");
        r.set(Field::Ic, "850312-14-5567");
        assert_eq!(r.content_hash(), streaming(&r));
        // Long values take the hash's other paths (over 240 bytes in all).
        r.set(Field::Address, &"LOT 5 KG BARU JALAN MAWAR ".repeat(12));
        assert_eq!(r.content_hash(), streaming(&r));
        let before = r.content_hash();
        r.set(Field::Phone, "0123456789");
        assert_ne!(r.content_hash(), before);
    }

    #[test]
    fn spilled_values_read_back_as_they_came_in_and_leave_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let body = "record_id,full_name,ic,address\n1,ALI BIN ABU,850312-14-5567,  12 JALAN MAWAR\n2,TAN AH KOW,,\n3,,900101-01-1234,LOT 5 KG BARU\n4,SITI Ä ÑUR,,\n";
        let config = config_for(dir.path(), "a.csv", body, "");
        let mut ing = read_all(&config).unwrap();
        assert_eq!(ing.records.len(), 4);
        let before = values(&ing);
        let store = dir.path().join("store");
        std::fs::create_dir(&store).unwrap();
        ing.spill(&store).unwrap();
        assert!(ing.spilled.is_some());
        assert_eq!(values(&ing), before);
        assert_eq!(ing.value(1, Field::FullName), Some("TAN AH KOW"));
        assert_eq!(ing.value(3, Field::FullName), Some("SITI Ä ÑUR"));
        assert_eq!(ing.value(0, Field::Address), Some("12 JALAN MAWAR"));
        assert_eq!(ing.value(1, Field::Ic), None);
        // The values really left the records, and the file has no name in the store.
        assert!(ing.records.iter().all(|r| r.text.is_empty()));
        assert_eq!(std::fs::read_dir(&store).unwrap().count(), 0);
        // Spilling again changes nothing.
        ing.spill(&store).unwrap();
        assert_eq!(values(&ing), before);
    }

    #[test]
    fn every_row_is_a_record_or_a_reject_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let body = "ID,NAMA,NO_KP\n\
                    1,ALI BIN ABU,850312145567\n\
                    2,SITI\n\
                    ,AHMAD,\n\
                    1,ALI BIN ABU,850312145567\n\
                    5,,\n\
                    6,\"TAN, MEI LING\",\n";
        let c = config_for(
            dir.path(),
            "a.csv",
            body,
            "id = \"ID\"\n[source.columns]\nfull_name = \"NAMA\"\nic = \"NO_KP\"\n",
        );
        let ing = read_all(&c).unwrap();
        let ids: Vec<_> = ing.records.iter().map(|r| r.record_id.as_str()).collect();
        assert_eq!(ids, ["1", "6"]);
        assert_eq!(ing.records[1].get(Field::FullName), Some("TAN, MEI LING"));
        let reasons: Vec<_> = ing
            .rejects
            .iter()
            .map(|r| (r.row, r.reason.split(':').next().unwrap().to_string()))
            .collect();
        assert_eq!(
            reasons,
            [
                (3, "ragged row".to_string()),
                (4, "missing record id (column `ID`)".to_string()),
                (5, "duplicate record id".to_string()),
                (6, "no usable identifying field".to_string()),
            ]
        );
        assert_eq!(ing.files[0].rows, 6);
        assert_eq!(ing.files[0].records + ing.files[0].rejected, 6);
    }

    #[test]
    fn several_columns_join_into_one_field() {
        let dir = tempfile::tempdir().unwrap();
        let c = config_for(
            dir.path(),
            "a.csv",
            "id;first;last\n7;Siti Aminah;binti Ali\n8;;Tan\n",
            "id = \"id\"\n[source.columns]\nfull_name = [\"first\", \"last\"]\n",
        );
        let ing = read_all(&c).unwrap();
        assert_eq!(
            ing.records[0].get(Field::FullName),
            Some("Siti Aminah binti Ali")
        );
        assert_eq!(ing.records[1].get(Field::FullName), Some("Tan"));
    }

    #[test]
    fn a_missing_column_is_a_config_error_listing_the_columns() {
        let dir = tempfile::tempdir().unwrap();
        let c = config_for(
            dir.path(),
            "a.csv",
            "id,nama\n1,ALI\n",
            "id = \"id\"\n[source.columns]\nic = \"NO_KP\"\n",
        );
        let err = read_all(&c).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        for needle in ["`jkm`", "`NO_KP`", "`id`, `nama`", "a.csv"] {
            assert!(msg.contains(needle), "{msg}");
        }
    }

    #[test]
    fn a_column_the_mapping_reads_twice_is_an_error_others_may_repeat() {
        let dir = tempfile::tempdir().unwrap();
        let map = "id = \"id\"\n[source.columns]\nic = \"NO_KP\"\n";
        // Blank and repeated columns nothing reads are left alone.
        let c = config_for(
            dir.path(),
            "a.csv",
            "id,NO_KP,,,X,X\n1,850312145567,,,a,b\n",
            map,
        );
        assert_eq!(read_all(&c).unwrap().records.len(), 1);
        for (header, want) in [
            (
                "id,NO_KP,nama,NO_KP",
                "columns 2 and 4 of the header are both named `NO_KP`:",
            ),
            (
                "id,no_kp,No_Kp,x",
                "columns 2 and 3 of the header are both named `NO_KP` (ignoring case)",
            ),
            (
                "id,NO_KP,id",
                "columns 1 and 3 of the header are both named `id`:",
            ),
        ] {
            let c = config_for(dir.path(), "a.csv", &format!("{header}\n1,2,3,4\n"), map);
            let err = read_all(&c).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            let msg = err.to_string();
            assert!(msg.contains(want) && msg.contains("`jkm`"), "{msg}");
        }
        // Canonical columns too.
        let c = config_for(
            dir.path(),
            "a.csv",
            "record_id,full_name,full_name\n1,A,B\n",
            "",
        );
        let msg = read_all(&c).unwrap_err().to_string();
        assert!(msg.contains("columns 2 and 3"), "{msg}");
    }

    #[test]
    fn a_header_that_is_data_is_said_so_and_masked() {
        let dir = tempfile::tempdir().unwrap();
        let body = "R1,ALI BIN ABU,850312145567,0123456789\nR2,SITI,900101011234,0198765432\n";
        for extra in ["", "id = \"ID\"\n[source.columns]\nic = \"NO_KP\"\n"] {
            let c = config_for(dir.path(), "a.csv", body, extra);
            let err = read_all(&c).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            let msg = err.to_string();
            assert!(msg.contains("looks like data, not a header"), "{msg}");
            for whole in ["ALI", "ABU", "850312", "01234"] {
                assert!(!msg.contains(whole), "{msg}");
            }
        }
        // A real header is shown as it is.
        let c = config_for(
            dir.path(),
            "a.csv",
            "ID,NAMA\n1,ALI\n",
            "id = \"ID\"\n[source.columns]\nic = \"NO_KP\"\n",
        );
        let msg = read_all(&c).unwrap_err().to_string();
        assert!(
            msg.contains("the file has: `ID`, `NAMA`") && !msg.contains("looks like data"),
            "{msg}"
        );
    }

    #[test]
    fn control_characters_in_ids_long_fields_and_repeated_headers_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let long = "A".repeat(1001);
        let body = [
            "record_id,full_name",
            "1,ALI",
            "2\u{0}x,ABU",
            &format!("3,{long}"),
            "record_id,full_name",
            "4,\u{0}SITI",
            &format!("5,{}", "É".repeat(1000)),
        ]
        .join("\n");
        let c = config_for(dir.path(), "a.csv", &body, "");
        let ing = read_all(&c).unwrap();
        let ids: Vec<_> = ing.records.iter().map(|r| r.record_id.as_str()).collect();
        assert_eq!(ids, ["1", "4", "5"]);
        let reasons: Vec<_> = ing
            .rejects
            .iter()
            .map(|r| (r.row, r.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (3, "control character in record id (column `record_id`): U+0000"),
                (4, "field too long (column `full_name`): 1001 characters where at most 1000 are read ([run] max_field_chars)"),
                (5, "repeated header line: the row repeats the header (two exports joined into one file?)"),
            ]
        );
        // The limit is configurable.
        let c = config_for(dir.path(), "a.csv", &body, "");
        let c = Config {
            max_field_chars: 2000,
            ..c
        };
        assert_eq!(read_all(&c).unwrap().records.len(), 4);
    }

    #[test]
    fn canonical_files_may_carry_their_own_source_column() {
        let dir = tempfile::tempdir().unwrap();
        let c = config_for(
            dir.path(),
            "a.csv",
            "source,record_id,full_name\nA,1,ALI\nB,1,ALI\nA,2,ABU\n",
            "",
        );
        let ing = read_all(&c).unwrap();
        let names: Vec<_> = ing.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(ing.records.len(), 3);
        assert!(ing.rejects.is_empty());
    }

    #[test]
    fn duplicate_ids_are_found_across_files_that_share_a_source() {
        // b.csv's `source` column names a.csv's source: its id 1 repeats a.csv's row 2, its
        // second id 7 of source B repeats its own row 2. Files are read side by side; the
        // verdicts are those of reading them one after the other.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.csv"),
            "record_id,full_name\n1,ALI\n2,ABU\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("b.csv"),
            "source,record_id,full_name\nB,7,SITI\njkm,1,ALI BIN ABU\nB,7,SITI AMINAH\njkm,3,AMIN\n",
        )
        .unwrap();
        let text = "[[source]]\nname = \"jkm\"\npath = \"a.csv\"\n\n[[source]]\nname = \"other\"\npath = \"b.csv\"\n";
        let c = Config::parse(text, &dir.path().join("padan.toml")).unwrap();
        let ing = read_all(&c).unwrap();
        let kept: Vec<_> = ing
            .records
            .iter()
            .map(|r| {
                (
                    ing.sources[r.source as usize].name.as_str(),
                    r.record_id.as_str(),
                )
            })
            .collect();
        assert_eq!(kept, [("jkm", "1"), ("jkm", "2"), ("B", "7"), ("jkm", "3")]);
        let rejects: Vec<_> = ing
            .rejects
            .iter()
            .map(|r| (r.source.as_str(), r.row, r.reason.as_str(), r.raw.as_str()))
            .collect();
        assert_eq!(
            rejects,
            [
                (
                    "jkm",
                    3,
                    "duplicate record id: first seen on row 2 of this source",
                    "jkm,1,ALI BIN ABU"
                ),
                (
                    "B",
                    4,
                    "duplicate record id: first seen on row 2 of this source",
                    "B,7,SITI AMINAH"
                ),
            ]
        );
        assert_eq!(
            (
                ing.files[1].rows,
                ing.files[1].records,
                ing.files[1].rejected
            ),
            (4, 2, 2)
        );
    }
}
