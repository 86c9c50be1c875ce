//! Normalise: raw field values become comparable forms, computed once per record.
//!
//! Reads: ingested records (`ingest::Record`). Writes: one `NormRecord` per record, in the same
//! order, and counts of values that could not be read (unparseable dates, unknown sex codes,
//! invalid ICs) for `summary.json`. A value that cannot be normalised becomes `None`; the record
//! is kept. Fields are read in an order that lets one inform another: the IC's birth date
//! settles an ambiguous day/month order, the recorded birth date settles the IC's century, and
//! sex comes from the record, else the IC's last digit, else the name's marker (BIN/BINTI).
//!
//! One module per kind of value: `name` (with `chinese` and `phonetic`), `ic`, `date`, `phone`,
//! `address`, `text` (Unicode clean-up) and `tables` (the domain knowledge, as data files under
//! `data/`).

pub mod address;
pub mod chinese;
pub mod date;
pub mod encoded;
pub mod ic;
pub mod linkable;
pub mod name;
pub mod packed;
pub mod phone;
pub mod phonetic;
pub mod stage;
pub mod tables;
pub mod text;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::field::Field;
use crate::ingest::{Ingested, Record};
pub use date::PartialDate;
pub use ic::Ic;
pub use linkable::Linkable;
pub use name::Name;

/// A normalised value: strings of up to 24 bytes (most keys, codes and name tokens) are kept
/// inline, without a heap allocation of their own; longer ones are on the heap like `String`.
pub type Text = compact_str::CompactString;

/// Sex as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
}

impl Sex {
    /// Reads sex in any of the spellings of `data/sex.tsv` (L/P, M/F, LELAKI/PEREMPUAN,
    /// MALE/FEMALE, 1/2…).
    pub fn parse(raw: &str) -> Option<Sex> {
        let t = text::clean(raw);
        tables::SEX
            .get(t.as_str())
            .map(|&male| if male { Sex::Male } else { Sex::Female })
    }

    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
}

/// A Malaysian phone number in E.164 form (`+60123456789`); `None` when it is not a phone
/// number (see `phone::parse`).
pub fn phone(raw: &str) -> Option<String> {
    phone::e164(raw)
}

/// A five-digit postcode; four digits get their lost leading zero back (Excel).
pub fn postcode(raw: &str) -> Option<String> {
    address::postcode(raw)
}

/// An address: cleaned, abbreviations expanded, the state spelled canonically.
pub fn address(raw: &str) -> Option<String> {
    address::parse(raw).map(|a| a.text)
}

/// Other identifiers (old IC, passport, national id, household id): letters and digits only.
pub fn identifier(raw: &str) -> Option<String> {
    let s = text::alnum_upper(raw);
    (!s.is_empty()).then_some(s)
}

/// Where a record's sex came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SexFrom {
    Recorded,
    Ic,
    Marker,
}

/// Identifiers other than the MyKad (`NormRecord::other_ids`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherIds {
    pub old_ic: Option<Text>,
    pub passport: Option<Text>,
    pub national_id: Option<Text>,
    pub household_id: Option<Text>,
}

impl OtherIds {
    /// `None` when every identifier is missing.
    fn boxed(self) -> Option<Box<OtherIds>> {
        (self != OtherIds::default()).then(|| Box::new(self))
    }
}

static MISSING: Option<Text> = None;

/// A name from padan's own tables. (An alias: written `&'static str` in the record, serde's
/// derive would make the record readable only from data that lives forever.)
pub type Static = &'static str;

