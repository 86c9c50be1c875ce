//! `padan spark STEP --config padan.toml --work W …`: the steps `spark/padan_spark.py` runs, as
//! Spark tasks and on its driver (`padan::spark`).

use std::path::PathBuf;

use padan::config::Config;
use padan::spark::{self, Work};
use padan::Result;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    step: Step,
}

#[derive(clap::Args)]
struct Common {
    /// The configuration file, the same as `padan run`'s.
    #[arg(long, short)]
    config: PathBuf,
    /// The work folder every step reads and writes (every node must open it as files).
    #[arg(long)]
    work: PathBuf,
    /// Worker threads (0: all cores; a Spark task takes its task's cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

#[derive(clap::Subcommand)]
enum Step {
    /// Prints the sources' names as JSON, in configuration order (driver).
    Sources {
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Ingests and normalises one export (a task per export).
    Prepare {
        #[command(flatten)]
        c: Common,
        /// The export, by its `[[source]]` name.
        #[arg(long)]
        source: String,
    },
    /// Numbers the records, counts name tokens, finds the records the model leaves out (driver).
    Plan {
        #[command(flatten)]
        c: Common,
    },
    /// One export's rows by blocking key (a task per export).
    Keys {
        #[command(flatten)]
        c: Common,
        /// The export, by its `[[source]]` name.
        #[arg(long)]
        source: String,
    },
    /// Compares the blocks of one partition of the rows shuffled by key (a task per partition).
    Compare {
        #[command(flatten)]
        c: Common,
        /// One Parquet file of the shuffle Spark wrote before this step.
        #[arg(long)]
        part: PathBuf,
    },
    /// Sums the blocking statistics, which fix the rules' sampling steps (driver).
    Sampling {
        #[command(flatten)]
        c: Common,
    },
    /// Keeps each pair once, in one part of the pairs shuffled by their first record, and counts
    /// the level patterns the model is estimated from (a task per part).
    Unique {
        #[command(flatten)]
        c: Common,
        /// One Parquet file of the shuffle Spark wrote before this step.
        #[arg(long)]
        part: PathBuf,
    },
    /// Estimates the model from the counted level patterns (driver).
    Model {
        #[command(flatten)]
        c: Common,
    },
    /// Weighs one part of the unique pairs (a task per part).
    Weigh {
        #[command(flatten)]
        c: Common,
        /// One Parquet file of the shuffle Spark wrote before this step.
        #[arg(long)]
        part: PathBuf,
    },
    /// Clusters the scored pairs and writes the generation, as `padan run --full` (driver).
    Finish {
        #[command(flatten)]
        c: Common,
        /// The register store; overrides `[run] out`.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Analysts' decisions; overrides `[review] decisions`.
        #[arg(long, value_name = "FILE")]
        decisions: Option<PathBuf>,
    },
}

fn load(c: &Common) -> Result<(Config, Work)> {
    let config = Config::load(&c.config)?;
    Ok((config, Work::new(&c.work)))
}

pub fn run(a: Args) -> Result<()> {
    let step = a.step;
    let (config, work) = match &step {
        Step::Sources { config } => {
            let names = spark::sources(&Config::load(config)?)?;
            return super::print_json(&serde_json::json!({ "sources": names }));
        }
        Step::Prepare { c, .. }
        | Step::Plan { c }
        | Step::Keys { c, .. }
        | Step::Compare { c, .. }
        | Step::Sampling { c }
        | Step::Unique { c, .. }
        | Step::Model { c }
        | Step::Weigh { c, .. } => {
            super::run::threads(c.threads)?;
            load(c)?
        }
        Step::Finish { c, out, decisions } => {
            let (mut config, work) = load(c)?;
            config.threads = c.threads;
            if let Some(out) = out {
                config.out = out.clone();
            }
            if let Some(d) = decisions {
                config.decisions = Some(d.clone());
            }
            return super::run::merge_with(&config, |config| spark::finish(config, &work));
        }
    };
    match step {
        Step::Prepare { source, .. } => spark::prepare(&config, &work, &source),
        Step::Plan { .. } => spark::plan(&config, &work),
        Step::Keys { source, .. } => spark::keys(&config, &work, &source),
        Step::Compare { part, .. } => spark::compare(&config, &work, &part),
        Step::Sampling { .. } => spark::sampling(&work),
        Step::Unique { part, .. } => spark::unique(&work, &part),
        Step::Model { .. } => spark::model(&config, &work),
        Step::Weigh { part, .. } => spark::weigh(&config, &work, &part),
        Step::Sources { .. } | Step::Finish { .. } => unreachable!("handled above"),
    }
}
