//! Writers for the files of a generation (CONTRACT.md, Outputs).

use std::io::Write;

use polars::prelude::*;
use rayon::prelude::*;

use super::store::{Generation, OutFile};
use super::Register;
use crate::error::{Error, Result};
use crate::field::Field;
use crate::ingest::Ingested;
use crate::score::{probability, Decision, Model, Scored, COMPARISONS};

fn csv_writer(g: &Generation, name: &str) -> Result<csv::Writer<OutFile>> {
    Ok(csv::WriterBuilder::new().from_writer(g.create(name)?))
}

fn finish_csv(w: csv::Writer<OutFile>) -> Result<()> {
    let f = w
        .into_inner()
        .map_err(|e| Error::Run(format!("writing a CSV file: {}", e.error())))?;
    f.finish()
}

fn csv_err(name: &str) -> impl Fn(csv::Error) -> Error + '_ {
    move |e| Error::Run(format!("writing {name}: {e}"))
}

/// Rows per row group (polars' default) and per batch built in memory.
const PARQUET_BATCH: usize = 512 * 512;

/// zstd at level 1, not polars' default 3: at 1M people the three parquet files took 5.8 s of
/// CPU to encode instead of 9.0 s, and came out 3% smaller (one core, same frames).
fn compression() -> ParquetCompression {
    let level =
        polars::polars_utils::compression::ZstdLevel::try_new(1).expect("1 is a valid zstd level");
    ParquetCompression::Zstd(Some(level))
}

/// Writes a parquet file of `rows` rows one row group at a time: `batch(range)` builds the
/// DataFrame of those rows. The next batch is built while polars encodes the last, so at most
/// two batches of copied values are in memory at once.
fn write_parquet_batched(
    g: &Generation,
    name: &str,
    rows: usize,
    batch: &(dyn Fn(std::ops::Range<usize>) -> Result<DataFrame> + Sync),
) -> Result<()> {
    let mut f = g.create(name)?;
    let err = |e: PolarsError| Error::Run(format!("writing {name}: {e}"));
    {
        let range = |start: usize| start..(start + PARQUET_BATCH).min(rows);
        let mut df = batch(range(0))?;
        let mut w = ParquetWriter::new(&mut f)
            .with_compression(compression())
            .batched(df.schema())
            .map_err(err)?;
        let mut start = PARQUET_BATCH;
        loop {
            let (written, next) = rayon::join(
                || w.write_batch(&df),
                || (start < rows).then(|| batch(range(start))),
            );
            written.map_err(err)?;
            match next {
                Some(next) => df = next?,
                None => break,
            }
            start += PARQUET_BATCH;
        }
        w.finish().map_err(err)?;
    }
    f.finish()
}

fn polars_err(name: &str) -> impl Fn(PolarsError) -> Error + '_ {
    move |e| Error::Run(format!("building {name}: {e}"))
}

/// Each record's person id, for the files that name it per record.
///
/// The ids are copied side by side first (an id is short enough to sit inline): reaching each
/// record's person in the register instead cost about a cache miss and a page walk per record,
/// 0.8 s of `crosswalk.csv`'s time at 1M people.
pub struct RecordPersons<'a> {
    ids: Vec<crate::normalise::Text>,
    person_of: &'a [u32],
}

