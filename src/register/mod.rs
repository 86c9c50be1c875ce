//! Register: persons, their golden records and stable ids.
//!
//! Reads: ingested and normalised records, cluster labels. Writes: the `Register`, one
//! `Person` per cluster with its golden record, and (`ids`) each person's id and what changed
//! since the previous generation; `output` writes it to files.
//!
//! A person's id is derived from its anchor record (the smallest `source`, `record_id` among
//! its records): `P` and 16 hex digits of that key's XXH3 hash. The same inputs therefore give
//! the same ids, and a person whose anchor record stays keeps its id when others come and go.

pub mod ids;

use std::borrow::Cow;

use ahash::AHashMap;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::ingest::Ingested;
use crate::normalise::{NormRecord, Records, Text};

/// A person's golden record.
#[derive(Clone, Debug, Default)]
pub struct Person {
    pub id: Text,
    /// Indices of its records, ascending.
    pub records: Vec<u32>,
    pub golden: Golden,
    /// Distinct source names, sorted.
    pub sources: Vec<Text>,
    /// The generation the person first appeared in (kept across runs, see `ids`).
    pub first_generation: u32,
}

/// What makes a cluster doubtful: its records' distinct valid ICs, whether they give more
/// than one sex, and how many days lie between the earliest and latest birth dates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Conflict {
    pub valid_ics: usize,
    pub mixed_sex: bool,
    pub dob_spread_days: i64,
}

impl Conflict {
    /// Of a cluster's records.
    pub fn of(recs: &[Cow<NormRecord>]) -> Conflict {
        let mut ics: Vec<&str> = Vec::new();
        let mut sexes: Vec<&str> = Vec::new();
        let (mut lo, mut hi) = (None, None);
        for r in recs {
            if let Some(ic) = r.ic.as_ref().filter(|ic| ic.valid) {
                if !ics.contains(&ic.digits.as_str()) {
                    ics.push(&ic.digits);
                }
            }
            if let Some(s) = r.sex {
                if !sexes.contains(&s.code()) {
                    sexes.push(s.code());
                }
            }
            if let Some(d) = r.dob {
                lo = Some(lo.map_or(d, |l: chrono::NaiveDate| l.min(d)));
                hi = Some(hi.map_or(d, |x: chrono::NaiveDate| x.max(d)));
            }
        }
        Conflict {
            valid_ics: ics.len(),
            mixed_sex: sexes.len() > 1,
            dob_spread_days: match (lo, hi) {
                (Some(l), Some(x)) => (x - l).num_days(),
                _ => 0,
            },
        }
    }
}

/// The persons and, per record, the index of its person.
#[derive(Debug, Default)]
pub struct Register {
    pub persons: Vec<Person>,
    pub person_of: Vec<u32>,
}

impl Register {
    /// Puts the persons in the order of their ids (`order_by_id`), the order every file lists
    /// them in, so that writing reads them front to back rather than one jump in memory at a
    /// time.
    pub fn sort_by_id(&mut self) {
        let order = order_by_id(&self.persons);
        let mut now = vec![u32::MAX; order.len()];
        for (new, &old) in order.iter().enumerate() {
            now[old] = new as u32;
        }
        // Each person sorted to its place in parallel: moved one after another, they would
        // leave one core faulting in all of the new vector's pages.
        let mut placed: Vec<(u32, Person)> = std::mem::take(&mut self.persons)
            .into_par_iter()
            .enumerate()
            .map(|(old, p)| (now[old], p))
            .collect();
        placed.par_sort_unstable_by_key(|(new, _)| *new);
        self.persons = placed.into_par_iter().map(|(_, p)| p).collect();
        self.person_of
            .par_iter_mut()
            .for_each(|p| *p = now[*p as usize]);
    }
}

/// The id of a person anchored at a record.
pub fn person_id(source: &str, record_id: &str) -> Text {
    let mut key = Vec::with_capacity(source.len() + record_id.len() + 1);
    key.extend_from_slice(source.as_bytes());
    key.push(0x1f);
    key.extend_from_slice(record_id.as_bytes());
    let made = made_id(xxh3_64(&key));
    Text::from(std::str::from_utf8(&made).expect("ASCII"))
}

/// The id of the number `n` ("P" and 16 lowercase hex digits), as `person_id` makes it,
/// written into a buffer rather than allocated.
pub fn made_id(n: u64) -> [u8; MADE_ID_LEN] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'P'; MADE_ID_LEN];
    for (k, c) in out[1..].iter_mut().enumerate() {
        *c = HEX[(n >> (60 - 4 * k) & 0xf) as usize];
    }
    out
}

