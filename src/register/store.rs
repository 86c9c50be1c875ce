//! The register store: numbered generations and an atomically switched `current`.
//!
//! Layout: `DIR/generations/NNNNNN/` holds one complete set of outputs; `DIR/current` is a
//! symbolic link to the newest complete one. A run writes into `DIR/generations/.NNNNNN.partial/`,
//! syncs every file, renames the folder to `NNNNNN`, then replaces `current` by renaming a new
//! link over it. A run killed at any point leaves `current` pointing at the previous complete
//! generation; leftover `.partial` folders are removed by the next run.
//! Files are created readable and writable by their owner only (0600), folders 0700.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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
    let file = OpenOptions::new()
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
    match fs::read_to_string(&marker) {
        Ok(text) => {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            if v["format"].as_u64() != Some(FORMAT as u64) {
                return Err(Error::Config(format!(
                    "{}: this register store has format {} but padan {} reads format {FORMAT}; use another output folder or the padan version that wrote it",
                    marker.display(),
                    v["format"],
                    env!("CARGO_PKG_VERSION")
                )));
            }
        }
        Err(_) => {
            let text = serde_json::json!({
                "format": FORMAT,
                "written_by": format!("padan {}", env!("CARGO_PKG_VERSION")),
            })
            .to_string();
            let tmp = root.join(".padan-store.json.tmp");
            fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
            fs::rename(&tmp, &marker).map_err(|e| Error::io(&marker, e))?;
        }
    }
    Ok(Lock { _file: file })
}

/// Removes complete generations older than the newest `keep` (the current one always stays).
pub fn prune(root: &Path, keep: usize) -> Result<Vec<u32>> {
    let all = generations(root);
    let drop_n = all.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for &n in &all[..drop_n] {
        let dir = root.join("generations").join(format!("{n:06}"));
        fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        removed.push(n);
    }
    Ok(removed)
}

/// Fault injection for the crash-safety tests: when `PADAN_CRASH_AFTER` names this point (an
/// output file's name, `rename` or `switch`), the process aborts there, as a power cut or a
/// `kill -9` would stop it.
fn crash_point(name: &str) {
    if std::env::var_os("PADAN_CRASH_AFTER").is_some_and(|v| v == name) {
        std::process::abort();
    }
}

/// Gives the unnamed open `file` the name `to` (Linux: `linkat` of its `/proc/self/fd` entry,
/// proc(5)); false when that cannot be done.
#[cfg(target_os = "linux")]
fn link_unnamed(file: &File, to: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::AsRawFd;
    let from = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd())).expect("no NUL");
    let Ok(to) = CString::new(to.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let r = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    r == 0
}

#[cfg(not(target_os = "linux"))]
fn link_unnamed(_file: &File, _to: &Path) -> bool {
    false
}

/// A generation being written.
pub struct Generation {
    root: PathBuf,
    number: u32,
    partial: PathBuf,
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

fn sync_dir(p: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(p)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(p, e))?;
    Ok(())
}

