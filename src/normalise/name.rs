//! Personal names: titles set aside, the patronym split off, spelling variants unified, keys
//! for blocking and comparison (docs/domain.md, names).
//!
//! `NAMA BIN BAPA`, `NAMA A/L BAPA`, `NAMA ANAK BAPA` become `given` and `patronym` parts, with
//! every spelling of the markers (`data/patronym_markers.tsv`: B., BN, BT, BTE, BINTE, AL, AP,
//! S/O, D/O, AK…). Honorifics (`data/titles.tsv`: HAJI, DATO', TAN SRI, DR…) go to `titles`, at
//! the front of the name and of the patronym (`BIN TUN ABDUL RAZAK`), and the unambiguous ones
//! wherever they stand. Hereditary prefixes (`data/hereditary.tsv`: SYED, WAN, NIK, TENGKU…)
//! stay in the name with one spelling each. Variant spellings (`data/name_variants.tsv`:
//! MOHD/MUHAMMAD, ABD/ABDUL, NOOR/NUR…) become one canonical token. An alias after `@` is kept
//! apart. Indian short forms put the father's initial first (`S. RAJAGOPAL`): the initials
//! become the patronym, so `initials_key` meets `RAJAGOPAL A/L SUBRAMANIAM`. Chinese names have
//! their given syllables joined and a Western-order surname put first (module `chinese`).
//!
//! Keys: `key` (canonical, in order), `sorted_key` (survives swapped order), `compact` and
//! `given_compact` (survive split or joined syllables), `phonetic` (Malay spelling variation),
//! `khmer_key` (Khmer romanisation variants, order-free), `initials_key`, and `alt_keys` (the
//! name without an English name in front, an alias, a caste name). The tables, not this code,
//! hold the domain knowledge.

use serde::{Deserialize, Serialize};

use super::chinese;
use super::phonetic;
use super::tables::{Word, LEXICON};
use super::text::clean_name;
use super::{Sex, Text};

/// A name's words: one pointer wide, with nothing allocated while empty (most names have no
/// titles, aliases or family names).
pub type Words = thin_vec::ThinVec<Text>;

/// The lexicon entries of a run of tokens.
type Infos<'a> = Vec<Option<&'a Word>>;

/// The naming tradition a name shows, as far as its markers and words tell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    /// BIN / BINTI.
    Malay,
    /// A/L, A/P, S/O, D/O.
    Indian,
    /// ANAK (Iban and other peoples of Sabah and Sarawak).
    Native,
    /// A surname and romanised syllables.
    Chinese,
    /// Written in Khmer script.
    Khmer,
    #[default]
    Unknown,
}

/// A parsed name. Every token is upper-case ASCII or another script's letters, never empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name {
    /// The person's own name tokens (canonical variants).
    pub given: Words,
    /// The father's name tokens, after BIN/BINTI/A/L/ANAK… (canonical variants); or the
    /// father's initials of an Indian short form (`S. RAJAGOPAL`).
    pub patronym: Words,
    /// The marker that introduced the patronym, as written (`BIN`, `B`, `A/L`…).
    pub marker: Option<Text>,
    /// Honorifics removed from the name, each as its words (`DATO SRI`, `HAJI`).
    pub titles: Words,
    /// Hereditary prefixes present in the name (canonical spelling; they stay in the name).
    pub hereditary: Words,
    /// The alias after `@`, as tokens (not part of the keys; see `alt_keys`).
    pub alias: Words,
    /// An English or Muslim name in front of a Chinese name (also in `given`).
    pub other: Words,
    /// The surname of a Chinese name (also in `given`).
    pub surname: Option<Text>,
    /// Indian caste or family names present (also in the name; see `alt_keys`).
    pub family: Words,
    /// The patronym holds only the father's initials (Indian short form).
    pub initials: bool,
    /// Those initials were written after the name (RAJAGOPAL S.), not before.
    pub initials_last: bool,
    pub kind: NameKind,
}

/// The two-word spellings of markers, written without their slash (`A L`, `S O`).
const SPLIT_MARKERS: &[(&str, &str, &str)] = &[
    ("A", "L", "A/L"),
    ("A", "P", "A/P"),
    ("S", "O", "S/O"),
    ("D", "O", "D/O"),
];

fn marker_of(w: Option<&Word>) -> Option<super::tables::Marker> {
    w.and_then(|w| w.marker)
}

/// Splits cleaned text into tokens: slashes split words except in A/L-style markers.
fn tokens(cleaned: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::with_capacity(8);
    for raw in cleaned.split(' ') {
        if raw.contains('/') && marker_of(LEXICON.get(raw)).is_none() {
            out.extend(raw.split('/').filter(|p| !p.is_empty()));
        } else if !raw.is_empty() {
            out.push(raw);
        }
    }
    out
}

