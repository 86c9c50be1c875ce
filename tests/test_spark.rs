//! padan's merge on Apache Spark (`spark/padan_spark.py` running the `padan spark` steps as
//! tasks) writes the register `padan run` writes. Needs spark-submit and Java 17: without them
//! the tests are skipped, saying so, unless PADAN_REQUIRE_SPARK is set (as CI sets it).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::workdir::{run_err, run_ok, Workdir};

/// spark-submit (`PADAN_SPARK_SUBMIT`, else on the PATH) when it runs; otherwise None, having
/// said that `test` is skipped, or a panic when PADAN_REQUIRE_SPARK is set.
fn spark_submit(test: &str) -> Option<PathBuf> {
    let exe = PathBuf::from(
        std::env::var_os("PADAN_SPARK_SUBMIT").unwrap_or_else(|| "spark-submit".into()),
    );
    if spark_command(&exe)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Some(exe);
    }
    let why = format!(
        "`{} --version` did not run: set PADAN_SPARK_SUBMIT to a spark-submit (pip install pyspark), with Java 17 installed",
        exe.display()
    );
    if std::env::var_os("PADAN_REQUIRE_SPARK").is_some() {
        panic!("PADAN_REQUIRE_SPARK is set, but {why}");
    }
    eprintln!("SKIPPED {test}: {why}");
    None
}

/// `exe`, finding its Spark through the Python beside it when it is a virtual environment's
/// (pip's spark-submit asks `python3` on the PATH otherwise, which may not have PySpark).
fn spark_command(exe: &Path) -> Command {
    let mut c = Command::new(exe);
    let python = exe.with_file_name("python");
    if std::env::var_os("PYSPARK_PYTHON").is_none() && python.exists() {
        c.env("PYSPARK_PYTHON", python);
    }
    c
}

/// spark/padan_spark.py on 2 local cores with `args`, in the test's folder, running this build's padan.
fn spark(wd: &Workdir, submit: &Path, args: &[&str]) -> Command {
    let mut c = spark_command(submit);
    c.current_dir(wd.path())
        .args(["--master", "local[2]"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("spark/padan_spark.py"))
        .args(args)
        .env("PADAN", env!("CARGO_BIN_EXE_padan"));
    c
}

/// Checks that two files are byte-identical; when not, says how many lines are in one and not
/// the other, never the lines themselves (they hold personal data).
fn assert_same_file(wd: &Workdir, a: &str, b: &str) {
    let read = |p: &str| std::fs::read(wd.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let (x, y) = (read(a), read(b));
    if x == y {
        return;
    }
    let mut count: HashMap<&[u8], i64> = HashMap::new();
    for l in x.split(|&c| c == b'\n') {
        *count.entry(l).or_default() += 1;
    }
    for l in y.split(|&c| c == b'\n') {
        *count.entry(l).or_default() -= 1;
    }
    let only = |sign: i64| -> i64 { count.values().map(|&n| (n * sign).max(0)).sum() };
    panic!(
        "{a} and {b} differ: {} lines only in the first, {} only in the second (in any order)",
        only(1),
        only(-1)
    );
}

/// The job's default work folder (beside the configuration) holds personal data: it must be
/// gone once the job ends, however it ends.
fn assert_no_work_folder(wd: &Workdir) {
    let left: Vec<_> = std::fs::read_dir(wd.join("s"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".padan-spark-"))
        .collect();
    assert!(left.is_empty(), "work folder left: {left:?}");
}

#[test]
fn the_spark_job_writes_the_register_padan_run_writes() {
    let Some(submit) = spark_submit("the_spark_job_writes_the_register_padan_run_writes") else {
        return;
    };
    let wd = Workdir::new();
    run_ok(
        wd.command("synth")
            .args(["--people", "100000", "--seed", "61", "--out", "s"]),
    );
    let t = Instant::now();
    let plain = run_ok(
        wd.command("run")
            .args(["--config", "s/padan.toml", "--out", "A"]),
    );
    let run_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let on_spark = run_ok(&mut spark(
        &wd,
        &submit,
        // Exports of about 6 MB, so several chunks each.
        &["--config", "s/padan.toml", "--out", "B", "--chunk-mb", "2"],
    ));
    eprintln!(
        "100,000 people: padan run {run_secs:.1} s, on Spark {:.1} s",
        t.elapsed().as_secs_f64()
    );
    for f in ["crosswalk.csv", "register.csv", "rejects.csv"] {
        assert_same_file(&wd, &format!("A/current/{f}"), &format!("B/current/{f}"));
    }
    assert_eq!(
        on_spark.replace("B/generations", "A/generations"),
        plain,
        "the same summary on stdout"
    );
    assert_no_work_folder(&wd);
}

#[test]
fn a_damaged_export_stops_the_spark_job_as_it_stops_padan_run() {
    let Some(submit) = spark_submit("a_damaged_export_stops_the_spark_job_as_it_stops_padan_run")
    else {
        return;
    };
    let wd = Workdir::new();
    run_ok(
        wd.command("synth")
            .args(["--people", "300", "--seed", "62", "--out", "s"]),
    );
    // One export's header line lost, as a cut copy would lose it: its first row reads as one.
    let body = wd.read("s/jkm.csv");
    let (_, rows) = body.split_once('\n').unwrap();
    wd.create("s/jkm.csv", rows);
    let plain = run_err(
        wd.command("run")
            .args(["--config", "s/padan.toml", "--out", "A"]),
        2,
    );
    let said = String::from_utf8_lossy(&plain.stderr);
    let said = said
        .lines()
        .find(|l| l.starts_with("padan: error:"))
        .unwrap();
    assert!(
        said.contains("source `jkm`") && said.contains("column `ref_no`"),
        "{said}"
    );

    let out = spark(&wd, &submit, &["--config", "s/padan.toml", "--out", "B"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(said),
        "padan's own message, as padan run says it:\n{err}"
    );
    // None of the first row's values (the persons in it): padan masks them, Spark adds none.
    let first = rows.lines().next().unwrap();
    for (i, cell) in first.split(';').enumerate().filter(|(_, c)| c.len() > 3) {
        assert!(!err.contains(cell), "the first row's cell {i} is on stderr");
    }
    assert!(!wd.join("B").exists(), "nothing written");
    assert_no_work_folder(&wd);
}
