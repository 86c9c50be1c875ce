//! CSV and TSV exports: any single-byte delimiter, UTF-8 (with or without BOM), windows-1252
//! or latin-1. Rows are streamed; nothing is decoded lossily without the row being rejected.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use encoding_rs_io::DecodeReaderBytesBuilder;

use super::{RawRow, Table};
use crate::config::{Encoding, SourceSpec};
use crate::error::{Error, Result};

/// Picks the delimiter of a header line: the most frequent of `,` `;` `\t` `|` outside quotes.
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = head
        .split(|&b| b == b'\n' || b == b'\r')
        .next()
        .unwrap_or(head);
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

/// A byte-order mark. The decoder drops the one a file starts with; one at the start of a later
/// line (where a second export was appended to the first) is dropped too, not read into an id.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How many lines a quoted field may run over: an opening quote that is not closed within them
/// is taken for a stray one.
pub const MAX_FIELD_LINES: usize = 32;

/// What the CSV reader is given in place of a line whose quote is never closed; `open` knows
/// the row it makes by where it ends, and turns it into a reject.
const PLACEHOLDER: &[u8] = b"-";

/// Where a CSV reader is within a line (csv_core's states, quoting with doubled quotes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At a field's start: a quote opens a quoted field.
    FieldStart,
    /// Inside an unquoted field, or after a quoted field's closing quote: quotes are text.
    InField,
    Quoted,
    /// A quote inside a quoted field: it closes the field, or a second quote follows it.
    QuoteInQuoted,
}

/// What `scan` counts: the delimiters outside quotes, and whether a quoted field's closing
/// quote was followed by text rather than a delimiter or the line's end (which the reader
/// takes as more of the field, and a well-formed file never has).
#[derive(Default)]
struct Tally {
    delimiters: usize,
    text_after_quote: bool,
}

/// The state a line leaves a CSV reader in, from `s` at its start, counted in `tally`.
/// Jumps from quote to delimiter, so a line costs little more than the `memchr` over it.
fn scan(line: &[u8], delimiter: u8, mut s: State, tally: &mut Tally) -> State {
    let mut i = 0;
    loop {
        let rest = &line[i..];
        let found = match s {
            State::Quoted => memchr::memchr(b'"', rest),
            _ => memchr::memchr2(b'"', delimiter, rest),
        };
        // Other bytes start (or continue) an unquoted field, or stay in a quoted one.
        if found.unwrap_or(rest.len()) > 0 && s != State::Quoted {
            tally.text_after_quote |= s == State::QuoteInQuoted;
            s = State::InField;
        }
        let Some(k) = found else {
            return s;
        };
        s = match (s, rest[k] == b'"') {
            (State::FieldStart | State::QuoteInQuoted, true) => State::Quoted,
            (State::Quoted, _) => State::QuoteInQuoted,
            (State::InField, true) => State::InField,
            (_, false) => {
                tally.delimiters += 1;
                State::FieldStart
            }
        };
        i += k + 1;
    }
}

/// Where the line holding `buf[at]` ends (its first CR or LF at or after `at`; `None` when
/// that is not in `buf`), and whether it ends inside a quoted field, given that the line
/// holds no quote before `at` and `buf[start]` starts a line. `scan`'s rules, looking at
/// quotes only: a quote at a field's start (a line's start or after a delimiter) opens one.
fn line_end(buf: &[u8], delimiter: u8, start: usize, at: usize) -> Option<(usize, bool)> {
    let (mut i, mut quoted) = (at, false);
    loop {
        let k = i + memchr::memchr3(b'"', b'\n', b'\r', &buf[i..])?;
        if buf[k] != b'"' {
            return Some((k, quoted));
        }
        i = k + 1;
        if quoted && buf.get(i) == Some(&b'"') {
            i += 1;
        } else if quoted || k == start || buf[k - 1] == b'\n' || buf[k - 1] == delimiter {
            quoted = !quoted;
        }
    }
}

/// A line replaced by `PLACEHOLDER`: where the placeholder's line ends in what `Lines` hands
/// out (what the CSV reader's position says after its row), the line's text and why.
#[derive(Debug)]
struct Damaged {
    end: u64,
    text: String,
    why: String,
}

