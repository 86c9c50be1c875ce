//! Incremental linking (issue 6): a nightly run on a store compares only new and changed
//! records, and gives the clustering a full run over the same inputs gives.

use std::collections::{BTreeSet, HashMap};

use crate::workdir::{csv_rows, run_ok, Workdir};

fn summary(wd: &Workdir, store: &str) -> serde_json::Value {
    serde_json::from_str(&wd.read(&format!("{store}/current/summary.json"))).unwrap()
}

fn run(wd: &Workdir, store: &str, extra: &[&str]) -> serde_json::Value {
    run_ok(
        wd.command("run")
            .args(["--config", "s/padan.toml", "--out", store])
            .args(extra),
    );
    summary(wd, store)
}

/// The clustering as a set of clusters, each the set of its records (`source:record_id`):
/// comparable across stores whose person ids differ.
fn partition(wd: &Workdir, store: &str) -> BTreeSet<BTreeSet<String>> {
    let mut by_person: HashMap<String, BTreeSet<String>> = HashMap::new();
    for r in csv_rows(&wd.join(&format!("{store}/current/crosswalk.csv"))) {
        by_person
            .entry(r["person_id"].clone())
            .or_default()
            .insert(format!("{}:{}", r["source"], r["record_id"]));
    }
    by_person.into_values().collect()
}

/// Flips a bit in the middle of a store's file.
fn damage(wd: &Workdir, file: &str) {
    let path = std::fs::canonicalize(wd.join(file)).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&path, bytes).unwrap();
}

/// The summary has a warning naming `what`.
fn assert_warns(s: &serde_json::Value, what: &str) {
    let warnings = s["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w.as_str().unwrap().contains(what)),
        "{warnings:?}"
    );
}

/// The register's rows without their person ids and first generations, sorted.
fn golden(wd: &Workdir, store: &str) -> Vec<Vec<(String, String)>> {
    let mut rows: Vec<Vec<(String, String)>> =
        csv_rows(&wd.join(&format!("{store}/current/register.csv")))
            .into_iter()
            .map(|r| {
                let mut v: Vec<(String, String)> = r
                    .into_iter()
                    .filter(|(k, _)| k != "person_id" && k != "first_generation")
                    .collect();
                v.sort();
                v
            })
            .collect();
    rows.sort();
    rows
}

/// Pairs of records put in one cluster.
fn same_person_pairs(p: &BTreeSet<BTreeSet<String>>) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for c in p {
        let v: Vec<&String> = c.iter().collect();
        for i in 0..v.len() {
            for j in i + 1..v.len() {
                out.insert((v[i].clone(), v[j].clone()));
            }
        }
    }
    out
}

/// Tomorrow's PERKESO export: some people moved or had a name corrected, some rows are gone,
/// a few people registered again under new reference numbers, and the first rows come in
/// reverse order. Returns (changed, removed, added).
fn next_day(wd: &Workdir) -> (u64, u64, u64) {
    let path = wd.join("s/perkeso.csv");
    let mut r = csv::Reader::from_path(&path).unwrap();
    let header = r.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h.ends_with(name)).unwrap();
    let (id, name, address) = (col("NO_RUJUKAN"), col("NAMA"), col("ALAMAT"));
    let mut rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let (mut changed, mut removed) = (0, 0);
    let mut out = Vec::new();
    for (i, row) in rows.iter_mut().enumerate() {
        if i % 61 == 3 {
            removed += 1;
            continue;
        }
        let mut fields: Vec<String> = row.iter().map(str::to_string).collect();
        if i % 37 == 5 {
            fields[address] = "NO 7, JALAN BARU 2, TAMAN DESA, 43000 KAJANG, SELANGOR".into();
            changed += 1;
        } else if i % 53 == 7 && fields[name].len() > 4 {
            // A corrected spelling: the name's second letter doubled.
            let mut s = fields[name].clone();
            let c = s.chars().nth(1).unwrap();
            s.insert(1, c);
            fields[name] = s;
            changed += 1;
        }
        out.push(fields);
    }
    let mut added = 0;
    for k in 0..12 {
        let mut f = out[k * 17 + 2].clone();
        f[id] = format!("PKSNEW{k:04}");
        out.push(f);
        added += 1;
    }
    out[..40].reverse();
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&header).unwrap();
    for f in &out {
        w.write_record(f).unwrap();
    }
    w.flush().unwrap();
    (changed, removed, added)
}

