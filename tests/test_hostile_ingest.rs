//! Damaged and hostile exports: every physical line is accounted for, and nothing personal
//! reaches stderr.

use std::collections::{BTreeMap, BTreeSet};

use crate::workdir::{csv_rows, run_err, run_ok, Workdir};

const HEADER: &str = "record_id,full_name,ic,dob,phone,address";

/// What a physical line of an export must become.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Line {
    Header,
    Blank,
    /// A record in `crosswalk.csv`, its id `L` and its line number.
    Record,
    /// A row of `rejects.csv` at its line number, its reason starting so.
    Reject(&'static str),
    /// A line inside a quoted field that started on an earlier line.
    Inside,
}

/// An export built line by line, each with what it must become.
struct Export {
    bytes: Vec<u8>,
    lines: Vec<Line>,
}

impl Export {
    fn new() -> Export {
        let mut e = Export {
            bytes: Vec::new(),
            lines: Vec::new(),
        };
        e.push(HEADER, "\n", Line::Header);
        e
    }

    /// The number the next line will have.
    fn next(&self) -> usize {
        self.lines.len() + 1
    }

    fn push(&mut self, text: impl AsRef<[u8]>, end: &str, line: Line) {
        self.bytes.extend_from_slice(text.as_ref());
        self.bytes.extend_from_slice(end.as_bytes());
        self.lines.push(line);
    }

    /// A good row, id `L<its line>`, ending with `end`.
    fn good(&mut self, end: &str) {
        let text = row(self.next());
        self.push(text, end, Line::Record);
    }

    fn goods(&mut self, n: usize) {
        for _ in 0..n {
            self.good("\n");
        }
    }
}

/// A plausible row for line `n`: name, IC, birth date, phone, address.
fn row(n: usize) -> String {
    const NAMES: [&str; 8] = [
        "ALI BIN ABU",
        "SITI AMINAH BINTI HASSAN",
        "TAN AH KOW",
        "MUTHU A/L RAMASAMY",
        "NUR AISYAH BINTI OMAR",
        "LIM MEI LING",
        "AHMAD FAUZI BIN YUSOF",
        "RAJESWARI A/P KUMAR",
    ];
    let (y, m, d) = (60 + n % 40, 1 + n % 12, 1 + n % 28);
    format!(
        "L{n},{} {n},{y:02}{m:02}{d:02}14{n:04},19{y:02}-{m:02}-{d:02},01{n:08},{n} JALAN MAWAR",
        NAMES[n % NAMES.len()]
    )
}

/// Runs `padan run` on `export` (with `run_extra` in the `[run]` table) and checks that each
/// line became what it must: every data line a record or a reject by its line number, nothing
/// else in either file, and `records_in` the number of data lines.
fn check(name: &str, export: &Export, run_extra: &str) {
    let wd = Workdir::new();
    wd.create("x.csv", &export.bytes);
    wd.create(
        "padan.toml",
        format!("[run]\n{run_extra}\n[[source]]\nname = \"x\"\npath = \"x.csv\"\n"),
    );
    run_ok(wd.command("run").args(["--config", "padan.toml"]));
    let crosswalk = csv_rows(&wd.join("out/current/crosswalk.csv"));
    let rejects = csv_rows(&wd.join("out/current/rejects.csv"));
    let s: serde_json::Value = serde_json::from_str(&wd.read("out/current/summary.json")).unwrap();

    // Each line's number, as padan put it in either file.
    let mut records = BTreeSet::new();
    for r in &crosswalk {
        let line = r["record_id"]
            .strip_prefix('L')
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("{name}: record id {:?} is no line's", r["record_id"]));
        assert!(records.insert(line), "{name}: line {line} twice");
    }
    let mut rejected = BTreeMap::new();
    for r in &rejects {
        let line: usize = r["row"].parse().unwrap();
        let old = rejected.insert(line, r["reason"].clone());
        assert!(old.is_none(), "{name}: line {line} rejected twice");
    }
    let mut data = 0;
    for (i, want) in export.lines.iter().enumerate() {
        let n = i + 1;
        let got = (records.remove(&n), rejected.remove(&n));
        match want {
            Line::Record => {
                data += 1;
                assert_eq!(got, (true, None), "{name}: line {n} should be a record");
            }
            Line::Reject(reason) => {
                data += 1;
                let why = got
                    .1
                    .unwrap_or_else(|| panic!("{name}: line {n} not rejected"));
                assert!(!got.0, "{name}: line {n} both a record and a reject");
                assert!(why.starts_with(reason), "{name}: line {n}: {why}");
            }
            Line::Header | Line::Blank | Line::Inside => {
                assert_eq!(got, (false, None), "{name}: line {n} is no row")
            }
        }
    }
    assert!(
        records.is_empty(),
        "{name}: records from no line: {records:?}"
    );
    assert!(
        rejected.is_empty(),
        "{name}: rejects of no line: {rejected:?}"
    );
    assert_eq!(s["records_in"], data, "{name}");
}

