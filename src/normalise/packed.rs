//! Records packed for comparing: one small struct per record, strings hashed, names and
//! addresses sketched, so that most pairs are told apart without reading a string. Made by
//! the normalise stage beside each record's `Linkable`; read by the comparison kernels
//! (`score::compare`).
//!
//! Reads: normalised records. Writes: one `Packed` per record, and each record's name as the
//! model's name frequencies count it.

use rayon::prelude::*;
use serde::Serialize;

use super::NormRecord;

/// A record's comparison fields packed for speed: one small struct per record in one array,
/// strings as 64-bit hashes (0: empty or missing), so that most comparisons touch no string.
/// The strings are read only for the similarity levels (Jaro–Winkler, address overlap).
///
/// The current generation keeps each record's in `forms.bin` (`store::stored`): a change
/// to these fields changes that file's layout (bump `store::stored::FORMS_VERSION`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Packed {
    pub(crate) key: u64,
    pub(crate) compact: u64,
    pub(crate) sorted_key: u64,
    pub(crate) phonetic: u64,
    pub(crate) khmer_key: u64,
    pub(crate) initials_key: u64,
    pub(crate) given_compact: u64,
    pub(crate) has_patronym: bool,
    pub(crate) initials: bool,
    pub(crate) has_address: bool,
    pub(crate) ic_valid: bool,
    /// The IC digits (`ic_len` of them; 0: no IC; longer than 20: only `ic_hash` compares).
    pub(crate) ic_len: u8,
    pub(crate) ic: [u8; 20],
    pub(crate) ic_hash: u64,
    /// The old IC, passport, national id and household id hashed (in that order), out of line:
    /// most records have none.
    pub(crate) other_ids: Option<Box<[u64; 4]>>,
    /// Birth date as (year, month, day) and as a day number; `dob_days == i32::MIN`: none.
    pub(crate) dob_days: i32,
    pub(crate) dob_ymd: (i32, u8, u8),
    pub(crate) sex: u8,
    pub(crate) postcode: u64,
    pub(crate) phone: u64,
    /// The address's distinct words as the top halves of their sorted hashes, at most
    /// `ADDRESS_WORDS` of them (the smallest: a bottom-k sketch); `address_len` is the number
    /// of distinct words (capped at 255).
    pub(crate) address: [u32; ADDRESS_WORDS],
    pub(crate) address_len: u8,
    /// The address without its spaces, hashed: the same address with words run together or
    /// split (15 GOODWINSTREET / 15 GOODWIN STREET), which share few words.
    pub(crate) address_compact: u64,
    /// Sketches (`Sketch`, stored column by column to save padding) of the whole name and
    /// the given name without spaces (`SKETCH_COMPACT`, `SKETCH_GIVEN_COMPACT`) and of the
    /// first `GIVEN_TOKENS` given tokens (from `SKETCH_GIVEN`; `given_n` of them, `u8::MAX`:
    /// more), so that a pair of different names is mostly told apart without reading either
    /// record's strings.
    pub(crate) sketch_mask: [u64; SKETCHES],
    pub(crate) sketch_len: [u8; SKETCHES],
    pub(crate) sketch_first: [u8; SKETCHES],
    pub(crate) given_n: u8,
}

pub(crate) const SKETCH_COMPACT: usize = 0;
pub(crate) const SKETCH_GIVEN_COMPACT: usize = 1;
pub(crate) const SKETCH_GIVEN: usize = 2;
const SKETCHES: usize = SKETCH_GIVEN + GIVEN_TOKENS;

/// How many given-name tokens `Packed` sketches; a name with more is compared from its strings.
const GIVEN_TOKENS: usize = 4;

/// What `could_reach` and the initial test of `tokens_agree` read of a string: its bytes folded
/// onto 64 bits, its first byte, and its length; length 0 when the string is empty, not ASCII
/// or longer than 255 bytes (nothing is then ruled out).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sketch {
    mask: u64,
    len: u8,
    first: u8,
}

impl Sketch {
    pub(crate) fn of(s: &str) -> Sketch {
        Sketch {
            // Bytes folded onto 64 bits: two letters sharing a bit only loosen the bound.
            mask: s.bytes().fold(0u64, |m, c| m | 1u64 << (c & 63)),
            len: if s.is_ascii() && s.len() <= 255 {
                s.len() as u8
            } else {
                0
            },
            first: s.bytes().next().unwrap_or(0),
        }
    }

