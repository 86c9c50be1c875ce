//! Domain knowledge as data: the tables the normalisers read (sources in docs/domain.md).
//!
//! Each table is a tab-separated file under `src/normalise/data/`, compiled into the binary with
//! `include_str!` and parsed once, on first use. Lines starting with `#` are comments; a data
//! officer extends a table by adding a line, never by editing code. The tests at the end check
//! the tables' invariants (a canonical spelling is never itself a variant, every place-of-birth
//! code from 00 to 99 is listed once, …).

use std::sync::LazyLock;

use ahash::{AHashMap, AHashSet};

/// The non-comment, non-blank lines of a table, split on tabs.
pub fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect())
}

/// The whitespace-separated words of a word-list table (comments skipped).
fn words(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(str::split_whitespace)
}

pub const PB_CODES_TSV: &str = include_str!("data/pb_codes.tsv");
pub const STATES_TSV: &str = include_str!("data/states.tsv");
pub const STATE_SUFFIXES_TSV: &str = include_str!("data/state_suffixes.tsv");
pub const POSTCODE_RANGES_TSV: &str = include_str!("data/postcode_ranges.tsv");
pub const ADDRESS_ABBREVIATIONS_TSV: &str = include_str!("data/address_abbreviations.tsv");
pub const MONTHS_TSV: &str = include_str!("data/months.tsv");
pub const SEX_TSV: &str = include_str!("data/sex.tsv");
pub const TITLES_TSV: &str = include_str!("data/titles.tsv");
pub const PATRONYM_MARKERS_TSV: &str = include_str!("data/patronym_markers.tsv");
pub const HEREDITARY_TSV: &str = include_str!("data/hereditary.tsv");
pub const NAME_VARIANTS_TSV: &str = include_str!("data/name_variants.tsv");
pub const FAMILY_NAMES_TSV: &str = include_str!("data/family_names.tsv");
pub const CHINESE_SURNAMES_TSV: &str = include_str!("data/chinese_surnames.tsv");
pub const CHINESE_SYLLABLES_TSV: &str = include_str!("data/chinese_syllables.tsv");
pub const PHONETIC_MALAY_TSV: &str = include_str!("data/phonetic_malay.tsv");
pub const PHONETIC_KHMER_TSV: &str = include_str!("data/phonetic_khmer.tsv");
pub const PHONE_PREFIXES_TSV: &str = include_str!("data/phone_prefixes.tsv");
pub const ID_SHAPES_TSV: &str = include_str!("data/id_shapes.tsv");
pub const KHMER_SCRIPT_TSV: &str = include_str!("data/khmer_script.tsv");

/// What a place-of-birth code stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PbKind {
    State,
    Foreign,
    Unknown,
    Unassigned,
}

/// Place-of-birth codes 00–99: kind and place (state or country).
pub static PB_CODES: LazyLock<[(PbKind, &'static str); 100]> = LazyLock::new(|| {
    let mut t = [(PbKind::Unassigned, ""); 100];
    for r in rows(PB_CODES_TSV) {
        let code: usize = r[0].parse().expect("pb_codes.tsv: code");
        let kind = match r[1] {
            "state" => PbKind::State,
            "foreign" => PbKind::Foreign,
            "unknown" => PbKind::Unknown,
            "unassigned" => PbKind::Unassigned,
            k => panic!("pb_codes.tsv: unknown kind {k}"),
        };
        t[code] = (kind, r.get(2).copied().unwrap_or(""));
    }
    t
});

/// State spellings (several words) → canonical state name.
pub static STATES: LazyLock<AHashMap<&'static str, &'static str>> =
    LazyLock::new(|| rows(STATES_TSV).map(|r| (r[0], r[1])).collect());

/// The longest state spelling, in words.
pub static STATE_MAX_WORDS: LazyLock<usize> = LazyLock::new(|| {
    STATES
        .keys()
        .map(|k| k.split(' ').count())
        .max()
        .unwrap_or(1)
});

/// Honorific suffixes of state names (`DARUL MAKMUR`), apostrophes removed.
pub static STATE_SUFFIXES: LazyLock<Vec<String>> = LazyLock::new(|| {
    rows(STATE_SUFFIXES_TSV)
        .map(|r| r[0].replace('\'', ""))
        .collect()
});