/// A decoded export's lines as the CSV reader is given them. Every line end (LF, CRLF, or a
/// lone CR as old Mac exports have) becomes LF, so the reader's line numbers are those an
/// editor shows; a byte-order mark at a line's start is dropped. A line that ends inside a
/// quoted field is read with the lines after it until the field closes: when it closes
/// within `MAX_FIELD_LINES` lines into a row as wide as the header, the record passes
/// whole; otherwise the opening quote was a stray one, the line is replaced by
/// `PLACEHOLDER` (and kept in `damaged`), and the lines after it are read as rows of their
/// own. Lines with nothing to change are copied straight from the decoder's buffer.
pub struct Lines<R> {
    inner: R,
    delimiter: u8,
    /// The header's number of fields; 0 until the header line is read.
    fields: usize,
    /// Lines read until the header's (blank ones before it).
    header_line: u64,
    /// Bytes handed out so far.
    handed: u64,
    /// Bytes to hand out before reading on: a line the fast path could not take, a record
    /// of several lines, a placeholder.
    ready: Vec<u8>,
    ready_at: usize,
    /// Lines after a damaged one, to be read again as rows.
    again: VecDeque<Vec<u8>>,
    damaged: VecDeque<Damaged>,
    /// The header's line, when it ends inside a quoted field.
    header_open: Option<u64>,
}

impl<R: BufRead> Lines<R> {
    pub fn new(inner: R, delimiter: u8) -> Lines<R> {
        Lines {
            inner,
            delimiter,
            fields: 0,
            header_line: 0,
            handed: 0,
            ready: Vec::new(),
            ready_at: 0,
            again: VecDeque::new(),
            damaged: VecDeque::new(),
            header_open: None,
        }
    }

    /// Copies whole lines that need no change but a CR made LF from the decoder's buffer into
    /// `out`, as many as fit; stops at one that needs more (a quote left open, a BOM, the
    /// buffer's end).
    fn copy_lines(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let buf = self.inner.fill_buf()?;
        // `buf[from..to]`: whole lines looked at, to be copied as they are; `n`: bytes in
        // `out`. The buffer starts with a line.
        let (mut n, mut from, mut to) = (0, 0, 0);
        loop {
            let rest = &buf[to..buf.len().min(from + out.len() - n)];
            // Lines without a CR, a quote or a BOM need no look, many at once.
            let Some(at) = memchr::memchr3(b'\r', b'"', BOM[0], rest).map(|i| to + i) else {
                to += memchr::memrchr(b'\n', rest).map_or(0, |i| i + 1);
                break;
            };
            // The line holding that byte; when it cannot be taken, the lines before it are.
            let line_start = || to + memchr::memrchr(b'\n', &buf[to..at]).map_or(0, |i| i + 1);
            let end = match buf[at] {
                b'\r' => Some((at, false)),
                b'"' => line_end(buf, self.delimiter, to, at),
                _ if (at == to || buf[at - 1] == b'\n') && buf[at..].starts_with(BOM) => None,
                _ => line_end(buf, self.delimiter, to, at + 1),
            };
            let eol = match end {
                Some((end, false)) if end + 1 - from <= out.len() - n => match buf.get(end + 1) {
                    _ if buf[end] == b'\n' => Some((end, 1)),
                    Some(b'\n') => Some((end, 2)),
                    Some(_) => Some((end, 1)),
                    // A CR whose next byte is not in view.
                    None => None,
                },
                _ => None,
            };
            let Some((end, eol)) = eol else {
                to = line_start();
                break;
            };
            if buf[end] == b'\n' {
                to = end + 1;
                continue;
            }
            // A CR: the lines before, then this one with LF for its end.
            let k = end - from;
            out[n..n + k].copy_from_slice(&buf[from..end]);
            out[n + k] = b'\n';
            n += k + 1;
            from = end + eol;
            to = from;
        }
        out[n..n + to - from].copy_from_slice(&buf[from..to]);
        n += to - from;
        self.inner.consume(to);
        Ok(n)
    }

