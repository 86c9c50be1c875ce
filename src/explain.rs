//! Explain: why records were, or were not, put together — field by field.
//!
//! Reads: a generation of the register store: the records' keys, rows and persons from
//! `link.bin`, their normalised values from `normalised.bin` (generations written before
//! every generation kept that file have `records.parquet` instead, read when they lack it),
//! and the scored pairs from `pairs.parquet`. Writes: for
//! a person, its records and the match edges among them; for a record, also the nearest
//! candidates that were not joined. Each edge is a waterfall: the prior, then each
//! comparison's level and weight with the running total, and both records' values for it
//! (`Comparison::shown`, from their normalised values). IC numbers and other ids, phones,
//! birth dates and addresses are masked by their comparison's rule unless asked otherwise.

use std::path::Path;

use ahash::AHashMap;
use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;

use crate::comparison::COMPARISONS;
use crate::error::{Error, Result};
use crate::field::Field;
use crate::mask;
use crate::normalise::NormRecord;
use crate::score::probability;
use crate::spreadsheet::raw_cell;
use crate::store;
use crate::store::link::{self, Unusable};
use crate::store::stored::{Stored, RECORDS};

/// One record: its key, row, person and normalised values.
#[derive(Clone, Debug, Serialize)]
pub struct RecordRow {
    pub source: String,
    pub record_id: String,
    pub row: u64,
    pub person_id: String,
    pub name: String,
    pub ic: String,
    pub old_ic: String,
    pub passport: String,
    pub national_id: String,
    pub dob: String,
    pub sex: String,
    pub address: String,
    pub postcode: String,
    pub phone: String,
    pub household_id: String,
}

impl RecordRow {
    /// The record's normalised value of a field (`normalised_value`), `None` for a field the
    /// explanation does not hold: the given name and surname are part of `name`.
    fn field(&self, f: Field) -> Option<&str> {
        Some(match f {
            Field::FullName => &self.name,
            Field::Ic => &self.ic,
            Field::OldIc => &self.old_ic,
            Field::Passport => &self.passport,
            Field::NationalId => &self.national_id,
            Field::HouseholdId => &self.household_id,
            Field::Dob => &self.dob,
            Field::Sex => &self.sex,
            Field::Address => &self.address,
            Field::Postcode => &self.postcode,
            Field::Phone => &self.phone,
            Field::GivenName | Field::Surname | Field::District | Field::State => return None,
        })
    }

    fn field_mut(&mut self, f: Field) -> Option<&mut String> {
        Some(match f {
            Field::FullName => &mut self.name,
            Field::Ic => &mut self.ic,
            Field::OldIc => &mut self.old_ic,
            Field::Passport => &mut self.passport,
            Field::NationalId => &mut self.national_id,
            Field::HouseholdId => &mut self.household_id,
            Field::Dob => &mut self.dob,
            Field::Sex => &mut self.sex,
            Field::Address => &mut self.address,
            Field::Postcode => &mut self.postcode,
            Field::Phone => &mut self.phone,
            Field::GivenName | Field::Surname | Field::District | Field::State => return None,
        })
    }

    /// The record's value for a comparison (`Comparison::shown`), masked by its rule when
    /// `masked`.
    pub fn shown(&self, c: &crate::comparison::Comparison, masked: bool) -> String {
        c.shown(|f| self.field(f), masked)
    }

    /// The record with each value a comparison shows masked by that comparison's rule.
    fn masked(&self, unmasked: bool) -> RecordRow {
        let mut r = self.clone();
        if unmasked {
            return r;
        }
        for c in &COMPARISONS {
            for &f in c.fields {
                if let Some(v) = r.field_mut(f) {
                    *v = mask::value(c.mask, v);
                }
            }
        }
        r
    }
}

/// One comparison's step in a waterfall.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub comparison: String,
    pub level: String,
    pub weight: f64,
    pub running_total: f64,
    pub left: String,
    pub right: String,
}

/// A scored pair, explained.
#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    pub left: String,
    pub right: String,
    pub decision: String,
    pub match_weight: f64,
    pub match_probability: f64,
    pub prior_weight: f64,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub person_id: String,
    pub records: Vec<RecordRow>,
    /// Scored pairs between the person's records (match edges first).
    pub edges: Vec<Edge>,
    /// With a record asked for: its strongest pairs with records of other persons.
    pub not_joined: Vec<Edge>,
}

