//! Privacy-preserving linkage: a normalised record encoded with a secret the agencies share
//! and the linking unit does not hold (`padan encode`), so that records can be linked without
//! their names, ID numbers or addresses leaving the agency (docs/pprl.md).
//!
//! Reads: a normalised record and its linking form. Writes: `Encoded`, what comparing reads,
//! and a keyed `Linkable`, what blocking and clustering read: every text of the record's
//! linking form replaced by its keyed hash, word by word where blocking reads words, so that
//! `padan run` blocks encoded records by the same rules, on the same keys, as plaintext.
//!
//! - Identifiers (IC, old IC, passport, national id, phone, postcode, household id, sex) and
//!   the name's exact forms are keyed with HMAC-SHA-256 (RFC 2104), 64 bits kept; an identifier
//!   also gives the tags of its one-deletion variants, two of which meet when the identifiers
//!   are one substitution, transposition, insertion or deletion apart (the IC's and other ids'
//!   `one_edit` levels).
//! - The birth date gives the tags of the whole date, the date with day and month swapped, each
//!   two of its three parts, and its year and the years either side.
//! - The name, the given name and the address give Bloom filters of their bigrams (Schnell,
//!   Bachteler and Reiher 2009), each bigram's bits chosen by keyed BLAKE3 with a key of the
//!   field's own; the record's fields together give a record-level filter (cryptographic
//!   long-term key, Schnell et al. 2011), kept in the encoded file for peers that link on it.
//!   Each filter is *balanced* (Schnell and Borgs 2016): the filter and its complement,
//!   permuted by a keyed permutation, so that every encoding has the same number of bits set
//!   and a filter's weight no longer tells a long name from a short one, nor a frequent
//!   bigram's bits from a rare one's by position.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::linkable::Linkable;
use super::NormRecord;

/// Changes with what an encoding holds or how it is made: encodings of another version are
/// refused rather than linked wrongly.
pub const VERSION: u32 = 1;

/// Bits of a field's Bloom filter before balancing (stored as twice as many).
pub const BLOOM_BITS: usize = 512;
const BLOOM_WORDS: usize = 2 * BLOOM_BITS / 64;
/// Bits of the record-level filter before balancing.
pub const RECORD_BLOOM_BITS: usize = 1024;

/// The Bloom-filtered fields, each with its own key, permutation and number of bits per bigram
/// (chosen so that a typical value sets about a third of the bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filtered {
    Name,
    Given,
    Address,
    Dob,
}

impl Filtered {
    const ALL: [Filtered; 4] = [
        Filtered::Name,
        Filtered::Given,
        Filtered::Address,
        Filtered::Dob,
    ];

    fn label(self) -> &'static str {
        match self {
            Filtered::Name => "name",
            Filtered::Given => "given",
            Filtered::Address => "address",
            Filtered::Dob => "dob",
        }
    }

    pub fn hashes(self) -> u64 {
        match self {
            Filtered::Name => 20,
            Filtered::Given => 20,
            Filtered::Address => 10,
            Filtered::Dob => 20,
        }
    }
}

/// A balanced Bloom filter: `BLOOM_BITS` bits and their complements, permuted.
pub type Bloom = [u64; BLOOM_WORDS];

/// The Dice coefficient of two balanced filters (both hold `BLOOM_BITS` bits set): one minus
/// the share of the original filters' bits that differ.
pub fn dice(a: &Bloom, b: &Bloom) -> f64 {
    common(a, b) as f64 / BLOOM_BITS as f64
}

fn common(a: &Bloom, b: &Bloom) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x & y).count_ones()).sum()
}

/// About how many bigrams two values' filters of the field `f` differ by: the original
/// filters' differing bits (`BLOOM_BITS` less the balanced filters' common ones) over the bits
/// a bigram sets. One letter changed in a word is about four; it reads like an edit distance.
pub fn bigrams_apart(f: Filtered, a: &Bloom, b: &Bloom) -> f64 {
    (BLOOM_BITS as u32 - common(a, b)) as f64 / f.hashes() as f64
}

