//! The nightly merge, stage by stage: ingest → normalise → block → score → cluster → register.
//!
//! Reads: a checked `Config`. Writes: one new generation of the register store, made current
//! only once every file is complete, and returns the run's summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::block;
use crate::cluster;
use crate::config::Config;
use crate::decisions;
use crate::error::Result;
use crate::ingest;
use crate::normalise::{Records, Unreadable};
use crate::output as write;
use crate::progress::Progress;
use crate::quality;
use crate::register::{self, ids};
use crate::score::{self, Decision, Model, ModelKind, COMPARISONS};
use crate::store::{self, link, stored as normalised, Generation};
use crate::summary::{LinkMode, Linking, ModelSummary, Summary};

/// An incremental run keeps the model; once this share of the records has been new, changed
/// or removed since it was estimated, the run links in full and estimates it again.
pub const REFIT_SHARE: f64 = 0.2;

/// Reads the previous generation's link state and matches this run's records to it; then
/// decides whether this run links incrementally: only when asked to, the state is sound and
/// was made under the same configuration, its model still serves, and at most half of the
/// records are new or changed (else the model is estimated again). The state, when sound, is
/// returned either way: the previous person ids come from it.
fn incremental_plan(
    config: &Config,
    ing: &crate::ingest::Ingested,
    hashes: &[u64],
    fingerprint: u64,
    loaded: Option<(&Path, std::result::Result<link::State, link::Unusable>)>,
    warnings: &mut Vec<String>,
) -> (Linking, Option<(link::State, link::Plan)>) {
    let Some((current, loaded)) = loaded else {
        return (Linking::full("no previous generation"), None);
    };
    let state = match loaded {
        Ok(s) => s,
        Err(link::Unusable::Missing) => {
            return (
                Linking::full(
                    "the previous generation kept no link state (an older padan wrote it)",
                ),
                None,
            )
        }
        Err(link::Unusable::Damaged(why)) => {
            warnings.push(format!(
                "{}: cannot be used ({why}); every record was linked again",
                current.join(link::FILE).display()
            ));
            return (
                Linking::full("the previous generation's link state is damaged"),
                None,
            );
        }
    };
    let plan = link::plan(&state, ing, hashes);
    let mut linking = Linking {
        mode: LinkMode::Full,
        records_unchanged: plan.unchanged,
        records_changed: plan.changed,
        records_new: plan.new,
        records_removed: plan.removed,
        ..Default::default()
    };
    let drift = state.drift + plan.changed + plan.new + plan.removed;
    linking.reason = if !config.incremental {
        "asked for (--full, or [run] incremental = false)".into()
    } else if state.fingerprint != fingerprint {
        "the configuration (a source's columns, dates or encoding; [block]; the [score] model or pairs_floor), padan's version or blocking rules, or the year changed since the previous generation".into()
    } else if config.score.em
        && state.model.kind == ModelKind::Fixed
        && ing.records.len() >= score::EM_MIN_RECORDS
    {
        "the previous generation had too few records to estimate the model; now it can be".into()
    } else if (plan.changed + plan.new) * 2 > ing.records.len() as u64 {
        "more than half the records are new or changed: the model is estimated again".into()
    } else if plan.removed * 2 > state.records() as u64 {
        "more than half the previous records are gone: the model is estimated again".into()
    } else if drift as f64 > REFIT_SHARE * ing.records.len() as f64 {
        format!(
            "{drift} records new, changed or removed since the model was estimated, more than {}% of the records: the model is estimated again",
            REFIT_SHARE * 100.0
        )
    } else {
        linking.mode = LinkMode::Incremental;
        linking.records_changed_since_model = drift;
        format!(
            "{} of {} records new or changed since the previous generation",
            plan.changed + plan.new,
            ing.records.len()
        )
    };
    (linking, Some((state, plan)))
}

/// `normalised.bin` and `forms.bin` of the generation in `dir`, for `state`'s records.
fn open_records(
    dir: &std::path::Path,
    fingerprint: u64,
    state: &link::State,
) -> std::result::Result<(normalised::Stored, normalised::Stored), link::Unusable> {
    let open = |kind| normalised::Stored::open(dir, kind, fingerprint, state.records());
    let records = open(normalised::RECORDS)?;
    let forms = open(normalised::FORMS)?;
    normalised::check_forms(&records, &forms)?;
    Ok((records, forms))
}

