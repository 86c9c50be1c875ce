//! What a run measures of itself: each stage's seconds (and its steps'), each stage's peak
//! memory, and the progress shown on a terminal.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::progress::Progress;

pub(super) struct Timing {
    pub progress: Progress,
    pub seconds: BTreeMap<&'static str, f64>,
    /// Each stage's peak resident memory.
    pub peaks: BTreeMap<&'static str, u64>,
}

impl Timing {
    pub fn new() -> Timing {
        Timing {
            progress: Progress::new(),
            seconds: BTreeMap::new(),
            peaks: BTreeMap::new(),
        }
    }

    /// `name`'s seconds: those since `since`.
    pub fn took(&mut self, name: &'static str, since: Instant) {
        self.seconds.insert(name, since.elapsed().as_secs_f64());
    }

    /// Ends `stage`, begun at `since`: its seconds, and its peak memory, the high-water mark
    /// read then reset (Linux; elsewhere nothing is recorded).
    pub fn end(&mut self, stage: &'static str, since: Instant) {
        self.took(stage, since);
        if let Some(p) = peak_memory() {
            self.peaks.insert(stage, p);
            // Writing 5 to clear_refs resets the high-water mark (proc(5)).
            let _ = std::fs::write("/proc/self/clear_refs", "5");
        }
    }
}

/// Peak resident memory of this process, from `/proc` (Linux), in bytes.
pub fn peak_memory() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
