//! The comparisons: what a pair of records is compared on, each comparison's levels and
//! fixed weights.

use serde::Serialize;

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

/// Every comparison, in output order. The levels the kernels return (`score::compare`) are
/// indices into these tables.
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
