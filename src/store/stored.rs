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
//!
//! When most records (or persons) are unchanged, a run lays its file over the last one written
//! whole, its base, rather than copy the unchanged records' bytes: its file holds only the
//! others and, per record, where to find it (`layer_on`, `Stored`); the base is hard-linked
//! into the generation beside it (`base_name`). A night that changes few records then writes a
//! small part of these large files, not all of them.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use super::link::{Hashing, Unusable};
use super::Generation;
use crate::error::{Error, Result};
use crate::fixed::Fixed;
use crate::ingest::Ingested;
use crate::normalise::{Linkable, Marks, NormRecord, Records, Unreadable};
use crate::score::Packed;

/// The file's name in a generation.
pub const FILE: &str = "normalised.bin";
/// The layout version of `normalised.bin`.
const VERSION: u32 = 4;

/// The layout version of `forms.bin`: 5 since its integers are written whole rather than as
/// varints (`forms_config`).
const FORMS_VERSION: u32 = 5;

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

/// The linking forms encoded in `bytes` (`encode_forms`); `None` when they do not decode.
///
/// Read by hand (`Linkable::decode`, `Packed::decode`) rather than through serde: every
/// unchanged record's forms are decoded on every nightly run, and serde's general machinery
/// costs more than reading these bytes by hand.
pub fn decode_forms(bytes: &[u8]) -> Option<(Linkable, Packed)> {
    let mut r = Fixed::new(bytes);
    let l = Linkable::decode(&mut r)?;
    let p = Packed::decode(&mut r)?;
    r.is_empty().then_some((l, p))
}

