//! The records' normalised forms, kept for the next run (`normalised.bin`).
//!
//! An incremental run reads an unchanged record's normalised form from here instead of
//! normalising it again: only new and changed records are normalised. A record is read back
//! only when nothing about its reading could differ today: same values (the link state's
//! hash), same configuration, padan version and year (the fingerprint, checked by both files),
//! and no date of it was found to lie after the day it was read (`date::took_today`): such a
//! date may read otherwise on a later day, so that record is normalised again.
//!
//! The same file serves the run that writes it: records are encoded as they are
//! normalised into an unnamed file in the store folder (`Spill`), so that only what linking
//! reads (`Linkable`, `Packed`) stays in memory; the stages after linking read the whole
//! records back one at a time (`Records`), and the write stage links the file into the
//! generation (a copy where it cannot be linked).
//!
//! Beside it, `forms.bin` keeps each record's linking forms (`Linkable`, `Packed`), so that an
//! unchanged record is neither decoded nor packed again: its two encodings are copied into
//! this run's files as they are, and only its forms are decoded (decoding whole records,
//! making their comparison forms and packing them would otherwise be most of a nightly
//! normalise stage).
//! When the forms were made by other code than this run's (a sample of records is packed
//! again and compared), neither file is used.
//!
//! Binary, little-endian, the same layout for both files (`Kind`): magic, version,
//! fingerprint, record count; the records' encodings (bincode, integers as varints except in
//! `forms.bin`; `normalised.bin` without the comparison forms, which are made again from the
//! name); one byte of marks per record (`Marks`; zero in `forms.bin`); each record's end
//! offset; an XXH3 checksum of everything before it. A file that does not check out is not
//! used at all: every record is normalised again, and the run says why.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use super::link::{Hashing, Unusable};
use super::Generation;
use crate::error::{Error, Result};
use crate::normalise::packed::Packed;
use crate::normalise::stage::Keep;
use crate::normalise::{Linkable, Marks, NormRecord, Records};

/// The file's name in a generation.
pub const FILE: &str = "normalised.bin";
/// The layout version of `normalised.bin`.
const VERSION: u32 = 4;

/// The layout version of `forms.bin`: 5 since its integers are written whole rather than as
/// varints (`forms_config`).
const FORMS_VERSION: u32 = 6;

/// Which of the files: the whole records or their linking forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    pub file: &'static str,
    magic: &'static [u8; 8],
    version: u32,
    /// What the file is, for the message when another file is found in its place.
    what: &'static str,
}

/// `normalised.bin`: each record's `NormRecord`, without comparison forms.
pub const RECORDS: Kind = Kind {
    file: FILE,
    magic: b"PADANNRM",
    version: VERSION,
    what: "a normalised-records file",
};

/// `forms.bin`: each record's `Linkable` and `Packed`.
pub const FORMS: Kind = Kind {
    file: "forms.bin",
    magic: b"PADANFRM",
    version: FORMS_VERSION,
    what: "a linking-forms file",
};

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
}

/// Encodes a record as `normalised.bin` keeps it (without its comparison forms), into `buf`.
pub fn encode(r: &NormRecord, buf: &mut Vec<u8>) {
    encode_value(r, buf);
}

/// Encodes a record's linking forms as `forms.bin` keeps them, into `buf`.
pub fn encode_forms(l: &Linkable, p: &Packed, buf: &mut Vec<u8>) {
    bincode::serde::encode_into_std_write((l, p), buf, forms_config())
        .expect("encoding into memory does not fail");
}

/// The linking forms encoded in `bytes` (`encode_forms`); `None` when they do not decode, or
/// decode to a name's parts out of order.
pub fn decode_forms(bytes: &[u8]) -> Option<(Linkable, Packed)> {
    let (forms, used): ((Linkable, Packed), usize) =
        bincode::serde::decode_from_slice(bytes, forms_config()).ok()?;
    (used == bytes.len() && forms.0.parts_in_order()).then_some(forms)
}

