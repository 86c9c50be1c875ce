//! The worst errors of a run, for debugging: false merges and missed pairs.
//!
//! Reads: the truth, a crosswalk, and the `pairs.parquet` of the same generation (for each
//! pair's weight and field levels), optionally the records themselves (for their values,
//! masked). Writes: the `n` most confident false merges (match pairs whose records the truth
//! keeps apart) and `n` missed pairs (records the truth puts together that the run kept apart),
//! each saying whether the pair was never a candidate (a blocking miss) or scored too low.

use std::path::Path;

use ahash::{AHashMap, AHashSet};
use serde::Serialize;

use crate::error::Result;
use crate::explain::{floats, read_df, strings};

type Key = (String, String);

/// A record's values to show, as `(comparison, value)` (`Comparison::shown`).
pub type Values = Vec<(String, String)>;

/// One scored pair as read back from `pairs.parquet`.
#[derive(Clone, Debug, Serialize)]
pub struct PairScore {
    pub match_weight: f64,
    pub decision: String,
    /// `(comparison, level)` for every comparison.
    pub levels: Vec<(String, String)>,
}

/// Reads `pairs.parquet`, keyed by both records (in the order written).
pub fn read_pairs(path: &Path) -> Result<AHashMap<(Key, Key), PairScore>> {
    let df = read_df(path)?;
    let text = |name: &str| strings(&df, name, path);
    let (sl, il, sr, ir) = (
        text("source_l")?,
        text("record_id_l")?,
        text("source_r")?,
        text("record_id_r")?,
    );
    let decision = text("decision")?;
    let weight = floats(&df, "match_weight", path)?;
    let level_cols: Vec<String> = df
        .get_column_names()
        .iter()
        .filter_map(|c| c.strip_suffix("_level").map(str::to_string))
        .collect();
    let levels: Vec<Vec<String>> = level_cols
        .iter()
        .map(|c| text(&format!("{c}_level")))
        .collect::<Result<_>>()?;
    let mut out = AHashMap::with_capacity(df.height());
    for i in 0..df.height() {
        out.insert(
            (
                (sl[i].clone(), il[i].clone()),
                (sr[i].clone(), ir[i].clone()),
            ),
            PairScore {
                match_weight: weight[i],
                decision: decision[i].clone(),
                levels: level_cols
                    .iter()
                    .zip(&levels)
                    .map(|(c, l)| (c.clone(), l[i].clone()))
                    .collect(),
            },
        );
    }
    Ok(out)
}

/// A pair the run got wrong.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnosed {
    pub left: String,
    pub right: String,
    pub truth_left: String,
    pub truth_right: String,
    pub person_left: String,
    pub person_right: String,
    /// `not_a_candidate` (no blocking rule proposed it), `below_floor`, `review`, `non-match`,
    /// or for false merges the decision that joined them (`match`, or `chained` when the two
    /// were joined only through other records).
    pub why: String,
    pub score: Option<PairScore>,
    /// Masked values of both records, when the records were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<[Values; 2]>,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct Diagnosis {
    pub false_merge_pairs: u64,
    pub missed_pairs: u64,
    pub missed_by_reason: std::collections::BTreeMap<String, u64>,
    pub false_merges: Vec<Diagnosed>,
    pub missed: Vec<Diagnosed>,
}

fn lookup<'a>(
    pairs: &'a AHashMap<(Key, Key), PairScore>,
    a: &Key,
    b: &Key,
) -> Option<&'a PairScore> {
    pairs
        .get(&(a.clone(), b.clone()))
        .or_else(|| pairs.get(&(b.clone(), a.clone())))
}

fn show(k: &Key) -> String {
    format!("{}:{}", k.0, k.1)
}

