//! A run, as its list of stages: ingest → normalise → block → score → cluster → register → a
//! written generation.
//!
//! `run` links this night's exports against the store's previous generation, which lends what
//! an incremental run keeps (`previous`), and writes the next generation (`write`). `link`
//! links them in memory, with no store. Both go through the same stages (`link_ingested`).

mod previous;
mod timing;
mod write;

pub use previous::REFIT_SHARE;
pub use timing::peak_memory;
pub use write::summary;

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::block::{self, Blocking};
use crate::cluster;
use crate::config::{Config, Thresholds};
use crate::decisions::{self, Decisions};
use crate::error::Result;
use crate::ingest::{self, Ingested};
use crate::normalise::stage::{self as normalising, Forms};
use crate::normalise::{Marks, NormRecord, Records, Unreadable};
use crate::progress::Counter;
use crate::quality::{self, DataQuality, Repeats};
use crate::register::{self, ids, Register};
use crate::score::{self, Decision, Model, Scored};
use crate::store::{self, stored::Spills};
use crate::summary::{Linking, Summary};
use previous::Previous;
use timing::Timing;

/// What linking made: what every file of a generation, and the report, is made from.
pub struct Linked<R> {
    pub ing: Ingested,
    /// Each record's content hash (`ingest::Record::content_hash`).
    pub hashes: Vec<u64>,
    /// The normalised records: the store's files, or memory.
    pub records: R,
    pub quality: DataQuality,
    pub linking: Linking,
    /// The blocking rules' statistics and the largest blocks (the pairs are scored).
    pub blocking: Blocking,
    pub candidate_pairs: u64,
    pub model: Model,
    pub thresholds: Thresholds,
    /// Every record's name (`score::Comparable::names`), for the model's name frequencies.
    pub names: Vec<u64>,
    /// The pairs at or above the floor, strongest first.
    pub scored: Vec<Scored>,
    /// Match pairs the clustering's constraints refused (now in review).
    pub refused: u64,
    pub decisions: Option<Decisions>,
    pub reg: Register,
    /// Persons changed since the previous generation.
    pub changes: Vec<ids::Change>,
    pub warnings: Vec<String>,
    /// Every candidate pair, when linked in memory (for diagnosing missed pairs; a run with a
    /// store does not keep them).
    pub candidates: Vec<(u32, u32)>,
}

/// Where a run keeps what it does not need in memory.
#[derive(Clone, Copy)]
enum Keeping<'a> {
    /// In the store's folder: the records' values as they came in move to an unnamed file
    /// there once normalised.
    Store(&'a Path),
    /// In memory, the candidate pairs too.
    Memory,
}

/// Pairs blocked and scored elsewhere (the Spark steps, `crate::spark`): given every record's
/// name, the blocking's statistics and the scoring.
pub type Elsewhere<'a> =
    &'a dyn Fn(Vec<u64>, &crate::progress::Progress) -> Result<(Blocking, score::Scoring)>;

/// Runs the whole merge into the store `config.out`; returns the summary and the committed
/// generation's folder.
pub fn run(config: &Config) -> Result<(Summary, PathBuf)> {
    run_with(config, None)
}

