//! The clean synthetic population: households and the people in them, with their names as on
//! their IC, birth dates, MyKad and other identity numbers, addresses and phones — before any
//! agency writes them down (that is `noise` and `schema`).
//!
//! Reads: nothing. Writes: nothing.
//! Invariants:
//! - A household is a pure function of `(seed, household index)`: its layout comes from one
//!   random stream, its people from another, so households can be generated in parallel.
//! - Families share the father's name (as patronym or surname), the address and usually the
//!   phone; twins share the birth date and birth place and have consecutive IC serials.
//! - An IC is `YYMMDD PB ### G`: the birth date, an assigned place-of-birth code of the birth
//!   state (62 for Cambodia, a few 71/72/82), a serial, and G odd for men, even for women.
//!   `Issued::fix` then makes every identity number unique, in person order (so the result does
//!   not depend on the thread count), moving twins' serials together.
//! - Everyone is at least 18 and at most 95 on `REF_DATE`, a fixed date (never the clock).

use ahash::AHashSet;
use chrono::{Datelike, Duration, NaiveDate};

use super::geo::{self, State, STATES};
use super::names::*;
use super::rng::{Rng, STREAM_HOUSEHOLD, STREAM_LAYOUT};

/// "Today" for ages: fixed, so a seed gives the same files whenever it runs.
pub fn ref_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ethnicity {
    Malay,
    Chinese,
    Indian,
    Iban,
    /// Kadazan-Dusun and other Sabah natives: a Christian given name, BIN/BINTI and a father.
    SabahNative,
    /// Foreign-born Cambodian residents and their children.
    Khmer,
}

/// The population mix (households).
const ETHNICITIES: &[(Ethnicity, u32)] = &[
    (Ethnicity::Malay, 57),
    (Ethnicity::Chinese, 22),
    (Ethnicity::Indian, 7),
    (Ethnicity::Iban, 4),
    (Ethnicity::SabahNative, 5),
    (Ethnicity::Khmer, 3),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Title {
    Haji,
    Dato,
    Dr,
}

/// How a name is put together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NameOrder {
    /// `[PREFIX] GIVEN MARKER [PREFIX] FATHER` (Malay, Indian, Iban, Sabah).
    #[default]
    Patronymic,
    /// `[ENGLISH] SURNAME GIVEN` (Chinese).
    Chinese,
    /// `SURNAME GIVEN` (Khmer; the surname is usually the father's given name).
    Khmer,
}

/// Up to four name tokens, all from the static tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Toks {
    t: [&'static str; 4],
    n: u8,
}

impl Toks {
    /// The tokens of one or more table entries ("ZAINAL ABIDIN" is two tokens).
    pub fn of(words: &[&'static str]) -> Toks {
        let mut t = Toks::default();
        for w in words {
            t.push(w);
        }
        t
    }

    pub fn push(&mut self, words: &'static str) {
        for w in words.split(' ') {
            if (self.n as usize) < self.t.len() {
                self.t[self.n as usize] = w;
                self.n += 1;
            }
        }
    }

    pub fn as_slice(&self) -> &[&'static str] {
        &self.t[..self.n as usize]
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    pub fn first(&self) -> Option<&'static str> {
        self.as_slice().first().copied()
    }
}

/// A name as it is on the person's IC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Name {
    pub order: NameOrder,
    /// Hereditary prefix (SYED, SHARIFAH, WAN, NIK, TENGKU, ...).
    pub prefix: Option<&'static str>,
    /// Given name; for Chinese names the syllables (usually two).
    pub given: Toks,
    /// BIN, BINTI, A/L, A/P or ANAK.
    pub marker: Option<&'static str>,
    pub father_prefix: Option<&'static str>,
    pub father: Toks,
    /// Chinese or Khmer surname.
    pub surname: Option<&'static str>,
    /// An English name written before a Chinese name.
    pub english: Option<&'static str>,
}

impl Name {
    /// The name as on the IC, without any title: what every record would show without noise.
    pub fn canonical(&self) -> String {
        let mut t: Vec<&str> = Vec::with_capacity(8);
        match self.order {
            NameOrder::Patronymic => {
                t.extend(self.prefix);
                t.extend(self.given.as_slice());
                t.extend(self.marker);
                t.extend(self.father_prefix);
                t.extend(self.father.as_slice());
            }
            NameOrder::Chinese => {
                t.extend(self.english);
                t.extend(self.surname);
                t.extend(self.given.as_slice());
            }
            NameOrder::Khmer => {
                t.extend(self.surname);
                t.extend(self.given.as_slice());
            }
        }
        t.join(" ")
    }
}

/// An old (pre-MyKad) IC number: 7 digits, or a letter and 7 digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OldIc {
    /// 0 when there is no letter.
    pub letter: u8,
    pub digits: u32,
}

impl OldIc {
    pub fn write(&self, out: &mut String) {
        if self.letter != 0 {
            out.push(self.letter as char);
        }
        push_padded(out, self.digits as u64, 7);
    }
}

