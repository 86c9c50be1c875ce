//! A generation being written: its files, created private and synced when finished, and its
//! commit, which names the folder and switches `current` to it. The fault points the
//! crash-safety and full-disk tests use live here, where the files are finished, and so does
//! `disk_full`, which says a full disk plainly.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{generation_dir, generations, mkdir_private, private};
use crate::error::{Error, Result};

/// A generation being written. Dropped uncommitted (its run failed), it removes its partial
/// folder, so that a run that ran out of space gives the space back.
pub struct Generation {
    root: PathBuf,
    number: u32,
    partial: PathBuf,
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
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        fail_point(name, &path)?;
        crash_point(name);
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
    /// Starts a new generation in the store at `root` (created if needed), whose lock the caller
    /// holds and whose leftovers it has removed (`remove_leftovers`).
    pub fn begin(root: &Path) -> Result<Generation> {
        let gens = root.join("generations");
        mkdir_private(&gens)?;
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
        generation_dir(&self.root, self.number)
    }

    /// Creates an output file (mode 0600) in the generation.
    pub fn create(&self, name: &str) -> Result<OutFile> {
        let path = self.partial.join(name);
        let f = private()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
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
        fail_point(name, &path)?;
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

impl Drop for Generation {
    fn drop(&mut self) {
        // Committed, the folder has its final name and this finds nothing to remove.
        let _ = fs::remove_dir_all(&self.partial);
    }
}

pub(super) fn sync_dir(p: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(p)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(p, e))?;
    Ok(())
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

/// Fault injection for the crash-safety tests: when `PADAN_CRASH_AFTER` names this point (an
/// output file's name, `rename` or `switch`), the process aborts there, as a power cut or a
/// `kill -9` would stop it.
fn crash_point(name: &str) {
    if std::env::var_os("PADAN_CRASH_AFTER").is_some_and(|v| v == name) {
        std::process::abort();
    }
}

/// Fault injection for the full-disk tests: when `PADAN_FAIL_AFTER` names this output file,
/// finishing it fails as on a full disk.
fn fail_point(name: &str, path: &Path) -> Result<()> {
    if std::env::var_os("PADAN_FAIL_AFTER").is_some_and(|v| v == name) {
        return Err(Error::io(path, no_space()));
    }
    Ok(())
}

/// The error a write gets when the disk is full.
#[cfg(target_os = "linux")]
fn no_space() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOSPC)
}

#[cfg(not(target_os = "linux"))]
fn no_space() -> io::Error {
    io::ErrorKind::StorageFull.into()
}

/// `e` said plainly when it comes from a full disk (or a used-up quota): the disk of the
/// store at `root` is full, the previous register is still current, and what to do.
pub fn disk_full(root: &Path, e: Error) -> Error {
    let full = match &e {
        Error::Io { source, .. } => matches!(
            source.kind(),
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
        ),
        // The csv and parquet writers hand the system's error on as text.
        Error::Run(text) => text.contains(&no_space().to_string()),
        Error::Config(_) => false,
    };
    if !full {
        return e;
    }
    Error::Run(format!(
        "{}: the disk holding the register store is full ({e}); the previous register is still current and nothing this run wrote was kept. Free space on that disk, or lower [run] keep, and run again",
        root.display()
    ))
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

        // The abandoned generation took its folder with it: the next commits as number 2.
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
    fn a_failed_generation_removes_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::begin(dir.path()).unwrap();
        g.create("a.csv").unwrap().finish().unwrap();
        let partial = dir.path().join("generations/.000001.partial");
        assert!(partial.is_dir());
        drop(g);
        assert!(!partial.exists());
        assert!(generations(dir.path()).is_empty());
    }

    #[test]
    fn a_full_disk_is_named_as_such_whoever_reports_it() {
        let root = Path::new("/srv/register");
        let io = Error::io(Path::new("/srv/register/x"), no_space());
        let csv = Error::Run(format!("writing review.csv: {}", no_space()));
        for e in [io, csv] {
            let said = disk_full(root, e).to_string();
            assert!(said.starts_with("/srv/register: the disk"), "{said}");
            assert!(said.contains("is full"), "{said}");
        }
        let other = Error::io(root, io::ErrorKind::PermissionDenied.into());
        assert!(!disk_full(root, other).to_string().contains("full"));
    }
}
