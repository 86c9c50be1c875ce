//! The register store: numbered generations, an atomically switched `current`, the lock, and
//! what a generation keeps for the next run. The store knows the stages' types; no stage knows
//! the store (docs/store.md).
//!
//! Layout: `DIR/generations/NNNNNN/` holds one complete set of outputs; `DIR/current` is a
//! symbolic link to the newest complete one. A run writes into `DIR/generations/.NNNNNN.partial/`,
//! syncs every file, renames the folder to `NNNNNN`, then replaces `current` by renaming a new
//! link over it. A run killed at any point leaves `current` pointing at the previous complete
//! generation; a run that fails removes its `.partial` folder, and one killed leaves it to the
//! next run, which removes it before it needs any space (`remove_leftovers`).
//! Files are created readable and writable by their owner only (0600), folders 0700.
//!
//! This file reads that layout: the complete generations there are, which one is current, and
//! removing what unfinished runs left (`remove_leftovers`) and old generations (`prune`). The
//! rest, one concern a file:
//!
//! - `lock.rs`: the lock a run holds, and the store's format (`padan-store.json`);
//! - `generation.rs`: a generation being written (`Generation`, `OutFile`), its commit, and the
//!   points where the crash-safety and full-disk tests stop it;
//! - `link.rs`: `link.bin`, what the next run links incrementally from;
//! - `stored.rs`: `normalised.bin` and `forms.bin`, the records' normalised and linking forms;
//! - `fingerprint.rs`: what a kept file's reuse depends on besides the records;
//! - `qa.rs`: each generation's clerical sample and estimates, beside the generations;
//! - `crosswalk.rs`: the previous persons read back from a generation's CSV files, when its
//!   `link.bin` cannot be used.

mod crosswalk;
pub mod fingerprint;
mod generation;
pub mod link;
mod lock;
pub mod qa;
pub mod stored;

pub use crosswalk::previous_persons;
pub use generation::{disk_full, Generation, OutFile};
pub use lock::{lock, Lock, FORMAT};

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The generation a run builds on, and `padan explain` reads: the complete generation
/// `current` links to; None in a store with none yet.
///
/// A missing or dangling `current` (removed by hand, or its generation deleted) gives the
/// newest complete generation instead, with a warning naming it: a generation is named only
/// once every file in it is synced, so the newest is whole, while starting over would lose the
/// analysts' decisions and give every person a new id. A `current` that is not a link, or
/// links anywhere but to a generation folder of this store, is refused (exit 2) before
/// anything is written.
pub fn current(root: &Path, warnings: &mut Vec<String>) -> Result<Option<PathBuf>> {
    let link = root.join("current");
    let newest = generations(root).last().map(|&n| generation_dir(root, n));
    let mut taken = |why: String, dir: PathBuf| {
        warnings.push(format!(
            "{}: {why}; took the newest complete generation, {}, as current",
            link.display(),
            dir.display()
        ));
        Ok(Some(dir))
    };
    let target = match fs::symlink_metadata(&link) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return match newest {
                Some(dir) => taken("missing".into(), dir),
                None => Ok(None),
            }
        }
        Err(e) => return Err(Error::io(&link, e)),
        Ok(m) if !m.file_type().is_symlink() => {
            return Err(Error::Config(format!(
                "{}: exists and is not a link made by padan; move it away (padan then takes the newest complete generation as current) or choose another output folder",
                link.display()
            )))
        }
        Ok(_) => fs::read_link(&link).map_err(|e| Error::io(&link, e))?,
    };
    let Some(n) = generation_of(root, &target) else {
        return Err(Error::Config(format!(
            "{}: links to {}, which is not a generation folder of this register store; padan follows it only to {}/NNNNNN. Point it at the generation to build on, or remove it (padan then takes the newest complete generation)",
            link.display(),
            target.display(),
            root.join("generations").display()
        )));
    };
    let dir = generation_dir(root, n);
    if dir.is_dir() {
        return Ok(Some(dir));
    }
    match newest {
        Some(newest) => taken(format!("links to {}, which does not exist", target.display()), newest),
        None => Err(Error::Config(format!(
            "{}: links to {}, which does not exist, and the store holds no complete generation; restore the store's generations folder, or remove `current` to start a new register (every person then gets a new id)",
            link.display(),
            target.display()
        ))),
    }
}

