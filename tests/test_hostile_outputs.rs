//! Outputs made safe against hostile inputs: CSV cells a spreadsheet would run as formulas.

use std::collections::HashSet;

use crate::workdir::{run_ok, Workdir};

/// A source whose name a spreadsheet would run (`-jkm`: the name is valid, and it is in every
/// file). Every candidate pair lands in review (nothing is a match), so `review.csv` shows the
/// hostile records side by side.
const TOML: &str = r#"
[[source]]
name = "-jkm"
path = "jkm.csv"
id = "ref"
dates = ["%Y-%m-%d"]
[source.columns]
full_name = "name"
ic = "ic"
address = "address"
dob = "dob"
[score]
model = "fixed"
match_threshold = 100.0
review_threshold = -100.0
pairs_floor = -200.0
"#;

/// Record ids, names and addresses beginning with each trigger, after a tab, and with the
/// quote that marks a neutralised cell; two rows ragged (rejected), one starting with a tab.
const EXPORT: &str = "ref,name,ic,address,dob\n\
=R1,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",850312145567,\"+CMD|' /C calc'!A0\",1985-03-12\n\
+R2,+AHMAD BIN ALI,850312145567,@SUM(1+1),1985-03-12\n\
-R3,-SITI BINTI ABU,900101105234,-2+3,1990-01-01\n\
@R4,@SITI BINTI ABU,900101105234,=1+1,1990-01-01\n\
\t-R5,\t=TAN AH KOW,780505086611,\t+JALAN 1,1978-05-05\n\
'R7,'LIM AH KOW,780505086611,JALAN 2,1978-05-05\n\
=R9,=BAD\n\
\t@R6,X\n";

/// The record ids as padan reads them (cells trimmed).
const IDS: [&str; 6] = ["=R1", "+R2", "-R3", "@R4", "-R5", "'R7"];