/// `forms.bin`'s encoding: integers whole, not as varints. Every unchanged record's forms are
/// decoded on every nightly run, and most of their integers are hashes, which take 9 bytes as
/// varints: whole integers decode faster, for a somewhat larger file. A record's forms take
/// far less than the limit, which keeps a damaged length from having the decoder ask for that
/// much memory.
fn forms_config() -> impl bincode::config::Config {
    bincode::config::standard()
        .with_fixed_int_encoding()
        .with_limit::<{ 1 << 24 }>()
}

/// A value's encoding as the files keep it (bincode), appended to `buf`.
fn encode_value<T: serde::Serialize>(v: &T, buf: &mut Vec<u8>) {
    bincode::serde::encode_into_std_write(v, buf, config())
        .expect("encoding into memory does not fail");
}

/// The value encoded in the whole of `bytes`; `None` when they do not decode to one.
fn decode_value<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let (v, used) = bincode::serde::decode_from_slice(bytes, config()).ok()?;
    (used == bytes.len()).then_some(v)
}

/// Records being normalised, written as they come into an unnamed file in the store folder in
/// `normalised.bin`'s layout, so that a run need not hold every whole record in memory;
/// `finish` maps the file back, and the write stage links it into the generation.
pub struct Spill {
    w: Hashing<std::fs::File>,
    kind: Kind,
    dir: PathBuf,
    records: usize,
    marks: Vec<u8>,
    /// The encodings' ends.
    ends: Vec<u8>,
    end: u64,
}

impl Spill {
    /// Starts the file of `kind` for `records` records in the folder `dir`.
    pub fn new(dir: &Path, kind: Kind, fingerprint: u64, records: usize) -> Result<Spill> {
        let io = |e| Error::io(dir, e);
        let file = tempfile::tempfile_in(dir).map_err(io)?;
        let mut s = Spill {
            w: Hashing::new(file),
            kind,
            dir: dir.to_path_buf(),
            records,
            marks: Vec::with_capacity(records),
            ends: Vec::with_capacity(records * 8),
            end: 0,
        };
        let mut head = Vec::with_capacity(HEAD);
        head.extend_from_slice(kind.magic);
        head.extend_from_slice(&kind.version.to_le_bytes());
        head.extend_from_slice(&fingerprint.to_le_bytes());
        head.extend_from_slice(&(records as u64).to_le_bytes());
        s.w.put(&head).map_err(io)?;
        Ok(s)
    }

    /// Appends the next record: its encoding (`encode`) and its marks.
    pub fn push(&mut self, encoded: &[u8], marks: Marks) -> Result<()> {
        self.w.put(encoded).map_err(|e| Error::io(&self.dir, e))?;
        self.end += encoded.len() as u64;
        self.ends.extend_from_slice(&self.end.to_le_bytes());
        self.marks.push(marks.0);
        Ok(())
    }

    /// Ends the file and maps it back. Every record must have been pushed.
    pub fn finish(mut self) -> Result<Stored> {
        assert_eq!(self.marks.len(), self.records, "every record is spilled");
        let dir = self.dir.clone();
        let io = |e| Error::io(&dir, e);
        self.w.put(&self.marks).map_err(io)?;
        self.w.put(&self.ends).map_err(io)?;
        let file = self.w.finish().map_err(io)?;
        // SAFETY: the file has no name and only this process holds it, so nothing else can
        // change or truncate it while it is mapped.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        let mut s = Stored::parse(map, self.kind, None, Some(self.records)).map_err(|e| {
            Error::Run(format!(
                "the {} spilled to {} do not read back: {e:?}",
                self.kind.file,
                dir.display()
            ))
        })?;
        s.file = Some(file);
        Ok(s)
    }
}

/// Puts the file into the generation: what this run spilled (the file itself where it can be
/// linked in, else a copy).
pub fn write(g: &Generation, stored: &Stored) -> Result<()> {
    match &stored.file {
        Some(file) => g.adopt(stored.kind.file, file, &stored.map),
        None => {
            let mut f = g.create(stored.kind.file)?;
            let path = f.path().to_path_buf();
            f.write_all(&stored.map).map_err(|e| Error::io(&path, e))?;
            f.finish()
        }
    }
}

