//! What a generation keeps so that the next run can link incrementally (`link.bin`).
//!
//! Reads and writes: per record its source, record id, row, a hash of its values and its
//! person; the persons' ids and first generations; the scored pairs (those at or above the
//! pairs floor) with their comparison levels; the model; and a fingerprint of the
//! configuration that produced them (`store::fingerprint::link`). The next run reads its
//! previous person ids from here too (`ids::Previous::of_records`), without parsing the
//! crosswalk; `padan explain` reads the records' keys, rows and persons from here, and their
//! values from `normalised.bin`.
//!
//! An incremental run (see `pipeline`) finds each record's previous self by source and record
//! id. A record whose values hash the same is unchanged: its pairs with other unchanged
//! records keep their levels and are not compared again. New and changed records are blocked
//! against everyone and compared. Records no longer present drop out with their pairs.
//!
//! Binary, little-endian, ending in an XXH3 checksum of everything before it; a file that
//! does not check out is never half-used: the run links in full and says why.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use super::Generation;
use crate::error::{Error, Result};
use crate::ingest::Ingested;
use crate::register::Register;
use crate::score::{KeptPair, Model, Scored, N_COMPARISONS};

/// The file's name in a generation.
pub const FILE: &str = "link.bin";
const MAGIC: &[u8; 8] = b"PADANLNK";
const VERSION: u32 = 4;

/// A generation's link state, as read back.
#[derive(Debug)]
pub struct State {
    pub fingerprint: u64,
    /// Records new, changed or removed since the model was estimated, over all the
    /// incremental runs since.
    pub drift: u64,
    pub model: Model,
    sources: Vec<String>,
    record_source: Vec<u16>,
    hashes: Vec<u64>,
    /// Record ids, end to end; record `i`'s is `ids[id_ends[i-1]..id_ends[i]]`.
    ids: String,
    id_ends: Vec<u32>,
    /// Each record's row in its export (1-based, as in `rejects.csv`).
    rows: Vec<u64>,
    pub pairs: Vec<KeptPair>,
    /// The generation's person ids, each with its first generation.
    pub person_ids: Vec<String>,
    pub person_first: Vec<u32>,
    /// Per record, its person (an index into `person_ids`).
    pub person_of: Vec<u32>,
}

impl State {
    pub fn records(&self) -> usize {
        self.hashes.len()
    }

    /// Record `i`'s id.
    pub fn id(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.id_ends[i - 1] } as usize;
        &self.ids[start..self.id_ends[i] as usize]
    }

    /// Record `i`'s source.
    pub fn source(&self, i: usize) -> &str {
        &self.sources[self.record_source[i] as usize]
    }

    /// Record `i`'s row in its export.
    pub fn row(&self, i: usize) -> u64 {
        self.rows[i]
    }
}

fn record_key(source: &str, id: &str) -> u64 {
    let mut h = Xxh3::new();
    h.update(source.as_bytes());
    h.update(&[0]);
    h.update(id.as_bytes());
    h.digest()
}

/// Writes into a file while hashing what it writes. What is put is gathered and hashed and
/// written a megabyte at a time: hashing and writing each value as it came would spend most of
/// a writer's time on the calls themselves, the values being small.
pub(super) struct Hashing<W: Write> {
    w: W,
    h: Xxh3,
    buf: Vec<u8>,
}

impl<W: Write> Hashing<W> {
    const GATHER: usize = 1 << 20;

    pub(super) fn new(w: W) -> Hashing<W> {
        Hashing {
            w,
            h: Xxh3::new(),
            buf: Vec::with_capacity(Self::GATHER),
        }
    }

    pub(super) fn put(&mut self, b: &[u8]) -> std::io::Result<()> {
        if self.buf.len() + b.len() > Self::GATHER {
            self.drain()?;
            if b.len() >= Self::GATHER {
                self.h.update(b);
                return self.w.write_all(b);
            }
        }
        self.buf.extend_from_slice(b);
        Ok(())
    }

    fn drain(&mut self) -> std::io::Result<()> {
        self.h.update(&self.buf);
        self.w.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Writes what is gathered and then the checksum of everything put; returns the writer.
    pub(super) fn finish(mut self) -> std::io::Result<W> {
        self.drain()?;
        self.w.write_all(&self.h.digest().to_le_bytes())?;
        Ok(self.w)
    }
}

/// What a run leaves for the next one.
pub struct Snapshot<'a> {
    pub fingerprint: u64,
    pub drift: u64,
    pub model: &'a Model,
    pub ing: &'a Ingested,
    /// The records' content hashes, in `ing.records` order.
    pub hashes: &'a [u64],
    /// The pairs at or above the floor.
    pub scored: &'a [Scored],
    pub reg: &'a Register,
}

