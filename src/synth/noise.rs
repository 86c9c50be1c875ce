//! Noise: how one agency's record of a person differs from the person's clean values.
//!
//! Reads: a clean `Person`, the agency's `Schema`, the noise `Rates`. Writes: a `Rec` — the
//! values this record holds, before the schema formats them — and counts in `Stats`.
//! Invariants:
//! - Every kind of noise has one rate (`Kind`), applied independently per opportunity, and
//!   `Stats` counts the opportunities (eligible) and the times it was applied, so the rates that
//!   came out can be checked against the flags.
//! - A rate of 0 never changes a value; with every rate at 0 a record holds the clean values.
//! - A record always keeps its name, so it always has an identifying field.
//! - The variant tables are the generator's own (`names`), never padan's normaliser tables.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};

use super::geo::ADDRESS_ABBREVIATIONS;
use super::names::*;
use super::person::{
    ic_digits, push_padded, AddrKind, Address, Ethnicity, NameOrder, OldIc, Person, Phone, Sex,
    Title,
};
use super::rng::Rng;

/// The kinds of noise, each with its own rate (a `--…-rate` flag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Typo,
    IcOcr,
    IcTypo,
    IcTranspose,
    Excel,
    Variant,
    Title,
    DropPatronym,
    Swap,
    DobSwap,
    Moved,
    PhoneChange,
    Missing,
    AddressVariant,
}

pub const KINDS: usize = 14;

impl Kind {
    pub const ALL: [Kind; KINDS] = [
        Kind::Typo,
        Kind::IcOcr,
        Kind::IcTypo,
        Kind::IcTranspose,
        Kind::Excel,
        Kind::Variant,
        Kind::Title,
        Kind::DropPatronym,
        Kind::Swap,
        Kind::DobSwap,
        Kind::Moved,
        Kind::PhoneChange,
        Kind::Missing,
        Kind::AddressVariant,
    ];

    /// The name in `synth.json` (and, with `-rate`, of the flag).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Typo => "typo",
            Kind::IcOcr => "ic_ocr",
            Kind::IcTypo => "ic_typo",
            Kind::IcTranspose => "ic_transpose",
            Kind::Excel => "excel",
            Kind::Variant => "variant",
            Kind::Title => "title",
            Kind::DropPatronym => "drop_patronym",
            Kind::Swap => "swap",
            Kind::DobSwap => "dob_swap",
            Kind::Moved => "moved",
            Kind::PhoneChange => "phone_change",
            Kind::Missing => "missing",
            Kind::AddressVariant => "address_variant",
        }
    }

    /// The default rate.
    pub fn default_rate(self) -> f64 {
        match self {
            Kind::Typo => 0.05,
            Kind::IcOcr => 0.01,
            Kind::IcTypo => 0.01,
            Kind::IcTranspose => 0.01,
            Kind::Excel => 0.6,
            Kind::Variant => 0.2,
            Kind::Title => 0.5,
            Kind::DropPatronym => 0.06,
            Kind::Swap => 0.03,
            Kind::DobSwap => 0.02,
            Kind::Moved => 0.08,
            Kind::PhoneChange => 0.1,
            Kind::Missing => 0.04,
            Kind::AddressVariant => 0.3,
        }
    }
}

/// One rate per kind of noise, each in 0..=1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rates([f64; KINDS]);

impl Default for Rates {
    fn default() -> Self {
        Rates(Kind::ALL.map(Kind::default_rate))
    }
}

impl Rates {
    /// Every rate 0: records hold the clean values.
    pub fn none() -> Rates {
        Rates([0.0; KINDS])
    }

    pub fn get(&self, k: Kind) -> f64 {
        self.0[k as usize]
    }

    pub fn set(&mut self, k: Kind, v: f64) {
        self.0[k as usize] = v;
    }

    /// Every rate multiplied by `k`, capped at 1.
    pub fn scaled(&self, k: f64) -> Rates {
        Rates(self.0.map(|r| (r * k).min(1.0)))
    }
}