/// `A L` written for `A/L`: read as the marker only between two name parts and before any
/// other strong marker.
fn merge_split_markers(out: &mut Vec<&str>) {
    let mut i = 1;
    while i + 2 < out.len() {
        if marker_of(LEXICON.get(out[i])).is_some_and(|m| m.strong) {
            break;
        }
        if let Some((_, _, m)) = SPLIT_MARKERS
            .iter()
            .find(|(a, b, _)| out[i] == *a && out[i + 1] == *b)
        {
            out[i] = m;
            out.remove(i + 1);
        }
        i += 1;
    }
}

/// The title spans in `t` (start, words): leading titles of any kind, then titles that may
/// stand anywhere. A part is never made of titles only: the last span is then given back.
fn title_spans(t: &[&str], info: &[Option<&Word>]) -> Vec<(usize, usize)> {
    use super::tables::TitleWhere;
    let mut spans = Vec::new();
    let mut i = 0;
    let mut leading = true;
    while i < t.len() {
        let hit = info[i].and_then(|w| {
            w.titles.iter().find(|tt| {
                (leading || tt.at == TitleWhere::Any)
                    && tt.words.len() <= t.len() - i
                    && tt.words.iter().zip(&t[i..]).all(|(a, b)| a == b)
            })
        });
        match hit {
            Some(tt) => {
                spans.push((i, tt.words.len()));
                i += tt.words.len();
            }
            None => {
                leading = false;
                i += 1;
            }
        }
    }
    let covered: usize = spans.iter().map(|s| s.1).sum();
    if covered == t.len() {
        spans.pop();
    }
    spans
}

/// A part of a name (given or patronym) with its titles taken out: the name tokens with their
/// index in `t`. Repeated until no title is left, since taking one out can make the words
/// around it a title (TOH DATO PUAN → TOH PUAN).
fn strip_titles<'a>(
    t: &[&'a str],
    info: &[Option<&Word>],
    titles: &mut Words,
) -> Vec<(&'a str, usize)> {
    let mut cur: Vec<(&'a str, usize)> = t.iter().copied().zip(0..).collect();
    loop {
        let toks: Vec<&str> = cur.iter().map(|x| x.0).collect();
        let inf: Vec<Option<&Word>> = cur.iter().map(|x| info[x.1]).collect();
        let spans = title_spans(&toks, &inf);
        if spans.is_empty() {
            return cur;
        }
        let mut out = Vec::with_capacity(cur.len());
        let mut s = spans.iter().peekable();
        let mut i = 0;
        while i < cur.len() {
            if let Some(&&(start, n)) = s.peek() {
                if start == i {
                    titles.push(toks[i..i + n].join(" ").into());
                    i += n;
                    s.next();
                    continue;
                }
            }
            out.push(cur[i]);
            i += 1;
        }
        cur = out;
    }
}

/// A token's canonical spelling, noting hereditary prefixes and family names.
fn canonical(t: &str, w: Option<&Word>, name: &mut Name) -> Text {
    match w {
        Some(w) => {
            if let Some(h) = w.hereditary {
                if !name.hereditary.iter().any(|x| x == h) {
                    name.hereditary.push(h.into());
                }
                return h.into();
            }
            if w.family {
                name.family.push(t.into());
            }
            w.variant_of.unwrap_or(t).into()
        }
        None => t.into(),
    }
}

/// The unambiguous spelling of a marker's meaning.
fn strong_spelling(m: super::tables::Marker) -> &'static str {
    match (m.kind, m.male) {
        ("malay", Some(false)) => "BINTI",
        ("malay", _) => "BIN",
        ("indian", Some(false)) => "A/P",
        ("indian", _) => "A/L",
        _ => "ANAK",
    }
}

fn is_initial(t: &str) -> bool {
    t.len() == 1 && t.as_bytes()[0].is_ascii_alphabetic()
}

