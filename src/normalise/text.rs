//! Text clean-up shared by every normaliser: Unicode NFKC, case, accents, punctuation, spaces.
//!
//! ASCII input (the common case) takes a byte-level path that gives exactly what the Unicode
//! path would; everything else goes through NFKC, upper-casing, NFD to fold Latin accents, and
//! NFC again.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Characters that are removed without leaving a space: zero-width spaces and joiners, the
/// word joiner, the byte-order mark, the soft hyphen, the Mongolian vowel separator and the
/// invisible operators.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'
            | '\u{200C}'
            | '\u{200D}'
            | '\u{2060}'
            | '\u{2061}'
            | '\u{2062}'
            | '\u{2063}'
            | '\u{2064}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{180E}'
    )
}

/// Apostrophe look-alikes: curly quotes, the modifier letter apostrophe, primes, backtick,
/// acute accent.
fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{2032}' | '`' | '\u{00B4}'
    )
}

#[derive(Clone, Copy)]
struct Opts {
    /// Keep apostrophes as `'` (else drop them, joining the letters around them).
    apostrophe: bool,
    /// Keep `@` as a token of its own (name aliases: `ALI @ MAT`).
    at: bool,
}

fn clean_with(s: &str, o: Opts) -> String {
    let mut out = String::with_capacity(s.len());
    if s.is_ascii() {
        let mut pending_space = false;
        for &b in s.as_bytes() {
            let c = match b {
                b'a'..=b'z' => b - 32,
                b'A'..=b'Z' | b'0'..=b'9' | b'/' => b,
                b'\'' | b'`' if o.apostrophe => b'\'',
                b'\'' | b'`' => continue,
                b'@' if o.at => {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push('@');
                    pending_space = true;
                    continue;
                }
                _ => {
                    pending_space = true;
                    continue;
                }
            };
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c as char);
        }
        return out;
    }
    let mut pending_space = false;
    // Whether the last character written is a non-ASCII letter or mark, with nothing between.
    let mut after_non_ascii = false;
    for c in s.nfkc().flat_map(|c| c.to_uppercase()).nfd() {
        if is_invisible(c) {
            continue;
        }
        // Accents on Latin letters fold away; marks of other scripts (Khmer vowels) stay with
        // their letter. A mark with no letter before it is dropped.
        if is_combining_mark(c) {
            if after_non_ascii && !pending_space {
                out.push(c);
            }
            continue;
        }
        if is_apostrophe(c) {
            if !o.apostrophe {
                continue;
            }
        } else if c == '@' && o.at {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push('@');
            pending_space = true;
            continue;
        }
        let c = if is_apostrophe(c) { '\'' } else { c };
        if c.is_alphanumeric() || c == '\'' || c == '/' {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
            after_non_ascii = !c.is_ascii();
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

/// Upper-cases, applies NFKC (full-width letters and digits become ASCII), folds accents
/// (É → E), drops zero-width characters and soft hyphens, turns curly quotes into `'`, turns
/// every other non-alphanumeric character except `'` and `/` into a space, and collapses
/// spaces. Idempotent.
pub fn clean(s: &str) -> String {
    clean_with(
        s,
        Opts {
            apostrophe: true,
            at: false,
        },
    )
}

/// `clean` for names: apostrophes are removed (DATO' = DATO’ = DATO, MA'ROF = MAROF) and `@`
/// (an alias: `LIM AH KOW @ LIM KOK WAH`) stays as a word of its own.
pub fn clean_name(s: &str) -> String {
    clean_with(
        s,
        Opts {
            apostrophe: false,
            at: true,
        },
    )
}

/// The ASCII digit a character stands for: ASCII, full-width (after NFKC) and Khmer digits.
fn digit_of(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '\u{17E0}'..='\u{17E9}' => char::from_digit(c as u32 - 0x17E0, 10),
        _ => None,
    }
}

/// Keeps only the digits, as ASCII (after NFKC, so full-width digits count; Khmer digits too).
pub fn digits(s: &str) -> String {
    if s.is_ascii() {
        return s
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(char::from)
            .collect();
    }
    s.nfkc().filter_map(digit_of).collect()
}

/// Keeps only ASCII letters and digits, upper-cased (after NFKC; Khmer digits become ASCII).
pub fn alnum_upper(s: &str) -> String {
    s.nfkc()
        .filter_map(|c| digit_of(c).or(c.is_ascii_alphabetic().then_some(c)))
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
        assert_eq!(clean("NUR\u{00AD}UL"), "NURUL");
        assert_eq!(clean("--"), "");
        assert_eq!(clean("a\u{202F}b"), "A B");
    }

    #[test]
    fn ascii_and_unicode_paths_agree() {
        for s in [
            "Dato' Sri Haji Ahmad",
            "a/l b`c",
            "  x--y  ",
            "@ali",
            "12-03-1985",
        ] {
            let forced = format!("{s}\u{200B}");
            assert_eq!(clean(s), clean(&forced), "{s:?}");
            assert_eq!(clean_name(s), clean_name(&forced), "{s:?}");
        }
    }

    #[test]
    fn clean_name_drops_apostrophes_and_keeps_at() {
        assert_eq!(clean_name("DATO’ MOHD"), "DATO MOHD");
        assert_eq!(clean_name("Dato' Mohd"), "DATO MOHD");
        assert_eq!(clean_name("ali@mat"), "ALI @ MAT");
        assert_eq!(clean_name("ali @ mat"), "ALI @ MAT");
        assert_eq!(clean_name("ＤＡＴＯ＇ ＡＬＩ"), "DATO ALI");
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
    fn digits_reads_full_width_and_khmer() {
        assert_eq!(digits("８５0312-14-5567"), "850312145567");
        assert_eq!(digits("០១២"), "012");
        assert_eq!(alnum_upper("a-１២"), "A12");
    }
}
