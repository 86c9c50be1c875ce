//! The TOML configuration, checked into a plan before any data is read.
//!
//! Reads: `padan.toml` (README.md, Configuration). Writes: nothing.
//! Invariant: a `Config` that exists is consistent — source names are unique, paths are
//! resolved against the configuration file's folder, formats, encodings and delimiters are
//! known, mapped fields are canonical, date formats parse, thresholds are ordered. Every
//! mistake is an `Error::Config` (exit status 2) naming the file, the source and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::field::Field;

/// A checked configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The configuration file itself.
    pub path: PathBuf,
    /// The register store (`[run] out`, resolved against the config's folder).
    pub out: PathBuf,
    /// Worker threads; 0 means all cores.
    pub threads: usize,
    /// How many complete generations the store keeps (`[run] keep`, default 10).
    pub keep: usize,
    /// Link incrementally when the store allows it (`[run] incremental`, default true;
    /// `padan run --full` turns it off for one run).
    pub incremental: bool,
    /// A row with a cell longer than this many characters is rejected (`[run]
    /// max_field_chars`, default 1,000).
    pub max_field_chars: usize,
    pub sources: Vec<SourceSpec>,
    pub block: BlockConfig,
    pub score: ScoreConfig,
    /// Analysts' decisions (`[review] decisions`), resolved against the config's folder.
    pub decisions: Option<PathBuf>,
    /// Start `review.csv` with a UTF-8 byte-order mark, so spreadsheets read it as UTF-8
    /// (`[review] bom`).
    pub review_bom: bool,
    /// The day dates are read against (a two-digit year's century, a date in the future): the
    /// day the run starts, unless a run in steps fixed it at its first (`spark`).
    pub today: Option<chrono::NaiveDate>,
}

impl Config {
    /// The day dates are read against (`today`).
    pub fn today(&self) -> chrono::NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}

/// The file format of a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Tsv,
    Xlsx,
    Parquet,
    /// Written by `padan encode`: encodings only (privacy-preserving linkage).
    Encoded,
}

/// The character encoding of a text source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
    Latin1,
}

/// How a source's columns become canonical fields.
#[derive(Clone, Debug)]
pub enum ColumnMap {
    /// `[source.columns]`: each canonical field from one or more columns, joined with a space.
    Explicit(Vec<(Field, Vec<String>)>),
    /// No table: columns already carry canonical names (matched case-insensitively).
    Canonical,
}

/// One `[[source]]` table, checked.
#[derive(Clone, Debug)]
pub struct SourceSpec {
    pub name: String,
    pub path: PathBuf,
    pub format: Format,
    /// `None`: sniffed from the header line (CSV) or a tab (TSV).
    pub delimiter: Option<u8>,
    pub encoding: Encoding,
    /// The column with the source's own record id.
    pub id: String,
    /// Date formats (chrono strftime syntax) to try before the common ones.
    pub dates: Vec<String>,
    /// Lower wins when golden-record fields disagree.
    pub priority: i64,
    /// xlsx only: the sheet to read; the first sheet when `None`.
    pub sheet: Option<String>,
    pub columns: ColumnMap,
    /// The source lists distinct persons (already de-duplicated): two of its records are
    /// never put in one person.
    pub distinct: bool,
    /// The largest share of the previous generation's records from this export that may be
    /// missing tonight before the run stops (`quality::check_counts`); 1 never stops.
    pub max_drop: f64,
}

/// A source's `max_drop` when its table sets none: an export that loses more than half its
/// records from one night to the next has more likely broken than emptied.
pub const MAX_DROP: f64 = 0.5;

/// Blocking settings (`[block]`).
#[derive(Clone, Debug)]
pub struct BlockConfig {
    /// Blocks of at most this many records are compared in full; larger ones are sorted and
    /// each record compared with the next `window` (see `block`), and are reported.
    pub max_block_size: usize,
    pub window: usize,
}

