//! The register store under damage: a lost or hostile `current`, a full disk, a damaged
//! marker, and `padan explain` on a damaged generation or a rejected record.

use std::collections::HashMap;
use std::path::Path;
use std::process::Output;

use crate::workdir::{csv_rows, run_err, run_ok, Workdir};

fn run(wd: &Workdir) -> Output {
    wd.demo_run(&[]).output().unwrap()
}

fn summary(wd: &Workdir) -> serde_json::Value {
    serde_json::from_str(&wd.read("store/current/summary.json")).unwrap()
}

fn warnings(wd: &Workdir) -> Vec<String> {
    summary(wd)["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Each record's person id and each person's first generation.
fn ids(wd: &Workdir) -> (HashMap<(String, String), String>, HashMap<String, String>) {
    let cw = csv_rows(&wd.join("store/current/crosswalk.csv"))
        .into_iter()
        .map(|r| {
            (
                (r["source"].clone(), r["record_id"].clone()),
                r["person_id"].clone(),
            )
        })
        .collect();
    let first = csv_rows(&wd.join("store/current/register.csv"))
        .into_iter()
        .map(|r| (r["person_id"].clone(), r["first_generation"].clone()))
        .collect();
    (cw, first)
}

fn current_target(wd: &Workdir) -> std::path::PathBuf {
    std::fs::read_link(wd.join("store/current")).unwrap()
}

fn symlink(target: &str, link: &Path) {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Splits a person of two records by an analyst's `different`, stored by the first run.
fn first_run_with_a_decision(wd: &Workdir) -> ((String, String), (String, String)) {
    wd.demo();
    run_ok(&mut wd.demo_run(&[]));
    let (cw, _) = ids(wd);
    let mut members: HashMap<&String, Vec<&(String, String)>> = HashMap::new();
    for (k, p) in &cw {
        members.entry(p).or_default().push(k);
    }
    let mut twos: Vec<_> = members.values().filter(|m| m.len() == 2).collect();
    twos.sort();
    let (a, b) = (twos[0][0].clone(), twos[0][1].clone());
    wd.create(
        "decisions.csv",
        format!(
            "source_l,record_id_l,source_r,record_id_r,decision\n{},{},{},{},different\n",
            a.0, a.1, b.0, b.1
        ),
    );
    run_ok(&mut wd.demo_run(&["--decisions", "decisions.csv"]));
    (a, b)
}

#[test]
fn a_lost_or_dangling_current_takes_the_newest_generation_and_keeps_history() {
    let wd = Workdir::new();
    let (a, b) = first_run_with_a_decision(&wd);
    let (before, first_before) = ids(&wd);
    assert_ne!(before[&a], before[&b], "the decision split them");

    // `current` removed by hand: the next run builds on generation 2, and says so.
    std::fs::remove_file(wd.join("store/current")).unwrap();
    let o = run(&wd);
    assert!(o.status.success(), "{}", stderr(&o));
    let check = |gen: &str, o: &Output| {
        let (after, first) = ids(&wd);
        eqnice!(before, after);
        eqnice!(first_before, first);
        assert!(
            csv_rows(&wd.join("store/current/changes.csv")).is_empty(),
            "nobody is new"
        );
        let s = summary(&wd);
        assert_eq!(s["decisions"]["stored"], 1, "{}", s["decisions"]);
        assert_eq!(s["decisions"]["applied_different"], 1);
        let w = warnings(&wd);
        let named = |t: &str| t.contains(&format!("generations/{gen}")) && t.contains("current");
        assert!(w.iter().any(|w| named(w)), "{w:?}");
        assert!(stderr(o).lines().any(named), "{}", stderr(o));
    };
    check("000002", &o);
    assert_eq!(current_target(&wd), Path::new("generations/000003"));

    // `current` left dangling (its generation deleted): the same.
    symlink("generations/000077", &wd.join("store/current"));
    let o = run(&wd);
    assert!(o.status.success(), "{}", stderr(&o));
    check("000003", &o);
    assert!(warnings(&wd).iter().any(|w| w.contains("000077")));

    // `padan explain` finds the generation as the run does.
    std::fs::remove_file(wd.join("store/current")).unwrap();
    let o = wd
        .command("explain")
        .args(["--out", "store", "--person", &before[&a]])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("generations/000004"), "{}", stderr(&o));
}

#[test]
fn a_current_linked_outside_the_store_is_refused_and_nothing_written() {
    let wd = Workdir::new();
    wd.demo();
    run_ok(&mut wd.demo_run(&[]));
    std::fs::create_dir_all(wd.join("elsewhere")).unwrap();
    let link = wd.join("store/current");
    for target in ["/etc", "../elsewhere", "generations/.000002.partial"] {
        symlink(target, &link);
        let o = run_err(&mut wd.demo_run(&[]), 2);
        let e = stderr(&o);
        assert!(
            e.contains(target) && e.contains("not a generation folder"),
            "{e}"
        );
        assert_eq!(current_target(&wd), Path::new(target));
        let mut names: Vec<_> = std::fs::read_dir(wd.join("store/generations"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["000001"], "{target}");
        let o = run_err(
            wd.command("explain")
                .args(["--out", "store", "--person", "P0"]),
            2,
        );
        assert!(stderr(&o).contains("not a generation folder"));
    }
    // A real folder in its place is refused before anything is read.
    std::fs::remove_file(&link).unwrap();
    std::fs::create_dir(&link).unwrap();
    let o = run_err(&mut wd.demo_run(&[]), 2);
    assert!(stderr(&o).contains("not a link"), "{}", stderr(&o));
}

#[test]
fn a_run_that_fills_the_disk_removes_its_partial_generation() {
    let wd = Workdir::new();
    wd.demo();
    run_ok(&mut wd.demo_run(&[]));
    let register = wd.read("store/current/register.csv");
    let crosswalk = wd.read("store/current/crosswalk.csv");
    // A file written through a buffer, one linked in from the unnamed spill, the last one.
    for file in ["crosswalk.csv", "normalised.bin", "summary.json"] {
        let o = wd
            .command("run")
            .args(["--config", "demo/padan.toml", "--out", "store"])
            .env("PADAN_FAIL_AFTER", file)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{file}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains("disk") && e.contains("full") && e.contains("store:"),
            "{file}: {e}"
        );
        let left: Vec<_> = std::fs::read_dir(wd.join("store/generations"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["000001"], "{file}");
        assert_eq!(current_target(&wd), Path::new("generations/000001"));
        assert_eq!(wd.read("store/current/register.csv"), register);
        assert_eq!(wd.read("store/current/crosswalk.csv"), crosswalk);
    }
    run_ok(&mut wd.demo_run(&[]));
    assert!(warnings(&wd).iter().all(|w| !w.contains("removed")));
}

#[test]
fn leftovers_of_an_unfinished_run_are_removed_first_and_reported() {
    let wd = Workdir::new();
    wd.demo();
    run_ok(&mut wd.demo_run(&[]));
    wd.create(
        "store/generations/.000009.partial/normalised.bin",
        vec![7u8; 2_500_000],
    );
    symlink("generations/000001", &wd.join("store/.current.4242.tmp"));
    let o = run(&wd);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!wd.join("store/generations/.000009.partial").exists());
    assert!(std::fs::symlink_metadata(wd.join("store/.current.4242.tmp")).is_err());
    let said = |w: &str| {
        w.contains(".000009.partial") && w.contains(".current.4242.tmp") && w.contains("2.5 MB")
    };
    assert!(warnings(&wd).iter().any(|w| said(w)), "{:?}", warnings(&wd));
    assert!(stderr(&o).lines().any(said), "{}", stderr(&o));
}

#[test]
fn a_damaged_store_marker_is_called_damaged() {
    let wd = Workdir::new();
    wd.demo();
    for body in ["not json at all", r#"{"written_by": "someone"}"#] {
        wd.create("store/padan-store.json", body);
        let o = run_err(&mut wd.demo_run(&[]), 2);
        let e = stderr(&o);
        assert!(e.contains("padan-store.json: damaged"), "{e}");
        assert!(e.contains("remove the file"), "{e}");
        assert!(!e.contains("null"), "{e}");
        assert!(!wd.join("store/generations").exists());
    }
}

#[test]
fn the_lock_and_the_store_marker_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let wd = Workdir::new();
    wd.demo();
    run_ok(&mut wd.demo_run(&[]));
    for f in [".lock", "padan-store.json"] {
        let mode = std::fs::metadata(wd.join("store").join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{f}");
    }
}

#[test]
fn explain_on_a_damaged_generation_is_a_failure() {
    let wd = Workdir::new();
    wd.demo();
    run_ok(&mut wd.demo_run(&[]));
    let explain = || {
        run_err(
            wd.command("explain")
                .args(["--out", "store", "--record", "jkm:JKM-19-004017"]),
            1,
        )
    };
    let gen = wd.join("store/generations/000001");
    let keep = |f: &str| std::fs::read(gen.join(f)).unwrap();
    let (link, normalised) = (keep("link.bin"), keep("normalised.bin"));
    // Truncated.
    std::fs::write(gen.join("link.bin"), &link[..link.len() / 2]).unwrap();
    assert!(stderr(&explain()).contains("link.bin"));
    std::fs::write(gen.join("link.bin"), &link).unwrap();
    // A byte changed in the middle.
    let mut bad = normalised.clone();
    bad[normalised.len() / 2] ^= 0xff;
    std::fs::write(gen.join("normalised.bin"), &bad).unwrap();
    assert!(stderr(&explain()).contains("normalised.bin"));
    std::fs::write(gen.join("normalised.bin"), &normalised).unwrap();
    // A file gone.
    std::fs::remove_file(gen.join("pairs.parquet")).unwrap();
    assert!(stderr(&explain()).contains("pairs.parquet"));
}

#[test]
fn explain_on_a_rejected_record_points_to_rejects_csv() {
    let wd = Workdir::new();
    wd.demo();
    run_ok(&mut wd.demo_run(&[]));
    let rejects = csv_rows(&wd.join("store/current/rejects.csv"));
    let r = rejects
        .iter()
        .find(|r| r["reason"].starts_with("ragged row"))
        .unwrap();
    let record = format!("{}:{}", r["source"], r["record_id"]);
    let o = run_err(
        wd.command("explain")
            .args(["--out", "store", "--record", &record]),
        2,
    );
    let e = stderr(&o);
    assert!(e.contains(&format!("{record} was rejected")), "{e}");
    assert!(e.contains(&format!("row {} (ragged row)", r["row"])), "{e}");
    assert!(e.contains("rejects.csv"), "{e}");
}
