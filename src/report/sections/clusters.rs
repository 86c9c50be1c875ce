//! "Clusters": persons by number of records, then the largest clusters and those with
//! conflicts, each with its records and its strongest edges.

use std::collections::BTreeMap;
use std::fmt::Write;

use ahash::AHashMap;

use crate::comparison::Kind;
use crate::register::{Conflict, Register};
use crate::report::chart::{bar_chart, Bar};
use crate::report::page::{escape, h, num};
use crate::report::pair::{record_label, shown, waterfall};
use crate::report::{
    ReportInput, DOB_SPREAD_DAYS, MAX_CLUSTERS, MAX_CLUSTER_EDGES, MAX_CLUSTER_RECORDS,
};
use crate::score::{probability, Decision};

/// Keeps the first `n` of `v` in the total order `cmp`, sorted.
fn first_in_order<T>(v: &mut Vec<T>, n: usize, cmp: impl Fn(&T, &T) -> std::cmp::Ordering) {
    if v.len() > n {
        if n == 0 {
            v.clear();
            return;
        }
        v.select_nth_unstable_by(n - 1, &cmp);
        v.truncate(n);
    }
    v.sort_unstable_by(cmp);
}

/// Largest first, then by id: a total order, so that only the listed clusters need sorting.
fn size_order(reg: &Register) -> impl Fn(&usize, &usize) -> std::cmp::Ordering + '_ {
    |&a: &usize, &b: &usize| {
        reg.persons[b]
            .records
            .len()
            .cmp(&reg.persons[a].records.len())
            .then(reg.persons[a].id.cmp(&reg.persons[b].id))
    }
}

/// The persons of several records listed as the largest clusters, in `size_order`.
fn largest_clusters(reg: &Register) -> Vec<usize> {
    // Only clusters at least as large as the `MAX_CLUSTERS`-th largest can be listed: the
    // others, most clusters and most of them tied by size, are left out before the ordering
    // compares ids.
    let mut of_size: BTreeMap<usize, usize> = BTreeMap::new();
    for p in &reg.persons {
        *of_size.entry(p.records.len()).or_default() += 1;
    }
    let mut at_least = 0;
    let least = of_size
        .iter()
        .rev()
        .find(|&(_, &n)| {
            at_least += n;
            at_least >= MAX_CLUSTERS
        })
        .map_or(0, |(&size, _)| size);
    let mut largest: Vec<usize> = (0..reg.persons.len())
        .filter(|&i| reg.persons[i].records.len() > 1.max(least.saturating_sub(1)))
        .collect();
    first_in_order(&mut largest, MAX_CLUSTERS, size_order(reg));
    largest
}

/// Whether the report lists a cluster as conflicting: the register records the facts, the
/// report decides how far apart birth dates may be (`DOB_SPREAD_DAYS`).
fn is_conflict(c: &Conflict) -> bool {
    c.valid_ics > 1 || c.mixed_sex || c.dob_spread_days > DOB_SPREAD_DAYS
}

/// A cluster's conflicts in words, empty when it has none.
fn describe(c: &Conflict) -> String {
    let mut v = Vec::new();
    if c.valid_ics > 1 {
        v.push(format!("{} valid ICs", c.valid_ics));
    }
    if c.mixed_sex {
        v.push("mixed sexes".to_string());
    }
    if c.dob_spread_days > DOB_SPREAD_DAYS {
        v.push(format!("birth dates {} days apart", c.dob_spread_days));
    }
    v.join(", ")
}