fn synth(wd: &Workdir, people: &str, seed: &str, extra_toml: &str) {
    run_ok(
        wd.command("synth")
            .args(["--people", people, "--seed", seed, "--out", "s"]),
    );
    edit_config(wd, |t| t + extra_toml);
}

/// Rewrites `s/padan.toml`.
fn edit_config(wd: &Workdir, edit: impl FnOnce(String) -> String) {
    let toml = std::fs::read_to_string(wd.join("s/padan.toml")).unwrap();
    wd.create("s/padan.toml", edit(toml));
}

#[test]
fn an_incremental_run_compares_only_what_changed_and_clusters_as_a_full_run_does() {
    let wd = Workdir::new();
    synth(&wd, "2500", "31", "\n[score]\nmodel = \"fixed\"\n");
    let first = run(&wd, "store", &[]);
    assert_eq!(first["linking"]["mode"], "full");
    assert_eq!(first["linking"]["reason"], "no previous generation");
    assert_eq!(
        first["linking"]["records_normalised"],
        first["records_accepted"]
    );
    let full_pairs = first["candidate_pairs"].as_u64().unwrap();

    // The same inputs again: nothing to compare, nothing changes.
    let again = run(&wd, "store", &[]);
    assert_eq!(again["linking"]["mode"], "incremental");
    assert_eq!(again["linking"]["pairs_compared"], 0);
    // Nor anything to normalise: every record's normalised form comes from the store.
    assert_eq!(again["linking"]["records_normalised"], 0);
    assert_eq!(
        again["linking"]["records_unchanged"],
        first["records_accepted"]
    );
    assert!(csv_rows(&wd.join("store/current/changes.csv")).is_empty());
    assert_eq!(partition(&wd, "store").len() as u64, first["persons"]);

    let (changed, removed, added) = next_day(&wd);
    let inc = run(&wd, "store", &[]);
    let l = &inc["linking"];
    assert_eq!(l["mode"], "incremental", "{l}");
    assert_eq!(l["records_changed"], changed);
    assert_eq!(l["records_new"], added);
    assert_eq!(l["records_removed"], removed);
    assert_eq!(l["records_normalised"], changed + added);
    let compared = l["pairs_compared"].as_u64().unwrap();
    assert!(l["pairs_reused"].as_u64().unwrap() > 0, "{l}");
    assert!(
        compared * 10 < full_pairs,
        "{compared} pairs compared of {full_pairs}"
    );

    // A full run over the same final inputs, in a fresh store and with --full on this one.
    let fresh = run(&wd, "fresh", &[]);
    assert_eq!(fresh["linking"]["mode"], "full");
    let want = partition(&wd, "fresh");
    eqnice!(want, partition(&wd, "store"));
    for k in ["match_pairs", "review_pairs", "pairs_written", "persons"] {
        assert_eq!(inc[k], fresh[k], "{k}");
    }
    // The golden records too, built from normalised forms read back or made afresh.
    eqnice!(golden(&wd, "fresh"), golden(&wd, "store"));
    let forced = run(&wd, "store", &["--full"]);
    assert_eq!(forced["linking"]["mode"], "full");
    assert!(forced["linking"]["reason"]
        .as_str()
        .unwrap()
        .contains("--full"));
    eqnice!(want, partition(&wd, "store"));
    assert!(csv_rows(&wd.join("store/current/changes.csv")).is_empty());
}

