//! `review.csv`: the pairs in the review band, for an analyst to mark `same` or `different`.

use std::io::Write;

use super::{csv_err, finish_csv};
use crate::error::{Error, Result};
use crate::ingest::Ingested;
use crate::score::{probability, Decision, Scored, COMPARISONS};
use crate::spreadsheet::safe_row;
use crate::store::Generation;

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

#[cfg(test)]
mod tests {
    use super::*;

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
