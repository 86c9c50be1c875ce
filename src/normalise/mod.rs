//! Normalise: raw field values become comparable forms, computed once per record.
//!
//! Reads: ingested records (`ingest::Record`). Writes: one `NormRecord` per record, in the same
//! order, and counts of values that could not be read (unparseable dates, unknown sex codes,
//! invalid ICs) for `summary.json`. A value that cannot be normalised becomes `None`; the record
//! is kept.

pub mod date;
pub mod ic;
pub mod name;
pub mod tables;
pub mod text;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::field::Field;
use crate::ingest::{Ingested, Record};
pub use ic::Ic;
pub use name::Name;

/// Sex as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Sex {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
}

impl Sex {
    pub fn parse(raw: &str) -> Option<Sex> {
        let t = text::clean(raw);
        if tables::SEX_MALE.contains(&t.as_str()) {
            Some(Sex::Male)
        } else if tables::SEX_FEMALE.contains(&t.as_str()) {
            Some(Sex::Female)
        } else {
            None
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
}

/// A Malaysian phone number in national form (`0123456789`): digits, with a leading country
/// code 60 turned into 0. `None` when fewer than 7 digits remain.
pub fn phone(raw: &str) -> Option<String> {
    let d = text::digits(raw);
    let d = match d.strip_prefix("60") {
        Some(rest) if d.len() >= 10 => format!("0{rest}"),
        _ => d,
    };
    (d.len() >= 7).then_some(d)
}

/// A five-digit postcode; four digits get their lost leading zero back (Excel).
pub fn postcode(raw: &str) -> Option<String> {
    let d = text::digits(raw);
    match d.len() {
        5 => Some(d),
        4 => Some(format!("0{d}")),
        _ => None,
    }
}

/// An address: cleaned, abbreviations expanded.
pub fn address(raw: &str) -> Option<String> {
    let c = text::clean(raw);
    let words: Vec<&str> = c
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            tables::ADDRESS_ABBREVIATIONS
                .iter()
                .find(|(a, _)| *a == w)
                .map_or(w, |(_, full)| *full)
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A five-digit postcode found inside an address, if there is exactly one.
fn postcode_in_address(addr: &str) -> Option<String> {
    let mut found = addr
        .split(' ')
        .filter(|w| w.len() == 5 && w.bytes().all(|b| b.is_ascii_digit()));
    let first = found.next()?;
    found.next().is_none().then(|| first.to_string())
}

/// Other identifiers (old IC, passport, national id, household id): letters and digits only.
pub fn identifier(raw: &str) -> Option<String> {
    let s = text::alnum_upper(raw);
    (!s.is_empty()).then_some(s)
}

/// One record's comparable forms.
#[derive(Clone, Debug, Default)]
pub struct NormRecord {
    pub name: Name,
    /// `Name::key`, `sorted_key`, `compact`, `given_compact`, kept for the comparators.
    pub key: String,
    pub sorted_key: String,
    pub compact: String,
    pub given_compact: String,
    pub ic: Option<Ic>,
    pub old_ic: Option<String>,
    pub passport: Option<String>,
    pub national_id: Option<String>,
    pub household_id: Option<String>,
    pub dob: Option<NaiveDate>,
    pub sex: Option<Sex>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub district: Option<String>,
    pub state: Option<String>,
    pub phone: Option<String>,
}

/// Counts of values present but unreadable, per source (for warnings in `summary.json`).
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Unreadable {
    pub dob: u64,
    pub sex: u64,
    pub ic_invalid: u64,
    pub phone: u64,
    pub postcode: u64,
}

impl Unreadable {
    fn add(&mut self, o: &Unreadable) {
        self.dob += o.dob;
        self.sex += o.sex;
        self.ic_invalid += o.ic_invalid;
        self.phone += o.phone;
        self.postcode += o.postcode;
    }
}

/// Normalises one record. `dates` are the source's preferred date formats.
pub fn record(r: &Record, dates: &[String], today: NaiveDate) -> (NormRecord, Unreadable) {
    let mut bad = Unreadable::default();
    let v = |f: Field| r.get(f);
    let raw_name = match v(Field::FullName) {
        Some(n) => n.to_string(),
        None => [v(Field::GivenName), v(Field::Surname)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
    };
    let name = Name::parse(&raw_name);
    let ic = v(Field::Ic).and_then(Ic::parse);
    if ic.as_ref().is_some_and(|i| !i.valid) {
        bad.ic_invalid += 1;
    }
    let mut dob = v(Field::Dob).and_then(|d| {
        let p = date::parse(d, dates, today);
        if p.is_none() {
            bad.dob += 1;
        }
        p
    });
    if dob.is_none() {
        dob = ic
            .as_ref()
            .filter(|i| i.valid)
            .and_then(|i| ic::birth_date(&i.digits, today));
    }
    let mut sex = v(Field::Sex).and_then(|s| {
        let p = Sex::parse(s);
        if p.is_none() {
            bad.sex += 1;
        }
        p
    });
    if sex.is_none() {
        sex = ic.as_ref().and_then(Ic::sex_hint);
    }
    let address = v(Field::Address).and_then(address);
    let mut postcode = v(Field::Postcode).and_then(|p| {
        let n = postcode(p);
        if n.is_none() {
            bad.postcode += 1;
        }
        n
    });
    if postcode.is_none() {
        postcode = address.as_deref().and_then(postcode_in_address);
    }
    let phone = v(Field::Phone).and_then(|p| {
        let n = phone(p);
        if n.is_none() {
            bad.phone += 1;
        }
        n
    });
    let n = NormRecord {
        key: name.key(),
        sorted_key: name.sorted_key(),
        compact: name.compact(),
        given_compact: name.given_compact(),
        name,
        ic,
        old_ic: v(Field::OldIc).and_then(identifier),
        passport: v(Field::Passport).and_then(identifier),
        national_id: v(Field::NationalId).and_then(identifier),
        household_id: v(Field::HouseholdId).and_then(identifier),
        dob,
        sex,
        address,
        postcode,
        district: v(Field::District)
            .map(text::clean)
            .filter(|s| !s.is_empty()),
        state: v(Field::State).map(text::clean).filter(|s| !s.is_empty()),
        phone,
    };
    (n, bad)
}

/// Normalises every ingested record in parallel; returns the records in input order and the
/// unreadable-value counts per source.
pub fn all(ing: &Ingested, today: NaiveDate) -> (Vec<NormRecord>, Vec<Unreadable>) {
    let (recs, bads): (Vec<NormRecord>, Vec<(u16, Unreadable)>) = ing
        .records
        .par_iter()
        .map(|r| {
            let dates = &ing.sources[r.source as usize].dates;
            let (n, b) = record(r, dates, today);
            (n, (r.source, b))
        })
        .unzip();
    let mut per_source = vec![Unreadable::default(); ing.sources.len()];
    for (s, b) in &bads {
        per_source[*s as usize].add(b);
    }
    (recs, per_source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_national_form() {
        for s in [
            "012-3456789",
            "+60123456789",
            "60 12-345 6789",
            "0123456789",
        ] {
            assert_eq!(phone(s).as_deref(), Some("0123456789"), "{s}");
        }
        assert_eq!(phone("12345"), None);
    }

    #[test]
    fn sex_codes() {
        assert_eq!(Sex::parse("l"), Some(Sex::Male));
        assert_eq!(Sex::parse("PEREMPUAN"), Some(Sex::Female));
        assert_eq!(Sex::parse("Female"), Some(Sex::Female));
        assert_eq!(Sex::parse("x"), None);
    }

    #[test]
    fn postcodes_and_addresses() {
        assert_eq!(postcode("5000").as_deref(), Some("05000"));
        assert_eq!(postcode("50000").as_deref(), Some("50000"));
        assert_eq!(postcode("500"), None);
        assert_eq!(
            address("No. 5, Jln Mawar 3, Tmn Sri Muda").as_deref(),
            Some("NO 5 JALAN MAWAR 3 TAMAN SRI MUDA")
        );
        assert_eq!(
            postcode_in_address("12 JALAN MAWAR 50000 KUALA LUMPUR").as_deref(),
            Some("50000")
        );
    }
}