    /// Appends the next line (without its end, without a leading BOM) to `into`; false at
    /// the end of the file.
    fn next_line(&mut self, into: &mut Vec<u8>) -> std::io::Result<bool> {
        if let Some(line) = self.again.pop_front() {
            into.extend_from_slice(&line);
            return Ok(true);
        }
        let start = into.len();
        let mut any = false;
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            any = true;
            let Some(i) = memchr::memchr2(b'\n', b'\r', buf) else {
                let k = buf.len();
                into.extend_from_slice(buf);
                self.inner.consume(k);
                continue;
            };
            into.extend_from_slice(&buf[..i]);
            let cr = buf[i] == b'\r';
            self.inner.consume(i + 1);
            if cr && self.inner.fill_buf()?.first() == Some(&b'\n') {
                self.inner.consume(1);
            }
            break;
        }
        if into[start..].starts_with(BOM) {
            into.drain(start..start + BOM.len());
        }
        Ok(any)
    }

    /// Puts the next line, or record of several lines, or placeholder into `ready` (which
    /// is empty); false at the end of the file.
    fn next_record(&mut self) -> std::io::Result<bool> {
        let mut record = std::mem::take(&mut self.ready);
        if !self.next_line(&mut record)? {
            return Ok(false);
        }
        let mut tally = Tally::default();
        let mut state = scan(&record, self.delimiter, State::FieldStart, &mut tally);
        if self.fields == 0 {
            self.header_line += 1;
        }
        if self.fields == 0 && !record.is_empty() {
            if state == State::Quoted {
                self.header_open = Some(self.header_line);
                return Err(std::io::Error::other(
                    "the header line ends inside a quoted field",
                ));
            }
            self.fields = tally.delimiters + 1;
        }
        // Where each line after the first starts in `record`.
        let mut starts = Vec::new();
        let mut why = None;
        // Only how the field that spans lines closes counts, not the line's own fields.
        tally.text_after_quote = false;
        while state == State::Quoted {
            if starts.len() + 1 == MAX_FIELD_LINES {
                why = Some(format!("not closed within {MAX_FIELD_LINES} lines"));
                break;
            }
            record.push(b'\n');
            let start = record.len();
            if !self.next_line(&mut record)? {
                record.pop();
                why = Some("still open at the end of the file".to_string());
                break;
            }
            starts.push(start);
            state = scan(&record[start..], self.delimiter, state, &mut tally);
        }
        if why.is_none() && !starts.is_empty() {
            let below = starts.len();
            if tally.text_after_quote {
                why = Some(format!(
                    "closed {below} lines below by a quote followed by text, not by a delimiter"
                ));
            } else if tally.delimiters + 1 != self.fields {
                why = Some(format!(
                    "closed {below} lines below, in a row of {} fields where the header has {}",
                    tally.delimiters + 1,
                    self.fields
                ));
            }
        }
        let Some(why) = why else {
            record.push(b'\n');
            self.ready = record;
            return Ok(true);
        };
        for (k, &start) in starts.iter().enumerate().rev() {
            let end = starts.get(k + 1).map_or(record.len(), |next| next - 1);
            self.again.push_front(record[start..end].to_vec());
        }
        let first = starts.first().map_or(record.len(), |next| next - 1);
        self.damaged.push_back(Damaged {
            end: self.handed + PLACEHOLDER.len() as u64 + 1,
            text: String::from_utf8_lossy(&record[..first]).into_owned(),
            why: format!("a quoted field opened on this row is {why}"),
        });
        record.clear();
        record.extend_from_slice(PLACEHOLDER);
        record.push(b'\n');
        self.ready = record;
        Ok(true)
    }

    /// The line replaced by the placeholder ending at `end`, if one is.
    fn take_damaged(&mut self, end: u64) -> Option<Damaged> {
        match self.damaged.front() {
            Some(d) if d.end == end => self.damaged.pop_front(),
            _ => None,
        }
    }
}

impl<R: BufRead> Read for Lines<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.ready_at < self.ready.len() {
                let k = (self.ready.len() - self.ready_at).min(out.len());
                out[..k].copy_from_slice(&self.ready[self.ready_at..self.ready_at + k]);
                self.ready_at += k;
                self.handed += k as u64;
                return Ok(k);
            }
            if out.is_empty() {
                return Ok(0);
            }
            if self.fields > 0 && self.again.is_empty() {
                let n = self.copy_lines(out)?;
                if n > 0 {
                    self.handed += n as u64;
                    return Ok(n);
                }
            }
            self.ready.clear();
            self.ready_at = 0;
            if !self.next_record()? {
                return Ok(0);
            }
        }
    }
}

/// The decoded bytes of a delimited file.
fn decoded(spec: &SourceSpec) -> Result<impl BufRead + Send> {
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
    Ok(BufReader::with_capacity(1 << 16, decoded))
}

