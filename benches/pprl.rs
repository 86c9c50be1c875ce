//! Privacy-preserving linkage against plaintext and against anonlink: `cargo bench --bench pprl`.
//!
//! 1. A synthetic registry of `PADAN_PPRL_PEOPLE` people (default 100,000; `padan synth`
//!    defaults), each agency's exports encoded on their own (`padan encode`), linked by an
//!    encoded run, and the same exports linked in plaintext. One JSON line: both runs' pairwise
//!    precision, recall and F1, the seconds encoding took (all agencies, one after another),
//!    linking the encodings took, and the plaintext run took, and the ratio of encoding and
//!    linking to the plaintext run.
//! 2. FEBRL4 (`PADAN_FEBRL_DIR`, default `../shared/data/febrl`), A and B encoded separately:
//!    padan's encoded F1, with the identifier (`soc_sec_id` as `ic`) and without it (what the
//!    anonlink schema uses), beside anonlink with clkhash as clkhash's tutorial links it
//!    (`benches/pprl/anonlink_febrl4.py`, in a Python virtual environment the bench makes in
//!    `target/pprl-venv` and fills from the package index). Skipped, saying so, when the data,
//!    Python or the packages cannot be had.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn padan(exe: &str, args: &[&str]) -> f64 {
    let t = Instant::now();
    let out = Command::new(exe).args(args).output().expect("padan runs");
    assert!(
        out.status.success(),
        "padan {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.elapsed().as_secs_f64()
}

fn scores(truth: &Path, crosswalk: &Path) -> padan::eval::Scores {
    let truth = padan::eval::read_assignment(truth).expect("truth");
    let pred = padan::eval::read_assignment(crosswalk).expect("crosswalk");
    padan::eval::score(&truth, &pred)
}

/// Writes one configuration per source of `config` (`agency-NAME.toml`, beside it) and the
/// linking unit's (`unit.toml`, reading `NAME.parquet`); returns the source names.
fn split(config: &Path) -> Vec<String> {
    let dir = config.parent().expect("a folder");
    let text = std::fs::read_to_string(config).expect("the configuration");
    let mut unit = String::new();
    let mut names = Vec::new();
    for block in text.split("[[source]]").skip(1) {
        let name = block
            .split("name = \"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("a source name")
            .to_string();
        std::fs::write(
            dir.join(format!("agency-{name}.toml")),
            format!("[[source]]{block}"),
        )
        .unwrap();
        unit.push_str(&format!(
            "[[source]]\nname = \"{name}\"\npath = \"{name}.parquet\"\nformat = \"encoded\"\n\n"
        ));
        names.push(name);
    }
    std::fs::write(dir.join("unit.toml"), unit).unwrap();
    names
}

/// Encodes every agency of `dir` (after `split`), links the encodings; returns the seconds
/// encoding took and linking took.
fn encode_and_link(exe: &str, dir: &Path, names: &[String]) -> (f64, f64) {
    let key = dir.join("key");
    std::fs::write(&key, "the agencies' shared secret, for this bench only\n").unwrap();
    let d = |p: &str| dir.join(p).display().to_string();
    let encoding: f64 = names
        .iter()
        .map(|n| {
            padan(
                exe,
                &[
                    "encode",
                    "--config",
                    &d(&format!("agency-{n}.toml")),
                    "--secret-file",
                    &key.display().to_string(),
                    "--out",
                    &d(&format!("{n}.parquet")),
                ],
            )
        })
        .sum();
    let linking = padan(
        exe,
        &["run", "--config", &d("unit.toml"), "--out", &d("enc")],
    );
    (encoding, linking)
}

fn synthetic(exe: &str, work: &Path) {
    let people = std::env::var("PADAN_PPRL_PEOPLE").unwrap_or_else(|_| "100000".into());
    let dir = work.join("synth");
    let d = dir.display().to_string();
    padan(
        exe,
        &["synth", "--people", &people, "--seed", "29", "--out", &d],
    );
    let names = split(&dir.join("padan.toml"));
    let (encoding, linking) = encode_and_link(exe, &dir, &names);
    let plain = padan(
        exe,
        &[
            "run",
            "--config",
            &format!("{d}/padan.toml"),
            "--out",
            &format!("{d}/plain"),
        ],
    );
    let truth = dir.join("truth.csv");
    let (e, p) = (
        scores(&truth, &dir.join("enc/current/crosswalk.csv")),
        scores(&truth, &dir.join("plain/current/crosswalk.csv")),
    );
    println!(
        "{}",
        serde_json::json!({
            "bench": "pprl_synth", "people": people, "records": e.records_compared,
            "encoded_pairwise_precision": e.pairwise_precision,
            "encoded_pairwise_recall": e.pairwise_recall,
            "encoded_pairwise_f1": e.pairwise_f1,
            "plaintext_pairwise_precision": p.pairwise_precision,
            "plaintext_pairwise_recall": p.pairwise_recall,
            "plaintext_pairwise_f1": p.pairwise_f1,
            "encode_seconds": encoding, "encoded_link_seconds": linking,
            "plaintext_seconds": plain,
            "encoded_over_plaintext": (encoding + linking) / plain,
        })
    );
}

/// FEBRL4's A and B as two agencies' exports in `dir`, with or without the identifier column.
fn febrl4(flat: &Path, dir: &Path, with_id: bool) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    let text = std::fs::read_to_string(flat).expect("flat.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let id = header.iter().position(|c| *c == "ic");
    let keep = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 0 && (with_id || Some(*i) != id))
            .map(|(_, c)| *c)
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut config = String::new();
    let mut names = Vec::new();
    for s in ["A", "B"] {
        let mut out = keep(header.clone()) + "\n";
        // FEBRL has no quoted fields.
        for l in text
            .lines()
            .skip(1)
            .filter(|l| l.starts_with(&format!("{s},")))
        {
            out.push_str(&keep(l.split(',').collect()));
            out.push('\n');
        }
        std::fs::write(dir.join(format!("{s}.csv")), out).unwrap();
        config.push_str(&format!(
            "[[source]]\nname = \"{s}\"\npath = \"{s}.csv\"\n\n"
        ));
        names.push(s.to_string());
    }
    std::fs::write(dir.join("padan.toml"), config).unwrap();
    split(&dir.join("padan.toml"))
}

