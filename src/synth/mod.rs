//! `padan synth`: a synthetic multi-agency registry with ground truth, for tests and benchmarks.
//!
//! Reads: nothing but its `Options`. Writes into the output folder: one export per agency, each
//! in its own schema (`schema`); `padan.toml`, which maps every export for `padan run`;
//! `truth.csv` (`source,record_id,person_id`, one row per data row written); and `synth.json`
//! (the options, the row counts and how much of each kind of noise came out).
//!
//! How: people are made household by household (`person`), in chunks of about `CHUNK` people.
//! Each chunk is generated in parallel, its identity numbers made unique in person order, its
//! records drawn and written into per-agency byte buffers in parallel (`noise`, `schema`), then
//! appended to the open files in order — while the next chunk is being made. Only one or two
//! chunks are ever in memory, plus the set of issued identity numbers.
//!
//! Invariants:
//! - Deterministic: the same options give byte-identical files, whatever the thread count.
//!   Every random choice comes from a stream keyed by (seed, household), (seed, person) or
//!   (seed, chunk, agency) (`rng`); chunk boundaries depend only on the options; parallel
//!   results are put back in order before anything is written; nothing reads the clock.
//! - The population does not depend on the noise rates, `--dup-rate` or `--agencies`.
//! - Every person has at least one record; every record has a name; record ids are unique per
//!   agency and in file order.
//! - Nothing personal is logged: the caller prints counts only.
//! - The generator keeps its own name lists, variant tables, place-of-birth codes and IC logic;
//!   it never uses padan's normaliser, or it would only test what the matcher already knows.

pub mod geo;
pub mod names;
pub mod noise;
pub mod person;
pub mod rng;
pub mod schema;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::json;

use crate::error::{Error, Result};
pub use noise::{Count, Kind, Rates, Stats};
use person::{household, layout, push_padded, Issued};
pub use person::{ic_digits, Ethnicity, Person, Sex};
use rng::{Rng, STREAM_RECORDS, STREAM_SHUFFLE};
use schema::{Enc, Schema, SCHEMAS};

/// People per chunk: what is in memory at once (twice, while one is written).
pub const CHUNK: u64 = 20_000;
/// People per parallel task within a chunk.
const BATCH: usize = 256;
/// At most this many agencies (the schemas are used again, under new names, past eight).
pub const MAX_AGENCIES: usize = 64;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    pub people: u64,
    pub seed: u64,
    /// The share of people with more than one record.
    pub dup_rate: f64,
    /// The share of people with two records in one agency (counted within `dup_rate`).
    pub rereg_rate: f64,
    pub agencies: usize,
    pub rates: Rates,
}

impl Options {
    /// The defaults for `people` people from `seed`.
    pub fn new(people: u64, seed: u64) -> Options {
        Options {
            people,
            seed,
            dup_rate: 0.5,
            rereg_rate: 0.02,
            agencies: 5,
            rates: Rates::default(),
        }
    }

    /// Checks the options: every mistake is an `Error::Config` naming the flag.
    pub fn check(&self) -> Result<()> {
        if self.people == 0 {
            return Err(Error::Config(
                "padan synth: --people must be at least 1".into(),
            ));
        }
        if self.agencies == 0 || self.agencies > MAX_AGENCIES {
            return Err(Error::Config(format!(
                "padan synth: --agencies must be between 1 and {MAX_AGENCIES} (got {})",
                self.agencies
            )));
        }
        let mut rates: Vec<(String, f64)> = vec![
            ("--dup-rate".into(), self.dup_rate),
            ("--rereg-rate".into(), self.rereg_rate),
        ];
        for k in Kind::ALL {
            rates.push((
                format!("--{}-rate", k.name().replace('_', "-")),
                self.rates.get(k),
            ));
        }
        for (flag, r) in rates {
            if !(0.0..=1.0).contains(&r) {
                return Err(Error::Config(format!(
                    "padan synth: {flag} must be between 0 and 1 (got {r})"
                )));
            }
        }
        Ok(())
    }
}

