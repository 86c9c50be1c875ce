//! The records' normalised forms, kept for the next run (`normalised.bin`, issue 6).
//!
//! An incremental run reads an unchanged record's normalised form from here instead of
//! normalising it again: only new and changed records are normalised. A record is read back
//! only when nothing about its reading could differ today: same values (the link state's
//! hash), same configuration, padan version and year (the fingerprint, checked by both files),
//! and no date of it was found to lie after the day it was read (`date::took_today`): such a
//! date may read otherwise on a later day, so that record is normalised again.
//!
//! Binary, little-endian: magic, version, fingerprint, record count; one byte of marks per
//! record (`Marks`); the records' encodings (bincode, without the comparison forms, which are
//! made again from the name); each record's end offset; an XXH3 checksum of everything before
//! it. A file that does not check out is not used at all: every record is normalised again
//! and the run says why.

use std::io::Write;
use std::path::Path;

use xxhash_rust::xxh3::Xxh3;

use super::link::{Hashing, Unusable};
use super::store::Generation;
use crate::error::{Error, Result};
use crate::normalise::{NormRecord, Unreadable};

/// The file's name in a generation.
pub const FILE: &str = "normalised.bin";
const MAGIC: &[u8; 8] = b"PADANNRM";
const VERSION: u32 = 2;

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
}

/// What the normalisation of one record noted: its unreadable values (`Unreadable`, each 0 or
/// 1 for a record) and whether a date was found after the day it was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Marks(pub u8);

impl Marks {
    const DOB: u8 = 1;
    const SEX: u8 = 2;
    const PHONE: u8 = 4;
    const POSTCODE: u8 = 8;
    const IC_INVALID: u8 = 16;
    const TOOK_TODAY: u8 = 128;

    pub fn new(bad: &Unreadable, took_today: bool) -> Marks {
        let bit = |n: u64, b: u8| if n > 0 { b } else { 0 };
        Marks(
            bit(bad.dob, Self::DOB)
                | bit(bad.sex, Self::SEX)
                | bit(bad.phone, Self::PHONE)
                | bit(bad.postcode, Self::POSTCODE)
                | bit(bad.ic_invalid, Self::IC_INVALID)
                | if took_today { Self::TOOK_TODAY } else { 0 },
        )
    }

    pub fn unreadable(self) -> Unreadable {
        let n = |b: u8| u64::from(self.0 & b != 0);
        Unreadable {
            dob: n(Self::DOB),
            sex: n(Self::SEX),
            ic_invalid: n(Self::IC_INVALID),
            phone: n(Self::PHONE),
            postcode: n(Self::POSTCODE),
        }
    }

    pub fn took_today(self) -> bool {
        self.0 & Self::TOOK_TODAY != 0
    }
}

/// Writes `normalised.bin`: `norm[i]` with `marks[i]`, in the generation's record order.
pub fn write(g: &Generation, fingerprint: u64, norm: &[NormRecord], marks: &[Marks]) -> Result<()> {
    let mut f = g.create(FILE)?;
    let path = f.path().to_path_buf();
    let mut w = Hashing {
        w: &mut f,
        h: Xxh3::new(),
    };
    let mut go = || -> std::io::Result<()> {
        w.put(MAGIC)?;
        w.put(&VERSION.to_le_bytes())?;
        w.put(&fingerprint.to_le_bytes())?;
        w.put(&(norm.len() as u64).to_le_bytes())?;
        let bytes: Vec<u8> = marks.iter().map(|m| m.0).collect();
        w.put(&bytes)?;
        let mut ends = Vec::with_capacity(norm.len() * 8);
        let mut end = 0u64;
        let mut buf = Vec::with_capacity(512);
        for r in norm {
            buf.clear();
            bincode::serde::encode_into_std_write(r, &mut buf, config())
                .map_err(std::io::Error::other)?;
            w.put(&buf)?;
            end += buf.len() as u64;
            ends.extend_from_slice(&end.to_le_bytes());
        }
        w.put(&ends)?;
        let sum = w.h.digest();
        w.w.write_all(&sum.to_le_bytes())
    };
    go().map_err(|e| Error::io(&path, e))?;
    f.finish()
}