impl<'a> RecordPersons<'a> {
    pub fn of(reg: &'a Register) -> RecordPersons<'a> {
        RecordPersons {
            ids: reg.persons.par_iter().map(|p| p.id.clone()).collect(),
            person_of: &reg.person_of,
        }
    }

    /// Record `i`'s person id.
    pub fn id(&self, i: u32) -> &str {
        &self.ids[self.person_of[i as usize] as usize]
    }
}

/// `crosswalk.csv`: every ingested record once, in input order.
pub fn crosswalk(g: &Generation, ing: &Ingested, persons: &RecordPersons) -> Result<()> {
    let name = "crosswalk.csv";
    let mut w = csv_writer(g, name)?;
    w.write_record(["source", "record_id", "person_id"])
        .map_err(csv_err(name))?;
    for (i, r) in ing.records.iter().enumerate() {
        w.write_record([
            ing.sources[r.source as usize].name.as_str(),
            r.record_id.as_str(),
            persons.id(i as u32),
        ])
        .map_err(csv_err(name))?;
    }
    finish_csv(w)
}

/// The golden values (`Golden::values`) are columns 1 to 8, in that order.
const REGISTER_COLUMNS: [&str; 12] = [
    "person_id",
    "full_name",
    "ic",
    "old_ic",
    "dob",
    "sex",
    "address",
    "postcode",
    "phone",
    "n_records",
    "sources",
    "first_generation",
];

/// `register.csv` and `register.parquet`: one row per person, ordered by person id.
pub fn register(g: &Generation, reg: &Register) -> Result<()> {
    let order = super::order_by_id(&reg.persons);
    // Each person's sources, joined once for both files.
    let sources: Vec<String> = order
        .par_iter()
        .map(|&i| reg.persons[i].sources.join(";"))
        .collect();
    let name = "register.csv";
    let mut w = csv_writer(g, name)?;
    w.write_record(REGISTER_COLUMNS).map_err(csv_err(name))?;
    for (&i, sources) in order.iter().zip(&sources) {
        let p = &reg.persons[i];
        let golden = p.golden.values().map(|v| v.as_deref().unwrap_or_default());
        w.write_record(std::iter::once(p.id.as_str()).chain(golden).chain([
            p.records.len().to_string().as_str(),
            sources,
            p.first_generation.to_string().as_str(),
        ]))
        .map_err(csv_err(name))?;
    }
    finish_csv(w)?;

    // In batches, as pairs.parquet: the whole register as one frame would copy every value.
    write_parquet_batched(g, "register.parquet", order.len(), &|range| {
        register_batch(reg, &order[range.clone()], &sources[range])
    })
}

/// One batch of `register.parquet`: the persons at `order`, with their joined sources.
fn register_batch(reg: &Register, order: &[usize], sources: &[String]) -> Result<DataFrame> {
    let ps: Vec<_> = order.iter().map(|&i| &reg.persons[i]).collect();
    let text = |f: &dyn Fn(&super::Person) -> Option<&str>| -> Vec<Option<&str>> {
        ps.iter().map(|p| f(p)).collect()
    };
    let mut cols = vec![Column::new(
        "person_id".into(),
        text(&|p| Some(p.id.as_str())),
    )];
    // The golden values, in `REGISTER_COLUMNS` order.
    for (k, &name) in REGISTER_COLUMNS[1..9].iter().enumerate() {
        cols.push(Column::new(
            name.into(),
            text(&|p| p.golden.values()[k].as_deref()),
        ));
    }
    cols.extend([
        Column::new(
            "n_records".into(),
            ps.iter()
                .map(|p| p.records.len() as u32)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "sources".into(),
            sources.iter().map(String::as_str).collect::<Vec<_>>(),
        ),
        Column::new(
            "first_generation".into(),
            ps.iter().map(|p| p.first_generation).collect::<Vec<_>>(),
        ),
    ]);
    DataFrame::new_infer_height(cols).map_err(polars_err("register.parquet"))
}

/// `pairs.parquet`: every scored pair at or above the floor, strongest first.
pub fn pairs(
    g: &Generation,
    ing: &Ingested,
    names: &[u64],
    persons: &RecordPersons,
    scored: &[Scored],
    model: &Model,
) -> Result<()> {
    write_parquet_batched(g, "pairs.parquet", scored.len(), &|range| {
        pairs_batch(ing, names, persons, &scored[range], model)
    })
}

/// One batch of `pairs.parquet`.
fn pairs_batch(
    ing: &Ingested,
    names: &[u64],
    persons: &RecordPersons,
    scored: &[Scored],
    model: &Model,
) -> Result<DataFrame> {
    let src = |i: u32| {
        ing.sources[ing.records[i as usize].source as usize]
            .name
            .as_str()
    };
    let rid = |i: u32| ing.records[i as usize].record_id.as_str();
    let pid = |i: u32| persons.id(i);
    let weights: Vec<_> = scored
        .par_iter()
        .map(|p| model.field_weights(names[p.a as usize], &p.levels))
        .collect();
    // Each column is built on its own, in parallel: the file is the write stage's longest, and
    // the other files are done before it.
    type Build<'a> = Box<dyn Fn() -> Column + Sync + 'a>;
    fn text<'a>(
        name: &'static str,
        scored: &'a [Scored],
        f: impl Fn(&Scored) -> &'a str + Sync + 'a,
    ) -> Build<'a> {
        Box::new(move || Column::new(name.into(), scored.iter().map(&f).collect::<Vec<_>>()))
    }
    let mut builds: Vec<Build> = vec![
        text("source_l", scored, move |p| src(p.a)),
        text("record_id_l", scored, move |p| rid(p.a)),
        text("source_r", scored, move |p| src(p.b)),
        text("record_id_r", scored, move |p| rid(p.b)),
        Box::new(|| {
            Column::new(
                "match_weight".into(),
                scored.iter().map(|p| p.weight).collect::<Vec<_>>(),
            )
        }),
        Box::new(|| {
            Column::new(
                "match_probability".into(),
                scored
                    .iter()
                    .map(|p| probability(p.weight))
                    .collect::<Vec<_>>(),
            )
        }),
        text("decision", scored, |p| p.decision.label()),
        text("person_id_l", scored, move |p| pid(p.a)),
        text("person_id_r", scored, move |p| pid(p.b)),
    ];
    for (k, c) in COMPARISONS.iter().enumerate() {
        builds.push(Box::new(move || {
            Column::new(
                format!("{}_level", c.name).into(),
                scored
                    .iter()
                    .map(|p| c.levels[p.levels[k] as usize].label)
                    .collect::<Vec<_>>(),
            )
        }));
        let weights = &weights;
        builds.push(Box::new(move || {
            Column::new(
                format!("{}_weight", c.name).into(),
                weights.iter().map(|w| w[k]).collect::<Vec<_>>(),
            )
        }));
    }
    builds.push(Box::new(|| {
        Column::new(
            "prior_weight".into(),
            vec![model.prior_weight; scored.len()],
        )
    }));
    let cols: Vec<Column> = builds.par_iter().map(|b| b()).collect();
    DataFrame::new_infer_height(cols).map_err(polars_err("pairs.parquet"))
}

