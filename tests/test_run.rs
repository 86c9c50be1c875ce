use std::collections::{HashMap, HashSet};

use crate::workdir::{csv_rows, run_err, run_ok, Workdir};

const OUTPUTS: [&str; 9] = [
    "crosswalk.csv",
    "register.csv",
    "register.parquet",
    "pairs.parquet",
    "review.csv",
    "rejects.csv",
    "summary.json",
    "changes.csv",
    "report.html",
];

fn run_demo(wd: &Workdir) -> std::path::PathBuf {
    let demo = wd.demo();
    run_ok(&mut wd.demo_run(&[]));
    demo
}

fn key(r: &HashMap<String, String>) -> (String, String) {
    (r["source"].clone(), r["record_id"].clone())
}

/// A crosswalk's person id of each record, by (source, record id).
fn person_of(crosswalk: &[HashMap<String, String>]) -> HashMap<(String, String), String> {
    crosswalk
        .iter()
        .map(|r| (key(r), r["person_id"].clone()))
        .collect()
}

#[test]
fn demo_writes_every_output_and_accounts_for_every_row() {
    let wd = Workdir::new();
    let demo = run_demo(&wd);
    for f in OUTPUTS {
        assert!(wd.join("store/current").join(f).is_file(), "{f} missing");
    }
    let crosswalk = csv_rows(&wd.join("store/current/crosswalk.csv"));
    let rejects = csv_rows(&wd.join("store/current/rejects.csv"));
    let truth = csv_rows(&demo.join("truth.csv"));

    // Every usable row (truth lists them) is in the crosswalk exactly once, and nothing else is.
    let mut seen = HashSet::new();
    for r in &crosswalk {
        assert!(seen.insert(key(r)), "{:?} twice in crosswalk", key(r));
    }
    let truth_keys: HashSet<_> = truth.iter().map(key).collect();
    eqnice!(truth_keys, seen);

    // The four planted bad rows are rejected with their reasons, at their lines.
    let mut got: Vec<(String, String, String)> = rejects
        .iter()
        .map(|r| {
            let kind = r["reason"].split(':').next().unwrap().to_string();
            (r["source"].clone(), r["row"].clone(), kind)
        })
        .collect();
    got.sort();
    eqnice!(
        vec![
            (
                "jkm".to_string(),
                "92".to_string(),
                "ragged row".to_string()
            ),
            (
                "perkeso".into(),
                "204".into(),
                "no usable identifying field".into()
            ),
            ("perkeso".into(), "273".into(), "duplicate record id".into()),
            (
                "zakat".into(),
                "130".into(),
                "missing record id (column `NoAsnaf`)".into()
            ),
        ],
        got
    );

    // The summary agrees with the files.
    let s: serde_json::Value =
        serde_json::from_str(&wd.read("store/current/summary.json")).unwrap();
    assert_eq!(s["records_accepted"], crosswalk.len() as u64);
    assert_eq!(s["records_rejected"], rejects.len() as u64);
    assert_eq!(
        s["records_in"].as_u64().unwrap(),
        (crosswalk.len() + rejects.len()) as u64
    );
    let register = csv_rows(&wd.join("store/current/register.csv"));
    assert_eq!(s["persons"], register.len() as u64);
    let persons: HashSet<_> = crosswalk.iter().map(|r| r["person_id"].clone()).collect();
    let registered: HashSet<_> = register.iter().map(|r| r["person_id"].clone()).collect();
    eqnice!(registered, persons);
    for stage in ["ingest", "normalise", "block", "score", "cluster", "write"] {
        assert!(s["stage_seconds"][stage].is_number(), "{stage}");
    }
}

#[test]
fn demo_links_known_duplicates_across_agencies() {
    let wd = Workdir::new();
    let demo = run_demo(&wd);
    let truth = padan::eval::read_assignment(&demo.join("truth.csv")).unwrap();
    let pred = padan::eval::read_assignment(&wd.join("store/current/crosswalk.csv")).unwrap();
    let s = padan::eval::score(&truth, &pred);
    assert_eq!(s.missing_from_predicted, 0);
    assert!(
        s.pairwise_f1 >= 0.9,
        "pairwise F1 {:.4}: {s:?}",
        s.pairwise_f1
    );
    assert!(s.pairwise_precision >= 0.9, "{s:?}");
    // A person seen in several agencies, xlsx and windows-1252 sources included.
    let register = csv_rows(&wd.join("store/current/register.csv"));
    assert!(register
        .iter()
        .any(|r| r["sources"].contains("aim") && r["sources"].contains("akpk")));
}

