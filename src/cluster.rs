//! Cluster: records joined by match edges become persons.
//!
//! Reads: the number of records, the scored pairs, and per record what may keep it apart from
//! others (its valid IC, whether its source lists distinct persons, analysts' decisions).
//! Writes: a cluster label per record, labels numbered 0.. in order of each cluster's first
//! record, and the match edges that were refused.
//!
//! Plain connected components chain weak links (A≈B≈C with A and C plainly different). Here
//! edges are taken strongest first and an edge is refused when the two clusters it would join
//! hold valid ICs more than one typo apart, or two records of one source that lists distinct
//! persons, or two records an analyst marked `different`. Refusing the weakest edge that would
//! create a conflict is the same as cutting the weakest edges first. Analysts' `same` decisions
//! are joined before anything else. The result depends only on the edges and constraints, not
//! on their order in memory or on thread scheduling.

use crate::score::{Decision, Scored};

/// A disjoint-set forest with path halving and union by size.
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    pub fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = self.parent[x as usize];
        }
        x
    }

    pub fn union(&mut self, a: u32, b: u32) {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
    }
}

/// Connected components over the pairs decided `Match`, without constraints. Returns one label
/// per record.
pub fn components(n: usize, pairs: &[Scored]) -> Vec<u32> {
    let mut uf = UnionFind::new(n);
    for p in pairs.iter().filter(|p| p.decision == Decision::Match) {
        uf.union(p.a, p.b);
    }
    labels(&mut uf, n)
}

/// What keeps records apart.
#[derive(Clone, Debug, Default)]
pub struct Constraints {
    /// Per record, its valid MyKad number, if any.
    pub ic: Vec<Option<crate::normalise::Text>>,
    /// Per record, the source index if that source lists distinct persons (`distinct = true`).
    pub distinct_source: Vec<Option<u16>>,
    /// Analysts' `same` decisions: joined first, whatever the scores.
    pub must_link: Vec<(u32, u32)>,
    /// Analysts' `different` decisions: never in one cluster.
    pub cannot_link: Vec<(u32, u32)>,
    /// Whether two of `ic` cannot be one person's (`None`: plaintext numbers, more than one
    /// edit apart; encoded records give theirs, `normalise::encoded::ics_conflict`).
    pub ics_conflict: Option<fn(&str, &str) -> bool>,
}

/// What keeps records apart: their valid ICs and the sources of distinct persons (analysts'
/// decisions are added by the caller).
pub fn constraints(
    config: &crate::config::Config,
    ing: &crate::ingest::Ingested,
    links: &[crate::normalise::Linkable],
) -> Constraints {
    use rayon::prelude::*;
    Constraints {
        ic: links
            .par_iter()
            .map(|r| r.valid_ic().map(crate::normalise::Text::from))
            .collect(),
        distinct_source: ing
            .records
            .par_iter()
            .map(|r| {
                let s = &ing.sources[r.source as usize];
                config.sources[s.spec].distinct.then_some(r.source)
            })
            .collect(),
        ..Default::default()
    }
}

/// Two valid ICs that cannot be one person's: more than one substitution or adjacent
/// transposition apart.
fn ics_conflict(a: &str, b: &str) -> bool {
    !crate::score::one_edit(a, b)
}

/// What a cluster holds that a merge must respect.
#[derive(Clone, Debug, Default)]
struct Held {
    ics: Vec<crate::normalise::Text>,
    distinct_sources: Vec<u16>,
}

/// The result of constrained clustering.
#[derive(Debug)]
pub struct Clustering {
    pub labels: Vec<u32>,
    /// Indices (into the pairs given) of match edges refused by a constraint.
    pub refused: Vec<usize>,
}

