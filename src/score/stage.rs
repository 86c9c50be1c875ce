//! The score stage: the candidate pairs compared (an incremental run's kept pairs taking their
//! levels from the previous generation), the model estimated (or kept), every pair weighed.
//!
//! Reads: every record's linking forms, the blocking's candidate pairs and per-rule samples,
//! what an incremental run keeps, and the records the model leaves out (`quality::Repeats`).
//! Writes: `Scoring`: the pairs at or above the floor (sorted by `sort`), the model, the
//! thresholds in force, every record's name for the model's name frequencies.

use std::time::Instant;

use rayon::prelude::*;

use super::{
    levels_all, positions_in, score_all, threshold, Comparable, KeptPair, Model, ModelKind, Scored,
};
use crate::block::{self, Blocking};
use crate::config::{ScoreConfig, Thresholds};
use crate::progress::{Progress, Stage};

/// What an incremental run keeps from the previous generation for scoring.
#[derive(Default)]
pub struct FromPrevious {
    /// Pairs of unchanged records, with their levels.
    pub pairs: Vec<KeptPair>,
    /// Pairs of unchanged records to compare again (their records swapped order).
    pub again: Vec<(u32, u32)>,
    /// The model, whose weights the run keeps.
    pub model: Option<Model>,
}

/// How long each step took.
#[derive(Default)]
pub struct Seconds {
    pub compare: f64,
    pub fit: f64,
    pub weigh: f64,
}

/// What scoring made.
pub struct Scoring {
    /// The pairs at or above the floor, in no order until `sort`.
    pub scored: Vec<Scored>,
    pub model: Model,
    pub thresholds: Thresholds,
    /// Every record's name (`Comparable::names`), for the model's name frequencies.
    pub names: Vec<u64>,
    /// Pairs compared by this run, and kept from the previous generation.
    pub compared: u64,
    pub reused: u64,
    /// Every pair weighed.
    pub candidate_pairs: u64,
    pub seconds: Seconds,
    /// The stage's progress, to end once the pairs are sorted.
    pub progress: Stage,
    pub warnings: Vec<String>,
}

/// Scores the candidate pairs of `blocking` (whose pairs and samples it takes) and the kept
/// ones; `left_out`: the records the model's estimates leave out (empty, or one flag per
/// record). `records` are freed before the pairs are weighed.
pub fn stage<C: Comparable>(
    config: &ScoreConfig,
    records: C,
    blocking: &mut Blocking,
    previous: FromPrevious,
    left_out: &[bool],
    progress: &Progress,
) -> Scoring {
    let started = Instant::now();
    let mut warnings = Vec::new();
    let mut pairs = std::mem::take(&mut blocking.pairs);
    let blocked = pairs.len();
    pairs.extend(previous.again);
    let stage = progress.counted("score", pairs.len() as u64, "pairs");
    let mut levels = levels_all(&records, &pairs, &stage.counter());
    let (compared, reused) = (pairs.len() as u64, previous.pairs.len() as u64);
    stage.step("(fitting the model)");
    let compare = started.elapsed().as_secs_f64();
    let fitting = Instant::now();
    let em = estimated(config, records.len(), &mut warnings);
    let model = if let Some(kept) = previous.model {
        // The previous generation's weights, with name frequencies counted over this run.
        kept.with_name_frequencies(&records.counted_names(left_out))
    } else if em {
        // Every sampled pair is a candidate: its levels are already known.
        let lists: Vec<&[(u32, u32)]> = blocking.samples.iter().map(Vec::as_slice).collect();
        let positions = positions_in(&pairs[..blocked], &lists);
        let counted = |i: &usize| {
            let (a, b) = pairs[*i];
            left_out.is_empty() || !(left_out[a as usize] || left_out[b as usize])
        };
        let samples: Vec<_> = block::RULES
            .iter()
            .zip(positions)
            .map(|(r, found)| {
                let known = found
                    .into_iter()
                    .flatten()
                    .filter(counted)
                    .map(|i| levels.get(i))
                    .collect();
                (r.uses, known)
            })
            .collect();
        Model::fit(&records, &pairs, &levels, &samples, left_out)
    } else {
        Model::fixed()
    };
    blocking.samples = Vec::new();
    let em = model.kind == ModelKind::Em;
    // The records served the comparisons and the model's random pairs; the memory goes back
    // before the scored pairs are collected. The names stay for the model's name frequencies
    // when pairs are written and explained.
    let names = records.names();
    drop(records);
    pairs.reserve_exact(previous.pairs.len());
    for k in previous.pairs {
        pairs.push((k.a, k.b));
        levels.push(k.levels);
    }
    warnings.extend(unconverged(&model));
    let fit = fitting.elapsed().as_secs_f64();
    let weighing = Instant::now();
    let mut scored = score_all(&names, &pairs, &levels, &model, &config.thresholds(em));
    let thresholds = settle(config, em, &mut scored, &mut warnings);
    Scoring {
        scored,
        model,
        thresholds,
        names,
        compared,
        reused,
        candidate_pairs: pairs.len() as u64,
        seconds: Seconds {
            compare,
            fit,
            weigh: weighing.elapsed().as_secs_f64(),
        },
        progress: stage,
        warnings,
    }
}

/// Whether the model is estimated for `records` records (else fixed, with a warning).
pub fn estimated(config: &ScoreConfig, records: usize, warnings: &mut Vec<String>) -> bool {
    let em = config.em && records >= super::EM_MIN_RECORDS;
    if config.em && !em {
        warnings.push(format!(
            "only {records} records: too few to estimate the model (at least {} are needed); fixed weights used",
            super::EM_MIN_RECORDS
        ));
    }
    em
}

/// A warning when the model's EM stopped before converging.
pub fn unconverged(model: &Model) -> Option<String> {
    let p = model.params.as_ref().filter(|p| !p.converged)?;
    Some(format!(
        "EM did not converge in {} iterations; the weights are the last estimate",
        p.iterations
    ))
}

/// The thresholds in force for pairs weighed under `config.thresholds(em)`, and each pair's
/// decision under them. An estimated model's probabilities say where its automatic matches
/// meet the target precision; fixed weights' do not.
pub fn settle(
    config: &ScoreConfig,
    em: bool,
    scored: &mut [Scored],
    warnings: &mut Vec<String>,
) -> Thresholds {
    let mut thresholds = config.thresholds(em);
    if em && config.match_threshold.is_none() {
        let target = config.target_precision();
        let floor = thresholds.review_weight.max(threshold::LEAST_MATCH_WEIGHT);
        match threshold::match_cut(scored, floor, target) {
            Some(cut) => thresholds.match_weight = cut,
            None => warnings.push(format!(
                "no match weight gives automatic matches the target precision {target}; the cut stays at probability 0.99"
            )),
        }
        threshold::decide(scored, &thresholds);
    }
    thresholds
}

/// Sorts scored pairs strongest first (ties by their records), the order every file lists
/// them in.
pub fn sort(scored: &mut [Scored]) {
    scored.par_sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then((a.a, a.b).cmp(&(b.a, b.b)))
    });
}