/// A Malaysian mobile number `0PP` + 7 digits (8 after 011).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phone {
    /// The two digits after the leading 0 (10–19).
    pub prefix: u8,
    pub rest: u32,
    /// Digits in `rest`: 7, or 8 after 011.
    pub len: u8,
}

impl Phone {
    /// `0123456789`
    pub fn digits(&self) -> String {
        let mut s = String::with_capacity(11);
        s.push('0');
        push_padded(&mut s, self.prefix as u64, 2);
        push_padded(&mut s, self.rest as u64, self.len as usize);
        s
    }
}

/// The kind of an address, which decides how its parts are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrKind {
    /// `NO 12, JALAN MAWAR 3, TAMAN SRI MELATI`
    Taman,
    /// `B-07-03, PANGSAPURI SRI DAHLIA, JALAN SETIA`
    Flat,
    /// `LOT 2211, KAMPUNG PADANG RUSA`
    KampungLot,
    /// `NO 5, LORONG NURI 2, KAMPUNG BARU`
    KampungLorong,
    /// `NO 88, JALAN SENTOSA 4/12`
    Street,
    /// `RUMAH JUGAH, NANGA SKRANG` (an Iban longhouse)
    Longhouse,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Address {
    pub kind: AddrKind,
    pub n1: u16,
    pub n2: u16,
    pub n3: u16,
    pub w1: &'static str,
    pub w2: &'static str,
    /// A `TAMAN_PATTERNS` entry or another third word.
    pub w3: &'static str,
    /// Index into `STATES`.
    pub state: u8,
    /// Index into the state's places.
    pub place: u8,
    pub postcode: &'static str,
}

impl Address {
    pub fn state(&self) -> &'static State {
        &STATES[self.state as usize]
    }

    pub fn town(&self) -> &'static str {
        self.state().places[self.place as usize].0
    }

    pub fn district(&self) -> &'static str {
        self.state().places[self.place as usize].1
    }
}

#[derive(Clone, Debug)]
pub struct Person {
    /// 0-based; the truth file's person id is `T` + (index + 1).
    pub index: u64,
    pub household: u64,
    pub ethnicity: Ethnicity,
    pub sex: Sex,
    pub dob: NaiveDate,
    pub muslim: bool,
    pub name: Name,
    pub title: Option<Title>,
    /// The 12-digit MyKad number, as a number (leading zeros implied).
    pub ic: Option<u64>,
    pub old_ic: Option<OldIc>,
    /// A Cambodian national ID (9 digits, leading zeros kept).
    pub national_id: Option<u32>,
    /// A Cambodian passport `N` + 7 digits.
    pub passport: Option<u32>,
    /// 0: not a twin; 1: the first twin (the next person is the second); 2: the second.
    pub twin: u8,
    pub address: Address,
    /// An address the person used to live at (what a "moved" record shows).
    pub prev_address: Address,
    pub phone: Option<Phone>,
    /// Another number the person has used (what a "changed phone" record shows).
    pub alt_phone: Phone,
}

impl Person {
    /// `T0000042`
    pub fn person_id(&self) -> String {
        person_id(self.index)
    }
}

/// The truth file's id of the person with this index.
pub fn person_id(index: u64) -> String {
    format!("T{:07}", index + 1)
}

/// Appends `v` with at least `width` digits.
pub fn push_padded(out: &mut String, v: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    let mut x = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (x % 10) as u8;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    let digits = buf.len() - i;
    for _ in digits..width {
        out.push('0');
    }
    out.push_str(std::str::from_utf8(&buf[i..]).expect("ASCII digits"));
}

/// The 12 digits of an IC number.
pub fn ic_digits(ic: u64) -> String {
    let mut s = String::with_capacity(12);
    push_padded(&mut s, ic, 12);
    s
}

/// Builds an IC number from its parts.
pub fn make_ic(dob: NaiveDate, pb: u8, serial: u32, g: u8) -> u64 {
    let yy = (dob.year() % 100) as u64;
    yy * 10_000_000_000
        + dob.month() as u64 * 100_000_000
        + dob.day() as u64 * 1_000_000
        + pb as u64 * 10_000
        + serial as u64 * 10
        + g as u64
}

fn ic_serial(ic: u64) -> u32 {
    ((ic / 10) % 1000) as u32
}

fn ic_with_serial(ic: u64, serial: u32) -> u64 {
    ic - ic_serial(ic) as u64 * 10 + serial as u64 * 10
}

fn ic_with_g(ic: u64, g: u8) -> u64 {
    ic - ic % 10 + g as u64
}

/// The layout of one household: who lives in it.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub ethnicity: Ethnicity,
    pub father: bool,
    pub mother: bool,
    /// Adult children of the family's father (a person living alone counts as one).
    pub children: u8,
    /// The first two children are twins.
    pub twins: bool,
}

