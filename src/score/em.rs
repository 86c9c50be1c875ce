//! Fellegi–Sunter parameters without labels: u from random pairs, m and the prior by EM.
//!
//! Reads: the comparison levels of the candidate pairs (as a histogram of level patterns, so
//! EM costs nothing per pair) and of a sample of random record pairs. Writes: per comparison
//! and level the probabilities m (among true pairs) and u (among false pairs), and λ, the share
//! of true pairs among the candidates. Level 0 ("missing") is uninformative: it is left out of
//! both products. Deterministic: the same inputs give the same parameters to the last bit
//! (patterns are visited in sorted order).

use ahash::AHashMap;
use serde::{Deserialize, Serialize};

/// The estimated model.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Params {
    /// `m[k][l]`: probability of level `l` of comparison `k` among true pairs (level 0 unused).
    pub m: Vec<Vec<f64>>,
    /// `u[k][l]`: the same among false pairs.
    pub u: Vec<Vec<f64>>,
    /// Share of true pairs among the candidate pairs.
    pub lambda: f64,
    pub iterations: u32,
    pub converged: bool,
}

impl Params {
    /// log2(m/u) of a level; 0 for level 0.
    pub fn weight(&self, k: usize, l: usize) -> f64 {
        if l == 0 {
            0.0
        } else {
            (self.m[k][l] / self.u[k][l]).log2()
        }
    }

    /// The probability that a random pair with levels `p` is a true pair.
    pub fn posterior(&self, p: &[u8]) -> f64 {
        let (mut pm, mut pu) = (self.lambda, 1.0 - self.lambda);
        for (k, &l) in p.iter().enumerate().filter(|(_, &l)| l != 0) {
            pm *= self.m[k][l as usize];
            pu *= self.u[k][l as usize];
        }
        if pm + pu > 0.0 {
            pm / (pm + pu)
        } else {
            0.0
        }
    }

    /// log2 of the prior odds λ/(1-λ).
    pub fn prior_weight(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }
}

/// Counts of each level pattern.
pub type Histogram<const N: usize> = AHashMap<[u8; N], u64>;

/// u from a sample of random pairs' level patterns: level frequencies among non-missing
/// values, smoothed so that no level has probability 0.
pub fn estimate_u<const N: usize>(sample: &Histogram<N>, n_levels: &[usize; N]) -> Vec<Vec<f64>> {
    estimate_u_among_non_matches(sample, n_levels, None)
}

/// u from a sample of random pairs, each pair counted by how likely it is a non-match under
/// `fitted` (every pair counted whole without it). Random pairs include true ones, and where
/// records have several copies those make up most of the pairs that agree on a unique
/// identifier: counted as non-matches, they make agreement look far more common by chance
/// than it is.
pub fn estimate_u_among_non_matches<const N: usize>(
    sample: &Histogram<N>,
    n_levels: &[usize; N],
    fitted: Option<&Params>,
) -> Vec<Vec<f64>> {
    let mut counts: Vec<Vec<f64>> = n_levels.iter().map(|&n| vec![0.0; n]).collect();
    let mut patterns: Vec<(&[u8; N], &u64)> = sample.iter().collect();
    patterns.sort_unstable_by_key(|p| *p.0);
    for (p, &c) in patterns {
        let non_match = fitted.map_or(1.0, |f| 1.0 - f.posterior(p));
        for k in 0..N {
            counts[k][p[k] as usize] += c as f64 * non_match;
        }
    }
    counts
        .into_iter()
        .map(|c| {
            let present: f64 = c[1..].iter().sum();
            let levels = (c.len() - 1) as f64;
            // Half a pair per level (Jeffreys-like), so a level never seen in the sample
            // still gets a small, finite u.
            let mut u: Vec<f64> = c
                .iter()
                .map(|&x| (x + 0.5) / (present + 0.5 * levels))
                .collect();
            u[0] = 1.0;
            u
        })
        .collect()
}