/// Writes `link.bin` into the generation.
pub fn write(g: &Generation, snap: &Snapshot) -> Result<()> {
    let Snapshot {
        fingerprint,
        drift,
        model,
        ing,
        hashes,
        scored,
        reg,
    } = *snap;
    let mut f = g.create(FILE)?;
    let path = f.path().to_path_buf();
    let model_json = serde_json::to_vec(model)
        .map_err(|e| Error::Run(format!("writing {FILE}: the model: {e}")))?;
    {
        let mut w = Hashing::new(&mut f);
        let mut go = || -> std::io::Result<()> {
            w.put(MAGIC)?;
            w.put(&VERSION.to_le_bytes())?;
            w.put(&fingerprint.to_le_bytes())?;
            w.put(&drift.to_le_bytes())?;
            w.put(&(model_json.len() as u32).to_le_bytes())?;
            w.put(&model_json)?;
            w.put(&(ing.sources.len() as u32).to_le_bytes())?;
            for s in &ing.sources {
                w.put(&(s.name.len() as u32).to_le_bytes())?;
                w.put(s.name.as_bytes())?;
            }
            w.put(&(ing.records.len() as u32).to_le_bytes())?;
            for r in &ing.records {
                w.put(&r.source.to_le_bytes())?;
            }
            for h in hashes {
                w.put(&h.to_le_bytes())?;
            }
            for r in &ing.records {
                w.put(&(r.record_id.len() as u32).to_le_bytes())?;
            }
            for r in &ing.records {
                w.put(r.record_id.as_bytes())?;
            }
            for r in &ing.records {
                w.put(&r.row.to_le_bytes())?;
            }
            w.put(&(scored.len() as u64).to_le_bytes())?;
            for p in scored {
                w.put(&p.a.to_le_bytes())?;
                w.put(&p.b.to_le_bytes())?;
                w.put(&p.levels)?;
            }
            w.put(&(reg.persons.len() as u32).to_le_bytes())?;
            for p in &reg.persons {
                w.put(&(p.id.len() as u32).to_le_bytes())?;
                w.put(&p.first_generation.to_le_bytes())?;
            }
            for p in &reg.persons {
                w.put(p.id.as_bytes())?;
            }
            for p in &reg.person_of {
                w.put(&p.to_le_bytes())?;
            }
            Ok(())
        };
        go().map_err(|e| Error::io(&path, e))?;
        w.finish().map_err(|e| Error::io(&path, e))?;
    }
    f.finish()
}

/// Reads little-endian integers, bytes and text front to back, saying why a read fails.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let (x, rest) = self
            .0
            .split_at_checked(n)
            .ok_or_else(|| "the file ends early".to_string())?;
        self.0 = rest;
        Ok(x)
    }
    fn array<const N: usize>(&mut self) -> std::result::Result<[u8; N], String> {
        self.take(N).map(|b| b.try_into().expect("N bytes"))
    }
    fn u16(&mut self) -> std::result::Result<u16, String> {
        self.array().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> std::result::Result<u32, String> {
        self.array().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> std::result::Result<u64, String> {
        self.array().map(u64::from_le_bytes)
    }
    fn text(&mut self, n: usize) -> std::result::Result<&'a str, String> {
        std::str::from_utf8(self.take(n)?).map_err(|_| "text that is not UTF-8".to_string())
    }
}

/// Why a generation's link state (or its normalised records) cannot be used.
#[derive(Debug)]
pub enum Unusable {
    /// The generation has no such file (written by an older padan, or no generation at all).
    Missing,
    /// The file is there but damaged, of another version or of another configuration: the
    /// reason.
    Damaged(String),
}

/// Reads the link state of the generation folder `dir`.
pub fn load(dir: &Path) -> std::result::Result<State, Unusable> {
    let path = dir.join(FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unusable::Missing),
        Err(e) => return Err(Unusable::Damaged(e.to_string())),
    };
    parse(&bytes).map_err(Unusable::Damaged)
}

