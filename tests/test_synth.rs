//! `padan synth`: determinism, schema variety, truth coverage, valid ICs, noise rates.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use padan::config::{ColumnMap, Config, Encoding, Format, SourceSpec};
use padan::field::Field;
use padan::synth::{self, Kind, Options, Rates, Sex};

use crate::workdir::{csv_rows, run_err, run_ok, Workdir};

/// Every file a synth run writes, by name, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// One export read back: its header and rows (decoded from its declared encoding).
struct Export {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Export {
    fn read(spec: &SourceSpec) -> Export {
        let bytes = std::fs::read(&spec.path).unwrap();
        let text = match spec.encoding {
            Encoding::Windows1252 => {
                let (t, _, bad) = encoding_rs::WINDOWS_1252.decode(&bytes);
                assert!(!bad);
                t.into_owned()
            }
            _ => String::from_utf8(bytes)
                .unwrap_or_else(|_| panic!("{} is not UTF-8", spec.path.display())),
        };
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text).to_string();
        let delimiter = spec.delimiter.unwrap_or(b',');
        let mut r = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let headers = r.headers().unwrap().iter().map(String::from).collect();
        let rows = r
            .records()
            .map(|x| x.unwrap().iter().map(String::from).collect())
            .collect();
        Export { headers, rows }
    }