/// Starting m: most true pairs agree at the top level, the rest spread below.
pub fn initial_m(n_levels: &[usize]) -> Vec<Vec<f64>> {
    n_levels
        .iter()
        .map(|&n| {
            let mut m = vec![0.0; n];
            m[0] = 1.0;
            if n > 1 {
                let below = n - 2;
                m[n - 1] = if below == 0 { 1.0 } else { 0.7 };
                for (l, v) in m.iter_mut().enumerate().take(n - 1).skip(1) {
                    // More weight to higher (more agreeing) levels.
                    *v = 0.3 * l as f64 / (below * (below + 1) / 2) as f64;
                }
            }
            m
        })
        .collect()
}

/// EM for m and λ with u fixed.
pub fn estimate<const N: usize>(
    candidates: &Histogram<N>,
    u: Vec<Vec<f64>>,
    n_levels: &[usize; N],
    max_iterations: u32,
) -> Params {
    let mut patterns: Vec<([u8; N], f64)> =
        candidates.iter().map(|(p, &c)| (*p, c as f64)).collect();
    patterns.sort_unstable_by_key(|p| p.0);
    let total: f64 = patterns.iter().map(|p| p.1).sum();
    let mut m = initial_m(n_levels);
    let mut lambda = 0.1f64;
    let mut iterations = 0;
    let mut converged = false;
    if total == 0.0 {
        return Params {
            m,
            u,
            lambda,
            iterations,
            converged: true,
        };
    }
    while iterations < max_iterations {
        iterations += 1;
        let mut num: Vec<Vec<f64>> = n_levels.iter().map(|&n| vec![0.0; n]).collect();
        let mut matched = 0.0;
        for (p, c) in &patterns {
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for k in 0..N {
                let l = p[k] as usize;
                if l != 0 {
                    pm *= m[k][l];
                    pu *= u[k][l];
                }
            }
            let w = if pm + pu > 0.0 { pm / (pm + pu) } else { 0.0 };
            matched += c * w;
            for k in 0..N {
                num[k][p[k] as usize] += c * w;
            }
        }
        let new_lambda = (matched / total).clamp(1e-9, 1.0 - 1e-9);
        let mut delta = (new_lambda - lambda).abs();
        for k in 0..N {
            let present: f64 = num[k][1..].iter().sum();
            let levels = (n_levels[k] - 1) as f64;
            for l in 1..n_levels[k] {
                // Smoothed, so that a level never seen among likely matches keeps a small m.
                let v = (num[k][l] + 0.01) / (present + 0.01 * levels);
                delta = delta.max((v - m[k][l]).abs());
                m[k][l] = v;
            }
        }
        lambda = new_lambda;
        if delta < 1e-7 {
            converged = true;
            break;
        }
    }
    Params {
        m,
        u,
        lambda,
        iterations,
        converged,
    }
}