impl Layout {
    pub fn size(&self) -> u32 {
        self.father as u32 + self.mother as u32 + self.children as u32
    }
}

/// The layout of household `h`: a pure function of the seed and `h`.
pub fn layout(seed: u64, h: u64) -> Layout {
    let mut rng = Rng::new(seed, STREAM_LAYOUT, h);
    let ethnicity = rng.weighted(ETHNICITIES);
    if rng.chance(0.55) {
        return Layout {
            ethnicity,
            father: false,
            mother: false,
            children: 1,
            twins: false,
        };
    }
    let mut father = rng.chance(0.45);
    let mother = rng.chance(0.35);
    let children = rng.weighted(&[(1u8, 25), (2, 35), (3, 25), (4, 15)]);
    if children == 1 && !father && !mother {
        father = true;
    }
    let twins = children >= 2 && rng.chance(0.08);
    Layout {
        ethnicity,
        father,
        mother,
        children,
        twins,
    }
}

/// What a family shares: the father's name, the hereditary prefix, the Chinese surname.
struct Family {
    ethnicity: Ethnicity,
    /// The father's given name: the children's patronym (or, for Khmer, their surname).
    father_given: Toks,
    /// The father's own father.
    grandfather: Toks,
    /// The father's surname (Chinese: the family's; Khmer: the grandfather's given name).
    surname: Option<&'static str>,
    /// The man's form of the hereditary prefix, and the woman's.
    prefix: Option<(&'static str, &'static str)>,
    /// A Chinese generation name shared by the children.
    generation: Option<&'static str>,
    sikh: bool,
}

fn chinese_surname(rng: &mut Rng) -> &'static str {
    let spellings = rng.weighted(CHINESE_CLANS);
    rng.weighted(spellings)
}

fn malay_given(rng: &mut Rng, sex: Sex, year: i32) -> Toks {
    let modern = year >= 1980;
    let r = rng.unit();
    match (sex, modern) {
        (Sex::Male, true) => {
            if r < 0.42 {
                Toks::of(&[rng.weighted(MUH_FORMS), rng.zipf(MALAY_M_MODERN)])
            } else if r < 0.52 {
                Toks::of(&["AHMAD", rng.zipf(MALAY_M_MODERN)])
            } else if r < 0.62 {
                Toks::of(&["ABDUL", rng.zipf(ABDUL_SECOND)])
            } else if r < 0.80 {
                let a = rng.zipf(MALAY_M_MODERN);
                let b = rng.zipf(MALAY_M_MODERN);
                if a == b {
                    Toks::of(&[a])
                } else {
                    Toks::of(&[a, b])
                }
            } else {
                Toks::of(&[rng.zipf(MALAY_M_OLD)])
            }
        }
        (Sex::Male, false) => {
            if r < 0.22 {
                let first = rng.weighted(&[
                    ("MOHD", 50),
                    ("MUHAMMAD", 25),
                    ("MOHAMAD", 15),
                    ("MOHAMED", 10),
                ]);
                Toks::of(&[first, rng.zipf(MALAY_M_OLD)])
            } else if r < 0.37 {
                Toks::of(&["ABDUL", rng.zipf(ABDUL_SECOND)])
            } else if r < 0.42 {
                Toks::of(&["AHMAD", rng.zipf(MALAY_M_OLD)])
            } else {
                Toks::of(&[rng.zipf(MALAY_M_OLD)])
            }
        }
        (Sex::Female, true) => {
            if r < 0.30 {
                Toks::of(&["NUR", rng.zipf(MALAY_F_NUR)])
            } else if r < 0.50 {
                Toks::of(&["NURUL", rng.zipf(MALAY_F_NURUL)])
            } else if r < 0.66 {
                Toks::of(&["SITI", rng.zipf(MALAY_F_SITI)])
            } else if r < 0.85 {
                Toks::of(&[rng.zipf(MALAY_F_MODERN)])
            } else {
                Toks::of(&[rng.zipf(MALAY_F_OLD)])
            }
        }
        (Sex::Female, false) => {
            if r < 0.25 {
                Toks::of(&["SITI", rng.zipf(MALAY_F_SITI)])
            } else if r < 0.35 {
                Toks::of(&["NOR", rng.zipf(MALAY_F_NUR)])
            } else {
                Toks::of(&[rng.zipf(MALAY_F_OLD)])
            }
        }
    }
}

/// A Malay father's name as it appears after BIN/BINTI.
fn malay_father(rng: &mut Rng) -> Toks {
    let r = rng.unit();
    if r < 0.55 {
        Toks::of(&[rng.zipf(MALAY_FATHERS)])
    } else if r < 0.72 {
        let first = rng.weighted(&[
            ("MOHD", 50),
            ("MUHAMMAD", 20),
            ("MOHAMAD", 15),
            ("MOHAMED", 15),
        ]);
        Toks::of(&[first, rng.zipf(MALAY_M_OLD)])
    } else if r < 0.88 {
        Toks::of(&["ABDUL", rng.zipf(ABDUL_SECOND)])
    } else if r < 0.93 {
        Toks::of(&["AHMAD", rng.zipf(MALAY_M_OLD)])
    } else {
        Toks::of(&[rng.zipf(MALAY_M_OLD)])
    }
}