/// `run`, with the pairs blocked and scored `elsewhere` when given (plaintext sources only).
pub fn run_with(config: &Config, elsewhere: Option<Elsewhere>) -> Result<(Summary, PathBuf)> {
    let mut t = Timing::new();
    let mut warnings = Vec::new();
    if let Some(d) = &config.decisions {
        if !d.is_file() {
            return Err(crate::Error::Config(format!(
                "{}: the decisions file does not exist",
                d.display()
            )));
        }
    }
    let started = Instant::now();
    let stage = t.progress.stage("ingest");
    let encoded = is_encoded(config)?;
    let opened = if encoded {
        None
    } else {
        Some(ingest::open_all(config)?)
    };
    // Once the inputs are known to fit the configuration, before any row is read: one run per
    // store, of a format this version reads.
    let _lock = store::lock(&config.out)?;
    // The previous generation, resolved once: every file of it is read from there.
    let current = store::current(&config.out, &mut warnings)?;
    store::remove_leftovers(&config.out, &mut warnings)?;
    let today = config.today();
    let fingerprint = store::fingerprint::link(config, chrono::Datelike::year(&today));
    let (ing, encodings) = match opened {
        Some(opened) => (ingest::read(config, opened)?, None),
        None => {
            let (ing, e) = ingest::encoded::read(config, crate::normalise::encoded::VERSION)?;
            warnings.extend(key_check_warnings(&ing, &e));
            (ing, Some(e))
        }
    };
    warnings.extend(quality::check_counts(config, &ing, current.as_deref())?);
    stage.done(&format!(
        "{} records, {} rejected",
        ing.records.len(),
        ing.rejects.len()
    ));
    t.end("ingest", started);

    let started = Instant::now();
    let (hashes, repeats) = match &encodings {
        None => content(&ing, &mut warnings),
        // An encoded record's content is its encoding.
        Some(e) => {
            let hashes: Vec<u64> = (0..e.len())
                .into_par_iter()
                .map(|i| xxhash_rust::xxh3::xxh3_64(e.get(i)))
                .collect();
            let repeats = quality::repeats(&ing, &hashes);
            warnings.extend(repeats.quality.warning());
            (hashes, repeats)
        }
    };
    let mut previous = Previous::read(config, current, &ing, &hashes, fingerprint, &mut warnings);
    t.took("ingest.plan", started);
    // An incremental run takes unchanged records' normalised forms from the previous
    // generation; every whole record goes to the store's files as it is made.
    let kept = match encodings {
        None => previous.kept_records(fingerprint, &mut warnings),
        Some(_) => None,
    };
    let generation = store::generations(&config.out).last().map_or(1, |n| n + 1);
    let drift = previous.linking.records_changed_since_model;
    let normalise = |ing: &Ingested, counter: &Counter| {
        let mut spills = Spills::new(&config.out, fingerprint, ing.records.len())?;
        if let Some(e) = &encodings {
            return encoded_forms(ing, e, counter, spills);
        }
        let reused = |i| kept.as_ref()?.reused(i);
        let done = |i| kept.iter().for_each(|k| k.done(i));
        let forms = normalising::stage(ing, today, counter, &reused, &done, &mut spills)?;
        let files = spills.finish()?;
        let unreadable = crate::normalise::unreadable_per_source(ing, |i| files.records.marks(i));
        Ok((forms, files, unreadable))
    };
    let linked = link_ingested(
        config,
        &mut t,
        (ing, hashes, repeats),
        &mut previous,
        generation,
        warnings,
        normalise,
        Keeping::Store(&config.out),
        elsewhere,
    )?;
    write::generation(config, t, linked, fingerprint, drift)
}

/// Links the exports `config` names in memory, with no store: every record normalised,
/// blocked, compared and clustered, and the persons given fresh ids. What `padan eval
/// --pairs` and the report's tests use.
pub fn link(config: &Config) -> Result<Linked<Vec<NormRecord>>> {
    let mut t = Timing::new();
    let mut warnings = Vec::new();
    let ing = ingest::read_all(config)?;
    warnings.extend(quality::check_counts(config, &ing, None)?);
    let (hashes, repeats) = content(&ing, &mut warnings);
    let today = config.today();
    let normalise = |ing: &Ingested, counter: &Counter| {
        let mut kept: Vec<(NormRecord, Marks)> = Vec::with_capacity(ing.records.len());
        let forms = normalising::stage(ing, today, counter, &|_| None, &|_| {}, &mut kept)?;
        let unreadable = crate::normalise::unreadable_per_source(ing, |i| kept[i].1);
        Ok((
            forms,
            kept.into_iter().map(|(r, _)| r).collect(),
            unreadable,
        ))
    };
    link_ingested(
        config,
        &mut t,
        (ing, hashes, repeats),
        &mut Previous::none(),
        1,
        warnings,
        normalise,
        Keeping::Memory,
        None,
    )
}

