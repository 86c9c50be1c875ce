//! Where the truth is known (synthetic registries): a sample's labels filled from it, and the
//! population values the estimates should cover. The accuracy tests and `benches/qa.rs` check
//! the estimates with them.

use ahash::AHashMap;

use super::sample::CSV_FILE;
use crate::error::{Error, Result};
use crate::explain::Store;

/// Each record's true person, by (source, record id) (`eval::read_assignment`).
pub type Truth = AHashMap<(String, String), String>;

/// Whether the truth puts two records in one person (a record it lacks is nobody's).
fn same(truth: &Truth, l: (&str, &str), r: (&str, &str)) -> bool {
    let person = |(s, id): (&str, &str)| truth.get(&(s.to_string(), id.to_string()));
    matches!((person(l), person(r)), (Some(a), Some(b)) if a == b)
}

/// `qa.csv` (`sample::csv`, as bytes) with every `label` filled from the truth.
pub fn labelled(csv: &[u8], truth: &Truth) -> Result<Vec<u8>> {
    let text = String::from_utf8_lossy(csv);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let fail = |e: csv::Error| Error::Run(format!("{CSV_FILE}: {e}"));
    let headers = r.headers().map_err(fail)?.clone();
    let col = |n: &str| {
        headers
            .iter()
            .position(|h| h == n)
            .expect("qa.csv's own column")
    };
    let (sl, il, sr, ir, label) = (
        col("source_l"),
        col("record_id_l"),
        col("source_r"),
        col("record_id_r"),
        col("label"),
    );
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&headers).map_err(fail)?;
    for row in r.records() {
        let row = row.map_err(fail)?;
        let raw = |i: usize| crate::spreadsheet::raw_cell(&row[i]).to_string();
        let is_same = same(truth, (&raw(sl), &raw(il)), (&raw(sr), &raw(ir)));
        let cells: Vec<&str> = (0..row.len())
            .map(|i| match i {
                _ if i == label => {
                    if is_same {
                        "same"
                    } else {
                        "different"
                    }
                }
                _ => &row[i],
            })
            .collect();
        w.write_record(cells).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| Error::Run(format!("{CSV_FILE}: {}", e.error())))
}

/// The population values a sample's estimates stand for, from the truth.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Values {
    pub match_precision: f64,
    pub missed: f64,
    pub recall: f64,
    pub register_precision: f64,
    pub register_missed: f64,
    pub register_recall: f64,
}

/// The true values for the generation `store` holds: over its scored pairs, and every pair of
/// records of one person for the register's precision.
pub fn values(store: &Store, truth: &Truth) -> Values {
    let records = store.records();
    let key = |i: usize| (records[i].source.as_str(), records[i].record_id.as_str());
    let (mut auto, mut auto_true, mut missed) = (0u64, 0u64, 0u64);
    let mut register_missed = 0u64;
    for (l, r, _, decision) in store.scored() {
        let t = same(truth, key(l), key(r));
        let linked = records[l].person_id == records[r].person_id;
        if decision == "match" {
            auto += 1;
            auto_true += u64::from(t);
        } else {
            missed += u64::from(t);
        }
        if !linked {
            register_missed += u64::from(t);
        }
    }
    // Every pair of one person: linked, scored or not.
    let mut persons: AHashMap<&str, Vec<usize>> = AHashMap::new();
    for (i, r) in records.iter().enumerate() {
        persons.entry(r.person_id.as_str()).or_default().push(i);
    }
    let (mut linked, mut linked_true) = (0u64, 0u64);
    for m in persons.values() {
        let mut truths: AHashMap<Option<&String>, u64> = AHashMap::new();
        for &i in m {
            let (s, id) = key(i);
            *truths
                .entry(truth.get(&(s.to_string(), id.to_string())))
                .or_default() += 1;
        }
        let n = m.len() as u64;
        linked += n * (n - 1) / 2;
        linked_true += truths
            .iter()
            .filter(|(p, _)| p.is_some())
            .map(|(_, &k)| k * (k - 1) / 2)
            .sum::<u64>();
    }
    let share = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Values {
        match_precision: share(auto_true, auto),
        missed: missed as f64,
        recall: share(auto_true, auto_true + missed),
        register_precision: share(linked_true, linked),
        register_missed: register_missed as f64,
        register_recall: share(linked_true, linked_true + register_missed),
    }
}

/// A sample's pairs as the estimate sees them, each labelled from the truth.
pub fn units(sample: &super::sample::Sample, truth: &Truth) -> Vec<super::Unit> {
    sample
        .pairs
        .iter()
        .map(|p| super::Unit {
            stratum: p.stratum,
            weight: p.weight,
            linked: p.linked,
            label: if same(
                truth,
                (&p.source_l, &p.record_id_l),
                (&p.source_r, &p.record_id_r),
            ) {
                super::Label::Same
            } else {
                super::Label::Different
            },
        })
        .collect()
}
