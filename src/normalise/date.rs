//! Dates of birth in the formats agencies write them.
//!
//! A source's own formats are tried first, then `tables::DATE_FORMATS`. Two-digit years that
//! would land in the future are put in the previous century.

use chrono::format::{Item, StrftimeItems};
use chrono::{Datelike, NaiveDate, NaiveDateTime};

use super::tables::DATE_FORMATS;

/// Whether a strftime format string is usable.
pub fn format_is_valid(fmt: &str) -> bool {
    !fmt.is_empty() && StrftimeItems::new(fmt).all(|i| !matches!(i, Item::Error))
}

fn try_format(s: &str, fmt: &str) -> Option<NaiveDate> {
    if fmt.contains("%H") {
        NaiveDateTime::parse_from_str(s, fmt).ok().map(|d| d.date())
    } else {
        NaiveDate::parse_from_str(s, fmt).ok()
    }
}

/// Parses a date; `preferred` formats are tried first. `today` bounds two-digit years.
pub fn parse(raw: &str, preferred: &[String], today: NaiveDate) -> Option<NaiveDate> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    // The first format that gives a plausible birth date wins: `%Y` also reads "85" as the
    // year 85, which is then passed over for a two-digit-year format.
    preferred
        .iter()
        .map(String::as_str)
        .chain(DATE_FORMATS.iter().copied())
        .find_map(|f| {
            let mut d = try_format(s, f)?;
            if f.contains("%y") && d > today {
                d = d.with_year(d.year() - 100)?;
            }
            (d.year() >= 1850 && d <= today).then_some(d)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn common_formats() {
        for s in [
            "1985-03-12",
            "12/03/1985",
            "12-03-1985",
            "19850312",
            "12.03.1985",
            "12 Mar 1985",
            "1985-03-12 00:00:00",
        ] {
            assert_eq!(parse(s, &[], today()), d(1985, 3, 12), "{s}");
        }
    }

    #[test]
    fn two_digit_years_do_not_land_in_the_future() {
        assert_eq!(parse("12/03/85", &[], today()), d(1985, 3, 12));
        assert_eq!(parse("12/03/05", &[], today()), d(2005, 3, 12));
        assert_eq!(parse("12/03/45", &[], today()), d(1945, 3, 12));
    }

    #[test]
    fn preferred_formats_win_and_nonsense_fails() {
        let us = vec!["%m/%d/%Y".to_string()];
        assert_eq!(parse("03/12/1985", &us, today()), d(1985, 3, 12));
        assert_eq!(parse("03/12/1985", &[], today()), d(1985, 12, 3));
        assert_eq!(parse("31/02/1985", &[], today()), None);
        assert_eq!(parse("unknown", &[], today()), None);
        assert_eq!(parse("2099-01-01", &[], today()), None);
        assert!(format_is_valid("%d/%m/%Y"));
        assert!(!format_is_valid("%Q"));
    }
}