/// The records' content hashes, and the groups of records repeated more often than one
/// person's can be.
fn content(ing: &Ingested, warnings: &mut Vec<String>) -> (Vec<u64>, Repeats) {
    let hashes: Vec<u64> = ing.records.par_iter().map(|r| r.content_hash()).collect();
    let repeats = quality::repeats(ing, &hashes);
    warnings.extend(repeats.quality.warning());
    (hashes, repeats)
}

/// The stages after ingest, in order. `normalise` makes every record's linking forms and
/// keeps the whole records (in the store's files, or in memory); `previous` lends what an
/// incremental run keeps; `keeping` says where what is not needed in memory goes.
#[allow(clippy::too_many_arguments)]
fn link_ingested<R: Records>(
    config: &Config,
    t: &mut Timing,
    (mut ing, hashes, repeats): (Ingested, Vec<u64>, Repeats),
    previous: &mut Previous,
    generation: u32,
    mut warnings: Vec<String>,
    normalise: impl FnOnce(&Ingested, &Counter) -> Result<(Forms, R, Vec<Unreadable>)>,
    keeping: Keeping,
    elsewhere: Option<Elsewhere>,
) -> Result<Linked<R>> {
    let started = Instant::now();
    let stage = t
        .progress
        .counted("normalise", ing.records.len() as u64, "records");
    let (forms, records, unreadable) = normalise(&ing, &stage.counter())?;
    let mut linking = previous.linking.clone();
    linking.records_normalised = forms.normalised;
    // Only the review file and the report read the values as they came in, for few records.
    if let Keeping::Store(dir) = keeping {
        ing.spill(dir)?;
    }
    stage.done("");
    t.end("normalise", started);
    warnings.extend(unreadable_warnings(&ing, &unreadable));

    let mut blocking = Blocking::default();
    if elsewhere.is_none() {
        let started = Instant::now();
        let stage = t
            .progress
            .counted("block", block::RULES.len() as u64, "rules");
        blocking = block::candidates_touching(
            &forms.links,
            (&config.block).into(),
            previous.dirty(),
            &stage.counter(),
        );
        stage.done(&format!("{} candidate pairs", blocking.pairs.len()));
        t.end("block", started);
        t.seconds.insert("block.tokens", blocking.context_seconds);
        t.seconds.insert("block.union", blocking.union_seconds);
        warnings.extend(windowed_warning(config, &blocking));
    }

    let candidates = match keeping {
        Keeping::Memory => blocking.pairs.clone(),
        Keeping::Store(_) => Vec::new(),
    };
    let started = Instant::now();
    let Forms {
        links,
        packed,
        encoded,
        ..
    } = forms;
    let (kept_scores, left_out) = (previous.kept_scores(), &repeats.left_out);
    // Linking is over once scored: what clustering needs of the records is taken first.
    let mut constraints = cluster::constraints(config, &ing, &links);
    if let Some(e) = &encoded {
        constraints.ic = e
            .par_iter()
            .map(|r| r.ic_valid.then(|| r.ic.text().into()))
            .collect();
        constraints.ics_conflict = Some(crate::normalise::encoded::ics_conflict);
    }
    let scoring = match (elsewhere, encoded) {
        (Some(scored), _) => {
            let names = score::Comparable::names(&score::Plain::new(&links, &packed));
            let (b, scoring) = scored(names, &t.progress)?;
            blocking = b;
            warnings.extend(windowed_warning(config, &blocking));
            scoring
        }
        (None, Some(encoded)) => score::stage(
            &config.score,
            encoded,
            &mut blocking,
            kept_scores,
            left_out,
            &t.progress,
        ),
        (None, None) => score::stage(
            &config.score,
            score::Plain {
                links: &links,
                packed,
            },
            &mut blocking,
            kept_scores,
            left_out,
            &t.progress,
        ),
    };
    warnings.extend(scoring.warnings);
    linking.pairs_compared = scoring.compared;
    linking.pairs_reused = scoring.reused;
    drop(links);
    let mut scored = scoring.scored;
    let sorting = Instant::now();
    score::sort(&mut scored);
    let seconds = &scoring.seconds;
    t.seconds.insert("score.compare", seconds.compare);
    t.seconds.insert("score.fit", seconds.fit);
    let weigh = seconds.weigh + sorting.elapsed().as_secs_f64();
    t.seconds.insert("score.weigh", weigh);
    scoring
        .progress
        .done(&format!("{} pairs at or above the floor", scored.len()));
    t.end("score", started);

    let started = Instant::now();
    let stage = t.progress.stage("cluster");
    // The decisions the store keeps, updated by the analyst's file if one was given.
    let decisions = decisions::load(previous.dir.as_deref(), config.decisions.as_deref(), &ing)?;
    if let Some(d) = &decisions {
        constraints.must_link = d.same.clone();
        constraints.cannot_link = d.different.clone();
        warnings.extend(d.warnings.iter().cloned());
    }
    let clustering = cluster::constrained(records.count(), &scored, &constraints);
    drop(constraints);
    t.took("cluster.join", started);
    let building = Instant::now();
    // A match the constraints refused is for a human to look at.
    for &i in &clustering.refused {
        scored[i].decision = Decision::Review;
    }
    let mut reg = register::build(&ing, &records, &clustering.labels);
    t.took("cluster.register", building);
    let assigning = Instant::now();
    let previous_persons = previous.persons()?;
    t.took("cluster.ids.load", assigning);
    let (first, changes) = ids::assign(&mut reg, &ing, previous_persons.as_ref(), generation);
    // The previous ids and their index are not needed to write: freed now, they do not add to
    // the writers' peak memory.
    drop(previous_persons);
    for (p, f) in reg.persons.iter_mut().zip(first) {
        p.first_generation = f;
    }
    reg.sort_by_id();
    warnings.extend(lonely_sources(&ing, &reg));
    stage.done(&format!("{} persons", reg.persons.len()));
    t.took("cluster.ids", assigning);
    t.end("cluster", started);

    Ok(Linked {
        ing,
        hashes,
        records,
        quality: repeats.quality,
        linking,
        blocking,
        candidate_pairs: scoring.candidate_pairs,
        model: scoring.model,
        thresholds: scoring.thresholds,
        names: scoring.names,
        scored,
        refused: clustering.refused.len() as u64,
        decisions,
        reg,
        changes,
        warnings,
        candidates,
    })
}

