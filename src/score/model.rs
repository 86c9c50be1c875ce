//! The weights in force: the fixed ones of `COMPARISONS`, or estimated (Fellegi–Sunter: u
//! from random pairs, m and the prior by EM in `em`), with a name's weight adjusted for how
//! common it is.

use rayon::prelude::*;
use serde::Serialize;

use super::em;
use super::levels::Levels;
use super::Comparable;
use crate::comparison::{Kind, COMPARISONS, N_COMPARISONS};

/// The most EM iterations a rule's m is estimated in. A rule whose pairs are few matches among
/// many non-matches converges slowly, in hundreds of iterations; an iteration costs one pass
/// over the level patterns (a few thousand), so a generous limit is cheap.
pub const EM_MAX_ITERATIONS: u32 = 1000;

/// Below this many records, u and m cannot be estimated well and the fixed weights are used.
pub const EM_MIN_RECORDS: usize = 500;

/// Which weights a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// The hand-set weights of `COMPARISONS`, prior odds even.
    Fixed,
    /// Fellegi–Sunter: u from random pairs, m and the prior by EM, name term frequencies.
    Em,
}

/// The weights in force: per comparison and level, plus the prior and name frequencies.
/// The register store keeps it (without the frequencies, which are counted again over each
/// run's records) so that an incremental run weighs pairs as the previous one did.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
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
    /// `home_weights[k][l]`: the weight of level `l` of a person comparison (`PERSON`) for a
    /// pair that shares a home (`shares_home`), when enough such pairs were seen to estimate it.
    #[serde(default)]
    pub home_weights: Option<Vec<Vec<f64>>>,
    #[serde(skip)]
    name_tf: Option<TermFrequencies>,
}

/// How often each sorted name key occurs among the records.
#[derive(Clone, Debug, Default)]
struct TermFrequencies {
    /// By the name's hash (`Packed::name`).
    counts: ahash::AHashMap<u64, u32>,
    records: f64,
}

/// Comparisons that describe a household rather than a person: members of one family agree
/// on all of them at once, so their evidence is not independent. A pair counts the strongest
/// agreement among them once, and every disagreement.
pub const HOUSEHOLD: [Kind; 4] = [
    Kind::Postcode,
    Kind::Address,
    Kind::Phone,
    Kind::HouseholdId,
];

/// The IC level of two different valid MyKad numbers.
const IC_DIFFERENT_VALID: usize = 1;

/// Comparisons that describe the person, whose agreement between two people is far likelier
/// when they share a home (family members share surnames and patronyms, twins a birth date)
/// than between two people taken at random.
pub const PERSON: [Kind; 3] = [Kind::Name, Kind::Dob, Kind::Sex];

/// Fewest pairs of one home with two different valid MyKads that `home_u` estimates from.
const HOME_MIN_PAIRS: u64 = 200;

/// Whether a pair's levels say the two records share a home: a close or similar address, a
/// phone or a household id (a postcode alone is shared by thousands).
pub fn shares_home(levels: &[u8; N_COMPARISONS]) -> bool {
    levels[Kind::Address as usize] >= 2
        || levels[Kind::Phone as usize] == 2
        || levels[Kind::HouseholdId as usize] == 2
}

