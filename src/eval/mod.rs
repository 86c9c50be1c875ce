//! Eval: how well a crosswalk agrees with the truth.
//!
//! Reads: `truth.csv` and a `crosswalk.csv` (both `source,record_id,person_id`). Writes: pairwise
//! and B-cubed precision, recall and F1, cluster and record counts, and how many records either
//! file lacks. Everything comes from cluster-intersection counts (never a list of pairs), so
//! it is linear in records.

pub mod diagnose;

use std::collections::hash_map::Entry;
use std::path::Path;

use ahash::AHashMap;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::spreadsheet::raw_cell;

#[derive(Debug, Serialize, PartialEq)]
pub struct Scores {
    pub records_truth: u64,
    pub records_predicted: u64,
    pub records_compared: u64,
    pub missing_from_predicted: u64,
    pub missing_from_truth: u64,
    pub clusters_truth: u64,
    pub clusters_predicted: u64,
    pub pairs_truth: u64,
    pub pairs_predicted: u64,
    pub pairs_correct: u64,
    pub pairwise_precision: f64,
    pub pairwise_recall: f64,
    pub pairwise_f1: f64,
    pub bcubed_precision: f64,
    pub bcubed_recall: f64,
    pub bcubed_f1: f64,
}

/// Reads a `source,record_id,person_id` file (a truth) into a map from (source, record id) to
/// cluster, its cells as they are. Any fault of the file (unreadable, a column missing, a
/// ragged or undecodable row, an empty cell, a record twice) is a usage error naming the file
/// and row.
pub fn read_assignment(path: &Path) -> Result<AHashMap<(String, String), String>> {
    read(path, |c| c)
}

/// Reads a `crosswalk.csv` as `read_assignment` reads a truth, its cells as written by
/// `spreadsheet::safe_cell` (`spreadsheet::raw_cell`), so that its ids compare with a truth's.
pub fn read_crosswalk(path: &Path) -> Result<AHashMap<(String, String), String>> {
    read(path, raw_cell)
}

