//! padan on the public FEBRL benchmarks: `cargo bench --bench febrl`.
//!
//! Reads FEBRL3 and FEBRL4 in padan's canonical columns (`flat.csv` and `truth.csv` in
//! `PADAN_FEBRL_DIR`, default `../shared/data/febrl`), runs `padan run` on each at its
//! defaults, once with the identifier (FEBRL's `soc_sec_id`) as `ic` and once as
//! `national_id`, and prints one JSON line per run: pairwise and B-cubed precision, recall and
//! F1, the pairs sent to review and their share of the records, the precision the model
//! expected of its automatic matches, beside Splink's F1 measured on the same machine; then
//! one line over all four runs (the lowest precision and F1, the most review pairs per
//! record). When the data is not there it says so and prints nothing else.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Splink 5's pairwise F1 on this machine, at its usual threshold.
const SPLINK_F1: f64 = 0.997;

fn main() {
    let dir = PathBuf::from(
        std::env::var("PADAN_FEBRL_DIR").unwrap_or_else(|_| "../shared/data/febrl".into()),
    );
    if !dir.join("febrl3/flat.csv").is_file() {
        eprintln!(
            "SKIPPED the FEBRL bench: no {} (set PADAN_FEBRL_DIR)",
            dir.join("febrl3/flat.csv").display()
        );
        return;
    }
    let exe =
        std::env::var("PADAN_BENCH_EXE").unwrap_or_else(|_| env!("CARGO_BIN_EXE_padan").into());
    let work = tempfile::tempdir().expect("a temporary folder");
    let mut lines = Vec::new();
    for set in ["febrl3", "febrl4"] {
        for id in ["ic", "national_id"] {
            let line = run(
                &exe,
                &dir.join(set),
                &work.path().join(format!("{set}-{id}")),
                set,
                id,
            );
            println!("{line}");
            lines.push(line);
        }
    }
    let over = |key: &str, f: fn(f64, f64) -> f64, start: f64| {
        lines.iter().filter_map(|l| l[key].as_f64()).fold(start, f)
    };
    println!(
        "{}",
        serde_json::json!({
            "bench": "febrl",
            "set": "febrl3+febrl4",
            "runs": lines.len(),
            "min_pairwise_precision": over("pairwise_precision", f64::min, 1.0),
            "min_pairwise_recall": over("pairwise_recall", f64::min, 1.0),
            "min_pairwise_f1": over("pairwise_f1", f64::min, 1.0),
            "max_review_pairs_per_record": over("review_pairs_per_record", f64::max, 0.0),
            "splink_pairwise_f1": SPLINK_F1,
        })
    );
}

/// Runs padan on one set with its identifier in the column `id`; returns the JSON line.
fn run(exe: &str, set: &Path, work: &Path, name: &str, id: &str) -> serde_json::Value {
    std::fs::create_dir_all(work).expect("a work folder");
    let flat = std::fs::read_to_string(set.join("flat.csv")).expect("flat.csv");
    let (header, rows) = flat.split_once('\n').expect("a header");
    let header: Vec<&str> = header
        .split(',')
        .map(|c| if c == "ic" { id } else { c })
        .collect();
    std::fs::write(
        work.join("flat.csv"),
        format!("{}\n{rows}", header.join(",")),
    )
    .unwrap();
    std::fs::write(
        work.join("padan.toml"),
        format!("[[source]]\nname = \"{name}\"\npath = \"flat.csv\"\n"),
    )
    .unwrap();
    let t = std::time::Instant::now();
    let ok = Command::new(exe)
        .args(["run", "--config"])
        .arg(work.join("padan.toml"))
        .arg("--out")
        .arg(work.join("out"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("padan runs")
        .success();
    assert!(ok, "padan run failed on {name}");
    let seconds = t.elapsed().as_secs_f64();
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.join("out/current/summary.json")).expect("summary.json"),
    )
    .expect("summary.json is JSON");
    let truth = padan::eval::read_assignment(&set.join("truth.csv")).expect("truth.csv");
    let pred =
        padan::eval::read_crosswalk(&work.join("out/current/crosswalk.csv")).expect("crosswalk");
    let s = padan::eval::score(&truth, &pred);
    let records = summary["records_accepted"].as_u64().unwrap_or(0);
    let review = summary["review_pairs"].as_u64().unwrap_or(0);
    serde_json::json!({
        "bench": "febrl",
        "set": name,
        "identifier_as": id,
        "records": records,
        "seconds": seconds,
        "pairwise_precision": s.pairwise_precision,
        "pairwise_recall": s.pairwise_recall,
        "pairwise_f1": s.pairwise_f1,
        "bcubed_f1": s.bcubed_f1,
        "review_pairs": review,
        "review_pairs_per_record": review as f64 / records.max(1) as f64,
        "match_weight_threshold": summary["thresholds"]["match_weight"],
        "expected_match_precision": summary["expected"]["match_precision"],
        "splink_pairwise_f1": SPLINK_F1,
    })
}
