//! Block: which pairs of records are worth comparing.
//!
//! Reads: normalised records. Writes: candidate pairs `(i, j)` with `i < j`, each once however
//! many rules propose it, sorted; per-rule counts; and the blocks that were too large to expand.
//! Invariant: a block larger than `max_block_size` contributes no pairs and is always reported
//! (rule, size, a masked key) so that `summary.json` says what was not compared.

use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

use crate::normalise::{ic, NormRecord};

/// A blocking rule: a name and the keys it gives a record (records sharing a key are compared).
pub struct Rule {
    pub name: &'static str,
    pub keys: fn(&NormRecord, &mut Vec<String>),
    /// Comparisons this rule's pairs agree on by construction, or nearly (a household shares
    /// its postcode, address and phone): a model estimated from its pairs must not learn
    /// their m from them.
    pub uses: &'static [&'static str],
}

fn ic_keys(r: &NormRecord, out: &mut Vec<String>) {
    if let Some(i) = r.ic.as_ref().filter(|i| i.digits.len() >= 6) {
        out.push(i.digits.clone());
    }
}

fn other_id_keys(r: &NormRecord, out: &mut Vec<String>) {
    for (tag, v) in [
        ("old_ic", &r.old_ic),
        ("passport", &r.passport),
        ("national_id", &r.national_id),
    ] {
        if let Some(v) = v.as_ref().filter(|v| v.len() >= 5) {
            out.push(format!("{tag}:{v}"));
        }
    }
}

fn dob_name_keys(r: &NormRecord, out: &mut Vec<String>) {
    let Some(d) = r.dob else { return };
    let mut toks = r.name.tokens();
    if let Some(first) = toks.next() {
        out.push(format!("{d}|{first}"));
    }
    // The last token too, for names written surname-first in one export and last in another.
    if let Some(last) = r.name.tokens().last() {
        if r.name.tokens().count() > 1 {
            out.push(format!("{d}|{last}"));
        }
    }
}

fn postcode_token_keys(r: &NormRecord, out: &mut Vec<String>) {
    let Some(pc) = &r.postcode else { return };
    for t in r.name.tokens().filter(|t| t.len() >= 2) {
        out.push(format!("{pc}|{t}"));
    }
}

fn phone_keys(r: &NormRecord, out: &mut Vec<String>) {
    if let Some(p) = &r.phone {
        out.push(p.clone());
    }
}

fn phonetic_keys(r: &NormRecord, out: &mut Vec<String>) {
    if r.name.tokens().count() >= 2 && !r.phonetic.is_empty() {
        let mut t: Vec<&str> = r.phonetic.split(' ').collect();
        t.sort_unstable();
        out.push(t.join(" "));
    }
}

fn name_keys(r: &NormRecord, out: &mut Vec<String>) {
    if r.name.tokens().count() >= 2 {
        out.push(r.sorted_key.clone());
    }
}

/// The rules, in the order their statistics are reported.
pub const RULES: &[Rule] = &[
    Rule {
        name: "phonetic_name",
        uses: &["name"],
        keys: phonetic_keys,
    },
    Rule {
        name: "ic",
        uses: &["ic"],
        keys: ic_keys,
    },
    Rule {
        name: "other_id",
        uses: &["other_id"],
        keys: other_id_keys,
    },
    Rule {
        name: "dob_name_token",
        uses: &["dob", "name"],
        keys: dob_name_keys,
    },
    Rule {
        name: "postcode_name_token",
        uses: &["postcode", "name", "address", "phone", "household_id"],
        keys: postcode_token_keys,
    },
    Rule {
        name: "phone",
        uses: &["phone", "address", "postcode", "household_id"],
        keys: phone_keys,
    },
    Rule {
        name: "sorted_name",
        uses: &["name"],
        keys: name_keys,
    },
];

/// What one rule did.
#[derive(Clone, Debug, Serialize, Default)]
pub struct RuleStats {
    pub rule: String,
    pub blocks: u64,
    /// Pairs the rule proposed, before removing those other rules proposed too.
    pub pairs: u64,
    pub oversized_blocks: u64,
}

/// A block that was not expanded because it was too large.
#[derive(Clone, Debug, Serialize)]
pub struct Oversized {
    pub rule: String,
    /// The key, with any IC masked.
    pub key: String,
    pub size: u64,
}

#[derive(Debug, Default)]
pub struct Blocking {
    /// Candidate pairs, `i < j`, sorted and unique.
    pub pairs: Vec<(u32, u32)>,
    pub rules: Vec<RuleStats>,
    pub oversized: Vec<Oversized>,
    /// Per rule (in `RULES` order), an evenly spaced sample of its pairs, for estimating m.
    pub samples: Vec<Vec<(u32, u32)>>,
}

/// How many of each rule's pairs `Blocking::samples` keeps.
pub const SAMPLE_PER_RULE: usize = 200_000;