/// How the fields that point into padan's own tables are kept in the store: by name, read back
/// into the table's entry (an unknown name is an error, not a new entry).
mod static_text {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    fn read<'de, D: Deserializer<'de>>(
        d: D,
        what: &str,
        find: fn(&str) -> Option<&'static str>,
    ) -> Result<Option<&'static str>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => find(&s)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("unknown {what}"))),
        }
    }

    pub mod state {
        use super::*;

        pub fn serialize<S: Serializer>(v: &Option<&'static str>, s: S) -> Result<S::Ok, S::Error> {
            v.serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<&'static str>, D::Error> {
            // A canonical name is its own spelling in the table.
            read(d, "state", |s| {
                crate::normalise::tables::STATES
                    .get(s)
                    .copied()
                    .filter(|c| *c == s)
            })
        }
    }

    pub mod phone_kind {
        use super::*;

        pub fn serialize<S: Serializer>(v: &Option<&'static str>, s: S) -> Result<S::Ok, S::Error> {
            v.serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<&'static str>, D::Error> {
            read(d, "phone kind", crate::normalise::phone::kind_named)
        }
    }

    /// A date as its day number (chrono's own form is text, slower to read back).
    pub mod date {
        use super::*;
        use chrono::{Datelike, NaiveDate};

        pub fn serialize<S: Serializer>(v: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
            v.map(|d| d.num_days_from_ce()).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
            Option::<i32>::deserialize(d)?
                .map(|n| {
                    NaiveDate::from_num_days_from_ce_opt(n)
                        .ok_or_else(|| D::Error::custom("a day number out of range"))
                })
                .transpose()
        }
    }

    /// A partial date as its year and month (its own `Serialize` writes text, for JSON).
    pub mod partial_date {
        use super::*;
        use crate::normalise::PartialDate;

        pub fn serialize<S: Serializer>(v: &Option<PartialDate>, s: S) -> Result<S::Ok, S::Error> {
            v.map(|p| (p.year, p.month)).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<PartialDate>, D::Error> {
            Ok(Option::<(i32, Option<u32>)>::deserialize(d)?
                .map(|(year, month)| PartialDate { year, month }))
        }
    }
}

/// One record's comparable forms.
/// Kept on disk (`store::stored`) without the comparison forms, which are made again
/// from the name (`NormRecord::fill_forms`) when a later run reads a record back to link it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NormRecord {
    pub name: Name,
    /// `Name::key`, `sorted_key`, `compact`, `given_compact`, kept for the comparators.
    #[serde(skip)]
    pub key: Text,
    #[serde(skip)]
    pub sorted_key: Text,
    #[serde(skip)]
    pub compact: Text,
    #[serde(skip)]
    pub given_compact: Text,
    /// `Name::phonetic`: the Malay phonetic key.
    #[serde(skip)]
    pub phonetic: Text,
    /// `Name::khmer_key`: the Khmer-aware phonetic key, order-free.
    #[serde(skip)]
    pub khmer_key: Text,
    /// `Name::initials_key`: father's initial + given name (Indian short form).
    #[serde(skip)]
    pub initials_key: Option<Text>,
    /// The IC column's value (placeholders such as 000000000000 are `None`).
    pub ic: Option<Ic>,
    /// The old IC, passport, national id and household id: most records have none, so they
    /// are kept out of line (`old_ic()`, `passport()`…).
    pub other_ids: Option<Box<OtherIds>>,
    /// The birth date: as recorded, else the valid IC's (agreeing with a partial date if any).
    #[serde(with = "static_text::date")]
    pub dob: Option<NaiveDate>,
    /// A recorded birth date known only to the year or month (00/00/1950).
    #[serde(with = "static_text::partial_date")]
    pub dob_partial: Option<PartialDate>,
    /// `dob` came from the IC.
    pub dob_from_ic: bool,
    /// Whether the recorded birth date and the valid IC's agree (`None` if either is missing).
    pub ic_dob_agrees: Option<bool>,
    pub sex: Option<Sex>,
    pub sex_from: Option<SexFrom>,
    /// The address text (`address::Address::text`).
    pub address: Option<Text>,
    pub postcode: Option<Text>,
    pub district: Option<Text>,
    /// The state column: the canonical state name when recognised, else the cleaned text.
    pub state: Option<Text>,
    /// The state named at the end of the address.
    #[serde(with = "static_text::state")]
    pub address_state: Option<Static>,
    /// The postcode lies outside every postcode the state (column or address) uses.
    pub postcode_state_conflict: bool,
    /// E.164 (`+60123456789`).
    pub phone: Option<Text>,
    /// `mobile`, `landline`, `ip_telephony`, `non_geographic`, `foreign`.
    #[serde(with = "static_text::phone_kind")]
    pub phone_kind: Option<Static>,
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

/// What the normalisation of one record noted: its unreadable values (`Unreadable`, each 0 or
/// 1 for a record) and whether a date was found after the day it was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Marks(pub u8);

impl Marks {
    const DOB: u8 = 1;
    const SEX: u8 = 2;
    const PHONE: u8 = 4;
    const POSTCODE: u8 = 8;
    const IC_INVALID: u8 = 16;
    const TOOK_TODAY: u8 = 128;

    pub fn new(bad: &Unreadable, took_today: bool) -> Marks {
        let bit = |n: u64, b: u8| if n > 0 { b } else { 0 };
        Marks(
            bit(bad.dob, Self::DOB)
                | bit(bad.sex, Self::SEX)
                | bit(bad.phone, Self::PHONE)
                | bit(bad.postcode, Self::POSTCODE)
                | bit(bad.ic_invalid, Self::IC_INVALID)
                | if took_today { Self::TOOK_TODAY } else { 0 },
        )
    }

