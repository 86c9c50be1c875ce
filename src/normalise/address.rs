//! Malaysian addresses: cleaned and upper-cased, abbreviations expanded
//! (`data/address_abbreviations.tsv`: JLN → JALAN, TMN → TAMAN, KG → KAMPUNG, PPR…), the
//! five-digit postcode extracted, the state recognised in any of its spellings
//! (`data/states.tsv`: PULAU PINANG / PENANG / P. PINANG; WP KUALA LUMPUR / KL…) and checked
//! against the postcode.
//!
//! The state is read only at the end of an address (after the town, optionally followed by an
//! honorific such as DARUL MAKMUR or by MALAYSIA), so that JALAN PAHANG or TAMAN PINANG are not
//! taken for states. A postcode contradicts a state only when it lies outside every postcode
//! that state uses (`data/postcode_ranges.tsv`, with its source): border post offices serve
//! both sides, so a postcode inside the range proves nothing.

use std::sync::LazyLock;

use serde::Serialize;

use super::tables::{
    ADDRESS_ABBREVIATIONS, POSTCODE_RANGES, STATES, STATE_MAX_WORDS, STATE_SUFFIXES,
};
use super::text::{clean, digits};

/// An address, normalised.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Address {
    /// Upper case, punctuation as spaces, abbreviations expanded, state spelled canonically.
    pub text: String,
    pub postcode: Option<String>,
    /// The state named at the end of the address (canonical).
    pub state: Option<&'static str>,
    /// The postcode lies outside every postcode the named state uses.
    pub postcode_contradicts_state: bool,
}

/// Words a street or estate name starts with: a state name right after one is a street name.
const STREET_WORDS: &[&str] = &[
    "JALAN",
    "LORONG",
    "TAMAN",
    "LEBUH",
    "PERSIARAN",
    "KAMPUNG",
    "BANDAR",
    "LEBUHRAYA",
    "BATU",
    "BUKIT",
    "SUNGAI",
];

/// A canonical state name for a spelling (several words), if any.
pub fn canonical_state(raw: &str) -> Option<&'static str> {
    let c = clean(raw).replace('\'', "");
    let words: Vec<&str> = c.split(' ').filter(|w| !w.is_empty()).collect();
    let words = strip_suffixes(&words);
    let n = words.len();
    if n == 0 {
        return None;
    }
    STATES.get(words.join(" ").as_str()).copied()
}

/// `STATE_SUFFIXES`, each split into its words.
static SUFFIX_WORDS: LazyLock<Vec<Vec<&'static str>>> = LazyLock::new(|| {
    STATE_SUFFIXES
        .iter()
        .map(|s| s.split(' ').collect())
        .collect()
});

/// Drops trailing honorifics (DARUL MAKMUR) and MALAYSIA.
fn strip_suffixes<'a, 'b>(mut w: &'b [&'a str]) -> &'b [&'a str] {
    loop {
        if w.last() == Some(&"MALAYSIA") {
            w = &w[..w.len() - 1];
            continue;
        }
        let before = w.len();
        for s in SUFFIX_WORDS.iter() {
            // The suffix's words against the address's last words, without joining them.
            let k = s.len();
            if w.len() > k && s[..] == w[w.len() - k..] {
                w = &w[..w.len() - k];
                break;
            }
        }
        if w.len() == before {
            return w;
        }
    }
}

/// The state named by the last words of `words`: (canonical, number of words).
fn trailing_state(words: &[&str]) -> Option<(&'static str, usize)> {
    let max = (*STATE_MAX_WORDS).min(words.len());
    // The last k words joined, in one buffer for every k.
    let mut key = String::with_capacity(48);
    (1..=max).rev().find_map(|k| {
        let start = words.len() - k;
        if start > 0 && STREET_WORDS.contains(&words[start - 1]) {
            return None;
        }
        key.clear();
        for (i, w) in words[start..].iter().enumerate() {
            if i > 0 {
                key.push(' ');
            }
            key.push_str(w);
        }
        STATES.get(key.as_str()).map(|s| (*s, k))
    })
}

/// Whether a postcode lies outside every postcode a state uses (`false` when unknown).
pub fn postcode_contradicts(postcode: &str, state: &str) -> bool {
    let Ok(p) = postcode.parse::<u32>() else {
        return false;
    };
    POSTCODE_RANGES
        .get(state)
        .is_some_and(|&(lo, hi)| p < lo || p > hi)
}

/// A five-digit postcode; four digits get their lost leading zero back (Excel).
pub fn postcode(raw: &str) -> Option<String> {
    let d = digits(raw);
    match d.len() {
        5 => Some(d),
        4 => Some(format!("0{d}")),
        _ => None,
    }
}

