//! Malaysian IC (MyKad) numbers: `YYMMDD-PB-###G`, 12 digits, no checksum (DOMAIN.md §1).
//!
//! This first version keeps digits, undoes Excel's damage (scientific notation; a leading zero
//! lost from people born 2000–2009) and validates the birth date and place-of-birth code.

use chrono::NaiveDate;

use super::tables::UNASSIGNED_PB_CODES;
use super::text::digits;

/// A normalised IC number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ic {
    /// The digits (12 when it looks like a MyKad).
    pub digits: String,
    /// 12 digits, a real calendar date in either century, an assigned place-of-birth code.
    pub valid: bool,
}

/// Parses a scientific-notation number as Excel writes it (`8.50312145567E+11`) into digits.
fn from_scientific(s: &str) -> Option<String> {
    let t = s.trim();
    if !(t.contains('E') || t.contains('e')) {
        return None;
    }
    let v: f64 = t.parse().ok()?;
    if !(1e9..1e13).contains(&v) || v.fract() != 0.0 {
        return None;
    }
    Some(format!("{v:.0}"))
}

/// The birth date an IC encodes, choosing the century: 20YY if that is not in the future
/// relative to `today`, else 19YY.
pub fn birth_date(ic12: &str, today: NaiveDate) -> Option<NaiveDate> {
    let b = ic12.as_bytes();
    if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |i: usize| ((b[i] - b'0') * 10 + (b[i + 1] - b'0')) as u32;
    let (yy, mm, dd) = (n(0) as i32, n(2), n(4));
    let recent = NaiveDate::from_ymd_opt(2000 + yy, mm, dd).filter(|d| *d <= today);
    recent.or_else(|| NaiveDate::from_ymd_opt(1900 + yy, mm, dd))
}

/// Whether 12 digits form a valid MyKad number: a real calendar date in 19YY or 20YY and an
/// assigned place-of-birth code.
pub fn is_valid(ic12: &str) -> bool {
    let b = ic12.as_bytes();
    if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n = |i: usize| ((b[i] - b'0') * 10 + (b[i + 1] - b'0')) as u32;
    let (yy, mm, dd) = (n(0) as i32, n(2), n(4));
    let real_date = NaiveDate::from_ymd_opt(2000 + yy, mm, dd).is_some()
        || NaiveDate::from_ymd_opt(1900 + yy, mm, dd).is_some();
    real_date && !UNASSIGNED_PB_CODES.contains(&(n(6) as u8))
}

impl Ic {
    /// Normalises an IC as written; `None` when it holds no digit.
    pub fn parse(raw: &str) -> Option<Ic> {
        let mut d = from_scientific(raw).unwrap_or_else(|| digits(raw));
        if d.is_empty() {
            return None;
        }
        if d.len() == 11 {
            let padded = format!("0{d}");
            if is_valid(&padded) {
                d = padded;
            }
        }
        let valid = d.len() == 12 && is_valid(&d);
        Some(Ic { digits: d, valid })
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
}

/// Masks an IC for logs and reports: only the last four digits are shown (CONTRACT.md, Privacy).
pub fn mask(ic: &str) -> String {
    let d: Vec<char> = ic.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let tail: String = d[d.len().saturating_sub(4)..].iter().collect();
    if d.len() == 12 {
        format!("******-**-{tail}")
    } else {
        format!("{}{tail}", "*".repeat(d.len().saturating_sub(4).max(1)))
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
    fn excel_damage_is_repaired_only_when_the_result_validates() {
        assert_eq!(
            Ic::parse("8.50312145567E+11").unwrap().digits,
            "850312145567"
        );
        // Born 2003: the leading zero was lost.
        let kid = Ic::parse("30517101234").unwrap();
        assert_eq!(kid.digits, "030517101234");
        assert!(kid.valid);
        // 11 digits that do not validate with a zero in front stay as they are, invalid.
        let bad = Ic::parse("99999999999").unwrap();
        assert_eq!(bad.digits, "99999999999");
        assert!(!bad.valid);
    }

    #[test]
    fn invalid_dates_and_place_codes_fail() {
        assert!(!Ic::parse("851332145567").unwrap().valid); // month 13
        assert!(!Ic::parse("850230145567").unwrap().valid); // 30 February
        assert!(!Ic::parse("850312005567").unwrap().valid); // place code 00
        assert!(!Ic::parse("850312705567").unwrap().valid); // place code 70
        assert!(Ic::parse("000229105567").unwrap().valid); // 2000 was a leap year
        assert_eq!(Ic::parse("---"), None);
    }

    #[test]
    fn century_prefers_the_most_recent_past_date() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(
            birth_date("150101105567", today),
            NaiveDate::from_ymd_opt(2015, 1, 1)
        );
        assert_eq!(
            birth_date("450101105567", today),
            NaiveDate::from_ymd_opt(1945, 1, 1)
        );
    }

    #[test]
    fn masks_show_only_the_last_four() {
        assert_eq!(mask("850312145567"), "******-**-5567");
        assert_eq!(mask("A1234567"), "****4567");
        assert!(!mask("850312145567").contains("850312"));
    }
}
