//! Score: compare candidate pairs field by field and weigh the evidence.
//!
//! Reads: normalised records and candidate pairs. Writes: for every pair, each comparison's
//! level, the summed match weight and a decision (match, review, non-match).
//!
//! The backbone uses fixed weights in log2 Bayes-factor units, one per comparison level, set by
//! hand from how often each level occurs among true and false pairs; level 0 of every
//! comparison means "missing on either side" and weighs nothing. The probabilistic model (m and
//! u estimated by EM) replaces the weights, not the levels. Comparisons run in parallel (rayon);
//! names are compared with rapidfuzz's Jaro–Winkler (strsim is the reference in tests).

pub mod em;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Thresholds;
use crate::normalise::{Linkable, NormRecord};

/// One level of a comparison.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Level {
    pub label: &'static str,
    pub weight: f64,
}

/// A comparison and its ordered levels; level 0 is always `missing`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Comparison {
    pub name: &'static str,
    pub levels: &'static [Level],
}

const fn l(label: &'static str, weight: f64) -> Level {
    Level { label, weight }
}

const MISSING: Level = l("missing", 0.0);

const NAME_DIFFERENT: u8 = 1;
const IC_DIFFERENT_VALID: u8 = 1;
const IC_ONE_EDIT: u8 = 3;

/// Every comparison, in output order. The level indices below must follow these tables.
pub const COMPARISONS: [Comparison; N_COMPARISONS] = [
    Comparison {
        name: "name",
        levels: &[
            MISSING,
            l("different", -6.0),
            l("similar", 1.0),
            l("close", 4.0),
            l("given_equal_patronym_missing", 5.0),
            l("same_sound", 6.0),
            l("same_tokens", 7.0),
            l("equal", 8.0),
        ],
    },
    Comparison {
        name: "ic",
        levels: &[
            MISSING,
            l("different_valid", -8.0),
            l("different", -5.0),
            l("one_edit", 2.0),
            l("equal", 12.0),
        ],
    },
    Comparison {
        name: "other_id",
        levels: &[MISSING, l("different", -3.0), l("equal", 10.0)],
    },
    Comparison {
        name: "dob",
        levels: &[
            MISSING,
            l("different", -5.0),
            l("within_a_year", -2.0),
            l("two_of_three", 0.5),
            l("day_month_swapped", 2.0),
            l("equal", 5.0),
        ],
    },
    Comparison {
        name: "sex",
        levels: &[MISSING, l("different", -3.0), l("equal", 0.5)],
    },
    Comparison {
        name: "postcode",
        levels: &[MISSING, l("different", -0.5), l("equal", 1.0)],
    },
    Comparison {
        name: "address",
        levels: &[
            MISSING,
            l("different", -0.5),
            l("similar", 0.5),
            l("close", 1.5),
        ],
    },
    Comparison {
        name: "phone",
        levels: &[MISSING, l("different", -0.5), l("equal", 1.5)],
    },
    Comparison {
        name: "household_id",
        levels: &[MISSING, l("different", -0.5), l("equal", 1.5)],
    },
];

pub const N_COMPARISONS: usize = 9;

/// Jaro–Winkler similarity, on bytes when both strings are ASCII (the common case once names
/// are normalised).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    use rapidfuzz::distance::jaro_winkler::similarity;
    if a.is_ascii() && b.is_ascii() {
        similarity(a.bytes(), b.bytes())
    } else {
        similarity(a.chars(), b.chars())
    }
}

/// A record's comparison fields packed for speed: one small struct per record in one array,
/// strings as 64-bit hashes (0: empty or missing), so that most comparisons touch no string.
/// The strings are read only for the similarity levels (Jaro–Winkler, address overlap).
///
/// The current generation keeps each record's in `forms.bin` (`store::stored`): a change
/// to these fields changes that file's layout (bump `store::stored::FORMS_VERSION`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Packed {
    key: u64,
    compact: u64,
    sorted_key: u64,
    phonetic: u64,
    khmer_key: u64,
    initials_key: u64,
    given_compact: u64,
    has_patronym: bool,
    initials: bool,
    has_address: bool,
    ic_valid: bool,
    /// The IC digits (`ic_len` of them; 0: no IC; longer than 20: only `ic_hash` compares).
    ic_len: u8,
    ic: [u8; 20],
    ic_hash: u64,
    /// The old IC, passport, national id and household id hashed (in that order), out of line:
    /// most records have none.
    other_ids: Option<Box<[u64; 4]>>,
    /// Birth date as (year, month, day) and as a day number; `dob_days == i32::MIN`: none.
    dob_days: i32,
    dob_ymd: (i32, u8, u8),
    sex: u8,
    postcode: u64,
    phone: u64,
    /// The address's distinct words as the top halves of their sorted hashes, at most
    /// `ADDRESS_WORDS` of them (the smallest: a bottom-k sketch); `address_len` is the number
    /// of distinct words (capped at 255).
    address: [u32; ADDRESS_WORDS],
    address_len: u8,
    /// Sketches (`Sketch`, stored column by column to save padding) of the whole name and
    /// the given name without spaces (`SKETCH_COMPACT`, `SKETCH_GIVEN_COMPACT`) and of the
    /// first `GIVEN_TOKENS` given tokens (from `SKETCH_GIVEN`; `given_n` of them, `u8::MAX`:
    /// more), so that a pair of different names is mostly told apart without reading either
    /// record's strings.
    sketch_mask: [u64; SKETCHES],
    sketch_len: [u8; SKETCHES],
    sketch_first: [u8; SKETCHES],
    given_n: u8,
}

const SKETCH_COMPACT: usize = 0;
const SKETCH_GIVEN_COMPACT: usize = 1;
const SKETCH_GIVEN: usize = 2;
const SKETCHES: usize = SKETCH_GIVEN + GIVEN_TOKENS;

/// How many given-name tokens `Packed` sketches; a name with more is compared from its strings.
const GIVEN_TOKENS: usize = 4;

/// What `could_reach` and the initial test of `tokens_agree` read of a string: its bytes folded
/// onto 64 bits, its first byte, and its length; length 0 when the string is empty, not ASCII
/// or longer than 255 bytes (nothing is then ruled out).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sketch {
    mask: u64,
    len: u8,
    first: u8,
}

