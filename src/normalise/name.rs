//! Personal names: titles dropped, the patronym split off, spelling variants unified.
//!
//! `NAMA BIN BAPA`, `NAMA A/L BAPA`, `NAMA ANAK BAPA` become `given` and `patronym` parts; leading
//! honorifics (HAJI, DATO', TAN SRI, DR…) go to `titles`, also inside the patronym
//! (`BIN TUN ABDUL RAZAK`). Tokens listed in `tables::NAME_VARIANTS` are replaced by their
//! canonical form. The tables, not this code, hold the domain knowledge.

use super::tables::{
    NAME_VARIANTS, PATRONYM_MARKERS, TITLES, TITLE_PREFIXES_NEEDING_SUFFIX, TITLE_SUFFIXES,
};
use super::text::clean;

/// A parsed name. Every token is upper-case ASCII or another script's letters, never empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Name {
    /// The person's own name tokens (canonical variants).
    pub given: Vec<String>,
    /// The father's name tokens, after BIN/BINTI/A/L/ANAK… (canonical variants).
    pub patronym: Vec<String>,
    /// The marker that introduced the patronym, as written (`BIN`, `B`, `A/L`…).
    pub marker: Option<String>,
    /// Honorifics removed from the name.
    pub titles: Vec<String>,
}

/// Markers that are also ordinary name tokens: only read as markers between two name parts.
const WEAK_MARKERS: &[&str] = &["AL", "AP", "B", "AK", "BN"];

fn is_marker(t: &str) -> bool {
    PATRONYM_MARKERS.contains(&t)
}

fn canonical(t: &str) -> String {
    NAME_VARIANTS
        .iter()
        .find(|(v, _)| *v == t)
        .map(|(_, c)| (*c).to_string())
        .unwrap_or_else(|| t.to_string())
}

/// Splits cleaned text into tokens: apostrophes dropped (DATO' → DATO), slashes split except in
/// A/L-style markers.
fn tokens(cleaned: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in cleaned.split(' ') {
        if raw.contains('/') && !is_marker(raw) {
            out.extend(
                raw.split('/')
                    .map(|p| p.replace('\'', ""))
                    .filter(|p| !p.is_empty()),
            );
        } else {
            let t = raw.replace('\'', "");
            if !t.is_empty() {
                out.push(t);
            }
        }
    }
    out
}

/// How many tokens at the start of `t` are titles.
fn leading_titles(t: &[String]) -> usize {
    let mut i = 0;
    while i < t.len() {
        let w = t[i].as_str();
        if TITLES.contains(&w) || (i > 0 && TITLE_SUFFIXES.contains(&w)) {
            i += 1;
        } else if TITLE_PREFIXES_NEEDING_SUFFIX.contains(&w)
            && t.get(i + 1)
                .is_some_and(|n| TITLE_SUFFIXES.contains(&n.as_str()))
        {
            i += 2;
        } else {
            break;
        }
    }
    i
}

impl Name {
    /// Parses a name as written in any export.
    pub fn parse(raw: &str) -> Name {
        let t = tokens(&clean(raw));
        let mut name = Name::default();
        // Leading titles, but never the whole name.
        let lead = leading_titles(&t).min(t.len().saturating_sub(1));
        name.titles.extend(t[..lead].iter().cloned());
        let rest = &t[lead..];
        let split = rest.iter().enumerate().position(|(j, w)| {
            j > 0 && is_marker(w) && (!WEAK_MARKERS.contains(&w.as_str()) || j + 1 < rest.len())
        });
        let (given, patronym) = match split {
            Some(j) => {
                name.marker = Some(rest[j].clone());
                let p = &rest[j + 1..];
                let lead = leading_titles(p).min(p.len().saturating_sub(1));
                name.titles.extend(p[..lead].iter().cloned());
                (&rest[..j], &p[lead..])
            }
            None => (rest, &rest[rest.len()..]),
        };
        name.given = given.iter().map(|w| canonical(w)).collect();
        name.patronym = patronym.iter().map(|w| canonical(w)).collect();
        name
    }

    pub fn is_empty(&self) -> bool {
        self.given.is_empty() && self.patronym.is_empty()
    }