/// A whole file's head: magic, version, fingerprint, records.
const HEAD: usize = 8 + 4 + 8 + 8;

/// How the store keeps a run's records as the normalise stage makes them: each record's
/// encoding spilled to what becomes `normalised.bin`, its linking forms' to `forms.bin`. An
/// unchanged record's two encodings are copied from the previous generation's files as they
/// are (`'s`).
pub struct Spills<'s> {
    records: Spill,
    forms: Spill,
    reused: std::marker::PhantomData<&'s [u8]>,
}

/// A record as the store keeps it: its encoding, its forms' encoding, and its marks.
pub type Kept<'s> = (Cow<'s, [u8]>, Cow<'s, [u8]>, Marks);

impl<'s> Spills<'s> {
    /// The two files for `records` records, spilled into the folder `dir`.
    pub fn new(dir: &Path, fingerprint: u64, records: usize) -> Result<Spills<'s>> {
        Ok(Spills {
            records: Spill::new(dir, RECORDS, fingerprint, records)?,
            forms: Spill::new(dir, FORMS, fingerprint, records)?,
            reused: std::marker::PhantomData,
        })
    }

    /// The records' file and the forms' file, mapped back.
    pub fn finish(self) -> Result<Files> {
        Ok(Files {
            records: self.records.finish()?,
            forms: self.forms.finish()?,
        })
    }
}

/// A run's two spilled files: its normalised records, which the stages after linking read
/// back, and their linking forms.
pub struct Files {
    pub records: Stored,
    pub forms: Stored,
}

impl Records for Files {
    fn count(&self) -> usize {
        self.records.count()
    }

    fn record(&self, i: usize) -> Cow<'_, NormRecord> {
        self.records.record(i)
    }
}

impl<'s> Keep for Spills<'s> {
    type Kept = Kept<'s>;

    fn kept(r: NormRecord, l: &Linkable, p: &Packed, marks: Marks) -> Kept<'s> {
        let mut bytes = Vec::with_capacity(256);
        encode(&r, &mut bytes);
        let mut forms = Vec::with_capacity(320);
        encode_forms(l, p, &mut forms);
        (bytes.into(), forms.into(), marks)
    }

    fn put(&mut self, records: &mut Vec<Kept<'s>>) -> Result<()> {
        for (bytes, forms, marks) in records.drain(..) {
            self.records.push(&bytes, marks)?;
            self.forms.push(&forms, Marks::default())?;
        }
        Ok(())
    }
}

/// Removes `forms.bin` from every generation but `current` (its number): only the current
/// generation's is read, and the file is large. A store rolled back to an older generation
/// then normalises every record once. Every kept generation keeps its `normalised.bin`: `padan explain`
/// reads the records' values from it.
pub fn remove_reuse_files_but(root: &Path, current: u32) {
    for n in super::generations(root) {
        if n != current {
            let dir = root.join("generations").join(format!("{n:06}"));
            let _ = std::fs::remove_file(dir.join(FORMS.file));
        }
    }
}

/// A generation's normalised records (or linking forms), mapped from the file: the head
/// (`HEAD`), the encodings, one byte of marks per record, each encoding's end, the checksum.
pub struct Stored {
    map: memmap2::Mmap,
    kind: Kind,
    /// The file, when it is this run's own spill (it has no name yet).
    file: Option<std::fs::File>,
    records: usize,
    /// Where the marks and the encodings' ends start.
    marks_at: usize,
    ends_at: usize,
}