impl Name {
    /// Parses a name as written in any export.
    pub fn parse(raw: &str) -> Name {
        let cleaned = clean_name(raw);
        let all = tokens(&cleaned);
        let mut name = Name::default();

        // The alias after `@` runs to the next strong marker or the end.
        let (mut main, mut alias): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
        let mut in_alias = false;
        for &t in &all {
            if t == "@" {
                in_alias = true;
                continue;
            }
            if in_alias && marker_of(LEXICON.get(t)).is_some_and(|m| m.strong) {
                in_alias = false;
            }
            if in_alias {
                alias.push(t);
            } else {
                main.push(t);
            }
        }
        if main.is_empty() {
            std::mem::swap(&mut main, &mut alias);
        }
        merge_split_markers(&mut main);
        let info: Vec<Option<&Word>> = main.iter().map(|t| LEXICON.get(*t)).collect();

        // The patronymic marker: the first strong one after the first word; else a weak one
        // between two name parts.
        let n = main.len();
        let strong = (1..n).find(|&j| marker_of(info[j]).is_some_and(|m| m.strong));
        let split = strong.or_else(|| {
            (1..n.saturating_sub(1)).find(|&j| {
                marker_of(info[j]).is_some_and(|m| !m.strong)
                    && marker_of(info[j + 1]).is_none()
                    && marker_of(info[j - 1]).is_none()
                    && !is_initial(main[j + 1])
                    && !is_initial(main[j - 1])
            })
        });
        let (g, gi, p, pi): (&[&str], &[Option<&Word>], Vec<&str>, Infos) = match split {
            Some(j) => {
                name.marker = Some(main[j].into());
                name.kind = match marker_of(info[j]).map(|m| m.kind) {
                    Some("malay") => NameKind::Malay,
                    Some("indian") => NameKind::Indian,
                    Some("native") => NameKind::Native,
                    _ => NameKind::Unknown,
                };
                // Further strong markers (a grandfather's) are dropped from the patronym.
                let (p, pi): (Vec<&str>, Vec<Option<&Word>>) = main[j + 1..]
                    .iter()
                    .zip(&info[j + 1..])
                    .filter(|(_, w)| !marker_of(**w).is_some_and(|m| m.strong))
                    .map(|(t, w)| (*t, *w))
                    .unzip();
                (&main[..j], &info[..j], p, pi)
            }
            None => (&main[..], &info[..], Vec::new(), Vec::new()),
        };

        let given = strip_titles(g, gi, &mut name.titles);
        let patronym = strip_titles(&p, &pi, &mut name.titles);
        name.given = given
            .iter()
            .map(|&(t, i)| canonical(t, gi[i], &mut name))
            .collect();
        name.patronym = patronym
            .iter()
            .map(|&(t, i)| canonical(t, pi[i], &mut name))
            .collect();

        if name.marker.is_none() {
            name.read_short_forms();
        }
        if name.kind == NameKind::Unknown
            && cleaned
                .chars()
                .any(|c| ('\u{1780}'..='\u{17FF}').contains(&c))
        {
            name.kind = NameKind::Khmer;
        }
        if !alias.is_empty() {
            name.alias = alias
                .iter()
                .map(|t| canonical(t, LEXICON.get(*t), &mut Name::default()))
                .collect();
        }
        name
    }

    /// Names without a marker: an Indian short form (initials first or last) or a Chinese name.
    fn read_short_forms(&mut self) {
        let g = &self.given;
        // A marker word left in the name (BIN at the front) rules the short form out: moving
        // initials around it would make it a marker.
        if g.iter()
            .any(|t| marker_of(LEXICON.get(t.as_str())).is_some())
        {
            return self.read_chinese();
        }
        let lead = g.iter().take_while(|t| is_initial(t)).count();
        let trail = g.iter().rev().take_while(|t| is_initial(t)).count();
        // Initials on one side only: the rest is a name of full words.
        let inner = g.iter().filter(|t| is_initial(t)).count();
        if (1..=3).contains(&lead) && lead < g.len() && inner == lead {
            self.patronym = g[..lead].iter().cloned().collect();
            self.given.drain(..lead);
            self.initials = true;
            return;
        }
        if (1..=3).contains(&trail) && trail < g.len() && inner == trail {
            let at = g.len() - trail;
            self.patronym = g[at..].iter().cloned().collect();
            self.given.truncate(at);
            self.initials = true;
            self.initials_last = true;
            return;
        }
        self.read_chinese();
    }

