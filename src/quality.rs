//! Data quality: what tonight's exports say about themselves before they are linked.
//!
//! Reads: the ingested records, their content hashes (`Record::content_hash`: every value,
//! not the record id or row) and the previous generation's `summary.json`. Writes:
//!
//! - the groups of records whose values are identical, when a group holds at least
//!   `SUSPECT_REPEATS` records, and per record whether the model leaves it out. An export that
//!   repeats one row thousands of times under fresh ids (a test or placeholder row, a botched
//!   extract) would otherwise pass for most of the population: random pairs would mostly agree
//!   on every field, and agreeing would seem to prove nothing. The model counts each such group
//!   once; the records are still linked like any other;
//! - a stop, before anything is written, when an export has lost more of the previous
//!   generation's records than its `max_drop` allows: a header-only or undecodable file would
//!   otherwise retire every person only that agency held.

use std::collections::BTreeMap;
use std::path::Path;

use ahash::AHashMap;
use serde::Serialize;

use crate::config::{Config, Encoding};
use crate::error::{Error, Result};
use crate::field::Field;
use crate::ingest::Ingested;
use crate::mask;

/// A group of records with identical values at least this large is suspect. One person's
/// records carry identical values only where several exports copied them from one another or
/// a person registered again; a few dozen such copies are not a person.
pub const SUSPECT_REPEATS: usize = 20;

/// Groups shown in the summary and the report (the largest).
const SHOWN_GROUPS: usize = 20;

/// One group of records with identical values.
#[derive(Clone, Debug, Serialize)]
pub struct SuspectGroup {
    pub records: u64,
    /// Records per source.
    pub sources: BTreeMap<String, u64>,
    /// Where the group's first record is: its source and row.
    pub first: String,
    /// The repeated name, masked (each word's first letter).
    pub name: String,
}

/// The data-quality findings of a run (`summary.json`'s `data_quality`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct DataQuality {
    /// Records in suspect groups.
    pub suspect_records: u64,
    /// Suspect groups in all.
    pub suspect_groups: u64,
    /// The largest suspect groups, largest first.
    pub largest_groups: Vec<SuspectGroup>,
}

/// What a run knows of repeated records.
pub struct Repeats {
    pub quality: DataQuality,
    /// Per record: whether the model leaves it out (every record of a suspect group but its
    /// first). Empty when there are no suspect groups.
    pub left_out: Vec<bool>,
}

/// How many records share each content hash, when some hash is suspect (`None` otherwise).
fn suspect_counts(hashes: &[u64]) -> Option<AHashMap<u64, u32>> {
    let mut count: AHashMap<u64, u32> = AHashMap::with_capacity(hashes.len());
    for &h in hashes {
        *count.entry(h).or_default() += 1;
    }
    count
        .values()
        .any(|&c| c as usize >= SUSPECT_REPEATS)
        .then_some(count)
}

/// `Repeats::left_out` from the content hashes alone.
pub fn left_out(hashes: &[u64]) -> Vec<bool> {
    let Some(count) = suspect_counts(hashes) else {
        return Vec::new();
    };
    let mut seen = ahash::AHashSet::new();
    hashes
        .iter()
        .map(|h| count[h] as usize >= SUSPECT_REPEATS && !seen.insert(*h))
        .collect()
}

/// Finds the suspect groups among `ing`'s records (`hashes`: their content hashes).
pub fn repeats(ing: &Ingested, hashes: &[u64]) -> Repeats {
    let Some(count) = suspect_counts(hashes) else {
        return Repeats {
            quality: DataQuality::default(),
            left_out: Vec::new(),
        };
    };
    let suspect = |h: &u64| count[h] as usize >= SUSPECT_REPEATS;
    // Per suspect hash: its group, in the order the groups' first records come.
    let mut groups: AHashMap<u64, usize> = AHashMap::new();
    let mut found: Vec<SuspectGroup> = Vec::new();
    for (i, h) in hashes.iter().enumerate().filter(|(_, h)| suspect(h)) {
        let r = &ing.records[i];
        let source = &ing.sources[r.source as usize].name;
        let g = *groups.entry(*h).or_insert_with(|| {
            found.push(SuspectGroup {
                records: 0,
                sources: BTreeMap::new(),
                first: format!("{source} row {}", r.row),
                name: ing
                    .value(i, Field::FullName)
                    .or_else(|| ing.value(i, Field::Surname))
                    .map(mask::raw)
                    .unwrap_or_default(),
            });
            found.len() - 1
        });
        let group = &mut found[g];
        group.records += 1;
        *group.sources.entry(source.clone()).or_default() += 1;
    }
    let suspect_records = found.iter().map(|g| g.records).sum();
    let suspect_groups = found.len() as u64;
    found.sort_by_key(|g| std::cmp::Reverse(g.records));
    found.truncate(SHOWN_GROUPS);
    Repeats {
        quality: DataQuality {
            suspect_records,
            suspect_groups,
            largest_groups: found,
        },
        left_out: left_out(hashes),
    }
}

