//! The comparison kernels: each comparison's level for a pair of records, read from their
//! packed forms (`packed`) and, for the similarity levels, from their strings.
//!
//! Names are compared with rapidfuzz's Jaro–Winkler (strsim is the reference in tests). The
//! levels returned are indices into the comparison's levels in `COMPARISONS`.

use crate::comparison::N_COMPARISONS;
use crate::normalise::packed::{
    packed_jaccard, Packed, Sketch, SKETCH_COMPACT, SKETCH_GIVEN, SKETCH_GIVEN_COMPACT,
};
use crate::normalise::{Linkable, NormRecord};

// Levels named where one comparison's level changes another's (`COMPARISONS`' indices).
const NAME_DIFFERENT: u8 = 1;
const IC_DIFFERENT_VALID: u8 = 1;
const IC_ONE_EDIT: u8 = 3;

/// Jaro–Winkler at which two given-name tokens count as the same (a typo or a variant).
const TOKEN_JW: f64 = 0.88;

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
    if one_slip_apart(pa, pb, a, b) {
        return 3;
    }
    // The given name is compared more strictly than the whole, since fathers' names get
    // abbreviated or dropped (docs/domain.md, names): every given token of the shorter name
    // must be found, near enough, in the other. NUR IMAN and NUR AIN share NUR and are close
    // as strings, but are two people.
    // Past this test, every given word of one name has a near twin in the other's.
    let words_agree = ga != 0 && gb != 0 && ga != gb;
    if words_agree && (!tokens_could_agree(pa, pb) || !tokens_agree(a, b)) {
        return 1;
    }
    // Words that agree in another order, or among more words (AISYAH BINTI ABDUL AZIZ /
    // ABDUL AZIZ AISHAH, ANDRE NG WAICHEE / NG WAICHEE), are at least similar, however
    // unlike the strings are.
    let unlike = if words_agree && words_near(a.patronym(), b.patronym()) {
        2
    } else {
        1
    };
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
        return unlike;
    }
    let full = jaro_winkler(a.compact(), b.compact());
    if full >= 0.92 {
        3
    } else if full >= 0.80 {
        2
    } else {
        unlike
    }
}

/// Whether the whole names, spaces aside, are at most one slip (a letter changed, added,
/// dropped, or two swapped) apart, as written or with their words sorted: the same name cut
/// into words differently (KHOO WAI KHEG / KHOO WAIKHENG, where only the second is read as
/// Chinese syllables) or written in another order (WOONG KOK WEI / KOK WEI WONG), which the
/// word-by-word rules below would call different. Names this close are never two people's
/// the word rules tell apart (NUR IMAN / NUR AIN are two slips apart).
fn one_slip_apart(pa: &Packed, pb: &Packed, a: &Linkable, b: &Linkable) -> bool {
    const MIN_LEN: usize = 8;
    // The packed forms rule out nearly every pair before the strings are read.
    if !pa
        .sketch(SKETCH_COMPACT)
        .could_be_one_slip(pb.sketch(SKETCH_COMPACT))
    {
        return false;
    }
    let (x, y) = (a.compact(), b.compact());
    if x.len().min(y.len()) < MIN_LEN || x.len().abs_diff(y.len()) > 1 {
        return false;
    }
    if within_one_slip(x.as_bytes(), y.as_bytes()) {
        return true;
    }
    // The sorted words, joined, in buffers on the stack (a longer name is not compared so).
    let mut bx = [0u8; 64];
    let mut by = [0u8; 64];
    let (Some(sx), Some(sy)) = (
        joined(a.sorted_key(), &mut bx),
        joined(b.sorted_key(), &mut by),
    ) else {
        return false;
    };
    within_one_slip(sx, sy)
}

/// `s` without its spaces, in `buf`; `None` when it does not fit.
fn joined<'b>(s: &str, buf: &'b mut [u8; 64]) -> Option<&'b [u8]> {
    let mut n = 0;
    for &c in s.as_bytes().iter().filter(|&&c| c != b' ') {
        *buf.get_mut(n)? = c;
        n += 1;
    }
    Some(&buf[..n])
}