impl Stored {
    /// Opens the file of `kind` in the generation folder `dir`, expecting `records` records
    /// normalised under `fingerprint`.
    pub fn open(
        dir: &Path,
        kind: Kind,
        fingerprint: u64,
        records: usize,
    ) -> std::result::Result<Stored, Unusable> {
        let path = dir.join(kind.file);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unusable::Missing),
            Err(e) => return Err(Unusable::Damaged(e.to_string())),
        };
        // SAFETY: the store's files are written once, then only read or removed; a file
        // changed behind our back fails the checksum below or decodes as damaged, never as
        // memory unsafety of ours (the bytes are only read through slices).
        let map =
            unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Unusable::Damaged(e.to_string()))?;
        let s = Stored::parse(map, kind, Some(fingerprint), Some(records))?;
        // The checksum, read through a small buffer rather than the map: mapping every page
        // to hash it costs about as much again as hashing (these files are large), and the
        // pages would stay counted in this process's memory until read again.
        let body = s.map.len() - 8;
        match digest(&file, body) {
            Ok(d) if d == s.checksum() => Ok(s),
            Ok(_) => Err(Unusable::Damaged("checksum mismatch".into())),
            Err(e) => Err(Unusable::Damaged(e.to_string())),
        }
    }

    /// Checks a mapped file's layout; its fingerprint too when `fingerprint` is given (a file
    /// of this run's own has no need), its record count when `records` is. The caller checks
    /// the checksum.
    fn parse(
        map: memmap2::Mmap,
        kind: Kind,
        fingerprint: Option<u64>,
        records: Option<usize>,
    ) -> std::result::Result<Stored, Unusable> {
        let damaged = |why: &str| Unusable::Damaged(why.to_string());
        let records = read_head(&map, kind, fingerprint, records)?;
        let body = map.len() - 8;
        let Some(marks_at) = records
            .checked_mul(9)
            .and_then(|tail| body.checked_sub(tail))
            .filter(|&m| m >= HEAD)
        else {
            return Err(damaged("the file ends early"));
        };
        let s = Stored {
            map,
            kind,
            file: None,
            records,
            marks_at,
            ends_at: marks_at + records,
        };
        if s.end(records) != (marks_at - HEAD) as u64 {
            return Err(damaged("the record offsets do not add up"));
        }
        Ok(s)
    }

    /// The checksum the file ends with.
    fn checksum(&self) -> u64 {
        let body = self.map.len() - 8;
        u64::from_le_bytes(self.map[body..].try_into().expect("8 bytes"))
    }

    /// The end of record `i`'s encoding.
    fn end(&self, i: usize) -> u64 {
        if i == 0 {
            return 0;
        }
        let at = self.ends_at + (i - 1) * 8;
        u64::from_le_bytes(self.map[at..at + 8].try_into().unwrap())
    }

    pub fn len(&self) -> usize {
        self.records
    }

    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    pub fn marks(&self, i: usize) -> Marks {
        Marks(self.map[self.marks_at + i])
    }

    /// Record `i`'s encoding; `None` past the end or when the offsets do not add up.
    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        if i >= self.records {
            return None;
        }
        let (start, end) = (self.end(i), self.end(i + 1));
        if start > end || end > (self.marks_at - HEAD) as u64 {
            return None;
        }
        Some(&self.map[HEAD + start as usize..HEAD + end as usize])
    }

    /// Hands back to the kernel this process's pages of the records `from..to`: a run reads
    /// the previous generation's records about in order, once each, and without this every
    /// page read stays counted in its memory until the stage ends (most of the two files). A
    /// record read again later is read from the file again, unchanged.
    pub fn release(&self, from: usize, to: usize) {
        let at = |i: usize| HEAD + self.end(i.min(self.records)) as usize;
        // Whole pages only, from the first that starts at or after `from`'s first byte.
        const PAGE: usize = 4096;
        let (start, end) = (at(from).next_multiple_of(PAGE), at(to));
        release_pages(&self.map, start, end);
    }

    /// Record `i` without its comparison forms; `None` when it does not decode.
    pub fn decode(&self, i: usize) -> Option<NormRecord> {
        debug_assert_eq!(self.kind, RECORDS);
        decode_value(self.bytes(i)?)
    }

    /// Record `i` with its comparison forms and its marks; `None` when it does not decode.
    pub fn get(&self, i: usize) -> Option<(NormRecord, Marks)> {
        let mut r = self.decode(i)?;
        r.fill_forms();
        Some((r, self.marks(i)))
    }
}