/// The number in an id `person_id` makes ("P" and 16 lowercase hex digits), which orders
/// such ids as their text does; `None` for an id of another shape (one carried from an
/// earlier store, say).
pub fn id_number(id: &str) -> Option<u64> {
    let hex = id.strip_prefix('P')?;
    let ok = hex.len() == 16 && hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    ok.then(|| u64::from_str_radix(hex, 16).ok()).flatten()
}

/// The persons' positions in the order of their ids (as text). Ids are distinct; the position
/// breaks a tie all the same, as a stable sort would.
pub fn order_by_id(persons: &[Person]) -> Vec<usize> {
    // Ids made by `person_id` sort as their numbers, held side by side, rather than as
    // strings reached one jump in memory at a time. An id that only begins as one does (a made
    // id given `-2` in a later generation, because a person had it before) sorts by its
    // number, then by its text among the ids that begin with the same number, so that one such
    // id does not make every id sort as text.
    let lead = |id: &str| id.get(..MADE_ID_LEN).and_then(id_number);
    let numbered: Option<Vec<(u64, u32)>> = persons
        .par_iter()
        .enumerate()
        .map(|(i, p)| Some((lead(&p.id)?, i as u32)))
        .collect();
    if let Some(mut numbered) = numbered {
        numbered.par_sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| persons[a.1 as usize].id.cmp(&persons[b.1 as usize].id))
                .then(a.1.cmp(&b.1))
        });
        return numbered.into_iter().map(|(_, i)| i as usize).collect();
    }
    let mut order: Vec<usize> = (0..persons.len()).collect();
    order.par_sort_unstable_by(|&a, &b| persons[a].id.cmp(&persons[b].id).then(a.cmp(&b)));
    order
}

/// The length of an id `person_id` makes.
pub const MADE_ID_LEN: usize = 17;

/// Picks a golden value: values from the highest-priority source (lowest number) first, then
/// the most frequent among those, then the smallest.
fn pick<'a>(cands: impl Iterator<Item = (i64, &'a str)>) -> Option<Text> {
    // Clusters are small: a sorted list beats a hash map per field and person.
    let mut v: Vec<(i64, &str)> = cands.collect();
    let best_priority = v.iter().map(|c| c.0).min()?;
    v.retain(|c| c.0 == best_priority);
    v.sort_unstable_by(|a, b| a.1.cmp(b.1));
    let mut best: Option<(&str, usize)> = None;
    for run in v.chunk_by(|a, b| a.1 == b.1) {
        // Runs come smallest value first: a later run wins only with more occurrences.
        if best.is_none_or(|(_, n)| run.len() > n) {
            best = Some((run[0].1, run.len()));
        }
    }
    best.map(|(v, _)| Text::from(v))
}

/// What a person's records make: its golden values and what makes it doubtful. A function of
/// its records' normalised forms and their sources' priorities only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Golden {
    // Compact strings keep the short ones (IC, date, postcode…) inline.
    pub full_name: Option<Text>,
    pub ic: Option<Text>,
    pub old_ic: Option<Text>,
    pub dob: Option<Text>,
    pub sex: Option<Text>,
    pub address: Option<Text>,
    pub postcode: Option<Text>,
    pub phone: Option<Text>,
    /// What makes the cluster doubtful (the report lists such clusters).
    pub conflict: Conflict,
}

impl Golden {
    /// The values in the order the register's columns list them
    /// (`output::register::REGISTER_COLUMNS`, after `person_id`).
    pub fn values(&self) -> [&Option<Text>; 8] {
        [
            &self.full_name,
            &self.ic,
            &self.old_ic,
            &self.dob,
            &self.sex,
            &self.address,
            &self.postcode,
            &self.phone,
        ]
    }