/// Opens a delimited file and reads its header.
pub fn open(spec: &SourceSpec) -> Result<Table> {
    let delimiter = match spec.delimiter {
        Some(d) => d,
        None => {
            let mut head = Vec::with_capacity(8192);
            decoded(spec)?
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
        .from_reader(Lines::new(decoded(spec)?, delimiter));
    let path = spec.path.clone();
    let headers: Vec<String> = match csv.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect(),
        Err(e) => {
            return Err(match csv.get_ref().header_open {
                Some(line) => Error::Config(format!(
                    "source `{}` ({}): line {line}: the header line ends inside a quoted field (a stray `\"`?); the header must be one line",
                    spec.name,
                    path.display()
                )),
                None => Error::Run(format!("{}: cannot read the header: {e}", path.display())),
            })
        }
    };
    if headers.iter().all(|h| h.is_empty()) {
        return Err(Error::Config(format!(
            "source `{}` ({}): the file is empty or has no header line",
            spec.name,
            path.display()
        )));
    }
    let names = headers.clone();
    let utf8 = spec.encoding == Encoding::Utf8;
    let rows = std::iter::from_fn(move || {
        let mut rec = csv::ByteRecord::new();
        match csv.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => return Some(Err(Error::Run(format!("{}: {e}", path.display())))),
        }
        // The reader dates a record from the end of the one before, so blank lines before
        // it would count as its own: it is dated from its end instead (every line handed out
        // ends with LF).
        let start = rec.position().map_or(0, |p| p.line());
        let (end, end_byte) = (csv.position().line(), csv.position().byte());
        let row = if end == start + 1 {
            start
        } else {
            end - 1 - memchr::memchr_iter(b'\n', rec.as_slice()).count() as u64
        };
        if let Some(d) = csv.get_mut().take_damaged(end_byte) {
            // Split at every delimiter, the row's text is whole again in `rejects.csv`.
            let cells: Vec<&str> = d.text.split(delimiter as char).collect();
            return Some(Ok(RawRow {
                row,
                cells: cells.into(),
                problem: Some(format!("unterminated quote: {}", d.why)),
            }));
        }
        // Valid UTF-8 (nearly every row) becomes text where it lies, without a copy per cell.
        let rec = match csv::StringRecord::from_byte_record(rec) {
            Ok(cells) => {
                return Some(Ok(RawRow {
                    row,
                    cells,
                    problem: None,
                }))
            }
            Err(e) => e,
        };
        let i = rec.utf8_error().field();
        let col = crate::mask::guard(names.get(i).map_or("?", |s| s.as_str()));
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
        Some(Ok(RawRow {
            row,
            cells,
            problem,
        }))
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
        // A column named like an IC is not named whole.
        let (_, rows) = table(b"a,850312145567\n1,REN\xC9\n", "");
        let p = rows[0].problem.as_deref().unwrap();
        assert!(p.contains("column `********5567`"), "{p}");
    }

    #[test]
    fn crlf_files_number_their_rows_like_lf_files() {
        let (_, rows) = table(b"a,b\r\n1,x\r\n2,\"p\r\nq\"\r\n3,z\r\n", "");
        let lines: Vec<u64> = rows.iter().map(|r| r.row).collect();
        assert_eq!(lines, [2, 3, 5]);
        assert_eq!(&rows[1].cells[1], "p\nq");
        assert_eq!(rows[2].cells.iter().collect::<Vec<_>>(), ["3", "z"]);
    }

    /// What `Lines` hands out for `text`, read from buffers of `cap` bytes into reads of
    /// `room` bytes, with the lines it replaced.
    fn through_lines(text: &[u8], cap: usize, room: usize) -> (Vec<u8>, Vec<(u64, String)>) {
        let mut r = Lines::new(BufReader::with_capacity(cap, text), b',');
        let (mut out, mut buf) = (Vec::new(), vec![0u8; room]);
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        // Each placeholder's line number: the line ends before its end.
        let damaged = r
            .damaged
            .iter()
            .map(|d| {
                let lines = out[..d.end as usize].iter().filter(|&&b| b == b'\n');
                (lines.count() as u64, d.text.clone())
            })
            .collect();
        (out, damaged)
    }

    #[test]
    fn line_ends_become_lf_at_any_buffer_boundary() {
        // CRLF, lone CRs (old Mac exports) and LF, mixed; BOMs at the start of lines.
        let text = b"h\r\nb\rc\r\n\r\nd\r\r\nlong line\r\r\xEF\xBB\xBFe\n\xEF\xBB\xBF\r";
        let want = b"h\nb\nc\n\nd\n\nlong line\n\ne\n\n";
        for cap in 1..12 {
            // Read into buffers of every size from 1 byte to more than the text.
            for room in (1..6).chain([64]) {
                let (out, damaged) = through_lines(text, cap, room);
                assert_eq!(out, want, "capacity {cap}, reads of {room}");
                assert!(damaged.is_empty());
            }
        }
    }

    #[test]
    fn a_quote_left_open_is_replaced_at_any_buffer_boundary() {
        let text = b"a,b,c\n\
                     1,\"two\r\nlines\",x\n\
                     2,\"stray,x\n\
                     3,x,y\n\
                     4,\"a\nb\",\"\"\"q\"\"\"\n\
                     5,\"closes\n\
                     too wide\",x,y\n\
                     6,\"end";
        let want = b"a,b,c\n\
                     1,\"two\nlines\",x\n\
                     -\n\
                     3,x,y\n\
                     4,\"a\nb\",\"\"\"q\"\"\"\n\
                     -\n\
                     too wide\",x,y\n\
                     -\n";
        for cap in 1..40 {
            for room in [1, 3, 7, 64] {
                let (out, damaged) = through_lines(text, cap, room);
                assert_eq!(
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(want),
                    "capacity {cap}, reads of {room}"
                );
                assert_eq!(
                    damaged,
                    [
                        (4, "2,\"stray,x".to_string()),
                        (8, "5,\"closes".to_string()),
                        (10, "6,\"end".to_string())
                    ]
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::with_cases(500)
        })]

        /// Whatever the bytes, and however the buffers cut them, `Lines` hands out the same.
        #[test]
        fn lines_do_not_depend_on_buffer_sizes(
            parts in proptest::collection::vec(
                proptest::sample::select(vec!["a", "bc", ",", "\"", "\n", "\r", "\r\n", "\u{FEFF}"]),
                0..60,
            ),
            cap in 1usize..9,
            room in 1usize..9,
        ) {
            let text = format!("h,i,j\n{}", parts.concat());
            let whole = through_lines(text.as_bytes(), 1 << 16, 1 << 16);
            let cut = through_lines(text.as_bytes(), cap, room);
            proptest::prop_assert_eq!(whole, cut);
        }
    }

    #[test]
    fn scan_follows_the_csv_readers_quoting() {
        let end = |line: &str| {
            let mut t = Tally::default();
            (
                scan(line.as_bytes(), b',', State::FieldStart, &mut t),
                t.delimiters,
            )
        };
        assert_eq!(end("a,b,c"), (State::InField, 2));
        assert_eq!(end("a,\"b,c"), (State::Quoted, 1));
        assert_eq!(end("a,\"b\"\",c"), (State::Quoted, 1));
        assert_eq!(end("a,\"b\"\"\",c"), (State::InField, 2));
        // A quote inside an unquoted field is text; after a closing quote the field goes on.
        assert_eq!(end("a b\"c,d"), (State::InField, 1));
        assert_eq!(end("\"a\"b\"c,d"), (State::InField, 1));
        assert_eq!(end("a,\"\""), (State::QuoteInQuoted, 1));
        assert_eq!(end("a,"), (State::FieldStart, 1));
        let loose = |line: &str, s: State| {
            let mut t = Tally::default();
            scan(line.as_bytes(), b',', s, &mut t);
            t.text_after_quote
        };
        assert!(loose("\"a\"b,c", State::FieldStart));
        assert!(loose("b\"c", State::Quoted));
        assert!(!loose("b\",c", State::Quoted));
        assert!(!loose("b\"", State::Quoted));
        assert!(!loose("b\"\"c\"", State::Quoted));
    }

    #[test]
    fn a_stray_quote_costs_its_row_only() {
        let mut body = String::from("id,name,ic\n1,ALI,850312145567\n2,\"UNTERMINATED NAME,x\n");
        for i in 3..50 {
            body.push_str(&format!("{i},NAME {i},\n"));
        }
        let (_, rows) = table(body.as_bytes(), "");
        assert_eq!(rows.len(), 49);
        assert!(rows.iter().enumerate().all(|(i, r)| r.row == i as u64 + 2));
        let p = rows[1].problem.as_deref().unwrap();
        assert!(
            p.starts_with("unterminated quote: ") && p.contains("32 lines"),
            "{p}"
        );
        // The row's text as it was, for rejects.csv; its id where it can be told.
        assert_eq!(
            rows[1].cells.iter().collect::<Vec<_>>().join(","),
            "2,\"UNTERMINATED NAME,x"
        );
        assert_eq!(&rows[1].cells[0], "2");
        assert!(rows.iter().filter(|r| r.problem.is_some()).count() == 1);
        assert_eq!(
            rows[48].cells.iter().collect::<Vec<_>>(),
            ["49", "NAME 49", ""]
        );

        // Still open at the end of the file; closed into a row of the wrong width.
        let (_, rows) = table(b"id,name\n1,\"a\n2,b\n", "");
        let rows: Vec<_> = rows.iter().map(|r| (r.row, r.problem.is_some())).collect();
        assert_eq!(rows, [(2, true), (3, false)]);
        let (_, rows) = table(b"id-name\n1-\"a\n2-b\n", "delimiter = \"-\"\n");
        let rows: Vec<_> = rows.iter().map(|r| (r.row, r.problem.is_some())).collect();
        assert_eq!(rows, [(2, true), (3, false)]);
        // A row that is only the placeholder's text stays a row.
        let (_, rows) = table(b"id,name\n-\n1,\"a\n2,b\n", "");
        let rows: Vec<_> = rows.iter().map(|r| (r.row, r.problem.is_some())).collect();
        assert_eq!(rows, [(2, false), (3, true), (4, false)]);
        let (_, rows) = table(b"id,name\n1,a\n\n2,\"b", "");
        let rows: Vec<_> = rows.iter().map(|r| (r.row, r.problem.is_some())).collect();
        assert_eq!(rows, [(2, false), (4, true)]);
        // The next line's quoted name closes the stray quote: as wide as the header, but
        // its closing quote is followed by text.
        let (_, rows) = table(b"id,name,ic\n1,\"ALI,1\n2,\"ABU\",2\n", "");
        let p = rows[0].problem.as_deref().unwrap();
        assert!(p.contains("followed by text"), "{p}");
        let rows: Vec<_> = rows.iter().map(|r| (r.row, r.problem.is_some())).collect();
        assert_eq!(rows, [(2, true), (3, false)]);
        let (_, rows) = table(b"id,name\n1,\"a\n2,b\",c\n3,d\n", "");
        assert!(rows[0]
            .problem
            .as_deref()
            .unwrap()
            .contains("3 fields where the header has 2"));
        let rows: Vec<_> = rows.iter().map(|r| r.row).collect();
        assert_eq!(rows, [2, 3, 4]);
    }

    #[test]
    fn a_header_left_inside_quotes_is_a_config_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.csv"), "id,\"name\n1,ALI\n").unwrap();
        let text = "[[source]]\nname = \"x\"\npath = \"x.csv\"\nid = \"id\"\n";
        let c = Config::parse(text, &dir.path().join("p.toml")).unwrap();
        let err = open(&c.sources[0]).err().unwrap();
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(msg.contains("x.csv") && msg.contains("line 1"), "{msg}");
    }

    #[test]
    fn lone_cr_and_mid_file_boms_keep_row_numbers_and_ids() {
        let (_, rows) = table(
            b"id,name\r1,A\r\n2,B\n\r3,C\r\xEF\xBB\xBFid,name\n\xEF\xBB\xBF4,D\n",
            "",
        );
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.row, r.cells[0].to_string()))
            .collect();
        assert_eq!(
            got,
            [
                (2, "1".into()),
                (3, "2".into()),
                (5, "3".into()),
                (6, "id".into()),
                (7, "4".into())
            ]
        );
    }

    #[test]
    fn multi_line_quoted_fields_keep_their_row_number() {
        let (_, rows) = table(b"a,b\n1,\"two\nlines\"\n2,x\n", "");
        assert_eq!(&rows[0].cells[1], "two\nlines");
        assert_eq!((rows[0].row, rows[1].row), (2, 4));
        // Blank lines before a row are not its own.
        let (_, rows) = table(b"a,b\n1,x\n\n\n2,\"p\nq\"\n\n3,z\n", "");
        let lines: Vec<u64> = rows.iter().map(|r| r.row).collect();
        assert_eq!(lines, [2, 5, 8]);
    }
}