/// The record count in the head of the mapped file `b`, checked against `kind`, and against
/// `fingerprint` and `records` when given.
fn read_head(
    b: &[u8],
    kind: Kind,
    fingerprint: Option<u64>,
    records: Option<usize>,
) -> std::result::Result<usize, Unusable> {
    let damaged = |why: &str| Unusable::Damaged(why.to_string());
    if b.len() < HEAD + 8 || &b[..8] != kind.magic {
        return Err(Unusable::Damaged(format!("not {}", kind.what)));
    }
    let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
    if u32_at(8) != kind.version {
        return Err(damaged("written by another version of padan"));
    }
    if fingerprint.is_some_and(|f| u64_at(12) != f) {
        return Err(damaged("written under another configuration"));
    }
    let n = usize::try_from(u64_at(20)).map_err(|_| damaged("the file ends early"))?;
    if records.is_some_and(|r| r != n) {
        return Err(damaged(
            "holds another number of records than the link state",
        ));
    }
    Ok(n)
}

/// How many records `check_forms` makes the forms of again.
const FORMS_CHECKED: usize = 64;

/// Whether `forms` holds what this code makes of the records in `records`: for records spread
/// over the file, the forms are made again from the whole record and must equal the stored
/// ones. Forms made by another version of `Linkable` or `Packed` (a layout change nobody
/// marked with a new `FORMS_VERSION`) are refused rather than misread.
pub fn check_forms(records: &Stored, forms: &Stored) -> std::result::Result<(), Unusable> {
    let n = records.len();
    if forms.len() != n {
        return Err(Unusable::Damaged(
            "the linking forms hold another number of records".into(),
        ));
    }
    let step = n.div_ceil(FORMS_CHECKED).max(1);
    for i in (0..n).step_by(step) {
        let made = records
            .get(i)
            .map(|(r, _)| (Linkable::of(&r), Packed::of(&r)));
        let kept = forms.bytes(i).and_then(decode_forms);
        if made.is_none() || made != kept {
            return Err(Unusable::Damaged(format!(
                "record {i}'s linking forms differ from what this padan makes of it"
            )));
        }
    }
    Ok(())
}

/// The records a run spilled, read back a record at a time (without comparison forms: the
/// stages after linking read none).
impl Records for Stored {
    fn count(&self) -> usize {
        self.records
    }

    fn record(&self, i: usize) -> Cow<'_, NormRecord> {
        Cow::Owned(
            self.decode(i)
                .expect("records spilled by this run read back"),
        )
    }
}