/// How often a kind of noise could have been applied, and how often it was.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    pub eligible: u64,
    pub applied: u64,
}

impl Count {
    pub fn share(&self) -> f64 {
        if self.eligible == 0 {
            0.0
        } else {
            self.applied as f64 / self.eligible as f64
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats(pub [Count; KINDS]);

impl Stats {
    pub fn get(&self, k: Kind) -> Count {
        self.0[k as usize]
    }

    pub fn add(&mut self, o: &Stats) {
        for (a, b) in self.0.iter_mut().zip(o.0.iter()) {
            a.eligible += b.eligible;
            a.applied += b.applied;
        }
    }
}

/// Draws the noise of one kind, counting the opportunity.
pub struct Noise<'a> {
    pub rng: &'a mut Rng,
    pub rates: &'a Rates,
    pub stats: &'a mut Stats,
}

impl Noise<'_> {
    /// One opportunity for noise of kind `k`: true when it is applied.
    pub fn roll(&mut self, k: Kind) -> bool {
        let c = &mut self.stats.0[k as usize];
        c.eligible += 1;
        let hit = self.rng.chance(self.rates.0[k as usize]);
        if hit {
            c.applied += 1;
        }
        hit
    }
}

/// What a schema can hold, as far as noise is concerned.
#[derive(Clone, Copy, Debug, Default)]
pub struct Holds {
    pub ic: bool,
    pub old_ic: bool,
    pub national_id: bool,
    pub passport: bool,
    pub dob: bool,
    pub sex: bool,
    pub address: bool,
    pub phone: bool,
    /// Typed on a Windows desktop (windows-1252): curly apostrophes.
    pub curly: bool,
}

/// The values one record holds. Reused from record to record (buffers keep their capacity).
#[derive(Default)]
pub struct Rec {
    pub title: Option<&'static str>,
    /// An English name before a Chinese one (or nothing).
    pub pre: Vec<Cow<'static, str>>,
    /// The given name (with a hereditary prefix).
    pub given: Vec<Cow<'static, str>>,
    /// The family part: marker and father's name, or the surname.
    pub family: Vec<Cow<'static, str>>,
    /// Whether a full-name column shows the family part first (Chinese, Khmer).
    pub family_first: bool,
    /// A split-name schema gets the family part in its first column and the given name in its
    /// second (a patronym swap is already in `given`/`family` themselves).
    pub split_swapped: bool,
    /// The IC as written (12 characters: digits, or letters where OCR misread them).
    pub ic: Option<[u8; 12]>,
    pub old_ic: Option<OldIc>,
    pub national_id: Option<u32>,
    pub passport: Option<u32>,
    pub dob: Option<NaiveDate>,
    pub sex: Option<Sex>,
    /// The address (current, or a previous one) and its street parts as written.
    pub address: Option<Address>,
    pub parts: Vec<String>,
    pub phone: Option<Phone>,
    pub household: u64,
}

fn variants_of(
    table: &'static [(&'static str, &'static [&'static str])],
    tok: &str,
) -> Option<&'static [&'static str]> {
    table.iter().find(|(t, _)| *t == tok).map(|(_, v)| *v)
}

fn vary(
    n: &mut Noise,
    table: &'static [(&'static str, &'static [&'static str])],
    tok: &'static str,
) -> &'static str {
    match variants_of(table, tok) {
        Some(v) if n.roll(Kind::Variant) => n.rng.pick(v),
        _ => tok,
    }
}

fn variant_table(e: Ethnicity) -> &'static [(&'static str, &'static [&'static str])] {
    match e {
        Ethnicity::Khmer => KHMER_VARIANTS,
        Ethnicity::Chinese => &[],
        _ => VARIANTS,
    }
}