/// The secret's keys: HMAC-SHA-256 keyed with the secret for tags, and per filtered field the
/// bigrams' bit positions (keyed BLAKE3) and a permutation, derived from it.
pub struct Secret {
    mac: Hmac<Sha256>,
    /// Per `Filtered`, for its own filter.
    fields: Vec<Grams>,
    permutations: Vec<Vec<u16>>,
    /// Per `Filtered`, for the record-level filter, and that filter's permutation.
    record_fields: Vec<Grams>,
    record_permutation: Vec<u16>,
}

/// Where a field's bigrams set their bits in a filter of `bits` bits: `k` positions from one
/// keyed BLAKE3 hash of the bigram (double hashing), looked up in a table for the bigrams of
/// printable ASCII, which are nearly all of a normalised record's.
struct Grams {
    key: [u8; 32],
    k: usize,
    bits: usize,
    table: Vec<u16>,
}

/// The printable ASCII characters the tables cover.
const ASCII: std::ops::Range<u8> = 32..127;

impl Grams {
    fn new(key: [u8; 32], k: u64, bits: usize) -> Grams {
        let mut g = Grams {
            key,
            k: k as usize,
            bits,
            table: Vec::new(),
        };
        let n = ASCII.len();
        let mut table = Vec::with_capacity(n * n * g.k);
        for a in ASCII {
            for b in ASCII {
                table.extend(g.hashed(&[a, b]).map(|p| p as u16));
            }
        }
        g.table = table;
        g
    }

    fn hashed(&self, gram: &[u8]) -> impl Iterator<Item = usize> {
        let h = blake3::keyed_hash(&self.key, gram);
        let b = h.as_bytes();
        let h1 = u64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
        let h2 = u64::from_le_bytes(b[8..16].try_into().expect("8 bytes")) | 1;
        let bits = self.bits as u64;
        (0..self.k as u64).map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) % bits) as usize)
    }

    /// Sets the bits of `text`'s bigrams, the text padded with `_` at both ends.
    fn fill(&self, text: &str, bits: &mut [u64]) {
        let mut set = |p: usize| bits[p / 64] |= 1 << (p % 64);
        let mut prev = '_';
        let mut buf = [0u8; 8];
        for c in text.chars().chain(std::iter::once('_')) {
            if prev.is_ascii()
                && c.is_ascii()
                && ASCII.contains(&(prev as u8))
                && ASCII.contains(&(c as u8))
            {
                let n = ASCII.len();
                let i = ((prev as u8 - ASCII.start) as usize * n
                    + (c as u8 - ASCII.start) as usize)
                    * self.k;
                for &p in &self.table[i..i + self.k] {
                    set(p as usize);
                }
            } else {
                let len = prev.encode_utf8(&mut buf).len();
                let len = len + c.encode_utf8(&mut buf[len..]).len();
                for p in self.hashed(&buf[..len]) {
                    set(p);
                }
            }
            prev = c;
        }
    }
}

/// The smallest secret accepted, in bytes: 128 bits.
pub const MIN_SECRET: usize = 16;

/// The tag of a missing value.
const NONE: u64 = 0;

impl Secret {
    /// The keys of a secret (at least `MIN_SECRET` bytes; a secret file's trailing newline
    /// is part of it only if the caller leaves it).
    pub fn new(secret: &[u8]) -> Result<Secret, String> {
        if secret.len() < MIN_SECRET {
            return Err(format!(
                "the secret is {} bytes; at least {MIN_SECRET} random bytes are needed",
                secret.len()
            ));
        }
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
            .map_err(|e| format!("the secret cannot key HMAC-SHA-256: {e}"))?;
        let mut s = Secret {
            mac,
            fields: Vec::new(),
            permutations: Vec::new(),
            record_fields: Vec::new(),
            record_permutation: Vec::new(),
        };
        let order = |s: &Secret, what: &str, bits: usize| {
            permutation(&s.digest("bloom-permutation", what), 2 * bits)
        };
        s.fields = Filtered::ALL
            .iter()
            .map(|f| Grams::new(s.digest("bloom-key", f.label()), f.hashes(), BLOOM_BITS))
            .collect();
        s.permutations = Filtered::ALL
            .iter()
            .map(|f| order(&s, f.label(), BLOOM_BITS))
            .collect();
        s.record_fields = Filtered::ALL
            .iter()
            .map(|f| {
                let key = s.digest("bloom-key", &format!("record-{}", f.label()));
                Grams::new(key, f.hashes() / 2, RECORD_BLOOM_BITS)
            })
            .collect();
        s.record_permutation = order(&s, "record", RECORD_BLOOM_BITS);
        Ok(s)
    }

