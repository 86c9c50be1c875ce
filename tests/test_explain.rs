use std::collections::HashMap;

use crate::workdir::{csv_rows, run_err, run_ok, Workdir};

fn demo_store(wd: &Workdir) {
    wd.demo();
    run_ok(&mut wd.demo_run(&[]));
}

/// The person with the most records in the current crosswalk, and how many.
fn largest_person(wd: &Workdir) -> (String, usize) {
    let cw = csv_rows(&wd.join("store/current/crosswalk.csv"));
    let mut sizes: HashMap<String, usize> = HashMap::new();
    for r in &cw {
        *sizes.entry(r["person_id"].clone()).or_default() += 1;
    }
    sizes
        .into_iter()
        .max_by_key(|(p, n)| (*n, p.clone()))
        .unwrap()
}

#[test]
fn explain_a_person_lists_its_records_and_waterfalls_that_add_up() {
    let wd = Workdir::new();
    demo_store(&wd);
    let (pid, n) = largest_person(&wd);
    let out = run_ok(
        wd.command("explain")
            .args(["--out", "store", "--person", &pid, "--json"]),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["records"].as_array().unwrap().len(), n);
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
            .args(["--out", "store", "--person", &pid]),
    );
    assert!(text.contains(pid.as_str()));
    let longest = text
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap();
    assert!(longest < 12, "an IC printed whole");
}

/// Whether `s` holds a date written `YYYY-MM-DD`.
fn has_full_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (0..b.len().saturating_sub(9)).any(|i| {
        digits(i..i + 4)
            && b[i + 4] == b'-'
            && digits(i + 5..i + 7)
            && b[i + 7] == b'-'
            && digits(i + 8..i + 10)
    })
}

#[test]
fn explain_shows_birth_dates_as_their_year_beside_masked_ics() {
    let wd = Workdir::new();
    demo_store(&wd);
    let (pid, _) = largest_person(&wd);
    let json = run_ok(
        wd.command("explain")
            .args(["--out", "store", "--person", &pid, "--json"]),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut years = 0;
    for r in v["records"].as_array().unwrap() {
        let (ic, dob) = (r["ic"].as_str().unwrap(), r["dob"].as_str().unwrap());
        assert!(ic.is_empty() || ic.starts_with("******-**-"), "{ic}");
        assert!(dob.is_empty() || dob.ends_with("-**-**"), "{dob}");
        years += !dob.is_empty() as usize;
    }
    assert!(years > 0, "birth dates are shown, as their year");
    assert!(!has_full_date(&json), "a birth date shown whole: {json}");
    let text = run_ok(
        wd.command("explain")
            .args(["--out", "store", "--person", &pid]),
    );
    assert!(!has_full_date(&text), "a birth date shown whole: {text}");
    // Unmasked, the dates are whole.
    let text =
        run_ok(
            wd.command("explain")
                .args(["--out", "store", "--person", &pid, "--unmasked"]),
        );
    assert!(has_full_date(&text));
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
    assert!(String::from_utf8_lossy(&o.stderr).contains("link.bin"));
}

/// The JSON explanation of `record` in the generation folder or store `at`, unmasked.
fn explain_record(wd: &Workdir, at: &str, record: &str) -> serde_json::Value {
    let out = run_ok(wd.command("explain").args([
        "--out",
        at,
        "--record",
        record,
        "--json",
        "--unmasked",
    ]));
    serde_json::from_str(&out).unwrap()
}

/// `record`'s entry among an explanation's records.
fn entry<'a>(v: &'a serde_json::Value, record: &str) -> &'a serde_json::Value {
    let (source, id) = record.split_once(':').unwrap();
    v["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["source"] == source && r["record_id"] == id)
        .unwrap()
}

