//! The files of a generation a user reads (README.md, What a run writes): `crosswalk.csv`,
//! `register.csv` and `register.parquet`, `pairs.parquet`, `review.csv`, `rejects.csv`,
//! `changes.csv` and `summary.json`, each written into a `store::Generation`. The CSV files an
//! analyst opens go through `spreadsheet::safe_row`.

use std::io::Write;

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::ingest::Ingested;
use crate::register::Register;
use crate::score::{probability, Decision, Model, Scored, COMPARISONS};
use crate::spreadsheet::safe_row;
use crate::store::{Generation, OutFile};

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

/// zstd at level 1, not polars' default 3: the parquet files take markedly less CPU to encode
/// and come out no larger.
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
/// Each record's person's id is held as its number when it is an id `register::person_id`
/// makes (nearly all are), 8 bytes per record side by side, made in parallel, and written out
/// as text when asked for. Reaching each record's person's id as text when writing (24 bytes a
/// person, out of the cache on a large register) would cost a cache miss or two per record on
/// the writer's thread, and reaching it through the register a page walk too.
pub struct RecordPersons<'a> {
    /// Per record: its person's id's number, or `u64::MAX` for an id of another shape, read
    /// as text.
    numbers: Vec<u64>,
    persons: &'a [crate::register::Person],
    person_of: &'a [u32],
}

/// A person id as `RecordPersons` gives it.
pub enum PersonId<'a> {
    Made([u8; crate::register::MADE_ID_LEN]),
    Text(&'a str),
}

impl AsRef<str> for PersonId<'_> {
    fn as_ref(&self) -> &str {
        match self {
            // A made id is ASCII by construction.
            PersonId::Made(b) => std::str::from_utf8(b).expect("a made id is ASCII"),
            PersonId::Text(t) => t,
        }
    }
}

impl<'a> RecordPersons<'a> {
    pub fn of(reg: &'a Register) -> RecordPersons<'a> {
        let number = |id: &str| {
            (id.len() == crate::register::MADE_ID_LEN)
                .then(|| crate::register::id_number(id))
                .flatten()
                .unwrap_or(u64::MAX)
        };
        let per_person: Vec<u64> = reg.persons.par_iter().map(|p| number(&p.id)).collect();
        RecordPersons {
            numbers: reg
                .person_of
                .par_iter()
                .map(|&p| per_person[p as usize])
                .collect(),
            persons: &reg.persons,
            person_of: &reg.person_of,
        }
    }

    /// Record `i`'s person id.
    pub fn id(&self, i: u32) -> PersonId<'a> {
        self.id_of(self.numbers[i as usize], i)
    }

    /// Record `i`'s person id, given what `numbers` holds for it (read ahead by a caller
    /// reaching many records out of order: a loop that only reads overlaps the cache misses).
    fn id_of(&self, number: u64, i: u32) -> PersonId<'a> {
        match number {
            u64::MAX => PersonId::Text(&self.persons[self.person_of[i as usize] as usize].id),
            n => PersonId::Made(crate::register::made_id(n)),
        }
    }
}

