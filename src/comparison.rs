//! The comparisons: what a pair of records is compared on. Each has a name, ordered levels with
//! their fixed weights, the fields whose values it shows, and the masking rule those values
//! take when shown masked (`mask::Rule`).
//!
//! Blocking names the comparisons its rules agree on, scoring gives each pair a level of every
//! comparison, and the report, `padan explain`, `review.csv` and `padan eval --pairs` show a
//! record's value for a comparison by one rule (`Comparison::shown`). A new comparison is a
//! `Kind`, an entry of `COMPARISONS` and a kernel in `score::compare`.

use serde::Serialize;

use crate::field::Field;
use crate::mask;

/// Names a comparison: its place in `COMPARISONS` (`Kind::comparison`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Name,
    Ic,
    OtherId,
    Dob,
    Sex,
    Postcode,
    Address,
    Phone,
    HouseholdId,
}

impl Kind {
    /// The comparison this names.
    pub fn comparison(self) -> &'static Comparison {
        &COMPARISONS[self as usize]
    }
}

/// One level of a comparison.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Level {
    pub label: &'static str,
    pub weight: f64,
}

/// A comparison and its ordered levels; level 0 is always `missing`. Only the name and the
/// levels are written out (`summary.json`'s `model.comparisons`).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Comparison {
    #[serde(skip)]
    pub kind: Kind,
    pub name: &'static str,
    pub levels: &'static [Level],
    /// The canonical fields whose values the comparison compares, in the order they are shown.
    #[serde(skip)]
    pub fields: &'static [Field],
    /// How each of those values is masked when shown masked.
    #[serde(skip)]
    pub mask: mask::Rule,
}

impl Comparison {
    /// The value this comparison shows of a record whose value of a field `value` gives: the
    /// present values of its fields, in order, joined by " / ", each masked by the comparison's
    /// rule when `masked`.
    pub fn shown<S: AsRef<str>>(&self, value: impl Fn(Field) -> Option<S>, masked: bool) -> String {
        let mut shown = String::new();
        for v in self.fields.iter().filter_map(|&f| value(f)) {
            let v = v.as_ref();
            if v.is_empty() {
                continue;
            }
            if !shown.is_empty() {
                shown.push_str(" / ");
            }
            if masked {
                shown.push_str(&mask::value(self.mask, v));
            } else {
                shown.push_str(v);
            }
        }
        shown
    }
}

const fn l(label: &'static str, weight: f64) -> Level {
    Level { label, weight }
}

const MISSING: Level = l("missing", 0.0);

/// Every comparison, in output order (`Kind`'s). The levels the kernels return
/// (`score::compare`) are indices into these tables.
pub const COMPARISONS: [Comparison; N_COMPARISONS] = [
    Comparison {
        kind: Kind::Name,
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
        fields: &[Field::FullName, Field::GivenName, Field::Surname],
        mask: mask::Rule::Whole,
    },
    Comparison {
        kind: Kind::Ic,
        name: "ic",
        levels: &[
            MISSING,
            l("different_valid", -8.0),
            l("different", -5.0),
            l("one_edit", 2.0),
            l("equal", 12.0),
        ],
        fields: &[Field::Ic],
        mask: mask::Rule::Id,
    },
    Comparison {
        kind: Kind::OtherId,
        name: "other_id",
        levels: &[
            MISSING,
            l("different", -3.0),
            l("one_edit", 2.0),
            l("equal", 10.0),
        ],
        fields: &[Field::OldIc, Field::Passport, Field::NationalId],
        mask: mask::Rule::Id,
    },
    Comparison {
        kind: Kind::Dob,
        name: "dob",
        levels: &[
            MISSING,
            l("different", -5.0),
            l("within_a_year", -2.0),
            l("two_of_three", 0.5),
            l("day_month_swapped", 2.0),
            l("equal", 5.0),
        ],
        fields: &[Field::Dob],
        mask: mask::Rule::Year,
    },
    Comparison {
        kind: Kind::Sex,
        name: "sex",
        levels: &[MISSING, l("different", -3.0), l("equal", 0.5)],
        fields: &[Field::Sex],
        mask: mask::Rule::Whole,
    },
    Comparison {
        kind: Kind::Postcode,
        name: "postcode",
        levels: &[MISSING, l("different", -0.5), l("equal", 1.0)],
        fields: &[Field::Postcode],
        mask: mask::Rule::Whole,
    },
    Comparison {
        kind: Kind::Address,
        name: "address",
        levels: &[
            MISSING,
            l("different", -0.5),
            l("similar", 0.5),
            l("close", 1.5),
        ],
        fields: &[Field::Address],
        mask: mask::Rule::Address,
    },
    Comparison {
        kind: Kind::Phone,
        name: "phone",
        levels: &[MISSING, l("different", -0.5), l("equal", 1.5)],
        fields: &[Field::Phone],
        mask: mask::Rule::Phone,
    },
    Comparison {
        kind: Kind::HouseholdId,
        name: "household_id",
        levels: &[MISSING, l("different", -0.5), l("equal", 1.5)],
        fields: &[Field::HouseholdId],
        mask: mask::Rule::Whole,
    },
];