impl Family {
    fn new(rng: &mut Rng, ethnicity: Ethnicity) -> Family {
        let mut f = Family {
            ethnicity,
            father_given: Toks::default(),
            grandfather: Toks::default(),
            surname: None,
            prefix: None,
            generation: None,
            sikh: false,
        };
        match ethnicity {
            Ethnicity::Malay => {
                f.father_given = malay_father(rng);
                f.grandfather = malay_father(rng);
                while f.grandfather == f.father_given {
                    f.grandfather = malay_father(rng);
                }
                if rng.chance(0.06) {
                    f.prefix = Some(rng.weighted(HEREDITARY));
                }
            }
            Ethnicity::Chinese => {
                f.surname = Some(chinese_surname(rng));
                f.father_given = Toks::of(&[rng.zipf(CHINESE_M), rng.zipf(CHINESE_M)]);
                if rng.chance(0.6) {
                    f.generation = Some(rng.zipf(CHINESE_M));
                }
            }
            Ethnicity::Indian => {
                f.sikh = rng.chance(0.1);
                if f.sikh {
                    f.father_given = Toks::of(&[rng.pick(SIKH_FATHERS)]);
                    f.grandfather = Toks::of(&[rng.pick(SIKH_FATHERS)]);
                } else {
                    f.father_given = Toks::of(&[rng.zipf(INDIAN_FATHERS)]);
                    f.grandfather = Toks::of(&[rng.zipf(INDIAN_FATHERS)]);
                }
            }
            Ethnicity::Iban => {
                f.father_given = Toks::of(&[rng.pick(IBAN_FATHERS)]);
                f.grandfather = Toks::of(&[rng.pick(IBAN_FATHERS)]);
            }
            Ethnicity::SabahNative => {
                f.father_given = Toks::of(&[rng.pick(SABAH_FATHERS)]);
                f.grandfather = Toks::of(&[rng.pick(SABAH_FATHERS)]);
            }
            Ethnicity::Khmer => {
                f.father_given = Toks::of(&[rng.pick(KHMER_M)]);
                f.surname = Some(rng.pick(KHMER_SURNAMES));
            }
        }
        f
    }

    /// The father himself, as a person's name.
    fn father_name(&self) -> Name {
        match self.ethnicity {
            Ethnicity::Chinese => Name {
                order: NameOrder::Chinese,
                surname: self.surname,
                given: self.father_given,
                ..Name::default()
            },
            Ethnicity::Khmer => Name {
                order: NameOrder::Khmer,
                surname: self.surname,
                given: self.father_given,
                ..Name::default()
            },
            _ => Name {
                order: NameOrder::Patronymic,
                prefix: self.prefix.map(|p| p.0),
                given: self.father_given,
                marker: Some(marker(self.ethnicity, Sex::Male)),
                father_prefix: self.prefix.map(|p| p.0),
                father: self.grandfather,
                ..Name::default()
            },
        }
    }

    /// A child of this father.
    fn child_name(&self, rng: &mut Rng, sex: Sex, year: i32) -> Name {
        match self.ethnicity {
            Ethnicity::Malay => {
                let mut given = malay_given(rng, sex, year);
                let prefix = self.prefix.map(|p| match sex {
                    Sex::Male => p.0,
                    Sex::Female => p.1,
                });
                // SYED MUHAMMAD is usually written SYED + a second name.
                if prefix.is_some() && given.as_slice().len() > 1 && rng.chance(0.5) {
                    given = Toks::of(&given.as_slice()[1..]);
                }
                Name {
                    order: NameOrder::Patronymic,
                    prefix,
                    given,
                    marker: Some(marker(self.ethnicity, sex)),
                    father_prefix: self.prefix.map(|p| p.0),
                    father: self.father_given,
                    ..Name::default()
                }
            }
            Ethnicity::Chinese => {
                let pool = match sex {
                    Sex::Male => CHINESE_M,
                    Sex::Female => CHINESE_F,
                };
                let first = self.generation.unwrap_or_else(|| rng.zipf(pool));
                let mut second = rng.zipf(pool);
                while second == first {
                    second = rng.pick(pool);
                }
                let old = year < 1965;
                let given = if sex == Sex::Male && old && rng.chance(0.4) {
                    Toks::of(&["AH", second])
                } else {
                    Toks::of(&[first, second])
                };
                let english =
                    rng.chance(if year >= 1975 { 0.35 } else { 0.08 })
                        .then(|| match sex {
                            Sex::Male => rng.zipf(ENGLISH_M),
                            Sex::Female => rng.zipf(ENGLISH_F),
                        });
                Name {
                    order: NameOrder::Chinese,
                    surname: self.surname,
                    given,
                    english,
                    ..Name::default()
                }
            }
            Ethnicity::Khmer => Name {
                order: NameOrder::Khmer,
                surname: self.father_given.first(),
                given: Toks::of(&[match sex {
                    Sex::Male => rng.zipf(KHMER_M),
                    Sex::Female => rng.zipf(KHMER_F),
                }]),
                ..Name::default()
            },
            eth => {
                let given = match (eth, sex, self.sikh) {
                    (Ethnicity::Indian, Sex::Male, true) => rng.pick(SIKH_M),
                    (Ethnicity::Indian, Sex::Female, true) => rng.pick(SIKH_F),
                    (Ethnicity::Indian, Sex::Male, false) => rng.zipf(INDIAN_M),
                    (Ethnicity::Indian, Sex::Female, false) => rng.zipf(INDIAN_F),
                    (Ethnicity::Iban, Sex::Male, _) => rng.zipf(IBAN_M),
                    (Ethnicity::Iban, Sex::Female, _) => rng.zipf(IBAN_F),
                    (_, Sex::Male, _) => rng.zipf(SABAH_M),
                    (_, Sex::Female, _) => rng.zipf(SABAH_F),
                };
                Name {
                    order: NameOrder::Patronymic,
                    given: Toks::of(&[given]),
                    marker: Some(marker(eth, sex)),
                    father: self.father_given,
                    ..Name::default()
                }
            }
        }
    }
}