/// A one-character typo inside a token (never at the first letter): a substitution, a
/// deletion, a doubled letter or two letters transposed. Always changes the token.
pub fn typo(rng: &mut Rng, tok: &str) -> String {
    let b = tok.as_bytes();
    let i = rng.range(1, b.len() as u32 - 2) as usize;
    let mut out = b.to_vec();
    let r = rng.unit();
    if r < 0.35 {
        let c = b[i];
        out[i] = TYPO_SUBSTITUTE
            .iter()
            .find(|(from, _)| *from == c)
            .map(|(_, to)| *to)
            .unwrap_or(if c == b'A' { b'E' } else { b'A' });
    } else if r < 0.6 {
        out.remove(i);
    } else if r < 0.8 {
        out.insert(i, b[i]);
    } else if b[i] != b[i + 1] {
        out.swap(i, i + 1);
    } else {
        out.remove(i);
    }
    String::from_utf8(out).expect("ASCII token")
}

fn typo_target(t: &str) -> bool {
    t.len() >= 4 && t.bytes().all(|c| c.is_ascii_uppercase())
}

fn title_token(n: &mut Noise, p: &Person, holds: &Holds) -> Option<&'static str> {
    let t = p.title?;
    if !n.roll(Kind::Title) {
        return None;
    }
    Some(match (t, p.sex) {
        (Title::Haji, Sex::Male) => n.rng.weighted(HAJI_M),
        (Title::Haji, Sex::Female) => n.rng.weighted(HAJI_F),
        (Title::Dato, _) if holds.curly => n.rng.weighted(DATO_CURLY),
        (Title::Dato, _) => n.rng.weighted(DATO),
        (Title::Dr, _) => n.rng.weighted(DR),
    })
}

/// Fills `rec` with one record of `p` as an agency holding `holds` writes it.
pub fn record(n: &mut Noise, p: &Person, holds: &Holds, rec: &mut Rec) {
    name(n, p, holds, rec);
    rec.household = p.household;

    // Identity numbers.
    rec.ic = None;
    if let (Some(ic), true) = (p.ic, holds.ic) {
        if !n.roll(Kind::Missing) {
            let mut d: [u8; 12] = ic_digits(ic).into_bytes().try_into().expect("12 digits");
            if n.roll(Kind::IcTypo) {
                let i = n.rng.below(12);
                let old = d[i] - b'0';
                d[i] = b'0' + ((old as usize + 1 + n.rng.below(9)) % 10) as u8;
            }
            if n.roll(Kind::IcTranspose) {
                // Two adjacent digits that differ (there always are some in an IC).
                for _ in 0..20 {
                    let i = n.rng.below(11);
                    if d[i] != d[i + 1] {
                        d.swap(i, i + 1);
                        break;
                    }
                }
            }
            let ocr_at = |d: &[u8; 12], i: usize| OCR_DIGIT.iter().find(|(c, _)| *c == d[i]);
            if (0..12).any(|i| ocr_at(&d, i).is_some()) && n.roll(Kind::IcOcr) {
                loop {
                    let i = n.rng.below(12);
                    if let Some((_, letters)) = ocr_at(&d, i) {
                        d[i] = n.rng.pick(letters);
                        break;
                    }
                }
            }
            rec.ic = Some(d);
        }
    }
    rec.old_ic = keep(n, p.old_ic, holds.old_ic);
    rec.national_id = keep(n, p.national_id, holds.national_id);
    rec.passport = keep(n, p.passport, holds.passport);

    // Birth date and sex.
    rec.dob = keep(n, Some(p.dob), holds.dob);
    if let Some(d) = rec.dob {
        if d.day() <= 12 && d.day() != d.month() && n.roll(Kind::DobSwap) {
            rec.dob = NaiveDate::from_ymd_opt(d.year(), d.day(), d.month());
        }
    }
    rec.sex = keep(n, Some(p.sex), holds.sex);

    // Address and phone.
    rec.address = keep(n, Some(p.address), holds.address);
    if rec.address.is_some() && n.roll(Kind::Moved) {
        rec.address = Some(p.prev_address);
    }
    rec.parts.clear();
    if let Some(a) = rec.address {
        address_parts(n, &a, &mut rec.parts);
    }
    rec.phone = keep(n, p.phone, holds.phone);
    if rec.phone.is_some() && n.roll(Kind::PhoneChange) {
        rec.phone = Some(p.alt_phone);
    }
}

