//! Malaysian phone numbers to E.164 (`+60123456789`), mobile and landline.
//!
//! The number is read as written: a leading `+` or `00` introduces a country code; `60` in
//! front of a number too long to be national is Malaysia's; a leading trunk `0` is dropped; a
//! number that lost its leading zero in a spreadsheet (`123456789`) is still recognised by its
//! prefix. The national significant number must fit a range of `data/phone_prefixes.tsv`
//! (mobile 1x, landline 3–9, non-geographic 1-300/1-800) with its length. Only the first number
//! of a field holding several (`012-3456789 / 03-12345678`) is read; an extension is dropped.
//! Numbers of other countries (written with their country code) are kept as `+CC…`.

use serde::Serialize;

use super::tables::PHONE_PREFIXES;

/// A phone number, normalised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Phone {
    /// E.164: `+` and the digits.
    pub e164: String,
    /// `mobile`, `landline`, `ip_telephony`, `non_geographic`, or `foreign`.
    pub kind: &'static str,
}

/// Why a value is not a phone number.
pub const NOT_A_NUMBER: &str = "not_a_number";

/// The first number of a field: up to a separator between numbers (`/`, `,`, `;`, `&`, ` or `)
/// or an extension.
fn first_number(raw: &str) -> &str {
    let up = raw.find(['/', ',', ';', '&', '|']).unwrap_or(raw.len());
    let s = &raw[..up];
    let lower = s.to_ascii_lowercase();
    let cut = ["ext", " x", " or ", " atau "]
        .iter()
        .filter_map(|w| lower.find(w))
        .min()
        .unwrap_or(s.len());
    &s[..cut]
}

/// The kind of that name (`mobile`…), as `Phone::kind` holds it.
pub fn kind_named(name: &str) -> Option<&'static str> {
    PHONE_PREFIXES
        .iter()
        .map(|p| p.kind)
        .chain(["foreign"])
        .find(|k| *k == name)
}

/// A Malaysian national significant number's kind, when its prefix and length fit.
fn malaysian(nsn: &str) -> Option<&'static str> {
    PHONE_PREFIXES
        .iter()
        .find(|p| nsn.starts_with(p.prefix))
        .filter(|p| (p.min_len..=p.max_len).contains(&nsn.len()))
        .map(|p| p.kind)
}

/// Normalises a phone number; `None` when it is not one.
pub fn parse(raw: &str) -> Option<Phone> {
    let s = first_number(raw.trim());
    let plus = s.trim_start().starts_with('+');
    let d = super::text::digits(s);
    let (international, d) = if plus {
        (true, d.as_str())
    } else if let Some(rest) = d.strip_prefix("00") {
        (true, rest)
    } else {
        (false, d.as_str())
    };
    let mk = |nsn: &str, kind| Phone {
        e164: format!("+60{nsn}"),
        kind,
    };
    if international {
        if let Some(nsn) = d.strip_prefix("60") {
            let nsn = nsn.strip_prefix('0').unwrap_or(nsn);
            return malaysian(nsn).map(|k| mk(nsn, k));
        }
        // Another country: kept as written, if it is long enough to be a number.
        let plausible = (8..=15).contains(&d.len()) && !d.starts_with('0');
        return plausible.then(|| Phone {
            e164: format!("+{d}"),
            kind: "foreign",
        });
    }
    if let Some(nsn) = d.strip_prefix('0') {
        return malaysian(nsn).map(|k| mk(nsn, k));
    }
    if let Some(nsn) = d.strip_prefix("60") {
        if let Some(k) = malaysian(nsn) {
            return Some(mk(nsn, k));
        }
    }
    // The trunk zero lost in a spreadsheet.
    malaysian(d).map(|k| mk(d, k))
}

/// The E.164 form, or `None`.
pub fn e164(raw: &str) -> Option<String> {
    parse(raw).map(|p| p.e164)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(s: &str) -> Option<String> {
        e164(s)
    }

    #[test]
    fn mobiles_in_every_writing_become_e164() {
        for s in [
            "012-3456789",
            "+60123456789",
            "60 12-345 6789",
            "0123456789",
            "123456789",
            "+60 (0)12 345 6789",
            "0060123456789",
            "012-345 6789 / 03-12345678",
            "012 3456789 ext 12",
        ] {
            assert_eq!(e(s).as_deref(), Some("+60123456789"), "{s}");
        }
        assert_eq!(e("011-2345 6789").as_deref(), Some("+601123456789"));
        assert_eq!(parse("011-2345 6789").unwrap().kind, "mobile");
    }

    #[test]
    fn landlines_by_area_code() {
        assert_eq!(e("03-2345 6789").as_deref(), Some("+60323456789"));
        assert_eq!(e("04-234 5678").as_deref(), Some("+6042345678"));
        assert_eq!(e("082-234567").as_deref(), Some("+6082234567"));
        assert_eq!(parse("082-234567").unwrap().kind, "landline");
        assert_eq!(parse("1-800-88-1234").unwrap().kind, "non_geographic");
    }

    #[test]
    fn non_numbers_and_wrong_lengths_fail() {
        assert_eq!(e("12345"), None);
        assert_eq!(e("012-345"), None);
        assert_eq!(e("0123456789012"), None);
        assert_eq!(e("TIADA"), None);
        assert_eq!(e("+65 6123 4567").as_deref(), Some("+6561234567"));
        assert_eq!(parse("+65 6123 4567").unwrap().kind, "foreign");
    }

    #[test]
    fn normalising_twice_equals_once() {
        for s in ["012-3456789", "03-2345 6789", "+65 6123 4567"] {
            let once = e(s).unwrap();
            assert_eq!(e(&once).as_deref(), Some(once.as_str()));
        }
    }
}