#[test]
fn every_physical_line_of_a_damaged_export_ends_in_crosswalk_or_rejects() {
    // A stray quote followed by more lines than a field may span; one closed a line below
    // into a row too wide; a legitimate address over three lines; a quote open at the end.
    let mut e = Export::new();
    e.goods(4);
    e.push(
        format!(
            "L{},\"UNTERMINATED NAME,850312145567,1985-03-12,0123456789,X",
            e.next()
        ),
        "\n",
        Line::Reject("unterminated quote"),
    );
    e.goods(40);
    e.push(
        format!("L{},\"STRAY NAME,900101011234,1990-01-01,0123,X", e.next()),
        "\n",
        Line::Reject("unterminated quote"),
    );
    e.push(
        format!(
            "L{},\"ALI \"\"BOB\"\" ABU\",850312145568,1985-03-12,012,X",
            e.next()
        ),
        "\n",
        Line::Record,
    );
    e.push(
        format!(
            "L{},SITI BINTI ALI,900202021234,1990-02-02,019,\"12 JALAN MAWAR",
            e.next()
        ),
        "\n",
        Line::Record,
    );
    e.push("TAMAN MELATI", "\r\n", Line::Inside);
    e.push("53100 KUALA LUMPUR\"", "\n", Line::Inside);
    e.goods(3);
    e.push(
        format!("L{},\"TRUNCATED", e.next()),
        "",
        Line::Reject("unterminated quote"),
    );
    check("stray quotes", &e, "");

    // LF, CRLF and lone CR line ends mixed, blank lines among them, a ragged row after them.
    let mut e = Export::new();
    for (i, end) in ["\n", "\r\n", "\r", "\r", "\n", "\r\n", "\r"]
        .iter()
        .cycle()
        .take(30)
        .enumerate()
    {
        if i % 7 == 3 {
            e.push("", end, Line::Blank);
        }
        e.good(end);
    }
    e.push(
        format!("L{},RAGGED", e.next()),
        "\r",
        Line::Reject("ragged row"),
    );
    e.goods(5);
    check("mixed line ends", &e, "");

    // NULs: in an id (rejected), in a name (kept), a line of NULs alone.
    let mut e = Export::new();
    e.goods(10);
    let n = e.next();
    e.push(
        row(n).replacen(',', "\0,", 1),
        "\n",
        Line::Reject("control character in record id"),
    );
    let n = e.next();
    e.push(row(n).replacen(" ", "\0 ", 1), "\n", Line::Record);
    e.push("\0\0\0", "\n", Line::Reject("ragged row"));
    e.goods(10);
    check("NULs", &e, "");

    // A truncated last line, without its line end.
    let mut e = Export::new();
    e.goods(20);
    e.push(
        format!("L{},ALI BIN A", e.next()),
        "",
        Line::Reject("ragged row"),
    );
    check("truncated last line", &e, "");

    // Two exports joined: the second's BOM and header in the middle.
    let mut e = Export::new();
    e.goods(15);
    e.push(
        format!("\u{FEFF}{HEADER}"),
        "\r\n",
        Line::Reject("repeated header line"),
    );
    e.goods(3);
    let n = e.next();
    e.push(format!("\u{FEFF}{}", row(n)), "\n", Line::Record);
    e.goods(10);
    e.push(HEADER, "\n", Line::Reject("repeated header line"));
    e.goods(3);
    check("BOM and header in the middle", &e, "");

    // Over-long fields: over the default limit, and under a configured one.
    let mut e = Export::new();
    e.goods(10);
    let long = "A".repeat(5000);
    let n = e.next();
    e.push(
        row(n).replace(" JALAN MAWAR", &format!(" JALAN {long}")),
        "\n",
        Line::Reject("field too long (column `address`)"),
    );
    let n = e.next();
    e.push(
        row(n).replacen(" ", &format!(" {}", &long[..900]), 1),
        "\n",
        Line::Record,
    );
    e.goods(10);
    check("over-long field", &e, "");
    e.lines[12] = Line::Reject("field too long (column `full_name`)");
    check("over-long field, limit 500", &e, "max_field_chars = 500");
}

#[test]
fn a_header_less_export_fails_without_showing_the_persons_in_it() {
    let wd = Workdir::new();
    let mut body = String::new();
    for n in 2..8 {
        body.push_str(&row(n));
        body.push('\n');
    }
    wd.create("x.csv", &body);
    wd.create("padan.toml", "[[source]]\nname = \"x\"\npath = \"x.csv\"\nid = \"ID\"\n[source.columns]\nfull_name = \"NAMA\"\nic = \"NO_KP\"\n");
    let o = run_err(wd.command("run").args(["--config", "padan.toml"]), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the first line looks like data, not a header"),
        "{err}"
    );
    assert!(err.contains("x.csv"), "{err}");
    // Neither the first row's name (any word of it), nor its IC, phone or address.
    let first = row(2);
    let cells: Vec<&str> = first.split(',').collect();
    let words = cells[1].split(' ').filter(|w| w.len() > 2);
    for whole in words.chain([cells[2], cells[4], "JALAN", "MAWAR"]) {
        assert!(!err.contains(whole), "{whole} in {err}");
    }
    assert!(!wd.join("out").exists());
}

#[test]
fn a_directory_given_as_a_source_is_named_as_one() {
    let wd = Workdir::new();
    std::fs::create_dir(wd.join("exports")).unwrap();
    wd.create(
        "padan.toml",
        "[[source]]\nname = \"jkm\"\npath = \"exports\"\n",
    );
    let o = run_err(wd.command("run").args(["--config", "padan.toml"]), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    for needle in ["jkm", "exports", "is a directory"] {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
    assert!(!err.contains("does not exist"), "{err}");
}

#[test]
fn a_column_named_twice_that_padan_reads_is_an_error_naming_both() {
    let wd = Workdir::new();
    wd.create("x.csv", format!("{HEADER},ic\n{},\n", row(2)));
    wd.create("padan.toml", "[[source]]\nname = \"x\"\npath = \"x.csv\"\n");
    let o = run_err(wd.command("run").args(["--config", "padan.toml"]), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("columns 3 and 7") && err.contains("`ic`"),
        "{err}"
    );
}
