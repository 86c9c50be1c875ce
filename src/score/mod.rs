//! Score: compare candidate pairs field by field and weigh the evidence.
//!
//! Reads: normalised records and candidate pairs. Writes: for every pair, each comparison's
//! level, the summed match weight and a decision (match, review, non-match).
//!
//! The backbone uses fixed weights in log2 Bayes-factor units, one per comparison level, set by
//! hand from how often each level occurs among true and false pairs; level 0 of every
//! comparison means "missing on either side" and weighs nothing. The probabilistic model (m and
//! u estimated by EM) replaces the weights, not the levels.
//!
//! The comparisons themselves are listed in `comparison`, and records come packed for comparing
//! (`normalise::packed`). Here: `compare` holds the kernels that give a pair its levels, `levels` compares every
//! candidate pair and interns their level patterns, `model` (with `em`) holds the weights, and
//! this module weighs the pairs and decides them (`score_all`), `threshold` chooses the
//! automatic-match cut from the model; `stage` runs them in order.

pub mod compare;
pub mod em;
pub mod encoded;
pub mod levels;
pub mod model;
mod stage;
pub mod threshold;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Thresholds;
use crate::normalise::packed::Packed;
use crate::normalise::Linkable;

pub use crate::comparison::{Comparison, Level, COMPARISONS, N_COMPARISONS};
pub use compare::{
    compare, compare_packed, could_reach, jaro_winkler, one_edit, sorted_jaccard, token_jaccard,
};
pub use levels::{levels_all, Levels};
pub use model::{
    random_pair_levels, Model, ModelKind, EM_MAX_ITERATIONS, EM_MIN_RECORDS, HOUSEHOLD,
};
pub use stage::{estimated, settle, sort, stage, unconverged, FromPrevious, Scoring, Seconds};

/// Records as scoring reads them: each pair's levels, each record's name for the model's name
/// frequencies. The plaintext's packed and linkable forms (`Plain`), or the encodings of
/// privacy-preserving linkage (`normalise::encoded`).
pub trait Comparable: Sync {
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each comparison's level for records `a` and `b`.
    fn levels(&self, a: usize, b: usize) -> [u8; N_COMPARISONS];

    /// Record `i`'s name as a number (0: none), what the name frequencies count.
    fn name(&self, i: usize) -> u64;

    /// Brings what comparing record `i` reads into cache ahead of time (a hint).
    fn prefetch(&self, _i: usize) {}

    /// Every record's name.
    fn names(&self) -> Vec<u64> {
        (0..self.len())
            .into_par_iter()
            .map(|i| self.name(i))
            .collect()
    }

    /// The names the model's name frequencies count: every record's but those `left_out`
    /// (empty, or a flag per record; see `Model::fit`).
    fn counted_names(&self, left_out: &[bool]) -> Vec<u64> {
        (0..self.len())
            .into_par_iter()
            .filter(|&i| left_out.is_empty() || !left_out[i])
            .map(|i| self.name(i))
            .collect()
    }
}

/// Plaintext records: their linking forms and packed forms, in record order.
pub struct Plain<'a, P: std::borrow::Borrow<[Packed]> + Sync> {
    pub links: &'a [Linkable],
    pub packed: P,
}

impl<'a> Plain<'a, &'a [Packed]> {
    pub fn new(links: &'a [Linkable], packed: &'a [Packed]) -> Self {
        Plain { links, packed }
    }
}

impl<P: std::borrow::Borrow<[Packed]> + Sync> Comparable for Plain<'_, P> {
    fn len(&self) -> usize {
        self.links.len()
    }

    #[inline]
    fn levels(&self, a: usize, b: usize) -> [u8; N_COMPARISONS] {
        let p = self.packed.borrow();
        compare_packed(&p[a], &p[b], &self.links[a], &self.links[b])
    }

    fn name(&self, i: usize) -> u64 {
        self.packed.borrow()[i].name()
    }

    /// Only the packed record: most pairs are told apart from it alone, and fetching the
    /// whole record too for every pair makes comparing slower.
    #[inline]
    fn prefetch(&self, i: usize) {
        levels::prefetch(&self.packed.borrow()[i]);
    }
}

