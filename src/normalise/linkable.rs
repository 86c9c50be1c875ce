//! What blocking and comparing read of a normalised record, and nothing else.
//!
//! Blocking and comparing read about a third of a whole `NormRecord`.
//! A run keeps these in memory while it links, and the whole records on disk
//! (`store::stored`), read back a record at a time by the stages that need them.

use chrono::NaiveDate;

use super::NormRecord;

/// The parts of a record's text, in the order `Linkable::text` holds them.
#[derive(Clone, Copy)]
enum Part {
    Given,
    Patronym,
    SortedKey,
    Compact,
    GivenCompact,
    Phonetic,
    Ic,
    OldIc,
    Passport,
    NationalId,
    Postcode,
    Phone,
}

const PARTS: usize = 12;

/// Separates the words of a list (`Part::Given`, `Part::Patronym`) in `Linkable::text`: cleaned
/// text never holds it (`text::clean` turns control characters into spaces).
const SEP: char = '\u{1f}';

/// `Linkable::present`: which optional parts are there (an empty part may be a missing value
/// or an empty one), and whether the IC is a valid MyKad.
const IC_VALID: u16 = 1 << PARTS;

/// The parts of a `NormRecord` that blocking and comparing read: the name's tokens and forms,
/// the IC, the other ids, the birth date, postcode, phone and where the address sorts. The
/// text is one allocation with the parts' end offsets (a string or list of its own per part
/// would take three times the memory), read through the methods.
///
/// The current generation keeps each record's in `forms.bin` (`store::stored`): a change
/// to these fields changes that file's layout (bump `store::stored::FORMS_VERSION`).
///
/// Written and read back through serde (`store::stored::encode_forms`, `decode_forms`), which
/// checks that the parts' ends fall in order (`parts_in_order`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Linkable {
    text: Box<str>,
    ends: [u32; PARTS],
    /// Bit `p` for each optional part `p` present, and `IC_VALID`.
    present: u16,
    #[serde(with = "super::static_text::date")]
    pub dob: Option<NaiveDate>,
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

fn words(s: &str) -> impl Iterator<Item = &str> + Clone {
    s.split(SEP).filter(|w| !w.is_empty())
}

impl Linkable {
    pub fn of(r: &NormRecord) -> Linkable {
        let n = &r.name;
        let mut text = String::with_capacity(128);
        let mut ends = [0u32; PARTS];
        let mut present = 0u16;
        let mut end = |text: &mut String, p: Part| ends[p as usize] = text.len() as u32;
        for (p, list) in [(Part::Given, &n.given), (Part::Patronym, &n.patronym)] {
            for (i, w) in list.iter().enumerate() {
                debug_assert!(!w.contains(SEP));
                if i > 0 {
                    text.push(SEP);
                }
                text.push_str(w);
            }
            end(&mut text, p);
        }
        for (p, s) in [
            (Part::SortedKey, &r.sorted_key),
            (Part::Compact, &r.compact),
            (Part::GivenCompact, &r.given_compact),
            (Part::Phonetic, &r.phonetic),
        ] {
            text.push_str(s);
            end(&mut text, p);
        }
        let ic = r.ic.as_ref().map(|i| i.digits.as_str());
        for (p, v) in [
            (Part::Ic, ic),
            (Part::OldIc, r.old_ic().as_deref()),
            (Part::Passport, r.passport().as_deref()),
            (Part::NationalId, r.national_id().as_deref()),
            (Part::Postcode, r.postcode.as_deref()),
            (Part::Phone, r.phone.as_deref()),
        ] {
            if let Some(v) = v {
                present |= 1 << p as u16;
                text.push_str(v);
            }
            end(&mut text, p);
        }
        if r.ic.as_ref().is_some_and(|i| i.valid) {
            present |= IC_VALID;
        }
        Linkable {
            text: text.into_boxed_str(),
            ends,
            present,
            dob: r.dob,
            address_order: prefix(r.address.as_deref().unwrap_or("\u{7f}"), 6),
        }
    }

    /// The form with every text keyed by `tag(part, text)` (privacy-preserving linkage,
    /// `encoded`): the name's words and sound codes one by one, so that blocking finds a word
    /// in common as it does in plaintext; the birth date as a date of its own tag, so that
    /// equal dates stay equal; the address's place in an order as a number of its own tag.
    pub fn keyed(&self, tag: &dyn Fn(&str, &str) -> String) -> Linkable {
        const NAMES: [&str; PARTS] = [
            "given",
            "patronym",
            "sorted_key",
            "compact",
            "given_compact",
            "phonetic",
            "ic",
            "old_ic",
            "passport",
            "national_id",
            "postcode",
            "phone",
        ];
        let mut text = String::with_capacity(4 * self.text.len());
        let mut ends = [0u32; PARTS];
        for (i, domain) in NAMES.iter().enumerate() {
            let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
            let v = &self.text[start..self.ends[i] as usize];
            let sep = match i {
                0 | 1 => Some(SEP),
                5 => Some(' '),
                _ => None,
            };
            match sep {
                Some(sep) => {
                    let words: Vec<String> = v
                        .split(sep)
                        .filter(|w| !w.is_empty())
                        .map(|w| tag(domain, w))
                        .collect();
                    text.push_str(&words.join(&sep.to_string()));
                }
                None if !v.is_empty() => text.push_str(&tag(domain, v)),
                None => {}
            }
            ends[i] = text.len() as u32;
        }
        let number = |domain: &str, v: &str| {
            let t = tag(domain, v);
            u64::from_str_radix(&t[..t.len().min(16)], 16).unwrap_or(0)
        };
        Linkable {
            text: text.into_boxed_str(),
            ends,
            present: self.present,
            dob: self.dob.and_then(|d| {
                let days = number("dob", &d.to_string()) % 3_000_000;
                NaiveDate::from_num_days_from_ce_opt(days as i32 + 1)
            }),
            address_order: if self.address_order == prefix("\u{7f}", 6) {
                self.address_order
            } else {
                number("address_order", &self.address_order.to_string()) >> 16
            },
        }
    }

