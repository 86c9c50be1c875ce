//! The automatic-match cut, chosen from the model: the lowest match weight at which the pairs
//! at or above it are, by the model's own probabilities, true pairs at least as often as the
//! target precision asks. What the model expects of the result (precision and recall of the
//! automatic matches, the review band's size) goes into `summary.json` and the report.

use rayon::prelude::*;
use serde::Serialize;

use super::{decision, probability, Decision, Scored};
use crate::config::Thresholds;

/// The lowest automatic-match cut: a pair merged without review is at least nine times likelier
/// a true pair than not (probability 0.9), however many sure pairs would dilute it in the
/// expected precision.
pub const LEAST_MATCH_WEIGHT: f64 = 3.169_925_001_442_312; // log2(0.9 / 0.1)

/// What the model expects of a run's decisions, over its scored pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Expected {
    /// The expected precision asked of the automatic matches.
    pub target_precision: f64,
    /// Whether the automatic matches meet it.
    pub target_met: bool,
    /// Mean probability of the pairs decided `match`.
    pub match_precision: f64,
    /// Share of the true pairs the model expects among the scored pairs that are decided
    /// `match` (pairs below the floor and pairs no blocking rule proposed are not counted).
    pub match_recall: f64,
    /// Mean probability of the pairs sent to review.
    pub review_precision: f64,
    /// Pairs sent to review per record linked: the analyst's queue, as a share of records.
    pub review_share: f64,
}

/// The lowest weight, not below `floor`, at which the pairs weighing at least as much have a
/// mean probability of at least `target`; `None` when no weight does. Weights are cut only
/// between distinct values, so tied pairs fall on the same side.
pub fn match_cut(scored: &[Scored], floor: f64, target: f64) -> Option<f64> {
    let mut w: Vec<f64> = scored
        .par_iter()
        .map(|s| s.weight)
        .filter(|&w| w >= floor)
        .collect();
    w.par_sort_unstable_by(|a, b| b.total_cmp(a));
    let mut sum = 0.0;
    let mut cut = None;
    for (i, &x) in w.iter().enumerate() {
        sum += probability(x);
        let last_of_tie = w.get(i + 1).is_none_or(|&next| next != x);
        if last_of_tie && sum >= target * (i + 1) as f64 {
            cut = Some(x);
        }
    }
    cut
}

/// Decides each pair again by the thresholds (after the cut is chosen).
pub fn decide(scored: &mut [Scored], t: &Thresholds) {
    scored
        .par_iter_mut()
        .for_each(|s| s.decision = decision(s.weight, t));
}