/// A pair whose levels a run keeps from the previous generation: its records (indices in the
/// run's record order) and their comparison levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeptPair {
    pub a: u32,
    pub b: u32,
    pub levels: [u8; N_COMPARISONS],
}

/// The match weight of a set of levels: the sum of their weights.
pub fn weight(levels: &[u8; N_COMPARISONS]) -> f64 {
    levels
        .iter()
        .zip(COMPARISONS.iter())
        .map(|(&lv, c)| c.levels[lv as usize].weight)
        .sum()
}

/// The probability a weight stands for, taking a candidate pair's prior odds as even.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Match,
    Review,
    NonMatch,
}

impl Decision {
    pub fn label(self) -> &'static str {
        match self {
            Decision::Match => "match",
            Decision::Review => "review",
            Decision::NonMatch => "non-match",
        }
    }
}

/// A scored candidate pair.
#[derive(Clone, Copy, Debug)]
pub struct Scored {
    pub a: u32,
    pub b: u32,
    /// The match weight: the prior's log2 odds plus every comparison's weight.
    pub weight: f64,
    pub levels: [u8; N_COMPARISONS],
    pub decision: Decision,
}

/// Where each pair of each list in `wanted` is in `sorted` (sorted and distinct), `None` for
/// one not in it. All the lists' pairs are found together in sorted order, each a short
/// gallop from the previous one, rather than a binary search each over tens of millions of
/// pairs, missing the caches at each step.
pub fn positions_in(sorted: &[(u32, u32)], wanted: &[&[(u32, u32)]]) -> Vec<Vec<Option<usize>>> {
    let mut all: Vec<((u32, u32), u32, u32)> = wanted
        .iter()
        .enumerate()
        .flat_map(|(l, list)| (0..list.len()).map(move |j| (list[j], l as u32, j as u32)))
        .collect();
    all.par_sort_unstable();
    let mut found: Vec<Vec<Option<usize>>> = wanted.iter().map(|l| vec![None; l.len()]).collect();
    let mut lo = 0;
    for (p, l, j) in all {
        // The first step at which `sorted` is no longer below `p`, doubling.
        let mut step = 1;
        while lo + step <= sorted.len() && sorted[lo + step - 1] < p {
            step *= 2;
        }
        let hi = (lo + step).min(sorted.len());
        lo += step / 2;
        lo += sorted[lo..hi].partition_point(|q| *q < p);
        if sorted.get(lo) == Some(&p) {
            found[l as usize][j as usize] = Some(lo);
        }
    }
    found
}

/// The decision the thresholds give a pair of weight `w`.
pub fn decision(w: f64, t: &Thresholds) -> Decision {
    if w >= t.match_weight {
        Decision::Match
    } else if w >= t.review_weight {
        Decision::Review
    } else {
        Decision::NonMatch
    }
}

/// Weighs every candidate pair and keeps those at or above `pairs_floor`; `names`: every
/// record's name (`Comparable::names`).
pub fn score_all(
    names: &[u64],
    pairs: &[(u32, u32)],
    levels: &Levels,
    model: &Model,
    t: &Thresholds,
) -> Vec<Scored> {
    weigh(|i| names[pairs[i].0 as usize], pairs, levels, model, t)
}

