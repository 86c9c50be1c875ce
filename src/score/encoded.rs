//! The comparisons of encoded records (privacy-preserving linkage, `normalise::encoded`): the
//! same comparisons and levels as plaintext's (`compare`), from tags and Bloom filters. A
//! level plaintext reads from equal strings comes from equal tags; one it reads from how alike
//! two strings are (Jaro–Winkler, word overlap) comes from how many bigrams their filters
//! differ by (their Dice coefficient, read as a count), with cuts chosen to send about the
//! same pairs to each level (docs/pprl.md).

use super::{Comparable, N_COMPARISONS};
use crate::normalise::encoded::{bigrams_apart, dob_tag, name_tag, Encoded, Filter, Filtered};

/// How many bigrams apart (`bigrams_apart`; one letter changed is about four) two names may be
/// to be `close` (one edit) and `similar` (two), two given names for either, and two addresses
/// for `close` and `similar`: cut where the encoded run's levels and weights come nearest
/// plaintext's on synthetic registries.
const NAME_CLOSE: f64 = 4.5;
const NAME_SIMILAR: f64 = 8.5;
const GIVEN_NEAR: f64 = 4.5;
const ADDRESS_CLOSE: f64 = 6.5;
const ADDRESS_SIMILAR: f64 = 12.5;

fn tag_eq(x: u64, y: u64) -> bool {
    x != 0 && x == y
}

/// How many bigrams apart two values of field `f` are, when both have one.
fn apart(f: Filtered, a: &Filter, b: &Filter) -> Option<f64> {
    Some(bigrams_apart(f, a.get()?, b.get()?))
}

fn name_level(a: &Encoded, b: &Encoded) -> u8 {
    use name_tag::*;
    let (x, y) = (&a.name, &b.name);
    if x[COMPACT] == 0 || y[COMPACT] == 0 {
        return 0;
    }
    if tag_eq(x[KEY], y[KEY]) {
        return 7;
    }
    if tag_eq(x[COMPACT], y[COMPACT]) || tag_eq(x[SORTED], y[SORTED]) {
        return 6;
    }
    let short_form = (a.initials || b.initials) && tag_eq(x[INITIALS], y[INITIALS]);
    if tag_eq(x[PHONETIC], y[PHONETIC]) || tag_eq(x[KHMER], y[KHMER]) || short_form {
        return 5;
    }
    if a.has_patronym != b.has_patronym && tag_eq(x[GIVEN], y[GIVEN]) {
        return 4;
    }
    let given = apart(Filtered::Given, &a.given_bloom, &b.given_bloom).unwrap_or(0.0);
    let full = apart(Filtered::Name, &a.name_bloom, &b.name_bloom).unwrap_or(f64::MAX);
    if given > GIVEN_NEAR {
        1
    } else if full <= NAME_CLOSE {
        3
    } else if full <= NAME_SIMILAR {
        2
    } else {
        1
    }
}

fn ic_level(a: &Encoded, b: &Encoded) -> u8 {
    if !a.ic.present() || !b.ic.present() {
        0
    } else if a.ic.tag == b.ic.tag {
        4
    } else if a.ic.one_edit(&b.ic) {
        3
    } else if a.ic_valid && b.ic_valid {
        1
    } else {
        2
    }
}

fn other_id_level(a: &Encoded, b: &Encoded) -> u8 {
    let (Some(x), Some(y)) = (&a.other_ids, &b.other_ids) else {
        return 0;
    };
    let mut level = 0;
    for (x, y) in x.iter().zip(y.iter()) {
        if x.present() && y.present() {
            if x.tag == y.tag {
                return 3;
            }
            level = level.max(if x.one_edit(y) { 2 } else { 1 });
        }
    }
    level
}

/// As plaintext's, but "within a year" is: born in the same year or the next.
fn dob_level(a: &Encoded, b: &Encoded) -> u8 {
    use dob_tag::*;
    let (x, y) = (&a.dob, &b.dob);
    if x[DATE] == 0 || y[DATE] == 0 {
        0
    } else if x[DATE] == y[DATE] {
        5
    } else if x[SWAPPED] == y[DATE] {
        4
    } else if x[YEAR_MONTH] == y[YEAR_MONTH]
        || x[YEAR_DAY] == y[YEAR_DAY]
        || x[MONTH_DAY] == y[MONTH_DAY]
    {
        3
    } else if [x[YEAR_BEFORE], x[YEAR], x[YEAR_AFTER]].contains(&y[YEAR]) {
        2
    } else {
        1
    }
}

fn eq_level(x: u64, y: u64) -> u8 {
    if x == 0 || y == 0 {
        0
    } else {
        1 + (x == y) as u8
    }
}

fn address_level(a: &Encoded, b: &Encoded) -> u8 {
    match apart(Filtered::Address, &a.address_bloom, &b.address_bloom) {
        None => 0,
        Some(_) if tag_eq(a.address_compact, b.address_compact) => 3,
        Some(d) if d <= ADDRESS_CLOSE => 3,
        Some(d) if d <= ADDRESS_SIMILAR => 2,
        Some(_) => 1,
    }
}

/// Each comparison's level for two encoded records.
pub fn compare(a: &Encoded, b: &Encoded) -> [u8; N_COMPARISONS] {
    let name = name_level(a, b);
    let mut ic = ic_level(a, b);
    // As in plaintext: valid numbers one digit apart under different names are two people.
    if ic == 3 && name == 1 && a.ic_valid && b.ic_valid {
        ic = 1;
    }
    [
        name,
        ic,
        other_id_level(a, b),
        dob_level(a, b),
        eq_level(a.sex, b.sex),
        eq_level(a.postcode, b.postcode),
        address_level(a, b),
        eq_level(a.phone, b.phone),
        eq_level(a.household_id, b.household_id),
    ]
}

impl Comparable for Vec<Encoded> {
    fn len(&self) -> usize {
        <[Encoded]>::len(self)
    }

    fn levels(&self, a: usize, b: usize) -> [u8; N_COMPARISONS] {
        compare(&self[a], &self[b])
    }

    fn name(&self, i: usize) -> u64 {
        self[i].name[name_tag::SORTED]
    }

    fn prefetch(&self, i: usize) {
        super::levels::prefetch(&self[i]);
    }
}
