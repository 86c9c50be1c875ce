//! CSV and TSV exports: any single-byte delimiter, UTF-8 (with or without BOM), windows-1252
//! or latin-1. Rows are streamed; nothing is decoded lossily without the row being rejected.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use encoding_rs_io::DecodeReaderBytesBuilder;

use super::{RawRow, Table};
use crate::config::{Encoding, SourceSpec};
use crate::error::{Error, Result};

/// Picks the delimiter of a header line: the most frequent of `,` `;` `\t` `|` outside quotes.
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let mut counts = [0usize; 4];
    let cands = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = cands.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
    }
    let (best, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, usize::MAX - i))
        .unwrap();
    if *n == 0 {
        b','
    } else {
        cands[best]
    }
}

/// Turns CRLF line ends into LF, so that the CSV reader's line numbers count every line
/// (it counts a CRLF-terminated file's records one line short) and quoted multi-line values
/// read the same from Windows and Unix exports.
pub struct CrlfToLf<R> {
    inner: R,
}

impl<R: BufRead> Read for CrlfToLf<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            let buf = self.inner.fill_buf()?;
            let len = buf.len();
            if len == 0 {
                return Ok(0);
            }
            let (mut n, mut used, mut cr_at_end) = (0, 0, false);
            while used < len && n < out.len() {
                // Copied up to the next CR at once (a byte at a time, this took a fifth of
                // reading an export).
                let room = (len - used).min(out.len() - n);
                let chunk = &buf[used..used + room];
                let k = memchr::memchr(b'\r', chunk).unwrap_or(room);
                out[n..n + k].copy_from_slice(&chunk[..k]);
                n += k;
                used += k;
                if k == room {
                    continue;
                }
                // At a CR, with room for it in `out`.
                if used + 1 == len {
                    cr_at_end = true;
                    break;
                }
                if buf[used + 1] != b'\n' {
                    out[n] = b'\r';
                    n += 1;
                }
                used += 1;
            }
            if cr_at_end && n == 0 {
                // The CR is the last byte in view: look at what follows it.
                self.inner.consume(1);
                if self.inner.fill_buf()?.first() != Some(&b'\n') {
                    out[0] = b'\r';
                    return Ok(1);
                }
                continue;
            }
            self.inner.consume(used);
            return Ok(n);
        }
    }
}

fn reader(spec: &SourceSpec) -> Result<Box<dyn Read + Send>> {
    let file = File::open(&spec.path).map_err(|e| Error::io(&spec.path, e))?;
    let mut b = DecodeReaderBytesBuilder::new();
    b.bom_sniffing(true).strip_bom(true).utf8_passthru(true);
    match spec.encoding {
        Encoding::Utf8 => {}
        // encoding_rs follows WHATWG, where latin-1 labels mean windows-1252 (a superset for
        // printable characters).
        Encoding::Windows1252 | Encoding::Latin1 => {
            b.encoding(Some(encoding_rs::WINDOWS_1252));
        }
    }
    let decoded = b.build(BufReader::with_capacity(1 << 16, file));
    Ok(Box::new(CrlfToLf {
        inner: BufReader::with_capacity(1 << 16, decoded),
    }))
}

