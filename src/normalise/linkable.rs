//! What blocking and comparing read of a normalised record, and nothing else (issue 7).
//!
//! A whole `NormRecord` is about 0.8 KB in memory; blocking and comparing read a third of it.
//! A run keeps these in memory while it links, and the whole records on disk
//! (`register::normalised`), read back a record at a time by the stages that need them.

use chrono::NaiveDate;

use super::{NormRecord, Text, Words};

/// A record's IC as linking reads it: the digits and whether they make a valid MyKad.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkIc {
    pub digits: Text,
    pub valid: bool,
}

/// The old IC, passport and national id, out of line: most records have none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkIds {
    pub old_ic: Option<Text>,
    pub passport: Option<Text>,
    pub national_id: Option<Text>,
}

/// The parts of a `NormRecord` that blocking and comparing read.
#[derive(Clone, Debug, Default)]
pub struct Linkable {
    /// `Name::given` and `Name::patronym`.
    pub given: Words,
    pub patronym: Words,
    /// The name's forms (`NormRecord::sorted_key`, `compact`, `given_compact`, `phonetic`).
    pub sorted_key: Text,
    pub compact: Text,
    pub given_compact: Text,
    pub phonetic: Text,
    pub ic: Option<LinkIc>,
    pub other_ids: Option<Box<LinkIds>>,
    pub dob: Option<NaiveDate>,
    pub postcode: Option<Text>,
    pub phone: Option<Text>,
    /// The address's first bytes as a number, for ordering large blocks by address
    /// (`block::Order::Address`); the largest number when there is no address.
    pub address_order: u64,
}

/// Up to the first `n` bytes of `s` as a big-endian number: sorting by it sorts by `s`'s start.
pub fn prefix(s: &str, n: usize) -> u64 {
    let mut v = 0u64;
    for i in 0..n {
        v = (v << 8) | *s.as_bytes().get(i).unwrap_or(&0) as u64;
    }
    v
}

static MISSING: Option<Text> = None;

impl Linkable {
    pub fn of(r: &NormRecord) -> Linkable {
        let ids = LinkIds {
            old_ic: r.old_ic().clone(),
            passport: r.passport().clone(),
            national_id: r.national_id().clone(),
        };
        Linkable {
            given: r.name.given.clone(),
            patronym: r.name.patronym.clone(),
            sorted_key: r.sorted_key.clone(),
            compact: r.compact.clone(),
            given_compact: r.given_compact.clone(),
            phonetic: r.phonetic.clone(),
            ic: r.ic.as_ref().map(|i| LinkIc {
                digits: i.digits.clone(),
                valid: i.valid,
            }),
            other_ids: (ids != LinkIds::default()).then(|| Box::new(ids)),
            dob: r.dob,
            postcode: r.postcode.clone(),
            phone: r.phone.clone(),
            address_order: prefix(r.address.as_deref().unwrap_or("\u{7f}"), 6),
        }
    }

    /// `of`, taking the record's parts rather than copying them.
    pub fn from_record(r: NormRecord) -> Linkable {
        let address_order = prefix(r.address.as_deref().unwrap_or("\u{7f}"), 6);
        let other_ids = r.other_ids.and_then(|o| {
            let ids = LinkIds {
                old_ic: o.old_ic,
                passport: o.passport,
                national_id: o.national_id,
            };
            (ids != LinkIds::default()).then(|| Box::new(ids))
        });
        Linkable {
            given: r.name.given,
            patronym: r.name.patronym,
            sorted_key: r.sorted_key,
            compact: r.compact,
            given_compact: r.given_compact,
            phonetic: r.phonetic,
            ic: r.ic.map(|i| LinkIc {
                digits: i.digits,
                valid: i.valid,
            }),
            other_ids,
            dob: r.dob,
            postcode: r.postcode,
            phone: r.phone,
            address_order,
        }
    }

    /// The name's tokens: the given name's, then the patronym's (`Name::tokens`).
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.given
            .iter()
            .chain(self.patronym.iter())
            .map(|s| s.as_str())
    }

    pub fn old_ic(&self) -> &Option<Text> {
        self.other_ids.as_ref().map_or(&MISSING, |o| &o.old_ic)
    }

    pub fn passport(&self) -> &Option<Text> {
        self.other_ids.as_ref().map_or(&MISSING, |o| &o.passport)
    }

    pub fn national_id(&self) -> &Option<Text> {
        self.other_ids.as_ref().map_or(&MISSING, |o| &o.national_id)
    }
}

/// Every record's `Linkable`, in order.
pub fn all(recs: &[NormRecord]) -> Vec<Linkable> {
    use rayon::prelude::*;
    recs.par_iter().map(Linkable::of).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Field;
    use crate::ingest::Record;

    #[test]
    fn holds_what_linking_reads() {
        let mut r = Record::new(0, 0, "x".into());
        for (f, v) in [
            (Field::FullName, "Muhammad Hafiz bin Abdul Rahman"),
            (Field::Ic, "850312-14-5567"),
            (Field::OldIc, "A1234567"),
            (Field::Postcode, "50450"),
            (Field::Phone, "012-3456789"),
            (Field::Address, "12 Jalan Mawar"),
        ] {
            r.set(f, v);
        }
        let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        let (n, _) = super::super::record(&r, &[], today);
        let l = Linkable::of(&n);
        assert_eq!(
            format!("{l:?}"),
            format!("{:?}", Linkable::from_record(n.clone()))
        );
        assert_eq!(
            l.tokens().collect::<Vec<_>>(),
            n.name.tokens().collect::<Vec<_>>()
        );
        assert_eq!(l.sorted_key, n.sorted_key);
        assert_eq!(l.compact, n.compact);
        assert_eq!(l.given_compact, n.given_compact);
        assert_eq!(l.phonetic, n.phonetic);
        let ic = l.ic.as_ref().unwrap();
        assert_eq!((ic.digits.as_str(), ic.valid), ("850312145567", true));
        assert_eq!(l.old_ic(), n.old_ic());
        assert_eq!(l.passport(), &None);
        assert_eq!(l.dob, n.dob);
        assert_eq!(l.postcode.as_deref(), Some("50450"));
        assert_eq!(l.phone, n.phone);
        assert!(l.address_order < prefix("\u{7f}", 6));
        // No other id: nothing out of line.
        let mut r = Record::new(0, 0, "y".into());
        r.set(Field::FullName, "TAN AH KOW");
        let l = Linkable::of(&super::super::record(&r, &[], today).0);
        assert!(l.other_ids.is_none());
        assert_eq!(l.address_order, prefix("\u{7f}", 6));
    }
}
