//! `pairs.parquet`: every scored pair at or above the pairs floor, strongest first, with both
//! records' sources, ids and persons, the pair's weight, probability and decision, and each
//! comparison's level and weight.

use polars::prelude::*;
use rayon::prelude::*;

use super::{gathered, polars_err, write_parquet_batched, RecordPersons};
use crate::error::Result;
use crate::ingest::Ingested;
use crate::score::{probability, Decision, Model, Scored, COMPARISONS};
use crate::store::Generation;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::texts;
    use crate::register::{Person, Register};

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
}