fn parse(bytes: &[u8]) -> std::result::Result<State, String> {
    if bytes.len() < MAGIC.len() + 12 || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not a padan link state".into());
    }
    let (body, sum) = bytes.split_at(bytes.len() - 8);
    if xxh3_64(body) != u64::from_le_bytes(sum.try_into().unwrap()) {
        return Err("its checksum does not match (damaged)".into());
    }
    let mut c = Cursor(&body[MAGIC.len()..]);
    let version = c.u32()?;
    if version != VERSION {
        return Err(format!(
            "version {version}, where this padan reads {VERSION}"
        ));
    }
    let fingerprint = c.u64()?;
    let drift = c.u64()?;
    let n = c.u32()? as usize;
    let model: Model = serde_json::from_slice(c.take(n)?).map_err(|e| format!("the model: {e}"))?;
    let n_sources = c.u32()? as usize;
    let mut sources = Vec::with_capacity(n_sources);
    for _ in 0..n_sources {
        let n = c.u32()? as usize;
        sources.push(c.text(n)?.to_string());
    }
    let n = c.u32()? as usize;
    let record_source = (0..n)
        .map(|_| c.u16())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if record_source.iter().any(|&s| s as usize >= sources.len()) {
        return Err("a record of an unknown source".into());
    }
    let hashes = (0..n)
        .map(|_| c.u64())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut id_ends = Vec::with_capacity(n);
    let mut end = 0u32;
    for _ in 0..n {
        end = end
            .checked_add(c.u32()?)
            .ok_or("record ids longer than the file")?;
        id_ends.push(end);
    }
    let ids = c.text(end as usize)?.to_string();
    if id_ends.iter().any(|&e| !ids.is_char_boundary(e as usize)) {
        return Err("a record id cut inside a character".into());
    }
    let rows = (0..n)
        .map(|_| c.u64())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let n_pairs = c.u64()? as usize;
    let size = 8 + N_COMPARISONS;
    let raw = c.take(n_pairs.checked_mul(size).ok_or("too many pairs")?)?;
    let pairs: Vec<KeptPair> = raw
        .chunks_exact(size)
        .map(|p| KeptPair {
            a: u32::from_le_bytes(p[0..4].try_into().unwrap()),
            b: u32::from_le_bytes(p[4..8].try_into().unwrap()),
            levels: p[8..].try_into().unwrap(),
        })
        .collect();
    if pairs
        .iter()
        .any(|p| p.a as usize >= n || p.b as usize >= n || p.a == p.b)
    {
        return Err("a pair of unknown records".into());
    }
    let n_persons = c.u32()? as usize;
    let mut lens = Vec::with_capacity(n_persons);
    let mut person_first = Vec::with_capacity(n_persons);
    for _ in 0..n_persons {
        lens.push(c.u32()? as usize);
        person_first.push(c.u32()?);
    }
    let mut person_ids = Vec::with_capacity(n_persons);
    for len in lens {
        person_ids.push(c.text(len)?.to_string());
    }
    let person_of = (0..n)
        .map(|_| c.u32())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if person_of.iter().any(|&p| p as usize >= n_persons) {
        return Err("a record of an unknown person".into());
    }
    if !c.0.is_empty() {
        return Err("bytes after the persons".into());
    }
    Ok(State {
        fingerprint,
        drift,
        model,
        sources,
        record_source,
        hashes,
        ids,
        id_ends,
        rows,
        pairs,
        person_ids,
        person_first,
        person_of,
    })
}

/// How this run's records relate to the previous generation's.
#[derive(Debug)]
pub struct Plan {
    /// Per record of this run: new or changed since the previous generation.
    pub dirty: Vec<bool>,
    /// Per previous record: its index in this run if it is unchanged, else `u32::MAX`.
    pub now: Vec<u32>,
    /// Per record of this run: its previous self (unchanged or changed), else `u32::MAX`.
    pub previous: Vec<u32>,
    pub unchanged: u64,
    pub changed: u64,
    pub new: u64,
    /// Previous records not in this run.
    pub removed: u64,
}

