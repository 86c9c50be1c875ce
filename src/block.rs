//! Block: which pairs of records are worth comparing.
//!
//! Reads: normalised records. Writes: candidate pairs `(i, j)` with `i < j`, each once however
//! many rules propose it, sorted; per-rule counts; and the blocks that were too large to compare
//! in full.
//!
//! Invariant: the number of candidate pairs grows linearly with the number of records, whatever
//! the block sizes. A block of at most `max_block_size` records is compared in full. A larger
//! block (MUHAMMAD in a big postcode, a common name) is sorted in a rule-specific order that puts
//! likely matches side by side (by name for most rules, by birth date for the name rules) and
//! each record is compared with the next `window` records only (half as many in the postcode
//! rules' blocks, `Reach`): the sorted-neighbourhood method
//! (Hernández & Stolfo, 1995). Such blocks are counted per rule and the largest are reported
//! (rule, size, a masked key) so that `summary.json` says what was not compared in full.

use ahash::AHashMap;
use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

use crate::comparison::Kind;
use crate::field::Field;
use crate::mask;
use crate::normalise::linkable::prefix;
use crate::normalise::Linkable;

/// A record's keys under one rule, written into one buffer (no allocation per key).
#[derive(Default)]
pub struct Keys {
    buf: String,
    ends: Vec<usize>,
}

impl Keys {
    fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
    }

    /// Adds the key `parts` joined by `|`.
    fn add(&mut self, parts: &[&str]) {
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                self.buf.push('|');
            }
            self.buf.push_str(p);
        }
        self.ends.push(self.buf.len());
    }

    /// Adds the key `write` appends to the buffer.
    fn add_with(&mut self, write: impl FnOnce(&mut String)) {
        write(&mut self.buf);
        self.ends.push(self.buf.len());
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(s, &e)| &self.buf[s..e])
    }
}

/// What a rule's keys may depend on beyond the record: how common each name token is.
pub struct Context {
    token_counts: AHashMap<u64, u32>,
}

impl Context {
    pub fn new(recs: &[Linkable]) -> Context {
        let token_counts = recs
            .par_iter()
            .fold(AHashMap::new, |mut m: AHashMap<u64, u32>, r| {
                for t in r.tokens() {
                    *m.entry(xxh3_64(t.as_bytes())).or_default() += 1;
                }
                m
            })
            .reduce(AHashMap::new, |a, b| {
                let (mut a, b) = if a.len() < b.len() { (b, a) } else { (a, b) };
                for (k, v) in b {
                    *a.entry(k).or_default() += v;
                }
                a
            });
        Context { token_counts }
    }

    /// Every name token's hash and count, for a context made elsewhere (`from_counts`).
    pub fn counts(&self) -> Vec<(u64, u32)> {
        let mut c: Vec<(u64, u32)> = self.token_counts.iter().map(|(&k, &v)| (k, v)).collect();
        c.sort_unstable();
        c
    }

    pub fn from_counts(counts: Vec<(u64, u32)>) -> Context {
        Context {
            token_counts: counts.into_iter().collect(),
        }
    }

    fn count(&self, token: &str) -> u32 {
        self.token_counts
            .get(&xxh3_64(token.as_bytes()))
            .copied()
            .unwrap_or(0)
    }
}

/// The order a large block is sorted in before records are compared with their neighbours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// By the name, tokens sorted: variants of one name sit together.
    Name,
    /// By birth date, then name: a common name's holders, each beside those born near them.
    Dob,
    /// By address, then name: one household or one street together.
    Address,
    /// By the name read backwards: variants that differ in their first letters together.
    NameBackwards,
}

impl Order {
    /// Where `r` sorts in a large block.
    pub fn key(self, r: &Linkable) -> u64 {
        match self {
            Order::Name => prefix(r.sorted_key(), 8),
            Order::Dob => {
                // Days since 1 January of year 1 fit in 24 bits; no date sorts last.
                let days = r.dob.map_or(0xFF_FFFF, |d| {
                    use chrono::Datelike;
                    d.num_days_from_ce().clamp(0, 0xFF_FFFE) as u64
                });
                (days << 40) | prefix(r.sorted_key(), 5)
            }
            Order::NameBackwards => {
                let b = r.compact().as_bytes();
                (0..8).fold(0u64, |v, i| {
                    (v << 8) | b.len().checked_sub(i + 1).map_or(0, |k| b[k]) as u64
                })
            }
            Order::Address => (r.address_order << 16) | prefix(r.sorted_key(), 2),
        }
    }
}

