//! Every masking rule: what of a person's values may be shown in a report, an explanation, a
//! log line or an error, where the values are not shown whole.

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

/// Masks one value of a comparison (`score::COMPARISONS`' names) for display.
pub fn value(comparison: &str, v: &str) -> String {
    if v.is_empty() {
        return String::new();
    }
    match comparison {
        "ic" | "other_id" => ic(v),
        "phone" => {
            let n = v.chars().count();
            let tail: String = v.chars().skip(n.saturating_sub(4)).collect();
            format!("{}{tail}", "*".repeat(n.saturating_sub(4)))
        }
        "address" => "(address withheld)".to_string(),
        _ => v.to_string(),
    }
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

/// A rejected row's raw text for an example: long digit runs masked, every word reduced to
/// its first letter, so the row's shape (fields, separators) shows but not its contents.
pub fn raw(raw: &str) -> String {
    let g = guard(raw);
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let n = word.chars().count();
        if word.chars().all(is_digit) {
            if n >= 5 {
                out.push_str(&"*".repeat(n - 4));
                out.extend(word.chars().skip(n - 4));
            } else {
                out.push_str(word);
            }
        } else {
            out.extend(word.chars().take(1));
            out.push_str(&"*".repeat(n.saturating_sub(1)));
        }
        word.clear();
    };
    for c in g.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    if out.chars().count() > 160 {
        out = out.chars().take(160).collect::<String>() + "…";
    }
    out
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
        let raw = raw("R1,ALI BIN ABU,850312-14-5567,0123456789");
        assert!(!raw.contains("ALI"), "{raw}");
        assert!(!raw.contains("850312"), "{raw}");
        assert!(raw.ends_with("6789"), "{raw}");
    }
}