/// The number of the generation `target` (a link's target, relative to `root`) names, when it
/// names a generation folder of the store at `root` (whether or not the folder exists).
fn generation_of(root: &Path, target: &Path) -> Option<u32> {
    let n = number(target.file_name()?.to_str()?)?;
    let parent = root.join(target.parent()?);
    let gens = root.join("generations");
    let same = parent == gens
        || matches!(
            (fs::canonicalize(&parent), fs::canonicalize(&gens)),
            (Ok(a), Ok(b)) if a == b
        );
    same.then_some(n)
}

fn generation_dir(root: &Path, n: u32) -> PathBuf {
    root.join("generations").join(format!("{n:06}"))
}

/// A complete generation's number, from its folder's name (six digits or more).
fn number(name: &str) -> Option<u32> {
    if name.len() < 6 || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    name.parse().ok()
}

/// The numbers of the complete generations in a store, ascending.
pub fn generations(root: &Path) -> Vec<u32> {
    let mut v: Vec<u32> = fs::read_dir(root.join("generations"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| number(e.file_name().to_str()?))
        .collect();
    v.sort_unstable();
    v
}

/// Removes what runs that did not finish left in the store: their partial generations, and
/// the links they were about to make `current`. Called right after the lock is taken, so that
/// a store whose disk filled up gets that space back before this run needs any; what was
/// removed, and the space freed, go in a warning.
pub fn remove_leftovers(root: &Path, warnings: &mut Vec<String>) -> Result<()> {
    let mut removed = Vec::new();
    let mut freed = 0;
    let gens = root.join("generations");
    for e in fs::read_dir(&gens).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".partial") {
            let path = e.path();
            freed += freed_by(&path);
            fs::remove_dir_all(&path).map_err(|err| Error::io(&path, err))?;
            removed.push(path.display().to_string());
        }
    }
    // A link left by a run killed while switching `current`.
    for e in fs::read_dir(root).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(".current.") && name.ends_with(".tmp") {
            let path = e.path();
            fs::remove_file(&path).map_err(|err| Error::io(&path, err))?;
            removed.push(path.display().to_string());
        }
    }
    if !removed.is_empty() {
        warnings.push(format!(
            "removed what a run that did not finish left in the store: {} ({} freed)",
            removed.join(", "),
            size(freed)
        ));
    }
    Ok(())
}

/// The bytes removing the folder `dir` frees: its files' sizes, but for files linked from
/// elsewhere too (a base shared with a complete generation).
fn freed_by(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => freed_by(&e.path()),
            Ok(m) if only_link(&m) => m.len(),
            _ => 0,
        })
        .sum()
}

#[cfg(unix)]
fn only_link(m: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    m.nlink() == 1
}

#[cfg(not(unix))]
fn only_link(_: &fs::Metadata) -> bool {
    true
}

