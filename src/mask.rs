//! Every masking rule: what of a person's values may be shown in a report, an explanation, a
//! log line or an error, where the values are not shown whole.
//!
//! Together the values shown of one person reveal no more of an IC than its last four digits
//! and its first two (the year of birth): a MyKad's first six digits are the birth date, so a
//! birth date is shown as its year only (docs/privacy.md).

/// Masks an IC for logs and reports: only the last four digits are shown.
pub fn ic(ic: &str) -> String {
    let d: Vec<char> = ic.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let tail: String = d[d.len().saturating_sub(4)..].iter().collect();
    if d.len() == 12 {
        format!("******-**-{tail}")
    } else {
        format!("{}{tail}", "*".repeat(d.len().saturating_sub(4).max(1)))
    }
}

/// How a person's value is shown masked. Each comparison names the rule its values take
/// (`comparison::Comparison::mask`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Shown whole: a name, a sex, a postcode, a household id.
    Whole,
    /// An IC, old IC, passport or national id: its last four letters or digits only (`ic`).
    Id,
    /// A phone number: its last four characters only.
    Phone,
    /// An address: not shown at all.
    Address,
    /// A birth date: its year only (`year_only`).
    Year,
}

/// Masks one value by `rule` for display.
pub fn value(rule: Rule, v: &str) -> String {
    if v.is_empty() {
        return String::new();
    }
    match rule {
        Rule::Id => ic(v),
        Rule::Phone => {
            let n = v.chars().count();
            let tail: String = v.chars().skip(n.saturating_sub(4)).collect();
            format!("{}{tail}", "*".repeat(n.saturating_sub(4)))
        }
        Rule::Address => "(address withheld)".to_string(),
        Rule::Year => year_only(v),
        Rule::Whole => v.to_string(),
    }
}

/// A birth date as it came in, with only its year shown: the first run of four digits that
/// reads as a year (1000 to 2999) is kept, every other letter and digit is masked, so
/// `1998-07-23` shows as `1998-**-**` and `23 Jul 1998` as `** *** 1998`. A date whose year
/// is not four digits apart (`23/07/98`, `19980723`) shows no digit at all.
fn year_only(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let mut kept = None;
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|&&c| is_digit(c)).count();
        if run == 4 && matches!(chars[i], '1' | '2' | '１' | '２') {
            kept = Some(i..i + 4);
            break;
        }
        i += run.max(1);
    }
    chars
        .iter()
        .enumerate()
        .map(|(k, &c)| {
            if c.is_alphanumeric() && !kept.as_ref().is_some_and(|r| r.contains(&k)) {
                '*'
            } else {
                c
            }
        })
        .collect()
}

/// An ASCII or full-width digit.
pub fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Masks every run of nine or more digits (separators `-` or a space between digits allowed)
/// in free text, keeping the last four: an IC, a phone or a long id never shows whole.
pub fn guard(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let (mut k, mut end, mut digits) = (i, i, 0usize);
        while k < chars.len() {
            if is_digit(chars[k]) {
                digits += 1;
                k += 1;
                end = k;
            } else if (chars[k] == '-' || chars[k] == ' ')
                && k + 1 < chars.len()
                && is_digit(chars[k + 1])
            {
                k += 1;
            } else {
                break;
            }
        }
        let mut seen = 0;
        for &c in &chars[i..end] {
            if is_digit(c) {
                seen += 1;
                out.push(if digits >= 9 && seen + 4 <= digits {
                    '*'
                } else {
                    c
                });
            } else {
                out.push(c);
            }
        }
        i = end;
    }
    out
}

/// A rejected row's raw text for an example: every digit masked, every word reduced to its
/// first letter, so the row's shape (fields, separators) shows but not its contents. No digit
/// is shown: a row's IC, phone and birth date would show side by side.
pub fn raw(raw: &str) -> String {
    let mut out = String::new();
    let mut first = true;
    for c in raw.chars() {
        if !c.is_alphanumeric() {
            first = true;
            out.push(c);
        } else {
            out.push(if first && !c.is_numeric() { c } else { '*' });
            first = false;
        }
    }
    if out.chars().count() > 160 {
        out = out.chars().take(160).collect::<String>() + "…";
    }
    out
}