    /// The golden record of the records `records` (ascending), read from `norm`.
    pub fn make<R: Records + ?Sized>(ing: &Ingested, norm: &R, records: &[u32]) -> Golden {
        let priority = |i: u32| ing.sources[ing.records[i as usize].source as usize].priority;
        // Each member read once (from disk, when the run spilled them).
        let recs: Vec<Cow<NormRecord>> = records.iter().map(|&i| norm.record(i as usize)).collect();
        let golden = |get: &dyn Fn(&NormRecord) -> Option<Cow<str>>| {
            // A person of one record: its value, as `pick` would choose it.
            if let [only] = &recs[..] {
                return get(only).map(|v| Text::from(v.as_ref()));
            }
            let v: Vec<(i64, Cow<str>)> = records
                .iter()
                .zip(&recs)
                .filter_map(|(&i, r)| get(r).map(|v| (priority(i), v)))
                .collect();
            pick(v.iter().map(|(p, s)| (*p, s.as_ref())))
        };
        fn text(v: &Option<crate::normalise::Text>) -> Option<Cow<'_, str>> {
            v.as_deref().map(Cow::Borrowed)
        }
        let valid_ic = golden(&|r| {
            r.ic.as_ref()
                .filter(|i| i.valid)
                .map(|i| Cow::Borrowed(i.digits.as_str()))
        });
        Golden {
            full_name: golden(&|r| (!r.name.is_empty()).then(|| Cow::Owned(r.name.display()))),
            ic: valid_ic
                .or_else(|| golden(&|r| r.ic.as_ref().map(|i| Cow::Borrowed(i.digits.as_str())))),
            old_ic: golden(&|r| text(r.old_ic())),
            dob: golden(&|r| r.dob.map(|d| Cow::Owned(d.to_string()))),
            sex: golden(&|r| r.sex.map(|s| Cow::Borrowed(s.code()))),
            address: golden(&|r| text(&r.address)),
            postcode: golden(&|r| text(&r.postcode)),
            phone: golden(&|r| text(&r.phone)),
            conflict: if recs.len() > 1 {
                Conflict::of(&recs)
            } else {
                Conflict::default()
            },
        }
    }
}

/// Builds persons from cluster labels.
pub fn build<R: Records + ?Sized>(ing: &Ingested, norm: &R, labels: &[u32]) -> Register {
    let n_clusters = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); n_clusters];
    for (i, &l) in labels.iter().enumerate() {
        members[l as usize].push(i as u32);
    }
    let mut persons: Vec<Person> = members
        .into_par_iter()
        .map(|records| {
            let src = |i: u32| &ing.sources[ing.records[i as usize].source as usize];
            let anchor = *records
                .iter()
                .min_by(|&&a, &&b| {
                    (
                        src(a).name.as_str(),
                        ing.records[a as usize].record_id.as_str(),
                    )
                        .cmp(&(
                            src(b).name.as_str(),
                            ing.records[b as usize].record_id.as_str(),
                        ))
                })
                .expect("clusters are never empty");
            let id = person_id(&src(anchor).name, &ing.records[anchor as usize].record_id);
            let mut sources: Vec<Text> = records
                .iter()
                .map(|&i| Text::from(src(i).name.as_str()))
                .collect();
            sources.sort_unstable();
            sources.dedup();
            Person {
                id,
                golden: Golden::make(ing, norm, &records),
                sources,
                records,
                first_generation: 0,
            }
        })
        .collect();
    make_ids_unique(&mut persons);
    Register {
        persons,
        person_of: labels.to_vec(),
    }
}

