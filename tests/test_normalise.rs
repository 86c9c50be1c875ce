//! `padan normalise` and the normalisers behind it.
//!
//! The cases are tables under `tests/data/` (names.tsv, ics.tsv, dates.tsv, values.tsv), read
//! here and checked one line at a time; a failure names the file, line and case. Property tests
//! check that normalising twice equals normalising once and that no input panics.

use std::path::Path;

use chrono::NaiveDate;
use proptest::prelude::*;

use padan::normalise::{self, address, chinese, date, ic, phone, Ic, Name, Sex};

use crate::workdir::{run_err, run_ok, Workdir};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

/// The data lines of a test table: (line number, cells), with `\uXXXX` escapes resolved.
fn table(text: &str) -> Vec<(usize, Vec<String>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.split('\t').map(unescape).collect()))
        .collect()
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\\u") {
        out.push_str(&rest[..i]);
        let hex = rest.get(i + 2..i + 6).unwrap_or("");
        match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
            Some(c) => {
                out.push(c);
                rest = &rest[i + 6..];
            }
            None => {
                out.push_str("\\u");
                rest = &rest[i + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn cell(r: &[String], i: usize) -> &str {
    r.get(i).map(String::as_str).unwrap_or("")
}

fn name_field(n: &Name, field: &str) -> String {
    fn j<S: AsRef<str>>(v: &[S]) -> String {
        v.iter().map(AsRef::as_ref).collect::<Vec<&str>>().join("|")
    }
    match field {
        "key" => n.key(),
        "sorted_key" => n.sorted_key(),
        "given" => j(&n.given),
        "patronym" => j(&n.patronym),
        "titles" => j(&n.titles),
        "marker" => n.marker.as_deref().unwrap_or_default().to_string(),
        "hereditary" => j(&n.hereditary),
        "phonetic" => n.phonetic(),
        "khmer" => n.khmer_key(),
        "kind" => serde_json::to_value(n.kind)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string(),
        "initials_key" => n.initials_key().unwrap_or_default(),
        "alt_keys" => j(&n.alt_keys()),
        "alias" => j(&n.alias),
        "other" => j(&n.other),
        "surname" => n.surname.as_deref().unwrap_or_default().to_string(),
        "family" => j(&n.family),
        "sex" => n.marker_sex().map(Sex::code).unwrap_or("").to_string(),
        f => panic!("names.tsv: unknown check {f}"),
    }
}

#[test]
fn name_table() {
    let rows = table(include_str!("data/names.tsv"));
    let mut failures = Vec::new();
    for (line, r) in &rows {
        let (check, a, b) = (cell(r, 0), cell(r, 1), cell(r, 2));
        let (na, nb) = (Name::parse(a), Name::parse(b));
        let ok = match check {
            "same_key" => na.key() == nb.key(),
            "diff_key" => na.key() != nb.key(),
            "same_sorted" => na.sorted_key() == nb.sorted_key(),
            "diff_sorted" => na.sorted_key() != nb.sorted_key(),
            "same_compact" => na.compact() == nb.compact(),
            "same_phonetic" => na.phonetic() == nb.phonetic(),
            "diff_phonetic" => na.phonetic() != nb.phonetic(),
            "same_khmer" => na.khmer_key() == nb.khmer_key(),
            "diff_khmer" => na.khmer_key() != nb.khmer_key(),
            "same_initials" => {
                na.initials_key().is_some() && na.initials_key() == nb.initials_key()
            }
            "dialect" => chinese::dialect_related(a, b),
            "not_dialect" => !chinese::dialect_related(a, b),
            field => {
                let got = name_field(&na, field);
                if got != b {
                    failures.push(format!(
                        "names.tsv:{line}: {field}({a:?}) = {got:?}, want {b:?}"
                    ));
                }
                continue;
            }
        };
        if !ok {
            failures.push(format!(
                "names.tsv:{line}: {check} fails: {a:?} -> key {:?} sorted {:?} phonetic {:?} khmer {:?} initials {:?}; {b:?} -> key {:?} sorted {:?} phonetic {:?} khmer {:?} initials {:?}",
                na.key(), na.sorted_key(), na.phonetic(), na.khmer_key(), na.initials_key(),
                nb.key(), nb.sorted_key(), nb.phonetic(), nb.khmer_key(), nb.initials_key(),
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
    assert!(rows.len() >= 300, "names.tsv holds {} cases", rows.len());
}

#[test]
fn ic_table() {
    let rows = table(include_str!("data/ics.tsv"));
    let mut failures = Vec::new();
    for (line, r) in &rows {
        let input = cell(r, 0);
        let got = match Ic::parse(input) {
            None => vec!["none".to_string()],
            Some(i) => vec![
                i.valid.to_string(),
                i.digits.to_string(),
                i.id.to_string(),
                i.kind.label().to_string(),
                i.reason.map(|x| x.label()).unwrap_or("").to_string(),
                i.repair.map(|x| x.label()).unwrap_or("").to_string(),
                i.birth_date(None, today())
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                i.sex_hint().map(Sex::code).unwrap_or("").to_string(),
                i.birth_place().unwrap_or("").to_string(),
            ],
        };
        let want: Vec<&str> = (1..=got.len()).map(|i| cell(r, i)).collect();
        if got != want {
            failures.push(format!(
                "ics.tsv:{line}: {input:?}\n  got  {got:?}\n  want {want:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}

#[test]
fn date_table() {
    let rows = table(include_str!("data/dates.tsv"));
    let mut failures = Vec::new();
    for (line, r) in &rows {
        let input = cell(r, 0);
        let p = date::parse_with(input, &[], today(), date::Context::default());
        let got = [
            p.date.map(|d| d.to_string()).unwrap_or_default(),
            p.partial.map(|d| d.to_string()).unwrap_or_default(),
            p.reason.map(|x| x.label()).unwrap_or("").to_string(),
        ];
        let want = [cell(r, 1), cell(r, 2), cell(r, 3)];
        if got != want {
            failures.push(format!(
                "dates.tsv:{line}: {input:?}: got {got:?}, want {want:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}

#[test]
fn value_table() {
    let rows = table(include_str!("data/values.tsv"));
    let mut failures = Vec::new();
    for (line, r) in &rows {
        let (kind, input, want) = (cell(r, 0), cell(r, 1), cell(r, 2));
        let got = match kind {
            "sex" => Sex::parse(input).map(Sex::code).unwrap_or("").to_string(),
            "phone" => normalise::phone(input).unwrap_or_default(),
            "address" => normalise::address(input).unwrap_or_default(),
            "state" => address::canonical_state(input).unwrap_or("").to_string(),
            "postcode_conflict" => address::parse(input)
                .map(|a| a.postcode_contradicts_state)
                .unwrap_or(false)
                .to_string(),
            k => panic!("values.tsv: unknown kind {k}"),
        };
        if got != want {
            failures.push(format!(
                "values.tsv:{line}: {kind}({input:?}) = {got:?}, want {want:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}

/// Names of every tradition, for property tests to recombine.
const NAME_PARTS: &[&str] = &[
    "MOHD",
    "HAFIZ",
    "B.",
    "BIN",
    "BINTI",
    "BT",
    "A/L",
    "A/P",
    "ANAK",
    "AK",
    "AL",
    "AP",
    "B",
    "DATO'",
    "DATO’",
    "SRI",
    "TAN",
    "HAJI",
    "HJ",
    "TUN",
    "DR",
    "SYED",
    "WAN",
    "@",
    "S.",
    "K",
    "MEI",
    "LING",
    "CHOO",
    "KHENG",
    "CHOOKHENG",
    "YEOH",
    "MICHELLE",
    "LIM",
    "AU",
    "YONG",
    "SOK",
    "CHANN",
    "សុខ",
    "ចាន់",
    "ABD",
    "NOOR",
    "PILLAI",
    "PUAN",
    "ALI",
    "ABU",
    "-",
    "A L",
    "MENON",
    "TENGKU",
    "SEE",
    "TOH",
    "ＡＢＵ",
    "\u{200B}",
    "Ä",
    "ß",
    "陈",
    "AISYAH",
];

fn name_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(NAME_PARTS), 0..8).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(2000)
    })]

    #[test]
    fn normalising_a_name_twice_equals_once(raw in name_strategy()) {
        let once = Name::parse(&raw);
        let again = Name::parse(&once.display());
        prop_assert_eq!(&again.key(), &once.key(), "display {:?}", once.display());
        prop_assert_eq!(&again.given, &once.given);
        prop_assert_eq!(&again.patronym, &once.patronym);
        prop_assert_eq!(again.phonetic(), once.phonetic());
        prop_assert_eq!(again.khmer_key(), once.khmer_key());
    }

    #[test]
    fn no_name_panics(raw in any::<String>()) {
        let n = Name::parse(&raw);
        let _ = (n.key(), n.sorted_key(), n.phonetic(), n.khmer_key(), n.initials_key(), n.alt_keys());
        let again = Name::parse(&n.display());
        prop_assert_eq!(again.key(), n.key());
    }

    #[test]
    fn clean_is_idempotent(raw in any::<String>()) {
        let once = normalise::text::clean(&raw);
        prop_assert_eq!(normalise::text::clean(&once), once.clone());
        let name = normalise::text::clean_name(&raw);
        prop_assert_eq!(normalise::text::clean_name(&name), name);
    }

    #[test]
    fn no_value_panics_and_values_are_stable(raw in any::<String>()) {
        // A number Excel rounded cannot be told from a whole one once written out in full.
        if let Some(i) = Ic::parse(&raw).filter(|i| i.reason != Some(ic::Reason::ExcelPrecisionLost)) {
            let again = Ic::parse(&i.id).expect("an id with digits parses");
            prop_assert_eq!(&again.id, &i.id);
            prop_assert_eq!(again.valid, i.valid);
            let _ = (i.birth_date(None, today()), i.birth_place(), i.sex_hint());
        }
        let p = date::parse_with(&raw, &[], today(), date::Context { ic: Some((85, 3, 12)) });
        if let Some(d) = p.date {
            prop_assert_eq!(date::parse(&d.to_string(), &[], today()), Some(d));
        }
        if let Some(e) = phone::e164(&raw) {
            prop_assert_eq!(phone::e164(&e), Some(e.clone()));
        }
        if let Some(a) = address::parse(&raw) {
            prop_assert_eq!(address::parse(&a.text).map(|x| x.text), Some(a.text));
        }
        let _ = (Sex::parse(&raw), address::canonical_state(&raw), normalise::postcode(&raw));
    }

    #[test]
    fn ic_shaped_values_are_stable(
        d in "[0-9OoIlSBZ]{6}[-/ ]?[0-9]{2}[-/ ]?[0-9]{4}",
    ) {
        let i = Ic::parse(&d).expect("digits");
        let again = Ic::parse(&i.id).unwrap();
        prop_assert_eq!(again.valid, i.valid);
        prop_assert_eq!(again.digits, i.digits);
    }

    #[test]
    fn long_inputs_do_not_panic(raw in "(BIN |@ |A/L |DATO |[A-Z]{1,12} ){0,200}") {
        let n = Name::parse(&raw);
        prop_assert_eq!(Name::parse(&n.display()).key(), n.key());
    }
}

#[test]
fn normalise_shows_a_names_parts_and_an_ics_reading() {
    let wd = Workdir::new();
    let out = run_ok(wd.command("normalise").args([
        "--name",
        "DATO' MOHD HAFIZ B. ABD RAHMAN",
        "--ic",
        "30517101234",
        "--phone",
        "+60 12-345 6789",
        "--date",
        "00/00/1950",
        "--address",
        "12 Lebuh Pantai, 10300 P. Pinang",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["name"]["key"], "MUHAMMAD HAFIZ ABDUL RAHMAN");
    assert_eq!(v["name"]["sorted_key"], "ABDUL HAFIZ MUHAMMAD RAHMAN");
    assert_eq!(v["name"]["phonetic"], "MUHAMAD HAFIZ ABDUL RAHMAN");
    assert_eq!(v["name"]["titles"][0], "DATO");
    assert_eq!(v["name"]["given"][1], "HAFIZ");
    assert_eq!(v["name"]["patronym"][1], "RAHMAN");
    assert_eq!(v["ic"]["ic"], "030517101234");
    assert_eq!(v["ic"]["valid"], true);
    assert_eq!(v["ic"]["dob"], "2003-05-17");
    assert_eq!(v["ic"]["sex"], "F");
    assert_eq!(v["ic"]["state"], "SELANGOR");
    assert_eq!(v["ic"]["kind"], "mykad");
    assert_eq!(v["ic"]["reason"], serde_json::Value::Null);
    assert_eq!(v["ic"]["repair"], "lost_leading_zero");
    assert_eq!(v["phone"]["e164"], "+60123456789");
    assert_eq!(v["phone"]["kind"], "mobile");
    assert_eq!(v["date"]["date"], serde_json::Value::Null);
    assert_eq!(v["date"]["partial"], "1950");
    assert_eq!(v["address"]["state"], "PULAU PINANG");
    assert_eq!(v["address"]["postcode"], "10300");
}

#[test]
fn normalise_gives_every_rejected_ic_a_reason() {
    let wd = Workdir::new();
    for (ic, reason, kind) in [
        ("851332-14-5567", "bad_date", "mykad"),
        ("850312-70-5567", "unassigned_place_code", "mykad"),
        ("85031214556", "bad_length", "unknown"),
        ("850312-14-556X", "not_digits", "unknown"),
        ("A1234567", "not_mykad", "old_ic"),
        ("---", "empty", ""),
    ] {
        let out = run_ok(wd.command("normalise").arg(format!("--ic={ic}")));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["ic"]["valid"], false, "{ic}");
        assert_eq!(v["ic"]["reason"], reason, "{ic}");
        if !kind.is_empty() {
            assert_eq!(v["ic"]["kind"], kind, "{ic}");
        }
    }
}

#[test]
fn normalise_writes_every_records_form_owner_only() {
    let wd = Workdir::new();
    let demo = wd.demo();
    let out = wd.join("norm.csv");
    run_ok(wd.command("normalise").args([
        "--config",
        demo.join("padan.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    let headers = rdr.headers().unwrap().clone();
    for col in [
        "source",
        "record_id",
        "key",
        "sorted_key",
        "phonetic",
        "ic",
        "ic_valid",
        "dob",
        "phone",
    ] {
        assert!(headers.iter().any(|h| h == col), "no column {col}");
    }
    let rows = rdr.records().count();
    // The demo's 1164 rows less the 4 rejected ones (README).
    assert_eq!(rows, 1160);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(Path::new(&out).is_file());
}

#[test]
fn normalise_without_a_value_is_a_usage_error() {
    let wd = Workdir::new();
    run_err(&mut wd.command("normalise"), 2);
    // --config needs --out.
    run_err(wd.command("normalise").args(["--config", "padan.toml"]), 2);
}
