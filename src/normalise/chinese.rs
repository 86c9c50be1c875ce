//! Malaysian Chinese names: surname, generation and given syllables, an English or Muslim name
//! in front (docs/domain.md, names).
//!
//! A name is read as Chinese when a known surname (`data/chinese_surnames.tsv`) is followed by
//! one to three romanised syllables (`data/chinese_syllables.tsv`), or — written Western
//! style — preceded by two or three. The given syllables are joined into one token for the keys
//! (CHOO KHENG / CHOOKHENG / CHOO-KHENG → CHOOKHENG), a joined token being recognised by
//! splitting it into known syllables. Words in front of the surname (MICHELLE, ABDULLAH) are the
//! person's other name: kept in the name, and reported so that the comparator can try without
//! them. Dialect spellings of one surname (TAN, CHAN, CHIN for 陈) are never given one key —
//! one person's IC spelling is fixed, and NG or WONG each stand for two surnames — but
//! `dialect_related` tells the comparator they may be the same character, a weak similarity.

use super::tables::{CHINESE_SURNAMES, CHINESE_TWO_WORD_SURNAMES, LEXICON};

/// Whether a word is a romanised Chinese syllable (or a surname, which is one too).
pub fn is_syllable(w: &str) -> bool {
    LEXICON
        .get(w)
        .is_some_and(|e| e.chinese_syllable || e.chinese_surname.is_some())
}

/// Whether a word is a Chinese surname spelling.
pub fn is_surname(w: &str) -> bool {
    LEXICON.get(w).is_some_and(|e| e.chinese_surname.is_some())
}

/// Whether a word is made of 2 or 3 known syllables joined (CHOOKHENG, MEILING).
pub fn is_joined_syllables(w: &str) -> bool {
    fn split(w: &str, parts: usize) -> bool {
        if w.is_empty() {
            return parts >= 2;
        }
        if parts == 3 {
            return false;
        }
        (2..=w.len().min(6))
            .rev()
            .any(|n| w.is_char_boundary(n) && is_syllable(&w[..n]) && split(&w[n..], parts + 1))
    }
    w.len() >= 4 && w.len() <= 16 && w.is_ascii() && split(w, 0)
}

/// The characters a surname spelling can stand for.
pub fn surname_characters(spelling: &str) -> &'static [&'static str] {
    CHINESE_SURNAMES.get(spelling).map_or(&[], |v| v.as_slice())
}

/// Whether two surname spellings may write the same Chinese surname in different dialects
/// (TAN/CHAN, LIM/LAM, NG/WONG): a weak similarity only, never the same key. A spelling is not
/// "related" to itself: that is equality.
pub fn dialect_related(a: &str, b: &str) -> bool {
    a != b && {
        let (x, y) = (surname_characters(a), surname_characters(b));
        x.iter().any(|c| y.contains(c))
    }
}

/// A Chinese reading of a name's tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chinese {
    /// Tokens before the surname: an English or Muslim name.
    pub other: Vec<String>,
    /// The surname (two-word surnames joined: AUYONG).
    pub surname: String,
    /// The given syllables joined into one token.
    pub given: String,
}

impl Chinese {
    /// The tokens in canonical order: other name, surname, joined given name.
    pub fn tokens(&self) -> Vec<String> {
        let mut v = self.other.clone();
        v.push(self.surname.clone());
        v.push(self.given.clone());
        v
    }
}

/// The surname at `i`: (spelling, words used).
fn surname_at(t: &[&str], i: usize) -> Option<(String, usize)> {
    if let (Some(a), Some(b)) = (t.get(i), t.get(i + 1)) {
        if CHINESE_TWO_WORD_SURNAMES.contains(&(*a, *b)) {
            return Some((format!("{a}{b}"), 2));
        }
    }
    let w = t.get(i)?;
    (is_surname(w) || CHINESE_SURNAMES.contains_key(*w)).then(|| (w.to_string(), 1))
}

/// Whether a run of tokens is a Chinese given name: one to three syllables, or one joined
/// token, in at most three syllables overall.
fn given_run(g: &[&str]) -> bool {
    match g.len() {
        1 => is_syllable(g[0]) || is_joined_syllables(g[0]),
        2 | 3 => g.iter().all(|w| is_syllable(w)),
        _ => false,
    }
}

/// Reads tokens as a Chinese name, if they are one.
pub fn read(t: &[&str]) -> Option<Chinese> {
    if t.len() < 2 {
        return None;
    }
    // Surname first, after an optional other name of non-syllable words.
    for i in 0..t.len() - 1 {
        if i > 0 && is_syllable(t[i - 1]) {
            // An other name is made of non-Chinese words only.
            break;
        }
        if let Some((surname, n)) = surname_at(t, i) {
            let g = &t[i + n..];
            if !g.is_empty() && given_run(g) {
                return Some(Chinese {
                    other: t[..i].iter().map(|s| s.to_string()).collect(),
                    surname,
                    given: g.concat(),
                });
            }
        }
    }
    // Western order: two or three syllables, then the surname.
    let last = t[t.len() - 1];
    let g = &t[..t.len() - 1];
    if (2..=3).contains(&g.len())
        && is_surname(last)
        && !is_surname(g[0])
        && g.iter().all(|w| is_syllable(w))
    {
        return Some(Chinese {
            other: Vec::new(),
            surname: last.to_string(),
            given: g.concat(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Option<Chinese> {
        let t: Vec<&str> = s.split(' ').collect();
        read(&t)
    }

    #[test]
    fn spaced_joined_and_hyphenated_syllables_read_alike() {
        let a = r("YEOH CHOO KHENG").unwrap();
        assert_eq!(a.surname, "YEOH");
        assert_eq!(a.given, "CHOOKHENG");
        assert_eq!(r("YEOH CHOOKHENG").unwrap(), a);
        let m = r("MICHELLE YEOH CHOO KHENG").unwrap();
        assert_eq!(m.other, ["MICHELLE"]);
        assert_eq!(m.given, "CHOOKHENG");
        let w = r("MEI LING TAN").unwrap();
        assert_eq!((w.surname.as_str(), w.given.as_str()), ("TAN", "MEILING"));
        let ab = r("ABDULLAH TAN YEW LEONG").unwrap();
        assert_eq!(ab.other, ["ABDULLAH"]);
        assert_eq!(r("AU YONG MEI LING").unwrap().surname, "AUYONG");
    }

    #[test]
    fn other_names_are_not_chinese() {
        assert_eq!(r("SITI AMINAH"), None);
        assert_eq!(r("DAVID LEE"), None);
        assert_eq!(r("CHAN SOKHA"), None);
        assert_eq!(r("AHMAD"), None);
    }

    #[test]
    fn dialect_spellings_are_related_but_not_equal() {
        assert!(dialect_related("TAN", "CHAN"));
        assert!(dialect_related("NG", "WONG"));
        assert!(dialect_related("NG", "GOH"));
        assert!(!dialect_related("TAN", "TAN"));
        assert!(!dialect_related("TAN", "LIM"));
        assert!(!dialect_related("ALI", "ABU"));
    }
}