    /// HMAC-SHA-256 of `domain` and `value`, kept whole.
    fn digest(&self, domain: &str, value: &str) -> [u8; 32] {
        let mut m = self.mac.clone();
        m.update(domain.as_bytes());
        m.update(&[0x1f]);
        m.update(value.as_bytes());
        m.finalize().into_bytes().into()
    }

    /// The tag of `value` in `domain`: its HMAC's first 64 bits (never 0, which means none).
    pub fn tag(&self, domain: &str, value: &str) -> u64 {
        let d = self.digest(domain, value);
        u64::from_le_bytes(d[..8].try_into().expect("8 bytes")).max(1)
    }

    /// What every file encoded with this secret says: files whose check values differ were
    /// encoded with different secrets and cannot link.
    pub fn check_value(&self) -> String {
        format!("{:016x}", self.tag("check", "padan"))
    }

    /// A field's balanced filter of `text`.
    fn bloom(&self, f: Filtered, text: &str) -> Bloom {
        let mut bits = [0u64; BLOOM_BITS / 64];
        self.fields[f as usize].fill(text, &mut bits);
        let mut out = [0u64; BLOOM_WORDS];
        balance(&bits, BLOOM_BITS, &self.permutations[f as usize], &mut out);
        out
    }

    /// The record-level filter of the given fields' texts.
    fn record_bloom(&self, fields: &[(Filtered, &str)]) -> Vec<u64> {
        let mut bits = vec![0u64; RECORD_BLOOM_BITS / 64];
        for &(f, text) in fields {
            self.record_fields[f as usize].fill(text, &mut bits);
        }
        let mut out = vec![0u64; 2 * RECORD_BLOOM_BITS / 64];
        balance(&bits, RECORD_BLOOM_BITS, &self.record_permutation, &mut out);
        out
    }
}

/// `0..n` in the order of each index's keyed BLAKE3 hash: a permutation that depends on the
/// key alone, the same in every version of every dependency.
fn permutation(key: &[u8; 32], n: usize) -> Vec<u16> {
    let mut idx: Vec<(u64, u16)> = (0..n as u16)
        .map(|i| {
            let h = blake3::keyed_hash(key, &i.to_le_bytes());
            (
                u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes")),
                i,
            )
        })
        .collect();
    idx.sort_unstable();
    idx.into_iter().map(|(_, i)| i).collect()
}

/// Sets `out` to the `n` bits of `bits` followed by their complements, bit `j` moved to
/// `perm[j]`: exactly one of a bit and its complement is set.
fn balance(bits: &[u64], n: usize, perm: &[u16], out: &mut [u64]) {
    for j in 0..n {
        let set = bits[j / 64] >> (j % 64) & 1 == 1;
        let p = perm[if set { j } else { n + j }] as usize;
        out[p / 64] |= 1 << (p % 64);
    }
}

/// One-deletion variants an identifier keeps: one per character of the first `VARIANTS`
/// (a MyKad's twelve digits all); an edit further into a longer identifier is not seen.
const VARIANTS: usize = 12;

/// An identifier's tag and the tags of its one-deletion variants, inline: comparing reads
/// them for most pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Id {
    pub tag: u64,
    /// How many of `variants` there are.
    n: u8,
    /// Sorted, distinct.
    variants: [u64; VARIANTS],
}

