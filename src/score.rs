//! Score: compare candidate pairs field by field and weigh the evidence.
//!
//! Reads: normalised records and candidate pairs. Writes: for every pair, each comparison's
//! level, the summed match weight and a decision (match, review, non-match).
//!
//! The backbone uses fixed weights in log2 Bayes-factor units, one per comparison level, set by
//! hand from how often each level occurs among true and false pairs; level 0 of every
//! comparison means "missing on either side" and weighs nothing. The probabilistic model (m and
//! u estimated by EM) replaces the weights, not the levels. Comparisons run in parallel (rayon);
//! names are compared with rapidfuzz's Jaro–Winkler (strsim is the reference in tests).

pub mod em;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Thresholds;
use crate::normalise::NormRecord;

/// One level of a comparison.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Level {
    pub label: &'static str,
    pub weight: f64,
}

/// A comparison and its ordered levels; level 0 is always `missing`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Comparison {
    pub name: &'static str,
    pub levels: &'static [Level],
}

const fn l(label: &'static str, weight: f64) -> Level {
    Level { label, weight }
}

const MISSING: Level = l("missing", 0.0);

const NAME_DIFFERENT: u8 = 1;
const IC_DIFFERENT_VALID: u8 = 1;
const IC_ONE_EDIT: u8 = 3;

/// Every comparison, in output order. The level indices below must follow these tables.
pub const COMPARISONS: [Comparison; N_COMPARISONS] = [
    Comparison {
        name: "name",
        levels: &[
            MISSING,
            l("different", -6.0),
            l("similar", 1.0),
            l("close", 4.0),
            l("given_equal_patronym_missing", 5.0),
            l("same_sound", 6.0),
            l("same_tokens", 7.0),
            l("equal", 8.0),
        ],
    },
    Comparison {
        name: "ic",
        levels: &[
            MISSING,
            l("different_valid", -8.0),
            l("different", -5.0),
            l("one_edit", 2.0),
            l("equal", 12.0),
        ],
    },
    Comparison {
        name: "other_id",
        levels: &[MISSING, l("different", -3.0), l("equal", 10.0)],
    },
    Comparison {
        name: "dob",
        levels: &[
            MISSING,
            l("different", -5.0),
            l("within_a_year", -2.0),
            l("two_of_three", 0.5),
            l("day_month_swapped", 2.0),
            l("equal", 5.0),
        ],
    },
    Comparison {
        name: "sex",
        levels: &[MISSING, l("different", -3.0), l("equal", 0.5)],
    },
    Comparison {
        name: "postcode",
        levels: &[MISSING, l("different", -0.5), l("equal", 1.0)],
    },
    Comparison {
        name: "address",
        levels: &[
            MISSING,
            l("different", -0.5),
            l("similar", 0.5),
            l("close", 1.5),
        ],
    },
    Comparison {
        name: "phone",
        levels: &[MISSING, l("different", -0.5), l("equal", 1.5)],
    },
    Comparison {
        name: "household_id",
        levels: &[MISSING, l("different", -0.5), l("equal", 1.5)],
    },
];

pub const N_COMPARISONS: usize = 9;

/// Jaro–Winkler similarity, on bytes when both strings are ASCII (the common case once names
/// are normalised).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    use rapidfuzz::distance::jaro_winkler::similarity;
    if a.is_ascii() && b.is_ascii() {
        similarity(a.bytes(), b.bytes())
    } else {
        similarity(a.chars(), b.chars())
    }
}

fn name_level(a: &NormRecord, b: &NormRecord) -> u8 {
    if a.compact.is_empty() || b.compact.is_empty() {
        return 0;
    }
    if a.key == b.key {
        return 7;
    }
    if a.compact == b.compact || a.sorted_key == b.sorted_key {
        return 6;
    }
    // Spelled differently, sounding the same (AISYAH / AISHAH, CHANN / CHAN), or an Indian
    // short form against the full name (S. RAJAGOPAL / RAJAGOPAL A/L SUBRAMANIAM).
    let sound = !a.phonetic.is_empty() && a.phonetic == b.phonetic;
    let khmer = !a.khmer_key.is_empty() && a.khmer_key == b.khmer_key;
    let short_form = (a.name.initials || b.name.initials)
        && a.initials_key.is_some()
        && a.initials_key == b.initials_key;
    if sound || khmer || short_form {
        return 5;
    }
    let (ga, gb) = (&a.given_compact, &b.given_compact);
    let one_patronym_missing = a.name.patronym.is_empty() != b.name.patronym.is_empty();
    if one_patronym_missing && !ga.is_empty() && ga == gb {
        return 4;
    }
    // The given name is compared more strictly than the whole (DOMAIN.md): every given token
    // of the shorter name must be found, near enough, in the other. NUR IMAN and NUR AIN share
    // NUR and are close as strings, but are two people.
    if !ga.is_empty() && !gb.is_empty() && ga != gb && !tokens_agree(&a.name.given, &b.name.given) {
        return 1;
    }
    let given = if ga.is_empty() || gb.is_empty() {
        1.0
    } else {
        jaro_winkler(ga, gb)
    };
    let full = jaro_winkler(&a.compact, &b.compact);
    if given >= 0.85 && full >= 0.92 {
        3
    } else if given >= 0.85 && full >= 0.80 {
        2
    } else {
        1
    }
}

