//! The whole tool on a synthetic registry: `cargo bench --bench pipeline`.
//!
//! Synthesises `PADAN_BENCH_PEOPLE` people (default 100,000; seed `PADAN_BENCH_SEED`, default 1)
//! with `padan synth`, runs `padan run` on them, scores the crosswalk against the truth, and
//! prints one JSON line: records, wall seconds, seconds per stage, records and pairs per second,
//! peak memory, candidate pairs, pairwise and B-cubed precision, recall and F1.
//! `PADAN_BENCH_DIR` keeps the data in a folder of your choice (default: a temporary folder).

use std::path::PathBuf;
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
    let exe = env!("CARGO_BIN_EXE_padan");
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

    let store = dir.join("store");
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
    assert!(ok, "padan run failed");
    let wall = t.elapsed().as_secs_f64();

    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(store.join("current/summary.json")).expect("summary.json"),
    )
    .expect("summary.json is JSON");
    let truth = padan::eval::read_assignment(&data.join("truth.csv")).expect("truth");
    let pred = padan::eval::read_assignment(&store.join("current/crosswalk.csv")).expect("cw");
    let s = padan::eval::score(&truth, &pred);
    let records = summary["records_accepted"].as_u64().unwrap_or(0);
    let pairs = summary["candidate_pairs"].as_u64().unwrap_or(0);
    let score_secs = summary["stage_seconds"]["score"]
        .as_f64()
        .unwrap_or(f64::NAN);
    let line = serde_json::json!({
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
    println!("{line}");
}