    pub fn unreadable(self) -> Unreadable {
        let n = |b: u8| u64::from(self.0 & b != 0);
        Unreadable {
            dob: n(Self::DOB),
            sex: n(Self::SEX),
            ic_invalid: n(Self::IC_INVALID),
            phone: n(Self::PHONE),
            postcode: n(Self::POSTCODE),
        }
    }

    pub fn took_today(self) -> bool {
        self.0 & Self::TOOK_TODAY != 0
    }
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

    let mut ic = v(Field::Ic).and_then(Ic::parse);
    if let (Some(i), Some(d)) = (&ic, v(Field::Dob)) {
        let born = date::parse_with(d, dates, today, date::Context::default()).date;
        if let Some(repaired) = born.and_then(|b| i.with_lost_zeros(b)) {
            ic = Some(repaired);
        }
    }
    if ic.as_ref().is_some_and(|i| !i.valid) {
        bad.ic_invalid += 1;
    }
    let ic = ic.filter(|i| i.reason != Some(ic::Reason::Placeholder));
    let valid_ic = ic.as_ref().filter(|i| i.valid);
    let ctx = date::Context {
        ic: valid_ic.and_then(|i| ic::date_parts(&i.digits)),
    };
    let recorded = v(Field::Dob).map(|d| date::parse_with(d, dates, today, ctx));
    if recorded
        .as_ref()
        .is_some_and(|p| p.date.is_none() && p.partial.is_none())
    {
        bad.dob += 1;
    }
    let recorded_date = recorded.as_ref().and_then(|p| p.date);
    let dob_partial = recorded.as_ref().and_then(|p| p.partial);
    let ic_date = valid_ic.and_then(|i| {
        let hint = recorded_date.or_else(|| {
            dob_partial.and_then(|p| NaiveDate::from_ymd_opt(p.year, p.month.unwrap_or(1), 1))
        });
        i.birth_date(hint, today)
    });
    let ic_dob_agrees = match (recorded_date, ic_date) {
        (Some(a), Some(b)) => Some(a == b),
        _ => None,
    };
    let (dob, dob_from_ic) = match recorded_date {
        Some(d) => (Some(d), false),
        None => {
            let d = ic_date.filter(|d| dob_partial.is_none_or(|p| p.contains(*d)));
            (d, d.is_some())
        }
    };

    let mut sex_from = None;
    let mut sex = v(Field::Sex).and_then(|s| {
        let p = Sex::parse(s);
        if p.is_none() {
            bad.sex += 1;
        }
        p
    });
    if sex.is_some() {
        sex_from = Some(SexFrom::Recorded);
    } else if let Some(s) = ic.as_ref().and_then(Ic::sex_hint) {
        sex = Some(s);
        sex_from = Some(SexFrom::Ic);
    } else if let Some(s) = name.marker_sex() {
        sex = Some(s);
        sex_from = Some(SexFrom::Marker);
    }

    let addr = v(Field::Address).and_then(address::parse);
    let mut postcode = v(Field::Postcode).and_then(|p| {
        let n = postcode(p);
        if n.is_none() {
            bad.postcode += 1;
        }
        n
    });
    if postcode.is_none() {
        postcode = addr.as_ref().and_then(|a| a.postcode.clone());
    }
    let state_raw = v(Field::State).map(text::clean).filter(|s| !s.is_empty());
    let state = state_raw.map(|s| match address::canonical_state(&s) {
        Some(c) => c.to_string(),
        None => s,
    });
    let address_state = addr.as_ref().and_then(|a| a.state);
    let postcode_state_conflict = postcode.as_deref().is_some_and(|p| {
        [state.as_deref(), address_state]
            .into_iter()
            .flatten()
            .any(|s| address::postcode_contradicts(p, s))
    });

    let ph = v(Field::Phone).and_then(|p| {
        let n = phone::parse(p);
        if n.is_none() {
            bad.phone += 1;
        }
        n
    });
    let mut n = NormRecord {
        name,
        ic,
        other_ids: OtherIds {
            old_ic: text_of(v(Field::OldIc).and_then(identifier)),
            passport: text_of(v(Field::Passport).and_then(identifier)),
            national_id: text_of(v(Field::NationalId).and_then(identifier)),
            household_id: text_of(v(Field::HouseholdId).and_then(identifier)),
        }
        .boxed(),
        dob,
        dob_partial,
        dob_from_ic,
        ic_dob_agrees,
        sex,
        sex_from,
        address: text_of(addr.map(|a| a.text)),
        postcode: text_of(postcode),
        district: v(Field::District)
            .map(text::clean)
            .filter(|s| !s.is_empty())
            .map(Text::from),
        state: text_of(state),
        address_state,
        postcode_state_conflict,
        phone_kind: ph.as_ref().map(|p| p.kind),
        phone: ph.map(|p| Text::from(p.e164)),
        ..Default::default()
    };
    n.fill_forms();
    (n, bad)
}