/// Whether `a` and `b` are at most one letter changed, added, dropped, or two neighbours
/// swapped apart (optimal string alignment distance at most 1), in one pass: what is left once
/// their common start and end are set aside is at most a letter on each side, or two letters
/// swapped.
fn within_one_slip(a: &[u8], b: &[u8]) -> bool {
    let start = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[start..], &b[start..]);
    let end = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - end], &b[..b.len() - end]);
    (a.len() <= 1 && b.len() <= 1) || (a.len() == 2 && b.len() == 2 && a[0] == b[1] && a[1] == b[0])
}

/// Whether Jaro–Winkler of `a` and `b` could reach `at_least`, from a bound that needs no
/// alignment: a letter of one string absent from the other can match nothing, so at most
/// `m` characters match, and Jaro is at most `(m/|a| + m/|b| + 1) / 3`; the Winkler prefix bonus
/// at most turns Jaro `j` into `0.6 j + 0.4`. `false` means the similarity is surely lower;
/// `true` decides nothing. Non-ASCII strings always give `true`.
pub fn could_reach(a: &str, b: &str, at_least: f64) -> bool {
    Sketch::of(a).could_reach(Sketch::of(b), at_least)
}

/// Whether every given-name token of the shorter list has a near twin in the other: equal, an
/// initial of it, or Jaro–Winkler at least 0.88 (a typo or a spelling variant).
fn tokens_agree(a: &Linkable, b: &Linkable) -> bool {
    words_near(a.given(), b.given())
}

/// Whether every word of the shorter list has a near twin in the other (as `tokens_agree`); an
/// empty list agrees with any.
fn words_near<'a, I: Iterator<Item = &'a str> + Clone>(a: I, b: I) -> bool {
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
        long.clone().any(|u| t.could_agree(pl.sketch(u), TOKEN_JW))
    })
}

/// One substitution or one adjacent transposition between two equally long strings (the
/// optimal-string-alignment distance is at most 1), without allocating.
pub fn one_edit(a: &str, b: &str) -> bool {
    one_edit_bytes(a.as_bytes(), b.as_bytes())
}

fn one_edit_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && within_one_slip(a, b)
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

