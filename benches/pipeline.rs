//! The whole tool on a synthetic registry: `cargo bench --bench pipeline`.
//!
//! Synthesises `PADAN_BENCH_PEOPLE` people (default 100,000; seed `PADAN_BENCH_SEED`, default 1)
//! with `padan synth`, runs `padan run` on them, scores the crosswalk against the truth, and
//! prints one JSON line: records, wall seconds, seconds per stage, records and pairs per second,
//! peak memory, candidate pairs, pairwise and B-cubed precision, recall and F1.
//! `PADAN_BENCH_DIR` keeps the data in a folder of your choice (default: a temporary folder).
//!
//! Then the nightly run (issue 6): `PADAN_BENCH_NIGHTLY` (default 0.01) of each export's rows
//! change their last field (a phone or other value), a tenth as many are dropped and as many
//! again come back under new ids, and `padan run` runs again on the same store. The line's
//! `nightly` object gives that run's seconds, its linking counts, and its share of the full
//! run's time. `PADAN_BENCH_NIGHTLY=0` skips it.
//!
//! `PADAN_BENCH_EXE` runs another `padan` binary (default: this build's), so that two builds
//! can be measured in one sitting, alternately.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments of its own.
    let people = env_or("PADAN_BENCH_PEOPLE", "100000");
    let seed = env_or("PADAN_BENCH_SEED", "1");
    let tmp;
    let dir: PathBuf = match std::env::var("PADAN_BENCH_DIR") {
        Ok(d) => PathBuf::from(d),
        Err(_) => {
            tmp = tempfile::tempdir().expect("a temporary folder");
            tmp.path().to_path_buf()
        }
    };
    let exe = env_or("PADAN_BENCH_EXE", env!("CARGO_BIN_EXE_padan"));
    let exe = exe.as_str();
    let data = dir.join("data");
    let t = Instant::now();
    let ok = Command::new(exe)
        .args(["synth", "--people", &people, "--seed", &seed, "--out"])
        .arg(&data)
        .status()
        .expect("padan synth runs")
        .success();
    assert!(ok, "padan synth failed");
    let synth_seconds = t.elapsed().as_secs_f64();

    // A fresh store: the first run links in full.
    let store = dir.join("store");
    let _ = std::fs::remove_dir_all(&store);
    // `padan run` on the data into the store; its wall seconds.
    let run = |what: &str| -> f64 {
        let t = Instant::now();
        let ok = Command::new(exe)
            .arg("run")
            .arg("--config")
            .arg(data.join("padan.toml"))
            .arg("--out")
            .arg(&store)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("padan run runs")
            .success();
        assert!(ok, "the {what} padan run failed");
        t.elapsed().as_secs_f64()
    };
    let wall = run("first");

    let read_summary = || -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(store.join("current/summary.json")).expect("summary.json"),
        )
        .expect("summary.json is JSON")
    };
    let summary = read_summary();
    let truth = padan::eval::read_assignment(&data.join("truth.csv")).expect("truth");
    let pred = padan::eval::read_assignment(&store.join("current/crosswalk.csv")).expect("cw");
    let s = padan::eval::score(&truth, &pred);
    let records = summary["records_accepted"].as_u64().unwrap_or(0);
    let pairs = summary["candidate_pairs"].as_u64().unwrap_or(0);
    let score_secs = summary["stage_seconds"]["score"]
        .as_f64()
        .unwrap_or(f64::NAN);
    let mut line = serde_json::json!({
        "bench": "pipeline",
        "people": people.parse::<u64>().unwrap_or(0),
        "seed": seed,
        "records": records,
        "synth_seconds": synth_seconds,
        "run_seconds": wall,
        "stage_seconds": summary["stage_seconds"],
        "records_per_second": records as f64 / wall,
        "candidate_pairs": pairs,
        "pairs_scored_per_second": pairs as f64 / score_secs,
        "peak_memory_bytes": summary["peak_memory_bytes"],
        "threads": summary["threads"],
        "persons": summary["persons"],
        "pairwise_precision": s.pairwise_precision,
        "pairwise_recall": s.pairwise_recall,
        "pairwise_f1": s.pairwise_f1,
        "bcubed_precision": s.bcubed_precision,
        "bcubed_recall": s.bcubed_recall,
        "bcubed_f1": s.bcubed_f1,
    });
    let share: f64 = env_or("PADAN_BENCH_NIGHTLY", "0.01")
        .parse()
        .unwrap_or(0.01);
    if share > 0.0 {
        let edits = next_night(&data, share);
        let nightly = run("nightly");
        let n = read_summary();
        line["nightly"] = serde_json::json!({
            "share": share,
            "rows_changed": edits.0,
            "rows_dropped": edits.1,
            "rows_added": edits.2,
            "run_seconds": nightly,
            "share_of_full_run": nightly / wall,
            "linking": n["linking"],
            "stage_seconds": n["stage_seconds"],
            "peak_memory_bytes": n["peak_memory_bytes"],
        });
    }
    println!("{line}");
}

/// Edits every export of `padan synth` in `data` as a night's changes would: a `share` of the
/// rows get a new last field, a tenth as many are dropped, and as many come back under a new
/// id (the first column). Returns (changed, dropped, added).
fn next_night(data: &Path, share: f64) -> (u64, u64, u64) {
    let (mut changed, mut dropped, mut added) = (0, 0, 0);
    let every = (1.0 / share).round().max(1.0) as u64;
    for (file, delim) in [
        ("perkeso.csv", b','),
        ("jkm.csv", b';'),
        ("aim.csv", b','),
        ("akpk.csv", b','),
        ("zakat.tsv", b'\t'),
    ] {
        let path = data.join(file);
        let Ok(mut r) = csv::ReaderBuilder::new()
            .delimiter(delim)
            .flexible(true)
            .from_path(&path)
        else {
            continue;
        };
        // Some exports are windows-1252: rows are edited as bytes.
        let header = r.byte_headers().expect("a header").clone();
        let tmp = path.with_extension("next");
        let mut w = csv::WriterBuilder::new()
            .delimiter(delim)
            .flexible(true)
            .from_path(&tmp)
            .expect("a writable data folder");
        w.write_record(&header).expect("write");
        let mut again = Vec::new();
        for (i, row) in r.byte_records().enumerate() {
            let row = row.expect("a readable row");
            let mut f: Vec<Vec<u8>> = row.iter().map(<[u8]>::to_vec).collect();
            let i = i as u64;
            if i % (every * 10) == 1 {
                dropped += 1;
                continue;
            }
            if i % (every * 10) == 2 && !f.is_empty() {
                let mut copy = f.clone();
                copy[0].push(b'N');
                again.push(copy);
            }
            if i.is_multiple_of(every) {
                if let Some(last) = f.last_mut() {
                    match last.last_mut() {
                        Some(d) if d.is_ascii_digit() => *d = b'0' + (*d - b'0' + 1) % 10,
                        Some(_) => last.push(b'1'),
                        None => last.extend_from_slice(b"0123456789"),
                    }
                    changed += 1;
                }
            }
            w.write_record(&f).expect("write");
        }
        for f in &again {
            w.write_record(f).expect("write");
            added += 1;
        }
        w.flush().expect("write");
        std::fs::rename(&tmp, &path).expect("rename");
    }
    (changed, dropped, added)
}
