//! `padan normalise --name "…" | --ic "…" | --date "…" | --phone "…" | --address "…"`
//!
//! Prints what the normalisers make of a value, as JSON. The output holds the value given on
//! the command line; it is printed, never logged.

use serde_json::{json, Map, Value};

use padan::normalise::{self, date, Ic, Name, Sex};
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
}

pub fn run(a: Args) -> Result<()> {
    let mut out = Map::new();
    if let Some(n) = &a.name {
        let p = Name::parse(n);
        out.insert(
            "name".into(),
            json!({
                "key": p.key(),
                "sorted_key": p.sorted_key(),
                "compact": p.compact(),
                "given": p.given,
                "patronym": p.patronym,
                "marker": p.marker,
                "titles": p.titles,
            }),
        );
    }
    if let Some(s) = &a.ic {
        let today = chrono::Local::now().date_naive();
        let v = match Ic::parse(s) {
            Some(ic) => json!({
                "ic": ic.digits,
                "valid": ic.valid,
                "dob": ic.valid.then(|| normalise::ic::birth_date(&ic.digits, today)).flatten().map(|d| d.to_string()),
                "sex": ic.sex_hint().map(Sex::code),
            }),
            None => json!({"ic": null, "valid": false, "reason": "no digits"}),
        };
        out.insert("ic".into(), v);
    }
    if let Some(s) = &a.date {
        let today = chrono::Local::now().date_naive();
        out.insert(
            "date".into(),
            json!(date::parse(s, &[], today).map(|d| d.to_string())),
        );
    }
    if let Some(s) = &a.sex {
        out.insert("sex".into(), json!(Sex::parse(s).map(Sex::code)));
    }
    if let Some(s) = &a.phone {
        out.insert("phone".into(), json!(normalise::phone(s)));
    }
    if let Some(s) = &a.address {
        out.insert("address".into(), json!(normalise::address(s)));
    }
    if out.is_empty() {
        return Err(Error::Config(
            "padan normalise: give at least one of --name, --ic, --date, --sex, --phone, --address"
                .into(),
        ));
    }
    super::print_json(&Value::Object(out))
}
