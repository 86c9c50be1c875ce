//! The agencies' export schemas, and how each writes a record as a row of its file.
//!
//! Reads: a `Rec` (one record's values, after noise). Writes: one row of bytes per record, in
//! the agency's delimiter, encoding, column names and value styles; the header line; and each
//! agency's `[[source]]` table for `padan.toml`.
//! Invariants:
//! - The first column of every schema is its record id; `write_row` writes the row *after* the
//!   id (starting with the delimiter), so ids can be given in file order at write time.
//! - A value never holds the file's delimiter unquoted, a quote, or a line break; every
//!   character of a windows-1252 file exists in windows-1252.
//! - The `[source.columns]` a schema writes map every column it fills, so `padan run` reads
//!   every row; the date format it declares is the one its rows use.

use std::fmt::Write as _;

use chrono::Datelike;

use super::noise::{Holds, Kind, Noise, Rec};
use super::person::{push_padded, ref_date, Ethnicity, Person, Phone, Sex};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enc {
    Utf8,
    /// UTF-8 with a byte-order mark, as Excel writes "CSV UTF-8".
    Utf8Bom,
    Windows1252,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateFmt {
    /// 25/12/1985
    DmySlash,
    /// 1985-12-25
    Iso,
    /// 25-12-85
    DmyDash2,
    /// 19851225
    Compact,
    /// 5/3/1985 (a spreadsheet's own short date: no leading zeros)
    DmySlashUnpadded,
    /// 25.12.1985
    DmyDot,
    /// 25-12-1985
    DmyDash4,
}

impl DateFmt {
    /// The chrono format that reads it (for `dates = [...]` in padan.toml).
    pub fn strftime(self) -> &'static str {
        match self {
            DateFmt::DmySlash | DateFmt::DmySlashUnpadded => "%d/%m/%Y",
            DateFmt::Iso => "%Y-%m-%d",
            DateFmt::DmyDash2 => "%d-%m-%y",
            DateFmt::Compact => "%Y%m%d",
            DateFmt::DmyDot => "%d.%m.%Y",
            DateFmt::DmyDash4 => "%d-%m-%Y",
        }
    }

    pub fn write(self, d: chrono::NaiveDate, out: &mut String) {
        let (y, m, dd) = (d.year() as u64, d.month() as u64, d.day() as u64);
        let dmy = |out: &mut String, sep: char, yw: usize, pad: usize| {
            push_padded(out, dd, pad);
            out.push(sep);
            push_padded(out, m, pad);
            out.push(sep);
            push_padded(out, if yw == 2 { y % 100 } else { y }, yw);
        };
        match self {
            DateFmt::DmySlash => dmy(out, '/', 4, 2),
            DateFmt::DmySlashUnpadded => dmy(out, '/', 4, 1),
            DateFmt::DmyDash2 => dmy(out, '-', 2, 2),
            DateFmt::DmyDot => dmy(out, '.', 4, 2),
            DateFmt::DmyDash4 => dmy(out, '-', 4, 2),
            DateFmt::Iso => {
                push_padded(out, y, 4);
                out.push('-');
                push_padded(out, m, 2);
                out.push('-');
                push_padded(out, dd, 2);
            }
            DateFmt::Compact => {
                push_padded(out, y, 4);
                push_padded(out, m, 2);
                push_padded(out, dd, 2);
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IcStyle {
    /// 850312145567
    Plain,
    /// 850312-14-5567
    Dashed,
    /// dashes, spaces or neither, row by row
    Mixed,
    /// a spreadsheet number cell: leading zeros lost, 12 digits sometimes `8.50312145567E+11`
    Number,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneStyle {
    /// 012-3456789
    Dash,
    /// 0123456789
    Plain,
    /// +60123456789
    Intl,
    /// 60 12-345 6789
    Spaced,
    /// 123456789 (a spreadsheet number cell)
    Number,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    Upper,
    /// Most rows in Title Case ("Aminah binti Jamaluddin"), some in upper case.
    MostlyTitle,
}

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Id,
    Name,
    /// A split name: the given part, and the family part (patronym or surname).
    FirstName,
    LastName,
    Ic,
    OldIc,
    NationalId,
    Passport,
    Dob,
    Sex,
    /// Street parts, postcode, town and state in one column.
    AddressFull,
    /// Street parts and town.
    AddressLine,
    /// A split address: the first street parts, the rest.
    Address1,
    Address2,
    Town,
    Postcode,
    District,
    State,
    Phone,
    HouseholdId,
}

pub struct Schema {
    /// The source name (a number is added when schemas are used again).
    pub key: &'static str,
    /// Who sends it, for the comment in padan.toml.
    pub about: &'static str,
    pub ext: &'static str,
    pub delimiter: u8,
    pub enc: Enc,
    pub crlf: bool,
    pub id_prefix: &'static str,
    pub id_digits: usize,
    pub dates: DateFmt,
    /// (male, female)
    pub sex: (&'static str, &'static str),
    pub ic: IcStyle,
    pub phone: PhoneStyle,
    pub case: Case,
    /// Postcodes as spreadsheet numbers (a leading zero lost).
    pub numeric_postcode: bool,
    pub cols: &'static [(&'static str, Col)],
    /// How likely a person is to be registered here (0: never).
    pub weight: fn(&Person) -> u32,
}

fn age(p: &Person) -> i32 {
    ref_date().year() - p.dob.year()
}

/// The schemas, in the order agencies are taken: the first five already hold a semicolon
/// file, a windows-1252 file, a TSV and a spreadsheet export.
pub const SCHEMAS: &[Schema] = &[
    Schema {
        key: "perkeso",
        about: "PERKESO / SOCSO, social security: CSV UTF-8 with BOM, CRLF, Malay columns",
        ext: "csv",
        delimiter: b',',
        enc: Enc::Utf8Bom,
        crlf: true,
        id_prefix: "PKS",
        id_digits: 8,
        dates: DateFmt::DmySlash,
        sex: ("L", "P"),
        ic: IcStyle::Plain,
        phone: PhoneStyle::Dash,
        case: Case::Upper,
        numeric_postcode: false,
        cols: &[
            ("NO_RUJUKAN", Col::Id),
            ("NAMA", Col::Name),
            ("NO_KP", Col::Ic),
            ("NO_PASPORT", Col::Passport),
            ("TARIKH_LAHIR", Col::Dob),
            ("JANTINA", Col::Sex),
            ("ALAMAT", Col::AddressFull),
            ("POSKOD", Col::Postcode),
            ("NO_TELEFON", Col::Phone),
        ],
        weight: |p| if age(p) <= 60 { 30 } else { 12 },
    },
    Schema {
        key: "jkm",
        about: "JKM, welfare department: semicolon-delimited, English columns, Title Case",
        ext: "csv",
        delimiter: b';',
        enc: Enc::Utf8,
        crlf: false,
        id_prefix: "JKM-",
        id_digits: 7,
        dates: DateFmt::Iso,
        sex: ("M", "F"),
        ic: IcStyle::Dashed,
        phone: PhoneStyle::Intl,
        case: Case::MostlyTitle,
        numeric_postcode: false,
        cols: &[
            ("ref_no", Col::Id),
            ("name", Col::Name),
            ("ic_no", Col::Ic),
            ("old_ic_no", Col::OldIc),
            ("date_of_birth", Col::Dob),
            ("gender", Col::Sex),
            ("address", Col::AddressLine),
            ("postcode", Col::Postcode),
            ("district", Col::District),
            ("state", Col::State),
            ("phone", Col::Phone),
        ],
        weight: |p| if age(p) > 60 { 30 } else { 12 },
    },
    Schema {
        key: "akpk",
        about: "AKPK, credit counselling: windows-1252, CRLF, name and address split in columns",
        ext: "csv",
        delimiter: b',',
        enc: Enc::Windows1252,
        crlf: true,
        id_prefix: "AK",
        id_digits: 8,
        dates: DateFmt::DmyDash2,
        sex: ("MALE", "FEMALE"),
        ic: IcStyle::Mixed,
        phone: PhoneStyle::Plain,
        case: Case::Upper,
        numeric_postcode: false,
        cols: &[
            ("CLIENT_ID", Col::Id),
            ("FIRST_NAME", Col::FirstName),
            ("LAST_NAME", Col::LastName),
            ("NRIC", Col::Ic),
            ("DOB", Col::Dob),
            ("SEX", Col::Sex),
            ("ADDRESS_1", Col::Address1),
            ("ADDRESS_2", Col::Address2),
            ("CITY", Col::Town),
            ("POSTCODE", Col::Postcode),
            ("STATE", Col::State),
            ("MOBILE", Col::Phone),
        ],
        weight: |p| if (25..=60).contains(&age(p)) { 20 } else { 5 },
    },
    Schema {
        key: "zakat",
        about: "zakat council: tab-separated, Muslims only, old IC column",
        ext: "tsv",
        delimiter: b'\t',
        enc: Enc::Utf8,
        crlf: false,
        id_prefix: "ASN",
        id_digits: 8,
        dates: DateFmt::Compact,
        sex: ("L", "P"),
        ic: IcStyle::Plain,
        phone: PhoneStyle::Plain,
        case: Case::Upper,
        numeric_postcode: false,
        cols: &[
            ("NoAsnaf", Col::Id),
            ("NamaAsnaf", Col::Name),
            ("NoKP", Col::Ic),
            ("KpLama", Col::OldIc),
            ("TkhLahir", Col::Dob),
            ("Jantina", Col::Sex),
            ("Alamat", Col::AddressLine),
            ("Poskod", Col::Postcode),
            ("Daerah", Col::District),
            ("Negeri", Col::State),
            ("NoTel", Col::Phone),
        ],
        weight: |p| if p.muslim { 22 } else { 0 },
    },
    Schema {
        key: "aim",
        about: "AIM, microfinance (mostly women): exported from a spreadsheet — IC, postcode and \
                phone as numbers (leading zeros lost, some ICs in scientific notation)",
        ext: "csv",
        delimiter: b',',
        enc: Enc::Utf8,
        crlf: true,
        id_prefix: "AIM",
        id_digits: 7,
        dates: DateFmt::DmySlashUnpadded,
        sex: ("LELAKI", "PEREMPUAN"),
        ic: IcStyle::Number,
        phone: PhoneStyle::Number,
        case: Case::Upper,
        numeric_postcode: true,
        cols: &[
            ("ID_PESERTA", Col::Id),
            ("NAMA_PENUH", Col::Name),
            ("KP_BARU", Col::Ic),
            ("TARIKH_LAHIR", Col::Dob),
            ("JANTINA", Col::Sex),
            ("ALAMAT", Col::AddressFull),
            ("POSKOD", Col::Postcode),
            ("TELEFON", Col::Phone),
        ],
        weight: |p| {
            let s = if p.sex == Sex::Female { 30 } else { 6 };
            if age(p) < 65 {
                s
            } else {
                s * 2 / 5
            }
        },
    },
    Schema {
        key: "str",
        about: "STR cash aid (LHDN): pipe-delimited, English upper-case columns",
        ext: "txt",
        delimiter: b'|',
        enc: Enc::Utf8,
        crlf: false,
        id_prefix: "STR",
        id_digits: 9,
        dates: DateFmt::DmyDot,
        sex: ("LELAKI", "PEREMPUAN"),
        ic: IcStyle::Dashed,
        phone: PhoneStyle::Spaced,
        case: Case::Upper,
        numeric_postcode: false,
        cols: &[
            ("APPLICATION_NO", Col::Id),
            ("APPLICANT_NAME", Col::Name),
            ("MYKAD_NO", Col::Ic),
            ("BIRTH_DATE", Col::Dob),
            ("GENDER", Col::Sex),
            ("HOME_ADDRESS", Col::AddressLine),
            ("POSTCODE", Col::Postcode),
            ("STATE", Col::State),
            ("MOBILE_NO", Col::Phone),
        ],
        weight: |_| 20,
    },
    Schema {
        key: "kkm",
        about: "KKM clinics: given name and surname in two columns, foreign IDs, Title Case",
        ext: "csv",
        delimiter: b',',
        enc: Enc::Utf8,
        crlf: false,
        id_prefix: "KKM-P",
        id_digits: 8,
        dates: DateFmt::DmySlash,
        sex: ("Male", "Female"),
        ic: IcStyle::Plain,
        phone: PhoneStyle::Spaced,
        case: Case::MostlyTitle,
        numeric_postcode: false,
        cols: &[
            ("patient_id", Col::Id),
            ("given_name", Col::FirstName),
            ("surname", Col::LastName),
            ("mykad", Col::Ic),
            ("passport_no", Col::Passport),
            ("national_id", Col::NationalId),
            ("dob", Col::Dob),
            ("sex", Col::Sex),
            ("address_line1", Col::Address1),
            ("address_line2", Col::Address2),
            ("city", Col::Town),
            ("postcode", Col::Postcode),
            ("state", Col::State),
            ("phone", Col::Phone),
        ],
        weight: |p| {
            if p.ethnicity == Ethnicity::Khmer {
                45
            } else {
                15
            }
        },
    },
    Schema {
        key: "ekasih",
        about: "eKasih poverty data bank: semicolon, windows-1252, household ids",
        ext: "csv",
        delimiter: b';',
        enc: Enc::Windows1252,
        crlf: true,
        id_prefix: "EK",
        id_digits: 9,
        dates: DateFmt::DmyDash4,
        sex: ("LELAKI", "PEREMPUAN"),
        ic: IcStyle::Mixed,
        phone: PhoneStyle::Dash,
        case: Case::Upper,
        numeric_postcode: false,
        cols: &[
            ("ID_KIR", Col::Id),
            ("ID_ISI_RUMAH", Col::HouseholdId),
            ("NAMA", Col::Name),
            ("NO_KP_BARU", Col::Ic),
            ("NO_KP_LAMA", Col::OldIc),
            ("TARIKH_LAHIR", Col::Dob),
            ("JANTINA", Col::Sex),
            ("ALAMAT1", Col::Address1),
            ("ALAMAT2", Col::Address2),
            ("POSKOD", Col::Postcode),
            ("DAERAH", Col::District),
            ("NEGERI", Col::State),
            ("NO_TEL", Col::Phone),
        ],
        weight: |_| 15,
    },
];

impl Schema {
    pub fn has(&self, c: Col) -> bool {
        self.cols.iter().any(|(_, k)| *k == c)
    }

    /// What noise needs to know of this schema.
    pub fn holds(&self) -> Holds {
        Holds {
            ic: self.has(Col::Ic),
            old_ic: self.has(Col::OldIc),
            national_id: self.has(Col::NationalId),
            passport: self.has(Col::Passport),
            dob: self.has(Col::Dob),
            sex: self.has(Col::Sex),
            address: self.cols.iter().any(|(_, c)| {
                matches!(
                    c,
                    Col::AddressFull
                        | Col::AddressLine
                        | Col::Address1
                        | Col::Postcode
                        | Col::State
                )
            }),
            phone: self.has(Col::Phone),
            curly: self.enc == Enc::Windows1252,
        }
    }

    pub fn eol(&self) -> &'static str {
        if self.crlf {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// The header line (without a byte-order mark).
    pub fn header(&self) -> String {
        let mut s = String::new();
        for (i, (name, _)) in self.cols.iter().enumerate() {
            if i > 0 {
                s.push(self.delimiter as char);
            }
            s.push_str(name);
        }
        s.push_str(self.eol());
        s
    }

    /// Writes one record's row after its id column: `<delim>value<delim>value...<eol>`.
    /// The UTF-8 text is left in `line`; `v` is scratch space.
    pub fn write_row(&self, n: &mut Noise, rec: &Rec, line: &mut String, v: &mut String) {
        line.clear();
        let title = self.case == Case::MostlyTitle && n.rng.chance(0.85);
        for (_, col) in self.cols.iter().skip(1) {
            v.clear();
            self.value(n, rec, *col, title, v);
            if title && matches!(col, Col::Name | Col::FirstName | Col::LastName) {
                *v = title_case(v);
            } else if title
                && matches!(
                    col,
                    Col::AddressLine
                        | Col::AddressFull
                        | Col::Address1
                        | Col::Address2
                        | Col::Town
                        | Col::District
                )
            {
                *v = title_case_address(v);
            }
            line.push(self.delimiter as char);
            push_field(line, v, self.delimiter);
        }
        line.push_str(self.eol());
    }

    fn value(&self, n: &mut Noise, rec: &Rec, col: Col, title: bool, out: &mut String) {
        let a = rec.address.as_ref();
        match col {
            Col::Id => {}
            Col::Name => {
                join_name(rec, out);
            }
            Col::FirstName | Col::LastName => {
                let given = rec.pre.iter().chain(&rec.given).map(|c| c.as_ref());
                let family = rec.family.iter().map(|c| c.as_ref());
                let mut t: Vec<&str> = Vec::with_capacity(6);
                if col == Col::FirstName {
                    t.extend(rec.title);
                    if rec.split_swapped {
                        t.extend(family);
                    } else {
                        t.extend(given);
                    }
                } else if rec.split_swapped {
                    t.extend(given);
                } else {
                    t.extend(family);
                }
                push_tokens(out, &t);
            }
            Col::Ic => {
                if let Some(d) = &rec.ic {
                    self.write_ic(n, d, out);
                }
            }
            Col::OldIc => {
                if let Some(o) = &rec.old_ic {
                    o.write(out);
                    // Some clerks type a space after the letter, or the letter in lower case.
                    if o.letter != 0 && n.rng.chance(0.15) {
                        if n.rng.chance(0.5) {
                            out.insert(1, ' ');
                        } else {
                            out.replace_range(0..1, &(o.letter as char).to_lowercase().to_string());
                        }
                    }
                }
            }
            Col::NationalId => {
                if let Some(x) = rec.national_id {
                    push_padded(out, x as u64, 9);
                }
            }
            Col::Passport => {
                if let Some(x) = rec.passport {
                    out.push('N');
                    push_padded(out, x as u64, 7);
                }
            }
            Col::Dob => {
                if let Some(d) = rec.dob {
                    self.dates.write(d, out);
                }
            }
            Col::Sex => {
                if let Some(s) = rec.sex {
                    out.push_str(match s {
                        Sex::Male => self.sex.0,
                        Sex::Female => self.sex.1,
                    });
                }
            }
            Col::AddressFull => {
                if let Some(a) = a {
                    out.push_str(&rec.parts.join(", "));
                    out.push_str(", ");
                    self.postcode(a.postcode, out);
                    out.push(' ');
                    out.push_str(a.town());
                    out.push_str(", ");
                    out.push_str(a.state().name);
                }
            }
            Col::AddressLine => {
                if let Some(a) = a {
                    out.push_str(&rec.parts.join(", "));
                    out.push_str(", ");
                    out.push_str(a.town());
                }
            }
            Col::Address1 | Col::Address2 => {
                if a.is_some() {
                    let k = if rec.parts.len() >= 3 { 2 } else { 1 };
                    let parts = if col == Col::Address1 {
                        &rec.parts[..k]
                    } else {
                        &rec.parts[k..]
                    };
                    let s = parts.join(", ");
                    if self.enc == Enc::Windows1252 && n.rng.chance(0.6) {
                        // Typed in Word: unit numbers with en dashes ("A–12–03").
                        out.push_str(&s.replace('-', "\u{2013}"));
                    } else {
                        out.push_str(&s);
                    }
                }
            }
            Col::Town => {
                if let Some(a) = a {
                    out.push_str(a.town());
                }
            }
            Col::Postcode => {
                if let Some(a) = a {
                    self.postcode(a.postcode, out);
                }
            }
            Col::District => {
                if let Some(a) = a {
                    out.push_str(a.district());
                }
            }
            Col::State => {
                if let Some(a) = a {
                    let s = a.state().name;
                    match (title, s.strip_prefix("WP ")) {
                        (true, Some(rest)) => {
                            out.push_str("W.P. ");
                            out.push_str(&title_case_address(rest));
                        }
                        (true, None) => out.push_str(&title_case_address(s)),
                        (false, _) => out.push_str(s),
                    }
                }
            }
            Col::Phone => {
                if let Some(p) = rec.phone {
                    // Mostly the agency's style; a form field lets some through in others.
                    let style = if self.phone != PhoneStyle::Number && n.rng.chance(0.2) {
                        n.rng.pick(&[
                            PhoneStyle::Dash,
                            PhoneStyle::Plain,
                            PhoneStyle::Intl,
                            PhoneStyle::Spaced,
                        ])
                    } else {
                        self.phone
                    };
                    write_phone(p, style, out);
                }
            }
            Col::HouseholdId => {
                out.push_str("KIR");
                push_padded(out, rec.household + 1, 8);
            }
        }
    }

    fn postcode(&self, pc: &str, out: &mut String) {
        if self.numeric_postcode {
            let t = pc.trim_start_matches('0');
            out.push_str(if t.is_empty() { "0" } else { t });
        } else {
            out.push_str(pc);
        }
    }

    fn write_ic(&self, n: &mut Noise, d: &[u8; 12], out: &mut String) {
        let s = std::str::from_utf8(d).expect("ASCII");
        let dashed = |out: &mut String, sep: char| {
            out.push_str(&s[..6]);
            out.push(sep);
            out.push_str(&s[6..8]);
            out.push(sep);
            out.push_str(&s[8..]);
        };
        match self.ic {
            IcStyle::Plain => out.push_str(s),
            IcStyle::Dashed => dashed(out, '-'),
            IcStyle::Mixed => {
                let r = n.rng.unit();
                if r < 0.4 {
                    dashed(out, '-');
                } else if r < 0.7 {
                    dashed(out, ' ');
                } else {
                    out.push_str(s);
                }
            }
            IcStyle::Number => {
                // A cell holding letters (an OCR misreading) stays text.
                if d.iter().all(u8::is_ascii_digit) && n.roll(Kind::Excel) {
                    // Every leading zero goes (000909... → 909...); a spreadsheet's General
                    // format shows numbers of 12 digits or more in scientific notation.
                    let t = s.trim_start_matches('0');
                    if t.len() >= 12 && n.rng.chance(0.5) {
                        excel_scientific(t, out);
                    } else {
                        out.push_str(t);
                    }
                } else {
                    out.push_str(s);
                }
            }
        }
    }
}

/// A number as a spreadsheet writes it in scientific notation: `8.50312145567E+11`.
pub fn excel_scientific(digits: &str, out: &mut String) {
    let (first, rest) = digits.split_at(1);
    let rest = rest.trim_end_matches('0');
    out.push_str(first);
    if !rest.is_empty() {
        out.push('.');
        out.push_str(rest);
    }
    let _ = write!(out, "E+{:02}", digits.len() - 1);
}

pub fn write_phone(p: Phone, style: PhoneStyle, out: &mut String) {
    let mut rest = String::with_capacity(8);
    push_padded(&mut rest, p.rest as u64, p.len as usize);
    let mut pre = String::with_capacity(2);
    push_padded(&mut pre, p.prefix as u64, 2);
    match style {
        PhoneStyle::Dash => {
            out.push('0');
            out.push_str(&pre);
            out.push('-');
            out.push_str(&rest);
        }
        PhoneStyle::Plain => {
            out.push('0');
            out.push_str(&pre);
            out.push_str(&rest);
        }
        PhoneStyle::Intl => {
            out.push_str("+60");
            out.push_str(&pre);
            out.push_str(&rest);
        }
        PhoneStyle::Spaced => {
            out.push_str("60 ");
            out.push_str(&pre);
            out.push('-');
            let cut = rest.len() - 4;
            out.push_str(&rest[..cut]);
            out.push(' ');
            out.push_str(&rest[cut..]);
        }
        PhoneStyle::Number => {
            out.push_str(&pre);
            out.push_str(&rest);
        }
    }
}

fn push_tokens(out: &mut String, t: &[&str]) {
    for (i, s) in t.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(s);
    }
}

/// The whole name in one column: title, then the parts in the record's order.
fn join_name(rec: &Rec, out: &mut String) {
    let mut t: Vec<&str> = Vec::with_capacity(8);
    t.extend(rec.title);
    t.extend(rec.pre.iter().map(|c| c.as_ref()));
    let given = rec.given.iter().map(|c| c.as_ref());
    let family = rec.family.iter().map(|c| c.as_ref());
    if rec.family_first {
        t.extend(family);
        t.extend(given);
    } else {
        t.extend(given);
        t.extend(family);
    }
    push_tokens(out, &t);
}

/// Words written in lower case in a Title Case name.
const LOWER_IN_NAMES: &[&str] = &[
    "BIN", "BINTI", "B.", "BN", "B", "BIN.", "BT", "BTE", "BINTE", "BT.", "BINTI.", "A/L", "A/P",
    "AL", "AP", "S/O", "D/O", "A.L", "A.P", "ANAK", "AK", "AK.",
];

fn cap_word(w: &str, out: &mut String) {
    let mut chars = w.chars();
    if let Some(c) = chars.next() {
        out.push(c);
        for c in chars {
            out.extend(c.to_lowercase());
        }
    }
}

/// "AMINAH BINTI JAMALUDDIN" → "Aminah binti Jamaluddin".
pub fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, w) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if LOWER_IN_NAMES.contains(&w) {
            out.push_str(&w.to_lowercase());
        } else {
            cap_word(w, &mut out);
        }
    }
    out
}