#[test]
fn an_incremental_run_keeps_the_estimated_model_and_agrees_with_a_full_run() {
    let wd = Workdir::new();
    synth(&wd, "2500", "32", "");
    let first = run(&wd, "store", &[]);
    assert_eq!(first["model"]["kind"], "em");
    next_day(&wd);
    let inc = run(&wd, "store", &[]);
    assert_eq!(inc["linking"]["mode"], "incremental");
    // The previous generation's weights, to the bit.
    assert_eq!(inc["model"]["weights"], first["model"]["weights"]);
    assert_eq!(inc["model"]["prior_weight"], first["model"]["prior_weight"]);
    // A full run estimates the model again on the new inputs: the weights move a little, and
    // the clusterings agree on nearly every pair of records put together.
    let fresh = run(&wd, "fresh", &[]);
    assert_ne!(fresh["model"]["weights"], first["model"]["weights"]);
    let (a, b) = (
        same_person_pairs(&partition(&wd, "store")),
        same_person_pairs(&partition(&wd, "fresh")),
    );
    let common = a.intersection(&b).count() as f64;
    let agreement = 2.0 * common / (a.len() + b.len()) as f64;
    assert!(agreement > 0.99, "pairwise agreement {agreement}");
}

#[test]
fn a_changed_configuration_or_damaged_state_links_in_full_and_says_why() {
    let wd = Workdir::new();
    synth(&wd, "600", "33", "\n[score]\nmodel = \"fixed\"\n");
    run(&wd, "store", &[]);
    let before = partition(&wd, "store");
    let ids = |wd: &Workdir| {
        let mut v: Vec<String> = csv_rows(&wd.join("store/current/crosswalk.csv"))
            .iter()
            .map(|r| format!("{}:{}={}", r["source"], r["record_id"], r["person_id"]))
            .collect();
        v.sort();
        v
    };
    let ids_before = ids(&wd);

    // A damaged link state: a warning naming the file, a full run, the same register.
    damage(&wd, "store/current/link.bin");
    let s = run(&wd, "store", &[]);
    assert_eq!(s["linking"]["mode"], "full");
    assert!(s["linking"]["reason"].as_str().unwrap().contains("damaged"));
    assert_warns(&s, "link.bin");
    eqnice!(before, partition(&wd, "store"));
    // The person ids came from the crosswalk instead, and are the same.
    eqnice!(ids_before, ids(&wd));
    // That run wrote a sound state again.
    assert_eq!(run(&wd, "store", &[])["linking"]["mode"], "incremental");

    // Damaged normalised records, or damaged linking forms: still incremental, every record
    // normalised again, a warning naming the file, the same register.
    for file in ["normalised.bin", "forms.bin"] {
        damage(&wd, &format!("store/current/{file}"));
        let s = run(&wd, "store", &[]);
        assert_eq!(s["linking"]["mode"], "incremental");
        assert_eq!(s["linking"]["records_normalised"], s["records_accepted"]);
        assert_warns(&s, file);
        eqnice!(before, partition(&wd, "store"));
        eqnice!(ids_before, ids(&wd));
    }
    let golden_before = golden(&wd, "store");
    // A register.csv changed in the store after it was written (by hand, say) is not read:
    // the next one is written afresh, as it was.
    let register = || std::fs::read(wd.join("store/current/register.csv")).unwrap();
    let register_before = register();
    damage(&wd, "store/current/register.csv");
    run(&wd, "store", &[]);
    assert!(register_before == register());
    // Another source's values first: every golden record is what a full run under the new
    // priorities makes.
    edit_config(&wd, |t| {
        assert!(t.contains("priority = 1\n"));
        t.replacen("priority = 1\n", "priority = 9\n", 1)
    });
    let s = run(&wd, "store", &[]);
    assert_eq!(s["linking"]["mode"], "incremental");
    run(&wd, "fresh", &[]);
    eqnice!(golden(&wd, "fresh"), golden(&wd, "store"));
    assert_ne!(
        golden(&wd, "store"),
        golden_before,
        "the priorities change some values"
    );
    // Every generation keeps its normalised records (for `padan explain`); only the current
    // one keeps the linking forms.
    let kept_file = |file: &str| -> Vec<u32> {
        std::fs::read_dir(wd.join("store/generations"))
            .unwrap()
            .flatten()
            .filter(|e| e.path().join(file).exists())
            .map(|e| e.file_name().to_string_lossy().parse().unwrap())
            .collect()
    };
    let kept = kept_file("forms.bin");
    let mut all = kept_file("summary.json");
    all.sort();
    let mut with_records = kept_file("normalised.bin");
    with_records.sort();
    assert!(all.len() > 1);
    assert_eq!(with_records, all);
    let current = std::fs::read_link(wd.join("store/current")).unwrap();
    let current: u32 = current
        .file_name()
        .unwrap()
        .to_string_lossy()
        .parse()
        .unwrap();
    assert_eq!(kept, [current]);
    assert_eq!(run(&wd, "store", &[])["linking"]["records_normalised"], 0);

    // A new blocking window changes which pairs are candidates: the next run is full.
    edit_config(&wd, |t| t + "\n[block]\nwindow = 4\n");
    let s = run(&wd, "store", &[]);
    assert_eq!(s["linking"]["mode"], "full");
    assert!(s["linking"]["reason"]
        .as_str()
        .unwrap()
        .contains("configuration"));
    assert_eq!(run(&wd, "store", &[])["linking"]["mode"], "incremental");

    // [run] incremental = false: always full.
    edit_config(&wd, |t| {
        t.replacen("[run]\n", "[run]\nincremental = false\n", 1)
    });
    assert_eq!(run(&wd, "store", &[])["linking"]["mode"], "full");
}