/// What the model expects of the decisions in `scored` among `records` records.
pub fn expected(scored: &[Scored], records: usize, target: f64) -> Expected {
    // (count, probabilities' sum) of match, review, and all scored pairs.
    let sums = scored
        .par_iter()
        .fold(
            || [(0u64, 0.0f64); 3],
            |mut acc, s| {
                let p = probability(s.weight);
                let k = match s.decision {
                    Decision::Match => 0,
                    Decision::Review => 1,
                    Decision::NonMatch => 2,
                };
                acc[k].0 += 1;
                acc[k].1 += p;
                acc
            },
        )
        .reduce(
            || [(0u64, 0.0f64); 3],
            |mut a, b| {
                for k in 0..3 {
                    a[k].0 += b[k].0;
                    a[k].1 += b[k].1;
                }
                a
            },
        );
    let ratio = |x: f64, n: f64| if n > 0.0 { x / n } else { 0.0 };
    let [(m, pm), (r, pr), (_, pn)] = sums;
    let match_precision = if m == 0 { 1.0 } else { pm / m as f64 };
    Expected {
        target_precision: target,
        target_met: match_precision >= target,
        match_precision,
        match_recall: ratio(pm, pm + pr + pn),
        review_precision: ratio(pr, r as f64),
        review_share: ratio(r as f64, records as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(match_weight: f64, review_weight: f64) -> Thresholds {
        Thresholds {
            match_weight,
            review_weight,
            pairs_floor: f64::NEG_INFINITY,
        }
    }

    fn pairs(weights: &[f64]) -> Vec<Scored> {
        weights
            .iter()
            .enumerate()
            .map(|(i, &weight)| Scored {
                a: i as u32,
                b: i as u32 + 1,
                weight,
                levels: Default::default(),
                decision: Decision::NonMatch,
            })
            .collect()
    }

    /// The mean probability of the pairs at or above `cut`, worked out directly.
    fn mean_above(weights: &[f64], cut: f64) -> f64 {
        let above: Vec<f64> = weights.iter().copied().filter(|&w| w >= cut).collect();
        above.iter().map(|&w| probability(w)).sum::<f64>() / above.len() as f64
    }

    #[test]
    fn the_cut_is_the_lowest_weight_whose_pairs_meet_the_target() {
        // 1,000 sure pairs, then a tail of ever weaker ones.
        let mut weights = vec![20.0; 1000];
        weights.extend((0..60).map(|i| 8.0 - 0.25 * i as f64));
        let scored = pairs(&weights);
        for target in [0.999, 0.9995, 0.9998, 0.99999] {
            let cut = match_cut(&scored, 0.0, target).unwrap();
            assert!(mean_above(&weights, cut) >= target, "{target}: {cut}");
            // The next weight below would break the target (or there is none at the floor).
            if let Some(&lower) = weights
                .iter()
                .filter(|&&w| w < cut && w >= 0.0)
                .max_by(|a, b| a.total_cmp(b))
            {
                assert!(
                    mean_above(&weights, lower) < target,
                    "{target}: {cut} then {lower}"
                );
            }
        }
        // A stricter target never lowers the cut.
        let cuts: Vec<f64> = [0.99, 0.999, 0.9999]
            .iter()
            .map(|&t| match_cut(&scored, 0.0, t).unwrap())
            .collect();
        assert!(cuts[0] <= cuts[1] && cuts[1] <= cuts[2], "{cuts:?}");
        // Never below the floor, however lax the target.
        assert_eq!(match_cut(&scored, 5.0, 0.5), Some(5.0));
    }

    #[test]
    fn the_least_match_weight_is_probability_nine_tenths() {
        assert!((LEAST_MATCH_WEIGHT - (0.9f64 / 0.1).log2()).abs() < 1e-12);
    }

    #[test]
    fn tied_pairs_fall_on_one_side_and_an_unmet_target_is_none() {
        // Two pairs at 1.0 together break the target; one alone would not.
        let scored = pairs(&[30.0, 30.0, 30.0, 1.0, 1.0]);
        assert_eq!(match_cut(&scored, 0.0, 0.9), Some(30.0));
        assert_eq!(match_cut(&pairs(&[2.0, 1.0]), 0.0, 0.9999), None);
        assert_eq!(match_cut(&[], 0.0, 0.99), None);
    }

    #[test]
    fn expectations_follow_the_decisions() {
        let mut scored = pairs(&[20.0, 20.0, 3.0, 1.0, -1.0]);
        decide(&mut scored, &cut(10.0, 0.0));
        let d: Vec<Decision> = scored.iter().map(|s| s.decision).collect();
        use Decision::*;
        assert_eq!(d, [Match, Match, Review, Review, NonMatch]);
        let e = expected(&scored, 10, 0.999);
        assert!((e.match_precision - probability(20.0)).abs() < 1e-12);
        assert!((e.review_precision - (probability(3.0) + probability(1.0)) / 2.0).abs() < 1e-12);
        assert!((e.review_share - 0.2).abs() < 1e-12);
        let all: f64 = [20.0, 20.0, 3.0, 1.0, -1.0]
            .iter()
            .map(|&w| probability(w))
            .sum();
        assert!((e.match_recall - 2.0 * probability(20.0) / all).abs() < 1e-12);
        // No match at all: nothing claimed false.
        decide(&mut scored, &cut(50.0, 0.0));
        let none = expected(&scored, 10, 0.999);
        assert_eq!((none.match_precision, none.target_met), (1.0, true));
        decide(&mut scored, &cut(0.0, 0.0));
        assert!(!expected(&scored, 10, 0.999).target_met);
    }
}
