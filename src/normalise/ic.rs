//! Malaysian IC (MyKad) numbers and the other identifiers found in IC columns
//! (docs/domain.md, MyKad).
//!
//! A MyKad number is `YYMMDD-PB-###G`: 12 digits, no checksum. It is valid when the date is a
//! real calendar date in 19YY or 20YY and the place-of-birth code PB is assigned
//! (`data/pb_codes.tsv`). Separators, spaces and full-width digits are ignored. Damage is
//! repaired only when the repaired number validates: OCR confusions (O→0, I/L→1, S→5, B→8,
//! Z→2), a leading zero lost by Excel (11 digits, people born 2000–2009), Excel's scientific
//! notation (`8.50312145567E+11`; a mantissa too short to hold 12 digits is rejected, not
//! guessed). What is not a MyKad is classified by shape (`data/id_shapes.tsv`: old IC, army or
//! police number, passport, Cambodian national ID) and compared exactly, never decoded. Every
//! number that is not a valid MyKad carries a machine-readable reason.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::tables::{PbKind, ID_SHAPES, PB_CODES};
use super::text::alnum_upper;
use super::Text;

/// What an identifier is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// 12 digits shaped like a MyKad number (valid or not: see `Ic::valid`).
    Mykad,
    OldIc,
    ArmyPolice,
    Passport,
    CambodianId,
    Unknown,
}

impl IdKind {
    pub fn label(self) -> &'static str {
        match self {
            IdKind::Mykad => "mykad",
            IdKind::OldIc => "old_ic",
            IdKind::ArmyPolice => "army_police",
            IdKind::Passport => "passport",
            IdKind::CambodianId => "cambodian_id",
            IdKind::Unknown => "unknown",
        }
    }

    fn from_label(s: &str) -> IdKind {
        match s {
            "old_ic" => IdKind::OldIc,
            "army_police" => IdKind::ArmyPolice,
            "passport" => IdKind::Passport,
            "cambodian_id" => IdKind::CambodianId,
            _ => IdKind::Unknown,
        }
    }
}

/// Why a number is not a valid MyKad number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Neither 12 digits nor repairable to 12.
    BadLength,
    /// Letters where digits belong, not explained by OCR confusion.
    NotDigits,
    /// The first six digits are not a calendar date in either century.
    BadDate,
    /// The place-of-birth code is not assigned.
    UnassignedPlaceCode,
    /// Excel's scientific notation kept too few digits to recover the number.
    ExcelPrecisionLost,
    /// A filler value (all one digit): treated as missing.
    Placeholder,
    /// A recognised identifier of another kind (see `kind`).
    NotMykad,
}

impl Reason {
    pub fn label(self) -> &'static str {
        match self {
            Reason::BadLength => "bad_length",
            Reason::NotDigits => "not_digits",
            Reason::BadDate => "bad_date",
            Reason::UnassignedPlaceCode => "unassigned_place_code",
            Reason::ExcelPrecisionLost => "excel_precision_lost",
            Reason::Placeholder => "placeholder",
            Reason::NotMykad => "not_mykad",
        }
    }
}

/// A repair that was applied because the repaired number validates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Repair {
    /// Letters read for digits (O→0, I/L→1, S→5, B→8, Z→2).
    Ocr,
    /// A leading zero lost by a spreadsheet (11 digits).
    LostLeadingZero,
    /// Written in scientific notation by a spreadsheet.
    ScientificNotation,
}

impl Repair {
    pub fn label(self) -> &'static str {
        match self {
            Repair::Ocr => "ocr",
            Repair::LostLeadingZero => "lost_leading_zero",
            Repair::ScientificNotation => "scientific_notation",
        }
    }
}

/// A normalised IC-column value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ic {
    /// The digits (12 when it looks like a MyKad; repaired when a repair validated).
    pub digits: Text,
    /// 12 digits, a real calendar date in either century, an assigned place-of-birth code.
    pub valid: bool,
    /// The identifier as compared: the 12 digits of a MyKad, else letters and digits upper-cased.
    pub id: Text,
    pub kind: IdKind,
    /// Why it is not a valid MyKad (`None` when valid).
    pub reason: Option<Reason>,
    pub repair: Option<Repair>,
}

