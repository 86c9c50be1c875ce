//! Drawing a generation's clerical sample: the strata, the pairs drawn from each, `qa.csv` for
//! the clerks and `sample.json` for the store.

use std::path::{Path, PathBuf};

use ahash::{AHashMap, AHashSet};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{Design, Stratum};
use crate::comparison::COMPARISONS;
use crate::error::{Error, Result};
use crate::explain::Store;
use crate::spreadsheet::safe_row;
use crate::store;

/// Pairs drawn when the user does not say.
pub const DEFAULT_N: usize = 400;
/// The store's record of a sample, in the generation's QA folder.
pub const SAMPLE_FILE: &str = "sample.json";
/// The file the clerks label, in the same folder.
pub const CSV_FILE: &str = "qa.csv";

/// The strata's names and each one's share of the sample. The automatic matches far above the
/// cut are most of the register's pairs, so their share bounds how narrow the interval of the
/// precision of automatic matches can be; the strata near the thresholds, though small, get
/// as many labels each, since that is where labels change the recall most.
const STRATA: [(&str, f64); 8] = [
    ("match_high", 0.25),
    ("match_mid", 0.10),
    ("match_low", 0.10),
    ("review_high", 0.10),
    ("review_low", 0.10),
    ("below_high", 0.10),
    ("below_low", 0.10),
    ("joined_through_others", 0.15),
];
const JOINED: usize = 7;
/// Automatic matches this far above the cut are `match_high`, this near it `match_low`.
const MATCH_HIGH: f64 = 10.0;
const MATCH_LOW: f64 = 4.0;
/// Pairs this far below the review threshold are `below_high`.
const BELOW_HIGH: f64 = 2.0;
/// Pairs of one person are enumerated when there are at most this many, else drawn by
/// rejection (a person of thousands of records has millions of pairs).
const ENUMERATE_AT_MOST: u64 = 2_000_000;

/// A drawn pair as the store keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Drawn {
    /// Its number in `qa.csv` (from 1).
    pub pair: u32,
    pub stratum: usize,
    pub source_l: String,
    pub record_id_l: String,
    pub source_r: String,
    pub record_id_r: String,
    /// The match weight; none for a pair that was never scored.
    pub weight: Option<f64>,
    /// padan's decision (`match`, `review`, `non-match`); empty for a pair never scored.
    pub decision: String,
    /// Whether the register put both records in one person.
    pub linked: bool,
    pub inclusion_probability: f64,
}

/// A generation's sample: its design and the pairs drawn, in `qa.csv`'s order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub design: Design,
    pub pairs: Vec<Drawn>,
}

/// The thresholds a generation was decided with, from its `summary.json`.
fn thresholds(gen: &Path) -> Result<(f64, f64, f64)> {
    let path = gen.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| Error::Run(format!("{}: {e}", path.display())))?;
    let t = &v["thresholds"];
    match (
        t["match_weight"].as_f64(),
        t["review_weight"].as_f64(),
        t["pairs_floor"].as_f64(),
    ) {
        (Some(m), Some(r), Some(f)) => Ok((m, r, f)),
        _ => Err(Error::Run(format!(
            "{}: no thresholds (match_weight, review_weight, pairs_floor)",
            path.display()
        ))),
    }
}

/// The candidate thresholds of the curve: every whole weight from the floor to well above the
/// cut, and the two thresholds in force.
fn curve(m: f64, r: f64, floor: f64) -> Vec<f64> {
    let mut c: Vec<f64> = (floor.ceil() as i64..=(m + MATCH_HIGH).floor() as i64)
        .map(|w| w as f64)
        .chain([m, r])
        .collect();
    c.sort_by(f64::total_cmp);
    c.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    c
}

/// The stratum of a scored pair.
fn stratum_of(w: f64, decision: &str, (m, r, _): (f64, f64, f64)) -> usize {
    let mid = (m + r) / 2.0;
    if decision == "match" {
        if w >= m + MATCH_HIGH {
            0
        } else if w >= m + MATCH_LOW {
            1
        } else {
            2
        }
    } else if w >= mid {
        3
    } else if w >= r {
        4
    } else if w >= r - BELOW_HIGH {
        5
    } else {
        6
    }
}

/// What each stratum holds, in words.
fn holds((m, r, f): (f64, f64, f64)) -> [String; 8] {
    let mid = (m + r) / 2.0;
    [
        format!("automatic matches, weight {:.2} and up", m + MATCH_HIGH),
        format!(
            "automatic matches, weight {:.2} to {:.2}",
            m + MATCH_LOW,
            m + MATCH_HIGH
        ),
        format!(
            "automatic matches, weight {m:.2} to {:.2}",
            m + MATCH_LOW
        ),
        format!("other pairs, weight {mid:.2} and up (review band, upper half, and matches a constraint refused)"),
        format!("review band, weight {r:.2} to {mid:.2}"),
        format!("below review, weight {:.2} to {r:.2}", r - BELOW_HIGH),
        format!("below review, weight {f:.2} to {:.2}", r - BELOW_HIGH),
        "pairs of one person never scored: joined only through others".to_string(),
    ]
}