/// Opens a delimited file and reads its header.
pub fn open(spec: &SourceSpec) -> Result<Table> {
    let delimiter = match spec.delimiter {
        Some(d) => d,
        None => {
            let mut head = Vec::with_capacity(8192);
            reader(spec)?
                .take(64 * 1024)
                .read_to_end(&mut head)
                .map_err(|e| Error::io(&spec.path, e))?;
            sniff_delimiter(&head)
        }
    };
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(reader(spec)?);
    let path = spec.path.clone();
    let headers: Vec<String> = csv
        .byte_headers()
        .map_err(|e| Error::Run(format!("{}: cannot read the header: {e}", path.display())))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(Error::Config(format!(
            "source `{}` ({}): the file is empty or has no header line",
            spec.name,
            path.display()
        )));
    }
    let names = headers.clone();
    let utf8 = spec.encoding == Encoding::Utf8;
    let rows = csv.into_byte_records().map(move |r| {
        let rec = r.map_err(|e| Error::Run(format!("{}: {e}", path.display())))?;
        let row = rec.position().map_or(0, |p| p.line());
        // Valid UTF-8 (nearly every row) becomes text where it lies, without a copy per cell.
        let rec = match csv::StringRecord::from_byte_record(rec) {
            Ok(cells) => {
                return Ok(RawRow {
                    row,
                    cells,
                    problem: None,
                })
            }
            Err(e) => e,
        };
        let i = rec.utf8_error().field();
        let col = names.get(i).map_or("?", |s| s.as_str());
        let problem = Some(if utf8 {
            format!("undecodable bytes in column `{col}`: not valid UTF-8 (if the file is a legacy export, set encoding = \"windows-1252\")")
        } else {
            format!("undecodable bytes in column `{col}`")
        });
        let cells = rec
            .into_byte_record()
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        Ok(RawRow {
            row,
            cells,
            problem,
        })
    });
    Ok(Table {
        headers,
        rows: Box::new(rows),
        raw_separator: delimiter as char,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn table(bytes: &[u8], extra: &str) -> (Vec<String>, Vec<RawRow>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.csv"), bytes).unwrap();
        let text = format!("[[source]]\nname = \"x\"\npath = \"x.csv\"\nid = \"a\"\n{extra}");
        let c = Config::parse(&text, &dir.path().join("p.toml")).unwrap();
        let t = open(&c.sources[0]).unwrap();
        let rows = t.rows.collect::<Result<Vec<_>>>().unwrap();
        (t.headers, rows)
    }

    #[test]
    fn sniffs_the_delimiter_and_strips_a_bom() {
        let (h, rows) = table("\u{FEFF}a;b;c\n1;\"x;y\";3\n".as_bytes(), "");
        assert_eq!(h, ["a", "b", "c"]);
        assert_eq!(rows[0].cells.iter().collect::<Vec<_>>(), ["1", "x;y", "3"]);
        assert_eq!(rows[0].row, 2);
        assert_eq!(sniff_delimiter(b"a\tb\tc,d\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a,b\"|c|d\n"), b'|');
        assert_eq!(sniff_delimiter(b"single\n"), b',');
    }

    #[test]
    fn windows_1252_is_decoded() {
        // DATO’ RENÉ with a 0x92 apostrophe and 0xC9 É.
        let (_, rows) = table(
            b"a,b\n1,DATO\x92 REN\xC9\n",
            "encoding = \"windows-1252\"\n",
        );
        assert_eq!(&rows[0].cells[1], "DATO\u{2019} REN\u{C9}");
        assert!(rows[0].problem.is_none());
    }

    #[test]
    fn invalid_utf8_marks_the_row_not_the_file() {
        let (_, rows) = table(b"a,b\n1,REN\xC9\n2,OK\n", "");
        let p = rows[0].problem.as_deref().unwrap();
        assert!(
            p.contains("column `b`") && p.contains("windows-1252"),
            "{p}"
        );
        assert!(rows[1].problem.is_none());
    }

    #[test]
    fn crlf_files_number_their_rows_like_lf_files() {
        let (_, rows) = table(b"a,b\r\n1,x\r\n2,\"p\r\nq\"\r\n3,z\r\n", "");
        let lines: Vec<u64> = rows.iter().map(|r| r.row).collect();
        assert_eq!(lines, [2, 3, 5]);
        assert_eq!(&rows[1].cells[1], "p\nq");
        assert_eq!(rows[2].cells.iter().collect::<Vec<_>>(), ["3", "z"]);
    }

    #[test]
    fn crlf_conversion_survives_any_buffer_boundary() {
        let text = b"a\r\nb\rc\r\n\r\nd\r\r\nlong line\r\re\r";
        let want = b"a\nb\rc\n\nd\r\nlong line\r\re\r";
        for cap in 1..12 {
            // Read into buffers of every size from 1 byte to more than the text.
            for room in (1..6).chain([64]) {
                let mut r = CrlfToLf {
                    inner: BufReader::with_capacity(cap, &text[..]),
                };
                let (mut out, mut buf) = (Vec::new(), vec![0u8; room]);
                loop {
                    let n = r.read(&mut buf).unwrap();
                    if n == 0 {
                        break;
                    }
                    out.extend_from_slice(&buf[..n]);
                }
                assert_eq!(out, want, "capacity {cap}, reads of {room}");
            }
        }
    }

    #[test]
    fn multi_line_quoted_fields_keep_their_row_number() {
        let (_, rows) = table(b"a,b\n1,\"two\nlines\"\n2,x\n", "");
        assert_eq!(&rows[0].cells[1], "two\nlines");
        assert_eq!((rows[0].row, rows[1].row), (2, 4));
    }
}
