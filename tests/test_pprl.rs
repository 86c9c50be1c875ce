//! Privacy-preserving linkage: each agency's exports encoded on their own (`padan encode`),
//! linked by a run that reads only the encodings; nothing personal in any file it touches.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::workdir::{run_ok, Workdir};

/// A synthetic registry of `people` in `s/`, one configuration per agency
/// (`s/agency-NAME.toml`) and the linking unit's (`s/unit.toml`); returns the agencies.
fn registry(wd: &Workdir, people: &str, seed: &str) -> Vec<String> {
    run_ok(
        wd.command("synth")
            .args(["--people", people, "--seed", seed, "--out", "s"]),
    );
    let text = wd.read("s/padan.toml");
    let mut unit = String::from("[run]\nout = \"enc\"\n");
    let mut names = Vec::new();
    for block in text.split("[[source]]").skip(1) {
        let name = block
            .split("name = \"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .to_string();
        wd.create(
            &format!("s/agency-{name}.toml"),
            format!("[[source]]{block}"),
        );
        unit.push_str(&format!(
            "\n[[source]]\nname = \"{name}\"\npath = \"{name}.parquet\"\nformat = \"encoded\"\n"
        ));
        names.push(name);
    }
    wd.create("s/unit.toml", unit);
    wd.create("s/key", "a secret the agencies share, not the unit\n");
    names
}

fn encode(wd: &Workdir, agency: &str, key: &str, out: &str) {
    run_ok(wd.command("encode").args([
        "--config",
        &format!("s/agency-{agency}.toml"),
        "--secret-file",
        key,
        "--out",
        out,
    ]));
}

fn scores(wd: &Workdir, crosswalk: &str) -> padan::eval::Scores {
    let truth = padan::eval::read_assignment(&wd.join("s/truth.csv")).unwrap();
    let pred = padan::eval::read_assignment(&wd.join(crosswalk)).unwrap();
    padan::eval::score(&truth, &pred)
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn an_encoded_run_links_as_well_as_plaintext_and_holds_nothing_personal() {
    let wd = Workdir::new();
    let agencies = registry(&wd, "1500", "51");
    for a in &agencies {
        encode(&wd, a, "s/key", &format!("s/{a}.parquet"));
    }
    let out = run_ok(wd.command("run").args(["--config", "s/unit.toml"]));
    assert!(out.contains("records"), "{out}");
    // The next night, nothing changed: linked incrementally, every person kept.
    let first = wd.read("s/enc/current/crosswalk.csv");
    let out = run_ok(wd.command("run").args(["--config", "s/unit.toml"]));
    assert!(out.contains("linked incrementally"), "{out}");
    assert_eq!(wd.read("s/enc/current/crosswalk.csv"), first);
    run_ok(
        wd.command("run")
            .args(["--config", "s/padan.toml", "--out", "plain"]),
    );
    let (enc, plain) = (
        scores(&wd, "s/enc/current/crosswalk.csv"),
        scores(&wd, "plain/current/crosswalk.csv"),
    );
    eprintln!(
        "encoded P {:.4} R {:.4} F1 {:.4}; plaintext F1 {:.4}",
        enc.pairwise_precision, enc.pairwise_recall, enc.pairwise_f1, plain.pairwise_f1
    );
    assert_eq!(
        enc.missing_from_predicted, 0,
        "every record is in the register"
    );
    assert!(enc.pairwise_precision >= 0.99, "{enc:?}");
    assert!(
        enc.pairwise_f1 >= plain.pairwise_f1 - 0.01,
        "{enc:?} {plain:?}"
    );

    // What the exports hold, as they came in and as padan normalised them.
    let config = padan::config::Config::load(&wd.join("s/padan.toml")).unwrap();
    let linked = padan::pipeline::link(&config).unwrap();
    let mut values: BTreeSet<String> = BTreeSet::new();
    for (i, r) in linked.records.iter().enumerate() {
        let raw = |f: padan::field::Field| linked.ing.value(i, f).map(str::to_string);
        for f in [
            padan::field::Field::FullName,
            padan::field::Field::Ic,
            padan::field::Field::Phone,
            padan::field::Field::Dob,
            padan::field::Field::Address,
        ] {
            values.extend(raw(f).filter(|v| v.len() >= 8));
        }
        // Words of five letters or more: shorter ones turn up by chance in binary files.
        values.extend(
            r.name
                .tokens()
                .filter(|t| t.len() >= 5)
                .map(|t| t.to_string()),
        );
        values.extend(r.ic.as_ref().map(|ic| ic.digits.to_string()));
        values.extend(r.phone.as_deref().map(str::to_string));
        values.extend(r.dob.map(|d| d.to_string()));
    }
    assert!(values.len() > 1000, "{} values", values.len());
    let mut searched = files(&wd.join("s/enc"));
    searched.extend(agencies.iter().map(|a| wd.join(&format!("s/{a}.parquet"))));
    assert!(searched.len() > 10, "{searched:?}");
    let values: Vec<String> = values.into_iter().collect();
    let search = aho_corasick::AhoCorasick::new(&values).unwrap();
    // The search finds them where they are: the plaintext run's register.
    let plain_register = std::fs::read(wd.join("plain/current/register.csv")).unwrap();
    assert!(search.find_iter(&plain_register).count() > 1000);
    for f in &searched {
        let bytes = std::fs::read(f).unwrap();
        let found: Vec<&String> = search
            .find_iter(&bytes)
            .take(3)
            .map(|m| &values[m.pattern().as_usize()])
            .collect();
        assert!(
            found.is_empty(),
            "{} holds input values, e.g. {found:?}",
            f.display()
        );
    }
}

/// The `encoding` column of an encoded file.
fn encodings(path: &Path) -> Vec<Vec<u8>> {
    use polars::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap();
    df.column("encoding")
        .unwrap()
        .binary()
        .unwrap()
        .iter()
        .map(|b| b.unwrap().to_vec())
        .collect()
}

#[test]
fn the_same_secret_gives_the_same_encodings_and_another_gives_unrelated_ones() {
    let wd = Workdir::new();
    let agencies = registry(&wd, "300", "52");
    let a = &agencies[0];
    wd.create("s/other-key", "another secret, held by no agency\n");
    encode(&wd, a, "s/key", "one.parquet");
    encode(&wd, a, "s/key", "two.parquet");
    encode(&wd, a, "s/other-key", "three.parquet");
    let (one, two, three) = (
        encodings(&wd.join("one.parquet")),
        encodings(&wd.join("two.parquet")),
        encodings(&wd.join("three.parquet")),
    );
    assert_eq!(one, two, "the same secret, the same encodings");
    let tags = |e: &[Vec<u8>]| -> BTreeSet<u64> {
        e.iter()
            .flat_map(|b| {
                let (r, _) = padan::normalise::encoded::from_bytes(b).unwrap();
                r.name.into_iter().chain([r.ic.tag, r.phone, r.dob[0]])
            })
            .filter(|&t| t != 0)
            .collect()
    };
    let (x, y) = (tags(&one), tags(&three));
    assert!(x.len() > 500, "{}", x.len());
    assert_eq!(
        x.intersection(&y).count(),
        0,
        "another secret shares no tag"
    );
    // A missing or short secret is refused before anything is written.
    wd.create("s/short", "too short");
    for key in ["s/none", "s/short"] {
        let out = wd
            .command("encode")
            .args([
                "--config",
                &format!("s/agency-{a}.toml"),
                "--secret-file",
                key,
                "--out",
                "x.parquet",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}");
        assert!(!wd.join("x.parquet").exists());
    }
}

#[test]
fn an_agency_encoded_with_another_secret_links_to_nothing_and_is_named() {
    let wd = Workdir::new();
    let agencies = registry(&wd, "800", "53");
    wd.create("s/wrong-key", "a mistyped secret at one agency\n");
    for (i, a) in agencies.iter().enumerate() {
        let key = if i == 1 { "s/wrong-key" } else { "s/key" };
        encode(&wd, a, key, &format!("s/{a}.parquet"));
    }
    let out = wd
        .command("run")
        .args(["--config", "s/unit.toml"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let wrong = &agencies[1];
    assert!(
        err.contains(&format!("source `{wrong}` was encoded with another secret")),
        "{err}"
    );
    assert!(
        err.contains(&format!("source `{wrong}` links far less")),
        "{err}"
    );
    // None of its records is in a person with another agency's.
    let crosswalk = padan::eval::read_crosswalk(&wd.join("s/enc/current/crosswalk.csv")).unwrap();
    let mut sources_of: std::collections::HashMap<&String, BTreeSet<&String>> = Default::default();
    for ((source, _), person) in &crosswalk {
        sources_of.entry(person).or_default().insert(source);
    }
    assert!(sources_of
        .values()
        .filter(|s| s.contains(wrong))
        .all(|s| s.len() == 1));
    // Encoded and plaintext sources are not linked together.
    let mixed = wd
        .read("s/unit.toml")
        .replacen("format = \"encoded\"", "format = \"csv\"", 1);
    wd.create("s/mixed.toml", mixed);
    let out = wd
        .command("run")
        .args(["--config", "s/mixed.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_damaged_encoding_stops_the_run_naming_its_source_row_and_column() {
    use polars::prelude::*;
    let wd = Workdir::new();
    let agencies = registry(&wd, "300", "54");
    for a in &agencies {
        encode(&wd, a, "s/key", &format!("s/{a}.parquet"));
    }
    // The third row's encoding cut short, as a damaged copy would be.
    let path = wd.join(&format!("s/{}.parquet", agencies[0]));
    let mut df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let cut: Vec<Vec<u8>> = df
        .column("encoding")
        .unwrap()
        .binary()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let b = b.unwrap();
            if i == 2 {
                b[..b.len() / 2].to_vec()
            } else {
                b.to_vec()
            }
        })
        .collect();
    let row = df
        .column("row")
        .unwrap()
        .cast(&DataType::UInt64)
        .unwrap()
        .u64()
        .unwrap()
        .get(2)
        .unwrap();
    df.with_column(Column::new(
        "encoding".into(),
        cut.iter().map(Vec::as_slice).collect::<Vec<_>>(),
    ))
    .unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    let out = wd
        .command("run")
        .args(["--config", "s/unit.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "source `{}`, row {row}, column `encoding`",
            agencies[0]
        )),
        "{err}"
    );
    assert!(!wd.join("s/enc/current").exists(), "no generation written");
}