fn text_of(s: Option<String>) -> Option<Text> {
    s.map(Text::from)
}

/// The distinct words of a text, hashed (XXH3) and sorted.
pub fn word_hashes(text: &str) -> Vec<u64> {
    let mut h: Vec<u64> = text
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| xxhash_rust::xxh3::xxh3_64(w.as_bytes()))
        .collect();
    h.sort_unstable();
    h.dedup();
    h
}

impl NormRecord {
    pub fn old_ic(&self) -> &Option<Text> {
        self.other_ids.as_ref().map_or(&MISSING, |o| &o.old_ic)
    }

    pub fn passport(&self) -> &Option<Text> {
        self.other_ids.as_ref().map_or(&MISSING, |o| &o.passport)
    }

    pub fn national_id(&self) -> &Option<Text> {
        self.other_ids.as_ref().map_or(&MISSING, |o| &o.national_id)
    }

    pub fn household_id(&self) -> &Option<Text> {
        self.other_ids
            .as_ref()
            .map_or(&MISSING, |o| &o.household_id)
    }

    /// Makes the name's comparison forms (`key`, `sorted_key`…) from the name.
    pub fn fill_forms(&mut self) {
        let n = &self.name;
        self.key = n.key().into();
        self.sorted_key = n.sorted_key().into();
        self.compact = n.compact().into();
        self.given_compact = n.given_compact().into();
        self.phonetic = n.phonetic().into();
        self.khmer_key = n.khmer_key().into();
        self.initials_key = n.initials_key().map(Text::from);
    }
}

/// Normalises every ingested record in parallel; returns the records in input order and the
/// unreadable-value counts per source.
pub fn all(
    ing: &Ingested,
    today: NaiveDate,
    progress: &crate::progress::Counter,
) -> (Vec<NormRecord>, Vec<Unreadable>) {
    let (records, marks): (Vec<NormRecord>, Vec<Marks>) = (0..ing.records.len())
        .into_par_iter()
        .map(|i| {
            let (r, m) = one(ing, i, today);
            progress.inc(1);
            (r, m)
        })
        .unzip();
    let unreadable = unreadable_per_source(ing, |i| marks[i]);
    (records, unreadable)
}

/// The unreadable-value counts per source, from each record's marks.
pub fn unreadable_per_source(ing: &Ingested, marks: impl Fn(usize) -> Marks) -> Vec<Unreadable> {
    let mut unreadable = vec![Unreadable::default(); ing.sources.len()];
    for (i, r) in ing.records.iter().enumerate() {
        unreadable[r.source as usize].add(&marks(i).unreadable());
    }
    unreadable
}

/// A record of `fields` normalised on `today` (for tests).
#[cfg(test)]
pub(crate) fn read_fields(fields: &[(Field, &str)], today: NaiveDate) -> NormRecord {
    let mut r = Record::new(0, 0, "x".into());
    for (f, v) in fields {
        r.set(*f, v);
    }
    record(&r, &[], today).0
}

/// Record `i` of `ing` normalised on `today`, with what its normalisation noted.
pub fn one(ing: &Ingested, i: usize, today: NaiveDate) -> (NormRecord, Marks) {
    let r = &ing.records[i];
    let dates = &ing.sources[r.source as usize].dates;
    date::took_today();
    let (n, b) = record(r, dates, today);
    (n, Marks::new(&b, date::took_today()))
}

/// Normalised records by index: in memory, or read back from disk a record at a time
/// (`store::stored::Stored`, without the comparison forms).
pub trait Records: Sync {
    fn count(&self) -> usize;

    fn record(&self, i: usize) -> std::borrow::Cow<'_, NormRecord>;
}

impl Records for Vec<NormRecord> {
    fn count(&self) -> usize {
        self.len()
    }