fn masked_key(rule: &str, key: &str) -> String {
    if rule == "ic" {
        ic::mask(key)
    } else if let Some((tag, v)) = key.split_once(':').filter(|_| rule == "other_id") {
        format!("{tag}:{}", ic::mask(v))
    } else if rule == "phone" {
        format!(
            "{}{}",
            "*".repeat(key.len().saturating_sub(4)),
            &key[key.len().saturating_sub(4)..]
        )
    } else {
        key.to_string()
    }
}

/// Proposes candidate pairs under every rule in `RULES`.
pub fn candidates(recs: &[NormRecord], max_block_size: usize) -> Blocking {
    let mut out = Blocking::default();
    let mut all: Vec<u64> = Vec::new();
    for rule in RULES {
        let mut keyed: Vec<(u64, u32)> = recs
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, r)| {
                let mut keys = Vec::new();
                (rule.keys)(r, &mut keys);
                keys.sort_unstable();
                keys.dedup();
                keys.into_iter()
                    .map(move |k| (xxh3_64(k.as_bytes()), i as u32))
            })
            .collect();
        keyed.par_sort_unstable();
        let mut groups: Vec<&[(u64, u32)]> = keyed
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|g| g.len() > 1)
            .collect();
        let mut stats = RuleStats {
            rule: rule.name.to_string(),
            blocks: groups.len() as u64,
            ..Default::default()
        };
        groups.retain(|g| {
            if g.len() <= max_block_size {
                return true;
            }
            let first = &recs[g[0].1 as usize];
            let mut keys = Vec::new();
            (rule.keys)(first, &mut keys);
            let key = keys
                .into_iter()
                .find(|k| xxh3_64(k.as_bytes()) == g[0].0)
                .unwrap_or_default();
            out.oversized.push(Oversized {
                rule: rule.name.to_string(),
                key: masked_key(rule.name, &key),
                size: g.len() as u64,
            });
            stats.oversized_blocks += 1;
            false
        });
        let pairs: Vec<u64> = groups
            .par_iter()
            .flat_map_iter(|g| {
                let g = *g;
                (0..g.len()).flat_map(move |a| {
                    (a + 1..g.len()).map(move |b| {
                        let (x, y) = (g[a].1.min(g[b].1), g[a].1.max(g[b].1));
                        ((x as u64) << 32) | y as u64
                    })
                })
            })
            .collect();
        stats.pairs = pairs.len() as u64;
        let step = pairs.len().div_ceil(SAMPLE_PER_RULE).max(1);
        out.samples.push(
            pairs
                .iter()
                .step_by(step)
                .map(|&p| ((p >> 32) as u32, p as u32))
                .collect(),
        );
        all.extend(pairs);
        out.rules.push(stats);
    }
    all.par_sort_unstable();
    all.dedup();
    out.pairs = all
        .into_iter()
        .map(|p| ((p >> 32) as u32, p as u32))
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Field;
    use crate::ingest::Record;

    fn rec(name: &str, ic: &str, dob: &str, postcode: &str) -> NormRecord {
        let mut r = Record::new(0, 0, "x".into());
        r.set(Field::FullName, name);
        r.set(Field::Ic, ic);
        r.set(Field::Dob, dob);
        r.set(Field::Postcode, postcode);
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        crate::normalise::record(&r, &[], today).0
    }

    #[test]
    fn each_rule_finds_its_pairs_and_pairs_are_unique() {
        let recs = vec![
            rec("ALI BIN ABU", "850312145567", "1985-03-12", "50000"),
            rec("ALI ABU", "850312145567", "", ""), // same IC as 0
            rec("ALI BIN AHMAD", "", "1985-03-12", ""), // dob + first token with 0
            rec("SITI BINTI ABU", "", "", "50000"), // postcode + ABU with 0
            rec("TAN AH KOW", "", "1990-01-01", "10000"), // nothing in common
        ];
        let b = candidates(&recs, 100);
        assert_eq!(b.pairs, [(0, 1), (0, 2), (0, 3), (1, 2)]);
        let pairs_of = |n: &str| b.rules.iter().find(|r| r.rule == n).unwrap().pairs;
        assert_eq!(pairs_of("ic"), 1);
        assert!(pairs_of("dob_name_token") >= 1);
        assert!(pairs_of("postcode_name_token") >= 1);
    }

    #[test]
    fn oversized_blocks_are_reported_masked_and_not_expanded() {
        let recs: Vec<_> = (0..5).map(|_| rec("ALI", "850312145567", "", "")).collect();
        let b = candidates(&recs, 4);
        assert!(b.pairs.is_empty());
        let ic = b.oversized.iter().find(|o| o.rule == "ic").unwrap();
        assert_eq!(ic.size, 5);
        assert_eq!(ic.key, "******-**-5567");
        assert_eq!(
            b.rules
                .iter()
                .find(|r| r.rule == "ic")
                .unwrap()
                .oversized_blocks,
            1
        );
    }
}