/// A blocking rule: a name and the keys it gives a record (records sharing a key are compared).
pub struct Rule {
    pub name: &'static str,
    pub keys: fn(&Linkable, &Context, &mut Keys),
    /// How a block too large to compare in full is ordered: each order gives each record its
    /// `window` neighbours.
    pub orders: &'static [Order],
    /// Comparisons this rule's pairs agree on by construction, or nearly (a household shares
    /// its postcode, address and phone): a model estimated from its pairs must not learn
    /// their m from them.
    pub uses: &'static [Kind],
    /// The comparison whose values the rule's keys are: a large block's key is masked as that
    /// comparison's values are (`None`: shown whole).
    pub masked_as: Option<Kind>,
    /// How many neighbours a record meets in each order of a large block.
    pub reach: Reach,
}

/// How far a record looks in a block too large to compare in full, in each of its rule's
/// orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The `window` of `[block]`.
    Window,
    /// Half of it, rounded up. The postcode rules' large blocks are a whole postcode area or a
    /// common name token in one, where a record's farther neighbours share little more than the
    /// postcode and the start of a name or an address: they find almost no matches, yet would
    /// be a large share of all candidate pairs.
    HalfWindow,
}

impl Reach {
    /// The neighbours a record meets under `window`.
    pub fn of(self, window: usize) -> usize {
        match self {
            Reach::Window => window,
            Reach::HalfWindow => window.div_ceil(2),
        }
    }
}

/// Names the blocking rules and how far they reach in large blocks, for the link state's
/// fingerprint: a run must not reuse pairs an earlier padan chose under other rules. Change
/// it with `RULES`.
pub const RULES_REVISION: u32 = 2;

fn ic_keys(r: &Linkable, _: &Context, out: &mut Keys) {
    if let Some(d) = r.ic().filter(|d| d.len() >= 6) {
        out.add(&[d]);
    }
}

fn other_id_keys(r: &Linkable, _: &Context, out: &mut Keys) {
    // Each key names its field first: ids are compared field by field (`score::compare`), and
    // `masked_key` masks what follows the name.
    for (field, v) in [
        (Field::OldIc, r.old_ic()),
        (Field::Passport, r.passport()),
        (Field::NationalId, r.national_id()),
    ] {
        if let Some(v) = v.filter(|v| v.len() >= 5) {
            out.buf.push_str(field.name());
            out.buf.push(':');
            out.add(&[v]);
        }
    }
}

/// A record's few words (name tokens, sound codes), kept without a heap allocation.
pub type Words<T> = smallvec::SmallVec<[T; 16]>;

fn postcode_token_keys(r: &Linkable, cx: &Context, out: &mut Keys) {
    let Some(pc) = r.postcode() else { return };
    let mut toks: Words<(u32, &str)> = r
        .tokens()
        .filter(|t| t.len() >= 2)
        .map(|t| (cx.count(t), t))
        .collect();
    toks.sort_unstable();
    toks.dedup_by(|a, b| a.1 == b.1);
    for (_, t) in toks.into_iter().take(2) {
        out.add(&[pc, t]);
    }
}

fn dob_keys(r: &Linkable, _: &Context, out: &mut Keys) {
    if let Some(d) = r.dob {
        out.add_with(|buf| write_date(buf, d));
    }
}

/// Appends `d` as its `Display` writes it (`2026-11-26`), without the formatting machinery
/// for years 0 to 9999 (a birth date is formatted for every record that has one, so the
/// machinery's overhead counts).
fn write_date(buf: &mut String, d: chrono::NaiveDate) {
    use chrono::Datelike;
    let y = d.year();
    if !(0..=9999).contains(&y) {
        use std::fmt::Write;
        let _ = write!(buf, "{d}");
        return;
    }
    let digits = |buf: &mut String, v: u32, n: u32| {
        for k in (0..n).rev() {
            buf.push(char::from(b'0' + (v / 10u32.pow(k) % 10) as u8));
        }
    };
    digits(buf, y as u32, 4);
    buf.push('-');
    digits(buf, d.month(), 2);
    buf.push('-');
    digits(buf, d.day(), 2);
}

fn postcode_keys(r: &Linkable, _: &Context, out: &mut Keys) {
    if let Some(p) = r.postcode() {
        out.add(&[p]);
    }
}

fn phone_keys(r: &Linkable, _: &Context, out: &mut Keys) {
    if let Some(p) = r.phone() {
        out.add(&[p]);
    }
}

fn phonetic_keys(r: &Linkable, _: &Context, out: &mut Keys) {
    if r.tokens().nth(1).is_some() && !r.phonetic().is_empty() {
        // The codes sorted, joined by spaces.
        let mut t: Words<&str> = r.phonetic().split(' ').collect();
        t.sort_unstable();
        out.add_with(|buf| {
            for (i, w) in t.iter().enumerate() {
                if i > 0 {
                    buf.push(' ');
                }
                buf.push_str(w);
            }
        });
    }
}