/// Scoring (`[score]`): the model, and thresholds in match weight (log2 odds) units. A
/// threshold left out comes from the model (`ScoreConfig::thresholds`).
#[derive(Clone, Debug, Default)]
pub struct ScoreConfig {
    /// `true`: Fellegi–Sunter weights estimated by EM (the default); `false`: fixed weights.
    pub em: bool,
    pub match_threshold: Option<f64>,
    pub review_threshold: Option<f64>,
    /// The expected precision asked of automatic matches when `match_threshold` is not set
    /// (`score::threshold`).
    pub target_precision: Option<f64>,
    /// Pairs scoring below this are not written to `pairs.parquet`.
    pub pairs_floor: Option<f64>,
}

/// The expected precision of automatic matches asked for when the configuration says none
/// (`score::threshold`): at most one false pair in 1,000 automatic matches, since a false
/// merge (one person paid as another, or a person dropped from a list) costs a welfare
/// register more than a pair left to review.
pub const DEFAULT_TARGET_PRECISION: f64 = 0.999;

/// Thresholds in force for a run.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Thresholds {
    pub match_weight: f64,
    pub review_weight: f64,
    pub pairs_floor: f64,
}

impl ScoreConfig {
    /// The expected precision asked of automatic matches.
    pub fn target_precision(&self) -> f64 {
        self.target_precision.unwrap_or(DEFAULT_TARGET_PRECISION)
    }

    /// The thresholds: configured values, else the model's defaults. With EM weights (which
    /// include the prior) review needs a posterior probability of 0.5, and a match one of 0.99
    /// until the scored pairs are known (`score::threshold` then chooses the cut);
    /// with fixed weights, 9 and 4. The floor sits 6 below the review threshold. `em` says
    /// whether the run estimates its weights.
    pub fn thresholds(&self, em: bool) -> Thresholds {
        let (m, r) = if em {
            ((0.99f64 / 0.01).log2(), 0.0)
        } else {
            (9.0, 4.0)
        };
        let review = self.review_threshold.unwrap_or(r);
        let match_weight = self.match_threshold.unwrap_or(m).max(review);
        Thresholds {
            match_weight,
            review_weight: review,
            pairs_floor: self.pairs_floor.unwrap_or(review - 6.0).min(review),
        }
    }
}