/// How many pairs to draw from each stratum: `n` shared by `STRATA`'s shares among the
/// strata with pairs, a stratum with fewer pairs than its share taken whole and the rest
/// shared again; rounded by largest remainder.
pub fn allocate(n: u64, populations: &[u64]) -> Vec<u64> {
    let mut alloc = vec![0u64; populations.len()];
    let mut open: Vec<usize> = (0..populations.len())
        .filter(|&h| populations[h] > 0)
        .collect();
    loop {
        let left = n.saturating_sub(alloc.iter().sum());
        let total: f64 = open.iter().map(|&h| STRATA[h].1).sum();
        if open.is_empty() || left == 0 {
            return alloc;
        }
        let want = |h: usize| STRATA[h].1 / total * left as f64;
        let full: Vec<usize> = open
            .iter()
            .copied()
            .filter(|&h| want(h) >= populations[h] as f64)
            .collect();
        if !full.is_empty() {
            for &h in &full {
                alloc[h] = populations[h];
            }
            open.retain(|h| !full.contains(h));
            continue;
        }
        let mut given = 0;
        for &h in &open {
            alloc[h] = want(h).floor() as u64;
            given += alloc[h];
        }
        let mut by_remainder = open.clone();
        by_remainder
            .sort_by(|&a, &b| (want(b) - want(b).floor()).total_cmp(&(want(a) - want(a).floor())));
        for &h in by_remainder.iter().take((left - given) as usize) {
            alloc[h] += 1;
        }
        return alloc;
    }
}

/// `k` distinct items of `items` at random, put first in it (a partial Fisher–Yates shuffle).
fn shuffle_first<T>(items: &mut [T], k: usize, rng: &mut StdRng) -> usize {
    let k = k.min(items.len());
    for i in 0..k {
        let j = rng.random_range(i..items.len());
        items.swap(i, j);
    }
    k
}

/// `k` distinct items of `items` at random.
fn choose<T: Copy>(items: &mut [T], k: usize, rng: &mut StdRng) -> Vec<T> {
    let k = shuffle_first(items, k, rng);
    items[..k].to_vec()
}

/// A scored pair as a stratum holds it: its records, weight, whether they are in one person,
/// and padan's decision.
type Member<'a> = (usize, usize, f64, bool, &'a str);