/// Constrained clustering (see the module documentation).
pub fn constrained(n: usize, pairs: &[Scored], c: &Constraints) -> Clustering {
    let conflict = c.ics_conflict.unwrap_or(ics_conflict);
    let mut uf = UnionFind::new(n);
    let mut held: Vec<Option<Held>> = (0..n)
        .map(|i| {
            let ic = c.ic.get(i).cloned().flatten();
            let ds = c.distinct_source.get(i).copied().flatten();
            (ic.is_some() || ds.is_some()).then(|| Held {
                ics: ic.into_iter().collect(),
                distinct_sources: ds.into_iter().collect(),
            })
        })
        .collect();
    let mut forbidden: ahash::AHashMap<u32, Vec<u32>> = ahash::AHashMap::new();
    for &(a, b) in &c.cannot_link {
        forbidden.entry(a).or_default().push(b);
        forbidden.entry(b).or_default().push(a);
    }
    // Roots holding a record with a cannot-link, with those records.
    let mut cl_members: ahash::AHashMap<u32, Vec<u32>> = ahash::AHashMap::new();
    for &r in forbidden.keys() {
        cl_members.entry(r).or_default().push(r);
    }
    let join = |uf: &mut UnionFind,
                held: &mut Vec<Option<Held>>,
                cl: &mut ahash::AHashMap<u32, Vec<u32>>,
                a: u32,
                b: u32,
                check: bool|
     -> bool {
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra == rb {
            return true;
        }
        if check {
            if let (Some(x), Some(y)) = (&held[ra as usize], &held[rb as usize]) {
                let ic_clash = x.ics.iter().any(|p| y.ics.iter().any(|q| conflict(p, q)));
                let source_clash = x
                    .distinct_sources
                    .iter()
                    .any(|s| y.distinct_sources.contains(s));
                if ic_clash || source_clash {
                    return false;
                }
            }
        }
        // Analysts' `different` decisions hold even against their own `same` ones.
        if let (Some(xs), Some(ys)) = (cl.get(&ra), cl.get(&rb)) {
            let clash = xs
                .iter()
                .any(|r| forbidden[r].iter().any(|f| ys.contains(f)));
            if clash {
                return false;
            }
        }
        uf.union(ra, rb);
        let root = uf.find(ra);
        let other = if root == ra { rb } else { ra };
        let moved = held[other as usize].take();
        if let Some(m) = moved {
            let h = held[root as usize].get_or_insert_with(Held::default);
            for ic in m.ics {
                if !h.ics.contains(&ic) {
                    h.ics.push(ic);
                }
            }
            h.distinct_sources.extend(m.distinct_sources);
        }
        if let Some(m) = cl.remove(&other) {
            cl.entry(root).or_default().extend(m);
        }
        true
    };
    let mut must: Vec<(u32, u32)> = c
        .must_link
        .iter()
        .map(|&(a, b)| (a.min(b), a.max(b)))
        .collect();
    must.sort_unstable();
    for (a, b) in must {
        join(&mut uf, &mut held, &mut cl_members, a, b, false);
    }
    let mut order: Vec<usize> = (0..pairs.len())
        .filter(|&i| pairs[i].decision == Decision::Match)
        .collect();
    order.sort_by(|&x, &y| {
        let (p, q) = (&pairs[x], &pairs[y]);
        q.weight
            .total_cmp(&p.weight)
            .then((p.a.min(p.b), p.a.max(p.b)).cmp(&(q.a.min(q.b), q.a.max(q.b))))
    });
    let mut refused = Vec::new();
    for i in order {
        if !join(
            &mut uf,
            &mut held,
            &mut cl_members,
            pairs[i].a,
            pairs[i].b,
            true,
        ) {
            refused.push(i);
        }
    }
    refused.sort_unstable();
    Clustering {
        labels: labels(&mut uf, n),
        refused,
    }
}

