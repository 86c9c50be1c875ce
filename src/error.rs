//! The library's error type. Configuration mistakes exit 2, everything else 1.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration or the command line is wrong: nothing was read or written.
    #[error("{0}")]
    Config(String),
    /// An input or output file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Something failed while running (a file that turned unreadable half-way, a writer error).
    #[error("{0}")]
    Run(String),
}

impl Error {
    /// The process exit status for this error: 2 usage or configuration, 1 failure while running.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) => 2,
            Error::Io { .. } | Error::Run(_) => 1,
        }
    }

    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