#[test]
fn every_kept_generation_explains_its_own_rows_and_values() {
    let wd = Workdir::new();
    demo_store(&wd);
    let record = "jkm:JKM-19-004017";
    let first = explain_record(&wd, "store", record);
    let before = entry(&first, record).clone();
    // Its line in jkm.csv, after the header and one record.
    assert_eq!(before["row"], 3);
    assert_eq!(before["name"], "AMINAH BINTI JAMALUDDIN");
    assert_eq!(before["postcode"], "46000");
    assert_eq!(before["dob"], "1960-07-20");

    // A record is put in front of it and its name is written otherwise: the next generation
    // has it one row further down, with the new name; the first still has both as they were.
    let jkm = wd.read("demo/jkm.csv");
    let (header, body) = jkm.split_once('\n').unwrap();
    let new_line = "JKM-19-999999;Lim Ah Kow;;1970-01-01;M;1 Jalan Baru, Ipoh;30000;Ipoh;Perak;";
    let body = body.replace("Aminah binti Jamaluddin", "Aminah Jamaluddin");
    wd.create("demo/jkm.csv", format!("{header}\n{new_line}\n{body}"));
    run_ok(&mut wd.demo_run(&[]));
    let now = explain_record(&wd, "store", record);
    assert_eq!(entry(&now, record)["row"], 4);
    assert_eq!(entry(&now, record)["name"], "AMINAH JAMALUDDIN");
    let then = explain_record(&wd, "store/generations/000001", record);
    eqnice!(before, entry(&then, record).clone());
    assert!(!wd.join("store/generations/000001/forms.bin").exists());
    // The new record is in the new generation only.
    explain_record(&wd, "store", "jkm:JKM-19-999999");
    let o = run_err(
        wd.command("explain").args([
            "--out",
            "store/generations/000001",
            "--record",
            "jkm:JKM-19-999999",
        ]),
        2,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("no record"));
}

#[test]
fn a_generation_written_with_records_parquet_is_still_explained() {
    use polars::prelude::*;
    let wd = Workdir::new();
    demo_store(&wd);
    let record = "jkm:JKM-19-004017";
    let want = explain_record(&wd, "store", record);
    // An older padan's generation: no normalised.bin, a link.bin of another version, and the
    // records' values in records.parquet instead.
    let gen = wd.join("store/current");
    std::fs::remove_file(gen.join("normalised.bin")).unwrap();
    std::fs::write(gen.join("link.bin"), b"PADANLNK\x02\0\0\0 an older layout").unwrap();
    let cw = csv_rows(&gen.join("crosswalk.csv"));
    let column = |name: &str, f: &dyn Fn(usize, &HashMap<String, String>) -> String| {
        Column::new(
            name.into(),
            cw.iter()
                .enumerate()
                .map(|(i, r)| f(i, r))
                .collect::<Vec<_>>(),
        )
    };
    // The person's records get their values as explained; the others none.
    let key = |r: &HashMap<String, String>| format!("{}:{}", r["source"], r["record_id"]);
    let member = |r: &HashMap<String, String>| -> Option<&serde_json::Value> {
        want["records"].as_array().unwrap().iter().find(|m| {
            format!(
                "{}:{}",
                m["source"].as_str().unwrap(),
                m["record_id"].as_str().unwrap()
            ) == key(r)
        })
    };
    let value = |field: &'static str| {
        move |_: usize, r: &HashMap<String, String>| match member(r) {
            Some(m) => m[field].as_str().unwrap().to_string(),
            None => String::new(),
        }
    };
    let mut df = DataFrame::new_infer_height(vec![
        column("source", &|_, r| r["source"].clone()),
        column("record_id", &|_, r| r["record_id"].clone()),
        Column::new(
            "row".into(),
            (0..cw.len() as u64).map(|i| i + 2).collect::<Vec<_>>(),
        ),
        column("person_id", &|_, r| r["person_id"].clone()),
        column("name", &value("name")),
        column("ic", &value("ic")),
        column("old_ic", &value("old_ic")),
        column("dob", &value("dob")),
        column("sex", &value("sex")),
        column("address", &value("address")),
        column("postcode", &value("postcode")),
        column("phone", &value("phone")),
        column("household_id", &value("household_id")),
    ])
    .unwrap();
    let f = std::fs::File::create(gen.join("records.parquet")).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
    let got = explain_record(&wd, "store", record);
    let (mut a, mut b) = (entry(&want, record).clone(), entry(&got, record).clone());
    // The row is what the file says; everything else as explained from link.bin.
    let i = cw.iter().position(|r| key(r) == record).unwrap() as u64;
    assert_eq!(b["row"], i + 2);
    a["row"] = 0.into();
    b["row"] = 0.into();
    eqnice!(a, b);
    eqnice!(want["edges"], got["edges"]);

    // With neither, the generation cannot be read: a failure (exit 1) naming link.bin.
    std::fs::remove_file(gen.join("records.parquet")).unwrap();
    let o = run_err(
        wd.command("explain")
            .args(["--out", "store", "--record", record]),
        1,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("link.bin"));
}
