//! "Cross-agency overlap": persons in both of two agencies, and persons by number of agencies.

use std::fmt::Write;

use rayon::prelude::*;

use crate::register::Register;
use crate::report::chart::{bar_chart, Bar};
use crate::report::page::{h, num};
use crate::report::{ReportInput, MAX_MATRIX_SOURCES};

/// Per pair of agencies `(a, b)` (of `k`, numbered per record by `agency`), the persons with
/// records of both (`a == b`: of `a`), at `a * k + b`; and per number of agencies, the persons
/// with records of that many.
fn overlap_counts(reg: &Register, agency: &[u32], k: usize) -> (Vec<u64>, Vec<u64>) {
    if k > 64 || reg.person_of.len() != agency.len() {
        // With many agencies (a `source` column of thousands of values) the persons are
        // counted in one piece, from their records; so is a register that does not give each
        // record's person.
        return overlap_counts_of_lists(reg, agency, k);
    }
    // Each person's agencies as the bits of one number, set from the records in their order,
    // so that the persons' record lists, each reached out of order, are not read.
    let mut masks = vec![0u64; reg.persons.len()];
    for (&p, &a) in reg.person_of.iter().zip(agency) {
        masks[p as usize] |= 1 << a;
    }
    let zeros = || (vec![0u64; k * k], vec![0u64; k + 1]);
    masks
        .par_iter()
        .fold(
            || (zeros(), Vec::with_capacity(k)),
            |((mut both, mut by_count), mut ix), &m| {
                ix.clear();
                let mut rest = m;
                while rest != 0 {
                    ix.push(rest.trailing_zeros() as usize);
                    rest &= rest - 1;
                }
                count_overlap(&mut both, &mut by_count, k, &ix);
                ((both, by_count), ix)
            },
        )
        .map(|(counts, _)| counts)
        .reduce(zeros, |(mut both, mut by_count), (b, c)| {
            both.iter_mut().zip(b).for_each(|(x, y)| *x += y);
            by_count.iter_mut().zip(c).for_each(|(x, y)| *x += y);
            (both, by_count)
        })
}

/// `overlap_counts` from each person's list of records.
fn overlap_counts_of_lists(reg: &Register, agency: &[u32], k: usize) -> (Vec<u64>, Vec<u64>) {
    let (mut both, mut by_count) = (vec![0u64; k * k], vec![0u64; k + 1]);
    let mut ix = Vec::with_capacity(k);
    for p in &reg.persons {
        ix.clear();
        ix.extend(p.records.iter().map(|&i| agency[i as usize] as usize));
        ix.sort_unstable();
        ix.dedup();
        count_overlap(&mut both, &mut by_count, k, &ix);
    }
    (both, by_count)
}

/// Counts one person with records of the agencies `ix` (distinct, ascending).
fn count_overlap(both: &mut [u64], by_count: &mut [u64], k: usize, ix: &[usize]) {
    by_count[ix.len()] += 1;
    for &a in ix {
        for &b in ix {
            both[a * k + b] += 1;
        }
    }
}