/// `forms.bin`'s encoding: integers whole, not as varints. Every unchanged record's forms are
/// decoded on every nightly run, and most of their integers are hashes, which take 9 bytes as
/// varints: whole integers decode faster, for a somewhat larger file.
fn forms_config() -> impl bincode::config::Config {
    bincode::config::standard().with_fixed_int_encoding()
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
///
/// Laid over a base (`Spill::over`), the file holds only the records it does not take from
/// the base (see `Stored`).
pub struct Spill {
    w: Hashing<std::fs::File>,
    kind: Kind,
    dir: PathBuf,
    records: usize,
    marks: Vec<u8>,
    /// The file's own encodings' ends.
    ends: Vec<u8>,
    end: u64,
    /// Laid over a base: the base and each record's locator (`IN_BASE`).
    base: Option<(std::sync::Arc<Stored>, Vec<u8>)>,
    own: u64,
}

impl Spill {
    /// Starts the file of `kind` for `records` records in the folder `dir`.
    pub fn new(dir: &Path, kind: Kind, fingerprint: u64, records: usize) -> Result<Spill> {
        Spill::over(dir, kind, fingerprint, records, None)
    }

    /// `new`, laid over `base` (a whole file of the same kind and fingerprint) when given.
    pub fn over(
        dir: &Path,
        kind: Kind,
        fingerprint: u64,
        records: usize,
        base: Option<std::sync::Arc<Stored>>,
    ) -> Result<Spill> {
        let io = |e| Error::io(dir, e);
        let file = tempfile::tempfile_in(dir).map_err(io)?;
        let layered = base.is_some();
        if let Some(b) = &base {
            assert!(
                matches!(b.layout, Layout::Whole { .. }),
                "a base has no base"
            );
        }
        let mut s = Spill {
            w: Hashing::new(file),
            kind,
            dir: dir.to_path_buf(),
            records,
            marks: Vec::with_capacity(records),
            ends: Vec::with_capacity(if layered { 0 } else { records * 8 }),
            end: 0,
            base: base.map(|b| (b, Vec::with_capacity(records * 8))),
            own: 0,
        };
        let mut head = Vec::with_capacity(LAYERED_HEAD);
        head.extend_from_slice(kind.magic);
        let version = kind.version | if layered { LAYERED } else { 0 };
        head.extend_from_slice(&version.to_le_bytes());
        head.extend_from_slice(&fingerprint.to_le_bytes());
        head.extend_from_slice(&(records as u64).to_le_bytes());
        if let Some((b, _)) = &s.base {
            head.extend_from_slice(&(b.records as u64).to_le_bytes());
            head.extend_from_slice(&b.checksum().to_le_bytes());
        }
        s.w.put(&head).map_err(io)?;
        Ok(s)
    }

    /// Whether the file is laid over a base.
    pub fn layered(&self) -> bool {
        self.base.is_some()
    }

    /// Appends the next record: its encoding (`encode`) and its marks.
    pub fn push(&mut self, encoded: &[u8], marks: Marks) -> Result<()> {
        self.w.put(encoded).map_err(|e| Error::io(&self.dir, e))?;
        self.end += encoded.len() as u64;
        self.ends.extend_from_slice(&self.end.to_le_bytes());
        if let Some((_, locs)) = &mut self.base {
            locs.extend_from_slice(&self.own.to_le_bytes());
        }
        self.own += 1;
        self.marks.push(marks.0);
        Ok(())
    }

    /// Appends the next record as the base's record `at` (of the same encoding), with
    /// `marks`. Only for a file laid over a base.
    pub fn push_base(&mut self, at: usize, marks: Marks) {
        let (base, locs) = self.base.as_mut().expect("a file laid over a base");
        assert!(at < base.records, "a record of the base");
        locs.extend_from_slice(&(at as u64 | IN_BASE).to_le_bytes());
        self.marks.push(marks.0);
    }

    /// Ends the file and maps it back. Every record must have been pushed.
    pub fn finish(mut self) -> Result<Stored> {
        assert_eq!(self.marks.len(), self.records, "every record is spilled");
        let dir = self.dir.clone();
        let io = |e| Error::io(&dir, e);
        self.w.put(&self.marks).map_err(io)?;
        let base = match self.base.take() {
            Some((base, locs)) => {
                self.w.put(&locs).map_err(io)?;
                self.w.put(&self.ends).map_err(io)?;
                self.w.put(&self.own.to_le_bytes()).map_err(io)?;
                Some(base)
            }
            None => {
                self.w.put(&self.ends).map_err(io)?;
                None
            }
        };
        let file = self.w.finish().map_err(io)?;
        // SAFETY: the file has no name and only this process holds it, so nothing else can
        // change or truncate it while it is mapped.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        let base = |_, _| base.ok_or(Unusable::Damaged("laid over no base".into()));
        let mut s = Stored::parse(map, self.kind, None, Some(self.records), base).map_err(|e| {
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
///
/// A file laid over a base takes the base along: the base's file is linked into the
/// generation beside it (`base_name`), so that every generation holds what its files read.
pub fn write(g: &Generation, stored: &Stored) -> Result<()> {
    if let Layout::Layered { base, .. } = &stored.layout {
        let from = base.path.as_deref().expect("a base is a generation's file");
        g.link(&base_name(stored.kind), from)?;
    }
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

/// The name of the base a layered file of `kind` reads, in the file's generation:
/// `normalised.bin.base` for `normalised.bin`.
pub fn base_name(kind: Kind) -> String {
    format!("{}.base", kind.file)
}

/// A layered file's locator of a record of its base: the base's record number with this bit.
const IN_BASE: u64 = 1 << 63;

/// A layered file's version: its kind's version with this bit.
const LAYERED: u32 = 1 << 16;

/// A whole file's head: magic, version, fingerprint, records.
const HEAD: usize = 8 + 4 + 8 + 8;

/// A layered file's head: a whole file's, then its base's record count and checksum.
const LAYERED_HEAD: usize = HEAD + 8 + 8;

/// Whether the next file is to be laid over the base `previous` offers (`Stored::base`): when
/// most of its `records` come from the base (`from_base` of them, at least 7 in 8) and most of
/// the base is still read (3 in 4). Else it is written whole and becomes the next base.
///
/// A night that changes 1% of the records then writes about 1% of the file, not all of it
/// (the three files are the largest a generation holds); after about a dozen such nights the
/// file is written whole again.
pub fn layer_on(
    previous: &Stored,
    records: usize,
    from_base: usize,
) -> Option<std::sync::Arc<Stored>> {
    let base = previous.base();
    (from_base * 8 >= records * 7 && from_base * 4 >= base.records * 3 && records > 0)
        .then_some(base)
}

/// What the normalise stage leaves: what linking reads, in memory, and the whole records,
/// spilled to disk.
pub struct Staged {
    pub links: Vec<Linkable>,
    pub packed: Vec<Packed>,
    pub records: Stored,
    /// `links` and `packed`, encoded for the next run.
    pub forms: Stored,
    /// Unreadable-value counts per source.
    pub unreadable: Vec<Unreadable>,
    /// Records normalised (the others were given by `stored`).
    pub normalised: u64,
}

/// The bases `stage` lays the records' file and the forms' file over (`layer_on`).
#[derive(Default)]
pub struct Bases {
    pub records: Option<std::sync::Arc<Stored>>,
    pub forms: Option<std::sync::Arc<Stored>>,
}

/// An unchanged record of the previous generation: its two encodings and its marks.
pub struct Reused<'s> {
    pub record: &'s [u8],
    pub forms: &'s [u8],
    pub marks: Marks,
    /// The record's and its forms' numbers in the bases this run's files are laid over
    /// (`stage`'s `bases`), when they lie there: the files then refer to them there.
    pub record_at: Option<usize>,
    pub forms_at: Option<usize>,
}

/// A record's encoding as a file takes it: its bytes, or its number in the file's base.
enum Put<'s> {
    Bytes(Cow<'s, [u8]>),
    Base(usize),
}

impl Spill {
    fn put(&mut self, put: &Put, marks: Marks) -> Result<()> {
        match put {
            Put::Bytes(b) => self.push(b, marks),
            Put::Base(at) => {
                self.push_base(*at, marks);
                Ok(())
            }
        }
    }
}

/// Normalises every record of `ing`, a slice at a time in parallel, except those `stored(i)`
/// gives (whose encodings are copied and whose forms are decoded): each whole record and its
/// forms are spilled to files in the folder `dir` as soon as they are made, and only the
/// forms stay in memory.
///
/// `done(i)` is called once every record before `i` is spilled (so that what was read for them
/// can be handed back). `bases`: the bases the records' file and the forms' file are laid over
/// (`layer_on`), if any.
#[allow(clippy::too_many_arguments)]
pub fn stage<'s>(
    ing: &Ingested,
    today: chrono::NaiveDate,
    progress: &crate::progress::Counter,
    stored: &(dyn Fn(usize) -> Option<Reused<'s>> + Sync),
    done: &dyn Fn(usize),
    dir: &Path,
    fingerprint: u64,
    bases: Bases,
) -> Result<Staged> {
    use rayon::prelude::*;
    // A slice of records is made in parallel, what linking reads written straight into its
    // place; the slice's encodings are appended to the files in order while the next slice is
    // made.
    const SLICE: usize = 1 << 15;
    let n = ing.records.len();
    let mut spill = Spill::over(dir, RECORDS, fingerprint, n, bases.records)?;
    let mut forms_spill = Spill::over(dir, FORMS, fingerprint, n, bases.forms)?;
    // A record's encoding, its forms' encoding, its marks and whether it was normalised here.
    type Encoded<'s> = (Put<'s>, Put<'s>, Marks, bool);
    type Made<'s> = ((Vec<Linkable>, Vec<Packed>), Vec<Encoded<'s>>);
    let mut made: Made = (
        (Vec::with_capacity(n), Vec::with_capacity(n)),
        Vec::with_capacity(SLICE),
    );
    let mut previous: Vec<Encoded> = Vec::with_capacity(SLICE);
    let mut normalised = 0;
    let mut push = |slice: &[Encoded]| -> Result<()> {
        for (bytes, forms, marks, fresh) in slice {
            spill.put(bytes, *marks)?;
            forms_spill.put(forms, Marks::default())?;
            normalised += u64::from(*fresh);
        }
        Ok(())
    };
    for start in (0..n).step_by(SLICE) {
        let end = (start + SLICE).min(n);
        std::mem::swap(&mut made.1, &mut previous);
        made.1.clear();
        let (pushed, ()) = rayon::join(
            || push(&previous),
            || {
                made.par_extend((start..end).into_par_iter().map(|i| {
                    progress.inc(1);
                    let reused = stored(i).and_then(|r| Some((decode_forms(r.forms)?, r)));
                    if let Some((forms, r)) = reused {
                        let put = |at: Option<usize>, b: &'s [u8]| match at {
                            Some(at) => Put::Base(at),
                            None => Put::Bytes(b.into()),
                        };
                        let encoded = (
                            put(r.record_at, r.record),
                            put(r.forms_at, r.forms),
                            r.marks,
                            false,
                        );
                        return (forms, encoded);
                    }
                    let (r, marks) = crate::normalise::one(ing, i, today);
                    let mut bytes = Vec::with_capacity(256);
                    encode(&r, &mut bytes);
                    let (l, p) = (Linkable::of(&r), Packed::of(&r));
                    let mut forms = Vec::with_capacity(320);
                    encode_forms(&l, &p, &mut forms);
                    let (bytes, forms) = (Put::Bytes(bytes.into()), Put::Bytes(forms.into()));
                    ((l, p), (bytes, forms, marks, true))
                }))
            },
        );
        pushed?;
        // The slice before this one is spilled; this one's encodings are still to be.
        done(start);
    }
    push(&made.1)?;
    let ((links, packed), _) = made;
    let records = spill.finish()?;
    let forms = forms_spill.finish()?;
    Ok(Staged {
        links,
        packed,
        unreadable: crate::normalise::unreadable_per_source(ing, |i| records.marks(i)),
        records,
        forms,
        normalised,
    })
}

/// Removes `forms.bin` (and its base) from every generation but `current` (its number): only
/// the current generation's is read, and the file is large. A store rolled back to an older
/// generation then normalises every record once. Every kept generation keeps its `normalised.bin`: `padan explain`
/// reads the records' values from it.
pub fn remove_reuse_files_but(root: &Path, current: u32) {
    for n in super::generations(root) {
        if n != current {
            let dir = root.join("generations").join(format!("{n:06}"));
            let _ = std::fs::remove_file(dir.join(FORMS.file));
            let _ = std::fs::remove_file(dir.join(base_name(FORMS)));
        }
    }
}

/// A generation's normalised records, mapped from the file.
///
/// A file is whole (every record's encoding in it) or layered: laid over a whole file of an
/// earlier generation, its base, it holds each record's locator (the base's record, or one of
/// its own encodings) and only the encodings the base does not have. The base is linked into
/// every generation whose file reads it (`base_name`), and the layered file names it by its
/// record count and checksum. A layered file's next run lays its file over the same base, so a
/// base never has a base of its own.
///
/// Layered layout: the head (`LAYERED_HEAD`), the own encodings, one byte of marks per record,
/// each record's locator (8 bytes: the base's record number with `IN_BASE`, or the number of
/// an own encoding), each own encoding's end, the number of own encodings, the checksum.
pub struct Stored {
    map: std::sync::Arc<memmap2::Mmap>,
    kind: Kind,
    /// The file, when it is this run's own spill (it has no name yet).
    file: Option<std::fs::File>,
    /// The file's path, when it is a generation's.
    path: Option<PathBuf>,
    records: usize,
    /// Where the encodings and the marks start.
    data_at: usize,
    marks_at: usize,
    layout: Layout,
}

enum Layout {
    /// Every record's encoding is in the file; their end offsets start at `ends_at`.
    Whole { ends_at: usize },
    /// Each record's locator starts at `locs_at`; the `own` encodings' ends at `ends_at`.
    Layered {
        base: std::sync::Arc<Stored>,
        locs_at: usize,
        ends_at: usize,
        own: usize,
    },
}

impl Stored {
    /// Opens the file of `kind` in the generation folder `dir`, expecting `records` records
    /// normalised under `fingerprint`; a layered file with its base (`base_name`).
    pub fn open(
        dir: &Path,
        kind: Kind,
        fingerprint: u64,
        records: usize,
    ) -> std::result::Result<Stored, Unusable> {
        Stored::open_file(dir, &dir.join(kind.file), kind, fingerprint, Some(records))
    }

    fn open_file(
        dir: &Path,
        path: &Path,
        kind: Kind,
        fingerprint: u64,
        records: Option<usize>,
    ) -> std::result::Result<Stored, Unusable> {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unusable::Missing),
            Err(e) => return Err(Unusable::Damaged(e.to_string())),
        };
        // SAFETY: the store's files are written once, then only read or removed; a file
        // changed behind our back fails the checksum below or decodes as damaged, never as
        // memory unsafety of ours (the bytes are only read through slices).
        let map =
            unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Unusable::Damaged(e.to_string()))?;
        // A layered file's base: whole, of the same kind and fingerprint, in the same folder.
        let base = |base_records: usize, base_sum: u64| {
            if records.is_none() {
                return Err(Unusable::Damaged("a base laid over another base".into()));
            }
            let at = dir.join(base_name(kind));
            let base = match Stored::open_file(dir, &at, kind, fingerprint, None) {
                Ok(b) => b,
                Err(Unusable::Missing) => {
                    return Err(Unusable::Damaged(format!(
                        "its base {} is missing",
                        at.display()
                    )))
                }
                Err(Unusable::Damaged(why)) => {
                    return Err(Unusable::Damaged(format!("its base: {why}")))
                }
            };
            if base.records != base_records || base.checksum() != base_sum {
                return Err(Unusable::Damaged(
                    "its base is not the file it was laid over".into(),
                ));
            }
            Ok(std::sync::Arc::new(base))
        };
        let mut s = Stored::parse(map, kind, Some(fingerprint), records, base)?;
        s.path = Some(path.to_path_buf());
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
    /// of this run's own has no need), its record count when `records` is. A layered file's
    /// base is given by `base(its record count, its checksum)`. The caller checks the
    /// checksum.
    fn parse(
        map: memmap2::Mmap,
        kind: Kind,
        fingerprint: Option<u64>,
        records: Option<usize>,
        base: impl FnOnce(usize, u64) -> std::result::Result<std::sync::Arc<Stored>, Unusable>,
    ) -> std::result::Result<Stored, Unusable> {
        let damaged = |why: &str| Unusable::Damaged(why.to_string());
        let head = Head::read(&map, kind, fingerprint, records)?;
        let records = head.records;
        let body = map.len() - 8;
        let u64_at = |i: usize| u64::from_le_bytes(map[i..i + 8].try_into().unwrap());
        let (data_at, marks_at, layout) = match head.base {
            None => {
                let Some(marks_at) = body
                    .checked_sub(
                        records
                            .checked_mul(9)
                            .ok_or_else(|| damaged("the file ends early"))?,
                    )
                    .filter(|&m| m >= HEAD)
                else {
                    return Err(damaged("the file ends early"));
                };
                (
                    HEAD,
                    marks_at,
                    Layout::Whole {
                        ends_at: marks_at + records,
                    },
                )
            }
            Some((base_records, base_sum)) => {
                let base = base(base_records, base_sum)?;
                if body < LAYERED_HEAD + 8 {
                    return Err(damaged("the file ends early"));
                }
                let own = usize::try_from(u64_at(body - 8))
                    .map_err(|_| damaged("the file ends early"))?;
                let tail = records
                    .checked_mul(9)
                    .zip(own.checked_mul(8))
                    .and_then(|(a, b)| a.checked_add(b)?.checked_add(8));
                let Some(marks_at) = tail
                    .and_then(|t| body.checked_sub(t))
                    .filter(|&m| m >= LAYERED_HEAD)
                else {
                    return Err(damaged("the file ends early"));
                };
                let locs_at = marks_at + records;
                let layout = Layout::Layered {
                    base,
                    locs_at,
                    ends_at: locs_at + records * 8,
                    own,
                };
                (LAYERED_HEAD, marks_at, layout)
            }
        };
        let s = Stored {
            map: std::sync::Arc::new(map),
            kind,
            file: None,
            path: None,
            records,
            data_at,
            marks_at,
            layout,
        };
        let ends = match &s.layout {
            Layout::Whole { .. } => records,
            Layout::Layered { own, .. } => *own,
        };
        if s.end(ends) != (marks_at - data_at) as u64 {
            return Err(damaged("the record offsets do not add up"));
        }
        Ok(s)
    }

    /// The checksum the file ends with.
    fn checksum(&self) -> u64 {
        let body = self.map.len() - 8;
        u64::from_le_bytes(self.map[body..].try_into().expect("8 bytes"))
    }

    /// The end of the file's `i`th own encoding (of record `i` in a whole file).
    fn end(&self, i: usize) -> u64 {
        if i == 0 {
            return 0;
        }
        let ends_at = match &self.layout {
            Layout::Whole { ends_at } | Layout::Layered { ends_at, .. } => *ends_at,
        };
        let at = ends_at + (i - 1) * 8;
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

    /// Where record `i` lies: in the base (its number there) or in the file itself (the
    /// number of its own encoding).
    fn locate(&self, i: usize) -> Result<usize, usize> {
        match &self.layout {
            Layout::Whole { .. } => Err(i),
            Layout::Layered { locs_at, .. } => {
                let at = locs_at + i * 8;
                let loc = u64::from_le_bytes(self.map[at..at + 8].try_into().unwrap());
                let n = (loc & !IN_BASE) as usize;
                if loc & IN_BASE != 0 {
                    Ok(n)
                } else {
                    Err(n)
                }
            }
        }
    }

    /// Record `i`'s encoding as it is in the file (or its base); `None` past the end or when
    /// the offsets do not add up.
    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        if i >= self.records {
            return None;
        }
        let k = match (self.locate(i), &self.layout) {
            (Ok(at), Layout::Layered { base, .. }) => return base.bytes(at),
            (Err(k), Layout::Layered { own, .. }) if k >= *own => return None,
            (Err(k), _) | (Ok(k), _) => k,
        };
        let (start, end) = (self.end(k), self.end(k + 1));
        if start > end || end > (self.marks_at - self.data_at) as u64 {
            return None;
        }
        Some(&self.map[self.data_at + start as usize..self.data_at + end as usize])
    }

    /// The whole file the next run's file may be laid over (`layer_on`): this file's base,
    /// or this file when it is whole.
    pub fn base(&self) -> std::sync::Arc<Stored> {
        match &self.layout {
            Layout::Layered { base, .. } => base.clone(),
            Layout::Whole { ends_at } => std::sync::Arc::new(Stored {
                map: self.map.clone(),
                kind: self.kind,
                file: None,
                path: self.path.clone(),
                records: self.records,
                data_at: self.data_at,
                marks_at: self.marks_at,
                layout: Layout::Whole { ends_at: *ends_at },
            }),
        }
    }

    /// Record `i`'s number in `base()`, when it lies there.
    pub fn in_base(&self, i: usize) -> Option<usize> {
        if i >= self.records {
            return None;
        }
        match self.locate(i) {
            Ok(at) => Some(at),
            Err(k) => matches!(self.layout, Layout::Whole { .. }).then_some(k),
        }
    }

    /// Hands back to the kernel this process's pages of the records `from..to`: a run reads
    /// the previous generation's records about in order, once each, and without this every
    /// page read stays counted in its memory until the stage ends (most of the two files). A
    /// record read again later is read from the file again, unchanged.
    ///
    /// A layered file's base is handed back up to the base's record of the first of `to..`
    /// that lies there (the base's records are read about in order too).
    pub fn release(&self, from: usize, to: usize) {
        match &self.layout {
            Layout::Whole { .. } => {
                let at = |i: usize| self.data_at + self.end(i.min(self.records)) as usize;
                // Whole pages only, from the first that starts at or after `from`'s first byte.
                const PAGE: usize = 4096;
                let (start, end) = (at(from).next_multiple_of(PAGE), at(to));
                release_pages(&self.map, start, end);
            }
            Layout::Layered { base, .. } => {
                let in_base = |from: usize| {
                    (from..self.records.min(from + 64)).find_map(|i| self.locate(i).ok())
                };
                if let (Some(a), Some(b)) = (in_base(from), in_base(to)) {
                    base.release(a, b);
                }
            }
        }
    }

    /// Hands back to the kernel this process's pages of the whole file and its base (see
    /// `release`): the files this run's are laid over stay mapped as long as this run's, but
    /// what normalising read of them is not read again.
    pub fn release_all(&self) {
        release_pages(&self.map, 0, self.map.len());
        if let Layout::Layered { base, .. } = &self.layout {
            base.release_all();
        }
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

/// What a file's head says.
struct Head {
    records: usize,
    /// A layered file's base: its record count and checksum.
    base: Option<(usize, u64)>,
}

impl Head {
    /// The head of the mapped file `b`, checked against `kind`, and against `fingerprint`
    /// and `records` when given.
    fn read(
        b: &[u8],
        kind: Kind,
        fingerprint: Option<u64>,
        records: Option<usize>,
    ) -> std::result::Result<Head, Unusable> {
        let damaged = |why: &str| Unusable::Damaged(why.to_string());
        if b.len() < HEAD + 8 || &b[..8] != kind.magic {
            return Err(Unusable::Damaged(format!("not {}", kind.what)));
        }
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
        let layered = match u32_at(8) {
            v if v == kind.version => false,
            v if v == kind.version | LAYERED => true,
            _ => return Err(damaged("written by another version of padan")),
        };
        if fingerprint.is_some_and(|f| u64_at(12) != f) {
            return Err(damaged("written under another configuration"));
        }
        let n = usize::try_from(u64_at(20)).map_err(|_| damaged("the file ends early"))?;
        if records.is_some_and(|r| r != n) {
            return Err(damaged(
                "holds another number of records than the link state",
            ));
        }
        let base = if layered {
            if b.len() < LAYERED_HEAD + 8 {
                return Err(damaged("the file ends early"));
            }
            let base_records =
                usize::try_from(u64_at(HEAD)).map_err(|_| damaged("the file ends early"))?;
            Some((base_records, u64_at(HEAD + 8)))
        } else {
            None
        };
        Ok(Head { records: n, base })
    }
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

    /// The forms as serde reads them: the reference `decode_forms`' reading by hand must agree
    /// with.
    fn serde_forms(bytes: &[u8]) -> Option<(Linkable, Packed)> {
        let (v, used) = bincode::serde::decode_from_slice(bytes, forms_config()).ok()?;
        (used == bytes.len()).then_some(v)
    }

    #[test]
    fn linking_forms_read_by_hand_as_serde_reads_them() {
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
            assert_eq!(serde_forms(&buf).as_ref(), Some(&want), "record {k}");
            // Cut short, or with a byte after: not forms.
            for n in 0..buf.len() {
                assert_eq!(decode_forms(&buf[..n]), None, "record {k} cut at {n}");
            }
            let mut longer = buf.clone();
            longer.push(0);
            assert_eq!(decode_forms(&longer), None);
            // Any byte changed reads as serde reads it, except parts' ends that serde takes
            // out of order or inside a character, which are refused. (A changed text length,
            // the first 8 bytes, has serde ask for memory of that length: up to 2^64 bytes.)
            for i in 0..buf.len() {
                for x in [1u8, 0x40, 0x80, 0xff] {
                    let mut b = buf.clone();
                    b[i] ^= x;
                    if i < 8 {
                        decode_forms(&b);
                        continue;
                    }
                    match (decode_forms(&b), serde_forms(&b)) {
                        (Some(hand), Some(serde)) => {
                            assert_eq!(hand, serde, "record {k}, byte {i} ^ {x}");
                            changed += usize::from(hand != want);
                        }
                        (None, Some((l, _))) => {
                            assert!(!l.parts_in_order(), "record {k}, byte {i} ^ {x}")
                        }
                        (Some(_), None) => panic!("record {k}, byte {i} ^ {x}: serde refuses"),
                        (None, None) => {}
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

    /// A file of `kind` laid over `over`'s base, with `recs.len()` records: record `i` is the
    /// base's record `from[i]` when given and in the base (`in_base`), else `recs[i]`'s own
    /// encoding. Returns the file and each record's expected bytes.
    fn layered(
        dir: &Path,
        over: &Stored,
        recs: &[(NormRecord, Marks)],
        from: &[Option<usize>],
    ) -> (Stored, Vec<Vec<u8>>) {
        let base = over.base();
        let mut spill = Spill::over(dir, RECORDS, 7, recs.len(), Some(base)).unwrap();
        assert!(spill.layered());
        let mut want = Vec::new();
        for (i, (r, m)) in recs.iter().enumerate() {
            match from[i].and_then(|p| Some((p, over.in_base(p)?))) {
                Some((p, at)) => {
                    spill.push_base(at, *m);
                    want.push(over.bytes(p).unwrap().to_vec());
                }
                None => {
                    let mut buf = Vec::new();
                    encode(r, &mut buf);
                    spill.push(&buf, *m).unwrap();
                    want.push(buf);
                }
            }
        }
        (spill.finish().unwrap(), want)
    }

    fn all_bytes(s: &Stored) -> Vec<Vec<u8>> {
        (0..s.len()).map(|i| s.bytes(i).unwrap().to_vec()).collect()
    }

    #[test]
    fn a_file_laid_over_a_base_reads_its_records_there_and_needs_that_base() {
        let recs = records();
        let n = recs.len();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let (_, first) = {
            let g = Generation::begin(root).unwrap();
            write(&g, &spilled(root, &recs, 7)).unwrap();
            ((), g.commit().unwrap())
        };
        let whole = Stored::open(&first, RECORDS, 7, n).unwrap();
        assert_eq!(whole.in_base(2), Some(2));
        assert_eq!(whole.in_base(n), None);
        // Records in another order, one of them new: the others refer to the base.
        let mut next = recs.clone();
        next.rotate_left(1);
        next.push(recs[0].clone());
        let mut from: Vec<Option<usize>> = (0..n).map(|i| Some((i + 1) % n)).collect();
        from.push(None);
        let (spill, want) = layered(root, &whole, &next, &from);
        assert_eq!(all_bytes(&spill), want);
        for (i, (_, m)) in next.iter().enumerate() {
            assert_eq!(spill.marks(i), *m);
            assert!(spill.decode(i).is_some(), "record {i}");
        }
        assert_eq!(spill.in_base(0), Some(1));
        assert_eq!(spill.in_base(n), None, "its own encoding");
        assert!(spill.bytes(n + 1).is_none());
        assert_eq!(spill.in_base(n + 1), None);
        assert_eq!(spill.in_base(usize::MAX / 8), None);
        // Written into a generation, it takes its base along, and reads back the same.
        let g = Generation::begin(root).unwrap();
        write(&g, &spill).unwrap();
        let second = g.commit().unwrap();
        let base = base_name(RECORDS);
        assert!(second.join(&base).exists());
        // Only its own encoding, each record's marks and locator, and its own end.
        let own = want[n].len();
        assert_eq!(
            std::fs::metadata(second.join(FILE)).unwrap().len() as usize,
            LAYERED_HEAD + own + (n + 1) * 9 + 8 + 8 + 8
        );
        let opened = Stored::open(&second, RECORDS, 7, n + 1).unwrap();
        assert_eq!(all_bytes(&opened), want);
        // The next file is laid over the same base, never over a layered file: records of
        // the layered file's own are copied.
        let from: Vec<Option<usize>> = (0..=n).map(Some).collect();
        let (spill, want3) = layered(root, &opened, &next, &from);
        assert_eq!(want3, want);
        assert_eq!(all_bytes(&spill), want);
        assert_eq!(spill.in_base(n), None);
        let g = Generation::begin(root).unwrap();
        write(&g, &spill).unwrap();
        let third = g.commit().unwrap();
        let opened = Stored::open(&third, RECORDS, 7, n + 1).unwrap();
        assert_eq!(all_bytes(&opened), want);
        assert_eq!(
            std::fs::read(third.join(&base)).unwrap(),
            std::fs::read(first.join(FILE)).unwrap()
        );
        // Read page by page, handed back, read again: the same.
        opened.release(0, n + 1);
        assert_eq!(all_bytes(&opened), want);

        let refused = |dir: &Path| match Stored::open(dir, RECORDS, 7, n + 1) {
            Err(Unusable::Damaged(why)) => why,
            Err(Unusable::Missing) => panic!("a missing base is a damaged file"),
            Ok(_) => panic!("accepted"),
        };
        // Without its base: refused, naming it.
        std::fs::remove_file(third.join(&base)).unwrap();
        assert!(refused(&third).contains("base"), "{}", refused(&third));
        // Another whole file in its place: refused.
        let g = Generation::begin(root).unwrap();
        write(&g, &spilled(root, &next, 7)).unwrap();
        let other = g.commit().unwrap();
        std::fs::copy(other.join(FILE), third.join(&base)).unwrap();
        assert!(refused(&third).contains("not the file it was laid over"));
        // A layered file in its place: refused (a base has no base).
        std::fs::copy(second.join(FILE), third.join(&base)).unwrap();
        assert!(refused(&third).contains("base"));
        // A damaged base: refused.
        let mut bytes = std::fs::read(first.join(FILE)).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 1;
        std::fs::remove_file(third.join(&base)).unwrap();
        std::fs::write(third.join(&base), &bytes).unwrap();
        assert!(refused(&third).contains("checksum"));
        // The second generation, which shares the first's file, still reads.
        assert_eq!(
            all_bytes(&Stored::open(&second, RECORDS, 7, n + 1).unwrap()),
            want
        );
    }

    #[test]
    fn files_are_laid_over_a_base_only_when_most_records_come_from_it() {
        let recs = records();
        let dir = tempfile::tempdir().unwrap();
        let whole = spilled(dir.path(), &recs, 7);
        let n = recs.len();
        assert!(layer_on(&whole, n, n).is_some());
        assert!(layer_on(&whole, 8 * n, 7 * n).is_some());
        assert!(
            layer_on(&whole, 8 * n, 7 * n - 1).is_none(),
            "too many of its own"
        );
        assert!(layer_on(&whole, n, n * 3 / 4).is_none());
        // Most of the base no longer read.
        assert!(layer_on(&whole, 1, 1).is_none());
        assert!(layer_on(&whole, 0, 0).is_none());
    }
}
