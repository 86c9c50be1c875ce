//! A labelled `qa.csv` read back against the sample the store kept, and the estimates the
//! store keeps (`estimate.json`, one per generation, the latest labels').

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::estimate::{self, Estimates};
use super::sample::{self, Sample};
use super::{Label, Unit};
use crate::error::{Error, Result};
use crate::mask;
use crate::spreadsheet::{raw_cell, read_filled};
use crate::store;

/// The store's record of an estimate, in the generation's QA folder.
pub const ESTIMATE_FILE: &str = "estimate.json";
/// The estimates as a page (`report::qa_page`), beside it.
pub const PAGE_FILE: &str = "report.html";

/// One stratum's labels, for the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StratumLabels {
    pub name: String,
    pub holds: String,
    pub population: u64,
    pub sampled: u64,
    pub same: u64,
    pub different: u64,
    pub unsure: u64,
}

/// An estimate as the store keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    pub generation: u32,
    /// The labels' file, as given.
    pub labels_file: String,
    /// When the estimate was made (RFC 3339).
    pub estimated_at: String,
    pub match_weight: f64,
    pub review_weight: f64,
    pub strata: Vec<StratumLabels>,
    pub estimates: Estimates,
}

/// The labels of a `qa.csv`: its generation and each sampled pair's label (`Label::None` for
/// a pair the file leaves out). A file that does not fit the sample is refused, naming its
/// line and column: an estimate from mismatched labels would be wrong without showing it.
pub fn read(path: &Path, root: &Path) -> Result<(Sample, Vec<Label>)> {
    let (headers, rows) = read_filled(path)?;
    let at =
        |line: usize, column: &str| format!("{}: line {line}, column `{column}`", path.display());
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                Error::Config(format!(
                    "{}: no `{name}` column; label the qa.csv `padan qa sample` wrote",
                    path.display()
                ))
            })
    };
    let names: Vec<&str> = sample::KEYS.iter().copied().chain(["label"]).collect();
    let cols: Vec<usize> = names.iter().map(|n| col(n)).collect::<Result<_>>()?;
    let mut sample: Option<Sample> = None;
    let mut labels: Vec<Label> = Vec::new();
    for (line, row) in rows {
        let get = |i: usize| raw_cell(row.get(cols[i]).unwrap_or("").trim());
        let generation: u32 = get(0).parse().map_err(|_| {
            Error::Config(format!(
                "{}: `{}` is not a generation number",
                at(line, "generation"),
                mask::guard(get(0))
            ))
        })?;
        if sample.is_none() {
            let s = sample::load(root, generation)?;
            labels = vec![Label::None; s.pairs.len()];
            sample = Some(s);
        }
        let s = sample.as_ref().expect("loaded above");
        if generation != s.design.generation {
            return Err(Error::Config(format!(
                "{}: generation {generation:06}, while the file's first pair is of generation {:06}; label one sample per file",
                at(line, "generation"),
                s.design.generation
            )));
        }
        let pair = get(1)
            .parse::<usize>()
            .ok()
            .filter(|&p| p >= 1 && p <= s.pairs.len())
            .ok_or_else(|| {
                Error::Config(format!(
                    "{}: `{}` is not a pair of generation {generation:06}'s sample (1 to {})",
                    at(line, "pair"),
                    mask::guard(get(1)),
                    s.pairs.len()
                ))
            })?;
        let drawn = &s.pairs[pair - 1];
        let keys = [
            &drawn.source_l,
            &drawn.record_id_l,
            &drawn.source_r,
            &drawn.record_id_r,
        ];
        if let Some(i) = (0..4).find(|&i| get(i + 2) != keys[i].as_str()) {
            return Err(Error::Config(format!(
                "{}: pair {pair} of the sample is another record; the file's rows were edited or belong to another sample",
                at(line, names[i + 2])
            )));
        }
        let label = Label::parse(get(6)).ok_or_else(|| {
            Error::Config(format!(
                "{}: `{}` is not a label; write `same`, `different` or `unsure`, or leave it empty",
                at(line, "label"),
                mask::guard(get(6))
            ))
        })?;
        if labels[pair - 1] != Label::None {
            return Err(Error::Config(format!(
                "{}: pair {pair} is labelled twice",
                at(line, "pair")
            )));
        }
        labels[pair - 1] = label;
    }
    let sample = sample.ok_or_else(|| {
        Error::Config(format!(
            "{}: no pairs; label the qa.csv `padan qa sample` wrote",
            path.display()
        ))
    })?;
    Ok((sample, labels))
}

/// The estimate from a labelled `qa.csv`, kept in the store (replacing an earlier estimate of
/// the same generation) and returned.
pub fn estimate_and_keep(root: &Path, labels_file: &Path) -> Result<Kept> {
    let (sample, labels) = read(labels_file, root)?;
    let units: Vec<Unit> = sample
        .pairs
        .iter()
        .zip(&labels)
        .map(|(p, &label)| Unit {
            stratum: p.stratum,
            weight: p.weight,
            linked: p.linked,
            label,
        })
        .collect();
    let d = &sample.design;
    let estimates = estimate::estimate(d, &units, d.seed);
    let count = |h: usize, l: Label| {
        units
            .iter()
            .filter(|u| u.stratum == h && u.label == l)
            .count() as u64
    };
    let kept = Kept {
        generation: d.generation,
        labels_file: labels_file.display().to_string(),
        estimated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        match_weight: d.match_weight,
        review_weight: d.review_weight,
        strata: d
            .strata
            .iter()
            .enumerate()
            .map(|(h, s)| StratumLabels {
                name: s.name.clone(),
                holds: s.holds.clone(),
                population: s.population,
                sampled: s.sampled,
                same: count(h, Label::Same),
                different: count(h, Label::Different),
                unsure: count(h, Label::Unsure),
            })
            .collect(),
        estimates,
    };
    let json = serde_json::to_vec_pretty(&kept)
        .map_err(|e| Error::Run(format!("{ESTIMATE_FILE}: {e}")))?;
    store::write_whole(
        &store::qa::dir(root, d.generation).join(ESTIMATE_FILE),
        &json,
    )?;
    Ok(kept)
}

/// Every generation's kept estimate, oldest first; a file that cannot be read is left out
/// with a warning.
pub fn history(root: &Path, warnings: &mut Vec<String>) -> Vec<Kept> {
    store::qa::with_file(root, ESTIMATE_FILE)
        .into_iter()
        .filter_map(|(_, path)| {
            let kept = std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<Kept>(&t).map_err(|e| e.to_string()));
            match kept {
                Ok(k) => Some(k),
                Err(e) => {
                    warnings.push(format!(
                        "{}: cannot be read ({e}); left out of the report",
                        path.display()
                    ));
                    None
                }
            }
        })
        .collect()
}