/// Whether every token of the shorter list has a near twin in the other: equal, an initial of
/// it, or Jaro–Winkler at least 0.88 (a typo or a spelling variant).
fn tokens_agree(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.iter().all(|t| {
        long.iter().any(|u| {
            t == u
                || (t.len() == 1 && u.starts_with(t.as_str()))
                || (u.len() == 1 && t.starts_with(u.as_str()))
                || jaro_winkler(t, u) >= 0.88
        })
    })
}

/// One substitution or one adjacent transposition between two equally long strings (the
/// optimal-string-alignment distance is at most 1), without allocating.
pub fn one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) else {
        return true;
    };
    if a[i + 1..] == b[i + 1..] {
        return true;
    }
    i + 1 < a.len() && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..]
}

fn ic_level(a: &NormRecord, b: &NormRecord) -> u8 {
    match (&a.ic, &b.ic) {
        (Some(x), Some(y)) => {
            if x.digits == y.digits {
                4
            } else if one_edit(&x.digits, &y.digits) {
                3
            } else if x.valid && y.valid {
                1
            } else {
                2
            }
        }
        _ => 0,
    }
}

fn other_id_level(a: &NormRecord, b: &NormRecord) -> u8 {
    let mut level = 0;
    for (x, y) in [
        (&a.old_ic, &b.old_ic),
        (&a.passport, &b.passport),
        (&a.national_id, &b.national_id),
    ] {
        if let (Some(x), Some(y)) = (x, y) {
            if x == y {
                return 2;
            }
            level = 1;
        }
    }
    level
}

fn dob_level(a: &NormRecord, b: &NormRecord) -> u8 {
    use chrono::Datelike;
    match (a.dob, b.dob) {
        (Some(x), Some(y)) => {
            if x == y {
                5
            } else if x.year() == y.year() && x.month() == y.day() && x.day() == y.month() {
                4
            } else if (x.year() == y.year()) as u8
                + (x.month() == y.month()) as u8
                + (x.day() == y.day()) as u8
                == 2
            {
                3
            } else if (x - y).num_days().abs() <= 366 {
                2
            } else {
                1
            }
        }
        _ => 0,
    }
}

fn eq_level<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> u8 {
    match (a, b) {
        (Some(x), Some(y)) => 1 + (x == y) as u8,
        _ => 0,
    }
}