/// `crosswalk.csv`: every ingested record once, in input order.
pub fn crosswalk(g: &Generation, ing: &Ingested, persons: &RecordPersons) -> Result<()> {
    let name = "crosswalk.csv";
    let mut w = csv_writer(g, name)?;
    w.write_record(["source", "record_id", "person_id"])
        .map_err(csv_err(name))?;
    for (i, r) in ing.records.iter().enumerate() {
        safe_row(
            &mut w,
            [
                ing.sources[r.source as usize].name.as_str(),
                r.record_id.as_str(),
                persons.id(i as u32).as_ref(),
            ],
        )
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
    let order = crate::register::order_by_id(&reg.persons);
    let sources = SourceLists::of(reg, &order);
    let name = "register.csv";
    let mut w = csv_writer(g, name)?;
    w.write_record(REGISTER_COLUMNS).map_err(csv_err(name))?;
    for (&i, &list) in order.iter().zip(&sources.of) {
        let p = &reg.persons[i];
        let golden = p.golden.values().map(|v| v.as_deref().unwrap_or_default());
        safe_row(
            &mut w,
            std::iter::once(p.id.as_str()).chain(golden).chain([
                p.records.len().to_string().as_str(),
                sources.lists[list as usize].as_str(),
                p.first_generation.to_string().as_str(),
            ]),
        )
        .map_err(csv_err(name))?;
    }
    finish_csv(w)?;

    // In batches, as pairs.parquet: the whole register as one frame would copy every value.
    write_parquet_batched(g, "register.parquet", order.len(), &|range| {
        register_batch(reg, &order[range.clone()], &sources, &sources.of[range])
    })
}

/// The persons' sources, each distinct list joined (`jkm;akpk`) once for both files: few
/// lists recur over a whole register, so joining each person's would repeat the same work.
struct SourceLists {
    lists: Vec<String>,
    /// Per person, in the order given: its list's index in `lists`.
    of: Vec<IdxSize>,
}

impl SourceLists {
    fn of(reg: &Register, order: &[usize]) -> SourceLists {
        type Index<'a> = ahash::AHashMap<&'a [crate::normalise::Text], IdxSize>;
        // Interned a piece of the persons at a time in parallel (reaching each person's list
        // is a cache miss), then the pieces' lists are numbered as they come.
        let pieces: Vec<(Vec<&[crate::normalise::Text]>, Vec<IdxSize>)> = order
            .par_chunks(1 << 16)
            .map(|piece| {
                let (mut index, mut lists) = (Index::default(), Vec::new());
                let of = piece
                    .iter()
                    .map(|&i| {
                        let sources = reg.persons[i].sources.as_slice();
                        *index.entry(sources).or_insert_with(|| {
                            lists.push(sources);
                            (lists.len() - 1) as IdxSize
                        })
                    })
                    .collect();
                (lists, of)
            })
            .collect();
        let (mut index, mut lists) = (Index::default(), Vec::new());
        let mut of = Vec::with_capacity(order.len());
        for (piece_lists, piece_of) in pieces {
            let number: Vec<IdxSize> = piece_lists
                .into_iter()
                .map(|sources| {
                    *index.entry(sources).or_insert_with(|| {
                        lists.push(sources.join(";"));
                        (lists.len() - 1) as IdxSize
                    })
                })
                .collect();
            of.extend(piece_of.into_iter().map(|k| number[k as usize]));
        }
        SourceLists { lists, of }
    }
}

/// A column of `values[k]` for each index `k` of `at`: gathered from a column of the values,
/// not built from text per row, for columns of few distinct values.
fn gathered(name: PlSmallStr, values: &[&str], at: &[IdxSize]) -> Column {
    StringChunked::from_slice(name, values)
        .take(at)
        .expect("each index is one of the values'")
        .into_column()
}

/// One batch of `register.parquet`: the persons at `order`, with their sources' lists.
fn register_batch(
    reg: &Register,
    order: &[usize],
    sources: &SourceLists,
    lists: &[IdxSize],
) -> Result<DataFrame> {
    let ps: Vec<_> = order.iter().map(|&i| &reg.persons[i]).collect();
    let text = |f: &dyn Fn(&crate::register::Person) -> Option<&str>| -> Vec<Option<&str>> {
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
        gathered(
            "sources".into(),
            &sources.lists.iter().map(String::as_str).collect::<Vec<_>>(),
            lists,
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
    let rid = |i: u32| ing.records[i as usize].record_id.as_str();
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
    fn ids<'a>(
        name: &'static str,
        scored: &'a [Scored],
        persons: &'a RecordPersons<'a>,
        side: fn(&Scored) -> u32,
    ) -> Build<'a> {
        Box::new(move || {
            // The pairs' records are in no order: their numbers are read ahead in a loop of
            // their own (the text is then written from them in order).
            let numbers: Vec<u64> = scored
                .iter()
                .map(|p| persons.numbers[side(p) as usize])
                .collect();
            let ids = numbers
                .iter()
                .zip(scored)
                .map(|(&n, p)| persons.id_of(n, side(p)));
            StringChunked::from_iter_values(name.into(), ids).into_column()
        })
    }
    // A column of few distinct values (`values`), as the value at each pair's index: gathered
    // from a column of those values, not built from every pair's text (a string per pair,
    // for tens of millions of pairs).
    fn few<'a>(
        name: PlSmallStr,
        values: &'a [&'a str],
        scored: &'a [Scored],
        at: impl Fn(&Scored) -> usize + Sync + 'a,
    ) -> Build<'a> {
        Box::new(move || {
            let at: Vec<IdxSize> = scored.iter().map(|p| at(p) as IdxSize).collect();
            gathered(name.clone(), values, &at)
        })
    }
    let sources: Vec<&str> = ing.sources.iter().map(|s| s.name.as_str()).collect();
    let sources = &sources;
    let source = move |i: u32| ing.records[i as usize].source as usize;
    const DECISIONS: [Decision; 3] = [Decision::Match, Decision::Review, Decision::NonMatch];
    let decisions = DECISIONS.map(Decision::label);
    let decisions = &decisions;
    let labels: Vec<Vec<&str>> = COMPARISONS
        .iter()
        .map(|c| c.levels.iter().map(|l| l.label).collect())
        .collect();
    let mut builds: Vec<Build> = vec![
        few("source_l".into(), sources, scored, move |p| source(p.a)),
        text("record_id_l", scored, move |p| rid(p.a)),
        few("source_r".into(), sources, scored, move |p| source(p.b)),
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
        few("decision".into(), decisions, scored, |p| {
            DECISIONS
                .iter()
                .position(|&d| d == p.decision)
                .expect("every decision")
        }),
        ids("person_id_l", scored, persons, |p| p.a),
        ids("person_id_r", scored, persons, |p| p.b),
    ];
    let before_levels = builds.len();
    for (k, (c, labels)) in COMPARISONS.iter().zip(&labels).enumerate() {
        builds.push(few(
            format!("{}_level", c.name).into(),
            labels,
            scored,
            move |p| p.levels[k] as usize,
        ));
    }
    // Each comparison's weights, a column each, made in one pass over the pairs (the pairs'
    // weights side by side, then copied out per column, would cost a second pass and twice
    // the memory fresh from the kernel).
    let weights = || {
        let mut cols: Vec<Vec<f64>> = COMPARISONS
            .iter()
            .map(|_| Vec::with_capacity(scored.len()))
            .collect();
        for p in scored {
            let w = model.field_weights(names[p.a as usize], &p.levels);
            for (col, w) in cols.iter_mut().zip(w) {
                col.push(w);
            }
        }
        cols
    };
    let (mut built, weights): (Vec<Column>, _) =
        rayon::join(|| builds.par_iter().map(|b| b()).collect(), weights);
    // Each comparison's level, then its weight.
    let levels = built.split_off(before_levels);
    let mut cols = built;
    for ((level, c), w) in levels.into_iter().zip(COMPARISONS.iter()).zip(weights) {
        cols.push(level);
        cols.push(Column::new(format!("{}_weight", c.name).into(), w));
    }
    cols.push(Column::new(
        "prior_weight".into(),
        vec![model.prior_weight; scored.len()],
    ));
    DataFrame::new_infer_height(cols).map_err(polars_err("pairs.parquet"))
}