/// Numbers clusters 0.. in order of their first record.
fn labels(uf: &mut UnionFind, n: usize) -> Vec<u32> {
    let mut label_of_root = vec![u32::MAX; n];
    let mut next = 0u32;
    (0..n as u32)
        .map(|i| {
            let r = uf.find(i) as usize;
            if label_of_root[r] == u32::MAX {
                label_of_root[r] = next;
                next += 1;
            }
            label_of_root[r]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::N_COMPARISONS;

    fn edge(a: u32, b: u32, decision: Decision) -> Scored {
        Scored {
            a,
            b,
            weight: 0.0,
            levels: [0; N_COMPARISONS],
            decision,
        }
    }

    #[test]
    fn match_edges_join_and_others_do_not() {
        let pairs = [
            edge(0, 1, Decision::Match),
            edge(1, 2, Decision::Match),
            edge(3, 4, Decision::Review),
            edge(4, 5, Decision::NonMatch),
        ];
        assert_eq!(components(6, &pairs), [0, 0, 0, 1, 2, 3]);
    }

    fn w(a: u32, b: u32, weight: f64) -> Scored {
        Scored {
            weight,
            ..edge(a, b, Decision::Match)
        }
    }

    fn ics(v: &[Option<&str>]) -> Constraints {
        Constraints {
            ic: v
                .iter()
                .map(|x| x.map(crate::normalise::Text::from))
                .collect(),
            distinct_source: vec![None; v.len()],
            ..Default::default()
        }
    }

    #[test]
    fn a_chain_through_conflicting_ics_is_cut_at_its_weakest_edge() {
        // 0 and 2 have ICs far apart; 1 has none. 0-1 is strong, 1-2 weak: cut 1-2.
        let c = ics(&[Some("850312145567"), None, Some("900101105568")]);
        let pairs = [w(0, 1, 20.0), w(1, 2, 8.0)];
        let r = constrained(3, &pairs, &c);
        assert_eq!(r.labels, [0, 0, 1]);
        assert_eq!(r.refused, [1]);
        // Order of the edges in memory does not matter.
        let pairs = [w(1, 2, 8.0), w(0, 1, 20.0)];
        let r = constrained(3, &pairs, &c);
        assert_eq!(r.labels, [0, 0, 1]);
        assert_eq!(r.refused, [0]);
    }

    #[test]
    fn a_typo_apart_ics_may_join_and_identical_ones_always_may() {
        let c = ics(&[
            Some("850312145567"),
            Some("850312145576"),
            Some("850312145567"),
        ]);
        let pairs = [w(0, 1, 10.0), w(0, 2, 10.0)];
        let r = constrained(3, &pairs, &c);
        assert_eq!(r.labels, [0, 0, 0]);
        assert!(r.refused.is_empty());
    }

    #[test]
    fn distinct_sources_and_analysts_decisions_are_honoured() {
        let mut c = ics(&[None, None, None, None]);
        // Records 0 and 1 come from source 7, which lists distinct persons.
        c.distinct_source = vec![Some(7), Some(7), None, None];
        c.cannot_link = vec![(2, 3)];
        c.must_link = vec![(1, 3)];
        let pairs = [w(0, 2, 30.0), w(1, 2, 20.0), w(0, 3, 1.0)];
        let r = constrained(4, &pairs, &c);
        // 1-3 joined by the analyst; 0-2 joined; 1-2 refused (0 and 1 distinct);
        // 0-3 refused (would put 2 and 3 together).
        assert_eq!(r.labels, [0, 1, 0, 1]);
        assert_eq!(r.refused, [1, 2]);
    }

    #[test]
    fn labels_do_not_depend_on_edge_order() {
        let mut pairs = vec![
            edge(5, 6, Decision::Match),
            edge(0, 3, Decision::Match),
            edge(3, 6, Decision::Match),
            edge(1, 2, Decision::Match),
        ];
        let first = components(8, &pairs);
        pairs.reverse();
        assert_eq!(components(8, &pairs), first);
        assert_eq!(first, [0, 1, 1, 0, 2, 0, 0, 3]);
    }
}