impl Sketch {
    fn of(s: &str) -> Sketch {
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
    fn could_reach(self, other: Sketch, at_least: f64) -> bool {
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

    /// Whether two tokens could agree in `tokens_agree`: equal, one a one-letter initial of the
    /// other, or within reach of `TOKEN_JW`. `false` is certain; `true` decides nothing.
    fn could_agree(self, other: Sketch) -> bool {
        (self.len == other.len && self.mask == other.mask)
            || self.len == 0
            || other.len == 0
            || (self.len == 1 && self.first == other.first)
            || (other.len == 1 && other.first == self.first)
            || self.could_reach(other, TOKEN_JW)
    }
}

/// Jaro–Winkler at which two given-name tokens count as the same (a typo or a variant).
const TOKEN_JW: f64 = 0.88;

/// How many address words `Packed` keeps; longer addresses are compared by their sketch.
pub const ADDRESS_WORDS: usize = 12;

/// Jaccard overlap of two addresses from their packed words: exact when neither was cut to
/// `ADDRESS_WORDS`, else the bottom-k estimate (the share of the union's k smallest hashes
/// that both hold; Broder 1997).
fn packed_jaccard(a: &Packed, b: &Packed) -> f64 {
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
            let hashes = crate::normalise::word_hashes(address);
            let mut words: Vec<u32> = hashes.iter().map(|w| (w >> 32) as u32).collect();
            words.dedup();
            p.address_len = words.len().min(255) as u8;
            let n = words.len().min(ADDRESS_WORDS);
            p.address[..n].copy_from_slice(&words[..n]);
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
    fn household_id(&self) -> u64 {
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

    fn sketch(&self, i: usize) -> Sketch {
        Sketch {
            mask: self.sketch_mask[i],
            len: self.sketch_len[i],
            first: self.sketch_first[i],
        }
    }
}

/// Asks the processor to bring `v` into cache (a hint; nothing happens on other targets).
#[inline(always)]
fn prefetch<T>(v: &T) {
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

/// Every record packed, in parallel.
pub fn pack_all(recs: &[NormRecord]) -> Vec<Packed> {
    recs.par_iter().map(Packed::of).collect()
}

/// Every record's name as the model's name frequencies know it (`Packed::name`).
pub fn names(packed: &[Packed]) -> Vec<u64> {
    packed.iter().map(Packed::name).collect()
}

/// The names the model's name frequencies count: every record's but those `left_out` (empty,
/// or a flag per record; see `Model::fit`).
pub fn counted_names(packed: &[Packed], left_out: &[bool]) -> Vec<u64> {
    if left_out.is_empty() {
        return names(packed);
    }
    packed
        .iter()
        .zip(left_out)
        .filter(|(_, &out)| !out)
        .map(|(p, _)| p.name())
        .collect()
}

fn name_level(pa: &Packed, pb: &Packed, a: &Linkable, b: &Linkable) -> u8 {
    if pa.compact == 0 || pb.compact == 0 {
        return 0;
    }
    if pa.key == pb.key {
        return 7;
    }
    if pa.compact == pb.compact || pa.sorted_key == pb.sorted_key {
        return 6;
    }
    // Spelled differently, sounding the same (AISYAH / AISHAH, CHANN / CHAN), or an Indian
    // short form against the full name (S. RAJAGOPAL / RAJAGOPAL A/L SUBRAMANIAM).
    let sound = pa.phonetic != 0 && pa.phonetic == pb.phonetic;
    let khmer = pa.khmer_key != 0 && pa.khmer_key == pb.khmer_key;
    let short_form =
        (pa.initials || pb.initials) && pa.initials_key != 0 && pa.initials_key == pb.initials_key;
    if sound || khmer || short_form {
        return 5;
    }
    let (ga, gb) = (pa.given_compact, pb.given_compact);
    let one_patronym_missing = pa.has_patronym != pb.has_patronym;
    if one_patronym_missing && ga != 0 && ga == gb {
        return 4;
    }
    // The given name is compared more strictly than the whole, since fathers' names get
    // abbreviated or dropped (docs/domain.md, names): every given token of the shorter name
    // must be found, near enough, in the other. NUR IMAN and NUR AIN share NUR and are close
    // as strings, but are two people.
    if ga != 0 && gb != 0 && ga != gb && (!tokens_could_agree(pa, pb) || !tokens_agree(a, b)) {
        return 1;
    }
    let given = if ga == 0 || gb == 0 {
        1.0
    } else if pa
        .sketch(SKETCH_GIVEN_COMPACT)
        .could_reach(pb.sketch(SKETCH_GIVEN_COMPACT), 0.85)
    {
        jaro_winkler(a.given_compact(), b.given_compact())
    } else {
        0.0
    };
    if given < 0.85
        || !pa
            .sketch(SKETCH_COMPACT)
            .could_reach(pb.sketch(SKETCH_COMPACT), 0.80)
    {
        return 1;
    }
    let full = jaro_winkler(a.compact(), b.compact());
    if full >= 0.92 {
        3
    } else if full >= 0.80 {
        2
    } else {
        1
    }
}

/// Whether Jaro–Winkler of `a` and `b` could reach `at_least`, from a bound that needs no
/// alignment: a letter of one string absent from the other can match nothing, so at most
/// `m` characters match, and Jaro is at most `(m/|a| + m/|b| + 1) / 3`; the Winkler prefix bonus
/// at most turns Jaro `j` into `0.6 j + 0.4`. `false` means the similarity is surely lower;
/// `true` decides nothing. Non-ASCII strings always give `true`.
pub fn could_reach(a: &str, b: &str, at_least: f64) -> bool {
    Sketch::of(a).could_reach(Sketch::of(b), at_least)
}

/// Whether every token of the shorter list has a near twin in the other: equal, an initial of
/// it, or Jaro–Winkler at least 0.88 (a typo or a spelling variant).
fn tokens_agree(a: &Linkable, b: &Linkable) -> bool {
    let (a, b) = (a.given(), b.given());
    let (short, long) = if a.clone().count() <= b.clone().count() {
        (a, b)
    } else {
        (b, a)
    };
    short.clone().all(|t| {
        long.clone().any(|u| {
            t == u
                || (t.len() == 1 && u.starts_with(t))
                || (u.len() == 1 && t.starts_with(u))
                || (could_reach(t, u, TOKEN_JW) && jaro_winkler(t, u) >= TOKEN_JW)
        })
    })
}

/// `false` when the packed sketches show that `tokens_agree` is false for the given names:
/// some token of the shorter name can agree with no token of the other. `true` decides
/// nothing (the strings are compared then).
fn tokens_could_agree(pa: &Packed, pb: &Packed) -> bool {
    if pa.given_n == u8::MAX || pb.given_n == u8::MAX {
        return true;
    }
    let (a, b) = (
        SKETCH_GIVEN..SKETCH_GIVEN + pa.given_n as usize,
        SKETCH_GIVEN..SKETCH_GIVEN + pb.given_n as usize,
    );
    let ((ps, short), (pl, long)) = if a.len() <= b.len() {
        ((pa, a), (pb, b))
    } else {
        ((pb, b), (pa, a))
    };
    short.into_iter().all(|t| {
        let t = ps.sketch(t);
        long.clone().any(|u| t.could_agree(pl.sketch(u)))
    })
}

/// One substitution or one adjacent transposition between two equally long strings (the
/// optimal-string-alignment distance is at most 1), without allocating.
pub fn one_edit(a: &str, b: &str) -> bool {
    one_edit_bytes(a.as_bytes(), b.as_bytes())
}

fn one_edit_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) else {
        return true;
    };
    if a[i + 1..] == b[i + 1..] {
        return true;
    }
    i + 1 < a.len() && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..]
}

fn ic_level(pa: &Packed, pb: &Packed, a: &Linkable, b: &Linkable) -> u8 {
    if pa.ic_hash == 0 || pb.ic_hash == 0 {
        return 0;
    }
    let edit = if pa.ic_hash == pb.ic_hash {
        return 4;
    } else if pa.ic_len != pb.ic_len {
        false
    } else if (pa.ic_len as usize) <= pa.ic.len() {
        let n = pa.ic_len as usize;
        one_edit_bytes(&pa.ic[..n], &pb.ic[..n])
    } else {
        one_edit(a.ic().unwrap_or(""), b.ic().unwrap_or(""))
    };
    if edit {
        3
    } else if pa.ic_valid && pb.ic_valid {
        1
    } else {
        2
    }
}

fn other_id_level(pa: &Packed, pb: &Packed) -> u8 {
    let (Some(a), Some(b)) = (&pa.other_ids, &pb.other_ids) else {
        return 0;
    };
    let mut level = 0;
    for (&x, &y) in a[..3].iter().zip(&b[..3]) {
        if x != 0 && y != 0 {
            if x == y {
                return 2;
            }
            level = 1;
        }
    }
    level
}

fn dob_level(pa: &Packed, pb: &Packed) -> u8 {
    if pa.dob_days == i32::MIN || pb.dob_days == i32::MIN {
        return 0;
    }
    let (x, y) = (pa.dob_ymd, pb.dob_ymd);
    if pa.dob_days == pb.dob_days {
        5
    } else if x.0 == y.0 && x.1 == y.2 && x.2 == y.1 {
        4
    } else if (x.0 == y.0) as u8 + (x.1 == y.1) as u8 + (x.2 == y.2) as u8 == 2 {
        3
    } else if (pa.dob_days - pb.dob_days).abs() <= 366 {
        2
    } else {
        1
    }
}

/// The level of a field compared by equality of its hash (0: missing on either side).
fn eq_level(x: u64, y: u64) -> u8 {
    if x == 0 || y == 0 {
        0
    } else {
        1 + (x == y) as u8
    }
}

/// Share of distinct words two addresses have in common (Jaccard).
pub fn token_jaccard(a: &str, b: &str) -> f64 {
    let mut x: Vec<&str> = a.split(' ').collect();
    let mut y: Vec<&str> = b.split(' ').collect();
    x.sort_unstable();
    x.dedup();
    y.sort_unstable();
    y.dedup();
    let common = x.iter().filter(|w| y.binary_search(w).is_ok()).count();
    let union = x.len() + y.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

/// Jaccard overlap of two sorted, distinct lists, by merging them.
pub fn sorted_jaccard(x: &[u64], y: &[u64]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = x.len() + y.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

fn address_level(pa: &Packed, pb: &Packed) -> u8 {
    match (pa.has_address, pb.has_address) {
        (true, true) => {
            let j = packed_jaccard(pa, pb);
            if j >= 0.8 {
                3
            } else if j >= 0.5 {
                2
            } else {
                1
            }
        }
        _ => 0,
    }
}

/// Each comparison's level for a pair.
pub fn compare(a: &NormRecord, b: &NormRecord) -> [u8; N_COMPARISONS] {
    compare_packed(
        &Packed::of(a),
        &Packed::of(b),
        &Linkable::of(a),
        &Linkable::of(b),
    )
}

/// Each comparison's level for a pair, from the packed records (and the records themselves
/// for the similarity levels).
pub fn compare_packed(pa: &Packed, pb: &Packed, a: &Linkable, b: &Linkable) -> [u8; N_COMPARISONS] {
    let name = name_level(pa, pb, a, b);
    let mut ic = ic_level(pa, pb, a, b);
    // Two valid MyKad numbers one digit apart under different given names are twins or
    // siblings registered together (consecutive serials), not a typo: they count as two
    // different valid numbers.
    if ic == IC_ONE_EDIT && name == NAME_DIFFERENT && pa.ic_valid && pb.ic_valid {
        ic = IC_DIFFERENT_VALID;
    }
    [
        name,
        ic,
        other_id_level(pa, pb),
        dob_level(pa, pb),
        eq_level(pa.sex as u64, pb.sex as u64),
        eq_level(pa.postcode, pb.postcode),
        address_level(pa, pb),
        eq_level(pa.phone, pb.phone),
        eq_level(pa.household_id(), pb.household_id()),
    ]
}

/// The match weight of a set of levels: the sum of their weights.
pub fn weight(levels: &[u8; N_COMPARISONS]) -> f64 {
    levels
        .iter()
        .zip(COMPARISONS.iter())
        .map(|(&lv, c)| c.levels[lv as usize].weight)
        .sum()
}

/// The probability a weight stands for, taking a candidate pair's prior odds as even.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Match,
    Review,
    NonMatch,
}

impl Decision {
    pub fn label(self) -> &'static str {
        match self {
            Decision::Match => "match",
            Decision::Review => "review",
            Decision::NonMatch => "non-match",
        }
    }
}

/// A scored candidate pair.
#[derive(Clone, Copy, Debug)]
pub struct Scored {
    pub a: u32,
    pub b: u32,
    /// The match weight: the prior's log2 odds plus every comparison's weight.
    pub weight: f64,
    pub levels: [u8; N_COMPARISONS],
    pub decision: Decision,
}

/// The most EM iterations a rule's m is estimated in. A rule whose pairs are few matches among
/// many non-matches converges slowly, in hundreds of iterations; an iteration costs one pass
/// over the level patterns (a few thousand), so a generous limit is cheap.
pub const EM_MAX_ITERATIONS: u32 = 1000;

/// Below this many records, u and m cannot be estimated well and the fixed weights are used.
pub const EM_MIN_RECORDS: usize = 500;

/// Which weights a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// The hand-set weights of `COMPARISONS`, prior odds even.
    Fixed,
    /// Fellegi–Sunter: u from random pairs, m and the prior by EM, name term frequencies.
    Em,
}