/// Share of distinct words two addresses have in common (Jaccard).
pub fn token_jaccard(a: &str, b: &str) -> f64 {
    let mut x: Vec<&str> = a.split(' ').collect();
    let mut y: Vec<&str> = b.split(' ').collect();
    x.sort_unstable();
    x.dedup();
    y.sort_unstable();
    y.dedup();
    let common = x.iter().filter(|w| y.binary_search(w).is_ok()).count();
    let union = x.len() + y.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

/// Jaccard overlap of two sorted, distinct lists, by merging them.
pub fn sorted_jaccard(x: &[u64], y: &[u64]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = x.len() + y.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

fn address_level(a: &NormRecord, b: &NormRecord) -> u8 {
    match (&a.address, &b.address) {
        (Some(_), Some(_)) => {
            let j = sorted_jaccard(&a.address_words, &b.address_words);
            if j >= 0.8 {
                3
            } else if j >= 0.5 {
                2
            } else {
                1
            }
        }
        _ => 0,
    }
}

/// Each comparison's level for a pair.
pub fn compare(a: &NormRecord, b: &NormRecord) -> [u8; N_COMPARISONS] {
    let name = name_level(a, b);
    let mut ic = ic_level(a, b);
    // Two valid MyKad numbers one digit apart under different given names are twins or
    // siblings registered together (consecutive serials), not a typo: they count as two
    // different valid numbers.
    let both_valid = matches!((&a.ic, &b.ic), (Some(x), Some(y)) if x.valid && y.valid);
    if ic == IC_ONE_EDIT && name == NAME_DIFFERENT && both_valid {
        ic = IC_DIFFERENT_VALID;
    }
    [
        name,
        ic,
        other_id_level(a, b),
        dob_level(a, b),
        eq_level(&a.sex, &b.sex),
        eq_level(&a.postcode, &b.postcode),
        address_level(a, b),
        eq_level(&a.phone, &b.phone),
        eq_level(&a.household_id, &b.household_id),
    ]
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

/// Below this many records, u and m cannot be estimated well and the fixed weights are used.
pub const EM_MIN_RECORDS: usize = 500;

/// Which weights a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// The hand-set weights of `COMPARISONS`, prior odds even.
    Fixed,
    /// Fellegi–Sunter: u from random pairs, m and the prior by EM, name term frequencies.
    Em,
}

/// The weights in force: per comparison and level, plus the prior and name frequencies.
#[derive(Clone, Debug, Serialize)]
pub struct Model {
    pub kind: ModelKind,
    /// `weights[k][l]`: log2 Bayes factor of level `l` of comparison `k`.
    pub weights: Vec<Vec<f64>>,
    /// log2 prior odds of a candidate pair being a match.
    pub prior_weight: f64,
    /// The EM estimates behind the weights, when estimated.
    pub params: Option<em::Params>,
    /// How many random pairs u was estimated from.
    pub u_sample_pairs: u64,
    #[serde(skip)]
    name_tf: Option<TermFrequencies>,
}

/// How often each sorted name key occurs among the records.
#[derive(Clone, Debug, Default)]
struct TermFrequencies {
    counts: ahash::AHashMap<String, u32>,
    records: f64,
}

/// Comparisons that describe a household rather than a person: members of one family agree
/// on all of them at once, so their evidence is not independent. A pair counts the strongest
/// agreement among them once, and every disagreement.
pub const HOUSEHOLD: [&str; 4] = ["postcode", "address", "phone", "household_id"];

/// Positions of the `HOUSEHOLD` comparisons in `COMPARISONS`, found once.
fn household_indices() -> &'static [usize] {
    static INDICES: std::sync::OnceLock<Vec<usize>> = std::sync::OnceLock::new();
    INDICES.get_or_init(|| {
        (0..N_COMPARISONS)
            .filter(|&k| HOUSEHOLD.contains(&COMPARISONS[k].name))
            .collect()
    })
}

/// The name levels whose weight is adjusted by the name's frequency.
const NAME_TF_LEVELS: [u8; 2] = [6, 7];
/// A rare name adds at most this much above the level's average weight.
const TF_MAX_BONUS: f64 = 4.0;

impl Model {
    /// The hand-set weights.
    pub fn fixed() -> Model {
        Model {
            kind: ModelKind::Fixed,
            weights: COMPARISONS
                .iter()
                .map(|c| c.levels.iter().map(|l| l.weight).collect())
                .collect(),
            prior_weight: 0.0,
            params: None,
            u_sample_pairs: 0,
            name_tf: None,
        }
    }

    /// Estimates the model: u from random pairs; m by EM on each blocking rule's pairs with
    /// the comparisons that rule agrees on by construction left out (they would teach the
    /// model that every candidate agrees there), averaged over the rules that do not use a
    /// comparison; then the prior by EM over all candidates with m and u held.
    pub fn fit(
        recs: &[NormRecord],
        candidate_levels: &[[u8; N_COMPARISONS]],
        rule_samples: &[(&[&str], Vec<[u8; N_COMPARISONS]>)],
    ) -> Model {
        let n_levels: [usize; N_COMPARISONS] = std::array::from_fn(|k| COMPARISONS[k].levels.len());
        let sample = random_pair_levels(recs, (100 * recs.len() as u64).clamp(200_000, 2_000_000));
        let u_sample_pairs = sample.values().sum();
        let u = em::estimate_u(&sample, &n_levels);
        let mut m_sum: Vec<Vec<f64>> = n_levels.iter().map(|&n| vec![0.0; n]).collect();
        let mut m_n = [0u32; N_COMPARISONS];
        let mut all_converged = true;
        let mut iterations = 0;
        for (uses, levels) in rule_samples {
            if levels.is_empty() {
                continue;
            }
            let skip: Vec<bool> = COMPARISONS.iter().map(|c| uses.contains(&c.name)).collect();
            let mut h: em::Histogram<N_COMPARISONS> = Default::default();
            for l in levels {
                let mut l = *l;
                for k in 0..N_COMPARISONS {
                    if skip[k] {
                        l[k] = 0;
                    }
                }
                *h.entry(l).or_default() += 1;
            }
            let p = em::estimate(&h, u.clone(), &n_levels, 200);
            all_converged &= p.converged;
            iterations = iterations.max(p.iterations);
            for k in (0..N_COMPARISONS).filter(|&k| !skip[k]) {
                m_n[k] += 1;
                for (sum, m) in m_sum[k].iter_mut().zip(&p.m[k]).skip(1) {
                    *sum += m;
                }
            }
        }
        let init = em::initial_m(&n_levels);
        let m: Vec<Vec<f64>> = (0..N_COMPARISONS)
            .map(|k| {
                if m_n[k] == 0 {
                    init[k].clone()
                } else {
                    let mut v: Vec<f64> = m_sum[k].iter().map(|x| x / m_n[k] as f64).collect();
                    v[0] = 1.0;
                    v
                }
            })
            .collect();
        let mut cand: em::Histogram<N_COMPARISONS> = Default::default();
        for l in candidate_levels {
            *cand.entry(*l).or_default() += 1;
        }
        let n = recs.len() as f64;
        let lambda = em::estimate_lambda(&cand, n * (n - 1.0) / 2.0, &m, &u, 500);
        let params = em::Params {
            m,
            u,
            lambda,
            iterations,
            converged: all_converged,
        };
        let weights = (0..N_COMPARISONS)
            .map(|k| (0..n_levels[k]).map(|l| params.weight(k, l)).collect())
            .collect();
        let mut tf = TermFrequencies {
            records: recs.len() as f64,
            ..Default::default()
        };
        for r in recs.iter().filter(|r| !r.sorted_key.is_empty()) {
            *tf.counts.entry(r.sorted_key.clone()).or_default() += 1;
        }
        Model {
            kind: ModelKind::Em,
            weights,
            prior_weight: params.prior_weight(),
            params: Some(params),
            u_sample_pairs,
            name_tf: Some(tf),
        }
    }

    /// Each comparison's weight for a pair, the name's adjusted for its frequency.
    pub fn field_weights(
        &self,
        a: &NormRecord,
        levels: &[u8; N_COMPARISONS],
    ) -> [f64; N_COMPARISONS] {
        let mut w: [f64; N_COMPARISONS] =
            std::array::from_fn(|k| self.weights[k][levels[k] as usize]);
        if let (Some(tf), Some(p)) = (&self.name_tf, &self.params) {
            let l = levels[0];
            if NAME_TF_LEVELS.contains(&l) {
                if let Some(&c) = tf.counts.get(&a.sorted_key) {
                    let u_v = c as f64 / tf.records;
                    let adjusted = (p.m[0][l as usize] / u_v).log2();
                    w[0] = adjusted.clamp(w[0].min(1.0), w[0] + TF_MAX_BONUS);
                }
            }
        }
        if self.kind == ModelKind::Em {
            let group = household_indices();
            let strongest = group
                .iter()
                .copied()
                .filter(|&k| w[k] > 0.0)
                .max_by(|&a, &b| w[a].total_cmp(&w[b]).then(b.cmp(&a)));
            for &k in group {
                if w[k] > 0.0 && Some(k) != strongest {
                    w[k] = 0.0;
                }
            }
        }
        w
    }

    /// A pair's match weight.
    pub fn pair_weight(&self, a: &NormRecord, levels: &[u8; N_COMPARISONS]) -> f64 {
        self.prior_weight + self.field_weights(a, levels).iter().sum::<f64>()
    }
}

/// Levels of up to `n` random record pairs (deterministic: pairs are drawn from a fixed hash
/// sequence), as a histogram of level patterns.
pub fn random_pair_levels(recs: &[NormRecord], n: u64) -> em::Histogram<N_COMPARISONS> {
    let len = recs.len() as u64;
    if len < 2 {
        return Default::default();
    }
    let n = n.min(len * (len - 1) / 2);
    (0..n)
        .into_par_iter()
        .fold(em::Histogram::default, |mut h, i| {
            let x = xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes());
            let a = (x >> 32) % len;
            let mut b = (x & 0xffff_ffff) % (len - 1);
            if b >= a {
                b += 1;
            }
            *h.entry(compare(&recs[a as usize], &recs[b as usize]))
                .or_default() += 1;
            h
        })
        .reduce(em::Histogram::default, |mut a, b| {
            for (k, v) in b {
                *a.entry(k).or_default() += v;
            }
            a
        })
}