    fn read_chinese(&mut self) {
        let t: Vec<&str> = self.given.iter().map(Text::as_str).collect();
        if let Some(c) = chinese::read(&t) {
            self.kind = NameKind::Chinese;
            self.given = c.tokens().into_iter().map(Text::from).collect();
            self.surname = Some(c.surname.into());
            self.other = c.other.into_iter().map(Text::from).collect();
        }
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
        let mut s = String::with_capacity(32);
        for t in self.tokens() {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(t);
        }
        s
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

    /// The Malay phonetic key, in order (AISYAH/AISHAH, YAACOB/YAKOB, HASSAN/HASAN agree).
    pub fn phonetic(&self) -> String {
        phonetic::malay(self.tokens())
    }

    /// The Khmer-aware phonetic key, order-free (SOK CHANN / CHAN SOKH agree).
    pub fn khmer_key(&self) -> String {
        phonetic::khmer(self.tokens())
    }

    /// The Indian short form: the father's initial, then the given name (`S RAJAGOPAL`), for
    /// `RAJAGOPAL A/L SUBRAMANIAM` and `S. RAJAGOPAL` alike. `None` without a patronym.
    pub fn initials_key(&self) -> Option<String> {
        // Of several initials (K. S. RAJAGOPAL) the father's is the last.
        let father = if self.initials {
            self.patronym.last()?
        } else {
            self.patronym.first()?
        };
        let first = father.chars().next()?;
        if self.given.is_empty() {
            return None;
        }
        Some(format!("{first} {}", self.given.join(" ")))
    }

    /// Other keys the same person's name may have: without an English or Muslim name in front
    /// of a Chinese name, the alias (with the patronym), without caste names. Never `key`.
    pub fn alt_keys(&self) -> Vec<String> {
        let mut v = Vec::new();
        let join = |it: &mut dyn Iterator<Item = &str>| it.collect::<Vec<_>>().join(" ");
        if !self.other.is_empty() {
            let n = self.other.len();
            v.push(join(&mut self.tokens().skip(n)));
        }
        if !self.alias.is_empty() {
            let a = Name::parse(&self.alias.join(" "));
            v.push(join(
                &mut a.tokens().chain(self.patronym.iter().map(Text::as_str)),
            ));
        }
        if !self.family.is_empty() {
            v.push(join(
                &mut self
                    .tokens()
                    .filter(|t| !self.family.iter().any(|f| f == t)),
            ));
        }
        let key = self.key();
        v.retain(|k| !k.is_empty() && *k != key);
        v.dedup();
        v
    }

    /// The sex the marker states (BIN, A/L: male; BINTI, A/P: female).
    pub fn marker_sex(&self) -> Option<Sex> {
        let m = marker_of(LEXICON.get(self.marker.as_deref()?))?;
        m.male
            .map(|male| if male { Sex::Male } else { Sex::Female })
    }

    /// A display form: given, the marker, patronym (titles and alias left out). Parsing it
    /// again gives the same name.
    pub fn display(&self) -> String {
        if self.initials {
            // Initials where the short form wrote them (S RAJAGOPAL, RAJAGOPAL S).
            let (g, p) = (self.given.join(" "), self.patronym.join(" "));
            return if self.initials_last {
                format!("{g} {p}")
            } else {
                format!("{p} {g}")
            };
        }
        let mut s = self.given.join(" ");
        if let Some(m) = &self.marker {
            // The marker in its unambiguous spelling (B → BIN, AK → ANAK), so that it is read
            // as a marker again wherever it stands.
            s.push(' ');
            match marker_of(LEXICON.get(m.as_str())) {
                Some(k) => s.push_str(strong_spelling(k)),
                None => s.push_str(m),
            }
        }
        if !self.patronym.is_empty() {
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
            ("LIM KOKWING".into(), String::new(), "TAN SRI".into())
        );
        // TAN alone is a surname, not a title.
        assert_eq!(parts("TAN AH KOW").0, "TAN AHKOW");
        // A name is never all titles.
        assert_eq!(parts("PUAN").0, "PUAN");
        // Unambiguous titles go wherever they stand.
        assert_eq!(parts("AHMAD HJ ABU").0, "AHMAD ABU");
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
        let s = Name::parse("S. RAJAGOPAL");
        assert_eq!(
            s.initials_key(),
            Name::parse("RAJAGOPAL A/L SUBRAMANIAM").initials_key()
        );
        assert!(s.initials);
    }

    #[test]
    fn keys_survive_order_and_syllable_spacing() {
        let a = Name::parse("TAN MEI-LING");
        let b = Name::parse("Mei Ling Tan");
        let c = Name::parse("TAN MEILING");
        assert_eq!(a.key(), b.key());
        assert_eq!(a.sorted_key(), b.sorted_key());
        assert_eq!(a.compact(), c.compact());
        assert_eq!(a.key(), c.key());
    }

    #[test]
    fn parsing_is_stable_on_its_display_form() {
        for s in [
            "MOHD HAFIZ B. ABD RAHMAN",
            "DATO' SRI HAJI AHMAD BIN TUN ABDUL RAZAK",
            "RAJAGOPAL A/L SUBRAMANIAM",
            "TAN MEI-LING",
            "S. RAJAGOPAL",
            "MICHELLE YEOH CHOO KHENG",
            "",
        ] {
            let n = Name::parse(s);
            let again = Name::parse(&n.display());
            assert_eq!(again.key(), n.key(), "{s:?}");
        }
    }
}
