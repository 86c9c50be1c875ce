use std::collections::HashMap;

use crate::workdir::{csv_rows, run_err, run_ok, Workdir};

fn demo_store(wd: &Workdir) {
    wd.demo();
    run_ok(
        wd.command("run")
            .args(["--config", "demo/padan.toml", "--out", "store"]),
    );
}

#[test]
fn explain_a_person_lists_its_records_and_waterfalls_that_add_up() {
    let wd = Workdir::new();
    demo_store(&wd);
    let cw = csv_rows(&wd.join("store/current/crosswalk.csv"));
    let mut sizes: HashMap<String, usize> = HashMap::new();
    for r in &cw {
        *sizes.entry(r["person_id"].clone()).or_default() += 1;
    }
    let (pid, n) = sizes
        .iter()
        .max_by_key(|(p, n)| (**n, (*p).clone()))
        .unwrap();
    let out = run_ok(
        wd.command("explain")
            .args(["--out", "store", "--person", pid, "--json"]),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["records"].as_array().unwrap().len(), *n);
    let edges = v["edges"].as_array().unwrap();
    assert!(edges.len() >= n - 1, "at least a spanning set of edges");
    for e in edges {
        let steps = e["steps"].as_array().unwrap();
        let last = steps.last().unwrap()["running_total"].as_f64().unwrap();
        let w = e["match_weight"].as_f64().unwrap();
        assert!(
            (last - w).abs() < 1e-6,
            "waterfall ends at the weight: {last} vs {w}"
        );
        for s in steps {
            if s["comparison"] == "ic" {
                for side in ["left", "right"] {
                    let shown = s[side].as_str().unwrap();
                    assert!(
                        shown.is_empty() || shown.starts_with("******-**-"),
                        "{shown}"
                    );
                }
            }
        }
    }
    // The text form shows the same person and no IC whole.
    let text = run_ok(
        wd.command("explain")
            .args(["--out", "store", "--person", pid]),
    );
    assert!(text.contains(pid.as_str()));
    let longest = text
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap();
    assert!(longest < 12, "an IC printed whole");
}

#[test]
fn explain_a_record_lists_near_misses_and_unmasked_shows_values() {
    let wd = Workdir::new();
    demo_store(&wd);
    // A record with a scored pair to another person: a review pair whose records were not
    // joined through other records.
    let review = csv_rows(&wd.join("store/current/review.csv"));
    let cw = csv_rows(&wd.join("store/current/crosswalk.csv"));
    let person = |s: &str, id: &str| {
        cw.iter()
            .find(|r| r["source"] == s && r["record_id"] == id)
            .unwrap()["person_id"]
            .clone()
    };
    let r = review
        .iter()
        .find(|r| {
            person(&r["source_l"], &r["record_id_l"]) != person(&r["source_r"], &r["record_id_r"])
        })
        .expect("a review pair between two persons");
    let rec = format!("{}:{}", r["source_l"], r["record_id_l"]);
    let out = run_ok(
        wd.command("explain")
            .args(["--out", "store", "--record", &rec, "--json"]),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let other = format!("{}:{}", r["source_r"], r["record_id_r"]);
    let near = v["not_joined"].as_array().unwrap();
    assert!(
        near.iter()
            .any(|e| e["left"] == other.as_str() || e["right"] == other.as_str()),
        "{other} among the near misses"
    );
    let out =
        run_ok(
            wd.command("explain")
                .args(["--out", "store", "--record", &rec, "--unmasked"]),
        );
    assert!(out.contains(&r["record_id_l"]));
}

#[test]
fn explain_names_what_it_cannot_find() {
    let wd = Workdir::new();
    demo_store(&wd);
    let o = run_err(
        wd.command("explain")
            .args(["--out", "store", "--person", "P0"]),
        2,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("P0"));
    let o = run_err(
        wd.command("explain")
            .args(["--out", "store", "--record", "nocolon"]),
        2,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("SOURCE:ID"));
    run_err(wd.command("explain").args(["--out", "store"]), 2);
    let o = run_err(
        wd.command("explain")
            .args(["--out", "nowhere", "--person", "P0"]),
        2,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("records.parquet"));
}
