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
        f.sync_all().map_err(|e| Error::io(&path, e))
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

    /// Makes the generation complete and current. Returns its folder.
    pub fn commit(self) -> Result<PathBuf> {
        sync_dir(&self.partial)?;
        let done = self.final_dir();
        fs::rename(&self.partial, &done).map_err(|e| Error::io(&done, e))?;
        let gens = self.root.join("generations");
        sync_dir(&gens)?;
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
    fn a_real_folder_named_current_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("current")).unwrap();
        let err = Generation::begin(dir.path()).err().unwrap();
        assert!(err.to_string().contains("not a link"));
    }
}
