//! `padan encode --config agency.toml --secret-file KEY --out FILE.parquet`

use std::path::PathBuf;

use padan::config::Config;
use padan::{Error, Result};

#[derive(clap::Args)]
pub struct Args {
    /// The agency's configuration: its exports, mapped as for `padan run`.
    #[arg(long, short)]
    config: PathBuf,
    /// The file holding the secret the agencies share (at least 16 bytes; a trailing newline
    /// is not part of it). The linking unit never holds it.
    #[arg(long, value_name = "KEY")]
    secret_file: PathBuf,
    /// The encoded file to write (parquet), for the linking unit's `format = "encoded"`.
    #[arg(long, short)]
    out: PathBuf,
    /// Worker threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

pub fn run(a: Args) -> Result<()> {
    let config = Config::load(&a.config)?;
    let secret = std::fs::read(&a.secret_file).map_err(|e| {
        Error::Config(format!(
            "{}: cannot read the secret file ({e})",
            a.secret_file.display()
        ))
    })?;
    let secret = secret
        .strip_suffix(b"\n")
        .map(|s| s.strip_suffix(b"\r").unwrap_or(s))
        .unwrap_or(&secret);
    let secret = padan::normalise::encoded::Secret::new(secret)
        .map_err(|e| Error::Config(format!("{}: {e}", a.secret_file.display())))?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads)
        .build_global()
        .map_err(|e| Error::Run(format!("cannot start worker threads: {e}")))?;
    let done = padan::encode::encode(&config, &secret, &a.out)?;
    println!(
        "padan: {} records encoded into {}, {} rows rejected{}; key check value {} (every agency's file must show the same)",
        done.records,
        a.out.display(),
        done.rejected,
        done.rejects_file
            .as_ref()
            .map_or(String::new(), |p| format!(" (in {})", p.display())),
        secret.check_value()
    );
    for w in &done.warnings {
        eprintln!("padan: warning: {w}");
    }
    Ok(())
}