fn marker(e: Ethnicity, sex: Sex) -> &'static str {
    match (e, sex) {
        (Ethnicity::Indian, Sex::Male) => "A/L",
        (Ethnicity::Indian, Sex::Female) => "A/P",
        (Ethnicity::Iban, _) => "ANAK",
        (_, Sex::Male) => "BIN",
        (_, Sex::Female) => "BINTI",
    }
}

fn residence_table(e: Ethnicity) -> &'static [(u8, u32)] {
    match e {
        Ethnicity::Malay => geo::RESIDENCE_MALAY,
        Ethnicity::Chinese => geo::RESIDENCE_CHINESE,
        Ethnicity::Indian => geo::RESIDENCE_INDIAN,
        Ethnicity::Iban => geo::RESIDENCE_IBAN,
        Ethnicity::SabahNative => geo::RESIDENCE_SABAH,
        Ethnicity::Khmer => geo::RESIDENCE_KHMER,
    }
}

/// A new address in `state`.
pub fn new_address(rng: &mut Rng, state: u8, e: Ethnicity) -> Address {
    let st = &STATES[state as usize];
    let place = rng.below(st.places.len());
    let postcode = rng.pick(st.places[place].2);
    let r = rng.unit();
    let kind = if e == Ethnicity::Iban && r < 0.6 {
        AddrKind::Longhouse
    } else if r < 0.50 {
        AddrKind::Taman
    } else if r < 0.66 {
        AddrKind::Flat
    } else if r < 0.76 {
        AddrKind::KampungLot
    } else if r < 0.88 {
        AddrKind::KampungLorong
    } else {
        AddrKind::Street
    };
    let mut a = Address {
        kind,
        n1: 0,
        n2: 0,
        n3: 0,
        w1: "",
        w2: "",
        w3: "",
        state,
        place: place as u8,
        postcode,
    };
    match kind {
        AddrKind::Taman => {
            a.n1 = rng.range(1, 150) as u16;
            a.n2 = rng.range(1, 12) as u16;
            a.w1 = rng.pick(geo::STREET_WORDS);
            a.w2 = rng.pick(geo::STREET_WORDS);
            a.w3 = rng.pick(geo::TAMAN_PATTERNS);
        }
        AddrKind::Flat => {
            a.n1 = rng.range(1, 18) as u16;
            a.n2 = rng.range(1, 12) as u16;
            a.n3 = rng.below(5) as u16;
            a.w1 = rng.pick(geo::STREET_WORDS);
            a.w2 = rng.pick(geo::STREET_WORDS);
            a.w3 = rng.pick(geo::FLAT_PREFIX);
        }
        AddrKind::KampungLot => {
            a.n1 = rng.range(100, 4999) as u16;
            a.w1 = rng.pick(geo::KAMPUNG_WORDS);
        }
        AddrKind::KampungLorong => {
            a.n1 = rng.range(1, 80) as u16;
            a.n2 = rng.range(1, 9) as u16;
            a.w1 = rng.pick(geo::STREET_WORDS);
            a.w2 = rng.pick(geo::KAMPUNG_WORDS);
        }
        AddrKind::Street => {
            a.n1 = rng.range(1, 300) as u16;
            a.w1 = rng.pick(geo::STREET_WORDS);
            if rng.chance(0.5) {
                a.n2 = rng.range(1, 9) as u16;
                a.n3 = rng.range(1, 30) as u16;
            }
        }
        AddrKind::Longhouse => {
            a.w1 = rng.pick(geo::LONGHOUSE_CHIEFS);
            a.w2 = rng.pick(geo::RIVERS);
        }
    }
    a
}

