//! Phonetic keys for names: one suited to Malay and Arabic-derived spellings, one to romanised
//! (or Khmer-script) Khmer names. Both are rewrite rules in data files
//! (`data/phonetic_malay.tsv`, `data/phonetic_khmer.tsv`), applied token by token.
//!
//! A phonetic key is weak evidence for the comparator, never an identity: it deliberately
//! merges spellings that may be different names (HASSAN/HASAN), which is why the canonical key
//! keeps them apart.

use super::tables::{KHMER_SCRIPT, PHONETIC_KHMER, PHONETIC_MALAY};

/// The Malay phonetic form of one upper-case token (AISYAH, AISHAH → AISA; YAACOB, YAAKUB,
/// YAKOB → YAKUB; HASSAN, HASAN → HASAN).
pub fn malay_token(token: &str, out: &mut String) {
    PHONETIC_MALAY.apply(token, out);
}

/// The Malay phonetic key of tokens, in order, space separated.
pub fn malay<'a>(tokens: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for t in tokens {
        if !out.is_empty() {
            out.push(' ');
        }
        malay_token(t, &mut out);
    }
    out
}

fn is_khmer(c: char) -> bool {
    ('\u{1780}'..='\u{17FF}').contains(&c) || ('\u{19E0}'..='\u{19FF}').contains(&c)
}

/// Khmer script to an approximate Latin spelling (`data/khmer_script.tsv`); other characters
/// are kept.
pub fn khmer_romanise(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    for c in token.chars() {
        match KHMER_SCRIPT.get(&c) {
            Some(s) => out.push_str(s),
            None if is_khmer(c) => {}
            None => out.push(c),
        }
    }
    out
}

/// The Khmer-aware key of one token (SOK, SOKH → SOK; CHAN, CHANN → CAN; SREY, SREI → SRI).
pub fn khmer_token(token: &str, out: &mut String) {
    if token.chars().any(is_khmer) {
        let latin = khmer_romanise(token);
        if !latin.is_empty() {
            PHONETIC_KHMER.apply(&latin, out);
        }
    } else {
        PHONETIC_KHMER.apply(token, out);
    }
}

/// The Khmer-aware key of tokens: each token's key, sorted (Khmer names are written surname
/// first or last), space separated.
pub fn khmer<'a>(tokens: impl Iterator<Item = &'a str>) -> String {
    let mut keys: Vec<String> = tokens
        .map(|t| {
            let mut s = String::new();
            khmer_token(t, &mut s);
            s
        })
        .filter(|s| !s.is_empty())
        .collect();
    keys.sort_unstable();
    keys.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> String {
        malay(s.split(' '))
    }

    fn k(s: &str) -> String {
        khmer(s.split(' '))
    }

    #[test]
    fn malay_spelling_variation_shares_a_key() {
        for group in [
            &["AISYAH", "AISHAH"][..],
            &["YAACOB", "YAAKUB", "YAKOB", "YACOB"],
            &["HASSAN", "HASAN"],
            &["YUSOF", "YUSUF", "YUSOFF", "YUSSOF"],
            &["ISMAIL", "ISMAEL"],
            &["HUSSEIN", "HUSSAIN"],
            &["SULAIMAN", "SULEIMAN"],
            &["FATIMAH", "FATIMA"],
            &["KHADIJAH", "KADIJAH"],
            &["ZULKIFLI", "ZULKIFLY"],
            &["RAHIM", "RAHEEM"],
            &["NOORDIN", "NURDIN"],
            &["SHAMSUDDIN", "SYAMSUDIN"],
            &["OSMAN", "USMAN"],
        ] {
            let keys: Vec<String> = group.iter().map(|s| m(s)).collect();
            assert!(keys.windows(2).all(|w| w[0] == w[1]), "{group:?}: {keys:?}");
        }
    }

    #[test]
    fn malay_key_keeps_different_names_apart() {
        for (a, b) in [
            ("ALI", "ALIAS"),
            ("TAN", "CHAN"),
            ("TAN", "CHIN"),
            ("AMINAH", "AMINAN"),
            ("WONG", "ONG"),
        ] {
            assert_ne!(m(a), m(b), "{a} {b}");
        }
    }

    #[test]
    fn khmer_romanisation_variants_share_a_key() {
        for group in [
            &["SOK", "SOKH"][..],
            &["CHAN", "CHANN"],
            &["SREY", "SREI"],
            &["SOPHEAP", "SOPHEAB", "SOPHIEP"],
            &["KHIEV", "KIEV"],
            &["SOK CHANN", "CHAN SOKH"],
            &["CHHUN", "CHUN"],
            &["THIDA", "TIDA"],
            &["PHALLA", "PALA"],
            &["BOR", "BO"],
        ] {
            let keys: Vec<String> = group.iter().map(|s| k(s)).collect();
            assert!(keys.windows(2).all(|w| w[0] == w[1]), "{group:?}: {keys:?}");
        }
        assert_ne!(k("SOK"), k("SAK"));
    }

    #[test]
    fn khmer_script_meets_its_romanised_form() {
        assert_eq!(k("សុខ"), k("SOK"));
        assert_eq!(k("ចាន់"), k("CHAN"));
        assert_eq!(k("ស្រី"), k("SREY"));
    }
}
