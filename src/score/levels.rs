//! Candidate pairs' levels: every pair compared (in parallel), each pair's pattern of levels
//! interned, since a few thousand patterns occur among tens of millions of pairs.

use rayon::prelude::*;

use super::em;
use super::Comparable;
use crate::comparison::{COMPARISONS, N_COMPARISONS};

/// Candidate pairs' comparison levels, each pair's level pattern stored as a number into the
/// patterns that occur (a few thousand, where there are tens of millions of pairs): 2 bytes a
/// pair instead of `N_COMPARISONS`, or 4 once more than 65,536 patterns occur.
#[derive(Clone, Debug, Default)]
pub struct Levels {
    pub(super) patterns: Vec<[u8; N_COMPARISONS]>,
    /// Pattern numbers by `pattern_key`.
    index: ahash::AHashMap<u32, u32>,
    pub(super) of_pair: PatternIds,
}

/// Bits a level takes in `pattern_key`.
const LEVEL_BITS: usize = 3;
const _: () = {
    let mut k = 0;
    while k < N_COMPARISONS {
        assert!(COMPARISONS[k].levels.len() <= 1 << LEVEL_BITS);
        k += 1;
    }
    assert!(N_COMPARISONS * LEVEL_BITS <= 32);
};

/// A pattern of levels as one number (every level fits in `LEVEL_BITS` bits): cheaper to hash
/// and compare than the levels.
pub fn pattern_key(l: &[u8; N_COMPARISONS]) -> u32 {
    l.iter()
        .enumerate()
        .fold(0, |key, (k, &v)| key | u32::from(v) << (k * LEVEL_BITS))
}

/// The levels `pattern_key` made `key` of.
pub fn pattern_of_key(key: u32) -> [u8; N_COMPARISONS] {
    std::array::from_fn(|k| ((key >> (k * LEVEL_BITS)) & ((1 << LEVEL_BITS) - 1)) as u8)
}

/// Each pair's pattern number, as narrow as the number of patterns allows.
#[derive(Clone, Debug)]
pub(super) enum PatternIds {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Default for PatternIds {
    fn default() -> Self {
        PatternIds::Narrow(Vec::new())
    }
}

impl PatternIds {
    fn len(&self) -> usize {
        match self {
            PatternIds::Narrow(v) => v.len(),
            PatternIds::Wide(v) => v.len(),
        }
    }

    pub(super) fn get(&self, i: usize) -> usize {
        match self {
            PatternIds::Narrow(v) => v[i] as usize,
            PatternIds::Wide(v) => v[i] as usize,
        }
    }