/// One agency of this registry: a schema under a source name.
pub struct Agency {
    pub name: String,
    pub file: String,
    pub schema: &'static Schema,
}

/// The first `k` agencies: the schemas in order, then again as `perkeso2`, `jkm2`, ...
pub fn agencies(k: usize) -> Vec<Agency> {
    (0..k)
        .map(|i| {
            let schema = &SCHEMAS[i % SCHEMAS.len()];
            let round = i / SCHEMAS.len();
            let name = if round == 0 {
                schema.key.to_string()
            } else {
                format!("{}{}", schema.key, round + 1)
            };
            Agency {
                file: format!("{name}.{}", schema.ext),
                name,
                schema,
            }
        })
        .collect()
}

/// One export written.
#[derive(Clone, Debug)]
pub struct FileCount {
    pub source: String,
    pub path: PathBuf,
    pub rows: u64,
}

/// What was written.
#[derive(Clone, Debug)]
pub struct Summary {
    pub files: Vec<FileCount>,
    pub rows: u64,
    pub persons: u64,
    pub persons_with_several_records: u64,
    /// People with two records in one agency.
    pub reregistered: u64,
    pub stats: Stats,
}

/// Cuts the households into chunks of about `CHUNK` people; the last household is cut short
/// so there are exactly `total` people.
struct Planner {
    seed: u64,
    household: u64,
    next: u64,
    total: u64,
}

/// (household, index of its first person, people taken from it)
type Plan = Vec<(u64, u64, u32)>;

impl Planner {
    fn new(seed: u64, total: u64) -> Planner {
        Planner {
            seed,
            household: 0,
            next: 0,
            total,
        }
    }

    fn next_chunk(&mut self) -> Option<Plan> {
        if self.next >= self.total {
            return None;
        }
        let start = self.next;
        let mut plan = Vec::new();
        while self.next < self.total && self.next - start < CHUNK {
            let size = layout(self.seed, self.household).size() as u64;
            let take = size.min(self.total - self.next) as u32;
            plan.push((self.household, self.next, take));
            self.next += take as u64;
            self.household += 1;
        }
        Some(plan)
    }
}

fn people_of(seed: u64, plan: &Plan, issued: &mut Issued) -> Vec<Person> {
    let groups: Vec<Vec<Person>> = plan
        .par_iter()
        .map(|&(h, first, take)| household(seed, h, first, take))
        .collect();
    let mut people: Vec<Person> = groups.into_iter().flatten().collect();
    issued.fix(&mut people);
    people
}

/// The clean population for a seed, in person order: what every record is a noisy copy of.
/// Holds everyone in memory; for tests and small registries.
pub fn population(seed: u64, people: u64) -> Vec<Person> {
    let mut planner = Planner::new(seed, people);
    let mut issued = Issued::default();
    let mut out = Vec::with_capacity(people as usize);
    while let Some(plan) = planner.next_chunk() {
        out.extend(people_of(seed, &plan, &mut issued));
    }
    out
}

/// Chooses the agencies holding a record of `p` (an agency twice for a re-registration).
/// Returns (several records, re-registered).
fn assign(
    rng: &mut Rng,
    p: &Person,
    ag: &[Agency],
    o: &Options,
    out: &mut Vec<usize>,
) -> (bool, bool) {
    out.clear();
    let m = if rng.chance(o.dup_rate) {
        rng.weighted(&[(2usize, 60), (3, 25), (4, 10), (5, 5)])
    } else {
        1
    };
    let p_same = if o.dup_rate > 0.0 {
        (o.rereg_rate / o.dup_rate).min(1.0)
    } else {
        0.0
    };
    let rereg = m >= 2 && rng.chance(p_same);
    let distinct = if rereg { m - 1 } else { m };
    let mut w = [0u32; MAX_AGENCIES];
    for (i, a) in ag.iter().enumerate() {
        w[i] = (a.schema.weight)(p);
    }
    while out.len() < distinct {
        let total: u32 = w[..ag.len()].iter().sum();
        if total == 0 {
            break;
        }
        let mut r = rng.below(total as usize) as u32;
        let mut pick = 0;
        for (i, &wi) in w[..ag.len()].iter().enumerate() {
            if r < wi {
                pick = i;
                break;
            }
            r -= wi;
        }
        out.push(pick);
        w[pick] = 0;
    }
    if out.is_empty() {
        out.push(0);
    }
    // Fewer agencies than records (a re-registration, or few agencies): the same one again.
    let different = out.len();
    while out.len() < m {
        let again = out[rng.below(out.len())];
        out.push(again);
    }
    (m >= 2, m > different)
}

