//! How well `padan qa` estimates: `cargo bench --bench qa`.
//!
//! Makes noisy synthetic registries (`padan synth --noise 2`), links each with `padan run`,
//! then draws clerical samples of `--n 400` (`PADAN_QA_N`) from each with different seeds, labels them from
//! the generator's truth and estimates. Prints one JSON line: over all the repetitions
//! (`PADAN_QA_REGISTRIES` registries of `PADAN_QA_PEOPLE` people, default 4 of 20,000, times
//! `PADAN_QA_SAMPLES` samples each, default 25: 100), how often each 95% interval covered the
//! true value and its mean width; then one line for a registry of `PADAN_QA_BIG_PEOPLE`
//! (default 100,000) people over `PADAN_QA_BIG_SAMPLES` samples (default 20): the largest and
//! mean distance of the estimated precision of automatic matches from the true one.

use std::path::Path;
use std::process::Command;

use padan::explain::Store;
use padan::qa::{estimate, sample, truth};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A linked synthetic registry: its store and truth.
fn registry(exe: &str, work: &Path, people: u64, seed: u64) -> (Store, truth::Truth) {
    let run = |args: &[&str]| {
        let out = Command::new(exe).args(args).output().expect("padan runs");
        assert!(
            out.status.success(),
            "padan {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let dir = work.join(format!("r{people}-{seed}"));
    let d = dir.to_str().unwrap();
    run(&[
        "synth",
        "--people",
        &people.to_string(),
        "--seed",
        &seed.to_string(),
        "--noise",
        "2",
        "--out",
        d,
    ]);
    run(&[
        "run",
        "--config",
        &format!("{d}/padan.toml"),
        "--out",
        &format!("{d}/store"),
    ]);
    let truth = padan::eval::read_assignment(&dir.join("truth.csv")).expect("truth.csv");
    (Store::load(&dir.join("store")).expect("the store"), truth)
}

/// The estimands checked: their names in `Estimates` and in `truth::Values`.
fn pairs(
    e: &estimate::Estimates,
    t: &truth::Values,
) -> [(&'static str, estimate::Interval, f64); 6] {
    [
        (
            "match_precision",
            e.match_precision.clone(),
            t.match_precision,
        ),
        ("recall", e.recall.clone(), t.recall),
        ("missed", e.missed.clone(), t.missed),
        (
            "register_precision",
            e.register_precision.clone(),
            t.register_precision,
        ),
        (
            "register_recall",
            e.register_recall.clone(),
            t.register_recall,
        ),
        (
            "register_missed",
            e.register_missed.clone(),
            t.register_missed,
        ),
    ]
}

fn main() {
    let exe =
        std::env::var("PADAN_BENCH_EXE").unwrap_or_else(|_| env!("CARGO_BIN_EXE_padan").into());
    let work = tempfile::tempdir().expect("a temporary folder");
    let n = env("PADAN_QA_N", 400) as usize;
    let (registries, people, samples) = (
        env("PADAN_QA_REGISTRIES", 4),
        env("PADAN_QA_PEOPLE", 20_000),
        env("PADAN_QA_SAMPLES", 25),
    );
    let mut covered = [0u64; 6];
    let mut width = [0f64; 6];
    let mut reps = 0u64;
    for r in 0..registries {
        let (store, truth) = registry(&exe, work.path(), people, 500 + r);
        let t = truth::values(&store, &truth);
        for s in 0..samples {
            let drawn = sample::draw(&store, n, 9000 + s).expect("a sample");
            let units = truth::units(&drawn, &truth);
            let e = estimate::estimate(&drawn.design, &units, s);
            for (k, (_, i, v)) in pairs(&e, &t).into_iter().enumerate() {
                covered[k] += u64::from(i.low - 1e-9 <= v && v <= i.high + 1e-9);
                width[k] += i.high - i.low;
            }
            reps += 1;
        }
    }
    let names = [
        "match_precision",
        "recall",
        "missed",
        "register_precision",
        "register_recall",
        "register_missed",
    ];
    let mut line = serde_json::json!({"bench": "qa", "n": n, "people": people, "registries": registries, "repetitions": reps});
    for k in 0..6 {
        line[format!("{}_covered", names[k])] = covered[k].into();
        line[format!("{}_mean_width", names[k])] = (width[k] / reps.max(1) as f64).into();
    }
    println!("{line}");
    let (big, big_samples) = (
        env("PADAN_QA_BIG_PEOPLE", 100_000),
        env("PADAN_QA_BIG_SAMPLES", 20),
    );
    if big == 0 {
        return;
    }
    let (store, truth) = registry(&exe, work.path(), big, 77);
    let t = truth::values(&store, &truth);
    let (mut worst, mut sum, mut cover) = (0f64, 0f64, 0u64);
    for s in 0..big_samples {
        let drawn = sample::draw(&store, n, 7000 + s).expect("a sample");
        let e = estimate::estimate(&drawn.design, &truth::units(&drawn, &truth), s);
        let d = (e.match_precision.estimate - t.match_precision).abs();
        worst = worst.max(d);
        sum += d;
        cover += u64::from(
            e.match_precision.low <= t.match_precision
                && t.match_precision <= e.match_precision.high,
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "bench": "qa_precision", "n": n, "people": big, "samples": big_samples,
            "true_match_precision": t.match_precision,
            "max_abs_error": worst, "mean_abs_error": sum / big_samples.max(1) as f64,
            "covered": cover,
        })
    );
}