struct PairRow {
    l: usize,
    r: usize,
    weight: f64,
    prior: f64,
    decision: String,
    levels: Vec<String>,
    weights: Vec<f64>,
}

/// A generation loaded for explaining.
pub struct Store {
    /// The generation's folder.
    gen: std::path::PathBuf,
    /// What finding the generation noted (a `current` taken anew).
    pub warnings: Vec<String>,
    records: Vec<RecordRow>,
    index: AHashMap<(String, String), usize>,
    pairs: Vec<PairRow>,
}

/// Reads a parquet file of the register store.
pub(crate) fn read_df(path: &Path) -> Result<DataFrame> {
    let f = std::fs::File::open(path).map_err(|e| {
        Error::Config(format!(
            "{}: cannot open ({e}); is this a register store written by `padan run`?",
            path.display()
        ))
    })?;
    ParquetReader::new(f)
        .finish()
        .map_err(|e| Error::Run(format!("{}: {e}", path.display())))
}

/// A column as text (missing values empty).
pub(crate) fn strings(df: &DataFrame, name: &str, path: &Path) -> Result<Vec<String>> {
    let fail = |e: PolarsError| Error::Run(format!("{}: column `{name}`: {e}", path.display()));
    let c = df.column(name).map_err(fail)?;
    let c = c.cast(&DataType::String).map_err(fail)?;
    Ok(c.str()
        .map_err(fail)?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
}

/// A column as numbers (missing values 0).
pub(crate) fn floats(df: &DataFrame, name: &str, path: &Path) -> Result<Vec<f64>> {
    let fail = |e: PolarsError| Error::Run(format!("{}: column `{name}`: {e}", path.display()));
    let c = df.column(name).map_err(fail)?;
    let c = c.cast(&DataType::Float64).map_err(fail)?;
    Ok(c.f64()
        .map_err(fail)?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect())
}

/// What generations written before `normalised.bin` was kept in each one hold instead.
const OLD_RECORDS: &str = "records.parquet";

/// A normalised record's value of a field as explanations show it, empty when it has none:
/// the name as normalised (the given name and surname are part of it, under
/// `Field::FullName`), the IC's digits, the birth date as `YYYY-MM-DD`, the sex's code.
pub fn normalised_value(r: &NormRecord, f: Field) -> String {
    let text = |v: Option<&str>| v.unwrap_or_default().to_string();
    match f {
        Field::FullName if r.name.is_empty() => String::new(),
        Field::FullName => r.name.display(),
        Field::GivenName | Field::Surname => String::new(),
        Field::Ic => text(r.ic.as_ref().map(|x| x.digits.as_str())),
        Field::OldIc => text(r.old_ic().as_deref()),
        Field::Passport => text(r.passport().as_deref()),
        Field::NationalId => text(r.national_id().as_deref()),
        Field::HouseholdId => text(r.household_id().as_deref()),
        Field::Dob => r.dob.map(|d| d.to_string()).unwrap_or_default(),
        Field::Sex => text(r.sex.map(|s| s.code())),
        Field::Address => text(r.address.as_deref()),
        Field::Postcode => text(r.postcode.as_deref()),
        Field::District => text(r.district.as_deref()),
        Field::State => text(r.state.as_deref()),
        Field::Phone => text(r.phone.as_deref()),
    }
}

/// A generation's records from its `link.bin` (keys, rows, persons) and `normalised.bin`
/// (values, in the same order). A folder without `link.bin` is not a generation (exit 2); a
/// generation whose files cannot be read is damaged (exit 1).
fn from_link(gen: &Path) -> Result<Vec<RecordRow>> {
    let unusable = |file: &str, why: String| {
        Error::Run(format!(
            "{}: {why}; this generation cannot be explained",
            gen.join(file).display()
        ))
    };
    let state = link::load(gen).map_err(|e| match e {
        Unusable::Missing => Error::Config(format!(
            "{}: not found; is this a register store written by `padan run`?",
            gen.join(link::FILE).display()
        )),
        Unusable::Damaged(why) => unusable(link::FILE, format!("cannot be read ({why})")),
    })?;
    let n = state.records();
    let stored = Stored::open(gen, RECORDS, state.fingerprint, n).map_err(|e| match e {
        Unusable::Missing => unusable(RECORDS.file, "not found".into()),
        Unusable::Damaged(why) => unusable(RECORDS.file, format!("cannot be read ({why})")),
    })?;
    (0..n)
        .into_par_iter()
        .map(|i| {
            let r = stored.decode(i).ok_or_else(|| {
                unusable(
                    RECORDS.file,
                    format!("record {i} does not decode (damaged)"),
                )
            })?;
            let value = |f: Field| normalised_value(&r, f);
            Ok(RecordRow {
                source: state.source(i).to_string(),
                record_id: state.id(i).to_string(),
                row: state.row(i),
                person_id: state.person_ids[state.person_of[i] as usize].clone(),
                name: value(Field::FullName),
                ic: value(Field::Ic),
                old_ic: value(Field::OldIc),
                passport: value(Field::Passport),
                national_id: value(Field::NationalId),
                dob: value(Field::Dob),
                sex: value(Field::Sex),
                address: value(Field::Address),
                postcode: value(Field::Postcode),
                phone: value(Field::Phone),
                household_id: value(Field::HouseholdId),
            })
        })
        .collect()
}

/// A generation's records from its `records.parquet` (written by padan before every
/// generation kept `normalised.bin`).
fn from_parquet(rp: &Path) -> Result<Vec<RecordRow>> {
    let df = read_df(rp)?;
    let col = |n: &str| strings(&df, n, rp);
    // Columns some of these files were written without.
    let optional = |n: &str| col(n).unwrap_or_else(|_| vec![String::new(); df.height()]);
    let (household, passport, national_id) = (
        optional("household_id"),
        optional("passport"),
        optional("national_id"),
    );
    let (source, record_id, person, name, icv, old_ic, dob, sex, address, postcode, phone) = (
        col("source")?,
        col("record_id")?,
        col("person_id")?,
        col("name")?,
        col("ic")?,
        col("old_ic")?,
        col("dob")?,
        col("sex")?,
        col("address")?,
        col("postcode")?,
        col("phone")?,
    );
    let rows = floats(&df, "row", rp)?;
    Ok((0..df.height())
        .map(|i| RecordRow {
            source: source[i].clone(),
            record_id: record_id[i].clone(),
            row: rows[i] as u64,
            person_id: person[i].clone(),
            name: name[i].clone(),
            ic: icv[i].clone(),
            old_ic: old_ic[i].clone(),
            passport: passport[i].clone(),
            national_id: national_id[i].clone(),
            dob: dob[i].clone(),
            sex: sex[i].clone(),
            address: address[i].clone(),
            postcode: postcode[i].clone(),
            phone: phone[i].clone(),
            household_id: household[i].clone(),
        })
        .collect())
}

impl Store {
    /// Loads the current generation of the store `DIR`, found as `padan run` finds it
    /// (`store::current`), or `DIR` itself when it is a generation's folder.
    pub fn load(dir: &Path) -> Result<Store> {
        let mut warnings = Vec::new();
        let is_store = std::fs::symlink_metadata(dir.join("current")).is_ok()
            || dir.join("generations").is_dir();
        let gen = if is_store {
            store::current(dir, &mut warnings)?.ok_or_else(|| {
                Error::Config(format!(
                    "{}: the register store holds no complete generation yet",
                    dir.display()
                ))
            })?
        } else {
            dir.to_path_buf()
        };
        let records = match from_link(&gen) {
            Ok(records) => records,
            // A generation written before every generation kept its normalised records.
            Err(_) if gen.join(OLD_RECORDS).exists() => from_parquet(&gen.join(OLD_RECORDS))?,
            Err(e) => return Err(e),
        };
        let index: AHashMap<(String, String), usize> = records
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.source.clone(), r.record_id.clone()), i))
            .collect();
        let pp = gen.join("pairs.parquet");
        // Its records were read: a generation without its pairs is damaged, a failure.
        let df = read_df(&pp).map_err(|e| Error::Run(e.to_string()))?;
        let col = |n: &str| strings(&df, n, &pp);
        let (sl, il, sr, ir, decision) = (
            col("source_l")?,
            col("record_id_l")?,
            col("source_r")?,
            col("record_id_r")?,
            col("decision")?,
        );
        let weight = floats(&df, "match_weight", &pp)?;
        let prior = floats(&df, "prior_weight", &pp)?;
        let mut levels = Vec::new();
        let mut weights = Vec::new();
        for c in &COMPARISONS {
            levels.push(col(&format!("{}_level", c.name))?);
            weights.push(floats(&df, &format!("{}_weight", c.name), &pp)?);
        }
        let mut pairs = Vec::with_capacity(df.height());
        for i in 0..df.height() {
            let (Some(&l), Some(&r)) = (
                index.get(&(sl[i].clone(), il[i].clone())),
                index.get(&(sr[i].clone(), ir[i].clone())),
            ) else {
                continue;
            };
            pairs.push(PairRow {
                l,
                r,
                weight: weight[i],
                prior: prior[i],
                decision: decision[i].clone(),
                levels: levels.iter().map(|v| v[i].clone()).collect(),
                weights: weights.iter().map(|v| v[i]).collect(),
            });
        }
        Ok(Store {
            gen,
            warnings,
            records,
            index,
            pairs,
        })
    }

    /// The generation's folder.
    pub fn generation(&self) -> &Path {
        &self.gen
    }

    /// Every record of the generation.
    pub fn records(&self) -> &[RecordRow] {
        &self.records
    }

    /// The record `source:record_id`'s place in `records`.
    pub fn index_of(&self, source: &str, record_id: &str) -> Option<usize> {
        self.index
            .get(&(source.to_string(), record_id.to_string()))
            .copied()
    }

    /// The scored pairs as (record, record, match weight, decision), records being places in
    /// `records`.
    pub fn scored(&self) -> impl Iterator<Item = (usize, usize, f64, &str)> + '_ {
        self.pairs
            .iter()
            .map(|p| (p.l, p.r, p.weight, p.decision.as_str()))
    }

    fn edge(&self, p: &PairRow, unmasked: bool) -> Edge {
        let (a, b) = (&self.records[p.l], &self.records[p.r]);
        let mut total = p.prior;
        let steps = COMPARISONS
            .iter()
            .enumerate()
            .map(|(k, c)| {
                total += p.weights[k];
                let show = |r: &RecordRow| c.shown(|f| r.field(f), !unmasked);
                Step {
                    comparison: c.name.to_string(),
                    level: p.levels[k].clone(),
                    weight: p.weights[k],
                    running_total: total,
                    left: show(a),
                    right: show(b),
                }
            })
            .collect();
        Edge {
            left: format!("{}:{}", a.source, a.record_id),
            right: format!("{}:{}", b.source, b.record_id),
            decision: p.decision.clone(),
            match_weight: p.weight,
            match_probability: probability(p.weight),
            prior_weight: p.prior,
            steps,
        }
    }

    /// Explains a person.
    pub fn person(&self, id: &str, unmasked: bool) -> Result<Explanation> {
        let members: Vec<usize> = (0..self.records.len())
            .filter(|&i| self.records[i].person_id == id)
            .collect();
        if members.is_empty() {
            return Err(Error::Config(format!("no person `{id}` in this register")));
        }
        let mut edges: Vec<&PairRow> = self
            .pairs
            .iter()
            .filter(|p| self.records[p.l].person_id == id && self.records[p.r].person_id == id)
            .collect();
        edges.sort_by(|x, y| {
            (x.decision != "match")
                .cmp(&(y.decision != "match"))
                .then(y.weight.total_cmp(&x.weight))
        });
        Ok(Explanation {
            person_id: id.to_string(),
            records: members
                .iter()
                .map(|&i| self.records[i].masked(unmasked))
                .collect(),
            edges: edges.into_iter().map(|p| self.edge(p, unmasked)).collect(),
            not_joined: Vec::new(),
        })
    }

    /// Why the record `source:record_id` is not in the register: rejected (its rows in
    /// `rejects.csv`, with each reason's kind), or not in the exports at all.
    fn not_found(&self, source: &str, record_id: &str) -> Error {
        let path = self.gen.join("rejects.csv");
        let mut rows = Vec::new();
        if let Ok(mut r) = csv::Reader::from_path(&path) {
            // source, row, record_id, reason, raw.
            for row in r.records().flatten() {
                // Cells as `spreadsheet::safe_cell` wrote them.
                let field = |i| raw_cell(row.get(i).unwrap_or_default());
                if field(0) == source && field(2) == record_id {
                    let kind = field(3).split(':').next().unwrap_or_default().trim();
                    rows.push(format!("row {} ({kind})", field(1)));
                }
            }
        }
        if rows.is_empty() {
            return Error::Config(format!("no record {source}:{record_id} in this register"));
        }
        Error::Config(format!(
            "{source}:{record_id} was rejected, so it is in no person: {}; {} gives each reason in full",
            rows.join(", "),
            path.display()
        ))
    }

    /// Explains a record: its person, and its strongest pairs with other persons' records.
    pub fn record(&self, source: &str, record_id: &str, unmasked: bool) -> Result<Explanation> {
        // An id may be copied from a CSV of padan's with the quote `spreadsheet::safe_cell` puts
        // before a cell a spreadsheet would run.
        let find = |s: &str, id: &str| self.index.get(&(s.to_string(), id.to_string()));
        let (source, record_id) = match find(source, record_id) {
            Some(_) => (source, record_id),
            None => (raw_cell(source), raw_cell(record_id)),
        };
        let &i = find(source, record_id).ok_or_else(|| self.not_found(source, record_id))?;
        let mut e = self.person(&self.records[i].person_id, unmasked)?;
        let mut others: Vec<&PairRow> = self
            .pairs
            .iter()
            .filter(|p| {
                (p.l == i || p.r == i) && self.records[p.l].person_id != self.records[p.r].person_id
            })
            .collect();
        others.sort_by(|x, y| y.weight.total_cmp(&x.weight));
        e.not_joined = others
            .into_iter()
            .take(10)
            .map(|p| self.edge(p, unmasked))
            .collect();
        Ok(e)
    }
}