/// The rules, in the order their statistics are reported.
pub const RULES: &[Rule] = &[
    Rule {
        name: "phonetic_name",
        uses: &[Kind::Name],
        masked_as: None,
        orders: &[Order::Dob],
        keys: phonetic_keys,
        reach: Reach::Window,
    },
    Rule {
        name: "ic",
        uses: &[Kind::Ic],
        masked_as: Some(Kind::Ic),
        orders: &[Order::Name],
        keys: ic_keys,
        reach: Reach::Window,
    },
    Rule {
        name: "other_id",
        uses: &[Kind::OtherId],
        masked_as: Some(Kind::OtherId),
        orders: &[Order::Name],
        keys: other_id_keys,
        reach: Reach::Window,
    },
    Rule {
        name: "postcode_name_token",
        uses: &[
            Kind::Postcode,
            Kind::Name,
            Kind::Address,
            Kind::Phone,
            Kind::HouseholdId,
        ],
        masked_as: None,
        orders: &[Order::Address],
        keys: postcode_token_keys,
        reach: Reach::HalfWindow,
    },
    Rule {
        name: "phone",
        uses: &[
            Kind::Phone,
            Kind::Address,
            Kind::Postcode,
            Kind::HouseholdId,
        ],
        masked_as: Some(Kind::Phone),
        orders: &[Order::Name],
        keys: phone_keys,
        reach: Reach::Window,
    },
    Rule {
        name: "dob_near_name",
        uses: &[Kind::Dob],
        masked_as: Some(Kind::Dob),
        orders: &[Order::Name, Order::NameBackwards],
        keys: dob_keys,
        reach: Reach::Window,
    },
    Rule {
        name: "postcode_near_name",
        uses: &[
            Kind::Postcode,
            Kind::Address,
            Kind::Phone,
            Kind::HouseholdId,
        ],
        masked_as: Some(Kind::Postcode),
        orders: &[Order::Name, Order::NameBackwards],
        keys: postcode_keys,
        reach: Reach::HalfWindow,
    },
];

/// What one rule did.
#[derive(Clone, Debug, Serialize, serde::Deserialize, Default)]
pub struct RuleStats {
    pub rule: String,
    pub blocks: u64,
    /// Pairs the rule proposed, before removing those other rules proposed too.
    pub pairs: u64,
    /// Blocks larger than `max_block_size`, compared within the window only.
    pub windowed_blocks: u64,
    /// Records in those blocks (a record counts once per block it is in).
    pub windowed_records: u64,
    /// How many neighbours a record of those blocks met in each of the rule's orders.
    pub window: u64,
    /// Time spent on this rule's keys, blocks and pairs.
    pub seconds: f64,
}

/// A block compared within the window rather than in full, because it was too large.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct LargeBlock {
    pub rule: String,
    /// The key, with any IC masked.
    pub key: String,
    pub size: u64,
    /// A record of the block, to name its key by.
    #[serde(skip)]
    pub first: u32,
}

#[derive(Debug, Default)]
pub struct Blocking {
    /// Candidate pairs, `i < j`, sorted and unique.
    pub pairs: Vec<(u32, u32)>,
    pub rules: Vec<RuleStats>,
    /// The largest windowed blocks (at most `REPORTED_LARGE_BLOCKS`), largest first.
    pub large: Vec<LargeBlock>,
    /// Per rule (in `RULES` order), a sample of its distinct pairs (`sampled`), for estimating m.
    pub samples: Vec<Vec<(u32, u32)>>,
    /// Time spent counting name tokens, and on the union of the rules' pairs.
    pub context_seconds: f64,
    pub union_seconds: f64,
}

/// How many of each rule's pairs `Blocking::samples` keeps.
pub const SAMPLE_PER_RULE: usize = 200_000;

/// How many of the largest windowed blocks are reported by key.
pub const REPORTED_LARGE_BLOCKS: usize = 100;

/// How large blocks are handled (`[block]`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Blocks of at most this many records are compared in full.
    pub max_block_size: usize,
    /// In a larger block, each record is compared with this many following records.
    pub window: usize,
}

impl From<&crate::config::BlockConfig> for Limits {
    fn from(c: &crate::config::BlockConfig) -> Limits {
        Limits {
            max_block_size: c.max_block_size,
            window: c.window,
        }
    }
}

