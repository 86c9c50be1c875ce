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

/// A chunk of an export, as `padan spark sources` counts them.
#[derive(clap::Args)]
struct ChunkArgs {
    /// The export, by its `[[source]]` name.
    #[arg(long)]
    source: String,
    /// The chunk, from 0.
    #[arg(long, default_value_t = 0)]
    chunk: usize,
    /// How many chunks the export is in.
    #[arg(long, default_value_t = 1)]
    chunks: usize,
}

#[derive(clap::Subcommand)]
enum Step {
    /// Prints the sources' names as JSON, in configuration order, and how many chunks each is
    /// prepared in (driver).
    Sources {
        #[arg(long, short)]
        config: PathBuf,
        /// Export bytes per chunk.
        #[arg(long, default_value_t = spark::CHUNK_BYTES)]
        chunk_bytes: u64,
    },
    /// Ingests one export and normalises one chunk of it (a task per chunk).
    Prepare {
        #[command(flatten)]
        c: Common,
        #[command(flatten)]
        chunk: ChunkArgs,
    },
    /// Numbers the records, counts name tokens, finds the records the model leaves out (driver).
    Plan {
        #[command(flatten)]
        c: Common,
    },
    /// One chunk's rows by blocking key (a task per chunk).
    Keys {
        #[command(flatten)]
        c: Common,
        #[command(flatten)]
        chunk: ChunkArgs,
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

/// A step's configuration and work folder, its worker threads started.
fn start(c: &Common) -> Result<(Config, Work)> {
    super::run::threads(c.threads)?;
    Ok((Config::load(&c.config)?, Work::new(&c.work)))
}

pub fn run(a: Args) -> Result<()> {
    match a.step {
        Step::Sources {
            config,
            chunk_bytes,
        } => {
            let (names, chunks) = spark::sources(&Config::load(&config)?, chunk_bytes)?;
            super::print_json(&serde_json::json!({ "sources": names, "chunks": chunks }))
        }
        Step::Prepare { c, chunk: k } => {
            let (config, work) = start(&c)?;
            spark::prepare(&config, &work, &k.source, (k.chunk, k.chunks))
        }
        Step::Plan { c } => {
            let (config, work) = start(&c)?;
            spark::plan(&config, &work)
        }
        Step::Keys { c, chunk: k } => {
            let (config, work) = start(&c)?;
            spark::keys(&config, &work, &k.source, (k.chunk, k.chunks))
        }
        Step::Compare { c, part } => {
            let (config, work) = start(&c)?;
            spark::compare(&config, &work, &part)
        }
        Step::Sampling { c } => spark::sampling(&start(&c)?.1),
        Step::Unique { c, part } => spark::unique(&start(&c)?.1, &part),
        Step::Model { c } => {
            let (config, work) = start(&c)?;
            spark::model(&config, &work)
        }
        Step::Weigh { c, part } => {
            let (config, work) = start(&c)?;
            spark::weigh(&config, &work, &part)
        }
        Step::Finish { c, out, decisions } => {
            // `merge_with` starts the threads, as `padan run` does.
            let mut config = Config::load(&c.config)?;
            let work = Work::new(&c.work);
            config.threads = c.threads;
            config.out = out.unwrap_or(config.out);
            config.decisions = decisions.or(config.decisions);
            super::run::merge_with(&config, |config| spark::finish(config, &work))
        }
    }
}