/// Renders an explanation as text.
pub fn render(e: &Explanation) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "person {} — {} record(s)", e.person_id, e.records.len());
    for r in &e.records {
        let _ = writeln!(
            s,
            "  {}:{} (row {})  {}  ic {}  dob {}  sex {}  postcode {}  phone {}",
            r.source, r.record_id, r.row, r.name, r.ic, r.dob, r.sex, r.postcode, r.phone
        );
    }
    let mut section = |title: &str, edges: &[Edge]| {
        if edges.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n{title}");
        for x in edges {
            let _ = writeln!(
                s,
                "  {} ~ {}: {} (weight {:.2}, probability {:.4})",
                x.left, x.right, x.decision, x.match_weight, x.match_probability
            );
            let _ = writeln!(
                s,
                "    {:<10} {:<30} {:>8} {:>8}",
                "prior",
                "",
                "",
                format!("{:.2}", x.prior_weight)
            );
            for st in &x.steps {
                let _ = writeln!(
                    s,
                    "    {:<10} {:<30} {:>+8.2} {:>8.2}   {} | {}",
                    st.comparison, st.level, st.weight, st.running_total, st.left, st.right
                );
            }
        }
    };
    section("pairs within the person (match edges first):", &e.edges);
    section(
        "nearest records of other persons (not joined):",
        &e.not_joined,
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::Kind;

    #[test]
    fn a_record_shows_what_each_comparison_compares_masked_by_its_rule() {
        let r = RecordRow {
            source: "jkm".into(),
            record_id: "R1".into(),
            row: 2,
            person_id: "P1".into(),
            name: "ALI BIN ABU".into(),
            ic: "850312145567".into(),
            old_ic: "A1234567".into(),
            passport: "K9876543".into(),
            national_id: String::new(),
            dob: "1985-03-12".into(),
            sex: "M".into(),
            address: "12 JALAN MAWAR".into(),
            postcode: "50000".into(),
            phone: "+60123456789".into(),
            household_id: "HH-0012".into(),
        };
        // Every id the other-id comparison compares, not only the old IC.
        let other = Kind::OtherId.comparison();
        assert_eq!(other.shown(|f| r.field(f), false), "A1234567 / K9876543");
        assert_eq!(other.shown(|f| r.field(f), true), "****4567 / ****6543");
        let m = r.masked(false);
        assert_eq!(
            [&m.ic, &m.old_ic, &m.passport, &m.dob, &m.phone, &m.address],
            [
                "******-**-5567",
                "****4567",
                "****6543",
                "1985-**-**",
                "********6789",
                "(address withheld)"
            ]
        );
        assert_eq!(
            [&m.name, &m.sex, &m.postcode],
            ["ALI BIN ABU", "M", "50000"]
        );
        // The records listed, masked, show what the waterfall's steps show.
        for c in &COMPARISONS {
            assert_eq!(
                c.shown(|f| m.field(f), false),
                c.shown(|f| r.field(f), true),
                "{}",
                c.name
            );
        }
        assert_eq!(r.masked(true).passport, "K9876543");
    }
}