/// A CSV file's cells, header included.
fn cells(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The cells of `path` a spreadsheet would take for a formula (a plain number is none).
fn formulas(path: &std::path::Path) -> Vec<String> {
    let number = |c: &str| {
        let d = c.trim_start_matches(['-', '+']);
        !d.is_empty() && d.chars().all(|ch| ch.is_ascii_digit() || ch == '.')
    };
    cells(path)
        .into_iter()
        .flatten()
        .filter(|c| {
            c.trim_start_matches(' ')
                .starts_with(['=', '+', '-', '@', '\t', '\r'])
        })
        .filter(|c| !number(c))
        .collect()
}

/// The column `name` of a CSV file.
fn column(path: &std::path::Path, name: &str) -> Vec<String> {
    let rows = cells(path);
    let k = rows[0].iter().position(|h| h == name).unwrap();
    rows[1..].iter().map(|r| r[k].clone()).collect()
}

/// The text column `name` of a parquet file.
fn parquet_column(path: &std::path::Path, name: &str) -> Vec<String> {
    use polars::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap();
    let values = df.column(name).unwrap().str().unwrap();
    values.iter().map(|v| v.unwrap().to_string()).collect()
}

#[test]
fn formula_cells_are_quoted_in_every_csv_and_read_back_raw() {
    let wd = Workdir::new();
    wd.create("jkm.csv", EXPORT);
    wd.create("padan.toml", TOML);
    let run = |extra: &[&str]| {
        let o = wd
            .command("run")
            .args(["--config", "padan.toml", "--out", "store"])
            .args(extra)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(o.status.success(), "{err}");
        err
    };
    run(&[]);
    let cur = wd.join("store/current");
    for f in ["crosswalk.csv", "review.csv", "rejects.csv", "register.csv"] {
        assert_eq!(formulas(&cur.join(f)), Vec::<String>::new(), "{f}");
    }
    // Each cell that began with a trigger (or a quote) begins with one quote more.
    let quoted = |v: &[&str]| v.iter().map(|s| format!("'{s}")).collect::<HashSet<_>>();
    let crosswalk = column(&cur.join("crosswalk.csv"), "record_id");
    assert_eq!(crosswalk.into_iter().collect::<HashSet<_>>(), quoted(&IDS));
    assert_eq!(column(&cur.join("crosswalk.csv"), "source"), ["'-jkm"; 6]);
    let rejects = cells(&cur.join("rejects.csv"));
    let rows: Vec<[&str; 3]> = rejects[1..]
        .iter()
        .map(|r| [r[0].as_str(), r[2].as_str(), r[4].as_str()])
        .collect();
    assert_eq!(
        rows,
        [
            ["'-jkm", "'=R9", "'=R9,=BAD"],
            ["'-jkm", "'@R6", "'\t@R6,X"]
        ]
    );
    let review = cells(&cur.join("review.csv"));
    assert!(review.len() > 1, "pairs in review");
    let shown: HashSet<&str> = review[1..].iter().flatten().map(String::as_str).collect();
    for cell in [
        "'-jkm",
        "'=R1",
        "'+R2",
        "'=HYPERLINK(\"http://x\",\"y\")",
        "'+CMD|' /C calc'!A0",
        "'@SUM(1+1)",
    ] {
        assert!(shown.contains(cell), "{cell} not in review.csv");
    }
    // The register: quoted in the CSV, as it came in the parquet file.
    assert_eq!(column(&cur.join("register.csv"), "sources"), ["'-jkm"; 6]);
    let sources = parquet_column(&cur.join("register.parquet"), "sources");
    assert_eq!(sources, ["-jkm"; 6]);

    // `padan eval` reads the crosswalk's ids back as they came.
    let mut truth = csv::Writer::from_path(wd.join("truth.csv")).unwrap();
    truth
        .write_record(["source", "record_id", "person_id"])
        .unwrap();
    for (k, &id) in IDS.iter().enumerate() {
        let person = format!("T{}", k / 2);
        truth.write_record(["-jkm", id, person.as_str()]).unwrap();
    }
    truth.flush().unwrap();
    let out = run_ok(wd.command("eval").args([
        "--truth",
        "truth.csv",
        "--crosswalk",
        "store/current/crosswalk.csv",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["records_compared"], IDS.len());
    assert_eq!(v["missing_from_truth"], 0);

    // The analyst decides every pair in review.csv and hands it back: the ids are found.
    let text = std::fs::read_to_string(cur.join("review.csv")).unwrap();
    let mut lines = text.lines();
    let mut decided = format!("{}\n", lines.next().unwrap());
    let mut pairs = 0;
    for l in lines {
        decided += &format!("{l}same\n");
        pairs += 1;
    }
    wd.create("decided.csv", decided);
    let err = run(&["--decisions", "decided.csv"]);
    assert!(!err.contains("no record"), "{err}");
    let summary = |wd: &Workdir| -> serde_json::Value {
        serde_json::from_str(&wd.read("store/current/summary.json")).unwrap()
    };
    assert_eq!(summary(&wd)["decisions"]["applied_same"], pairs);
    // The store keeps them quoted, and the next run reads them back.
    let stored = cur.join("decisions.csv");
    assert_eq!(formulas(&stored), Vec::<String>::new());
    assert!(cells(&stored).iter().flatten().any(|c| c == "'=R1"));
    run(&[]);
    assert_eq!(summary(&wd)["decisions"]["applied_same"], pairs);
    assert_eq!(summary(&wd)["decisions"]["kept_not_applied"], 0);
    // Without the link state a run reads the previous persons from `crosswalk.csv`: every
    // record is found again, so every person keeps its id.
    std::fs::remove_file(cur.join("link.bin")).unwrap();
    let before = column(&cur.join("crosswalk.csv"), "person_id");
    run(&[]);
    assert_eq!(column(&cur.join("crosswalk.csv"), "person_id"), before);
    assert_eq!(cells(&cur.join("changes.csv")).len(), 1, "no change");

    // `padan explain` finds a record by its id as it came, or as padan's CSV files show it.
    for record in ["-jkm:=R1", "'-jkm:'=R1"] {
        // `=`: the source's name starts with `-`, as a flag's does.
        let out = run_ok(wd.command("explain").args([
            "--out",
            "store",
            &format!("--record={record}"),
            "--json",
        ]));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(v["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["record_id"] == "=R1"));
    }
    let o = crate::workdir::run_err(
        wd.command("explain")
            .args(["--out", "store", "--record='-jkm:'=R9"]),
        2,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("rejected") && err.contains("rejects.csv"),
        "{err}"
    );
}