pub fn new_phone(rng: &mut Rng) -> Phone {
    let prefix = rng.weighted(geo::MOBILE_PREFIXES);
    let len = if prefix == 11 { 8 } else { 7 };
    let hi = if len == 8 { 99_999_999 } else { 9_999_999 };
    Phone {
        prefix,
        rest: rng.range(1_000_000, hi),
        len,
    }
}

/// A birth date for someone `age` years old on `ref_date()`.
fn dob_for_age(rng: &mut Rng, age: u32) -> NaiveDate {
    let r = ref_date();
    let anchor = r
        .with_year(r.year() - age as i32)
        .expect("1 January exists");
    anchor - Duration::days(rng.range(1, 365) as i64)
}

/// The age of someone living alone: young and middle-aged adults most, few very old.
fn single_age(rng: &mut Rng) -> u32 {
    let (lo, hi) = rng.weighted(&[
        ((18, 29), 100),
        ((30, 49), 130),
        ((50, 64), 100),
        ((65, 79), 55),
        ((80, 95), 20),
    ]);
    rng.range(lo, hi)
}

fn birth_state(rng: &mut Rng, e: Ethnicity, residence: u8) -> u8 {
    if rng.chance(0.75) {
        residence
    } else {
        rng.weighted(residence_table(e))
    }
}

fn pb_code(rng: &mut Rng, state: u8) -> u8 {
    if rng.chance(0.01) {
        return rng.pick(geo::PB_ABROAD);
    }
    let codes = STATES[state as usize].pb;
    if codes.len() == 1 || rng.chance(0.7) {
        codes[0]
    } else {
        codes[1 + rng.below(codes.len() - 1)]
    }
}

fn g_digit(rng: &mut Rng, sex: Sex) -> u8 {
    let d = rng.below(5) as u8 * 2;
    match sex {
        Sex::Male => d + 1,
        Sex::Female => d,
    }
}

fn title(rng: &mut Rng, p: &Person) -> Option<Title> {
    let age = (ref_date().year() - p.dob.year()) as u32;
    if (45..=85).contains(&age) && rng.chance(0.006) {
        Some(Title::Dato)
    } else if (28..=65).contains(&age) && rng.chance(0.02) {
        Some(Title::Dr)
    } else if p.muslim && age >= 45 && rng.chance(0.22) {
        Some(Title::Haji)
    } else {
        None
    }
}

/// Sets a person's identity numbers (before `Issued::fix` makes them unique).
/// `born_abroad`: born in Cambodia (Khmer residents).
fn identity(rng: &mut Rng, p: &mut Person, pb: u8, born_abroad: bool, serial: u32) {
    let year = p.dob.year();
    if born_abroad {
        if rng.chance(0.4) {
            p.ic = Some(make_ic(
                p.dob,
                geo::PB_CAMBODIA,
                serial,
                g_digit(rng, p.sex),
            ));
        }
        if rng.chance(0.75) {
            p.national_id = Some(rng.range(1_000_000, 299_999_999));
        }
        if rng.chance(0.5) {
            p.passport = Some(rng.range(100_000, 9_999_999));
        }
        return;
    }
    let old_only = year < 1950 && rng.chance(0.06);
    let undocumented = rng.chance(0.012);
    if !old_only && !undocumented {
        p.ic = Some(make_ic(p.dob, pb, serial, g_digit(rng, p.sex)));
    }
    if old_only || (year < 1970 && rng.chance(0.4)) {
        let letter = if year < 1955 && rng.chance(0.75) {
            0
        } else {
            rng.pick(b"AKHBR")
        };
        p.old_ic = Some(OldIc {
            letter,
            digits: rng.range(100_000, 9_999_999),
        });
    }
}

