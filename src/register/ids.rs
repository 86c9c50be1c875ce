//! Stable person ids across generations, and what changed (`changes.csv`).
//!
//! Reads: this run's persons (each with a fresh id derived from its anchor record) and the
//! previous generation's crosswalk and register. Writes: each person's final id and the
//! generation it first appeared in, and one change row per person that is new, grew, shrank,
//! merged, split or retired.
//!
//! Rules: a previous person continues in the new cluster holding most of its records
//! (ties: the cluster that comes first); a cluster continuing one previous person keeps its id;
//! one continuing several keeps the oldest (earliest first generation, then most records, then
//! the smallest id) and the others are recorded as merged into it; a previous person whose
//! records are now spread over several clusters keeps its id on the part holding most of them
//! and is recorded as split; a cluster continuing nobody gets its fresh id; a previous person
//! none of whose records remain is retired. Identical inputs change nothing.

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;

use super::Register;
use crate::ingest::Ingested;
use crate::normalise::Text;

/// What the previous generation said, with its person ids numbered (interned) so that the
/// assignment works on numbers, not strings.
#[derive(Debug, Default)]
pub struct Previous {
    /// The previous person ids; an id's number is its position here.
    pub ids: Vec<String>,
    index: IdIndex,
    /// Per previous person: (first generation, number of records).
    pub persons: Vec<(u32, u32)>,
    /// source → record id → previous person (read from the crosswalk).
    pub person_of: AHashMap<String, AHashMap<String, u32>>,
    /// Or, when read from the link state: per record of this run, its previous person
    /// (`u32::MAX`: none).
    pub by_record: Option<Vec<u32>>,
}

/// The previous ids' numbers by a hash of the id, so that every id need not be copied into a
/// map's keys; a hit is checked against the id itself.
#[derive(Debug, Default)]
struct IdIndex(AHashMap<u64, u32>);

/// In `IdIndex`: more than one id has this hash (look through them all).
const SHARED: u32 = u32::MAX;

fn id_hash(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

impl IdIndex {
    fn of(ids: &[String]) -> IdIndex {
        let mut m = AHashMap::with_capacity(ids.len());
        for (k, id) in ids.iter().enumerate() {
            m.entry(id_hash(id))
                .and_modify(|e| *e = SHARED)
                .or_insert(k as u32);
        }
        IdIndex(m)
    }

    fn get(&self, ids: &[String], id: &str) -> Option<u32> {
        match *self.0.get(&id_hash(id))? {
            SHARED => ids.iter().position(|x| x == id).map(|k| k as u32),
            k => (ids[k as usize] == id).then_some(k),
        }
    }

    fn insert(&mut self, id: &str, k: u32) {
        self.0
            .entry(id_hash(id))
            .and_modify(|e| *e = SHARED)
            .or_insert(k);
    }
}

impl Previous {
    fn intern(&mut self, id: &str) -> u32 {
        if let Some(k) = self.index.get(&self.ids, id) {
            return k;
        }
        let k = self.ids.len() as u32;
        self.ids.push(id.to_string());
        self.index.insert(id, k);
        self.persons.push((0, 0));
        k
    }

    /// Whether a previous person had this id.
    fn had(&self, id: &str) -> bool {
        self.index.get(&self.ids, id).is_some()
    }

    /// Records that `source:record_id` belonged to `person`.
    pub fn add(&mut self, source: &str, record_id: &str, person: &str) {
        let k = self.intern(person);
        self.persons[k as usize].1 += 1;
        match self.person_of.get_mut(source) {
            Some(m) => {
                m.insert(record_id.to_string(), k);
            }
            None => {
                self.person_of
                    .entry(source.to_string())
                    .or_default()
                    .insert(record_id.to_string(), k);
            }
        }
    }

    /// Sets a previous person's first generation (a person with no records is added).
    pub fn set_first_generation(&mut self, person: &str, generation: u32) {
        let k = self.intern(person);
        self.persons[k as usize].0 = generation;
    }

    /// The previous persons as the link state keeps them, matched to this run's records: their
    /// `ids` and `first` generations, `person_of` each previous record, and per record of this
    /// run its previous record (`previous`; `u32::MAX`: none). No text to parse, no string
    /// lookups per record.
    pub fn of_records(
        ids: Vec<String>,
        first: &[u32],
        person_of: &[u32],
        previous: &[u32],
    ) -> Previous {
        let mut persons: Vec<(u32, u32)> = first.iter().map(|&f| (f, 0)).collect();
        for &p in person_of {
            persons[p as usize].1 += 1;
        }
        let index = IdIndex::of(&ids);
        let by_record = previous
            .par_iter()
            .map(|&p| {
                if p == u32::MAX {
                    u32::MAX
                } else {
                    person_of[p as usize]
                }
            })
            .collect();
        Previous {
            ids,
            index,
            persons,
            person_of: AHashMap::new(),
            by_record: Some(by_record),
        }
    }

    /// Sets the first generation of a previous person this knows of (others are ignored).
    pub fn set_first_generation_of_known(&mut self, person: &str, generation: u32) {
        if let Some(k) = self.index.get(&self.ids, person) {
            self.persons[k as usize].0 = generation;
        }
    }
}

/// One row of `changes.csv`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub person_id: String,
    pub change: &'static str,
    pub detail: String,
}