    fn push(&mut self, id: u32) {
        if let PatternIds::Narrow(v) = self {
            match u16::try_from(id) {
                Ok(id) => return v.push(id),
                Err(_) => *self = PatternIds::Wide(v.iter().map(|&x| u32::from(x)).collect()),
            }
        }
        if let PatternIds::Wide(v) = self {
            v.push(id);
        }
    }
}

impl Levels {
    pub fn len(&self) -> usize {
        self.of_pair.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The levels of pair `i`.
    pub fn get(&self, i: usize) -> [u8; N_COMPARISONS] {
        self.patterns[self.of_pair.get(i)]
    }

    fn intern(&mut self, l: [u8; N_COMPARISONS]) -> u32 {
        *self.index.entry(pattern_key(&l)).or_insert_with(|| {
            self.patterns.push(l);
            (self.patterns.len() - 1) as u32
        })
    }

    /// Appends a pair's levels.
    pub fn push(&mut self, l: [u8; N_COMPARISONS]) {
        let id = self.intern(l);
        self.of_pair.push(id);
    }

    /// How many pairs have each level pattern.
    pub fn histogram(&self) -> em::Histogram<N_COMPARISONS> {
        self.histogram_where(|_| true)
    }

    /// How many of the pairs `counted` picks (by number) have each level pattern.
    pub fn histogram_where(&self, counted: impl Fn(usize) -> bool) -> em::Histogram<N_COMPARISONS> {
        let mut counts = vec![0u64; self.patterns.len()];
        for i in (0..self.len()).filter(|&i| counted(i)) {
            counts[self.of_pair.get(i)] += 1;
        }
        self.patterns.iter().copied().zip(counts).collect()
    }

    /// Every pair's levels, in order.
    pub fn to_vec(&self) -> Vec<[u8; N_COMPARISONS]> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }
}

/// Every candidate pair's levels, in parallel.
pub fn levels_all<C: Comparable + ?Sized>(
    recs: &C,
    pairs: &[(u32, u32)],
    progress: &crate::progress::Counter,
) -> Levels {
    // Pairs come sorted by their first record, so the second is a jump in memory: its packed
    // record is fetched a few pairs ahead, while earlier pairs are compared.
    const AHEAD: usize = 8;
    // A chunk's own pattern numbers always fit in 16 bits.
    const CHUNK: usize = 1 << 16;
    // Each chunk numbers its own patterns in its part of `of_pair`; the numbers are then made
    // global in place (no second array of numbers, unless more patterns occur than 16 bits
    // number).
    let mut of_pair = vec![0u16; pairs.len()];
    let tables: Vec<Vec<[u8; N_COMPARISONS]>> = of_pair
        .par_chunks_mut(CHUNK)
        .zip(pairs.par_chunks(CHUNK))
        .enumerate()
        .map(|(c, (ids, chunk))| {
            let mut local = Levels::default();
            // Neighbouring pairs (one record against its block) may share a pattern: no lookup then.
            let mut last: Option<([u8; N_COMPARISONS], u16)> = None;
            for (j, (&(a, b), id)) in chunk.iter().zip(ids.iter_mut()).enumerate() {
                if let Some(&(_, next)) = pairs.get(c * CHUNK + j + AHEAD) {
                    recs.prefetch(next as usize);
                }
                let l = recs.levels(a as usize, b as usize);
                *id = match last {
                    Some((seen, n)) if seen == l => n,
                    _ => {
                        let n = local.intern(l) as u16;
                        last = Some((l, n));
                        n
                    }
                };
            }
            progress.inc(chunk.len() as u64);
            local.patterns
        })
        .collect();
    let mut all = Levels::default();
    let global: Vec<Vec<u32>> = tables
        .iter()
        .map(|t| t.iter().map(|&l| all.intern(l)).collect())
        .collect();
    all.of_pair = if all.patterns.len() <= 1 << 16 {
        of_pair
            .par_chunks_mut(CHUNK)
            .zip(global.par_iter())
            .for_each(|(ids, g)| {
                for id in ids {
                    *id = g[*id as usize] as u16;
                }
            });
        PatternIds::Narrow(of_pair)
    } else {
        PatternIds::Wide(
            of_pair
                .par_chunks(CHUNK)
                .zip(global.par_iter())
                .flat_map_iter(|(ids, g)| ids.iter().map(move |&id| g[id as usize]))
                .collect(),
        )
    };
    all
}

/// Asks the processor to bring `v` into cache (a hint; nothing happens on other targets).
#[inline(always)]
pub(crate) fn prefetch<T>(v: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p = v as *const T as *const i8;
        for line in (0..std::mem::size_of::<T>()).step_by(64) {
            // SAFETY: prefetching is a hint with no memory access semantics; the address lies
            // within `v`.
            unsafe { _mm_prefetch(p.add(line), _MM_HINT_T0) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = v;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Field;
    use crate::normalise::packed::pack_all;
    use crate::normalise::NormRecord;
    use crate::score::compare::compare_packed;
    use crate::score::tests::rec;

    #[test]
    fn a_pattern_key_gives_its_levels_back() {
        let mut l = [0u8; N_COMPARISONS];
        for (k, c) in COMPARISONS.iter().enumerate() {
            l[k] = (c.levels.len() - 1) as u8;
            assert_eq!(pattern_of_key(pattern_key(&l)), l);
            l[k] = 1;
        }
        assert_eq!(pattern_of_key(pattern_key(&l)), l);
        // Keys are non-negative as signed 32-bit numbers, the columns Spark writes.
        assert!(i32::try_from(pattern_key(&[7; N_COMPARISONS])).is_ok());
    }

    #[test]
    fn levels_are_numbered_patterns_equal_to_each_comparison_across_chunks() {
        use Field::*;
        let names = [
            "ALI BIN ABU",
            "ALI ABU",
            "SITI BINTI ABU",
            "TAN AH KOW",
            "TAN AH KAU",
        ];
        let recs: Vec<NormRecord> = (0..20)
            .map(|i| {
                rec(&[
                    (FullName, names[i % names.len()]),
                    (Dob, ["1985-03-12", "1985-03-21", ""][i % 3]),
                    (Postcode, ["50000", "50100"][i % 2]),
                ])
            })
            .collect();
        let packed = pack_all(&recs);
        let mut pairs = Vec::new();
        // More pairs than one chunk of `levels_all` holds, so chunks' numbers are merged.
        while pairs.len() <= 70_000 {
            for a in 0..20u32 {
                for b in a + 1..20 {
                    pairs.push((a, b));
                }
            }
        }
        let links = crate::normalise::linkable::all(&recs);
        let levels = levels_all(
            &super::super::Plain::new(&links, &packed),
            &pairs,
            &Default::default(),
        );
        assert_eq!(levels.len(), pairs.len());
        for (i, &(a, b)) in pairs.iter().enumerate() {
            let (a, b) = (a as usize, b as usize);
            let want = compare_packed(&packed[a], &packed[b], &links[a], &links[b]);
            assert_eq!(levels.get(i), want, "pair {i}");
        }
        let h = levels.histogram();
        assert_eq!(h.values().sum::<u64>(), pairs.len() as u64);
        assert!(h.len() > 1 && h.len() < 190, "{} patterns", h.len());
        assert_eq!(levels.to_vec().len(), pairs.len());
    }

    #[test]
    fn levels_widen_when_more_patterns_occur_than_16_bits_number() {
        let mut levels = Levels::default();
        let pattern = |i: usize| -> [u8; N_COMPARISONS] {
            std::array::from_fn(|k| ((i >> (2 * k)) & 3) as u8)
        };
        let n = (1 << 16) + 10;
        for i in 0..n {
            levels.push(pattern(i));
        }
        assert!(matches!(levels.of_pair, PatternIds::Wide(_)));
        assert_eq!(levels.len(), n);
        for i in [0, 1, 65_535, 65_536, n - 1] {
            assert_eq!(levels.get(i), pattern(i), "pair {i}");
        }
        assert_eq!(levels.histogram().len(), n);
        let mut few = Levels::default();
        few.push(pattern(3));
        few.push(pattern(3));
        assert!(matches!(few.of_pair, PatternIds::Narrow(_)));
        assert_eq!(few.histogram()[&pattern(3)], 2);
    }
}
