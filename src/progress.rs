//! Progress on stderr: per stage a spinner, or a bar with its rate and ETA when the amount of
//! work is known, on a terminal; nothing otherwise (CI, cron). Progress lines carry counts and
//! stage names only, never personal data.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    on: bool,
}

pub struct Stage {
    bar: Option<ProgressBar>,
    name: &'static str,
    start: Instant,
}

impl Progress {
    /// Shows progress only when stderr is a terminal.
    pub fn new() -> Progress {
        Progress {
            on: std::io::stderr().is_terminal(),
        }
    }

    pub fn stage(&self, name: &'static str) -> Stage {
        let bar = self.on.then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_message(name);
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Stage {
            bar,
            name,
            start: Instant::now(),
        }
    }
}

impl Progress {
    /// A stage of `total` units (`records`, `pairs`): a bar with the rate and the ETA.
    pub fn counted(&self, name: &'static str, total: u64, unit: &'static str) -> Stage {
        let bar = self.on.then(|| {
            let b = ProgressBar::new(total);
            let template = format!(
                "{{msg}} {{bar:30}} {{human_pos}}/{{human_len}} {unit} {{per_sec:0}} eta {{eta}}"
            );
            b.set_style(
                ProgressStyle::with_template(&template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.set_message(name);
            b
        });
        Stage {
            bar,
            name,
            start: Instant::now(),
        }
    }
}

/// A handle on a stage's bar that parallel workers advance (does nothing when quiet).
#[derive(Clone, Default)]
pub struct Counter(Option<ProgressBar>);

impl Counter {
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

impl Stage {
    pub fn counter(&self) -> Counter {
        Counter(self.bar.clone())
    }

    /// Names the part of the stage under way (a blocking rule, say).
    pub fn step(&self, what: &str) {
        if let Some(b) = &self.bar {
            b.set_message(format!("{} {what}", self.name));
        }
    }

    pub fn done(&self, detail: &str) {
        if let Some(b) = &self.bar {
            let secs = self.start.elapsed().as_secs_f64();
            let sep = if detail.is_empty() { "" } else { ": " };
            if b.length().is_some() {
                b.set_style(ProgressStyle::with_template("  {msg}").unwrap_or_else(|_| b.style()));
            }
            b.finish_with_message(format!("{}{sep}{detail} ({secs:.2}s)", self.name));
        }
    }
}