/// The key of hash `hash` that record `r` has under `rule`, as a large block's key is shown:
/// masked as its comparison's values are (`keys`: a buffer to reuse).
pub fn shown_key(rule: &Rule, r: &Linkable, cx: &Context, hash: u64, keys: &mut Keys) -> String {
    keys.clear();
    (rule.keys)(r, cx, keys);
    let named = keys.iter().find(|k| xxh3_64(k.as_bytes()) == hash);
    masked_key(rule, named.unwrap_or_default())
}

fn masked_key(rule: &Rule, key: &str) -> String {
    let Some(kind) = rule.masked_as else {
        return key.to_string();
    };
    let how = kind.comparison().mask;
    // A key of a comparison over several fields names its field first (`passport:A1234567`).
    match key
        .split_once(':')
        .filter(|(f, _)| Field::from_name(f).is_some())
    {
        Some((f, v)) => format!("{f}:{}", mask::value(how, v)),
        None => mask::value(how, key),
    }
}

/// A record's distinct keys under `rule`, as hashes, sorted (`keys`: a buffer to reuse).
pub fn key_hashes(rule: &Rule, r: &Linkable, cx: &Context, keys: &mut Keys) -> Words<u64> {
    keys.clear();
    (rule.keys)(r, cx, keys);
    let mut hashes: Words<u64> = keys.iter().map(|k| xxh3_64(k.as_bytes())).collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// The pairs of one block (`(key hash, order, record)` entries sorted by order, then record):
/// all of them in a block of at most `cap` records, else each record's next `window`.
pub fn block_pairs<'a>(
    g: &'a [(u64, u64, u32)],
    cap: usize,
    window: usize,
    keep: impl Fn(u32, u32) -> bool + Copy + 'a,
) -> impl Iterator<Item = (u32, u32)> + 'a {
    let reach = if g.len() <= cap { g.len() } else { window };
    (0..g.len()).flat_map(move |a| {
        (a + 1..g.len().min(a + 1 + reach))
            .filter(move |&b| keep(g[a].2, g[b].2))
            .map(move |b| code(g[a].2, g[b].2))
    })
}

/// Whether a pair is in its rules' samples when each keeps one pair in `step`: by a hash of
/// the pair, so that the sample does not depend on the order pairs were found in.
pub fn sampled(a: u32, b: u32, step: u64) -> bool {
    sample_hash(a, b).is_multiple_of(step)
}

/// A pair's hash for `sampled`.
fn sample_hash(a: u32, b: u32) -> u64 {
    xxh3_64(&(u64::from(a) << 32 | u64::from(b)).to_le_bytes()) >> 1
}

/// The step a rule of `pairs` pairs samples them by (`sampled`).
pub fn sample_step(pairs: u64) -> u64 {
    pairs.div_ceil(SAMPLE_PER_RULE as u64).max(1)
}

/// One rule's blocks: `(key hash, order, record)`, sorted, so each block is a run of equal
/// hashes in the rule's order.
fn keyed(recs: &[Linkable], cx: &Context, rule: &Rule, order: Order) -> Vec<(u64, u64, u32)> {
    let mut keyed: Vec<(u64, u64, u32)> = recs
        .par_iter()
        .enumerate()
        .fold(Vec::new, |mut acc, (i, r)| {
            thread_local!(static KEYS: std::cell::RefCell<Keys> = Default::default());
            KEYS.with_borrow_mut(|keys| {
                let hashes = key_hashes(rule, r, cx, keys);
                if !hashes.is_empty() {
                    let order = order.key(r);
                    acc.extend(hashes.into_iter().map(|h| (h, order, i as u32)));
                }
            });
            acc
        })
        .flatten_iter()
        .collect();
    sort_entries(&mut keyed);
    keyed
}

/// Sorts each block of `entries` (sorted by key hash) of more than `min` records by its
/// order, then record, as `sort_entries` would have: a block's entries alone, not all entries
/// again.
fn sort_blocks(entries: &mut [(u64, u64, u32)], min: usize) {
    entries
        .par_chunk_by_mut(|a, b| a.0 == b.0)
        .filter(|g| g.len() > min)
        .for_each(|g| g.sort_unstable_by_key(|e| (e.1, e.2)));
}

/// A pair of two records, the smaller index first (pairs sort by it).
fn code(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}

/// A pair as a radix sort's key: the first record, then the second.
#[derive(Clone, Copy, bytemuck::TransparentWrapper)]
#[repr(transparent)]
struct PairKey((u32, u32));

impl rdst::RadixKey for PairKey {
    const LEVELS: usize = 8;

    #[inline]
    fn get_level(&self, level: usize) -> u8 {
        // Level 0 is the least significant byte.
        let (a, b) = self.0;
        (if level < 4 {
            b >> (8 * level)
        } else {
            a >> (8 * (level - 4))
        }) as u8
    }
}