/// Whether the sources are encoded (`padan encode`): all of them or none.
fn is_encoded(config: &Config) -> Result<bool> {
    let encoded = |s: &&crate::config::SourceSpec| s.format == crate::config::Format::Encoded;
    match config.sources.iter().filter(encoded).count() {
        0 => Ok(false),
        n if n == config.sources.len() => Ok(true),
        _ => Err(crate::Error::Config(format!(
            "{}: some sources are encoded and some are not; encoded exports are linked only with encoded exports (`padan encode` each of them with the shared secret)",
            config.path.display()
        ))),
    }
}

/// Encoded records' forms (`normalise::encoded::forms`), with empty normalised records and
/// empty linking forms in the store's files: an encoded run holds no value to keep, and a later
/// run decodes every record's forms again from the encoded files.
fn encoded_forms<'s>(
    ing: &Ingested,
    e: &ingest::encoded::Encodings,
    counter: &Counter,
    mut spills: Spills<'s>,
) -> Result<(Forms, store::stored::Files, Vec<Unreadable>)> {
    use crate::normalise::stage::Keep;
    static EMPTY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let empty = EMPTY.get_or_init(|| {
        let mut b = Vec::new();
        store::stored::encode(&NormRecord::default(), &mut b);
        b
    });
    let (links, encoded) = crate::normalise::encoded::forms(ing, e)?;
    for chunk in links.chunks(1 << 16) {
        let mut kept: Vec<_> = chunk
            .iter()
            .map(|_| (empty.as_slice().into(), (&[][..]).into(), Marks::default()))
            .collect();
        spills.put(&mut kept)?;
        counter.inc(chunk.len() as u64);
    }
    let files = spills.finish()?;
    let n = links.len() as u64;
    Ok((
        Forms {
            links,
            packed: Vec::new(),
            encoded: Some(encoded),
            normalised: n,
        },
        files,
        vec![Unreadable::default(); ing.sources.len()],
    ))
}

