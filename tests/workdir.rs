//! A temporary folder per test, and the built `padan` binary run inside it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Asserts equality and prints both sides in full when they differ.
#[macro_export]
macro_rules! eqnice {
    ($expected:expr, $got:expr) => {{
        let (e, g) = (&$expected, &$got);
        if e != g {
            panic!("\n--- expected ---\n{:#?}\n--- got ---\n{:#?}\n", e, g);
        }
    }};
}

pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::Builder::new()
                .prefix("padan-test-")
                .tempdir()
                .unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// Writes a file (bytes as given).
    pub fn create(&self, name: &str, body: impl AsRef<[u8]>) {
        let p = self.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, body).unwrap();
    }

    /// Copies the bundled demo exports into `demo/`.
    pub fn demo(&self) -> PathBuf {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let dst = self.join("demo");
        std::fs::create_dir_all(&dst).unwrap();
        for e in std::fs::read_dir(src).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
            }
        }
        dst
    }

    /// `padan run` on the demo copy (`demo`) into the store `store`, with `extra` arguments.
    pub fn demo_run(&self, extra: &[&str]) -> Command {
        let mut c = self.command("run");
        c.args(["--config", "demo/padan.toml", "--out", "store"])
            .args(extra);
        c
    }

    pub fn command(&self, sub: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_padan"));
        c.current_dir(self.path()).arg(sub);
        c
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.join(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
    }
}

/// Runs a command that must succeed; returns its stdout.
pub fn run_ok(c: &mut Command) -> String {
    let o = c.output().unwrap();
    if !o.status.success() {
        panic!(
            "command failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    String::from_utf8(o.stdout).unwrap()
}

/// Runs a command that must fail with `code`; returns its output.
pub fn run_err(c: &mut Command, code: i32) -> Output {
    let o = c.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Reads a CSV file into rows of named columns.
pub fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            h.iter()
                .zip(rec.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}
