//! `padan run --config padan.toml [--out DIR]`

use std::path::PathBuf;

use padan::config::Config;
use padan::{Error, Result};

#[derive(clap::Args)]
pub struct Args {
    /// The configuration file (README.md, Configuration).
    #[arg(long, short)]
    config: PathBuf,
    /// The register store; overrides `[run] out`.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Worker threads; overrides `[run] threads` (0: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Analysts' decisions (`same`/`different` per pair, as in review.csv); overrides
    /// `[review] decisions`.
    #[arg(long, value_name = "FILE")]
    decisions: Option<PathBuf>,
    /// Link every record again and re-estimate the model, even where the store would let this
    /// run compare only new and changed records.
    #[arg(long)]
    full: bool,
    /// Accept tonight's export of SOURCE (a `[[source]]` name; repeatable) however many of its
    /// previous records are missing: without it, a run stops when an export lost more than its
    /// `max_drop` share of them.
    #[arg(long, value_name = "SOURCE")]
    accept_drop: Vec<String>,
}

pub fn run(a: Args) -> Result<()> {
    let mut config = Config::load(&a.config)?;
    if let Some(out) = a.out {
        config.out = out;
    }
    if let Some(d) = a.decisions {
        config.decisions = Some(d);
    }
    if a.full {
        config.incremental = false;
    }
    for name in &a.accept_drop {
        let Some(spec) = config.sources.iter_mut().find(|s| &s.name == name) else {
            return Err(Error::Config(format!(
                "--accept-drop {name}: no [[source]] of that name in {}; the sources are: {}",
                config.path.display(),
                config
                    .sources
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        spec.max_drop = 1.0;
    }
    if let Some(t) = a.threads {
        config.threads = t;
    }
    merge(&config)
}

/// Runs the merge `config` describes and says what it wrote.
pub fn merge(config: &Config) -> Result<()> {
    merge_with(config, padan::pipeline::run)
}

/// `merge`, run by `link` (`pipeline::run`, or the Spark steps' finish).
pub fn merge_with(
    config: &Config,
    link: impl FnOnce(&Config) -> Result<(padan::summary::Summary, PathBuf)>,
) -> Result<()> {
    threads(config.threads)?;
    let (s, dir) = link(config).map_err(|e| padan::store::disk_full(&config.out, e))?;
    println!(
        "padan: {} rows in, {} records, {} rejected; {} persons ({} with several records); {} match and {} review pairs; generation {} at {}",
        s.records_in,
        s.records_accepted,
        s.records_rejected,
        s.persons,
        s.persons_with_several_records,
        s.match_pairs,
        s.review_pairs,
        s.generation,
        dir.display()
    );
    let l = &s.linking;
    if l.mode == padan::summary::LinkMode::Incremental {
        println!(
            "padan: linked incrementally: {} new or changed records compared, {} pairs kept from the previous generation",
            l.records_changed + l.records_new,
            l.pairs_reused
        );
    } else {
        println!("padan: linked in full: {}", l.reason);
    }
    for w in &s.warnings {
        eprintln!("padan: warning: {w}");
    }
    Ok(())
}

/// Starts `n` worker threads (0: one per core).
pub fn threads(n: usize) -> Result<()> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .map_err(|e| Error::Run(format!("cannot start worker threads: {e}")))
}