/// `score_all`, with pair `i`'s first record's name as `name(i)` gives it.
pub fn weigh(
    name: impl Fn(usize) -> u64 + Sync,
    pairs: &[(u32, u32)],
    levels: &Levels,
    model: &Model,
    t: &Thresholds,
) -> Vec<Scored> {
    // Each pattern's weights once (a few thousand patterns for tens of millions of pairs);
    // a pair only adjusts its name's and adds them up, in `pair_weight`'s order.
    let weights: Vec<[f64; N_COMPARISONS]> = levels
        .patterns
        .iter()
        .map(|l| model.pattern_weights(l))
        .collect();
    pairs
        .par_iter()
        .enumerate()
        .filter_map(|(i, &(a, b))| {
            let id = levels.of_pair.get(i);
            let levels = &levels.patterns[id];
            let w = model.total(&model.with_name(name(i), levels[0], weights[id]));
            if w < t.pairs_floor {
                return None;
            }
            Some(Scored {
                a,
                b,
                weight: w,
                levels: *levels,
                decision: decision(w, t),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Field;
    use crate::normalise::packed::{names, pack_all};
    use crate::normalise::NormRecord;

    /// A record normalised from its fields, as of 1 January 2026.
    pub(super) fn rec(fields: &[(Field, &str)]) -> NormRecord {
        crate::normalise::read_fields(fields, chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
    }

    #[test]
    fn sampled_pairs_are_found_among_sorted_pairs() {
        let sorted: Vec<(u32, u32)> = (0..5000u32)
            .map(|i| (i / 7, i * 13 % 1000))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let x = |i: u64| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes());
        // Lists in no order, with repeats, and pairs that are not candidates.
        let lists: Vec<Vec<(u32, u32)>> = (0..4u64)
            .map(|l| {
                (0..300u64)
                    .map(|i| {
                        let h = x(l * 1000 + i);
                        if h % 5 == 0 {
                            (h as u32 % 800, 1001 + (h >> 32) as u32 % 50)
                        } else {
                            sorted[(h % 40) as usize * (h % 120) as usize % sorted.len()]
                        }
                    })
                    .collect()
            })
            .chain([
                Vec::new(),
                vec![sorted[0], *sorted.last().unwrap(), (u32::MAX, 0)],
            ])
            .collect();
        let slices: Vec<&[(u32, u32)]> = lists.iter().map(Vec::as_slice).collect();
        let found = positions_in(&sorted, &slices);
        for (list, f) in lists.iter().zip(&found) {
            let want: Vec<Option<usize>> =
                list.iter().map(|p| sorted.binary_search(p).ok()).collect();
            assert_eq!(f, &want);
        }
        assert!(found.iter().flatten().any(Option::is_none));
        assert!(found.iter().flatten().filter(|f| f.is_some()).count() > 900);
    }

    #[test]
    fn scores_are_symmetric_and_decisions_follow_thresholds() {
        use Field::*;
        let a = rec(&[
            (FullName, "TAN MEI LING"),
            (Ic, "850312145568"),
            (Phone, "012-3456789"),
        ]);
        let b = rec(&[
            (FullName, "Mei-Ling Tan"),
            (Ic, "850312145568"),
            (Phone, "+60123456789"),
        ]);
        let c = rec(&[(FullName, "LIM AH KOW"), (Dob, "1970-01-01")]);
        assert_eq!(compare(&a, &b), compare(&b, &a));
        assert_eq!(compare(&a, &c), compare(&c, &a));
        let recs = vec![a, b, c];
        let cfg = crate::config::ScoreConfig::default().thresholds(false);
        let pairs = [(0, 1), (0, 2)];
        let packed = pack_all(&recs);
        let links = crate::normalise::linkable::all(&recs);
        let levels = levels_all(&Plain::new(&links, &packed), &pairs, &Default::default());
        let s = score_all(&names(&packed), &pairs, &levels, &Model::fixed(), &cfg);
        assert_eq!(s.len(), 1, "the dissimilar pair falls under the floor");
        assert_eq!(s[0].decision, Decision::Match);
        assert!((s[0].weight - weight(&s[0].levels)).abs() < 1e-12);
        assert!(probability(s[0].weight) > 0.99);
    }
}