/// Reads Excel's scientific notation (`8.50312145567E+11`) into digits. `Err` when the mantissa
/// holds too few digits to give every digit of the number: it then carries the number Excel
/// kept (`8.5031214557E+11` → `850312145570`), whose last digits are rounded.
fn from_scientific(s: &str) -> Option<Result<String, String>> {
    let t = s.trim();
    // Excel writes a decimal mantissa and a signed exponent: 8.50312145567E+11.
    let (mant, exp) = t.split_once(['E', 'e'])?;
    if !mant.contains(['.', ',']) || !exp.starts_with('+') {
        return None;
    }
    let exp: i32 = exp[1..].parse().ok()?;
    let mant = mant.trim();
    let (int, frac) = mant.split_once(['.', ',']).unwrap_or((mant, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || !(0..=14).contains(&exp)
    {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let all: String = format!("{int}{frac}");
    let all = all.trim_start_matches('0');
    let len = int.trim_start_matches('0').len() as i32 + exp;
    if !(9..=14).contains(&len) {
        return None;
    }
    if all.len() as i32 > len {
        return None; // a fraction: not an identifier
    }
    if (all.len() as i32) < len {
        // 8.50312E+11: the last digits were rounded away; they are not known to be zeros.
        let mut kept = all.to_string();
        while (kept.len() as i32) < len {
            kept.push('0');
        }
        return Some(Err(kept));
    }
    Some(Ok(all.to_string()))
}

fn two(b: &[u8], i: usize) -> u32 {
    ((b[i] - b'0') * 10 + (b[i + 1] - b'0')) as u32
}

/// The date parts (YY, MM, DD) of 12 digits.
pub fn date_parts(ic12: &str) -> Option<(u32, u32, u32)> {
    let b = ic12.as_bytes();
    if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((two(b, 0), two(b, 2), two(b, 4)))
}

/// The birth date an IC encodes. The century comes from `recorded`, the record's own birth date,
/// when one of the two centuries agrees with it in year (the number does not encode the
/// century: docs/domain.md, MyKad); else 20YY if that is not after `today`, else 19YY.
pub fn birth_date_with(
    ic12: &str,
    recorded: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let (yy, mm, dd) = date_parts(ic12)?;
    let c19 = NaiveDate::from_ymd_opt(1900 + yy as i32, mm, dd);
    let c20 = NaiveDate::from_ymd_opt(2000 + yy as i32, mm, dd);
    if let Some(r) = recorded {
        for c in [c19, c20].into_iter().flatten() {
            if c.year() == r.year() {
                return Some(c);
            }
        }
    }
    c20.filter(|d| !super::date::after(*d, today))
        .or(c19)
        .or(c20)
}

/// The birth date an IC encodes, choosing the century: 20YY if that is not in the future
/// relative to `today`, else 19YY.
pub fn birth_date(ic12: &str, today: NaiveDate) -> Option<NaiveDate> {
    birth_date_with(ic12, None, today)
}

/// Why 12 digits are not a valid MyKad number, or `None` when they are.
pub fn check(ic12: &str) -> Option<Reason> {
    let b = ic12.as_bytes();
    if b.len() != 12 {
        return Some(Reason::BadLength);
    }
    if !b.iter().all(u8::is_ascii_digit) {
        return Some(Reason::NotDigits);
    }
    let (yy, mm, dd) = (two(b, 0) as i32, two(b, 2), two(b, 4));
    let real_date = NaiveDate::from_ymd_opt(2000 + yy, mm, dd).is_some()
        || NaiveDate::from_ymd_opt(1900 + yy, mm, dd).is_some();
    if !real_date {
        return Some(Reason::BadDate);
    }
    if PB_CODES[two(b, 6) as usize].0 == PbKind::Unassigned {
        return Some(Reason::UnassignedPlaceCode);
    }
    None
}

/// Whether 12 digits form a valid MyKad number: a real calendar date in 19YY or 20YY and an
/// assigned place-of-birth code.
pub fn is_valid(ic12: &str) -> bool {
    check(ic12).is_none()
}

/// The digit an OCR-confused letter stands for.
fn ocr_digit(c: u8) -> Option<u8> {
    Some(match c {
        b'O' => b'0',
        b'I' | b'L' => b'1',
        b'S' => b'5',
        b'B' => b'8',
        b'Z' => b'2',
        b'0'..=b'9' => c,
        _ => return None,
    })
}

/// Whether `s` (upper-case letters and digits) fits an identifier shape.
fn fits(s: &str, prefix: &str, min: usize, max: usize) -> bool {
    let letters = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    let (l, d) = s.split_at(letters);
    if l.len() != prefix.len() || !d.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if !(min..=max).contains(&d.len()) {
        return false;
    }
    l.bytes()
        .zip(prefix.bytes())
        .all(|(a, p)| p == b'?' || a == p)
}

/// The kind of a non-MyKad identifier, by shape.
fn classify(s: &str) -> IdKind {
    ID_SHAPES
        .iter()
        .find(|sh| fits(s, sh.prefix, sh.min_digits, sh.max_digits))
        .map_or(IdKind::Unknown, |sh| IdKind::from_label(sh.kind))
}

impl Ic {
    fn mykad(digits: String, repair: Option<Repair>) -> Ic {
        let reason = check(&digits);
        Ic {
            id: digits.as_str().into(),
            digits: digits.into(),
            valid: reason.is_none(),
            kind: IdKind::Mykad,
            reason,
            repair,
        }
    }

    /// Normalises an IC as written; `None` when it holds no digit.
    pub fn parse(raw: &str) -> Option<Ic> {
        if let Some(sci) = from_scientific(raw) {
            return Some(match sci {
                Ok(d) => {
                    let ic = Ic::parse_alnum(&d)?;
                    let repair = ic.repair.or(Some(Repair::ScientificNotation));
                    Ic { repair, ..ic }
                }
                Err(kept) => {
                    // Kept as Excel rounded it (a lost leading zero put back), never valid: the
                    // comparator may still see it one edit from the true number.
                    let d = if kept.len() == 11 {
                        format!("0{kept}")
                    } else {
                        kept
                    };
                    Ic {
                        id: d.as_str().into(),
                        kind: if d.len() == 12 {
                            IdKind::Mykad
                        } else {
                            IdKind::Unknown
                        },
                        digits: d.into(),
                        valid: false,
                        reason: Some(Reason::ExcelPrecisionLost),
                        repair: None,
                    }
                }
            });
        }
        // A spreadsheet's number with a decimal part of zeros: 850312145567.0
        let t = raw.trim();
        let t = match t.rsplit_once('.') {
            Some((int, frac))
                if !frac.is_empty()
                    && frac.bytes().all(|b| b == b'0')
                    && int.len() >= 9
                    && int.bytes().all(|b| b.is_ascii_digit()) =>
            {
                int
            }
            _ => t,
        };
        Ic::parse_alnum(&alnum_upper(t))
    }

    /// Parses letters and digits (separators already removed).
    fn parse_alnum(s: &str) -> Option<Ic> {
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return None;
        }
        let b = s.as_bytes();
        if digits.len() == s.len() {
            if digits.len() >= 6 && digits.bytes().all(|c| c == b[0]) {
                return Some(Ic {
                    id: digits.as_str().into(),
                    digits: digits.into(),
                    valid: false,
                    kind: IdKind::Unknown,
                    reason: Some(Reason::Placeholder),
                    repair: None,
                });
            }
            match digits.len() {
                12 => return Some(Ic::mykad(digits, None)),
                11 => {
                    let padded = format!("0{digits}");
                    if is_valid(&padded) {
                        return Some(Ic::mykad(padded, Some(Repair::LostLeadingZero)));
                    }
                }
                _ => {}
            }
        } else if s.len() == 12 || s.len() == 11 {
            // OCR: letters where digits belong; kept only when the result validates.
            let fixed: Option<String> = b.iter().map(|&c| ocr_digit(c).map(char::from)).collect();
            if let Some(f) = fixed {
                let f = if f.len() == 11 { format!("0{f}") } else { f };
                if is_valid(&f) {
                    return Some(Ic::mykad(f, Some(Repair::Ocr)));
                }
            }
        }
        let kind = classify(s);
        let reason = match kind {
            IdKind::Unknown if digits.len() == s.len() => {
                if digits.len() == 12 {
                    check(&digits).unwrap_or(Reason::BadLength)
                } else {
                    Reason::BadLength
                }
            }
            IdKind::Unknown if s.len() == 12 => Reason::NotDigits,
            IdKind::Unknown => Reason::NotDigits,
            _ => Reason::NotMykad,
        };
        // An 11-digit number that did not validate with a zero in front is reported on the
        // reason of the padded number when that is more telling than its length.
        Some(Ic {
            id: s.into(),
            digits: digits.into(),
            valid: false,
            kind,
            reason: Some(reason),
            repair: None,
        })
    }

    /// The MyKad of someone born in 2000 whose two or three leading zeros a spreadsheet lost
    /// (9 or 10 digits: 000515627949 kept as 515627949), when the zeros put back give a valid
    /// MyKad whose birth date is `born`, the record's own. Nine digits alone may be a
    /// Cambodian ID (docs/domain.md), so the birth date must agree.
    pub fn with_lost_zeros(&self, born: NaiveDate) -> Option<Ic> {
        let d: &str = &self.digits;
        if self.valid || !(9..=10).contains(&d.len()) || d.len() != self.id.len() {
            return None;
        }
        let padded = format!("{}{d}", "0".repeat(12 - d.len()));
        (is_valid(&padded) && birth_date_with(&padded, Some(born), born) == Some(born))
            .then(|| Ic::mykad(padded, Some(Repair::LostLeadingZero)))
    }

    /// The sex the last digit implies (odd male, even female): a soft signal.
    pub fn sex_hint(&self) -> Option<super::Sex> {
        if !self.valid {
            return None;
        }
        let last = self.digits.as_bytes()[11] - b'0';
        Some(if last % 2 == 1 {
            super::Sex::Male
        } else {
            super::Sex::Female
        })
    }

    /// The place-of-birth code of a valid MyKad.
    pub fn place_code(&self) -> Option<u8> {
        self.valid.then(|| two(self.digits.as_bytes(), 6) as u8)
    }

    /// Where a valid MyKad's holder was born: a state, a country, or a region.
    pub fn birth_place(&self) -> Option<&'static str> {
        let (_, p) = PB_CODES[self.place_code()? as usize];
        (!p.is_empty()).then_some(p)
    }

    /// The Malaysian state of birth, when the code names one.
    pub fn birth_state(&self) -> Option<&'static str> {
        let (k, p) = PB_CODES[self.place_code()? as usize];
        (k == PbKind::State).then_some(p)
    }

    /// The birth date of a valid MyKad (century from `recorded` when it agrees; see
    /// `birth_date_with`).
    pub fn birth_date(&self, recorded: Option<NaiveDate>, today: NaiveDate) -> Option<NaiveDate> {
        if !self.valid {
            return None;
        }
        birth_date_with(&self.digits, recorded, today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_width_are_ignored() {
        let a = Ic::parse("850312-14-5567").unwrap();
        assert_eq!(a.digits, "850312145567");
        assert!(a.valid);
        assert_eq!(Ic::parse("850312 14 5567").unwrap(), a);
        assert_eq!(Ic::parse("８５０３１２１４５５６７").unwrap(), a);
    }

    #[test]
    fn zeros_lost_before_a_birth_in_2000_come_back_when_the_birth_date_agrees() {
        let born = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // 000515-62-7949 kept as a number; 001012-14-1234 likewise.
        let nine = Ic::parse("515627949").unwrap();
        assert!(!nine.valid);
        let fixed = nine.with_lost_zeros(born(2000, 5, 15)).unwrap();
        assert_eq!(&*fixed.digits, "000515627949");
        assert!(fixed.valid);
        assert_eq!(fixed.repair, Some(Repair::LostLeadingZero));
        let ten = Ic::parse("1012141234").unwrap();
        assert_eq!(
            &*ten.with_lost_zeros(born(2000, 10, 12)).unwrap().digits,
            "001012141234"
        );
        // Another birth date: perhaps a Cambodian ID, left as it is.
        assert!(nine.with_lost_zeros(born(1985, 5, 15)).is_none());
        assert!(nine.with_lost_zeros(born(2000, 5, 16)).is_none());
        // Valid ICs and other lengths are never touched.
        let whole = Ic::parse("000515627949").unwrap();
        assert!(whole.with_lost_zeros(born(2000, 5, 15)).is_none());
        assert!(Ic::parse("51562794")
            .unwrap()
            .with_lost_zeros(born(2000, 5, 15))
            .is_none());
    }

    #[test]
    fn excel_damage_is_repaired_only_when_the_result_validates() {
        let sci = Ic::parse("8.50312145567E+11").unwrap();
        assert_eq!(sci.digits, "850312145567");
        assert_eq!(sci.repair, Some(Repair::ScientificNotation));
        assert!(sci.valid);
        let short = Ic::parse("8.50312E+11").unwrap();
        assert!(!short.valid);
        assert_eq!(short.reason, Some(Reason::ExcelPrecisionLost));
        assert_eq!(short.digits, "850312000000");
        // Born 2003: the leading zero was lost.
        let kid = Ic::parse("30517101234").unwrap();
        assert_eq!(kid.digits, "030517101234");
        assert!(kid.valid);
        assert_eq!(kid.repair, Some(Repair::LostLeadingZero));
        // 11 digits that do not validate with a zero in front stay as they are, invalid.
        let bad = Ic::parse("99999999998").unwrap();
        assert_eq!(bad.digits, "99999999998");
        assert!(!bad.valid);
        assert_eq!(bad.reason, Some(Reason::BadLength));
        assert_eq!(Ic::parse("850312145567.0").unwrap().digits, "850312145567");
    }

    #[test]
    fn invalid_dates_and_place_codes_fail() {
        let r = |s: &str| Ic::parse(s).unwrap().reason;
        assert_eq!(r("851332145567"), Some(Reason::BadDate)); // month 13
        assert_eq!(r("850230145567"), Some(Reason::BadDate)); // 30 February
        assert_eq!(r("850312005567"), Some(Reason::UnassignedPlaceCode));
        assert_eq!(r("850312705567"), Some(Reason::UnassignedPlaceCode));
        assert!(Ic::parse("000229105567").unwrap().valid); // 2000 was a leap year
        assert_eq!(Ic::parse("---"), None);
    }

    #[test]
    fn ocr_confusions_are_repaired_when_they_validate() {
        let o = Ic::parse("85O312-I4-S567").unwrap();
        assert_eq!(o.digits, "850312145567");
        assert_eq!(o.repair, Some(Repair::Ocr));
        // Repairs that do not validate are not made.
        let bad = Ic::parse("85O3I2-00-S567").unwrap();
        assert!(!bad.valid);
    }

    #[test]
    fn century_prefers_the_recorded_birth_date_then_the_most_recent_past() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(birth_date("150101105567", today), d(2015, 1, 1));
        assert_eq!(birth_date("450101105567", today), d(1945, 1, 1));
        assert_eq!(
            birth_date_with("150101105567", d(1915, 1, 1), today),
            d(1915, 1, 1)
        );
    }

    #[test]
    fn other_identifiers_are_classified() {
        let k = |s: &str| Ic::parse(s).unwrap().kind;
        assert_eq!(k("1234567"), IdKind::OldIc);
        assert_eq!(k("A1234567"), IdKind::OldIc);
        assert_eq!(k("RF/12345"), IdKind::ArmyPolice);
        assert_eq!(k("A12345678"), IdKind::Passport);
        assert_eq!(k("012345678"), IdKind::CambodianId);
        assert_eq!(Ic::parse("a 123-4567").unwrap().id, "A1234567");
        assert_eq!(
            Ic::parse("000000000000").unwrap().reason,
            Some(Reason::Placeholder)
        );
    }

    #[test]
    fn place_of_birth_gives_state_or_country() {
        let a = Ic::parse("850312145567").unwrap();
        assert_eq!(a.birth_state(), Some("WP KUALA LUMPUR"));
        let b = Ic::parse("850312625567").unwrap();
        assert_eq!(b.birth_state(), None);
        assert_eq!(b.birth_place(), Some("CAMBODIA"));
    }
}