pub fn section(s: &mut String, input: &ReportInput) {
    let reg = input.reg;
    // Through the records' source numbers rather than the persons' source names, so that no
    // person's names are hashed: a person's sources are its records' sources' names, distinct.
    let ing = input.ing;
    let mut names: Vec<&str> = ing.sources.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let name_of: Vec<usize> = ing
        .sources
        .iter()
        .map(|s| {
            names
                .binary_search(&s.name.as_str())
                .expect("every source's name is listed")
        })
        .collect();
    let k = names.len();
    // Each record's agency by number, read in record order once, so that the persons then
    // jump around a small array instead of the records.
    let agency: Vec<u32> = ing
        .records
        .par_iter()
        .map(|r| name_of[r.source as usize] as u32)
        .collect();
    let (both, by_count) = overlap_counts(reg, &agency, k);
    let mut by_count = by_count;
    // A source all of whose rows were rejected has no persons: it is not an agency here.
    let present: Vec<usize> = (0..k).filter(|&a| both[a * k + a] > 0).collect();
    by_count.truncate(present.len() + 1);
    s.push_str(r#"<section id="overlap"><h2>Cross-agency overlap</h2><p>How many persons appear in both agency A (row) and agency B (column); the diagonal is each agency's persons.</p>"#);
    let mut shown = present.clone();
    shown.sort_by_key(|&a| std::cmp::Reverse(both[a * k + a]));
    shown.truncate(MAX_MATRIX_SOURCES);
    shown.sort_unstable();
    if present.len() > MAX_MATRIX_SOURCES {
        let _ = write!(
            s,
            r#"<p class="muted">{} agencies; the {MAX_MATRIX_SOURCES} with the most persons are shown.</p>"#,
            present.len()
        );
    }
    let max_off = shown
        .iter()
        .flat_map(|&a| shown.iter().map(move |&b| (a, b)))
        .filter(|(a, b)| a != b)
        .map(|(a, b)| both[a * k + b])
        .max()
        .unwrap_or(0)
        .max(1);
    s.push_str(r#"<table class="matrix" id="overlap-matrix"><tr><th></th>"#);
    for &b in &shown {
        let _ = write!(s, "<th>{}</th>", h(names[b]));
    }
    s.push_str("</tr>");
    for &a in &shown {
        let _ = write!(s, "<tr><th>{}</th>", h(names[a]));
        for &b in &shown {
            let v = both[a * k + b];
            if a == b {
                let _ = write!(s, r#"<td class="diag" data-value="{v}">{}</td>"#, num(v));
            } else {
                let alpha = 0.08 + 0.6 * v as f64 / max_off as f64;
                let _ = write!(
                    s,
                    r#"<td data-value="{v}" style="background:rgba(61,111,182,{alpha:.2})">{}</td>"#,
                    num(v)
                );
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</table><h3>Persons by number of agencies</h3>");
    s.push_str(r#"<table id="agencies-per-person"><tr><th class="n">agencies</th><th class="n">persons</th></tr>"#);
    for (n, &v) in by_count.iter().enumerate().skip(1) {
        let _ = write!(
            s,
            r#"<tr><td class="n">{n}</td><td class="n" data-value="{v}">{}</td></tr>"#,
            num(v)
        );
    }
    s.push_str("</table>");
    let bars: Vec<Bar> = by_count
        .iter()
        .enumerate()
        .skip(1)
        .map(|(n, &v)| Bar {
            label: n.to_string(),
            value: v,
            class: "plain",
        })
        .collect();
    s.push_str(&bar_chart(
        "chart-agencies",
        "Persons by number of agencies",
        &bars,
        &[],
        "agencies a person appears in",
    ));
    s.push_str("</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_counts_from_agency_bits_equal_those_from_record_lists() {
        use crate::register::{Person, Register};
        // Persons of one to four records over agencies, some repeated within a person; the
        // records of a person are spread (not adjacent), as after sorting by id.
        let records_of: Vec<Vec<u32>> = (0..200u32)
            .map(|p| (0..1 + p % 4).map(|j| j * 200 + p).collect())
            .collect();
        let n_records = 800;
        let mut person_of = vec![u32::MAX; n_records];
        for (p, recs) in records_of.iter().enumerate() {
            for &r in recs {
                person_of[r as usize] = p as u32;
            }
        }
        let used: Vec<usize> = (0..n_records)
            .filter(|&r| person_of[r] != u32::MAX)
            .collect();
        let reg = Register {
            persons: records_of
                .into_iter()
                .map(|records| Person {
                    records,
                    ..Default::default()
                })
                .collect(),
            person_of: used.iter().map(|&r| person_of[r]).collect(),
        };
        // Records renumbered densely, as a run numbers them.
        let reg = {
            let new_of = |r: u32| used.binary_search(&(r as usize)).unwrap() as u32;
            let persons = reg
                .persons
                .into_iter()
                .map(|p| Person {
                    records: p.records.into_iter().map(new_of).collect(),
                    ..p
                })
                .collect();
            Register { persons, ..reg }
        };
        for k in [1usize, 3, 64] {
            let agency: Vec<u32> = (0..reg.person_of.len() as u32)
                .map(|r| (r * 7 + r / 3) % k as u32)
                .collect();
            let (both, by_count) = overlap_counts(&reg, &agency, k);
            assert_eq!(
                (both.clone(), by_count.clone()),
                overlap_counts_of_lists(&reg, &agency, k),
                "{k} agencies"
            );
            assert_eq!(by_count.iter().sum::<u64>(), reg.persons.len() as u64);
            let with = |a: usize| {
                reg.persons
                    .iter()
                    .filter(|p| p.records.iter().any(|&r| agency[r as usize] as usize == a))
                    .count() as u64
            };
            for a in 0..k {
                assert_eq!(both[a * k + a], with(a), "agency {a} of {k}");
            }
        }
        // A register that does not give each record's person: counted from the lists.
        let bare = Register {
            persons: reg.persons.clone(),
            ..Default::default()
        };
        let agency: Vec<u32> = (0..reg.person_of.len() as u32).map(|r| r % 5).collect();
        assert_eq!(
            overlap_counts(&bare, &agency, 5),
            overlap_counts_of_lists(&reg, &agency, 5)
        );
        // More agencies than bits: counted from the lists.
        let agency: Vec<u32> = (0..reg.person_of.len() as u32).map(|r| r % 100).collect();
        assert_eq!(
            overlap_counts(&reg, &agency, 100),
            overlap_counts_of_lists(&reg, &agency, 100)
        );
    }
}