/// The weights in force: per comparison and level, plus the prior and name frequencies.
/// The register store keeps it (without the frequencies, which are counted again over each
/// run's records) so that an incremental run weighs pairs as the previous one did.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Model {
    pub kind: ModelKind,
    /// `weights[k][l]`: log2 Bayes factor of level `l` of comparison `k`.
    pub weights: Vec<Vec<f64>>,
    /// log2 prior odds of a candidate pair being a match.
    pub prior_weight: f64,
    /// The EM estimates behind the weights, when estimated.
    pub params: Option<em::Params>,
    /// How many random pairs u was estimated from.
    pub u_sample_pairs: u64,
    #[serde(skip)]
    name_tf: Option<TermFrequencies>,
}

/// How often each sorted name key occurs among the records.
#[derive(Clone, Debug, Default)]
struct TermFrequencies {
    /// By the name's hash (`Packed::name`).
    counts: ahash::AHashMap<u64, u32>,
    records: f64,
}

/// Comparisons that describe a household rather than a person: members of one family agree
/// on all of them at once, so their evidence is not independent. A pair counts the strongest
/// agreement among them once, and every disagreement.
pub const HOUSEHOLD: [&str; 4] = ["postcode", "address", "phone", "household_id"];

/// Positions of the `HOUSEHOLD` comparisons in `COMPARISONS`, found once.
fn household_indices() -> &'static [usize] {
    static INDICES: std::sync::OnceLock<Vec<usize>> = std::sync::OnceLock::new();
    INDICES.get_or_init(|| {
        (0..N_COMPARISONS)
            .filter(|&k| HOUSEHOLD.contains(&COMPARISONS[k].name))
            .collect()
    })
}