/// The rows one batch of people produced, per agency: bytes, and (start, end, person) per row.
struct Batch {
    bufs: Vec<Vec<u8>>,
    rows: Vec<Vec<(u32, u32, u64)>>,
    stats: Stats,
    several: u64,
    rereg: u64,
}

fn render(people: &[Person], ag: &[Agency], o: &Options) -> Batch {
    let k = ag.len();
    let holds: Vec<noise::Holds> = ag.iter().map(|a| a.schema.holds()).collect();
    let mut b = Batch {
        bufs: (0..k)
            .map(|_| Vec::with_capacity(people.len() * 60))
            .collect(),
        rows: (0..k)
            .map(|_| Vec::with_capacity(people.len() / 2))
            .collect(),
        stats: Stats::default(),
        several: 0,
        rereg: 0,
    };
    let mut rec = noise::Rec::default();
    let mut line = String::with_capacity(256);
    let mut v = String::with_capacity(64);
    let mut picks = Vec::with_capacity(8);
    for p in people {
        let mut rng = Rng::new(o.seed, STREAM_RECORDS, p.index);
        let (several, rereg) = assign(&mut rng, p, ag, o, &mut picks);
        b.several += several as u64;
        b.rereg += rereg as u64;
        for &a in &picks {
            let schema = ag[a].schema;
            let mut n = noise::Noise {
                rng: &mut rng,
                rates: &o.rates,
                stats: &mut b.stats,
            };
            noise::record(&mut n, p, &holds[a], &mut rec);
            schema.write_row(&mut n, &rec, &mut line, &mut v);
            let buf = &mut b.bufs[a];
            let start = buf.len();
            if schema.enc == Enc::Windows1252 {
                let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&line);
                debug_assert!(!unmappable, "a character outside windows-1252");
                buf.extend_from_slice(&bytes);
            } else {
                buf.extend_from_slice(line.as_bytes());
            }
            b.rows[a].push((start as u32, buf.len() as u32, p.index));
        }
    }
    b
}

/// A chunk's rows, ready to write.
struct Chunk {
    no: u64,
    batches: Vec<Batch>,
}

fn produce(o: &Options, ag: &[Agency], no: u64, plan: &Plan, issued: &mut Issued) -> Chunk {
    let people = people_of(o.seed, plan, issued);
    let batches = people
        .par_chunks(BATCH)
        .map(|ps| render(ps, ag, o))
        .collect();
    Chunk { no, batches }
}

struct Out {
    files: Vec<(PathBuf, BufWriter<File>)>,
    truth: (PathBuf, BufWriter<File>),
    counters: Vec<u64>,
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    let f = File::create(path).map_err(|e| Error::io(path, e))?;
    Ok(BufWriter::with_capacity(1 << 20, f))
}

fn put(w: &mut (PathBuf, BufWriter<File>), bytes: &[u8]) -> Result<()> {
    w.1.write_all(bytes).map_err(|e| Error::io(&w.0, e))
}