pub const N_COMPARISONS: usize = 9;

// Each comparison sits at its kind's place.
const _: () = {
    let mut k = 0;
    while k < N_COMPARISONS {
        assert!(COMPARISONS[k].kind as usize == k);
        k += 1;
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_comparison_shows_its_fields_in_order_masked_by_its_rule() {
        // A record holding a distinct value in every field: each comparison shows exactly its
        // own fields' values, in its order, and masked only when asked.
        let value = |f: Field| -> String {
            match f {
                Field::Dob => "1998-07-23".into(),
                Field::Ic => "980723145567".into(),
                Field::OldIc => "A1234567".into(),
                Field::Passport => "K9876543".into(),
                Field::NationalId => "N55512345".into(),
                Field::Phone => "+60123456789".into(),
                f => format!("{}-{}", f.name().to_uppercase(), f.index()),
            }
        };
        for c in &COMPARISONS {
            let whole: Vec<String> = c.fields.iter().map(|&f| value(f)).collect();
            assert_eq!(
                c.shown(|f| Some(value(f)), false),
                whole.join(" / "),
                "{}",
                c.name
            );
            let masked: Vec<String> = whole.iter().map(|v| mask::value(c.mask, v)).collect();
            assert_eq!(
                c.shown(|f| Some(value(f)), true),
                masked.join(" / "),
                "{}",
                c.name
            );
            // Missing and empty values are left out, with their separators.
            let last = c.fields[c.fields.len() - 1];
            let only_last = |f: Field| (f == last).then(|| value(f));
            assert_eq!(c.shown(only_last, false), value(last), "{}", c.name);
            let blank = |f: Field| Some(if f == last { value(f) } else { String::new() });
            assert_eq!(c.shown(blank, false), value(last), "{}", c.name);
        }
        // What each comparison compares, and how it is masked.
        let shown = |k: Kind, masked| k.comparison().shown(|f| Some(value(f)), masked);
        assert_eq!(
            shown(Kind::Name, true),
            "FULL_NAME-0 / GIVEN_NAME-1 / SURNAME-2"
        );
        assert_eq!(shown(Kind::Ic, true), "******-**-5567");
        assert_eq!(
            shown(Kind::OtherId, false),
            "A1234567 / K9876543 / N55512345"
        );
        assert_eq!(
            shown(Kind::OtherId, true),
            "****4567 / ****6543 / *****2345"
        );
        assert_eq!(shown(Kind::Dob, true), "1998-**-**");
        assert_eq!(shown(Kind::Address, true), "(address withheld)");
        assert_eq!(shown(Kind::Phone, true), "********6789");
        assert_eq!(shown(Kind::HouseholdId, true), "HOUSEHOLD_ID-7");
        // No field is shown by two comparisons, so masking by field is unambiguous.
        let mut fields: Vec<Field> = COMPARISONS.iter().flat_map(|c| c.fields).copied().collect();
        let n = fields.len();
        fields.sort_unstable();
        fields.dedup();
        assert_eq!(fields.len(), n);
    }
}
