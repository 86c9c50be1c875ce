//! `padan explain --out DIR (--person ID | --record SOURCE:ID) [--unmasked] [--json]`

use std::path::PathBuf;

use padan::explain::{render, Store};
use padan::{Error, Result};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["person", "record"])))]
pub struct Args {
    /// The register store written by `padan run` (its `current` generation is read).
    #[arg(long)]
    out: PathBuf,
    /// A person id from crosswalk.csv or register.csv.
    #[arg(long)]
    person: Option<String>,
    /// A record as SOURCE:ID.
    #[arg(long, value_name = "SOURCE:ID")]
    record: Option<String>,
    /// Show IC numbers, phones and addresses whole.
    #[arg(long)]
    unmasked: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<()> {
    let store = Store::load(&a.out)?;
    for w in &store.warnings {
        eprintln!("padan: warning: {w}");
    }
    let e = match (&a.person, &a.record) {
        (Some(p), _) => store.person(p, a.unmasked)?,
        (None, Some(r)) => {
            let (s, id) = r
                .split_once(':')
                .ok_or_else(|| Error::Config(format!("--record {r}: write it as SOURCE:ID")))?;
            store.record(s, id, a.unmasked)?
        }
        (None, None) => unreachable!("clap requires one of them"),
    };
    if a.json {
        super::print_json(&e)
    } else {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        write!(out, "{}", render(&e)).map_err(|e| Error::io(std::path::Path::new("<stdout>"), e))
    }
}