impl DataQuality {
    /// One warning line for the run's summary, when there is anything suspect.
    pub fn warning(&self) -> Option<String> {
        let g = self.largest_groups.first()?;
        Some(format!(
            "data quality: {} records in {} group{} repeat identical values at least {SUSPECT_REPEATS} times (the largest: {} records, first at {}); the model counts each group once; see data_quality",
            self.suspect_records,
            self.suspect_groups,
            if self.suspect_groups == 1 { "" } else { "s" },
            g.records,
            g.first
        ))
    }
}

/// Why a reject's row could not be decoded (`ingest::delimited`).
const UNDECODABLE: &str = "undecodable bytes";

/// Checks each export's accepted records against the previous generation's (`previous`: its
/// folder), before anything is written. An export with more than its `max_drop` share of the
/// previous records missing stops the run: an error naming the export, both counts and how to
/// accept the change. What does not stop it comes back as warnings: an export with no records,
/// one whose rows are mostly undecodable, a previous summary that cannot be read.
pub fn check_counts(
    config: &Config,
    ing: &Ingested,
    previous: Option<&Path>,
) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    // Undecodable rows per `[[source]]` table (a reject names its source, which names its table).
    let spec_of: AHashMap<&str, usize> = ing
        .sources
        .iter()
        .map(|s| (s.name.as_str(), s.spec))
        .collect();
    let mut undecodable = vec![0u64; config.sources.len()];
    for r in ing
        .rejects
        .iter()
        .filter(|r| r.reason.starts_with(UNDECODABLE))
    {
        if let Some(&spec) = spec_of.get(r.source.as_str()) {
            undecodable[spec] += 1;
        }
    }
    let hint = |spec: usize| {
        match config.sources[spec].encoding {
        Encoding::Utf8 => " (not valid UTF-8): if the export is a legacy one, set encoding = \"windows-1252\" in its [[source]] table",
        _ => "",
    }
    };
    for (spec, f) in ing.files.iter().enumerate() {
        if f.records == 0 {
            warnings.push(format!(
                "source `{}` ({}): no records accepted from {} rows",
                f.source, f.path, f.rows
            ));
        }
        if undecodable[spec] * 2 > f.rows {
            warnings.push(format!(
                "source `{}` ({}): {} of {} rows rejected as undecodable{}",
                f.source,
                f.path,
                undecodable[spec],
                f.rows,
                hint(spec)
            ));
        }
    }
    let Some(dir) = previous else {
        return Ok(warnings);
    };
    let Some((generation, before)) = previous_counts(dir) else {
        warnings.push(format!(
            "{}: cannot be read: tonight's record counts were not compared with the previous generation's",
            dir.join("summary.json").display()
        ));
        return Ok(warnings);
    };
    let mut fallen = Vec::new();
    for (spec, f) in ing.files.iter().enumerate() {
        let Some(&was) = before.get(&f.source) else {
            continue;
        };
        let max_drop = config.sources[spec].max_drop;
        if was == 0 || f.records >= was || (was - f.records) as f64 <= max_drop * was as f64 {
            continue;
        }
        let mut line = format!(
            "source `{}` ({}): {} records tonight against {} in generation {generation}, {:.1}% fewer (max_drop {max_drop} allows {}%)",
            f.source,
            f.path,
            f.records,
            was,
            100.0 * (was - f.records) as f64 / was as f64,
            max_drop * 100.0
        );
        if f.rejected > 0 {
            line.push_str(&format!(
                "; {} of its {} rows were rejected",
                f.rejected, f.rows
            ));
            if undecodable[spec] * 2 > f.rows {
                line.push_str(&format!(
                    ", {} as undecodable{}",
                    undecodable[spec],
                    hint(spec)
                ));
            }
        }
        fallen.push((f.source.clone(), line));
    }
    if fallen.is_empty() {
        return Ok(warnings);
    }
    let names: Vec<&str> = fallen.iter().map(|(n, _)| n.as_str()).collect();
    let lines: Vec<&str> = fallen.iter().map(|(_, l)| l.as_str()).collect();
    Err(Error::Run(format!(
        "{}\nnothing was written: generation {generation} stays current. If these exports are right, run again with {} (or set max_drop in the source's [[source]] table)",
        lines.join("\n"),
        names
            .iter()
            .map(|n| format!("--accept-drop {n}"))
            .collect::<Vec<_>>()
            .join(" ")
    )))
}

