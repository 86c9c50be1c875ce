//! The run's summary: `summary.json`, and what the report shows of the run.
//!
//! A module of its own so that the pipeline, which fills it, and the report, which reads it,
//! both import it without importing each other.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::block::{LargeBlock, RuleStats};
use crate::config::Thresholds;
use crate::decisions::Decisions;
use crate::ingest::FileStats;
use crate::quality::DataQuality;
use crate::score::threshold::Expected;
use crate::score::{Comparison, Model};

/// `summary.json`.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub padan_version: &'static str,
    pub generation: u32,
    pub config: String,
    pub records_in: u64,
    pub records_accepted: u64,
    pub records_rejected: u64,
    pub rejects_by_reason: BTreeMap<String, u64>,
    pub files: Vec<FileStats>,
    pub records_by_source: BTreeMap<String, u64>,
    pub persons: u64,
    pub persons_with_several_records: u64,
    pub records_merged: u64,
    pub candidate_pairs: u64,
    pub pairs_written: u64,
    pub match_pairs: u64,
    pub review_pairs: u64,
    /// Match pairs not joined because their clusters held conflicting ICs, two records of a
    /// source of distinct persons, or records an analyst marked different (now in review).
    pub refused_match_pairs: u64,
    /// Records repeated more often than one person's can be, which the model counts once.
    pub data_quality: DataQuality,
    /// Whether this run linked every record or only the new and changed ones, and why.
    pub linking: Linking,
    /// Persons new, grown, shrunk, merged, split or retired since the previous generation.
    pub changes: BTreeMap<&'static str, u64>,
    pub decisions: Option<Decisions>,
    pub blocking: Vec<RuleStats>,
    /// The largest blocks compared within the window rather than in full.
    pub large_blocks: Vec<LargeBlock>,
    pub thresholds: Thresholds,
    /// What the estimated model expects of the decisions (none with fixed weights, whose
    /// weights are no probabilities).
    pub expected: Option<Expected>,
    pub model: ModelSummary,
    pub stage_seconds: BTreeMap<&'static str, f64>,
    pub peak_memory_bytes: Option<u64>,
    /// Each stage's own peak resident memory.
    pub stage_peak_memory_bytes: BTreeMap<&'static str, u64>,
    pub threads: usize,
    pub warnings: Vec<String>,
}

/// The model in `summary.json`, with its comparisons' levels so the file reads on its own.
#[derive(Debug, Serialize)]
pub struct ModelSummary {
    /// The comparisons and their levels (labels; the fixed weights for reference).
    pub comparisons: &'static [Comparison],
    /// The weights in force, with the EM estimates when estimated.
    #[serde(flatten)]
    pub model: Model,
}

/// Whether a run compared every record or only the new and changed ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkMode {
    #[default]
    Full,
    Incremental,
}

impl LinkMode {
    pub fn label(self) -> &'static str {
        match self {
            LinkMode::Full => "full",
            LinkMode::Incremental => "incremental",
        }
    }
}

/// How a run linked: in full, or incrementally on the previous generation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Linking {
    pub mode: LinkMode,
    /// Why this mode.
    pub reason: String,
    /// Records compared with the previous generation's by source and record id (all zero
    /// when there is no usable previous generation).
    pub records_unchanged: u64,
    pub records_changed: u64,
    pub records_new: u64,
    pub records_removed: u64,
    /// Records normalised by this run; the others' normalised forms were read from the
    /// previous generation (`normalised.bin`).
    pub records_normalised: u64,
    /// Pairs of unchanged records whose levels were taken from the previous generation.
    pub pairs_reused: u64,
    /// Pairs compared by this run.
    pub pairs_compared: u64,
    /// Records new, changed or removed since the model in force was estimated (0 when this
    /// run estimated it). Past `pipeline::REFIT_SHARE` of the records, the next run links in
    /// full.
    pub records_changed_since_model: u64,
}

impl Linking {
    /// A full run, for `reason`, with nothing compared against a previous generation.
    pub fn full(reason: &str) -> Linking {
        Linking {
            reason: reason.to_string(),
            ..Default::default()
        }
    }
}