impl Id {
    fn of(s: &Secret, domain: &str, value: Option<&str>) -> Id {
        let Some(v) = value.filter(|v| !v.is_empty()) else {
            return Id::default();
        };
        let chars: Vec<char> = v.chars().collect();
        let mut variants: Vec<u64> = (0..chars.len().min(VARIANTS))
            .map(|i| {
                let cut: String = chars[..i].iter().chain(&chars[i + 1..]).collect();
                s.tag(domain, &cut)
            })
            .collect();
        variants.sort_unstable();
        variants.dedup();
        Id::from_parts(s.tag(domain, v), &variants)
    }

    fn from_parts(tag: u64, variants: &[u64]) -> Id {
        let mut id = Id {
            tag,
            n: variants.len().min(VARIANTS) as u8,
            ..Default::default()
        };
        id.variants[..id.n as usize].copy_from_slice(&variants[..id.n as usize]);
        id
    }

    fn variants(&self) -> &[u64] {
        &self.variants[..(self.n as usize).min(VARIANTS)]
    }

    pub fn present(&self) -> bool {
        self.tag != NONE
    }

    /// Whether two different identifiers are one edit apart: one's tag among the other's
    /// variants (a deletion or insertion), or a variant in common (a substitution or
    /// transposition, and rarely two edits that meet).
    pub fn one_edit(&self, other: &Id) -> bool {
        let (a, b) = (self.variants(), other.variants());
        if a.binary_search(&other.tag).is_ok() || b.binary_search(&self.tag).is_ok() {
            return true;
        }
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }

