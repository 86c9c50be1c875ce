//! `padan eval --truth truth.csv --crosswalk DIR/crosswalk.csv [--pairs N [--config padan.toml]]`

use std::path::PathBuf;

use ahash::{AHashMap, AHashSet};
use serde_json::json;

use padan::comparison::COMPARISONS;
use padan::config::Config;
use padan::eval::{self, diagnose};
use padan::explain;
use padan::mask;
use padan::{Error, Result};

#[derive(clap::Args)]
pub struct Args {
    /// The true assignment: `source,record_id,person_id`.
    #[arg(long)]
    truth: PathBuf,
    /// A crosswalk written by `padan run`.
    #[arg(long)]
    crosswalk: PathBuf,
    /// Also list the N most confident false merges and N missed pairs, with each pair's
    /// field levels (read from the `pairs.parquet` beside the crosswalk).
    #[arg(long, value_name = "N")]
    pairs: Option<usize>,
    /// With --pairs: the run's configuration, to show both records' values (masked) and to
    /// tell a pair that no blocking rule proposed from one that scored below the floor.
    #[arg(long, requires = "pairs")]
    config: Option<PathBuf>,
    /// With --config: show IC numbers, phones, birth dates and addresses whole.
    #[arg(long, requires = "config")]
    unmasked: bool,
}

pub fn run(a: Args) -> Result<()> {
    let truth = eval::read_assignment(&a.truth)?;
    let pred = eval::read_crosswalk(&a.crosswalk)?;
    let scores = eval::score(&truth, &pred);
    if scores.records_compared == 0 {
        return Err(Error::Run(no_overlap(&a, &truth, &pred)));
    }
    let Some(n) = a.pairs else {
        return super::print_json(&scores);
    };
    let pairs_path = a.crosswalk.parent().map_or_else(
        || PathBuf::from("pairs.parquet"),
        |p| p.join("pairs.parquet"),
    );
    if !pairs_path.is_file() {
        return Err(Error::Config(format!(
            "{}: not found; --pairs reads the pairs.parquet written beside the crosswalk",
            pairs_path.display()
        )));
    }
    let pairs = diagnose::read_pairs(&pairs_path)?;
    let mut values: AHashMap<(String, String), Vec<(String, String)>> = AHashMap::new();
    let mut candidates = None;
    if let Some(cfg) = &a.config {
        // The run again, in memory: its records' values and every candidate pair.
        let config = Config::load(cfg)?;
        let linked = padan::pipeline::link(&config)?;
        let ing = &linked.ing;
        let key = |i: usize| {
            let r = &ing.records[i];
            (
                ing.sources[r.source as usize].name.clone(),
                r.record_id.clone(),
            )
        };
        for (i, r) in linked.records.iter().enumerate() {
            let v = COMPARISONS
                .iter()
                .map(|c| {
                    let shown = c.shown(|f| Some(explain::normalised_value(r, f)), !a.unmasked);
                    (c.name.to_string(), shown)
                })
                .collect();
            values.insert(key(i), v);
        }
        let set: AHashSet<_> = linked
            .candidates
            .iter()
            .map(|&(x, y)| (key(x as usize), key(y as usize)))
            .collect();
        candidates = Some(set);
    }
    let d = diagnose::diagnose(&truth, &pred, &pairs, candidates.as_ref(), n, &|k| {
        values.get(k).cloned()
    });
    let mut out =
        serde_json::to_value(&scores).map_err(|e| Error::Run(format!("writing JSON: {e}")))?;
    out["diagnosis"] = json!(d);
    super::print_json(&out)
}

/// Why nothing was compared: the two files share no record (matched by source and record id),
/// with each file's sources, which tell a truth of other sources from ids of another form.
fn no_overlap(
    a: &Args,
    truth: &AHashMap<(String, String), String>,
    pred: &AHashMap<(String, String), String>,
) -> String {
    let sources = |m: &AHashMap<(String, String), String>| {
        let set: std::collections::BTreeSet<&str> = m.keys().map(|k| k.0.as_str()).collect();
        let mut names: Vec<&str> = set.iter().take(5).copied().collect();
        if set.len() > names.len() {
            names.push("…");
        }
        if names.is_empty() {
            return "none".to_string();
        }
        mask::guard(&names.join(", "))
    };
    format!(
        "nothing to compare: {} ({} records; sources {}) and {} ({} records; sources {}) share no record; \
         records are matched by source and record_id: give the truth of the run that wrote the crosswalk",
        a.truth.display(),
        truth.len(),
        sources(truth),
        a.crosswalk.display(),
        pred.len(),
        sources(pred),
    )
}