/// u of the person comparisons among two people of one home: their levels among the phone
/// rule's pairs (every pair sharing a phone, whatever their names) whose two valid MyKad
/// numbers differ, which are different people. `None` for comparisons not in `PERSON`, and
/// altogether when fewer than `HOME_MIN_PAIRS` such pairs are seen.
fn home_u(rule_samples: &[(&[Kind], Vec<[u8; N_COMPARISONS]>)]) -> Option<Vec<Option<Vec<f64>>>> {
    let (_, levels) = rule_samples
        .iter()
        .find(|(uses, _)| uses.first() == Some(&Kind::Phone))?;
    let apart: Vec<&[u8; N_COMPARISONS]> = levels
        .iter()
        .filter(|l| l[Kind::Ic as usize] == IC_DIFFERENT_VALID as u8)
        .collect();
    if (apart.len() as u64) < HOME_MIN_PAIRS {
        return None;
    }
    let mut h: em::Histogram<N_COMPARISONS> = Default::default();
    for l in apart {
        *h.entry(*l).or_default() += 1;
    }
    let n_levels: [usize; N_COMPARISONS] = std::array::from_fn(|k| COMPARISONS[k].levels.len());
    let u = em::estimate_u(&h, &n_levels);
    Some(
        (0..N_COMPARISONS)
            .map(|k| {
                PERSON
                    .iter()
                    .any(|p| *p as usize == k)
                    .then(|| u[k].clone())
            })
            .collect(),
    )
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
            home_weights: None,
            name_tf: None,
        }
    }

    /// Estimates the model: u from random pairs; m by EM on each blocking rule's pairs with
    /// the comparisons that rule agrees on by construction left out (they would teach the
    /// model that every candidate agrees there), averaged over the rules that do not use a
    /// comparison; then the prior by EM over all candidates with m and u held.
    ///
    /// `left_out` (empty, or one flag per record): records the estimates do not count, every
    /// copy but one of a suspect group (`quality::Repeats`). Thousands of copies of one row
    /// would otherwise make most random pairs agree on every field. The caller leaves them
    /// out of `rule_samples`; `candidate_pairs` are the pairs `candidate_levels` describe.
    pub fn fit<C: Comparable + ?Sized>(
        recs: &C,
        candidate_pairs: &[(u32, u32)],
        candidate_levels: &Levels,
        rule_samples: &[(&[Kind], Vec<[u8; N_COMPARISONS]>)],
        left_out: &[bool],
    ) -> Model {
        let cand = match left_out.contains(&true) {
            false => candidate_levels.histogram(),
            true => candidate_levels.histogram_where(|i| {
                let (a, b) = candidate_pairs[i];
                !left_out[a as usize] && !left_out[b as usize]
            }),
        };
        Model::fit_histogram(recs, &cand, rule_samples, left_out)
    }

    /// `fit`, from the counted candidates' level patterns (`Levels::histogram`) rather than
    /// the pairs: what the Spark steps gather without bringing the pairs together.
    pub fn fit_histogram<C: Comparable + ?Sized>(
        recs: &C,
        cand: &em::Histogram<N_COMPARISONS>,
        rule_samples: &[(&[Kind], Vec<[u8; N_COMPARISONS]>)],
        left_out: &[bool],
    ) -> Model {
        let n_levels: [usize; N_COMPARISONS] = std::array::from_fn(|k| COMPARISONS[k].levels.len());
        let counted: Option<Vec<u32>> = left_out.contains(&true).then(|| {
            (0..recs.len() as u32)
                .filter(|&i| !left_out[i as usize])
                .collect()
        });
        let n = counted.as_ref().map_or(recs.len(), Vec::len);
        let sample = random_pair_levels(
            recs,
            counted.as_deref(),
            (100 * n as u64).clamp(200_000, 2_000_000),
        );
        let u_sample_pairs = sample.values().sum();
        let all_pairs = n as f64 * (n as f64 - 1.0) / 2.0;
        // u counts every random pair as a non-match at first, then only as far as the first
        // fit says it is one.
        let first = fit_m_and_prior(
            em::estimate_u(&sample, &n_levels),
            rule_samples,
            cand,
            all_pairs,
        );
        let params = fit_m_and_prior(
            em::estimate_u_among_non_matches(&sample, &n_levels, Some(&first)),
            rule_samples,
            cand,
            all_pairs,
        );
        let mut weights: Vec<Vec<f64>> = (0..N_COMPARISONS)
            .map(|k| (0..n_levels[k]).map(|l| params.weight(k, l)).collect())
            .collect();
        // EM takes twins and siblings registered together, who agree on all but their names
        // and ICs, for true pairs, and so learns that true pairs often hold two different
        // valid MyKad numbers. A valid MyKad is one person's: the fitted weight of that level
        // is held at most at the fixed one.
        let ic = Kind::Ic as usize;
        let fixed = COMPARISONS[ic].levels[IC_DIFFERENT_VALID].weight;
        weights[ic][IC_DIFFERENT_VALID] = weights[ic][IC_DIFFERENT_VALID].min(fixed);
        let home_weights = home_u(rule_samples).map(|u| {
            (0..N_COMPARISONS)
                .map(|k| {
                    (0..n_levels[k])
                        .map(|l| match &u[k] {
                            Some(u) if l > 0 => (params.m[k][l] / u[l]).log2(),
                            _ => weights[k][l],
                        })
                        .collect()
                })
                .collect()
        });
        Model {
            kind: ModelKind::Em,
            weights,
            prior_weight: params.prior_weight(),
            params: Some(params),
            u_sample_pairs,
            home_weights,
            name_tf: None,
        }
        .with_name_frequencies(&recs.counted_names(left_out))
    }

    /// The model with its name frequencies, as bytes for another process (`unship`).
    pub fn ship(&self) -> Vec<u8> {
        let tf = self.name_tf.as_ref().map(|t| {
            let mut counts: Vec<(u64, u32)> = t.counts.iter().map(|(&k, &v)| (k, v)).collect();
            counts.sort_unstable();
            (counts, t.records)
        });
        serde_json::to_vec(&(self, tf)).expect("a model serialises")
    }

    /// A model `ship` wrote, `None` when the bytes are not one.
    pub fn unship(bytes: &[u8]) -> Option<Model> {
        type Tf = Option<(Vec<(u64, u32)>, f64)>;
        let (mut model, tf): (Model, Tf) = serde_json::from_slice(bytes).ok()?;
        model.name_tf = tf.map(|(counts, records)| TermFrequencies {
            counts: counts.into_iter().collect(),
            records,
        });
        Some(model)
    }

    /// The model with its name frequencies counted over `names`, every record's name
    /// (`Packed::name`; an estimated model adjusts a name's weight by how common the name is;
    /// the fixed weights do not).
    pub fn with_name_frequencies(mut self, names: &[u64]) -> Model {
        if self.kind != ModelKind::Em {
            self.name_tf = None;
            return self;
        }
        let mut tf = TermFrequencies {
            records: names.len() as f64,
            ..Default::default()
        };
        for &n in names.iter().filter(|&&n| n != 0) {
            *tf.counts.entry(n).or_default() += 1;
        }
        self.name_tf = Some(tf);
        self
    }

    /// Each comparison's weight for a pair, the name's adjusted for its frequency (`name`:
    /// the first record's, `Packed::name`).
    pub fn field_weights(&self, name: u64, levels: &[u8; N_COMPARISONS]) -> [f64; N_COMPARISONS] {
        self.with_name(name, levels[0], self.pattern_weights(levels))
    }

    /// A pattern's weights (`pattern_weights`) with the name's adjusted for a name
    /// (`Packed::name`) at name level `level`: `field_weights`, from weights worked out before.
    pub(super) fn with_name(
        &self,
        name: u64,
        level: u8,
        mut w: [f64; N_COMPARISONS],
    ) -> [f64; N_COMPARISONS] {
        w[0] = self.name_weight(name, level, w[0]);
        w
    }

    /// The match weight of a pair's field weights: the prior's and theirs, added in order.
    pub(super) fn total(&self, field_weights: &[f64; N_COMPARISONS]) -> f64 {
        self.prior_weight + field_weights.iter().sum::<f64>()
    }

    /// The name's weight at level `level` for a name (`Packed::name`), adjusted for how
    /// common the name is; `unadjusted` is the level's weight.
    fn name_weight(&self, name: u64, level: u8, unadjusted: f64) -> f64 {
        if let (Some(tf), Some(p)) = (&self.name_tf, &self.params) {
            if NAME_TF_LEVELS.contains(&level) {
                if let Some(&c) = tf.counts.get(&name) {
                    let u_v = c as f64 / tf.records;
                    let adjusted = (p.m[0][level as usize] / u_v).log2();
                    return adjusted.clamp(unadjusted.min(1.0), unadjusted + TF_MAX_BONUS);
                }
            }
        }
        unadjusted
    }

    /// Each comparison's weight for a pattern of levels, the name's not adjusted for its
    /// frequency: what `field_weights` adds to for every name. The household comparisons
    /// never depend on the name.
    pub(super) fn pattern_weights(&self, levels: &[u8; N_COMPARISONS]) -> [f64; N_COMPARISONS] {
        let weights = match &self.home_weights {
            Some(home) if shares_home(levels) => home,
            _ => &self.weights,
        };
        let mut w: [f64; N_COMPARISONS] = std::array::from_fn(|k| weights[k][levels[k] as usize]);
        if self.kind == ModelKind::Em {
            let group = HOUSEHOLD.map(|k| k as usize);
            let strongest = group
                .into_iter()
                .filter(|&k| w[k] > 0.0)
                .max_by(|&a, &b| w[a].total_cmp(&w[b]).then(b.cmp(&a)));
            for k in group {
                if w[k] > 0.0 && Some(k) != strongest {
                    w[k] = 0.0;
                }
            }
        }
        w
    }

    /// A pair's match weight.
    pub fn pair_weight(&self, name: u64, levels: &[u8; N_COMPARISONS]) -> f64 {
        self.total(&self.field_weights(name, levels))
    }
}