/// `review.csv`: the pairs in the review band, strongest first, with both records' values for
/// each comparison as they came in (`Comparison::shown`, unmasked) and an empty `decision`
/// column for an analyst (`same` or `different`).
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
    for c in &COMPARISONS {
        header.push(format!("{}_l", c.name));
        header.push(format!("{}_r", c.name));
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
        for c in &COMPARISONS {
            for i in [p.a, p.b] {
                rec.push(c.shown(|f| ing.value(i as usize, f), false));
            }
        }
        rec.push(String::new());
        safe_row(&mut w, rec.iter().map(String::as_str)).map_err(csv_err(name))?;
    }
    finish_csv(w)
}

/// `changes.csv`: what happened to each person since the previous generation.
pub fn changes(g: &Generation, changes: &[crate::register::ids::Change]) -> Result<()> {
    let name = "changes.csv";
    let mut w = csv_writer(g, name)?;
    w.write_record(["person_id", "change", "detail"])
        .map_err(csv_err(name))?;
    for c in changes {
        safe_row(&mut w, [c.person_id.as_str(), c.change, c.detail.as_str()])
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
        safe_row(
            &mut w,
            [
                r.source.as_str(),
                r.row.to_string().as_str(),
                r.record_id.as_str(),
                r.reason.as_str(),
                r.raw.as_str(),
            ],
        )
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
        }
    }

    #[test]
    fn each_record_is_given_its_persons_id_made_carried_or_foreign() {
        // Made ids are held as numbers and written again; ids of other shapes (a made id given
        // a suffix in a later generation, an uppercase one, one from elsewhere) as they are.
        let made = person_id("jkm", "1").to_string();
        let ids = [
            made.as_str(),
            "P0123456789abcdef-2",
            "P0123456789ABCDEF",
            "legacy-7",
            "Pffffffffffffffff",
            "P0000000000000000",
        ];
        let mut reg = register_of(&ids);
        // Records point at persons out of order, some at the same person.
        reg.person_of = vec![3, 0, 5, 1, 2, 4, 0, 3];
        let persons = RecordPersons::of(&reg);
        for (i, &p) in reg.person_of.iter().enumerate() {
            assert_eq!(persons.id(i as u32).as_ref(), ids[p as usize], "record {i}");
        }
    }

    /// A parquet file of a generation, read whole.
    fn read_parquet(path: &std::path::Path) -> DataFrame {
        ParquetReader::new(std::fs::File::open(path).unwrap())
            .finish()
            .unwrap()
    }

    /// A string column's values, none missing.
    fn texts(df: &DataFrame, name: &str) -> Vec<String> {
        let c = df.column(name).unwrap().str().unwrap();
        c.iter().map(|v| v.unwrap().to_string()).collect()
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
            let df = read_parquet(&done.join(format!("t{k}.parquet")));
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

    /// `n` persons with names (some that need quoting), sources and records, in id order.
    fn register_of_people(n: usize) -> Register {
        let t = |s: String| Some(crate::normalise::Text::from(s));
        let mut persons: Vec<Person> = (0..n)
            .map(|i| Person {
                id: person_id("jkm", &i.to_string()),
                records: vec![i as u32],
                golden: crate::register::Golden {
                    full_name: t(if i % 7 == 0 {
                        format!("AHMAD \"MAT\", {i}\nBIN ALI")
                    } else {
                        format!("AHMAD {i}")
                    }),
                    dob: t("1980-01-02".into()),
                    ..Default::default()
                },
                sources: vec!["jkm".into(), "akpk".into()],
                first_generation: 1,
            })
            .collect();
        persons.sort_by(|a, b| a.id.cmp(&b.id));
        Register {
            person_of: (0..n as u32).collect(),
            persons,
        }
    }

    /// Writes `reg`'s register into a new generation of `root`.
    fn write_register(root: &std::path::Path, reg: &Register) -> std::path::PathBuf {
        let g = Generation::begin(root).unwrap();
        register(&g, reg).unwrap();
        g.commit().unwrap()
    }

    #[test]
    fn pairs_name_each_pairs_sources_decision_and_levels() {
        use crate::ingest::{Record, SourceInfo};
        let mut ing = Ingested::default();
        for (k, name) in ["jkm", "aim", "akpk"].iter().enumerate() {
            ing.sources.push(SourceInfo {
                name: name.to_string(),
                spec: k,
                priority: 0,
                dates: vec![],
            });
        }
        for k in 0..6u32 {
            ing.records
                .push(Record::new((k % 3) as u16, k as u64 + 2, format!("r{k}")));
        }
        let reg = Register {
            persons: (0..6)
                .map(|k| Person {
                    id: format!("P{k}").into(),
                    records: vec![k],
                    ..Default::default()
                })
                .collect(),
            person_of: (0..6).collect(),
        };
        let decisions = [Decision::Review, Decision::NonMatch, Decision::Match];
        let scored: Vec<Scored> = (0..6u32)
            .map(|k| Scored {
                a: k,
                b: (k + 1) % 6,
                weight: k as f64,
                levels: std::array::from_fn(|c| {
                    ((k as usize + c) % COMPARISONS[c].levels.len()) as u8
                }),
                decision: decisions[k as usize % 3],
            })
            .collect();
        let model = Model::fixed();
        let df = pairs_batch(&ing, &[0; 6], &RecordPersons::of(&reg), &scored, &model).unwrap();
        let text = |name: &str| texts(&df, name);
        let source = |i: u32| {
            ing.sources[ing.records[i as usize].source as usize]
                .name
                .clone()
        };
        assert_eq!(
            text("source_l"),
            scored.iter().map(|p| source(p.a)).collect::<Vec<_>>()
        );
        assert_eq!(
            text("source_r"),
            scored.iter().map(|p| source(p.b)).collect::<Vec<_>>()
        );
        assert_eq!(text("person_id_r"), ["P1", "P2", "P3", "P4", "P5", "P0"]);
        assert_eq!(
            text("decision"),
            scored
                .iter()
                .map(|p| p.decision.label())
                .collect::<Vec<_>>()
        );
        for (k, c) in COMPARISONS.iter().enumerate() {
            let want: Vec<_> = scored
                .iter()
                .map(|p| c.levels[p.levels[k] as usize].label)
                .collect();
            assert_eq!(text(&format!("{}_level", c.name)), want, "{}", c.name);
        }
    }

    #[test]
    fn both_register_files_name_each_persons_sources() {
        let dir = tempfile::tempdir().unwrap();
        // Past one piece of the persons interned at a time, each piece meeting the lists in
        // another order.
        let mut reg = register_of_people(70_000);
        let lists: [&[&str]; 4] = [&["jkm"], &["aim", "jkm"], &[], &["jkm", "aim"]];
        for (k, p) in reg.persons.iter_mut().enumerate() {
            p.sources = lists[(k * 7 + k / 65_536) % 4]
                .iter()
                .map(|&s| s.into())
                .collect();
        }
        let want: Vec<String> = reg.persons.iter().map(|p| p.sources.join(";")).collect();
        let done = write_register(dir.path(), &reg);
        let mut csv = csv::Reader::from_path(done.join("register.csv")).unwrap();
        let got: Vec<String> = csv.records().map(|r| r.unwrap()[10].to_string()).collect();
        assert_eq!(got, want);
        let got = texts(&read_parquet(&done.join("register.parquet")), "sources");
        assert_eq!(got, want);
    }

    #[test]
    fn review_shows_each_comparisons_values_in_one_pair_of_columns() {
        use crate::comparison::N_COMPARISONS;
        use crate::field::Field;
        use crate::ingest::{Record, SourceInfo};
        let mut ing = Ingested::default();
        ing.sources.push(SourceInfo {
            name: "jkm".into(),
            spec: 0,
            priority: 0,
            dates: vec![],
        });
        let fields: [&[(Field, &str)]; 2] = [
            &[
                (Field::FullName, "ALI BIN ABU"),
                (Field::Ic, "850312145567"),
                (Field::OldIc, "A1234567"),
                (Field::Passport, "K9876543"),
                (Field::Address, "12 JALAN MAWAR"),
                (Field::Postcode, "50000"),
            ],
            &[
                (Field::GivenName, "ALI"),
                (Field::Surname, "ABU"),
                (Field::NationalId, "N55512345"),
                (Field::Phone, "012-3456789"),
            ],
        ];
        for (k, values) in fields.iter().enumerate() {
            let mut r = Record::new(0, k as u64 + 2, format!("r{k}"));
            for &(f, v) in values.iter() {
                r.set(f, v);
            }
            ing.records.push(r);
        }
        let scored = [Scored {
            a: 0,
            b: 1,
            weight: 1.0,
            levels: [0; N_COMPARISONS],
            decision: Decision::Review,
        }];
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::begin(dir.path()).unwrap();
        review(&g, &ing, &scored, false).unwrap();
        let mut csv = csv::Reader::from_path(g.commit().unwrap().join("review.csv")).unwrap();
        let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
        let levels = 6 + N_COMPARISONS;
        let values: Vec<String> = COMPARISONS
            .iter()
            .flat_map(|c| [format!("{}_l", c.name), format!("{}_r", c.name)])
            .collect();
        assert_eq!(header[levels..header.len() - 1], values);
        assert_eq!(header.len(), levels + 2 * N_COMPARISONS + 1);
        let row = csv.records().next().unwrap().unwrap();
        let cell = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
        assert_eq!(cell("name_l"), "ALI BIN ABU");
        assert_eq!(cell("name_r"), "ALI / ABU");
        assert_eq!(cell("ic_l"), "850312145567");
        assert_eq!(cell("other_id_l"), "A1234567 / K9876543");
        assert_eq!(cell("other_id_r"), "N55512345");
        assert_eq!(cell("address_l"), "12 JALAN MAWAR");
        assert_eq!(cell("postcode_l"), "50000");
        assert_eq!(cell("phone_r"), "012-3456789");
        assert_eq!(cell("dob_l"), "");
        assert_eq!(cell("decision"), "");
    }
}
