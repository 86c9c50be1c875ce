//! `register.csv` and `register.parquet`: the same table, one row per person in person id
//! order, with the person's golden values, record count, sources and first generation.

use polars::prelude::*;
use rayon::prelude::*;

use super::{csv_err, csv_writer, finish_csv, gathered, polars_err, write_parquet_batched};
use crate::error::Result;
use crate::register::Register;
use crate::spreadsheet::safe_row;
use crate::store::Generation;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::{read_parquet, register_of, texts};
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

    fn ids_in_order(reg: &Register) -> Vec<String> {
        crate::register::order_by_id(&reg.persons)
            .into_iter()
            .map(|i| reg.persons[i].id.to_string())
            .collect()
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
}