/// The first `take` people of household `h`; the first of them has index `first`.
pub fn household(seed: u64, h: u64, first: u64, take: u32) -> Vec<Person> {
    let lay = layout(seed, h);
    let e = lay.ethnicity;
    let mut rng = Rng::new(seed, STREAM_HOUSEHOLD, h);
    let residence = rng.weighted(residence_table(e));
    let address = new_address(&mut rng, residence, e);
    let home_phone = new_phone(&mut rng);
    let fam = Family::new(&mut rng, e);
    let size = lay.size();

    // Ages: a lone person from the population's bands; a family from the father's age.
    let father_age = if size == 1 { 0 } else { rng.range(42, 92) };
    let mut child_ages = [0u32; 4];
    for a in child_ages.iter_mut().take(lay.children as usize) {
        *a = if size == 1 {
            single_age(&mut rng)
        } else {
            rng.range((father_age.saturating_sub(45)).max(18), father_age - 20)
        };
    }
    if lay.twins {
        child_ages[1] = child_ages[0];
    }
    let eldest = child_ages.iter().copied().max().unwrap_or(0);

    let mut out = Vec::with_capacity(take as usize);
    let mut members: Vec<(u8, Sex, u32)> = Vec::with_capacity(size as usize); // (role, sex, age)
    if lay.father {
        members.push((0, Sex::Male, father_age));
    }
    if lay.mother {
        let age = (father_age as i32 + rng.range(0, 10) as i32 - 7)
            .max(eldest as i32 + 17)
            .min(98) as u32;
        members.push((1, Sex::Female, age));
    }
    for &age in child_ages.iter().take(lay.children as usize) {
        let sex = if rng.chance(0.5) {
            Sex::Male
        } else {
            Sex::Female
        };
        members.push((2, sex, age));
    }

    let mut twin_dob = None;
    let mut twin_state = 0u8;
    let mut twin_pb = 0u8;
    let mut twin_serial = 0u32;
    let mut twin_abroad = false;
    let mut child_no = 0;
    let mut siblings: Vec<Toks> = Vec::with_capacity(4);
    for (k, &(role, sex, age)) in members.iter().enumerate().take(take as usize) {
        let index = first + k as u64;
        let is_twin = if role == 2 && lay.twins && child_no < 2 {
            child_no + 1
        } else {
            0
        };
        if role == 2 {
            child_no += 1;
        }
        let dob = match (is_twin, twin_dob) {
            (2, Some(d)) => d,
            _ => dob_for_age(&mut rng, age),
        };
        let year = dob.year();
        let name = match role {
            0 => fam.father_name(),
            1 => Family::new(&mut rng, e).child_name(&mut rng, Sex::Female, year),
            _ => {
                // Brothers and sisters never share a given name, nor take their father's.
                let mut name = fam.child_name(&mut rng, sex, year);
                for _ in 0..20 {
                    if !siblings.contains(&name.given) && name.given != fam.father_given {
                        break;
                    }
                    name = fam.child_name(&mut rng, sex, year);
                }
                siblings.push(name.given);
                name
            }
        };
        let mut p = Person {
            index,
            household: h,
            ethnicity: e,
            sex,
            dob,
            muslim: e == Ethnicity::Malay,
            name,
            title: None,
            ic: None,
            old_ic: None,
            national_id: None,
            passport: None,
            twin: is_twin as u8,
            address,
            prev_address: address,
            phone: None,
            alt_phone: home_phone,
        };
        p.title = title(&mut rng, &p);
        // Khmer parents were born in Cambodia; their children, if young enough, here.
        let born_abroad = match (is_twin, twin_dob) {
            (2, Some(_)) => twin_abroad,
            _ => e == Ethnicity::Khmer && (role < 2 || age >= 30 || rng.chance(0.5)),
        };
        let (state, pb, serial) = match (is_twin, twin_dob) {
            (2, Some(_)) => (twin_state, twin_pb, twin_serial + 1),
            _ => {
                let st = birth_state(&mut rng, e, residence);
                let pb = pb_code(&mut rng, st);
                let serial = if is_twin == 1 {
                    rng.below(999) as u32
                } else {
                    rng.below(1000) as u32
                };
                (st, pb, serial)
            }
        };
        if is_twin == 1 {
            twin_dob = Some(dob);
            twin_state = state;
            twin_pb = pb;
            twin_serial = serial;
            twin_abroad = born_abroad;
        }
        identity(&mut rng, &mut p, pb, born_abroad, serial);
        // Phones: the home number for the father and many others, else one's own; a few none.
        let own = new_phone(&mut rng);
        let shares_home = size == 1
            || role == 0
            || (role == 1 && rng.chance(0.5))
            || (role == 2 && rng.chance(0.4));
        let phone = if shares_home { home_phone } else { own };
        p.phone = (!rng.chance(0.07)).then_some(phone);
        p.alt_phone = if shares_home { own } else { home_phone };
        let prev_state = if rng.chance(0.6) {
            residence
        } else {
            rng.weighted(residence_table(e))
        };
        p.prev_address = new_address(&mut rng, prev_state, e);
        out.push(p);
    }
    out
}

/// Identity numbers issued so far: makes every IC, old IC, national ID and passport unique.
#[derive(Default)]
pub struct Issued {
    seen: AHashSet<u64>,
}

const TAG_OLD: u64 = 1 << 48;
const TAG_NATIONAL: u64 = 2 << 48;
const TAG_PASSPORT: u64 = 3 << 48;