    /// Whether the parts' ends fall in order on the text's character boundaries, as `of` and
    /// `default` make them: forms read back from a file are checked, so that a damaged one is
    /// refused rather than read past a boundary.
    pub(crate) fn parts_in_order(&self) -> bool {
        let mut start = 0;
        self.ends.iter().all(|&e| {
            let ok = e >= start && self.text.is_char_boundary(e as usize);
            start = e;
            ok
        })
    }

    fn part(&self, p: Part) -> &str {
        let i = p as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    fn optional(&self, p: Part) -> Option<&str> {
        (self.present & (1 << p as u16) != 0).then(|| self.part(p))
    }

    /// The given name's tokens (`Name::given`).
    pub fn given(&self) -> impl Iterator<Item = &str> + Clone {
        words(self.part(Part::Given))
    }

    /// The patronym's tokens (`Name::patronym`).
    pub fn patronym(&self) -> impl Iterator<Item = &str> + Clone {
        words(self.part(Part::Patronym))
    }

    /// The name's tokens: the given name's, then the patronym's (`Name::tokens`).
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.given().chain(self.patronym())
    }

    pub fn sorted_key(&self) -> &str {
        self.part(Part::SortedKey)
    }

    pub fn compact(&self) -> &str {
        self.part(Part::Compact)
    }

    pub fn given_compact(&self) -> &str {
        self.part(Part::GivenCompact)
    }

    pub fn phonetic(&self) -> &str {
        self.part(Part::Phonetic)
    }

    /// The IC column's digits (`Ic::digits`).
    pub fn ic(&self) -> Option<&str> {
        self.optional(Part::Ic)
    }

    /// The IC's digits when they make a valid MyKad.
    pub fn valid_ic(&self) -> Option<&str> {
        self.ic().filter(|_| self.present & IC_VALID != 0)
    }

    pub fn old_ic(&self) -> Option<&str> {
        self.optional(Part::OldIc)
    }

    pub fn passport(&self) -> Option<&str> {
        self.optional(Part::Passport)
    }

    pub fn national_id(&self) -> Option<&str> {
        self.optional(Part::NationalId)
    }

    pub fn postcode(&self) -> Option<&str> {
        self.optional(Part::Postcode)
    }

    pub fn phone(&self) -> Option<&str> {
        self.optional(Part::Phone)
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

    fn read(fields: &[(Field, &str)]) -> NormRecord {
        super::super::read_fields(fields, NaiveDate::from_ymd_opt(2026, 6, 15).unwrap())
    }

    #[test]
    fn holds_what_linking_reads() {
        let n = read(&[
            (Field::FullName, "Dato' Muhammad Hafiz bin Abdul Rahman"),
            (Field::Ic, "850312-14-5567"),
            (Field::OldIc, "A1234567"),
            (Field::Postcode, "50450"),
            (Field::Phone, "012-3456789"),
            (Field::Address, "12 Jalan Mawar"),
        ]);
        let l = Linkable::of(&n);
        let strs =
            |v: &[crate::normalise::Text]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(l.given().collect::<Vec<_>>(), strs(&n.name.given));
        assert_eq!(l.patronym().collect::<Vec<_>>(), strs(&n.name.patronym));
        assert_eq!(
            l.tokens().collect::<Vec<_>>(),
            n.name.tokens().collect::<Vec<_>>()
        );
        assert_eq!(l.given().count(), 2);
        assert_eq!(l.sorted_key(), n.sorted_key);
        assert_eq!(l.compact(), n.compact);
        assert_eq!(l.given_compact(), n.given_compact);
        assert_eq!(l.phonetic(), n.phonetic);
        assert_eq!(l.ic(), Some("850312145567"));
        assert_eq!(l.valid_ic(), Some("850312145567"));
        assert_eq!(l.old_ic(), n.old_ic().as_deref());
        assert_eq!(l.passport(), None);
        assert_eq!(l.national_id(), None);
        assert_eq!(l.dob, n.dob);
        assert_eq!(l.postcode(), Some("50450"));
        assert_eq!(l.phone(), n.phone.as_deref());
        assert!(l.address_order < prefix("\u{7f}", 6));
    }

    #[test]
    fn missing_and_invalid_values_read_as_such() {
        let l = Linkable::of(&read(&[
            (Field::FullName, "TAN"),
            (Field::Ic, "850399-14-5567"),
        ]));
        assert_eq!(l.ic(), Some("850399145567"));
        assert_eq!(l.valid_ic(), None);
        assert_eq!(l.patronym().count(), 0);
        assert_eq!(l.given().collect::<Vec<_>>(), ["TAN"]);
        for v in [
            l.old_ic(),
            l.passport(),
            l.national_id(),
            l.postcode(),
            l.phone(),
        ] {
            assert_eq!(v, None);
        }
        assert_eq!(l.address_order, prefix("\u{7f}", 6));
        let empty = Linkable::of(&NormRecord::default());
        assert_eq!(empty.tokens().count(), 0);
        assert_eq!((empty.ic(), empty.compact()), (None, ""));
    }
}