/// Finds the `n` worst false merges and `n` missed pairs. `values` gives a record's masked
/// values when known. Missed pairs are counted in full; the listed ones are the highest scored
/// first (the near misses), then those never compared.
pub fn diagnose(
    truth: &AHashMap<Key, String>,
    predicted: &AHashMap<Key, String>,
    pairs: &AHashMap<(Key, Key), PairScore>,
    candidates: Option<&AHashSet<(Key, Key)>>,
    n: usize,
    values: &dyn Fn(&Key) -> Option<Values>,
) -> Diagnosis {
    let mut d = Diagnosis::default();
    let entry = |a: &Key, b: &Key, why: String, score: Option<&PairScore>| Diagnosed {
        left: show(a),
        right: show(b),
        truth_left: truth.get(a).cloned().unwrap_or_default(),
        truth_right: truth.get(b).cloned().unwrap_or_default(),
        person_left: predicted.get(a).cloned().unwrap_or_default(),
        person_right: predicted.get(b).cloned().unwrap_or_default(),
        why,
        score: score.cloned(),
        values: match (values(a), values(b)) {
            (Some(x), Some(y)) => Some([x, y]),
            _ => None,
        },
    };

    // False merges: records in one predicted person whose truths differ. Counted from cluster
    // intersections; listed from the match pairs that joined them, most confident first.
    let mut cells: AHashMap<(&str, &str), u64> = AHashMap::new();
    let mut pred_size: AHashMap<&str, u64> = AHashMap::new();
    for (k, p) in predicted {
        if let Some(t) = truth.get(k) {
            *cells.entry((p.as_str(), t.as_str())).or_default() += 1;
            *pred_size.entry(p.as_str()).or_default() += 1;
        }
    }
    let pairs_of = |n: u64| n * n.saturating_sub(1) / 2;
    let within_pred: u64 = pred_size.values().map(|&n| pairs_of(n)).sum();
    let correct: u64 = cells.values().map(|&n| pairs_of(n)).sum();
    d.false_merge_pairs = within_pred - correct;
    let mut merges: Vec<(&(Key, Key), &PairScore)> = pairs
        .iter()
        .filter(|((a, b), s)| {
            s.decision == "match"
                && matches!((truth.get(a), truth.get(b)), (Some(x), Some(y)) if x != y)
        })
        .collect();
    merges.sort_by(|x, y| {
        y.1.match_weight
            .total_cmp(&x.1.match_weight)
            .then_with(|| x.0.cmp(y.0))
    });
    d.false_merges = merges
        .into_iter()
        .take(n)
        .map(|((a, b), s)| entry(a, b, "match".into(), Some(s)))
        .collect();

    // Missed pairs: records of one true person in different predicted persons.
    let mut by_truth: AHashMap<&str, Vec<&Key>> = AHashMap::new();
    for (k, t) in truth {
        if predicted.contains_key(k) {
            by_truth.entry(t.as_str()).or_default().push(k);
        }
    }
    let mut missed: Vec<(f64, Diagnosed)> = Vec::new();
    let mut groups: Vec<_> = by_truth.into_iter().collect();
    groups.sort_by(|a, b| a.0.cmp(b.0));
    for (_, mut recs) in groups {
        recs.sort();
        for i in 0..recs.len() {
            for j in i + 1..recs.len() {
                let (a, b) = (recs[i], recs[j]);
                if predicted[a] == predicted[b] {
                    continue;
                }
                d.missed_pairs += 1;
                let score = lookup(pairs, a, b);
                let why = match score {
                    Some(s) => s.decision.clone(),
                    None => match candidates {
                        Some(c)
                            if !c.contains(&(a.clone(), b.clone()))
                                && !c.contains(&(b.clone(), a.clone())) =>
                        {
                            "not_a_candidate".to_string()
                        }
                        _ => "below_floor_or_not_a_candidate".to_string(),
                    },
                };
                *d.missed_by_reason.entry(why.clone()).or_default() += 1;
                let w = score.map_or(f64::NEG_INFINITY, |s| s.match_weight);
                if missed.len() < n.saturating_mul(20).max(1000) {
                    missed.push((w, entry(a, b, why, score)));
                }
            }
        }
    }
    missed.sort_by(|x, y| {
        y.0.total_cmp(&x.0)
            .then_with(|| x.1.left.cmp(&y.1.left))
            .then_with(|| x.1.right.cmp(&y.1.right))
    });
    d.missed = missed.into_iter().take(n).map(|(_, e)| e).collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(id: &str) -> Key {
        ("s".into(), id.into())
    }

    fn assign(rows: &[(&str, &str)]) -> AHashMap<Key, String> {
        rows.iter().map(|(i, c)| (k(i), c.to_string())).collect()
    }

    fn score(w: f64, d: &str) -> PairScore {
        PairScore {
            match_weight: w,
            decision: d.into(),
            levels: vec![("name".into(), "equal".into())],
        }
    }

    #[test]
    fn false_merges_and_missed_pairs_are_found_with_their_reasons() {
        // Truth {1,2,3} {4}; predicted {1,2} {3} {4 with 1's person}.
        let truth = assign(&[("1", "a"), ("2", "a"), ("3", "a"), ("4", "b")]);
        let pred = assign(&[("1", "x"), ("2", "x"), ("3", "y"), ("4", "x")]);
        let mut pairs = AHashMap::new();
        pairs.insert((k("1"), k("2")), score(20.0, "match"));
        pairs.insert((k("1"), k("4")), score(12.0, "match"));
        pairs.insert((k("2"), k("3")), score(5.0, "review"));
        let d = diagnose(&truth, &pred, &pairs, None, 10, &|_| None);
        // {1,2,4} holds 3 pairs, 1 of them true.
        assert_eq!(d.false_merge_pairs, 2);
        assert_eq!(d.false_merges.len(), 1);
        assert_eq!(
            (
                d.false_merges[0].left.as_str(),
                d.false_merges[0].right.as_str()
            ),
            ("s:1", "s:4")
        );
        // 1-3 and 2-3 were missed: 2-3 scored in the review band, 1-3 was not kept.
        assert_eq!(d.missed_pairs, 2);
        assert_eq!(d.missed[0].right, "s:3");
        assert_eq!(d.missed[0].why, "review");
        assert_eq!(d.missed_by_reason["review"], 1);
        assert_eq!(d.missed_by_reason["below_floor_or_not_a_candidate"], 1);
    }
}