/// The numbers of the complete generations in a store, ascending.
pub fn generations(root: &Path) -> Vec<u32> {
    let mut v: Vec<u32> = fs::read_dir(root.join("generations"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    v.sort_unstable();
    v
}

/// A file inside a generation, synced to disk when finished.
pub struct OutFile {
    path: PathBuf,
    w: BufWriter<File>,
}

impl OutFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes and syncs the file.
    pub fn finish(self) -> Result<()> {
        let path = self.path;
        let f = self
            .w
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        f.sync_all().map_err(|e| Error::io(&path, e))?;
        crash_point(path.file_name().and_then(|n| n.to_str()).unwrap_or(""));
        Ok(())
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.w.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

impl Generation {
    /// Starts a new generation in the store at `root` (created if needed).
    pub fn begin(root: &Path) -> Result<Generation> {
        let gens = root.join("generations");
        mkdir_private(&gens)?;
        let current = root.join("current");
        if let Ok(m) = fs::symlink_metadata(&current) {
            if !m.file_type().is_symlink() {
                return Err(Error::Run(format!(
                    "{}: exists and is not a link made by padan; move it away or choose another output folder",
                    current.display()
                )));
            }
        }
        for e in fs::read_dir(&gens)
            .map_err(|e| Error::io(&gens, e))?
            .flatten()
        {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.ends_with(".partial") {
                fs::remove_dir_all(e.path()).map_err(|err| Error::io(&e.path(), err))?;
            }
        }
        // A link left by a run killed while switching `current`.
        for e in fs::read_dir(root)
            .map_err(|e| Error::io(root, e))?
            .flatten()
        {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".current.") && name.ends_with(".tmp") {
                let _ = fs::remove_file(e.path());
            }
        }
        let number = generations(root).last().map_or(1, |n| n + 1);
        let partial = gens.join(format!(".{number:06}.partial"));
        mkdir_private(&partial)?;
        Ok(Generation {
            root: root.to_path_buf(),
            number,
            partial,
        })
    }

    pub fn number(&self) -> u32 {
        self.number
    }

    /// The folder the generation will have once committed.
    pub fn final_dir(&self) -> PathBuf {
        self.root
            .join("generations")
            .join(format!("{:06}", self.number))
    }

    /// Creates an output file (mode 0600) in the generation.
    pub fn create(&self, name: &str) -> Result<OutFile> {
        let path = self.partial.join(name);
        let mut o = OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let f = o.open(&path).map_err(|e| Error::io(&path, e))?;
        Ok(OutFile {
            path,
            w: BufWriter::with_capacity(1 << 16, f),
        })
    }

    /// Puts `file`, a finished file with no name (`tempfile::tempfile_in` in the store folder),
    /// into the generation as `name`, synced. On Linux it is linked in place; where that cannot
    /// be done (another system, or a file that once had a name) its bytes `data` are copied.
    pub fn adopt(&self, name: &str, file: &File, data: &[u8]) -> Result<()> {
        let path = self.partial.join(name);
        // Readable by its owner only, as every file of a generation.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(|e| Error::io(&path, e))?;
        }
        file.sync_all().map_err(|e| Error::io(&path, e))?;
        if !link_unnamed(file, &path) {
            let mut f = self.create(name)?;
            f.write_all(data).map_err(|e| Error::io(&path, e))?;
            return f.finish();
        }
        crash_point(name);
        Ok(())
    }

    /// Puts the file `from` (an earlier generation's, written once and never changed) into the
    /// generation as `name` too: a hard link, so both generations share one copy; where one
    /// cannot be made, a copy, synced.
    pub fn link(&self, name: &str, from: &Path) -> Result<()> {
        let path = self.partial.join(name);
        if fs::hard_link(from, &path).is_err() {
            let mut f = self.create(name)?;
            let mut r = File::open(from).map_err(|e| Error::io(from, e))?;
            std::io::copy(&mut r, &mut f).map_err(|e| Error::io(&path, e))?;
            return f.finish();
        }
        crash_point(name);
        Ok(())
    }

    /// Makes the generation complete and current. Returns its folder.
    pub fn commit(self) -> Result<PathBuf> {
        sync_dir(&self.partial)?;
        let done = self.final_dir();
        fs::rename(&self.partial, &done).map_err(|e| Error::io(&done, e))?;
        let gens = self.root.join("generations");
        sync_dir(&gens)?;
        crash_point("rename");
        let link_tmp = self
            .root
            .join(format!(".current.{}.tmp", std::process::id()));
        let _ = fs::remove_file(&link_tmp);
        let target = Path::new("generations").join(format!("{:06}", self.number));
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, &link_tmp).map_err(|e| Error::io(&link_tmp, e))?;
        #[cfg(not(unix))]
        return Err(Error::Run(
            "the register store needs a Unix file system".into(),
        ));
        let current = self.root.join("current");
        fs::rename(&link_tmp, &current).map_err(|e| Error::io(&current, e))?;
        sync_dir(&self.root)?;
        crash_point("switch");
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_are_numbered_and_current_moves_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        let g1 = Generation::begin(&root).unwrap();
        let mut f = g1.create("a.txt").unwrap();
        f.write_all(b"one").unwrap();
        f.finish().unwrap();
        assert!(
            !root.join("current").exists(),
            "nothing is current before commit"
        );
        g1.commit().unwrap();
        assert_eq!(
            fs::read_to_string(root.join("current/a.txt")).unwrap(),
            "one"
        );

        // A second generation abandoned half-way leaves the first current.
        let g2 = Generation::begin(&root).unwrap();
        assert_eq!(g2.number(), 2);
        let mut f = g2.create("a.txt").unwrap();
        f.write_all(b"two").unwrap();
        drop(f);
        drop(g2);
        assert_eq!(
            fs::read_to_string(root.join("current/a.txt")).unwrap(),
            "one"
        );

        // The next run cleans the partial folder up and commits as number 2.
        let g3 = Generation::begin(&root).unwrap();
        assert_eq!(g3.number(), 2);
        g3.create("a.txt").unwrap().finish().unwrap();
        g3.commit().unwrap();
        assert_eq!(fs::read_to_string(root.join("current/a.txt")).unwrap(), "");
        assert_eq!(generations(&root), [1, 2]);
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::begin(dir.path()).unwrap();
        let f = g.create("x.csv").unwrap();
        let p = f.path().to_path_buf();
        f.finish().unwrap();
        assert_eq!(fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o600);
    }

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
        let err = Generation::begin(dir.path()).err().unwrap();
        assert!(err.to_string().contains("not a link"));
    }
}
