//! Fingerprints of what a generation's kept files depend on besides the records: a kept file
//! made under another fingerprint is not read.

use xxhash_rust::xxh3::xxh3_64;

use crate::config::Config;

/// A hash of everything in the configuration that decides a record's comparison levels
/// and which pairs are kept: each source's reading and mapping (not its path, which may
/// name a new export every night, nor its priority), the blocking limits, the model
/// kind and the pairs floor, with padan's version, the blocking rules' revision and the
/// year (two-digit years are read against it). An incremental run needs the previous
/// generation's to be the same.
pub fn link(config: &Config, year: i32) -> u64 {
    let mut sources: Vec<String> = config
        .sources
        .iter()
        .map(|s| {
            format!(
                "{}|{:?}|{:?}|{:?}|{}|{:?}|{:?}|{:?}",
                s.name, s.format, s.delimiter, s.encoding, s.id, s.dates, s.sheet, s.columns
            )
        })
        .collect();
    sources.sort();
    let text = format!(
        "padan {}|{year}|{sources:?}|{}|{}|{}|{:?}|rules {}",
        env!("CARGO_PKG_VERSION"),
        config.block.max_block_size,
        config.block.window,
        config.score.em,
        config.score.pairs_floor.map(f64::to_bits),
        crate::block::RULES_REVISION,
    );
    xxh3_64(text.as_bytes())
}
