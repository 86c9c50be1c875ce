//! Dates of birth in the formats agencies write them.
//!
//! A source's own formats (`dates = [...]` in `padan.toml`) are tried first, with chrono; they
//! also say whether the source writes the day or the month first. Then the value is read by
//! shape: numbers and month names (Malay and English, `data/months.tsv`: JAN FEB MAC APR MEI JUN
//! JUL OGO SEP OKT NOV DIS and the full names), in year-first, day-first or month-first order;
//! a bare 8-digit `YYYYMMDD`; Excel serial day numbers (`31118` = 1985-03-12); two-digit years
//! (the most recent past century). A time of day after the date is ignored. Placeholders for an
//! unknown day or month (`00/00/1950`, `1950-00-00`, `MAC 1950`, a year alone) give a partial
//! date, never an invented day. When the day and the month could be either way round
//! (`03/12/1985`), the source's order decides, then agreement with the IC's birth date, then
//! the Malaysian day-first habit, and the result says it was a guess.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::tables::MONTHS;

fn try_format(s: &str, fmt: &str) -> Option<NaiveDate> {
    if fmt.contains("%H") {
        NaiveDateTime::parse_from_str(s, fmt).ok().map(|d| d.date())
    } else {
        NaiveDate::parse_from_str(s, fmt).ok()
    }
}

/// A date known only to the year or to the month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u32>,
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.month {
            Some(m) => write!(f, "{:04}-{m:02}", self.year),
            None => write!(f, "{:04}", self.year),
        }
    }
}

impl PartialDate {
    /// Whether a full date falls within this partial one.
    pub fn contains(&self, d: NaiveDate) -> bool {
        d.year() == self.year && self.month.is_none_or(|m| m == d.month())
    }
}

impl Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// How a date was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// One of the source's own formats.
    SourceFormat,
    YearMonthDay,
    DayMonthYear,
    MonthDayYear,
    ExcelSerial,
}

/// Why a date could not be read in full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateReason {
    /// Not a date at all.
    Unreadable,
    /// Numbers that form no calendar date (31/02/1985).
    BadDate,
    /// After today.
    Future,
    /// Before 1850.
    TooOld,
    /// Six digits that read as a date both year-first and day-first.
    Ambiguous,
    /// Only the year, or the year and month, are known (see `partial`).
    Partial,
}

impl DateReason {
    pub fn label(self) -> &'static str {
        match self {
            DateReason::Unreadable => "unreadable",
            DateReason::BadDate => "bad_date",
            DateReason::Future => "future",
            DateReason::TooOld => "too_old",
            DateReason::Ambiguous => "ambiguous",
            DateReason::Partial => "partial",
        }
    }
}

/// A date as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DateParse {
    pub date: Option<NaiveDate>,
    pub partial: Option<PartialDate>,
    pub how: Option<How>,
    /// The day and month could have been the other way round and nothing said which.
    pub ambiguous: bool,
    pub reason: Option<DateReason>,
}

impl DateParse {
    fn fail(reason: DateReason) -> DateParse {
        DateParse {
            date: None,
            partial: None,
            how: None,
            ambiguous: false,
            reason: Some(reason),
        }
    }

    fn ok(date: NaiveDate, how: How) -> DateParse {
        DateParse {
            date: Some(date),
            partial: None,
            how: Some(how),
            ambiguous: false,
            reason: None,
        }
    }

    fn partial(p: PartialDate) -> DateParse {
        DateParse {
            date: None,
            partial: Some(p),
            how: None,
            ambiguous: false,
            reason: Some(DateReason::Partial),
        }
    }
}

/// What else is known when reading a date.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context {
    /// The IC's birth date parts (YY, MM, DD), when the record has a valid IC.
    pub ic: Option<(u32, u32, u32)>,
}

/// The earliest birth year believed.
const MIN_YEAR: i32 = 1850;

/// The day-month order the source's formats use: `Some(true)` day first.
fn day_first_hint(preferred: &[String]) -> Option<bool> {
    preferred.iter().find_map(|f| {
        let d = f.find("%d").or_else(|| f.find("%e"))?;
        let m = f
            .find("%m")
            .or_else(|| f.find("%b"))
            .or_else(|| f.find("%B"))?;
        Some(d < m)
    })
}