/// Canonical state → (lowest, highest) postcode in use.
pub static POSTCODE_RANGES: LazyLock<AHashMap<&'static str, (u32, u32)>> = LazyLock::new(|| {
    rows(POSTCODE_RANGES_TSV)
        .map(|r| {
            let n = |s: &str| s.parse::<u32>().expect("postcode_ranges.tsv: number");
            (r[0], (n(r[1]), n(r[2])))
        })
        .collect()
});

/// Address abbreviations → expansions.
pub static ADDRESS_ABBREVIATIONS: LazyLock<AHashMap<&'static str, &'static str>> =
    LazyLock::new(|| {
        rows(ADDRESS_ABBREVIATIONS_TSV)
            .map(|r| (r[0], r[1]))
            .collect()
    });

/// Month names → month number.
pub static MONTHS: LazyLock<AHashMap<&'static str, u32>> = LazyLock::new(|| {
    rows(MONTHS_TSV)
        .map(|r| (r[0], r[1].parse().expect("months.tsv: month")))
        .collect()
});

/// Sex spellings → `true` for male, `false` for female.
pub static SEX: LazyLock<AHashMap<&'static str, bool>> = LazyLock::new(|| {
    rows(SEX_TSV)
        .map(|r| {
            let male = match r[1] {
                "M" => true,
                "F" => false,
                s => panic!("sex.tsv: {s}"),
            };
            (r[0], male)
        })
        .collect()
});

/// Where a title may stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TitleWhere {
    /// Only at the start of the name or of the patronym.
    Lead,
    /// Anywhere.
    Any,
}

/// A title, as its words.
#[derive(Clone, Debug)]
pub struct Title {
    pub words: Vec<&'static str>,
    pub at: TitleWhere,
}

/// A patronymic marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marker {
    pub strong: bool,
    /// `Some(true)` son, `Some(false)` daughter, `None` child.
    pub male: Option<bool>,
    pub kind: &'static str,
}

/// Everything the name parser knows about one word, found with one hash lookup.
#[derive(Clone, Debug, Default)]
pub struct Word {
    /// Titles starting with this word, longest first.
    pub titles: Vec<Title>,
    pub marker: Option<Marker>,
    /// A hereditary prefix (canonical spelling).
    pub hereditary: Option<&'static str>,
    /// The canonical spelling of a name variant.
    pub variant_of: Option<&'static str>,
    /// An Indian caste or family name.
    pub family: bool,
    /// A Chinese surname spelling (its characters), or part of a two-word one.
    pub chinese_surname: Option<&'static str>,
    /// A romanised Chinese syllable.
    pub chinese_syllable: bool,
}

/// The name lexicon: every word any name table mentions.
pub static LEXICON: LazyLock<AHashMap<&'static str, Word>> = LazyLock::new(|| {
    let mut m: AHashMap<&'static str, Word> = AHashMap::new();
    for r in rows(TITLES_TSV) {
        let words: Vec<&'static str> = r[0].split(' ').collect();
        let at = match r[1] {
            "lead" => TitleWhere::Lead,
            "any" => TitleWhere::Any,
            w => panic!("titles.tsv: where {w}"),
        };
        let e = m.entry(words[0]).or_default();
        if !e.titles.iter().any(|t| t.words == words) {
            e.titles.push(Title { words, at });
        }
    }
    for e in m.values_mut() {
        e.titles.sort_by_key(|t| std::cmp::Reverse(t.words.len()));
    }
    for r in rows(PATRONYM_MARKERS_TSV) {
        m.entry(r[0]).or_default().marker = Some(Marker {
            strong: r[1] == "strong",
            male: match r[2] {
                "M" => Some(true),
                "F" => Some(false),
                _ => None,
            },
            kind: r[3],
        });
    }
    for r in rows(HEREDITARY_TSV) {
        m.entry(r[0]).or_default().hereditary = Some(r[1]);
    }
    for r in rows(NAME_VARIANTS_TSV) {
        m.entry(r[0]).or_default().variant_of = Some(r[1]);
    }
    for w in words(FAMILY_NAMES_TSV) {
        m.entry(w).or_default().family = true;
    }
    for r in rows(CHINESE_SURNAMES_TSV) {
        // Two-word surnames (AU YONG) are found by their first word; the parser joins them.
        let first = r[0].split(' ').next().unwrap_or(r[0]);
        let e = m.entry(first).or_default();
        if !r[0].contains(' ') {
            e.chinese_surname = Some(r[1]);
        }
    }
    for w in words(CHINESE_SYLLABLES_TSV) {
        m.entry(w).or_default().chinese_syllable = true;
    }
    m
});

