//! The merge on Apache Spark (`spark/padan_spark.py`): the steps its tasks and its driver run,
//! each reading and writing files in a work folder that every node opens (`Work`).
//!
//! In order: `prepare` (a task per export: ingested and normalised, each record's linking forms
//! written), `plan` (driver: record numbers, the name tokens' counts blocking keys depend on, the
//! records the model leaves out), `keys` (a task per export: a row per record and blocking key,
//! with its forms), Spark's shuffle of those rows by key (every block whole in one partition),
//! `compare` (a task per partition: its blocks' pairs, with the same caps and windows as a local
//! run, and their levels), `sampling` (driver: the rules' statistics), Spark's shuffle of the
//! pairs by their first record, `unique` (a task per part: every pair once, and the level
//! patterns counted), `model` (driver), `weigh` (a task per part) and `finish` (driver: the local
//! pipeline from clustering on, fed with the scored pairs). Every comparison is padan's; Spark
//! moves the rows.

mod files;

use std::path::{Path, PathBuf};

use ahash::AHashMap;
use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::block::{self, Context, Keys, LargeBlock, RuleStats, RULES};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest;
use crate::normalise::packed::Packed;
use crate::normalise::stage as normalising;
use crate::normalise::{Linkable, Marks, NormRecord};
use crate::score::{self, levels, Comparable, Decision, Model, Plain, Scored};
use crate::store::stored::{decode_forms, encode_forms};
use crate::summary::Summary;
use files::{binary, flags, numbers, parts, read, write};

/// The work folder and where each step's files go in it.
pub struct Work(PathBuf);

impl Work {
    pub fn new(dir: &Path) -> Work {
        Work(dir.to_path_buf())
    }

    fn prepared(&self, c: Chunk) -> PathBuf {
        self.0.join("prepared").join(c.file("parquet"))
    }

    fn plan(&self) -> PathBuf {
        self.0.join("plan.json")
    }

    fn keyed(&self, c: Chunk) -> PathBuf {
        self.0.join("keyed").join(c.file("parquet"))
    }

    /// Where a step writes what it made of one partition's file `part`.
    fn out_of(&self, folder: &str, part: &Path, ext: &str) -> PathBuf {
        let stem = part.file_stem().and_then(|s| s.to_str()).unwrap_or("part");
        let stem = stem.strip_suffix(".snappy").unwrap_or(stem);
        self.0.join(folder).join(format!("{stem}.{ext}"))
    }

    fn blocking(&self) -> PathBuf {
        self.0.join("blocking.json")
    }

    fn model(&self) -> PathBuf {
        self.0.join("model.json")
    }
}

/// A part of export `source` (its number in the configuration): the `index`-th of `of` equal
/// shares of its records, in their order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    pub source: usize,
    pub index: usize,
    pub of: usize,
}

impl Chunk {
    fn file(self, ext: &str) -> String {
        format!("{}-{}-of-{}.{ext}", self.source, self.index, self.of)
    }

    /// The records of `n` this chunk holds.
    fn range(self, n: usize) -> std::ops::Range<usize> {
        n * self.index / self.of..n * (self.index + 1) / self.of
    }
}

/// Export bytes per chunk, by default: every chunk reads its whole export (rows are numbered and
/// rejected in file order) and normalises its share, so more chunks than a few only add reading.
pub const CHUNK_BYTES: u64 = 64 << 20;
const MAX_CHUNKS: u64 = 8;

/// How many chunks each export is prepared in, by its size (`chunk_bytes` a chunk).
fn chunks_of(config: &Config, chunk_bytes: u64) -> Result<Vec<usize>> {
    config
        .sources
        .iter()
        .map(|s| {
            let bytes = std::fs::metadata(&s.path)
                .map_err(|e| Error::io(&s.path, e))?
                .len();
            Ok(bytes.div_ceil(chunk_bytes.max(1)).clamp(1, MAX_CHUNKS) as usize)
        })
        .collect()
}