    /// Given and patronym tokens, in order.
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.given
            .iter()
            .chain(self.patronym.iter())
            .map(|s| s.as_str())
    }

    /// The canonical full key: all tokens in order, space separated.
    pub fn key(&self) -> String {
        self.tokens().collect::<Vec<_>>().join(" ")
    }

    /// The tokens sorted: survives swapped name order (TAN MEI LING / MEI LING TAN).
    pub fn sorted_key(&self) -> String {
        let mut t: Vec<&str> = self.tokens().collect();
        t.sort_unstable();
        t.join(" ")
    }

    /// The key without spaces: survives joined or split syllables (MEI LING / MEILING).
    pub fn compact(&self) -> String {
        self.tokens().collect()
    }

    /// The given part without spaces.
    pub fn given_compact(&self) -> String {
        self.given.concat()
    }

    /// A display form: given, the marker, patronym (titles left out).
    pub fn display(&self) -> String {
        let mut s = self.given.join(" ");
        if !self.patronym.is_empty() {
            if let Some(m) = &self.marker {
                s.push(' ');
                s.push_str(m);
            }
            s.push(' ');
            s.push_str(&self.patronym.join(" "));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> (String, String, String) {
        let n = Name::parse(s);
        (n.given.join(" "), n.patronym.join(" "), n.titles.join(" "))
    }

    #[test]
    fn malay_patronyms_and_variants() {
        let want = (
            "MUHAMMAD HAFIZ".into(),
            "ABDUL RAHMAN".into(),
            String::new(),
        );
        assert_eq!(parts("MOHD HAFIZ B. ABD RAHMAN"), want);
        assert_eq!(parts("Muhammad Hafiz bin Abdul Rahman"), want);
        assert_eq!(parts("MUHD HAFIZ BN ABD. RAHMAN"), want);
        assert_eq!(
            parts("SITI AMINAH BT ALI"),
            ("SITI AMINAH".into(), "ALI".into(), String::new())
        );
    }

    #[test]
    fn titles_are_dropped_at_the_front_and_inside_the_patronym() {
        assert_eq!(
            parts("DATO' SRI HAJI AHMAD BIN TUN ABDUL RAZAK"),
            (
                "AHMAD".into(),
                "ABDUL RAZAK".into(),
                "DATO SRI HAJI TUN".into()
            )
        );
        assert_eq!(
            parts("Tan Sri Lim Kok Wing"),
            ("LIM KOK WING".into(), String::new(), "TAN SRI".into())
        );
        // TAN alone is a surname, not a title.
        assert_eq!(parts("TAN AH KOW").0, "TAN AH KOW");
        // A name is never all titles.
        assert_eq!(parts("PUAN").0, "PUAN");
    }

    #[test]
    fn indian_and_iban_markers() {
        assert_eq!(
            parts("RAJAGOPAL A/L SUBRAMANIAM"),
            ("RAJAGOPAL".into(), "SUBRAMANIAM".into(), String::new())
        );
        assert_eq!(
            parts("KAVITHA AP MUNIANDY"),
            ("KAVITHA".into(), "MUNIANDY".into(), String::new())
        );
        assert_eq!(
            parts("JANANG ANAK NYALAU"),
            ("JANANG".into(), "NYALAU".into(), String::new())
        );
        // A weak marker at the end is a name token.
        assert_eq!(parts("ABDUL AL").0, "ABDUL AL");
    }

    #[test]
    fn keys_survive_order_and_syllable_spacing() {
        let a = Name::parse("TAN MEI-LING");
        let b = Name::parse("Mei Ling Tan");
        let c = Name::parse("TAN MEILING");
        assert_eq!(a.sorted_key(), b.sorted_key());
        assert_eq!(a.compact(), c.compact());
        assert_ne!(a.key(), b.key());
    }

    #[test]
    fn parsing_is_stable_on_its_display_form() {
        for s in [
            "MOHD HAFIZ B. ABD RAHMAN",
            "DATO' SRI HAJI AHMAD BIN TUN ABDUL RAZAK",
            "RAJAGOPAL A/L SUBRAMANIAM",
            "TAN MEI-LING",
            "",
        ] {
            let n = Name::parse(s);
            let again = Name::parse(&n.display());
            assert_eq!(again.key(), n.key(), "{s:?}");
        }
    }
}
