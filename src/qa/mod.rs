//! QA: how good a generation's register is, estimated from a clerical sample, without truth.
//!
//! Reads: a generation of the register store (through `explain::Store`) and, later, the
//! labels a clerk gave the sampled pairs. Writes: `qa.csv` for the clerks, and in the store
//! (`DIR/qa/NNNNNN/`, one folder per generation, never pruned) the sample's design and each
//! estimate, so that an estimate can be made for a generation after `current` moved on and
//! the report can show every generation's.
//!
//! The population is every pair the generation scored (at or above the floor) and every
//! other pair of records the register put in one person (joined only through others). It is
//! cut into strata by decision and match weight (`sample`), each sampled at random without
//! replacement, more densely near the thresholds; `estimate` weighs the labels back to the
//! population (docs/qa.md).

pub mod estimate;
pub mod labels;
pub mod sample;
pub mod truth;

use serde::{Deserialize, Serialize};

/// A clerk's label for a sampled pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Same,
    Different,
    Unsure,
    /// Not labelled (yet).
    None,
}

impl Label {
    /// The label a `label` cell holds (trimmed, any case; empty: `Label::None`); `None` for
    /// another word.
    pub fn parse(cell: &str) -> Option<Label> {
        match cell.trim().to_ascii_lowercase().as_str() {
            "same" => Some(Label::Same),
            "different" => Some(Label::Different),
            "unsure" => Some(Label::Unsure),
            "" => Some(Label::None),
            _ => None,
        }
    }
}

/// One stratum of the population and how much of it was sampled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stratum {
    /// Short name (`match_high`, …, `joined_through_others`).
    pub name: String,
    /// What the stratum holds, in words, with its weight bounds.
    pub holds: String,
    /// Scored pairs (false: pairs of one person that were never scored).
    pub scored: bool,
    /// Automatic matches (decision `match`).
    pub automatic: bool,
    /// Pairs in the stratum.
    pub population: u64,
    /// Of them, pairs whose records are in one person of the register.
    pub linked: u64,
    /// Of them, pairs with match weight at or above each of `Design::curve`'s thresholds
    /// (all zero for unscored pairs).
    pub at_or_above: Vec<u64>,
    /// Pairs drawn from the stratum (each with probability `sampled / population`).
    pub sampled: u64,
}

/// A sample's design: the thresholds in force, the strata, the thresholds of the curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Design {
    /// The generation sampled.
    pub generation: u32,
    pub seed: u64,
    pub match_weight: f64,
    pub review_weight: f64,
    pub pairs_floor: f64,
    /// The candidate thresholds the precision–recall curve is estimated at, ascending.
    pub curve: Vec<f64>,
    pub strata: Vec<Stratum>,
}

/// A sampled pair as the estimate sees it: its stratum, match weight (`None` for a pair that
/// was never scored), whether the register put its records in one person, and its label.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unit {
    pub stratum: usize,
    pub weight: Option<f64>,
    pub linked: bool,
    pub label: Label,
}
