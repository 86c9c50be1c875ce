//! `DIR/qa/NNNNNN/`: a generation's clerical sample and its estimates (`crate::qa`). They sit
//! beside the generations rather than in one, because a generation is complete and never
//! changed once written, while a sample is drawn and labelled after it; pruning old
//! generations keeps them, so that the report can show every generation's estimate.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::generation::sync_dir;
use super::{mkdir_private, number, private};
use crate::error::{Error, Result};

/// The folder of generation `n`'s sample and estimates.
pub fn dir(root: &Path, n: u32) -> PathBuf {
    root.join("qa").join(format!("{n:06}"))
}

/// The number of the generation whose folder is `gen`.
pub fn generation_number(gen: &Path) -> Option<u32> {
    number(gen.file_name()?.to_str()?)
}

/// The generations that have a file `name` in their QA folder, ascending, with its path.
pub fn with_file(root: &Path, name: &str) -> Vec<(u32, PathBuf)> {
    let mut v: Vec<(u32, PathBuf)> = fs::read_dir(root.join("qa"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let n = number(e.file_name().to_str()?)?;
            let p = e.path().join(name);
            p.is_file().then_some((n, p))
        })
        .collect();
    v.sort_unstable();
    v
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it (mode 0600),
/// synced, then renamed over it.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    mkdir_private(folder)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut f = private()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(&tmp, e));
    }
    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    sync_dir(folder)
}