/// Matches this run's records to the previous generation's by source and record id.
pub fn plan(state: &State, ing: &Ingested, hashes: &[u64]) -> Plan {
    // The previous records by key, sorted, to look up the records not found where expected.
    let mut keyed: Vec<(u64, u32)> = (0..state.records())
        .into_par_iter()
        .map(|i| (record_key(state.source(i), state.id(i)), i as u32))
        .collect();
    keyed.par_sort_unstable();
    let is = |p: usize, source: &str, id: &str| {
        p < state.records() && state.source(p) == source && state.id(p) == id
    };
    let look_up = |source: &str, id: &str| -> Option<u32> {
        let k = record_key(source, id);
        let from = keyed.partition_point(|e| e.0 < k);
        keyed[from..]
            .iter()
            .take_while(|e| e.0 == k)
            .find(|e| is(e.1 as usize, source, id))
            .map(|e| e.1)
    };
    // Per record of this run: its previous self, if any, and whether it is the same. Exports
    // mostly keep their order from one night to the next, so a record's previous self is
    // first looked for just after the last one found (in order in memory, where a look-up
    // would reach into the index and the ids at random, missing the cache each time).
    const RUN: usize = 1 << 12;
    let found: Vec<(Option<u32>, bool)> = ing
        .records
        .par_chunks(RUN)
        .zip(hashes.par_chunks(RUN))
        .flat_map_iter(|(records, hashes)| {
            let mut next = usize::MAX;
            records.iter().zip(hashes).map(move |(r, &h)| {
                let source = ing.sources[r.source as usize].name.as_str();
                let p = if is(next, source, &r.record_id) {
                    Some(next as u32)
                } else {
                    look_up(source, &r.record_id)
                };
                if let Some(p) = p {
                    next = p as usize + 1;
                }
                (p, p.is_some_and(|p| state.hashes[p as usize] == h))
            })
        })
        .collect();
    let mut plan = Plan {
        dirty: Vec::with_capacity(found.len()),
        now: vec![u32::MAX; state.records()],
        previous: found.iter().map(|f| f.0.unwrap_or(u32::MAX)).collect(),
        unchanged: 0,
        changed: 0,
        new: 0,
        removed: 0,
    };
    let mut seen = 0u64;
    for (i, &(p, same)) in found.iter().enumerate() {
        match p {
            Some(p) => {
                seen += 1;
                if same {
                    plan.unchanged += 1;
                    plan.now[p as usize] = i as u32;
                } else {
                    plan.changed += 1;
                }
            }
            None => plan.new += 1,
        }
        plan.dirty.push(!same);
    }
    plan.removed = state.records() as u64 - seen;
    plan
}