/// The name levels whose weight is adjusted by the name's frequency.
const NAME_TF_LEVELS: [u8; 2] = [6, 7];
/// A rare name adds at most this much above the level's average weight.
const TF_MAX_BONUS: f64 = 4.0;

impl Model {
    /// The hand-set weights.
    pub fn fixed() -> Model {
        Model {
            kind: ModelKind::Fixed,
            weights: COMPARISONS
                .iter()
                .map(|c| c.levels.iter().map(|l| l.weight).collect())
                .collect(),
            prior_weight: 0.0,
            params: None,
            u_sample_pairs: 0,
            name_tf: None,
        }
    }

    /// Estimates the model: u from random pairs; m by EM on each blocking rule's pairs with
    /// the comparisons that rule agrees on by construction left out (they would teach the
    /// model that every candidate agrees there), averaged over the rules that do not use a
    /// comparison; then the prior by EM over all candidates with m and u held.
    ///
    /// `left_out` (empty, or one flag per record): records the estimates do not count, every
    /// copy but one of a suspect group (`quality::Repeats`). Thousands of copies of one row
    /// would otherwise make most random pairs agree on every field. The caller leaves them
    /// out of `rule_samples`; `candidate_pairs` are the pairs `candidate_levels` describe.
    pub fn fit(
        recs: &[Linkable],
        packed: &[Packed],
        candidate_pairs: &[(u32, u32)],
        candidate_levels: &Levels,
        rule_samples: &[(&[&str], Vec<[u8; N_COMPARISONS]>)],
        left_out: &[bool],
    ) -> Model {
        let n_levels: [usize; N_COMPARISONS] = std::array::from_fn(|k| COMPARISONS[k].levels.len());
        let counted: Option<Vec<u32>> = left_out.contains(&true).then(|| {
            (0..recs.len() as u32)
                .filter(|&i| !left_out[i as usize])
                .collect()
        });
        let n = counted.as_ref().map_or(recs.len(), Vec::len);
        let sample = random_pair_levels(
            recs,
            packed,
            counted.as_deref(),
            (100 * n as u64).clamp(200_000, 2_000_000),
        );
        let u_sample_pairs = sample.values().sum();
        let u = em::estimate_u(&sample, &n_levels);
        let mut m_sum: Vec<Vec<f64>> = n_levels.iter().map(|&n| vec![0.0; n]).collect();
        let mut m_n = [0u32; N_COMPARISONS];
        let mut all_converged = true;
        let mut iterations = 0;
        for (uses, levels) in rule_samples {
            if levels.is_empty() {
                continue;
            }
            let skip: Vec<bool> = COMPARISONS.iter().map(|c| uses.contains(&c.name)).collect();
            let mut h: em::Histogram<N_COMPARISONS> = Default::default();
            for l in levels {
                let mut l = *l;
                for k in 0..N_COMPARISONS {
                    if skip[k] {
                        l[k] = 0;
                    }
                }
                *h.entry(l).or_default() += 1;
            }
            let p = em::estimate(&h, u.clone(), &n_levels, EM_MAX_ITERATIONS);
            all_converged &= p.converged;
            iterations = iterations.max(p.iterations);
            for k in (0..N_COMPARISONS).filter(|&k| !skip[k]) {
                m_n[k] += 1;
                for (sum, m) in m_sum[k].iter_mut().zip(&p.m[k]).skip(1) {
                    *sum += m;
                }
            }
        }
        let init = em::initial_m(&n_levels);
        let m: Vec<Vec<f64>> = (0..N_COMPARISONS)
            .map(|k| {
                if m_n[k] == 0 {
                    init[k].clone()
                } else {
                    let mut v: Vec<f64> = m_sum[k].iter().map(|x| x / m_n[k] as f64).collect();
                    v[0] = 1.0;
                    v
                }
            })
            .collect();
        let cand = match counted {
            None => candidate_levels.histogram(),
            Some(_) => candidate_levels.histogram_where(|i| {
                let (a, b) = candidate_pairs[i];
                !left_out[a as usize] && !left_out[b as usize]
            }),
        };
        let n = n as f64;
        let lambda = em::estimate_lambda(&cand, n * (n - 1.0) / 2.0, &m, &u, 500);
        let params = em::Params {
            m,
            u,
            lambda,
            iterations,
            converged: all_converged,
        };
        let weights = (0..N_COMPARISONS)
            .map(|k| (0..n_levels[k]).map(|l| params.weight(k, l)).collect())
            .collect();
        Model {
            kind: ModelKind::Em,
            weights,
            prior_weight: params.prior_weight(),
            params: Some(params),
            u_sample_pairs,
            name_tf: None,
        }
        .with_name_frequencies(&counted_names(packed, left_out))
    }