/// Every chunk of every export, in record order, as `prepare` wrote them; fails unless every
/// export's chunks are all there.
fn all_chunks(config: &Config, work: &Work) -> Result<Vec<Chunk>> {
    let dir = work.0.join("prepared");
    let mut found: Vec<Chunk> = parts(&dir, "day")?
        .iter()
        .filter_map(|p| {
            let stem = p.file_stem()?.to_str()?;
            let (source, rest) = stem.split_once('-')?;
            let (index, of) = rest.split_once("-of-")?;
            Some(Chunk {
                source: source.parse().ok()?,
                index: index.parse().ok()?,
                of: of.parse().ok()?,
            })
        })
        .filter(|c| c.source < config.sources.len())
        .collect();
    found.sort_by_key(|c| (c.source, c.index, c.of));
    for (k, spec) in config.sources.iter().enumerate() {
        let mine: Vec<&Chunk> = found.iter().filter(|c| c.source == k).collect();
        let whole = mine.first().is_some_and(|c| {
            mine.len() == c.of
                && mine
                    .iter()
                    .enumerate()
                    .all(|(i, d)| d.index == i && d.of == c.of)
        });
        if !whole {
            return Err(Error::Run(format!(
                "{}: the chunks of export `{}` are not all prepared (a task's output missing, or two runs mixed): run the job again",
                dir.display(),
                spec.name
            )));
        }
    }
    Ok(found)
}

/// The sources' names, in configuration order, and how many chunks each is prepared in; fails
/// for what the Spark path does not link: a file whose `source` column names other files'
/// sources (its records cannot be read alone), and encoded exports.
pub fn sources(config: &Config, chunk_bytes: u64) -> Result<(Vec<String>, Vec<usize>)> {
    if config
        .sources
        .iter()
        .any(|s| s.format == crate::config::Format::Encoded)
    {
        return Err(Error::Config(format!(
            "{}: encoded exports are linked by `padan run` on one machine; the Spark steps read plaintext exports",
            config.path.display()
        )));
    }
    if ingest::open_all(config)?.names_sources() {
        return Err(Error::Config(format!(
            "{}: a file has a `source` column: its rows may belong to other sources, so the Spark steps cannot read each export alone; link it with `padan run`",
            config.path.display()
        )));
    }
    let names = config.sources.iter().map(|s| s.name.clone()).collect();
    Ok((names, chunks_of(config, chunk_bytes)?))
}

fn source_index(config: &Config, source: &str) -> Result<usize> {
    config
        .sources
        .iter()
        .position(|s| s.name == source)
        .ok_or_else(|| {
            Error::Config(format!(
                "--source {source}: no [[source]] of that name in {}",
                config.path.display()
            ))
        })
}

/// Step 1 (a task per chunk of an export): ingests the export `source` alone, as a local run
/// does, normalises the chunk's records, and writes each one's content hash and linking forms.
pub fn prepare(
    config: &Config,
    work: &Work,
    source: &str,
    (index, of): (usize, usize),
) -> Result<()> {
    let k = source_index(config, source)?;
    let chunk = Chunk {
        source: k,
        index,
        of,
    };
    if of == 0 || index >= of {
        return Err(Error::Config(format!(
            "--chunk {index} --chunks {of}: no such chunk"
        )));
    }
    let mut one = config.clone();
    one.sources = vec![config.sources[k].clone()];
    let mut ing = ingest::read_all(&one)?;
    let mine = chunk.range(ing.records.len());
    ing.records = ing.records.drain(mine).collect();
    let today = config.today();
    let mut kept = Encoded(Vec::with_capacity(ing.records.len()));
    let forms = normalising::stage(
        &ing,
        today,
        &Default::default(),
        &|_| None,
        &|_| {},
        &mut kept,
    )?;
    drop(forms);
    let hashes: Vec<u64> = ing.records.par_iter().map(|r| r.content_hash()).collect();
    write(&work.prepared(chunk), hashes.len(), |range| {
        DataFrame::new_infer_height(vec![
            Column::new("hash".into(), &hashes[range.clone()]),
            Column::new("forms".into(), &kept.0[range]),
        ])
    })?;
    let day = today.to_string();
    crate::store::write_whole(&work.prepared(chunk).with_extension("day"), day.as_bytes())
}

/// The day every export was read against (`Config::today`): the job's, for every later step.
fn prepared_day(config: &Config, work: &Work) -> Result<chrono::NaiveDate> {
    let mut days = Vec::new();
    for c in all_chunks(config, work)? {
        let path = work.prepared(c).with_extension("day");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let day = text
            .parse()
            .map_err(|_| Error::Run(format!("{}: not a date", path.display())))?;
        days.push(day);
    }
    days.dedup();
    match days[..] {
        [day] => Ok(day),
        _ => Err(Error::Run(
            "the exports were prepared on different days (the job crossed midnight while preparing): run it again".into(),
        )),
    }
}