/// Removes `normalised.bin` from every generation but `current` (its number): only the
/// current generation's is read, and at 1M people the file is about 340 MB. A store rolled
/// back to an older generation then normalises every record once.
pub fn remove_all_but(root: &Path, current: u32) {
    for n in super::store::generations(root) {
        if n != current {
            let path = root.join("generations").join(format!("{n:06}")).join(FILE);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A generation's normalised records, mapped from the file.
pub struct Stored {
    map: memmap2::Mmap,
    records: usize,
    /// Where the marks, the encodings and the end offsets start.
    marks_at: usize,
    data_at: usize,
    ends_at: usize,
}

impl Stored {
    /// Opens `normalised.bin` in the generation folder `dir`, expecting `records` records
    /// normalised under `fingerprint`.
    pub fn open(
        dir: &Path,
        fingerprint: u64,
        records: usize,
    ) -> std::result::Result<Stored, Unusable> {
        let path = dir.join(FILE);
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
        let damaged = |why: &str| Unusable::Damaged(why.to_string());
        let b = &map[..];
        let head = 8 + 4 + 8 + 8;
        if b.len() < head + 8 || &b[..8] != MAGIC {
            return Err(damaged("not a normalised-records file"));
        }
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
        if u32_at(8) != VERSION {
            return Err(damaged("written by another version of padan"));
        }
        if u64_at(12) != fingerprint {
            return Err(damaged("normalised under another configuration"));
        }
        if u64_at(20) != records as u64 {
            return Err(damaged(
                "holds another number of records than the link state",
            ));
        }
        let body = b.len() - 8;
        let mut h = Xxh3::new();
        h.update(&b[..body]);
        if h.digest() != u64_at(body) {
            return Err(damaged("checksum mismatch"));
        }
        let marks_at = head;
        let data_at = marks_at + records;
        let Some(ends_at) = body.checked_sub(records * 8).filter(|&e| e >= data_at) else {
            return Err(damaged("the file ends early"));
        };
        let s = Stored {
            map,
            records,
            marks_at,
            data_at,
            ends_at,
        };
        if s.end(records) != (ends_at - data_at) as u64 {
            return Err(damaged("the record offsets do not add up"));
        }
        Ok(s)
    }

    fn end(&self, i: usize) -> u64 {
        if i == 0 {
            return 0;
        }
        let at = self.ends_at + (i - 1) * 8;
        u64::from_le_bytes(self.map[at..at + 8].try_into().unwrap())
    }

    pub fn marks(&self, i: usize) -> Marks {
        Marks(self.map[self.marks_at + i])
    }

    /// Record `i` with its comparison forms and its marks; `None` when it does not decode.
    pub fn get(&self, i: usize) -> Option<(NormRecord, Marks)> {
        if i >= self.records {
            return None;
        }
        let (start, end) = (self.end(i), self.end(i + 1));
        if start > end || end > (self.ends_at - self.data_at) as u64 {
            return None;
        }
        let bytes = &self.map[self.data_at + start as usize..self.data_at + end as usize];
        let (mut r, used): (NormRecord, usize) =
            bincode::serde::decode_from_slice(bytes, config()).ok()?;
        if used != bytes.len() {
            return None;
        }
        r.fill_forms();
        Some((r, self.marks(i)))
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
        let mut norm: Vec<NormRecord> = recs.iter().map(|r| r.0.clone()).collect();
        // As the run writes them: after the comparison forms were dropped.
        norm.iter_mut().for_each(NormRecord::drop_comparison_forms);
        let marks: Vec<Marks> = recs.iter().map(|r| r.1).collect();
        write(&g, fingerprint, &norm, &marks).unwrap();
        let out = g.commit().unwrap();
        (dir, out)
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
        let stored = Stored::open(&out, 7, recs.len()).unwrap();
        for (i, (want, marks)) in recs.iter().enumerate() {
            let (got, got_marks) = stored.get(i).unwrap();
            assert_eq!(format!("{want:?}"), format!("{got:?}"), "record {i}");
            assert_eq!(*marks, got_marks);
        }
        assert!(stored.get(recs.len()).is_none());
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
        let refused = |fingerprint, n| match Stored::open(&out, fingerprint, n) {
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
            Stored::open(&out, 7, recs.len()),
            Err(Unusable::Missing)
        ));
    }

    #[test]
    fn only_the_current_generation_keeps_its_file() {
        let recs = records();
        let dir = tempfile::tempdir().unwrap();
        let mut dirs = Vec::new();
        for _ in 0..3 {
            let g = Generation::begin(dir.path()).unwrap();
            let norm: Vec<NormRecord> = recs.iter().map(|r| r.0.clone()).collect();
            let marks: Vec<Marks> = recs.iter().map(|r| r.1).collect();
            write(&g, 1, &norm, &marks).unwrap();
            let n = g.number();
            dirs.push(g.commit().unwrap());
            remove_all_but(dir.path(), n);
        }
        let kept: Vec<bool> = dirs.iter().map(|d| d.join(FILE).exists()).collect();
        assert_eq!(kept, [false, false, true]);
    }
}