/// Normalises an address; `None` when nothing is left.
pub fn parse(raw: &str) -> Option<Address> {
    let c = clean(raw).replace('\'', "");
    let words: Vec<&str> = c
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| ADDRESS_ABBREVIATIONS.get(w).copied().unwrap_or(w))
        .collect();
    if words.is_empty() {
        return None;
    }
    let core = strip_suffixes(&words);
    let state = trailing_state(core);
    let mut out: Vec<&str> = match state {
        Some((s, k)) => {
            let mut v = core[..core.len() - k].to_vec();
            v.push(s);
            v
        }
        None => words.clone(),
    };
    if state.is_none() && core.len() < words.len() {
        out = words.clone();
    }
    // Exactly one five-digit word is the postcode.
    let mut five = words
        .iter()
        .filter(|w| w.len() == 5 && w.bytes().all(|b| b.is_ascii_digit()));
    let pc = five
        .next()
        .filter(|_| five.next().is_none())
        .map(|s| s.to_string());
    let state = state.map(|(s, _)| s);
    let contradicts = match (&pc, state) {
        (Some(p), Some(s)) => postcode_contradicts(p, s),
        _ => false,
    };
    Some(Address {
        text: out.join(" "),
        postcode: pc,
        state,
        postcode_contradicts_state: contradicts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_expand_and_the_postcode_is_found() {
        let a = parse("No. 5, Jln Mawar 3, Tmn Sri Muda, 40400 Shah Alam, Selangor").unwrap();
        assert_eq!(
            a.text,
            "NO 5 JALAN MAWAR 3 TAMAN SERI MUDA 40400 SHAH ALAM SELANGOR"
        );
        assert_eq!(a.postcode.as_deref(), Some("40400"));
        assert_eq!(a.state, Some("SELANGOR"));
        assert!(!a.postcode_contradicts_state);
        let k = parse("Lot 12 Kg. Baru, Sg. Buloh, PPR Seri Aman").unwrap();
        assert_eq!(
            k.text,
            "LOT 12 KAMPUNG BARU SUNGAI BULOH PROJEK PERUMAHAN RAKYAT SERI AMAN"
        );
    }

    #[test]
    fn state_spellings_become_canonical() {
        for (s, want) in [
            ("12 Lebuh Pantai, 10300 George Town, Penang", "PULAU PINANG"),
            (
                "12 Lebuh Pantai, 10300 George Town, P. Pinang",
                "PULAU PINANG",
            ),
            ("12 Lebuh Pantai 10300 Pulau Pinang", "PULAU PINANG"),
            ("Jalan Ampang 50450 KL", "WP KUALA LUMPUR"),
            ("Jalan Ampang 50450 W.P. Kuala Lumpur", "WP KUALA LUMPUR"),
            (
                "Jalan Ampang 50450 Kuala Lumpur, Malaysia",
                "WP KUALA LUMPUR",
            ),
            ("Kuantan 25000 Pahang Darul Makmur", "PAHANG"),
        ] {
            assert_eq!(parse(s).unwrap().state, Some(want), "{s}");
        }
        // A street named after a state is not the state.
        assert_eq!(parse("12 Jalan Pahang").unwrap().state, None);
        assert_eq!(canonical_state("n. sembilan"), Some("NEGERI SEMBILAN"));
        assert_eq!(canonical_state("Johor Darul Takzim"), Some("JOHOR"));
        assert_eq!(canonical_state("Atlantis"), None);
    }

    #[test]
    fn postcodes_are_checked_against_the_state() {
        let a = parse("Jalan Ampang 50450 Sabah").unwrap();
        assert!(a.postcode_contradicts_state);
        let b = parse("Kampung Baru 88000 Sabah").unwrap();
        assert!(!b.postcode_contradicts_state);
        assert!(!postcode_contradicts("50450", "ATLANTIS"));
    }

    #[test]
    fn postcodes_get_a_lost_zero_back() {
        assert_eq!(postcode("5000").as_deref(), Some("05000"));
        assert_eq!(postcode("50000").as_deref(), Some("50000"));
        assert_eq!(postcode("500"), None);
    }

    #[test]
    fn normalising_twice_equals_once() {
        for s in [
            "No. 5, Jln Mawar 3, Tmn Sri Muda, 40400 Shah Alam, Selangor",
            "12 Lebuh Pantai, 10300 George Town, P. Pinang",
            "Kuantan 25000 Pahang Darul Makmur",
        ] {
            let once = parse(s).unwrap();
            assert_eq!(parse(&once.text).unwrap(), once, "{s}");
        }
    }
}