    /// `could_reach` from the sketches alone (the same bound).
    pub(crate) fn could_reach(self, other: Sketch, at_least: f64) -> bool {
        if self.len == 0 || other.len == 0 {
            return true;
        }
        let jaro_needed = (at_least - 0.4) / 0.6;
        let (ma, mb) = (self.mask, other.mask);
        let (la, lb) = (self.len as f64, other.len as f64);
        let m = (la - (ma & !mb).count_ones() as f64).min(lb - (mb & !ma).count_ones() as f64);
        if m <= 0.0 {
            return jaro_needed <= 0.0;
        }
        (m / la + m / lb + 1.0) / 3.0 >= jaro_needed - 1e-12
    }

    /// Whether two strings could be one slip apart (`compare::one_slip_apart`: a letter changed,
    /// added, dropped, or two swapped), in any order of their letters: lengths at most one
    /// apart and at most one letter of each missing from the other. `false` is certain.
    pub(crate) fn could_be_one_slip(self, other: Sketch) -> bool {
        if self.len == 0 || other.len == 0 {
            return true;
        }
        self.len.abs_diff(other.len) <= 1
            && (self.mask & !other.mask).count_ones() <= 1
            && (other.mask & !self.mask).count_ones() <= 1
    }

    /// Whether two tokens could agree in `compare::tokens_agree`: equal, one a one-letter
    /// initial of the other, or within reach of Jaro–Winkler `at_least`. `false` is certain;
    /// `true` decides nothing.
    pub(crate) fn could_agree(self, other: Sketch, at_least: f64) -> bool {
        (self.len == other.len && self.mask == other.mask)
            || self.len == 0
            || other.len == 0
            || (self.len == 1 && self.first == other.first)
            || (other.len == 1 && other.first == self.first)
            || self.could_reach(other, at_least)
    }
}

/// How many address words `Packed` keeps; longer addresses are compared by their sketch.
pub const ADDRESS_WORDS: usize = 12;

/// Jaccard overlap of two addresses from their packed words: exact when neither was cut to
/// `ADDRESS_WORDS`, else the bottom-k estimate (the share of the union's k smallest hashes
/// that both hold; Broder 1997).
pub(crate) fn packed_jaccard(a: &Packed, b: &Packed) -> f64 {
    let (x, y) = (
        &a.address[..(a.address_len as usize).min(ADDRESS_WORDS)],
        &b.address[..(b.address_len as usize).min(ADDRESS_WORDS)],
    );
    let cut = a.address_len as usize > ADDRESS_WORDS || b.address_len as usize > ADDRESS_WORDS;
    let limit = if cut { ADDRESS_WORDS } else { usize::MAX };
    let (mut i, mut j, mut seen, mut common) = (0, 0, 0usize, 0usize);
    while seen < limit && (i < x.len() || j < y.len()) {
        let (xv, yv) = (x.get(i).copied(), y.get(j).copied());
        match (xv, yv) {
            (Some(p), Some(q)) if p == q => {
                common += 1;
                i += 1;
                j += 1;
            }
            (Some(p), Some(q)) if p < q => i += 1,
            (Some(_), Some(_)) => j += 1,
            (Some(_), None) => i += 1,
            (None, _) => j += 1,
        }
        seen += 1;
    }
    if seen == 0 {
        0.0
    } else {
        common as f64 / seen as f64
    }
}

/// A string's 64-bit hash, never 0 (0 stands for empty or missing).
fn hash_str(s: &str) -> u64 {
    if s.is_empty() {
        0
    } else {
        xxhash_rust::xxh3::xxh3_64(s.as_bytes()) | 1
    }
}

fn hash_opt<S: std::ops::Deref<Target = str>>(s: &Option<S>) -> u64 {
    s.as_deref().map_or(0, hash_str)
}