/// A rule's entry (`keyed`) as a radix sort's key: the key's hash alone.
#[derive(Clone, Copy, bytemuck::TransparentWrapper)]
#[repr(transparent)]
struct HashKey((u64, u64, u32));

impl rdst::RadixKey for HashKey {
    const LEVELS: usize = 8;

    #[inline]
    fn get_level(&self, level: usize) -> u8 {
        (self.0 .0 >> (8 * level)) as u8
    }
}

/// Sorts pairs by a parallel radix sort that works in place (rdst's low-memory tuning: the
/// union of all rules' pairs is the largest allocation of a run), which forms that union
/// (`block.union`: copying, sorting and deduplicating the pairs) faster than a comparison sort.
fn sort_pairs(pairs: &mut [(u32, u32)]) {
    use bytemuck::TransparentWrapper;
    use rdst::RadixSort;
    PairKey::wrap_slice_mut(pairs)
        .radix_sort_builder()
        .with_low_mem_tuner()
        .sort();
}

/// Sorts a rule's entries by key hash, then order, then record: by the hash alone first (8 bytes of
/// radix sort rather than 20), then each block on its own.
fn sort_entries(entries: &mut [(u64, u64, u32)]) {
    use bytemuck::TransparentWrapper;
    use rdst::RadixSort;
    HashKey::wrap_slice_mut(entries)
        .radix_sort_builder()
        .with_low_mem_tuner()
        .sort();
    sort_blocks(entries, 1);
}

/// Proposes candidate pairs under every rule in `RULES`.
pub fn candidates(recs: &[Linkable], limits: Limits) -> Blocking {
    candidates_with(recs, limits, &Default::default())
}

/// `candidates`, advancing `progress` by one as each rule is done.
pub fn candidates_with(
    recs: &[Linkable],
    limits: Limits,
    progress: &crate::progress::Counter,
) -> Blocking {
    candidates_touching(recs, limits, None, progress)
}

