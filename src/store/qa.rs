//! `DIR/qa/NNNNNN/`: a generation's clerical sample and its estimates (`crate::qa`). They sit
//! beside the generations rather than in one, because a generation is complete and never
//! changed once written, while a sample is drawn and labelled after it; pruning old
//! generations keeps them, so that the report can show every generation's estimate.

use std::fs;
use std::path::{Path, PathBuf};

use super::number;

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