/// The previous generation's pairs between records that are unchanged, in this run's record
/// numbers (smaller first), with their levels. A pair whose records now come in the other
/// order is returned apart, to be compared again: comparisons read the first record's name
/// frequency, so the order matters.
pub fn reused_pairs(state: &State, plan: &Plan) -> (Vec<KeptPair>, Vec<(u32, u32)>) {
    let mut kept = Vec::new();
    let mut again = Vec::new();
    for p in &state.pairs {
        let (a, b) = (plan.now[p.a as usize], plan.now[p.b as usize]);
        if a == u32::MAX || b == u32::MAX {
            continue;
        }
        if a < b {
            kept.push(KeptPair {
                a,
                b,
                levels: p.levels,
            });
        } else {
            again.push((b, a));
        }
    }
    (kept, again)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Record, SourceInfo};

    #[test]
    fn hashing_writes_what_was_put_in_order_then_its_checksum() {
        // Small values, one that fills the gathered megabyte past its end, one larger than
        // it, and small ones again.
        let big = vec![7u8; Hashing::<Vec<u8>>::GATHER + 3];
        let edge = vec![9u8; Hashing::<Vec<u8>>::GATHER - 5];
        let parts: Vec<&[u8]> = vec![b"ab", b"c", &edge, b"defghij", &big, b"", b"k"];
        let mut w = Hashing::new(Vec::new());
        for p in &parts {
            w.put(p).unwrap();
        }
        let out = w.finish().unwrap();
        let whole: Vec<u8> = parts.concat();
        assert_eq!(out.len(), whole.len() + 8);
        assert_eq!(&out[..whole.len()], &whole[..]);
        assert_eq!(out[whole.len()..], xxh3_64(&whole).to_le_bytes());
    }

    fn ingested(rows: &[(&str, &str)]) -> Ingested {
        let mut ing = Ingested::default();
        for (i, name) in ["jkm", "aim"].iter().enumerate() {
            ing.sources.push(SourceInfo {
                name: name.to_string(),
                spec: i,
                priority: 0,
                dates: vec![],
            });
        }
        for (k, (id, name)) in rows.iter().enumerate() {
            let mut r = Record::new((k % 2) as u16, k as u64 + 2, id.to_string());
            r.set(crate::field::Field::FullName, name);
            ing.records.push(r);
        }
        ing
    }

    /// Records 0 and 1 one person, the others one each; person `k` first seen in generation
    /// `k + 1`.
    fn register_of(ing: &Ingested) -> Register {
        let n = ing.records.len() as u32;
        let person_of: Vec<u32> = (0..n).map(|i| i.saturating_sub(1)).collect();
        let persons = (0..n.saturating_sub(1).max(1))
            .map(|k| crate::register::Person {
                id: format!("P{k}é").into(),
                first_generation: k + 1,
                ..Default::default()
            })
            .collect();
        Register { persons, person_of }
    }

    fn hashes(ing: &Ingested) -> Vec<u64> {
        ing.records.iter().map(|r| r.content_hash()).collect()
    }

    fn round_trip(ing: &Ingested, scored: &[Scored]) -> std::result::Result<State, Unusable> {
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::begin(dir.path()).unwrap();
        let mut model = Model::fixed();
        model.prior_weight = 0.1 + 0.2; // not exactly representable in decimal
        let snap = Snapshot {
            fingerprint: 42,
            drift: 5,
            model: &model,
            ing,
            hashes: &hashes(ing),
            scored,
            reg: &register_of(ing),
        };
        write(&g, &snap).unwrap();
        let out = g.commit().unwrap();
        load(&out)
    }

    fn pair(a: u32, b: u32, l: u8) -> Scored {
        Scored {
            a,
            b,
            weight: 1.0,
            levels: [l; N_COMPARISONS],
            decision: crate::score::Decision::Match,
        }
    }

    #[test]
    fn state_round_trips_to_the_bit() {
        let ing = ingested(&[("1", "ALI BIN ABU"), ("1", "ALI ABU"), ("é2", "SITI")]);
        let s = round_trip(&ing, &[pair(0, 1, 3), pair(1, 2, 1)]).unwrap();
        assert_eq!((s.fingerprint, s.drift), (42, 5));
        assert_eq!(s.model.prior_weight.to_bits(), (0.1f64 + 0.2).to_bits());
        assert_eq!(s.records(), 3);
        assert_eq!((s.source(1), s.id(1)), ("aim", "1"));
        assert_eq!((s.source(2), s.id(2)), ("jkm", "é2"));
        assert_eq!((0..3).map(|i| s.row(i)).collect::<Vec<_>>(), [2, 3, 4]);
        assert_eq!(s.hashes, hashes(&ing));
        assert_eq!(s.person_ids, ["P0é", "P1é"]);
        assert_eq!(s.person_first, [1, 2]);
        assert_eq!(s.person_of, [0, 0, 1]);
        assert_eq!(
            s.pairs,
            [
                KeptPair {
                    a: 0,
                    b: 1,
                    levels: [3; N_COMPARISONS]
                },
                KeptPair {
                    a: 1,
                    b: 2,
                    levels: [1; N_COMPARISONS]
                }
            ]
        );
    }

    #[test]
    fn a_damaged_or_foreign_file_is_refused_not_half_read() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(load(dir.path()), Err(Unusable::Missing)));
        let ing = ingested(&[("1", "ALI"), ("2", "ABU")]);
        let g = Generation::begin(dir.path()).unwrap();
        let reg = register_of(&ing);
        let snap = Snapshot {
            fingerprint: 7,
            drift: 0,
            model: &Model::fixed(),
            ing: &ing,
            hashes: &hashes(&ing),
            scored: &[pair(0, 1, 2)],
            reg: &reg,
        };
        write(&g, &snap).unwrap();
        let out = g.commit().unwrap();
        let good = std::fs::read(out.join(FILE)).unwrap();
        assert!(parse(&good).is_ok());
        // Any single flipped byte, and any cut, is caught.
        for i in (0..good.len()).step_by(3) {
            let mut bad = good.clone();
            bad[i] ^= 0x40;
            assert!(parse(&bad).is_err(), "byte {i}");
        }
        for n in [0, 10, good.len() / 2, good.len() - 1] {
            assert!(parse(&good[..n]).is_err(), "cut at {n}");
        }
        std::fs::write(out.join(FILE), b"PADANLNK\x02\0\0\0garbage").unwrap();
        assert!(matches!(load(&out), Err(Unusable::Damaged(_))));
    }

    #[test]
    fn plan_finds_every_previous_self_in_any_order() {
        // Enough records for several runs of look-ups; the previous order reversed in part and
        // rotated, some records gone, some changed and some new.
        // Sources alternate by position: each id is in both, as in real exports.
        let rows: Vec<(String, String)> = (0..20_000)
            .map(|i| ((i / 2).to_string(), format!("NAME {}", i % 97)))
            .collect();
        let refs: Vec<(&str, &str)> = rows.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let before = ingested(&refs);
        let s = round_trip(&before, &[]).unwrap();
        let mut order: Vec<usize> = (0..rows.len()).filter(|i| i % 13 != 5).collect();
        order[3000..9000].reverse();
        order.rotate_left(7000);
        let mut now = ingested(&[]);
        now.records = order.iter().map(|&i| before.records[i].clone()).collect();
        for r in now.records.iter_mut().step_by(17) {
            r.set(crate::field::Field::FullName, "SOMEONE ELSE");
        }
        for i in (0..rows.len()).step_by(19) {
            let mut r = before.records[i].clone();
            r.record_id = format!("x{i}");
            now.records.insert(i / 2, r);
        }
        let p = plan(&s, &now, &hashes(&now));
        // Against a plain map from (source, id) to the previous index.
        let by_key: std::collections::HashMap<_, _> = before
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.source, r.record_id.to_string()), i as u32))
            .collect();
        let (mut changed, mut new) = (0, 0);
        for (j, r) in now.records.iter().enumerate() {
            let want = by_key.get(&(r.source, r.record_id.to_string())).copied();
            assert_eq!(p.previous[j], want.unwrap_or(u32::MAX), "record {j}");
            let same =
                want.is_some_and(|i| before.records[i as usize].content_hash() == r.content_hash());
            assert_eq!(p.dirty[j], !same, "record {j}");
            changed += usize::from(want.is_some() && !same);
            new += usize::from(want.is_none());
        }
        assert!(changed > 1000 && new > 1000, "{changed} {new}");
        assert_eq!(p.removed as usize, rows.len() - order.len());
    }

    #[test]
    fn plan_sorts_records_into_unchanged_changed_new_and_removed() {
        let before = ingested(&[
            ("1", "ALI"),
            ("1", "ABU"),
            ("2", "SITI"),
            ("3", "TAN"),
            ("4", "KUMAR"),
        ]);
        let s = round_trip(&before, &[pair(0, 2, 9), pair(2, 4, 9), pair(1, 3, 9)]).unwrap();
        // jkm:1 unchanged, aim:1 changed, jkm:2 gone, aim:3 moved to the end unchanged,
        // jkm:4 unchanged, jkm:9 new (sources alternate by position).
        let mut now = ingested(&[
            ("1", "ALI"),
            ("1", "ABU BAKAR"),
            ("4", "KUMAR"),
            ("9", "LIM"),
        ]);
        let mut moved = Record::new(1, 9, "3".into());
        moved.set(crate::field::Field::FullName, "TAN");
        now.records.push(moved);
        let p = plan(&s, &now, &hashes(&now));
        assert_eq!(p.dirty, [false, true, false, true, false]);
        assert_eq!((p.unchanged, p.changed, p.new, p.removed), (3, 1, 1, 1));
        assert_eq!(p.now, [0, u32::MAX, u32::MAX, 4, 2]);
        assert_eq!(p.previous, [0, 1, 4, u32::MAX, 3]);
        // jkm:1–jkm:2 and jkm:2–jkm:4 lose a record; aim:1–aim:3 lost aim:1's old self.
        let (kept, again) = reused_pairs(&s, &p);
        assert!(kept.is_empty() && again.is_empty());
        let s2 = round_trip(&now, &[pair(0, 2, 5), pair(2, 4, 6), pair(1, 3, 7)]).unwrap();
        // The same records again, aim:3 now before jkm:4.
        let mut swapped = ingested(&[]);
        swapped.records = [0, 1, 4, 2, 3]
            .iter()
            .map(|&i| now.records[i].clone())
            .collect();
        let p2 = plan(&s2, &swapped, &hashes(&swapped));
        assert_eq!(p2.dirty, [false; 5]);
        let (kept, again) = reused_pairs(&s2, &p2);
        // 0–2 (jkm:1–jkm:4) is now 0–3; 2–4 (jkm:4–aim:3) is now 3–2: compared again.
        assert_eq!(kept.len(), 2);
        assert!(kept.contains(&KeptPair {
            a: 0,
            b: 3,
            levels: [5; N_COMPARISONS]
        }));
        assert_eq!(again, [(2, 3)]);
    }
}
