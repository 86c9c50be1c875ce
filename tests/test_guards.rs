//! Guards an unattended night needs: an export that collapsed stops the run before anything is
//! written; rows repeated thousands of times are reported and do not skew the model.

use crate::workdir::{csv_rows, run_err, run_ok, Workdir};

fn summary(wd: &Workdir, store: &str) -> serde_json::Value {
    serde_json::from_str(&wd.read(&format!("{store}/current/summary.json"))).unwrap()
}

fn generations(wd: &Workdir, store: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(wd.join(&format!("{store}/generations")))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn current(wd: &Workdir, store: &str) -> std::path::PathBuf {
    std::fs::read_link(wd.join(&format!("{store}/current"))).unwrap()
}

#[test]
fn an_export_that_lost_most_of_its_records_stops_the_run_until_accepted() {
    let wd = Workdir::new();
    wd.demo();
    run_ok(&mut wd.demo_run(&[]));
    let before = summary(&wd, "store");
    let jkm_before = before["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["source"] == "jkm")
        .unwrap()["records"]
        .as_u64()
        .unwrap();
    let crosswalk_before = wd.read("store/current/crosswalk.csv");

    // The agency sends its header alone.
    let jkm = wd.read("demo/jkm.csv");
    wd.create(
        "demo/jkm.csv",
        jkm.lines().next().unwrap().to_string() + "\n",
    );
    let o = run_err(&mut wd.demo_run(&[]), 1);
    let err = String::from_utf8_lossy(&o.stderr);
    for needle in [
        "source `jkm`".to_string(),
        format!("0 records tonight against {jkm_before} in generation 1"),
        "--accept-drop jkm".to_string(),
        "generation 1 stays current".to_string(),
    ] {
        assert!(err.contains(&needle), "{needle:?} not in {err}");
    }
    // Nothing was written: the previous register is current, untouched, and no partial
    // generation was left.
    assert_eq!(generations(&wd, "store"), ["000001"]);
    assert_eq!(
        current(&wd, "store"),
        std::path::Path::new("generations/000001")
    );
    assert_eq!(wd.read("store/current/crosswalk.csv"), crosswalk_before);

    // An unknown source name is a usage error.
    run_err(&mut wd.demo_run(&["--accept-drop", "jkn"]), 2);
    // Accepted on the command line, the night goes through and retires jkm's persons.
    run_ok(&mut wd.demo_run(&["--accept-drop", "jkm"]));
    let after = summary(&wd, "store");
    assert_eq!(after["generation"], 2);
    assert!(
        after["changes"]["retired"].as_u64().unwrap() > 0,
        "{}",
        after["changes"]
    );
    assert!(
        after["warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("source `jkm`")
            && w.as_str().unwrap().contains("no records")),
        "{}",
        after["warnings"]
    );
}

#[test]
fn max_drop_is_set_per_source() {
    let wd = Workdir::new();
    wd.demo();
    run_ok(&mut wd.demo_run(&[]));
    // Two rows in three of zakat's gone: more than the default half.
    let zakat = wd.read("demo/zakat.tsv");
    let kept: Vec<&str> = zakat
        .lines()
        .enumerate()
        .filter(|(i, _)| *i == 0 || i % 3 == 0)
        .map(|(_, l)| l)
        .collect();
    wd.create("demo/zakat.tsv", kept.join("\n") + "\n");
    let o = run_err(&mut wd.demo_run(&[]), 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("source `zakat`"));
    // The source's own max_drop allows it.
    let toml = wd
        .read("demo/padan.toml")
        .replace("name = \"zakat\"\n", "name = \"zakat\"\nmax_drop = 0.8\n");
    wd.create("demo/padan.toml", toml);
    run_ok(&mut wd.demo_run(&[]));
    assert_eq!(summary(&wd, "store")["generation"], 2);
    // A share outside 0..1 is a configuration error.
    let bad = wd
        .read("demo/padan.toml")
        .replace("max_drop = 0.8", "max_drop = 50");
    wd.create("demo/padan.toml", bad);
    let o = run_err(&mut wd.demo_run(&[]), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("max_drop"));
}

#[test]
fn an_export_of_undecodable_rows_names_the_encoding_to_try() {
    let wd = Workdir::new();
    wd.demo();
    run_ok(&mut wd.demo_run(&[]));
    // jkm's export arrives in windows-1252, every row with an accented letter, while the
    // configuration says UTF-8.
    let jkm = wd.read("demo/jkm.csv");
    let mut lines = jkm.lines();
    let mut all = format!("{};extra\n", lines.next().unwrap()).into_bytes();
    for line in lines {
        all.extend_from_slice(line.as_bytes());
        all.extend_from_slice(b";REN\xC9\n");
    }
    wd.create("demo/jkm.csv", all);
    let o = run_err(&mut wd.demo_run(&[]), 1);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("source `jkm`"), "{err}");
    assert!(err.contains("undecodable"), "{err}");
    assert!(err.contains("encoding = \"windows-1252\""), "{err}");
}

/// Pairwise recall of a run's crosswalk on the records the truth names.
fn recall(wd: &Workdir, truth: &str, store: &str) -> padan::eval::Scores {
    let truth = padan::eval::read_assignment(&wd.join(truth)).unwrap();
    let pred =
        padan::eval::read_assignment(&wd.join(&format!("{store}/current/crosswalk.csv"))).unwrap();
    padan::eval::score(&truth, &pred)
}

/// Appends a source of `n` copies of one row (fresh ids) to a configuration.
fn add_junk(wd: &Workdir, dir: &str, n: usize, row: &str) {
    let mut body = String::from("record_id,full_name,dob,postcode,sex,phone\n");
    for i in 0..n {
        body.push_str(&format!("J{i:06},{row}\n"));
    }
    wd.create(&format!("{dir}/junk.csv"), body);
    let toml = wd.read(&format!("{dir}/padan.toml"))
        + "\n[[source]]\nname = \"bantuan\"\npath = \"junk.csv\"\n";
    wd.create(&format!("{dir}/padan.toml"), toml);
}

#[test]
fn thousands_of_copies_of_one_row_are_reported_and_do_not_skew_the_model() {
    let wd = Workdir::new();
    wd.demo();
    run_ok(
        wd.command("run")
            .args(["--config", "demo/padan.toml", "--out", "clean"]),
    );
    let clean = recall(&wd, "demo/truth.csv", "clean");
    add_junk(
        &wd,
        "demo",
        5000,
        "MUHAMMAD BIN ABDULLAH,1980-01-01,50000,L,",
    );
    run_ok(&mut wd.demo_run(&[]));
    let s = recall(&wd, "demo/truth.csv", "store");
    assert!(s.pairwise_recall >= 0.98, "{s:?}");
    assert!(
        s.pairwise_recall >= clean.pairwise_recall - 0.002,
        "{s:?} against {clean:?}"
    );
    assert!(
        s.pairwise_precision >= clean.pairwise_precision - 0.002,
        "{s:?}"
    );

    let sm = summary(&wd, "store");
    let q = &sm["data_quality"];
    assert_eq!(q["suspect_records"], 5000);
    assert_eq!(q["suspect_groups"], 1);
    let g = &q["largest_groups"][0];
    assert_eq!(g["sources"]["bantuan"], 5000);
    assert_eq!(g["first"], "bantuan row 2");
    // The name is shown masked.
    assert_eq!(g["name"], "M******* B** A*******");
    assert!(sm["warnings"].as_array().unwrap().iter().any(|w| w
        .as_str()
        .unwrap()
        .starts_with("data quality: 5000 records")));
    let report = wd.read("store/current/report.html");
    let table = &report[report.find(r#"<table id="suspect-groups">"#).unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(
        table.contains("bantuan 5,000") && table.contains("M******* B** A*******"),
        "{table}"
    );
    // The clean run found nothing suspect.
    assert_eq!(summary(&wd, "clean")["data_quality"]["suspect_records"], 0);
}

#[test]
fn repeated_rows_do_not_skew_a_synthetic_registry_either() {
    // Another registry, another row and more copies than records: linking the rest is as
    // good as without them.
    let wd = Workdir::new();
    run_ok(wd.command("synth").args([
        "--people", "1200", "--seed", "23", "--noise", "1.5", "--out", "s",
    ]));
    run_ok(
        wd.command("run")
            .args(["--config", "s/padan.toml", "--out", "clean"]),
    );
    let clean = recall(&wd, "s/truth.csv", "clean");
    add_junk(&wd, "s", 4000, "TAN AH KOW,02/03/1975,81200,M,0123456789");
    run_ok(
        wd.command("run")
            .args(["--config", "s/padan.toml", "--out", "store"]),
    );
    let s = recall(&wd, "s/truth.csv", "store");
    assert!(
        s.pairwise_f1 >= clean.pairwise_f1 - 0.005,
        "{s:?} against {clean:?}"
    );
    let sm = summary(&wd, "store");
    assert_eq!(sm["data_quality"]["suspect_records"], 4000);
    // The copies themselves are linked as any records are: one person, every copy in it.
    let cw = csv_rows(&wd.join("store/current/crosswalk.csv"));
    let persons: std::collections::HashSet<&str> = cw
        .iter()
        .filter(|r| r["source"] == "bantuan")
        .map(|r| r["person_id"].as_str())
        .collect();
    assert_eq!(persons.len(), 1);
}