    /// The identifier as one text: its tag and its variants' tags, in hex (what clustering's
    /// constraints hold of a valid IC; `ics_conflict` reads it).
    pub fn text(&self) -> String {
        std::iter::once(self.tag)
            .chain(self.variants().iter().copied())
            .map(|t| format!("{t:016x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Whether two identifiers as `Id::text` gives them cannot be one person's: more than one
/// edit apart.
pub fn ics_conflict(a: &str, b: &str) -> bool {
    let parse = |s: &str| -> Id {
        let t: Vec<u64> = s
            .split(' ')
            .map(|h| u64::from_str_radix(h, 16).unwrap_or(0))
            .collect();
        Id::from_parts(t.first().copied().unwrap_or(0), t.get(1..).unwrap_or(&[]))
    };
    let (x, y) = (parse(a), parse(b));
    x.tag != y.tag && !x.one_edit(&y)
}

/// A field's balanced Bloom filter, inline, or none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    present: bool,
    bits: Bloom,
}

impl Filter {
    pub fn get(&self) -> Option<&Bloom> {
        self.present.then_some(&self.bits)
    }
}

/// What comparing an encoded record reads: tags (0: missing) and balanced Bloom filters, in one
/// piece of memory (the other ids, which few records have, apart).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Encoded {
    /// The name's key, compact form, sorted key, sound keys and given name without spaces.
    pub name: [u64; 7],
    /// The birth date, day and month swapped, year-month, year-day, month-day, and the years
    /// before, of and after it.
    pub dob: [u64; 8],
    pub sex: u64,
    pub postcode: u64,
    pub phone: u64,
    pub household_id: u64,
    /// The address without its spaces.
    pub address_compact: u64,
    pub has_patronym: bool,
    pub initials: bool,
    pub ic_valid: bool,
    pub ic: Id,
    /// The old IC, passport and national id, when the record has one of them.
    pub other_ids: Option<Box<[Id; 3]>>,
    pub name_bloom: Filter,
    pub given_bloom: Filter,
    pub address_bloom: Filter,
}

/// Where `Encoded::name`'s tags are.
pub mod name_tag {
    pub const KEY: usize = 0;
    pub const COMPACT: usize = 1;
    pub const SORTED: usize = 2;
    pub const PHONETIC: usize = 3;
    pub const KHMER: usize = 4;
    pub const INITIALS: usize = 5;
    pub const GIVEN: usize = 6;
}

/// Where `Encoded::dob`'s tags are.
pub mod dob_tag {
    pub const DATE: usize = 0;
    pub const SWAPPED: usize = 1;
    pub const YEAR_MONTH: usize = 2;
    pub const YEAR_DAY: usize = 3;
    pub const MONTH_DAY: usize = 4;
    pub const YEAR_BEFORE: usize = 5;
    pub const YEAR: usize = 6;
    pub const YEAR_AFTER: usize = 7;
}

/// A record encoded: what comparing reads, what blocking reads, and the record-level filter.
pub struct Encoding {
    pub encoded: Encoded,
    pub linkable: Linkable,
    pub record_bloom: Vec<u64>,
}

/// Encodes a normalised record (`link`: its linking form).
pub fn encode(s: &Secret, r: &NormRecord, link: &Linkable) -> Encoding {
    use chrono::Datelike;
    let text = |domain: &str, v: &str| if v.is_empty() { NONE } else { s.tag(domain, v) };
    let opt = |domain: &str, v: Option<&str>| v.map_or(NONE, |v| text(domain, v));
    let name = [
        text("name-key", &r.key),
        text("name-compact", &r.compact),
        text("name-sorted", &r.sorted_key),
        text("name-phonetic", &r.phonetic),
        text("name-khmer", &r.khmer_key),
        opt("name-initials", r.initials_key.as_deref()),
        text("name-given", &r.given_compact),
    ];
    let bloom = |f: Filtered, v: &str| Filter {
        present: !v.is_empty(),
        bits: if v.is_empty() {
            [0; BLOOM_WORDS]
        } else {
            s.bloom(f, v)
        },
    };
    let dob = r.dob.map_or([NONE; 8], |d| {
        let (y, m, dd) = (d.year(), d.month(), d.day());
        [
            s.tag("dob", &format!("{y}-{m}-{dd}")),
            s.tag("dob", &format!("{y}-{dd}-{m}")),
            s.tag("dob-ym", &format!("{y}-{m}")),
            s.tag("dob-yd", &format!("{y}-{dd}")),
            s.tag("dob-md", &format!("{m}-{dd}")),
            s.tag("dob-year", &(y - 1).to_string()),
            s.tag("dob-year", &y.to_string()),
            s.tag("dob-year", &(y + 1).to_string()),
        ]
    });
    let dob_text = r.dob.map(|d| d.to_string()).unwrap_or_default();
    let address = r.address.as_deref().unwrap_or("");
    let address_compact: String = address.chars().filter(|&c| c != ' ').collect();
    let encoded = Encoded {
        name,
        has_patronym: !r.name.patronym.is_empty(),
        initials: r.name.initials,
        name_bloom: bloom(Filtered::Name, &r.compact),
        given_bloom: bloom(Filtered::Given, &r.given_compact),
        ic: Id::of(s, "ic", r.ic.as_ref().map(|i| i.digits.as_str())),
        ic_valid: r.ic.as_ref().is_some_and(|i| i.valid),
        other_ids: Some([
            Id::of(s, "old_ic", r.old_ic().as_deref()),
            Id::of(s, "passport", r.passport().as_deref()),
            Id::of(s, "national_id", r.national_id().as_deref()),
        ])
        .filter(|ids| ids.iter().any(Id::present))
        .map(Box::new),
        dob,
        sex: opt("sex", r.sex.map(|x| x.code())),
        postcode: opt("postcode", r.postcode.as_deref()),
        phone: opt("phone", r.phone.as_deref()),
        household_id: opt("household_id", r.household_id().as_deref()),
        address_compact: text("address-compact", &address_compact),
        address_bloom: bloom(Filtered::Address, address),
    };
    let record_bloom = s.record_bloom(&[
        (Filtered::Name, &r.compact),
        (Filtered::Address, address),
        (Filtered::Dob, &dob_text),
    ]);
    let linkable = link.keyed(&|part, v| format!("{:016x}", s.tag(part, v)));
    Encoding {
        encoded,
        linkable,
        record_bloom,
    }
}

/// Every encoded record's forms, decoded from its bytes (`ingest::encoded`) in parallel: the
/// keyed linking form blocking reads, and what comparing reads. Bytes that do not decode are
/// an error naming the record's source and row.
pub fn forms(
    ing: &crate::ingest::Ingested,
    bytes: &crate::ingest::encoded::Encodings,
) -> crate::Result<(Vec<Linkable>, Vec<Encoded>)> {
    use rayon::prelude::*;
    let damaged = std::sync::atomic::AtomicUsize::new(usize::MAX);
    let (links, encoded): (Vec<Linkable>, Vec<Encoded>) = (0..bytes.len())
        .into_par_iter()
        .map(|i| match from_bytes(bytes.get(i)) {
            Some((e, l)) => (l, e),
            None => {
                damaged.fetch_min(i, std::sync::atomic::Ordering::Relaxed);
                (Linkable::default(), Encoded::default())
            }
        })
        .unzip();
    let i = damaged.into_inner();
    if i != usize::MAX {
        let r = &ing.records[i];
        return Err(crate::Error::Run(format!(
            "source `{}`, row {}, column `encoding`: the encoding does not decode (a damaged file?); encode the export again",
            ing.sources[r.source as usize].name, r.row
        )));
    }
    Ok((links, encoded))
}

/// The bytes of an encoded record as the encoded file holds them (bincode, integers whole).
pub fn to_bytes(e: &Encoded, l: &Linkable) -> Vec<u8> {
    bincode::serde::encode_to_vec((e, l), bytes_config())
        .expect("encoding into memory does not fail")
}

/// An encoded record from its bytes (`to_bytes`); `None` when they do not decode.
pub fn from_bytes(bytes: &[u8]) -> Option<(Encoded, Linkable)> {
    let (forms, used): ((Encoded, Linkable), usize) =
        bincode::serde::decode_from_slice(bytes, bytes_config()).ok()?;
    (used == bytes.len() && forms.1.parts_in_order()).then_some(forms)
}

fn bytes_config() -> impl bincode::config::Config {
    bincode::config::standard()
        .with_fixed_int_encoding()
        .with_limit::<65536>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(b: u8) -> Secret {
        Secret::new(&[b; 32]).unwrap()
    }

    #[test]
    fn filters_are_balanced_and_alike_names_are_alike() {
        let s = secret(7);
        let a = s.bloom(Filtered::Name, "KHOOWAIKHENG");
        let b = s.bloom(Filtered::Name, "KHOOWAIKHEG");
        let c = s.bloom(Filtered::Name, "SITIAMINAHBINTIABDULLAH");
        for f in [&a, &b, &c] {
            let set: u32 = f.iter().map(|w| w.count_ones()).sum();
            assert_eq!(
                set as usize, BLOOM_BITS,
                "every filter has half its bits set"
            );
        }
        assert_eq!(dice(&a, &a), 1.0);
        assert!(dice(&a, &b) > 0.85, "{}", dice(&a, &b));
        assert!(dice(&a, &c) < 0.75, "{}", dice(&a, &c));
        // Another secret: the same name gives an unrelated filter.
        let other = secret(8).bloom(Filtered::Name, "KHOOWAIKHENG");
        assert!(dice(&a, &other) < 0.75, "{}", dice(&a, &other));
    }

    #[test]
    fn identifiers_one_edit_apart_share_a_variant_and_others_do_not() {
        let s = secret(1);
        let id = |v: &str| Id::of(&s, "ic", Some(v));
        let a = id("850312145567");
        assert!(a.one_edit(&id("850312145568")), "a substitution");
        assert!(a.one_edit(&id("850312145576")), "a transposition");
        assert!(a.one_edit(&id("85031214567")), "a deletion");
        assert!(!a.one_edit(&id("850312149999")));
        assert_ne!(a.tag, Id::of(&secret(2), "ic", Some("850312145567")).tag);
        assert!(!Id::of(&s, "ic", None).present());
    }
}