/// The fields shown side by side in `review.csv`.
const REVIEW_FIELDS: [(&str, &[Field]); 8] = [
    ("name", &[Field::FullName, Field::GivenName, Field::Surname]),
    ("ic", &[Field::Ic, Field::OldIc]),
    ("dob", &[Field::Dob]),
    ("sex", &[Field::Sex]),
    ("address", &[Field::Address, Field::Postcode]),
    ("phone", &[Field::Phone]),
    ("other_id", &[Field::Passport, Field::NationalId]),
    ("household_id", &[Field::HouseholdId]),
];

/// `review.csv`: the pairs in the review band, strongest first, with both records' values as
/// they came in and an empty `decision` column for an analyst (`same` or `different`).
pub fn review(g: &Generation, ing: &Ingested, scored: &[Scored], bom: bool) -> Result<()> {
    let name = "review.csv";
    let mut f = g.create(name)?;
    if bom {
        f.write_all("\u{FEFF}".as_bytes())
            .map_err(|e| Error::io(f.path(), e))?;
    }
    let mut w = csv::WriterBuilder::new().from_writer(f);
    let mut header: Vec<String> = ["source_l", "record_id_l", "source_r", "record_id_r"]
        .map(String::from)
        .to_vec();
    header.push("match_weight".into());
    header.push("match_probability".into());
    for c in &COMPARISONS {
        header.push(format!("{}_level", c.name));
    }
    for (f, _) in REVIEW_FIELDS {
        header.push(format!("{f}_l"));
        header.push(format!("{f}_r"));
    }
    header.push("decision".into());
    w.write_record(&header).map_err(csv_err(name))?;
    let mut rows: Vec<&Scored> = scored
        .iter()
        .filter(|p| p.decision == Decision::Review)
        .collect();
    rows.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then((a.a, a.b).cmp(&(b.a, b.b)))
    });
    let joined = |i: u32, fs: &[Field]| {
        fs.iter()
            .filter_map(|&f| ing.value(i as usize, f))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    for p in rows {
        let mut rec: Vec<String> = Vec::with_capacity(header.len());
        for i in [p.a, p.b] {
            let r = &ing.records[i as usize];
            rec.push(ing.sources[r.source as usize].name.clone());
            rec.push(r.record_id.clone());
        }
        rec.push(format!("{:.3}", p.weight));
        rec.push(format!("{:.6}", probability(p.weight)));
        for (k, c) in COMPARISONS.iter().enumerate() {
            rec.push(c.levels[p.levels[k] as usize].label.to_string());
        }
        for (_, fs) in REVIEW_FIELDS {
            rec.push(joined(p.a, fs));
            rec.push(joined(p.b, fs));
        }
        rec.push(String::new());
        w.write_record(&rec).map_err(csv_err(name))?;
    }
    finish_csv(w)
}