#[test]
fn reruns_give_the_same_ids_in_a_new_generation() {
    let wd = Workdir::new();
    run_demo(&wd);
    let first = wd.read("store/current/crosswalk.csv");
    run_ok(&mut wd.demo_run(&[]));
    let link = std::fs::read_link(wd.join("store/current")).unwrap();
    assert_eq!(link, std::path::Path::new("generations/000002"));
    assert_eq!(wd.read("store/current/crosswalk.csv"), first);
    assert_eq!(wd.read("store/generations/000001/crosswalk.csv"), first);
    let s: serde_json::Value =
        serde_json::from_str(&wd.read("store/current/summary.json")).unwrap();
    assert_eq!(s["generation"], 2);
}

#[test]
fn an_interrupted_run_leaves_the_previous_register_current() {
    let wd = Workdir::new();
    run_demo(&wd);
    let before = wd.read("store/current/register.csv");
    // What a run killed while writing leaves behind: a partial generation folder.
    wd.create(
        "store/generations/.000002.partial/crosswalk.csv",
        "source,rec",
    );
    assert_eq!(wd.read("store/current/register.csv"), before);
    run_ok(&mut wd.demo_run(&[]));
    assert!(!wd.join("store/generations/.000002.partial").exists());
    assert_eq!(wd.read("store/current/register.csv"), before);
}