/// Gives every `every`-th PERKESO row a new address; returns how many rows changed.
fn move_house(wd: &Workdir, every: usize, address: &str) -> u64 {
    let path = wd.join("s/perkeso.csv");
    let mut r = csv::Reader::from_path(&path).unwrap();
    let header = r.headers().unwrap().clone();
    let col = header.iter().position(|h| h == "ALAMAT").unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&header).unwrap();
    let mut changed = 0;
    for (i, row) in rows.iter().enumerate() {
        let mut f: Vec<&str> = row.iter().collect();
        if i % every == 0 && f[col] != address {
            f[col] = address;
            changed += 1;
        }
        w.write_record(&f).unwrap();
    }
    w.flush().unwrap();
    changed
}

#[test]
fn the_model_is_estimated_again_once_a_fifth_of_the_records_changed_since() {
    let wd = Workdir::new();
    synth(&wd, "1500", "34", "");
    let first = run(&wd, "store", &[]);
    let records = first["records_accepted"].as_u64().unwrap();
    // About a tenth of the records, then a seventh more: the second run passes a fifth.
    let a = move_house(&wd, 3, "NO 1, JALAN SATU, 50000 KUALA LUMPUR");
    let one = run(&wd, "store", &[]);
    assert_eq!(one["linking"]["mode"], "incremental", "{}", one["linking"]);
    assert_eq!(one["linking"]["records_changed_since_model"], a);
    assert!(a * 5 < records, "{a} of {records}");
    let b = move_house(&wd, 2, "NO 2, JALAN DUA, 50000 KUALA LUMPUR");
    assert!((a + b) * 5 > records, "{a} + {b} of {records}");
    let two = run(&wd, "store", &[]);
    assert_eq!(two["linking"]["mode"], "full", "{}", two["linking"]);
    assert!(two["linking"]["reason"]
        .as_str()
        .unwrap()
        .contains("since the model was estimated"));
    assert_eq!(two["linking"]["records_changed_since_model"], 0);
    // Counting starts again from the new estimate.
    let c = move_house(&wd, 50, "NO 3, JALAN TIGA, 50000 KUALA LUMPUR");
    let three = run(&wd, "store", &[]);
    assert_eq!(three["linking"]["mode"], "incremental");
    assert_eq!(three["linking"]["records_changed_since_model"], c);
}