fn size(bytes: u64) -> String {
    if bytes < 1_000_000 {
        format!("{bytes} bytes")
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// Removes complete generations older than the newest `keep` (the current one always stays).
pub fn prune(root: &Path, keep: usize) -> Result<Vec<u32>> {
    let all = generations(root);
    let drop_n = all.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for &n in &all[..drop_n] {
        let dir = generation_dir(root, n);
        fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        removed.push(n);
    }
    Ok(removed)
}

/// Writes `bytes` to `path` whole or not at all (`write_whole_with`).
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    write_whole_with(path, |f| f.write_all(bytes).map_err(|e| e.to_string()))
}

/// Writes `n` rows to the Parquet file `path` whole or not at all (`write_whole_with`), a
/// batch at a time (`batch(range)` makes the rows of `range`): a million records' encodings
/// never sit in memory at once. Uncompressed: what padan writes so is hashes and encodings.
pub fn write_parquet(
    path: &Path,
    n: usize,
    mut batch: impl FnMut(
        std::ops::Range<usize>,
    ) -> polars::prelude::PolarsResult<polars::prelude::DataFrame>,
) -> Result<()> {
    use polars::prelude::{ParquetCompression, ParquetWriter};
    const BATCH: usize = 1 << 16;
    write_whole_with(path, |f| {
        let first = batch(0..n.min(BATCH)).map_err(|e| e.to_string())?;
        let mut w = ParquetWriter::new(std::io::BufWriter::new(f))
            .with_compression(ParquetCompression::Uncompressed)
            .batched(first.schema())
            .map_err(|e| e.to_string())?;
        w.write_batch(&first).map_err(|e| e.to_string())?;
        for start in (BATCH..n).step_by(BATCH) {
            let df = batch(start..(start + BATCH).min(n)).map_err(|e| e.to_string())?;
            w.write_batch(&df).map_err(|e| e.to_string())?;
        }
        w.finish().map(|_| ()).map_err(|e| e.to_string())
    })
}

/// Writes `path` whole or not at all: `write` fills a temporary file beside it (mode 0600),
/// which is synced, then renamed over it; a failure (`write`'s message) removes it.
pub fn write_whole_with(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> std::result::Result<(), String>,
) -> Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    mkdir_private(folder)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = private()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(|e| e.to_string())
        .and_then(|mut f| {
            write(&mut f)?;
            f.sync_all().map_err(|e| e.to_string())
        });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(Error::Run(format!("{}: {e}", tmp.display())));
    }
    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    generation::sync_dir(folder)
}

/// Options that create a file readable and writable by its owner only.
fn private() -> OpenOptions {
    #[allow(unused_mut)]
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

fn mkdir_private(p: &Path) -> Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(p).map_err(|e| Error::io(p, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_newest_generations() {
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..4 {
            Generation::begin(dir.path()).unwrap().commit().unwrap();
        }
        assert_eq!(prune(dir.path(), 2).unwrap(), [1, 2]);
        assert_eq!(generations(dir.path()), [3, 4]);
        assert!(dir.path().join("current").exists());
    }

    #[test]
    fn a_real_folder_named_current_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("current")).unwrap();
        let err = current(dir.path(), &mut Vec::new()).err().unwrap();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("not a link"));
    }

    #[cfg(unix)]
    #[test]
    fn current_is_followed_only_to_a_generation_of_the_store() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        let mut warnings = Vec::new();
        assert_eq!(current(&root, &mut warnings).unwrap(), None, "a new store");
        for _ in 0..3 {
            Generation::begin(&root).unwrap().commit().unwrap();
        }
        let link = root.join("current");
        let found = |warnings: &mut Vec<String>| current(&root, warnings).unwrap().unwrap();
        assert_eq!(found(&mut warnings), root.join("generations/000003"));
        // Rolled back by hand, absolutely or relatively: followed.
        fs::remove_file(&link).unwrap();
        symlink(root.join("generations/000001"), &link).unwrap();
        assert_eq!(found(&mut warnings), root.join("generations/000001"));
        fs::remove_file(&link).unwrap();
        symlink("generations/../generations/000002", &link).unwrap();
        assert_eq!(found(&mut warnings), root.join("generations/000002"));
        assert!(warnings.is_empty(), "{warnings:?}");
        // Dangling: the newest, said.
        fs::remove_file(&link).unwrap();
        symlink("generations/000009", &link).unwrap();
        assert_eq!(found(&mut warnings), root.join("generations/000003"));
        assert!(warnings[0].contains("000009") && warnings[0].contains("000003"));
        // Another store's generation, a partial one, a folder outside: refused.
        let other = dir.path().join("other");
        Generation::begin(&other).unwrap().commit().unwrap();
        for target in [
            other.join("generations/000001"),
            "generations/.000004.partial".into(),
            "../other/generations/000001".into(),
            "/".into(),
        ] {
            fs::remove_file(&link).unwrap();
            symlink(&target, &link).unwrap();
            let err = current(&root, &mut warnings).err().unwrap();
            assert_eq!(err.exit_code(), 2, "{}", target.display());
        }
        // Dangling with no generation left: refused, never started over silently.
        fs::remove_dir_all(root.join("generations")).unwrap();
        fs::remove_file(&link).unwrap();
        symlink("generations/000003", &link).unwrap();
        let err = current(&root, &mut warnings).err().unwrap();
        assert!(err.to_string().contains("remove `current`"), "{err}");
    }
}