/// anonlink's line, or why there is none.
fn anonlink() -> Result<serde_json::Value, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join("target/pprl-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .map_err(|e| format!("no python3 ({e})"))?;
        if !made.success() {
            return Err("python3 -m venv failed".into());
        }
    }
    let pip = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "anonlink",
            "clkhash",
            "recordlinkage",
            "pandas",
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !pip.status.success() {
        return Err(format!(
            "pip could not install anonlink, clkhash and recordlinkage: {}",
            String::from_utf8_lossy(&pip.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    let out = Command::new(&python)
        .arg(root.join("benches/pprl/anonlink_febrl4.py"))
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

fn febrl(exe: &str, work: &Path) {
    let dir = PathBuf::from(
        std::env::var("PADAN_FEBRL_DIR").unwrap_or_else(|_| "../shared/data/febrl".into()),
    );
    let flat = dir.join("febrl4/flat.csv");
    if !flat.is_file() {
        eprintln!(
            "SKIPPED the FEBRL4 comparison: no {} (set PADAN_FEBRL_DIR)",
            flat.display()
        );
        return;
    }
    let truth = dir.join("febrl4/truth.csv");
    let mut line = serde_json::json!({"bench": "pprl_febrl4"});
    for (with_id, key) in [(true, "padan_encoded"), (false, "padan_encoded_without_id")] {
        let d = work.join(format!("febrl4-{with_id}"));
        let names = febrl4(&flat, &d, with_id);
        encode_and_link(exe, &d, &names);
        let s = scores(&truth, &d.join("enc/current/crosswalk.csv"));
        line[format!("{key}_pairwise_precision")] = s.pairwise_precision.into();
        line[format!("{key}_pairwise_recall")] = s.pairwise_recall.into();
        line[format!("{key}_pairwise_f1")] = s.pairwise_f1.into();
    }
    match anonlink() {
        Ok(a) => {
            for k in [
                "pairwise_precision",
                "pairwise_recall",
                "pairwise_f1",
                "anonlink",
            ] {
                line[format!("anonlink_{k}")] = a[k].clone();
            }
        }
        Err(why) => eprintln!("SKIPPED anonlink on FEBRL4: {why}"),
    }
    println!("{line}");
}

fn main() {
    let exe =
        std::env::var("PADAN_BENCH_EXE").unwrap_or_else(|_| env!("CARGO_BIN_EXE_padan").into());
    let work = tempfile::tempdir().expect("a temporary folder");
    febrl(&exe, work.path());
    synthetic(&exe, work.path());
}
