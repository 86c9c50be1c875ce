//! The merge on Spark against `padan run` on the same machine: `cargo bench --bench spark`.
//!
//! A synthetic registry of `PADAN_SPARK_PEOPLE` people (default 1,000,000; `padan synth`
//! defaults, seed 1, made once in `PADAN_BENCH_DIR`, default `target/spark-bench`) linked by
//! `padan run --full` and by `spark/padan_spark.py` under `spark-submit --master local[N]`
//! (`PADAN_SPARK_MASTER`, default `local[2]`; `spark-submit` is `$PADAN_SPARK_SUBMIT`, else on
//! PATH; the bench is skipped, saying so, without it). One JSON line: both runs' seconds, the
//! Spark path's overhead as their ratio, the seconds of each Spark step, the bytes Spark shuffled
//! (the rows by key) and the candidate pairs, and whether the two registers are identical.
//! `PADAN_BENCH_EXE` runs another `padan` binary (default: this build's).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn timed(cmd: &mut Command) -> f64 {
    let t = Instant::now();
    let out = cmd.output().expect("the command starts");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.elapsed().as_secs_f64()
}

/// Bytes of the Parquet files in `dir`.
fn bytes_in(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "parquet"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn rows_in(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "parquet"))
                .map(|e| {
                    let f = std::fs::File::open(e.path()).expect("a part");
                    use polars::prelude::*;
                    ParquetReader::new(f).num_rows().expect("a footer") as u64
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let submit = std::env::var_os("PADAN_SPARK_SUBMIT")
        .map(PathBuf::from)
        .or_else(|| {
            let found = Command::new("sh")
                .args(["-c", "command -v spark-submit"])
                .output()
                .ok()?;
            found
                .status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&found.stdout).trim()))
        });
    let Some(submit) = submit else {
        eprintln!(
            "SKIPPED spark bench: no spark-submit (set PADAN_SPARK_SUBMIT or put it on PATH)"
        );
        return;
    };
    let people = env_or("PADAN_SPARK_PEOPLE", "1000000");
    let master = env_or("PADAN_SPARK_MASTER", "local[2]");
    let exe = env_or("PADAN_BENCH_EXE", env!("CARGO_BIN_EXE_padan"));
    let dir = PathBuf::from(env_or("PADAN_BENCH_DIR", "target/spark-bench"));
    let data = dir.join(format!("synth-{people}"));
    let config = data.join("padan.toml");
    if !config.exists() {
        timed(
            Command::new(&exe)
                .args(["synth", "--people", &people, "--seed", "1", "--out"])
                .arg(&data),
        );
    }
    let (local, spark, work) = (dir.join("local"), dir.join("spark"), dir.join("work"));
    for d in [&local, &spark, &work] {
        let _ = std::fs::remove_dir_all(d);
    }
    let local_s = timed(
        Command::new(&exe)
            .args(["run", "--full", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&local),
    );
    let timings = dir.join("timings.json");
    // spark-submit finds its Python beside it (a virtual environment's).
    let bin = submit.parent().map(Path::to_path_buf).unwrap_or_default();
    let path = format!("{}:{}", bin.display(), env_or("PATH", ""));
    let spark_s = timed(
        Command::new(&submit)
            .env("PADAN", &exe)
            .env("PATH", path)
            .args(["--master", &master, "spark/padan_spark.py", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&spark)
            .arg("--work")
            .arg(&work)
            .arg("--timings")
            .arg(&timings),
    );
    let steps: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&timings).expect("the timings")).expect("JSON");
    let same = |f: &str| {
        std::fs::read(local.join("current").join(f)).ok()
            == std::fs::read(spark.join("current").join(f)).ok()
    };
    // Each partition's compare seconds (its statistics' rules' seconds add up to them): how
    // even the partitions are.
    let mut partition_seconds: Vec<f64> = std::fs::read_dir(work.join("pairs"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .filter_map(|e| std::fs::read(e.path()).ok())
                .filter_map(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .map(|v| {
                    v["rules"].as_array().map_or(0.0, |r| {
                        r.iter().filter_map(|r| r["seconds"].as_f64()).sum()
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    partition_seconds.sort_by(f64::total_cmp);
    let summary = |d: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.join("current/summary.json")).unwrap_or_default())
            .unwrap_or_default()
    };
    let (ls, ss) = (summary(&local), summary(&spark));
    let line = serde_json::json!({
        "bench": "spark",
        "people": people.parse::<u64>().unwrap_or(0),
        "master": master,
        "local_seconds": (local_s * 10.0).round() / 10.0,
        "spark_seconds": (spark_s * 10.0).round() / 10.0,
        "overhead_ratio": (spark_s / local_s * 100.0).round() / 100.0,
        "steps": steps,
        "shuffled_rows": rows_in(&work.join("keyed")),
        "shuffled_bytes": bytes_in(&work.join("blocks")),
        "pairs_rows": rows_in(&work.join("pairs")),
        "candidate_pairs": rows_in(&work.join("candidates")),
        "partitions": partition_seconds.len(),
        "compare_partition_seconds_median": partition_seconds.get(partition_seconds.len() / 2),
        "compare_partition_seconds_max": partition_seconds.last(),
        "largest_block": ls["large_blocks"][0]["size"],
        "records": ls["records_accepted"],
        "local_peak_memory_bytes": ls["peak_memory_bytes"],
        "finish_peak_memory_bytes": ss["peak_memory_bytes"],
        "identical_crosswalk": same("crosswalk.csv"),
        "identical_register": same("register.csv"),
    });
    println!("{line}");
    let _ = std::fs::remove_dir_all(&work);
}