    /// The model with its name frequencies counted over `names`, every record's name
    /// (`Packed::name`; an estimated model adjusts a name's weight by how common the name is;
    /// the fixed weights do not).
    pub fn with_name_frequencies(mut self, names: &[u64]) -> Model {
        if self.kind != ModelKind::Em {
            self.name_tf = None;
            return self;
        }
        let mut tf = TermFrequencies {
            records: names.len() as f64,
            ..Default::default()
        };
        for &n in names.iter().filter(|&&n| n != 0) {
            *tf.counts.entry(n).or_default() += 1;
        }
        self.name_tf = Some(tf);
        self
    }

    /// Each comparison's weight for a pair, the name's adjusted for its frequency (`name`:
    /// the first record's, `Packed::name`).
    pub fn field_weights(&self, name: u64, levels: &[u8; N_COMPARISONS]) -> [f64; N_COMPARISONS] {
        self.with_name(name, levels[0], self.pattern_weights(levels))
    }

    /// A pattern's weights (`pattern_weights`) with the name's adjusted for a name
    /// (`Packed::name`) at name level `level`: `field_weights`, from weights worked out before.
    fn with_name(&self, name: u64, level: u8, mut w: [f64; N_COMPARISONS]) -> [f64; N_COMPARISONS] {
        w[0] = self.name_weight(name, level, w[0]);
        w
    }

    /// The match weight of a pair's field weights: the prior's and theirs, added in order.
    fn total(&self, field_weights: &[f64; N_COMPARISONS]) -> f64 {
        self.prior_weight + field_weights.iter().sum::<f64>()
    }

    /// The name's weight at level `level` for a name (`Packed::name`), adjusted for how
    /// common the name is; `unadjusted` is the level's weight.
    fn name_weight(&self, name: u64, level: u8, unadjusted: f64) -> f64 {
        if let (Some(tf), Some(p)) = (&self.name_tf, &self.params) {
            if NAME_TF_LEVELS.contains(&level) {
                if let Some(&c) = tf.counts.get(&name) {
                    let u_v = c as f64 / tf.records;
                    let adjusted = (p.m[0][level as usize] / u_v).log2();
                    return adjusted.clamp(unadjusted.min(1.0), unadjusted + TF_MAX_BONUS);
                }
            }
        }
        unadjusted
    }

    /// Each comparison's weight for a pattern of levels, the name's not adjusted for its
    /// frequency: what `field_weights` adds to for every name. The household comparisons
    /// never depend on the name.
    fn pattern_weights(&self, levels: &[u8; N_COMPARISONS]) -> [f64; N_COMPARISONS] {
        let mut w: [f64; N_COMPARISONS] =
            std::array::from_fn(|k| self.weights[k][levels[k] as usize]);
        if self.kind == ModelKind::Em {
            let group = household_indices();
            let strongest = group
                .iter()
                .copied()
                .filter(|&k| w[k] > 0.0)
                .max_by(|&a, &b| w[a].total_cmp(&w[b]).then(b.cmp(&a)));
            for &k in group {
                if w[k] > 0.0 && Some(k) != strongest {
                    w[k] = 0.0;
                }
            }
        }
        w
    }

    /// A pair's match weight.
    pub fn pair_weight(&self, name: u64, levels: &[u8; N_COMPARISONS]) -> f64 {
        self.total(&self.field_weights(name, levels))
    }
}

/// Levels of up to `n` random record pairs (deterministic: pairs are drawn from a fixed hash
/// sequence), as a histogram of level patterns; with `among`, pairs of those records only.
pub fn random_pair_levels(
    recs: &[Linkable],
    packed: &[Packed],
    among: Option<&[u32]>,
    n: u64,
) -> em::Histogram<N_COMPARISONS> {
    let len = among.map_or(recs.len(), <[u32]>::len) as u64;
    let record = |i: u64| among.map_or(i as usize, |a| a[i as usize] as usize);
    if len < 2 {
        return Default::default();
    }
    let n = n.min(len * (len - 1) / 2);
    (0..n)
        .into_par_iter()
        .fold(em::Histogram::default, |mut h, i| {
            let x = xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes());
            let a = (x >> 32) % len;
            let mut b = (x & 0xffff_ffff) % (len - 1);
            if b >= a {
                b += 1;
            }
            let (a, b) = (record(a), record(b));
            *h.entry(compare_packed(&packed[a], &packed[b], &recs[a], &recs[b]))
                .or_default() += 1;
            h
        })
        .reduce(em::Histogram::default, |mut a, b| {
            for (k, v) in b {
                *a.entry(k).or_default() += v;
            }
            a
        })
}