/// Chinese surname spellings (one or two words) → the characters they can stand for, merged
/// over duplicate lines.
pub static CHINESE_SURNAMES: LazyLock<AHashMap<String, Vec<&'static str>>> = LazyLock::new(|| {
    let mut m: AHashMap<String, Vec<&'static str>> = AHashMap::new();
    for r in rows(CHINESE_SURNAMES_TSV) {
        let e = m.entry(r[0].replace(' ', "")).or_default();
        for c in r[1].split(',') {
            if !e.contains(&c) {
                e.push(c);
            }
        }
    }
    m
});

/// Two-word Chinese surnames, as pairs of words (AU YONG, SEE TOH).
pub static CHINESE_TWO_WORD_SURNAMES: LazyLock<AHashSet<(&'static str, &'static str)>> =
    LazyLock::new(|| {
        rows(CHINESE_SURNAMES_TSV)
            .filter_map(|r| r[0].split_once(' '))
            .collect()
    });

/// A compiled set of rewrite rules (phonetic keys).
#[derive(Debug)]
pub struct Rules {
    /// Rules by the first byte of their pattern, longest pattern first.
    by_first: Vec<Vec<Rule>>,
}

#[derive(Debug)]
pub struct Rule {
    pub pattern: &'static [u8],
    pub replacement: &'static [u8],
    pub at_start: bool,
    /// Never at the start of the token (`~` in the table).
    pub not_start: bool,
    pub at_end: bool,
}

impl Rules {
    pub fn parse(text: &'static str) -> Rules {
        let mut by_first: Vec<Vec<Rule>> = (0..256).map(|_| Vec::new()).collect();
        for r in rows(text) {
            let mut p = r[0];
            let not_start = p.starts_with('~');
            if not_start {
                p = &p[1..];
            }
            let at_start = p.starts_with('^');
            if at_start {
                p = &p[1..];
            }
            let at_end = p.ends_with('$');
            if at_end {
                p = &p[..p.len() - 1];
            }
            let rule = Rule {
                pattern: p.as_bytes(),
                replacement: r.get(1).copied().unwrap_or("").as_bytes(),
                at_start,
                not_start,
                at_end,
            };
            by_first[rule.pattern[0] as usize].push(rule);
        }
        for v in &mut by_first {
            v.sort_by_key(|r| std::cmp::Reverse(r.pattern.len()));
        }
        Rules { by_first }
    }

    /// Rewrites one ASCII upper-case token, appending to `out`, then collapses doubled
    /// letters. Non-ASCII tokens are copied unchanged.
    pub fn apply(&self, token: &str, out: &mut String) {
        if !token.is_ascii() {
            out.push_str(token);
            return;
        }
        let b = token.as_bytes();
        let start = out.len();
        let mut last = 0u8;
        let mut push = |c: u8, out: &mut String| {
            if c != last || c.is_ascii_digit() {
                out.push(c as char);
            }
            last = c;
        };
        let mut i = 0;
        while i < b.len() {
            let hit = self.by_first[b[i] as usize].iter().find(|r| {
                b[i..].starts_with(r.pattern)
                    && (!r.at_start || i == 0)
                    && (!r.not_start || i > 0)
                    && (!r.at_end || i + r.pattern.len() == b.len())
            });
            match hit {
                Some(r) => {
                    for &c in r.replacement {
                        push(c, out);
                    }
                    i += r.pattern.len();
                }
                None => {
                    push(b[i], out);
                    i += 1;
                }
            }
        }
        if out.len() == start {
            // A token that rewrites to nothing (a lone H) keeps its first letter.
            out.push(b[0] as char);
        }
    }
}

pub static PHONETIC_MALAY: LazyLock<Rules> = LazyLock::new(|| Rules::parse(PHONETIC_MALAY_TSV));
pub static PHONETIC_KHMER: LazyLock<Rules> = LazyLock::new(|| Rules::parse(PHONETIC_KHMER_TSV));