/// EM for λ alone, with m and u held: the probability that two random records match.
///
/// u describes random pairs, so λ must too. EM runs over all `all_pairs` record pairs, taking
/// those that are not candidates as non-matches (their posterior is negligible: blocking
/// dropped them for sharing nothing), and the candidates' patterns as observed.
pub fn estimate_lambda<const N: usize>(
    candidates: &Histogram<N>,
    all_pairs: f64,
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    max_iterations: u32,
) -> f64 {
    let mut patterns: Vec<([u8; N], f64)> =
        candidates.iter().map(|(p, &c)| (*p, c as f64)).collect();
    patterns.sort_unstable_by_key(|p| p.0);
    let candidates_total: f64 = patterns.iter().map(|p| p.1).sum();
    let total = all_pairs.max(candidates_total);
    if total == 0.0 {
        return 0.5;
    }
    // The Bayes factor of each pattern does not change: compute it once.
    let bf: Vec<f64> = patterns
        .iter()
        .map(|(p, _)| {
            (0..N)
                .filter(|&k| p[k] != 0)
                .map(|k| m[k][p[k] as usize] / u[k][p[k] as usize])
                .product()
        })
        .collect();
    let mut lambda = (0.1 * candidates_total / total).clamp(1e-12, 0.5);
    for _ in 0..max_iterations {
        let odds = lambda / (1.0 - lambda);
        let matched: f64 = patterns
            .iter()
            .zip(&bf)
            .map(|((_, c), b)| c * (odds * b) / (1.0 + odds * b))
            .sum();
        let new = (matched / total).clamp(1e-15, 1.0 - 1e-9);
        let done = (new - lambda).abs() <= 1e-6 * lambda;
        lambda = new;
        if done {
            break;
        }
    }
    lambda
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two comparisons with levels missing / different / equal, drawn from a known model.
    fn simulated() -> (Histogram<2>, Histogram<2>) {
        // True pairs: agree on field 0 with 0.9, field 1 with 0.8. False: 0.05 and 0.1.
        let (m0, m1, u0, u1) = (0.9, 0.8, 0.05, 0.1);
        let (n_true, n_false) = (2_000.0, 8_000.0);
        let mut cand = Histogram::default();
        let mut sample = Histogram::default();
        for a in [1u8, 2] {
            for b in [1u8, 2] {
                let p = |x: f64, agree: bool| if agree { x } else { 1.0 - x };
                let t = n_true * p(m0, a == 2) * p(m1, b == 2);
                let f = n_false * p(u0, a == 2) * p(u1, b == 2);
                cand.insert([a, b], (t + f).round() as u64);
                sample.insert(
                    [a, b],
                    (100_000.0 * p(u0, a == 2) * p(u1, b == 2)).round() as u64,
                );
            }
        }
        (cand, sample)
    }

    #[test]
    fn em_recovers_the_parameters_of_a_known_model() {
        let (cand, sample) = simulated();
        let n_levels = [3, 3];
        let u = estimate_u(&sample, &n_levels);
        assert!((u[0][2] - 0.05).abs() < 1e-3);
        let p = estimate(&cand, u, &n_levels, 500);
        assert!(p.converged);
        assert!((p.lambda - 0.2).abs() < 0.02, "{}", p.lambda);
        assert!((p.m[0][2] - 0.9).abs() < 0.03, "{:?}", p.m);
        assert!((p.m[1][2] - 0.8).abs() < 0.03, "{:?}", p.m);
        assert!(p.weight(0, 2) > 3.0 && p.weight(0, 1) < 0.0);
        assert_eq!(p.weight(0, 0), 0.0);
    }

    #[test]
    fn u_counted_among_non_matches_leaves_out_the_true_pairs_in_the_random_sample() {
        // A random sample where 1 pair in 500 is true and agrees on field 0, which false pairs
        // almost never do (u = 0.0001): counted whole, u would be about twenty times too large.
        let n_levels = [3, 3];
        let mut sample = Histogram::default();
        sample.insert([2u8, 2u8], 200);
        sample.insert([2, 1], 10);
        sample.insert([1, 2], 9_980);
        sample.insert([1, 1], 89_810);
        let naive = estimate_u(&sample, &n_levels);
        assert!(naive[0][2] > 0.002, "{naive:?}");
        let fitted = Params {
            m: vec![vec![1.0, 0.05, 0.95], vec![1.0, 0.1, 0.9]],
            u: naive,
            lambda: 0.002,
            iterations: 1,
            converged: true,
        };
        let u = estimate_u_among_non_matches(&sample, &n_levels, Some(&fitted));
        assert!(u[0][2] < 0.0005, "{u:?}");
        assert!((u[1][2] - 0.1).abs() < 0.01, "{u:?}");
        assert_eq!(u[0][0], 1.0);
    }

    #[test]
    fn em_is_deterministic() {
        let (cand, sample) = simulated();
        let n_levels = [3, 3];
        let a = estimate(&cand, estimate_u(&sample, &n_levels), &n_levels, 200);
        let b = estimate(&cand, estimate_u(&sample, &n_levels), &n_levels, 200);
        assert_eq!(a, b);
    }

    #[test]
    fn initial_m_is_a_distribution() {
        for n in 2..8 {
            let m = initial_m(&[n]);
            let s: f64 = m[0][1..].iter().sum();
            assert!((s - 1.0).abs() < 1e-12, "{n}: {:?}", m[0]);
        }
    }
}