#[cfg(unix)]
#[test]
fn outputs_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let wd = Workdir::new();
    run_demo(&wd);
    // Every file of the generation, the state kept for the next run included.
    let files: Vec<_> = std::fs::read_dir(wd.join("store/current"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for f in OUTPUTS {
        assert!(files.iter().any(|p| p.ends_with(f)), "{f}");
    }
    assert!(files.iter().any(|p| p.ends_with("normalised.bin")));
    assert!(files.iter().any(|p| p.ends_with("forms.bin")));
    for f in &files {
        let mode = std::fs::metadata(f).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", f.display());
    }
}

#[test]
fn review_and_pairs_files_carry_levels_and_both_sides() {
    let wd = Workdir::new();
    run_demo(&wd);
    let review = std::fs::read_to_string(wd.join("store/current/review.csv")).unwrap();
    let header = review.lines().next().unwrap();
    for col in [
        "source_l",
        "record_id_r",
        "match_weight",
        "name_level",
        "name_l",
        "name_r",
        "decision",
    ] {
        assert!(header.split(',').any(|c| c == col), "{col} not in {header}");
    }
    // The values shown are the exports' own, read back after the run moved them out of
    // memory: in the single-column sources, each record's line holds its name and birth date.
    let files = [
        ("jkm", "jkm.csv", ';'),
        ("perkeso", "perkeso.csv", ','),
        ("zakat", "zakat.tsv", '\t'),
    ];
    let mut checked = 0;
    for row in csv_rows(&wd.join("store/current/review.csv")) {
        for side in ["l", "r"] {
            let Some((_, file, sep)) = files.iter().find(|f| f.0 == row[&format!("source_{side}")])
            else {
                continue;
            };
            let text = wd.read(&format!("demo/{file}"));
            let id = &row[&format!("record_id_{side}")];
            let line = text
                .lines()
                .find(|l| l.starts_with(&format!("{id}{sep}")))
                .unwrap_or_else(|| panic!("record {id} not in {file}"));
            for field in ["name", "dob"] {
                let v = &row[&format!("{field}_{side}")];
                assert!(
                    !v.is_empty() && line.contains(v.as_str()),
                    "{field} of {id}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no review row from a single-column source");
    // Nothing but the store's own files is left in it (the spilled values had no name).
    let stray: Vec<_> = std::fs::read_dir(wd.join("store"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            ![".lock", "current", "generations"].contains(&n.as_str())
                && !n.starts_with("padan-store")
        })
        .collect();
    assert!(stray.is_empty(), "left in the store: {stray:?}");
    use polars::prelude::*;
    let f = std::fs::File::open(wd.join("store/current/pairs.parquet")).unwrap();
    let df = ParquetReader::new(f).finish().unwrap();
    for col in [
        "source_l",
        "record_id_l",
        "source_r",
        "record_id_r",
        "match_weight",
        "match_probability",
        "decision",
        "ic_level",
        "name_weight",
    ] {
        assert!(df.column(col).is_ok(), "{col}");
    }
    let s: serde_json::Value =
        serde_json::from_str(&wd.read("store/current/summary.json")).unwrap();
    assert_eq!(s["pairs_written"], df.height() as u64);
    let f = std::fs::File::open(wd.join("store/current/register.parquet")).unwrap();
    let reg = ParquetReader::new(f).finish().unwrap();
    assert_eq!(s["persons"], reg.height() as u64);
}

const SMALL_TOML: &str = r#"
[[source]]
name = "jkm"
path = "jkm.csv"
id = "ref"
[source.columns]
full_name = "name"
ic = "ic"
"#;

#[test]
fn a_missing_column_exits_2_naming_source_column_and_the_files_columns() {
    let wd = Workdir::new();
    wd.create("jkm.csv", "ref,nama,ic\n1,ALI,850312145567\n");
    wd.create("padan.toml", SMALL_TOML);
    let o = run_err(wd.command("run").args(["--config", "padan.toml"]), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    for needle in ["`jkm`", "`name`", "jkm.csv", "`ref`, `nama`, `ic`"] {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
    assert!(
        !wd.join("out").exists(),
        "nothing is written on a config error"
    );
}

#[test]
fn config_mistakes_exit_2_with_the_file_named() {
    let wd = Workdir::new();
    wd.create("jkm.csv", "ref,name,ic\n1,ALI,850312145567\n");
    wd.create(
        "typo.toml",
        SMALL_TOML.replace("[source.columns]", "[source.colums]"),
    );
    let o = run_err(wd.command("run").args(["--config", "typo.toml"]), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("typo.toml") && err.contains("colums"), "{err}");

    let o = run_err(wd.command("run").args(["--config", "nowhere.toml"]), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("nowhere.toml"));

    run_err(&mut wd.command("run"), 2); // --config is required
}

#[test]
fn bad_rows_go_to_rejects_and_the_run_succeeds() {
    let wd = Workdir::new();
    let mut body = b"ref,name,ic\n1,ALI BIN ABU,850312145567\n2,ABU\n".to_vec();
    // Two undecodable cells: the first is named.
    body.extend_from_slice(b"3,REN\xC9 TAN,\xFF\n4,ALI BIN ABU,850312-14-5567\n");
    wd.create("jkm.csv", body);
    wd.create("padan.toml", SMALL_TOML);
    let out = run_ok(wd.command("run").args(["--config", "padan.toml"]));
    assert!(out.contains("2 rejected"), "{out}");
    let rejects = csv_rows(&wd.join("out/current/rejects.csv"));
    let reasons: Vec<_> = rejects
        .iter()
        .map(|r| (r["row"].as_str(), r["reason"].as_str()))
        .collect();
    assert_eq!(reasons.len(), 2);
    assert_eq!(reasons[0].0, "3");
    assert!(reasons[0].1.starts_with("ragged row"));
    assert_eq!(reasons[1].0, "4");
    assert!(reasons[1].1.contains("not valid UTF-8"), "{}", reasons[1].1);
    assert!(reasons[1].1.contains("column `name`"), "{}", reasons[1].1);
    assert!(rejects[1]["raw"].starts_with("3,REN\u{FFFD} TAN,"));
    let cw = csv_rows(&wd.join("out/current/crosswalk.csv"));
    assert_eq!(cw.len(), 2);
    assert_eq!(cw[0]["person_id"], cw[1]["person_id"], "same IC, same name");
}

#[test]
fn parquet_tsv_and_canonical_sources_link_to_each_other() {
    use polars::prelude::*;
    let wd = Workdir::new();
    let mut df = df!(
        "ID" => ["p1", "p2"],
        "NAMA" => ["Siti Aminah binti Ali", "Lim Mei Ling"],
        "KP" => ["900101-10-5568", "880808-08-8888"],
    )
    .unwrap();
    let mut f = std::fs::File::create(wd.join("a.parquet")).unwrap();
    ParquetWriter::new(&mut f).finish(&mut df).unwrap();
    wd.create(
        "b.tsv",
        "record_id\tfull_name\tic\tsource\nt1\tSITI AMINAH BT ALI\t900101105568\tzakat\nt2\tTAN AH KOW\t\tzakat\n",
    );
    wd.create(
        "padan.toml",
        r#"
[[source]]
name = "aim"
path = "a.parquet"
id = "ID"
[source.columns]
full_name = "NAMA"
ic = "KP"

[[source]]
name = "other"
path = "b.tsv"
"#,
    );
    run_ok(wd.command("run").args(["--config", "padan.toml"]));
    let cw = csv_rows(&wd.join("out/current/crosswalk.csv"));
    let by = person_of(&cw);
    assert_eq!(by.len(), 4);
    // The TSV's own `source` column names its source.
    let siti_a = &by[&("aim".to_string(), "p1".to_string())];
    let siti_z = &by[&("zakat".to_string(), "t1".to_string())];
    assert_eq!(siti_a, siti_z);
    assert_ne!(by[&("aim".to_string(), "p2".to_string())], *siti_a);
}

#[test]
fn analysts_decisions_split_and_join_and_unknown_records_only_warn() {
    let wd = Workdir::new();
    run_demo(&wd);
    let cw = csv_rows(&wd.join("store/current/crosswalk.csv"));
    let person = person_of(&cw);
    // A person with exactly two records, to split; two singletons, to join.
    let mut members: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for r in &cw {
        members
            .entry(r["person_id"].clone())
            .or_default()
            .push(key(r));
    }
    let mut pairs: Vec<_> = members.values().filter(|m| m.len() == 2).collect();
    pairs.sort();
    let split = pairs[0].clone();
    let mut singles: Vec<_> = members
        .values()
        .filter(|m| m.len() == 1)
        .map(|m| m[0].clone())
        .collect();
    singles.sort();
    let (j1, j2) = (singles[0].clone(), singles[1].clone());
    let line = |a: &(String, String), b: &(String, String), d: &str| {
        format!("{},{},{},{},{d}\n", a.0, a.1, b.0, b.1)
    };
    let mut body = String::from("\u{FEFF}source_l,record_id_l,source_r,record_id_r,decision\n");
    body += &line(&split[0], &split[1], "different");
    body += &line(&j1, &j2, "same");
    body += &line(&j1, &("jkm".to_string(), "NO-SUCH-ID".to_string()), "same");
    // An agency whose record ids are IC numbers: the warning does not show one whole.
    body += &line(
        &j1,
        &("jkm".to_string(), "850312145567".to_string()),
        "same",
    );
    body += &line(&j1, &j2, "");
    wd.create("decisions.csv", body);
    let o = wd
        .command("run")
        .args([
            "--config",
            "demo/padan.toml",
            "--out",
            "store",
            "--decisions",
            "decisions.csv",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("NO-SUCH-ID"), "{err}");
    assert!(
        err.contains("jkm:********5567") && !err.contains("850312"),
        "{err}"
    );
    let cw2 = csv_rows(&wd.join("store/current/crosswalk.csv"));
    let after = person_of(&cw2);
    assert_eq!(person[&split[0]], person[&split[1]], "joined before");
    assert_ne!(
        after[&split[0]], after[&split[1]],
        "`different` splits them"
    );
    assert_ne!(person[&j1], person[&j2], "apart before");
    assert_eq!(after[&j1], after[&j2], "`same` joins them");
    let s: serde_json::Value =
        serde_json::from_str(&wd.read("store/current/summary.json")).unwrap();
    assert_eq!(s["decisions"]["applied_same"], 1);
    assert_eq!(s["decisions"]["applied_different"], 1);
    assert_eq!(s["decisions"]["ignored"], 2);
    assert_eq!(s["decisions"]["undecided"], 1);

    // The store keeps the decisions: a later run without the file still applies them.
    let run = |extra: &[&str]| {
        let o = wd
            .command("run")
            .args(["--config", "demo/padan.toml", "--out", "store"])
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let cw = csv_rows(&wd.join("store/current/crosswalk.csv"));
        let by = person_of(&cw);
        let s: serde_json::Value =
            serde_json::from_str(&wd.read("store/current/summary.json")).unwrap();
        (by, s)
    };
    let (kept, s) = run(&[]);
    assert_ne!(kept[&split[0]], kept[&split[1]], "still apart next night");
    assert_eq!(kept[&j1], kept[&j2], "still together next night");
    assert_eq!(s["decisions"]["stored"], 2);
    assert_eq!(s["decisions"]["applied_same"], 1);
    assert_eq!(s["decisions"]["applied_different"], 1);
    assert!(s["decisions"]["file"].is_null());
    assert!(wd.read("store/current/decisions.csv").contains("different"));

    // `clear` takes a decision back (written the other way round: pairs have no direction).
    let body = String::from("source_l,record_id_l,source_r,record_id_r,decision\n")
        + &line(&split[1], &split[0], "clear");
    wd.create("clear.csv", body);
    let (cleared, s) = run(&["--decisions", "clear.csv"]);
    assert_eq!(cleared[&split[0]], cleared[&split[1]], "joined again");
    assert_eq!(cleared[&j1], cleared[&j2], "the other decision stays");
    assert_eq!(s["decisions"]["cleared"], 1);
    assert_eq!(s["decisions"]["stored"], 2);
    assert_eq!(s["decisions"]["applied_different"], 0);
}

#[test]
fn a_missing_decisions_file_is_a_config_error() {
    let wd = Workdir::new();
    wd.demo();
    let o = run_err(
        wd.command("run")
            .args(["--config", "demo/padan.toml", "--decisions", "nope.csv"]),
        2,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope.csv"));
}

#[test]
fn a_nightly_rerun_keeps_ids_and_lists_what_changed() {
    let wd = Workdir::new();
    let demo = run_demo(&wd);
    let before = person_of(&csv_rows(&wd.join("store/current/crosswalk.csv")));
    // Identical inputs: the same ids and no change at all.
    run_ok(&mut wd.demo_run(&[]));
    assert!(csv_rows(&wd.join("store/current/changes.csv")).is_empty());
    // Tomorrow's zakat export lost its last ten rows.
    let zakat = std::fs::read_to_string(demo.join("zakat.tsv")).unwrap();
    let lines: Vec<&str> = zakat.lines().collect();
    let kept = lines[..lines.len() - 10].join("\n") + "\n";
    std::fs::write(demo.join("zakat.tsv"), kept).unwrap();
    run_ok(&mut wd.demo_run(&[]));
    let after = csv_rows(&wd.join("store/current/crosswalk.csv"));
    let changes = csv_rows(&wd.join("store/current/changes.csv"));
    assert!(!changes.is_empty());
    let listed = |id: &str, kind: &str| {
        changes
            .iter()
            .any(|c| c["person_id"] == id && c["change"] == kind)
    };
    // This run links incrementally with the stored model. Ten records fewer can still take
    // away the link that held a person together: that person is split, keeps its id on the
    // larger part, and the rest is a new person. Every other record keeps its id.
    for r in &after {
        let old = &before[&key(r)];
        if *old != r["person_id"] {
            assert!(listed(old, "split"), "{r:?} moved from {old}: {changes:?}");
            assert!(listed(&r["person_id"], "new"), "{r:?}: {changes:?}");
        }
    }
    assert!(
        changes
            .iter()
            .all(|c| ["shrank", "retired", "split", "new"].contains(&c["change"].as_str())),
        "{changes:?}"
    );
    assert!(changes.iter().any(|c| c["change"] == "retired"));
    let s: serde_json::Value =
        serde_json::from_str(&wd.read("store/current/summary.json")).unwrap();
    let counted: u64 = s["changes"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counted, changes.len() as u64);
}

#[test]
fn a_store_of_another_format_is_refused_with_status_2() {
    let wd = Workdir::new();
    wd.demo();
    wd.create("store/padan-store.json", r#"{"format": 0}"#);
    let o = run_err(&mut wd.demo_run(&[]), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("format"));
}

#[test]
fn old_generations_are_pruned_to_keep() {
    let wd = Workdir::new();
    wd.demo();
    let mut toml = std::fs::read_to_string(wd.join("demo/padan.toml")).unwrap();
    toml = toml.replacen("[run]", "[run]\nkeep = 2", 1);
    wd.create("demo/padan.toml", toml);
    for _ in 0..3 {
        run_ok(&mut wd.demo_run(&[]));
    }
    let mut gens: Vec<String> = std::fs::read_dir(wd.join("store/generations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    gens.sort();
    assert_eq!(gens, ["000002", "000003"]);
    let o = run_ok(&mut wd.demo_run(&[]));
    let s: serde_json::Value =
        serde_json::from_str(&wd.read("store/current/summary.json")).unwrap();
    assert_eq!(s["linking"]["records_normalised"], 0, "{o:?}");
    let warnings = s["warnings"].as_array().unwrap();
    assert!(
        !warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("cannot be used")),
        "{warnings:?}"
    );
}

#[test]
fn a_run_killed_at_any_write_step_leaves_the_register_and_the_next_run_succeeds() {
    let wd = Workdir::new();
    run_demo(&wd);
    let before_register = wd.read("store/current/register.csv");
    let before_crosswalk = wd.read("store/current/crosswalk.csv");
    let points = [
        "crosswalk.csv",
        "register.csv",
        "register.parquet",
        "pairs.parquet",
        "review.csv",
        "rejects.csv",
        "changes.csv",
        "link.bin",
        "normalised.bin",
        "forms.bin",
        "summary.json",
        "rename",
    ];
    for point in points {
        let o = wd
            .command("run")
            .args(["--config", "demo/padan.toml", "--out", "store"])
            .env("PADAN_CRASH_AFTER", point)
            .output()
            .unwrap();
        assert!(
            !o.status.success(),
            "the run should have died after {point}"
        );
        assert_eq!(
            wd.read("store/current/register.csv"),
            before_register,
            "{point}"
        );
    }
    // Killed after switching: the new generation is complete and current.
    let o = wd
        .command("run")
        .args(["--config", "demo/padan.toml", "--out", "store"])
        .env("PADAN_CRASH_AFTER", "switch")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert_eq!(wd.read("store/current/crosswalk.csv"), before_crosswalk);
    // And the next run needs no repair: nothing is lost, every id is kept.
    run_ok(&mut wd.demo_run(&[]));
    assert_eq!(wd.read("store/current/crosswalk.csv"), before_crosswalk);
    assert!(csv_rows(&wd.join("store/current/changes.csv")).is_empty());
    // The link state the crashes left is sound: that run linked incrementally.
    let s: serde_json::Value =
        serde_json::from_str(&wd.read("store/current/summary.json")).unwrap();
    assert_eq!(s["linking"]["mode"], "incremental", "{}", s["linking"]);
    let leftovers: Vec<_> = std::fs::read_dir(wd.join("store/generations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn review_csv_can_start_with_a_bom_and_round_trips_as_decisions() {
    let wd = Workdir::new();
    wd.demo();
    let mut toml = std::fs::read_to_string(wd.join("demo/padan.toml")).unwrap();
    toml.push_str("\n[review]\nbom = true\n");
    wd.create("demo/padan.toml", toml);
    run_ok(&mut wd.demo_run(&[]));
    let bytes = std::fs::read(wd.join("store/current/review.csv")).unwrap();
    assert!(bytes.starts_with("\u{FEFF}source_l,".as_bytes()));
    // The analyst fills `decision` in and hands the same file back.
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let rows: Vec<String> = lines.map(|l| format!("{}same", l)).collect();
    assert!(!rows.is_empty());
    wd.create("decided.csv", format!("{header}\n{}\n", rows.join("\n")));
    run_ok(&mut wd.demo_run(&["--decisions", "decided.csv"]));
    let s: serde_json::Value =
        serde_json::from_str(&wd.read("store/current/summary.json")).unwrap();
    assert_eq!(s["decisions"]["applied_same"], rows.len() as u64);
}

#[test]
fn large_blocks_are_reported_with_each_rules_reach() {
    let wd = Workdir::new();
    run_ok(
        wd.command("synth")
            .args(["--people", "1500", "--seed", "5", "--out", "s"]),
    );
    let toml = std::fs::read_to_string(wd.join("s/padan.toml")).unwrap();
    wd.create(
        "s/padan.toml",
        toml + "\n[block]\nmax_block_size = 3\nwindow = 4\n",
    );
    run_ok(
        wd.command("run")
            .args(["--config", "s/padan.toml", "--out", "store"]),
    );
    let s: serde_json::Value =
        serde_json::from_str(&wd.read("store/current/summary.json")).unwrap();
    let rules = s["blocking"].as_array().unwrap();
    let warning = s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .find(|w| w.starts_with("blocking:"))
        .expect("a warning about large blocks");
    let mut windowed = 0;
    for r in rules {
        let name = r["rule"].as_str().unwrap();
        // The postcode rules reach half the window.
        let want = if name.starts_with("postcode_") { 2 } else { 4 };
        assert_eq!(r["window"], want, "{name}");
        if r["windowed_blocks"].as_u64().unwrap() > 0 {
            windowed += 1;
            assert!(warning.contains(&format!("{name} {want}")), "{warning}");
        } else {
            assert!(!warning.contains(&format!("{name} ")), "{warning}");
        }
    }
    assert!(windowed >= 2, "{warning}");
}