/// Every candidate pair's levels, in parallel.
pub fn levels_all(recs: &[NormRecord], pairs: &[(u32, u32)]) -> Vec<[u8; N_COMPARISONS]> {
    pairs
        .par_iter()
        .map(|&(a, b)| compare(&recs[a as usize], &recs[b as usize]))
        .collect()
}

/// Weighs every candidate pair and keeps those at or above `pairs_floor`.
pub fn score_all(
    recs: &[NormRecord],
    pairs: &[(u32, u32)],
    levels: &[[u8; N_COMPARISONS]],
    model: &Model,
    t: &Thresholds,
) -> Vec<Scored> {
    pairs
        .par_iter()
        .zip(levels.par_iter())
        .filter_map(|(&(a, b), levels)| {
            let w = model.pair_weight(&recs[a as usize], levels);
            if w < t.pairs_floor {
                return None;
            }
            let decision = if w >= t.match_weight {
                Decision::Match
            } else if w >= t.review_weight {
                Decision::Review
            } else {
                Decision::NonMatch
            };
            Some(Scored {
                a,
                b,
                weight: w,
                levels: *levels,
                decision,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Field;
    use crate::ingest::Record;

    fn rec(fields: &[(Field, &str)]) -> NormRecord {
        let mut r = Record::new(0, 0, "x".into());
        for (f, v) in fields {
            r.set(*f, v);
        }
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        crate::normalise::record(&r, &[], today).0
    }

    fn label(levels: &[u8; N_COMPARISONS], field: &str) -> &'static str {
        let i = COMPARISONS.iter().position(|c| c.name == field).unwrap();
        COMPARISONS[i].levels[levels[i] as usize].label
    }

    #[test]
    fn fast_jaro_winkler_agrees_with_strsim() {
        let words = [
            "MUHAMMADHAFIZ",
            "MUHAMADHAFIZ",
            "SITIAMINAH",
            "SITIAMINA",
            "TANAHKOW",
            "TANAHKAU",
            "",
            "A",
            "RAJAGOPAL",
            "ស៊ុនចាន់",
            "ស៊ុនចាន",
        ];
        for a in words {
            for b in words {
                let fast = jaro_winkler(a, b);
                let slow = strsim::jaro_winkler(a, b);
                assert!((fast - slow).abs() < 1e-9, "{a} {b}: {fast} vs {slow}");
            }
        }
    }

    #[test]
    fn levels_reflect_the_evidence() {
        use Field::*;
        let a = rec(&[
            (FullName, "MOHD HAFIZ B. ABD RAHMAN"),
            (Ic, "850312-14-5567"),
            (Dob, "12/03/1985"),
            (Sex, "L"),
        ]);
        let b = rec(&[
            (FullName, "Muhammad Hafiz bin Abdul Rahman"),
            (Ic, "850312145567"),
            (Dob, "1985-03-12"),
            (Sex, "M"),
        ]);
        let lv = compare(&a, &b);
        assert_eq!(label(&lv, "name"), "equal");
        assert_eq!(label(&lv, "ic"), "equal");
        assert_eq!(label(&lv, "dob"), "equal");
        assert_eq!(label(&lv, "sex"), "equal");
        assert_eq!(label(&lv, "phone"), "missing");

        let c = rec(&[
            (FullName, "MUHAMMAD HAFIZ"),
            (Ic, "850312145576"),
            // Year first: a day-first 03/12/1985 would be settled by the IC (12 March).
            (Dob, "1985-12-03"),
        ]);
        let lv = compare(&a, &c);
        assert_eq!(label(&lv, "name"), "given_equal_patronym_missing");
        assert_eq!(label(&lv, "ic"), "one_edit");
        assert_eq!(label(&lv, "dob"), "day_month_swapped");

        let d = rec(&[(FullName, "SITI AMINAH BINTI ALI"), (Ic, "900101105568")]);
        let lv = compare(&a, &d);
        assert_eq!(label(&lv, "name"), "different");
        assert_eq!(label(&lv, "ic"), "different_valid");
    }

    #[test]
    fn hashed_jaccard_agrees_with_the_word_one() {
        let cases = [
            (
                "NO 5 JALAN MAWAR 3 TAMAN SERI MUDA",
                "5 JALAN MAWAR TAMAN SERI MUDA SHAH ALAM",
            ),
            ("A A B", "B C"),
            ("X", "X"),
            ("", "Y"),
        ];
        for (a, b) in cases {
            let fast = sorted_jaccard(
                &crate::normalise::word_hashes(a),
                &crate::normalise::word_hashes(b),
            );
            let slow = if a.is_empty() {
                0.0
            } else {
                token_jaccard(a, b)
            };
            assert!((fast - slow).abs() < 1e-12, "{a} / {b}: {fast} vs {slow}");
        }
    }

    #[test]
    fn one_edit_agrees_with_strsim_osa() {
        let words = [
            "850312145567",
            "850312145576",
            "850312145568",
            "580312145567",
            "850321145567",
            "850312145",
            "",
            "1",
            "12",
            "21",
        ];
        for a in words {
            for b in words {
                let slow = a.len() == b.len() && strsim::osa_distance(a, b) <= 1;
                assert_eq!(one_edit(a, b), slow, "{a} {b}");
            }
        }
    }

    #[test]
    fn dates_within_a_year_and_household_ids_have_their_levels() {
        use Field::*;
        let a = rec(&[
            (FullName, "ALI"),
            (Dob, "1985-03-12"),
            (HouseholdId, "HH-0012"),
        ]);
        let b = rec(&[
            (FullName, "ALI"),
            (Dob, "1985-11-30"),
            (HouseholdId, "hh 0012"),
        ]);
        let c = rec(&[
            (FullName, "ALI"),
            (Dob, "1990-07-01"),
            (HouseholdId, "HH-0013"),
        ]);
        assert_eq!(label(&compare(&a, &b), "dob"), "within_a_year");
        assert_eq!(label(&compare(&a, &b), "household_id"), "equal");
        assert_eq!(label(&compare(&a, &c), "dob"), "different");
        assert_eq!(label(&compare(&a, &c), "household_id"), "different");
    }

    #[test]
    fn names_that_sound_alike_or_use_a_short_form_are_same_sound() {
        use Field::*;
        let a = rec(&[(FullName, "NUR AISYAH BINTI ABDULLAH")]);
        let b = rec(&[(FullName, "NOOR AISHAH BT ABDULLAH")]);
        assert_eq!(label(&compare(&a, &b), "name"), "same_sound");
        let c = rec(&[(FullName, "S. RAJAGOPAL")]);
        let d = rec(&[(FullName, "RAJAGOPAL A/L SUBRAMANIAM")]);
        assert_eq!(label(&compare(&c, &d), "name"), "same_sound");
        // Two Malay women with the same given name but different fathers do not.
        let e = rec(&[(FullName, "NUR AISYAH BINTI AHMAD")]);
        assert_ne!(label(&compare(&a, &e), "name"), "same_sound");
    }

    #[test]
    fn twins_ics_one_digit_apart_under_different_names_are_different_valid() {
        use Field::*;
        let a = rec(&[(FullName, "NUR IMAN BINTI ZAKARIA"), (Ic, "030417114172")]);
        let b = rec(&[(FullName, "NUR AIN BINTI ZAKARIA"), (Ic, "030417114174")]);
        let lv = compare(&a, &b);
        assert_eq!(label(&lv, "name"), "different");
        assert_eq!(label(&lv, "ic"), "different_valid");
        // The same one-digit difference under the same name is a typo.
        let c = rec(&[(FullName, "NUR IMAN BT ZAKARIA"), (Ic, "030417114174")]);
        assert_eq!(label(&compare(&a, &c), "ic"), "one_edit");
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
        let levels = levels_all(&recs, &pairs);
        let s = score_all(&recs, &pairs, &levels, &Model::fixed(), &cfg);
        assert_eq!(s.len(), 1, "the dissimilar pair falls under the floor");
        assert_eq!(s[0].decision, Decision::Match);
        assert!((s[0].weight - weight(&s[0].levels)).abs() < 1e-12);
        assert!(probability(s[0].weight) > 0.99);
    }
}