/// Keeps each record's linking forms encoded, as `prepared/` holds them.
struct Encoded(Vec<Vec<u8>>);

impl normalising::Keep for Encoded {
    type Kept = Vec<u8>;

    fn kept(_: NormRecord, l: &Linkable, p: &Packed, _: Marks) -> Vec<u8> {
        let mut b = Vec::new();
        encode_forms(l, p, &mut b);
        b
    }

    fn put(&mut self, records: &mut Vec<Vec<u8>>) -> Result<()> {
        self.0.append(records);
        Ok(())
    }
}

/// Records' linking forms.
type Formed = Vec<(Linkable, Packed)>;

/// Chunks, each with the number of its first record.
type Numbered = Vec<(Chunk, u32)>;

/// Every record's content hash and linking forms, in the order of chunk `c`'s records.
fn prepared_forms(work: &Work, c: Chunk) -> Result<(Vec<u64>, Formed)> {
    let path = work.prepared(c);
    let df = read(&path)?;
    let hashes = numbers::<UInt64Type>(&path, &df, "hash")?;
    let forms = decoded(&path, &df)?;
    Ok((hashes, forms))
}

/// The `forms` column of `df` (read from `path`), decoded.
fn decoded(path: &Path, df: &DataFrame) -> Result<Formed> {
    let blobs: Vec<&[u8]> = binary(path, df, "forms")?;
    blobs
        .par_iter()
        .map(|b| decode_forms(b).ok_or_else(|| undecodable(path)))
        .collect()
}

/// What `plan` learns from all records, for the tasks that follow.
#[derive(Serialize, Deserialize)]
struct Plan {
    /// Every chunk (`all_chunks`), with the number of its first record.
    chunks: Numbered,
    records: u32,
    /// The records the model leaves out (`quality::left_out`), by number.
    left_out: Vec<u32>,
    /// How often each name token occurs (`block::Context`).
    tokens: Vec<(u64, u32)>,
    /// The day the exports were read against, which `finish` reads them against again.
    today: chrono::NaiveDate,
}

impl Plan {
    fn read(work: &Work) -> Result<Plan> {
        let path = work.plan();
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::Run(format!(
                "{}: damaged ({e}); run `plan` again",
                path.display()
            ))
        })
    }

    /// Per record, whether the model leaves it out (empty when none is).
    fn left_out_flags(&self) -> Vec<bool> {
        if self.left_out.is_empty() {
            return Vec::new();
        }
        let mut flags = vec![false; self.records as usize];
        for &i in &self.left_out {
            flags[i as usize] = true;
        }
        flags
    }
}

/// Every record's content hash and linking forms, in record order, and each chunk's first
/// record's number.
fn all_forms(config: &Config, work: &Work) -> Result<(Vec<u64>, Formed, Numbered)> {
    let (mut hashes, mut forms, mut offsets) = (Vec::new(), Vec::new(), Vec::new());
    for c in all_chunks(config, work)? {
        offsets.push((c, u32::try_from(forms.len()).map_err(|_| too_many())?));
        let (h, f) = prepared_forms(work, c)?;
        hashes.extend(h);
        forms.extend(f);
    }
    u32::try_from(forms.len()).map_err(|_| too_many())?;
    Ok((hashes, forms, offsets))
}

fn undecodable(path: &Path) -> Error {
    Error::Run(format!(
        "{}: a record's forms do not decode (a damaged file, or one another padan version wrote); run the steps again",
        path.display()
    ))
}

fn too_many() -> Error {
    Error::Run("more than 4,294,967,295 records: more than padan numbers".into())
}

/// Step 2 (driver): numbers the records in configuration order, counts the name tokens the
/// blocking keys depend on, and finds the records the model leaves out.
pub fn plan(config: &Config, work: &Work) -> Result<()> {
    let (hashes, forms, chunks) = all_forms(config, work)?;
    let links: Vec<Linkable> = forms.into_iter().map(|(l, _)| l).collect();
    let plan = Plan {
        chunks,
        records: links.len() as u32,
        left_out: crate::quality::left_out(&hashes)
            .iter()
            .enumerate()
            .filter(|(_, &l)| l)
            .map(|(i, _)| i as u32)
            .collect(),
        tokens: Context::new(&links).counts(),
        today: prepared_day(config, work)?,
    };
    let bytes = serde_json::to_vec(&plan).expect("a plan serialises");
    crate::store::write_whole(&work.plan(), &bytes)
}

