//! `padan qa`: a clerical sample drawn, labelled (here from the synthetic registry's truth),
//! and estimated; the estimate covering the truth, kept, shown by the next report, and applied.

use std::process::Command;

use crate::workdir::{run_ok, Workdir};
use padan::qa::truth;

fn fail(c: &mut Command) -> (i32, String) {
    let out = c.output().unwrap();
    assert!(!out.status.success(), "should fail");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A noisy synthetic registry of `people`, linked into `store`.
fn registry(wd: &Workdir, people: &str, seed: &str) -> truth::Truth {
    run_ok(wd.command("synth").args([
        "--people", people, "--seed", seed, "--noise", "2", "--out", "s",
    ]));
    run_ok(
        wd.command("run")
            .args(["--config", "s/padan.toml", "--out", "store"]),
    );
    padan::eval::read_assignment(&wd.join("s/truth.csv")).unwrap()
}

/// `padan qa estimate --out store --labels LABELS`, then `extra` arguments.
fn estimate(wd: &Workdir, labels: &str, extra: &[&str]) -> Command {
    let mut c = wd.command("qa");
    c.args(["estimate", "--out", "store", "--labels", labels])
        .args(extra);
    c
}

/// Draws a sample with `seed`, labels it from the truth into `labels.csv`, and estimates.
fn sample_label_estimate(wd: &Workdir, truth: &truth::Truth, seed: u64) -> serde_json::Value {
    run_ok(wd.command("qa").args([
        "sample",
        "--out",
        "store",
        "--replace",
        "--seed",
        &seed.to_string(),
    ]));
    let csv = std::fs::read(wd.join("store/qa/000001/qa.csv")).unwrap();
    std::fs::write(wd.join("labels.csv"), truth::labelled(&csv, truth).unwrap()).unwrap();
    let out = run_ok(&mut estimate(wd, "labels.csv", &[]));
    serde_json::from_str(&out).unwrap()
}

fn covers(e: &serde_json::Value, name: &str, truth: f64) -> bool {
    let i = &e["estimates"][name];
    let (low, high) = (i["low"].as_f64().unwrap(), i["high"].as_f64().unwrap());
    low - 1e-9 <= truth && truth <= high + 1e-9
}

#[test]
fn estimates_from_labelled_samples_cover_the_true_precision_and_recall() {
    let wd = Workdir::new();
    let truth = registry(&wd, "3000", "41");
    let store = padan::explain::Store::load(&wd.join("store")).unwrap();
    let t = truth::values(&store, &truth);
    assert!(
        t.match_precision < 1.0 && t.missed > 0.0,
        "a registry with errors: {t:?}"
    );
    let names = [
        ("match_precision", t.match_precision),
        ("recall", t.recall),
        ("register_precision", t.register_precision),
        ("register_recall", t.register_recall),
        ("missed", t.missed),
        ("register_missed", t.register_missed),
    ];
    let reps = 12;
    let mut covered = [0; 6];
    let mut error = 0.0f64;
    for seed in 0..reps {
        let e = sample_label_estimate(&wd, &truth, 1000 + seed);
        for (k, (name, value)) in names.iter().enumerate() {
            covered[k] += usize::from(covers(&e, name, *value));
        }
        error = error.max(
            (e["estimates"]["match_precision"]["estimate"]
                .as_f64()
                .unwrap()
                - t.match_precision)
                .abs(),
        );
        let l = &e["estimates"]["labels"];
        assert_eq!(
            l["same"].as_u64().unwrap() + l["different"].as_u64().unwrap(),
            400
        );
    }
    eprintln!("covered of {reps}: {names:?} {covered:?}; largest precision error {error:.4}");
    for (k, (name, _)) in names.iter().enumerate() {
        assert!(
            covered[k] as u64 >= reps * 9 / 10,
            "{name} covered in {} of {reps}",
            covered[k]
        );
    }
    assert!(
        error < 0.01,
        "precision of automatic matches within 0.01: {error}"
    );
}

#[test]
fn the_sample_is_masked_safe_and_kept_and_the_next_report_shows_the_estimate() {
    let wd = Workdir::new();
    let truth = registry(&wd, "1500", "43");
    let e = sample_label_estimate(&wd, &truth, 7);
    assert_eq!(e["generation"], 1);
    let qa = wd.read("store/qa/000001/qa.csv");
    assert!(qa.starts_with('\u{FEFF}'), "a BOM for spreadsheets");
    assert!(
        qa.contains("******-**-"),
        "ICs masked as the report masks them"
    );
    let longest = qa
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap();
    assert!(
        longest < 10,
        "no IC or phone whole: a run of {longest} digits"
    );
    assert!(
        !qa.contains("match_weight") && !qa.contains("review"),
        "the clerks see no score"
    );
    assert!(wd.join("store/qa/000001/estimate.json").is_file());
    // The next generation's report shows the estimate and its history.
    run_ok(
        wd.command("run")
            .args(["--config", "s/padan.toml", "--out", "store"]),
    );
    let report = wd.read("store/current/report.html");
    assert!(report.contains(r#"<section id="qa">"#));
    assert!(report.contains(r#"id="qa-estimates""#) && report.contains(r#"id="chart-qa-curve""#));
    assert!(
        report.contains("<td>000001</td>"),
        "the history names the generation"
    );
    // The new generation is sampled anew; a second draw is refused without --replace.
    run_ok(wd.command("qa").args(["sample", "--out", "store"]));
    assert!(wd.join("store/qa/000002/qa.csv").is_file());
    let (code, err) = fail(wd.command("qa").args(["sample", "--out", "store"]));
    assert_eq!(code, 2);
    assert!(err.contains("sampled already"), "{err}");
    // Clerks allowed to see whole values get them when asked.
    run_ok(
        wd.command("qa")
            .args(["sample", "--out", "store", "--replace", "--unmasked"]),
    );
    let qa = wd.read("store/qa/000002/qa.csv");
    assert!(!qa.contains("******-**-"));
    assert!(
        qa.split(|c: char| !c.is_ascii_digit())
            .any(|d| d.len() == 12),
        "whole ICs"
    );
}

#[test]
fn labels_that_do_not_fit_the_sample_are_refused_naming_line_and_column() {
    let wd = Workdir::new();
    let truth = registry(&wd, "800", "44");
    let _ = sample_label_estimate(&wd, &truth, 3);
    let good = wd.read("labels.csv");
    let lines: Vec<&str> = good.lines().collect();
    let with = |line: usize, f: &dyn Fn(&str) -> String| {
        let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        l[line] = f(&l[line]);
        l.join("\n") + "\n"
    };
    let bad_label = with(2, &|l| l.rsplit_once(',').unwrap().0.to_string() + ",maybe");
    wd.create("bad.csv", bad_label);
    let (code, err) = fail(&mut estimate(&wd, "bad.csv", &[]));
    assert_eq!(code, 2);
    assert!(
        err.contains("line 3, column `label`") && err.contains("maybe"),
        "{err}"
    );
    let other_record = with(1, &|l| {
        let mut c: Vec<String> = l.split(',').map(String::from).collect();
        c[3] = "NOPE1".into();
        c.join(",")
    });
    wd.create("bad.csv", other_record);
    let (code, err) = fail(&mut estimate(&wd, "bad.csv", &[]));
    assert_eq!(code, 2);
    assert!(err.contains("line 2, column `record_id_l`"), "{err}");
    // `unsure` and blank labels are counted, not dropped silently.
    let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    for (k, line) in l.iter_mut().enumerate().skip(1).take(6) {
        let keep = line.rsplit_once(',').unwrap().0.to_string();
        *line = if k % 2 == 0 {
            keep + ",unsure"
        } else {
            keep + ","
        };
    }
    wd.create("some.csv", l.join("\n") + "\n");
    let e: serde_json::Value =
        serde_json::from_str(&run_ok(&mut estimate(&wd, "some.csv", &[]))).unwrap();
    assert_eq!(e["estimates"]["labels"]["unsure"], 3);
    assert_eq!(e["estimates"]["labels"]["unlabelled"], 3);
}

#[test]
fn applied_labels_are_decisions_that_split_a_pair() {
    let wd = Workdir::new();
    let truth = registry(&wd, "800", "45");
    let _ = sample_label_estimate(&wd, &truth, 5);
    // A pair the register joined, labelled `different` by a clerk.
    let sample: serde_json::Value =
        serde_json::from_str(&wd.read("store/qa/000001/sample.json")).unwrap();
    let joined = sample["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["linked"] == true && p["decision"] == "match")
        .unwrap();
    let pair = joined["pair"].as_u64().unwrap() as usize;
    let text = wd.read("labels.csv");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let keep = lines[pair].rsplit_once(',').unwrap().0.to_string();
    lines[pair] = keep + ",different";
    wd.create("labels.csv", lines.join("\n") + "\n");
    run_ok(&mut estimate(
        &wd,
        "labels.csv",
        &["--apply", "--config", "s/padan.toml"],
    ));
    let crosswalk = padan::eval::read_crosswalk(&wd.join("store/current/crosswalk.csv")).unwrap();
    let key = |s: &str, id: &str| {
        (
            joined[s].as_str().unwrap().to_string(),
            joined[id].as_str().unwrap().to_string(),
        )
    };
    assert_ne!(
        crosswalk[&key("source_l", "record_id_l")],
        crosswalk[&key("source_r", "record_id_r")],
        "the pair labelled different is split"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&wd.read("store/current/summary.json")).unwrap();
    assert!(summary["decisions"]["applied_different"].as_u64().unwrap() >= 1);
    // Without --config, --apply is refused before anything is estimated.
    let (code, _) = fail(&mut estimate(&wd, "labels.csv", &["--apply"]));
    assert_eq!(code, 2);
}