/// A warning for each encoded source whose key check value is not the one most sources carry:
/// it was encoded with another secret, and its records cannot link with theirs.
fn key_check_warnings(ing: &Ingested, e: &ingest::encoded::Encodings) -> Vec<String> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for c in &e.key_checks {
        *counts.entry(c.as_str()).or_default() += 1;
    }
    let Some((&usual, _)) = counts.iter().max_by_key(|(_, &n)| n) else {
        return Vec::new();
    };
    ing.sources
        .iter()
        .zip(&e.key_checks)
        .filter(|(_, c)| c.as_str() != usual)
        .map(|(s, _)| {
            format!(
                "source `{}` was encoded with another secret than the other sources (its key check value differs): its records cannot link with theirs; encode it again with the shared secret",
                s.name
            )
        })
        .collect()
}

/// A warning for each source whose records join another source's far less often than the
/// other sources' do: an export encoded with another secret, or mapped wrongly, links to
/// almost nothing. Needs three sources or more, the others' share being the yardstick.
fn lonely_sources(ing: &Ingested, reg: &Register) -> Vec<String> {
    let n = ing.sources.len();
    if n < 3 {
        return Vec::new();
    }
    // Each record's source in one small array: the persons' records are read in no order.
    let source: Vec<u16> = ing.records.iter().map(|r| r.source).collect();
    let (mut joined, mut all) = (vec![0u64; n], vec![0u64; n]);
    for p in reg.persons.iter().filter(|p| p.records.len() > 1) {
        let first = source[p.records[0] as usize];
        let several = p.records.iter().any(|&r| source[r as usize] != first);
        for &r in &p.records {
            joined[source[r as usize] as usize] += u64::from(several);
        }
    }
    for &s in &source {
        all[s as usize] += 1;
    }
    let share = |s: usize| joined[s] as f64 / all[s].max(1) as f64;
    (0..n)
        .filter_map(|s| {
            let mut others: Vec<f64> = (0..n).filter(|&o| o != s && all[o] > 0).map(share).collect();
            others.sort_by(f64::total_cmp);
            let median = *others.get(others.len() / 2)?;
            (all[s] > 0 && median >= 0.1 && share(s) < median / 4.0).then(|| {
                format!(
                    "source `{}` links far less than the others: {:.1}% of its records joined another source's, against {:.1}% for the median source; check its column mapping, or, if encoded, that it was encoded with the shared secret",
                    ing.sources[s].name,
                    100.0 * share(s),
                    100.0 * median
                )
            })
        })
        .collect()
}

/// A warning per source with values present but unreadable.
fn unreadable_warnings<'a>(
    ing: &'a Ingested,
    unreadable: &'a [Unreadable],
) -> impl Iterator<Item = String> + 'a {
    ing.sources
        .iter()
        .zip(unreadable)
        .filter(|(_, u)| **u != Unreadable::default())
        .map(|(s, u)| {
            format!(
                "source `{}`: values present but unreadable (kept as missing): {} dates, {} sex codes, {} phones, {} postcodes; {} IC numbers not valid MyKad numbers",
                s.name, u.dob, u.sex, u.phone, u.postcode, u.ic_invalid
            )
        })
}

/// A warning when blocks were compared within a window rather than in full.
fn windowed_warning(config: &Config, blocking: &Blocking) -> Option<String> {
    let windowed: u64 = blocking.rules.iter().map(|r| r.windowed_blocks).sum();
    if windowed == 0 {
        return None;
    }
    // Each rule with such blocks and the neighbours its records met there.
    let reach: Vec<String> = blocking
        .rules
        .iter()
        .filter(|r| r.windowed_blocks > 0)
        .map(|r| format!("{} {}", r.rule, r.window))
        .collect();
    Some(format!(
        "blocking: {windowed} blocks held more than max_block_size {} records; each of their records was compared with its nearest neighbours in the rule's order, not with all ({}; largest in `large_blocks`)",
        config.block.max_block_size,
        reach.join(", "),
    ))
}