/// A value the schema holds, unless it went missing.
fn keep<T>(n: &mut Noise, v: Option<T>, held: bool) -> Option<T> {
    match (v, held) {
        (Some(v), true) if !n.roll(Kind::Missing) => Some(v),
        _ => None,
    }
}

fn name(n: &mut Noise, p: &Person, holds: &Holds, rec: &mut Rec) {
    let nm = &p.name;
    rec.pre.clear();
    rec.given.clear();
    rec.family.clear();
    rec.split_swapped = false;
    rec.title = title_token(n, p, holds);
    let table = variant_table(p.ethnicity);
    match nm.order {
        NameOrder::Patronymic => {
            rec.family_first = false;
            // A hereditary prefix is sometimes left out.
            if let Some(px) = nm.prefix {
                if !n.roll(Kind::Variant) {
                    rec.given.push(Cow::Borrowed(px));
                }
            }
            for &t in nm.given.as_slice() {
                rec.given.push(Cow::Borrowed(vary(n, table, t)));
            }
            let mut marker = nm.marker.map(|m| vary(n, MARKER_VARIANTS, m));
            let mut father = true;
            if nm.marker.is_some() && n.roll(Kind::DropPatronym) {
                // "SITI AMINAH" for "SITI AMINAH BINTI ALI"; a one-word given name keeps the
                // father's name and loses the marker: "MUSA OSMAN".
                if nm.given.as_slice().len() >= 2 || n.rng.chance(0.5) {
                    father = false;
                }
                marker = None;
            }
            if father {
                if let Some(m) = marker {
                    rec.family.push(Cow::Borrowed(m));
                }
                if let Some(px) = nm.father_prefix {
                    if !n.roll(Kind::Variant) {
                        rec.family.push(Cow::Borrowed(px));
                    }
                }
                for &t in nm.father.as_slice() {
                    rec.family.push(Cow::Borrowed(vary(n, table, t)));
                }
            }
            if father && n.roll(Kind::Swap) {
                let short_form = p.ethnicity == Ethnicity::Indian && n.rng.chance(0.5);
                if short_form {
                    // "S. RAJAGOPAL" for "RAJAGOPAL A/L SUBRAMANIAM".
                    let initial = nm.father.first().unwrap_or("X");
                    let mut s = String::with_capacity(2);
                    s.push_str(&initial[..1]);
                    s.push('.');
                    rec.given.insert(0, Cow::Owned(s));
                    rec.family.clear();
                } else {
                    // The father's name where the given name belongs, the marker gone.
                    if marker.is_some() {
                        rec.family.remove(0);
                    }
                    std::mem::swap(&mut rec.given, &mut rec.family);
                }
            }
        }
        NameOrder::Chinese => {
            rec.family_first = true;
            if let Some(e) = nm.english {
                // Present or not: an English name comes and goes between records.
                if !n.roll(Kind::Variant) {
                    rec.pre.push(Cow::Borrowed(e));
                }
            }
            let syl = nm.given.as_slice();
            if syl.len() >= 2 && n.roll(Kind::Variant) {
                let sep = if n.rng.chance(0.6) { "" } else { "-" };
                rec.given.push(Cow::Owned(syl.join(sep)));
            } else {
                rec.given.extend(syl.iter().map(|s| Cow::Borrowed(*s)));
            }
            rec.family.extend(nm.surname.map(Cow::Borrowed));
            if n.roll(Kind::Swap) {
                rec.split_swapped = true;
                rec.family_first = false;
            }
        }
        NameOrder::Khmer => {
            rec.family_first = true;
            for &t in nm.given.as_slice() {
                rec.given.push(Cow::Borrowed(vary(n, table, t)));
            }
            if let Some(s) = nm.surname {
                rec.family.push(Cow::Borrowed(vary(n, table, s)));
            }
            if n.roll(Kind::Swap) {
                rec.split_swapped = true;
                rec.family_first = false;
            }
        }
    }
    // A typo in one token long enough to hold one (not a marker or title).
    let targets = rec
        .pre
        .iter()
        .chain(&rec.given)
        .chain(&rec.family)
        .filter(|t| typo_target(t));
    let count = targets.count();
    if count > 0 && n.roll(Kind::Typo) {
        let mut k = n.rng.below(count);
        for t in rec
            .pre
            .iter_mut()
            .chain(rec.given.iter_mut())
            .chain(rec.family.iter_mut())
        {
            if typo_target(t) {
                if k == 0 {
                    *t = Cow::Owned(typo(n.rng, t));
                    break;
                }
                k -= 1;
            }
        }
    }
}