/// A 64-bit collision of made ids is practically impossible; if one happens, the later
/// person's id gets `-2` (`-3`…) so that ids stay unique. The ids are checked as numbers
/// first, in parallel, rather than hashed one by one into a map, which on one core would be a
/// large part of `cluster.register`.
fn make_ids_unique(persons: &mut [Person]) {
    let numbers: Option<Vec<u64>> = persons.par_iter().map(|p| id_number(&p.id)).collect();
    if let Some(mut numbers) = numbers {
        numbers.par_sort_unstable();
        if numbers.windows(2).all(|w| w[0] != w[1]) {
            return;
        }
    }
    let mut used: AHashMap<Text, u32> = AHashMap::new();
    for p in persons {
        let seen = used.entry(p.id.clone()).or_insert(0);
        *seen += 1;
        if *seen > 1 {
            p.id = compact_str::format_compact!("{}-{seen}", p.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_values_prefer_priority_then_frequency() {
        let v = [(2, "B"), (2, "B"), (1, "C"), (1, "A"), (1, "A")];
        assert_eq!(pick(v.into_iter()).as_deref(), Some("A"));
        let tie = [(1, "Z"), (1, "Y")];
        assert_eq!(pick(tie.into_iter()).as_deref(), Some("Y"));
        assert_eq!(pick(std::iter::empty()), None);
    }

    /// Records of two sources (priorities 1 and 2) with the names given, normalised.
    fn normalised(names: &[&str]) -> (Ingested, Vec<NormRecord>) {
        use crate::ingest::{Record, SourceInfo};
        let mut ing = Ingested::default();
        for (i, name) in ["jkm", "aim"].iter().enumerate() {
            ing.sources.push(SourceInfo {
                name: name.to_string(),
                spec: i,
                priority: i as i64 + 1,
                dates: vec![],
            });
        }
        for (k, name) in names.iter().enumerate() {
            let mut r = Record::new((k % 2) as u16, k as u64 + 2, k.to_string());
            r.set(crate::field::Field::FullName, name);
            r.set(crate::field::Field::Ic, &format!("85031214556{k}"));
            ing.records.push(r);
        }
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        let norm = (0..names.len())
            .map(|i| crate::normalise::one(&ing, i, today).0)
            .collect();
        (ing, norm)
    }

    #[test]
    fn sorting_by_id_moves_persons_with_their_records() {
        let (ing, norm) = normalised(&["A", "B", "C", "D", "E", "F"]);
        let mut reg = build(&ing, &norm, &[2, 0, 1, 2, 0, 3]);
        let members = |reg: &Register| -> Vec<(Text, Vec<u32>)> {
            let mut v: Vec<_> = reg
                .persons
                .iter()
                .map(|p| (p.id.clone(), p.records.clone()))
                .collect();
            v.sort();
            v
        };
        let before = members(&reg);
        let want_order: Vec<Text> = order_by_id(&reg.persons)
            .iter()
            .map(|&i| reg.persons[i].id.clone())
            .collect();
        assert_ne!(
            want_order,
            reg.persons.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
            "the test needs persons out of order"
        );
        reg.sort_by_id();
        assert_eq!(
            reg.persons.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
            want_order
        );
        assert_eq!(members(&reg), before);
        for (i, &p) in reg.person_of.iter().enumerate() {
            assert!(
                reg.persons[p as usize].records.contains(&(i as u32)),
                "record {i}"
            );
        }
    }

    #[test]
    fn person_ids_are_stable_and_distinct() {
        assert_eq!(person_id("jkm", "1"), person_id("jkm", "1"));
        assert_ne!(person_id("jkm", "1"), person_id("jkm1", ""));
        assert_eq!(person_id("jkm", "1").len(), MADE_ID_LEN);
        for n in [0, 1, 0xabc, u64::MAX, 0x0123_4567_89ab_cdef, 1 << 63] {
            let made = made_id(n);
            assert_eq!(std::str::from_utf8(&made).unwrap(), format!("P{n:016x}"));
            assert_eq!(id_number(std::str::from_utf8(&made).unwrap()), Some(n));
        }
    }

    #[test]
    fn colliding_ids_are_made_unique_and_distinct_ones_kept() {
        let persons = |ids: &[&str]| -> Vec<Person> {
            ids.iter()
                .map(|&id| Person {
                    id: id.into(),
                    ..Default::default()
                })
                .collect()
        };
        let ids = |ps: &[Person]| ps.iter().map(|p| p.id.to_string()).collect::<Vec<_>>();
        let (a, b) = ("P00000000000000a1", "P00000000000000b2");
        let mut distinct = persons(&[b, a, "P1é"]);
        make_ids_unique(&mut distinct);
        assert_eq!(ids(&distinct), [b, a, "P1é"]);
        let mut made = persons(&[a, b, a, a]);
        make_ids_unique(&mut made);
        assert_eq!(ids(&made), [a, b, &format!("{a}-2"), &format!("{a}-3")]);
        let mut carried = persons(&["P1é", a, "P1é"]);
        make_ids_unique(&mut carried);
        assert_eq!(ids(&carried), ["P1é", a, "P1é-2"]);
    }

    #[test]
    fn persons_are_ordered_by_id_as_text_whatever_the_ids_shape() {
        let a = person_id("jkm", "1");
        let b = person_id("jkm", "2");
        let made: Vec<String> = [
            a.to_string(),
            format!("{b}-10"),
            format!("{a}-2"),
            b.to_string(),
            format!("{b}-2"),
            format!("{a}-10"),
        ]
        .into();
        let carried: Vec<String> = made.iter().cloned().chain(["P1é".to_string()]).collect();
        for ids in [made, carried] {
            let persons: Vec<Person> = ids
                .iter()
                .map(|id| Person {
                    id: id.as_str().into(),
                    ..Default::default()
                })
                .collect();
            let got: Vec<&str> = order_by_id(&persons)
                .into_iter()
                .map(|i| ids[i].as_str())
                .collect();
            let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
            want.sort();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn made_ids_order_by_their_number_as_by_their_text() {
        let mut ids: Vec<Text> = (0..2000)
            .map(|i| person_id("jkm", &i.to_string()))
            .chain(["P0000000000000000".into(), "Pffffffffffffffff".into()])
            .collect();
        ids.sort_by_key(|id| id_number(id).expect("a made id"));
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        for other in [
            "P00000000000000001",
            "PFFFFFFFFFFFFFFFF",
            "Q0000000000000000",
            "P1é",
            "P",
        ] {
            assert_eq!(id_number(other), None, "{other}");
        }
    }
}