/// A Malaysian number range by the first digits of its national significant number.
#[derive(Clone, Copy, Debug)]
pub struct PhonePrefix {
    pub prefix: &'static str,
    pub kind: &'static str,
    pub min_len: usize,
    pub max_len: usize,
}

/// Phone prefixes, longest first.
pub static PHONE_PREFIXES: LazyLock<Vec<PhonePrefix>> = LazyLock::new(|| {
    let mut v: Vec<PhonePrefix> = rows(PHONE_PREFIXES_TSV)
        .map(|r| {
            let n = |s: &str| s.parse::<usize>().expect("phone_prefixes.tsv: length");
            PhonePrefix {
                prefix: r[0],
                kind: r[1],
                min_len: n(r[2]),
                max_len: n(r[3]),
            }
        })
        .collect();
    v.sort_by_key(|p| std::cmp::Reverse(p.prefix.len()));
    v
});

/// The shape of a non-MyKad identifier: letters, then digits.
#[derive(Clone, Copy, Debug)]
pub struct IdShape {
    /// Literal letter prefix; `?` stands for any one letter.
    pub prefix: &'static str,
    pub min_digits: usize,
    pub max_digits: usize,
    pub kind: &'static str,
}

/// Identifier shapes, tried in order.
pub static ID_SHAPES: LazyLock<Vec<IdShape>> = LazyLock::new(|| {
    rows(ID_SHAPES_TSV)
        .map(|r| {
            let n = |s: &str| s.parse::<usize>().expect("id_shapes.tsv: digits");
            IdShape {
                prefix: if r[0] == "-" { "" } else { r[0] },
                min_digits: n(r[1]),
                max_digits: n(r[2]),
                kind: r[3],
            }
        })
        .collect()
});

/// Khmer script characters → an approximate Latin transliteration.
pub static KHMER_SCRIPT: LazyLock<AHashMap<char, &'static str>> = LazyLock::new(|| {
    rows(KHMER_SCRIPT_TSV)
        .map(|r| {
            let c = r[0].chars().next().expect("khmer_script.tsv: character");
            (c, r.get(1).copied().unwrap_or(""))
        })
        .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_of_birth_code_is_listed_once() {
        let mut seen = [false; 100];
        for r in rows(PB_CODES_TSV) {
            let c: usize = r[0].parse().unwrap();
            assert!(!seen[c], "code {c} listed twice");
            seen[c] = true;
        }
        assert!(seen.iter().all(|s| *s));
        // The unassigned codes (python-stdnum's `my/bp.dat`; docs/domain.md, place-of-birth codes).
        let unassigned: Vec<usize> = (0..100)
            .filter(|&c| PB_CODES[c].0 == PbKind::Unassigned)
            .collect();
        assert_eq!(
            unassigned,
            [0, 17, 18, 19, 20, 69, 70, 73, 80, 81, 94, 95, 96, 97]
        );
        // Every state code names a state of states.tsv.
        for (k, p) in PB_CODES.iter() {
            if *k == PbKind::State {
                assert!(STATES.values().any(|s| s == p), "{p}");
                assert!(POSTCODE_RANGES.contains_key(p), "{p}");
            }
        }
    }

    #[test]
    fn canonical_spellings_are_fixed_points() {
        for (w, e) in LEXICON.iter() {
            if let Some(c) = e.variant_of {
                let ce = LEXICON.get(c);
                assert!(
                    ce.is_none_or(|ce| ce.variant_of.is_none_or(|x| x == c)),
                    "{w} -> {c}, itself a variant"
                );
                assert!(
                    ce.is_none_or(|ce| ce.titles.is_empty() && ce.marker.is_none()),
                    "{c} is a title or marker"
                );
            }
            if let Some(c) = e.hereditary {
                assert_eq!(LEXICON[c].hereditary, Some(c), "{w} -> {c}");
            }
        }
        for v in STATES.values() {
            assert_eq!(STATES.get(v), Some(v), "{v} is not its own spelling");
        }
    }

    #[test]
    fn rules_rewrite_longest_first_and_collapse_doubles() {
        let mut s = String::new();
        PHONETIC_MALAY.apply("YAACOB", &mut s);
        assert_eq!(s, "YAKUB");
        s.clear();
        PHONETIC_MALAY.apply("H", &mut s);
        assert_eq!(s, "H");
    }
}
