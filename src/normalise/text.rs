//! Text clean-up shared by every normaliser: Unicode NFKC, case, accents, punctuation, spaces.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Upper-cases, applies NFKC (full-width letters and digits become ASCII), folds accents
/// (É → E), turns curly quotes into `'`, turns every other non-alphanumeric character except
/// `'` and `/` into a space, and collapses spaces. Idempotent.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut last_ascii = false;
    for c in s.nfkc().flat_map(|c| c.to_uppercase()).nfd() {
        // Accents on Latin letters fold away; marks of other scripts (Khmer vowels) stay.
        if is_combining_mark(c) && last_ascii {
            continue;
        }
        if matches!(
            c,
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
        ) {
            continue;
        }
        last_ascii = c.is_ascii();
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`' | '\u{00B4}' => '\'',
            c => c,
        };
        if c.is_alphanumeric() || c == '\'' || c == '/' || is_combining_mark(c) {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else {
            pending_space = true;
        }
    }
    // NFD split letters (e.g. Hangul) are recomposed so the output stays NFC-stable.
    if out.is_ascii() {
        out
    } else {
        out.nfc().collect()
    }
}

/// Keeps only the ASCII digits (after NFKC, so full-width digits count).
pub fn digits(s: &str) -> String {
    s.nfkc().filter(|c| c.is_ascii_digit()).collect()
}

/// Keeps only ASCII letters and digits, upper-cased (after NFKC).
pub fn alnum_upper(s: &str) -> String {
    s.nfkc()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_folds_case_accents_width_and_punctuation() {
        assert_eq!(clean("  René   d’Souza "), "RENE D'SOUZA");
        assert_eq!(clean("ＡＨＭＡＤ\u{00A0}bin\tali"), "AHMAD BIN ALI");
        assert_eq!(clean("Raju a/l Muthu"), "RAJU A/L MUTHU");
        assert_eq!(clean("TAN, Mei-Ling."), "TAN MEI LING");
        assert_eq!(clean(""), "");
        assert_eq!(clean("NUR\u{200B}ul"), "NURUL");
        assert_eq!(clean("--"), "");
    }

    #[test]
    fn clean_is_idempotent_on_tricky_input() {
        for s in [
            "René",
            "Ｚ１２",
            "dato’ seri",
            "ស៊ុន ចាន់",
            "陈美玲",
            "a\u{200B}b",
            "ß",
        ] {
            let once = clean(s);
            assert_eq!(clean(&once), once, "{s:?}");
        }
    }

    #[test]
    fn digits_reads_full_width() {
        assert_eq!(digits("８５0312-14-5567"), "850312145567");
    }
}