/// One listed cluster, collapsed under a line of its size, name, sources and conflicts: its
/// records, then its strongest edges with their waterfalls.
fn cluster_details(
    s: &mut String,
    input: &ReportInput,
    person: usize,
    conflict: &Conflict,
    edges: &[usize],
) {
    let p = &input.reg.persons[person];
    let c = describe(conflict);
    let _ = write!(
        s,
        r#"<details class="cluster" data-person="{}"><summary><code>{}</code> · {} records · {} · {}{}</summary>"#,
        escape(&p.id),
        escape(&p.id),
        p.records.len(),
        h(p.golden.full_name.as_deref().unwrap_or("(no name)")),
        h(&p.sources.join(", ")),
        if c.is_empty() {
            String::new()
        } else {
            format!(r#" · <span class="warn">{}</span>"#, escape(&c))
        }
    );
    s.push_str(r#"<table class="records"><tr><th>record</th><th>name</th><th>IC</th><th>other id</th><th>birth date</th><th>sex</th><th>postcode</th><th>phone</th></tr>"#);
    for &i in p.records.iter().take(MAX_CLUSTER_RECORDS) {
        let _ = write!(s, "<tr><td>{}</td>", record_label(input.ing, i));
        for k in [
            Kind::Name,
            Kind::Ic,
            Kind::OtherId,
            Kind::Dob,
            Kind::Sex,
            Kind::Postcode,
            Kind::Phone,
        ] {
            let _ = write!(s, "<td>{}</td>", escape(&shown(input.ing, i, k)));
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>");
    if p.records.len() > MAX_CLUSTER_RECORDS {
        let _ = write!(
            s,
            r#"<p class="muted">{} more records (see <code>crosswalk.csv</code>).</p>"#,
            p.records.len() - MAX_CLUSTER_RECORDS
        );
    }
    let _ = write!(
        s,
        "<h3>Edges within the cluster ({} scored pairs; match edges first, strongest first)</h3>",
        edges.len()
    );
    for &e in edges.iter().take(MAX_CLUSTER_EDGES) {
        let sp = &input.scored[e];
        let _ = write!(
            s,
            r#"<details class="edge"><summary>{} ~ {}: {} · weight {:.2} · probability {:.4}</summary>"#,
            record_label(input.ing, sp.a),
            record_label(input.ing, sp.b),
            sp.decision.label(),
            sp.weight,
            probability(sp.weight)
        );
        waterfall(s, input, sp);
        s.push_str("</details>");
    }
    if edges.len() > MAX_CLUSTER_EDGES {
        let _ = write!(
            s,
            r#"<p class="muted">{} more pairs: <code>padan explain --person {}</code>.</p>"#,
            edges.len() - MAX_CLUSTER_EDGES,
            escape(&p.id)
        );
    }
    s.push_str("</details>");
}

pub fn section(s: &mut String, input: &ReportInput) {
    let reg = input.reg;
    let max_size = reg
        .persons
        .iter()
        .map(|p| p.records.len())
        .max()
        .unwrap_or(0);
    const EXACT: usize = 15;
    let mut sizes = vec![0u64; max_size.min(EXACT + 1) + 1];
    let mut conflicts: Vec<(usize, Conflict)> = Vec::new();
    let (mut n_ic, mut n_sex, mut n_dob) = (0u64, 0u64, 0u64);
    for (i, p) in reg.persons.iter().enumerate() {
        sizes[p.records.len().min(EXACT + 1)] += 1;
        let c = p.golden.conflict;
        if is_conflict(&c) {
            n_ic += (c.valid_ics > 1) as u64;
            n_sex += c.mixed_sex as u64;
            n_dob += (c.dob_spread_days > DOB_SPREAD_DAYS) as u64;
            conflicts.push((i, c));
        }
    }
    s.push_str(r#"<section id="clusters"><h2>Clusters</h2><h3>Cluster sizes</h3><table id="cluster-sizes"><tr><th class="n">records</th><th class="n">persons</th></tr>"#);
    let bars: Vec<Bar> = sizes
        .iter()
        .enumerate()
        .skip(1)
        .map(|(n, &v)| Bar {
            label: if n > EXACT {
                format!("{}+", EXACT + 1)
            } else {
                n.to_string()
            },
            value: v,
            class: "plain",
        })
        .collect();
    for b in &bars {
        let _ = write!(
            s,
            r#"<tr><td class="n">{}</td><td class="n" data-value="{}">{}</td></tr>"#,
            b.label,
            b.value,
            num(b.value)
        );
    }
    s.push_str("</table>");
    s.push_str(&bar_chart(
        "chart-cluster-sizes",
        "Persons by number of records",
        &bars,
        &[],
        "records per person",
    ));

    let by_size = size_order(reg);
    let largest = largest_clusters(reg);
    let n_conflicts = conflicts.len();
    first_in_order(&mut conflicts, MAX_CLUSTERS, |(a, _), (b, _)| by_size(a, b));

    // The edges of the listed clusters, in one pass over the pairs.
    let mut edges: AHashMap<u32, Vec<usize>> = AHashMap::new();
    for &i in largest.iter().chain(conflicts.iter().map(|(i, _)| i)) {
        edges.entry(i as u32).or_default();
    }
    for (e, p) in input.scored.iter().enumerate() {
        let pa = reg.person_of[p.a as usize];
        if pa == reg.person_of[p.b as usize] {
            if let Some(v) = edges.get_mut(&pa) {
                v.push(e);
            }
        }
    }
    for v in edges.values_mut() {
        v.sort_by(|&x, &y| {
            let (x, y) = (&input.scored[x], &input.scored[y]);
            (x.decision != Decision::Match)
                .cmp(&(y.decision != Decision::Match))
                .then(y.weight.total_cmp(&x.weight))
        });
    }

    let _ = write!(
        s,
        r#"<h3 id="largest-clusters">Largest clusters (top {} of {} persons with several records)</h3>"#,
        largest.len(),
        num(input.summary.persons_with_several_records)
    );
    for &i in &largest {
        let c = reg.persons[i].golden.conflict;
        cluster_details(s, input, i, &c, &edges[&(i as u32)]);
    }
    let _ = write!(
        s,
        r#"<h3 id="conflict-clusters">Clusters with conflicts ({} clusters: {} with two valid ICs, {} with mixed sexes, {} with birth dates more than {} days apart; the largest {} shown)</h3>"#,
        num(n_conflicts as u64),
        num(n_ic),
        num(n_sex),
        num(n_dob),
        DOB_SPREAD_DAYS,
        conflicts.len()
    );
    if conflicts.is_empty() {
        s.push_str(r#"<p class="muted">None.</p>"#);
    }
    for (i, c) in &conflicts {
        cluster_details(s, input, *i, c, &edges[&(*i as u32)]);
    }
    s.push_str("</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_clusters_listed_are_those_a_whole_sort_puts_first() {
        use crate::register::Person;
        // Many clusters tied at each size, sizes 1 to 6, ids out of order.
        for n in [0usize, 5, 40, 400] {
            let reg = Register {
                persons: (0..n)
                    .map(|i| Person {
                        id: format!("P{:03}", (i * 37) % 1000).into(),
                        records: vec![0; 1 + (i * 7) % 6],
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            };
            let mut want: Vec<usize> = (0..n)
                .filter(|&i| reg.persons[i].records.len() > 1)
                .collect();
            want.sort_by(size_order(&reg));
            want.truncate(MAX_CLUSTERS);
            assert_eq!(largest_clusters(&reg), want, "{n} persons");
        }
    }

    #[test]
    fn the_first_in_order_are_those_a_whole_sort_puts_first() {
        // Many ties on the first key, broken by the second, as sizes and ids are.
        let v: Vec<(u32, u32)> = (0..500u32).map(|i| ((i * 7919) % 13, i)).collect();
        let cmp = |a: &(u32, u32), b: &(u32, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        for n in [0, 1, 30, 499, 500, 600] {
            let mut whole = v.clone();
            whole.sort_by(cmp);
            whole.truncate(n);
            let mut first = v.clone();
            first_in_order(&mut first, n, cmp);
            assert_eq!(first, whole, "{n}");
        }
    }
}