/// The XXH3-64 of the first `len` bytes of `file`, read a megabyte at a time.
fn digest(file: &std::fs::File, len: usize) -> std::io::Result<u64> {
    use std::io::Read;
    let mut h = Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut r = file.take(len as u64);
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(h.digest()),
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Hands back to the kernel this process's pages of `map` from `start` (a page's first byte)
/// to `end`, of a store's file that is only read or removed while mapped (see
/// `Stored::open`).
pub(crate) fn release_pages(map: &memmap2::Mmap, start: usize, end: usize) {
    if end <= start {
        return;
    }
    #[cfg(unix)]
    // SAFETY: the map is a shared, read-only map of a file that is only read or removed: a
    // page dropped here is read again from the file, with the same bytes, if any slice of it
    // is touched later; nothing is written through the map.
    unsafe {
        let _ = map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Field;
    use crate::ingest::Record;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
    }

    /// Records that exercise every part of the normalised form.
    fn records() -> Vec<(NormRecord, Marks)> {
        let rows: &[&[(Field, &str)]] = &[
            &[
                (Field::FullName, "DATO' SRI MOHD HAFIZ @ APIS B. ABD RAHMAN"),
                (Field::Ic, "850312-14-5567"),
                (Field::Dob, "12/03/1985"),
                (Field::Sex, "L"),
                (
                    Field::Address,
                    "NO 12 JLN MAWAR 3, TMN SRI MUDA, 40400 SHAH ALAM, SELANGOR DARUL EHSAN",
                ),
                (Field::Phone, "012-345 6789"),
                (Field::HouseholdId, "HH-001"),
            ],
            &[
                (Field::FullName, "TAN AH KOW"),
                (Field::Dob, "00/00/1950"),
                (Field::Phone, "+65 6123 4567"),
                (Field::Passport, "A1234567"),
                (Field::State, "Pulau Pinang"),
                (Field::District, "timur laut"),
            ],
            &[
                (Field::FullName, "S. RAJAGOPAL A/L SUBRAMANIAM"),
                (Field::Ic, "000000000000"),
                (Field::OldIc, "A123456"),
                (Field::Sex, "?"),
                (Field::Postcode, "7000"),
            ],
            &[(Field::GivenName, "Sokha"), (Field::Surname, "Chan")],
            // Later this year: not read, and it depended on the day.
            &[(Field::FullName, "NUR AINA"), (Field::Dob, "01/12/2026")],
            &[],
        ];
        rows.iter()
            .map(|fields| {
                let mut r = Record::new(0, 0, "x".into());
                for (f, v) in *fields {
                    r.set(*f, v);
                }
                crate::normalise::date::took_today();
                let (n, bad) = crate::normalise::record(&r, &[], today());
                (n, Marks::new(&bad, crate::normalise::date::took_today()))
            })
            .collect()
    }

    fn written(
        recs: &[(NormRecord, Marks)],
        fingerprint: u64,
    ) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::begin(dir.path()).unwrap();
        write(&g, &spilled(dir.path(), recs, fingerprint)).unwrap();
        let out = g.commit().unwrap();
        (dir, out)
    }

    /// `recs` spilled as a run spills them, in the folder `dir`.
    fn spilled(dir: &Path, recs: &[(NormRecord, Marks)], fingerprint: u64) -> Stored {
        let mut spill = Spill::new(dir, RECORDS, fingerprint, recs.len()).unwrap();
        let mut buf = Vec::new();
        for (r, m) in recs {
            buf.clear();
            encode(r, &mut buf);
            spill.push(&buf, *m).unwrap();
        }
        spill.finish().unwrap()
    }

    #[test]
    fn records_read_back_whole_with_their_forms_and_marks() {
        let recs = records();
        assert!(recs[0].0.address_state.is_some() && recs[0].0.phone_kind.is_some());
        assert!(recs[1].0.dob_partial.is_some() && recs[1].0.state.is_some());
        assert!(recs[2].1.unreadable().sex == 1 && recs[2].0.old_ic().is_some());
        assert!(recs[4].1.took_today() && recs[4].1.unreadable().dob == 1);
        assert!(!recs[0].1.took_today());
        let (_dir, out) = written(&recs, 7);
        let stored = Stored::open(&out, RECORDS, 7, recs.len()).unwrap();
        for (i, (want, marks)) in recs.iter().enumerate() {
            let (got, got_marks) = stored.get(i).unwrap();
            assert_eq!(format!("{want:?}"), format!("{got:?}"), "record {i}");
            assert_eq!(*marks, got_marks);
        }
        assert!(stored.get(recs.len()).is_none());
    }

    #[test]
    fn a_runs_spill_reads_back_each_record_and_leaves_no_file() {
        let recs = records();
        let dir = tempfile::tempdir().unwrap();
        let stored = spilled(dir.path(), &recs, 3);
        assert_eq!(stored.count(), recs.len());
        for (i, (want, marks)) in recs.iter().enumerate() {
            // Read back without the comparison forms, which the stages after linking never read.
            let mut want = want.clone();
            for s in [
                &mut want.key,
                &mut want.sorted_key,
                &mut want.compact,
                &mut want.given_compact,
                &mut want.phonetic,
                &mut want.khmer_key,
            ] {
                *s = Default::default();
            }
            want.initials_key = None;
            assert_eq!(format!("{want:?}"), format!("{:?}", stored.record(i)));
            assert_eq!(stored.marks(i), *marks);
        }
        // The file has no name: nothing is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn every_state_and_phone_kind_reads_back_as_the_tables_entry() {
        let states = crate::normalise::tables::STATES.values().copied();
        let kinds = crate::normalise::tables::PHONE_PREFIXES
            .iter()
            .map(|p| p.kind)
            .chain(["foreign"]);
        for (state, kind) in states.zip(kinds.cycle()) {
            let r = NormRecord {
                address_state: Some(state),
                phone_kind: Some(kind),
                ..Default::default()
            };
            let bytes = bincode::serde::encode_to_vec(&r, config()).unwrap();
            let (back, _): (NormRecord, usize) =
                bincode::serde::decode_from_slice(&bytes, config()).unwrap();
            assert_eq!(back.address_state, Some(state));
            assert_eq!(back.phone_kind, Some(kind));
        }
    }

    #[test]
    fn a_damaged_or_foreign_file_is_refused_and_a_missing_one_said_so() {
        let recs = records();
        let (_dir, out) = written(&recs, 7);
        let refused = |fingerprint, n| match Stored::open(&out, RECORDS, fingerprint, n) {
            Err(Unusable::Damaged(why)) => why,
            Err(Unusable::Missing) => panic!("missing"),
            Ok(_) => panic!("accepted"),
        };
        assert!(refused(8, recs.len()).contains("configuration"));
        assert!(refused(7, recs.len() + 1).contains("number of records"));
        let path = out.join(FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(refused(7, recs.len()).contains("checksum"));
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(
            Stored::open(&out, RECORDS, 7, recs.len()),
            Err(Unusable::Missing)
        ));
    }

    /// The forms of `recs` spilled as a run spills them, `swap` giving each record's forms the
    /// record whose forms to write instead.
    fn forms_spilled(
        dir: &Path,
        recs: &[(NormRecord, Marks)],
        swap: impl Fn(usize) -> usize,
    ) -> Stored {
        let mut spill = Spill::new(dir, FORMS, 7, recs.len()).unwrap();
        let mut buf = Vec::new();
        for i in 0..recs.len() {
            let r = &recs[swap(i)].0;
            buf.clear();
            encode_forms(&Linkable::of(r), &Packed::of(r), &mut buf);
            spill.push(&buf, Marks::default()).unwrap();
        }
        spill.finish().unwrap()
    }

    #[test]
    fn linking_forms_read_back_and_forms_of_other_code_are_refused() {
        let recs = records();
        let dir = tempfile::tempdir().unwrap();
        let records = spilled(dir.path(), &recs, 7);
        let forms = forms_spilled(dir.path(), &recs, |i| i);
        for (i, (r, _)) in recs.iter().enumerate() {
            let (l, p) = decode_forms(forms.bytes(i).unwrap()).unwrap();
            assert_eq!(l, Linkable::of(r), "record {i}");
            assert_eq!(p, Packed::of(r), "record {i}");
            // The record's own encoding is given as it is in the file.
            let mut buf = Vec::new();
            encode(r, &mut buf);
            assert_eq!(records.bytes(i).unwrap(), &buf[..]);
        }
        assert!(forms.bytes(recs.len()).is_none());
        assert!(check_forms(&records, &forms).is_ok());
        // Pages handed back are read again from the file as they were.
        let before: Vec<Vec<u8>> = (0..recs.len())
            .map(|i| forms.bytes(i).unwrap().to_vec())
            .collect();
        forms.release(0, recs.len());
        for (i, b) in before.iter().enumerate() {
            assert_eq!(forms.bytes(i).unwrap(), &b[..]);
        }
        assert!(check_forms(&records, &forms).is_ok());
        // Forms that are not what this code makes of the records (as after a change to
        // `Packed` that nobody marked with a new version) are refused.
        let shifted = forms_spilled(dir.path(), &recs, |i| (i + 1) % recs.len());
        assert!(matches!(
            check_forms(&records, &shifted),
            Err(Unusable::Damaged(why)) if why.contains("differ")
        ));
        // A forms file is not a records file.
        let g = Generation::begin(dir.path()).unwrap();
        write(&g, &forms).unwrap();
        let out = g.commit().unwrap();
        assert!(out.join(FORMS.file).exists());
        assert!(matches!(
            Stored::open(&out, FORMS, 7, recs.len()),
            Ok(s) if s.len() == recs.len()
        ));
        std::fs::copy(out.join(FORMS.file), out.join(FILE)).unwrap();
        assert!(matches!(
            Stored::open(&out, RECORDS, 7, recs.len()),
            Err(Unusable::Damaged(why)) if why.contains("not a normalised-records file")
        ));
        // Forms of the layout before integers were written whole (version 4, that of the
        // other files) are refused, not misread.
        let path = out.join(FORMS.file);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[8..12].copy_from_slice(&VERSION.to_le_bytes());
        let body = bytes.len() - 8;
        let sum = xxhash_rust::xxh3::xxh3_64(&bytes[..body]);
        bytes[body..].copy_from_slice(&sum.to_le_bytes());
        std::fs::write(&path, &bytes).unwrap();
        assert_ne!(VERSION, FORMS_VERSION);
        assert!(matches!(
            Stored::open(&out, FORMS, 7, recs.len()),
            Err(Unusable::Damaged(why)) if why.contains("another version")
        ));
    }

    #[test]
    fn linking_forms_read_back_and_damaged_ones_are_refused_or_read_sound() {
        let mut recs: Vec<NormRecord> = records().into_iter().map(|(r, _)| r).collect();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        for fields in [
            &[(Field::FullName, "陈大文"), (Field::Address, "长沙路 12号")][..],
            &[
                (Field::FullName, "សុខា ចាន់"),
                (Field::NationalId, "010203040"),
            ],
            &[(Field::FullName, "Ng Siew Ching"), (Field::Dob, "1/1/1900")],
        ] {
            recs.push(crate::normalise::read_fields(fields, day));
        }
        let mut changed = 0;
        for (k, r) in recs.iter().enumerate() {
            let want = (Linkable::of(r), Packed::of(r));
            let mut buf = Vec::new();
            encode_forms(&want.0, &want.1, &mut buf);
            assert_eq!(decode_forms(&buf).as_ref(), Some(&want), "record {k}");
            // Cut short, or with a byte after: not forms.
            for n in 0..buf.len() {
                assert_eq!(decode_forms(&buf[..n]), None, "record {k} cut at {n}");
            }
            let mut longer = buf.clone();
            longer.push(0);
            assert_eq!(decode_forms(&longer), None);
            // Any byte changed is refused or reads as forms whose parts are in order; a text
            // length changed (the first 8 bytes) asks for no more memory than the limit.
            for i in 0..buf.len() {
                for x in [1u8, 0x40, 0x80, 0xff] {
                    let mut b = buf.clone();
                    b[i] ^= x;
                    if let Some((l, p)) = decode_forms(&b) {
                        assert!(l.parts_in_order(), "record {k}, byte {i} ^ {x}");
                        changed += usize::from((l, p) != want);
                    }
                }
            }
        }
        // Most changed bytes are values (hashes, digits) that still read, as other values.
        assert!(changed > 1000, "{changed}");
    }

    #[test]
    fn every_generation_keeps_its_records_and_only_the_current_its_forms() {
        let recs = records();
        let dir = tempfile::tempdir().unwrap();
        let mut dirs = Vec::new();
        for _ in 0..3 {
            let g = Generation::begin(dir.path()).unwrap();
            write(&g, &spilled(dir.path(), &recs, 1)).unwrap();
            write(&g, &forms_spilled(dir.path(), &recs, |i| i)).unwrap();
            let n = g.number();
            dirs.push(g.commit().unwrap());
            remove_reuse_files_but(dir.path(), n);
        }
        let kept = |file| -> Vec<bool> { dirs.iter().map(|d| d.join(file).exists()).collect() };
        assert_eq!(kept(FILE), [true, true, true]);
        assert_eq!(kept(FORMS.file), [false, false, true]);
    }
}