/// "NO 5, JALAN MAWAR 3" → "No 5, Jalan Mawar 3".
fn title_case_address(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, w) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        cap_word(w, &mut out);
    }
    out
}

/// Appends a field, quoted when it holds the delimiter or a quote.
fn push_field(out: &mut String, v: &str, delim: u8) {
    if v.bytes()
        .any(|b| b == delim || b == b'"' || b == b'\n' || b == b'\r')
    {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

/// The value of a TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Schema {
    /// This schema's `[[source]]` table for padan.toml.
    pub fn toml(&self, name: &str, file: &str, priority: usize) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# {}", self.about);
        let _ = writeln!(s, "[[source]]");
        let _ = writeln!(s, "name = {}", toml_str(name));
        let _ = writeln!(s, "path = {}", toml_str(file));
        let format = if self.delimiter == b'\t' {
            "tsv"
        } else {
            "csv"
        };
        let _ = writeln!(s, "format = \"{format}\"");
        let _ = writeln!(
            s,
            "delimiter = {}",
            toml_str(&(self.delimiter as char).to_string())
        );
        let enc = match self.enc {
            Enc::Utf8 | Enc::Utf8Bom => "utf-8",
            Enc::Windows1252 => "windows-1252",
        };
        let _ = writeln!(s, "encoding = \"{enc}\"");
        let _ = writeln!(s, "id = {}", toml_str(self.cols[0].0));
        let _ = writeln!(s, "dates = [{}]", toml_str(self.dates.strftime()));
        let _ = writeln!(s, "priority = {priority}");
        let _ = writeln!(s, "\n[source.columns]");
        let mut fields: Vec<(&str, Vec<&str>)> = Vec::new();
        let mut add = |field: &'static str, col: &'static str| match fields
            .iter_mut()
            .find(|(f, _)| *f == field)
        {
            Some((_, cols)) => cols.push(col),
            None => fields.push((field, vec![col])),
        };
        for (col, kind) in self.cols.iter() {
            let field = match kind {
                Col::Id => continue,
                Col::Name | Col::FirstName | Col::LastName => "full_name",
                Col::Ic => "ic",
                Col::OldIc => "old_ic",
                Col::NationalId => "national_id",
                Col::Passport => "passport",
                Col::Dob => "dob",
                Col::Sex => "sex",
                Col::AddressFull | Col::AddressLine | Col::Address1 | Col::Address2 | Col::Town => {
                    "address"
                }
                Col::Postcode => "postcode",
                Col::District => "district",
                Col::State => "state",
                Col::Phone => "phone",
                Col::HouseholdId => "household_id",
            };
            add(field, col);
        }
        for (field, cols) in fields {
            if cols.len() == 1 {
                let _ = writeln!(s, "{field} = {}", toml_str(cols[0]));
            } else {
                let list: Vec<String> = cols.iter().map(|c| toml_str(c)).collect();
                let _ = writeln!(s, "{field} = [{}]", list.join(", "));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn dates_in_every_style_read_back_with_their_declared_format() {
        let d = NaiveDate::from_ymd_opt(1985, 3, 5).unwrap();
        for f in [
            DateFmt::DmySlash,
            DateFmt::Iso,
            DateFmt::DmyDash2,
            DateFmt::Compact,
            DateFmt::DmySlashUnpadded,
            DateFmt::DmyDot,
            DateFmt::DmyDash4,
        ] {
            let mut s = String::new();
            f.write(d, &mut s);
            let back = NaiveDate::parse_from_str(&s, f.strftime());
            assert_eq!(back, Ok(d), "{f:?} wrote {s}");
        }
    }

    #[test]
    fn spreadsheet_numbers() {
        let mut s = String::new();
        excel_scientific("850312145567", &mut s);
        assert_eq!(s, "8.50312145567E+11");
        s.clear();
        excel_scientific("50312145560", &mut s);
        assert_eq!(s, "5.031214556E+10");
        let p = Phone {
            prefix: 12,
            rest: 3456789,
            len: 7,
        };
        let styles = [
            (PhoneStyle::Dash, "012-3456789"),
            (PhoneStyle::Plain, "0123456789"),
            (PhoneStyle::Intl, "+60123456789"),
            (PhoneStyle::Spaced, "60 12-345 6789"),
            (PhoneStyle::Number, "123456789"),
        ];
        for (st, want) in styles {
            let mut s = String::new();
            write_phone(p, st, &mut s);
            assert_eq!(s, want);
        }
    }

    #[test]
    fn title_case_keeps_markers_lower() {
        assert_eq!(
            title_case("AMINAH BINTI JAMALUDDIN"),
            "Aminah binti Jamaluddin"
        );
        assert_eq!(title_case("DATO' RAVI A/L MUTHU"), "Dato' Ravi a/l Muthu");
        assert_eq!(title_case("RENÉE TAN"), "Renée Tan");
    }

    #[test]
    fn every_schema_has_an_id_first_and_distinct_columns() {
        for s in SCHEMAS {
            assert_eq!(s.cols[0].1, Col::Id, "{}", s.key);
            let mut names: Vec<_> = s.cols.iter().map(|c| c.0).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), s.cols.len(), "{}", s.key);
        }
    }
}