/// An address word, shortened with the address-variant rate.
fn word(n: &mut Noise, w: &'static str, out: &mut String) {
    match ADDRESS_ABBREVIATIONS.iter().find(|(full, _)| *full == w) {
        Some((_, short)) if n.roll(Kind::AddressVariant) => out.push_str(short),
        _ => out.push_str(w),
    }
}

/// Words of a multi-word table entry, each possibly shortened.
fn words(n: &mut Noise, ws: &'static str, out: &mut String) {
    for (i, w) in ws.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        word(n, w, out);
    }
}

fn house_no(n: &mut Noise, no: u16, out: &mut String) {
    // "NO 12", "NO. 12" or "12".
    if n.roll(Kind::AddressVariant) {
        if n.rng.chance(0.5) {
            out.push_str("NO. ");
        }
    } else {
        out.push_str("NO ");
    }
    push_padded(out, no as u64, 1);
}

/// The street parts of an address as a record writes them.
pub fn address_parts(n: &mut Noise, a: &Address, parts: &mut Vec<String>) {
    let mut p = [String::new(), String::new(), String::new()];
    let used = match a.kind {
        AddrKind::Taman => {
            house_no(n, a.n1, &mut p[0]);
            word(n, "JALAN", &mut p[1]);
            p[1].push(' ');
            words(n, a.w1, &mut p[1]);
            p[1].push(' ');
            push_padded(&mut p[1], a.n2 as u64, 1);
            word(n, "TAMAN", &mut p[2]);
            p[2].push(' ');
            let (before, after) = a.w3.split_once('*').unwrap_or((a.w3, ""));
            words(n, before.trim_end(), &mut p[2]);
            if !before.is_empty() {
                p[2].push(' ');
            }
            words(n, a.w2, &mut p[2]);
            if !after.is_empty() {
                p[2].push(' ');
                words(n, after.trim_start(), &mut p[2]);
            }
            3
        }
        AddrKind::Flat => {
            p[0].push((b'A' + a.n3 as u8) as char);
            p[0].push('-');
            push_padded(&mut p[0], a.n1 as u64, 2);
            p[0].push('-');
            push_padded(&mut p[0], a.n2 as u64, 2);
            words(n, a.w3, &mut p[1]);
            p[1].push(' ');
            words(n, a.w1, &mut p[1]);
            word(n, "JALAN", &mut p[2]);
            p[2].push(' ');
            words(n, a.w2, &mut p[2]);
            3
        }
        AddrKind::KampungLot => {
            p[0].push_str("LOT ");
            push_padded(&mut p[0], a.n1 as u64, 1);
            word(n, "KAMPUNG", &mut p[1]);
            p[1].push(' ');
            words(n, a.w1, &mut p[1]);
            2
        }
        AddrKind::KampungLorong => {
            house_no(n, a.n1, &mut p[0]);
            word(n, "LORONG", &mut p[1]);
            p[1].push(' ');
            words(n, a.w1, &mut p[1]);
            p[1].push(' ');
            push_padded(&mut p[1], a.n2 as u64, 1);
            word(n, "KAMPUNG", &mut p[2]);
            p[2].push(' ');
            words(n, a.w2, &mut p[2]);
            3
        }
        AddrKind::Street => {
            house_no(n, a.n1, &mut p[0]);
            word(n, "JALAN", &mut p[1]);
            p[1].push(' ');
            words(n, a.w1, &mut p[1]);
            if a.n2 > 0 {
                p[1].push(' ');
                push_padded(&mut p[1], a.n2 as u64, 1);
                p[1].push('/');
                push_padded(&mut p[1], a.n3 as u64, 1);
            }
            2
        }
        AddrKind::Longhouse => {
            p[0].push_str("RUMAH ");
            p[0].push_str(a.w1);
            p[1].push_str("NANGA ");
            p[1].push_str(a.w2);
            2
        }
    };
    parts.extend(p.into_iter().take(used));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::person::{household, layout};

    fn person(seed: u64, want: impl Fn(&Person) -> bool) -> Person {
        for h in 0..100_000 {
            for p in household(seed, h, 0, layout(seed, h).size()) {
                if want(&p) {
                    return p;
                }
            }
        }
        panic!("no such person");
    }

    fn holds_all() -> Holds {
        Holds {
            ic: true,
            old_ic: true,
            national_id: true,
            passport: true,
            dob: true,
            sex: true,
            address: true,
            phone: true,
            curly: false,
        }
    }

    fn full(rec: &Rec) -> String {
        let mut t: Vec<&str> = rec.pre.iter().map(|c| c.as_ref()).collect();
        if rec.family_first {
            t.extend(rec.family.iter().map(|c| c.as_ref()));
            t.extend(rec.given.iter().map(|c| c.as_ref()));
        } else {
            t.extend(rec.given.iter().map(|c| c.as_ref()));
            t.extend(rec.family.iter().map(|c| c.as_ref()));
        }
        t.join(" ")
    }

    #[test]
    fn no_noise_keeps_every_clean_value() {
        let rates = Rates::none();
        for eth in [
            Ethnicity::Malay,
            Ethnicity::Chinese,
            Ethnicity::Khmer,
            Ethnicity::Indian,
        ] {
            let p = person(4, |p| {
                p.ethnicity == eth && p.ic.is_some() && p.phone.is_some()
            });
            let mut rng = Rng::new(1, 1, 1);
            let mut stats = Stats::default();
            let mut rec = Rec::default();
            let mut n = Noise {
                rng: &mut rng,
                rates: &rates,
                stats: &mut stats,
            };
            record(&mut n, &p, &holds_all(), &mut rec);
            assert_eq!(full(&rec), p.name.canonical());
            assert_eq!(
                rec.ic.map(|d| String::from_utf8(d.to_vec()).unwrap()),
                p.ic.map(ic_digits)
            );
            assert_eq!(rec.dob, Some(p.dob));
            assert_eq!(rec.address, Some(p.address));
            assert_eq!(rec.phone, p.phone);
            assert!(stats.0.iter().all(|c| c.applied == 0));
        }
    }

    #[test]
    fn typos_always_change_a_token() {
        let mut rng = Rng::new(2, 2, 2);
        for tok in ["AMINAH", "LOOK", "ABDULLAH", "SSSS"] {
            for _ in 0..200 {
                let t = typo(&mut rng, tok);
                assert_ne!(t, tok);
                assert_eq!(t.as_bytes()[0], tok.as_bytes()[0]);
            }
        }
    }

    #[test]
    fn full_noise_changes_names_and_numbers() {
        let rates = Rates::default().scaled(1000.0);
        let p = person(5, |p| {
            p.ethnicity == Ethnicity::Malay && p.ic.is_some() && p.name.given.as_slice().len() >= 2
        });
        let mut rng = Rng::new(1, 1, 1);
        let mut stats = Stats::default();
        let mut rec = Rec::default();
        let mut n = Noise {
            rng: &mut rng,
            rates: &rates,
            stats: &mut stats,
        };
        record(&mut n, &p, &holds_all(), &mut rec);
        // Everything missing at rate 1, the name still there.
        assert!(rec.ic.is_none() && rec.dob.is_none() && rec.address.is_none());
        assert!(!rec.given.is_empty());
        assert_ne!(full(&rec), p.name.canonical());
    }
}
