//! One module per subcommand, each with its arguments and a `run`.

pub mod encode;
pub mod eval;
pub mod explain;
pub mod normalise;
pub mod qa;
pub mod run;
pub mod spark;
pub mod synth;

use std::io::Write;

/// Prints a JSON value on stdout.
pub fn print_json<T: serde::Serialize>(v: &T) -> padan::Result<()> {
    let out = std::io::stdout();
    let mut out = out.lock();
    let stdout = std::path::Path::new("<stdout>");
    serde_json::to_writer_pretty(&mut out, v)
        .map_err(|e| padan::Error::Run(format!("writing JSON: {e}")))?;
    writeln!(out).map_err(|e| padan::Error::io(stdout, e))
}