impl Issued {
    /// Makes the numbers of `people` (in order) unique against everything issued before:
    /// a taken IC moves to the next free serial (twins together, keeping theirs consecutive).
    /// Deterministic: depends only on the order people are passed in.
    pub fn fix(&mut self, people: &mut [Person]) {
        let mut i = 0;
        while i < people.len() {
            let pair = people[i].twin == 1
                && i + 1 < people.len()
                && people[i + 1].twin == 2
                && people[i].ic.is_some()
                && people[i + 1].ic.is_some();
            if pair {
                let (a, b) = (people[i].ic.unwrap_or(0), people[i + 1].ic.unwrap_or(0));
                let s = ic_serial(a);
                let mut done = false;
                for k in 0..999 {
                    let base = (s + k) % 999;
                    let (x, y) = (ic_with_serial(a, base), ic_with_serial(b, base + 1));
                    if !self.seen.contains(&x) && !self.seen.contains(&y) {
                        self.seen.insert(x);
                        self.seen.insert(y);
                        people[i].ic = Some(x);
                        people[i + 1].ic = Some(y);
                        done = true;
                        break;
                    }
                }
                if !done {
                    people[i].ic = None;
                    people[i + 1].ic = None;
                }
                self.fix_others(&mut people[i]);
                self.fix_others(&mut people[i + 1]);
                i += 2;
                continue;
            }
            if let Some(ic) = people[i].ic {
                people[i].ic = self.free_ic(ic);
            }
            self.fix_others(&mut people[i]);
            i += 1;
        }
    }

    fn free_ic(&mut self, ic: u64) -> Option<u64> {
        let s = ic_serial(ic);
        let g0 = (ic % 10) as u8;
        for dg in 0..5u8 {
            let g = (g0 + 2 * dg) % 10;
            for k in 0..1000 {
                let x = ic_with_g(ic_with_serial(ic, (s + k) % 1000), g);
                if self.seen.insert(x) {
                    return Some(x);
                }
            }
        }
        None
    }

    fn fix_others(&mut self, p: &mut Person) {
        if let Some(o) = &mut p.old_ic {
            while !self
                .seen
                .insert(TAG_OLD | (o.letter as u64) << 32 | o.digits as u64)
            {
                o.digits = (o.digits + 1) % 10_000_000;
            }
        }
        if let Some(n) = &mut p.national_id {
            while !self.seen.insert(TAG_NATIONAL | *n as u64) {
                *n = (*n + 1) % 1_000_000_000;
            }
        }
        if let Some(n) = &mut p.passport {
            while !self.seen.insert(TAG_PASSPORT | *n as u64) {
                *n = (*n + 1) % 10_000_000;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(seed: u64, households: u64) -> Vec<Person> {
        let mut out = Vec::new();
        for h in 0..households {
            let n = layout(seed, h).size();
            let first = out.len() as u64;
            out.extend(household(seed, h, first, n));
        }
        Issued::default().fix(&mut out);
        out
    }

    #[test]
    fn households_are_pure_functions_of_seed_and_index() {
        let a = household(5, 17, 100, 9);
        let b = household(5, 17, 100, 9);
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_eq!(a.len() as u32, layout(5, 17).size());
        // Truncation keeps the prefix.
        let c = household(5, 17, 100, 1);
        assert_eq!(format!("{:?}", c[0]), format!("{:?}", a[0]));
    }

    #[test]
    fn families_share_the_fathers_name_and_twins_their_birth() {
        let ps = people(3, 3000);
        let mut twins = 0;
        let mut siblings = 0;
        for w in ps.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            if a.twin == 1 && b.twin == 2 {
                twins += 1;
                assert_eq!(a.dob, b.dob);
                assert_eq!(a.address, b.address);
                if let (Some(x), Some(y)) = (a.ic, b.ic) {
                    assert_eq!(ic_serial(x) + 1, ic_serial(y), "consecutive serials");
                    assert_eq!(x / 10_000, y / 10_000, "same birth date and place");
                }
            }
            if a.household == b.household && a.twin + b.twin > 0 {
                assert_ne!(a.name.given, b.name.given, "twins have their own names");
            }
            if a.household == b.household && a.ethnicity == Ethnicity::Malay {
                // Either both children of one father, or father and child, or mother.
                if a.name.father == b.name.father && a.name.marker.is_some() {
                    siblings += 1;
                }
                assert_eq!(a.address, b.address);
            }
        }
        assert!(twins > 20, "{twins}");
        assert!(siblings > 100, "{siblings}");
    }

    #[test]
    fn every_issued_number_is_unique() {
        let ps = people(9, 20_000);
        let mut ics = AHashSet::new();
        for p in &ps {
            if let Some(ic) = p.ic {
                assert!(ics.insert(ic));
                assert_eq!(ic % 2 == 1, p.sex == Sex::Male, "G digit parity");
            }
        }
        assert!(ps.iter().any(|p| p.ic.is_none() && p.old_ic.is_some()));
        assert!(ps.iter().any(|p| p.national_id.is_some()));
    }

    #[test]
    fn padded_numbers() {
        let mut s = String::new();
        push_padded(&mut s, 42, 7);
        assert_eq!(s, "0000042");
        assert_eq!(ic_digits(50_312_145_567), "050312145567");
        let d = NaiveDate::from_ymd_opt(1985, 3, 12).unwrap();
        assert_eq!(ic_digits(make_ic(d, 14, 556, 7)), "850312145567");
    }
}
