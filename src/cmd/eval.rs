//! `padan eval --truth truth.csv --crosswalk DIR/crosswalk.csv`

use std::path::PathBuf;

use padan::eval;
use padan::Result;

#[derive(clap::Args)]
pub struct Args {
    /// The true assignment: `source,record_id,person_id`.
    #[arg(long)]
    truth: PathBuf,
    /// A crosswalk written by `padan run`.
    #[arg(long)]
    crosswalk: PathBuf,
}

pub fn run(a: Args) -> Result<()> {
    let truth = eval::read_assignment(&a.truth)?;
    let pred = eval::read_assignment(&a.crosswalk)?;
    super::print_json(&eval::score(&truth, &pred))
}