/// Whether a cell of a header line looks like a value from a data row rather than a column
/// name: at least four digits, making up at least half of its letters and digits (an IC, a
/// phone, a date, a postcode, a numeric id), as when an export has no header line.
pub fn looks_like_data(cell: &str) -> bool {
    let digits = cell.chars().filter(|&c| is_digit(c)).count();
    let alnum = cell.chars().filter(|c| c.is_alphanumeric()).count();
    digits >= 4 && digits * 2 >= alnum
}

/// A file's header cells as an error lists them (`` `ID`, `NAMA` ``), and whether they look
/// like a data row (a cell does, `looks_like_data`): then each cell is masked as `raw` masks
/// a row, as the line is likely a person's name, IC and phone. Long digit runs are masked
/// either way (`guard`).
pub fn header(cells: &[String]) -> (String, bool) {
    let data = cells.iter().any(|c| looks_like_data(c));
    let shown: Vec<String> = cells
        .iter()
        .map(|c| format!("`{}`", if data { raw(c) } else { guard(c) }))
        .collect();
    (shown.join(", "), data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_show_only_the_last_four() {
        assert_eq!(ic("850312145567"), "******-**-5567");
        assert_eq!(ic("A1234567"), "****4567");
        assert!(!ic("850312145567").contains("850312"));
    }

    #[test]
    fn guarded_text_and_raw_rows() {
        assert_eq!(guard("ic 850312-14-5567 here"), "ic ******-**-5567 here");
        assert_eq!(guard("850312145567"), "********5567");
        assert_eq!(
            guard("row 12, 5 fields, 1985-03-12"),
            "row 12, 5 fields, 1985-03-12"
        );
        assert_eq!(guard("８５０３１２１４５５６７"), "********５５６７");
    }

    #[test]
    fn raw_rows_show_no_digit() {
        let r = raw("R1,ALI BIN ABU,850312/14/5567,12/03/1985,0123456789,ｘ１２");
        assert_eq!(
            r,
            "R*,A** B** A**,******/**/****,**/**/****,**********,ｘ**"
        );
        assert_eq!(raw("\t=HYPERLINK(1)"), "\t=H********(*)");
    }

    #[test]
    fn birth_dates_show_their_year_only() {
        assert_eq!(value(Rule::Year, "1998-07-23"), "1998-**-**");
        assert_eq!(value(Rule::Year, "23/07/1998"), "**/**/1998");
        assert_eq!(value(Rule::Year, "23 Jul 1998"), "** *** 1998");
        assert_eq!(value(Rule::Year, "１９９８年7月23日"), "１９９８******");
        // No year four digits apart: nothing shown.
        assert_eq!(value(Rule::Year, "23/07/98"), "**/**/**");
        assert_eq!(value(Rule::Year, "19980723"), "********");
        assert_eq!(value(Rule::Year, "0723 1998"), "**** 1998");
        assert_eq!(value(Rule::Year, ""), "");
    }

    #[test]
    fn an_ic_and_a_birth_date_shown_together_reveal_the_year_and_the_last_four() {
        // A MyKad's first six digits are the birth date (YYMMDD).
        let (ic, dob) = (
            value(Rule::Id, "980723145567"),
            value(Rule::Year, "1998-07-23"),
        );
        let shown = format!("{ic} {dob}");
        assert_eq!(shown, "******-**-5567 1998-**-**");
        assert!(!shown.contains("07") && !shown.contains("23"), "{shown}");
    }

    #[test]
    fn a_header_that_looks_like_data_is_masked() {
        let cells = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        for value in [
            "850312-14-5567",
            "012-345 6789",
            "1985-03-12",
            "12/03/85",
            "50000",
            "R0001",
        ] {
            assert!(looks_like_data(value), "{value}");
        }
        for name in ["NO_KP", "INCOME_2023", "ALAMAT 1", "Tarikh Lahir", ""] {
            assert!(!looks_like_data(name), "{name}");
        }
        let (shown, data) = header(&cells(&["ID", "NAMA", "INCOME_2023"]));
        assert_eq!(
            (shown.as_str(), data),
            ("`ID`, `NAMA`, `INCOME_2023`", false)
        );
        let (shown, data) = header(&cells(&[
            "R1",
            "ALI BIN ABU",
            "850312145567",
            "012-3456789",
        ]));
        assert!(data);
        for whole in ["ALI", "ABU", "850312", "3456789"] {
            assert!(!shown.contains(whole), "{shown}");
        }
        assert_eq!(shown, "`R*`, `A** B** A**`, `************`, `***-*******`");
    }
}