/// Peak resident memory per stage: the high-water mark read, then reset, as each stage ends
/// (Linux; elsewhere nothing is recorded).
#[derive(Default)]
struct StagePeaks(BTreeMap<&'static str, u64>);

impl StagePeaks {
    fn mark(&mut self, stage: &'static str) {
        if let Some(p) = peak_memory() {
            self.0.insert(stage, p);
            // Writing 5 to clear_refs resets the high-water mark (proc(5)).
            let _ = std::fs::write("/proc/self/clear_refs", "5");
        }
    }
}

/// Peak resident memory of this process, from `/proc` (Linux), in bytes.
pub fn peak_memory() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The reason's kind: the text before its first colon (`ragged row: 5 fields…` → `ragged row`).
fn reason_kind(reason: &str) -> String {
    reason
        .split(':')
        .next()
        .unwrap_or(reason)
        .trim()
        .to_string()
}

/// What keeps records apart in clustering: their valid ICs and the sources of distinct
/// persons (analysts' decisions are added by the caller).
pub fn constraints(
    config: &Config,
    ing: &crate::ingest::Ingested,
    links: &[crate::normalise::Linkable],
) -> cluster::Constraints {
    cluster::Constraints {
        ic: links
            .par_iter()
            .map(|r| r.valid_ic().map(crate::normalise::Text::from))
            .collect(),
        distinct_source: ing
            .records
            .par_iter()
            .map(|r| {
                let s = &ing.sources[r.source as usize];
                config.sources[s.spec].distinct.then_some(r.source)
            })
            .collect(),
        ..Default::default()
    }
}

/// Runs the whole merge into `config.out`; returns the summary and the committed folder.
pub fn run(config: &Config) -> Result<(Summary, PathBuf)> {
    let progress = Progress::new();
    let mut seconds = BTreeMap::new();
    let mut peaks = StagePeaks::default();
    let mut warnings = Vec::new();

    if let Some(d) = &config.decisions {
        if !d.is_file() {
            return Err(crate::Error::Config(format!(
                "{}: the decisions file does not exist",
                d.display()
            )));
        }
    }
    let t = Instant::now();
    let stage = progress.stage("ingest");
    let opened = ingest::open_all(config)?;
    // Once the inputs are known to fit the configuration, before any row is read: one run per
    // store, of a format this version reads.
    let _lock = store::lock(&config.out)?;
    // The previous generation, resolved once: every file of it below is read from here.
    let current = store::current(&config.out, &mut warnings)?;
    store::remove_leftovers(&config.out, &mut warnings)?;
    let today = chrono::Local::now().date_naive();
    let fingerprint = store::fingerprint::link(config, chrono::Datelike::year(&today));
    let mut ing = ingest::read(config, opened)?;
    warnings.extend(quality::check_counts(config, &ing, current.as_deref())?);
    stage.done(&format!(
        "{} records, {} rejected",
        ing.records.len(),
        ing.rejects.len()
    ));
    seconds.insert("ingest", t.elapsed().as_secs_f64());
    peaks.mark("ingest");

    let t = Instant::now();
    let hashes: Vec<u64> = { ing.records.par_iter().map(|r| r.content_hash()).collect() };
    let repeats = quality::repeats(&ing, &hashes);
    warnings.extend(repeats.quality.warning());
    let loaded = current.as_deref().map(|dir| (dir, link::load(dir)));
    let (mut linking, mut previous_link) =
        incremental_plan(config, &ing, &hashes, fingerprint, loaded, &mut warnings);
    let incremental = previous_link
        .as_ref()
        .filter(|_| linking.mode == LinkMode::Incremental);
    let drift = linking.records_changed_since_model;
    seconds.insert("ingest.plan", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let stage = progress.counted("normalise", ing.records.len() as u64, "records");
    // An incremental run reads unchanged records' normalised forms from the previous
    // generation instead of normalising them again.
    let stored = incremental.and_then(|(state, plan)| {
        let dir = current.as_deref()?;
        match open_records(dir, fingerprint, state) {
            Ok((records, forms)) => Some((records, forms, plan)),
            Err(link::Unusable::Missing) => None,
            Err(link::Unusable::Damaged(why)) => {
                warnings.push(format!(
                    "{} and {}: cannot be used ({why}); every record was normalised again",
                    dir.join(normalised::RECORDS.file).display(),
                    normalised::FORMS.file
                ));
                None
            }
        }
    });
    // Per record: its previous self when its normalised form is the one it had then (same
    // values, read the same today), else `u32::MAX`. Such a record's encodings are copied.
    let same: Option<Vec<u32>> = stored.as_ref().map(|(records, _, plan)| {
        (0..plan.previous.len())
            .into_par_iter()
            .map(|i| {
                let p = plan.previous[i];
                let read_again = plan.dirty[i] || p == u32::MAX;
                if read_again || records.marks(p as usize).took_today() {
                    u32::MAX
                } else {
                    p
                }
            })
            .collect()
    });
    let reuse = |i: usize| {
        let ((records, forms, _), same) = stored.as_ref().zip(same.as_ref())?;
        let p = same[i];
        if p == u32::MAX {
            return None;
        }
        let p = p as usize;
        let (record_bytes, forms_bytes) = (records.bytes(p)?, forms.bytes(p)?);
        let kept = (record_bytes.into(), forms_bytes.into(), records.marks(p));
        Some((normalised::decode_forms(forms_bytes)?, kept))
    };
    // The previous records still to be read once this run's records before `i` are done: from
    // the least previous index among this run's records from `i` on.
    let still_read: Vec<u32> = match &stored {
        Some((_, _, plan)) => {
            let mut v = plan.previous.clone();
            for i in (0..v.len().saturating_sub(1)).rev() {
                v[i] = v[i].min(v[i + 1]);
            }
            v
        }
        None => Vec::new(),
    };
    let released = std::cell::Cell::new(0usize);
    let done = |i: usize| {
        if let (Some((records, forms, _)), Some(&p)) = (&stored, still_read.get(i)) {
            let (from, to) = (released.get(), p as usize);
            if to > from {
                records.release(from, to);
                forms.release(from, to);
                released.set(to);
            }
        }
    };
    // Each whole record goes to disk as it is made; linking keeps its own forms in memory.
    let mut spills = normalised::Spills::new(&config.out, fingerprint, ing.records.len())?;
    let crate::normalise::stage::Forms {
        links,
        packed,
        normalised: records_normalised,
    } = crate::normalise::stage::stage(&ing, today, &stage.counter(), &reuse, &done, &mut spills)?;
    let (norm, forms) = spills.finish()?;
    let unreadable = crate::normalise::unreadable_per_source(&ing, |i| norm.marks(i));
    drop(stored);
    linking.records_normalised = records_normalised;
    // Only the review file and the report read the values as they came in, for few records.
    ing.spill(&config.out)?;
    stage.done("");
    seconds.insert("normalise", t.elapsed().as_secs_f64());
    peaks.mark("normalise");
    for (s, u) in ing.sources.iter().zip(&unreadable) {
        if *u != Unreadable::default() {
            warnings.push(format!(
                "source `{}`: values present but unreadable (kept as missing): {} dates, {} sex codes, {} phones, {} postcodes; {} IC numbers not valid MyKad numbers",
                s.name, u.dob, u.sex, u.phone, u.postcode, u.ic_invalid
            ));
        }
    }

    let t = Instant::now();
    let stage = progress.counted("block", block::RULES.len() as u64, "rules");
    let mut blocking = block::candidates_touching(
        &links,
        (&config.block).into(),
        incremental.as_ref().map(|(_, p)| &p.dirty[..]),
        &stage.counter(),
    );
    stage.done(&format!("{} candidate pairs", blocking.pairs.len()));
    seconds.insert("block", t.elapsed().as_secs_f64());
    seconds.insert("block.tokens", blocking.context_seconds);
    seconds.insert("block.union", blocking.union_seconds);
    peaks.mark("block");
    let windowed: u64 = blocking.rules.iter().map(|r| r.windowed_blocks).sum();
    if windowed > 0 {
        // Each rule with such blocks and the neighbours its records met there.
        let reach: Vec<String> = blocking
            .rules
            .iter()
            .filter(|r| r.windowed_blocks > 0)
            .map(|r| format!("{} {}", r.rule, r.window))
            .collect();
        warnings.push(format!(
            "blocking: {windowed} blocks held more than max_block_size {} records; each of their records was compared with its nearest neighbours in the rule's order, not with all ({}; largest in `large_blocks`)",
            config.block.max_block_size,
            reach.join(", "),
        ));
    }

    let t = Instant::now();
    // Pairs of unchanged records keep their levels; one whose records swapped order is
    // compared again.
    let (kept, again) = match incremental {
        Some((state, plan)) => link::reused_pairs(state, plan),
        None => Default::default(),
    };
    let kept_model = incremental.map(|(state, _)| state.model.clone());
    if let Some((state, _)) = previous_link.as_mut() {
        // The pairs to keep are in `kept` now.
        state.pairs = Vec::new();
    }
    let mut pairs = std::mem::take(&mut blocking.pairs);
    let blocked = pairs.len();
    pairs.extend(again);
    let stage = progress.counted("score", pairs.len() as u64, "pairs");
    let mut levels = score::levels_all(&links, &packed, &pairs, &stage.counter());
    linking.pairs_compared = pairs.len() as u64;
    linking.pairs_reused = kept.len() as u64;
    stage.step("(fitting the model)");
    seconds.insert("score.compare", t.elapsed().as_secs_f64());
    let t_fit = Instant::now();
    let em = config.score.em && links.len() >= score::EM_MIN_RECORDS;
    if config.score.em && !em {
        warnings.push(format!(
            "only {} records: too few to estimate the model (at least {} are needed); fixed weights used",
            links.len(),
            score::EM_MIN_RECORDS
        ));
    }
    let model = if let Some(kept_model) = kept_model {
        // The previous generation's weights, with name frequencies counted over this run.
        kept_model.with_name_frequencies(&score::counted_names(&packed, &repeats.left_out))
    } else if em {
        // Every sampled pair is a candidate: its levels are already known.
        let lists: Vec<&[(u32, u32)]> = blocking.samples.iter().map(Vec::as_slice).collect();
        let positions = score::positions_in(&pairs[..blocked], &lists);
        let out = &repeats.left_out;
        let counted = |i: &usize| {
            let (a, b) = pairs[*i];
            out.is_empty() || !(out[a as usize] || out[b as usize])
        };
        let samples: Vec<_> = block::RULES
            .iter()
            .zip(positions)
            .map(|(r, found)| {
                let known = found
                    .into_iter()
                    .flatten()
                    .filter(counted)
                    .map(|i| levels.get(i))
                    .collect();
                (r.uses, known)
            })
            .collect();
        Model::fit(&links, &packed, &pairs, &levels, &samples, out)
    } else {
        Model::fixed()
    };
    let em = model.kind == ModelKind::Em;
    // The packed records served the comparisons and the model's random pairs; the memory goes
    // back before the scored pairs are collected. The names stay for the model's name
    // frequencies when pairs are written and explained.
    let names = score::names(&packed);
    drop(packed);
    pairs.reserve_exact(kept.len());
    for k in kept {
        pairs.push((k.a, k.b));
        levels.push(k.levels);
    }
    if let Some(p) = model.params.as_ref().filter(|p| !p.converged) {
        warnings.push(format!(
            "EM did not converge in {} iterations; the weights are the last estimate",
            p.iterations
        ));
    }
    seconds.insert("score.fit", t_fit.elapsed().as_secs_f64());
    let t_weigh = Instant::now();
    let thresholds = config.score.thresholds(em);
    let mut scored = score::score_all(&names, &pairs, &levels, &model, &thresholds);
    // What scoring alone needed goes before the later stages allocate theirs.
    drop(levels);
    let candidate_pairs = pairs.len() as u64;
    drop(pairs);
    // Linking is over: what clustering needs of the records is taken before they go.
    let mut constraints = constraints(config, &ing, &links);
    drop(links);
    blocking.samples = Vec::new();
    scored.par_sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then((a.a, a.b).cmp(&(b.a, b.b)))
    });
    stage.done(&format!("{} pairs at or above the floor", scored.len()));
    seconds.insert("score.weigh", t_weigh.elapsed().as_secs_f64());
    seconds.insert("score", t.elapsed().as_secs_f64());
    peaks.mark("score");

    let t = Instant::now();
    let stage = progress.stage("cluster");
    // The decisions the store keeps, updated by the analyst's file if one was given.
    let decisions = decisions::load(current.as_deref(), config.decisions.as_deref(), &ing)?;
    if let Some(d) = &decisions {
        constraints.must_link = d.same.clone();
        constraints.cannot_link = d.different.clone();
        warnings.extend(d.warnings.iter().cloned());
    }
    let clustering = cluster::constrained(norm.count(), &scored, &constraints);
    drop(constraints);
    seconds.insert("cluster.join", t.elapsed().as_secs_f64());
    let t_reg = Instant::now();
    // A match the constraints refused is for a human to look at.
    for &i in &clustering.refused {
        scored[i].decision = Decision::Review;
    }
    let labels = clustering.labels;
    let mut reg = register::build(&ing, &norm, &labels);
    seconds.insert("cluster.register", t_reg.elapsed().as_secs_f64());
    let t_ids = Instant::now();
    // The previous persons: from the link state when it is sound, else from the crosswalk.
    let previous = match previous_link.take() {
        Some((state, plan)) => Some(ids::Previous::of_records(
            state.person_ids,
            &state.person_first,
            &state.person_of,
            &plan.previous,
        )),
        None => match &current {
            Some(dir) => store::previous_persons(dir)?,
            None => None,
        },
    };
    seconds.insert("cluster.ids.load", t_ids.elapsed().as_secs_f64());
    let generation = store::generations(&config.out).last().map_or(1, |n| n + 1);
    let (first, changes) = ids::assign(&mut reg, &ing, previous.as_ref(), generation);
    // The previous ids and their index are not needed to write: freed now, they do not add to
    // the writers' peak memory.
    drop(previous);
    for (p, f) in reg.persons.iter_mut().zip(first) {
        p.first_generation = f;
    }
    reg.sort_by_id();
    let mut changes_by_kind: BTreeMap<&'static str, u64> = BTreeMap::new();
    for c in &changes {
        *changes_by_kind.entry(c.change).or_default() += 1;
    }
    stage.done(&format!("{} persons", reg.persons.len()));
    seconds.insert("cluster.ids", t_ids.elapsed().as_secs_f64());
    seconds.insert("cluster", t.elapsed().as_secs_f64());
    peaks.mark("cluster");

    let t = Instant::now();
    let stage = progress.stage("write");
    let g = Generation::begin(&config.out)?;
    let mut rejects_by_reason = BTreeMap::new();
    for r in &ing.rejects {
        *rejects_by_reason.entry(reason_kind(&r.reason)).or_insert(0) += 1;
    }
    // Counted by source number, then named: a copy of the name per record would cost more
    // than the counting.
    let mut per_source = vec![0u64; ing.sources.len()];
    for r in &ing.records {
        per_source[r.source as usize] += 1;
    }
    let mut records_by_source = BTreeMap::new();
    for (s, n) in ing.sources.iter().zip(per_source) {
        if n > 0 {
            *records_by_source.entry(s.name.clone()).or_insert(0) += n;
        }
    }
    let count = |d: Decision| scored.iter().filter(|p| p.decision == d).count() as u64;
    let summary = Summary {
        padan_version: env!("CARGO_PKG_VERSION"),
        generation: g.number(),
        config: config.path.display().to_string(),
        records_in: ing.files.iter().map(|f| f.rows).sum(),
        records_accepted: ing.records.len() as u64,
        records_rejected: ing.rejects.len() as u64,
        rejects_by_reason,
        files: ing.files.clone(),
        records_by_source,
        persons: reg.persons.len() as u64,
        persons_with_several_records: reg.persons.iter().filter(|p| p.records.len() > 1).count()
            as u64,
        records_merged: (ing.records.len() - reg.persons.len()) as u64,
        candidate_pairs,
        pairs_written: scored.len() as u64,
        match_pairs: count(Decision::Match),
        review_pairs: count(Decision::Review),
        refused_match_pairs: clustering.refused.len() as u64,
        data_quality: repeats.quality,
        linking,
        changes: changes_by_kind,
        decisions,
        blocking: blocking.rules,
        large_blocks: blocking.large,
        thresholds,
        model: ModelSummary {
            comparisons: &COMPARISONS,
            model,
        },
        // Completed once the files are written.
        stage_seconds: seconds.clone(),
        peak_memory_bytes: peak_memory(),
        stage_peak_memory_bytes: BTreeMap::new(),
        threads: rayon::current_num_threads(),
        warnings,
    };
    // The files are independent: written side by side, each synced before the generation is
    // committed.
    type Writer<'a> = (&'static str, &'a (dyn Fn() -> Result<()> + Sync));
    let record_persons = write::RecordPersons::of(&reg);
    let writers: [Writer; 9] = [
        ("write.link", &|| {
            let snap = link::Snapshot {
                fingerprint,
                drift,
                model: &summary.model.model,
                ing: &ing,
                hashes: &hashes,
                scored: &scored,
                reg: &reg,
            };
            link::write(&g, &snap)
        }),
        ("write.normalised", &|| {
            normalised::write(&g, &norm)?;
            normalised::write(&g, &forms)
        }),
        ("write.crosswalk", &|| {
            write::crosswalk(&g, &ing, &record_persons)
        }),
        ("write.register", &|| write::register(&g, &reg)),
        ("write.pairs", &|| {
            write::pairs(
                &g,
                &ing,
                &names,
                &record_persons,
                &scored,
                &summary.model.model,
            )
        }),
        ("write.review", &|| {
            write::review(&g, &ing, &scored, config.review_bom)
        }),
        ("write.rejects", &|| write::rejects(&g, &ing)),
        ("write.changes", &|| write::changes(&g, &changes)),
        (
            "write.decisions",
            &|| match summary.decisions.as_ref().filter(|d| !d.book.is_empty()) {
                Some(d) => {
                    let f = g.create(decisions::STORED)?;
                    decisions::write(d, f)
                        .map_err(|e| {
                            crate::Error::Run(format!("writing {}: {e}", decisions::STORED))
                        })?
                        .finish()
                }
                None => Ok(()),
            },
        ),
    ];
    // Each file's own seconds (they overlap: files are written side by side). Each file on
    // a thread of its own rather than on the pool's: a writer waiting for its file to
    // reach the disk would hold one of the pool's threads idle (the parallel work of the
    // writers still goes to the pool).
    let input = crate::report::ReportInput::of_run(&summary, &ing, &names, &reg, &scored);
    let (took, (tail, tail_seconds)) = std::thread::scope(|scope| {
        // The report's sections that do not need this stage's seconds, meanwhile.
        let report = scope.spawn(|| {
            let t = Instant::now();
            (
                crate::report::render_tail(&input),
                t.elapsed().as_secs_f64(),
            )
        });
        let running: Vec<_> = writers
            .iter()
            .map(|(name, w)| {
                scope.spawn(move || {
                    let t = Instant::now();
                    w().map(|()| (*name, t.elapsed().as_secs_f64()))
                })
            })
            .collect();
        let took = running
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect::<Result<Vec<_>>>();
        let report = report
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        took.map(|took| (took, report))
    })?;
    seconds.extend(took);
    seconds.insert("write.files", t.elapsed().as_secs_f64());
    // Updated once the report is written too.
    seconds.insert("write", t.elapsed().as_secs_f64());

    let mut summary = summary;
    summary.stage_seconds = seconds;
    // The run's peak memory, the files' included, for the report and `summary.json` alike.
    peaks.mark("write");
    summary.peak_memory_bytes = peaks.0.values().copied().max().or_else(peak_memory);
    summary.stage_peak_memory_bytes = std::mem::take(&mut peaks.0);
    let t_report = Instant::now();
    let html = crate::report::finish(
        &crate::report::ReportInput::of_run(&summary, &ing, &names, &reg, &scored),
        &tail,
    );
    let mut f = g.create("report.html")?;
    std::io::Write::write_all(&mut f, html.as_bytes())
        .map_err(|e| crate::Error::io(f.path(), e))?;
    f.finish()?;
    // Its sections rendered beside the files, and the rest after them.
    let report_seconds = tail_seconds + t_report.elapsed().as_secs_f64();
    summary.stage_seconds.insert("write.report", report_seconds);
    summary
        .stage_seconds
        .insert("write", t.elapsed().as_secs_f64());
    write::summary(&g, &summary)?;
    let number = g.number();
    let dir = g.commit()?;
    normalised::remove_reuse_files_but(&config.out, number);
    store::prune(&config.out, config.keep)?;
    stage.done("");
    // The persons and the records are freed on a thread of their own, which the process does
    // not wait for when it ends: freed one allocation at a time, they would keep a large run
    // going on one core after everything was written.
    // Where no thread can be made, they are freed here (the closure is dropped).
    let _ = std::thread::Builder::new().spawn(move || drop((reg, ing)));
    Ok((summary, dir))
}