    fn record(&self, i: usize) -> std::borrow::Cow<'_, NormRecord> {
        std::borrow::Cow::Borrowed(&self[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
    }

    fn rec(fields: &[(Field, &str)]) -> NormRecord {
        read_fields(fields, today())
    }

    #[test]
    fn a_reading_that_depended_on_the_day_is_marked() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        let read = |fields: &[(Field, &str)]| {
            let mut r = Record::new(0, 0, "x".into());
            for (f, v) in fields {
                r.set(*f, v);
            }
            date::took_today();
            let (n, _) = record(&r, &[], today);
            (n.dob.map(|d| d.to_string()), date::took_today())
        };
        let dob = |d| read(&[(Field::Dob, d)]);
        // Later this year: refused today, read on 1 December.
        assert_eq!(dob("01/12/2026"), (None, true));
        // A two-digit year later this year goes back a century, until that day comes.
        assert_eq!(dob("01/12/26"), (Some("1926-12-01".into()), true));
        // Earlier this year, or a later year: the same answer on every day of this year.
        assert_eq!(dob("01/03/2026"), (Some("2026-03-01".into()), false));
        assert_eq!(dob("01/12/2027"), (None, false));
        assert_eq!(dob("12/03/1985"), (Some("1985-03-12".into()), false));
        // An IC's century: 2026-12-01 is still to come, so 1926 for now.
        assert_eq!(
            read(&[(Field::Ic, "261201-14-5567")]),
            (Some("1926-12-01".into()), true)
        );
        assert_eq!(
            read(&[(Field::Ic, "850312-14-5567")]),
            (Some("1985-03-12".into()), false)
        );
    }

    #[test]
    fn phones_become_e164() {
        for s in [
            "012-3456789",
            "+60123456789",
            "60 12-345 6789",
            "0123456789",
        ] {
            assert_eq!(phone(s).as_deref(), Some("+60123456789"), "{s}");
        }
        assert_eq!(phone("12345"), None);
    }

    #[test]
    fn sex_codes() {
        assert_eq!(Sex::parse("l"), Some(Sex::Male));
        assert_eq!(Sex::parse("PEREMPUAN"), Some(Sex::Female));
        assert_eq!(Sex::parse("Female"), Some(Sex::Female));
        assert_eq!(Sex::parse("Laki-laki"), Some(Sex::Male));
        assert_eq!(Sex::parse("x"), None);
    }

    #[test]
    fn postcodes_and_addresses() {
        assert_eq!(postcode("5000").as_deref(), Some("05000"));
        assert_eq!(
            address("No. 5, Jln Mawar 3, Tmn Sri Muda").as_deref(),
            Some("NO 5 JALAN MAWAR 3 TAMAN SERI MUDA")
        );
        let r = rec(&[(Field::Address, "12 JALAN MAWAR 50000 KUALA LUMPUR")]);
        assert_eq!(r.postcode.as_deref(), Some("50000"));
        assert_eq!(r.address_state, Some("WP KUALA LUMPUR"));
    }

    #[test]
    fn fields_inform_each_other() {
        use Field::*;
        // The IC settles an ambiguous day/month order.
        let r = rec(&[(Ic, "850312145567"), (Dob, "03/12/1985")]);
        assert_eq!(r.dob, NaiveDate::from_ymd_opt(1985, 3, 12));
        assert_eq!(r.ic_dob_agrees, Some(true));
        // A partial date is kept partial; the IC fills the full date when it agrees.
        let p = rec(&[(Ic, "500312145567"), (Dob, "00/00/1950")]);
        assert_eq!(
            p.dob_partial.map(|d| d.to_string()).as_deref(),
            Some("1950")
        );
        assert_eq!(p.dob, NaiveDate::from_ymd_opt(1950, 3, 12));
        assert!(p.dob_from_ic);
        let q = rec(&[(Ic, "500312145567"), (Dob, "1951")]);
        assert_eq!(q.dob, None);
        // Sex: recorded, else the IC's last digit, else the marker.
        assert_eq!(rec(&[(Ic, "850312145567")]).sex, Some(super::Sex::Male));
        let m = rec(&[(FullName, "SITI BINTI ALI")]);
        assert_eq!(
            (m.sex, m.sex_from),
            (Some(super::Sex::Female), Some(SexFrom::Marker))
        );
        // The recorded date gives the IC its century.
        let old = rec(&[(Ic, "150101105567"), (Dob, "1915")]);
        assert_eq!(old.dob, NaiveDate::from_ymd_opt(1915, 1, 1));
        // Placeholders are missing, not equal.
        assert!(rec(&[(Ic, "000000000000")]).ic.is_none());
        // State spellings and postcode conflicts.
        let s = rec(&[(State, "Penang"), (Postcode, "88000")]);
        assert_eq!(s.state.as_deref(), Some("PULAU PINANG"));
        assert!(s.postcode_state_conflict);
    }
}
