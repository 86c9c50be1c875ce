//! `padan normalise --name "…" | --ic "…" | --date "…" | --sex "…" | --phone "…" | --address "…"`
//! `padan normalise --config padan.toml --out FILE`
//!
//! The first form prints what the normalisers make of a value, as JSON; the output holds the
//! value given on the command line and is printed, never logged. The second reads every source
//! of a configuration and writes each record's normalised form to a CSV file created readable by
//! its owner only (0600), like the register's files: it holds names and IC numbers.

use std::fs::OpenOptions;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use padan::config::Config;
use padan::normalise::{self, address, chinese, date, ic, phone, Ic, Name, NormRecord, Sex};
use padan::{Error, Result};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    ic: Option<String>,
    #[arg(long)]
    date: Option<String>,
    #[arg(long)]
    sex: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    address: Option<String>,
    /// Normalise every record of this configuration's sources (with --out).
    #[arg(long, requires = "out")]
    config: Option<PathBuf>,
    /// The CSV file to write every record's normalised form to (with --config).
    #[arg(long, requires = "config")]
    out: Option<PathBuf>,
}

fn name_json(n: &str) -> Value {
    let p = Name::parse(n);
    json!({
        "key": p.key(),
        "sorted_key": p.sorted_key(),
        "compact": p.compact(),
        "phonetic": p.phonetic(),
        "khmer_key": p.khmer_key(),
        "initials_key": p.initials_key(),
        "alt_keys": p.alt_keys(),
        "given": p.given,
        "patronym": p.patronym,
        "marker": p.marker,
        "titles": p.titles,
        "hereditary": p.hereditary,
        "alias": p.alias,
        "other": p.other,
        "surname": p.surname,
        "surname_characters": p.surname.as_deref().map(chinese::surname_characters),
        "family": p.family,
        "initials": p.initials,
        "kind": p.kind,
        "sex": p.marker_sex().map(Sex::code),
    })
}

fn ic_json(s: &str, today: chrono::NaiveDate) -> Value {
    match Ic::parse(s) {
        Some(i) => json!({
            "valid": i.valid,
            "ic": i.digits,
            "id": i.id,
            "kind": i.kind.label(),
            "reason": i.reason.map(ic::Reason::label),
            "repair": i.repair.map(ic::Repair::label),
            "dob": i.birth_date(None, today).map(|d| d.to_string()),
            "sex": i.sex_hint().map(Sex::code),
            "place_code": i.place_code().map(|c| format!("{c:02}")),
            "state": i.birth_state(),
            "birth_place": i.birth_place(),
        }),
        None => json!({
            "valid": false, "ic": null, "id": null, "kind": null, "reason": "empty",
            "repair": null, "dob": null, "sex": null, "place_code": null, "state": null,
            "birth_place": null,
        }),
    }
}

pub fn run(a: Args) -> Result<()> {
    if let (Some(cfg), Some(out)) = (&a.config, &a.out) {
        return write_all(cfg, out);
    }
    let today = chrono::Local::now().date_naive();
    let mut out = Map::new();
    if let Some(n) = &a.name {
        out.insert("name".into(), name_json(n));
    }
    if let Some(s) = &a.ic {
        out.insert("ic".into(), ic_json(s, today));
    }
    if let Some(s) = &a.date {
        let p = date::parse_with(s, &[], today, date::Context::default());
        out.insert(
            "date".into(),
            json!({
                "date": p.date.map(|d| d.to_string()),
                "partial": p.partial.map(|d| d.to_string()),
                "how": p.how,
                "ambiguous": p.ambiguous,
                "reason": p.reason.map(date::DateReason::label),
            }),
        );
    }
    if let Some(s) = &a.sex {
        out.insert("sex".into(), json!(Sex::parse(s).map(Sex::code)));
    }
    if let Some(s) = &a.phone {
        let v = match phone::parse(s) {
            Some(p) => json!({"e164": p.e164, "kind": p.kind, "reason": null}),
            None => json!({"e164": null, "kind": null, "reason": phone::NOT_A_NUMBER}),
        };
        out.insert("phone".into(), v);
    }
    if let Some(s) = &a.address {
        out.insert("address".into(), json!(address::parse(s)));
    }
    if out.is_empty() {
        return Err(Error::Config(
            "padan normalise: give at least one of --name, --ic, --date, --sex, --phone, --address, or --config with --out"
                .into(),
        ));
    }
    super::print_json(&Value::Object(out))
}

