//! The lock a run holds on its store, and the store's format (`padan-store.json`), both
//! checked before any data is read.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use super::{mkdir_private, private};
use crate::error::{Error, Result};

/// The store format this version writes; a store of another format is refused.
pub const FORMAT: u32 = 1;

/// An exclusive hold on a store for the length of a run. The operating system releases it when
/// the process ends, however it ends (SIGKILL included), so a killed run leaves no stale lock.
pub struct Lock {
    _file: File,
}

/// Takes the store's lock and checks its format. A second run on the same store, or a store
/// written by an incompatible version, is a configuration error (exit 2), raised before any
/// data is read.
pub fn lock(root: &Path) -> Result<Lock> {
    mkdir_private(root)?;
    let path = root.join(".lock");
    let file = private()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(Error::Config(format!(
                "{}: another padan run is writing this register store; wait for it to finish",
                root.display()
            )))
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
    }
    let marker = root.join("padan-store.json");
    match fs::read(&marker) {
        Ok(bytes) => {
            let format = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("format")?.as_u64());
            match format {
                Some(f) if f == u64::from(FORMAT) => {}
                Some(f) => {
                    return Err(Error::Config(format!(
                        "{}: this register store has format {f} but padan {} reads format {FORMAT}; use another output folder or the padan version that wrote it",
                        marker.display(),
                        env!("CARGO_PKG_VERSION")
                    )))
                }
                None => {
                    return Err(Error::Config(format!(
                        "{}: damaged (it should hold the store's format, as JSON); if this store's generations were written by padan {} (each summary.json names its version), remove the file and the next run writes it again; otherwise use another output folder",
                        marker.display(),
                        env!("CARGO_PKG_VERSION")
                    )))
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let text = serde_json::json!({
                "format": FORMAT,
                "written_by": format!("padan {}", env!("CARGO_PKG_VERSION")),
            })
            .to_string();
            let tmp = root.join(".padan-store.json.tmp");
            let _ = fs::remove_file(&tmp);
            private()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .map_err(|e| Error::io(&tmp, e))?;
            fs::rename(&tmp, &marker).map_err(|e| Error::io(&marker, e))?;
        }
        Err(e) => return Err(Error::io(&marker, e)),
    }
    Ok(Lock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock(dir.path()).unwrap();
        let err = lock(dir.path()).err().unwrap();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("another padan run"));
        drop(first);
        lock(dir.path()).unwrap();
    }

    #[test]
    fn a_store_of_another_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("padan-store.json"), r#"{"format": 99}"#).unwrap();
        let err = lock(dir.path()).err().unwrap();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("format 99"), "{err}");
    }
}
