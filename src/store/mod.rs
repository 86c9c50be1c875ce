//! The register store: numbered generations, an atomically switched `current`, the lock, and
//! what a generation keeps for the next run (`link` for `link.bin`, `stored` for
//! `normalised.bin` and `forms.bin`). The store knows the stages' types; no
//! stage knows the store (docs/store.md).
//!
//! Layout: `DIR/generations/NNNNNN/` holds one complete set of outputs; `DIR/current` is a
//! symbolic link to the newest complete one. A run writes into `DIR/generations/.NNNNNN.partial/`,
//! syncs every file, renames the folder to `NNNNNN`, then replaces `current` by renaming a new
//! link over it. A run killed at any point leaves `current` pointing at the previous complete
//! generation; a run that fails removes its `.partial` folder, and one killed leaves it to the
//! next run, which removes it before it needs any space (`remove_leftovers`).
//! Files are created readable and writable by their owner only (0600), folders 0700.

pub mod fingerprint;
pub mod link;
pub mod stored;

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::register::ids::Previous;
use crate::spreadsheet::raw_cell;

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

/// A generation being written. Dropped uncommitted (its run failed), it removes its partial
/// folder, so that a run that ran out of space gives the space back.
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
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| number(e.file_name().to_str()?))
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

/// The previous persons from a generation's `crosswalk.csv` and `register.csv` (their cells as
/// `spreadsheet::safe_cell` wrote them), for a generation whose link state cannot be used;
/// `None` if it has no crosswalk.
pub fn previous_persons(dir: &Path) -> Result<Option<Previous>> {
    let cw = dir.join("crosswalk.csv");
    if !cw.is_file() {
        return Ok(None);
    }
    let bad = |p: &Path, e: String| {
        Error::Run(format!(
            "{}: cannot read the previous generation: {e}",
            p.display()
        ))
    };
    let mut prev = Previous::default();
    let mut r = csv::Reader::from_path(&cw).map_err(|e| bad(&cw, e.to_string()))?;
    let mut row = csv::StringRecord::new();
    while r
        .read_record(&mut row)
        .map_err(|e| bad(&cw, e.to_string()))?
    {
        prev.add(raw_cell(&row[0]), raw_cell(&row[1]), raw_cell(&row[2]));
    }
    let reg = dir.join("register.csv");
    if let Ok(mut r) = csv::Reader::from_path(&reg) {
        let h = r.headers().map_err(|e| bad(&reg, e.to_string()))?.clone();
        let (pid, first) = (
            h.iter().position(|c| c == "person_id"),
            h.iter().position(|c| c == "first_generation"),
        );
        if let (Some(pid), Some(first)) = (pid, first) {
            while r
                .read_record(&mut row)
                .map_err(|e| bad(&reg, e.to_string()))?
            {
                prev.set_first_generation_of_known(
                    raw_cell(&row[pid]),
                    row[first].parse().unwrap_or(0),
                );
            }
        }
    }
    Ok(Some(prev))
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