    /// The values of the column(s) mapped to `field`, joined with a space, per row.
    fn field(&self, spec: &SourceSpec, field: Field) -> Option<Vec<String>> {
        let ColumnMap::Explicit(map) = &spec.columns else {
            panic!("synth maps every column")
        };
        let cols = &map.iter().find(|(f, _)| *f == field)?.1;
        let idx: Vec<usize> = cols
            .iter()
            .map(|c| self.headers.iter().position(|h| h == c).unwrap())
            .collect();
        Some(
            self.rows
                .iter()
                .map(|r| {
                    idx.iter()
                        .map(|&i| r[i].as_str())
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect(),
        )
    }

    fn ids(&self, spec: &SourceSpec) -> Vec<String> {
        let i = self.headers.iter().position(|h| *h == spec.id).unwrap();
        self.rows.iter().map(|r| r[i].clone()).collect()
    }
}

fn synth_cmd(wd: &Workdir, out: &str, people: &str, seed: &str) -> std::process::Command {
    let mut c = wd.command("synth");
    c.args(["--people", people, "--seed", seed, "--out", out]);
    c
}

#[test]
fn same_seed_same_bytes_whatever_the_threads_and_another_seed_differs() {
    let wd = Workdir::new();
    run_ok(&mut synth_cmd(&wd, "a", "1500", "3"));
    run_ok(synth_cmd(&wd, "b", "1500", "3").args(["--threads", "1"]));
    run_ok(&mut synth_cmd(&wd, "c", "1500", "4"));
    let (a, b, c) = (
        files(&wd.join("a")),
        files(&wd.join("b")),
        files(&wd.join("c")),
    );
    assert!(a.len() >= 8, "5 exports, padan.toml, truth.csv, synth.json");
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    eqnice!(names(&a), names(&b));
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs between two runs with the same seed");
    }
    eqnice!(names(&a), names(&c));
    for ((name, x), (_, y)) in a.iter().zip(&c) {
        if name != "padan.toml" {
            assert!(x != y, "{name} is the same for two seeds");
        }
    }
}

#[test]
fn exports_vary_in_delimiter_encoding_sex_and_date_styles() {
    let wd = Workdir::new();
    run_ok(synth_cmd(&wd, "s", "800", "5").args(["--agencies", "8"]));
    let config = Config::load(&wd.join("s/padan.toml")).unwrap();
    assert_eq!(config.sources.len(), 8);
    let mut kinds = BTreeSet::new();
    let mut sex_styles = BTreeSet::new();
    let mut date_formats = BTreeSet::new();
    let today = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    for spec in &config.sources {
        kinds.insert(format!(
            "{:?} {:?} {:?}",
            spec.format, spec.delimiter, spec.encoding
        ));
        let ex = Export::read(spec);
        assert!(!ex.rows.is_empty(), "{} is empty", spec.name);
        let sexes: BTreeSet<String> = ex
            .field(spec, Field::Sex)
            .unwrap()
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        assert_eq!(sexes.len(), 2, "{}: {sexes:?}", spec.name);
        sex_styles.insert(
            sexes
                .into_iter()
                .collect::<Vec<_>>()
                .join("/")
                .to_uppercase(),
        );
        // Every birth date reads with the format the source declares.
        assert_eq!(spec.dates.len(), 1);
        let fmt = &spec.dates[0];
        date_formats.insert(fmt.clone());
        for d in ex.field(spec, Field::Dob).unwrap() {
            if !d.is_empty() {
                let got = NaiveDate::parse_from_str(&d, fmt)
                    .unwrap_or_else(|e| panic!("{}: {d:?} with {fmt}: {e}", spec.name));
                assert!(got.year() > 1900 && (got <= today || fmt.contains("%y")));
            }
        }
    }
    let delims: BTreeSet<_> = config.sources.iter().map(|s| s.delimiter).collect();
    assert!(delims.contains(&Some(b';')) && delims.contains(&Some(b'\t')));
    assert!(config.sources.iter().any(|s| s.format == Format::Tsv));
    assert!(config
        .sources
        .iter()
        .any(|s| s.encoding == Encoding::Windows1252));
    assert!(kinds.len() >= 3, "{kinds:?}");
    assert!(sex_styles.len() >= 3, "{sex_styles:?}");
    assert!(date_formats.len() >= 3, "{date_formats:?}");
    // A UTF-8 file starts with a byte-order mark, and the windows-1252 file holds bytes that
    // are not UTF-8 (en dashes in unit numbers, curly apostrophes, É).
    assert!(std::fs::read(wd.join("s/perkeso.csv"))
        .unwrap()
        .starts_with(b"\xEF\xBB\xBF"));
    let akpk = std::fs::read(wd.join("s/akpk.csv")).unwrap();
    assert!(std::str::from_utf8(&akpk).is_err());
    assert!(akpk.contains(&0x96), "an en dash in windows-1252");
}

#[test]
fn truth_covers_every_row_once_and_padan_run_reads_every_row() {
    let wd = Workdir::new();
    let stdout = run_ok(&mut synth_cmd(&wd, "s", "2000", "9"));
    assert!(stdout.contains("2000 persons"), "{stdout}");
    let config = Config::load(&wd.join("s/padan.toml")).unwrap();
    let mut written = Vec::new();
    for spec in &config.sources {
        for id in Export::read(spec).ids(spec) {
            written.push((spec.name.clone(), id));
        }
    }
    let truth = csv_rows(&wd.join("s/truth.csv"));
    let mut keys = HashSet::new();
    for r in &truth {
        assert!(r["person_id"].starts_with('T'));
        assert!(
            keys.insert((r["source"].clone(), r["record_id"].clone())),
            "{:?} twice in truth",
            r
        );
    }
    eqnice!(truth.len(), written.len());
    let written_keys: HashSet<_> = written.into_iter().collect();
    assert!(
        written_keys == keys,
        "truth and the exports list different rows"
    );
    let persons: HashSet<_> = truth.iter().map(|r| r["person_id"].clone()).collect();
    eqnice!(2000, persons.len());

    run_ok(
        wd.command("run")
            .args(["--config", "s/padan.toml", "--out", "store"]),
    );
    let crosswalk = csv_rows(&wd.join("store/current/crosswalk.csv"));
    let rejects = csv_rows(&wd.join("store/current/rejects.csv"));
    let reasons: Vec<_> = rejects.iter().map(|r| r["reason"].clone()).collect();
    eqnice!(Vec::<String>::new(), reasons);
    eqnice!(truth.len(), crosswalk.len() + rejects.len());
    let crosswalk_keys: HashSet<_> = crosswalk
        .iter()
        .map(|r| (r["source"].clone(), r["record_id"].clone()))
        .collect();
    assert!(crosswalk_keys == keys);
}

#[test]
fn bad_arguments_exit_2_and_name_the_flag() {
    let wd = Workdir::new();
    for (args, needle) in [
        (vec!["--people", "0"], "--people"),
        (vec!["--people", "10", "--typo-rate", "1.5"], "--typo-rate"),
        (vec!["--people", "10", "--dup-rate=-0.1"], "--dup-rate"),
        (vec!["--people", "10", "--agencies", "0"], "--agencies"),
        (vec!["--people", "10", "--noise=-1"], "--noise"),
    ] {
        let o = run_err(wd.command("synth").args(&args).args(["--out", "x"]), 2);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert!(
        !wd.join("x").exists(),
        "nothing is written on a bad argument"
    );
    // An output folder that cannot be made is an I/O failure naming the path.
    wd.create("file", "not a folder");
    let o = run_err(
        wd.command("synth")
            .args(["--people", "10", "--out", "file/sub"]),
        1,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("file/sub"));
}

/// Place-of-birth codes from DOMAIN.md §1, written out again here (not the generator's table).
fn pb_assigned(pb: u32) -> bool {
    matches!(pb, 1..=16 | 21..=59 | 60..=68 | 71 | 72 | 74..=79 | 82..=93 | 98 | 99)
}

/// DOMAIN.md §1: 12 digits, a real date, an assigned place-of-birth code.
fn valid_mykad(ic: &str) -> bool {
    let b = ic.as_bytes();
    if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n = |i: usize| ic[i..i + 2].parse::<u32>().unwrap();
    let (yy, mm, dd) = (n(0) as i32, n(2), n(4));
    let date = NaiveDate::from_ymd_opt(1900 + yy, mm, dd).is_some()
        || NaiveDate::from_ymd_opt(2000 + yy, mm, dd).is_some();
    date && pb_assigned(n(6))
}

#[test]
fn the_ics_it_calls_valid_are_valid_mykad_numbers() {
    let people = synth::population(21, 6000);
    assert_eq!(people.len(), 6000);
    let mut seen = HashSet::new();
    let (mut with_ic, mut old_only, mut none) = (0, 0, 0);
    for p in &people {
        match p.ic {
            Some(ic) => {
                with_ic += 1;
                let s = synth::ic_digits(ic);
                assert!(
                    valid_mykad(&s),
                    "{}: not a valid MyKad number",
                    p.person_id()
                );
                assert_eq!(
                    &s[..6],
                    p.dob.format("%y%m%d").to_string(),
                    "the IC holds the birth date"
                );
                let last = s.as_bytes()[11] - b'0';
                assert_eq!(
                    last % 2 == 1,
                    p.sex == Sex::Male,
                    "odd for men, even for women"
                );
                assert!(seen.insert(s), "an IC issued twice");
            }
            None if p.old_ic.is_some() => old_only += 1,
            None => none += 1,
        }
        if let Some(o) = p.old_ic {
            let mut s = String::new();
            o.write(&mut s);
            let digits = s.trim_start_matches(|c: char| c.is_ascii_uppercase());
            assert!(digits.len() == 7 && s.len() <= 8, "old IC {s:?}");
            assert!(p.dob.year() < 1975, "old ICs belong to older people");
        }
    }
    assert!(with_ic > 5500, "{with_ic}");
    assert!(
        old_only > 0 && none > 0,
        "{old_only} old only, {none} without any IC"
    );
    // Twins: same birth date, consecutive serials.
    let twins = people
        .windows(2)
        .filter(|w| w[0].twin == 1 && w[1].twin == 2)
        .filter_map(|w| Some((w[0].ic?, w[1].ic?)))
        .inspect(|(a, b)| {
            assert_eq!(a / 10_000, b / 10_000);
            assert_eq!((a / 10) % 1000 + 1, (b / 10) % 1000);
        })
        .count();
    assert!(twins > 10, "{twins}");

    // The files hold these people: without noise, every IC written is the person's own.
    let wd = Workdir::new();
    let mut o = Options::new(6000, 21);
    o.rates = Rates::none();
    synth::generate(&o, wd.path()).unwrap();
    let by_id: HashMap<String, &synth::Person> =
        people.iter().map(|p| (p.person_id(), p)).collect();
    let truth: HashMap<(String, String), String> = csv_rows(&wd.join("truth.csv"))
        .into_iter()
        .map(|r| {
            (
                (r["source"].clone(), r["record_id"].clone()),
                r["person_id"].clone(),
            )
        })
        .collect();
    let config = Config::load(&wd.join("padan.toml")).unwrap();
    let spec = config.sources.iter().find(|s| s.name == "perkeso").unwrap();
    let ex = Export::read(spec);
    let ics = ex.field(spec, Field::Ic).unwrap();
    for (id, ic) in ex.ids(spec).iter().zip(ics) {
        let p = by_id[&truth[&("perkeso".to_string(), id.clone())]];
        assert_eq!(p.ic.map(synth::ic_digits).unwrap_or_default(), ic);
    }
}

/// The share of `hits` in `n`, asserted within four standard errors (plus 1%) of `p`.
fn near(what: &str, hits: usize, n: usize, p: f64) {
    assert!(n > 300, "{what}: only {n} opportunities");
    let share = hits as f64 / n as f64;
    let tol = 4.0 * (p * (1.0 - p) / n as f64).sqrt() + 0.01;
    assert!(
        (share - p).abs() <= tol,
        "{what}: {share:.3} of {n}, expected {p} ± {tol:.3}"
    );
}

#[test]
fn noise_rates_come_out_near_the_flags() {
    let wd = Workdir::new();
    let mut o = Options::new(5000, 33);
    o.rates = Rates::none();
    o.rates.set(Kind::Typo, 0.2);
    o.rates.set(Kind::DobSwap, 0.3);
    o.rates.set(Kind::Missing, 0.1);
    o.rates.set(Kind::IcOcr, 0.15);
    let summary = synth::generate(&o, wd.path()).unwrap();
    let people = synth::population(33, 5000);
    let by_id: HashMap<String, &synth::Person> =
        people.iter().map(|p| (p.person_id(), p)).collect();
    let truth: HashMap<String, String> = csv_rows(&wd.join("truth.csv"))
        .into_iter()
        .filter(|r| r["source"] == "perkeso")
        .map(|r| (r["record_id"].clone(), r["person_id"].clone()))
        .collect();
    let config = Config::load(&wd.join("padan.toml")).unwrap();
    let spec = config.sources.iter().find(|s| s.name == "perkeso").unwrap();
    let ex = Export::read(spec);
    let names = ex.field(spec, Field::FullName).unwrap();
    let dobs = ex.field(spec, Field::Dob).unwrap();
    let sexes = ex.field(spec, Field::Sex).unwrap();
    let ics = ex.field(spec, Field::Ic).unwrap();
    let (mut typos, mut swappable, mut swapped, mut no_sex, mut ic_shown, mut ocr) =
        (0, 0, 0, 0, 0, 0);
    let ids = ex.ids(spec);
    for (i, id) in ids.iter().enumerate() {
        let p = by_id[&truth[id]];
        // Only typos touch names here: a name differs from the IC's exactly when one was made.
        typos += (names[i] != p.name.canonical()) as usize;
        if !dobs[i].is_empty() {
            let d = NaiveDate::parse_from_str(&dobs[i], &spec.dates[0]).unwrap();
            if p.dob.day() <= 12 && p.dob.day() != p.dob.month() {
                swappable += 1;
                if d != p.dob {
                    assert_eq!((d.day(), d.month()), (p.dob.month(), p.dob.day()));
                    swapped += 1;
                }
            } else {
                assert_eq!(d, p.dob);
            }
        }
        no_sex += sexes[i].is_empty() as usize;
        if !ics[i].is_empty() {
            ic_shown += 1;
            ocr += !ics[i].bytes().all(|b| b.is_ascii_digit()) as usize;
        }
    }
    near("typos", typos, ids.len(), 0.2);
    near("day and month swapped", swapped, swappable, 0.3);
    near("sex missing", no_sex, ids.len(), 0.1);
    near("IC digit read as a letter", ocr, ic_shown, 0.15);
    // The generator's own count of each kind agrees, over every agency.
    for (k, p) in [
        (Kind::Typo, 0.2),
        (Kind::DobSwap, 0.3),
        (Kind::Missing, 0.1),
        (Kind::IcOcr, 0.15),
        (Kind::Variant, 0.0),
        (Kind::Swap, 0.0),
    ] {
        let c = summary.stats.get(k);
        near(k.name(), c.applied as usize, c.eligible as usize, p);
    }
}