/// Gives every person its final id. Returns each person's first generation and the changes.
pub fn assign(
    reg: &mut Register,
    ing: &Ingested,
    prev: Option<&Previous>,
    generation: u32,
) -> (Vec<u32>, Vec<Change>) {
    let n = reg.persons.len();
    let Some(prev) = prev else {
        let changes = reg
            .persons
            .iter()
            .map(|p| Change {
                person_id: p.id.to_string(),
                change: "new",
                detail: format!("{} records", p.records.len()),
            })
            .collect();
        return (vec![generation; n], changes);
    };
    let old_person = |i: u32| {
        if let Some(v) = &prev.by_record {
            return Some(v[i as usize]).filter(|&p| p != u32::MAX);
        }
        let r = &ing.records[i as usize];
        prev.person_of
            .get(ing.sources[r.source as usize].name.as_str())
            .and_then(|m| m.get(r.record_id.as_str()))
            .copied()
    };
    let name = |k: u32| prev.ids[k as usize].as_str();
    // Per cluster, how many of its records each previous person held (by previous id).
    let held: Vec<Vec<(u32, u32)>> = reg
        .persons
        .par_iter()
        .map(|p| {
            let mut h: Vec<(u32, u32)> = Vec::new();
            for &i in &p.records {
                if let Some(old) = old_person(i) {
                    match h.iter_mut().find(|e| e.0 == old) {
                        Some(e) => e.1 += 1,
                        None => h.push((old, 1)),
                    }
                }
            }
            h
        })
        .collect();
    // Per previous person, the clusters holding its records and how many (in cluster order),
    // laid out end to end: previous person `o`'s are `parts[starts[o]..starts[o + 1]]`.
    let mut starts = vec![0usize; prev.ids.len() + 1];
    for h in &held {
        for &(old, _) in h {
            starts[old as usize + 1] += 1;
        }
    }
    for o in 0..prev.ids.len() {
        starts[o + 1] += starts[o];
    }
    let mut parts = vec![(0usize, 0u32); starts[prev.ids.len()]];
    let mut next = starts.clone();
    for (c, h) in held.iter().enumerate() {
        for &(old, k) in h {
            parts[next[old as usize]] = (c, k);
            next[old as usize] += 1;
        }
    }
    drop(next);
    drop(held);
    let present = |o: u32| &parts[starts[o as usize]..starts[o as usize + 1]];
    // Each previous person continues in the cluster holding most of its records. The order in
    // which they are taken does not matter: each cluster's candidates are put in a total
    // order below, and the changes are sorted at the end.
    // Per previous person that continues: (its cluster, itself), grouped by cluster below.
    let mut continues: Vec<(u32, u32)> = Vec::with_capacity(prev.ids.len());
    let mut split: Vec<(u32, usize, Vec<usize>)> = Vec::new();
    for old in 0..prev.ids.len() as u32 {
        let parts = present(old);
        if parts.is_empty() {
            continue;
        }
        let &(best, _) = parts
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .expect("present means at least one part");
        continues.push((best as u32, old));
        if parts.len() > 1 {
            split.push((
                old,
                best,
                parts.iter().map(|p| p.0).filter(|&c| c != best).collect(),
            ));
        }
    }
    continues.par_sort_unstable();
    let age = |k: u32| prev.persons[k as usize];
    let was_split: AHashSet<u32> = split.iter().map(|s| s.0).collect();
    // Each cluster's candidates, oldest first (then the larger, then by id): the first keeps
    // its id, the others are merged into it.
    continues
        .par_chunk_by_mut(|a, b| a.0 == b.0)
        .for_each(|cands| {
            cands.sort_by(|&(_, a), &(_, b)| {
                let (x, y) = (age(a), age(b));
                x.0.cmp(&y.0).then(y.1.cmp(&x.1)).then(name(a).cmp(name(b)))
            })
        });
    let mut first = vec![generation; n];
    // Per cluster, its candidates (none for a new person).
    let mut cands_of: Vec<&[(u32, u32)]> = vec![&[]; n];
    for cands in continues.chunk_by(|a, b| a.0 == b.0) {
        cands_of[cands[0].0 as usize] = cands;
    }
    // The clusters that continue a previous person, in parallel: the kept id, the first
    // generation and the changes. New persons' ids are given after, in cluster order.
    let kept: Vec<(Option<Text>, u32, Vec<Change>)> = cands_of
        .par_iter()
        .enumerate()
        .map(|(c, cands)| {
            let Some((&(_, keeper), absorbed)) = cands.split_first() else {
                return (None, generation, Vec::new());
            };
            let size = reg.persons[c].records.len() as u32;
            let mut changes = Vec::new();
            let (gen, old_size) = age(keeper);
            for &(_, a) in absorbed {
                changes.push(Change {
                    person_id: name(a).to_string(),
                    change: "merged",
                    detail: format!("merged into {}", name(keeper)),
                });
            }
            if !absorbed.is_empty() {
                let names: Vec<&str> = absorbed.iter().map(|&(_, a)| name(a)).collect();
                changes.push(Change {
                    person_id: name(keeper).to_string(),
                    change: "merged",
                    detail: format!("absorbed {}", names.join(" ")),
                });
            } else if size > old_size {
                changes.push(Change {
                    person_id: name(keeper).to_string(),
                    change: "grew",
                    detail: format!("{old_size} -> {size} records"),
                });
            } else if size < old_size && !was_split.contains(&keeper) {
                changes.push(Change {
                    person_id: name(keeper).to_string(),
                    change: "shrank",
                    detail: format!("{old_size} -> {size} records"),
                });
            }
            let first = if gen == 0 { generation } else { gen };
            (Some(Text::from(name(keeper))), first, changes)
        })
        .collect();
    drop(cands_of);
    let mut changes = Vec::new();
    let mut final_ids: Vec<Text> = Vec::with_capacity(n);
    // The fresh ids given so far (a kept id is a previous one, which no fresh id can be).
    let mut fresh: AHashSet<Text> = AHashSet::new();
    for (c, (id, gen, kept_changes)) in kept.into_iter().enumerate() {
        first[c] = gen;
        changes.extend(kept_changes);
        match id {
            Some(id) => final_ids.push(id),
            None => {
                // A fresh id; never one a previous person had or this run gave already.
                let size = reg.persons[c].records.len();
                let mut id = reg.persons[c].id.clone();
                let mut k = 1;
                while prev.had(id.as_str()) || fresh.contains(&id) {
                    k += 1;
                    id = compact_str::format_compact!("{}-{k}", reg.persons[c].id);
                }
                fresh.insert(id.clone());
                changes.push(Change {
                    person_id: id.to_string(),
                    change: "new",
                    detail: format!("{size} records"),
                });
                final_ids.push(id);
            }
        }
    }
    for (old, _, others) in &split {
        let to: Vec<&str> = others.iter().map(|&c| final_ids[c].as_str()).collect();
        changes.push(Change {
            person_id: name(*old).to_string(),
            change: "split",
            detail: format!("records moved to {}", to.join(" ")),
        });
    }
    let mut retired: Vec<&str> = (0..prev.ids.len() as u32)
        .filter(|&o| present(o).is_empty())
        .map(name)
        .collect();
    retired.sort_unstable();
    for r in retired {
        changes.push(Change {
            person_id: r.to_string(),
            change: "retired",
            detail: "none of its records remain".into(),
        });
    }
    for (p, id) in reg.persons.iter_mut().zip(final_ids) {
        p.id = id;
    }
    changes.sort_by(|a, b| a.person_id.cmp(&b.person_id).then(a.change.cmp(b.change)));
    (first, changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Record, SourceInfo};
    use crate::register::Person;

    fn ingested(n: u32) -> Ingested {
        Ingested {
            sources: vec![SourceInfo {
                name: "s".into(),
                spec: 0,
                priority: 1,
                dates: vec![],
            }],
            records: (0..n)
                .map(|i| Record::new(0, i as u64 + 2, i.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    /// Clusters of record indices, with fresh ids F0, F1…
    fn register(clusters: &[&[u32]]) -> Register {
        let mut person_of = vec![0; clusters.iter().map(|c| c.len()).sum()];
        let persons = clusters
            .iter()
            .enumerate()
            .map(|(c, r)| {
                for &i in r.iter() {
                    person_of[i as usize] = c as u32;
                }
                Person {
                    id: format!("F{c}").into(),
                    records: r.to_vec(),
                    ..Default::default()
                }
            })
            .collect();
        Register { persons, person_of }
    }

    /// A previous generation: (person id, first generation, its records).
    fn previous(persons: &[(&str, u32, &[u32])]) -> Previous {
        let mut p = Previous::default();
        for (id, gen, recs) in persons {
            for r in recs.iter() {
                p.add("s", &r.to_string(), id);
            }
            p.set_first_generation(id, *gen);
        }
        p
    }

    fn ids(reg: &Register) -> Vec<&str> {
        reg.persons.iter().map(|p| p.id.as_str()).collect()
    }

    fn kinds(ch: &[Change]) -> Vec<(String, &'static str)> {
        ch.iter().map(|c| (c.person_id.clone(), c.change)).collect()
    }

    #[test]
    fn identical_inputs_keep_every_id_and_change_nothing() {
        let ing = ingested(4);
        let prev = previous(&[("A", 1, &[0, 1]), ("B", 2, &[2, 3])]);
        let mut reg = register(&[&[0, 1], &[2, 3]]);
        let (first, ch) = assign(&mut reg, &ing, Some(&prev), 3);
        assert_eq!(ids(&reg), ["A", "B"]);
        assert_eq!(first, [1, 2]);
        assert!(ch.is_empty(), "{ch:?}");
    }

    #[test]
    fn a_merge_keeps_the_older_id_and_records_the_other() {
        let ing = ingested(4);
        let prev = previous(&[("A", 2, &[0, 1]), ("B", 1, &[2, 3])]);
        let mut reg = register(&[&[0, 1, 2, 3]]);
        let (first, ch) = assign(&mut reg, &ing, Some(&prev), 3);
        assert_eq!(ids(&reg), ["B"]);
        assert_eq!(first, [1]);
        assert_eq!(kinds(&ch), [("A".into(), "merged"), ("B".into(), "merged")]);
        assert!(ch[0].detail.contains("into B"));
    }

    #[test]
    fn a_split_keeps_the_id_on_the_larger_part() {
        let ing = ingested(5);
        let prev = previous(&[("A", 1, &[0, 1, 2, 3, 4])]);
        let mut reg = register(&[&[0], &[1, 2, 3], &[4]]);
        let (_, ch) = assign(&mut reg, &ing, Some(&prev), 2);
        assert_eq!(reg.persons[1].id, "A");
        assert_eq!(reg.persons[0].id, "F0");
        assert_eq!(reg.persons[2].id, "F2");
        let k = kinds(&ch);
        assert!(k.contains(&("A".into(), "split")));
        assert!(k.contains(&("F0".into(), "new")));
        assert!(
            !k.iter().any(|(_, c)| *c == "shrank"),
            "a split is not also a shrink"
        );
    }

    #[test]
    fn growth_retirement_and_fresh_ids_that_collide() {
        let ing = ingested(4);
        // C's records are gone; A gains record 2; record 3 is new, and its fresh id
        // happens to be one a previous person had.
        let prev = previous(&[("A", 1, &[0, 1]), ("F1", 1, &[]), ("C", 1, &[9])]);
        let mut reg = register(&[&[0, 1, 2], &[3]]);
        let (_, ch) = assign(&mut reg, &ing, Some(&prev), 2);
        assert_eq!(reg.persons[0].id, "A");
        assert_eq!(reg.persons[1].id, "F1-2");
        let k = kinds(&ch);
        assert!(k.contains(&("A".into(), "grew")));
        assert!(k.contains(&("C".into(), "retired")));
        assert!(k.contains(&("F1-2".into(), "new")));
    }

    #[test]
    fn without_a_previous_generation_everyone_is_new() {
        let ing = ingested(2);
        let mut reg = register(&[&[0], &[1]]);
        let (first, ch) = assign(&mut reg, &ing, None, 1);
        assert_eq!(first, [1, 1]);
        assert_eq!(ch.len(), 2);
        assert!(ch.iter().all(|c| c.change == "new"));
    }
}