impl Default for BlockConfig {
    fn default() -> Self {
        BlockConfig {
            max_block_size: 12,
            window: 6,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    run: Option<RawRun>,
    #[serde(default)]
    source: Vec<RawSource>,
    block: Option<RawBlock>,
    score: Option<RawScore>,
    review: Option<RawReview>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReview {
    decisions: Option<String>,
    bom: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRun {
    out: Option<String>,
    threads: Option<usize>,
    keep: Option<usize>,
    incremental: Option<bool>,
    max_field_chars: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlock {
    max_block_size: Option<usize>,
    window: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScore {
    model: Option<String>,
    match_threshold: Option<f64>,
    review_threshold: Option<f64>,
    target_precision: Option<f64>,
    pairs_floor: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    path: String,
    format: Option<String>,
    delimiter: Option<String>,
    encoding: Option<String>,
    id: Option<String>,
    dates: Option<Vec<String>>,
    priority: Option<i64>,
    sheet: Option<String>,
    distinct: Option<bool>,
    max_drop: Option<f64>,
    columns: Option<BTreeMap<String, ColumnSpec>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ColumnSpec {
    One(String),
    Many(Vec<String>),
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Config(format!(
                "{}: cannot read the configuration file: {e}",
                path.display()
            ))
        })?;
        Config::parse(&text, path)
    }

    /// Checks configuration text; `path` locates relative paths and names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let file = path.display();
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| Error::Config(format!("{file}: {}", e.to_string().trim_end())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let base = if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base
        };
        if raw.source.is_empty() {
            return Err(Error::Config(format!(
                "{file}: no [[source]] tables: add one per agency export (see Configuration in the README)"
            )));
        }
        let run = raw.run.unwrap_or(RawRun {
            out: None,
            threads: None,
            keep: None,
            incremental: None,
            max_field_chars: None,
        });
        if run.keep == Some(0) {
            return Err(Error::Config(format!(
                "{file}: [run] keep must be at least 1 (the current generation)"
            )));
        }
        if run.max_field_chars == Some(0) {
            return Err(Error::Config(format!(
                "{file}: [run] max_field_chars must be at least 1"
            )));
        }
        let out = base.join(run.out.unwrap_or_else(|| "out".to_string()));
        let mut sources = Vec::with_capacity(raw.source.len());
        for (i, s) in raw.source.into_iter().enumerate() {
            let spec = check_source(s, i, base, &file.to_string())?;
            if sources.iter().any(|o: &SourceSpec| o.name == spec.name) {
                return Err(Error::Config(format!(
                    "{file}: [[source]] #{}: the name `{}` is used twice; source names must be unique",
                    i + 1,
                    spec.name
                )));
            }
            sources.push(spec);
        }
        let mut block = BlockConfig::default();
        if let Some(b) = raw.block {
            if let Some(n) = b.max_block_size {
                if n < 2 {
                    return Err(Error::Config(format!(
                        "{file}: [block] max_block_size must be at least 2"
                    )));
                }
                block.max_block_size = n;
            }
            if let Some(w) = b.window {
                if w < 1 {
                    return Err(Error::Config(format!(
                        "{file}: [block] window must be at least 1"
                    )));
                }
                block.window = w;
            }
        }
        let mut score = ScoreConfig {
            em: true,
            ..Default::default()
        };
        if let Some(sc) = raw.score {
            score.em = match sc.model.as_deref() {
                None | Some("em") => true,
                Some("fixed") => false,
                Some(other) => {
                    return Err(Error::Config(format!(
                        "{file}: [score] model = \"{other}\": use \"em\" or \"fixed\""
                    )))
                }
            };
            score.match_threshold = sc.match_threshold;
            score.review_threshold = sc.review_threshold;
            score.pairs_floor = sc.pairs_floor;
            if let Some(t) = sc.target_precision {
                if !(t > 0.5 && t < 1.0) {
                    return Err(Error::Config(format!(
                        "{file}: [score] target_precision = {t}: give a share above 0.5 and below 1, such as 0.9999"
                    )));
                }
                score.target_precision = Some(t);
            }
        }
        let t = score.thresholds(score.em);
        if let (Some(r), Some(m)) = (score.review_threshold, score.match_threshold) {
            if r > m {
                return Err(Error::Config(format!(
                    "{file}: [score] review_threshold ({r}) is above match_threshold ({m})"
                )));
            }
        }
        if let Some(f) = score.pairs_floor {
            if f > t.review_weight {
                return Err(Error::Config(format!(
                    "{file}: [score] pairs_floor ({f}) is above the review threshold ({}): review pairs would be lost",
                    t.review_weight
                )));
            }
        }
        Ok(Config {
            path: path.to_path_buf(),
            out,
            threads: run.threads.unwrap_or(0),
            keep: run.keep.unwrap_or(10),
            incremental: run.incremental.unwrap_or(true),
            max_field_chars: run.max_field_chars.unwrap_or(1000),
            sources,
            block,
            score,
            review_bom: raw.review.as_ref().and_then(|r| r.bom).unwrap_or(false),
            decisions: raw.review.and_then(|r| r.decisions).map(|d| base.join(d)),
            today: None,
        })
    }
}

/// Whether a strftime format string is usable.
fn date_format_is_valid(fmt: &str) -> bool {
    use chrono::format::{Item, StrftimeItems};
    !fmt.is_empty() && StrftimeItems::new(fmt).all(|i| !matches!(i, Item::Error))
}

fn check_source(s: RawSource, i: usize, base: &Path, file: &str) -> Result<SourceSpec> {
    let at = |key: &str| format!("{file}: [[source]] #{} ({}) key `{key}`", i + 1, s.name);
    if s.name.is_empty()
        || !s
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Error::Config(format!(
            "{}: use letters, digits, `_` or `-` only (it becomes the `source` column)",
            at("name")
        )));
    }
    let path = base.join(&s.path);
    if path.is_dir() {
        return Err(Error::Config(format!(
            "{}: {} is a directory; name the export file itself",
            at("path"),
            path.display()
        )));
    }
    if !path.is_file() {
        return Err(Error::Config(format!(
            "{}: the file {} does not exist (paths are relative to the configuration file)",
            at("path"),
            path.display()
        )));
    }
    let format = match s.format.as_deref() {
        Some(f) => match f.to_ascii_lowercase().as_str() {
            "csv" => Format::Csv,
            "tsv" => Format::Tsv,
            "xlsx" | "xlsm" | "xls" | "ods" => Format::Xlsx,
            "parquet" => Format::Parquet,
            "encoded" => Format::Encoded,
            other => {
                return Err(Error::Config(format!(
                    "{}: unknown format `{other}`; use csv, tsv, xlsx, parquet or encoded",
                    at("format")
                )))
            }
        },
        None => {
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            match ext.as_str() {
                "tsv" | "tab" => Format::Tsv,
                "xlsx" | "xlsm" | "xls" | "ods" => Format::Xlsx,
                "parquet" | "pq" => Format::Parquet,
                _ => Format::Csv,
            }
        }
    };
    let delimiter = match s.delimiter.as_deref() {
        None => match format {
            Format::Tsv => Some(b'\t'),
            _ => None,
        },
        Some("\\t") | Some("\t") | Some("tab") => Some(b'\t'),
        Some(d) if d.len() == 1 && d.is_ascii() => Some(d.as_bytes()[0]),
        Some(d) => {
            return Err(Error::Config(format!(
                "{}: `{d}` is not a single ASCII character (use \",\", \";\", \"|\" or \"\\t\")",
                at("delimiter")
            )))
        }
    };
    let encoding = match s.encoding.as_deref().map(|e| e.to_ascii_lowercase()) {
        None => Encoding::Utf8,
        Some(e) => match e.as_str() {
            "utf-8" | "utf8" | "utf-8-sig" => Encoding::Utf8,
            "windows-1252" | "cp1252" | "win1252" => Encoding::Windows1252,
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => Encoding::Latin1,
            other => {
                return Err(Error::Config(format!(
                    "{}: unknown encoding `{other}`; use utf-8, windows-1252 or latin-1",
                    at("encoding")
                )))
            }
        },
    };
    let columns = match s.columns {
        None => ColumnMap::Canonical,
        Some(map) => {
            let mut out = Vec::with_capacity(map.len());
            for (k, v) in map {
                let field = Field::from_name(&k).ok_or_else(|| {
                    Error::Config(format!(
                        "{file}: [[source]] #{} ({}) [source.columns]: `{k}` is not a canonical field; use one of: {}",
                        i + 1,
                        s.name,
                        Field::all_names()
                    ))
                })?;
                let cols = match v {
                    ColumnSpec::One(c) => vec![c],
                    ColumnSpec::Many(cs) => cs,
                };
                if cols.is_empty() || cols.iter().any(|c| c.trim().is_empty()) {
                    return Err(Error::Config(format!(
                        "{file}: [[source]] #{} ({}) [source.columns] `{k}`: name at least one non-empty column",
                        i + 1,
                        s.name
                    )));
                }
                out.push((field, cols));
            }
            out.sort_by_key(|(f, _)| *f);
            ColumnMap::Explicit(out)
        }
    };
    let id = match (s.id, &columns) {
        (Some(id), _) if !id.trim().is_empty() => id,
        (_, ColumnMap::Canonical) => "record_id".to_string(),
        _ => {
            return Err(Error::Config(format!(
                "{}: missing: name the column that holds this source's own record id",
                at("id")
            )))
        }
    };
    let dates = s.dates.unwrap_or_default();
    for d in &dates {
        if !date_format_is_valid(d) {
            return Err(Error::Config(format!(
                "{}: `{d}` is not a date format a parser can use (chrono strftime, e.g. \"%d/%m/%Y\")",
                at("dates")
            )));
        }
    }
    let max_drop = s.max_drop.unwrap_or(MAX_DROP);
    if !(0.0..=1.0).contains(&max_drop) {
        return Err(Error::Config(format!(
            "{}: {max_drop} is not a share between 0 and 1 (0.5: stop when more than half the previous records are missing)",
            at("max_drop")
        )));
    }
    if s.sheet.is_some() && format != Format::Xlsx {
        return Err(Error::Config(format!(
            "{}: only spreadsheets have sheets",
            at("sheet")
        )));
    }
    Ok(SourceSpec {
        name: s.name,
        path,
        format,
        delimiter,
        encoding,
        id,
        dates,
        priority: s.priority.unwrap_or(i as i64 + 1),
        sheet: s.sheet,
        columns,
        distinct: s.distinct.unwrap_or(false),
        max_drop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in_tmp(text: &str) -> Result<Config> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "id,nama\n1,ALI\n").unwrap();
        let path = dir.path().join("padan.toml");
        Config::parse(text, &path)
    }

    #[test]
    fn minimal_config_resolves_paths_and_defaults() {
        let c = parse_in_tmp(
            "[[source]]\nname = \"jkm\"\npath = \"a.csv\"\nid = \"id\"\n[source.columns]\nfull_name = [\"nama\", \"bapa\"]\n",
        )
        .unwrap();
        assert_eq!(c.sources.len(), 1);
        let s = &c.sources[0];
        assert_eq!(s.format, Format::Csv);
        assert_eq!(s.delimiter, None);
        assert_eq!(s.encoding, Encoding::Utf8);
        assert!(s.path.ends_with("a.csv"));
        assert!(c.out.ends_with("out"));
        assert_eq!((c.block.max_block_size, c.block.window), (12, 6));
        match &s.columns {
            ColumnMap::Explicit(cols) => {
                assert_eq!(
                    cols[0],
                    (Field::FullName, vec!["nama".into(), "bapa".into()])
                )
            }
            ColumnMap::Canonical => panic!("expected explicit columns"),
        }
    }

    #[test]
    fn mistakes_are_config_errors_naming_the_key() {
        let cases = [
            ("[[source]]\nname = \"a\"\npath = \"missing.csv\"\nid = \"id\"\n", "missing.csv"),
            ("[[source]]\nname = \"a\"\npath = \"a.csv\"\nid = \"id\"\nencoding = \"ebcdic\"\n", "encoding"),
            ("[[source]]\nname = \"a\"\npath = \"a.csv\"\nid = \"id\"\n[source.columns]\nnama = \"x\"\n", "not a canonical field"),
            ("[[source]]\nname = \"a\"\npath = \"a.csv\"\n[source.columns]\nfull_name = \"x\"\n", "`id`"),
            ("[[source]]\nname = \"a\"\npath = \"a.csv\"\nid = \"id\"\ncolums = 1\n", "colums"),
            ("[[source]]\nname = \"a\"\npath = \"a.csv\"\nid = \"id\"\ndelimiter = \";;\"\n", "delimiter"),
            ("[[source]]\nname = \"a\"\npath = \"a.csv\"\nid = \"id\"\n[[source]]\nname = \"a\"\npath = \"a.csv\"\nid = \"id\"\n", "used twice"),
            ("[score]\nmatch_threshold = 1.0\nreview_threshold = 2.0\n[[source]]\nname = \"a\"\npath = \"a.csv\"\nid = \"id\"\n", "review_threshold"),
            ("[run]\nout = \"x\"\n", "no [[source]] tables: add one per agency export (see Configuration in the README)"),
            ("[block]\nwindow = 0\n[[source]]\nname = \"a\"\npath = \"a.csv\"\nid = \"id\"\n", "window"),
            ("[[source]]\nname = \"a\"\npath = \"a.csv\"\nid = \"id\"\ndates = [\"%d/%m/%Y\", \"%Q\"]\n", "`%Q` is not a date format"),
            ("[block]\nmax_block_size = 1\n[[source]]\nname = \"a\"\npath = \"a.csv\"\nid = \"id\"\n", "max_block_size"),
            ("[run]\nmax_field_chars = 0\n[[source]]\nname = \"a\"\npath = \"a.csv\"\nid = \"id\"\n", "max_field_chars"),
        ];
        for (text, needle) in cases {
            let err = parse_in_tmp(text).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{text}");
            let msg = err.to_string();
            assert!(msg.contains(needle), "{msg:?} should mention {needle:?}");
            assert!(msg.contains("padan.toml"), "{msg:?} should name the file");
        }
    }

    #[test]
    fn canonical_sources_default_their_id_column() {
        let c = parse_in_tmp("[[source]]\nname = \"a\"\npath = \"a.csv\"\n").unwrap();
        assert_eq!(c.sources[0].id, "record_id");
        assert!(matches!(c.sources[0].columns, ColumnMap::Canonical));
    }
}