/// The columns of the normalised CSV, in order.
const COLUMNS: &[&str] = &[
    "source",
    "record_id",
    "key",
    "sorted_key",
    "phonetic",
    "khmer_key",
    "initials_key",
    "alt_keys",
    "given",
    "patronym",
    "marker",
    "titles",
    "hereditary",
    "name_kind",
    "ic",
    "ic_valid",
    "ic_kind",
    "ic_reason",
    "ic_repair",
    "ic_birth_place",
    "old_ic",
    "passport",
    "national_id",
    "household_id",
    "dob",
    "dob_partial",
    "dob_from_ic",
    "ic_dob_agrees",
    "sex",
    "sex_from",
    "address",
    "postcode",
    "district",
    "state",
    "address_state",
    "postcode_state_conflict",
    "phone",
    "phone_kind",
];

fn label<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        Ok(Value::Null) | Err(_) => String::new(),
        Ok(other) => other.to_string(),
    }
}

fn row(source: &str, id: &str, r: &NormRecord) -> Vec<String> {
    fn o<S: AsRef<str>>(s: &Option<S>) -> String {
        s.as_ref()
            .map(|s| s.as_ref().to_string())
            .unwrap_or_default()
    }
    let b = |x: Option<bool>| x.map(|x| x.to_string()).unwrap_or_default();
    let ic = r.ic.as_ref();
    vec![
        source.to_string(),
        id.to_string(),
        r.key.to_string(),
        r.sorted_key.to_string(),
        r.phonetic.to_string(),
        r.khmer_key.to_string(),
        o(&r.initials_key),
        r.name.alt_keys().join("|"),
        r.name.given.join(" "),
        r.name.patronym.join(" "),
        o(&r.name.marker),
        r.name.titles.join("|"),
        r.name.hereditary.join("|"),
        label(&r.name.kind),
        ic.map(|i| i.id.to_string()).unwrap_or_default(),
        b(ic.map(|i| i.valid)),
        ic.map(|i| i.kind.label().to_string()).unwrap_or_default(),
        ic.and_then(|i| i.reason)
            .map(|x| x.label().to_string())
            .unwrap_or_default(),
        ic.and_then(|i| i.repair)
            .map(|x| x.label().to_string())
            .unwrap_or_default(),
        ic.and_then(Ic::birth_place).unwrap_or_default().to_string(),
        o(r.old_ic()),
        o(r.passport()),
        o(r.national_id()),
        o(r.household_id()),
        r.dob.map(|d| d.to_string()).unwrap_or_default(),
        r.dob_partial.map(|d| d.to_string()).unwrap_or_default(),
        r.dob_from_ic.to_string(),
        b(r.ic_dob_agrees),
        r.sex.map(|s| s.code().to_string()).unwrap_or_default(),
        label(&r.sex_from),
        o(&r.address),
        o(&r.postcode),
        o(&r.district),
        o(&r.state),
        r.address_state.unwrap_or_default().to_string(),
        r.postcode_state_conflict.to_string(),
        o(&r.phone),
        r.phone_kind.unwrap_or_default().to_string(),
    ]
}

/// Normalises every record of a configuration's sources into a CSV file (mode 0600).
fn write_all(cfg: &Path, out: &Path) -> Result<()> {
    let config = Config::load(cfg)?;
    let ing = padan::ingest::read_all(&config)?;
    let today = chrono::Local::now().date_naive();
    let (norm, _) = normalise::all(&ing, today, &Default::default());
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let f = o.open(out).map_err(|e| Error::io(out, e))?;
    #[cfg(unix)]
    {
        // An existing file keeps its mode on open: make it owner-only too.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(out, e))?;
    }
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, f));
    let err = |e: csv::Error| Error::Run(format!("{}: {e}", out.display()));
    w.write_record(COLUMNS).map_err(err)?;
    for (r, n) in ing.records.iter().zip(&norm) {
        let source = &ing.sources[r.source as usize].name;
        w.write_record(row(source, &r.record_id, n)).map_err(err)?;
    }
    w.flush().map_err(|e| Error::io(out, e))?;
    Ok(())
}