/// Draws `n` pairs of the generation `store` holds, at random with `seed`.
pub fn draw(store: &Store, n: usize, seed: u64) -> Result<Sample> {
    let gen = store.generation();
    let generation = store::qa::generation_number(gen).ok_or_else(|| {
        Error::Config(format!(
            "{}: not a generation folder of a register store",
            gen.display()
        ))
    })?;
    let t = thresholds(gen)?;
    let curve = curve(t.0, t.1, t.2);
    let records = store.records();
    let person = |i: usize| records[i].person_id.as_str();
    // The scored pairs by stratum, and those of one person.
    let mut members: Vec<Vec<Member>> = vec![Vec::new(); STRATA.len()];
    let mut scored_linked: AHashSet<(usize, usize)> = AHashSet::new();
    for (l, r, w, d) in store.scored() {
        let linked = person(l) == person(r);
        if linked {
            scored_linked.insert((l.min(r), l.max(r)));
        }
        members[stratum_of(w, d, t)].push((l, r, w, linked, d));
    }
    // Every person's records, to draw the pairs joined through others.
    let mut persons: AHashMap<&str, Vec<usize>> = AHashMap::new();
    for i in 0..records.len() {
        persons.entry(person(i)).or_default().push(i);
    }
    let mut clusters: Vec<Vec<usize>> = persons.into_values().filter(|m| m.len() > 1).collect();
    clusters.sort();
    let pairs_of = |k: usize| (k * (k - 1) / 2) as u64;
    let all_linked: u64 = clusters.iter().map(|c| pairs_of(c.len())).sum();
    let joined = all_linked.saturating_sub(scored_linked.len() as u64);
    let mut strata: Vec<Stratum> = STRATA
        .iter()
        .zip(holds(t))
        .enumerate()
        .map(|(h, ((name, _), holds))| {
            let m = &members[h];
            Stratum {
                name: name.to_string(),
                holds,
                scored: h != JOINED,
                automatic: h <= 2,
                population: if h == JOINED { joined } else { m.len() as u64 },
                linked: if h == JOINED {
                    joined
                } else {
                    m.iter().filter(|p| p.3).count() as u64
                },
                at_or_above: curve
                    .iter()
                    .map(|&c| m.iter().filter(|p| p.2 >= c).count() as u64)
                    .collect(),
                sampled: 0,
            }
        })
        .collect();
    let populations: Vec<u64> = strata.iter().map(|s| s.population).collect();
    let alloc = allocate(n as u64, &populations);
    let mut rng = StdRng::seed_from_u64(seed ^ (u64::from(generation) << 32));
    let mut pairs: Vec<Drawn> = Vec::with_capacity(n);
    let key = |i: usize| (records[i].source.clone(), records[i].record_id.clone());
    let mut push = |stratum: usize,
                    (l, r): (usize, usize),
                    weight: Option<f64>,
                    linked: bool,
                    decision: &str| {
        let ((source_l, record_id_l), (source_r, record_id_r)) = (key(l), key(r));
        pairs.push(Drawn {
            pair: 0,
            stratum,
            source_l,
            record_id_l,
            source_r,
            record_id_r,
            weight,
            decision: decision.to_string(),
            linked,
            inclusion_probability: 0.0,
        });
    };
    for h in 0..STRATA.len() {
        if h == JOINED {
            continue;
        }
        for (l, r, w, linked, d) in choose(&mut members[h], alloc[h] as usize, &mut rng) {
            push(h, (l, r), Some(w), linked, d);
        }
    }
    let want = alloc[JOINED] as usize;
    let unscored = |a: usize, b: usize| !scored_linked.contains(&(a.min(b), a.max(b)));
    if want > 0 && all_linked <= ENUMERATE_AT_MOST {
        let mut all: Vec<(usize, usize)> = clusters
            .iter()
            .flat_map(|c| {
                (0..c.len()).flat_map(move |x| (x + 1..c.len()).map(move |y| (c[x], c[y])))
            })
            .filter(|&(a, b)| unscored(a, b))
            .collect();
        for (a, b) in choose(&mut all, want, &mut rng) {
            push(JOINED, (a, b), None, true, "");
        }
    } else if want > 0 {
        // Uniform over every pair of one person, those scored refused; with millions of
        // pairs of one person the scored ones are few of them.
        let mut upto = Vec::with_capacity(clusters.len());
        let mut acc = 0u64;
        for c in &clusters {
            acc += pairs_of(c.len());
            upto.push(acc);
        }
        let mut taken: AHashSet<(usize, usize)> = AHashSet::new();
        let mut tries = 0;
        while taken.len() < want && tries < 1000 * want {
            tries += 1;
            let u = rng.random_range(0..acc);
            let c = &clusters[upto.partition_point(|&x| x <= u)];
            let x = rng.random_range(0..c.len());
            let y = rng.random_range(0..c.len() - 1);
            let y = if y >= x { y + 1 } else { y };
            let (a, b) = (c[x].min(c[y]), c[x].max(c[y]));
            if unscored(a, b) && taken.insert((a, b)) {
                push(JOINED, (a, b), None, true, "");
            }
        }
    }
    for p in &pairs {
        strata[p.stratum].sampled += 1;
    }
    // The clerks see the pairs in no order that tells their stratum.
    let len = pairs.len();
    shuffle_first(&mut pairs, len, &mut rng);
    for (k, p) in pairs.iter_mut().enumerate() {
        let s = &strata[p.stratum];
        p.pair = k as u32 + 1;
        p.inclusion_probability = s.sampled as f64 / s.population as f64;
    }
    Ok(Sample {
        design: Design {
            generation,
            seed,
            match_weight: t.0,
            review_weight: t.1,
            pairs_floor: t.2,
            curve,
            strata,
        },
        pairs,
    })
}

/// The columns of `qa.csv` that name a pair, which `padan qa estimate` reads back with `label`.
pub const KEYS: [&str; 6] = [
    "generation",
    "pair",
    "source_l",
    "record_id_l",
    "source_r",
    "record_id_r",
];

/// `qa.csv`'s header: the pair, both records' keys, both records' values for each comparison
/// side by side, and the empty `label`.
fn header() -> Vec<String> {
    let mut h: Vec<String> = KEYS.map(String::from).to_vec();
    for c in &COMPARISONS {
        h.push(format!("{}_l", c.name));
        h.push(format!("{}_r", c.name));
    }
    h.push("label".into());
    h
}