impl Packed {
    pub fn of(r: &NormRecord) -> Packed {
        use chrono::Datelike;
        let mut p = Packed {
            key: hash_str(&r.key),
            compact: hash_str(&r.compact),
            sorted_key: hash_str(&r.sorted_key),
            phonetic: hash_str(&r.phonetic),
            khmer_key: hash_str(&r.khmer_key),
            initials_key: hash_opt(&r.initials_key),
            given_compact: hash_str(&r.given_compact),
            has_patronym: !r.name.patronym.is_empty(),
            initials: r.name.initials,
            has_address: r.address.is_some(),
            other_ids: Some([
                hash_opt(r.old_ic()),
                hash_opt(r.passport()),
                hash_opt(r.national_id()),
                hash_opt(r.household_id()),
            ])
            .filter(|ids| ids != &[0; 4])
            .map(Box::new),
            dob_days: r.dob.map_or(i32::MIN, |d| d.num_days_from_ce()),
            dob_ymd: r
                .dob
                .map_or((0, 0, 0), |d| (d.year(), d.month() as u8, d.day() as u8)),
            sex: r.sex.map_or(0, |s| s as u8 + 1),
            postcode: hash_opt(&r.postcode),
            phone: hash_opt(&r.phone),
            ..Default::default()
        };
        p.set_sketch(SKETCH_COMPACT, &r.compact);
        p.set_sketch(SKETCH_GIVEN_COMPACT, &r.given_compact);
        let given = &r.name.given;
        if given.len() <= GIVEN_TOKENS {
            p.given_n = given.len() as u8;
            for (i, t) in given.iter().enumerate() {
                p.set_sketch(SKETCH_GIVEN + i, t);
            }
        } else {
            p.given_n = u8::MAX;
        }
        if let Some(address) = &r.address {
            // The words' hashes are made here, once, rather than kept with every record.
            let hashes = super::word_hashes(address);
            let mut words: Vec<u32> = hashes.iter().map(|w| (w >> 32) as u32).collect();
            words.dedup();
            p.address_len = words.len().min(255) as u8;
            let n = words.len().min(ADDRESS_WORDS);
            p.address[..n].copy_from_slice(&words[..n]);
            let compact: String = address.chars().filter(|&c| c != ' ').collect();
            p.address_compact = hash_str(&compact);
        }
        if let Some(ic) = &r.ic {
            let d = ic.digits.as_bytes();
            p.ic_valid = ic.valid;
            p.ic_hash = hash_str(&ic.digits);
            p.ic_len = d.len().min(255) as u8;
            if d.len() <= p.ic.len() {
                p.ic[..d.len()].copy_from_slice(d);
            }
        }
        p
    }

    /// The household id's hash, 0 when there is none.
    pub(crate) fn household_id(&self) -> u64 {
        self.other_ids.as_ref().map_or(0, |ids| ids[3])
    }

    /// The name (its sorted key) as a number, 0 for no name: what the model's name
    /// frequencies count.
    pub fn name(&self) -> u64 {
        self.sorted_key
    }

    fn set_sketch(&mut self, i: usize, s: &str) {
        let k = Sketch::of(s);
        (
            self.sketch_mask[i],
            self.sketch_len[i],
            self.sketch_first[i],
        ) = (k.mask, k.len, k.first);
    }

    pub(crate) fn sketch(&self, i: usize) -> Sketch {
        Sketch {
            mask: self.sketch_mask[i],
            len: self.sketch_len[i],
            first: self.sketch_first[i],
        }
    }
}

/// Every record packed, in parallel.
pub fn pack_all(recs: &[NormRecord]) -> Vec<Packed> {
    recs.par_iter().map(Packed::of).collect()
}

/// Every record's name as the model's name frequencies know it (`Packed::name`).
pub fn names(packed: &[Packed]) -> Vec<u64> {
    packed.iter().map(Packed::name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Field;
    use crate::score::compare::sorted_jaccard;

    /// A record normalised from its fields, as of 1 January 2026.
    fn rec(fields: &[(Field, &str)]) -> NormRecord {
        crate::normalise::read_fields(fields, chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
    }

    #[test]
    fn packed_address_overlap_is_exact_for_short_addresses_and_close_for_long() {
        let addr = |t: &str| rec(&[(Field::FullName, "ALI"), (Field::Address, t)]);
        let a = addr("NO 12 JALAN MAWAR 3 TAMAN MAWAR KAJANG");
        let b = addr("12 JALAN MAWAR 3 TAMAN SERI KAJANG");
        let hashes = |r: &NormRecord| crate::normalise::word_hashes(r.address.as_deref().unwrap());
        let exact = sorted_jaccard(&hashes(&a), &hashes(&b));
        assert!(exact > 0.0 && exact < 1.0);
        assert_eq!(packed_jaccard(&Packed::of(&a), &Packed::of(&b)), exact);
        // 40 words, 30 shared: the sketch estimates 30/50 = 0.6 from 12 hashes.
        let words =
            |r: std::ops::Range<usize>| r.map(|i| format!("W{i}")).collect::<Vec<_>>().join(" ");
        let (c, d) = (addr(&words(0..40)), addr(&words(10..50)));
        let exact = sorted_jaccard(&hashes(&c), &hashes(&d));
        let sketch = packed_jaccard(&Packed::of(&c), &Packed::of(&d));
        assert!((exact - 0.6).abs() < 1e-9);
        assert!((sketch - exact).abs() <= 0.35, "{sketch} vs {exact}");
        assert_eq!(packed_jaccard(&Packed::of(&c), &Packed::of(&c)), 1.0);
    }
}