/// `changes.csv`: what happened to each person since the previous generation.
pub fn changes(g: &Generation, changes: &[super::ids::Change]) -> Result<()> {
    let name = "changes.csv";
    let mut w = csv_writer(g, name)?;
    w.write_record(["person_id", "change", "detail"])
        .map_err(csv_err(name))?;
    for c in changes {
        w.write_record([c.person_id.as_str(), c.change, c.detail.as_str()])
            .map_err(csv_err(name))?;
    }
    finish_csv(w)
}

/// `rejects.csv`: every row that could not be used, with its reason.
pub fn rejects(g: &Generation, ing: &Ingested) -> Result<()> {
    let name = "rejects.csv";
    let mut w = csv_writer(g, name)?;
    w.write_record(["source", "row", "record_id", "reason", "raw"])
        .map_err(csv_err(name))?;
    for r in &ing.rejects {
        w.write_record([
            r.source.as_str(),
            r.row.to_string().as_str(),
            r.record_id.as_str(),
            r.reason.as_str(),
            r.raw.as_str(),
        ])
        .map_err(csv_err(name))?;
    }
    finish_csv(w)
}

/// `summary.json`.
pub fn summary<T: serde::Serialize>(g: &Generation, summary: &T) -> Result<()> {
    let mut f = g.create("summary.json")?;
    serde_json::to_writer_pretty(&mut f, summary)
        .map_err(|e| Error::Run(format!("writing summary.json: {e}")))?;
    f.write_all(b"\n").map_err(|e| Error::io(f.path(), e))?;
    f.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::{person_id, Person};

    #[test]
    fn the_golden_values_are_the_register_columns_in_order() {
        let t = |s: &str| Some(crate::normalise::Text::from(s));
        let g = crate::register::Golden {
            full_name: t("full_name"),
            ic: t("ic"),
            old_ic: t("old_ic"),
            dob: t("dob"),
            sex: t("sex"),
            address: t("address"),
            postcode: t("postcode"),
            phone: t("phone"),
            ..Default::default()
        };
        let values: Vec<_> = g.values().iter().map(|v| v.as_deref().unwrap()).collect();
        assert_eq!(values, REGISTER_COLUMNS[1..9]);
    }

    fn register_of(ids: &[&str]) -> Register {
        Register {
            persons: ids
                .iter()
                .map(|&id| Person {
                    id: id.into(),
                    ..Default::default()
                })
                .collect(),
            person_of: Vec::new(),
            kept: Vec::new(),
        }
    }

    fn ids_in_order(reg: &Register) -> Vec<String> {
        crate::register::order_by_id(&reg.persons)
            .into_iter()
            .map(|i| reg.persons[i].id.to_string())
            .collect()
    }

    #[test]
    fn batched_parquet_holds_every_row_once_in_order() {
        // Batches are built while the last is encoded: sizes that end on a batch boundary,
        // just past one, and within the first.
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::begin(dir.path()).unwrap();
        let sizes = [0, 7, PARQUET_BATCH, 2 * PARQUET_BATCH + 1];
        for (k, &rows) in sizes.iter().enumerate() {
            let name = format!("t{k}.parquet");
            write_parquet_batched(&g, &name, rows, &|r| {
                DataFrame::new_infer_height(vec![Column::new(
                    "i".into(),
                    r.map(|i| i as u32).collect::<Vec<u32>>(),
                )])
                .map_err(polars_err("test"))
            })
            .unwrap();
        }
        let done = g.commit().unwrap();
        for (k, &rows) in sizes.iter().enumerate() {
            let f = std::fs::File::open(done.join(format!("t{k}.parquet"))).unwrap();
            let df = ParquetReader::new(f).finish().unwrap();
            let got: Vec<u32> = df
                .column("i")
                .unwrap()
                .u32()
                .unwrap()
                .into_no_null_iter()
                .collect();
            assert_eq!(got, (0..rows as u32).collect::<Vec<_>>(), "{rows} rows");
        }
    }

    #[test]
    fn persons_are_written_in_the_order_of_their_ids_made_or_carried() {
        let made: Vec<String> = (0..500)
            .map(|i| person_id("jkm", &i.to_string()).to_string())
            .collect();
        let mut want = made.clone();
        want.sort();
        let reg = register_of(&made.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(ids_in_order(&reg), want);
        // An id carried from an older store, of another shape: sorted as text, with the rest.
        let mut mixed = made.clone();
        mixed.insert(250, "P17é".into());
        mixed.insert(10, "A1".into());
        let mut want = mixed.clone();
        want.sort();
        let reg = register_of(&mixed.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(ids_in_order(&reg), want);
    }
}
