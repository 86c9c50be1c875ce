//! The canonical fields every source is mapped to (README.md, Configuration).
//!
//! A source's columns are mapped onto these names; every later stage speaks only of them.

use std::fmt;

/// A canonical field. `Field::ALL` lists them in their output order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    FullName,
    GivenName,
    Surname,
    Ic,
    OldIc,
    Passport,
    NationalId,
    HouseholdId,
    Dob,
    Sex,
    Address,
    Postcode,
    District,
    State,
    Phone,
}

/// How many canonical fields there are.
pub const N_FIELDS: usize = 15;

impl Field {
    pub const ALL: [Field; N_FIELDS] = [
        Field::FullName,
        Field::GivenName,
        Field::Surname,
        Field::Ic,
        Field::OldIc,
        Field::Passport,
        Field::NationalId,
        Field::HouseholdId,
        Field::Dob,
        Field::Sex,
        Field::Address,
        Field::Postcode,
        Field::District,
        Field::State,
        Field::Phone,
    ];

    /// The name used in configuration files and output columns.
    pub fn name(self) -> &'static str {
        match self {
            Field::FullName => "full_name",
            Field::GivenName => "given_name",
            Field::Surname => "surname",
            Field::Ic => "ic",
            Field::OldIc => "old_ic",
            Field::Passport => "passport",
            Field::NationalId => "national_id",
            Field::HouseholdId => "household_id",
            Field::Dob => "dob",
            Field::Sex => "sex",
            Field::Address => "address",
            Field::Postcode => "postcode",
            Field::District => "district",
            Field::State => "state",
            Field::Phone => "phone",
        }
    }

    /// Looks a field up by its configuration name (exact, lower case).
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Position in `Field::ALL`, for indexing per-record arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Fields that can identify a person on their own: a record with none of them is rejected.
    pub fn is_identifying(self) -> bool {
        matches!(
            self,
            Field::FullName
                | Field::GivenName
                | Field::Surname
                | Field::Ic
                | Field::OldIc
                | Field::Passport
                | Field::NationalId
        )
    }

    /// Names of all fields, comma separated, for error messages.
    pub fn all_names() -> String {
        Field::ALL
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_index_matches_position() {
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(Field::from_name(f.name()), Some(*f));
            assert_eq!(f.index(), i);
        }
        assert_eq!(Field::from_name("nama"), None);
    }
}