/// Appends a chunk's rows to the files: each agency's rows in a shuffled order (so a person's
/// records are not neighbours), numbered on from the agency's last id.
fn write_chunk(
    c: &Chunk,
    o: &Options,
    ag: &[Agency],
    out: &mut Out,
    stats: &mut Summary,
) -> Result<()> {
    let mut id = String::with_capacity(24);
    let mut truth = String::with_capacity(64);
    for (a, agency) in ag.iter().enumerate() {
        let mut order: Vec<(u32, u32)> = c
            .batches
            .iter()
            .enumerate()
            .flat_map(|(bi, b)| (0..b.rows[a].len() as u32).map(move |r| (bi as u32, r)))
            .collect();
        Rng::new(
            o.seed,
            STREAM_SHUFFLE,
            c.no * MAX_AGENCIES as u64 + a as u64,
        )
        .shuffle(&mut order);
        for (bi, r) in order {
            let b = &c.batches[bi as usize];
            let (start, end, person) = b.rows[a][r as usize];
            out.counters[a] += 1;
            id.clear();
            id.push_str(agency.schema.id_prefix);
            push_padded(&mut id, out.counters[a], agency.schema.id_digits);
            put(&mut out.files[a], id.as_bytes())?;
            put(&mut out.files[a], &b.bufs[a][start as usize..end as usize])?;
            truth.clear();
            truth.push_str(&agency.name);
            truth.push(',');
            truth.push_str(&id);
            truth.push_str(",T");
            push_padded(&mut truth, person + 1, 7);
            truth.push('\n');
            put(&mut out.truth, truth.as_bytes())?;
        }
    }
    for b in &c.batches {
        stats.stats.add(&b.stats);
        stats.persons_with_several_records += b.several;
        stats.reregistered += b.rereg;
    }
    Ok(())
}