/// `qa.csv` for a sample: one row per pair, in the sample's order, values masked as the report
/// masks them (whole when not `masked`), every cell safe to open in a spreadsheet, with a UTF-8
/// BOM so that spreadsheets read its names right. The file does not show padan's weight or
/// decision, so that a clerk's label is not anchored on them.
pub fn csv(sample: &Sample, store: &Store, masked: bool) -> Result<Vec<u8>> {
    let records = store.records();
    let mut w = csv::Writer::from_writer("\u{FEFF}".as_bytes().to_vec());
    let fail = |e: csv::Error| Error::Run(format!("{CSV_FILE}: {e}"));
    w.write_record(header()).map_err(fail)?;
    for p in &sample.pairs {
        let find = |s: &str, id: &str| {
            store.index_of(s, id).ok_or_else(|| {
                Error::Run(format!(
                    "the sample names a record {s}:… this generation lacks"
                ))
            })
        };
        let (l, r) = (
            find(&p.source_l, &p.record_id_l)?,
            find(&p.source_r, &p.record_id_r)?,
        );
        let mut row: Vec<String> = vec![
            format!("{:06}", sample.design.generation),
            p.pair.to_string(),
            p.source_l.clone(),
            p.record_id_l.clone(),
            p.source_r.clone(),
            p.record_id_r.clone(),
        ];
        for c in &COMPARISONS {
            row.push(records[l].shown(c, masked));
            row.push(records[r].shown(c, masked));
        }
        row.push(String::new());
        safe_row(&mut w, row.iter().map(String::as_str)).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| Error::Run(format!("{CSV_FILE}: {}", e.error())))
}

/// Draws the sample of the store `root`'s current generation and writes `sample.json` and
/// `qa.csv` (`csv`) into its QA folder; returns the sample and where `qa.csv` is. A generation
/// sampled before is refused unless `replace`: its labels would no longer fit.
pub fn sample(
    root: &Path,
    n: usize,
    seed: u64,
    replace: bool,
    masked: bool,
) -> Result<(Sample, PathBuf)> {
    let store = Store::load(root)?;
    let generation = store::qa::generation_number(store.generation()).unwrap_or(0);
    let dir = store::qa::dir(root, generation);
    if dir.join(SAMPLE_FILE).exists() && !replace {
        return Err(Error::Config(format!(
            "{}: generation {generation:06} was sampled already; label its qa.csv, or draw again with --replace (labels of the old sample then no longer fit)",
            dir.display()
        )));
    }
    let sample = draw(&store, n, seed)?;
    let json = serde_json::to_vec_pretty(&sample)
        .map_err(|e| Error::Run(format!("{SAMPLE_FILE}: {e}")))?;
    let csv = csv(&sample, &store, masked)?;
    store::write_whole(&dir.join(SAMPLE_FILE), &json)?;
    let at = dir.join(CSV_FILE);
    store::write_whole(&at, &csv)?;
    Ok((sample, at))
}

/// A generation's sample as the store kept it.
pub fn load(root: &Path, generation: u32) -> Result<Sample> {
    let path = store::qa::dir(root, generation).join(SAMPLE_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::Config(format!(
            "{}: cannot read ({e}); was generation {generation:06} sampled with `padan qa sample`?",
            path.display()
        ))
    })?;
    serde_json::from_str(&text)
        .map_err(|e| Error::Run(format!("{}: damaged ({e})", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_is_shared_by_the_strata_shares_and_small_strata_are_taken_whole() {
        let a = allocate(400, &[10_000, 3_000, 800, 150, 200, 200, 2_500, 600]);
        assert_eq!(a.iter().sum::<u64>(), 400);
        assert_eq!(a, [100, 40, 40, 40, 40, 40, 40, 60]);
        let a = allocate(400, &[10_000, 3_000, 800, 20, 0, 200, 2_500, 0]);
        assert_eq!(a.iter().sum::<u64>(), 400);
        assert_eq!((a[3], a[4], a[7]), (20, 0, 0));
        assert!(a[0] > 100 && a[6] > 40, "{a:?}");
        let a = allocate(400, &[5, 5, 5, 5, 5, 5, 5, 5]);
        assert_eq!(a, [5; 8], "fewer pairs than asked: all of them");
        assert_eq!(allocate(400, &[0; 8]), [0; 8]);
    }

    #[test]
    fn strata_follow_the_decision_and_the_weight() {
        let t = (4.0, 0.0, -6.0);
        assert_eq!(stratum_of(30.0, "match", t), 0);
        assert_eq!(stratum_of(9.0, "match", t), 1);
        assert_eq!(stratum_of(4.0, "match", t), 2);
        assert_eq!(
            stratum_of(9.0, "review", t),
            3,
            "a match a constraint refused"
        );
        assert_eq!(stratum_of(2.5, "review", t), 3);
        assert_eq!(stratum_of(0.0, "review", t), 4);
        assert_eq!(stratum_of(-1.0, "non-match", t), 5);
        assert_eq!(stratum_of(-6.0, "non-match", t), 6);
        let c = curve(4.0, 0.0, -6.0);
        assert_eq!(c.first(), Some(&-6.0));
        assert_eq!(c.last(), Some(&14.0));
        assert!(c.windows(2).all(|w| w[0] < w[1]));
        assert!(curve(3.17, 0.0, -6.0).contains(&3.17));
    }
}