/// m by EM on each blocking rule's sample (the comparisons the rule agrees on left out,
/// averaged over the rules that do not use a comparison), then the prior over all pairs, with
/// `u` held.
fn fit_m_and_prior(
    u: Vec<Vec<f64>>,
    rule_samples: &[(&[Kind], Vec<[u8; N_COMPARISONS]>)],
    candidates: &em::Histogram<N_COMPARISONS>,
    all_pairs: f64,
) -> em::Params {
    let n_levels: [usize; N_COMPARISONS] = std::array::from_fn(|k| COMPARISONS[k].levels.len());
    let mut m_sum: Vec<Vec<f64>> = n_levels.iter().map(|&n| vec![0.0; n]).collect();
    let mut m_n = [0u32; N_COMPARISONS];
    let mut all_converged = true;
    let mut iterations = 0;
    for (uses, levels) in rule_samples {
        if levels.is_empty() {
            continue;
        }
        let skip: Vec<bool> = COMPARISONS.iter().map(|c| uses.contains(&c.kind)).collect();
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
        let p = em::estimate(&h, u.clone(), &n_levels, EM_MAX_ITERATIONS);
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
    let lambda = em::estimate_lambda(candidates, all_pairs, &m, &u, 500);
    em::Params {
        m,
        u,
        lambda,
        iterations,
        converged: all_converged,
    }
}

/// Levels of up to `n` random record pairs (deterministic: pairs are drawn from a fixed hash
/// sequence), as a histogram of level patterns; with `among`, pairs of those records only.
pub fn random_pair_levels<C: Comparable + ?Sized>(
    recs: &C,
    among: Option<&[u32]>,
    n: u64,
) -> em::Histogram<N_COMPARISONS> {
    let len = among.map_or(recs.len(), <[u32]>::len) as u64;
    let record = |i: u64| among.map_or(i as usize, |a| a[i as usize] as usize);
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
            let (a, b) = (record(a), record(b));
            *h.entry(recs.levels(a, b)).or_default() += 1;
            h
        })
        .reduce(em::Histogram::default, |mut a, b| {
            for (k, v) in b {
                *a.entry(k).or_default() += v;
            }
            a
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Thresholds;
    use crate::field::Field;
    use crate::normalise::packed::{names, pack_all};
    use crate::normalise::NormRecord;
    use crate::score::levels::levels_all;
    use crate::score::tests::rec;
    use crate::score::{score_all, Scored};

    #[test]
    fn people_of_one_home_are_weighed_by_how_alike_two_of_them_are() {
        let at = |k: Kind, l: u8, mut p: [u8; N_COMPARISONS]| {
            p[k as usize] = l;
            p
        };
        let none = [0u8; N_COMPARISONS];
        assert!(shares_home(&at(Kind::Phone, 2, none)));
        assert!(shares_home(&at(Kind::Address, 2, none)));
        assert!(shares_home(&at(Kind::HouseholdId, 2, none)));
        assert!(!shares_home(&at(Kind::Postcode, 2, none)));
        assert!(!shares_home(&at(Kind::Phone, 1, none)));
        // The phone rule's pairs: 300 of two different valid MyKads, a tenth of them born on
        // one day (twins), 200 of one IC (left out).
        let phone = at(Kind::Phone, 2, none);
        let apart = at(Kind::Ic, IC_DIFFERENT_VALID as u8, phone);
        let mut levels = vec![at(Kind::Dob, 5, at(Kind::Name, 1, apart)); 30];
        levels.extend(vec![at(Kind::Dob, 1, at(Kind::Name, 1, apart)); 270]);
        levels.extend(vec![at(Kind::Dob, 5, at(Kind::Ic, 4, phone)); 200]);
        let phone_rule: &[Kind] = &[Kind::Phone, Kind::Address];
        let u = home_u(&[(&[Kind::Name][..], vec![]), (phone_rule, levels.clone())]).unwrap();
        let dob = u[Kind::Dob as usize].as_ref().unwrap();
        assert!((dob[5] - 30.5 / 302.5).abs() < 1e-9, "{dob:?}");
        assert!(u[Kind::Ic as usize].is_none() && u[Kind::Phone as usize].is_none());
        // Too few such pairs: nothing estimated.
        assert!(home_u(&[(phone_rule, levels[..150].to_vec())]).is_none());
        assert!(home_u(&[(&[Kind::Name][..], levels)]).is_none());
    }

    #[test]
    fn weighing_by_pattern_gives_each_pair_its_own_weight_with_name_frequencies() {
        use Field::*;
        // An estimated model (fitted weights, the household rule, name frequencies), built by
        // hand: a common name (TAN MEI LING, three holders) and a rare one.
        let recs: Vec<NormRecord> = [
            ("TAN MEI LING", "850312145568", "012-3456789", "50000"),
            ("TAN MEI LING", "850312145568", "012-3456789", "50000"),
            ("TAN MEI LING", "", "012-3456789", "50000"),
            ("ZULKARNAIN BIN HUSIN", "700101015555", "", "50000"),
            ("ZULKARNAIN HUSIN", "700101015555", "", "10000"),
            ("LIM AH KOW", "", "", "50000"),
        ]
        .iter()
        .map(|&(n, ic, ph, pc)| rec(&[(FullName, n), (Ic, ic), (Phone, ph), (Postcode, pc)]))
        .collect();
        let n_levels: Vec<usize> = COMPARISONS.iter().map(|c| c.levels.len()).collect();
        let params = em::Params {
            m: n_levels.iter().map(|&n| vec![0.9 / n as f64; n]).collect(),
            u: n_levels.iter().map(|&n| vec![0.1 / n as f64; n]).collect(),
            lambda: 0.01,
            iterations: 1,
            converged: true,
        };
        let packed = pack_all(&recs);
        let model = Model {
            kind: ModelKind::Em,
            params: Some(params),
            prior_weight: -3.5,
            ..Model::fixed()
        }
        .with_name_frequencies(&names(&packed));
        let pairs: Vec<(u32, u32)> = (0..6u32)
            .flat_map(|a| (a + 1..6).map(move |b| (a, b)))
            .collect();
        let links = crate::normalise::linkable::all(&recs);
        let levels = levels_all(
            &crate::score::Plain::new(&links, &packed),
            &pairs,
            &Default::default(),
        );
        let thresholds = Thresholds {
            pairs_floor: f64::NEG_INFINITY,
            ..crate::config::ScoreConfig::default().thresholds(true)
        };
        let scored = score_all(&names(&packed), &pairs, &levels, &model, &thresholds);
        assert_eq!(scored.len(), pairs.len());
        let mut adjusted = 0;
        for (i, s) in scored.iter().enumerate() {
            let l = levels.get(i);
            let want = model.pair_weight(packed[s.a as usize].name(), &l);
            assert_eq!(s.weight.to_bits(), want.to_bits(), "pair {i}");
            adjusted += usize::from(
                want != model.prior_weight + model.pattern_weights(&l).iter().sum::<f64>(),
            );
        }
        assert!(
            adjusted > 0,
            "some pair's name weight is adjusted for its frequency"
        );
        // Shipped to another process (the Spark steps' weigh tasks), it weighs every pair to
        // the bit, name frequencies included.
        let shipped = Model::unship(&model.ship()).expect("a shipped model");
        let again = score_all(&names(&packed), &pairs, &levels, &shipped, &thresholds);
        let bits = |s: &[Scored]| s.iter().map(|s| s.weight.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&again), bits(&scored));
        assert!(Model::unship(b"{}").is_none());
    }
}