/// Candidate pairs' comparison levels, each pair's level pattern stored as a number into the
/// patterns that occur (a few thousand, where there are tens of millions of pairs): 2 bytes a
/// pair instead of `N_COMPARISONS`, or 4 once more than 65,536 patterns occur.
#[derive(Clone, Debug, Default)]
pub struct Levels {
    patterns: Vec<[u8; N_COMPARISONS]>,
    /// Pattern numbers by `pattern_key`.
    index: ahash::AHashMap<u32, u32>,
    of_pair: PatternIds,
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
fn pattern_key(l: &[u8; N_COMPARISONS]) -> u32 {
    l.iter()
        .enumerate()
        .fold(0, |key, (k, &v)| key | u32::from(v) << (k * LEVEL_BITS))
}

/// Each pair's pattern number, as narrow as the number of patterns allows.
#[derive(Clone, Debug)]
enum PatternIds {
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

    fn get(&self, i: usize) -> usize {
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
pub fn levels_all(
    recs: &[Linkable],
    packed: &[Packed],
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
                    // Only the packed record: most pairs are told apart from it alone, and
                    // fetching the whole record too for every pair makes comparing slower.
                    prefetch(&packed[next as usize]);
                }
                let (a, b) = (a as usize, b as usize);
                let l = compare_packed(&packed[a], &packed[b], &recs[a], &recs[b]);
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

/// Where each pair of each list in `wanted` is in `sorted` (sorted and distinct), `None` for
/// one not in it. All the lists' pairs are found together in sorted order, each a short
/// gallop from the previous one, rather than a binary search each over tens of millions of
/// pairs, missing the caches at each step.
pub fn positions_in(sorted: &[(u32, u32)], wanted: &[&[(u32, u32)]]) -> Vec<Vec<Option<usize>>> {
    let mut all: Vec<((u32, u32), u32, u32)> = wanted
        .iter()
        .enumerate()
        .flat_map(|(l, list)| (0..list.len()).map(move |j| (list[j], l as u32, j as u32)))
        .collect();
    all.par_sort_unstable();
    let mut found: Vec<Vec<Option<usize>>> = wanted.iter().map(|l| vec![None; l.len()]).collect();
    let mut lo = 0;
    for (p, l, j) in all {
        // The first step at which `sorted` is no longer below `p`, doubling.
        let mut step = 1;
        while lo + step <= sorted.len() && sorted[lo + step - 1] < p {
            step *= 2;
        }
        let hi = (lo + step).min(sorted.len());
        lo += step / 2;
        lo += sorted[lo..hi].partition_point(|q| *q < p);
        if sorted.get(lo) == Some(&p) {
            found[l as usize][j as usize] = Some(lo);
        }
    }
    found
}

/// Weighs every candidate pair and keeps those at or above `pairs_floor`.
pub fn score_all(
    names: &[u64],
    pairs: &[(u32, u32)],
    levels: &Levels,
    model: &Model,
    t: &Thresholds,
) -> Vec<Scored> {
    // Each pattern's weights once (a few thousand patterns for tens of millions of pairs);
    // a pair only adjusts its name's and adds them up, in `pair_weight`'s order.
    let weights: Vec<[f64; N_COMPARISONS]> = levels
        .patterns
        .iter()
        .map(|l| model.pattern_weights(l))
        .collect();
    pairs
        .par_iter()
        .enumerate()
        .filter_map(|(i, &(a, b))| {
            let id = levels.of_pair.get(i);
            let levels = &levels.patterns[id];
            let w = model.total(&model.with_name(names[a as usize], levels[0], weights[id]));
            if w < t.pairs_floor {
                return None;
            }
            let decision = if w >= t.match_weight {
                Decision::Match
            } else if w >= t.review_weight {
                Decision::Review
            } else {
                Decision::NonMatch
            };
            Some(Scored {
                a,
                b,
                weight: w,
                levels: *levels,
                decision,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Field;

    fn rec(fields: &[(Field, &str)]) -> NormRecord {
        crate::normalise::read_fields(fields, chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
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
        let levels = levels_all(&links, &packed, &pairs, &Default::default());
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

    fn label(levels: &[u8; N_COMPARISONS], field: &str) -> &'static str {
        let i = COMPARISONS.iter().position(|c| c.name == field).unwrap();
        COMPARISONS[i].levels[levels[i] as usize].label
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

    #[test]
    fn the_packed_token_test_never_rules_out_agreeing_given_names() {
        // Given names with typos, initials, variants, non-ASCII letters and more tokens than
        // are sketched: where the sketches say "cannot agree", the tokens indeed do not.
        let names = [
            "NUR IMAN",
            "NUR AIN",
            "NURUL AIN",
            "N AIN",
            "SITI AMINAH",
            "SITI AMINA",
            "SITl AMINAH",
            "MUHAMMAD HAFIZ",
            "MOHD HAFIZ",
            "M HAFIZ",
            "HAFIZ",
            "TAN AH KOW",
            "TAN AH KAU",
            "RAJAGOPAL",
            "RAJAGOPAL A/L SUBRAMANIAM",
            "SÉRI AYU",
            "SERI AYU",
            "ចាន់ ដារ៉ា",
            "AHMAD ZAKI YUSOF HAFIZ DAUD",
            "AHMAD ZAKI YUSOF HAFIZ DAUT",
            "LEE CHONG WEI",
            "LEE CHONG WAI",
        ];
        let recs: Vec<NormRecord> = names.iter().map(|n| rec(&[(Field::FullName, n)])).collect();
        let packed: Vec<Packed> = recs.iter().map(Packed::of).collect();
        let links = crate::normalise::linkable::all(&recs);
        let (mut ruled_out, mut agreeing) = (0, 0);
        for i in 0..recs.len() {
            for j in 0..recs.len() {
                let agree = tokens_agree(&links[i], &links[j]);
                agreeing += agree as usize;
                if !tokens_could_agree(&packed[i], &packed[j]) {
                    ruled_out += 1;
                    assert!(!agree, "{} / {}", names[i], names[j]);
                }
            }
        }
        assert!(ruled_out > 250 && agreeing > 50, "{ruled_out} {agreeing}");
    }

    #[test]
    fn the_jaro_winkler_bound_never_rules_out_a_similar_pair() {
        // Every pair of a few hundred name-like words: where the bound says "cannot reach",
        // the similarity is indeed below.
        let mut words: Vec<String> = vec![];
        for a in ["AH", "MU", "SI", "TA", "RA", "NU", "KH", "CH"] {
            for b in ["MAD", "HAMAD", "TI", "N", "JA", "R", "AIN", "ONG", "AMMAD"] {
                words.push(format!("{a}{b}"));
                words.push(format!("{b}{a}"));
            }
        }
        let mut ruled_out = 0;
        for a in &words {
            for b in &words {
                for t in [0.80, 0.85, 0.88] {
                    if !could_reach(a, b, t) {
                        ruled_out += 1;
                        assert!(jaro_winkler(a, b) < t, "{a} {b} {t}");
                    }
                }
            }
        }
        assert!(ruled_out > 1000, "{ruled_out}");
    }

    #[test]
    fn fast_jaro_winkler_agrees_with_strsim() {
        let words = [
            "MUHAMMADHAFIZ",
            "MUHAMADHAFIZ",
            "SITIAMINAH",
            "SITIAMINA",
            "TANAHKOW",
            "TANAHKAU",
            "",
            "A",
            "RAJAGOPAL",
            "ស៊ុនចាន់",
            "ស៊ុនចាន",
        ];
        for a in words {
            for b in words {
                let fast = jaro_winkler(a, b);
                let slow = strsim::jaro_winkler(a, b);
                assert!((fast - slow).abs() < 1e-9, "{a} {b}: {fast} vs {slow}");
            }
        }
    }

    #[test]
    fn levels_reflect_the_evidence() {
        use Field::*;
        let a = rec(&[
            (FullName, "MOHD HAFIZ B. ABD RAHMAN"),
            (Ic, "850312-14-5567"),
            (Dob, "12/03/1985"),
            (Sex, "L"),
        ]);
        let b = rec(&[
            (FullName, "Muhammad Hafiz bin Abdul Rahman"),
            (Ic, "850312145567"),
            (Dob, "1985-03-12"),
            (Sex, "M"),
        ]);
        let lv = compare(&a, &b);
        assert_eq!(label(&lv, "name"), "equal");
        assert_eq!(label(&lv, "ic"), "equal");
        assert_eq!(label(&lv, "dob"), "equal");
        assert_eq!(label(&lv, "sex"), "equal");
        assert_eq!(label(&lv, "phone"), "missing");

        let c = rec(&[
            (FullName, "MUHAMMAD HAFIZ"),
            (Ic, "850312145576"),
            // Year first: a day-first 03/12/1985 would be settled by the IC (12 March).
            (Dob, "1985-12-03"),
        ]);
        let lv = compare(&a, &c);
        assert_eq!(label(&lv, "name"), "given_equal_patronym_missing");
        assert_eq!(label(&lv, "ic"), "one_edit");
        assert_eq!(label(&lv, "dob"), "day_month_swapped");

        let d = rec(&[(FullName, "SITI AMINAH BINTI ALI"), (Ic, "900101105568")]);
        let lv = compare(&a, &d);
        assert_eq!(label(&lv, "name"), "different");
        assert_eq!(label(&lv, "ic"), "different_valid");
    }

    #[test]
    fn hashed_jaccard_agrees_with_the_word_one() {
        let cases = [
            (
                "NO 5 JALAN MAWAR 3 TAMAN SERI MUDA",
                "5 JALAN MAWAR TAMAN SERI MUDA SHAH ALAM",
            ),
            ("A A B", "B C"),
            ("X", "X"),
            ("", "Y"),
        ];
        for (a, b) in cases {
            let fast = sorted_jaccard(
                &crate::normalise::word_hashes(a),
                &crate::normalise::word_hashes(b),
            );
            let slow = if a.is_empty() {
                0.0
            } else {
                token_jaccard(a, b)
            };
            assert!((fast - slow).abs() < 1e-12, "{a} / {b}: {fast} vs {slow}");
        }
    }

    #[test]
    fn one_edit_agrees_with_strsim_osa() {
        let words = [
            "850312145567",
            "850312145576",
            "850312145568",
            "580312145567",
            "850321145567",
            "850312145",
            "",
            "1",
            "12",
            "21",
        ];
        for a in words {
            for b in words {
                let slow = a.len() == b.len() && strsim::osa_distance(a, b) <= 1;
                assert_eq!(one_edit(a, b), slow, "{a} {b}");
            }
        }
    }

    #[test]
    fn dates_within_a_year_and_household_ids_have_their_levels() {
        use Field::*;
        let a = rec(&[
            (FullName, "ALI"),
            (Dob, "1985-03-12"),
            (HouseholdId, "HH-0012"),
        ]);
        let b = rec(&[
            (FullName, "ALI"),
            (Dob, "1985-11-30"),
            (HouseholdId, "hh 0012"),
        ]);
        let c = rec(&[
            (FullName, "ALI"),
            (Dob, "1990-07-01"),
            (HouseholdId, "HH-0013"),
        ]);
        assert_eq!(label(&compare(&a, &b), "dob"), "within_a_year");
        assert_eq!(label(&compare(&a, &b), "household_id"), "equal");
        assert_eq!(label(&compare(&a, &c), "dob"), "different");
        assert_eq!(label(&compare(&a, &c), "household_id"), "different");
    }

    #[test]
    fn names_that_sound_alike_or_use_a_short_form_are_same_sound() {
        use Field::*;
        let a = rec(&[(FullName, "NUR AISYAH BINTI ABDULLAH")]);
        let b = rec(&[(FullName, "NOOR AISHAH BT ABDULLAH")]);
        assert_eq!(label(&compare(&a, &b), "name"), "same_sound");
        let c = rec(&[(FullName, "S. RAJAGOPAL")]);
        let d = rec(&[(FullName, "RAJAGOPAL A/L SUBRAMANIAM")]);
        assert_eq!(label(&compare(&c, &d), "name"), "same_sound");
        // Two Malay women with the same given name but different fathers do not.
        let e = rec(&[(FullName, "NUR AISYAH BINTI AHMAD")]);
        assert_ne!(label(&compare(&a, &e), "name"), "same_sound");
    }

    #[test]
    fn twins_ics_one_digit_apart_under_different_names_are_different_valid() {
        use Field::*;
        let a = rec(&[(FullName, "NUR IMAN BINTI ZAKARIA"), (Ic, "030417114172")]);
        let b = rec(&[(FullName, "NUR AIN BINTI ZAKARIA"), (Ic, "030417114174")]);
        let lv = compare(&a, &b);
        assert_eq!(label(&lv, "name"), "different");
        assert_eq!(label(&lv, "ic"), "different_valid");
        // The same one-digit difference under the same name is a typo.
        let c = rec(&[(FullName, "NUR IMAN BT ZAKARIA"), (Ic, "030417114174")]);
        assert_eq!(label(&compare(&a, &c), "ic"), "one_edit");
    }

    #[test]
    fn weighing_by_pattern_gives_each_pair_its_own_weight_with_name_frequencies() {
        use Field::*;
        // An estimated model (fitted weights, the household rule, name frequencies), built by
        // hand: a common name (TAN MEI LING, three holders) and a rare one.
        let recs: Vec<NormRecord> = [
            ("TAN MEI LING", "850312145568", "012-3456789", "50000"),
            ("TAN MEI LING", "850312145568", "012-3456789", "50000"),
            ("TAN MEI LING", "", "012-3456789", "50000"),
            ("ZULKARNAIN BIN HUSIN", "700101015555", "", "50000"),
            ("ZULKARNAIN HUSIN", "700101015555", "", "10000"),
            ("LIM AH KOW", "", "", "50000"),
        ]
        .iter()
        .map(|&(n, ic, ph, pc)| rec(&[(FullName, n), (Ic, ic), (Phone, ph), (Postcode, pc)]))
        .collect();
        let n_levels: Vec<usize> = COMPARISONS.iter().map(|c| c.levels.len()).collect();
        let params = em::Params {
            m: n_levels.iter().map(|&n| vec![0.9 / n as f64; n]).collect(),
            u: n_levels.iter().map(|&n| vec![0.1 / n as f64; n]).collect(),
            lambda: 0.01,
            iterations: 1,
            converged: true,
        };
        let packed = pack_all(&recs);
        let model = Model {
            kind: ModelKind::Em,
            params: Some(params),
            prior_weight: -3.5,
            ..Model::fixed()
        }
        .with_name_frequencies(&names(&packed));
        let pairs: Vec<(u32, u32)> = (0..6u32)
            .flat_map(|a| (a + 1..6).map(move |b| (a, b)))
            .collect();
        let links = crate::normalise::linkable::all(&recs);
        let levels = levels_all(&links, &packed, &pairs, &Default::default());
        let thresholds = Thresholds {
            pairs_floor: f64::NEG_INFINITY,
            ..crate::config::ScoreConfig::default().thresholds(true)
        };
        let scored = score_all(&names(&packed), &pairs, &levels, &model, &thresholds);
        assert_eq!(scored.len(), pairs.len());
        let mut adjusted = 0;
        for (i, s) in scored.iter().enumerate() {
            let l = levels.get(i);
            let want = model.pair_weight(packed[s.a as usize].name(), &l);
            assert_eq!(s.weight.to_bits(), want.to_bits(), "pair {i}");
            adjusted += usize::from(
                want != model.prior_weight + model.pattern_weights(&l).iter().sum::<f64>(),
            );
        }
        assert!(
            adjusted > 0,
            "some pair's name weight is adjusted for its frequency"
        );
    }

    #[test]
    fn sampled_pairs_are_found_among_sorted_pairs() {
        let sorted: Vec<(u32, u32)> = (0..5000u32)
            .map(|i| (i / 7, i * 13 % 1000))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let x = |i: u64| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes());
        // Lists in no order, with repeats, and pairs that are not candidates.
        let lists: Vec<Vec<(u32, u32)>> = (0..4u64)
            .map(|l| {
                (0..300u64)
                    .map(|i| {
                        let h = x(l * 1000 + i);
                        if h % 5 == 0 {
                            (h as u32 % 800, 1001 + (h >> 32) as u32 % 50)
                        } else {
                            sorted[(h % 40) as usize * (h % 120) as usize % sorted.len()]
                        }
                    })
                    .collect()
            })
            .chain([
                Vec::new(),
                vec![sorted[0], *sorted.last().unwrap(), (u32::MAX, 0)],
            ])
            .collect();
        let slices: Vec<&[(u32, u32)]> = lists.iter().map(Vec::as_slice).collect();
        let found = positions_in(&sorted, &slices);
        for (list, f) in lists.iter().zip(&found) {
            let want: Vec<Option<usize>> =
                list.iter().map(|p| sorted.binary_search(p).ok()).collect();
            assert_eq!(f, &want);
        }
        assert!(found.iter().flatten().any(Option::is_none));
        assert!(found.iter().flatten().filter(|f| f.is_some()).count() > 900);
    }

    #[test]
    fn scores_are_symmetric_and_decisions_follow_thresholds() {
        use Field::*;
        let a = rec(&[
            (FullName, "TAN MEI LING"),
            (Ic, "850312145568"),
            (Phone, "012-3456789"),
        ]);
        let b = rec(&[
            (FullName, "Mei-Ling Tan"),
            (Ic, "850312145568"),
            (Phone, "+60123456789"),
        ]);
        let c = rec(&[(FullName, "LIM AH KOW"), (Dob, "1970-01-01")]);
        assert_eq!(compare(&a, &b), compare(&b, &a));
        assert_eq!(compare(&a, &c), compare(&c, &a));
        let recs = vec![a, b, c];
        let cfg = crate::config::ScoreConfig::default().thresholds(false);
        let pairs = [(0, 1), (0, 2)];
        let packed = pack_all(&recs);
        let links = crate::normalise::linkable::all(&recs);
        let levels = levels_all(&links, &packed, &pairs, &Default::default());
        let s = score_all(&names(&packed), &pairs, &levels, &Model::fixed(), &cfg);
        assert_eq!(s.len(), 1, "the dissimilar pair falls under the floor");
        assert_eq!(s[0].decision, Decision::Match);
        assert!((s[0].weight - weight(&s[0].levels)).abs() < 1e-12);
        assert!(probability(s[0].weight) > 0.99);
    }
}