/// `candidates_with`, keeping only the pairs with at least one record marked in `touching`
/// (when given): an incremental run's new and changed records. Blocks are still formed over
/// all records, so a changed record meets every record it would meet in a full run.
pub fn candidates_touching(
    recs: &[Linkable],
    limits: Limits,
    touching: Option<&[bool]>,
    progress: &crate::progress::Counter,
) -> Blocking {
    let keep = |a: u32, b: u32| touching.is_none_or(|t| t[a as usize] || t[b as usize]);
    let t = std::time::Instant::now();
    let cx = Context::new(recs);
    let (cap, window) = (limits.max_block_size.max(2), limits.window.max(1));
    let mut out = Blocking::default();
    // Each rule's pairs, kept apart until all are known: one allocation of the exact total
    // then holds their union (growing one vector rule by rule would reserve twice the pairs'
    // memory and copy it at each doubling).
    let mut per_rule: Vec<Vec<(u32, u32)>> = Vec::with_capacity(RULES.len());
    // Each record's key in an order a rule sorts its blocks in again, made once, in record
    // order: made for each entry, in the entries' sorted order, it would reach every record's
    // name at random, missing the cache each time.
    let mut order_keys: Vec<(Order, Vec<u64>)> = Vec::new();
    out.context_seconds = t.elapsed().as_secs_f64();
    for rule in RULES {
        let t = std::time::Instant::now();
        let window = rule.reach.of(window);
        let mut stats = RuleStats {
            rule: rule.name.to_string(),
            window: window as u64,
            ..Default::default()
        };
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut keyed_entries: Vec<(u64, u64, u32)> = Vec::new();
        for (pass, &order) in rule.orders.iter().enumerate() {
            if pass == 0 {
                keyed_entries = keyed(recs, &cx, rule, order);
            } else {
                // The same keys in another order: only the order changes, so each order's
                // keys are made once for all the rules that use it.
                if !order_keys.iter().any(|(o, _)| *o == order) {
                    order_keys.push((order, recs.par_iter().map(|r| order.key(r)).collect()));
                }
                let (_, keys) = order_keys
                    .iter()
                    .find(|(o, _)| *o == order)
                    .expect("made above");
                // Only the blocks too large to compare in full are read in this order.
                keyed_entries
                    .par_chunk_by_mut(|a, b| a.0 == b.0)
                    .filter(|g| g.len() > cap)
                    .for_each(|g| {
                        for e in g.iter_mut() {
                            e.1 = keys[e.2 as usize];
                        }
                    });
                sort_blocks(&mut keyed_entries, cap);
            }
            let keyed = &keyed_entries;
            let groups: Vec<&[(u64, u64, u32)]> = keyed
                .chunk_by(|a, b| a.0 == b.0)
                .filter(|g| g.len() > 1)
                .collect();
            if pass == 0 {
                stats.blocks = groups.len() as u64;
                for g in groups.iter().filter(|g| g.len() > cap) {
                    stats.windowed_blocks += 1;
                    stats.windowed_records += g.len() as u64;
                    out.large.push(LargeBlock {
                        rule: rule.name.to_string(),
                        key: format!("{:x}", g[0].0),
                        size: g.len() as u64,
                        first: g[0].2,
                    });
                }
            }
            // A later order only changes the neighbours in large blocks.
            pairs.par_extend(
                groups
                    .par_iter()
                    .filter(|g| pass == 0 || g.len() > cap)
                    .flat_map_iter(|g| block_pairs(g, cap, window, keep)),
            );
        }
        // The rule's entries go before its pairs are sorted and handed back.
        drop(keyed_entries);
        if rule.orders.len() > 1 {
            sort_pairs(&mut pairs);
            pairs.dedup();
        }
        stats.pairs = pairs.len() as u64;
        let step = sample_step(pairs.len() as u64);
        let mut sample: Vec<(u32, u32)> = pairs
            .par_iter()
            .filter(|&&(a, b)| sampled(a, b, step))
            .copied()
            .collect();
        sample.par_sort_unstable();
        sample.dedup();
        out.samples.push(sample);
        per_rule.push(pairs);
        // The rule's keys and the pieces its pairs were gathered in.
        crate::release_freed_memory();
        stats.seconds = t.elapsed().as_secs_f64();
        out.rules.push(stats);
        progress.inc(1);
    }
    // Before the union, the run's largest allocation.
    drop(order_keys);
    // The largest windowed blocks, named by their (masked) key.
    out.large
        .sort_by(|a, b| b.size.cmp(&a.size).then(a.rule.cmp(&b.rule)));
    out.large.truncate(REPORTED_LARGE_BLOCKS);
    let mut keys = Keys::default();
    for o in &mut out.large {
        let hash = u64::from_str_radix(&o.key, 16).unwrap_or(0);
        let rule = RULES.iter().find(|r| r.name == o.rule).expect("a rule");
        o.key = shown_key(rule, &recs[o.first as usize], &cx, hash, &mut keys);
    }
    let t = std::time::Instant::now();
    let mut all = Vec::with_capacity(per_rule.iter().map(Vec::len).sum());
    for pairs in per_rule {
        all.extend_from_slice(&pairs);
        // Each rule's pairs go back as soon as they are copied: copying and sorting allocate
        // nothing that would hand them back otherwise.
        drop(pairs);
        crate::release_freed_memory();
    }
    sort_pairs(&mut all);
    all.dedup();
    all.shrink_to_fit();
    out.pairs = all;
    out.union_seconds = t.elapsed().as_secs_f64();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Field;
    use crate::ingest::Record;

    fn rec(name: &str, ic: &str, dob: &str, postcode: &str) -> Linkable {
        let mut r = Record::new(0, 0, "x".into());
        r.set(Field::FullName, name);
        r.set(Field::Ic, ic);
        r.set(Field::Dob, dob);
        r.set(Field::Postcode, postcode);
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        Linkable::of(&crate::normalise::record(&r, &[], today).0)
    }

    #[test]
    fn keys_are_written_as_plainly_formatted_ones_would_be() {
        // The keys are hashed, so their text must stay what simple formatting gives.
        for (y, m, d) in [
            (1985, 3, 12),
            (2026, 11, 26),
            (5, 1, 9),
            (0, 12, 31),
            (9999, 12, 31),
        ]
        .into_iter()
        .chain([(-1, 6, 1), (10_000, 1, 1), (-44, 3, 15)])
        {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let mut buf = String::from("x");
            write_date(&mut buf, date);
            assert_eq!(buf, format!("x{date}"));
        }
        let many: String = (0..20)
            .map(|i| format!("N{}", (b'A' + (19 - i) % 26) as char))
            .collect::<Vec<_>>()
            .join(" ");
        let names = [
            "MUHAMMAD HAFIZ BIN ABDUL RAHMAN",
            "TAN AH KOW",
            "SITI",
            "ALI ALI ABU",
            many.as_str(),
        ];
        let cx = Context::new(&names.map(|n| rec(n, "", "", "50000")));
        for name in names {
            let r = rec(name, "", "1985-03-12", "50000");
            let mut keys = Keys::default();
            phonetic_keys(&r, &cx, &mut keys);
            let mut want = Keys::default();
            if r.tokens().nth(1).is_some() && !r.phonetic().is_empty() {
                let mut t: Vec<&str> = r.phonetic().split(' ').collect();
                t.sort_unstable();
                want.add(&[&t.join(" ")]);
            }
            assert_eq!(
                keys.iter().collect::<Vec<_>>(),
                want.iter().collect::<Vec<_>>()
            );
            let mut keys = Keys::default();
            postcode_token_keys(&r, &cx, &mut keys);
            let mut toks: Vec<(u32, &str)> = r
                .tokens()
                .filter(|t| t.len() >= 2)
                .map(|t| (cx.count(t), t))
                .collect();
            toks.sort_unstable();
            toks.dedup_by(|a, b| a.1 == b.1);
            let want: Vec<String> = toks
                .iter()
                .take(2)
                .map(|(_, t)| format!("50000|{t}"))
                .collect();
            assert_eq!(keys.iter().collect::<Vec<_>>(), want, "{name}");
        }
    }

    #[test]
    fn radix_sorts_order_pairs_and_entries_as_comparisons_do() {
        let x = |i: u64| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes());
        // Sizes that take each of the sort's paths (comparisons, in place, by regions), with
        // values over every byte and many repeats.
        for n in [0usize, 1, 100, 60_000, 1_200_000] {
            let mut pairs: Vec<(u32, u32)> = (0..n as u64)
                .map(|i| {
                    let h = x(i);
                    let a = if i % 3 == 0 {
                        h as u32 % 1000
                    } else {
                        h as u32
                    };
                    (a, (h >> 32) as u32 % (1 + (i % 4) as u32 * 0x3fff_ffff))
                })
                .collect();
            let mut want = pairs.clone();
            want.sort_unstable();
            sort_pairs(&mut pairs);
            assert!(pairs == want, "{n} pairs");
            if n > 100_000 {
                continue;
            }
            let mut entries: Vec<(u64, u64, u32)> = (0..n as u64)
                .map(|i| (x(i % 500), x(i + 7) >> (i % 60), x(i) as u32))
                .collect();
            let mut want = entries.clone();
            want.sort_unstable();
            sort_entries(&mut entries);
            assert!(entries == want, "{n} entries");
        }
    }

    #[test]
    fn only_blocks_larger_than_the_least_are_sorted_again() {
        // Blocks of 1 to 6 entries, none in (order, record) order.
        let mut entries: Vec<(u64, u64, u32)> = (0..6u64)
            .flat_map(|b| (0..=b).rev().map(move |k| (b, k % 2, k as u32)))
            .collect();
        let before = entries.clone();
        sort_blocks(&mut entries, 3);
        for (got, was) in entries
            .chunk_by(|a, b| a.0 == b.0)
            .zip(before.chunk_by(|a, b| a.0 == b.0))
        {
            let mut want = was.to_vec();
            if was.len() > 3 {
                want.sort_unstable();
            }
            assert_eq!(got, want);
        }
    }

    #[test]
    fn each_rule_finds_its_pairs_and_pairs_are_unique() {
        let recs = vec![
            rec("ALI BIN ABU", "850312145567", "1985-03-12", "50000"),
            rec("ALI ABU", "850312145567", "", ""), // same IC as 0
            rec("ALI BIN AHMAD", "", "1985-03-12", ""), // same birth date as 0
            rec("SITI BINTI ABU", "", "", "50000"), // postcode + ABU with 0
            rec("TAN AH KOW", "", "1990-01-01", "10000"), // nothing in common
        ];
        let b = candidates(
            &recs,
            Limits {
                max_block_size: 100,
                window: 10,
            },
        );
        assert_eq!(b.pairs, [(0, 1), (0, 2), (0, 3), (1, 2)]);
        let pairs_of = |n: &str| b.rules.iter().find(|r| r.rule == n).unwrap().pairs;
        assert_eq!(pairs_of("ic"), 1);
        assert!(pairs_of("dob_near_name") >= 1);
        assert!(pairs_of("postcode_name_token") >= 1);
    }

    #[test]
    fn large_blocks_are_windowed_reported_masked_and_bounded() {
        // 50 records under one IC: compared in full that would be 1,225 pairs.
        let recs: Vec<_> = (0..50)
            .map(|i| rec(&format!("ALI N{i:02}"), "850312145567", "", ""))
            .collect();
        let limits = Limits {
            max_block_size: 10,
            window: 3,
        };
        let b = candidates(&recs, limits);
        let ic = b.rules.iter().find(|r| r.rule == "ic").unwrap();
        assert_eq!(ic.windowed_blocks, 1);
        assert_eq!(ic.windowed_records, 50);
        // Each record with its next three in name order: 47*3 + 2 + 1.
        assert_eq!(ic.pairs, 47 * 3 + 3);
        let big = b.large.iter().find(|o| o.rule == "ic").unwrap();
        assert_eq!(big.size, 50);
        assert_eq!(big.key, "******-**-5567");
        // Neighbours in name order: N00 with N01..N03, never with N04.
        let idx = |n: usize| n as u32;
        assert!(b.pairs.contains(&(idx(0), idx(3))));
        assert!(!b.pairs.contains(&(idx(0), idx(4))));
    }

    #[test]
    fn a_large_blocks_key_is_masked_as_its_comparisons_values_are() {
        let masked =
            |rule: &str, key: &str| masked_key(RULES.iter().find(|r| r.name == rule).unwrap(), key);
        assert_eq!(masked("ic", "850312145567"), "******-**-5567");
        assert_eq!(masked("other_id", "passport:K9876543"), "passport:****6543");
        assert_eq!(masked("other_id", "old_ic:A1234567"), "old_ic:****4567");
        assert_eq!(masked("phone", "+60123456789"), "********6789");
        assert_eq!(masked("dob_near_name", "1985-03-12"), "1985-**-**");
        assert_eq!(masked("postcode_near_name", "50000"), "50000");
        assert_eq!(masked("postcode_name_token", "50000|ALI"), "50000|ALI");
        assert_eq!(masked("phonetic_name", "AL AB"), "AL AB");
    }

    #[test]
    fn postcode_rules_reach_half_the_window() {
        // One birth date and one postcode: the date and the postcode rules see the same large
        // block in the same two orders, so only their reach tells their pairs apart.
        let recs: Vec<_> = (0..60)
            .map(|i| rec(&format!("ALI N{i:02} KAMAL"), "", "1985-03-20", "50000"))
            .collect();
        let limits = |window| Limits {
            max_block_size: 12,
            window,
        };
        let stats = |b: &Blocking, n: &str| b.rules.iter().find(|r| r.rule == n).unwrap().clone();
        let six = candidates(&recs, limits(6));
        let three = candidates(&recs, limits(3));
        let (dob6, post6) = (
            stats(&six, "dob_near_name"),
            stats(&six, "postcode_near_name"),
        );
        assert_eq!((dob6.window, post6.window), (6, 3));
        assert_eq!(stats(&six, "postcode_name_token").window, 3);
        assert_eq!(post6.windowed_records, 60);
        assert_eq!(post6.pairs, stats(&three, "dob_near_name").pairs);
        assert!(post6.pairs < dob6.pairs, "{} {}", post6.pairs, dob6.pairs);
        // The block's birth date is reported as its year only.
        let big = six
            .large
            .iter()
            .find(|o| o.rule == "dob_near_name")
            .unwrap();
        assert_eq!(big.key, "1985-**-**");
        // An odd window rounds up.
        assert_eq!(Reach::HalfWindow.of(5), 3);
        assert_eq!(Reach::HalfWindow.of(1), 1);
    }

    #[test]
    fn pairs_grow_linearly_when_blocks_grow() {
        // One postcode whose population doubles: with windows, so do the pairs (at most), where
        // full blocks would quadruple them.
        let make = |n: usize| -> Vec<Linkable> {
            (0..n)
                .map(|i| rec(&format!("SITI AMINAH {}", i % 7), "", "", "50000"))
                .collect()
        };
        let limits = Limits {
            max_block_size: 12,
            window: 6,
        };
        let small = candidates(&make(400), limits).pairs.len();
        let large = candidates(&make(800), limits).pairs.len();
        assert!(small > 0);
        // Twice, plus a constant: the last records of a block in each order have fewer
        // neighbours, and the rules' pairs overlap differently.
        assert!(large <= 2 * small + 200, "{small} -> {large}");
        assert!(large <= 800 * 6 * 8, "{large}");
    }

    #[test]
    fn postcode_blocks_use_the_rarest_name_tokens() {
        let mut recs: Vec<_> = (0..30)
            .map(|i| rec(&format!("MUHAMMAD X{i:02}"), "", "", "90000"))
            .collect();
        recs.push(rec("MUHAMMAD HAFIZ RAHMAN", "", "", "50000"));
        recs.push(rec("HAFIZ RAHMAN", "", "", "50000"));
        let cx = Context::new(&recs);
        let mut k = Keys::default();
        postcode_token_keys(&recs[30], &cx, &mut k);
        let keys: Vec<_> = k.iter().collect();
        assert_eq!(keys, ["50000|HAFIZ", "50000|RAHMAN"]);
    }
}