/// Cuts a time of day off (`1985-03-12 00:00:00`, `1985-03-12T00:00:00Z`, `12/03/1985 0:00 AM`).
fn strip_time(s: &str) -> &str {
    let Some(colon) = s.find(':') else { return s };
    let head = &s[..colon];
    let start = head
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(0, |(i, c)| i + c.len_utf8());
    s[..start].trim_end_matches(|c: char| c == 'T' || c == 't' || c.is_whitespace())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Num(&'a str),
    Month(u32),
}

/// Words that carry no date information (`12HB MAC 1985`: hari bulan; `12th`).
const FILLER: &[&str] = &["HB", "TH", "ST", "ND", "RD", "OF", "T", "Z"];

/// Splits into numbers and month names; `None` on an unknown word.
fn tokens(s: &str) -> Option<Vec<Tok<'_>>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            let j = i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            out.push(Tok::Num(&s[i..j]));
            i = j;
        } else if c.is_ascii_alphabetic() {
            let j = i + b[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .count();
            let w = s[i..j].to_ascii_uppercase();
            if let Some(&m) = MONTHS.get(w.as_str()) {
                out.push(Tok::Month(m));
            } else if !FILLER.contains(&w.as_str()) {
                return None;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    Some(out)
}

fn num(s: &str) -> u32 {
    s.parse().unwrap_or(u32::MAX)
}

thread_local! {
    /// Set on this thread when a date read was found to be after today's date (`took_today`).
    static AFTER_TODAY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `d` is after `today`. When it is and lies in this year, the reading depended on the day: a
/// later day of the year may read the same text otherwise, and `took_today` says so. (A date in
/// a later year stays after every day of this one.)
pub(crate) fn after(d: NaiveDate, today: NaiveDate) -> bool {
    let after = d > today;
    if after && d.year() == today.year() {
        AFTER_TODAY.with(|c| c.set(true));
    }
    after
}

/// Whether a date read on this thread since the last call was found after today's date (and
/// clears the mark). A record without one reads the same on any later day of the same year: a
/// two-digit year's century and a year in the future depend on the year alone, which is part of
/// the store's fingerprint (`store::fingerprint::link`).
pub fn took_today() -> bool {
    AFTER_TODAY.with(|c| c.replace(false))
}

/// The year a written year stands for: two digits take the most recent past century.
fn full_year(y: &str, today: NaiveDate) -> i32 {
    let v = num(y) as i32;
    if y.len() <= 2 {
        if 2000 + v <= today.year() {
            2000 + v
        } else {
            1900 + v
        }
    } else {
        v
    }
}

/// A full date, checked: a calendar date, not in the future, not before 1850. A two-digit
/// year that lands in the future goes back a century.
fn make(y: &str, m: u32, d: u32, how: How, today: NaiveDate) -> DateParse {
    let year = full_year(y, today);
    if m == 0 || d == 0 {
        if m == 0 {
            return year_only(year, today);
        }
        if m > 12 {
            return DateParse::fail(DateReason::BadDate);
        }
        return check_partial(
            PartialDate {
                year,
                month: Some(m),
            },
            today,
        );
    }
    let Some(mut date) = NaiveDate::from_ymd_opt(year, m, d) else {
        return DateParse::fail(DateReason::BadDate);
    };
    if y.len() <= 2 && after(date, today) {
        match date.with_year(year - 100) {
            Some(x) => date = x,
            None => return DateParse::fail(DateReason::BadDate),
        }
    }
    if after(date, today) {
        return DateParse::fail(DateReason::Future);
    }
    if date.year() < MIN_YEAR {
        return DateParse::fail(DateReason::TooOld);
    }
    DateParse::ok(date, how)
}

fn check_partial(p: PartialDate, today: NaiveDate) -> DateParse {
    if p.year > today.year() {
        return DateParse::fail(DateReason::Future);
    }
    if p.month
        .is_some_and(|m| p.year == today.year() && m > today.month())
    {
        AFTER_TODAY.with(|c| c.set(true));
        return DateParse::fail(DateReason::Future);
    }
    if p.year < MIN_YEAR {
        return DateParse::fail(DateReason::TooOld);
    }
    DateParse::partial(p)
}

fn year_only(year: i32, today: NaiveDate) -> DateParse {
    check_partial(PartialDate { year, month: None }, today)
}

/// An Excel serial day number: day 1 is 1900-01-01 and Excel counts a 29 February 1900 that
/// never was, so from day 61 on the epoch is 1899-12-30.
fn excel_serial(n: u32, today: NaiveDate) -> DateParse {
    let Some(epoch) = NaiveDate::from_ymd_opt(1899, 12, 30) else {
        return DateParse::fail(DateReason::Unreadable);
    };
    if n < 61 {
        return DateParse::fail(DateReason::TooOld);
    }
    let d = epoch + Duration::days(n as i64);
    if after(d, today) {
        return DateParse::fail(DateReason::Future);
    }
    DateParse::ok(d, How::ExcelSerial)
}

/// Day and month that could be either way round: the source's order, then the IC, then day
/// first (flagged as a guess).
fn day_month(
    a: u32,
    b: u32,
    y: &str,
    hint: Option<bool>,
    ctx: Context,
    today: NaiveDate,
) -> DateParse {
    let dmy = || make(y, b, a, How::DayMonthYear, today);
    let mdy = || make(y, a, b, How::MonthDayYear, today);
    if a > 12 || a == 0 {
        return dmy();
    }
    if b > 12 {
        return mdy();
    }
    if a == b {
        return dmy();
    }
    match hint {
        Some(true) => return dmy(),
        Some(false) => return mdy(),
        None => {}
    }
    if let Some((_, mm, dd)) = ctx.ic {
        if (mm, dd) == (b, a) {
            return dmy();
        }
        if (mm, dd) == (a, b) {
            return mdy();
        }
    }
    let mut p = dmy();
    p.ambiguous = p.date.is_some();
    p
}

/// Reads a date with everything known about it.
pub fn parse_with(raw: &str, preferred: &[String], today: NaiveDate, ctx: Context) -> DateParse {
    let s = raw.trim();
    if s.is_empty() {
        return DateParse::fail(DateReason::Unreadable);
    }
    let no_time = strip_time(s);
    for f in preferred {
        for cand in [s, no_time] {
            if let Some(d) = try_format(cand, f) {
                if !after(d, today) && d.year() >= MIN_YEAR {
                    return DateParse::ok(d, How::SourceFormat);
                }
            }
        }
    }
    let hint = day_first_hint(preferred);
    let s = no_time;
    // Excel serials, also as spreadsheets write them (31118.0).
    let serial = s.split_once('.').map_or(s, |(i, f)| {
        if f.bytes().all(|b| b.is_ascii_digit()) && !f.is_empty() {
            i
        } else {
            s
        }
    });
    if serial.len() == 5 && serial.bytes().all(|b| b.is_ascii_digit()) {
        return excel_serial(num(serial), today);
    }
    let ascii: String;
    let s = if s.is_ascii() {
        s
    } else {
        ascii = super::text::clean(s);
        &ascii
    };
    let Some(t) = tokens(s) else {
        return DateParse::fail(DateReason::Unreadable);
    };
    use Tok::{Month, Num};
    match t.as_slice() {
        [Num(n)] if n.len() == 8 => {
            let ymd = make(
                &n[..4],
                num(&n[4..6]),
                num(&n[6..]),
                How::YearMonthDay,
                today,
            );
            if ymd.date.is_some() || ymd.partial.is_some() {
                return ymd;
            }
            make(
                &n[4..],
                num(&n[2..4]),
                num(&n[..2]),
                How::DayMonthYear,
                today,
            )
        }
        [Num(n)] if n.len() == 6 => {
            let ymd = make(
                &n[..2],
                num(&n[2..4]),
                num(&n[4..]),
                How::YearMonthDay,
                today,
            );
            let dmy = make(
                &n[4..],
                num(&n[2..4]),
                num(&n[..2]),
                How::DayMonthYear,
                today,
            );
            match (ymd.date, dmy.date) {
                (Some(_), None) => ymd,
                (None, Some(_)) => dmy,
                (Some(a), Some(b)) => {
                    let agrees = |d: NaiveDate| {
                        ctx.ic.is_some_and(|(yy, mm, dd)| {
                            (d.year() % 100) as u32 == yy && d.month() == mm && d.day() == dd
                        })
                    };
                    if agrees(a) {
                        ymd
                    } else if agrees(b) {
                        dmy
                    } else {
                        DateParse::fail(DateReason::Ambiguous)
                    }
                }
                (None, None) => DateParse::fail(DateReason::BadDate),
            }
        }
        [Num(n)] if n.len() == 4 => year_only(num(n) as i32, today),
        // Year and month only: 03/1985, 1985-03, 00/1950.
        [Num(a), Num(b)] if b.len() == 4 && a.len() <= 2 => {
            make(b, num(a), 0, How::DayMonthYear, today)
        }
        [Num(a), Num(b)] if a.len() == 4 && b.len() <= 2 => {
            make(a, num(b), 0, How::YearMonthDay, today)
        }
        [Month(m), Num(y)] if y.len() == 4 || y.len() == 2 => {
            make(y, *m, 0, How::DayMonthYear, today)
        }
        [Num(y), Month(m)] if y.len() == 4 => make(y, *m, 0, How::YearMonthDay, today),
        [Num(y), Num(m), Num(d)] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
            let (m, d) = (num(m), num(d));
            if m > 12 && d <= 12 {
                make(y, d, m, How::YearMonthDay, today)
            } else {
                make(y, m, d, How::YearMonthDay, today)
            }
        }
        [Num(a), Num(b), Num(y)]
            if a.len() <= 2 && b.len() <= 2 && (y.len() == 4 || y.len() == 2) =>
        {
            day_month(num(a), num(b), y, hint, ctx, today)
        }
        [Num(d), Month(m), Num(y)] if d.len() <= 2 && (y.len() == 4 || y.len() == 2) => {
            make(y, *m, num(d), How::DayMonthYear, today)
        }
        [Month(m), Num(d), Num(y)] if d.len() <= 2 && (y.len() == 4 || y.len() == 2) => {
            make(y, *m, num(d), How::MonthDayYear, today)
        }
        [Num(y), Month(m), Num(d)] if y.len() == 4 && d.len() <= 2 => {
            make(y, *m, num(d), How::YearMonthDay, today)
        }
        _ => DateParse::fail(DateReason::Unreadable),
    }
}

/// Parses a date; `preferred` formats are tried first. `today` bounds two-digit years. Partial
/// dates give `None` (see `parse_with` for them).
pub fn parse(raw: &str, preferred: &[String], today: NaiveDate) -> Option<NaiveDate> {
    parse_with(raw, preferred, today, Context::default()).date
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
            "12 MAC 1985",
            "12hb Mac 1985",
            "12-MAC-85",
            "12 March 1985",
            "Mac 12, 1985",
            "1985-03-12 00:00:00",
            "1985-03-12T00:00:00Z",
            "12/03/1985 0:00",
            "31118",
            "31118.0",
            "1985/03/12",
        ] {
            assert_eq!(parse(s, &[], today()), d(1985, 3, 12), "{s}");
        }
    }

    #[test]
    fn malay_months() {
        let m = [
            "JAN", "FEB", "MAC", "APR", "MEI", "JUN", "JUL", "OGO", "SEP", "OKT", "NOV", "DIS",
        ];
        for (i, name) in m.iter().enumerate() {
            let s = format!("01 {name} 1990");
            assert_eq!(parse(&s, &[], today()), d(1990, i as u32 + 1, 1), "{s}");
        }
        assert_eq!(parse("5 Ogos 1970", &[], today()), d(1970, 8, 5));
        assert_eq!(parse("25 Disember 1999", &[], today()), d(1999, 12, 25));
    }

    #[test]
    fn two_digit_years_do_not_land_in_the_future() {
        assert_eq!(parse("12/03/85", &[], today()), d(1985, 3, 12));
        assert_eq!(parse("12/03/05", &[], today()), d(2005, 3, 12));
        assert_eq!(parse("12/03/45", &[], today()), d(1945, 3, 12));
    }

    #[test]
    fn placeholders_give_partial_dates() {
        let p = |s: &str| parse_with(s, &[], today(), Context::default());
        for s in ["00/00/1950", "1950-00-00", "1950", "0/0/1950"] {
            let r = p(s);
            assert_eq!(r.date, None, "{s}");
            assert_eq!(
                r.partial.map(|x| x.to_string()).as_deref(),
                Some("1950"),
                "{s}"
            );
            assert_eq!(r.reason, Some(DateReason::Partial));
        }
        for s in ["00/03/1950", "MAC 1950", "03/1950", "1950-03"] {
            assert_eq!(
                p(s).partial.map(|x| x.to_string()).as_deref(),
                Some("1950-03"),
                "{s}"
            );
        }
        assert_eq!(p("2099").reason, Some(DateReason::Future));
    }

    #[test]
    fn ambiguous_order_follows_the_source_then_the_ic() {
        let none = parse_with("03/12/1985", &[], today(), Context::default());
        assert_eq!(none.date, d(1985, 12, 3));
        assert!(none.ambiguous);
        let ic = Context {
            ic: Some((85, 3, 12)),
        };
        let by_ic = parse_with("03/12/1985", &[], today(), ic);
        assert_eq!(by_ic.date, d(1985, 3, 12));
        assert!(!by_ic.ambiguous);
        let us = vec!["%m/%d/%Y".to_string()];
        assert_eq!(parse("03/12/1985", &us, today()), d(1985, 3, 12));
        // The source's order also reads dates its format does not fit.
        assert_eq!(
            parse_with("03/12/85", &us, today(), Context::default()).date,
            d(1985, 3, 12)
        );
        // Unambiguous month-first dates are read as such.
        assert_eq!(parse("03/25/1985", &[], today()), d(1985, 3, 25));
    }

    #[test]
    fn preferred_formats_win_and_nonsense_fails() {
        assert_eq!(parse("31/02/1985", &[], today()), None);
        assert_eq!(parse("unknown", &[], today()), None);
        assert_eq!(parse("2099-01-01", &[], today()), None);
        assert_eq!(parse("1800-01-01", &[], today()), None);
    }
}