/// The previous generation's number and records accepted per `[[source]]` table, from its
/// `summary.json`; `None` when it cannot be read.
fn previous_counts(dir: &Path) -> Option<(u64, BTreeMap<String, u64>)> {
    let text = std::fs::read_to_string(dir.join("summary.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let generation = v["generation"].as_u64()?;
    let mut counts = BTreeMap::new();
    for f in v["files"].as_array()? {
        *counts.entry(f["source"].as_str()?.to_string()).or_default() += f["records"].as_u64()?;
    }
    Some((generation, counts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{FileStats, Record, SourceInfo};

    fn ingested(names: &[&str]) -> Ingested {
        let mut ing = Ingested {
            sources: vec![SourceInfo {
                name: "jkm".into(),
                spec: 0,
                priority: 1,
                dates: vec![],
            }],
            ..Default::default()
        };
        for (i, n) in names.iter().enumerate() {
            let mut r = Record::new(0, i as u64 + 2, format!("R{i}"));
            r.set(Field::FullName, n);
            ing.records.push(r);
        }
        ing
    }

    #[test]
    fn a_group_of_identical_records_is_suspect_from_its_size_and_counted_once() {
        let mut names = vec!["ALI BIN ABU"; SUSPECT_REPEATS];
        names.insert(3, "SITI AMINAH");
        names.extend(["TAN AH KOW"; SUSPECT_REPEATS - 1]);
        let ing = ingested(&names);
        let hashes: Vec<u64> = ing.records.iter().map(Record::content_hash).collect();
        let r = repeats(&ing, &hashes);
        assert_eq!(r.quality.suspect_records, SUSPECT_REPEATS as u64);
        assert_eq!(r.quality.suspect_groups, 1);
        let g = &r.quality.largest_groups[0];
        assert_eq!(
            (g.first.as_str(), g.name.as_str()),
            ("jkm row 2", "A** B** A**")
        );
        // Every copy but the first is left out; the others all count.
        let out: Vec<usize> = (0..names.len()).filter(|&i| r.left_out[i]).collect();
        let copies: Vec<usize> = (0..names.len())
            .filter(|&i| names[i] == "ALI BIN ABU")
            .skip(1)
            .collect();
        assert_eq!(out, copies);
        // One copy fewer is not suspect, and nothing is left out.
        let ing = ingested(&names[SUSPECT_REPEATS + 1..]);
        let hashes: Vec<u64> = ing.records.iter().map(Record::content_hash).collect();
        let r = repeats(&ing, &hashes);
        assert_eq!(r.quality.suspect_records, 0);
        assert!(r.left_out.is_empty());
    }

    #[test]
    fn an_export_may_lose_up_to_its_max_drop_of_records() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "record_id,full_name\n").unwrap();
        let config = Config::parse(
            "[[source]]\nname = \"jkm\"\npath = \"a.csv\"\nmax_drop = 0.25\n",
            &dir.path().join("padan.toml"),
        )
        .unwrap();
        let previous = dir.path().join("gen");
        std::fs::create_dir(&previous).unwrap();
        std::fs::write(
            previous.join("summary.json"),
            r#"{"generation": 4, "files": [{"source": "jkm", "records": 100}]}"#,
        )
        .unwrap();
        let with = |records: u64| {
            let ing = Ingested {
                files: vec![FileStats {
                    source: "jkm".into(),
                    path: "a.csv".into(),
                    rows: records,
                    records,
                    rejected: 0,
                }],
                ..Default::default()
            };
            check_counts(&config, &ing, Some(&previous))
        };
        assert!(with(75).unwrap().is_empty());
        assert!(with(120).unwrap().is_empty());
        let err = with(74).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(err
            .to_string()
            .contains("74 records tonight against 100 in generation 4"));
        // Without a readable previous summary the run goes on, saying so.
        std::fs::write(previous.join("summary.json"), "{").unwrap();
        assert!(with(10).unwrap()[0].contains("cannot be read"));
    }
}