/// Step 3 (a task per chunk of an export): a row per record and blocking key (`rule`, `key`),
/// with the record's number, whether the model counts it, and its forms.
pub fn keys(config: &Config, work: &Work, source: &str, (index, of): (usize, usize)) -> Result<()> {
    let chunk = Chunk {
        source: source_index(config, source)?,
        index,
        of,
    };
    let plan = Plan::read(work)?;
    let &(_, offset) = plan
        .chunks
        .iter()
        .find(|(c, _)| *c == chunk)
        .ok_or_else(|| {
            Error::Config(format!(
                "--chunk {index} --chunks {of}: not a chunk of `{source}` the plan numbered"
            ))
        })?;
    let cx = Context::from_counts(plan.tokens.clone());
    let left_out = plan.left_out_flags();
    let path = work.prepared(chunk);
    let df = read(&path)?;
    let blobs = binary(&path, &df, "forms")?;
    write(&work.keyed(chunk), blobs.len(), |range| {
        let rows: Vec<(i32, i64, i64, bool, &[u8])> = range
            .into_par_iter()
            .map_init(Keys::default, |keys, i| {
                let Some((l, _)) = decode_forms(blobs[i]) else {
                    return Err(undecodable(&path));
                };
                let record = offset + i as u32;
                let counted = left_out.is_empty() || !left_out[record as usize];
                let mut rows = Vec::new();
                for (r, rule) in RULES.iter().enumerate() {
                    for h in block::key_hashes(rule, &l, &cx, keys) {
                        rows.push((r as i32, h as i64, i64::from(record), counted, blobs[i]));
                    }
                }
                Ok(rows)
            })
            .collect::<Result<Vec<_>>>()
            .map_err(|e| PolarsError::ComputeError(e.to_string().into()))?
            .into_iter()
            .flatten()
            .collect();
        DataFrame::new_infer_height(vec![
            Column::new("rule".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
            Column::new("key".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
            Column::new(
                "record".into(),
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            ),
            Column::new(
                "counted".into(),
                rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            ),
            Column::new("forms".into(), rows.iter().map(|r| r.4).collect::<Vec<_>>()),
        ])
    })
}

/// One partition's blocking statistics (`compare`), summed by `sampling`.
#[derive(Serialize, Deserialize, Default)]
struct Stats {
    rules: Vec<RuleStats>,
    /// With each block's key hash, which orders blocks of one size and rule as a local run does.
    large: Vec<(LargeBlock, u64)>,
}

/// Step 4 (a task per partition of the shuffled rows, `part`): each block's pairs as a local
/// run makes them, every pair once with the rules that proposed it, its levels, whether the
/// model counts it, its first record's name and its sampling hash.
pub fn compare(config: &Config, work: &Work, part: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    let df = read(part)?;
    let rules = numbers::<Int32Type>(part, &df, "rule")?;
    // Hashes are written as signed integers (what Spark's columns hold), bit for bit.
    let keys = numbers::<Int64Type>(part, &df, "key")?;
    let records = numbers::<UInt32Type>(part, &df, "record")?;
    let counted = flags(part, &df, "counted")?;
    let blobs = binary(part, &df, "forms")?;
    // Each record's forms once, however many of its keys the partition holds.
    let mut local: AHashMap<u32, u32> = AHashMap::new();
    let mut first_row = Vec::new();
    for (row, &g) in records.iter().enumerate() {
        local.entry(g).or_insert_with(|| {
            first_row.push(row);
            (first_row.len() - 1) as u32
        });
    }
    let forms: Vec<(Linkable, Packed)> = first_row
        .par_iter()
        .map(|&row| {
            decode_forms(blobs[row]).ok_or_else(|| {
                Error::Run(format!(
                    "{}: a record's forms do not decode",
                    part.display()
                ))
            })
        })
        .collect::<Result<_>>()?;
    let (links, packed): (Vec<Linkable>, Vec<Packed>) = forms.into_iter().unzip();
    let at = |g: u32| local[&g] as usize;
    let limits: block::Limits = (&config.block).into();
    let (cap, window) = (limits.max_block_size.max(2), limits.window.max(1));
    let cx = Context::from_counts(Plan::read(work)?.tokens);
    let mut stats = Stats::default();
    let mut found: Vec<(u32, u32, u32)> = Vec::new();
    for (r, rule) in RULES.iter().enumerate() {
        let window = rule.reach.of(window);
        let mut s = RuleStats {
            rule: rule.name.to_string(),
            window: window as u64,
            ..Default::default()
        };
        let mut entries: Vec<(u64, u64, u32)> = (0..rules.len())
            .filter(|&i| rules[i] == r as i32)
            .map(|i| (keys[i] as u64, 0, records[i]))
            .collect();
        entries.sort_unstable();
        for g in entries
            .chunk_by_mut(|a, b| a.0 == b.0)
            .filter(|g| g.len() > 1)
        {
            s.blocks += 1;
            let mut pairs: Vec<(u32, u32)> = Vec::new();
            for (pass, order) in rule.orders.iter().enumerate() {
                if pass > 0 && g.len() <= cap {
                    break;
                }
                for e in g.iter_mut() {
                    e.1 = order.key(&links[at(e.2)]);
                }
                g.sort_unstable_by_key(|e| (e.1, e.2));
                if pass == 0 && g.len() > cap {
                    s.windowed_blocks += 1;
                    s.windowed_records += g.len() as u64;
                    let r = &links[at(g[0].2)];
                    let large = LargeBlock {
                        rule: rule.name.to_string(),
                        key: block::shown_key(rule, r, &cx, g[0].0, &mut Keys::default()),
                        size: g.len() as u64,
                        first: 0,
                    };
                    stats.large.push((large, g[0].0));
                }
                pairs.extend(block::block_pairs(g, cap, window, |_, _| true));
            }
            // As a local run makes a rule of several orders' pairs unique.
            if rule.orders.len() > 1 {
                pairs.sort_unstable();
                pairs.dedup();
            }
            s.pairs += pairs.len() as u64;
            found.extend(pairs.into_iter().map(|(a, b)| (a, b, 1 << r)));
        }
        stats.rules.push(s);
    }
    found.par_sort_unstable();
    let mut unique: Vec<(u32, u32, u32)> = Vec::with_capacity(found.len());
    for (a, b, m) in found {
        match unique.last_mut() {
            Some(last) if (last.0, last.1) == (a, b) => last.2 |= m,
            _ => unique.push((a, b, m)),
        }
    }
    let plain = Plain::new(&links, &packed);
    let counted_at = |g: u32| counted[first_row[at(g)]];
    let rows: Vec<(i64, i64, i32, i32, bool, i64)> = unique
        .par_iter()
        .map(|&(a, b, m)| {
            let l = plain.levels(at(a), at(b));
            (
                i64::from(a),
                i64::from(b),
                levels::pattern_key(&l) as i32,
                m as i32,
                counted_at(a) && counted_at(b),
                plain.name(at(a)) as i64,
            )
        })
        .collect();
    write(
        &work.out_of("pairs", part, "parquet"),
        rows.len(),
        |range| {
            let rows = &rows[range];
            DataFrame::new_infer_height(vec![
                Column::new("a".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
                Column::new("b".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
                Column::new(
                    "pattern".into(),
                    rows.iter().map(|r| r.2).collect::<Vec<_>>(),
                ),
                Column::new("rules".into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
                Column::new(
                    "counted".into(),
                    rows.iter().map(|r| r.4).collect::<Vec<_>>(),
                ),
                Column::new("name".into(), rows.iter().map(|r| r.5).collect::<Vec<_>>()),
            ])
        },
    )?;
    let seconds = started.elapsed().as_secs_f64();
    for s in &mut stats.rules {
        s.seconds = seconds / RULES.len() as f64;
    }
    let json = serde_json::to_vec(&stats).expect("statistics serialise");
    crate::store::write_whole(&work.out_of("pairs", part, "json"), &json)
}

/// Step 5 (driver): every partition's blocking statistics summed (`blocking.json`): the rules'
/// pair counts fix their sampling steps (`block::sample_step`).
pub fn sampling(work: &Work) -> Result<()> {
    let mut total = Stats::default();
    for path in parts(&work.0.join("pairs"), "json")? {
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let s: Stats = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Run(format!("{}: damaged ({e})", path.display())))?;
        if total.rules.is_empty() {
            total.rules = s.rules;
        } else {
            for (t, r) in total.rules.iter_mut().zip(s.rules) {
                t.blocks += r.blocks;
                t.pairs += r.pairs;
                t.windowed_blocks += r.windowed_blocks;
                t.windowed_records += r.windowed_records;
                t.seconds += r.seconds;
            }
        }
        total.large.extend(s.large);
    }
    total.large.sort_by(|(a, x), (b, y)| {
        (b.size.cmp(&a.size))
            .then(a.rule.cmp(&b.rule))
            .then(x.cmp(y))
    });
    total.large.truncate(block::REPORTED_LARGE_BLOCKS);
    let json = serde_json::to_vec(&total).expect("statistics serialise");
    crate::store::write_whole(&work.blocking(), &json)
}

fn read_stats(work: &Work) -> Result<Stats> {
    let path = work.blocking();
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::Run(format!("{}: damaged ({e})", path.display())))
}

/// Step 6 (a task per part of the pairs, shuffled by their first record): every pair once, with
/// all the rules that proposed it, written for weighing; and this part's counts of the level
/// patterns the model is estimated from (`Histogram`).
pub fn unique(work: &Work, part: &Path) -> Result<()> {
    let steps: Vec<u64> = read_stats(work)?
        .rules
        .iter()
        .map(|r| block::sample_step(r.pairs))
        .collect();
    let df = read(part)?;
    let a = numbers::<UInt32Type>(part, &df, "a")?;
    let b = numbers::<UInt32Type>(part, &df, "b")?;
    let pattern = numbers::<UInt32Type>(part, &df, "pattern")?;
    let rules = numbers::<UInt32Type>(part, &df, "rules")?;
    let counted = flags(part, &df, "counted")?;
    let name = numbers::<Int64Type>(part, &df, "name")?;
    let mut order: Vec<u32> = (0..a.len() as u32).collect();
    order.par_sort_unstable_by_key(|&i| (a[i as usize], b[i as usize]));
    // Each pair's first row, with the rules of all its rows.
    let mut kept: Vec<(usize, u32)> = Vec::with_capacity(order.len());
    for i in order.into_iter().map(|i| i as usize) {
        match kept.last_mut() {
            Some((j, m)) if (a[*j], b[*j]) == (a[i], b[i]) => *m |= rules[i],
            _ => kept.push((i, rules[i])),
        }
    }
    let mut h = Histogram {
        rules: vec![Vec::new(); RULES.len()],
        ..Default::default()
    };
    let (mut all, mut sampled) = (AHashMap::new(), vec![AHashMap::new(); RULES.len()]);
    for &(i, m) in kept.iter().filter(|&&(i, _)| counted[i]) {
        *all.entry(pattern[i]).or_default() += 1;
        for (r, step) in steps.iter().enumerate() {
            if m & (1 << r) != 0 && block::sampled(a[i], b[i], *step) {
                *sampled[r].entry(pattern[i]).or_default() += 1;
            }
        }
    }
    h.add(all, sampled);
    write(
        &work.out_of("candidates", part, "parquet"),
        kept.len(),
        |range| {
            let rows = &kept[range];
            let col = |v: &[u32]| rows.iter().map(|&(i, _)| v[i]).collect::<Vec<_>>();
            DataFrame::new_infer_height(vec![
                Column::new("a".into(), col(&a)),
                Column::new("b".into(), col(&b)),
                Column::new("pattern".into(), col(&pattern)),
                Column::new(
                    "name".into(),
                    rows.iter().map(|&(i, _)| name[i]).collect::<Vec<_>>(),
                ),
            ])
        },
    )?;
    let json = serde_json::to_vec(&h).expect("counts serialise");
    crate::store::write_whole(&work.out_of("candidates", part, "json"), &json)
}

/// The level patterns (`levels::pattern_key`) of the unique pairs the model counts, and of each
/// rule's sample, with how many pairs have each: a part's (`unique`), or all parts' summed.
#[derive(Serialize, Deserialize, Default)]
struct Histogram {
    candidates: Vec<(u32, u64)>,
    rules: Vec<Vec<(u32, u64)>>,
}

impl Histogram {
    /// Adds counts by pattern: of the candidates, and of each rule's sample.
    fn add(&mut self, all: AHashMap<u32, u64>, rules: Vec<AHashMap<u32, u64>>) {
        let merge = |into: &mut Vec<(u32, u64)>, counts: AHashMap<u32, u64>| {
            let mut m: std::collections::BTreeMap<u32, u64> = into.drain(..).collect();
            for (p, c) in counts {
                *m.entry(p).or_default() += c;
            }
            *into = m.into_iter().collect();
        };
        merge(&mut self.candidates, all);
        for (into, counts) in self.rules.iter_mut().zip(rules) {
            merge(into, counts);
        }
    }

    /// Every part's counts (`unique`), summed.
    fn read(work: &Work) -> Result<Histogram> {
        let mut total = Histogram {
            rules: vec![Vec::new(); RULES.len()],
            ..Default::default()
        };
        for path in parts(&work.0.join("candidates"), "json")? {
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let h: Histogram = serde_json::from_slice(&bytes)
                .ok()
                .filter(|h: &Histogram| h.rules.len() == RULES.len())
                .ok_or_else(|| {
                    Error::Run(format!("{}: damaged; run the steps again", path.display()))
                })?;
            let counts = |v: Vec<(u32, u64)>| v.into_iter().collect::<AHashMap<u32, u64>>();
            total.add(
                counts(h.candidates),
                h.rules.into_iter().map(counts).collect(),
            );
        }
        Ok(total)
    }
}

/// Step 7 (driver): the model, estimated as a local run estimates it (`Model::fit`), from the
/// counted patterns and every record's forms (for the random pairs and the names' frequencies).
pub fn model(config: &Config, work: &Work) -> Result<()> {
    let plan = Plan::read(work)?;
    let (_, forms, _) = all_forms(config, work)?;
    let (links, packed): (Vec<Linkable>, Vec<Packed>) = forms.into_iter().unzip();
    let records = Plain::new(&links, &packed);
    let left_out = plan.left_out_flags();
    let model = if score::estimated(&config.score, records.len(), &mut Vec::new()) {
        let h = Histogram::read(work)?;
        let cand = h
            .candidates
            .iter()
            .map(|&(p, c)| (levels::pattern_of_key(p), c))
            .collect();
        let samples: Vec<_> = RULES
            .iter()
            .zip(&h.rules)
            .map(|(r, counts)| {
                let known = counts
                    .iter()
                    .flat_map(|&(p, c)| std::iter::repeat_n(levels::pattern_of_key(p), c as usize))
                    .collect();
                (r.uses, known)
            })
            .collect();
        Model::fit_histogram(&records, &cand, &samples, &left_out)
    } else {
        Model::fixed()
    };
    crate::store::write_whole(&work.model(), &model.ship())
}

fn read_model(work: &Work) -> Result<Model> {
    let path = work.model();
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    Model::unship(&bytes)
        .ok_or_else(|| Error::Run(format!("{}: not a model padan wrote", path.display())))
}

/// Step 8 (a task per part of the unique pairs, `part`): each pair weighed; those at or above
/// the floor written with their weight and levels.
pub fn weigh(config: &Config, work: &Work, part: &Path) -> Result<()> {
    let model = read_model(work)?;
    let df = read(part)?;
    let a = numbers::<UInt32Type>(part, &df, "a")?;
    let b = numbers::<UInt32Type>(part, &df, "b")?;
    let pairs: Vec<(u32, u32)> = a.into_iter().zip(b).collect();
    let mut levels = score::Levels::default();
    for key in numbers::<UInt32Type>(part, &df, "pattern")? {
        levels.push(levels::pattern_of_key(key));
    }
    let names = numbers::<Int64Type>(part, &df, "name")?;
    let t = config.score.thresholds(model.kind == score::ModelKind::Em);
    let scored = score::weigh(|i| names[i] as u64, &pairs, &levels, &model, &t);
    write(
        &work.out_of("scored", part, "parquet"),
        scored.len(),
        |range| {
            let s = &scored[range];
            DataFrame::new_infer_height(vec![
                Column::new(
                    "a".into(),
                    s.iter().map(|s| i64::from(s.a)).collect::<Vec<_>>(),
                ),
                Column::new(
                    "b".into(),
                    s.iter().map(|s| i64::from(s.b)).collect::<Vec<_>>(),
                ),
                Column::new(
                    "weight".into(),
                    s.iter().map(|s| s.weight).collect::<Vec<_>>(),
                ),
                Column::new(
                    "pattern".into(),
                    s.iter()
                        .map(|s| levels::pattern_key(&s.levels) as i32)
                        .collect::<Vec<_>>(),
                ),
            ])
        },
    )
}

/// Step 9 (driver): the merge `padan run --full` makes, with the pairs blocked and scored by the
/// steps before; returns the summary and the generation's folder.
pub fn finish(config: &Config, work: &Work) -> Result<(Summary, PathBuf)> {
    sources(config, CHUNK_BYTES)?;
    let mut config = config.clone();
    config.incremental = false;
    config.today = Some(Plan::read(work)?.today);
    let elsewhere = |names: Vec<u64>, progress: &crate::progress::Progress| {
        let stats = read_stats(work)?;
        let model = read_model(work)?;
        let candidates = parts(&work.0.join("candidates"), "parquet")?
            .iter()
            .map(|p| files::rows(p))
            .sum::<Result<u64>>()?;
        let stage = progress.counted("score", candidates, "pairs");
        let mut scored = Vec::new();
        for path in parts(&work.0.join("scored"), "parquet")? {
            let df = read(&path)?;
            let a = numbers::<UInt32Type>(&path, &df, "a")?;
            let b = numbers::<UInt32Type>(&path, &df, "b")?;
            let w = numbers::<Float64Type>(&path, &df, "weight")?;
            let p = numbers::<UInt32Type>(&path, &df, "pattern")?;
            for (((a, b), weight), p) in a.into_iter().zip(b).zip(w).zip(p) {
                scored.push(Scored {
                    a,
                    b,
                    weight,
                    levels: levels::pattern_of_key(p),
                    decision: Decision::NonMatch,
                });
            }
        }
        let mut warnings = Vec::new();
        let em = score::estimated(&config.score, names.len(), &mut warnings);
        warnings.extend(score::unconverged(&model));
        score::threshold::decide(&mut scored, &config.score.thresholds(em));
        let thresholds = score::settle(&config.score, em, &mut scored, &mut warnings);
        let blocking = block::Blocking {
            rules: stats.rules,
            large: stats.large.into_iter().map(|(l, _)| l).collect(),
            ..Default::default()
        };
        let scoring = score::Scoring {
            scored,
            model,
            thresholds,
            names,
            compared: candidates,
            reused: 0,
            candidate_pairs: candidates,
            seconds: Default::default(),
            progress: stage,
            warnings,
        };
        Ok((blocking, scoring))
    };
    crate::pipeline::run_with(&config, Some(&elsewhere))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_reads_dates_against_the_day_the_exports_were_prepared() {
        let dir = tempfile::tempdir().unwrap();
        let toml = "[[source]]\nname = \"a\"\npath = \"a.csv\"\n\n[[source]]\nname = \"b\"\npath = \"b.csv\"\n";
        for f in ["a.csv", "b.csv"] {
            std::fs::write(dir.path().join(f), "record_id,full_name\n").unwrap();
        }
        let config = Config::parse(toml, &dir.path().join("padan.toml")).unwrap();
        let work = Work::new(dir.path());
        let day = |k: usize, d: &str| {
            let c = Chunk {
                source: k,
                index: 0,
                of: 1,
            };
            let path = work.prepared(c).with_extension("day");
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, d).unwrap();
        };
        day(0, "2026-12-31");
        day(1, "2026-12-31");
        let want = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(prepared_day(&config, &work).unwrap(), want);
        // A job that crossed midnight while preparing stops, rather than reading one export's
        // two-digit years against another year than the other's.
        day(1, "2027-01-01");
        let e = prepared_day(&config, &work).unwrap_err().to_string();
        assert!(e.contains("different days"), "{e}");
    }

    #[test]
    fn an_export_with_a_chunk_missing_stops_the_steps() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "record_id,full_name\n").unwrap();
        let toml = "[[source]]\nname = \"a\"\npath = \"a.csv\"\n";
        let config = Config::parse(toml, &dir.path().join("padan.toml")).unwrap();
        let work = Work::new(dir.path());
        let done = |index, of| {
            let c = Chunk {
                source: 0,
                index,
                of,
            };
            let path = work.prepared(c).with_extension("day");
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "2026-12-06").unwrap();
        };
        done(0, 3);
        done(2, 3);
        let e = all_chunks(&config, &work).unwrap_err().to_string();
        assert!(e.contains("`a` are not all prepared"), "{e}");
        done(1, 3);
        let chunks = all_chunks(&config, &work).unwrap();
        assert_eq!(
            chunks.iter().map(|c| c.index).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        // A chunk of another division of the export (two runs mixed) is no part of this one.
        done(0, 2);
        assert!(all_chunks(&config, &work).is_err());
    }
}
