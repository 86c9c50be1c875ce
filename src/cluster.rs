//! Cluster: records joined by match edges become persons.
//!
//! Reads: the number of records and the scored pairs. Writes: a cluster label per record,
//! labels numbered 0.. in order of each cluster's first record, so the result depends only on
//! the set of match edges, never on their order or on thread scheduling.

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

/// Connected components over the pairs decided `Match`. Returns one label per record.
pub fn components(n: usize, pairs: &[Scored]) -> Vec<u32> {
    let mut uf = UnionFind::new(n);
    for p in pairs.iter().filter(|p| p.decision == Decision::Match) {
        uf.union(p.a, p.b);
    }
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