fn read(path: &Path, cell: fn(&str) -> &str) -> Result<AHashMap<(String, String), String>> {
    let bad = |row: Option<u64>, e: String| {
        Error::Config(match row {
            Some(row) => format!("{}: row {row}: {e}", path.display()),
            None => format!("{}: {e}", path.display()),
        })
    };
    let mut r = csv::Reader::from_path(path).map_err(|e| bad(None, format!("cannot read: {e}")))?;
    let headers = r
        .headers()
        .map_err(|e| bad(Some(1), e.to_string()))?
        .clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            bad(
                None,
                format!("no `{name}` column; expected source,record_id,person_id"),
            )
        })
    };
    let cols = [col("source")?, col("record_id")?, col("person_id")?];
    let mut out = AHashMap::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(e.position().map(|p| p.line()), e.to_string()))?;
        let row = rec.position().map_or(0, |p| p.line());
        let [s, id, p] = cols.map(|c| cell(rec.get(c).unwrap_or("")).to_string());
        for (v, name) in [(&s, "source"), (&id, "record_id"), (&p, "person_id")] {
            if v.is_empty() {
                return Err(bad(Some(row), format!("empty `{name}`")));
            }
        }
        match out.entry((s, id)) {
            Entry::Vacant(e) => {
                e.insert(p);
            }
            Entry::Occupied(e) => {
                let (s, id) = e.key();
                let shown = crate::mask::guard(&format!("{s}:{id}"));
                return Err(bad(Some(row), format!("record {shown} appears twice")));
            }
        }
    }
    Ok(out)
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Scores a predicted assignment against the truth, over the records both hold.
pub fn score(
    truth: &AHashMap<(String, String), String>,
    predicted: &AHashMap<(String, String), String>,
) -> Scores {
    let mut t_ids: AHashMap<&str, u32> = AHashMap::new();
    let mut p_ids: AHashMap<&str, u32> = AHashMap::new();
    let mut cells: AHashMap<(u32, u32), u64> = AHashMap::new();
    for (k, t) in truth {
        let Some(p) = predicted.get(k) else { continue };
        let n = t_ids.len() as u32;
        let ti = *t_ids.entry(t.as_str()).or_insert(n);
        let n = p_ids.len() as u32;
        let pi = *p_ids.entry(p.as_str()).or_insert(n);
        *cells.entry((ti, pi)).or_default() += 1;
    }
    let mut t_size = vec![0u64; t_ids.len()];
    let mut p_size = vec![0u64; p_ids.len()];
    for (&(t, p), &n) in &cells {
        t_size[t as usize] += n;
        p_size[p as usize] += n;
    }
    let compared: u64 = t_size.iter().sum();
    let correct: u64 = cells.values().map(|&n| pairs(n)).sum();
    let pairs_truth: u64 = t_size.iter().map(|&n| pairs(n)).sum();
    let pairs_pred: u64 = p_size.iter().map(|&n| pairs(n)).sum();
    let (mut bp, mut br) = (0.0, 0.0);
    for (&(t, p), &n) in &cells {
        let sq = (n * n) as f64;
        bp += sq / p_size[p as usize] as f64;
        br += sq / t_size[t as usize] as f64;
    }
    let (bp, br) = if compared == 0 {
        (1.0, 1.0)
    } else {
        (bp / compared as f64, br / compared as f64)
    };
    let (pp, pr) = (ratio(correct, pairs_pred), ratio(correct, pairs_truth));
    Scores {
        records_truth: truth.len() as u64,
        records_predicted: predicted.len() as u64,
        records_compared: compared,
        missing_from_predicted: truth.len() as u64 - compared,
        missing_from_truth: predicted.keys().filter(|k| !truth.contains_key(*k)).count() as u64,
        clusters_truth: t_ids.len() as u64,
        clusters_predicted: p_ids.len() as u64,
        pairs_truth,
        pairs_predicted: pairs_pred,
        pairs_correct: correct,
        pairwise_precision: pp,
        pairwise_recall: pr,
        pairwise_f1: f1(pp, pr),
        bcubed_precision: bp,
        bcubed_recall: br,
        bcubed_f1: f1(bp, br),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assign(rows: &[(&str, &str)]) -> AHashMap<(String, String), String> {
        rows.iter()
            .map(|(id, c)| (("s".to_string(), id.to_string()), c.to_string()))
            .collect()
    }

    #[test]
    fn perfect_agreement() {
        let t = assign(&[("1", "a"), ("2", "a"), ("3", "b")]);
        let p = assign(&[("1", "x"), ("2", "x"), ("3", "y")]);
        let s = score(&t, &p);
        assert_eq!((s.pairwise_f1, s.bcubed_f1), (1.0, 1.0));
        assert_eq!((s.pairs_truth, s.pairs_correct), (1, 1));
    }

    #[test]
    fn all_singletons_and_one_big_cluster() {
        let t = assign(&[("1", "a"), ("2", "a"), ("3", "b"), ("4", "b")]);
        let singles = assign(&[("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")]);
        let s = score(&t, &singles);
        assert_eq!((s.pairwise_precision, s.pairwise_recall), (1.0, 0.0));
        assert_eq!(s.bcubed_precision, 1.0);
        assert!((s.bcubed_recall - 0.5).abs() < 1e-12);
        let one = assign(&[("1", "x"), ("2", "x"), ("3", "x"), ("4", "x")]);
        let s = score(&t, &one);
        assert!((s.pairwise_precision - 2.0 / 6.0).abs() < 1e-12);
        assert_eq!(s.pairwise_recall, 1.0);
        assert!((s.bcubed_precision - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_split_a_false_merge_and_missing_records() {
        // Truth: {1,2,3} {4}; predicted: {1,2} {3,4}, and 5 unknown to the truth.
        let t = assign(&[("1", "a"), ("2", "a"), ("3", "a"), ("4", "b")]);
        let p = assign(&[("1", "x"), ("2", "x"), ("3", "y"), ("4", "y"), ("5", "z")]);
        let s = score(&t, &p);
        assert_eq!(
            (s.pairs_truth, s.pairs_predicted, s.pairs_correct),
            (3, 2, 1)
        );
        assert_eq!(s.missing_from_truth, 1);
        assert_eq!(s.missing_from_predicted, 0);
        // B-cubed precision: (2*(2/2) + 1/2 + 1/2) / 4 = 0.75.
        assert!((s.bcubed_precision - 0.75).abs() < 1e-12);
        // B-cubed recall: (2*(2/3) + 1/3 + 1) / 4.
        assert!((s.bcubed_recall - (4.0 / 3.0 + 1.0 / 3.0 + 1.0) / 4.0).abs() < 1e-12);
    }
}
