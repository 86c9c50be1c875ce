//! The `padan` command: argument parsing and exit codes over the library.
//! Exit status: 0 success, 1 failure while running, 2 usage or configuration error.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: reuses freed memory across the pipeline's large buffers, where the system
/// allocator hands each back to the kernel and faults fresh pages in for the next.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option (its index in `mi_option_t`, mimalloc v3's `mimalloc.h`).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory goes back to the kernel after 100 ms instead of mimalloc's default second: a
/// stage's large buffers are freed just before the next stage allocates its own, and with the
/// longer delay both are resident together, raising the run's peak memory; the shorter delay
/// costs no time that shows. `MIMALLOC_PURGE_DELAY` in the environment still wins.
fn purge_freed_memory_soon() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: called first thing in `main`, before any other thread exists (mimalloc's
        // options are not thread-safe to set).
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 100) };
    }
}

#[derive(Parser)]
#[command(
    name = "padan",
    version,
    about = "Links agency registration exports into one social protection register",
    long_about = "padan reads the exports of many agencies (CSV, TSV, xlsx, parquet), normalises \
names and MyKad numbers, finds the records that belong to one person, and writes a register, \
a cross-walk from every source record to its person, and what an auditor needs to check it."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The whole nightly merge: ingest, normalise, block, score, cluster, write the register.
    Run(cmd::run::Args),
    /// An agency's exports as encodings only, for linking without sharing identities.
    Encode(cmd::encode::Args),
    /// Pairwise and B-cubed precision, recall and F1 of a crosswalk against a truth file.
    Eval(cmd::eval::Args),
    /// Why records were (or were not) put together, field by field.
    Explain(cmd::explain::Args),
    /// The normalisers on their own, for debugging a mapping: prints JSON.
    Normalise(cmd::normalise::Args),
    /// How good the register is, from a clerical sample: draw it, then estimate from its labels.
    Qa(cmd::qa::Args),
    /// The merge's steps on Apache Spark, as `spark/padan_spark.py` runs them.
    Spark(cmd::spark::Args),
    /// A synthetic multi-agency registry with ground truth, for tests and benchmarks.
    Synth(cmd::synth::Args),
}

fn main() -> ExitCode {
    purge_freed_memory_soon();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Run(a) => cmd::run::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Encode(a) => cmd::encode::run(a),
        Command::Normalise(a) => cmd::normalise::run(a),
        Command::Explain(a) => cmd::explain::run(a),
        Command::Synth(a) => cmd::synth::run(a),
        Command::Qa(a) => cmd::qa::run(a),
        Command::Spark(a) => cmd::spark::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("padan: error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn is_broken_pipe(e: &padan::Error) -> bool {
    matches!(e, padan::Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}