/// Writes the registry into `dir` (created if needed). Errors name the path.
pub fn generate(o: &Options, dir: &Path) -> Result<Summary> {
    o.check()?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let ag = agencies(o.agencies);
    let mut out = Out {
        files: Vec::with_capacity(ag.len()),
        truth: (dir.join("truth.csv"), create(&dir.join("truth.csv"))?),
        counters: vec![0; ag.len()],
    };
    for a in &ag {
        let path = dir.join(&a.file);
        let mut w = (path.clone(), create(&path)?);
        if a.schema.enc == Enc::Utf8Bom {
            put(&mut w, "\u{FEFF}".as_bytes())?;
        }
        put(&mut w, a.schema.header().as_bytes())?;
        out.files.push(w);
    }
    put(&mut out.truth, b"source,record_id,person_id\n")?;

    let mut summary = Summary {
        files: Vec::new(),
        rows: 0,
        persons: o.people,
        persons_with_several_records: 0,
        reregistered: 0,
        stats: Stats::default(),
    };
    let mut planner = Planner::new(o.seed, o.people);
    let mut issued = Issued::default();
    let mut pending: Option<Chunk> = None;
    let mut no = 0;
    loop {
        let plan = planner.next_chunk();
        if plan.is_none() && pending.is_none() {
            break;
        }
        // Write the previous chunk while the next one is made.
        let (written, next) = rayon::join(
            || match &pending {
                Some(c) => write_chunk(c, o, &ag, &mut out, &mut summary),
                None => Ok(()),
            },
            || plan.map(|p| produce(o, &ag, no, &p, &mut issued)),
        );
        written?;
        pending = next;
        no += 1;
    }
    for (path, w) in out.files.iter_mut().chain(std::iter::once(&mut out.truth)) {
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    for (i, a) in ag.iter().enumerate() {
        summary.files.push(FileCount {
            source: a.name.clone(),
            path: dir.join(&a.file),
            rows: out.counters[i],
        });
    }
    summary.rows = out.counters.iter().sum();
    write_config(o, &ag, dir)?;
    write_manifest(o, &summary, dir)?;
    Ok(summary)
}

/// The command line that reproduces these files (for the comment in padan.toml).
pub fn command_line(o: &Options) -> String {
    let mut s = format!(
        "padan synth --people {} --seed {} --dup-rate {} --rereg-rate {} --agencies {}",
        o.people, o.seed, o.dup_rate, o.rereg_rate, o.agencies
    );
    for k in Kind::ALL {
        s.push_str(&format!(
            " --{}-rate {}",
            k.name().replace('_', "-"),
            o.rates.get(k)
        ));
    }
    s
}

fn write_config(o: &Options, ag: &[Agency], dir: &Path) -> Result<()> {
    let mut s = String::new();
    s.push_str("# Synthetic agency exports written by padan synth; every person is made up.\n");
    s.push_str(&format!("# {}\n", command_line(o)));
    s.push_str("# Run:   padan run --config padan.toml\n");
    s.push_str("# Check: padan eval --truth truth.csv --crosswalk out/current/crosswalk.csv\n\n");
    s.push_str("[run]\nout = \"out\"\n");
    for (i, a) in ag.iter().enumerate() {
        s.push('\n');
        s.push_str(&a.schema.toml(&a.name, &a.file, i + 1));
    }
    let path = dir.join("padan.toml");
    std::fs::write(&path, s).map_err(|e| Error::io(&path, e))
}

fn write_manifest(o: &Options, s: &Summary, dir: &Path) -> Result<()> {
    let mut rates = serde_json::Map::new();
    let mut noise = serde_json::Map::new();
    for k in Kind::ALL {
        rates.insert(k.name().into(), json!(o.rates.get(k)));
        let c = s.stats.get(k);
        noise.insert(
            k.name().into(),
            json!({"eligible": c.eligible, "applied": c.applied, "share": c.share()}),
        );
    }
    let files: Vec<_> = s
        .files
        .iter()
        .map(|f| {
            json!({
                "source": f.source,
                "path": f.path.file_name().map(|n| n.to_string_lossy().into_owned()),
                "rows": f.rows,
            })
        })
        .collect();
    let v = json!({
        "command": command_line(o),
        "seed": o.seed,
        "people": o.people,
        "agencies": o.agencies,
        "dup_rate": o.dup_rate,
        "rereg_rate": o.rereg_rate,
        "rates": rates,
        "files": files,
        "rows": s.rows,
        "persons_with_several_records": s.persons_with_several_records,
        "reregistered": s.reregistered,
        "noise": noise,
    });
    let path = dir.join("synth.json");
    let mut text = serde_json::to_string_pretty(&v)
        .map_err(|e| Error::Run(format!("{}: {e}", path.display())))?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_exactly_the_people_asked_for() {
        for total in [1, 7, CHUNK - 1, CHUNK + 3] {
            let mut p = Planner::new(3, total);
            let mut n = 0;
            let mut expect_first = 0;
            while let Some(plan) = p.next_chunk() {
                for (_, first, take) in plan {
                    assert_eq!(first, expect_first);
                    expect_first += take as u64;
                    n += take as u64;
                }
            }
            assert_eq!(n, total);
        }
    }

    #[test]
    fn options_are_checked() {
        let mut o = Options::new(0, 1);
        assert_eq!(o.check().unwrap_err().exit_code(), 2);
        o.people = 10;
        assert!(o.check().is_ok());
        o.rates.set(Kind::Typo, 1.5);
        let e = o.check().unwrap_err();
        assert!(e.to_string().contains("--typo-rate"), "{e}");
        o.rates.set(Kind::Typo, 0.1);
        o.agencies = 0;
        assert!(o.check().is_err());
    }

    #[test]
    fn agencies_cycle_with_distinct_names() {
        let a = agencies(10);
        assert_eq!(a[0].name, "perkeso");
        assert_eq!(a[8].name, "perkeso2");
        assert_eq!(a[8].file, "perkeso2.csv");
        let mut names: Vec<_> = a.iter().map(|a| a.name.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 10);
    }

    #[test]
    fn every_person_gets_a_record_and_the_dup_rate_holds() {
        let o = Options::new(4000, 11);
        let ag = agencies(o.agencies);
        let people = population(o.seed, o.people);
        let mut picks = Vec::new();
        let mut several = 0;
        for p in &people {
            let mut rng = Rng::new(o.seed, STREAM_RECORDS, p.index);
            let (s, _) = assign(&mut rng, p, &ag, &o, &mut picks);
            assert!(!picks.is_empty());
            assert!(picks
                .iter()
                .all(|&a| (ag[a].schema.weight)(p) > 0 || picks.len() == 1));
            several += s as u64;
        }
        let share = several as f64 / people.len() as f64;
        assert!((share - 0.5).abs() < 0.03, "{share}");
    }
}