fn other_id_level(pa: &Packed, pb: &Packed, a: &Linkable, b: &Linkable) -> u8 {
    let (Some(x), Some(y)) = (&pa.other_ids, &pb.other_ids) else {
        return 0;
    };
    let mut level = 0;
    for (k, (&x, &y)) in x[..3].iter().zip(&y[..3]).enumerate() {
        if x != 0 && y != 0 {
            if x == y {
                return 3;
            }
            fn id(r: &Linkable, k: usize) -> &str {
                match k {
                    0 => r.old_ic(),
                    1 => r.passport(),
                    _ => r.national_id(),
                }
                .unwrap_or("")
            }
            let edit = one_edit(id(a, k), id(b, k));
            level = level.max(if edit { 2 } else { 1 });
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
        (true, true) if pa.address_compact == pb.address_compact => 3,
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
        other_id_level(pa, pb, a, b),
        dob_level(pa, pb),
        eq_level(pa.sex as u64, pb.sex as u64),
        eq_level(pa.postcode, pb.postcode),
        address_level(pa, pb),
        eq_level(pa.phone, pb.phone),
        eq_level(pa.household_id(), pb.household_id()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::Kind;
    use crate::field::Field;
    use crate::score::tests::rec;

    fn label(levels: &[u8; N_COMPARISONS], k: Kind) -> &'static str {
        k.comparison().levels[levels[k as usize] as usize].label
    }

    /// The level of comparison `k` for two records holding only `x` and `y` in `field`.
    fn level_of(k: Kind, field: Field, x: &str, y: &str) -> &'static str {
        label(&compare(&rec(&[(field, x)]), &rec(&[(field, y)])), k)
    }

    #[test]
    fn one_slip_in_one_pass_agrees_with_the_optimal_string_alignment_distance() {
        use rapidfuzz::distance::osa;
        let words = [
            "KHOOWAIKHENG",
            "KHOOWAIKHEG",
            "KHOOWIAKHENG",
            "KHOOWAIKHENGG",
            "HKOOWAIKHENG",
            "KHOOWAIKHNEG",
            "AAAA",
            "AAA",
            "AAAAA",
            "ABAB",
            "BABA",
            "ABBA",
            "",
            "A",
            "AB",
            "NURIMAN",
            "NURAIN",
            "WAIKHENGKHOO",
        ];
        for x in words {
            for y in words {
                let want = osa::distance(x.bytes(), y.bytes()) <= 1;
                assert_eq!(
                    within_one_slip(x.as_bytes(), y.as_bytes()),
                    want,
                    "{x} / {y}"
                );
            }
        }
    }

    #[test]
    fn names_cut_or_ordered_differently_agree_and_families_stay_apart() {
        let level = |x, y| level_of(Kind::Name, Field::FullName, x, y);
        // One slip apart once the words are joined or sorted: the same name.
        assert_eq!(level("KHOO WAI KHEG", "Khoo Wai Kheng"), "close");
        assert_eq!(level("WOONG KOK WEI", "KOK WEI WONG"), "close");
        assert_eq!(level("wilkins zanke", "zane wilkins"), "close");
        // Every given word of one in the other, in another order or among more words.
        assert_eq!(
            level("AISHYA BINTI ABDUL AZIZ", "ABDUL AZIZ AISHAH"),
            "similar"
        );
        assert_eq!(level("ANDRE NG WAICHEE", "NG WAICHEE"), "similar");
        assert_eq!(
            level("SITI AISYHA BINTI MUHAMMAD OSMAN", "WAN SITI AISYHA"),
            "similar"
        );
        assert_eq!(
            level(
                "ZALEHA BINTI MUHAMMAD ISMAIL",
                "SITI ZALIHA BINTI MOHD ISMAIL"
            ),
            "similar"
        );
        // ... but not under two fathers' names, and sisters and brothers stay different.
        assert_eq!(
            level("ZALEHA BINTI MUHAMMAD ISMAIL", "SITI ZALIHA BINTI AHMAD"),
            "different"
        );
        assert_eq!(
            level("NUR IMAN BINTI ZAKARIA", "NUR AIN BINTI ZAKARIA"),
            "different"
        );
        assert_eq!(
            level("IBRAHIM BIN KAMARUDDIN", "MUHAMMAD ALI BIN KAMARUDDIN"),
            "different"
        );
        assert_eq!(level("TAN JIEYONG", "TAN JIEWEI"), "different");
        assert_eq!(level("hannah bloomfield", "hannah dixon"), "different");
    }

    #[test]
    fn addresses_with_words_run_together_or_split_are_close() {
        let level = |x, y| level_of(Kind::Address, Field::Address, x, y);
        assert_eq!(level("15 GOODWINSTREET", "15 GOODWIN STREET"), "close");
        assert_eq!(
            level("92 PINECR OFT CHERRY PLACE", "92 PINECROFT CHERRY PLACE"),
            "close"
        );
        assert_eq!(level("15 GOODWIN STREET", "15 GOODWIN STREET"), "close");
        // Other houses of one street share words, not the whole.
        assert_ne!(level("15 GOODWINSTREET", "16 GOODWIN STREET"), "close");
        assert_eq!(level("15 GOODWINSTREET", "7 WALLABY PLACE"), "different");
    }

    #[test]
    fn other_ids_one_slip_apart_are_their_own_level() {
        use Field::*;
        let level = |x: &[(Field, &str)], y: &[(Field, &str)]| {
            label(&compare(&rec(x), &rec(y)), Kind::OtherId)
        };
        let n = |v| [(FullName, "JETT COLEGATE"), (NationalId, v)];
        assert_eq!(level(&n("1302954"), &n("1302954")), "equal");
        assert_eq!(level(&n("1302954"), &n("1302964")), "one_edit");
        assert_eq!(level(&n("1302954"), &n("1320954")), "one_edit");
        assert_eq!(level(&n("1302954"), &n("1742749")), "different");
        assert_eq!(
            level(&n("1302954"), &[(FullName, "JETT COLEGATE")]),
            "missing"
        );
        // Ids of different kinds are never compared with each other.
        let p = [(FullName, "JETT COLEGATE"), (Passport, "1302964")];
        assert_eq!(level(&n("1302954"), &p), "missing");
        // An equal id of one kind outweighs a slip in another.
        let both = |a, b| [(Passport, a), (NationalId, b)];
        assert_eq!(
            level(&both("K1", "1302954"), &both("K1", "1302955")),
            "equal"
        );
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
        assert_eq!(label(&lv, Kind::Name), "equal");
        assert_eq!(label(&lv, Kind::Ic), "equal");
        assert_eq!(label(&lv, Kind::Dob), "equal");
        assert_eq!(label(&lv, Kind::Sex), "equal");
        assert_eq!(label(&lv, Kind::Phone), "missing");

        let c = rec(&[
            (FullName, "MUHAMMAD HAFIZ"),
            (Ic, "850312145576"),
            // Year first: a day-first 03/12/1985 would be settled by the IC (12 March).
            (Dob, "1985-12-03"),
        ]);
        let lv = compare(&a, &c);
        assert_eq!(label(&lv, Kind::Name), "given_equal_patronym_missing");
        assert_eq!(label(&lv, Kind::Ic), "one_edit");
        assert_eq!(label(&lv, Kind::Dob), "day_month_swapped");

        let d = rec(&[(FullName, "SITI AMINAH BINTI ALI"), (Ic, "900101105568")]);
        let lv = compare(&a, &d);
        assert_eq!(label(&lv, Kind::Name), "different");
        assert_eq!(label(&lv, Kind::Ic), "different_valid");
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
        assert_eq!(label(&compare(&a, &b), Kind::Dob), "within_a_year");
        assert_eq!(label(&compare(&a, &b), Kind::HouseholdId), "equal");
        assert_eq!(label(&compare(&a, &c), Kind::Dob), "different");
        assert_eq!(label(&compare(&a, &c), Kind::HouseholdId), "different");
    }

    #[test]
    fn names_that_sound_alike_or_use_a_short_form_are_same_sound() {
        use Field::*;
        let a = rec(&[(FullName, "NUR AISYAH BINTI ABDULLAH")]);
        let b = rec(&[(FullName, "NOOR AISHAH BT ABDULLAH")]);
        assert_eq!(label(&compare(&a, &b), Kind::Name), "same_sound");
        let c = rec(&[(FullName, "S. RAJAGOPAL")]);
        let d = rec(&[(FullName, "RAJAGOPAL A/L SUBRAMANIAM")]);
        assert_eq!(label(&compare(&c, &d), Kind::Name), "same_sound");
        // Two Malay women with the same given name but different fathers do not.
        let e = rec(&[(FullName, "NUR AISYAH BINTI AHMAD")]);
        assert_ne!(label(&compare(&a, &e), Kind::Name), "same_sound");
    }

    #[test]
    fn twins_ics_one_digit_apart_under_different_names_are_different_valid() {
        use Field::*;
        let a = rec(&[(FullName, "NUR IMAN BINTI ZAKARIA"), (Ic, "030417114172")]);
        let b = rec(&[(FullName, "NUR AIN BINTI ZAKARIA"), (Ic, "030417114174")]);
        let lv = compare(&a, &b);
        assert_eq!(label(&lv, Kind::Name), "different");
        assert_eq!(label(&lv, Kind::Ic), "different_valid");
        // The same one-digit difference under the same name is a typo.
        let c = rec(&[(FullName, "NUR IMAN BT ZAKARIA"), (Ic, "030417114174")]);
        assert_eq!(label(&compare(&a, &c), Kind::Ic), "one_edit");
    }
}
