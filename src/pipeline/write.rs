//! The last stage: a linked run written as the store's next generation, its summary and report
//! included, and made current.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use super::timing::{peak_memory, Timing};
use super::Linked;
use crate::config::Config;
use crate::decisions;
use crate::error::Result;
use crate::normalise::Records;
use crate::output;
use crate::score::{threshold, Decision, Model, ModelKind, COMPARISONS};
use crate::store::{self, link, stored, Generation};
use crate::summary::{ModelSummary, Summary};

/// The run's summary, from `linked` (whose model, warnings, decisions, blocking statistics,
/// data quality and linking move into it), as generation `generation` of the store. Its
/// seconds and peak memory are filled in as the run ends.
pub fn summary<R: Records>(config: &Config, generation: u32, linked: &mut Linked<R>) -> Summary {
    let ing = &linked.ing;
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
    let mut changes: BTreeMap<&'static str, u64> = BTreeMap::new();
    for c in &linked.changes {
        *changes.entry(c.change).or_default() += 1;
    }
    let count = |d: Decision| linked.scored.iter().filter(|p| p.decision == d).count() as u64;
    let persons = &linked.reg.persons;
    Summary {
        padan_version: env!("CARGO_PKG_VERSION"),
        generation,
        config: config.path.display().to_string(),
        records_in: ing.files.iter().map(|f| f.rows).sum(),
        records_accepted: ing.records.len() as u64,
        records_rejected: ing.rejects.len() as u64,
        rejects_by_reason,
        files: ing.files.clone(),
        records_by_source,
        persons: persons.len() as u64,
        persons_with_several_records: persons.iter().filter(|p| p.records.len() > 1).count() as u64,
        records_merged: (ing.records.len() - persons.len()) as u64,
        candidate_pairs: linked.candidate_pairs,
        pairs_written: linked.scored.len() as u64,
        match_pairs: count(Decision::Match),
        review_pairs: count(Decision::Review),
        refused_match_pairs: linked.refused,
        data_quality: std::mem::take(&mut linked.quality),
        linking: std::mem::take(&mut linked.linking),
        changes,
        decisions: linked.decisions.take(),
        blocking: std::mem::take(&mut linked.blocking.rules),
        large_blocks: std::mem::take(&mut linked.blocking.large),
        thresholds: linked.thresholds,
        expected: (linked.model.kind == ModelKind::Em).then(|| {
            threshold::expected(
                &linked.scored,
                ing.records.len(),
                config.score.target_precision(),
            )
        }),
        model: ModelSummary {
            comparisons: &COMPARISONS,
            model: std::mem::replace(&mut linked.model, Model::fixed()),
        },
        stage_seconds: BTreeMap::new(),
        peak_memory_bytes: peak_memory(),
        stage_peak_memory_bytes: BTreeMap::new(),
        threads: rayon::current_num_threads(),
        warnings: std::mem::take(&mut linked.warnings),
    }
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

/// Writes `linked` as the next generation of the store `config.out` and makes it current;
/// returns the summary and the generation's folder. `fingerprint` and `drift` go into
/// `link.bin` for the next run.
pub fn generation(
    config: &Config,
    mut t: Timing,
    mut linked: Linked<stored::Files>,
    fingerprint: u64,
    drift: u64,
) -> Result<(Summary, PathBuf)> {
    let started = Instant::now();
    let stage = t.progress.stage("write");
    let g = Generation::begin(&config.out)?;
    let mut summary = summary(config, g.number(), &mut linked);
    // Completed once the files are written.
    summary.stage_seconds = t.seconds.clone();
    let Linked {
        ing,
        hashes,
        records: files,
        names,
        scored,
        reg,
        changes,
        ..
    } = linked;
    // The files are independent: written side by side, each synced before the generation is
    // committed.
    type Writer<'a> = (&'static str, &'a (dyn Fn() -> Result<()> + Sync));
    let record_persons = output::RecordPersons::of(&reg);
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
            stored::write(&g, &files.records)?;
            stored::write(&g, &files.forms)
        }),
        ("write.crosswalk", &|| {
            output::crosswalk(&g, &ing, &record_persons)
        }),
        ("write.register", &|| output::register(&g, &reg)),
        ("write.pairs", &|| {
            output::pairs(
                &g,
                &ing,
                &names,
                &record_persons,
                &scored,
                &summary.model.model,
            )
        }),
        ("write.review", &|| {
            output::review(&g, &ing, &scored, config.review_bom)
        }),
        ("write.rejects", &|| output::rejects(&g, &ing)),
        ("write.changes", &|| output::changes(&g, &changes)),
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
    // The estimates from clerical samples of earlier generations, for the report's history.
    let qa = crate::qa::labels::history(&config.out, &mut summary.warnings);
    let input = crate::report::ReportInput::of_run(&summary, &ing, &names, &reg, &scored, &qa);
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
    t.seconds.extend(took);
    t.took("write.files", started);
    // Its seconds updated once the report is written too; its peak memory, the files'
    // included, is the run's for the report and `summary.json` alike.
    t.end("write", started);
    summary.stage_seconds = std::mem::take(&mut t.seconds);
    summary.peak_memory_bytes = t.peaks.values().copied().max().or_else(peak_memory);
    summary.stage_peak_memory_bytes = std::mem::take(&mut t.peaks);
    let writing_report = Instant::now();
    let html = crate::report::finish(
        &crate::report::ReportInput::of_run(&summary, &ing, &names, &reg, &scored, &qa),
        &tail,
    );
    let mut f = g.create("report.html")?;
    std::io::Write::write_all(&mut f, html.as_bytes())
        .map_err(|e| crate::Error::io(f.path(), e))?;
    f.finish()?;
    // Its sections rendered beside the files, and the rest after them.
    let report_seconds = tail_seconds + writing_report.elapsed().as_secs_f64();
    summary.stage_seconds.insert("write.report", report_seconds);
    summary
        .stage_seconds
        .insert("write", started.elapsed().as_secs_f64());
    output::summary(&g, &summary)?;
    let number = g.number();
    let dir = g.commit()?;
    stored::remove_reuse_files_but(&config.out, number);
    store::prune(&config.out, config.keep)?;
    stage.done("");
    // The persons and the records are freed on a thread of their own, which the process does
    // not wait for when it ends: freed one allocation at a time, they would keep a large run
    // going on one core after everything was written.
    // Where no thread can be made, they are freed here (the closure is dropped).
    let _ = std::thread::Builder::new().spawn(move || drop((reg, ing)));
    Ok((summary, dir))
}
